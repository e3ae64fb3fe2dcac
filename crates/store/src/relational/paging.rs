//! Paging (D25, D26): an incident's escalation is planned by
//! `firebreak-core` when it is declared, in the declaring transaction, and
//! re-planned when its severity is raised; it is kept in `pages` with the
//! steps already paged and the next due time. The scheduler pages due steps
//! through the outbox with `record`, which marks them sent in the same
//! transaction, so no step is paged twice.

use super::integrity::append_events;
use super::oncall::{PolicyLink, load_record};
use super::outbox;
use super::outbox::Queued;
use super::{ORG, from_json, load_incident, save_change, to_json};
use crate::sql::{OptionalExtension, Sql, params};
use crate::{OncallKind, PAGE_CHANNEL_PREFIX, PageState, StoreError, StoreResult};
use firebreak_core::incident::{Incident, IncidentKind};
use firebreak_core::oncall::{self, EscalationPlan, StepKey, StepPage};
use firebreak_core::timeline::{Event, EventDraft, EventKind, state_hash};
use firebreak_core::{DomainError, Timestamp};
use serde_json::json;

pub(super) fn announce(
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
    announce_plan(t, incident, body, now)
}

/// Re-plans the escalation of an incident whose severity `events` raised,
/// unless it was acknowledged or is over, or has no escalation: the policy
/// pages from now with the new severity's urgency, as a new generation
/// whose pages are new messages; what the old plan still had waiting is
/// withdrawn. On the timeline as a `page_planned` with its reason.
pub(super) fn replan_on_raise(
    t: &dyn Sql,
    incident: &Incident,
    events: &[Event],
    now: Timestamp,
) -> StoreResult<()> {
    let raised = events.iter().any(|e| {
        e.kind == EventKind::FieldChanged
            && e.body["field"] == "severity"
            && e.body["to"] != e.body["from"]
    });
    if !raised || oncall::page_stopped(incident, now) {
        return Ok(());
    }
    let Some(state) = page(t, incident.number)? else {
        return Ok(());
    };
    let Some(text) = load_record(t, OncallKind::Policy, &state.plan.policy)? else {
        return Ok(());
    };
    let policy: oncall::EscalationPolicy = from_json(&text, "policy")?;
    let Some(plan) = oncall::replan(
        &state.plan,
        &policy,
        incident.severity,
        now,
        &policy.working_hours(),
    )
    .map_err(DomainError::from)?
    else {
        return Ok(());
    };
    let next_due = plan.steps.iter().map(|s| s.due).min();
    t.execute(
        "UPDATE pages SET plan = ?3, sent = '[]', next_due_ms = ?4 WHERE org_id = ?1 AND incident = ?2",
        params![ORG, incident.number as i64, to_json(&plan), next_due.map(|d| d.as_millisecond())],
    )?;
    outbox::cancel(
        t,
        incident.number,
        PAGE_CHANNEL_PREFIX,
        "withdrawn: the escalation was re-planned",
    )?;
    let reason = format!(
        "severity raised from {} to {}",
        state.plan.severity.as_str(),
        incident.severity.as_str()
    );
    let body = json!({ "policy": plan.policy, "plan": plan, "reason": reason });
    announce_plan(t, incident, body, now)
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

pub(super) fn recent(c: &dyn Sql, limit: usize) -> StoreResult<Vec<PageState>> {
    let mut statement = c.prepare(&format!(
        "SELECT {PAGE_COLUMNS} FROM pages WHERE org_id = ?1 ORDER BY incident DESC LIMIT ?2"
    ))?;
    let rows: Vec<PageRow> = statement
        .query_map(params![ORG, limit as i64], page_from_row)?
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
            // A re-plan's pages are new messages (level 1 is paged again),
            // the declaration's keep the keys they always had.
            let generation = match state.plan.generation {
                0 => String::new(),
                g => format!("g{g}."),
            };
            let key = format!(
                "page:{}:{generation}{}.{}:{}:{}",
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
    // Worked out here from the plan in this transaction, not the caller's:
    // a re-plan since the scheduler looked has steps of its own, and a step
    // due but not recorded (the caller paged another plan's) is looked at
    // again at once.
    let next_due = if still_due.iter().any(|key| !sent.contains(key)) {
        Some(now)
    } else {
        oncall::next_due(&state.plan, acknowledged, over, &sent, now)
    };
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

/// Puts a plan (with `body` saying which and why) on the incident's timeline.
fn announce_plan(
    t: &dyn Sql,
    incident: &Incident,
    body: serde_json::Value,
    now: Timestamp,
) -> StoreResult<()> {
    let draft = EventDraft::by("firebreak", EventKind::PagePlanned, now, body);
    announce(t, incident, vec![draft], now)
}
