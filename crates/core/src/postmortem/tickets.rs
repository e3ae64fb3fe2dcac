//! An action item's ticket in a tracker, as the post-mortem records it:
//! asked for by a person, linked when the outbox has made it, and followed
//! after (a closed ticket marks the item done, a reopened one reopens it).

use super::{PostMortem, PostMortemChange};
use crate::action::{ActionStatus, Ticket, TicketReading};
use crate::error::DomainError;
use crate::timeline::{EventDraft, EventKind};
use jiff::Timestamp;
use serde_json::json;

/// The actor of what a tracker does to an item: `tracker:<channel>`.
pub fn tracker_actor(channel: &str) -> String {
    format!("tracker:{channel}")
}

impl PostMortem {
    /// Asks tracker `channel` for a ticket for item `id`; refused while the
    /// item has one (asked for or made).
    pub fn request_ticket(
        &self,
        id: &str,
        channel: &str,
        actor: &str,
        now: Timestamp,
    ) -> Result<PostMortemChange, DomainError> {
        let mut next = self.clone();
        let item = next.action_mut(id)?;
        if let Some(ticket) = &item.ticket {
            let what = match &ticket.key {
                Some(key) => format!("is tracked as {key} in {}", ticket.channel),
                None => format!("has a ticket asked of {} already", ticket.channel),
            };
            return Err(DomainError::Conflict {
                message: format!("action item `{id}` {what}"),
                allowed: vec![],
            });
        }
        item.ticket = Some(Ticket::requested(channel, actor, now));
        let body = json!({
            "action": id, "title": item.title, "channel": channel, "step": "requested",
        });
        Ok(PostMortemChange {
            postmortem: next,
            events: vec![EventDraft::by(actor, EventKind::ActionTicket, now, body)],
        })
    }

    /// Records the ticket the tracker made for item `id`; None when it is
    /// recorded already (a repeated delivery).
    pub fn link_ticket(
        &self,
        id: &str,
        channel: &str,
        key: &str,
        url: &str,
        now: Timestamp,
    ) -> Result<Option<PostMortemChange>, DomainError> {
        let mut next = self.clone();
        let item = next.action_mut(id)?;
        let ticket = item
            .ticket
            .get_or_insert_with(|| Ticket::requested(channel, "firebreak", now));
        if ticket.key.as_deref() == Some(key) {
            return Ok(None);
        }
        ticket.channel = channel.to_string();
        ticket.key = Some(key.to_string());
        ticket.url = Some(url.to_string());
        ticket.seen_at = Some(now);
        ticket.error = None;
        item.ticket_url = Some(url.to_string());
        let body = json!({
            "action": id, "title": item.title, "channel": channel, "step": "linked",
            "key": key, "url": url,
        });
        Ok(Some(PostMortemChange {
            postmortem: next,
            events: vec![EventDraft::by(
                &tracker_actor(channel),
                EventKind::ActionTicket,
                now,
                body,
            )],
        }))
    }

    /// Item `id` follows its ticket's reading: when the ticket's state
    /// changed since it was last seen, the item moves to the matching
    /// status (done starts its check). None when there is nothing to
    /// record: the same state as before, and no error to clear.
    pub fn follow_ticket(
        &self,
        id: &str,
        reading: &TicketReading,
        now: Timestamp,
    ) -> Result<Option<PostMortemChange>, DomainError> {
        let mut next = self.clone();
        let item = next.action_mut(id)?;
        let Some(ticket) = item.ticket.as_mut().filter(|t| t.is_linked()) else {
            return Ok(None);
        };
        let channel = ticket.channel.clone();
        let key = ticket.key.clone().unwrap_or_default();
        let actor = tracker_actor(&channel);
        let moved = ticket.state != Some(reading.state);
        let recovered = ticket.error.take().is_some();
        if !moved && !recovered {
            return Ok(None);
        }
        ticket.state = Some(reading.state);
        ticket.remote_status = Some(reading.remote_status.clone());
        ticket.seen_at = Some(now);
        let title = item.title.clone();
        let mut events = Vec::new();
        let status = reading.state.action_status();
        if moved && item.status != status {
            let from = item.status;
            let reason = (status == ActionStatus::WontDo)
                .then(|| format!("{key} {} in {channel}", reading.remote_status));
            item.progress(status, reason, now)?;
            events.push(EventDraft::by(
                &actor,
                EventKind::ActionProgressed,
                now,
                json!({
                    "action": id, "title": title, "from": from.as_str(), "to": status.as_str(),
                    "reason": item.status_reason.clone()
                        .unwrap_or_else(|| format!("{key} {} in {channel}", reading.remote_status)),
                }),
            ));
        }
        if recovered || events.is_empty() {
            let step = if recovered { "reachable" } else { "seen" };
            events.push(EventDraft::by(
                &actor,
                EventKind::ActionTicket,
                now,
                json!({
                    "action": id, "title": title, "channel": channel, "step": step,
                    "key": key, "remote_status": reading.remote_status,
                }),
            ));
        }
        Ok(Some(PostMortemChange {
            postmortem: next,
            events,
        }))
    }

    /// Records that item `id`'s ticket could not be read; None when that
    /// was known already (one event per outage, not one per try).
    pub fn ticket_unreachable(
        &self,
        id: &str,
        error: &str,
        now: Timestamp,
    ) -> Result<Option<PostMortemChange>, DomainError> {
        let mut next = self.clone();
        let item = next.action_mut(id)?;
        let title = item.title.clone();
        let Some(ticket) = item.ticket.as_mut() else {
            return Ok(None);
        };
        if ticket.error.is_some() {
            return Ok(None);
        }
        ticket.error = Some(error.to_string());
        let channel = ticket.channel.clone();
        let body = json!({
            "action": id, "title": title, "channel": channel, "step": "unreachable",
            "key": ticket.key, "error": error,
        });
        Ok(Some(PostMortemChange {
            postmortem: next,
            events: vec![EventDraft::by(
                &tracker_actor(&channel),
                EventKind::ActionTicket,
                now,
                body,
            )],
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::postmortem_with_action;
    use crate::action::{ActionStatus, TicketReading, TicketState};
    use crate::timeline::EventKind;
    use jiff::Timestamp;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_780_000_000 + second).unwrap()
    }

    fn reading(state: TicketState, words: &str) -> TicketReading {
        TicketReading {
            state,
            remote_status: words.into(),
        }
    }

    #[test]
    fn a_ticket_is_asked_for_once_and_linked_once() {
        let postmortem = postmortem_with_action();
        let id = postmortem.action_items[0].id.clone();
        let asked = postmortem.request_ticket(&id, "gh", "ana", at(0)).unwrap();
        let again = asked.postmortem.request_ticket(&id, "gh", "ana", at(1));
        assert!(matches!(again, Err(crate::DomainError::Conflict { .. })));
        let linked = asked
            .postmortem
            .link_ticket(&id, "gh", "42", "https://github.test/o/r/issues/42", at(2))
            .unwrap()
            .unwrap();
        let item = &linked.postmortem.action_items[0];
        assert_eq!(item.ticket.as_ref().unwrap().key.as_deref(), Some("42"));
        assert_eq!(
            item.ticket_url.as_deref(),
            Some("https://github.test/o/r/issues/42")
        );
        let repeated = linked
            .postmortem
            .link_ticket(&id, "gh", "42", "https://github.test/o/r/issues/42", at(3))
            .unwrap();
        assert!(repeated.is_none(), "a repeated delivery records nothing");
    }

    #[test]
    fn the_item_follows_changes_of_its_ticket_not_its_state() {
        let postmortem = postmortem_with_action();
        let id = postmortem.action_items[0].id.clone();
        let linked = postmortem
            .request_ticket(&id, "gh", "ana", at(0))
            .unwrap()
            .postmortem
            .link_ticket(&id, "gh", "42", "https://github.test/o/r/issues/42", at(1))
            .unwrap()
            .unwrap()
            .postmortem;
        let open = linked
            .follow_ticket(&id, &reading(TicketState::Open, "open"), at(2))
            .unwrap()
            .unwrap()
            .postmortem;
        assert!(
            open.follow_ticket(&id, &reading(TicketState::Open, "open"), at(3))
                .unwrap()
                .is_none(),
            "the same state again records nothing"
        );
        let closed = open
            .follow_ticket(
                &id,
                &reading(TicketState::Done, "closed (completed)"),
                at(4),
            )
            .unwrap()
            .unwrap();
        assert_eq!(closed.events[0].kind, EventKind::ActionProgressed);
        let item = &closed.postmortem.action_items[0];
        assert_eq!(item.status, ActionStatus::Done);
        assert_eq!(item.verification.done_at, Some(at(4)));
        // A failed verification reopens the item; the ticket, still closed,
        // does not close it again.
        let mut reopened = closed.postmortem.clone();
        reopened.action_items[0].status = ActionStatus::Open;
        assert!(
            reopened
                .follow_ticket(
                    &id,
                    &reading(TicketState::Done, "closed (completed)"),
                    at(5)
                )
                .unwrap()
                .is_none()
        );
        let dismissed = reopened
            .follow_ticket(
                &id,
                &reading(TicketState::Dismissed, "closed (not_planned)"),
                at(6),
            )
            .unwrap()
            .unwrap();
        let item = &dismissed.postmortem.action_items[0];
        assert_eq!(item.status, ActionStatus::WontDo);
        assert_eq!(
            item.status_reason.as_deref(),
            Some("42 closed (not_planned) in gh")
        );
    }

    #[test]
    fn an_outage_is_recorded_once_and_its_end_once() {
        let postmortem = postmortem_with_action();
        let id = postmortem.action_items[0].id.clone();
        let linked = postmortem
            .request_ticket(&id, "jira", "ana", at(0))
            .unwrap()
            .postmortem
            .link_ticket(&id, "jira", "ML-7", "https://jira.test/browse/ML-7", at(1))
            .unwrap()
            .unwrap()
            .postmortem;
        let down = linked
            .ticket_unreachable(&id, "connection refused", at(2))
            .unwrap()
            .unwrap()
            .postmortem;
        assert!(
            down.ticket_unreachable(&id, "connection refused", at(3))
                .unwrap()
                .is_none()
        );
        let up = down
            .follow_ticket(&id, &reading(TicketState::Open, "To Do"), at(4))
            .unwrap()
            .unwrap();
        assert_eq!(up.events.len(), 1);
        assert_eq!(up.events[0].body["step"], "reachable");
        assert!(
            up.postmortem.action_items[0]
                .ticket
                .as_ref()
                .unwrap()
                .error
                .is_none()
        );
    }
}
