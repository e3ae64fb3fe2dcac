//! Pages as Slack direct messages through the Web API's
//! `chat.postMessage`: the user's member id as `channel`, a bot token as
//! bearer. Slack answers 200 with `ok: false` and an `error` for refusals,
//! and 429 with `Retry-After` when rate limited; both are failed attempts,
//! retried by the outbox.

use super::PagePayload;
use crate::state::AppState;
use firebreak_store::OutboxMessage;
use serde::Deserialize;
use serde_json::json;

/// Slack's Web API and the bot token (`--slack-token` or
/// `FIREBREAK_SLACK_TOKEN`, never stored in the database).
#[derive(Clone)]
pub struct SlackSettings {
    /// `https://slack.com/api` unless a test or proxy says otherwise.
    pub api_url: String,
    pub token: String,
}

impl std::fmt::Debug for SlackSettings {
    /// Leaves the token out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackSettings")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct SlackAnswer {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
}

pub(super) async fn send(
    state: &AppState,
    slack: &SlackSettings,
    message: &OutboxMessage,
    payload: &PagePayload,
    public_url: Option<&str>,
) -> Result<(), String> {
    let body = json!({
        "channel": message.target,
        "text": format!("*{}*\n{}", payload.subject(), payload.text(public_url)),
    });
    let url = format!("{}/chat.postMessage", slack.api_url.trim_end_matches('/'));
    let response = state
        .http
        .post(&url)
        .bearer_auth(&slack.token)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("Slack: request failed: {e}"))?;
    let status = response.status();
    if status.as_u16() == 429 {
        let wait = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?");
        return Err(format!("Slack: rate limited, retry after {wait} s"));
    }
    if !status.is_success() {
        return Err(format!("Slack: answered {status}"));
    }
    let answer: SlackAnswer = response
        .json()
        .await
        .map_err(|e| format!("Slack: unreadable answer: {e}"))?;
    match answer {
        SlackAnswer { ok: true, .. } => Ok(()),
        SlackAnswer { error, .. } => Err(format!(
            "Slack: ok false ({})",
            error.as_deref().unwrap_or("no error given")
        )),
    }
}
