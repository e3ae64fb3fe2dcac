//! The approval gate: what stands between a post-mortem and approval. Per
//! severity, the sections that must be written (not missing, not blank);
//! no to-do marker anywhere; an action item for every root cause; no lint
//! error or SMART failure; and the sign-offs. An admin may approve over the
//! first kind of blocker with a recorded reason; never over a to-do marker
//! or the sign-offs, so an approved post-mortem carries no to-do marker.

use super::{PostMortem, ReviewDecision, SignOff};
use crate::action::CauseLink;
use crate::incident::{CommandRole, Severity};
use crate::lint::{LintConfig, LintSeverity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockerKind {
    /// A lint error; an admin's override may pass it.
    Lint,
    /// A SMART failure of a pending action item; an admin's override may
    /// pass it.
    Smart,
    /// A section the incident's severity requires is not written or blank;
    /// an admin's override may pass it.
    Unwritten,
    /// A root cause no action item addresses; an admin's override may pass
    /// it.
    Uncovered,
    /// Text still marked to do (`TODO`, `TBD`, `FIXME`); never overridable.
    TodoMarker,
    /// A missing commander approval or an open change request; never
    /// overridable.
    SignOff,
}

/// One reason approval is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Blocker {
    pub kind: BlockerKind,
    pub field: String,
    pub message: String,
}

impl Blocker {
    pub fn overridable(&self) -> bool {
        !matches!(self.kind, BlockerKind::SignOff | BlockerKind::TodoMarker)
    }
}

/// What the gate judges a post-mortem against.
#[derive(Debug, Clone, Copy)]
pub struct ApprovalContext<'a> {
    /// The incident's severity: it decides which sections are required.
    pub severity: Severity,
    pub config: &'a LintConfig,
    /// Names the lint treats as people (users and role holders).
    pub people: &'a [String],
}

/// The sections (field paths) a post-mortem of `severity` must have written
/// before approval. SEV1 and SEV2 need the whole story; SEV3 and SEV4 what
/// happened, why, and what will change. "Where we got lucky" is never
/// required: an honest "nowhere" is rare enough to leave it optional.
pub fn required_sections(severity: Severity) -> &'static [&'static str] {
    match severity {
        Severity::Sev1 | Severity::Sev2 => &[
            "summary",
            "impact.description",
            "timeline",
            "detection.how",
            "response.narrative",
            "proximate_cause",
            "root_causes",
            "went_well",
            "went_wrong",
            "action_items",
            "lessons",
        ],
        Severity::Sev3 | Severity::Sev4 => &[
            "summary",
            "impact.description",
            "root_causes",
            "action_items",
        ],
    }
}

/// `TODO`, `TBD` and `FIXME` as words, as people and templates leave them.
static TODO_MARKER: LazyLock<regex_lite::Regex> = LazyLock::new(|| {
    regex_lite::Regex::new(r"\b(TODO|TBD|FIXME)\b").expect("the to-do pattern is valid")
});

impl PostMortem {
    /// Everything standing between this post-mortem and approval.
    pub fn approval_blockers(&self, context: &ApprovalContext) -> Vec<Blocker> {
        let mut blockers = self.unwritten(context.severity);
        blockers.extend(self.todo_markers());
        blockers.extend(self.uncovered_root_causes());
        blockers.extend(
            super::lint_postmortem(self, context.config, context.people)
                .into_iter()
                .filter(|f| f.severity == LintSeverity::Error)
                .map(|f| Blocker {
                    kind: BlockerKind::Lint,
                    message: format!("{} at line {}, column {}", f.message, f.line, f.column),
                    field: f.field,
                }),
        );
        blockers.extend(
            self.smart_findings(context.config, context.people)
                .into_iter()
                .map(|(field, f)| Blocker {
                    kind: BlockerKind::Smart,
                    field,
                    message: f.message,
                }),
        );
        blockers.extend(self.sign_off_blockers());
        blockers
    }

    fn unwritten(&self, severity: Severity) -> Vec<Blocker> {
        let missing = self.missing_sections();
        let texts = self.texts();
        required_sections(severity)
            .iter()
            .filter_map(|&section| {
                let message = if missing.contains(&section) {
                    "not written yet"
                } else if texts.iter().any(|(path, text)| {
                    (path == section || path.strip_suffix(".statement") == Some(section))
                        && text.trim().is_empty()
                }) {
                    "is blank"
                } else {
                    return None;
                };
                Some(Blocker {
                    kind: BlockerKind::Unwritten,
                    field: section.to_string(),
                    message: format!(
                        "{message}; a {} post-mortem needs it",
                        severity.as_str().to_uppercase()
                    ),
                })
            })
            .collect()
    }

    fn todo_markers(&self) -> Vec<Blocker> {
        self.texts()
            .into_iter()
            .filter_map(|(field, text)| {
                let found = TODO_MARKER.find(text)?;
                let line = text[..found.start()].matches('\n').count() + 1;
                Some(Blocker {
                    kind: BlockerKind::TodoMarker,
                    message: format!(
                        "still says {} at line {line}; finish it or take the marker out",
                        found.as_str()
                    ),
                    field,
                })
            })
            .collect()
    }

    fn uncovered_root_causes(&self) -> Vec<Blocker> {
        self.root_causes
            .iter()
            .enumerate()
            .filter(|(_, cause)| {
                !self.action_items.iter().any(|item| {
                    matches!(&item.addresses, Some(CauseLink::RootCause { id }) if *id == cause.id)
                })
            })
            .map(|(i, cause)| Blocker {
                kind: BlockerKind::Uncovered,
                field: format!("root_causes[{i}]"),
                message: format!(
                    "no action item addresses root cause {}; add one that prevents it or \
                     detects it sooner",
                    cause.id
                ),
            })
            .collect()
    }

    fn sign_off_blockers(&self) -> Vec<Blocker> {
        let mut blockers = Vec::new();
        let mut latest: BTreeMap<(&str, &str), &SignOff> = BTreeMap::new();
        for sign_off in self
            .sign_offs
            .iter()
            .filter(|s| s.round == self.review_round)
        {
            latest.insert((sign_off.user.as_str(), sign_off.role.as_str()), sign_off);
        }
        let commander_approved = latest
            .values()
            .any(|s| s.role == CommandRole::Commander && s.decision == ReviewDecision::Approve);
        if !commander_approved {
            blockers.push(Blocker {
                kind: BlockerKind::SignOff,
                field: "sign_offs".into(),
                message: "needs the incident commander's approving sign-off in this review round"
                    .into(),
            });
        }
        for s in latest
            .values()
            .filter(|s| s.decision == ReviewDecision::RequestChanges)
        {
            blockers.push(Blocker {
                kind: BlockerKind::SignOff,
                field: "sign_offs".into(),
                message: format!("{} ({}) requested changes", s.user, s.role.as_str()),
            });
        }
        blockers
    }
}
