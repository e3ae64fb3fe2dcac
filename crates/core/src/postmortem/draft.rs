//! Draft assembly: a first post-mortem from what Firebreak already knows, so
//! people write only what the record cannot say.
//!
//! Pinned by default are the events that tell the story: the declaration,
//! status changes, containment actions, control changes, linked alerts, and
//! the decisions and findings responders wrote. Notes, field edits, role
//! changes, webhook attempts and RCA saves stay on the full timeline only.

use super::{
    Appendix, ContainmentStep, Detection, EvidenceRef, ForensicFinding, Impact, PinnedEvent,
    PostMortem, PostMortemStatus, Response, RootCause,
};
use crate::action::ActionItem;
use crate::cause::CauseSummary;
use crate::change::PriorChange;
use crate::incident::Incident;
use crate::metrics::incident_durations;
use crate::timeline::{Event, EventKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Everything a draft is assembled from. The server gathers it: the rca
/// crate's `CauseStatement` becomes a [`CauseSummary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DraftInput {
    pub incident: Incident,
    /// The incident's timeline, in sequence order.
    pub events: Vec<Event>,
    pub causes: Option<CauseSummary>,
    /// Action items already proposed, referring to root causes as `rc-<n>`
    /// in the order of `causes.root_causes`.
    pub action_items: Vec<ActionItem>,
    pub findings: Vec<ForensicFinding>,
    pub evidence: Vec<EvidenceRef>,
    /// What changed on the affected systems and upstream before the
    /// incident began, nearest first.
    pub changes_before: Vec<PriorChange>,
    pub template: String,
}

fn pinned_by_default(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Declared
            | EventKind::StatusChanged
            | EventKind::ContainmentAction
            | EventKind::ControlChanged
            | EventKind::AlertLinked
            | EventKind::Decision
            | EventKind::Finding
    )
}

/// Fills every section the data allows and leaves the rest `None` (to do).
pub fn draft(input: DraftInput) -> PostMortem {
    let incident = &input.incident;
    let metrics = incident_durations(incident);
    let summary = Some(incident.summary.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let declared_by_alert = input
        .events
        .iter()
        .any(|e| e.kind == EventKind::Declared && e.body["declared_by"].as_str() == Some("alert"));
    let how = input
        .events
        .iter()
        .find(|e| e.kind == EventKind::AlertLinked)
        .filter(|_| declared_by_alert)
        .map(|alert| format!("Declared automatically from {}", alert.describe()))
        .or_else(|| {
            incident
                .detection_source
                .map(|d| format!("Found by {}", d.as_str().replace('_', " ")))
        });
    let (proximate_cause, root_causes, contributing_factors) = match input.causes {
        Some(causes) => (
            Some(causes.proximate_cause),
            causes
                .root_causes
                .into_iter()
                .enumerate()
                .map(|(i, cause)| RootCause {
                    id: format!("rc-{}", i + 1),
                    statement: cause.statement,
                    category: cause.category,
                })
                .collect(),
            causes.contributing_factors,
        ),
        None => (None, Vec::new(), Vec::new()),
    };
    PostMortem {
        incident: incident.number,
        template: input.template,
        status: PostMortemStatus::Draft,
        summary,
        impact: Impact {
            people_affected: incident
                .impact
                .people_affected_confirmed
                .or(incident.people_affected),
            decisions_affected: incident.impact.decisions_affected,
            duration_seconds: metrics.get("time_to_recover").copied(),
            harms: incident.harms.clone(),
            description: None,
        },
        timeline: input
            .events
            .iter()
            .filter(|e| pinned_by_default(e.kind))
            .map(|e| PinnedEvent {
                seq: e.seq,
                hash: e.hash.clone(),
            })
            .collect(),
        detection: Detection {
            how,
            time_to_detect_seconds: metrics.get("time_to_detect").copied(),
        },
        changes_before: input.changes_before,
        response: Response {
            narrative: None,
            containment: input
                .events
                .iter()
                .filter(|e| e.kind == EventKind::ContainmentAction)
                .map(|e| ContainmentStep {
                    event_seq: e.seq,
                    at: e.occurred_at,
                    actor: e.actor.clone(),
                    description: e.describe(),
                })
                .collect(),
            time_to_contain_seconds: metrics.get("time_to_contain").copied(),
        },
        metrics,
        proximate_cause,
        root_causes,
        contributing_factors,
        went_well: None,
        went_wrong: None,
        got_lucky: None,
        action_items: input.action_items,
        lessons: None,
        appendix: Appendix {
            evidence: input.evidence,
            analyses: input.findings,
        },
        review_round: 0,
        sign_offs: Vec::new(),
        approval_override: None,
    }
}
