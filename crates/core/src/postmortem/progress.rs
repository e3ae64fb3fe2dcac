//! Action items move on after the post-mortem is written: their status, the
//! moment they were done and their verifications are progress, not the
//! document's text, so they change in any status of the post-mortem and an
//! edit of the text cannot set them.

use super::{PostMortem, PostMortemChange};
use crate::action::{ActionItem, ActionStatus, Check, Outcome, VerificationResult};
use crate::error::DomainError;
use crate::timeline::{EventDraft, EventKind};
use jiff::Timestamp;
use serde_json::json;

impl PostMortem {
    /// The item `id`, refused by name when there is none.
    pub(super) fn action_mut(&mut self, id: &str) -> Result<&mut ActionItem, DomainError> {
        let incident = self.incident;
        self.action_items
            .iter_mut()
            .find(|item| item.id == id)
            .ok_or_else(|| {
                DomainError::field(
                    "action",
                    format!("the post-mortem of INC-{incident} has no action item `{id}`"),
                )
            })
    }

    /// Moves an action item to `status` (with the reason `wont_do` needs);
    /// marking it done starts its check.
    pub fn progress_action(
        &self,
        id: &str,
        status: ActionStatus,
        reason: Option<String>,
        actor: &str,
        now: Timestamp,
    ) -> Result<PostMortemChange, DomainError> {
        let mut next = self.clone();
        let item = next.action_mut(id)?;
        let from = item.status;
        item.progress(status, reason, now)?;
        let body = json!({
            "action": id, "title": item.title, "from": from.as_str(), "to": status.as_str(),
            "reason": item.status_reason,
        });
        Ok(PostMortemChange {
            postmortem: next,
            events: vec![EventDraft::by(
                actor,
                EventKind::ActionProgressed,
                now,
                body,
            )],
        })
    }

    /// Names or clears how an action item is verified.
    pub fn set_action_check(
        &self,
        id: &str,
        check: Option<Check>,
        actor: &str,
        now: Timestamp,
    ) -> Result<PostMortemChange, DomainError> {
        let mut next = self.clone();
        let item = next.action_mut(id)?;
        item.verification.check = check.clone();
        item.validate()?;
        let body = json!({"action": id, "title": item.title, "check": check});
        Ok(PostMortemChange {
            postmortem: next,
            events: vec![EventDraft::by(
                actor,
                EventKind::ActionProgressed,
                now,
                body,
            )],
        })
    }

    /// Records a verification of a done item; a failed one reopens it.
    pub fn verify_action(
        &self,
        id: &str,
        result: VerificationResult,
    ) -> Result<PostMortemChange, DomainError> {
        let mut next = self.clone();
        let item = next.action_mut(id)?;
        if item.status != ActionStatus::Done {
            return Err(DomainError::Conflict {
                message: format!(
                    "action item `{id}` is {}; only a done item is verified",
                    item.status.as_str()
                ),
                allowed: vec![ActionStatus::Done.as_str().to_string()],
            });
        }
        if result.detail.trim().is_empty() {
            return Err(DomainError::field(
                "detail",
                "say what was checked and found",
            ));
        }
        let reopened = result.outcome == Outcome::Failed;
        let (actor, at) = (result.by.clone(), result.at);
        let body = json!({
            "action": id, "title": item.title, "outcome": result.outcome.as_str(),
            "detail": result.detail, "runs": result.runs, "evidence": result.evidence,
            "reopened": reopened,
        });
        item.record_verification(result);
        Ok(PostMortemChange {
            postmortem: next,
            events: vec![EventDraft::by(&actor, EventKind::ActionVerified, at, body)],
        })
    }

    /// After an edit of the text: each item keeps the verifications and the
    /// ticket it had, and the moment it was done unless the edit changed whether it is
    /// done (then now, or none).
    pub fn keep_progress(&mut self, current: &PostMortem, now: Timestamp) {
        for item in &mut self.action_items {
            let before = current.action_items.iter().find(|c| c.id == item.id);
            item.verification.results = before
                .map(|b| b.verification.results.clone())
                .unwrap_or_default();
            item.ticket = before.and_then(|b| b.ticket.clone());
            let was_done = before.is_some_and(|b| b.status == ActionStatus::Done);
            item.verification.done_at = match (item.status == ActionStatus::Done, was_done) {
                (true, true) => before.and_then(|b| b.verification.done_at),
                (true, false) => Some(now),
                (false, _) => None,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::postmortem_with_action;
    use crate::action::{ActionStatus, Outcome, VerificationResult};

    #[test]
    fn an_edit_of_the_text_cannot_forge_a_verification_and_done_starts_the_clock() {
        let now: jiff::Timestamp = "2026-05-01T12:00:00Z".parse().unwrap();
        let current = postmortem_with_action();
        let mut edited = current.clone();
        let item = &mut edited.action_items[0];
        item.status = ActionStatus::Done;
        item.verification.results.push(VerificationResult {
            outcome: Outcome::Passed,
            at: now,
            by: "mallory".into(),
            detail: "trust me".into(),
            runs: vec![],
            evidence: vec![],
        });
        edited.keep_progress(&current, now);
        assert!(edited.action_items[0].verification.results.is_empty());
        assert_eq!(edited.action_items[0].verification.done_at, Some(now));
        // Still done at a later edit: the first moment stays.
        let later: jiff::Timestamp = "2026-05-02T12:00:00Z".parse().unwrap();
        let mut again = edited.clone();
        again.keep_progress(&edited, later);
        assert_eq!(again.action_items[0].verification.done_at, Some(now));
    }
}
