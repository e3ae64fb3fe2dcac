//! The durable outbox (D26): a message is written in the transaction of the
//! change that caused it and delivered later by the scheduler, so a crash
//! between the two loses nothing, and its idempotency key lets a receiver
//! drop a repeat.

use super::integrity::append_events;
use super::{ORG, load_incident, parse_optional_time, parse_time};
use crate::sql::{OptionalExtension, Sql, params};
use crate::{
    CONTROL_HOOK_CHANNEL, HOOK_CHANNEL_PREFIX, MAX_ATTEMPTS, NOTICE_CHANNEL_PREFIX, OutboxMessage,
    PAGE_CHANNEL_PREFIX, ROLE_CHANNEL_PREFIX, StoreResult, UPDATE_CHANNEL_PREFIX,
};
use firebreak_core::Timestamp;
use firebreak_core::timeline::{EventDraft, EventKind, state_hash};
use serde_json::json;

fn millis(at: Timestamp) -> i64 {
    at.as_millisecond()
}

/// A message to queue.
pub(super) struct Queued<'a> {
    pub channel: &'a str,
    pub target: &'a str,
    pub payload: &'a str,
    /// With the target, what makes the message unique.
    pub idempotency_key: &'a str,
    /// Not sent before this instant.
    pub not_before: Timestamp,
    /// The incident whose timeline records each attempt.
    pub incident: Option<u64>,
}

impl<'a> Queued<'a> {
    /// A caller's message, to send from `now`.
    pub fn from(message: &'a crate::OutgoingMessage, now: Timestamp) -> Queued<'a> {
        Queued {
            channel: &message.channel,
            target: &message.target,
            payload: &message.payload,
            idempotency_key: &message.idempotency_key,
            not_before: now,
            incident: message.incident,
        }
    }
}

/// Queues a message unless one with the same key was queued before.
pub(super) fn enqueue(transaction: &dyn Sql, message: &Queued, now: Timestamp) -> StoreResult<()> {
    transaction.execute(
        "INSERT INTO outbox (org_id, id, channel, target, payload, idempotency_key, created_at, next_attempt_ms, incident)
         SELECT ?1, coalesce(max(id), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 FROM outbox WHERE org_id = ?1
         ON CONFLICT (org_id, idempotency_key) DO NOTHING",
        params![
            ORG,
            message.channel,
            message.target,
            message.payload,
            format!("{}@{}", message.idempotency_key, message.target),
            now.to_string(),
            millis(message.not_before),
            message.incident.map(|n| n as i64)
        ],
    )?;
    Ok(())
}

/// Stops every undelivered message about `incident` on channels starting
/// `channel_prefix`, saying why; answers how many.
pub(super) fn cancel(
    transaction: &dyn Sql,
    incident: u64,
    channel_prefix: &str,
    reason: &str,
) -> StoreResult<usize> {
    Ok(transaction.execute(
        "UPDATE outbox SET next_attempt_ms = NULL, last_error = ?4
         WHERE org_id = ?1 AND incident = ?2 AND delivered_at IS NULL AND next_attempt_ms IS NOT NULL
         AND channel LIKE ?3",
        params![ORG, incident as i64, format!("{channel_prefix}%"), reason],
    )?)
}

const COLUMNS: &str = "id, channel, target, payload, idempotency_key, created_at, attempts, delivered_at, last_error, incident";

fn message_from_row(row: &crate::sql::Row) -> Result<OutboxRow, crate::sql::SqlError> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
    ))
}

type OutboxRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
);

fn build(row: OutboxRow) -> StoreResult<OutboxMessage> {
    let (
        id,
        channel,
        target,
        payload,
        idempotency_key,
        created_at,
        attempts,
        delivered_at,
        last_error,
        incident,
    ) = row;
    Ok(OutboxMessage {
        id: id as u64,
        channel,
        target,
        payload,
        idempotency_key,
        created_at: parse_time(&created_at)?,
        attempts: attempts as u32,
        delivered_at: parse_optional_time(delivered_at)?,
        last_error,
        incident: incident.map(|n| n as u64),
    })
}

pub(super) fn due(
    connection: &dyn Sql,
    now: Timestamp,
    limit: usize,
) -> StoreResult<Vec<OutboxMessage>> {
    // Messages to one receiver about one thing go out in order (a service
    // ignores an acknowledgement of an alert it has not been told of, a
    // witness expects checkpoints in order): one waits while an earlier one
    // is pending. Pages are independent of each other. Only pending rows are
    // looked at, through `outbox_due`.
    let mut statement = connection.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE org_id = ?1 AND next_attempt_ms <= ?2
           AND NOT (channel NOT LIKE '{PAGE_CHANNEL_PREFIX}%' AND EXISTS (
             SELECT 1 FROM outbox earlier WHERE earlier.org_id = outbox.org_id
               AND earlier.next_attempt_ms IS NOT NULL AND earlier.id < outbox.id
               AND earlier.channel = outbox.channel AND earlier.target = outbox.target
               AND coalesce(earlier.incident, 0) = coalesce(outbox.incident, 0)))
         ORDER BY id LIMIT ?3"
    ))?;
    let rows = statement.query_map(params![ORG, millis(now), limit as i64], message_from_row)?;
    rows.map(|row| build(row?)).collect()
}

pub(super) fn list(
    connection: &dyn Sql,
    channel: &str,
    limit: usize,
) -> StoreResult<Vec<OutboxMessage>> {
    let mut statement = connection.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE org_id = ?1 AND channel = ?2 ORDER BY id DESC LIMIT ?3"
    ))?;
    let rows = statement.query_map(params![ORG, channel, limit as i64], message_from_row)?;
    rows.map(|row| build(row?)).collect()
}

pub(super) fn attempted(
    transaction: &dyn Sql,
    id: u64,
    outcome: Result<Option<serde_json::Value>, String>,
    retry_at: Option<Timestamp>,
    now: Timestamp,
) -> StoreResult<()> {
    let outcome_text = match &outcome {
        Ok(_) => "delivered".to_string(),
        Err(error) if retry_at.is_some() => format!("failed, will retry: {error}"),
        Err(error) => format!("failed, gave up: {error}"),
    };
    let kept = outcome.as_ref().ok().cloned().flatten();
    let changed = match outcome {
        Ok(_) => transaction.execute(
            "UPDATE outbox SET attempts = attempts + 1, delivered_at = ?3, last_error = NULL, next_attempt_ms = NULL
             WHERE org_id = ?1 AND id = ?2",
            params![ORG, id as i64, now.to_string()],
        )?,
        Err(error) => transaction.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?3, next_attempt_ms = ?4
             WHERE org_id = ?1 AND id = ?2",
            params![ORG, id as i64, error, retry_at.map(millis)],
        )?,
    };
    super::touched(changed, || format!("outbox message {id}"))?;
    record_on_timeline(transaction, id, outcome_text, kept, now)
}

/// What the timeline says of one attempt of a webhook call: which hook,
/// where, which try, and what the call was about.
fn hook_attempt(
    transaction: &dyn Sql,
    id: u64,
    channel: &str,
    target: &str,
    payload: &serde_json::Value,
    attempts: i64,
    result: String,
) -> StoreResult<serde_json::Value> {
    let (hook, url, about) = if channel == CONTROL_HOOK_CHANNEL {
        let url: Option<String> = transaction
            .query_row(
                "SELECT url FROM control_hooks WHERE org_id = ?1 AND id = ?2",
                params![ORG, target],
                |r| r.get(0),
            )
            .optional()?;
        let state = &payload["state"];
        let about = json!({ "system": state["system"], "control_version": state["version"] });
        (target.to_string(), json!(url), about)
    } else {
        let warning = &payload["warning"];
        let about = json!({ "regime": warning["regime"], "report": warning["report"], "level": warning["level"] });
        ("clock-webhook".to_string(), json!(target), about)
    };
    let mut body = json!({
        "message": id, "hook": hook, "url": url,
        "attempt": attempts, "of": MAX_ATTEMPTS, "result": result,
    });
    if let (Some(body), Some(about)) = (body.as_object_mut(), about.as_object()) {
        body.extend(about.clone());
    }
    Ok(body)
}

/// Puts a message's attempt on its incident's timeline, when it has one.
fn record_on_timeline(
    transaction: &dyn Sql,
    id: u64,
    result: String,
    kept: Option<serde_json::Value>,
    now: Timestamp,
) -> StoreResult<()> {
    let row: Option<(Option<i64>, String, String, String, i64)> = transaction
        .query_row(
            "SELECT incident, channel, target, payload, attempts FROM outbox WHERE org_id = ?1 AND id = ?2",
            params![ORG, id as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((Some(number), channel, target, payload, attempts)) = row else {
        return Ok(());
    };
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
    let incident = load_incident(transaction, number as u64)?;
    if channel.starts_with(HOOK_CHANNEL_PREFIX) {
        let body = hook_attempt(
            transaction,
            id,
            &channel,
            &target,
            &payload,
            attempts,
            result,
        )?;
        let draft = EventDraft::by("firebreak", EventKind::HookAttempt, now, body);
        append_events(
            transaction,
            &incident.public_id(),
            vec![draft],
            &state_hash(&incident),
            now,
        )?;
        return Ok(());
    }
    let (kind, mut body) = match channel.strip_prefix(NOTICE_CHANNEL_PREFIX) {
        None if channel.starts_with(UPDATE_CHANNEL_PREFIX) => (
            EventKind::UpdateAttempt,
            json!({
                "message": id,
                "update": payload["update"],
                "contact": payload["contact"],
                "address": target,
                "attempt": attempts,
                "result": result,
            }),
        ),
        None if channel.starts_with(ROLE_CHANNEL_PREFIX) => (
            EventKind::RoleNotice,
            json!({
                "message": id,
                "user": payload["user"],
                "role": payload["role"],
                "contact": payload["contact"],
                "address": target,
                "attempt": attempts,
                "result": result,
            }),
        ),
        Some(service) => (
            EventKind::NoticeAttempt,
            json!({
                "message": id,
                "channel": target,
                "service": service,
                "action": payload["action"],
                "attempt": attempts,
                "result": result,
            }),
        ),
        None => (
            EventKind::PageAttempt,
            json!({
                "message": id,
                "channel": channel,
                "user": payload["notification"]["user"],
                "contact": payload["notification"]["contact"],
                "attempt": attempts,
                "result": result,
            }),
        ),
    };
    if let (Some(body), Some(serde_json::Value::Object(kept))) = (body.as_object_mut(), kept) {
        body.extend(kept);
    }
    append_events(
        transaction,
        &incident.public_id(),
        vec![EventDraft::by("firebreak", kind, now, body)],
        &state_hash(&incident),
        now,
    )?;
    Ok(())
}
