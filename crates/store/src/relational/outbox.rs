//! The durable outbox (D26): a message is written in the transaction of the
//! change that caused it and delivered later by the scheduler, so a crash
//! between the two loses nothing, and its idempotency key lets a receiver
//! drop a repeat.

use super::{ORG, parse_optional_time, parse_time};
use crate::sql::{Sql, params};
use crate::{OutboxMessage, StoreResult};
use firebreak_core::Timestamp;

fn millis(at: Timestamp) -> i64 {
    at.as_millisecond()
}

/// Queues a message unless one with the same key was queued before.
pub(super) fn enqueue(
    transaction: &dyn Sql,
    channel: &str,
    target: &str,
    payload: &str,
    idempotency_key: &str,
    now: Timestamp,
) -> StoreResult<()> {
    transaction.execute(
        "INSERT INTO outbox (org_id, id, channel, target, payload, idempotency_key, created_at, next_attempt_ms)
         SELECT ?1, coalesce(max(id), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7 FROM outbox WHERE org_id = ?1
         ON CONFLICT (org_id, idempotency_key) DO NOTHING",
        params![
            ORG,
            channel,
            target,
            payload,
            format!("{idempotency_key}@{target}"),
            now.to_string(),
            millis(now)
        ],
    )?;
    Ok(())
}

const COLUMNS: &str =
    "id, channel, target, payload, idempotency_key, created_at, attempts, delivered_at, last_error";

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
    })
}

pub(super) fn due(
    connection: &dyn Sql,
    now: Timestamp,
    limit: usize,
) -> StoreResult<Vec<OutboxMessage>> {
    let mut statement = connection.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE org_id = ?1 AND next_attempt_ms <= ?2 ORDER BY id LIMIT ?3"
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
    outcome: Result<(), String>,
    retry_at: Option<Timestamp>,
    now: Timestamp,
) -> StoreResult<()> {
    let changed = match outcome {
        Ok(()) => transaction.execute(
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
    super::touched(changed, || format!("outbox message {id}"))
}
