//! An incident's triage context, one workflow the API and the web UI share:
//! what changed before it (on its systems and everything upstream of them,
//! Firebreak's own control changes included) and its blast radius (every
//! system that depends on an affected one, with the path).

use crate::error::ApiError;
use crate::state::AppState;
use firebreak_core::Timestamp;
use firebreak_core::change::{self, PriorChange};
use firebreak_core::control::{Namespace, control_stream};
use firebreak_core::incident::Incident;
use firebreak_core::timeline::EventKind;
use firebreak_store::{ChangeQuery, Store, StoreError};
use jiff::SignedDuration;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Most changes one window lists; a window with more says so.
pub const MAX_CHANGES: usize = 500;

/// A control change Firebreak itself made (a kill switch, a fallback, a
/// pinned version) in the window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ControlChange {
    pub system: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub by: String,
    /// What changed, as the timeline says it.
    pub description: String,
    /// From an affected system to the one whose control changed.
    pub path: Vec<String>,
}

/// A system that depends on an affected one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dependant {
    pub system: String,
    /// From the affected system to this one, each depending on the one
    /// before: `[feature-store, credit-scoring, loan-offers]`.
    pub path: Vec<String>,
}

/// What changed in the window before an incident began, and whom it reaches.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TriageContext {
    /// The incident's start: when impact started, else when it was detected,
    /// else when it was declared.
    #[schema(value_type = String, format = DateTime)]
    pub until: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub since: Timestamp,
    pub window_hours: i64,
    /// Nearest first.
    pub changes: Vec<PriorChange>,
    /// Nearest first.
    pub control_changes: Vec<ControlChange>,
    /// True when the window holds more than [`MAX_CHANGES`] changes and
    /// only the nearest are listed.
    pub truncated: bool,
    pub blast_radius: Vec<Dependant>,
}

/// The instant "what changed before this" counts back from.
pub fn incident_start(incident: &Incident) -> Option<Timestamp> {
    let t = &incident.times;
    t.impact_started_at.or(t.detected_at).or(t.declared_at)
}

/// The most changes read to name a change point's predecessor or to mark
/// a chart.
const MAX_CHANGES_NAMED: usize = 10_000;

/// Every change on `system` and everything upstream of it, newest first:
/// what a monitor's change points are named after and its charts marked
/// with.
pub async fn changes_upstream_of(
    state: &AppState,
    system: String,
) -> Result<Vec<change::ChangeEvent>, ApiError> {
    state
        .run(move |store| read_changes_upstream(store, &[system], None, None))
        .await
}

/// The changes on `systems` and everything upstream of them that took
/// effect in `[from, until]` (either open), newest first, at most
/// [`MAX_CHANGES_NAMED`]: what a series' change points are named after.
pub fn read_changes_upstream(
    store: &dyn Store,
    systems: &[String],
    from: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Result<Vec<change::ChangeEvent>, StoreError> {
    store.changes(&ChangeQuery {
        systems: upstream_systems(store, systems)?,
        from,
        until,
        limit: MAX_CHANGES_NAMED,
    })
}

/// `systems` and every system they depend on, transitively.
pub fn upstream_systems(store: &dyn Store, systems: &[String]) -> Result<Vec<String>, StoreError> {
    let graph = store
        .list_systems()?
        .into_iter()
        .map(|s| (s.slug, s.details.depends_on))
        .collect();
    Ok(change::upstream_paths(systems, &graph)
        .into_keys()
        .collect())
}

/// Reads the triage context of incident `number` for a window of `window`
/// (refused beyond [`change::MAX_WINDOW`]).
pub async fn context(
    state: &AppState,
    number: u64,
    window: SignedDuration,
) -> Result<TriageContext, ApiError> {
    change::check_window(window)?;
    state
        .run(move |store| read_context(store, number, window))
        .await
}

/// [`context`] inside a store call, for workflows that read more with it
/// (the post-mortem draft); `window` is checked by the caller.
pub fn read_context(
    store: &dyn Store,
    number: u64,
    window: SignedDuration,
) -> Result<TriageContext, StoreError> {
    let incident = store.get_incident(number)?;
    let systems = store.list_systems()?;
    let graph: BTreeMap<String, Vec<String>> = systems
        .iter()
        .map(|s| (s.slug.clone(), s.details.depends_on.clone()))
        .collect();
    let until = incident_start(&incident).unwrap_or_else(crate::state::now);
    let since = until.saturating_sub(window).unwrap_or(until);
    let upstream = change::upstream_paths(&incident.systems, &graph);
    let found = store.changes(&ChangeQuery {
        systems: upstream.keys().cloned().collect(),
        from: Some(since),
        until: Some(until),
        limit: MAX_CHANGES + 1,
    })?;
    let truncated = found.len() > MAX_CHANGES;
    let changes = change::changes_before(
        &found[..found.len().min(MAX_CHANGES)],
        &incident.systems,
        &graph,
        until,
        window,
    );
    let mut control_changes = Vec::new();
    for (system, path) in &upstream {
        for event in store.events(&control_stream(Namespace::Production, system))? {
            if event.kind == EventKind::ControlChanged
                && event.occurred_at >= since
                && event.occurred_at <= until
            {
                control_changes.push(ControlChange {
                    system: system.clone(),
                    at: event.occurred_at,
                    by: event.actor.clone(),
                    description: event.describe(),
                    path: path.clone(),
                });
            }
        }
    }
    control_changes.sort_by_key(|c| std::cmp::Reverse(c.at));
    let blast_radius = change::dependant_paths(&incident.systems, &graph)
        .into_iter()
        .map(|(system, path)| Dependant { system, path })
        .collect();
    Ok(TriageContext {
        until,
        since,
        window_hours: window.as_hours(),
        changes,
        control_changes,
        truncated,
        blast_radius,
    })
}
