//! How an incident's pages fared, read from its timeline: a responder must
//! see at a glance that nobody was reached, not discover it from silence.

use crate::timeline::{Event, EventKind};
use std::collections::BTreeMap;

/// The outcome of an incident's page messages so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageDeliveries {
    /// Page messages attempted at least once.
    pub messages: usize,
    pub delivered: usize,
    /// Messages the outbox gave up on.
    pub given_up: usize,
    /// A step whose targets had nobody reachable (no one on call, no
    /// contact methods).
    pub reached_nobody: bool,
    /// The newest failure's reason.
    pub last_error: Option<String>,
}

impl PageDeliveries {
    /// Pages went out and not one arrived: every message was given up.
    pub fn all_failed(&self) -> bool {
        self.messages > 0 && self.delivered == 0 && self.given_up == self.messages
    }
}

/// Reads `page_sent` and `page_attempt` events (oldest first): a message
/// counts as delivered or given up by its latest attempt.
pub fn page_deliveries(events: &[Event]) -> PageDeliveries {
    let mut latest: BTreeMap<String, String> = BTreeMap::new();
    let mut found = PageDeliveries::default();
    for event in events {
        match event.kind {
            EventKind::PageSent if event.body["reached_nobody"] == true => {
                found.reached_nobody = true;
            }
            EventKind::PageAttempt => {
                let result = event.body["result"].as_str().unwrap_or_default();
                if let Some(reason) = result.strip_prefix("failed") {
                    let reason = reason.split_once(": ").map_or(reason, |(_, why)| why);
                    found.last_error = Some(reason.to_string());
                }
                latest.insert(event.body["message"].to_string(), result.to_string());
            }
            _ => {}
        }
    }
    found.messages = latest.len();
    found.delivered = latest.values().filter(|r| *r == "delivered").count();
    found.given_up = latest
        .values()
        .filter(|r| r.starts_with("failed, gave up"))
        .count();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: EventKind, body: serde_json::Value) -> Event {
        serde_json::from_value(json!({
            "stream": "INC-1", "seq": 1, "kind": kind, "occurred_at": "2026-12-01T10:00:00Z",
            "recorded_at": "2026-12-01T10:00:00Z", "actor": "firebreak", "body": body,
            "state_hash": "", "prev_hash": "", "hash": "",
        }))
        .unwrap()
    }

    fn attempt(message: u64, result: &str) -> Event {
        event(
            EventKind::PageAttempt,
            json!({"message": message, "result": result}),
        )
    }

    #[test]
    fn every_page_given_up_is_all_failed_with_the_last_reason() {
        let events = [
            attempt(1, "failed, will retry: SMTP: connection refused"),
            attempt(2, "failed, gave up: address `x`: invalid"),
            attempt(1, "failed, gave up: SMTP: connection refused"),
        ];
        let found = page_deliveries(&events);
        assert!(found.all_failed(), "{found:?}");
        assert_eq!(
            found.last_error.as_deref(),
            Some("SMTP: connection refused")
        );
    }

    #[test]
    fn one_delivered_page_or_one_still_retrying_is_not_all_failed() {
        let retried = [
            attempt(1, "failed, will retry: SMTP: timeout"),
            attempt(1, "delivered"),
            attempt(2, "failed, gave up: no SMTP server is set up"),
        ];
        assert!(!page_deliveries(&retried).all_failed());
        let pending = [
            attempt(1, "failed, gave up: x"),
            attempt(2, "failed, will retry: y"),
        ];
        assert!(!page_deliveries(&pending).all_failed());
        assert!(!page_deliveries(&[]).all_failed());
    }

    #[test]
    fn a_step_that_reached_nobody_is_seen() {
        let events = [event(EventKind::PageSent, json!({"reached_nobody": true}))];
        assert!(page_deliveries(&events).reached_nobody);
    }
}
