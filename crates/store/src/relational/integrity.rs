//! The global event log and what vouches for it: appending sealed events,
//! signing checkpoints over the log's Merkle root, inclusion proofs, and the
//! ledger that offline verification reads.

use super::access::ACCESS_TABLES;
use super::{
    EVENT_COLUMNS, ORG, build_event, corrupt, event_from_row, from_json, raw_state_hash, to_json,
};
use crate::sql::{OptionalExtension, Sql, params};
use crate::{CheckpointRequest, StoreError, StoreResult, WITNESS_CHANNEL};
use firebreak_core::Timestamp;
use firebreak_core::bundle::InclusionProof;
use firebreak_core::checkpoint::{Checkpoint, CheckpointBody, CheckpointSigner, LogHead};
use firebreak_core::merkle::{self, LogBuilder, leaf_hash, root_hex};
use firebreak_core::timeline::{Event, EventDraft, hex};
use firebreak_core::verify::{Ledger, LogEntry};

/// Seals `drafts` onto the end of `stream`, each at the next position of the
/// global log, and moves the stream's head. Reads only the head, so an append
/// costs the same however long the timeline is.
pub(super) fn append_events(
    transaction: &dyn Sql,
    stream: &str,
    drafts: Vec<EventDraft>,
    state: &str,
    now: Timestamp,
) -> StoreResult<Vec<Event>> {
    // The stream's head and the log's size in one round trip: on
    // PostgreSQL every statement of a write is one, made under the writers'
    // lock.
    let (head_seq, head_hash, size): (Option<i64>, Option<String>, i64) = transaction.query_row(
        "SELECT (SELECT seq FROM streams WHERE org_id = ?1 AND stream = ?2),
                (SELECT hash FROM streams WHERE org_id = ?1 AND stream = ?2),
                (SELECT coalesce(max(position), 0) FROM events WHERE org_id = ?1)",
        params![ORG, stream],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    let mut head = head_seq
        .zip(head_hash)
        .map(|(seq, hash)| (seq as u64, hash));
    let mut position = size as u64;
    let mut sealed = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let previous = head.as_ref().map(|(seq, hash)| (*seq, hash.as_str()));
        let event = Event::seal(stream, previous, draft, now, state.to_string());
        position += 1;
        transaction.execute(
            "INSERT INTO events (org_id, stream, seq, kind, occurred_at, recorded_at, actor, body, state_hash, prev_hash, hash, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                ORG,
                event.stream,
                event.seq as i64,
                event.kind.as_str(),
                event.occurred_at.to_string(),
                event.recorded_at.to_string(),
                event.actor,
                to_json(&event.body),
                event.state_hash,
                event.prev_hash,
                event.hash,
                position as i64,
            ],
        )?;
        head = Some((event.seq, event.hash.clone()));
        sealed.push(event);
    }
    if let Some((seq, hash)) = head {
        transaction.execute(
            "INSERT INTO streams (org_id, stream, seq, hash) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (org_id, stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            params![ORG, stream, seq as i64, hash],
        )?;
    }
    Ok(sealed)
}

/// How many events the global log holds.
fn log_size(connection: &dyn Sql) -> StoreResult<u64> {
    let size: i64 = connection.query_row(
        "SELECT coalesce(max(position), 0) FROM events WHERE org_id = ?1",
        [ORG],
        |r| r.get(0),
    )?;
    Ok(size as u64)
}

/// Feeds the leaves at positions after the builder's size, up to `size`.
fn extend_log(connection: &dyn Sql, builder: &mut LogBuilder, size: u64) -> StoreResult<()> {
    let mut statement = connection.prepare(
        "SELECT stream, seq, hash FROM events WHERE org_id = ?1 AND position > ?2 AND position <= ?3
         ORDER BY position",
    )?;
    let rows = statement.query_map(params![ORG, builder.size() as i64, size as i64], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (stream, seq, hash) = row?;
        builder.push(leaf_hash(&stream, seq as u64, &hash));
    }
    if builder.size() != size {
        return Err(corrupt(format!(
            "the event log has a gap: {} of its first {size} positions hold an event",
            builder.size()
        )));
    }
    Ok(())
}

fn checkpoint_from_row(
    row: &crate::sql::Row,
) -> Result<(String, String, String), crate::sql::SqlError> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn build_checkpoint(
    (body, public_key, signature): (String, String, String),
) -> StoreResult<Checkpoint> {
    Ok(Checkpoint {
        body: from_json::<CheckpointBody>(&body, "checkpoint")?,
        public_key,
        signature,
    })
}

pub(super) fn load_checkpoints(connection: &dyn Sql) -> StoreResult<Vec<Checkpoint>> {
    let mut statement = connection.prepare(
        "SELECT body, public_key, signature FROM checkpoints WHERE org_id = ?1 ORDER BY number",
    )?;
    let rows = statement.query_map([ORG], checkpoint_from_row)?;
    rows.map(|row| build_checkpoint(row?)).collect()
}

pub(super) fn write_checkpoint(
    transaction: &dyn Sql,
    signer: &CheckpointSigner,
    request: CheckpointRequest<'_>,
    now: Timestamp,
) -> StoreResult<Option<Checkpoint>> {
    let newest = transaction
        .query_row(
            "SELECT body, public_key, signature, log_frontier FROM checkpoints WHERE org_id = ?1
             ORDER BY number DESC LIMIT 1",
            [ORG],
            |row| Ok((checkpoint_from_row(row)?, row.get::<_, Option<String>>(3)?)),
        )
        .optional()?;
    let (previous, frontier) = match newest {
        Some((row, frontier)) => (Some(build_checkpoint(row)?), frontier),
        None => (None, None),
    };
    let size = log_size(transaction)?;
    let previous_size = previous
        .as_ref()
        .and_then(|p| p.body.log.as_ref())
        .map(|l| l.size);
    let same_signer = previous
        .as_ref()
        .is_none_or(|p| p.body.signer == signer.fingerprint());
    if !request.force && same_signer && previous_size == Some(size) {
        return Ok(None);
    }
    let resumed = match (previous_size, frontier) {
        (Some(previous_size), Some(frontier)) if previous_size <= size => {
            from_json::<Vec<(u32, String)>>(&frontier, "log frontier")
                .ok()
                .and_then(|f| LogBuilder::resume(previous_size, &f))
        }
        _ => None,
    };
    let mut builder = resumed.unwrap_or_default();
    extend_log(transaction, &mut builder, size)?;
    let log = LogHead {
        size,
        root: root_hex(&builder.root()),
    };
    let mut checkpoint = signer
        .sign(previous.as_ref(), log, request.reason, now)
        .map_err(|e| StoreError::Backend(e.to_string()))?;
    if let Some(rotation) = request.rotation {
        let mut body = checkpoint.body;
        body.rotation = Some(rotation.clone());
        checkpoint = signer
            .sign_body(body)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
    }
    transaction.execute(
        "INSERT INTO checkpoints (org_id, number, body, public_key, signature, log_frontier)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            ORG,
            checkpoint.body.number as i64,
            to_json(&checkpoint.body),
            checkpoint.public_key,
            checkpoint.signature,
            to_json(&builder.frontier()),
        ],
    )?;
    for witness in request.witnesses {
        let key = format!(
            "checkpoint-{}-{}",
            checkpoint.body.number,
            checkpoint.body.hash()
        );
        let message = super::outbox::Queued {
            channel: WITNESS_CHANNEL,
            target: witness,
            payload: &to_json(&checkpoint),
            idempotency_key: &key,
            not_before: now,
            incident: None,
        };
        super::outbox::enqueue(transaction, &message, now)?;
    }
    Ok(Some(checkpoint))
}

pub(super) fn inclusion_proofs(
    connection: &dyn Sql,
    log_size: u64,
    wanted: &[(String, u64)],
) -> StoreResult<Vec<InclusionProof>> {
    let mut leaves = Vec::with_capacity(log_size as usize);
    let mut positions = Vec::new();
    let mut statement = connection.prepare(
        "SELECT stream, seq, hash, position FROM events WHERE org_id = ?1 AND position <= ?2
         ORDER BY position",
    )?;
    let rows = statement.query_map(params![ORG, log_size as i64], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, i64>(3)?,
        ))
    })?;
    for row in rows {
        let (stream, seq, hash, position) = row?;
        if wanted.iter().any(|(s, q)| *s == stream && *q == seq as u64) {
            positions.push((stream.clone(), seq as u64, position as u64));
        }
        leaves.push(leaf_hash(&stream, seq as u64, &hash));
    }
    positions
        .into_iter()
        .map(|(stream, seq, position)| {
            let path = merkle::inclusion_proof(&leaves, position as usize - 1)
                .ok_or_else(|| corrupt(format!("{stream} event {seq} is outside the log")))?;
            Ok(InclusionProof {
                stream,
                seq,
                position,
                path: path.iter().map(|h| hex(h)).collect(),
            })
        })
        .collect()
}

/// Everything verification needs, read in one transaction so that events,
/// records and checkpoints are as of the same moment even while the server
/// keeps writing.
pub(super) fn ledger(c: &dyn Sql) -> StoreResult<Ledger> {
    let mut ledger = Ledger::default();
    let sql = format!(
        "SELECT {EVENT_COLUMNS}, position FROM events WHERE org_id = ?1 ORDER BY position, stream, seq"
    );
    let mut statement = c.prepare(&sql)?;
    let rows = statement.query_map([ORG], |row| {
        Ok((event_from_row(row)?, row.get::<_, Option<i64>>(10)?))
    })?;
    for row in rows {
        let (fields, position) = row?;
        let event = build_event(fields)?;
        ledger.log.push(LogEntry {
            position: position.unwrap_or(0).max(0) as u64,
            stream: event.stream.clone(),
            seq: event.seq,
            hash: event.hash.clone(),
            recorded_at: event.recorded_at,
        });
        ledger
            .streams
            .entry(event.stream.clone())
            .or_default()
            .push(event);
    }
    for events in ledger.streams.values_mut() {
        events.sort_by_key(|e| e.seq);
    }
    let mut records = c.prepare(
        "SELECT 'INC-' || number, record FROM incidents WHERE org_id = ?1
         UNION ALL SELECT 'system:' || slug, record FROM systems WHERE org_id = ?1
         UNION ALL SELECT 'control:' || namespace || ':' || system, record FROM control_states WHERE org_id = ?1
         UNION ALL SELECT 'rca:' || owner || ':' || kind || ':' || name, record FROM rca_artifacts WHERE org_id = ?1
         UNION ALL SELECT 'evidence:EV-' || number, record FROM evidence WHERE org_id = ?1
         UNION ALL SELECT kind || ':INC-' || incident, record FROM incident_documents WHERE org_id = ?1
         UNION ALL SELECT 'oncall:' || kind || ':' || slug, record FROM oncall_records WHERE org_id = ?1
         UNION ALL SELECT 'change:CH-' || number, record FROM changes WHERE org_id = ?1
         UNION ALL SELECT 'change-source:' || slug, record FROM change_sources WHERE org_id = ?1",
    )?;
    for row in records.query_map([ORG], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (stream, text) = row?;
        ledger.records.insert(stream, raw_state_hash(&text));
    }
    for table in ACCESS_TABLES {
        let mut rows = c.prepare(&table.select_all(c.dialect()))?;
        for row in rows.query_map([ORG], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (stream, text) = row?;
            ledger.records.insert(stream, raw_state_hash(&text));
        }
    }
    let mut content = c.prepare(&format!(
        "SELECT 'EV-' || number, {} FROM evidence WHERE org_id = ?1 AND {} IS NULL",
        c.dialect().json_text("record", "sha256"),
        c.dialect().json_text("record", "disposed_at"),
    ))?;
    for row in content.query_map([ORG], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })? {
        let (item, sha256) = row?;
        ledger
            .evidence_content
            .insert(item, sha256.unwrap_or_default());
    }
    ledger.checkpoints = load_checkpoints(c)?;
    Ok(ledger)
}
