//! The incident page's "Severity and impact" section: the severity rubric's
//! questions (the suggestion and the choice, through the same workflow as
//! the API), and the impact, cost and detection source (through the same
//! edit as the API's PATCH), each refused in place.

use super::incidents::parse_field;
use super::rejected::{Rejected, or_in_place};
use super::{CsrfForm, csrf_field};
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::incident::{DetectionSource, ImpactPatch, Incident, IncidentPatch, Severity};
use firebreak_core::severity::{Rubric, SeverityAssessmentRequest};
use maud::{Markup, html};
use std::collections::BTreeMap;

const ASSESSMENT: &str = "assessment";
const IMPACT: &str = "impact";

/// `12 000`, `12,000` and `12_000` are all twelve thousand.
fn whole_number(form: &CsrfForm, name: &str) -> Result<Option<u64>, ApiError> {
    form.get(name)
        .map(|v| {
            v.chars()
                .filter(|c| !matches!(c, ',' | '_' | ' '))
                .collect::<String>()
                .parse::<u64>()
                .map_err(|_| ApiError::invalid(name, format!("`{v}` is not a whole number")))
        })
        .transpose()
}

fn amount(value: Option<u64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

pub fn section(
    caller: &Caller,
    path: &str,
    incident: &Incident,
    rubric: &Rubric,
    rejected: Option<&Rejected>,
) -> Markup {
    let answers = incident.severity_assessment.as_ref().map(|a| &a.answers);
    let impact = &incident.impact;
    // A refused form shows what was typed; otherwise the record.
    let kept = |name: &str, current: String| {
        Rejected::kept(rejected, IMPACT, name).map_or(current, str::to_string)
    };
    html! {
        section aria-label="Severity and impact" id="severity-impact" {
            h2 { "Severity and impact" }
            @if let Some(assessment) = &incident.severity_assessment {
                p { "The severity rubric (" (assessment.rubric) ") suggests " strong { (assessment.suggested.label()) } "; the incident is "
                    strong { (incident.severity.label()) } "." }
            } @else {
                p.muted { "Not assessed with the severity rubric yet." }
            }
            details open[Rejected::is_for(rejected, ASSESSMENT)] {
                summary { "Assess the severity" }
                form method="post" action={ (path) "/severity-assessment" } {
                    (csrf_field(caller))
                    @for dimension in &rubric.dimensions {
                        @let previous = answers.and_then(|a| a.get(&dimension.key)).map(String::as_str);
                        @let chosen = Rejected::kept(rejected, ASSESSMENT, &dimension.key).or(previous);
                        label { (dimension.label) ": " span.muted { (dimension.question) } " "
                            select name=(dimension.key) required {
                                option value="" { "(choose)" }
                                @for level in &dimension.levels {
                                    option value=(level.key) selected[chosen == Some(level.key.as_str())] {
                                        (level.label) @if let Some(s) = level.severity { " → " (s.as_str().to_uppercase()) }
                                    }
                                }
                            }
                        }
                    }
                    label { "Severity "
                        select name="severity" {
                            option value="" { "as the rubric suggests" }
                            @for s in Severity::ALL {
                                option value=(s.as_str()) selected[Rejected::chose(rejected, ASSESSMENT, "severity", s.as_str())] { (s.label()) }
                            }
                        }
                    }
                    label { "Why another severity than the suggested one " input type="text" name="rationale"
                        value=[Rejected::kept(rejected, ASSESSMENT, "rationale")]; }
                    button type="submit" { "Assess" }
                    (Rejected::messages(rejected, ASSESSMENT))
                }
            }
            details open[Rejected::is_for(rejected, IMPACT) || !impact.is_empty()] {
                summary { "Impact, cost and how it was found" }
                form method="post" action={ (path) "/impact" } {
                    (csrf_field(caller))
                    @let source = kept("detection_source", incident.detection_source.map(|d| d.as_str().to_string()).unwrap_or_default());
                    label { "Found by "
                        select name="detection_source" {
                            option value="" { "(not known yet)" }
                            @for d in DetectionSource::ALL {
                                option value=(d.as_str()) selected[source == d.as_str()] { (d.as_str().replace('_', " ")) " (" (d.found_by()) ")" }
                            }
                        }
                    }
                    label { "People affected, estimated " input type="text" inputmode="numeric" name="people_affected" value=(kept("people_affected", amount(incident.people_affected))); }
                    label { "People affected, confirmed " input type="text" inputmode="numeric" name="people_affected_confirmed" value=(kept("people_affected_confirmed", amount(impact.people_affected_confirmed))); }
                    label { "Decisions affected " input type="text" inputmode="numeric" name="decisions_affected" value=(kept("decisions_affected", amount(impact.decisions_affected))); }
                    fieldset {
                        legend { "Cost (whole units)" }
                        label { "Currency (ISO 4217) " input type="text" name="currency" size="3" placeholder="EUR" value=(kept("currency", impact.currency.clone().unwrap_or_default())); }
                        label { "Remediation " input type="text" inputmode="numeric" name="remediation_cost" value=(kept("remediation_cost", amount(impact.remediation_cost))); }
                        label { "Refunds " input type="text" inputmode="numeric" name="refunds" value=(kept("refunds", amount(impact.refunds))); }
                        label { "Penalties " input type="text" inputmode="numeric" name="penalties" value=(kept("penalties", amount(impact.penalties))); }
                        @if impact.has_cost() {
                            p { strong { "Total: " } (impact.currency.as_deref().unwrap_or("")) " " (impact.total_cost()) }
                        }
                    }
                    fieldset {
                        legend { "Downtime in minutes (0 clears)" }
                        @for system in &incident.systems {
                            @let name = format!("downtime.{system}");
                            label { (system) " " input type="text" inputmode="numeric" name=(name)
                                value=(kept(&name, amount(impact.downtime_minutes.get(system).copied()))); }
                        }
                    }
                    label { "What was done for the customers affected " textarea name="customer_remediation" rows="2" {
                        (kept("customer_remediation", impact.customer_remediation.clone())) } }
                    button type="submit" { "Save impact" }
                    (Rejected::messages(rejected, IMPACT))
                }
            }
        }
    }
}

pub async fn assess(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let assessed = async {
        let answers: BTreeMap<String, String> = state
            .rubric
            .dimensions
            .iter()
            .filter_map(|d| Some((d.key.clone(), form.get(&d.key)?.to_string())))
            .collect();
        let request = SeverityAssessmentRequest {
            answers,
            severity: parse_field(&form, "severity", "a severity")?,
            rationale: form.get("rationale").map(str::to_string),
        };
        crate::api::severity::apply_assessment(&state, &id, caller.name(), request).await
    }
    .await;
    let to_page =
        |incident: Incident| format!("/incidents/{}#severity-impact", incident.public_id());
    or_in_place(
        assessed,
        to_page,
        (&state, &caller, &id),
        ASSESSMENT.into(),
        &form,
    )
    .await
}

pub async fn save_impact(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let saved = async {
        // One `downtime.<system>` field per affected system the page drew.
        let mut downtime = BTreeMap::new();
        for (name, _) in &form.0 {
            if let Some(system) = name.strip_prefix("downtime.")
                && let Some(minutes) = whole_number(&form, name)?
            {
                downtime.insert(system.to_string(), minutes);
            }
        }
        let impact = ImpactPatch {
            people_affected_confirmed: whole_number(&form, "people_affected_confirmed")?,
            decisions_affected: whole_number(&form, "decisions_affected")?,
            currency: form.get("currency").map(str::to_string),
            remediation_cost: whole_number(&form, "remediation_cost")?,
            refunds: whole_number(&form, "refunds")?,
            penalties: whole_number(&form, "penalties")?,
            downtime_minutes: (!downtime.is_empty()).then_some(downtime),
            customer_remediation: Some(
                form.get("customer_remediation")
                    .unwrap_or_default()
                    .to_string(),
            ),
        };
        let patch = IncidentPatch {
            detection_source: parse_field(&form, "detection_source", "a detection source")?,
            people_affected: whole_number(&form, "people_affected")?,
            impact: Some(impact),
            ..IncidentPatch::default()
        };
        crate::api::incidents::apply_edit(&state, &id, caller.name(), patch).await
    }
    .await;
    let to_page =
        |incident: Incident| format!("/incidents/{}#severity-impact", incident.public_id());
    or_in_place(saved, to_page, (&state, &caller, &id), IMPACT.into(), &form).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_take_thousands_separators() {
        let form = CsrfForm(
            [("refunds", "12,000"), ("penalties", "1 500"), ("x", "1.5")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .to_vec(),
        );
        assert_eq!(whole_number(&form, "refunds").unwrap(), Some(12_000));
        assert_eq!(whole_number(&form, "penalties").unwrap(), Some(1_500));
        assert!(whole_number(&form, "x").is_err());
        assert_eq!(whole_number(&form, "missing").unwrap(), None);
    }
}
