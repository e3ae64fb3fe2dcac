//! Pages and role notifications as text messages through the deployment's
//! SMS provider: the one channel of kind `twilio`, speaking Twilio's
//! Messages API (`POST {endpoint}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
//! form-encoded `To`, `From` and `Body`, HTTP Basic auth with the Account
//! SID and the auth token, which is sealed at rest with the channel, D28).
//! Twilio answers an error as JSON with `code` and `message`: a 429 or 5xx
//! is retried (after `Retry-After` when given), any other refusal is final,
//! since the same request would be refused again.

use crate::notices::{Failure, answer, credential_place, without_url};
use crate::state::AppState;
use firebreak_core::oncall::ChannelKind;
use firebreak_store::{OutboxMessage, StoredChannel};

/// Texts `text` to the message's target, a phone number in E.164 form.
pub(super) async fn send(
    state: &AppState,
    message: &OutboxMessage,
    text: &str,
) -> Result<(), Failure> {
    let config = state
        .run(|store| store.oncall())
        .await
        .map_err(|e| Failure::transient(format!("the SMS provider cannot be read: {e}")))?;
    let provider = config
        .channels
        .into_iter()
        .find(|c| c.channel.kind == ChannelKind::Twilio)
        .ok_or_else(|| {
            Failure::transient("no SMS provider is set up (an on-call channel of kind twilio)")
        })?;
    let token = state
        .secrets
        .open(
            &provider.sealed_credential,
            &credential_place(&provider.channel.slug),
        )
        .map_err(|e| Failure::final_(e.to_string()))?;
    let response = request(&state.http, &provider, &token, &message.target, text)?
        .send()
        .await
        .map_err(|e| Failure::transient(format!("Twilio: {}", without_url(&e))))?;
    answer(&provider, response).await
}

/// The Messages API request for `to` and `text`.
fn request(
    http: &reqwest::Client,
    provider: &StoredChannel,
    token: &str,
    to: &str,
    text: &str,
) -> Result<reqwest::RequestBuilder, Failure> {
    let channel = &provider.channel;
    let (Some(account), Some(from), Some(endpoint)) = (
        channel.account.as_deref(),
        channel.from.as_deref(),
        channel.endpoint(),
    ) else {
        return Err(Failure::final_(format!(
            "SMS provider {} lacks its account or sending number",
            channel.slug
        )));
    };
    let url = format!(
        "{}/2010-04-01/Accounts/{account}/Messages.json",
        endpoint.trim_end_matches('/')
    );
    Ok(http.post(url).basic_auth(account, Some(token)).form(&[
        ("To", to),
        ("From", from),
        ("Body", text),
    ]))
}
