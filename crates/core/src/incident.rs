//! The incident record and every rule about changing it: declaring, the lifecycle
//! table, the order of timestamps, incident-command roles and field edits.
//!
//! Each operation takes the current record and returns the new record together
//! with the timeline events that explain the change, or a typed refusal. The store
//! writes both in one transaction, so the record and its timeline never disagree.

use crate::error::{DomainError, Problems};
use crate::system::AiSystem;
use crate::timeline::{EventDraft, EventKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::fmt;
use utoipa::ToSchema;

mod impact;
pub use impact::{DetectionSource, ImpactPatch, IncidentImpact, MAX_AMOUNT};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    #[default]
    Real,
    /// A tabletop or live exercise: never counted in metrics.
    Drill,
    /// A test of the tooling itself: never counted in metrics.
    Test,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Critical.
    Sev1,
    /// Major.
    Sev2,
    /// Minor.
    Sev3,
    /// Low.
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Sev1,
        Severity::Sev2,
        Severity::Sev3,
        Severity::Sev4,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Sev1 => "sev1",
            Severity::Sev2 => "sev2",
            Severity::Sev3 => "sev3",
            Severity::Sev4 => "sev4",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Sev1 => "SEV1 Critical",
            Severity::Sev2 => "SEV2 Major",
            Severity::Sev3 => "SEV3 Minor",
            Severity::Sev4 => "SEV4 Low",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HarmCategory {
    SafetyPhysical,
    DiscriminationBias,
    Privacy,
    Financial,
    MisinformationHarmfulContent,
    SecurityAdversarial,
    PerformanceOperational,
    LegalRegulatory,
}

impl HarmCategory {
    pub const ALL: [HarmCategory; 8] = [
        HarmCategory::SafetyPhysical,
        HarmCategory::DiscriminationBias,
        HarmCategory::Privacy,
        HarmCategory::Financial,
        HarmCategory::MisinformationHarmfulContent,
        HarmCategory::SecurityAdversarial,
        HarmCategory::PerformanceOperational,
        HarmCategory::LegalRegulatory,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HarmCategory::SafetyPhysical => "safety_physical",
            HarmCategory::DiscriminationBias => "discrimination_bias",
            HarmCategory::Privacy => "privacy",
            HarmCategory::Financial => "financial",
            HarmCategory::MisinformationHarmfulContent => "misinformation_harmful_content",
            HarmCategory::SecurityAdversarial => "security_adversarial",
            HarmCategory::PerformanceOperational => "performance_operational",
            HarmCategory::LegalRegulatory => "legal_regulatory",
        }
    }
}

/// Lifecycle statuses: Detection → Triage → Containment → Eradication →
/// Recovery → Post-mortem, plus the terminal `declined` and `merged`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Triage,
    Investigating,
    Contained,
    Eradicated,
    Recovered,
    Postmortem,
    Closed,
    Declined,
    Merged,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Triage,
        Status::Investigating,
        Status::Contained,
        Status::Eradicated,
        Status::Recovered,
        Status::Postmortem,
        Status::Closed,
        Status::Declined,
        Status::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Triage => "triage",
            Status::Investigating => "investigating",
            Status::Contained => "contained",
            Status::Eradicated => "eradicated",
            Status::Recovered => "recovered",
            Status::Postmortem => "postmortem",
            Status::Closed => "closed",
            Status::Declined => "declined",
            Status::Merged => "merged",
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(self, Status::Closed | Status::Declined | Status::Merged)
    }

    /// The one lifecycle table. Containment may come straight from triage (D5);
    /// a closed incident may be reopened with a reason; declined and merged are
    /// terminal.
    pub fn allowed_next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Triage => &[Investigating, Contained, Declined, Merged],
            Investigating => &[Contained, Declined, Merged],
            Contained => &[Eradicated, Recovered, Merged],
            Eradicated => &[Recovered],
            Recovered => &[Postmortem, Closed],
            Postmortem => &[Closed],
            Closed => &[Investigating],
            Declined | Merged => &[],
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! parse_by_name {
    ($type:ty, $what:literal) => {
        impl std::str::FromStr for $type {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$type>::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| {
                        let names: Vec<_> = <$type>::ALL.iter().map(|v| v.as_str()).collect();
                        format!(
                            concat!("unknown ", $what, " `{}`, expected one of {}"),
                            s,
                            names.join(", ")
                        )
                    })
            }
        }
    };
}
parse_by_name!(Status, "status");
parse_by_name!(Severity, "severity");
parse_by_name!(HarmCategory, "harm category");
parse_by_name!(TimeField, "timestamp field");
parse_by_name!(CommandRole, "incident role");

/// The separately editable moments of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeField {
    ImpactStartedAt,
    DetectedAt,
    AwareAt,
    DeclaredAt,
    AcknowledgedAt,
    ContainedAt,
    EradicatedAt,
    RecoveredAt,
    ClosedAt,
}

impl TimeField {
    pub const ALL: [TimeField; 9] = [
        TimeField::ImpactStartedAt,
        TimeField::DetectedAt,
        TimeField::AwareAt,
        TimeField::DeclaredAt,
        TimeField::AcknowledgedAt,
        TimeField::ContainedAt,
        TimeField::EradicatedAt,
        TimeField::RecoveredAt,
        TimeField::ClosedAt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TimeField::ImpactStartedAt => "impact_started_at",
            TimeField::DetectedAt => "detected_at",
            TimeField::AwareAt => "aware_at",
            TimeField::DeclaredAt => "declared_at",
            TimeField::AcknowledgedAt => "acknowledged_at",
            TimeField::ContainedAt => "contained_at",
            TimeField::EradicatedAt => "eradicated_at",
            TimeField::RecoveredAt => "recovered_at",
            TimeField::ClosedAt => "closed_at",
        }
    }

    /// The moment in words, for people.
    pub fn label(self) -> &'static str {
        match self {
            TimeField::ImpactStartedAt => "Impact started",
            TimeField::DetectedAt => "Detected",
            TimeField::AwareAt => "Aware (regulatory)",
            TimeField::DeclaredAt => "Declared",
            TimeField::AcknowledgedAt => "Acknowledged",
            TimeField::ContainedAt => "Contained",
            TimeField::EradicatedAt => "Eradicated",
            TimeField::RecoveredAt => "Recovered",
            TimeField::ClosedAt => "Closed",
        }
    }
}

/// Chains of moments that must not run backwards. Each chain is checked for
/// every pair of set fields, so a gap (say, no eradication) does not hide an
/// inversion around it.
const ORDER_CHAINS: &[&[TimeField]] = {
    use TimeField::*;
    &[
        &[
            ImpactStartedAt,
            DetectedAt,
            ContainedAt,
            EradicatedAt,
            RecoveredAt,
            ClosedAt,
        ],
        &[DetectedAt, AcknowledgedAt, ClosedAt],
        &[DetectedAt, DeclaredAt, ClosedAt],
        &[ImpactStartedAt, AwareAt],
    ]
};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Timestamps {
    #[schema(value_type = Option<String>, format = DateTime)]
    pub impact_started_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub detected_at: Option<Timestamp>,
    /// When the organisation became aware: starts regulatory clocks.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub aware_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub declared_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub contained_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub eradicated_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub recovered_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<Timestamp>,
}

impl Timestamps {
    pub fn get(&self, field: TimeField) -> Option<Timestamp> {
        match field {
            TimeField::ImpactStartedAt => self.impact_started_at,
            TimeField::DetectedAt => self.detected_at,
            TimeField::AwareAt => self.aware_at,
            TimeField::DeclaredAt => self.declared_at,
            TimeField::AcknowledgedAt => self.acknowledged_at,
            TimeField::ContainedAt => self.contained_at,
            TimeField::EradicatedAt => self.eradicated_at,
            TimeField::RecoveredAt => self.recovered_at,
            TimeField::ClosedAt => self.closed_at,
        }
    }

    fn slot(&mut self, field: TimeField) -> &mut Option<Timestamp> {
        match field {
            TimeField::ImpactStartedAt => &mut self.impact_started_at,
            TimeField::DetectedAt => &mut self.detected_at,
            TimeField::AwareAt => &mut self.aware_at,
            TimeField::DeclaredAt => &mut self.declared_at,
            TimeField::AcknowledgedAt => &mut self.acknowledged_at,
            TimeField::ContainedAt => &mut self.contained_at,
            TimeField::EradicatedAt => &mut self.eradicated_at,
            TimeField::RecoveredAt => &mut self.recovered_at,
            TimeField::ClosedAt => &mut self.closed_at,
        }
    }

    /// Refuses an order that runs backwards, naming `edited` when it is one of
    /// the pair (the field the person just touched), else the later field.
    pub fn validate_order(
        &self,
        edited: Option<TimeField>,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let mut problems = Problems::default();
        for field in TimeField::ALL {
            if let Some(at) = self.get(field)
                && at > now
            {
                problems.push(field.as_str(), format!("{at} is in the future"));
            }
        }
        for chain in ORDER_CHAINS {
            for (i, &earlier) in chain.iter().enumerate() {
                for &later in &chain[i + 1..] {
                    let (Some(a), Some(b)) = (self.get(earlier), self.get(later)) else {
                        continue;
                    };
                    if a > b {
                        let named = if edited == Some(earlier) {
                            earlier
                        } else {
                            later
                        };
                        problems.push(
                            named.as_str(),
                            format!(
                                "{} ({b}) must not be before {} ({a})",
                                later.as_str(),
                                earlier.as_str()
                            ),
                        );
                    }
                }
            }
        }
        problems.into_result()
    }
}

/// Whether the incident must be reported to a regulator (D8). The applicability
/// questionnaire sets it; until then containment treats `unknown` as `yes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Reportable {
    #[default]
    Unknown,
    Yes,
    No,
}

/// Incident Command System roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommandRole {
    Commander,
    CommunicationsLead,
    Scribe,
    MlLead,
    LegalLiaison,
    Participant,
    Observer,
}

impl CommandRole {
    pub const ALL: [CommandRole; 7] = [
        CommandRole::Commander,
        CommandRole::CommunicationsLead,
        CommandRole::Scribe,
        CommandRole::MlLead,
        CommandRole::LegalLiaison,
        CommandRole::Participant,
        CommandRole::Observer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommandRole::Commander => "commander",
            CommandRole::CommunicationsLead => "communications_lead",
            CommandRole::Scribe => "scribe",
            CommandRole::MlLead => "ml_lead",
            CommandRole::LegalLiaison => "legal_liaison",
            CommandRole::Participant => "participant",
            CommandRole::Observer => "observer",
        }
    }

    /// Participants and observers are many; every other role has one holder,
    /// so assigning it is a handover.
    pub fn is_single(self) -> bool {
        !matches!(self, CommandRole::Participant | CommandRole::Observer)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleAssignment {
    pub role: CommandRole,
    pub user: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Incident {
    pub number: u64,
    pub title: String,
    pub summary: String,
    pub kind: IncidentKind,
    pub status: Status,
    pub severity: Severity,
    pub severity_rationale: String,
    pub systems: Vec<String>,
    pub model_versions: Vec<String>,
    pub harms: Vec<HarmCategory>,
    pub people_affected: Option<u64>,
    pub tags: Vec<String>,
    pub times: Timestamps,
    pub roles: Vec<RoleAssignment>,
    /// The incident this one was merged into, when `status` is `merged`.
    pub merged_into: Option<u64>,
    #[serde(default)]
    pub reportable: Reportable,
    // The fields below came later: left out of a record while unset, so
    // that records sealed before them read back to the same text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detection_source: Option<DetectionSource>,
    #[serde(default, skip_serializing_if = "IncidentImpact::is_empty")]
    pub impact: IncidentImpact,
    /// The newest severity rubric assessment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_assessment: Option<crate::severity::SeverityAssessment>,
    /// The earlier incident this one is a recurrence of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_of: Option<u64>,
}

/// The public id, `INC-<n>` (D4).
pub fn public_id(number: u64) -> String {
    format!("INC-{number}")
}

/// Parses `INC-7`, `inc-7` or `7`.
pub fn parse_public_id(id: &str) -> Result<u64, String> {
    let digits = id
        .strip_prefix("INC-")
        .or_else(|| id.strip_prefix("inc-"))
        .unwrap_or(id);
    // `u64::from_str` alone would take a sign: `INC-+7` is not an id.
    Some(digits)
        .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<u64>().ok())
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`{id}` is not an incident id, expected INC-<number>"))
}

/// How an incident came to be declared (D7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeclaredBy {
    #[default]
    Human,
    Alert,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareIncident {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub kind: IncidentKind,
    pub severity: Severity,
    #[serde(default)]
    pub severity_rationale: String,
    pub systems: Vec<String>,
    #[serde(default)]
    pub model_versions: Vec<String>,
    #[serde(default)]
    pub harms: Vec<HarmCategory>,
    #[serde(default)]
    pub people_affected: Option<u64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(default)]
    pub impact_started_at: Option<Timestamp>,
    /// Defaults to the time of declaring.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(default)]
    pub detected_at: Option<Timestamp>,
    /// Defaults to `detected_at`: the earlier, conservative start of the clocks.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(default)]
    pub aware_at: Option<Timestamp>,
    #[serde(default)]
    pub declared_by: DeclaredBy,
    /// Who or what found it; set from the alert when an alert declares.
    #[serde(default)]
    pub detection_source: Option<DetectionSource>,
}

/// A partial edit of the descriptive fields. Changing the severity needs a new
/// rationale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub severity: Option<Severity>,
    pub severity_rationale: Option<String>,
    pub systems: Option<Vec<String>>,
    pub model_versions: Option<Vec<String>>,
    pub harms: Option<Vec<HarmCategory>>,
    pub people_affected: Option<u64>,
    pub tags: Option<Vec<String>>,
    pub reportable: Option<Reportable>,
    pub detection_source: Option<DetectionSource>,
    pub impact: Option<ImpactPatch>,
}

/// The result of a domain operation: the new record and why it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub incident: Incident,
    pub events: Vec<EventDraft>,
}

fn validate_references(
    systems: &[String],
    model_versions: &[String],
    inventory: &[AiSystem],
    problems: &mut Problems,
) {
    if systems.is_empty() {
        problems.push("systems", "name at least one affected system");
    }
    for (i, slug) in systems.iter().enumerate() {
        if !inventory.iter().any(|s| &s.slug == slug) {
            problems.push(format!("systems[{i}]"), format!("unknown system `{slug}`"));
        }
    }
    for (i, version) in model_versions.iter().enumerate() {
        let known = inventory
            .iter()
            .filter(|s| systems.contains(&s.slug))
            .any(|s| {
                s.details
                    .model_versions
                    .iter()
                    .any(|m| &m.version == version)
            });
        if !known {
            problems.push(
                format!("model_versions[{i}]"),
                format!("`{version}` is not a model version of the affected systems"),
            );
        }
    }
}

/// Declares a new incident numbered `number`. `inventory` is every registered
/// system, to check the affected systems and model versions against.
pub fn declare(
    input: DeclareIncident,
    number: u64,
    actor: &str,
    inventory: &[AiSystem],
    now: Timestamp,
) -> Result<Change, DomainError> {
    let mut problems = Problems::default();
    if input.title.trim().is_empty() {
        problems.push("title", "must not be empty");
    }
    if input.declared_by == DeclaredBy::Human && input.severity_rationale.trim().is_empty() {
        problems.push("severity_rationale", "say why this severity was chosen");
    }
    validate_references(
        &input.systems,
        &input.model_versions,
        inventory,
        &mut problems,
    );
    problems.into_result()?;

    let detected_at = input.detected_at.unwrap_or(now);
    let times = Timestamps {
        impact_started_at: input.impact_started_at,
        detected_at: Some(detected_at),
        aware_at: Some(input.aware_at.unwrap_or(detected_at)),
        declared_at: Some(now),
        ..Timestamps::default()
    };
    times.validate_order(None, now)?;
    let incident = Incident {
        number,
        title: input.title.trim().to_string(),
        summary: input.summary,
        kind: input.kind,
        status: Status::Triage,
        severity: input.severity,
        severity_rationale: input.severity_rationale,
        systems: input.systems,
        model_versions: input.model_versions,
        harms: dedup(input.harms),
        people_affected: input.people_affected,
        tags: dedup(input.tags),
        times,
        roles: vec![],
        merged_into: None,
        reportable: Reportable::Unknown,
        detection_source: input.detection_source,
        impact: IncidentImpact::default(),
        severity_assessment: None,
        recurrence_of: None,
    };
    let body = json!({ "incident": incident, "declared_by": input.declared_by });
    Ok(Change {
        events: vec![EventDraft::by(actor, EventKind::Declared, now, body)],
        incident,
    })
}

fn dedup<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

/// A request to move an incident along its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    pub to: Status,
    /// Required to reopen a closed incident.
    #[serde(default)]
    pub reason: Option<String>,
    /// When it happened, if earlier than now.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
    /// The surviving incident, required when merging.
    #[serde(default)]
    pub merged_into: Option<u64>,
    /// Closes a real SEV1/SEV2 incident without an approved post-mortem
    /// (admins only, D6); recorded on the timeline.
    #[serde(default)]
    pub override_reason: Option<String>,
}

impl Incident {
    pub fn public_id(&self) -> String {
        public_id(self.number)
    }

    pub fn holder(&self, role: CommandRole) -> Option<&str> {
        self.roles
            .iter()
            .find(|a| a.role == role)
            .map(|a| a.user.as_str())
    }

    pub fn transition(
        &self,
        request: TransitionRequest,
        actor: &str,
        now: Timestamp,
    ) -> Result<Change, DomainError> {
        let from = self.status;
        let to = request.to;
        if !from.allowed_next().contains(&to) {
            let allowed: Vec<String> = from.allowed_next().iter().map(|s| s.to_string()).collect();
            let message = if allowed.is_empty() {
                format!("{} is {from}, which is final", self.public_id())
            } else {
                format!(
                    "{} cannot go from {from} to {to}; allowed: {}",
                    self.public_id(),
                    allowed.join(", ")
                )
            };
            return Err(DomainError::Conflict { message, allowed });
        }
        let reason = request.reason.filter(|r| !r.trim().is_empty());
        if from == Status::Closed && reason.is_none() {
            return Err(DomainError::field(
                "reason",
                "reopening a closed incident needs a reason",
            ));
        }
        if to == Status::Declined && reason.is_none() {
            return Err(DomainError::field(
                "reason",
                "declining an incident needs a reason",
            ));
        }
        if to == Status::Merged {
            match request.merged_into {
                None => {
                    return Err(DomainError::field(
                        "merged_into",
                        "name the incident to merge into",
                    ));
                }
                Some(n) if n == self.number => {
                    return Err(DomainError::field(
                        "merged_into",
                        "an incident cannot merge into itself",
                    ));
                }
                Some(_) => {}
            }
        }
        let at = request.occurred_at.unwrap_or(now);
        let mut next = self.clone();
        next.status = to;
        next.merged_into = if to == Status::Merged {
            request.merged_into
        } else {
            None
        };
        let mut events = vec![EventDraft::by(
            actor,
            EventKind::StatusChanged,
            at,
            json!({ "from": from, "to": to, "reason": reason, "merged_into": next.merged_into }),
        )];
        let mut stamp = |field: TimeField, overwrite: bool| {
            let slot = next.times.slot(field);
            if slot.is_none() || overwrite {
                let old = *slot;
                *slot = Some(at);
                events.push(time_event(
                    field,
                    old,
                    Some(at),
                    at,
                    actor,
                    "set by status change",
                ));
            }
        };
        if from == Status::Triage {
            stamp(TimeField::AcknowledgedAt, false);
        }
        match to {
            Status::Contained => stamp(TimeField::ContainedAt, false),
            Status::Eradicated => stamp(TimeField::EradicatedAt, false),
            Status::Recovered => stamp(TimeField::RecoveredAt, false),
            Status::Closed | Status::Declined | Status::Merged => stamp(TimeField::ClosedAt, true),
            _ => {}
        }
        if from == Status::Closed {
            let old = next.times.closed_at.take();
            events.push(time_event(
                TimeField::ClosedAt,
                old,
                None,
                at,
                actor,
                "cleared by reopening",
            ));
        }
        next.times.validate_order(None, now)?;
        Ok(Change {
            incident: next,
            events,
        })
    }

    pub fn set_time(
        &self,
        field: TimeField,
        value: Option<Timestamp>,
        reason: Option<String>,
        actor: &str,
        now: Timestamp,
    ) -> Result<Change, DomainError> {
        if field == TimeField::DeclaredAt && value.is_none() {
            return Err(DomainError::field("declared_at", "cannot be cleared"));
        }
        let mut next = self.clone();
        let old = std::mem::replace(next.times.slot(field), value);
        if old == value {
            return Err(DomainError::field(field.as_str(), "already has this value"));
        }
        next.times.validate_order(Some(field), now)?;
        let why = reason.unwrap_or_default();
        Ok(Change {
            incident: next,
            events: vec![time_event(field, old, value, now, actor, &why)],
        })
    }

    /// Gives `role` to `user`, or takes it away when `user` is `None`. For a
    /// single-holder role the previous holder is replaced: a handover.
    pub fn assign(
        &self,
        role: CommandRole,
        user: Option<String>,
        actor: &str,
        now: Timestamp,
    ) -> Result<Change, DomainError> {
        let mut next = self.clone();
        let previous: Vec<String> = next
            .roles
            .iter()
            .filter(|a| a.role == role)
            .map(|a| a.user.clone())
            .collect();
        match &user {
            Some(name) if role.is_single() => {
                if previous == [name.clone()] {
                    return Err(DomainError::field(
                        "user",
                        format!("{name} already holds {}", role.as_str()),
                    ));
                }
                next.roles.retain(|a| a.role != role);
                next.roles.push(RoleAssignment {
                    role,
                    user: name.clone(),
                });
            }
            Some(name) => {
                if previous.contains(name) {
                    return Err(DomainError::field(
                        "user",
                        format!("{name} is already {}", role.as_str()),
                    ));
                }
                next.roles.push(RoleAssignment {
                    role,
                    user: name.clone(),
                });
            }
            None if previous.is_empty() => {
                return Err(DomainError::field(
                    "role",
                    format!("nobody holds {}", role.as_str()),
                ));
            }
            None => next.roles.retain(|a| a.role != role),
        }
        let mut events = vec![EventDraft::by(
            actor,
            EventKind::RoleChanged,
            now,
            json!({ "role": role, "from": previous, "to": user }),
        )];
        if role == CommandRole::Commander && user.is_some() && next.times.acknowledged_at.is_none()
        {
            next.times.acknowledged_at = Some(now);
            events.push(time_event(
                TimeField::AcknowledgedAt,
                None,
                Some(now),
                now,
                actor,
                "set when a commander took the incident",
            ));
        }
        Ok(Change {
            incident: next,
            events,
        })
    }

    /// Removes one participant or observer (many-holder roles).
    pub fn unassign_user(
        &self,
        role: CommandRole,
        user: &str,
        actor: &str,
        now: Timestamp,
    ) -> Result<Change, DomainError> {
        let mut next = self.clone();
        let before = next.roles.len();
        next.roles.retain(|a| !(a.role == role && a.user == user));
        if next.roles.len() == before {
            return Err(DomainError::field(
                "user",
                format!("{user} is not {}", role.as_str()),
            ));
        }
        Ok(Change {
            incident: next,
            events: vec![EventDraft::by(
                actor,
                EventKind::RoleChanged,
                now,
                json!({ "role": role, "from": [user], "to": null }),
            )],
        })
    }

    /// An event Firebreak itself records on the incident (an alert linked, a
    /// webhook attempt), leaving the record as it is.
    pub fn record_event(&self, kind: EventKind, body: Value, actor: &str, at: Timestamp) -> Change {
        Change {
            incident: self.clone(),
            events: vec![EventDraft::by(actor, kind, at, body)],
        }
    }

    /// A free-text timeline entry: note, decision, action taken, communication,
    /// finding or evidence reference.
    pub fn add_entry(
        &self,
        kind: EventKind,
        text: &str,
        occurred_at: Option<Timestamp>,
        actor: &str,
        now: Timestamp,
    ) -> Result<Change, DomainError> {
        if !EventKind::ENTRIES.contains(&kind) {
            return Err(DomainError::field(
                "kind",
                format!(
                    "`{}` is recorded by Firebreak itself, not written by hand",
                    kind.as_str()
                ),
            ));
        }
        if text.trim().is_empty() {
            return Err(DomainError::field("text", "must not be empty"));
        }
        let at = occurred_at.unwrap_or(now);
        if at > now {
            return Err(DomainError::field(
                "occurred_at",
                format!("{at} is in the future"),
            ));
        }
        Ok(Change {
            incident: self.clone(),
            events: vec![EventDraft::by(actor, kind, at, json!({ "text": text }))],
        })
    }

    pub fn edit(
        &self,
        patch: IncidentPatch,
        actor: &str,
        inventory: &[AiSystem],
        now: Timestamp,
    ) -> Result<Change, DomainError> {
        let mut next = self.clone();
        let mut problems = Problems::default();
        if let Some(title) = &patch.title
            && title.trim().is_empty()
        {
            problems.push("title", "must not be empty");
        }
        let severity_changes = patch.severity.is_some_and(|s| s != self.severity);
        let rationale = patch
            .severity_rationale
            .clone()
            .filter(|r| !r.trim().is_empty());
        if severity_changes && rationale.is_none() {
            problems.push("severity_rationale", "a new severity needs a rationale");
        }
        let systems = patch
            .systems
            .clone()
            .unwrap_or_else(|| self.systems.clone());
        let versions = patch
            .model_versions
            .clone()
            .unwrap_or_else(|| self.model_versions.clone());
        if patch.systems.is_some() || patch.model_versions.is_some() {
            validate_references(&systems, &versions, inventory, &mut problems);
        }
        let impact = patch.impact.as_ref().map(|p| {
            p.apply(
                &self.impact,
                &|slug| inventory.iter().any(|s| s.slug == slug),
                &mut problems,
            )
        });
        problems.into_result()?;

        let mut events = Vec::new();
        let mut record = |field: &str, old: Value, new: Value| {
            if old != new {
                events.push(EventDraft::by(
                    actor,
                    EventKind::FieldChanged,
                    now,
                    json!({ "field": field, "from": old, "to": new }),
                ));
            }
        };
        if let Some(v) = patch.title {
            record("title", json!(next.title), json!(v.trim()));
            next.title = v.trim().to_string();
        }
        if let Some(v) = patch.summary {
            record("summary", json!(next.summary), json!(v));
            next.summary = v;
        }
        if let Some(v) = patch.severity {
            record("severity", json!(next.severity), json!(v));
            next.severity = v;
        }
        if let Some(v) = rationale {
            record(
                "severity_rationale",
                json!(next.severity_rationale),
                json!(v),
            );
            next.severity_rationale = v;
        }
        if patch.systems.is_some() {
            record("systems", json!(next.systems), json!(systems));
            next.systems = systems;
        }
        if patch.model_versions.is_some() {
            record(
                "model_versions",
                json!(next.model_versions),
                json!(versions),
            );
            next.model_versions = versions;
        }
        if let Some(v) = patch.harms {
            let v = dedup(v);
            record("harms", json!(next.harms), json!(v));
            next.harms = v;
        }
        if let Some(v) = patch.people_affected {
            record("people_affected", json!(next.people_affected), json!(v));
            next.people_affected = Some(v);
        }
        if let Some(v) = patch.tags {
            let v = dedup(v);
            record("tags", json!(next.tags), json!(v));
            next.tags = v;
        }
        if let Some(v) = patch.reportable {
            record("reportable", json!(next.reportable), json!(v));
            next.reportable = v;
        }
        if let Some(v) = patch.detection_source {
            record("detection_source", json!(next.detection_source), json!(v));
            next.detection_source = Some(v);
        }
        if let Some(v) = impact {
            let (old, new) = (json!(next.impact), json!(v));
            let keys: std::collections::BTreeSet<&String> = old
                .as_object()
                .into_iter()
                .chain(new.as_object())
                .flat_map(|o| o.keys())
                .collect();
            for key in keys {
                record(&format!("impact.{key}"), old[key].clone(), new[key].clone());
            }
            next.impact = v;
        }
        if events.is_empty() {
            return Err(DomainError::field("patch", "changes nothing"));
        }
        Ok(Change {
            incident: next,
            events,
        })
    }
}

fn time_event(
    field: TimeField,
    old: Option<Timestamp>,
    new: Option<Timestamp>,
    at: Timestamp,
    actor: &str,
    reason: &str,
) -> EventDraft {
    EventDraft::by(
        actor,
        EventKind::TimeChanged,
        at,
        json!({ "field": field, "from": old, "to": new, "reason": reason }),
    )
}

#[cfg(test)]
mod tests;
