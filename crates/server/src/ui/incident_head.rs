//! The top of the incident page, kept in view while the rest scrolls: what a
//! responder needs at a glance (severity, status, commander, time elapsed,
//! containment in force, the next regulatory deadline), then the summary of
//! the current status that the commander keeps up to date.

use super::incident_list::severity_badge;
use super::rejected::{Rejected, or_in_place};
use super::{CsrfForm, csrf_field};
use crate::api::incidents::apply_edit;
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::Timestamp;
use firebreak_core::control::{ControlMode, ControlState};
use firebreak_core::incident::{CommandRole, Incident, IncidentKind, IncidentPatch};
use firebreak_core::regulatory::{ClockStatus, RegimeTable, duration_text};
use firebreak_core::system::AiSystem;
use maud::{Markup, html};

/// The form key of the status summary.
const SUMMARY: &str = "summary";

/// The sticky header. `rejected` adds a link down to the refused form, which
/// may be far below.
pub fn header(
    caller: &Caller,
    path: &str,
    (id, incident): (&str, &Incident),
    controls: &[(AiSystem, ControlState)],
    clocks: &[ClockStatus],
    now: Timestamp,
    rejected: Option<&Rejected>,
) -> Markup {
    let commander = incident
        .roles
        .iter()
        .find(|a| a.role == CommandRole::Commander)
        .map(|a| a.user.as_str());
    let in_force: Vec<(&str, &ControlState)> = controls
        .iter()
        .filter(|(_, c)| c.mode != ControlMode::Normal)
        .map(|(system, c)| (system.slug.as_str(), c))
        .collect();
    html! {
        header.incident-head id="glance" {
            h1 { (id) ": " (incident.title) }
            p.glance {
                (severity_badge(incident.severity)) " "
                span.badge id="status" { "Status: " (incident.status.as_str()) } " "
                @if incident.kind != IncidentKind::Real {
                    span.badge { (format!("{:?}", incident.kind).to_lowercase()) } " "
                }
                span id="commander" {
                    "Commander: "
                    @match commander {
                        Some(user) => strong { (user) },
                        None => strong.error { "nobody" },
                    }
                }
                @if commander != Some(caller.name()) && incident.status.is_open() {
                    " "
                    form.inline method="post" action={ (path) "/roles" } {
                        (csrf_field(caller))
                        input type="hidden" name="role" value=(CommandRole::Commander.as_str());
                        input type="hidden" name="user" value=(caller.name());
                        button type="submit" { "Take command" }
                    }
                }
                " "
                (elapsed(incident, now))
                @if let Some(clock) = next_clock(clocks) {
                    " "
                    a href="#regulatory" id="next-deadline" data-state=(crate::reports::wire_name(&clock.state)) {
                        "Next deadline: " (RegimeTable::builtin().regime_name(&clock.deadline.regime)) " " (clock.deadline.report_name) ", " (clock.summary)
                    }
                }
            }
            @for (system, control) in &in_force {
                p.banner role="status" data-system=(system) {
                    strong { (system) " " (super::containment::control_summary(&control.mode)) }
                    @if let Some(at) = control.changed_at { " since " (super::format_time(Some(at))) }
                    " by " (control.changed_by)
                    @if !control.reason.is_empty() { ": " (control.reason) }
                }
            }
            @if rejected.is_some() {
                p.banner.error { "Not saved: " a href="#form-error" { "see the form's message" } }
            }
        }
    }
}

/// The time since declaration, or how long the incident ran once closed.
/// Running times end in "elapsed", as the clocks' do.
fn elapsed(incident: &Incident, now: Timestamp) -> Markup {
    let Some(declared) = incident.times.declared_at else {
        return html! {};
    };
    let end = incident
        .times
        .closed_at
        .filter(|_| !incident.status.is_open());
    html! {
        span id="elapsed" {
            @match end {
                Some(closed) => { "Closed after " (duration_text(closed.duration_since(declared))) }
                None => { (duration_text(now.duration_since(declared))) " elapsed since declared" }
            }
        }
    }
}

/// The clock that comes due first among those still counting.
fn next_clock(clocks: &[ClockStatus]) -> Option<&ClockStatus> {
    clocks
        .iter()
        .filter(|c| !c.stopped())
        .min_by_key(|c| c.deadline.latest_at.unwrap_or(c.deadline.due_at))
}

/// The commander's summary of where things stand, and its form.
pub fn status_summary(
    caller: &Caller,
    path: &str,
    incident: &Incident,
    rejected: Option<&Rejected>,
) -> Markup {
    let text = Rejected::kept(rejected, SUMMARY, "summary").unwrap_or(&incident.summary);
    html! {
        section aria-label="Current status" id="current-status" {
            h2 { "Current status" }
            @if incident.summary.is_empty() {
                p.muted { "No summary yet: say what is known, what is being done and what comes next." }
            } @else {
                p id="summary" { (incident.summary) }
            }
            details open[Rejected::is_for(rejected, SUMMARY)] {
                summary { "Update the current status" }
                form method="post" action={ (path) "/summary" } {
                    (csrf_field(caller))
                    label { "Summary (goes on the timeline) "
                        textarea name="summary" rows="3" required { (text) } }
                    button type="submit" { "Update status" }
                    (Rejected::messages(rejected, SUMMARY))
                }
            }
        }
    }
}

pub async fn update_summary(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let edited = async {
        let summary = form.required("summary")?.trim().to_string();
        let patch = IncidentPatch {
            summary: Some(summary),
            ..IncidentPatch::default()
        };
        apply_edit(&state, &id, caller.name(), patch).await
    }
    .await;
    let to_page = |incident: Incident| format!("/incidents/{}", incident.public_id());
    or_in_place(
        edited,
        to_page,
        (&state, &caller, &id),
        SUMMARY.into(),
        &form,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::incident;
    use firebreak_core::incident::Status;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn an_open_incident_shows_the_time_since_declared_and_a_closed_one_how_long_it_ran() {
        let mut incident = incident();
        let now = at("2026-03-01T12:50:00Z");
        assert_eq!(
            elapsed(&incident, now).into_string(),
            r#"<span id="elapsed">3 h 20 min elapsed since declared</span>"#
        );
        incident.status = Status::Closed;
        incident.times.closed_at = Some(at("2026-03-02T10:40:00Z"));
        assert_eq!(
            elapsed(&incident, now).into_string(),
            r#"<span id="elapsed">Closed after 1 d 1 h</span>"#
        );
    }
}
