//! Action items tracked in Jira or GitHub Issues (D26, D28): the outbox
//! makes an item's ticket ([`deliver`]), the scheduler reads each open
//! ticket back ([`poll_due`], D25), and a tracker's signed webhook tells
//! of a change at once (`api::postmortems::tickets`). The item follows
//! what the tracker says; what the post-mortem records lives in
//! `firebreak_core::postmortem`.

mod github;
mod jira;

use crate::api::postmortems::{self, TicketMessage, TrackedItem};
use crate::notices::{Failure, credential_place};
use crate::state::AppState;
use firebreak_core::action::{TicketDraft, TicketReading};
use firebreak_core::oncall::ChannelKind;
use firebreak_store::{OutboxMessage, StoredChannel};
use serde_json::{Value, json};

/// A tracker channel opened for one call.
pub(crate) struct Tracker<'a> {
    http: &'a reqwest::Client,
    stored: &'a StoredChannel,
    credential: &'a str,
}

impl Tracker<'_> {
    fn endpoint(&self) -> &str {
        self.stored
            .channel
            .endpoint()
            .unwrap_or_default()
            .trim_end_matches('/')
    }
}

/// A ticket the tracker made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Made {
    pub key: String,
    pub url: String,
}

/// What a tracker's webhook delivery says.
#[derive(Debug)]
pub(crate) enum Heard {
    Ticket { key: String, reading: TicketReading },
    Ignored(String),
}

/// The ticket system's name, for messages.
pub(crate) fn tracker_name(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Jira => "Jira",
        _ => "GitHub",
    }
}

/// Makes the ticket a queued message asks for, unless an earlier attempt
/// made it already, and links it to its item; answers what the timeline
/// keeps of the attempt. A failure is also shown on the item.
pub(crate) async fn deliver(
    state: &AppState,
    stored: &StoredChannel,
    credential: &str,
    message: &OutboxMessage,
) -> Result<Option<Value>, Failure> {
    let asked: TicketMessage = serde_json::from_str(&message.payload)
        .map_err(|e| Failure::final_(format!("the stored ticket request cannot be read: {e}")))?;
    let number = message
        .incident
        .ok_or_else(|| Failure::final_("the ticket request names no incident"))?;
    let tracker = Tracker {
        http: &state.http,
        stored,
        credential,
    };
    let (action, outcome) = match &asked {
        TicketMessage::Make(draft) => (
            &draft.action,
            make(state, &tracker, message, draft, number).await,
        ),
        TicketMessage::Reopen {
            action,
            key,
            reason,
            ..
        } => {
            let reopened = match stored.channel.kind {
                ChannelKind::Github => github::reopen(&tracker, key, reason).await,
                _ => jira::reopen(&tracker, key, reason).await,
            };
            (
                action,
                reopened.map(|()| Some(json!({"ticket": key, "reopened": true}))),
            )
        }
    };
    if let Err(failure) = &outcome {
        let reason = failure.reason.clone();
        if let Err(error) = postmortems::ticket_unreachable(state, number, action, &reason).await {
            tracing::warn!(%error, "cannot record that a tracker is out of reach");
        }
    }
    outcome
}

/// What a reopened ticket's comment says.
fn reopen_comment(reason: &str) -> String {
    format!("Reopened by Firebreak: the fix's verification failed. {reason}")
}

async fn make(
    state: &AppState,
    tracker: &Tracker<'_>,
    message: &OutboxMessage,
    draft: &TicketDraft,
    number: u64,
) -> Result<Option<Value>, Failure> {
    let stored = tracker.stored;
    let slug = &stored.channel.slug;
    let item = postmortems::tracked_item(state, number, &draft.action)
        .await
        .map_err(|e| Failure::final_(e.to_string()))?;
    if let Some(key) = item.ticket.as_ref().and_then(|t| t.key.clone()) {
        // Linked by an earlier attempt whose outcome was not recorded.
        return Ok(Some(json!({"ticket": key})));
    }
    // A minute of leeway for the tracker's clock.
    let since = message.created_at - jiff::SignedDuration::from_secs(60);
    let found = match stored.channel.kind {
        ChannelKind::Github => github::find(tracker, draft, since).await?,
        _ => jira::find(tracker, draft).await?,
    };
    let made = match found {
        Some(made) => made,
        None => match stored.channel.kind {
            ChannelKind::Github => github::create(tracker, draft).await?,
            _ => jira::create(tracker, draft).await?,
        },
    };
    postmortems::link_ticket(state, number, &draft.action, slug, &made)
        .await
        .map_err(|e| {
            Failure::transient(format!(
                "{} made {}, but it could not be recorded: {e}",
                tracker_name(stored.channel.kind),
                made.key
            ))
        })?;
    Ok(Some(json!({"ticket": made.key, "url": made.url})))
}

/// Reads one ticket at its tracker.
pub(crate) async fn read(
    state: &AppState,
    stored: &StoredChannel,
    key: &str,
) -> Result<TicketReading, Failure> {
    let credential = state
        .secrets
        .open(
            &stored.sealed_credential,
            &credential_place(&stored.channel.slug),
        )
        .map_err(|e| Failure::final_(e.to_string()))?;
    let tracker = Tracker {
        http: &state.http,
        stored,
        credential: &credential,
    };
    match stored.channel.kind {
        ChannelKind::Github => github::read(&tracker, key).await,
        _ => jira::read(&tracker, key).await,
    }
}

/// What a signed delivery from `stored`'s tracker says.
pub(crate) fn heard(
    stored: &StoredChannel,
    headers: &axum::http::HeaderMap,
    payload: &Value,
) -> Result<Heard, String> {
    let project = stored.channel.project.as_deref().unwrap_or_default();
    match stored.channel.kind {
        ChannelKind::Github => {
            let event = headers
                .get("x-github-event")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            github::heard(event, payload, project)
        }
        _ => jira::heard(payload, project),
    }
}

/// The header a tracker signs its deliveries in.
pub(crate) fn signature_header(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Github => "x-hub-signature-256",
        _ => "x-hub-signature",
    }
}

/// The scheduler's job: reads every linked ticket whose item is still to
/// do, or whose ticket was open when last seen, and lets the item follow.
/// A tracker out of reach is shown on the item and read again next time.
pub async fn poll_due(state: &AppState) {
    let tracked = match postmortems::tracked_items(state).await {
        Ok(tracked) => tracked,
        Err(error) => {
            tracing::error!(%error, "cannot list the action items tracked in tickets");
            return;
        }
    };
    let channels = match state.run(|store| store.oncall()).await {
        Ok(config) => config.channels,
        Err(error) => {
            tracing::error!(%error, "cannot read the tracker channels");
            return;
        }
    };
    for TrackedItem { incident, item } in tracked {
        let Some(ticket) = &item.ticket else { continue };
        let Some(key) = &ticket.key else { continue };
        let settled = !item.status.is_pending()
            && ticket
                .state
                .is_some_and(|s| s.action_status() == item.status);
        if settled {
            continue;
        }
        let Some(stored) = channels
            .iter()
            .find(|c| c.channel.slug == ticket.channel && c.channel.kind.is_tracker())
        else {
            continue;
        };
        let outcome = match read(state, stored, key).await {
            Ok(reading) => postmortems::follow_ticket(state, incident, &item.id, &reading).await,
            Err(failure) => {
                postmortems::ticket_unreachable(state, incident, &item.id, &failure.reason).await
            }
        };
        if let Err(error) = outcome {
            tracing::warn!(%error, incident, action = %item.id, "cannot record a ticket's state");
        }
    }
}
