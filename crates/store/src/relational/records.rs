//! Reading and writing the stored records (incidents, systems, documents,
//! artifacts, events) as rows, shared by every part of the store.

use super::ORG;
use super::integrity::append_events;
use crate::sql::{Dialect, OptionalExtension, Sql, Value as SqlValue, params};
use crate::{DocumentKind, IncidentFilter, PageRequest, StoreError, StoreResult, system_stream};
use firebreak_core::Timestamp;
use firebreak_core::canonical::canonical_json;
use firebreak_core::incident::{self, Incident, public_id};
use firebreak_core::rca::{Artifact, ArtifactKind};
use firebreak_core::system::AiSystem;
use firebreak_core::timeline::{Event, EventDraft, EventKind, sha256_hex, state_hash};
use std::collections::BTreeMap;

/// An UPDATE or DELETE that matched no row names what was not found.
pub(super) fn touched(rows: usize, what: impl FnOnce() -> String) -> StoreResult<()> {
    if rows == 0 {
        return Err(StoreError::NotFound(what()));
    }
    Ok(())
}

pub(super) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(super) fn parse_time(text: &str) -> StoreResult<Timestamp> {
    text.parse()
        .map_err(|e| corrupt(format!("timestamp `{text}`: {e}")))
}

pub(super) fn parse_optional_time(text: Option<String>) -> StoreResult<Option<Timestamp>> {
    text.as_deref().map(parse_time).transpose()
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("{what}: {e}")))
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain records serialize to JSON")
}

pub(super) fn load_systems(connection: &dyn Sql) -> StoreResult<Vec<AiSystem>> {
    let mut statement =
        connection.prepare("SELECT record FROM systems WHERE org_id = ?1 ORDER BY slug")?;
    let rows = statement.query_map([ORG], |row| row.get::<_, String>(0))?;
    rows.map(|text| from_json(&text?, "system record"))
        .collect()
}

pub(super) fn load_incident(connection: &dyn Sql, number: u64) -> StoreResult<Incident> {
    let text: Option<String> = connection
        .query_row(
            "SELECT record FROM incidents WHERE org_id = ?1 AND number = ?2",
            params![ORG, number as i64],
            |row| row.get(0),
        )
        .optional()?;
    let text =
        text.ok_or_else(|| StoreError::NotFound(format!("incident {}", public_id(number))))?;
    from_json(&text, "incident record")
}

pub(super) fn save_incident(transaction: &dyn Sql, incident: &Incident) -> StoreResult<()> {
    transaction.execute(
        "INSERT INTO incidents (org_id, number, record) VALUES (?1, ?2, ?3)
         ON CONFLICT (org_id, number) DO UPDATE SET record = excluded.record",
        params![ORG, incident.number as i64, to_json(incident)],
    )?;
    Ok(())
}

/// Stores an incident as a change left it and seals the change's events on
/// its timeline, in the caller's transaction; answers the sealed events.
pub(super) fn save_change(
    transaction: &dyn Sql,
    incident: &Incident,
    events: Vec<EventDraft>,
    now: Timestamp,
) -> StoreResult<Vec<Event>> {
    save_incident(transaction, incident)?;
    super::oncall::queue_notices(transaction, incident, &events, now)?;
    let sealed = append_events(
        transaction,
        &incident.public_id(),
        events,
        &state_hash(incident),
        now,
    )?;
    super::oncall::queue_role_notices(transaction, incident, &sealed, now)?;
    super::oncall::queue_slack(transaction, incident, &sealed, now)?;
    super::paging::replan_on_raise(transaction, incident, &sealed, now)?;
    Ok(sealed)
}

/// Stores an inventory entry and seals the change `kind` (with `body`) on
/// its chain.
pub(super) fn save_system(
    transaction: &dyn Sql,
    system: &AiSystem,
    kind: EventKind,
    body: serde_json::Value,
    actor: &str,
    now: Timestamp,
) -> StoreResult<()> {
    transaction.execute(
        "INSERT INTO systems (org_id, slug, record) VALUES (?1, ?2, ?3)
         ON CONFLICT (org_id, slug) DO UPDATE SET record = excluded.record",
        params![ORG, system.slug, to_json(system)],
    )?;
    let draft = EventDraft {
        kind,
        occurred_at: now,
        actor: actor.to_string(),
        body,
    };
    append_events(
        transaction,
        &system_stream(&system.slug),
        vec![draft],
        &state_hash(system),
        now,
    )?;
    Ok(())
}

pub(super) fn dependency_graph(
    systems: &[AiSystem],
    except: &str,
) -> BTreeMap<String, Vec<String>> {
    systems
        .iter()
        .filter(|s| s.slug != except)
        .map(|s| (s.slug.clone(), s.details.depends_on.clone()))
        .collect()
}

pub(super) fn event_from_row(row: &crate::sql::Row) -> Result<[String; 10], crate::sql::SqlError> {
    Ok([
        row.get(0)?,
        row.get::<_, i64>(1)?.to_string(),
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
    ])
}

pub(super) fn build_event(fields: [String; 10]) -> StoreResult<Event> {
    let [
        stream,
        seq,
        kind,
        occurred_at,
        recorded_at,
        actor,
        body,
        state_hash,
        prev_hash,
        hash,
    ] = fields;
    Ok(Event {
        seq: seq.parse().map_err(corrupt)?,
        kind: kind.parse::<EventKind>().map_err(corrupt)?,
        occurred_at: parse_time(&occurred_at)?,
        recorded_at: parse_time(&recorded_at)?,
        actor,
        body: from_json(&body, "event body")?,
        state_hash,
        prev_hash,
        hash,
        stream,
    })
}

pub(super) const EVENT_COLUMNS: &str =
    "stream, seq, kind, occurred_at, recorded_at, actor, body, state_hash, prev_hash, hash";

/// The state hash of a stored record's raw text, so that a record edited behind
/// Firebreak's back is caught even when it still parses.
pub(super) fn raw_state_hash(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => sha256_hex(canonical_json(&value).as_bytes()),
        Err(_) => "unreadable record".to_string(),
    }
}

pub(super) fn load_document(
    connection: &dyn Sql,
    number: u64,
    kind: DocumentKind,
) -> StoreResult<Option<serde_json::Value>> {
    let text: Option<String> = connection
        .query_row(
            "SELECT record FROM incident_documents WHERE org_id = ?1 AND kind = ?2 AND incident = ?3",
            params![ORG, kind.as_str(), number],
            |r| r.get(0),
        )
        .optional()?;
    text.map(|t| from_json(&t, kind.as_str())).transpose()
}

pub(super) fn load_artifact(
    connection: &dyn Sql,
    owner: &str,
    kind: ArtifactKind,
    name: &str,
) -> StoreResult<Option<Artifact>> {
    let text: Option<String> = connection
        .query_row(
            "SELECT record FROM rca_artifacts WHERE org_id = ?1 AND owner = ?2 AND kind = ?3 AND name = ?4",
            params![ORG, owner, kind.as_str(), name],
            |r| r.get(0),
        )
        .optional()?;
    text.map(|t| from_json(&t, "RCA artifact")).transpose()
}

/// The state hash of an owner's record, to seal an event that leaves it as is.
pub(super) fn owner_state(connection: &dyn Sql, owner: &str) -> StoreResult<String> {
    if let Some(slug) = owner.strip_prefix("system:") {
        return Ok(state_hash(&find_system(&load_systems(connection)?, slug)?));
    }
    let number =
        incident::parse_public_id(owner).map_err(|_| StoreError::NotFound(owner.to_string()))?;
    Ok(state_hash(&load_incident(connection, number)?))
}

/// The query of one page of incidents matching `filter`, and its values.
pub(super) fn incident_query(
    dialect: Dialect,
    filter: &IncidentFilter,
    page: PageRequest,
) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("SELECT record FROM incidents WHERE org_id = ?");
    let mut values: Vec<SqlValue> = vec![SqlValue::Integer(ORG)];
    let mut any_of = |sql: &mut String, field: &str, options: Vec<String>| {
        if !options.is_empty() {
            let marks = vec!["?"; options.len()].join(", ");
            sql.push_str(&format!(
                " AND {} IN ({marks})",
                dialect.json_text("record", field)
            ));
            values.extend(options.into_iter().map(SqlValue::Text));
        }
    };
    any_of(
        &mut sql,
        "status",
        filter
            .statuses
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    );
    any_of(
        &mut sql,
        "severity",
        filter
            .severities
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    );
    if let Some(kind) = filter.kind {
        let kind = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        any_of(&mut sql, "kind", vec![kind]);
    }
    if let Some(system) = &filter.system {
        sql.push_str(&format!(
            " AND {}",
            dialect.json_array_holds("record", "systems", "?")
        ));
        values.push(SqlValue::Text(system.clone()));
    }
    if let Some(text) = filter.text.as_ref().filter(|t| !t.trim().is_empty()) {
        let searched = format!(
            "lower({} || ' ' || {})",
            dialect.json_text("record", "title"),
            dialect.json_text("record", "summary")
        );
        sql.push_str(&format!(" AND {}", dialect.contains(&searched, "lower(?)")));
        values.push(SqlValue::Text(text.trim().to_string()));
    }
    if let Some(after) = page.after {
        sql.push_str(" AND number < ?");
        values.push(SqlValue::Integer(after as i64));
    }
    sql.push_str(" ORDER BY number DESC LIMIT ?");
    values.push(SqlValue::Integer(page.limit as i64 + 1));
    (sql, values)
}

pub(super) fn find_system(systems: &[AiSystem], slug: &str) -> StoreResult<AiSystem> {
    systems
        .iter()
        .find(|s| s.slug == slug)
        .cloned()
        .ok_or_else(|| StoreError::NotFound(format!("system {slug}")))
}
