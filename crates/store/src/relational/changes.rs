//! Changes on systems and the webhook sources that report them. A change is
//! immutable once recorded: one row and one event on its own chain
//! (`change:CH-<n>`), committed together; a source is a JSON record sealed on
//! `change-source:<slug>` at every save.

use super::integrity::append_events;
use super::{ORG, from_json, load_systems, to_json};
use crate::sql::{OptionalExtension, Sql, params};
use crate::{ChangeQuery, StoreError, StoreResult, StoredChangeSource};
use firebreak_core::Timestamp;
use firebreak_core::change::mlflow::RegistryState;
use firebreak_core::change::{ChangeEvent, ChangeOrigin, NewChange};
use firebreak_core::timeline::{ABSENT_STATE, EventDraft, EventKind, state_hash};
use serde_json::json;

/// The chain a change is sealed on.
pub fn change_stream(id: &str) -> String {
    format!("change:{id}")
}

fn source_stream(slug: &str) -> String {
    format!("change-source:{slug}")
}

pub(super) fn record(
    t: &dyn Sql,
    new: NewChange,
    origin: ChangeOrigin,
    actor: &str,
    now: Timestamp,
) -> StoreResult<(ChangeEvent, bool)> {
    let systems: Vec<String> = load_systems(t)?.into_iter().map(|s| s.slug).collect();
    new.validate(&systems, now)?;
    if let Some(external) = &new.external_id {
        let known: Option<String> = t
            .query_row(
                "SELECT record FROM changes WHERE org_id = ?1 AND external_id = ?2",
                params![ORG, external],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(text) = known {
            return Ok((from_json(&text, "change")?, false));
        }
    }
    let number: u64 = t.query_row(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM changes WHERE org_id = ?1",
        [ORG],
        |r| r.get(0),
    )?;
    let change = new.record(number, origin, actor, now);
    t.execute(
        "INSERT INTO changes (org_id, number, system, at_ms, external_id, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            ORG,
            number as i64,
            change.system,
            change.at.as_millisecond(),
            change.external_id,
            to_json(&change)
        ],
    )?;
    append_events(
        t,
        &change_stream(&change.id),
        vec![EventDraft::by(
            actor,
            EventKind::ChangeRecorded,
            now,
            json!(change),
        )],
        &state_hash(&change),
        now,
    )?;
    Ok((change, true))
}

/// Newest first, at most `query.limit`.
pub(super) fn list(c: &dyn Sql, query: &ChangeQuery) -> StoreResult<Vec<ChangeEvent>> {
    let from = query.from.map_or(i64::MIN, |t| t.as_millisecond());
    let until = query.until.map_or(i64::MAX, |t| t.as_millisecond());
    let limit = query.limit as i64;
    let row = |r: &crate::sql::Row| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    };
    let mut found: Vec<(i64, i64, String)> = Vec::new();
    if query.systems.is_empty() {
        let mut statement = c.prepare(
            "SELECT at_ms, number, record FROM changes
             WHERE org_id = ?1 AND at_ms >= ?2 AND at_ms <= ?3
             ORDER BY at_ms DESC, number DESC LIMIT ?4",
        )?;
        for r in statement.query_map(params![ORG, from, until, limit], row)? {
            found.push(r?);
        }
    } else {
        let mut statement = c.prepare(
            "SELECT at_ms, number, record FROM changes
             WHERE org_id = ?1 AND at_ms >= ?2 AND at_ms <= ?3 AND system = ?5
             ORDER BY at_ms DESC, number DESC LIMIT ?4",
        )?;
        for system in &query.systems {
            for r in statement.query_map(params![ORG, from, until, limit, system], row)? {
                found.push(r?);
            }
        }
    }
    found.sort_by_key(|row| std::cmp::Reverse((row.0, row.1)));
    found.truncate(query.limit);
    found
        .into_iter()
        .map(|(_, _, text)| from_json(&text, "change"))
        .collect()
}

pub(super) fn get(c: &dyn Sql, id: &str) -> StoreResult<ChangeEvent> {
    let number: i64 = id
        .strip_prefix("CH-")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| StoreError::NotFound(format!("change {id}")))?;
    let text: Option<String> = c
        .query_row(
            "SELECT record FROM changes WHERE org_id = ?1 AND number = ?2",
            params![ORG, number],
            |r| r.get(0),
        )
        .optional()?;
    from_json(
        &text.ok_or_else(|| StoreError::NotFound(format!("change {id}")))?,
        "change",
    )
}

fn load_source(c: &dyn Sql, slug: &str) -> StoreResult<Option<String>> {
    Ok(c.query_row(
        "SELECT record FROM change_sources WHERE org_id = ?1 AND slug = ?2",
        params![ORG, slug],
        |r| r.get(0),
    )
    .optional()?)
}

/// The body sealed on the source's chain: the secret is bound by the state
/// hash, not copied into the chain (bundles export chains).
fn seal_source(
    t: &dyn Sql,
    slug: &str,
    record: Option<&serde_json::Value>,
    actor: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let shown = record.map(|r| {
        let mut shown = r.clone();
        shown["sealed_secret"] = json!("sealed");
        shown
    });
    let body = json!({
        "slug": slug,
        "action": if record.is_some() { "saved" } else { "removed" },
        "record": shown,
    });
    let state = record.map_or_else(|| ABSENT_STATE.to_string(), state_hash);
    append_events(
        t,
        &source_stream(slug),
        vec![EventDraft::by(
            actor,
            EventKind::ChangeSourceChanged,
            now,
            body,
        )],
        &state,
        now,
    )?;
    Ok(())
}

pub(super) fn save_source(
    t: &dyn Sql,
    stored: &StoredChangeSource,
    actor: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    let systems: Vec<String> = load_systems(t)?.into_iter().map(|s| s.slug).collect();
    stored.source.validate(&systems)?;
    let slug = &stored.source.slug;
    let current = load_source(t, slug)?;
    // Saving a source again keeps where its registry stood, unless it now
    // watches another registry: a promotion between two polls is not lost.
    let mut stored = stored.clone();
    if let Some(text) = &current {
        let before: StoredChangeSource = from_json(text, "change source")?;
        if !stored.registry.polled
            && before.source.provider == stored.source.provider
            && before.source.url == stored.source.url
        {
            stored.registry = before.registry;
        }
    }
    let record = json!(stored);
    t.execute(
        "INSERT INTO change_sources (org_id, slug, record) VALUES (?1, ?2, ?3)
         ON CONFLICT (org_id, slug) DO UPDATE SET record = excluded.record",
        params![ORG, slug, to_json(&record)],
    )?;
    seal_source(t, slug, Some(&record), actor, now)?;
    Ok(current.is_none())
}

/// One poll's changes and the registry's new state, in one transaction.
pub(super) fn record_poll(
    t: &dyn Sql,
    slug: &str,
    changes: Vec<NewChange>,
    registry: RegistryState,
    now: Timestamp,
) -> StoreResult<Vec<ChangeEvent>> {
    let mut stored = source(t, slug)?;
    let actor = format!("mlflow:{slug}");
    let mut recorded = Vec::new();
    for change in changes {
        let (change, new) = record(t, change, ChangeOrigin::Mlflow, &actor, now)?;
        if new {
            recorded.push(change);
        }
    }
    if stored.registry != registry {
        stored.registry = registry;
        let record = json!(stored);
        t.execute(
            "UPDATE change_sources SET record = ?3 WHERE org_id = ?1 AND slug = ?2",
            params![ORG, slug, to_json(&record)],
        )?;
        seal_source(t, slug, Some(&record), &actor, now)?;
    }
    Ok(recorded)
}

pub(super) fn source(c: &dyn Sql, slug: &str) -> StoreResult<StoredChangeSource> {
    let text = load_source(c, slug)?
        .ok_or_else(|| StoreError::NotFound(format!("change source {slug}")))?;
    from_json(&text, "change source")
}

pub(super) fn sources(c: &dyn Sql) -> StoreResult<Vec<StoredChangeSource>> {
    let mut statement =
        c.prepare("SELECT record FROM change_sources WHERE org_id = ?1 ORDER BY slug")?;
    let rows = statement.query_map([ORG], |r| r.get::<_, String>(0))?;
    rows.map(|text| from_json(&text?, "change source"))
        .collect()
}

pub(super) fn remove_source(
    t: &dyn Sql,
    slug: &str,
    actor: &str,
    now: Timestamp,
) -> StoreResult<()> {
    if load_source(t, slug)?.is_none() {
        return Err(StoreError::NotFound(format!("change source {slug}")));
    }
    t.execute(
        "DELETE FROM change_sources WHERE org_id = ?1 AND slug = ?2",
        params![ORG, slug],
    )?;
    seal_source(t, slug, None, actor, now)
}
