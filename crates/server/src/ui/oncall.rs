//! On call in the browser: who is paged first for a system (on its page),
//! and the Acknowledge button on an incident's page, a plain form with the
//! CSRF field like every other.

use super::{CsrfForm, csrf_field, format_time};
use crate::api::incidents::incident_number;
use crate::api::paging::{acknowledge_page, oncall_now};
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::response::Redirect;
use firebreak_core::incident::Incident;
use firebreak_core::oncall::{AckVia, page_deliveries};
use firebreak_core::timeline::Event;
use maud::{Markup, html};

/// The "On call now" block of a system's page.
pub async fn on_call_block(state: &AppState, system: &str) -> Result<Markup, ApiError> {
    let answer = oncall_now(state, Some(system.to_string()), now()).await?;
    Ok(html! {
        section aria-label="On call now" {
            h2 { "On call now" }
            @match (&answer.policy, &answer.first_level) {
                (Some(policy), Some(first)) => {
                    p {
                        "Escalation policy " strong { (policy) } " pages first: "
                        @if first.users.is_empty() { "nobody" }
                        (first.users.iter().map(|u| u.user.as_str()).collect::<Vec<_>>().join(", "))
                    }
                    @for missed in &first.unresolved { p.warning { "Reaches nobody: " (missed.reason) } }
                    @if !answer.schedules.is_empty() {
                        table {
                            thead { tr { th { "Schedule" } th { "On call" } th { "Until" } } }
                            tbody { @for s in &answer.schedules {
                                tr {
                                    td { (s.schedule) }
                                    td { (s.on_call.as_ref().map_or("nobody", |o| o.user.as_str())) }
                                    td { (format_time(s.on_call.as_ref().map(|o| o.end))) }
                                }
                            } }
                        }
                    }
                }
                _ => p { "No escalation policy: incidents on this system page nobody." },
            }
        }
    })
}

/// The acknowledgement of an incident's page: when and by whom, or the
/// button that takes it; and, loudly, when its pages reached nobody.
pub fn acknowledge_section(
    caller: &Caller,
    path: &str,
    incident: &Incident,
    events: &[Event],
) -> Markup {
    let deliveries = page_deliveries(events);
    let unanswered = incident.times.acknowledged_at.is_none() && incident.status.is_open();
    html! {
        section.actions aria-label="Page" {
            @if unanswered && deliveries.all_failed() {
                p role="alert" class="error" {
                    "Every page failed: nobody has been reached. Last error: "
                    (deliveries.last_error.as_deref().unwrap_or("unknown"))
                    ". Page someone by hand."
                }
            } @else if unanswered && deliveries.reached_nobody {
                p role="alert" class="error" {
                    "An escalation step reached nobody (no one on call, or no contact methods)."
                }
            }
            @if let Some(at) = incident.times.acknowledged_at {
                p { "Acknowledged " (format_time(Some(at))) }
            } @else if incident.status.is_open() {
                form method="post" action={ (path) "/acknowledge" } {
                    (csrf_field(caller))
                    button type="submit" { "Acknowledge" }
                }
            }
        }
    }
}

pub async fn acknowledge(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _form: CsrfForm,
) -> Result<Redirect, ApiError> {
    let number = incident_number(&id)?;
    let incident = acknowledge_page(&state, caller.name(), AckVia::Web, number).await?;
    Ok(Redirect::to(&format!("/incidents/{}", incident.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::incident;
    use firebreak_core::auth::{Role, Scope};
    use firebreak_store::User;
    use serde_json::json;

    fn attempt(message: u64, result: &str) -> Event {
        serde_json::from_value(json!({
            "stream": "INC-1", "seq": message, "kind": "page_attempt",
            "occurred_at": "2026-03-01T09:31:00Z", "recorded_at": "2026-03-01T09:31:00Z",
            "actor": "firebreak", "body": {"message": message, "result": result},
            "state_hash": "", "prev_hash": "", "hash": "",
        }))
        .unwrap()
    }

    fn render(events: &[Event]) -> String {
        let caller = Caller {
            user: User {
                name: "alice".into(),
                role: Role::Responder,
                password_hash: None,
                created_at: "2026-03-01T09:00:00Z".parse().unwrap(),
            },
            scope: Scope::Write,
            csrf_token: Some("t".into()),
        };
        acknowledge_section(&caller, "/incidents/INC-1", &incident(), events).into_string()
    }

    #[test]
    fn an_incident_whose_every_page_failed_says_so() {
        let failed = render(&[attempt(1, "failed, gave up: SMTP: connection refused")]);
        assert!(failed.contains("Every page failed"), "{failed}");
        assert!(failed.contains("SMTP: connection refused"), "{failed}");
        let delivered = render(&[attempt(1, "delivered")]);
        assert!(!delivered.contains("Every page failed"), "{delivered}");
        assert!(delivered.contains("Acknowledge"), "{delivered}");
    }
}
