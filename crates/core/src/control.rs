//! Containment that production reads: the control state of each AI system
//! (normal, disabled, human review, a named fallback, or a pinned known-good
//! version), and the rules for changing it from an incident.
//!
//! Drills and tests act on a separate namespace (D11), so serving code that
//! reads the production namespace never sees an exercise. Every change bumps a
//! per-system version that clients use as an ETag.

use crate::error::DomainError;
use crate::incident::{Change, Incident, IncidentKind, Reportable, Status, TimeField};
use crate::system::AiSystem;
use crate::timeline::{EventDraft, EventKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Namespace {
    #[default]
    Production,
    /// Where drills and tests act, never read by production serving code.
    Drill,
}

impl Namespace {
    pub fn as_str(self) -> &'static str {
        match self {
            Namespace::Production => "production",
            Namespace::Drill => "drill",
        }
    }

    pub fn for_incident(kind: IncidentKind) -> Namespace {
        match kind {
            IncidentKind::Real => Namespace::Production,
            IncidentKind::Drill | IncidentKind::Test => Namespace::Drill,
        }
    }
}

impl std::str::FromStr for Namespace {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "production" => Ok(Namespace::Production),
            "drill" => Ok(Namespace::Drill),
            _ => Err(format!(
                "unknown namespace `{s}`, expected production or drill"
            )),
        }
    }
}

/// What serving code should do with the system's decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum ControlMode {
    /// Serve as usual.
    #[default]
    Normal,
    /// Make no decisions with the model at all.
    Disabled,
    /// Send every decision to a person before it takes effect.
    HumanReview,
    /// Use a named fallback instead of the model, e.g. `rules-v3`.
    Fallback { fallback: String },
    /// Serve this known-good model version.
    PinnedVersion { model_version: String },
}

impl ControlMode {
    pub fn name(&self) -> &'static str {
        match self {
            ControlMode::Normal => "normal",
            ControlMode::Disabled => "disabled",
            ControlMode::HumanReview => "human_review",
            ControlMode::Fallback { .. } => "fallback",
            ControlMode::PinnedVersion { .. } => "pinned_version",
        }
    }
}

/// The state serving code reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ControlState {
    pub system: String,
    pub namespace: Namespace,
    #[serde(flatten)]
    pub mode: ControlMode,
    pub reason: String,
    /// The incident whose containment set this state.
    pub incident: Option<String>,
    pub changed_by: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub changed_at: Option<Timestamp>,
    /// Increases by one with every change; the ETag of the read endpoint.
    pub version: u64,
}

impl ControlState {
    /// The state of a system nobody has touched yet.
    pub fn initial(system: &str, namespace: Namespace) -> ControlState {
        ControlState {
            system: system.to_string(),
            namespace,
            mode: ControlMode::Normal,
            reason: String::new(),
            incident: None,
            changed_by: String::new(),
            changed_at: None,
            version: 0,
        }
    }
}

/// Whether evidence was preserved before altering a system under investigation
/// (EU AI Act Art. 73(6)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum EvidenceDecision {
    /// Evidence was preserved first; say where (an evidence id, a snapshot path).
    Preserved { reference: String },
    /// The explicit decision not to, with its reason.
    NotPreserved { reason: String },
}

/// A containment action on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContainmentRequest {
    pub system: String,
    /// The mode to set: `normal` is the explicit restore.
    #[serde(flatten)]
    pub mode: ControlMode,
    pub reason: String,
    #[serde(default)]
    pub evidence: Option<EvidenceDecision>,
}

/// Whether the change alters the system in a way that could affect an
/// investigation: a different model or logic answers. Stopping it, or putting a
/// person in the loop, does not.
fn alters_system(from: &ControlMode, to: &ControlMode) -> bool {
    let changes_logic = |m: &ControlMode| {
        matches!(
            m,
            ControlMode::Fallback { .. } | ControlMode::PinnedVersion { .. }
        )
    };
    changes_logic(to) || (changes_logic(from) && *to == ControlMode::Normal)
}

/// Applies a containment action: the incident's new record and events, and the
/// system's new control state. Containment from triage or investigating moves
/// the incident to contained and stamps `contained_at` (D5).
pub fn contain(
    incident: &Incident,
    request: &ContainmentRequest,
    system: &AiSystem,
    current: &ControlState,
    actor: &str,
    now: Timestamp,
) -> Result<(Change, ControlState), DomainError> {
    if !incident.status.is_open() {
        return Err(DomainError::Conflict {
            message: format!(
                "{} is {}; containment acts on open incidents",
                incident.public_id(),
                incident.status
            ),
            allowed: vec![],
        });
    }
    if !incident.systems.contains(&request.system) {
        return Err(DomainError::field(
            "system",
            format!(
                "`{}` is not an affected system of {}",
                request.system,
                incident.public_id()
            ),
        ));
    }
    if request.reason.trim().is_empty() {
        return Err(DomainError::field("reason", "say why"));
    }
    validate_mode(system, &request.mode)?;
    if current.mode == request.mode {
        return Err(DomainError::field(
            "mode",
            format!("{} is already {}", system.slug, request.mode.name()),
        ));
    }
    let reportable = incident.reportable != Reportable::No;
    if reportable && alters_system(&current.mode, &request.mode) && request.evidence.is_none() {
        return Err(DomainError::field(
            "evidence",
            "this change alters a system under a possibly reportable incident: record that evidence was preserved \
             first, or the decision not to (EU AI Act Art. 73(6))",
        ));
    }
    let namespace = Namespace::for_incident(incident.kind);
    let after = ControlState {
        system: request.system.clone(),
        namespace,
        mode: request.mode.clone(),
        reason: request.reason.trim().to_string(),
        incident: Some(incident.public_id()),
        changed_by: actor.to_string(),
        changed_at: Some(now),
        version: current.version + 1,
    };
    let mut next = incident.clone();
    let mut events = vec![EventDraft {
        kind: EventKind::ContainmentAction,
        occurred_at: now,
        actor: actor.to_string(),
        body: json!({ "system": request.system, "namespace": namespace, "before": current, "after": after, "evidence": request.evidence }),
    }];
    if request.mode != ControlMode::Normal
        && matches!(incident.status, Status::Triage | Status::Investigating)
    {
        next.status = Status::Contained;
        events.push(EventDraft {
            kind: EventKind::StatusChanged,
            occurred_at: now,
            actor: actor.to_string(),
            body: json!({ "from": incident.status, "to": Status::Contained, "reason": "containment action", "merged_into": null }),
        });
        if next.times.acknowledged_at.is_none() {
            next.times.acknowledged_at = Some(now);
            events.push(time_set(TimeField::AcknowledgedAt, now, actor));
        }
        if next.times.contained_at.is_none() {
            next.times.contained_at = Some(now);
            events.push(time_set(TimeField::ContainedAt, now, actor));
        }
    }
    Ok((
        Change {
            incident: next,
            events,
        },
        after,
    ))
}

/// A change made outside any incident (`firebreak control set`), e.g. restoring
/// a system after the incident closed. It needs a reason and obeys the same
/// rule for pinned versions.
pub fn change_directly(
    system: &AiSystem,
    current: &ControlState,
    mode: ControlMode,
    reason: &str,
    actor: &str,
    now: Timestamp,
) -> Result<ControlState, DomainError> {
    if reason.trim().is_empty() {
        return Err(DomainError::field("reason", "say why"));
    }
    validate_mode(system, &mode)?;
    if current.mode == mode {
        return Err(DomainError::field(
            "mode",
            format!("{} is already {}", system.slug, mode.name()),
        ));
    }
    Ok(ControlState {
        system: system.slug.clone(),
        namespace: current.namespace,
        mode,
        reason: reason.trim().to_string(),
        incident: None,
        changed_by: actor.to_string(),
        changed_at: Some(now),
        version: current.version + 1,
    })
}

fn validate_mode(system: &AiSystem, mode: &ControlMode) -> Result<(), DomainError> {
    match mode {
        ControlMode::Fallback { fallback } if fallback.trim().is_empty() => {
            Err(DomainError::field("fallback", "name the fallback"))
        }
        ControlMode::PinnedVersion {
            model_version: version,
        } => {
            match system
                .details
                .model_versions
                .iter()
                .find(|m| &m.version == version)
            {
                None => Err(DomainError::field(
                    "version",
                    format!("`{version}` is not a model version of {}", system.slug),
                )),
                Some(m) if !m.known_good => Err(DomainError::field(
                    "version",
                    format!("`{version}` is not marked known-good"),
                )),
                Some(_) => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

fn time_set(field: TimeField, at: Timestamp, actor: &str) -> EventDraft {
    EventDraft {
        kind: EventKind::TimeChanged,
        occurred_at: at,
        actor: actor.to_string(),
        body: json!({ "field": field, "from": null, "to": at, "reason": "set by containment action" }),
    }
}

/// The event on the control state's own chain for a change.
pub fn control_event(
    before: &ControlState,
    after: &ControlState,
    actor: &str,
    now: Timestamp,
) -> EventDraft {
    EventDraft {
        kind: EventKind::ControlChanged,
        occurred_at: now,
        actor: actor.to_string(),
        body: json!({ "before": before, "after": after }),
    }
}

/// The stream of a system's control state in a namespace.
pub fn control_stream(namespace: Namespace, system: &str) -> String {
    format!("control:{}:{system}", namespace.as_str())
}

#[cfg(test)]
mod tests;
