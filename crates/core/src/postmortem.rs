//! The blameless post-mortem of an incident: the document, its review
//! workflow and the gates around it.
//!
//! Free-text sections are `Option<String>`: `None` is "not yet written", which
//! the UI shows as a to-do, distinct from a section deliberately left empty.
//! The timeline section pins sealed timeline events by sequence number and
//! hash, so the post-mortem curates the record without ever editing it.
//!
//! Workflow (`PostMortemStatus::allowed_next`): draft → in_review → approved →
//! published. Reviewers send it back (in_review → draft); an approval can be
//! withdrawn with a reason (approved → draft); a published post-mortem is
//! final except that an admin may reopen it to draft with a reason. Content
//! changes only in draft, and every return to review starts a new round, so
//! sign-offs given on an older text no longer count.
//!
//! Approval gate ([`gate`]): refused while a section the severity requires
//! is unwritten, a root cause has no action item, or a lint error or a SMART
//! failure of a pending action item is open, unless an admin gives an
//! override with a reason, which is recorded; and refused, whatever the
//! override, while any text still says TODO, or unless the current round has
//! an approving sign-off by the incident commander and no reviewer's latest
//! word in the round is "request changes".

use crate::action::{ActionItem, CauseLink, SmartFinding, SmartRule, smart_check_with};
use crate::auth::Role;
use crate::cause::{CauseCategory, CauseEntry};
use crate::error::{DomainError, FieldError, Problems};
use crate::incident::{
    CommandRole, HarmCategory, Incident, IncidentKind, RoleAssignment, Severity,
};
use crate::lint::{LintConfig, LintFinding, lint_cause, lint_text};
use crate::timeline::{Event, EventDraft, EventKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use utoipa::ToSchema;

mod draft;
mod gate;
mod progress;
mod tickets;
pub use draft::{DraftInput, draft};
pub use gate::{ApprovalContext, Blocker, BlockerKind, required_sections};
pub use tickets::tracker_actor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostMortemStatus {
    Draft,
    InReview,
    Approved,
    Published,
}

impl PostMortemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PostMortemStatus::Draft => "draft",
            PostMortemStatus::InReview => "in_review",
            PostMortemStatus::Approved => "approved",
            PostMortemStatus::Published => "published",
        }
    }

    /// The one workflow table. `published → draft` is for admins only.
    pub fn allowed_next(self) -> &'static [PostMortemStatus] {
        use PostMortemStatus::*;
        match self {
            Draft => &[InReview],
            InReview => &[Draft, Approved],
            Approved => &[Published, Draft],
            Published => &[Draft],
        }
    }

    /// Approved or published: what closing a SEV1–2 incident needs (D6).
    pub fn is_approved(self) -> bool {
        matches!(
            self,
            PostMortemStatus::Approved | PostMortemStatus::Published
        )
    }
}

impl fmt::Display for PostMortemStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A root cause with an id that action items reference; ids are never reused
/// within a post-mortem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RootCause {
    /// `rc-<n>`.
    pub id: String,
    pub statement: String,
    pub category: CauseCategory,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Impact {
    pub people_affected: Option<u64>,
    /// Automated decisions affected (from forensics, when counted).
    pub decisions_affected: Option<u64>,
    /// Impact started → recovered.
    pub duration_seconds: Option<i64>,
    pub harms: Vec<HarmCategory>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Detection {
    /// How it was detected, e.g. by which alert.
    pub how: Option<String>,
    /// Detected − impact started (this incident's share of MTTD, D12).
    pub time_to_detect_seconds: Option<i64>,
}

/// A containment action as the timeline recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContainmentStep {
    pub event_seq: u64,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub actor: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Response {
    pub narrative: Option<String>,
    pub containment: Vec<ContainmentStep>,
    /// Contained − detected.
    pub time_to_contain_seconds: Option<i64>,
}

/// A timeline event the post-mortem shows, by its place and hash in the
/// incident's chain, so a pin cannot silently point at another event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PinnedEvent {
    pub seq: u64,
    pub hash: String,
}

/// A forensic analysis result quoted in the appendix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ForensicFinding {
    pub title: String,
    pub summary: String,
    /// SHA-256 (hex) of the analysed input, e.g. the prediction log.
    pub input_sha256: String,
}

/// An evidence item or RCA artifact the appendix refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EvidenceRef {
    /// The evidence id or artifact reference, e.g. `fishbone/main@3`.
    pub reference: String,
    pub description: String,
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Appendix {
    pub evidence: Vec<EvidenceRef>,
    pub analyses: Vec<ForensicFinding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approve,
    RequestChanges,
}

/// The incident-command roles that may sign off (D14).
pub const SIGN_OFF_ROLES: [CommandRole; 3] = [
    CommandRole::Commander,
    CommandRole::MlLead,
    CommandRole::LegalLiaison,
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignOff {
    pub user: String,
    pub role: CommandRole,
    pub decision: ReviewDecision,
    pub comment: Option<String>,
    /// The review round it was given in.
    pub round: u32,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// An approval given despite open findings, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalOverride {
    pub by: String,
    pub reason: String,
    /// The findings overridden, as `field: message`.
    pub findings: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PostMortem {
    pub incident: u64,
    /// The template the sections follow, e.g. `default`.
    pub template: String,
    pub status: PostMortemStatus,
    pub summary: Option<String>,
    pub impact: Impact,
    pub timeline: Vec<PinnedEvent>,
    pub detection: Detection,
    /// What changed on the affected systems and everything upstream of them
    /// before the incident began, nearest first (filled by the draft).
    #[serde(default)]
    pub changes_before: Vec<crate::change::PriorChange>,
    pub response: Response,
    /// This incident's figures of D12, keyed by metric name.
    pub metrics: BTreeMap<String, i64>,
    pub proximate_cause: Option<CauseEntry>,
    pub root_causes: Vec<RootCause>,
    pub contributing_factors: Vec<CauseEntry>,
    pub went_well: Option<String>,
    pub went_wrong: Option<String>,
    pub got_lucky: Option<String>,
    pub action_items: Vec<ActionItem>,
    pub lessons: Option<String>,
    pub appendix: Appendix,
    /// 0 until first sent to review; one more with each return to review.
    pub review_round: u32,
    pub sign_offs: Vec<SignOff>,
    pub approval_override: Option<ApprovalOverride>,
}

/// The new post-mortem and the events for the incident's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct PostMortemChange {
    pub postmortem: PostMortem,
    pub events: Vec<EventDraft>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOffRequest {
    /// The incident-command role signed as: commander, ml_lead or legal_liaison.
    pub role: CommandRole,
    pub decision: ReviewDecision,
    /// Required when requesting changes.
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMortemTransition {
    pub to: PostMortemStatus,
    /// Required to withdraw an approval or reopen a published post-mortem.
    #[serde(default)]
    pub reason: Option<String>,
    /// Approves despite open lint errors and SMART failures; recorded.
    #[serde(default)]
    pub override_reason: Option<String>,
}

impl PostMortem {
    /// Every free-text field with its path, in document order.
    pub fn texts<'a>(&'a self) -> Vec<(String, &'a str)> {
        let mut texts: Vec<(String, &'a str)> = Vec::new();
        let mut add = |path: String, text: Option<&'a str>| {
            if let Some(text) = text {
                texts.push((path, text));
            }
        };
        add("summary".into(), self.summary.as_deref());
        add(
            "impact.description".into(),
            self.impact.description.as_deref(),
        );
        add("detection.how".into(), self.detection.how.as_deref());
        add(
            "response.narrative".into(),
            self.response.narrative.as_deref(),
        );
        add(
            "proximate_cause.statement".into(),
            self.proximate_cause.as_ref().map(|c| c.statement.as_str()),
        );
        for (i, cause) in self.root_causes.iter().enumerate() {
            add(
                format!("root_causes[{i}].statement"),
                Some(&cause.statement),
            );
        }
        for (i, cause) in self.contributing_factors.iter().enumerate() {
            add(
                format!("contributing_factors[{i}].statement"),
                Some(&cause.statement),
            );
        }
        add("went_well".into(), self.went_well.as_deref());
        add("went_wrong".into(), self.went_wrong.as_deref());
        add("got_lucky".into(), self.got_lucky.as_deref());
        for (i, item) in self.action_items.iter().enumerate() {
            add(format!("action_items[{i}].title"), Some(&item.title));
            add(
                format!("action_items[{i}].success_criterion"),
                item.success_criterion.as_deref(),
            );
        }
        add("lessons".into(), self.lessons.as_deref());
        texts
    }

    /// Sections not yet written, by field path: the draft's to-do list.
    pub fn missing_sections(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        let mut check = |path, written: bool| {
            if !written {
                missing.push(path);
            }
        };
        check("summary", self.summary.is_some());
        check("impact.description", self.impact.description.is_some());
        check("timeline", !self.timeline.is_empty());
        check("detection.how", self.detection.how.is_some());
        check("response.narrative", self.response.narrative.is_some());
        check("proximate_cause", self.proximate_cause.is_some());
        check("root_causes", !self.root_causes.is_empty());
        check("went_well", self.went_well.is_some());
        check("went_wrong", self.went_wrong.is_some());
        check("got_lucky", self.got_lucky.is_some());
        check("action_items", !self.action_items.is_empty());
        check("lessons", self.lessons.is_some());
        missing
    }

    /// The categories of every cause it names (proximate, root and
    /// contributing), each once, in document order.
    pub fn cause_categories(&self) -> Vec<crate::cause::CauseCategory> {
        let mut categories = Vec::new();
        let found = self
            .proximate_cause
            .iter()
            .map(|c| &c.category)
            .chain(self.root_causes.iter().map(|c| &c.category))
            .chain(self.contributing_factors.iter().map(|c| &c.category));
        for category in found {
            if !categories.contains(category) {
                categories.push(category.clone());
            }
        }
        categories
    }

    /// The next unused root-cause id.
    pub fn next_root_cause_id(&self) -> String {
        next_id("rc-", self.root_causes.iter().map(|c| c.id.as_str()))
    }

    /// The next unused action-item id.
    pub fn next_action_id(&self) -> String {
        next_id("act-", self.action_items.iter().map(|a| a.id.as_str()))
    }

    /// The rules every saved post-mortem keeps: unique ids and well-formed
    /// action items.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut problems = Problems::default();
        let mut seen = HashSet::new();
        for (i, cause) in self.root_causes.iter().enumerate() {
            if cause.id.trim().is_empty() || !seen.insert(cause.id.as_str()) {
                problems.push(
                    format!("root_causes[{i}].id"),
                    "must be unique and not empty",
                );
            }
        }
        let mut seen = HashSet::new();
        for (i, item) in self.action_items.iter().enumerate() {
            let path = format!("action_items[{i}].");
            item.check_fields(&path, &mut problems);
            if !seen.insert(item.id.as_str()) {
                problems.push(format!("{path}id"), "must be unique");
            }
        }
        problems.into_result()
    }

    /// Content may change only in draft.
    pub fn ensure_editable(&self) -> Result<(), DomainError> {
        if self.status == PostMortemStatus::Draft {
            Ok(())
        } else {
            Err(DomainError::Conflict {
                message: format!(
                    "the post-mortem of INC-{} is {}; send it back to draft to change it",
                    self.incident, self.status
                ),
                allowed: vec![PostMortemStatus::Draft.to_string()],
            })
        }
    }

    /// Pins a sealed event of the incident's timeline.
    pub fn pin(&self, event: &Event) -> Result<PostMortem, DomainError> {
        self.ensure_editable()?;
        if event.stream != format!("INC-{}", self.incident) {
            return Err(DomainError::field(
                "seq",
                format!("event {} is not on INC-{}", event.seq, self.incident),
            ));
        }
        if self.timeline.iter().any(|p| p.seq == event.seq) {
            return Err(DomainError::field(
                "seq",
                format!("event {} is already pinned", event.seq),
            ));
        }
        let mut next = self.clone();
        next.timeline.push(PinnedEvent {
            seq: event.seq,
            hash: event.hash.clone(),
        });
        next.timeline.sort_by_key(|p| p.seq);
        Ok(next)
    }

    pub fn unpin(&self, seq: u64) -> Result<PostMortem, DomainError> {
        self.ensure_editable()?;
        let mut next = self.clone();
        next.timeline.retain(|p| p.seq != seq);
        if next.timeline.len() == self.timeline.len() {
            return Err(DomainError::field(
                "seq",
                format!("event {seq} is not pinned"),
            ));
        }
        Ok(next)
    }

    /// SMART findings of pending action items (open or in progress; done and
    /// won't-do items are past planning), with full field paths; a link to a
    /// root cause that does not exist counts as no link. Owners must be
    /// among `users` when it is not empty.
    pub fn smart_findings(
        &self,
        config: &LintConfig,
        users: &[String],
    ) -> Vec<(String, SmartFinding)> {
        let mut findings = Vec::new();
        for (i, item) in self.action_items.iter().enumerate() {
            if !item.status.is_pending() {
                continue;
            }
            for finding in smart_check_with(item, config, users) {
                findings.push((format!("action_items[{i}].{}", finding.field), finding));
            }
            if let Some(CauseLink::RootCause { id }) = &item.addresses
                && !self.root_causes.iter().any(|c| &c.id == id)
            {
                findings.push((
                    format!("action_items[{i}].addresses"),
                    SmartFinding {
                        rule: SmartRule::NoLinkedCause,
                        field: "addresses".into(),
                        message: format!("this post-mortem has no root cause {id}"),
                    },
                ));
            }
        }
        findings
    }

    /// A reviewer's sign-off. `incident_roles` are the incident's current
    /// role assignments: the signer must hold `request.role`, one of
    /// [`SIGN_OFF_ROLES`] (D14).
    pub fn sign_off(
        &self,
        request: SignOffRequest,
        signer: &str,
        incident_roles: &[RoleAssignment],
        now: Timestamp,
    ) -> Result<PostMortemChange, DomainError> {
        if self.status != PostMortemStatus::InReview {
            return Err(DomainError::Conflict {
                message: format!(
                    "the post-mortem of INC-{} is {}; sign-offs are given in review",
                    self.incident, self.status
                ),
                allowed: vec![],
            });
        }
        if !SIGN_OFF_ROLES.contains(&request.role) {
            return Err(DomainError::field(
                "role",
                "sign off as commander, ml_lead or legal_liaison",
            ));
        }
        if !incident_roles
            .iter()
            .any(|a| a.role == request.role && a.user == signer)
        {
            return Err(DomainError::field(
                "role",
                format!(
                    "{signer} is not {} of INC-{}",
                    request.role.as_str(),
                    self.incident
                ),
            ));
        }
        let comment = request.comment.filter(|c| !c.trim().is_empty());
        if request.decision == ReviewDecision::RequestChanges && comment.is_none() {
            return Err(DomainError::field(
                "comment",
                "say which changes are needed",
            ));
        }
        let sign_off = SignOff {
            user: signer.to_string(),
            role: request.role,
            decision: request.decision,
            comment,
            round: self.review_round,
            at: now,
        };
        let mut next = self.clone();
        next.sign_offs.push(sign_off.clone());
        Ok(PostMortemChange {
            postmortem: next,
            events: vec![EventDraft {
                kind: EventKind::PostmortemSignedOff,
                occurred_at: now,
                actor: signer.to_string(),
                body: json!(sign_off),
            }],
        })
    }

    /// Moves the post-mortem along its workflow. Approving runs the approval
    /// gate against `context`, and the refusal (422) names every blocker as a
    /// field error; only an admin may approve over the overridable ones.
    pub fn transition(
        &self,
        request: PostMortemTransition,
        actor: &str,
        actor_role: Role,
        context: &ApprovalContext,
        now: Timestamp,
    ) -> Result<PostMortemChange, DomainError> {
        let (from, to) = (self.status, request.to);
        let admin_only = from == PostMortemStatus::Published;
        if !from.allowed_next().contains(&to) || (admin_only && actor_role != Role::Admin) {
            let allowed: Vec<String> = if admin_only && actor_role != Role::Admin {
                vec![]
            } else {
                from.allowed_next().iter().map(|s| s.to_string()).collect()
            };
            let message = if allowed.is_empty() {
                format!(
                    "the post-mortem of INC-{} is {from}; only an admin can reopen it",
                    self.incident
                )
            } else {
                format!(
                    "the post-mortem of INC-{} cannot go from {from} to {to}; allowed: {}",
                    self.incident,
                    allowed.join(", ")
                )
            };
            return Err(DomainError::Conflict { message, allowed });
        }
        let reason = request.reason.filter(|r| !r.trim().is_empty());
        if matches!(
            from,
            PostMortemStatus::Approved | PostMortemStatus::Published
        ) && to == PostMortemStatus::Draft
            && reason.is_none()
        {
            return Err(DomainError::field(
                "reason",
                format!("say why the {from} post-mortem goes back to draft"),
            ));
        }
        let mut next = self.clone();
        next.status = to;
        let mut body = json!({ "from": from, "to": to, "reason": reason });
        match to {
            PostMortemStatus::InReview => {
                next.review_round += 1;
                body["round"] = json!(next.review_round);
            }
            PostMortemStatus::Approved => {
                let blockers = self.approval_blockers(context);
                let override_reason = request.override_reason.filter(|r| !r.trim().is_empty());
                if override_reason.is_some()
                    && actor_role != Role::Admin
                    && blockers.iter().any(Blocker::overridable)
                {
                    return Err(DomainError::field(
                        "override_reason",
                        "only an admin can approve over open blockers",
                    ));
                }
                let refused: Vec<&Blocker> = blockers
                    .iter()
                    .filter(|b| !b.overridable() || override_reason.is_none())
                    .collect();
                if !refused.is_empty() {
                    return Err(DomainError::Invalid(
                        refused
                            .iter()
                            .map(|b| FieldError::new(&b.field, &b.message))
                            .collect(),
                    ));
                }
                if let Some(reason) = override_reason
                    && !blockers.is_empty()
                {
                    let overridden = ApprovalOverride {
                        by: actor.to_string(),
                        reason,
                        findings: blockers
                            .iter()
                            .map(|b| format!("{}: {}", b.field, b.message))
                            .collect(),
                        at: now,
                    };
                    body["override"] = json!(overridden);
                    next.approval_override = Some(overridden);
                }
            }
            PostMortemStatus::Draft => next.approval_override = None,
            PostMortemStatus::Published => {}
        }
        Ok(PostMortemChange {
            postmortem: next,
            events: vec![EventDraft {
                kind: EventKind::PostmortemStatusChanged,
                occurred_at: now,
                actor: actor.to_string(),
                body,
            }],
        })
    }
}

/// Lints every free-text field, naming each by its path
/// (`root_causes[1].statement`, `action_items[0].title`).
pub fn lint_postmortem(
    postmortem: &PostMortem,
    config: &LintConfig,
    people: &[String],
) -> Vec<LintFinding> {
    postmortem
        .texts()
        .into_iter()
        .flat_map(|(field, text)| {
            // A cause statement names a cause: "Human error" there blames.
            if field.ends_with(".statement") {
                lint_cause(&field, text, config, people)
            } else {
                lint_text(&field, text, config, people)
            }
        })
        .collect()
}

/// How the close gate let an incident close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "gate")]
pub enum CloseGate {
    /// A drill, a test or SEV3–4.
    NotRequired,
    Satisfied,
    /// An admin closed it without one; the reason goes on the timeline.
    Overridden {
        reason: String,
    },
}

/// The D6 gate the transition to `closed` runs: a real SEV1 or SEV2 incident
/// needs an approved or published post-mortem. An admin may close without
/// one by giving `override_reason`. A refusal is a conflict (409) naming what
/// is missing.
pub fn close_gate(
    incident: &Incident,
    postmortem: Option<&PostMortem>,
    actor_role: Role,
    override_reason: Option<&str>,
) -> Result<CloseGate, DomainError> {
    let override_reason = override_reason.map(str::trim).filter(|r| !r.is_empty());
    if override_reason.is_some() && actor_role != Role::Admin {
        return Err(DomainError::field(
            "override_reason",
            "only an admin can close without an approved post-mortem",
        ));
    }
    let needs_one = incident.kind == IncidentKind::Real
        && matches!(incident.severity, Severity::Sev1 | Severity::Sev2);
    if !needs_one {
        return Ok(CloseGate::NotRequired);
    }
    if postmortem.is_some_and(|p| p.status.is_approved()) {
        return Ok(CloseGate::Satisfied);
    }
    if let Some(reason) = override_reason {
        return Ok(CloseGate::Overridden {
            reason: reason.to_string(),
        });
    }
    let missing = match postmortem {
        None => "it has no post-mortem".to_string(),
        Some(p) => format!("its post-mortem is {}", p.status),
    };
    Err(DomainError::Conflict {
        message: format!(
            "{} is a real {} incident and closes only with an approved or published \
             post-mortem; {missing}",
            incident.public_id(),
            incident.severity.as_str().to_uppercase()
        ),
        allowed: vec![
            PostMortemStatus::Approved.to_string(),
            PostMortemStatus::Published.to_string(),
        ],
    })
}

/// `prefix` followed by one more than the highest number among `ids`
/// spelled that way (`rc-3` after `rc-1`, `rc-2`).
fn next_id<'a>(prefix: &str, ids: impl Iterator<Item = &'a str>) -> String {
    let highest = ids
        .filter_map(|id| id.strip_prefix(prefix)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    format!("{prefix}{}", highest + 1)
}

#[cfg(test)]
mod tests;
