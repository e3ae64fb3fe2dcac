//! Outbound channels (Teams, PagerDuty, Opsgenie, Slack incident channels,
//! and the SMS provider pages are texted through): admins set them up with
//! a credential that is sealed before it is stored (D28) and never shown
//! again; the store queues a notice for each channel that hears of an
//! incident's change, and the outbox delivers it (D26).

use crate::api::page::{PageQuery, Paged};
use crate::auth::{Admin, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::notices::{credential_place, webhook_secret_place};
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use firebreak_core::DomainError;
use firebreak_core::incident::Severity;
use firebreak_core::oncall::{Channel, ChannelKind};
use firebreak_store::{OncallEntry, OncallKind, StoredChannel};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A channel to save: its settings and its credential (a Teams webhook URL,
/// a PagerDuty routing key, an Opsgenie API key, a Slack bot token
/// `xoxb-…` or an SMS provider's auth token).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelInput {
    pub slug: String,
    pub kind: ChannelKind,
    #[serde(default)]
    pub systems: Vec<String>,
    #[serde(default)]
    pub min_severity: Option<Severity>,
    #[serde(default)]
    pub endpoint: Option<String>,
    /// An SMS provider's account id (Twilio's Account SID).
    #[serde(default)]
    pub account: Option<String>,
    /// The number an SMS provider sends from, in E.164 form.
    #[serde(default)]
    pub from: Option<String>,
    /// A tracker's project: GitHub's `owner/name`, Jira's project key.
    #[serde(default)]
    pub project: Option<String>,
    /// Sealed at rest and never returned.
    pub credential: String,
    /// A tracker's webhook secret (what signs its calls to
    /// `/api/v1/trackers/{slug}/webhook`); sealed and never returned.
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

/// A channel as shown: never its credential.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    #[serde(flatten)]
    pub channel: Channel,
    /// Where requests go (the endpoint given, or the service's own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_endpoint: Option<String>,
    /// Always true: the credential is kept sealed and not shown.
    pub credential_sealed: bool,
    /// A tracker with a webhook secret hears of its tickets' changes by
    /// webhook, besides polling.
    pub webhook_secret_sealed: bool,
}

fn view(stored: StoredChannel) -> ChannelView {
    let effective_endpoint = match stored.channel.kind {
        // A webhook channel's endpoint is its credential.
        ChannelKind::Teams | ChannelKind::SlackWebhook => None,
        _ => stored.channel.endpoint().map(str::to_string),
    };
    ChannelView {
        webhook_secret_sealed: stored.sealed_webhook_secret.is_some(),
        channel: stored.channel,
        effective_endpoint,
        credential_sealed: true,
    }
}

async fn channels(state: &AppState) -> Result<Vec<StoredChannel>, ApiError> {
    Ok(state.run(|store| store.oncall()).await?.channels)
}

#[utoipa::path(get, path = "/api/v1/oncall/channels", tag = "oncall", params(PageQuery),
    responses((status = 200, body = Vec<ChannelView>), (status = 400, body = Problem)))]
pub async fn list(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<ChannelView>, ApiError> {
    let views = channels(&state).await?.into_iter().map(view).collect();
    page.page(views, &uri)
}

#[utoipa::path(get, path = "/api/v1/oncall/channels/{channel_slug}", tag = "oncall",
    params(("channel_slug" = String, Path)),
    responses((status = 200, body = ChannelView), (status = 404, body = Problem)))]
pub async fn show(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<ChannelView>, ApiError> {
    channels(&state)
        .await?
        .into_iter()
        .find(|c| c.channel.slug == slug)
        .map(|c| ApiJson(view(c)))
        .ok_or_else(|| ApiError::NotFound(format!("channel {slug} not found")))
}

#[utoipa::path(put, path = "/api/v1/oncall/channels/{channel_slug}", tag = "oncall",
    params(("channel_slug" = String, Path)), request_body = ChannelInput,
    responses((status = 201, body = ChannelView), (status = 200, body = ChannelView),
        (status = 409, body = Problem, description = "Another SMS provider is set up"),
        (status = 422, body = Problem)))]
pub async fn put(
    Admin(caller): Admin,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<ChannelInput>,
) -> Result<(StatusCode, ApiJson<ChannelView>), ApiError> {
    if input.slug != slug {
        return Err(ApiError::invalid(
            "slug",
            format!("must be \"{slug}\", as in the path"),
        ));
    }
    let channel = Channel {
        slug: input.slug,
        kind: input.kind,
        systems: input.systems,
        min_severity: input.min_severity.unwrap_or(Severity::Sev4),
        endpoint: input.endpoint,
        account: input.account,
        from: input.from,
        project: input.project,
    };
    let mut faults = Vec::new();
    for result in [
        channel.validate(),
        channel.validate_credential(&input.credential),
    ] {
        if let Err(error) = result {
            faults.extend(error.fields());
        }
    }
    let webhook_secret = input.webhook_secret.as_deref().map(str::trim);
    match webhook_secret {
        Some(_) if !channel.kind.is_tracker() => faults.push(firebreak_core::FieldError::new(
            "webhook_secret",
            "only a tracker (kind github or jira) takes one",
        )),
        Some(secret) if secret.len() < 16 || secret.len() > 256 => {
            faults.push(firebreak_core::FieldError::new(
                "webhook_secret",
                "16 to 256 characters: a secret a webhook is signed with",
            ))
        }
        _ => {}
    }
    if !faults.is_empty() {
        return Err(DomainError::Invalid(faults).into());
    }
    if channel.kind == ChannelKind::Twilio
        && let Some(other) = channels(&state)
            .await?
            .into_iter()
            .find(|c| c.channel.kind == ChannelKind::Twilio && c.channel.slug != channel.slug)
    {
        return Err(ApiError::Conflict {
            message: format!(
                "SMS provider {} is set up already: a deployment texts through one",
                other.channel.slug
            ),
            allowed: vec![],
        });
    }
    let stored = StoredChannel {
        sealed_credential: state
            .secrets
            .seal(input.credential.trim(), &credential_place(&channel.slug)),
        sealed_webhook_secret: webhook_secret.map(|secret| {
            state
                .secrets
                .seal(secret, &webhook_secret_place(&channel.slug))
        }),
        channel,
    };
    let entry = OncallEntry::Channel(stored.clone());
    let actor = caller.name().to_string();
    let created = state
        .run(move |store| store.save_oncall(&entry, &actor, now()))
        .await?;
    let status = crate::api::saved_status(created);
    Ok((status, ApiJson(view(stored))))
}

#[utoipa::path(delete, path = "/api/v1/oncall/channels/{channel_slug}", tag = "oncall",
    params(("channel_slug" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem)))]
pub async fn delete(
    Admin(caller): Admin,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.name().to_string();
    state
        .run(move |store| store.remove_oncall(OncallKind::Channel, &slug, &actor, now()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
