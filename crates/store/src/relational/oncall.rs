//! On-call entries (D31) and what an incident's changes tell people (D26). Schedules, policies, teams,
//! contact methods and systems' policies are JSON records in
//! `oncall_records`, each change sealed on the entry's chain
//! (`oncall:<kind>:<slug>`). An incident's escalation is planned by
//! `firebreak-core` and kept in `pages` (see `paging`). Changes of an
//! incident queue what the outbound channels and its role holders are told.

use super::integrity::append_events;
use super::outbox::{self, Queued};
use super::{ORG, from_json, load_systems, to_json};
use crate::sql::{OptionalExtension, Sql, params};
use crate::{
    NOTICE_CHANNEL_PREFIX, OncallConfig, OncallEntry, OncallKind, ROLE_CHANNEL_PREFIX, StoreError,
    StoreResult, StoredChannel,
};
use firebreak_core::error::FieldError;
use firebreak_core::incident::{Incident, IncidentKind};
use firebreak_core::oncall::{self, Channel, ChannelKind, Target};
use firebreak_core::system::validate_slug;
use firebreak_core::timeline::{ABSENT_STATE, Event, EventDraft, EventKind, state_hash};
use firebreak_core::{DomainError, Timestamp};
use serde_json::{Value, json};

fn stream(kind: OncallKind, slug: &str) -> String {
    format!("oncall:{}:{slug}", kind.as_str())
}

pub(super) fn load_record(
    c: &dyn Sql,
    kind: OncallKind,
    slug: &str,
) -> StoreResult<Option<String>> {
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
pub(super) struct PolicyLink {
    pub(super) policy: String,
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
        stakeholders: load_kind(c, OncallKind::Stakeholders)?
            .into_iter()
            .collect(),
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
        OncallEntry::Stakeholders { system, lists } => {
            if !load_systems(t)?.iter().any(|s| &s.slug == system) {
                return Err(StoreError::NotFound(format!("system {system}")));
            }
            lists.validate().map_err(DomainError::from)?;
            json!(lists)
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
        for field in ["sealed_credential", "sealed_webhook_secret"] {
            if let Some(sealed) = shown.get_mut(field) {
                *sealed = json!("sealed");
            }
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
        OncallKind::Contacts
        | OncallKind::SystemPolicy
        | OncallKind::Channel
        | OncallKind::Stakeholders => None,
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

/// Queues the Slack steps `events` (sealed, so each has its place on the
/// timeline) call for on the Slack channels that hear of `incident`, in
/// the transaction that stores the change (D26): one message per step on
/// `notice:slack`, so the outbox keeps them in order per channel and
/// incident and the Slack channel is created before anything is posted
/// there. Drills and tests tell no channel (D11).
pub(super) fn queue_slack(
    t: &dyn Sql,
    incident: &Incident,
    events: &[Event],
    now: Timestamp,
) -> StoreResult<()> {
    if incident.kind != IncidentKind::Real || events.is_empty() {
        return Ok(());
    }
    let channels: Vec<Channel> = values::<StoredChannel>(t, OncallKind::Channel)?
        .into_iter()
        .map(|s| s.channel)
        .filter(|c| c.kind == ChannelKind::Slack)
        .collect();
    if channels.is_empty() {
        return Ok(());
    }
    let contacts = load_kind(t, OncallKind::Contacts)?.into_iter().collect();
    for notice in oncall::slack_notices(&channels, incident, events, &contacts) {
        let mut payload = json!({
            "incident": incident.public_id(),
            "title": incident.title,
            "severity": incident.severity,
            "status": incident.status,
            "systems": incident.systems,
        });
        if let (Some(payload), Value::Object(step)) = (payload.as_object_mut(), json!(notice.step))
        {
            payload.extend(step);
        }
        let message = Queued {
            channel: &format!("{NOTICE_CHANNEL_PREFIX}{}", ChannelKind::Slack.as_str()),
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
    super::paging::announce(t, incident, untold, now)
}
