//! An incident's regulatory record as stored: the questionnaire, the clock
//! triggers besides `aware_at` (D9), the reports drafted and submitted, and
//! the clock warnings already sent. Decisions and deadlines are not stored:
//! they follow from the record, the incident and the configuration, so an
//! edited `aware_at` moves every clock at once (and [`reassess`] says how).

use super::{
    Answer, ClockLevel, ClockStatus, ClockTriggers, Deadline, DeadlineChange, Inquiry,
    Questionnaire, RegimeDecision, RegimeTable, RegulatoryConfig, Submission, compute_deadlines,
    deadline_changes, decide_applicability, reportable,
};
use crate::error::DomainError;
use crate::incident::{Incident, IncidentKind, Reportable};
use crate::timeline::{EventDraft, EventKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// The triggers an incident records besides `aware_at`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ExtraTriggers {
    #[schema(value_type = Option<String>, format = DateTime)]
    pub classified_major_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub causal_link_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub personal_data_aware_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Draft,
    Submitted,
}

/// One section of a report: a heading and Markdown text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportSection {
    pub heading: String,
    pub text: String,
}

/// A report to a regulator, drafted from the incident and edited by people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegulatoryReport {
    /// `R-<n>` within the incident.
    pub id: String,
    pub regime: String,
    /// The report type's id in the regime, e.g. `initial`.
    pub report: String,
    pub title: String,
    pub status: ReportStatus,
    pub sections: Vec<ReportSection>,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<Timestamp>,
    pub submitted_by: Option<String>,
    /// Who received it, and the reference they gave.
    pub recipient: Option<String>,
    pub reference: Option<String>,
    /// Why it was drafted although the applicability answers say its
    /// regime does not apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drafted_although_not_applicable: Option<String>,
}

/// A clock warning already sent, so the notifier sends each once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SentWarning {
    pub regime: String,
    pub report: String,
    pub level: ClockLevel,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct RegulatoryRecord {
    pub questionnaire: Questionnaire,
    pub triggers: ExtraTriggers,
    pub reports: Vec<RegulatoryReport>,
    pub warnings_sent: Vec<SentWarning>,
    /// Regulators' inquiries, each with a clock of its own.
    pub inquiries: Vec<Inquiry>,
}

/// What the record means at a moment: which regimes apply and how far each
/// clock has run. Clocks of regimes whose applicability is unknown are
/// provisional (`provisional` on each clock).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Assessment {
    pub reportable: Reportable,
    pub decisions: Vec<RegimeDecision>,
    pub clocks: Vec<ClockStatus>,
}

impl RegulatoryRecord {
    /// The submissions that stop clocks: every submitted report, and the
    /// reports a submitted one also settles (a combined initial-and-final).
    pub fn submissions(&self, table: &RegimeTable) -> Vec<Submission> {
        let mut submissions = Vec::new();
        for report in self.reports.iter().filter(|r| r.regime != GENERIC_REGIME) {
            let Some(at) = report.submitted_at else {
                continue;
            };
            submissions.push(Submission {
                regime: report.regime.clone(),
                report: report.report.clone(),
                at,
            });
            let settles = table
                .regime(&report.regime)
                .and_then(|r| r.report(&report.report))
                .map(|t| t.satisfies.clone())
                .unwrap_or_default();
            for other in settles {
                if !submissions
                    .iter()
                    .any(|s| s.regime == report.regime && s.report == other)
                {
                    submissions.push(Submission {
                        regime: report.regime.clone(),
                        report: other,
                        at,
                    });
                }
            }
        }
        submissions
    }

    /// D12 time to notify: per regime, seconds from its clock's trigger to
    /// its first submitted report. Drills never notify.
    pub fn notification_delays(
        &self,
        incident: &Incident,
        table: &RegimeTable,
    ) -> Vec<(String, f64)> {
        let Some(triggers) = self.triggers_for(incident) else {
            return Vec::new();
        };
        let mut delays: Vec<(String, f64)> = Vec::new();
        for regime in &table.regimes {
            let first = self
                .reports
                .iter()
                .filter(|r| r.regime == regime.id)
                .filter_map(|r| r.submitted_at)
                .min();
            if let Some(first) = first {
                let start = triggers.moment(regime.clock_start);
                delays.push((regime.id.clone(), first.duration_since(start).as_secs_f64()));
            }
        }
        delays
    }

    fn triggers_for(&self, incident: &Incident) -> Option<ClockTriggers> {
        Some(ClockTriggers {
            aware_at: incident.times.aware_at?,
            classified_major_at: self.triggers.classified_major_at,
            causal_link_at: self.triggers.causal_link_at,
            personal_data_aware_at: self.triggers.personal_data_aware_at,
        })
    }

    /// Decisions and clocks at `now`: the regimes' clocks, which need
    /// `aware_at`, then the inquiries', which run from their receipt.
    pub fn assess(
        &self,
        incident: &Incident,
        table: &RegimeTable,
        config: &RegulatoryConfig,
        now: Timestamp,
    ) -> Result<Assessment, DomainError> {
        let inquiries = self.inquiries.iter().map(|i| i.deadline().status(now));
        let Some(triggers) = self.triggers_for(incident) else {
            return Ok(Assessment {
                reportable: Reportable::Unknown,
                decisions: Vec::new(),
                clocks: inquiries.collect(),
            });
        };
        let decisions =
            decide_applicability(table, &self.questionnaire, config, triggers.aware_at)?;
        let deadlines = compute_deadlines(
            table,
            &decisions,
            &self.questionnaire,
            &triggers,
            &self.submissions(table),
            config,
        )?;
        let reportable = match reportable(&decisions) {
            Answer::Yes => Reportable::Yes,
            Answer::No => Reportable::No,
            Answer::Unknown => Reportable::Unknown,
        };
        Ok(Assessment {
            reportable,
            decisions,
            clocks: deadlines
                .iter()
                .map(|d| d.status(now))
                .chain(inquiries)
                .collect(),
        })
    }

    fn deadlines(
        &self,
        incident: &Incident,
        table: &RegimeTable,
        config: &RegulatoryConfig,
    ) -> Result<Vec<Deadline>, DomainError> {
        Ok(self
            .assess(incident, table, config, Timestamp::UNIX_EPOCH)?
            .clocks
            .into_iter()
            .map(|c| c.deadline)
            .collect())
    }
}

/// An incident's decisions and clocks at `now`: the one computation behind the
/// incident page, the deadline board, the CLI and the API. An incident
/// without a record yet (`None`, nothing answered) is assessed as unanswered,
/// so from its declaration every regime that may apply shows a provisional
/// clock at the earliest moment it could be due.
pub fn assessment(
    incident: &Incident,
    record: Option<&RegulatoryRecord>,
    table: &RegimeTable,
    config: &RegulatoryConfig,
    now: Timestamp,
) -> Result<Assessment, DomainError> {
    match record {
        Some(record) => record.assess(incident, table, config, now),
        None => RegulatoryRecord::default().assess(incident, table, config, now),
    }
}

/// A change of the record with its events and, when `reportable` moved, the
/// incident's new record (D8).
pub struct RecordChange {
    pub record: RegulatoryRecord,
    pub own: EventDraft,
    pub announced: Vec<EventDraft>,
    pub incident: Option<Incident>,
}

/// Answers (or re-answers) the questionnaire and sets the extra triggers.
#[allow(clippy::too_many_arguments)]
pub fn assess_incident(
    incident: &Incident,
    current: &RegulatoryRecord,
    questionnaire: Questionnaire,
    triggers: ExtraTriggers,
    table: &RegimeTable,
    config: &RegulatoryConfig,
    actor: &str,
    now: Timestamp,
) -> Result<RecordChange, DomainError> {
    let before = current.deadlines(incident, table, config)?;
    let record = RegulatoryRecord {
        questionnaire,
        triggers,
        ..current.clone()
    };
    let assessment = record.assess(incident, table, config, now)?;
    let after: Vec<Deadline> = assessment
        .clocks
        .iter()
        .map(|c| c.deadline.clone())
        .collect();
    let applies: Vec<&str> = assessment
        .decisions
        .iter()
        .filter(|d| d.applies != Answer::No)
        .map(|d| d.regime.as_str())
        .collect();
    let body = json!({
        "questionnaire": record.questionnaire,
        "triggers": record.triggers,
        "reportable": assessment.reportable,
        "regimes": applies,
        "changes": deadline_changes(&before, &after),
    });
    let own = EventDraft::by(actor, EventKind::RegulatoryAssessed, now, body.clone());
    let mut announced = vec![EventDraft::by(
        actor,
        EventKind::RegulatoryAssessed,
        now,
        body,
    )];
    let mut changed = None;
    if incident.reportable != assessment.reportable {
        let mut next = incident.clone();
        next.reportable = assessment.reportable;
        announced.push(EventDraft::by(
            actor,
            EventKind::FieldChanged,
            now,
            json!({"field": "reportable", "from": incident.reportable, "to": next.reportable}),
        ));
        changed = Some(next);
    }
    Ok(RecordChange {
        record,
        own,
        announced,
        incident: changed,
    })
}

/// Recomputes the clocks after the incident's `aware_at` moved from
/// `before`'s to `after`'s: the changes, for an event, or None when no clock
/// moved.
pub fn reassess(
    record: &RegulatoryRecord,
    before: &Incident,
    after: &Incident,
    table: &RegimeTable,
    config: &RegulatoryConfig,
) -> Result<Option<Vec<DeadlineChange>>, DomainError> {
    let changes = deadline_changes(
        &record.deadlines(before, table, config)?,
        &record.deadlines(after, table, config)?,
    );
    Ok((!changes.is_empty()).then_some(changes))
}

/// Reports outside any regime's clock, drafted under the regime id `generic`.
pub const GENERIC_REGIME: &str = "generic";
pub const GENERIC_REPORTS: [(&str, &str); 2] = [
    ("adverse_event", "Adverse-event report"),
    ("inquiry_response", "Regulatory inquiry response pack"),
];

/// The display names of a regime's report type, or of a generic report.
pub(super) fn report_names(
    table: &RegimeTable,
    regime: &str,
    report: &str,
) -> Result<(String, String), DomainError> {
    if regime == GENERIC_REGIME {
        return GENERIC_REPORTS
            .iter()
            .find(|(id, _)| *id == report)
            .map(|(_, name)| ("Firebreak".to_string(), name.to_string()))
            .ok_or_else(|| {
                let ids: Vec<&str> = GENERIC_REPORTS.iter().map(|(id, _)| *id).collect();
                DomainError::field("report", format!("generic reports are {}", ids.join(", ")))
            });
    }
    let known = table.regime(regime).ok_or_else(|| {
        let ids: Vec<&str> = table.regimes.iter().map(|r| r.id.as_str()).collect();
        DomainError::field(
            "regime",
            format!(
                "unknown regime `{regime}`, expected one of {}, or {GENERIC_REGIME}",
                ids.join(", ")
            ),
        )
    })?;
    let kind = known.report(report).ok_or_else(|| {
        let ids: Vec<&str> = known.reports.iter().map(|r| r.id.as_str()).collect();
        DomainError::field(
            "report",
            format!(
                "{regime} has no report `{report}`, expected one of {}",
                ids.join(", ")
            ),
        )
    })?;
    Ok((known.name.clone(), kind.name.clone()))
}

/// Drafts a new report of `regime`'s `report` type with `sections`. A
/// regime the incident's `decisions` say does not apply is refused: its
/// report would stop no clock and notify under a law that does not hold
/// (a generic report is the way to write to an authority anyway).
#[allow(clippy::too_many_arguments)]
pub fn draft_report(
    current: &RegulatoryRecord,
    decisions: &[RegimeDecision],
    table: &RegimeTable,
    regime: &str,
    report: &str,
    sections: Vec<ReportSection>,
    override_reason: Option<&str>,
    actor: &str,
    now: Timestamp,
) -> Result<(RegulatoryRecord, RegulatoryReport, EventDraft), DomainError> {
    let (regime_name, report_name) = report_names(table, regime, report)?;
    let override_reason = override_reason.map(str::trim).filter(|r| !r.is_empty());
    let not_applicable = decisions
        .iter()
        .find(|d| d.regime == regime && d.applies == Answer::No);
    if let (Some(decision), None) = (not_applicable, override_reason) {
        let because: Vec<String> = decision
            .because
            .iter()
            .map(|f| format!("{}: {}", f.question.replace('_', " "), f.answer))
            .collect();
        return Err(DomainError::Conflict {
            message: format!(
                "{regime_name} does not apply to this incident ({}); change the applicability answers if that is wrong, draft a generic report, or give the reason to draft it anyway (override_reason)",
                because.join(", ")
            ),
            allowed: Vec::new(),
        });
    }
    let created = RegulatoryReport {
        id: format!("R-{}", current.reports.len() + 1),
        regime: regime.to_string(),
        report: report.to_string(),
        title: format!("{regime_name} — {report_name}"),
        status: ReportStatus::Draft,
        sections,
        created_by: actor.to_string(),
        created_at: now,
        submitted_at: None,
        submitted_by: None,
        recipient: None,
        reference: None,
        drafted_although_not_applicable: not_applicable.and(override_reason).map(str::to_string),
    };
    let mut record = current.clone();
    record.reports.push(created.clone());
    let mut body =
        json!({"report": created.id, "regime": regime, "type": report, "title": created.title});
    if let Some(reason) = &created.drafted_although_not_applicable {
        body["drafted_although_not_applicable"] = json!(reason);
    }
    let event = EventDraft::by(actor, EventKind::ReportDrafted, now, body);
    Ok((record, created, event))
}

fn report_mut<'r>(
    record: &'r mut RegulatoryRecord,
    id: &str,
) -> Result<&'r mut RegulatoryReport, DomainError> {
    record
        .reports
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| DomainError::field("report", format!("no report `{id}`")))
}

/// Replaces a draft's sections; a submitted report is final.
pub fn edit_report(
    current: &RegulatoryRecord,
    id: &str,
    sections: Vec<ReportSection>,
    actor: &str,
    now: Timestamp,
) -> Result<(RegulatoryRecord, EventDraft), DomainError> {
    let mut record = current.clone();
    let report = report_mut(&mut record, id)?;
    if report.status == ReportStatus::Submitted {
        return Err(DomainError::Conflict {
            message: format!("{id} was submitted; draft a follow-up report instead"),
            allowed: Vec::new(),
        });
    }
    report.sections = sections;
    let event = EventDraft::by(
        actor,
        EventKind::ReportDrafted,
        now,
        json!({"report": id, "edited": true}),
    );
    Ok((record, event))
}

/// Records that a report went to its regulator (`regulator_notified`). A
/// drill records no notification (D11).
pub fn submit_report(
    incident: &Incident,
    current: &RegulatoryRecord,
    id: &str,
    recipient: &str,
    reference: Option<String>,
    actor: &str,
    now: Timestamp,
) -> Result<(RegulatoryRecord, EventDraft), DomainError> {
    if incident.kind != IncidentKind::Real {
        return Err(DomainError::Conflict {
            message: format!(
                "{} is a drill or test: it records no regulator notification (D11)",
                incident.public_id()
            ),
            allowed: Vec::new(),
        });
    }
    if recipient.trim().is_empty() {
        return Err(DomainError::field(
            "recipient",
            "name the authority the report went to",
        ));
    }
    let mut record = current.clone();
    let report = report_mut(&mut record, id)?;
    if report.status == ReportStatus::Submitted {
        return Err(DomainError::Conflict {
            message: format!("{id} was already submitted"),
            allowed: Vec::new(),
        });
    }
    report.status = ReportStatus::Submitted;
    report.submitted_at = Some(now);
    report.submitted_by = Some(actor.to_string());
    report.recipient = Some(recipient.trim().to_string());
    report.reference = reference.filter(|r| !r.trim().is_empty());
    let event = EventDraft::by(
        actor,
        EventKind::RegulatorNotified,
        now,
        json!({
            "report": id, "regime": report.regime, "type": report.report,
            "recipient": report.recipient, "reference": report.reference,
        }),
    );
    Ok((record, event))
}

/// The clock warnings due by `now` that were not sent yet, and the record
/// that remembers them as sent.
pub fn due_warnings(
    current: &RegulatoryRecord,
    assessment: &Assessment,
    now: Timestamp,
) -> (RegulatoryRecord, Vec<(ClockStatus, SentWarning)>) {
    let mut record = current.clone();
    let mut due = Vec::new();
    for clock in &assessment.clocks {
        if clock.deadline.submitted_at.is_some() {
            continue;
        }
        for crossing in clock.crossings.iter().filter(|c| c.at <= now) {
            let sent = record.warnings_sent.iter().any(|w| {
                w.regime == clock.deadline.regime
                    && w.report == clock.deadline.report
                    && w.level == crossing.level
            });
            if !sent {
                let warning = SentWarning {
                    regime: clock.deadline.regime.clone(),
                    report: clock.deadline.report.clone(),
                    level: crossing.level,
                    at: crossing.at,
                };
                record.warnings_sent.push(warning.clone());
                due.push((clock.clone(), warning));
            }
        }
    }
    (record, due)
}
