//! Alert ingest and its supporting tables: integrations, control hooks.
//! Deduplication and routing happen inside the caller's transaction, so an
//! alert and the incident it declares are committed together or not at all.

use super::{
    ORG, from_json, load_incident, load_systems, parse_optional_time, parse_time, save_change,
    to_json,
};
use crate::sql::{OptionalExtension, Sql, params};
use crate::{ControlHook, IngestOutcome, Integration, StoreError, StoreResult};
use firebreak_core::DomainError;
use firebreak_core::Timestamp;
use firebreak_core::alert::{Alert, AlertSource, AlertStatus, IncomingAlert, RouteAction, route};
use firebreak_core::change;
use firebreak_core::incident::{
    self, DeclareIncident, DeclaredBy, DetectionSource, Incident, IncidentKind,
};
use firebreak_core::timeline::EventKind;
use serde_json::json;
use std::collections::BTreeMap;

pub(super) fn control_hooks(
    connection: &dyn Sql,
    system: Option<&str>,
) -> StoreResult<Vec<ControlHook>> {
    let mut statement = connection.prepare(
        "SELECT id, system, url, secret, created_at FROM control_hooks
         WHERE org_id = ?1 AND (system = ?2 OR ?2 IS NULL) ORDER BY created_at, id",
    )?;
    let rows = statement.query_map(params![ORG, system], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (id, system, url, secret, created_at) = row?;
        Ok(ControlHook {
            id,
            system,
            url,
            secret,
            created_at: parse_time(&created_at)?,
        })
    })
    .collect()
}

pub(super) fn insert_integration(
    transaction: &dyn Sql,
    integration: &Integration,
) -> StoreResult<()> {
    transaction.execute(
        "INSERT INTO integrations (org_id, id, name, source, key_hash, rules, mapping, created_at, revoked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)",
        params![
            ORG,
            integration.id,
            integration.name,
            integration.source.as_str(),
            integration.key_hash,
            to_json(&integration.rules),
            to_json(&integration.mapping),
            integration.created_at.to_string(),
        ],
    )?;
    Ok(())
}

pub(super) fn integrations(
    connection: &dyn Sql,
    key_hash: Option<&str>,
) -> StoreResult<Vec<Integration>> {
    let mut statement = connection.prepare(
        "SELECT id, name, source, key_hash, rules, mapping, created_at, revoked_at FROM integrations
         WHERE org_id = ?1 AND (key_hash = ?2 OR ?2 IS NULL) ORDER BY created_at, id",
    )?;
    let rows = statement.query_map(params![ORG, key_hash], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, Option<String>>(7)?,
        ))
    })?;
    rows.map(|row| {
        let (id, name, source, key_hash, rules, mapping, created_at, revoked_at) = row?;
        Ok(Integration {
            id,
            name,
            source: source.parse().map_err(StoreError::Corrupt)?,
            key_hash,
            rules: from_json(&rules, "routing rules")?,
            mapping: from_json(&mapping, "field mapping")?,
            created_at: parse_time(&created_at)?,
            revoked_at: parse_optional_time(revoked_at)?,
        })
    })
    .collect()
}

pub(super) fn list(connection: &dyn Sql, open_only: bool, limit: usize) -> StoreResult<Vec<Alert>> {
    let mut statement = connection.prepare(
        "SELECT record FROM alerts WHERE org_id = ?1 AND (?2 = 0 OR status != 'resolved') ORDER BY id DESC LIMIT ?3",
    )?;
    let rows = statement.query_map(params![ORG, open_only, limit as i64], |r| {
        r.get::<_, String>(0)
    })?;
    rows.map(|text| from_json(&text?, "alert")).collect()
}

fn save_alert(transaction: &dyn Sql, alert: &Alert) -> StoreResult<()> {
    let status = serde_json::to_value(alert.alert.status).expect("statuses serialize");
    transaction.execute(
        "INSERT INTO alerts (org_id, id, integration, dedup_key, status, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (org_id, id) DO UPDATE SET status = excluded.status, record = excluded.record",
        params![
            ORG,
            alert.id as i64,
            alert.integration,
            alert.alert.dedup_key,
            status.as_str().unwrap_or_default(),
            to_json(alert)
        ],
    )?;
    Ok(())
}

/// The alert this one repeats. Alertmanager names an alert by fingerprint and
/// start, whatever its status; PagerDuty and generic sources reuse a dedup key
/// once the alert is resolved, so only open alerts count there.
fn find_existing(
    transaction: &dyn Sql,
    integration: &Integration,
    incoming: &IncomingAlert,
) -> StoreResult<Option<Alert>> {
    let open_only = incoming.source != AlertSource::Alertmanager;
    let text: Option<String> = transaction
        .query_row(
            "SELECT record FROM alerts WHERE org_id = ?1 AND integration = ?2 AND dedup_key = ?3
             AND (?4 = 0 OR status != 'resolved') ORDER BY id DESC LIMIT 1",
            params![ORG, integration.id, incoming.dedup_key, open_only],
            |r| r.get(0),
        )
        .optional()?;
    text.map(|t| from_json(&t, "alert")).transpose()
}

fn link_event(
    incident: &Incident,
    alert: &Alert,
    kind: EventKind,
    now: Timestamp,
) -> incident::Change {
    let body = json!({
        "alert_id": alert.id,
        "source": alert.alert.source,
        "summary": alert.alert.summary,
        "dedup_key": alert.alert.dedup_key,
        "labels": alert.alert.labels,
        "generator_url": alert.alert.generator_url,
    });
    incident.record_event(
        kind,
        body,
        &format!("integration:{}", alert.integration),
        now,
    )
}

fn append_to_incident(
    transaction: &dyn Sql,
    change: incident::Change,
    now: Timestamp,
) -> StoreResult<()> {
    save_change(transaction, &change.incident, change.events, now).map(|_| ())
}

/// The newest open real incident on `system`.
/// The most open incidents one alert is proposed to.
const MAX_PROPOSALS: usize = 20;

/// Proposes a new alert on a system to the open incidents on the systems
/// that depend on it (not the one it joined): a fault upstream is often the
/// cause downstream. Each gets an `alert_proposed` event with the path; a
/// responder links it or leaves it.
fn propose_downstream(transaction: &dyn Sql, alert: &Alert, now: Timestamp) -> StoreResult<()> {
    let Some(system) = &alert.system else {
        return Ok(());
    };
    let graph: BTreeMap<String, Vec<String>> = load_systems(transaction)?
        .into_iter()
        .map(|s| (s.slug, s.details.depends_on))
        .collect();
    let dependants = change::dependant_paths(std::slice::from_ref(system), &graph);
    if dependants.is_empty() {
        return Ok(());
    }
    let dialect = transaction.dialect();
    let mut statement = transaction.prepare(&format!(
        "SELECT record FROM incidents WHERE org_id = ?1
         AND {} NOT IN ('closed', 'declined', 'merged') AND {} = 'real'
         ORDER BY number DESC",
        dialect.json_text("record", "status"),
        dialect.json_text("record", "kind"),
    ))?;
    let open: Vec<Incident> = statement
        .query_map(params![ORG], |r| r.get::<_, String>(0))?
        .map(|text| from_json(&text?, "incident record"))
        .collect::<StoreResult<_>>()?;
    let proposed = open
        .iter()
        .filter(|i| alert.incident.as_deref() != Some(i.public_id().as_str()))
        .filter_map(|i| {
            let path = i.systems.iter().find_map(|s| dependants.get(s))?;
            Some((i, path))
        })
        .take(MAX_PROPOSALS);
    for (incident, path) in proposed {
        let mut change = link_event(incident, alert, EventKind::AlertProposed, now);
        change.events[0].body["upstream"] = json!(path);
        append_to_incident(transaction, change, now)?;
    }
    Ok(())
}

pub(super) fn load_alert(transaction: &dyn Sql, id: u64) -> StoreResult<Alert> {
    let text: Option<String> = transaction
        .query_row(
            "SELECT record FROM alerts WHERE org_id = ?1 AND id = ?2",
            params![ORG, id as i64],
            |r| r.get(0),
        )
        .optional()?;
    match text {
        Some(text) => from_json(&text, "alert"),
        None => Err(StoreError::NotFound(format!("alert {id}"))),
    }
}

/// A person acknowledges or resolves alert `id`; the incident it belongs
/// to, if any, records who did on its timeline.
pub(super) fn set_status(
    transaction: &dyn Sql,
    id: u64,
    status: AlertStatus,
    actor: &str,
    now: Timestamp,
) -> StoreResult<Alert> {
    let mut alert = load_alert(transaction, id)?;
    alert.alert.status = alert.alert.status.set_by_hand(status)?;
    if status == AlertStatus::Resolved {
        alert.alert.ends_at = Some(now);
    }
    save_alert(transaction, &alert)?;
    if let Some(number) = alert
        .incident
        .as_deref()
        .and_then(|id| incident::parse_public_id(id).ok())
    {
        let kind = match status {
            AlertStatus::Resolved => EventKind::AlertResolved,
            _ => EventKind::AlertAcknowledged,
        };
        let linked = load_incident(transaction, number)?;
        let mut change = link_event(&linked, &alert, kind, now);
        change.events[0].actor = actor.to_string();
        append_to_incident(transaction, change, now)?;
    }
    Ok(alert)
}

/// Links alert `id` to incident `number` by a person's choice (a proposal
/// taken); refused when the alert already belongs to an incident.
pub(super) fn link(
    transaction: &dyn Sql,
    id: u64,
    number: u64,
    actor: &str,
    now: Timestamp,
) -> StoreResult<Alert> {
    let mut alert = load_alert(transaction, id)?;
    let incident = load_incident(transaction, number)?;
    if let Some(linked) = &alert.incident {
        let message = if *linked == incident.public_id() {
            format!("alert {id} is already linked to {linked}")
        } else {
            format!("alert {id} belongs to {linked}; link it there or merge the incidents")
        };
        return Err(StoreError::Domain(DomainError::Conflict {
            message,
            allowed: vec![],
        }));
    }
    alert.incident = Some(incident.public_id());
    save_alert(transaction, &alert)?;
    let mut change = link_event(&incident, &alert, EventKind::AlertLinked, now);
    change.events[0].actor = actor.to_string();
    append_to_incident(transaction, change, now)?;
    Ok(alert)
}

fn open_incident_on(transaction: &dyn Sql, system: &str) -> StoreResult<Option<Incident>> {
    let dialect = transaction.dialect();
    let number: Option<i64> = transaction
        .query_row(
            &format!(
                "SELECT number FROM incidents WHERE org_id = ?1
                 AND {} NOT IN ('closed', 'declined', 'merged') AND {} = 'real' AND {}
                 ORDER BY number DESC LIMIT 1",
                dialect.json_text("record", "status"),
                dialect.json_text("record", "kind"),
                dialect.json_array_holds("record", "systems", "?2"),
            ),
            params![ORG, system],
            |r| r.get(0),
        )
        .optional()?;
    number
        .map(|n| load_incident(transaction, n as u64))
        .transpose()
}

pub(super) fn ingest(
    transaction: &dyn Sql,
    integration: &Integration,
    incoming: IncomingAlert,
    now: Timestamp,
) -> StoreResult<IngestOutcome> {
    if let Some(mut existing) = find_existing(transaction, integration, &incoming)? {
        let was_open = existing.alert.status.is_open();
        existing.occurrences += 1;
        existing.last_seen = now;
        existing.alert.status = incoming.status;
        existing.alert.ends_at = incoming.ends_at.or(existing.alert.ends_at);
        existing.alert.annotations.extend(incoming.annotations);
        save_alert(transaction, &existing)?;
        if was_open
            && incoming.status == AlertStatus::Resolved
            && let Some(number) = existing
                .incident
                .as_deref()
                .and_then(|id| incident::parse_public_id(id).ok())
        {
            let linked = load_incident(transaction, number)?;
            append_to_incident(
                transaction,
                link_event(&linked, &existing, EventKind::AlertResolved, now),
                now,
            )?;
        }
        return Ok(IngestOutcome {
            alert: Some(existing),
            declared: None,
        });
    }
    if incoming.status != AlertStatus::Firing && incoming.source != AlertSource::Alertmanager {
        return Ok(IngestOutcome {
            alert: None,
            declared: None,
        });
    }
    let id: i64 = transaction.query_row(
        "SELECT coalesce(max(id), 0) + 1 FROM alerts WHERE org_id = ?1",
        [ORG],
        |r| r.get(0),
    )?;
    let rule = route(&integration.rules, &incoming.labels).cloned();
    let mut alert = Alert {
        id: id as u64,
        integration: integration.id.clone(),
        system: rule.as_ref().map(|r| r.system.clone()),
        incident: None,
        occurrences: 1,
        first_seen: now,
        last_seen: now,
        alert: incoming,
    };
    let mut declared = None;
    if let Some(rule) = rule
        .filter(|r| r.action != RouteAction::Record && alert.alert.status == AlertStatus::Firing)
    {
        let target = match open_incident_on(transaction, &rule.system)? {
            Some(open) => Some(open),
            None if rule.action == RouteAction::Declare => {
                let systems = load_systems(transaction)?;
                let number: i64 = transaction.query_row(
                    "SELECT coalesce(max(number), 0) + 1 FROM incidents WHERE org_id = ?1",
                    [ORG],
                    |r| r.get(0),
                )?;
                let input = DeclareIncident {
                    title: alert.alert.summary.clone(),
                    summary: alert
                        .alert
                        .annotations
                        .get("description")
                        .cloned()
                        .unwrap_or_default(),
                    kind: IncidentKind::Real,
                    severity: rule.severity.unwrap_or(alert.alert.severity),
                    severity_rationale: format!("from alert: {}", alert.alert.summary),
                    systems: vec![rule.system.clone()],
                    model_versions: vec![],
                    harms: vec![],
                    people_affected: None,
                    tags: vec![format!("alert:{}", alert.alert.source.as_str())],
                    impact_started_at: alert.alert.starts_at.filter(|s| *s <= now),
                    detected_at: Some(now),
                    aware_at: None,
                    declared_by: DeclaredBy::Alert,
                    detection_source: Some(match alert.alert.source {
                        AlertSource::Monitor => DetectionSource::Monitor,
                        _ => DetectionSource::ExternalAlert,
                    }),
                };
                let actor = format!("integration:{}", integration.id);
                let change = incident::declare(input, number as u64, &actor, &systems, now)?;
                append_to_incident(transaction, change.clone(), now)?;
                super::paging::start_paging(transaction, &change.incident, now)?;
                declared = Some(change.incident.clone());
                Some(change.incident)
            }
            None => None,
        };
        if let Some(target) = target {
            alert.incident = Some(target.public_id());
            append_to_incident(
                transaction,
                link_event(&target, &alert, EventKind::AlertLinked, now),
                now,
            )?;
        }
    }
    save_alert(transaction, &alert)?;
    if alert.alert.status == AlertStatus::Firing {
        propose_downstream(transaction, &alert, now)?;
    }
    Ok(IngestOutcome {
        alert: Some(alert),
        declared,
    })
}
