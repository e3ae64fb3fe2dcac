//! The page log: what each incident's escalation did, read from its
//! timeline (`page_planned`, `page_sent`, `page_attempt`,
//! `page_acknowledged`): the plans, each step paged and whom it told by
//! what, each message's delivery attempts, and who took the page when. On
//! an incident's page for that incident, and on `/oncall/pages` across the
//! newest paged incidents.

use super::oncall_labels::{contact, duration, via};
use super::{PageResult, format_time, page};
use crate::auth::Viewer;
use crate::state::AppState;
use axum::extract::State;
use firebreak_core::Timestamp;
use firebreak_core::incident::Incident;
use firebreak_core::oncall::{AckVia, ContactKind};
use firebreak_core::timeline::{Event, EventKind};
use maud::{Markup, html};
use serde_json::Value;

/// How many paged incidents `/oncall/pages` shows.
const LOG_INCIDENTS: usize = 50;

/// One delivery attempt of a page message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attempt {
    at: Timestamp,
    number: u64,
    result: String,
}

/// One message of a paged step, and its attempts once the outbox made them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Message {
    user: String,
    contact: Option<ContactKind>,
    /// The outbox message the attempts name, once one was seen.
    id: Option<String>,
    attempts: Vec<Attempt>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Planned {
        at: Timestamp,
        policy: String,
        reason: Option<String>,
    },
    Paged {
        at: Timestamp,
        level: u64,
        round: u64,
        messages: Vec<Message>,
        /// Reached by the step but without a way to be told.
        unreachable: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Acknowledged {
    by: String,
    at: Timestamp,
    via: Option<AckVia>,
}

/// An incident's page log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLog {
    entries: Vec<Entry>,
    acknowledged: Option<Acknowledged>,
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

impl PageLog {
    /// Reads the page events of a timeline (oldest first). An attempt
    /// belongs to the newest step that told its user by its contact.
    pub fn read(events: &[Event]) -> PageLog {
        let mut log = PageLog::default();
        for event in events {
            let b = &event.body;
            match event.kind {
                EventKind::PagePlanned => log.entries.push(Entry::Planned {
                    at: event.occurred_at,
                    policy: text(&b["policy"]),
                    reason: b["reason"].as_str().map(str::to_string),
                }),
                EventKind::PageSent => {
                    let messages = b["notifications"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|n| Message {
                            user: text(&n["user"]),
                            contact: serde_json::from_value(n["contact"].clone()).ok(),
                            id: None,
                            attempts: Vec::new(),
                        })
                        .collect();
                    let unreachable = b["unreachable"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(text)
                        .collect();
                    log.entries.push(Entry::Paged {
                        at: event.occurred_at,
                        level: b["step"]["level"].as_u64().unwrap_or_default() + 1,
                        round: b["step"]["round"].as_u64().unwrap_or_default() + 1,
                        messages,
                        unreachable,
                    });
                }
                EventKind::PageAttempt => log.attempted(event),
                EventKind::PageAcknowledged => {
                    log.acknowledged = Some(Acknowledged {
                        by: event.actor.clone(),
                        at: event.occurred_at,
                        via: serde_json::from_value(b["via"].clone()).ok(),
                    });
                }
                _ => {}
            }
        }
        log
    }

    fn attempted(&mut self, event: &Event) {
        let b = &event.body;
        let id = b["message"].to_string();
        let user = text(&b["user"]);
        let kind: Option<ContactKind> = serde_json::from_value(b["contact"].clone()).ok();
        let messages = self.entries.iter_mut().rev().filter_map(|e| match e {
            Entry::Paged { messages, .. } => Some(messages),
            Entry::Planned { .. } => None,
        });
        let mut candidates: Vec<&mut Message> = messages.flatten().collect();
        let position = candidates
            .iter()
            .position(|m| m.id.as_deref() == Some(id.as_str()))
            .or_else(|| {
                candidates
                    .iter()
                    .position(|m| m.id.is_none() && m.user == user && m.contact == kind)
            });
        if let Some(message) = position.and_then(|i| candidates.get_mut(i)) {
            message.id = Some(id);
            message.attempts.push(Attempt {
                at: event.occurred_at,
                number: b["attempt"].as_u64().unwrap_or_default(),
                result: text(&b["result"]),
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn first_page(&self) -> Option<Timestamp> {
        self.entries.iter().find_map(|e| match e {
            Entry::Paged { at, .. } => Some(*at),
            Entry::Planned { .. } => None,
        })
    }
}

fn delivery(message: &Message) -> Markup {
    html! {
        @if message.attempts.is_empty() { em { "waiting to be sent" } }
        @for a in &message.attempts {
            "Attempt " (a.number) ", " (format_time(Some(a.at))) ": " (a.result) br;
        }
    }
}

fn acknowledgement(log: &PageLog) -> Markup {
    html! {
        @match &log.acknowledged {
            Some(ack) => {
                "Acknowledged by " strong { (ack.by) } " "
                @if let Some(via_what) = ack.via { (via(via_what)) " " }
                "at " (format_time(Some(ack.at)))
                @if let Some(first) = log.first_page().filter(|f| *f <= ack.at) {
                    "; time to acknowledge " strong { (duration(ack.at.duration_since(first))) }
                }
            }
            None => "Not acknowledged",
        }
    }
}

/// The log's rows; with `incident`, a first column naming it.
fn rows(incident: Option<&Incident>, log: &PageLog) -> Markup {
    html! {
        @for entry in &log.entries {
            tr {
                @if let Some(incident) = incident {
                    td { a href={ "/incidents/" (incident.public_id()) } { (incident.public_id()) } " " (incident.title) }
                }
                @match entry {
                    Entry::Planned { at, policy, reason } => {
                        td { (format_time(Some(*at))) }
                        td colspan="3" {
                            @match reason {
                                Some(reason) => { "Escalation re-planned (" (reason) ") by policy " }
                                None => "Escalation planned by policy ",
                            }
                            a href={ "/oncall/policies/" (policy) } { (policy) }
                        }
                    }
                    Entry::Paged { at, level, round, messages, unreachable } => {
                        td { (format_time(Some(*at))) }
                        td { "Level " (level) ", round " (round) }
                        td {
                            @if messages.is_empty() { strong.error { "Nobody could be told" } }
                            @for m in messages {
                                (m.user) " by " (m.contact.map_or("unknown contact", contact)) br;
                            }
                            @for user in unreachable { span.error { (user) ": no contact method" } br; }
                        }
                        td { @for m in messages { (delivery(m)) } }
                    }
                }
            }
        }
        tr {
            @if incident.is_some() { td {} }
            td colspan="4" { (acknowledgement(log)) }
        }
    }
}

fn head(with_incident: bool) -> Markup {
    html! {
        thead { tr {
            @if with_incident { th scope="col" { "Incident" } }
            th scope="col" { "When (UTC)" } th scope="col" { "Step" }
            th scope="col" { "Paged, by what" } th scope="col" { "Delivery" }
        } }
    }
}

/// The page log of one incident, on its page; nothing when it paged nobody.
pub fn incident_section(events: &[Event]) -> Markup {
    let log = PageLog::read(events);
    html! {
        @if !log.is_empty() {
            section aria-label="Page log" {
                h2 { "Page log" }
                div.scroll tabindex="0" { table { (head(false)) tbody { (rows(None, &log)) } } }
            }
        }
    }
}

/// The log across incidents, newest incident first.
pub fn render_log(logs: &[(Incident, PageLog)]) -> Markup {
    html! {
        h1 { "Page log" }
        p { "The escalations of the " (LOG_INCIDENTS) " newest paged incidents. " a href="/oncall" { "Who is on call now" } }
        @if logs.is_empty() { p { "No incident has paged anyone yet." } } @else {
            div.scroll tabindex="0" { table {
                (head(true))
                tbody { @for (incident, log) in logs { (rows(Some(incident), log)) } }
            } }
        }
    }
}

pub async fn list(Viewer(caller): Viewer, State(state): State<AppState>) -> PageResult {
    let logs = state
        .run(|store| {
            store
                .recent_pages(LOG_INCIDENTS)?
                .into_iter()
                .map(|paged| {
                    let events = store.events(&paged.incident.public_id())?;
                    Ok((paged.incident, PageLog::read(&events)))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(page(&caller, "Page log", render_log(&logs)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(seq: u64, kind: &str, at: &str, actor: &str, body: Value) -> Event {
        serde_json::from_value(json!({
            "stream": "INC-1", "seq": seq, "kind": kind, "occurred_at": at, "recorded_at": at,
            "actor": actor, "body": body, "state_hash": "", "prev_hash": "", "hash": "",
        }))
        .unwrap()
    }

    fn sent(seq: u64, at: &str, level: u64, users: &[&str]) -> Event {
        let notifications: Vec<Value> = users
            .iter()
            .map(|u| json!({"user": u, "contact": "email", "address": "x@example.org", "due": at, "rule": 0}))
            .collect();
        event(
            seq,
            "page_sent",
            at,
            "firebreak",
            json!({"step": {"round": 0, "level": level}, "notifications": notifications, "unreachable": []}),
        )
    }

    fn attempt(seq: u64, at: &str, message: u64, user: &str, n: u64, result: &str) -> Event {
        event(
            seq,
            "page_attempt",
            at,
            "firebreak",
            json!({"message": message, "user": user, "contact": "email", "attempt": n, "result": result}),
        )
    }

    #[test]
    fn attempts_follow_their_step_and_the_acknowledgement_says_how_long_it_took() {
        let events = [
            event(
                1,
                "page_planned",
                "2026-03-01T10:00:00Z",
                "firebreak",
                json!({"policy": "scoring"}),
            ),
            sent(2, "2026-03-01T10:00:00Z", 0, &["alice"]),
            attempt(
                3,
                "2026-03-01T10:00:05Z",
                7,
                "alice",
                1,
                "failed, will retry: SMTP: timeout",
            ),
            sent(4, "2026-03-01T10:05:00Z", 1, &["alice", "bob"]),
            attempt(5, "2026-03-01T10:05:02Z", 7, "alice", 2, "delivered"),
            attempt(6, "2026-03-01T10:05:03Z", 8, "alice", 1, "delivered"),
            event(
                7,
                "page_acknowledged",
                "2026-03-01T10:07:30Z",
                "bob",
                json!({"via": "link"}),
            ),
        ];
        let log = PageLog::read(&events);
        let Entry::Paged { messages, .. } = &log.entries[1] else {
            panic!("{log:?}")
        };
        assert_eq!(messages[0].attempts.len(), 2, "message 7 is level 1's");
        let Entry::Paged { messages, .. } = &log.entries[2] else {
            panic!("{log:?}")
        };
        assert_eq!(messages[0].attempts[0].result, "delivered");
        assert!(messages[1].attempts.is_empty(), "bob's is waiting");
        let shown = incident_section(&events).into_string();
        for words in [
            "Level 2, round 1",
            "bob by Email",
            "waiting to be sent",
            "by the link in the page message",
            "time to acknowledge <strong>7 minutes 30 seconds",
            "Escalation planned by policy",
        ] {
            assert!(shown.contains(words), "{words} in {shown}");
        }
        assert!(incident_section(&[]).into_string().is_empty());
    }
}
