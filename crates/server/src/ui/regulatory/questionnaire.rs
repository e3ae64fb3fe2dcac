//! The applicability questionnaire on the incident page: every question of
//! the regimes' data as a form control with the current answer chosen, and
//! the clock triggers besides awareness. Saving records the assessment
//! through `api::regulatory::answer_questionnaire`, the workflow of the
//! API's PUT.

use crate::api::regulatory::{AssessRequest, RegulatoryView, answer_questionnaire};
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::reports::wire_name;
use crate::state::AppState;
use crate::ui::rejected::{Rejected, or_in_place};
use crate::ui::{CsrfForm, csrf_field, format_time};
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::Timestamp;
use firebreak_core::regulatory::{
    Answer, ExtraTriggers, OrganisationRole, Question, Questionnaire, RegimeTable, Sector,
};
use maud::{Markup, html};
use serde::de::DeserializeOwned;

pub(super) const KEY: &str = "regulatory:questionnaire";

/// The value a multiple choice sends for "answered: none of these".
const NONE: &str = "none";

/// The clock triggers the form asks for, with their words.
const TRIGGERS: [(&str, &str); 3] = [
    (
        "causal_link_at",
        "A causal link between the AI system and the incident was established (or is reasonably likely)",
    ),
    (
        "classified_major_at",
        "The incident was classified as major (DORA)",
    ),
    (
        "personal_data_aware_at",
        "The organisation became aware of the personal data breach (GDPR)",
    ),
];

fn trigger(triggers: &ExtraTriggers, name: &str) -> Option<Timestamp> {
    match name {
        "causal_link_at" => triggers.causal_link_at,
        "classified_major_at" => triggers.classified_major_at,
        _ => triggers.personal_data_aware_at,
    }
}

/// The names of the regimes whose applicability or deadlines `question`
/// decides.
fn asked_by(table: &RegimeTable, question: Question) -> String {
    table
        .regimes
        .iter()
        .filter(|regime| regime.asks(question))
        .map(|regime| regime.name.split(':').next().unwrap_or(&regime.name))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The questionnaire form, open while questions are unanswered or it was
/// refused.
pub(super) fn form(
    caller: &Caller,
    path: &str,
    view: &RegulatoryView,
    rejected: Option<&Rejected>,
) -> Markup {
    let answers = &view.record.questionnaire;
    let refused = Rejected::is_for(rejected, KEY);
    let unanswered = view.assessment.decisions.is_empty()
        || view
            .assessment
            .decisions
            .iter()
            .any(|d| !d.unanswered.is_empty());
    let jurisdictions = if refused {
        Rejected::kept(rejected, KEY, "jurisdictions")
            .unwrap_or_default()
            .to_string()
    } else {
        answers
            .jurisdictions
            .as_deref()
            .unwrap_or_default()
            .join(", ")
    };
    let table = RegimeTable::builtin();
    html! {
        details id="questionnaire" open[unanswered || refused] {
            summary { "Applicability questionnaire" }
            form method="post" action={ (path) "/regulatory" } {
                (csrf_field(caller))
                p.muted { "An answer left as “not known yet” leaves the regimes it decides undecided, and their clocks provisional." }
                label { "Where the incident happened or had effect (country codes such as DE or US, or EU / EEA; comma-separated; empty while not known) "
                    input type="text" name="jurisdictions" value=(jurisdictions); }
                (choices(rejected, "sectors", "Sectors the organisation is in", answers.sectors.as_deref(),
                    &Sector::ALL.map(|s| (wire_name(&s), s.label()))))
                (choices(rejected, "roles", "The organisation's role for the system", answers.roles.as_deref(),
                    &OrganisationRole::ALL.map(|r| (wire_name(&r), r.label()))))
                @for question in Question::ALL {
                    @let name = wire_name(&question);
                    @let current = wire_name(&answers.answer(question));
                    label {
                        (question.label()) " "
                        select name=(name) {
                            @for answer in Answer::ALL {
                                @let value = wire_name(&answer);
                                @let chosen = if refused { Rejected::chose(rejected, KEY, &name, &value) } else { value == current };
                                option value=(value) selected[chosen] { (answer.label()) }
                            }
                        }
                        " " span.muted { "Decides: " (asked_by(table, question)) }
                    }
                }
                fieldset {
                    legend { "Clock triggers besides awareness (RFC 3339, e.g. 2026-09-01T10:00:00Z; empty when not recorded)" }
                    @for (name, words) in TRIGGERS {
                        @let current = trigger(&view.record.triggers, name).map(|t| t.to_string()).unwrap_or_default();
                        @let value = if refused { Rejected::kept(rejected, KEY, name).unwrap_or_default().to_string() } else { current };
                        label { (words) " " input type="text" name=(name) value=(value); }
                    }
                }
                button type="submit" { "Save the answers" }
                (Rejected::messages(rejected, KEY))
            }
        }
    }
}

/// Checkboxes for a multiple choice that may be unanswered: nothing ticked
/// is "not known yet", "none of these" an answered empty list.
fn choices<T: serde::Serialize>(
    rejected: Option<&Rejected>,
    name: &str,
    legend: &str,
    current: Option<&[T]>,
    options: &[(String, &str)],
) -> Markup {
    let refused = Rejected::is_for(rejected, KEY);
    let is_ticked = |value: &str| {
        if refused {
            Rejected::ticked(rejected, KEY, name, value)
        } else if value == NONE {
            current.is_some_and(|c| c.is_empty())
        } else {
            current.is_some_and(|c| c.iter().any(|v| wire_name(v) == value))
        }
    };
    html! {
        fieldset {
            legend { (legend) " (leave all unticked while not known)" }
            @for (value, words) in options {
                label { input type="checkbox" name=(name) value=(value) checked[is_ticked(value)]; " " (words) }
            }
            label { input type="checkbox" name=(name) value=(NONE) checked[is_ticked(NONE)]; " None of these" }
        }
    }
}

/// A form value in its wire spelling.
fn wire<T: DeserializeOwned>(name: &str, value: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|_| ApiError::invalid(name, format!("`{value}` is not a choice here")))
}

/// A multiple choice's answer: None while nothing is ticked.
fn ticked<T: DeserializeOwned>(form: &CsrfForm, name: &str) -> Result<Option<Vec<T>>, ApiError> {
    let values = form.all(name);
    if values.is_empty() {
        return Ok(None);
    }
    values
        .iter()
        .filter(|v| *v != NONE)
        .map(|v| wire(name, v))
        .collect::<Result<Vec<T>, _>>()
        .map(Some)
}

fn request_of(form: &CsrfForm) -> Result<AssessRequest, ApiError> {
    let mut questionnaire = Questionnaire {
        jurisdictions: form.get("jurisdictions").map(|text| {
            text.split(',')
                .map(|code| code.trim().to_string())
                .filter(|code| !code.is_empty())
                .collect()
        }),
        sectors: ticked(form, "sectors")?,
        roles: ticked(form, "roles")?,
        ..Questionnaire::default()
    };
    for question in Question::ALL {
        let name = wire_name(&question);
        if let Some(value) = form.get(&name) {
            questionnaire.set_answer(question, wire(&name, value)?);
        }
    }
    let at = |name: &str| -> Result<Option<Timestamp>, ApiError> {
        form.get(name)
            .map(|value| {
                value.parse::<Timestamp>().map_err(|_| {
                    ApiError::invalid(
                        name,
                        format!(
                            "`{value}` is not a time with an offset, e.g. 2026-09-01T10:00:00Z"
                        ),
                    )
                })
            })
            .transpose()
    };
    Ok(AssessRequest {
        questionnaire,
        triggers: ExtraTriggers {
            classified_major_at: at("classified_major_at")?,
            causal_link_at: at("causal_link_at")?,
            personal_data_aware_at: at("personal_data_aware_at")?,
        },
    })
}

pub async fn assess(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let saved = async {
        let request = request_of(&form)?;
        answer_questionnaire(&state, caller.name(), &id, request).await
    }
    .await;
    let to_section = |_| format!("/incidents/{id}#regulatory");
    or_in_place(saved, to_section, (&state, &caller, &id), KEY.into(), &form).await
}

/// When a trigger was recorded, for the section's summary.
pub(super) fn recorded_triggers(triggers: &ExtraTriggers) -> Vec<(&'static str, String)> {
    TRIGGERS
        .iter()
        .filter_map(|(name, words)| {
            trigger(triggers, name).map(|at| (*words, format_time(Some(at))))
        })
        .collect()
}
