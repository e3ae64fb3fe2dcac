//! "What changed before this" and the blast radius on the incident page,
//! from the same `triage::context` as the API; each dependant has a button
//! that adds it to the affected systems (through the same edit workflow as
//! the API's PATCH), refused in place. Also "Alerts upstream": new alerts
//! on systems the affected ones depend on, proposed on the timeline, each
//! with a button that links it (the same workflow as the API).

use super::rejected::{Rejected, or_in_place};
use super::{CsrfForm, csrf_field, format_time};
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use crate::triage::TriageContext;
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::change::versions;
use firebreak_core::incident::{Incident, IncidentPatch};
use firebreak_core::timeline::{Event, EventKind};
use maud::{Markup, html};

/// "2 h 5 min before", "3 days 4 h before".
fn before(seconds: i64) -> String {
    let minutes = seconds / 60;
    let (days, hours, minutes) = (minutes / 1_440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{minutes} min before"),
        (0, h) => format!("{h} h {minutes} min before"),
        (d, h) => format!("{d} day{} {h} h before", if d == 1 { "" } else { "s" }),
    }
}

/// The incident page's two sections.
pub fn section(
    caller: &Caller,
    path: &str,
    context: &TriageContext,
    rejected: Option<&Rejected>,
) -> Markup {
    html! {
        section aria-label="What changed before this" id="changes" {
            h2 { "What changed before this" }
            p.muted { "Changes on the affected systems and everything they depend on, in the "
                (context.window_hours) " hours before the incident began (" (format_time(Some(context.until))) "), nearest first." }
            @if context.changes.is_empty() && context.control_changes.is_empty() {
                p { "No change recorded in this window. Record one with " code { "firebreak change record" } " or a deployment webhook." }
            }
            @if !context.changes.is_empty() {
                div.scroll tabindex="0" { table.changes {
                    thead { tr { th scope="col" { "When" } th scope="col" { "System" } th scope="col" { "Change" }
                        th scope="col" { "Versions" } th scope="col" { "By" } th scope="col" { "How it relates" } } }
                    tbody { @for prior in &context.changes {
                        @let change = &prior.change;
                        tr data-change=(change.id) {
                            td { (format_time(Some(change.at))) br; span.muted { (before(prior.before_seconds)) } }
                            td { (change.system) }
                            td { @match &change.link {
                                    Some(link) => a href=(link) rel="noopener noreferrer" { (change.kind.label()) },
                                    None => (change.kind.label()),
                                }
                                @if !change.description.is_empty() { br; span.muted { (change.description) } } }
                            td { (versions(change.version_from.as_deref(), change.version_to.as_deref())) }
                            td { (change.by) }
                            td { @if prior.path.len() > 1 { "upstream: " (prior.path.join(" → ")) } @else { "affected" } }
                        }
                    } }
                } }
                @if context.truncated { p.muted { "Only the nearest changes are listed." } }
            }
            @if !context.control_changes.is_empty() {
                h3 { "Firebreak's own control changes" }
                ul { @for control in &context.control_changes {
                    li { (format_time(Some(control.at))) " · " (control.system) " · " (control.by) ": " (control.description) }
                } }
            }
        }
        section aria-label="Blast radius" id="blast-radius" {
            h2 { "Blast radius" }
            @if context.blast_radius.is_empty() {
                p { "No other system depends on the affected ones." }
            } @else {
                p.muted { "Systems that depend on an affected one, directly or through others." }
                ul { @for dependant in &context.blast_radius {
                    li data-dependant=(dependant.system) {
                        strong { (dependant.system) } " via " (dependant.path.join(" → ")) " "
                        form.inline method="post" action={ (path) "/affected" } {
                            (csrf_field(caller))
                            input type="hidden" name="system" value=(dependant.system);
                            button type="submit" { "Add " (dependant.system) " as affected" }
                        }
                    }
                } }
                (Rejected::messages(rejected, "affected"))
            }
        }
    }
}

/// Alerts on systems upstream proposed to this incident and not linked to
/// it yet, newest first.
fn open_proposals(events: &[Event]) -> Vec<&Event> {
    let linked: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e.kind == EventKind::AlertLinked)
        .map(|e| &e.body["alert_id"])
        .collect();
    let mut proposals: Vec<&Event> = events
        .iter()
        .filter(|e| e.kind == EventKind::AlertProposed && !linked.contains(&&e.body["alert_id"]))
        .collect();
    proposals.reverse();
    proposals
}

/// The incident page's "Alerts upstream": each proposal with a button that
/// links it (refused in place when it already belongs elsewhere).
pub fn proposals_section(
    caller: &Caller,
    path: &str,
    events: &[Event],
    rejected: Option<&Rejected>,
) -> Markup {
    let proposals = open_proposals(events);
    html! {
        @if !proposals.is_empty() || Rejected::is_for(rejected, "alerts") {
            section aria-label="Alerts upstream" id="alerts-upstream" {
                h2 { "Alerts upstream" }
                p.muted { "New alerts on systems the affected ones depend on: link one if it is part of this incident." }
                ul { @for event in &proposals {
                    @let alert = &event.body["alert_id"];
                    li data-alert=(alert) {
                        (format_time(Some(event.occurred_at))) " · " (event.describe()) " "
                        form.inline method="post" action={ (path) "/alerts" } {
                            (csrf_field(caller))
                            input type="hidden" name="alert_id" value=(alert);
                            button type="submit" { "Link alert " (alert) }
                        }
                    }
                } }
                (Rejected::messages(rejected, "alerts"))
            }
        }
    }
}

/// Links a proposed alert to the incident.
pub async fn link_alert(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let linked = async {
        let alert = form
            .required("alert_id")?
            .parse::<u64>()
            .map_err(|_| ApiError::invalid("alert_id", "not an alert number"))?;
        crate::api::alerts::apply_alert_link(&state, &id, alert, caller.name()).await
    }
    .await;
    let to_page = |_| format!("/incidents/{id}#timeline-section");
    or_in_place(
        linked,
        to_page,
        (&state, &caller, &id),
        "alerts".into(),
        &form,
    )
    .await
}

/// Adds a system to the incident's affected systems.
pub async fn add_affected(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let added = async {
        let system = form
            .get("system")
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ApiError::invalid("system", "choose a system"))?
            .to_string();
        let number = crate::api::incidents::incident_number(&id)?;
        let actor = caller.name().to_string();
        // The system is added to the record being changed, inside the
        // write, so a concurrent edit of the systems is not lost.
        crate::api::incidents::change_incident(&state, number, move |i, inventory, at| {
            let mut systems = i.systems.clone();
            if !systems.contains(&system) {
                systems.push(system.clone());
            }
            let patch = IncidentPatch {
                systems: Some(systems),
                ..IncidentPatch::default()
            };
            i.edit(patch, &actor, inventory.systems(), at)
        })
        .await
    }
    .await;
    let to_page = |incident: Incident| format!("/incidents/{}#blast-radius", incident.public_id());
    or_in_place(
        added,
        to_page,
        (&state, &caller, &id),
        "affected".into(),
        &form,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::before;

    #[test]
    fn how_long_before_reads_as_a_person_says_it() {
        assert_eq!(before(600), "10 min before");
        assert_eq!(before(3 * 3_600 + 300), "3 h 5 min before");
        assert_eq!(before(86_400 + 7_200), "1 day 2 h before");
        assert_eq!(before(3 * 86_400), "3 days 0 h before");
    }
}
