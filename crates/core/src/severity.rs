//! The severity rubric: a table that suggests an incident's severity from
//! answers to a few questions (harm type, people affected, reversibility…),
//! so that two responders facing the same facts choose the same severity.
//!
//! Each answer of each dimension carries the severity it suggests on its own;
//! rules name combinations that suggest more (irreversible harm to many
//! people). The suggestion is the most severe of the answers' and the
//! matching rules', so adding a question can raise a suggestion but never
//! hide a severe answer. A rubric is total when every answer has a severity:
//! then every complete set of answers has a suggestion, which is checked when
//! the rubric is configured, not when a responder is waiting on it.

use crate::error::{DomainError, FieldError, Problems};
use crate::incident::{Change, Incident, IncidentPatch, Severity};
use crate::timeline::{EventDraft, EventKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The rubric shipped with Firebreak; `docs/severity-rubric.md` gives its
/// reasoning.
pub const DEFAULT_RUBRIC: &str = include_str!("severity/rubric.json");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// Names this rubric in every assessment made with it.
    pub version: String,
    pub dimensions: Vec<RubricDimension>,
    #[serde(default)]
    pub rules: Vec<RubricRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricDimension {
    pub key: String,
    pub label: String,
    #[serde(default)]
    pub question: String,
    pub levels: Vec<RubricLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricLevel {
    pub key: String,
    pub label: String,
    /// Optional in the file only so that a missing one is named by the
    /// totality check; a checked rubric has one on every level.
    pub severity: Option<Severity>,
}

/// A combination of answers that suggests `severity`: every named dimension
/// must be answered with one of its listed levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricRule {
    pub when: BTreeMap<String, Vec<String>>,
    pub severity: Severity,
    #[serde(default)]
    pub reason: String,
}

/// What raised a suggestion to its severity: an answer, or a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SeverityDriver {
    /// `harm_type=physical`, or the rule's reason.
    pub because: String,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SeveritySuggestion {
    pub severity: Severity,
    /// Every answer and rule that suggests exactly `severity`.
    pub drivers: Vec<SeverityDriver>,
    pub rubric: String,
}

impl Rubric {
    /// Reads and checks a rubric file's text.
    pub fn parse(text: &str) -> Result<Rubric, DomainError> {
        let rubric: Rubric = serde_json::from_str(text).map_err(|e| {
            DomainError::field(
                format!("line {} column {}", e.line(), e.column()),
                e.to_string(),
            )
        })?;
        rubric.check()?;
        Ok(rubric)
    }

    /// The rubric Firebreak ships.
    pub fn default_rubric() -> Rubric {
        Rubric::parse(DEFAULT_RUBRIC).expect("the shipped rubric is total")
    }

    /// Refuses a rubric that is not total or names what it does not have.
    pub fn check(&self) -> Result<(), DomainError> {
        let mut problems = Problems::default();
        if self.version.trim().is_empty() {
            problems.push("version", "name this rubric's version");
        }
        if self.dimensions.is_empty() {
            problems.push("dimensions", "name at least one dimension");
        }
        for (d, dimension) in self.dimensions.iter().enumerate() {
            let place = format!("dimensions[{d}]");
            check_key(&dimension.key, &format!("{place}.key"), &mut problems);
            if self.dimensions[..d].iter().any(|o| o.key == dimension.key) {
                problems.push(
                    format!("{place}.key"),
                    format!("`{}` is named twice", dimension.key),
                );
            }
            if dimension.levels.is_empty() {
                problems.push(format!("{place}.levels"), "list at least one answer");
            }
            for (l, level) in dimension.levels.iter().enumerate() {
                let place = format!("{place}.levels[{l}]");
                check_key(&level.key, &format!("{place}.key"), &mut problems);
                if dimension.levels[..l].iter().any(|o| o.key == level.key) {
                    problems.push(
                        format!("{place}.key"),
                        format!("`{}` is named twice in `{}`", level.key, dimension.key),
                    );
                }
                if level.severity.is_none() {
                    problems.push(
                        format!("{place}.severity"),
                        format!(
                            "`{}={}` suggests no severity: the rubric must suggest one for every answer",
                            dimension.key, level.key
                        ),
                    );
                }
            }
        }
        for (r, rule) in self.rules.iter().enumerate() {
            let place = format!("rules[{r}].when");
            if rule.when.is_empty() {
                problems.push(&place, "name at least one dimension");
            }
            for (key, levels) in &rule.when {
                let Some(dimension) = self.dimension(key) else {
                    problems.push(
                        format!("{place}.{key}"),
                        format!("no dimension is called `{key}`"),
                    );
                    continue;
                };
                if levels.is_empty() {
                    problems.push(format!("{place}.{key}"), "list at least one answer");
                }
                for level in levels {
                    if !dimension.levels.iter().any(|l| &l.key == level) {
                        problems.push(
                            format!("{place}.{key}"),
                            format!("`{key}` has no answer `{level}`"),
                        );
                    }
                }
            }
        }
        problems.into_result()
    }

    pub fn dimension(&self, key: &str) -> Option<&RubricDimension> {
        self.dimensions.iter().find(|d| d.key == key)
    }

    /// The severity the answers suggest. Every dimension must be answered,
    /// with one of its levels, and nothing else.
    pub fn suggest(
        &self,
        answers: &BTreeMap<String, String>,
    ) -> Result<SeveritySuggestion, DomainError> {
        let mut problems = Vec::new();
        for key in answers.keys() {
            if self.dimension(key).is_none() {
                problems.push(FieldError::new(
                    format!("answers.{key}"),
                    format!(
                        "no dimension is called `{key}`; the rubric asks about {}",
                        self.dimension_keys()
                    ),
                ));
            }
        }
        let mut candidates = Vec::new();
        for dimension in &self.dimensions {
            let field = format!("answers.{}", dimension.key);
            let Some(answer) = answers.get(&dimension.key) else {
                problems.push(FieldError::new(
                    field,
                    format!("answer: {}", dimension.question_or_label()),
                ));
                continue;
            };
            match dimension.levels.iter().find(|l| &l.key == answer) {
                Some(level) => candidates.push(SeverityDriver {
                    because: format!("{}={}", dimension.key, level.key),
                    severity: level.severity.unwrap_or(Severity::Sev4),
                }),
                None => problems.push(FieldError::new(
                    field,
                    format!(
                        "`{answer}` is not an answer; expected one of {}",
                        dimension
                            .levels
                            .iter()
                            .map(|l| l.key.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        }
        if !problems.is_empty() {
            return Err(DomainError::Invalid(problems));
        }
        for rule in &self.rules {
            let matches = rule
                .when
                .iter()
                .all(|(key, levels)| answers.get(key).is_some_and(|a| levels.contains(a)));
            if matches {
                candidates.push(SeverityDriver {
                    because: if rule.reason.is_empty() {
                        "a rule of the rubric".to_string()
                    } else {
                        rule.reason.clone()
                    },
                    severity: rule.severity,
                });
            }
        }
        // Sev1 orders first: the most severe is the minimum.
        let severity = candidates
            .iter()
            .map(|c| c.severity)
            .min()
            .unwrap_or(Severity::Sev4);
        Ok(SeveritySuggestion {
            severity,
            drivers: candidates
                .into_iter()
                .filter(|c| c.severity == severity)
                .collect(),
            rubric: self.version.clone(),
        })
    }

    fn dimension_keys(&self) -> String {
        self.dimensions
            .iter()
            .map(|d| d.key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl RubricDimension {
    fn question_or_label(&self) -> &str {
        if self.question.is_empty() {
            &self.label
        } else {
            &self.question
        }
    }
}

fn check_key(key: &str, place: &str, problems: &mut Problems) {
    let valid = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid {
        problems.push(
            place,
            format!("`{key}` must be lower-case letters, digits and underscores"),
        );
    }
}

/// An incident's assessment against the rubric, kept on the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SeverityAssessment {
    pub answers: BTreeMap<String, String>,
    pub suggested: Severity,
    pub rubric: String,
}

/// A responder's assessment: the answers, and the severity they choose if
/// not the suggested one (then with a rationale).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityAssessmentRequest {
    pub answers: BTreeMap<String, String>,
    /// Defaults to the suggested severity.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Required when `severity` differs from the suggestion.
    #[serde(default)]
    pub rationale: Option<String>,
}

/// Assesses `incident` with `rubric`: the suggestion and the choice go on
/// the timeline as one `severity_assessed` event; a chosen severity other
/// than the current one is also a field change, as an edit would make it, so
/// a raise re-pages the same way.
pub fn assess(
    incident: &Incident,
    rubric: &Rubric,
    request: SeverityAssessmentRequest,
    actor: &str,
    now: Timestamp,
) -> Result<Change, DomainError> {
    let suggestion = rubric.suggest(&request.answers)?;
    let chosen = request.severity.unwrap_or(suggestion.severity);
    let rationale = request
        .rationale
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if chosen != suggestion.severity && rationale.is_none() {
        return Err(DomainError::field(
            "rationale",
            format!(
                "the rubric suggests {}; say why you chose {}",
                suggestion.severity.label(),
                chosen.label()
            ),
        ));
    }
    let because = suggestion
        .drivers
        .iter()
        .map(|d| d.because.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let assessed = EventDraft::by(
        actor,
        EventKind::SeverityAssessed,
        now,
        json!({
            "answers": request.answers,
            "suggested": suggestion.severity,
            "drivers": suggestion.drivers,
            "rubric": suggestion.rubric,
            "chosen": chosen,
            "rationale": rationale,
        }),
    );
    let rationale = rationale.or_else(|| {
        (chosen != incident.severity).then(|| {
            format!(
                "suggested by the severity rubric {}: {because}",
                suggestion.rubric
            )
        })
    });
    // The choice is an edit like any other, so its events are the edit's.
    let patch = IncidentPatch {
        severity: (chosen != incident.severity).then_some(chosen),
        severity_rationale: rationale.filter(|r| *r != incident.severity_rationale),
        ..IncidentPatch::default()
    };
    let mut change = if patch == IncidentPatch::default() {
        Change {
            incident: incident.clone(),
            events: Vec::new(),
        }
    } else {
        incident.edit(patch, actor, &[], now)?
    };
    change.incident.severity_assessment = Some(SeverityAssessment {
        answers: request.answers,
        suggested: suggestion.severity,
        rubric: suggestion.rubric,
    });
    change.events.insert(0, assessed);
    Ok(change)
}

#[cfg(test)]
mod tests;
