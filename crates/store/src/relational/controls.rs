//! Kill switches and fallbacks (control states on their own chains), the
//! webhooks told of their changes, and the alert integrations: who may
//! change what a serving system does, and who may raise alerts.

use super::access::{HOOKS, INTEGRATIONS};
use super::integrity::append_events;
use super::outbox::{self, Queued};
use super::{
    ORG, alerts, find_system, from_json, load_incident, load_systems, save_change, to_json, touched,
};
use crate::sql::{OptionalExtension, Sql, params};
use crate::{CONTROL_HOOK_CHANNEL, ControlHook, Integration, StoreError, StoreResult};
use firebreak_core::control::{self, ContainmentRequest, ControlMode, ControlState, Namespace};
use firebreak_core::incident::Incident;
use firebreak_core::timeline::state_hash;
use firebreak_core::{DomainError, Timestamp};

pub(super) fn control_state(
    c: &dyn Sql,
    namespace: Namespace,
    system: &str,
) -> StoreResult<ControlState> {
    find_system(&load_systems(c)?, system)?;
    load_control_state(c, namespace, system)
}

pub(super) fn control_states(c: &dyn Sql, namespace: Namespace) -> StoreResult<Vec<ControlState>> {
    load_systems(c)?
        .iter()
        .map(|s| load_control_state(c, namespace, &s.slug))
        .collect()
}

pub(super) fn contain(
    t: &dyn Sql,
    number: u64,
    request: &ContainmentRequest,
    actor: &str,
    now: Timestamp,
) -> StoreResult<(Incident, ControlState)> {
    let incident = load_incident(t, number)?;
    let system = find_system(&load_systems(t)?, &request.system).map_err(|_| {
        DomainError::field("system", format!("unknown system `{}`", request.system))
    })?;
    let namespace = Namespace::for_incident(incident.kind);
    let before = load_control_state(t, namespace, &system.slug)?;
    let (change, after) = control::contain(&incident, request, &system, &before, actor, now)?;
    save_change(t, &change.incident, change.events, now)?;
    save_control_state(t, &before, &after, actor, now)?;
    Ok((change.incident, after))
}

pub(super) fn set_control(
    t: &dyn Sql,
    namespace: Namespace,
    system: &str,
    mode: ControlMode,
    reason: &str,
    actor: &str,
    now: Timestamp,
) -> StoreResult<ControlState> {
    let system = find_system(&load_systems(t)?, system)?;
    let before = load_control_state(t, namespace, &system.slug)?;
    let after = control::change_directly(&system, &before, mode, reason, actor, now)?;
    save_control_state(t, &before, &after, actor, now)?;
    Ok(after)
}

pub(super) fn add_control_hook(t: &dyn Sql, hook: &ControlHook, actor: &str) -> StoreResult<()> {
    find_system(&load_systems(t)?, &hook.system)?;
    t.execute(
            "INSERT INTO control_hooks (org_id, id, system, url, secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![ORG, hook.id, hook.system, hook.url, hook.secret, hook.created_at.to_string()],
        )?;
    let action = format!("created for {} → {}", hook.system, hook.url);
    HOOKS.seal(t, &hook.id, &action, actor, hook.created_at)?;
    Ok(())
}

pub(super) fn delete_control_hook(
    t: &dyn Sql,
    id: &str,
    actor: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let deleted = t.execute(
        "DELETE FROM control_hooks WHERE org_id = ?1 AND id = ?2",
        params![ORG, id],
    )?;
    touched(deleted, || format!("hook {id}"))?;
    HOOKS.seal(t, id, "deleted", actor, now)?;
    Ok(())
}

pub(super) fn create_integration(
    t: &dyn Sql,
    integration: &Integration,
    actor: &str,
) -> StoreResult<()> {
    let slugs: Vec<String> = load_systems(t)?.into_iter().map(|s| s.slug).collect();
    firebreak_core::alert::validate_rules(&integration.rules, &slugs)?;
    alerts::insert_integration(t, integration)?;
    let action = format!("created: {}", integration.name);
    INTEGRATIONS.seal(t, &integration.id, &action, actor, integration.created_at)?;
    Ok(())
}

pub(super) fn revoke_integration(
    t: &dyn Sql,
    id: &str,
    actor: &str,
    now: Timestamp,
) -> StoreResult<Integration> {
    let revoked = t.execute(
            "UPDATE integrations SET revoked_at = ?3 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL",
            params![ORG, id, now.to_string()],
        )?;
    if revoked > 0 {
        INTEGRATIONS.seal(t, id, "revoked", actor, now)?;
    }
    alerts::integrations(t, None)?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| StoreError::NotFound(format!("integration {id}")))
}

pub(super) fn find_integration(c: &dyn Sql, key_hash: &str) -> StoreResult<Option<Integration>> {
    Ok(alerts::integrations(c, Some(key_hash))?
        .into_iter()
        .find(|i| i.revoked_at.is_none()))
}

fn load_control_state(
    connection: &dyn Sql,
    namespace: Namespace,
    system: &str,
) -> StoreResult<ControlState> {
    let text: Option<String> = connection
        .query_row(
            "SELECT record FROM control_states WHERE org_id = ?1 AND namespace = ?2 AND system = ?3",
            params![ORG, namespace.as_str(), system],
            |row| row.get(0),
        )
        .optional()?;
    match text {
        Some(text) => from_json(&text, "control state"),
        None => Ok(ControlState::initial(system, namespace)),
    }
}

/// Saves a new control state and seals it onto its own chain.
fn save_control_state(
    transaction: &dyn Sql,
    before: &ControlState,
    after: &ControlState,
    actor: &str,
    now: Timestamp,
) -> StoreResult<()> {
    transaction.execute(
        "INSERT INTO control_states (org_id, namespace, system, record) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (org_id, namespace, system) DO UPDATE SET record = excluded.record",
        params![ORG, after.namespace.as_str(), after.system, to_json(after)],
    )?;
    let draft = control::control_event(before, after, actor, now);
    append_events(
        transaction,
        &control::control_stream(after.namespace, &after.system),
        vec![draft],
        &state_hash(after),
        now,
    )?;
    transaction.notify(&crate::Notice::Control {
        state: after.clone(),
    })?;
    queue_hook_calls(transaction, after, now)
}

/// Queues a signed call to each of the system's control hooks, in the
/// transaction of the change (D26); only production changes are sent (D11).
fn queue_hook_calls(
    transaction: &dyn Sql,
    after: &ControlState,
    now: Timestamp,
) -> StoreResult<()> {
    if after.namespace != Namespace::Production {
        return Ok(());
    }
    let incident = after
        .incident
        .as_deref()
        .and_then(|id| firebreak_core::incident::parse_public_id(id).ok());
    for hook in alerts::control_hooks(transaction, Some(&after.system))? {
        let body =
            serde_json::json!({ "event": "control_changed", "hook": hook.id, "state": after });
        let key = format!("control:{}:{}", after.system, after.version);
        let message = Queued {
            channel: CONTROL_HOOK_CHANNEL,
            target: &hook.id,
            payload: &body.to_string(),
            idempotency_key: &key,
            not_before: now,
            incident,
        };
        outbox::enqueue(transaction, &message, now)?;
    }
    Ok(())
}
