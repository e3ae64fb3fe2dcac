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
use firebreak_core::regulatory::{
    Answer, Fill, Organisation, Question, RegimeTable, RegulatoryConfig, RegulatoryRecord,
    ReportSection, ReportStatus, template_for,
};
use firebreak_core::system::AiSystem;
use firebreak_core::timeline::{Event, EventKind};
use firebreak_rca::cause_statement::CauseStatement;
use firebreak_store::DocumentKind;
use std::fmt::Write;
use std::sync::Arc;

/// Everything a report draws on, read in one go.
pub struct ReportContext {
    pub incident: Incident,
    pub systems: Vec<AiSystem>,
    pub timeline: Vec<Event>,
    pub evidence: Vec<(Evidence, Vec<Event>)>,
    pub causes: Option<CauseStatement>,
    pub record: RegulatoryRecord,
    /// The organisation's identity and the deployment's own templates.
    pub config: Arc<RegulatoryConfig>,
}

pub async fn gather(state: &AppState, number: u64) -> Result<ReportContext, ApiError> {
    let config = state.regulatory.clone();
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
                config,
            })
        })
        .await
}

const TO_DO: &str = "Nothing recorded in Firebreak yet; complete before submitting.";

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

fn organisation_text(organisation: &Organisation) -> String {
    let mut out = String::new();
    for (label, value) in [
        ("Legal name", &organisation.legal_name),
        ("Address", &organisation.address),
    ] {
        if !value.trim().is_empty() {
            let _ = writeln!(out, "- {label}: {value}");
        }
    }
    for (name, id) in &organisation.identifiers {
        let _ = writeln!(out, "- {name}: {id}");
    }
    out
}

fn contact_text(organisation: &Organisation) -> String {
    let parts: Vec<&str> = [
        &organisation.contact_name,
        &organisation.contact_email,
        &organisation.contact_phone,
    ]
    .into_iter()
    .map(|p| p.trim())
    .filter(|p| !p.is_empty())
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("- Contact: {}\n", parts.join(", "))
    }
}

fn role_text(context: &ReportContext) -> String {
    match &context.record.questionnaire.roles {
        Some(roles) if !roles.is_empty() => {
            let roles: Vec<&str> = roles.iter().map(|r| r.label()).collect();
            format!("- Role for the system: {}\n", roles.join("; "))
        }
        _ => String::new(),
    }
}

fn system_identifiers_text(context: &ReportContext) -> String {
    let mut out = String::new();
    for system in &context.systems {
        let d = &system.details;
        let versions: Vec<&str> = d
            .model_versions
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        let _ = write!(out, "- **{}** (`{}`)", d.name, system.slug);
        if !versions.is_empty() {
            let _ = write!(out, ", versions {}", versions.join(", "));
        }
        match &d.eu_database_id {
            Some(id) => {
                let _ = writeln!(out, "; EU database registration number {id}");
            }
            None => out.push('\n'),
        }
    }
    if !context.incident.model_versions.is_empty() {
        let _ = writeln!(
            out,
            "- Versions involved in the incident: {}",
            context.incident.model_versions.join(", ")
        );
    }
    out
}

fn moments_text(context: &ReportContext) -> String {
    let times = &context.incident.times;
    format!(
        "- Impact started: {}\n- Detected: {}\n- Organisation aware: {}\n- Causal link established: {}\n",
        time(times.impact_started_at),
        time(times.detected_at),
        time(times.aware_at),
        time(context.record.triggers.causal_link_at),
    )
}

fn jurisdictions_text(context: &ReportContext) -> String {
    let q = &context.record.questionnaire;
    let mut out = String::new();
    if let Some(codes) = q.jurisdictions.as_ref().filter(|j| !j.is_empty()) {
        let _ = writeln!(out, "- Jurisdictions: {}", codes.join(", "));
    }
    if let Some(sectors) = q.sectors.as_ref().filter(|s| !s.is_empty()) {
        let sectors: Vec<&str> = sectors.iter().map(|s| s.label()).collect();
        let _ = writeln!(out, "- Sectors: {}", sectors.join("; "));
    }
    out
}

fn answers_text(context: &ReportContext, questions: &[Question]) -> String {
    let mut out = String::new();
    for question in questions {
        let answer = context.record.questionnaire.answer(*question);
        if answer != Answer::Unknown {
            let _ = writeln!(out, "- {} {}", question.label(), answer.label());
        }
    }
    out
}

/// The report's stage by its name in the regime, e.g. "Follow-up report".
fn stage_text(regime: &str, report: &str) -> String {
    RegimeTable::builtin()
        .regime(regime)
        .and_then(|r| r.report(report))
        .map(|kind| format!("- This report: {}\n", kind.name))
        .unwrap_or_default()
}

fn earlier_reports_text(context: &ReportContext, regime: &str) -> String {
    let table = RegimeTable::builtin();
    let mut out = String::new();
    for sent in context
        .record
        .reports
        .iter()
        .filter(|r| r.regime == regime && r.status == ReportStatus::Submitted)
    {
        let name = table
            .regime(regime)
            .and_then(|r| r.report(&sent.report))
            .map_or(sent.report.as_str(), |kind| kind.name.as_str());
        let _ = write!(out, "- {name} ({})", sent.id);
        if let Some(at) = sent.submitted_at {
            let _ = write!(out, ", submitted {at}");
        }
        if let Some(recipient) = &sent.recipient {
            let _ = write!(out, " to {recipient}");
        }
        if let Some(reference) = &sent.reference {
            let _ = write!(out, ", reference {reference}");
        }
        out.push('\n');
    }
    out
}

fn fill_text(context: &ReportContext, fill: &Fill, regime: &str, report: &str) -> String {
    let organisation = &context.config.organisation;
    match fill {
        Fill::Organisation => organisation_text(organisation),
        Fill::Contact => contact_text(organisation),
        Fill::DataProtectionOfficer => organisation.data_protection_officer.clone(),
        Fill::AuthorisedRepresentative => organisation.authorised_representative.clone(),
        Fill::Role => role_text(context),
        Fill::SystemIdentifiers => system_identifiers_text(context),
        Fill::Systems => systems_text(context),
        // The title stands in until someone writes the summary.
        Fill::Summary if context.incident.summary.trim().is_empty() => {
            context.incident.title.clone()
        }
        Fill::Summary => context.incident.summary.clone(),
        Fill::Moments => moments_text(context),
        Fill::Jurisdictions => jurisdictions_text(context),
        Fill::Impact => impact_text(context),
        Fill::PeopleAffected => context
            .incident
            .people_affected
            .map(|people| format!("People affected (approximate): {people}"))
            .unwrap_or_default(),
        Fill::Answers(questions) => answers_text(context, questions),
        Fill::Causes => causes_text(context),
        Fill::Findings => findings_text(context, None),
        Fill::AnalysisFindings(analysis) => findings_text(context, Some(analysis)),
        Fill::Containment => events_list(context.timeline.iter().filter(|e| {
            matches!(
                e.kind,
                EventKind::ContainmentAction | EventKind::ControlChanged | EventKind::ActionTaken
            )
        })),
        Fill::Timeline => events_list(
            context
                .timeline
                .iter()
                .filter(|e| e.kind != EventKind::HookAttempt),
        ),
        Fill::Custody => custody_text(context),
        Fill::Stage => stage_text(regime, report),
        Fill::EarlierReports => earlier_reports_text(context, regime),
    }
}

/// The sections of a report of `regime`'s `report` type, as its template
/// (the deployment's, else the shipped one) lays them out; a section the
/// record has nothing for says what the regulator asks there.
pub fn sections(
    context: &ReportContext,
    regime: &str,
    report: &str,
) -> Result<Vec<ReportSection>, ApiError> {
    let template = template_for(&context.config, regime, report)?;
    Ok(template
        .sections
        .iter()
        .map(|section| {
            let parts: Vec<String> = section
                .fill
                .iter()
                .map(|fill| {
                    fill_text(context, fill, regime, report)
                        .trim_end()
                        .to_string()
                })
                .filter(|text| !text.trim().is_empty())
                .collect();
            ReportSection {
                heading: section.heading.clone(),
                text: if parts.is_empty() {
                    format!("TODO: {} {TO_DO}", section.asks)
                } else {
                    parts.join("\n")
                },
            }
        })
        .collect())
}
