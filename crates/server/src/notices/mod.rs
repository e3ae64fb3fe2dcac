//! Notices to outbound channels (D26, D28): the outbox hands over a notice
//! queued when an incident changed; this module opens the channel's sealed
//! credential and speaks the service's protocol: PagerDuty Events API v2
//! (`pagerduty.rs`), Opsgenie's Alert API (`opsgenie.rs`), Microsoft
//! Teams incoming webhooks with an Adaptive Card (`teams.rs`), Slack
//! incoming webhooks (`slack_webhook.rs`) and Slack's Web API for incident
//! channels (`slack.rs`). What each
//! change tells which channel is decided in `firebreak_core::oncall`.

mod opsgenie;
mod pagerduty;
mod slack;
mod slack_webhook;
mod teams;

use crate::state::AppState;
use firebreak_core::incident::{Severity, Status};
use firebreak_core::oncall::{ChannelKind, NoticeAction};
use firebreak_store::{OutboxMessage, StoredChannel};
use serde::Deserialize;
use std::time::Duration;

/// The longest wait a service's `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Why a notice was not delivered, and whether to try again.
#[derive(Debug)]
pub struct Failure {
    pub reason: String,
    /// False when the service refused the request as such (a 4xx other than
    /// 429): sending it again would be refused again.
    pub retry: bool,
    /// The service's own wait (HTTP 429 or 503 with `Retry-After`).
    pub retry_after: Option<Duration>,
}

impl Failure {
    pub(crate) fn final_(reason: impl Into<String>) -> Failure {
        Failure {
            reason: reason.into(),
            retry: false,
            retry_after: None,
        }
    }

    pub(crate) fn transient(reason: impl Into<String>) -> Failure {
        Failure {
            reason: reason.into(),
            retry: true,
            retry_after: None,
        }
    }
}

/// The place a channel's credential is sealed for.
pub fn credential_place(slug: &str) -> String {
    format!("channel:{slug}")
}

/// The place a tracker's webhook secret is sealed for.
pub fn webhook_secret_place(slug: &str) -> String {
    format!("channel:{slug}:webhook")
}

/// What the store put in a notice's payload.
#[derive(Debug, Deserialize)]
struct Notice {
    incident: String,
    title: String,
    #[serde(default)]
    summary: String,
    severity: Severity,
    status: Status,
    systems: Vec<String>,
    action: NoticeAction,
}

impl Notice {
    /// The incident's page, when the server knows its public URL.
    fn link(&self, public_url: Option<&str>) -> Option<String> {
        public_url.map(|url| format!("{}/incidents/{}", url.trim_end_matches('/'), self.incident))
    }

    /// "Incident declared: INC-4 SEV1: Scores all zero".
    fn heading(&self) -> String {
        let what = match self.action {
            NoticeAction::Trigger => "Incident declared",
            NoticeAction::Update => "Severity changed",
            NoticeAction::Acknowledge => "Page acknowledged",
            NoticeAction::Resolve => "Incident resolved",
        };
        format!("{what}: {}", self.headline())
    }

    fn headline(&self) -> String {
        format!(
            "{} {}: {}",
            self.incident,
            self.severity.as_str().to_uppercase(),
            self.title
        )
    }
}

/// Sends one notice to the channel named by the message's target; answers
/// what the incident's timeline keeps of a delivered one (the Slack channel
/// a Slack step created).
pub async fn deliver(
    state: &AppState,
    message: &OutboxMessage,
) -> Result<Option<serde_json::Value>, Failure> {
    let slug = message.target.clone();
    let config = state
        .run(|store| store.oncall())
        .await
        .map_err(|e| Failure::transient(format!("the channel cannot be read: {e}")))?;
    let Some(stored) = config.channels.into_iter().find(|c| c.channel.slug == slug) else {
        return Err(Failure::final_(format!(
            "channel {slug} was removed before the notice went out"
        )));
    };
    let credential = state
        .secrets
        .open(&stored.sealed_credential, &credential_place(&slug))
        .map_err(|e| Failure::final_(e.to_string()))?;
    let public_url = state.page_channels.public_url.as_deref();
    if stored.channel.kind == ChannelKind::Slack {
        return slack::deliver(state, &stored, &credential, message, public_url).await;
    }
    if stored.channel.kind.is_tracker() {
        return crate::tickets::deliver(state, &stored, &credential, message).await;
    }
    let notice: Notice = serde_json::from_str(&message.payload)
        .map_err(|e| Failure::final_(format!("the stored notice cannot be read: {e}")))?;
    let request = match stored.channel.kind {
        ChannelKind::Pagerduty => pagerduty::request(
            &state.http,
            &stored,
            &credential,
            &notice,
            message,
            public_url,
        ),
        ChannelKind::Opsgenie => {
            opsgenie::request(&state.http, &stored, &credential, &notice, public_url)
        }
        ChannelKind::Teams => teams::request(&state.http, &credential, &notice, public_url),
        ChannelKind::SlackWebhook => {
            slack_webhook::request(&state.http, &credential, &notice, public_url)
        }
        // An SMS provider carries pages, not notices (`paging/sms.rs`);
        // Slack and the trackers were answered above.
        ChannelKind::Twilio | ChannelKind::Slack | ChannelKind::Github | ChannelKind::Jira => None,
    };
    let Some(request) = request else {
        // Nothing to say for this action on this service.
        return Ok(None);
    };
    let response = request
        .send()
        .await
        .map_err(|e| Failure::transient(format!("{}: {}", kind_name(&stored), without_url(&e))))?;
    answer(&stored, response).await.map(|()| None)
}

fn kind_name(stored: &StoredChannel) -> &'static str {
    match stored.channel.kind {
        ChannelKind::Pagerduty => "PagerDuty",
        ChannelKind::Opsgenie => "Opsgenie",
        ChannelKind::Teams => "Teams",
        ChannelKind::SlackWebhook => "Slack webhook",
        ChannelKind::Twilio => "Twilio",
        ChannelKind::Slack => "Slack",
        ChannelKind::Github | ChannelKind::Jira => {
            crate::tickets::tracker_name(stored.channel.kind)
        }
    }
}

/// A transport error without its URL: a webhook URL is a credential.
pub(crate) fn without_url(error: &reqwest::Error) -> String {
    let text = error.to_string();
    match error.url() {
        Some(url) => text.replace(url.as_str(), "(the channel's URL)"),
        None => text,
    }
}

/// Reads the service's answer: 2xx is delivered; 429 and 5xx are retried,
/// after `Retry-After` when the service gives one; other answers are final.
pub(crate) async fn answer(
    stored: &StoredChannel,
    response: reqwest::Response,
) -> Result<(), Failure> {
    if response.status().is_success() {
        return Ok(());
    }
    Err(refusal(stored, response).await)
}

/// The failure a service's answer other than 2xx stands for: 429 and 5xx
/// are retried, after `Retry-After` when the service gives one; other
/// answers are final.
pub(crate) async fn refusal(stored: &StoredChannel, response: reqwest::Response) -> Failure {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|secs| Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    let body = response.text().await.unwrap_or_default();
    let said: String = body.chars().take(300).collect();
    let reason = format!("{} answered {status}: {said}", kind_name(stored));
    let retry = status.as_u16() == 429 || status.is_server_error();
    Failure {
        reason,
        retry,
        retry_after: retry_after.filter(|_| retry),
    }
}
