//! Monitors and their runs. A run is recorded in one transaction with the
//! status it leaves (watermark, state, next due time), the alerts it sends
//! through ingest (D27), and, when a breach alert is first linked to an
//! incident, the run's inputs as evidence and its analysis as a finding, so a
//! restart neither skips nor repeats a window and no alert is half-recorded.

use super::{ORG, evidence, from_json, load_incident, save_change, to_json};
use crate::sql::{OptionalExtension, Sql, params};
use crate::{IngestOutcome, Integration, MonitorRecord, MonitorRecorded, StoreError, StoreResult};
use firebreak_core::alert::{AlertSource, AlertStatus};
use firebreak_core::incident::parse_public_id;
use firebreak_core::monitor::{Monitor, MonitorDefinition, MonitorRun, MonitorStatus};
use firebreak_core::timeline::EventKind;
use firebreak_core::{DomainError, Timestamp};
use serde_json::json;

pub(super) fn create(transaction: &dyn Sql, monitor: &Monitor) -> StoreResult<()> {
    let name = &monitor.definition.name;
    if find(transaction, name)?.is_some() {
        return Err(StoreError::AlreadyExists(format!("monitor `{name}`")));
    }
    transaction.execute(
        "INSERT INTO monitors (org_id, name, system, definition, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            ORG,
            name,
            monitor.definition.system,
            to_json(&monitor.definition),
            to_json(&monitor.status),
            monitor.created_at.to_string(),
        ],
    )?;
    Ok(())
}

fn find(connection: &dyn Sql, name: &str) -> StoreResult<Option<Monitor>> {
    let row: Option<(String, String, String)> = connection
        .query_row(
            "SELECT definition, status, created_at FROM monitors WHERE org_id = ?1 AND name = ?2",
            params![ORG, name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    row.map(build).transpose()
}

fn build((definition, status, created_at): (String, String, String)) -> StoreResult<Monitor> {
    Ok(Monitor {
        definition: from_json(&definition, "monitor definition")?,
        status: from_json(&status, "monitor status")?,
        created_at: super::parse_time(&created_at)?,
    })
}

pub(super) fn get(connection: &dyn Sql, name: &str) -> StoreResult<Monitor> {
    find(connection, name)?.ok_or_else(|| StoreError::NotFound(format!("monitor `{name}`")))
}

pub(super) fn list(connection: &dyn Sql, system: Option<&str>) -> StoreResult<Vec<Monitor>> {
    let mut statement = connection.prepare(
        "SELECT definition, status, created_at FROM monitors
         WHERE org_id = ?1 AND (system = ?2 OR ?2 IS NULL) ORDER BY name",
    )?;
    let rows = statement.query_map(params![ORG, system], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    rows.map(|row| build(row?)).collect()
}

fn save_status(transaction: &dyn Sql, name: &str, status: &MonitorStatus) -> StoreResult<()> {
    transaction.execute(
        "UPDATE monitors SET status = ?3 WHERE org_id = ?1 AND name = ?2",
        params![ORG, name, to_json(status)],
    )?;
    Ok(())
}

pub(super) fn set_paused(
    transaction: &dyn Sql,
    name: &str,
    paused: bool,
    now: Timestamp,
) -> StoreResult<Monitor> {
    let mut monitor = get(transaction, name)?;
    if monitor.status.paused == paused {
        return Ok(monitor);
    }
    monitor.status.paused = paused;
    if !paused {
        // Due at once, and the pause is not mistaken for a silent source.
        monitor.status.next_due = now;
        monitor.status.last_data_at = now;
    }
    save_status(transaction, name, &monitor.status)?;
    Ok(monitor)
}

pub(super) fn delete(transaction: &dyn Sql, name: &str) -> StoreResult<()> {
    get(transaction, name)?;
    transaction.execute(
        "DELETE FROM monitor_runs WHERE org_id = ?1 AND monitor = ?2",
        params![ORG, name],
    )?;
    transaction.execute(
        "DELETE FROM monitors WHERE org_id = ?1 AND name = ?2",
        params![ORG, name],
    )?;
    Ok(())
}

pub(super) fn runs(connection: &dyn Sql, name: &str, limit: usize) -> StoreResult<Vec<MonitorRun>> {
    let mut statement = connection.prepare(
        "SELECT record FROM monitor_runs WHERE org_id = ?1 AND monitor = ?2
         ORDER BY seq DESC LIMIT ?3",
    )?;
    let rows = statement.query_map(params![ORG, name, limit as i64], |r| r.get::<_, String>(0))?;
    let mut runs = rows
        .map(|text| from_json(&text?, "monitor run"))
        .collect::<StoreResult<Vec<MonitorRun>>>()?;
    runs.reverse();
    Ok(runs)
}

/// The integration a monitor's alerts arrive through: never stored, its
/// rules the monitor's routing.
fn integration(definition: &MonitorDefinition, created_at: Timestamp) -> Integration {
    Integration {
        id: format!("monitor:{}", definition.name),
        name: format!("monitor {}", definition.name),
        source: AlertSource::Monitor,
        key_hash: String::new(),
        rules: definition.routing(),
        mapping: Default::default(),
        created_at,
        revoked_at: None,
    }
}

pub(super) fn record(
    transaction: &dyn Sql,
    record: MonitorRecord,
    now: Timestamp,
) -> StoreResult<MonitorRecorded> {
    let stored = get(transaction, &record.monitor)?;
    let moved = stored.status.watermark != record.expected.watermark
        || stored.status.runs != record.expected.runs;
    if moved {
        return Err(StoreError::Domain(DomainError::Conflict {
            message: format!(
                "monitor `{}` moved on while this run was under way; its result is dropped",
                record.monitor
            ),
            allowed: vec![],
        }));
    }
    let mut status = record.status;
    // A pause given while the run was under way holds.
    status.paused = stored.status.paused;
    let mut run = record.run;
    if let Some(run) = &mut run {
        status.runs = stored.status.runs + 1;
        run.seq = status.runs;
    }
    let integration = integration(&stored.definition, stored.created_at);
    let mut outcomes: Vec<IngestOutcome> = Vec::new();
    for alert in record.alerts {
        outcomes.push(super::alerts::ingest(
            transaction,
            &integration,
            alert,
            now,
        )?);
    }
    let breach = outcomes.iter().filter_map(|o| o.alert.as_ref()).find(|a| {
        a.alert.labels.get("kind").map(String::as_str) == Some("breach")
            && a.alert.status == AlertStatus::Firing
    });
    if let (Some(run), Some(alert)) = (&mut run, breach) {
        run.alert = Some(alert.id);
        run.incident = alert.incident.clone();
        let first_linked = alert.occurrences == 1;
        if let (true, Some(incident)) = (first_linked, &alert.incident) {
            let number = parse_public_id(incident).map_err(StoreError::Corrupt)?;
            let actor = integration.id.clone();
            let mut inputs = Vec::new();
            for new in record.evidence {
                let item = evidence::add(transaction, number, new, &actor, now)?;
                inputs.push(json!({
                    "evidence": item.id, "filename": item.filename,
                    "sha256": item.sha256, "size": item.size,
                }));
            }
            if let Some(mut body) = record.finding {
                body["inputs"] = json!(inputs);
                body["monitor_run"] = json!(run.seq);
                body["alert_id"] = json!(alert.id);
                let target = load_incident(transaction, number)?;
                let change = target.record_event(EventKind::Finding, body, &actor, now);
                save_change(transaction, &change.incident, change.events, now)?;
            }
        }
    }
    if let Some(run) = &run {
        transaction.execute(
            "INSERT INTO monitor_runs (org_id, monitor, seq, record) VALUES (?1, ?2, ?3, ?4)",
            params![ORG, record.monitor, run.seq as i64, to_json(run)],
        )?;
    }
    save_status(transaction, &record.monitor, &status)?;
    Ok(MonitorRecorded {
        status,
        run,
        outcomes,
    })
}
