//! On-call entries and paging (D31, D25, D26). Schedules, policies, teams,
//! contact methods and systems' policies are JSON records in
//! `oncall_records`, each change sealed on the entry's chain
//! (`oncall:<kind>:<slug>`). An incident's escalation is planned by
//! `firebreak-core` when it is declared, in the declaring transaction, and
//! kept in `pages` with the steps already paged and the next due time; the
//! scheduler pages due steps through the outbox with `record`, which marks
//! them sent in the same transaction, so no step is paged twice.

use super::integrity::append_events;
use super::outbox::{self, Queued};
use super::{ORG, from_json, load_incident, load_systems, save_change, to_json};
use crate::sql::{OptionalExtension, Sql, params};
use crate::{
    NOTICE_CHANNEL_PREFIX, OncallConfig, OncallEntry, OncallKind, PAGE_CHANNEL_PREFIX, PageState,
    ROLE_CHANNEL_PREFIX, StoreError, StoreResult, StoredChannel,
};
use firebreak_core::error::FieldError;
use firebreak_core::incident::{Incident, IncidentKind};
use firebreak_core::oncall::{self, Channel, EscalationPlan, StepKey, StepPage, Target};
use firebreak_core::system::validate_slug;
use firebreak_core::timeline::{ABSENT_STATE, Event, EventDraft, EventKind, state_hash};
use firebreak_core::{DomainError, Timestamp};
use serde_json::json;

fn stream(kind: OncallKind, slug: &str) -> String {
    format!("oncall:{}:{slug}", kind.as_str())
}

fn load_record(c: &dyn Sql, kind: OncallKind, slug: &str) -> StoreResult<Option<String>> {
    Ok(c.query_row(
        "SELECT record FROM oncall_records WHERE org_id = ?1 AND kind = ?2 AND slug = ?3",
        params![ORG, kind.as_str(), slug],
        |r| r.get(0),
    )
    .optional()?)
}

fn load_kind<T: serde::de::DeserializeOwned>(
    c: &dyn Sql,
    kind: OncallKind,
) -> StoreResult<Vec<(String, T)>> {
    let mut statement = c.prepare(
        "SELECT slug, record FROM oncall_records WHERE org_id = ?1 AND kind = ?2 ORDER BY slug",
    )?;
    let rows = statement.query_map(params![ORG, kind.as_str()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.map(|row| {
        let (slug, text) = row?;
        Ok((slug, from_json(&text, kind.as_str())?))
    })
    .collect()
}

/// The record a system's policy link stores.
#[derive(serde::Serialize, serde::Deserialize)]
struct PolicyLink {
    policy: String,
}

fn values<T: serde::de::DeserializeOwned>(c: &dyn Sql, kind: OncallKind) -> StoreResult<Vec<T>> {
    Ok(load_kind(c, kind)?.into_iter().map(|(_, v)| v).collect())
}

pub(super) fn load(c: &dyn Sql) -> StoreResult<OncallConfig> {
    Ok(OncallConfig {
        schedules: values(c, OncallKind::Schedule)?,
        policies: values(c, OncallKind::Policy)?,
        teams: values(c, OncallKind::Team)?,
        contacts: load_kind(c, OncallKind::Contacts)?.into_iter().collect(),
        system_policies: load_kind::<PolicyLink>(c, OncallKind::SystemPolicy)?
            .into_iter()
            .map(|(system, link)| (system, link.policy))
            .collect(),
        channels: values(c, OncallKind::Channel)?,
    })
}

/// Names (with their fields) that are not users.
fn unknown_users(c: &dyn Sql, names: Vec<(String, &str)>) -> StoreResult<Vec<FieldError>> {
    let mut unknown = Vec::new();
    for (field, name) in names {
        let found: Option<i64> = c
            .query_row(
                "SELECT 1 FROM users WHERE org_id = ?1 AND name = ?2",
                params![ORG, name],
                |r| r.get(0),
            )
            .optional()?;
        if found.is_none() && !name.trim().is_empty() {
            unknown.push(FieldError::new(field, format!("unknown user \"{name}\"")));
        }
    }
    Ok(unknown)
}

/// Checks an entry against the rules and the other entries, and answers
/// the record to store.
fn checked_record(t: &dyn Sql, entry: &OncallEntry) -> StoreResult<serde_json::Value> {
    let mut names: Vec<(String, &str)> = Vec::new();
    let record = match entry {
        OncallEntry::Schedule(schedule) => {
            schedule.validate().map_err(DomainError::from)?;
            for (i, layer) in schedule.layers.iter().enumerate() {
                for (j, user) in layer.participants.iter().enumerate() {
                    names.push((format!("layers[{i}].participants[{j}]"), user));
                }
            }
            for (i, o) in schedule.overrides.iter().enumerate() {
                names.push((format!("overrides[{i}].user"), &o.user));
            }
            json!(schedule)
        }
        OncallEntry::Policy(policy) => {
            let config = load(t)?;
            policy
                .check_references(&config.schedules, &config.teams)
                .map_err(DomainError::from)?;
            for (i, level) in policy.levels.iter().enumerate() {
                for (j, target) in level.targets.iter().enumerate() {
                    if let Target::User { user } = target {
                        names.push((format!("levels[{i}].targets[{j}].user"), user));
                    }
                }
            }
            json!(policy)
        }
        OncallEntry::Team(team) => {
            let mut faults = Vec::new();
            if let Err(message) = validate_slug(&team.slug) {
                faults.push(FieldError::new("slug", message));
            }
            if team.members.is_empty() {
                faults.push(FieldError::new("members", "empty: name at least one user"));
            }
            if !faults.is_empty() {
                return Err(DomainError::Invalid(faults).into());
            }
            for (i, member) in team.members.iter().enumerate() {
                names.push((format!("members[{i}]"), member));
            }
            json!(team)
        }
        OncallEntry::Contacts { user, methods } => {
            methods.validate().map_err(DomainError::from)?;
            if !unknown_users(t, vec![(String::new(), user)])?.is_empty() {
                return Err(StoreError::NotFound(format!("user {user}")));
            }
            json!(methods)
        }
        OncallEntry::SystemPolicy { system, policy } => {
            if !load_systems(t)?.iter().any(|s| &s.slug == system) {
                return Err(StoreError::NotFound(format!("system {system}")));
            }
            if load_record(t, OncallKind::Policy, policy)?.is_none() {
                return Err(
                    DomainError::field("policy", format!("unknown policy \"{policy}\"")).into(),
                );
            }
            json!(PolicyLink {
                policy: policy.clone()
            })
        }
        OncallEntry::Channel(stored) => {
            stored.channel.validate().map_err(DomainError::from)?;
            let systems = load_systems(t)?;
            let unknown: Vec<FieldError> = stored
                .channel
                .systems
                .iter()
                .enumerate()
                .filter(|(_, system)| !systems.iter().any(|s| &s.slug == *system))
                .map(|(i, system)| {
                    FieldError::new(
                        format!("systems[{i}]"),
                        format!("unknown system \"{system}\""),
                    )
                })
                .collect();
            if !unknown.is_empty() {
                return Err(DomainError::Invalid(unknown).into());
            }
            json!(stored)
        }
    };
    let unknown = unknown_users(t, names)?;
    if !unknown.is_empty() {
        return Err(DomainError::Invalid(unknown).into());
    }
    Ok(record)
}

fn seal(
    t: &dyn Sql,
    kind: OncallKind,
    slug: &str,
    record: Option<&serde_json::Value>,
    actor: &str,
    now: Timestamp,
) -> StoreResult<()> {
    // A channel's credential is sealed, yet the chain (exported in bundles)
    // need not carry even that: the state hash binds it.
    let shown = record.map(|r| {
        let mut shown = r.clone();
        if let Some(sealed) = shown.get_mut("sealed_credential") {
            *sealed = json!("sealed");
        }
        shown
    });
    let body = json!({
        "kind": kind.as_str(),
        "slug": slug,
        "action": if record.is_some() { "saved" } else { "removed" },
        "record": shown,
    });
    let state = record.map_or_else(|| ABSENT_STATE.to_string(), state_hash);
    append_events(
        t,
        &stream(kind, slug),
        vec![EventDraft::by(actor, EventKind::OncallChanged, now, body)],
        &state,
        now,
    )?;
    Ok(())
}

pub(super) fn save(
    t: &dyn Sql,
    entry: &OncallEntry,
    actor: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    let record = checked_record(t, entry)?;
    let (kind, slug) = (entry.kind(), entry.slug());
    let current = load_record(t, kind, slug)?;
    if let Some(text) = &current
        && serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .as_ref()
            == Some(&record)
    {
        return Ok(false);
    }
    t.execute(
        "INSERT INTO oncall_records (org_id, kind, slug, record) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (org_id, kind, slug) DO UPDATE SET record = excluded.record",
        params![ORG, kind.as_str(), slug, to_json(&record)],
    )?;
    seal(t, kind, slug, Some(&record), actor, now)?;
    Ok(current.is_none())
}

/// What still names `slug` of `kind`, if anything.
fn referrer(config: &OncallConfig, kind: OncallKind, slug: &str) -> Option<String> {
    let named_by_policy = |wanted: &dyn Fn(&Target) -> bool| {
        config
            .policies
            .iter()
            .find(|p| p.levels.iter().flat_map(|l| &l.targets).any(wanted))
            .map(|p| format!("policy {}", p.slug))
    };
    match kind {
        OncallKind::Schedule => {
            named_by_policy(&|t| matches!(t, Target::Schedule { schedule } if schedule == slug))
        }
        OncallKind::Team => {
            named_by_policy(&|t| matches!(t, Target::Team { team } if team == slug))
        }
        OncallKind::Policy => config
            .system_policies
            .iter()
            .find(|(_, policy)| *policy == slug)
            .map(|(system, _)| format!("system {system}")),
        OncallKind::Contacts | OncallKind::SystemPolicy | OncallKind::Channel => None,
    }
}

pub(super) fn remove(
    t: &dyn Sql,
    kind: OncallKind,
    slug: &str,
    actor: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let what = || format!("{} {slug}", kind.as_str().replace('_', " "));
    if load_record(t, kind, slug)?.is_none() {
        return Err(StoreError::NotFound(what()));
    }
    if let Some(referrer) = referrer(&load(t)?, kind, slug) {
        return Err(DomainError::Conflict {
            message: format!("{} is still named by {referrer}", what()),
            allowed: vec![],
        }
        .into());
    }
    t.execute(
        "DELETE FROM oncall_records WHERE org_id = ?1 AND kind = ?2 AND slug = ?3",
        params![ORG, kind.as_str(), slug],
    )?;
    seal(t, kind, slug, None, actor, now)
}

/// Queues what `events` tell the outbound channels that hear of
/// `incident`, in the transaction that stores the change (D26). Drills and
/// tests tell no channel (D11).
pub(super) fn queue_notices(
    t: &dyn Sql,
    incident: &Incident,
    events: &[EventDraft],
    now: Timestamp,
) -> StoreResult<()> {
    const HEARD: [EventKind; 5] = [
        EventKind::Declared,
        EventKind::FieldChanged,
        EventKind::PageAcknowledged,
        EventKind::StatusChanged,
        EventKind::TimeChanged,
    ];
    if incident.kind != IncidentKind::Real || !events.iter().any(|e| HEARD.contains(&e.kind)) {
        return Ok(());
    }
    let stored: Vec<StoredChannel> = values(t, OncallKind::Channel)?;
    if stored.is_empty() {
        return Ok(());
    }
    let channels: Vec<Channel> = stored.iter().map(|s| s.channel.clone()).collect();
    for notice in oncall::notices(&channels, incident, events) {
        let kind = channels
            .iter()
            .find(|c| c.slug == notice.channel)
            .map_or("", |c| c.kind.as_str());
        let payload = json!({
            "incident": incident.public_id(),
            "title": incident.title,
            "summary": incident.summary,
            "severity": incident.severity,
            "status": incident.status,
            "systems": incident.systems,
            "action": notice.action,
        });
        let message = Queued {
            channel: &format!("{NOTICE_CHANNEL_PREFIX}{kind}"),
            target: &notice.channel,
            payload: &payload.to_string(),
            idempotency_key: &notice.idempotency_key,
            not_before: now,
            incident: Some(incident.number),
        };
        outbox::enqueue(t, &message, now)?;
    }
    Ok(())
}

/// Queues a message to each contact method of everyone `events` gave a
/// role, in the transaction that stores the change (D26); someone with no
/// contact method is noted on the timeline as not told. Drills and tests
/// tell their role holders too: they are the drill's participants (D11).
pub(super) fn queue_role_notices(
    t: &dyn Sql,
    incident: &Incident,
    events: &[Event],
    now: Timestamp,
) -> StoreResult<()> {
    if !events.iter().any(|e| e.kind == EventKind::RoleChanged) {
        return Ok(());
    }
    let contacts = load_kind(t, OncallKind::Contacts)?.into_iter().collect();
    let mut untold = Vec::new();
    for notice in oncall::role_notices(events, &contacts) {
        if notice.reach.is_empty() {
            let body = json!({
                "user": notice.user, "role": notice.role, "contact": null,
                "result": "no contact method: not told",
            });
            untold.push(EventDraft::by(
                "firebreak",
                EventKind::RoleNotice,
                now,
                body,
            ));
        }
        for (contact, address) in &notice.reach {
            let contact = json!(contact);
            let contact = contact.as_str().unwrap_or_default();
            let payload = json!({
                "incident": incident.public_id(),
                "title": incident.title,
                "severity": incident.severity,
                "kind": incident.kind,
                "role": notice.role,
                "user": notice.user,
                "contact": contact,
            });
            let key = format!(
                "role:{}:{}:{}:{}:{contact}",
                incident.public_id(),
                notice.seq,
                notice.role.as_str(),
                notice.user
            );
            let message = Queued {
                channel: &format!("{ROLE_CHANNEL_PREFIX}{contact}"),
                target: address,
                payload: &payload.to_string(),
                idempotency_key: &key,
                not_before: now,
                incident: Some(incident.number),
            };
            outbox::enqueue(t, &message, now)?;
        }
    }
    if untold.is_empty() {
        return Ok(());
    }
    announce(t, incident, untold, now)
}

fn announce(
    t: &dyn Sql,
    incident: &Incident,
    drafts: Vec<EventDraft>,
    now: Timestamp,
) -> StoreResult<()> {
    append_events(t, &incident.public_id(), drafts, &state_hash(incident), now)?;
    Ok(())
}

/// Plans the escalation of a newly declared real incident from the policy
/// of its first system that has one, and puts the plan on its timeline.
/// Drills and tests page nobody (D11).
pub(super) fn start_paging(t: &dyn Sql, incident: &Incident, now: Timestamp) -> StoreResult<()> {
    if incident.kind != IncidentKind::Real {
        return Ok(());
    }
    let mut linked = None;
    for system in &incident.systems {
        if let Some(text) = load_record(t, OncallKind::SystemPolicy, system)? {
            linked = Some((
                system,
                from_json::<PolicyLink>(&text, "system policy")?.policy,
            ));
            break;
        }
    }
    let Some((system, slug)) = linked else {
        return Ok(());
    };
    let Some(text) = load_record(t, OncallKind::Policy, &slug)? else {
        return Err(StoreError::Corrupt(format!(
            "system {system} names policy {slug}, which is missing"
        )));
    };
    let policy: oncall::EscalationPolicy = from_json(&text, "policy")?;
    let plan = oncall::escalation_steps(&policy, incident.severity, now, &policy.working_hours())
        .map_err(DomainError::from)?;
    let next_due = plan.steps.iter().map(|s| s.due).min();
    t.execute(
        "INSERT INTO pages (org_id, incident, plan, sent, next_due_ms) VALUES (?1, ?2, ?3, '[]', ?4)
         ON CONFLICT (org_id, incident) DO NOTHING",
        params![ORG, incident.number as i64, to_json(&plan), next_due.map(|d| d.as_millisecond())],
    )?;
    let body = json!({ "policy": slug, "system": system, "plan": plan });
    announce(
        t,
        incident,
        vec![EventDraft::by(
            "firebreak",
            EventKind::PagePlanned,
            now,
            body,
        )],
        now,
    )
}

type PageRow = (i64, String, String, Option<i64>);

fn page_from_row(row: &crate::sql::Row) -> Result<PageRow, crate::sql::SqlError> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn build_page(c: &dyn Sql, (number, plan, sent, next_due): PageRow) -> StoreResult<PageState> {
    Ok(PageState {
        incident: load_incident(c, number as u64)?,
        plan: from_json::<EscalationPlan>(&plan, "escalation plan")?,
        sent: from_json::<Vec<StepKey>>(&sent, "sent steps")?,
        next_due: next_due
            .map(|ms| Timestamp::from_millisecond(ms).map_err(super::corrupt))
            .transpose()?,
    })
}

const PAGE_COLUMNS: &str = "incident, plan, sent, next_due_ms";

pub(super) fn due(c: &dyn Sql, now: Timestamp, limit: usize) -> StoreResult<Vec<PageState>> {
    let mut statement = c.prepare(&format!(
        "SELECT {PAGE_COLUMNS} FROM pages WHERE org_id = ?1 AND next_due_ms <= ?2
         ORDER BY next_due_ms, incident LIMIT ?3"
    ))?;
    let rows: Vec<PageRow> = statement
        .query_map(
            params![ORG, now.as_millisecond(), limit as i64],
            page_from_row,
        )?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(|row| build_page(c, row)).collect()
}

pub(super) fn page(c: &dyn Sql, number: u64) -> StoreResult<Option<PageState>> {
    let row = c
        .query_row(
            &format!("SELECT {PAGE_COLUMNS} FROM pages WHERE org_id = ?1 AND incident = ?2"),
            params![ORG, number as i64],
            page_from_row,
        )
        .optional()?;
    row.map(|row| build_page(c, row)).transpose()
}

pub(super) fn record(
    t: &dyn Sql,
    number: u64,
    pages: &[StepPage],
    next_due: Option<Timestamp>,
    now: Timestamp,
) -> StoreResult<()> {
    let state = page(t, number)?
        .ok_or_else(|| StoreError::NotFound(format!("the escalation of INC-{number}")))?;
    let incident = &state.incident;
    // Asked again inside the transaction, so that a page acknowledged or
    // resolved since the scheduler looked sends nothing more.
    let acknowledged = incident.times.acknowledged_at;
    let over = oncall::escalation_over(incident);
    let still_due: Vec<StepKey> =
        oncall::due_now(&state.plan, acknowledged, over, &state.sent, now)
            .into_iter()
            .map(|step| step.key)
            .collect();
    let next_due = next_due.filter(|_| acknowledged.is_none() && over.is_none());
    let mut sent = state.sent.clone();
    let mut drafts = Vec::new();
    for step in pages.iter().filter(|p| still_due.contains(&p.key)) {
        for notification in &step.notifications {
            let contact = json!(notification.contact);
            let channel = format!(
                "{PAGE_CHANNEL_PREFIX}{}",
                contact.as_str().unwrap_or_default()
            );
            let payload = json!({
                "incident": incident.public_id(),
                "title": incident.title,
                "severity": incident.severity,
                "systems": incident.systems,
                "step": step.key,
                "notification": notification,
            });
            let key = format!(
                "page:{}:{}.{}:{}:{}",
                incident.public_id(),
                step.key.round,
                step.key.level,
                notification.user,
                notification.rule
            );
            let message = Queued {
                channel: &channel,
                target: &notification.address,
                payload: &payload.to_string(),
                idempotency_key: &key,
                not_before: notification.due.max(now),
                incident: Some(number),
            };
            outbox::enqueue(t, &message, now)?;
        }
        let body = json!({
            "step": step.key,
            "recipients": step.recipients,
            "notifications": step.notifications,
            "unreachable": step.unreachable,
            "reached_nobody": step.reaches_nobody(),
        });
        drafts.push(EventDraft::by("firebreak", EventKind::PageSent, now, body));
        sent.push(step.key);
    }
    if !drafts.is_empty() {
        announce(t, incident, drafts, now)?;
    }
    t.execute(
        "UPDATE pages SET sent = ?3, next_due_ms = ?4 WHERE org_id = ?1 AND incident = ?2",
        params![
            ORG,
            number as i64,
            to_json(&sent),
            next_due.map(|d| d.as_millisecond())
        ],
    )?;
    Ok(())
}

pub(super) fn acknowledge(
    t: &dyn Sql,
    number: u64,
    actor: &str,
    via: oncall::AckVia,
    now: Timestamp,
) -> StoreResult<Incident> {
    let current = load_incident(t, number)?;
    let change = oncall::acknowledge(&current, actor, via, now)?;
    save_change(t, &change.incident, change.events, now)?;
    t.execute(
        "UPDATE pages SET next_due_ms = NULL WHERE org_id = ?1 AND incident = ?2",
        params![ORG, number as i64],
    )?;
    outbox::cancel(
        t,
        number,
        PAGE_CHANNEL_PREFIX,
        "withdrawn: the page was acknowledged",
    )?;
    Ok(change.incident)
}
