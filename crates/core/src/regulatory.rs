//! Regulatory clocks: which reporting regimes an incident falls under, and when
//! each of their reports is due.
//!
//! The regimes (EU AI Act Art. 73 and 26(5), GDPR Art. 33 and 34, NIS2 Art. 23,
//! DORA, FDA 21 CFR 803, EU MDR Art. 87, OSHA 29 CFR 1904.39) are data in one versioned file,
//! `regulatory/regimes.json`, so a change in the law is a reviewed change of
//! data rather than of code. An applicability [`Questionnaire`] decides which of
//! them apply, each with the answers that decided it, and from those decisions
//! follows the incident's `reportable` flag (D8). [`compute_deadlines`] turns the
//! applicable regimes and the incident's clock triggers (D9) into due moments,
//! and [`Deadline::status`] says how far each clock has run at a given `now`.
//!
//! Everything here is pure: the current time, the incident's moments and the
//! deployment's configuration are passed in. Writing the report documents,
//! sending the notifications and storing submissions are the server's job.

mod clock;
mod inquiry;
mod record;
mod status;
mod template;

pub use clock::{
    ClockTrigger, ClockTriggers, Deadline, DeadlineChange, RegimeConfig, RegulatoryConfig,
    Submission, compute_deadlines, deadline_changes,
};
pub use inquiry::{
    DueRule, INQUIRY_REGIME, INQUIRY_REGIME_NAME, Inquiry, InquiryQuestion, NewInquiry,
    answer_question, open_inquiry, parse_within, submit_inquiry,
};
pub use record::{
    Assessment, ExtraTriggers, GENERIC_REGIME, GENERIC_REPORTS, RecordChange, RegulatoryRecord,
    RegulatoryReport, ReportSection, ReportStatus, SentWarning, assess_incident, assessment,
    draft_report, due_warnings, edit_report, reassess, submit_report,
};
pub use status::{ClockLevel, ClockState, ClockStatus, Crossing, duration_text, moment_text};
pub use template::{
    Fill, Organisation, ReportTemplate, TemplateSection, TemplateTable, template_for,
};

use crate::error::DomainError;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use utoipa::ToSchema;

/// A yes/no question that may not have been answered yet. Also the shape of an
/// incident's `reportable` flag (D8).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    #[default]
    Unknown,
    Yes,
    No,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Answer::Unknown, Answer::Yes, Answer::No];

    /// The answer in words, for forms and pages.
    pub fn label(self) -> &'static str {
        match self {
            Answer::Unknown => "Not known yet",
            Answer::Yes => "Yes",
            Answer::No => "No",
        }
    }
}

/// The organisation's role for the AI system or device involved (D10).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationRole {
    /// Provider of an AI system; for a medical device, its manufacturer.
    Provider,
    Deployer,
}

impl OrganisationRole {
    pub const ALL: [OrganisationRole; 2] = [OrganisationRole::Provider, OrganisationRole::Deployer];

    /// The role in words, for forms and pages.
    pub fn label(self) -> &'static str {
        match self {
            OrganisationRole::Provider => "Provider (for a medical device, its manufacturer)",
            OrganisationRole::Deployer => "Deployer",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// A financial entity under DORA Art. 2.
    FinancialEntity,
    /// An essential entity under NIS2 Art. 3(1).
    EssentialEntity,
    /// An important entity under NIS2 Art. 3(2).
    ImportantEntity,
    /// The AI system is, or is part of, a medical device.
    MedicalDevice,
    Healthcare,
    Other,
}

impl Sector {
    pub const ALL: [Sector; 6] = [
        Sector::FinancialEntity,
        Sector::EssentialEntity,
        Sector::ImportantEntity,
        Sector::MedicalDevice,
        Sector::Healthcare,
        Sector::Other,
    ];

    /// The sector in words, for forms and pages.
    pub fn label(self) -> &'static str {
        match self {
            Sector::FinancialEntity => "Financial entity (DORA Art. 2)",
            Sector::EssentialEntity => "Essential entity (NIS2 Art. 3(1))",
            Sector::ImportantEntity => "Important entity (NIS2 Art. 3(2))",
            Sector::MedicalDevice => "The AI system is, or is part of, a medical device",
            Sector::Healthcare => "Healthcare",
            Sector::Other => "Another sector",
        }
    }
}

/// The yes/no questions of the questionnaire, by the name the regimes file
/// uses for them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    HighRiskAiSystem,
    Death,
    SeriousHarmToHealth,
    CriticalInfrastructureDisruption,
    WidespreadInfringement,
    FundamentalRightsInfringement,
    SeriousHarmToPropertyOrEnvironment,
    PersonalDataBreach,
    HighRiskToDataSubjects,
    SignificantIncident,
    MajorIctIncident,
    MalfunctionCouldCauseDeathOrSeriousHarm,
    RemedialActionNeeded,
    SeriousPublicHealthThreat,
    WorkRelatedFatality,
    WorkRelatedSevereInjury,
}

impl Question {
    pub const ALL: [Question; 16] = [
        Question::HighRiskAiSystem,
        Question::Death,
        Question::SeriousHarmToHealth,
        Question::CriticalInfrastructureDisruption,
        Question::WidespreadInfringement,
        Question::FundamentalRightsInfringement,
        Question::SeriousHarmToPropertyOrEnvironment,
        Question::PersonalDataBreach,
        Question::HighRiskToDataSubjects,
        Question::SignificantIncident,
        Question::MajorIctIncident,
        Question::MalfunctionCouldCauseDeathOrSeriousHarm,
        Question::RemedialActionNeeded,
        Question::SeriousPublicHealthThreat,
        Question::WorkRelatedFatality,
        Question::WorkRelatedSevereInjury,
    ];

    /// The question as a person is asked it.
    pub fn label(self) -> &'static str {
        match self {
            Question::HighRiskAiSystem => "Is the system a high-risk AI system (AI Act Art. 6)?",
            Question::Death => "Did the incident lead to a death?",
            Question::SeriousHarmToHealth => "Did it lead to serious harm to a person's health?",
            Question::CriticalInfrastructureDisruption => {
                "Did it seriously and irreversibly disrupt the management or operation of critical infrastructure?"
            }
            Question::WidespreadInfringement => {
                "Is it a widespread infringement (AI Act Art. 3(61))?"
            }
            Question::FundamentalRightsInfringement => {
                "Did it infringe Union law protecting fundamental rights?"
            }
            Question::SeriousHarmToPropertyOrEnvironment => {
                "Did it lead to serious harm to property or the environment?"
            }
            Question::PersonalDataBreach => "Is it a personal data breach (GDPR)?",
            Question::HighRiskToDataSubjects => {
                "Is the breach likely to result in a high risk to people's rights and freedoms (GDPR Art. 34)?"
            }
            Question::SignificantIncident => "Is it a significant incident (NIS2 Art. 23(3))?",
            Question::MajorIctIncident => {
                "Is it classified as a major ICT-related incident (DORA Art. 18)?"
            }
            Question::MalfunctionCouldCauseDeathOrSeriousHarm => {
                "Would the device malfunction be likely to cause or contribute to a death or serious injury if it recurred (21 CFR 803.50)?"
            }
            Question::RemedialActionNeeded => {
                "Is remedial action needed to prevent an unreasonable risk of substantial harm to public health (21 CFR 803.53)?"
            }
            Question::SeriousPublicHealthThreat => {
                "Is it a serious public health threat (EU MDR Art. 2(66))?"
            }
            Question::WorkRelatedFatality => {
                "Did an employee die as a result of a work-related incident, within 30 days of it (29 CFR 1904.39)?"
            }
            Question::WorkRelatedSevereInjury => {
                "Did a work-related incident lead, within 24 hours, to an employee's in-patient hospitalisation, an amputation or the loss of an eye (29 CFR 1904.39)?"
            }
        }
    }
}

/// The name serde gives a unit variant, which is the name the regimes file
/// and the API use for it.
fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

/// The applicability questionnaire of one incident. Every question starts
/// unanswered; an unanswered question leaves a regime's applicability unknown
/// rather than deciding it either way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Questionnaire {
    /// Where the incident happened or had effect: ISO 3166-1 alpha-2 codes
    /// (`DE`, `US`), or `EU` / `EEA` as a whole. Absent until answered.
    pub jurisdictions: Option<Vec<String>>,
    /// Absent until answered; an empty list means none of them.
    pub sectors: Option<Vec<Sector>>,
    /// Absent until answered.
    pub roles: Option<Vec<OrganisationRole>>,
    /// A high-risk AI system under AI Act Art. 6.
    pub high_risk_ai_system: Answer,
    pub death: Answer,
    pub serious_harm_to_health: Answer,
    /// A serious and irreversible disruption of the management or operation of
    /// critical infrastructure (AI Act Art. 3(49)(b)).
    pub critical_infrastructure_disruption: Answer,
    /// AI Act Art. 3(61).
    pub widespread_infringement: Answer,
    /// An infringement of Union law protecting fundamental rights (AI Act
    /// Art. 3(49)(c)).
    pub fundamental_rights_infringement: Answer,
    pub serious_harm_to_property_or_environment: Answer,
    pub personal_data_breach: Answer,
    /// The breach is likely to result in a high risk to the rights and freedoms
    /// of natural persons (GDPR Art. 34).
    pub high_risk_to_data_subjects: Answer,
    /// A significant incident under NIS2 Art. 23(3).
    pub significant_incident: Answer,
    /// Classified as a major ICT-related incident under DORA Art. 18.
    pub major_ict_incident: Answer,
    /// A device malfunction that would be likely to cause or contribute to a
    /// death or serious injury if it recurred (21 CFR 803.50).
    pub malfunction_could_cause_death_or_serious_harm: Answer,
    /// Remedial action is needed to prevent an unreasonable risk of substantial
    /// harm to public health (21 CFR 803.53).
    pub remedial_action_needed: Answer,
    /// EU MDR Art. 2(66).
    pub serious_public_health_threat: Answer,
    /// An employee's death within 30 days of a work-related incident
    /// (29 CFR 1904.39(a)(1), (b)(6)).
    pub work_related_fatality: Answer,
    /// An employee's in-patient hospitalisation, amputation or loss of an eye
    /// within 24 hours of a work-related incident (29 CFR 1904.39(a)(2)).
    pub work_related_severe_injury: Answer,
}

impl Questionnaire {
    pub fn answer(&self, question: Question) -> Answer {
        match question {
            Question::HighRiskAiSystem => self.high_risk_ai_system,
            Question::Death => self.death,
            Question::SeriousHarmToHealth => self.serious_harm_to_health,
            Question::CriticalInfrastructureDisruption => self.critical_infrastructure_disruption,
            Question::WidespreadInfringement => self.widespread_infringement,
            Question::FundamentalRightsInfringement => self.fundamental_rights_infringement,
            Question::SeriousHarmToPropertyOrEnvironment => {
                self.serious_harm_to_property_or_environment
            }
            Question::PersonalDataBreach => self.personal_data_breach,
            Question::HighRiskToDataSubjects => self.high_risk_to_data_subjects,
            Question::SignificantIncident => self.significant_incident,
            Question::MajorIctIncident => self.major_ict_incident,
            Question::MalfunctionCouldCauseDeathOrSeriousHarm => {
                self.malfunction_could_cause_death_or_serious_harm
            }
            Question::RemedialActionNeeded => self.remedial_action_needed,
            Question::SeriousPublicHealthThreat => self.serious_public_health_threat,
            Question::WorkRelatedFatality => self.work_related_fatality,
            Question::WorkRelatedSevereInjury => self.work_related_severe_injury,
        }
    }

    /// Answers `question`.
    pub fn set_answer(&mut self, question: Question, answer: Answer) {
        let slot = match question {
            Question::HighRiskAiSystem => &mut self.high_risk_ai_system,
            Question::Death => &mut self.death,
            Question::SeriousHarmToHealth => &mut self.serious_harm_to_health,
            Question::CriticalInfrastructureDisruption => {
                &mut self.critical_infrastructure_disruption
            }
            Question::WidespreadInfringement => &mut self.widespread_infringement,
            Question::FundamentalRightsInfringement => &mut self.fundamental_rights_infringement,
            Question::SeriousHarmToPropertyOrEnvironment => {
                &mut self.serious_harm_to_property_or_environment
            }
            Question::PersonalDataBreach => &mut self.personal_data_breach,
            Question::HighRiskToDataSubjects => &mut self.high_risk_to_data_subjects,
            Question::SignificantIncident => &mut self.significant_incident,
            Question::MajorIctIncident => &mut self.major_ict_incident,
            Question::MalfunctionCouldCauseDeathOrSeriousHarm => {
                &mut self.malfunction_could_cause_death_or_serious_harm
            }
            Question::RemedialActionNeeded => &mut self.remedial_action_needed,
            Question::SeriousPublicHealthThreat => &mut self.serious_public_health_threat,
            Question::WorkRelatedFatality => &mut self.work_related_fatality,
            Question::WorkRelatedSevereInjury => &mut self.work_related_severe_injury,
        };
        *slot = answer;
    }

    fn validate(&self) -> Result<(), DomainError> {
        let mut problems = crate::error::Problems::default();
        for (i, code) in self.jurisdictions.iter().flatten().enumerate() {
            let is_country = code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase());
            if !is_country && code != "EU" && code != "EEA" {
                problems.push(
                    format!("jurisdictions[{i}]"),
                    format!("`{code}` is not an ISO 3166-1 alpha-2 code, EU or EEA"),
                );
            }
        }
        problems.into_result()
    }
}

/// When a regime, or one of its deadline rules, applies. Evaluated in three
/// values (Kleene logic) so that an unanswered question yields `unknown`
/// instead of a guess.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[schema(no_recursion)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    /// The question is answered yes.
    Yes(Question),
    Role(OrganisationRole),
    Sector(Sector),
    /// One of the incident's jurisdictions is this code or a member of this
    /// group (see `jurisdiction_groups`).
    Jurisdiction(String),
}

/// One answer that decided a condition, e.g. `death: yes` or `roles: not
/// deployer`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct Finding {
    pub question: String,
    pub answer: String,
}

impl Finding {
    fn new(question: impl Into<String>, answer: impl Into<String>) -> Self {
        Finding {
            question: question.into(),
            answer: answer.into(),
        }
    }
}

/// The outcome of a condition with its evidence: the answers that made it
/// true or false, or the questions left to answer when it is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verdict {
    answer: Answer,
    because: Vec<Finding>,
    unanswered: Vec<String>,
}

impl Verdict {
    fn decided(answer: Answer, because: Vec<Finding>) -> Self {
        Verdict {
            answer,
            because,
            unanswered: vec![],
        }
    }

    fn unanswered(question: impl Into<String>) -> Self {
        Verdict {
            answer: Answer::Unknown,
            because: vec![],
            unanswered: vec![question.into()],
        }
    }
}

impl Condition {
    /// Whether answering `question` can decide this condition.
    pub fn asks(&self, question: Question) -> bool {
        match self {
            Condition::All(parts) | Condition::Any(parts) => {
                parts.iter().any(|part| part.asks(question))
            }
            Condition::Yes(asked) => *asked == question,
            Condition::Role(_) | Condition::Sector(_) | Condition::Jurisdiction(_) => false,
        }
    }

    fn evaluate(&self, questionnaire: &Questionnaire, table: &RegimeTable) -> Verdict {
        match self {
            Condition::All(parts) => combine(parts, questionnaire, table, Answer::No),
            Condition::Any(parts) => combine(parts, questionnaire, table, Answer::Yes),
            Condition::Yes(question) => match questionnaire.answer(*question) {
                Answer::Unknown => Verdict::unanswered(wire_name(question)),
                answer @ Answer::Yes => Verdict::decided(answer, vec![yes_no(*question, "yes")]),
                answer @ Answer::No => Verdict::decided(answer, vec![yes_no(*question, "no")]),
            },
            Condition::Role(role) => membership("roles", questionnaire.roles.as_deref(), role),
            Condition::Sector(sector) => {
                membership("sectors", questionnaire.sectors.as_deref(), sector)
            }
            Condition::Jurisdiction(wanted) => {
                let Some(codes) = &questionnaire.jurisdictions else {
                    return Verdict::unanswered("jurisdictions");
                };
                let members = table.jurisdiction_groups.get(wanted);
                let inside: Vec<Finding> = codes
                    .iter()
                    .filter(|code| *code == wanted || members.is_some_and(|m| m.contains(code)))
                    .map(|code| {
                        let answer = if code == wanted {
                            code.clone()
                        } else {
                            format!("{code} ({wanted})")
                        };
                        Finding::new("jurisdictions", answer)
                    })
                    .collect();
                if inside.is_empty() {
                    Verdict::decided(
                        Answer::No,
                        vec![Finding::new("jurisdictions", format!("none in {wanted}"))],
                    )
                } else {
                    Verdict::decided(Answer::Yes, inside)
                }
            }
        }
    }
}

fn yes_no(question: Question, answer: &str) -> Finding {
    Finding::new(wire_name(&question), answer)
}

fn membership<T: PartialEq + Serialize>(
    question: &str,
    answered: Option<&[T]>,
    wanted: &T,
) -> Verdict {
    let name = wire_name(wanted);
    match answered {
        None => Verdict::unanswered(question),
        Some(list) if list.contains(wanted) => {
            Verdict::decided(Answer::Yes, vec![Finding::new(question, name)])
        }
        Some(_) => Verdict::decided(
            Answer::No,
            vec![Finding::new(question, format!("not {name}"))],
        ),
    }
}

/// `all` is decided by its first `no`, `any` by its first `yes`: that answer
/// is the `decisive` one. Otherwise the parts agree on the other answer, or
/// some are unknown and so is the whole.
fn combine(
    parts: &[Condition],
    questionnaire: &Questionnaire,
    table: &RegimeTable,
    decisive: Answer,
) -> Verdict {
    let verdicts: Vec<Verdict> = parts
        .iter()
        .map(|part| part.evaluate(questionnaire, table))
        .collect();
    let gather = |answer: Answer| -> Vec<Finding> {
        verdicts
            .iter()
            .filter(|v| v.answer == answer)
            .flat_map(|v| v.because.iter().cloned())
            .collect()
    };
    if verdicts.iter().any(|v| v.answer == decisive) {
        return Verdict::decided(decisive, gather(decisive));
    }
    if verdicts.iter().all(|v| v.answer != Answer::Unknown) {
        let other = if decisive == Answer::Yes {
            Answer::No
        } else {
            Answer::Yes
        };
        return Verdict::decided(other, gather(other));
    }
    let unanswered: BTreeSet<String> = verdicts
        .iter()
        .flat_map(|v| v.unanswered.iter().cloned())
        .collect();
    Verdict {
        answer: Answer::Unknown,
        because: vec![],
        unanswered: unanswered.into_iter().collect(),
    }
}

/// How long a report may take once its moment has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Immediately or without undue delay: due the moment its trigger is
    /// recorded, shown as due immediately with the time elapsed since (never
    /// as overdue at once) until it is submitted.
    Immediately,
    /// Elapsed hours, whatever the wall clock does.
    Hours(u32),
    /// The same wall-clock time so many days later in the regime's time zone.
    CalendarDays(u32),
    /// The same wall-clock time on the so-many-th following day that is
    /// neither a weekend, nor a holiday of the regime's calendar, nor a
    /// configured closure.
    WorkingDays(u32),
    /// The same day and time so many months later, clamped to the month's end.
    Months(u32),
}

/// What a deadline rule counts from: an incident moment, or another report
/// of the same regime (its submission, or its due moment while unsubmitted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Anchor {
    Trigger(ClockTrigger),
    Report { report: String },
}

/// One limit on a report; the earliest limit that applies sets the due moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRule {
    /// The regime's `clock_start` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Anchor>,
    pub within: Period,
    /// The rule binds only when this holds; an unknown answer binds it too,
    /// because an unanswered question must never make a clock run later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Binds only once `from` is recorded, not at its D9 default. Used for
    /// "immediately after the causal link, at the latest N days after
    /// awareness": defaulting the causal link to awareness would make every
    /// such report due at once and void the N days the law grants. With a
    /// report as `from`, binds only once that report is submitted: a stage
    /// that follows an earlier one (AI Act Art. 73's follow-up) has no clock
    /// before the earlier one went out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub once_recorded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportType {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub incomplete_allowed: bool,
    /// Other reports of the regime that submitting this one also settles, e.g.
    /// a combined initial-and-final report.
    #[serde(default)]
    pub satisfies: Vec<String>,
    /// Empty when the law sets no fixed period (follow-up reports, reports on
    /// request): such a report has no clock.
    #[serde(default)]
    pub deadline: Vec<DeadlineRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Regime {
    pub id: String,
    pub name: String,
    /// Bumped whenever the entry's meaning changes, so a stored decision can
    /// say which reading of the law it followed.
    pub version: u32,
    pub jurisdiction: String,
    /// The articles the entry follows.
    pub source: String,
    /// Assumptions and simplifications, in words.
    pub notes: String,
    /// Incidents the organisation became aware of before this date are not
    /// covered. Configuration may move it (the AI Act dates have moved).
    #[schema(value_type = Option<String>, format = Date)]
    pub applies_from: Option<Date>,
    /// The incident moment the regime's clock starts from (D9); also the
    /// start of its time-to-notify metric (D12).
    pub clock_start: ClockTrigger,
    /// The holiday calendar its working days skip (`US`, `EU`, `DE` ...),
    /// which configuration may replace; only weekends when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    pub applies_when: Condition,
    pub reports: Vec<ReportType>,
}

impl Regime {
    pub fn report(&self, id: &str) -> Option<&ReportType> {
        self.reports.iter().find(|r| r.id == id)
    }

    /// Whether `question` decides whether the regime applies or when one of
    /// its reports is due.
    pub fn asks(&self, question: Question) -> bool {
        self.applies_when.asks(question)
            || self.reports.iter().any(|report| {
                report
                    .deadline
                    .iter()
                    .filter_map(|rule| rule.when.as_ref())
                    .any(|when| when.asks(question))
            })
    }
}

/// The versioned table of regimes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegimeTable {
    pub version: String,
    /// Named groups of jurisdiction codes, e.g. `EU` to its member states.
    pub jurisdiction_groups: BTreeMap<String, Vec<String>>,
    pub regimes: Vec<Regime>,
}

static BUILTIN: LazyLock<RegimeTable> = LazyLock::new(|| {
    // The file is part of the source and checked by the tests, so a failure
    // here is a build defect, not a runtime condition.
    RegimeTable::from_json(include_str!("regulatory/regimes.json"))
        .unwrap_or_else(|e| panic!("regulatory/regimes.json is invalid: {e}"))
});

impl RegimeTable {
    /// The table shipped with this build.
    pub fn builtin() -> &'static RegimeTable {
        &BUILTIN
    }

    /// Parses and checks a table: unique ids, and references between reports
    /// that point backwards within their regime, so deadlines can be computed
    /// in file order and never chase a cycle.
    pub fn from_json(text: &str) -> Result<RegimeTable, DomainError> {
        let table: RegimeTable =
            serde_json::from_str(text).map_err(|e| DomainError::field("regimes", e.to_string()))?;
        let mut problems = crate::error::Problems::default();
        let calendars = crate::calendar::CalendarTable::builtin();
        let mut regime_ids = BTreeSet::new();
        for (r, regime) in table.regimes.iter().enumerate() {
            if !regime_ids.insert(&regime.id) {
                problems.push(format!("regimes[{r}].id"), "duplicate regime id");
            }
            if let Some(Err(unknown)) = regime.calendar.as_deref().map(|id| calendars.find(id)) {
                problems.push(format!("regimes[{r}].calendar"), unknown.to_string());
            }
            let mut earlier: BTreeSet<&str> = BTreeSet::new();
            for (p, report) in regime.reports.iter().enumerate() {
                let place = format!("regimes[{r}].reports[{p}]");
                for rule in &report.deadline {
                    if let Some(Anchor::Report { report: anchor }) = &rule.from
                        && !earlier.contains(anchor.as_str())
                    {
                        problems.push(
                            format!("{place}.deadline"),
                            format!("`{anchor}` is not a report listed before `{}`", report.id),
                        );
                    }
                }
                for settled in &report.satisfies {
                    if regime.report(settled).is_none() {
                        problems.push(
                            format!("{place}.satisfies"),
                            format!("no report `{settled}` in `{}`", regime.id),
                        );
                    }
                }
                if !earlier.insert(&report.id) {
                    problems.push(format!("{place}.id"), "duplicate report id");
                }
            }
        }
        problems.into_result()?;
        Ok(table)
    }

    pub fn regime(&self, id: &str) -> Option<&Regime> {
        self.regimes.iter().find(|r| r.id == id)
    }

    /// The regime's name as people say it ("GDPR Art. 33"; "Regulator
    /// inquiry" for inquiries' clocks), or its id when the table does not
    /// know it.
    pub fn regime_name<'a>(&'a self, id: &'a str) -> &'a str {
        if id == INQUIRY_REGIME {
            return INQUIRY_REGIME_NAME;
        }
        self.regime(id).map_or(id, |r| r.name.as_str())
    }
}

/// Whether one regime applies to the incident, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegimeDecision {
    pub regime: String,
    pub regime_version: u32,
    pub applies: Answer,
    /// The answers that decided it; empty while it is unknown.
    pub because: Vec<Finding>,
    /// The questions whose answers would decide it, while it is unknown.
    pub unanswered: Vec<String>,
    /// The applicability date in force, after configuration.
    #[schema(value_type = Option<String>, format = Date)]
    pub applies_from: Option<Date>,
}

/// Decides every regime of the table for one incident. `aware_at` places the
/// incident before or after each regime's applicability date, compared as a
/// date in the regime's configured time zone.
pub fn decide_applicability(
    table: &RegimeTable,
    questionnaire: &Questionnaire,
    config: &RegulatoryConfig,
    aware_at: Timestamp,
) -> Result<Vec<RegimeDecision>, DomainError> {
    questionnaire.validate()?;
    let settings = config.resolve(table)?;
    Ok(table
        .regimes
        .iter()
        .map(|regime| {
            let resolved = &settings[regime.id.as_str()];
            let applies_from = resolved.applies_from.or(regime.applies_from);
            let aware_on = aware_at.to_zoned(resolved.time_zone.clone()).date();
            let verdict = match applies_from {
                Some(from) if aware_on < from => Verdict::decided(
                    Answer::No,
                    vec![Finding::new(
                        "aware_at",
                        format!("{aware_on} is before the regime applies ({from})"),
                    )],
                ),
                _ => regime.applies_when.evaluate(questionnaire, table),
            };
            RegimeDecision {
                regime: regime.id.clone(),
                regime_version: regime.version,
                applies: verdict.answer,
                because: verdict.because,
                unanswered: verdict.unanswered,
                applies_from,
            }
        })
        .collect())
}

/// D8: reportable when any regime applies, not reportable when none can,
/// unknown while a regime is undecided.
pub fn reportable(decisions: &[RegimeDecision]) -> Answer {
    if decisions.iter().any(|d| d.applies == Answer::Yes) {
        Answer::Yes
    } else if decisions.iter().all(|d| d.applies == Answer::No) {
        Answer::No
    } else {
        Answer::Unknown
    }
}

#[cfg(test)]
mod tests;
