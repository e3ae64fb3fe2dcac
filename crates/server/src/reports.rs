//! The first draft of a regulatory report, filled from what Firebreak knows
//! about the incident: the inventory entries of the affected systems, the
//! timeline, containment actions, forensic findings, the RCA cause
//! statement, the evidence and its custody. People complete and correct it
//! before submitting; a section with nothing to go on says so.

use crate::error::ApiError;
use crate::state::AppState;
use firebreak_core::evidence::{Evidence, evidence_stream};
use firebreak_core::incident::Incident;
use firebreak_core::rca::ArtifactKind;
use firebreak_core::regulatory::{RegulatoryRecord, ReportSection};
use firebreak_core::system::AiSystem;
use firebreak_core::timeline::{Event, EventKind};
use firebreak_rca::cause_statement::CauseStatement;
use firebreak_store::DocumentKind;
use std::fmt::Write;

/// Everything a report draws on, read in one go.
pub struct ReportContext {
    pub incident: Incident,
    pub systems: Vec<AiSystem>,
    pub timeline: Vec<Event>,
    pub evidence: Vec<(Evidence, Vec<Event>)>,
    pub causes: Option<CauseStatement>,
    pub record: RegulatoryRecord,
}

pub async fn gather(state: &AppState, number: u64) -> Result<ReportContext, ApiError> {
    state
        .run(move |store| {
            let incident = store.get_incident(number)?;
            let systems = store
                .list_systems()?
                .into_iter()
                .filter(|s| incident.systems.contains(&s.slug))
                .collect();
            let timeline = store.events(&incident.public_id())?;
            let mut evidence = Vec::new();
            for item in store.incident_evidence(number)? {
                let custody = store.events(&evidence_stream(&item.id))?;
                evidence.push((item, custody));
            }
            let causes = store
                .artifacts(&incident.public_id())?
                .into_iter()
                .find(|a| a.kind == ArtifactKind::CauseStatement)
                .and_then(|a| serde_json::from_value(a.body).ok());
            let record = crate::api::regulatory::record_of(
                store.document(number, DocumentKind::Regulatory)?.as_ref(),
            )?;
            Ok(ReportContext {
                incident,
                systems,
                timeline,
                evidence,
                causes,
                record,
            })
        })
        .await
}

const TO_DO: &str = "TODO: nothing recorded in Firebreak yet; complete before submitting.";

fn section(heading: &str, text: String) -> ReportSection {
    ReportSection {
        heading: heading.to_string(),
        text: if text.trim().is_empty() {
            TO_DO.to_string()
        } else {
            text
        },
    }
}

/// A value as the API names it (`provider`, `discrimination_bias`,
/// `{"custom": "vendor"}` for a custom category).
pub fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn time(value: Option<jiff::Timestamp>) -> String {
    value.map_or_else(|| "not recorded".to_string(), |t| t.to_string())
}

fn of_kind(context: &ReportContext, kind: EventKind) -> impl Iterator<Item = &Event> {
    context.timeline.iter().filter(move |e| e.kind == kind)
}

fn events_list(events: impl Iterator<Item = impl std::borrow::Borrow<Event>>) -> String {
    let mut out = String::new();
    for event in events {
        let event = event.borrow();
        let _ = writeln!(
            out,
            "- {} — {} ({})",
            event.occurred_at,
            event.describe(),
            event.actor
        );
    }
    out
}

fn systems_text(context: &ReportContext) -> String {
    let mut out = String::new();
    for system in &context.systems {
        let d = &system.details;
        let _ = writeln!(
            out,
            "- **{}** (`{}`): {}",
            d.name, system.slug, d.business_purpose
        );
        let _ = writeln!(
            out,
            "  - Organisation's role: {}; EU AI Act risk category: {}",
            wire_name(&d.org_role),
            wire_name(&d.eu_risk_category)
        );
        if let Some(id) = &d.eu_database_id {
            let _ = writeln!(out, "  - EU database registration: {id}");
        }
        let versions: Vec<&str> = d
            .model_versions
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        if !versions.is_empty() {
            let _ = writeln!(out, "  - Model versions: {}", versions.join(", "));
        }
        if !d.owner_team.is_empty() {
            let _ = writeln!(out, "  - Owner: {} {}", d.owner_team, d.owner_person);
        }
        for link in &d.documentation {
            let _ = writeln!(out, "  - {}: {}", link.title, link.url);
        }
    }
    if !context.incident.model_versions.is_empty() {
        let _ = writeln!(
            out,
            "\nModel versions involved: {}",
            context.incident.model_versions.join(", ")
        );
    }
    out
}

fn causes_text(context: &ReportContext) -> String {
    let Some(causes) = &context.causes else {
        return String::new();
    };
    let mut out = format!("Proximate cause: {}\n", causes.proximate_cause.statement);
    let listed = [
        ("Root cause", &causes.root_causes),
        ("Contributing factor", &causes.contributing_factors),
    ];
    for (role, entries) in listed {
        for cause in entries {
            let _ = writeln!(
                out,
                "- {role} ({}): {}",
                wire_name(&cause.category),
                cause.statement
            );
        }
    }
    out
}

fn findings_text(context: &ReportContext, analysis: Option<&str>) -> String {
    let findings = of_kind(context, EventKind::Finding).filter(|e| match analysis {
        Some(name) => e.body["analysis"] == name,
        None => true,
    });
    let mut out = String::new();
    for event in findings {
        let _ = write!(out, "- {} — {}", event.occurred_at, event.describe());
        if let Some(inputs) = event.body["inputs"].as_array() {
            let hashes: Vec<String> = inputs
                .iter()
                .map(|i| {
                    format!(
                        "{} sha256 {}",
                        i["evidence"].as_str().unwrap_or("?"),
                        i["sha256"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            let _ = write!(out, " (inputs: {})", hashes.join("; "));
        }
        out.push('\n');
    }
    out
}

fn custody_text(context: &ReportContext) -> String {
    let mut out = String::new();
    for (item, custody) in &context.evidence {
        let _ = writeln!(
            out,
            "- **{}** `{}`, {} bytes, SHA-256 `{}`: {}",
            item.id, item.filename, item.size, item.sha256, item.description
        );
        for event in custody {
            let _ = writeln!(
                out,
                "  - {} {} — {}",
                event.recorded_at,
                event.actor,
                event.describe()
            );
        }
    }
    out
}

fn impact_text(context: &ReportContext) -> String {
    let incident = &context.incident;
    let harms: Vec<String> = incident.harms.iter().map(wire_name).collect();
    let mut out = format!(
        "Severity {}: {}\n\nHarm categories: {}\n",
        incident.severity.as_str().to_uppercase(),
        incident.severity_rationale,
        if harms.is_empty() {
            "not recorded".to_string()
        } else {
            harms.join(", ")
        }
    );
    if let Some(people) = incident.people_affected {
        let _ = writeln!(out, "\nPeople affected (approximate): {people}");
    }
    out
}

/// The sections of a report of `regime`'s `report` type.
pub fn sections(context: &ReportContext, regime: &str, report: &str) -> Vec<ReportSection> {
    let incident = &context.incident;
    let times = &incident.times;
    let q = &context.record.questionnaire;
    let when = format!(
        "- Impact started: {}\n- Detected: {}\n- Organisation aware: {}\n- Causal link established: {}\n- Jurisdictions: {}\n",
        time(times.impact_started_at),
        time(times.detected_at),
        time(times.aware_at),
        time(context.record.triggers.causal_link_at),
        q.jurisdictions
            .as_ref()
            .map_or("not answered".to_string(), |j| j.join(", ")),
    );
    let what = format!("{}\n\n{}", incident.title, incident.summary);
    let containment = events_list(context.timeline.iter().filter(|e| {
        matches!(
            e.kind,
            EventKind::ContainmentAction | EventKind::ControlChanged | EventKind::ActionTaken
        )
    }));
    match (regime, report) {
        ("gdpr_art33", _) => vec![
            section(
                "Nature of the personal data breach (Art. 33(3)(a))",
                format!("{what}\n\n{}\n{when}", impact_text(context)),
            ),
            section(
                "Contact point: data protection officer (Art. 33(3)(b))",
                String::new(),
            ),
            section("Likely consequences (Art. 33(3)(c))", impact_text(context)),
            section("Measures taken or proposed (Art. 33(3)(d))", containment),
            section("Reasons for any delay (Art. 33(1))", String::new()),
        ],
        ("generic", "inquiry_response") => vec![
            section("Model documentation (inventory)", systems_text(context)),
            section(
                "Decision audit trail for the disputed cohort",
                findings_text(context, Some("decision")) + &findings_text(context, Some("drift")),
            ),
            section("Fairness audit", findings_text(context, Some("fairness"))),
            section(
                "Explanation of the contested decision",
                findings_text(context, Some("decision"))
                    + "\nExplanations come only from attributions logged with the decision (columns `shap_<feature>`); none are inferred after the fact (D21).",
            ),
            section("Root cause", causes_text(context)),
            section("Chain of custody", custody_text(context)),
        ],
        ("generic", _) => vec![
            section("Summary", what),
            section("When and where", when),
            section("Impact", impact_text(context)),
            section("Systems involved", systems_text(context)),
            section(
                "Timeline",
                events_list(
                    context
                        .timeline
                        .iter()
                        .filter(|e| e.kind != EventKind::HookAttempt),
                ),
            ),
            section("Cause", causes_text(context)),
            section("Actions taken", containment),
            section("Evidence", custody_text(context)),
        ],
        _ => vec![
            section(
                "Provider and reporter",
                systems_text(context)
                    .lines()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            section("AI system identification", systems_text(context)),
            section("What happened", what),
            section("When and where", when),
            section("Harm", impact_text(context)),
            section(
                "Causal link between the AI system and the incident",
                format!("{}{}", causes_text(context), findings_text(context, None)),
            ),
            section("Corrective measures", containment),
            section(
                "Report type",
                format!(
                    "{report} report{}",
                    if report == "initial" {
                        "; it may be incomplete and will be followed by a final report (Art. 73(5))"
                    } else {
                        ""
                    }
                ),
            ),
        ],
    }
}
