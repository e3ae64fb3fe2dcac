//! Action items tracked in a ticket system: a person asks for an item's
//! ticket (queued for the outbox with the request, D26), and the tracker's
//! signed webhook tells of the ticket's changes. The calls to the trackers
//! themselves are in `crate::tickets`; this is what the post-mortem
//! records of them, for the API, the outbox and the scheduler alike.

use super::{PostMortemView, postmortem_of, quiet, step_if_changed, step_sending};
use crate::api::incidents::incident_number;
use crate::auth::Responder;
use crate::error::{ApiError, ApiJson, Problem};
use crate::state::{AppState, now};
use crate::tickets::{Heard, Made};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use firebreak_core::action::{ActionItem, SourcedAction, TicketDraft, TicketReading};
use firebreak_core::incident::Incident;
use firebreak_core::postmortem::PostMortemChange;
use firebreak_store::{DocumentKind, OutgoingMessage, StoredChannel, TICKET_CHANNEL};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketRequest {
    /// The tracker channel's slug (kind `github` or `jira`).
    pub channel: String,
}

/// What the outbox asks of a tracker.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "ticket", rename_all = "snake_case")]
pub(crate) enum TicketMessage {
    /// Make the item's ticket.
    Make(TicketDraft),
    /// Open the item's ticket again: its fix failed its verification.
    Reopen {
        incident: String,
        action: String,
        key: String,
        reason: String,
    },
}

/// When `change` reopened item `action` (its verification failed) and the
/// item is tracked by a ticket, the message that reopens the ticket too,
/// queued with the change.
pub(super) fn with_ticket_reopened(
    incident: &Incident,
    change: PostMortemChange,
    action: &str,
) -> (PostMortemChange, Vec<OutgoingMessage>) {
    let item = change
        .postmortem
        .action_items
        .iter()
        .find(|i| i.id == action);
    let reopened = item.and_then(|item| {
        let failed = item
            .verification
            .results
            .last()
            .filter(|r| r.outcome == firebreak_core::action::Outcome::Failed)?;
        let ticket = item.ticket.as_ref()?;
        let key = ticket.key.clone()?;
        (item.status == firebreak_core::action::ActionStatus::Open).then(|| OutgoingMessage {
            channel: TICKET_CHANNEL.to_string(),
            target: ticket.channel.clone(),
            payload: serde_json::to_string(&TicketMessage::Reopen {
                incident: incident.public_id(),
                action: action.to_string(),
                key: key.clone(),
                reason: failed.detail.clone(),
            })
            .expect("a ticket message serializes"),
            idempotency_key: format!(
                "ticket-reopen:{}:{action}:{}",
                incident.public_id(),
                failed.at.as_millisecond()
            ),
            incident: Some(incident.number),
        })
    });
    (change, reopened.into_iter().collect())
}

/// An action item of a post-mortem, with its incident's number.
pub(crate) struct TrackedItem {
    pub incident: u64,
    pub item: ActionItem,
}

/// The tracker channels (kind github or jira).
async fn trackers(state: &AppState) -> Result<Vec<StoredChannel>, ApiError> {
    let mut channels = state.run(|store| store.oncall()).await?.channels;
    channels.retain(|c| c.channel.kind.is_tracker());
    Ok(channels)
}

async fn tracker(state: &AppState, slug: &str) -> Result<Option<StoredChannel>, ApiError> {
    Ok(trackers(state)
        .await?
        .into_iter()
        .find(|c| c.channel.slug == slug))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/postmortem/actions/{action_id}/ticket", tag = "postmortems",
    request_body = TicketRequest,
    params(("id" = String, Path, description = "INC-<n>"), ("action_id" = String, Path, description = "e.g. act-1")),
    responses((status = 202, body = PostMortemView, description = "Asked for; the outbox makes it"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The item is tracked already"),
        (status = 422, body = Problem, description = "No such item or tracker")))]
pub async fn request_ticket(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    ApiJson(request): ApiJson<TicketRequest>,
) -> Result<(StatusCode, ApiJson<PostMortemView>), ApiError> {
    let number = incident_number(&id)?;
    let view = ask_for_ticket(&state, number, action, &request.channel, caller.name()).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(view)))
}

/// Asks tracker `channel` for a ticket for item `action` of INC-`number`'s
/// post-mortem: the request is recorded and the outbox message that makes
/// the ticket is queued with it. The API and the incident page both ask
/// through this.
pub(crate) async fn ask_for_ticket(
    state: &AppState,
    number: u64,
    action: String,
    channel: &str,
    actor: &str,
) -> Result<PostMortemView, ApiError> {
    let Some(stored) = tracker(state, channel).await? else {
        return Err(ApiError::invalid(
            "channel",
            format!("no tracker channel (kind github or jira) named `{channel}`"),
        ));
    };
    let actor = actor.to_string();
    step_sending(state, number, move |incident, current, _| {
        let at = now();
        let change = current.request_ticket(&action, &stored.channel.slug, &actor, at)?;
        let item = change
            .postmortem
            .action_items
            .iter()
            .find(|i| i.id == action)
            .expect("the item was just found");
        let draft = TicketDraft::new(&SourcedAction {
            source: incident.public_id(),
            item: item.clone(),
        });
        let message = OutgoingMessage {
            channel: TICKET_CHANNEL.to_string(),
            target: stored.channel.slug.clone(),
            payload: serde_json::to_string(&TicketMessage::Make(draft.clone()))
                .expect("a ticket message serializes"),
            // A new request after one that gave up is a new message; the
            // tracker is searched first, so it makes no second ticket.
            idempotency_key: format!("ticket:{}:{action}:{}", draft.incident, at.as_millisecond()),
            incident: Some(incident.number),
        };
        Ok((change, vec![message]))
    })
    .await
}

/// The slugs of the tracker channels (kind github or jira), for choosing
/// one on the incident page.
pub(crate) async fn tracker_slugs(state: &AppState) -> Result<Vec<String>, ApiError> {
    Ok(trackers(state)
        .await?
        .into_iter()
        .map(|c| c.channel.slug)
        .collect())
}

/// Every action item of every post-mortem that has a ticket.
pub(crate) async fn tracked_items(state: &AppState) -> Result<Vec<TrackedItem>, ApiError> {
    let documents = state
        .run(|store| store.documents(DocumentKind::Postmortem))
        .await?;
    let mut tracked = Vec::new();
    for (incident, document) in documents {
        let Some(postmortem) = postmortem_of(Some(&document))? else {
            continue;
        };
        tracked.extend(
            postmortem
                .action_items
                .into_iter()
                .filter(|item| item.ticket.is_some())
                .map(|item| TrackedItem {
                    incident: incident.number,
                    item,
                }),
        );
    }
    Ok(tracked)
}

/// Item `action` of INC-`number`'s post-mortem.
pub(crate) async fn tracked_item(
    state: &AppState,
    number: u64,
    action: &str,
) -> Result<ActionItem, ApiError> {
    let document = state
        .run(move |store| store.document(number, DocumentKind::Postmortem))
        .await?;
    postmortem_of(document.as_ref())?
        .and_then(|pm| pm.action_items.into_iter().find(|i| i.id == action))
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "INC-{number}'s post-mortem has no action item `{action}`"
            ))
        })
}

pub(crate) async fn link_ticket(
    state: &AppState,
    number: u64,
    action: &str,
    channel: &str,
    made: &Made,
) -> Result<bool, ApiError> {
    let (action, channel, made) = (action.to_string(), channel.to_string(), made.clone());
    step_if_changed(state, number, move |_, current| {
        current
            .link_ticket(&action, &channel, &made.key, &made.url, now())
            .map(quiet)
    })
    .await
}

pub(crate) async fn follow_ticket(
    state: &AppState,
    number: u64,
    action: &str,
    reading: &TicketReading,
) -> Result<bool, ApiError> {
    let (action, reading) = (action.to_string(), reading.clone());
    step_if_changed(state, number, move |_, current| {
        current.follow_ticket(&action, &reading, now()).map(quiet)
    })
    .await
}

pub(crate) async fn ticket_unreachable(
    state: &AppState,
    number: u64,
    action: &str,
    reason: &str,
) -> Result<bool, ApiError> {
    let (action, reason) = (action.to_string(), reason.to_string());
    step_if_changed(state, number, move |_, current| {
        current
            .ticket_unreachable(&action, &reason, now())
            .map(quiet)
    })
    .await
}

/// What Firebreak made of a tracker's delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDelivery {
    /// `followed` (the item changed), `unchanged`, or `ignored`.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl TicketDelivery {
    fn ignored(reason: String) -> (StatusCode, ApiJson<TicketDelivery>) {
        (
            StatusCode::ACCEPTED,
            ApiJson(TicketDelivery {
                outcome: "ignored".into(),
                incident: None,
                action: None,
                reason: Some(reason),
            }),
        )
    }
}

#[utoipa::path(post, path = "/api/v1/trackers/{channel_slug}/webhook", tag = "postmortems",
    params(("channel_slug" = String, Path)),
    request_body(content = Object, description = "GitHub `issues` event (signed with X-Hub-Signature-256) or Jira `jira:issue_updated` (signed with X-Hub-Signature)"),
    security(()),
    responses((status = 200, body = TicketDelivery),
        (status = 202, body = TicketDelivery, description = "Heard, nothing to follow"),
        (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn tracker_webhook(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, ApiJson<TicketDelivery>), ApiError> {
    // An unknown tracker, or one without a webhook secret, answers like a
    // bad signature: senders learn nothing about which trackers exist.
    let stored = tracker(&state, &slug)
        .await?
        .ok_or(ApiError::SignatureRefused)?;
    let sealed = stored
        .sealed_webhook_secret
        .as_ref()
        .ok_or(ApiError::SignatureRefused)?;
    let secret = state
        .secrets
        .open(sealed, &crate::notices::webhook_secret_place(&slug))
        .map_err(|e| ApiError::Internal(format!("the webhook secret of tracker {slug}: {e}")))?;
    let given = headers
        .get(crate::tickets::signature_header(stored.channel.kind))
        .and_then(|v| v.to_str().ok());
    if !crate::hub_signature::valid(given, &secret, &body) {
        return Err(ApiError::SignatureRefused);
    }
    let payload: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(None, format!("the body is not JSON: {e}")))?;
    let (key, reading) = match crate::tickets::heard(&stored, &headers, &payload)
        .map_err(|e| ApiError::bad_request(None, e))?
    {
        Heard::Ignored(reason) => return Ok(TicketDelivery::ignored(reason)),
        Heard::Ticket { key, reading } => (key, reading),
    };
    let found = tracked_items(&state).await?.into_iter().find(|t| {
        t.item
            .ticket
            .as_ref()
            .is_some_and(|ticket| ticket.channel == slug && ticket.key.as_deref() == Some(&key))
    });
    let Some(TrackedItem { incident, item }) = found else {
        return Ok(TicketDelivery::ignored(format!(
            "no action item is tracked by {key} in {slug}"
        )));
    };
    let followed = follow_ticket(&state, incident, &item.id, &reading).await?;
    Ok((
        StatusCode::OK,
        ApiJson(TicketDelivery {
            outcome: if followed { "followed" } else { "unchanged" }.into(),
            incident: Some(format!("INC-{incident}")),
            action: Some(item.id),
            reason: None,
        }),
    ))
}
