//! The evidence vault's records. Collection and every custody step are
//! committed with their events on the item's own chain and on the incident's.

use super::{ORG, append_events, from_json, load_incident, to_json};
use crate::sql::{OptionalExtension, Sql, params};
use crate::{StoreError, StoreResult};
use firebreak_core::Timestamp;
use firebreak_core::evidence::{self, CustodyAction, Evidence, NewEvidence, evidence_stream};
use firebreak_core::incident::Incident;
use firebreak_core::timeline::{EventDraft, EventKind, state_hash};
use serde_json::json;

pub(super) fn add(
    transaction: &dyn Sql,
    incident_number: u64,
    new: NewEvidence,
    actor: &str,
    now: Timestamp,
) -> StoreResult<Evidence> {
    let incident = load_incident(transaction, incident_number)?;
    let number: u64 = transaction.query_row(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM evidence WHERE org_id = ?1",
        [ORG],
        |r| r.get(0),
    )?;
    let id = format!("EV-{number}");
    let (item, own, announced) = evidence::collect(&id, &incident.public_id(), new, actor, now)?;
    transaction.execute(
        "INSERT INTO evidence (org_id, number, incident, sha256, record) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![ORG, number, incident_number, item.sha256, to_json(&item)],
    )?;
    record_step(transaction, &item, &incident, own, announced, now)?;
    Ok(item)
}

pub(super) fn custody(
    transaction: &dyn Sql,
    id: &str,
    action: CustodyAction,
    actor: &str,
    now: Timestamp,
) -> StoreResult<Evidence> {
    let current = get(transaction, id)?;
    let (next, own, announced) = evidence::custody(&current, action, actor, now)?;
    transaction.execute(
        "UPDATE evidence SET record = ?3 WHERE org_id = ?1 AND number = ?2",
        params![ORG, number_of(id)?, to_json(&next)],
    )?;
    let incident = load_incident(transaction, incident_number(&next)?)?;
    record_step(transaction, &next, &incident, own, announced, now)?;
    Ok(next)
}

/// Seals a step on the item's own chain and announces it on the incident's.
fn record_step(
    transaction: &dyn Sql,
    item: &Evidence,
    incident: &Incident,
    own: EventDraft,
    announced: EventDraft,
    now: Timestamp,
) -> StoreResult<()> {
    append_events(
        transaction,
        &evidence_stream(&item.id),
        vec![own],
        &state_hash(item),
        now,
    )?;
    append_events(
        transaction,
        &incident.public_id(),
        vec![announced],
        &state_hash(incident),
        now,
    )?;
    Ok(())
}

pub(super) fn get(connection: &dyn Sql, id: &str) -> StoreResult<Evidence> {
    let text: Option<String> = connection
        .query_row(
            "SELECT record FROM evidence WHERE org_id = ?1 AND number = ?2",
            params![ORG, number_of(id)?],
            |r| r.get(0),
        )
        .optional()?;
    match text {
        Some(text) => from_json(&text, "evidence"),
        None => Err(StoreError::NotFound(format!("evidence {id}"))),
    }
}

pub(super) fn list(connection: &dyn Sql, incident_number: u64) -> StoreResult<Vec<Evidence>> {
    load_incident(connection, incident_number)?;
    let mut statement = connection.prepare(
        "SELECT record FROM evidence WHERE org_id = ?1 AND incident = ?2 ORDER BY number",
    )?;
    let rows = statement.query_map(params![ORG, incident_number], |r| r.get::<_, String>(0))?;
    rows.map(|text| from_json(&text?, "evidence")).collect()
}

/// Whether any item not yet disposed of still holds this content.
pub(super) fn content_in_use(connection: &dyn Sql, sha256: &str) -> StoreResult<bool> {
    let mut statement =
        connection.prepare("SELECT record FROM evidence WHERE org_id = ?1 AND sha256 = ?2")?;
    let rows = statement.query_map(params![ORG, sha256], |r| r.get::<_, String>(0))?;
    for text in rows {
        let item: Evidence = from_json(&text?, "evidence")?;
        if item.disposed_at.is_none() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Records, once per item and problem, that the content `sha256` no longer
/// matches its address: on each holding item's chain and its incident's.
/// Answers the items newly recorded.
pub(super) fn record_damage(
    transaction: &dyn Sql,
    sha256: &str,
    problem: &str,
    now: Timestamp,
) -> StoreResult<Vec<String>> {
    let mut statement =
        transaction.prepare("SELECT record FROM evidence WHERE org_id = ?1 AND sha256 = ?2")?;
    let items: Vec<Evidence> = statement
        .query_map(params![ORG, sha256], |r| r.get::<_, String>(0))?
        .map(|text| from_json(&text?, "evidence"))
        .collect::<StoreResult<_>>()?;
    let mut recorded = Vec::new();
    for item in items.into_iter().filter(|i| i.disposed_at.is_none()) {
        let stream = evidence_stream(&item.id);
        let already: Option<String> = transaction
            .query_row(
                "SELECT body FROM events WHERE org_id = ?1 AND stream = ?2 AND kind = 'integrity_alert'
                 ORDER BY seq DESC LIMIT 1",
                params![ORG, stream],
                |r| r.get(0),
            )
            .optional()?;
        let body = json!({ "subject": item.id, "sha256": sha256, "problem": problem });
        if already.is_some_and(|text| {
            from_json::<serde_json::Value>(&text, "event").ok() == Some(body.clone())
        }) {
            continue;
        }
        let incident = load_incident(transaction, incident_number(&item)?)?;
        let event = EventDraft::by("firebreak", EventKind::IntegrityAlert, now, body);
        record_step(transaction, &item, &incident, event.clone(), event, now)?;
        recorded.push(item.id);
    }
    Ok(recorded)
}

fn number_of(id: &str) -> StoreResult<u64> {
    id.strip_prefix("EV-")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| StoreError::NotFound(format!("evidence `{id}` (ids look like EV-12)")))
}

fn incident_number(item: &Evidence) -> StoreResult<u64> {
    firebreak_core::incident::parse_public_id(&item.incident).map_err(|_| {
        StoreError::Corrupt(format!(
            "evidence {} names incident {}",
            item.id, item.incident
        ))
    })
}
