//! Containment on the incident page: one form per affected system (kill
//! switch, human review, fallback, rollback to a known-good version), through
//! the same `apply_containment` as the API, refused in place.

use super::rejected::{Rejected, or_in_place};
use super::{CsrfForm, csrf_field};
use crate::api::control::apply_containment;
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::control::{ContainmentRequest, ControlMode, ControlState, EvidenceDecision};
use firebreak_core::incident::Incident;
use firebreak_core::system::AiSystem;
use maud::{Markup, html};

pub(super) fn control_summary(state: &ControlState) -> String {
    match &state.mode {
        ControlMode::Fallback { fallback } => format!("fallback {fallback}"),
        ControlMode::PinnedVersion { model_version } => format!("pinned to {model_version}"),
        other => other.name().replace('_', " "),
    }
}

/// The containment forms of an incident page, one per affected system.
pub fn section(
    caller: &Caller,
    path: &str,
    controls: &[(AiSystem, ControlState)],
    rejected: Option<&Rejected>,
) -> Markup {
    html! {
        section aria-label="Containment" id="containment" {
            h2 { "Containment" }
            @for (system, control) in controls {
                @let key = format!("containment:{}", system.slug);
                @let chose = |name: &str, value: &str| Rejected::chose(rejected, &key, name, value);
                fieldset {
                    legend { (system.slug) ": " strong.control-mode data-system=(system.slug) { (control_summary(control)) }
                        " (" (control.namespace.as_str()) ", version " (control.version) ")" }
                    form method="post" action={ (path) "/containment" } {
                        (csrf_field(caller))
                        input type="hidden" name="system" value=(system.slug);
                        label style="display:inline" { "Action "
                            select name="mode" {
                                option value="disabled" selected[chose("mode", "disabled")] { "disable (kill switch)" }
                                option value="human_review" selected[chose("mode", "human_review")] { "route to human review" }
                                option value="fallback" selected[chose("mode", "fallback")] { "fallback" }
                                option value="pinned_version" selected[chose("mode", "pinned_version")] { "roll back to a known-good version" }
                                option value="normal" selected[chose("mode", "normal")] { "restore normal operation" }
                            }
                        }
                        " "
                        input type="text" name="fallback" placeholder="fallback name" aria-label="Fallback name" style="min-width:8rem"
                            value=[Rejected::kept(rejected, &key, "fallback")];
                        " "
                        select name="model_version" aria-label="Known-good version" {
                            option value="" { "version…" }
                            @for m in system.details.model_versions.iter().filter(|m| m.known_good) {
                                option value=(m.version) selected[chose("model_version", &m.version)] { (m.version) }
                            }
                        }
                        label { "Reason " input type="text" name="reason" required value=[Rejected::kept(rejected, &key, "reason")]; }
                        label { "Evidence before altering the system "
                            select name="evidence" {
                                option value="" { "not recorded" }
                                option value="preserved" selected[chose("evidence", "preserved")] { "preserved first (reference below)" }
                                option value="not_preserved" selected[chose("evidence", "not_preserved")] { "decided not to preserve (reason below)" }
                            }
                            " " input type="text" name="evidence_note" placeholder="reference or reason" aria-label="Evidence reference or reason"
                                value=[Rejected::kept(rejected, &key, "evidence_note")];
                        }
                        button type="submit" { "Apply" }
                        (Rejected::messages(rejected, &key))
                    }
                }
            }
        }
    }
}

pub async fn contain(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let key = format!("containment:{}", form.get("system").unwrap_or_default());
    let applied = async {
        let mode = match form.get("mode") {
            Some("disabled") => ControlMode::Disabled,
            Some("human_review") => ControlMode::HumanReview,
            Some("normal") => ControlMode::Normal,
            Some("fallback") => ControlMode::Fallback {
                fallback: form.get("fallback").unwrap_or_default().to_string(),
            },
            Some("pinned_version") => ControlMode::PinnedVersion {
                model_version: form
                    .get("model_version")
                    .ok_or_else(|| {
                        ApiError::invalid("model_version", "choose a known-good version")
                    })?
                    .to_string(),
            },
            _ => return Err(ApiError::invalid("mode", "choose an action")),
        };
        let note = form.get("evidence_note").unwrap_or_default().to_string();
        let evidence = match form.get("evidence") {
            Some("preserved") => Some(EvidenceDecision::Preserved { reference: note }),
            Some("not_preserved") => Some(EvidenceDecision::NotPreserved { reason: note }),
            _ => None,
        };
        let request = ContainmentRequest {
            system: form.get("system").unwrap_or_default().to_string(),
            mode,
            reason: form.get("reason").unwrap_or_default().to_string(),
            evidence,
        };
        apply_containment(&state, &id, caller.name(), request).await
    }
    .await;
    let to_page = |(incident, _): (Incident, _)| format!("/incidents/{}", incident.public_id());
    or_in_place(applied, to_page, (&state, &caller, &id), key, &form).await
}
