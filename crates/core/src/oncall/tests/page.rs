//! Paging one incident: contact methods, the messages a step sends, and
//! acknowledgement.

use super::*;
use crate::incident::{DeclareIncident, Incident, declare};
use crate::system::{AiSystem, SystemDetails};
use crate::timeline::EventKind;
use std::collections::BTreeMap;

fn methods(value: Value) -> ContactMethods {
    serde_json::from_value(value).unwrap()
}

fn faults(methods: &ContactMethods) -> Vec<String> {
    match methods.validate() {
        Ok(()) => vec![],
        Err(error) => error.fields().into_iter().map(|f| f.field).collect(),
    }
}

#[test]
fn contact_methods_need_an_address_for_each_rule_and_refuse_credentials() {
    assert!(
        faults(&methods(
            json!({"email": "a@example.org", "rules": [{"contact": "email"}]})
        ))
        .is_empty()
    );
    assert_eq!(
        faults(&methods(
            json!({"email": "a@example.org\r\nBcc: x@y", "slack_user_id": "u1",
            "rules": [{"contact": "slack"}, {"contact": "webhook"}, {"contact": "email", "delay_minutes": 2000}]})
        )),
        [
            "rules[2].delay_minutes",
            "email",
            "slack_user_id",
            "rules[1].contact"
        ]
    );
    assert_eq!(
        faults(&methods(json!({"rules": [{"contact": "email"}]}))),
        ["rules[0].contact"]
    );
}

#[test]
fn a_step_reaches_whoever_is_on_call_by_each_rule_and_names_who_cannot_be_told() {
    let schedule = schedule(
        "Europe/London",
        json!([layer(
            daily(),
            "09:00",
            "2026-03-01T09:00",
            &["alice", "bob"]
        )]),
        json!([]),
    );
    let contacts = BTreeMap::from([(
        "alice".to_string(),
        methods(json!({"email": "alice@example.org", "slack_user_id": "U1",
            "rules": [{"contact": "slack"}, {"contact": "email", "delay_minutes": 5}]})),
    )]);
    let step = |due: &str| PlannedStep {
        key: StepKey { round: 0, level: 0 },
        due: at(due),
        targets: vec![
            Target::Schedule {
                schedule: "ml-primary".into(),
            },
            Target::Team {
                team: "nobody-here".into(),
            },
        ],
    };
    let page = page_step(
        &step("2026-03-01T10:00:00Z"),
        std::slice::from_ref(&schedule),
        &[],
        &contacts,
    );
    let sent: Vec<String> = page
        .notifications
        .iter()
        .map(|n| format!("{} {:?} {} {}", n.user, n.contact, n.address, n.due))
        .collect();
    assert_eq!(
        sent,
        [
            "alice Slack U1 2026-03-01T10:00:00Z",
            "alice Email alice@example.org 2026-03-01T10:05:00Z",
        ]
    );
    assert_eq!(
        page.recipients.unresolved.len(),
        1,
        "the unknown team is named"
    );
    assert!(page.unreachable.is_empty());
    // The next day bob is on call, and has no contact methods.
    let page = page_step(&step("2026-03-02T10:00:00Z"), &[schedule], &[], &contacts);
    assert!(page.reaches_nobody());
    assert_eq!(page.unreachable, ["bob"]);
}

fn incident() -> Incident {
    let details: SystemDetails = serde_json::from_value(json!({
        "name": "Scoring", "model_versions": [{"version": "v1", "known_good": true}]
    }))
    .unwrap();
    let systems = [AiSystem {
        slug: "scoring".into(),
        details,
    }];
    let input: DeclareIncident = serde_json::from_value(json!({
        "title": "Scores all zero", "severity": "sev1", "severity_rationale": "everyone refused",
        "systems": ["scoring"], "detected_at": "2026-03-01T09:00:00Z",
    }))
    .unwrap();
    declare(input, 1, "alice", &systems, at("2026-03-01T09:30:00Z"))
        .unwrap()
        .incident
}

#[test]
fn acknowledging_sets_the_time_once_and_says_who() {
    let incident = incident();
    let change = acknowledge(&incident, "bob", AckVia::Link, at("2026-03-01T09:42:00Z")).unwrap();
    assert_eq!(
        change.incident.times.acknowledged_at,
        Some(at("2026-03-01T09:42:00Z"))
    );
    let kinds: Vec<EventKind> = change.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::PageAcknowledged, EventKind::TimeChanged]);
    assert_eq!(change.events[0].actor, "bob");
    assert_eq!(change.events[0].body["via"], "link");
    assert!(matches!(
        acknowledge(
            &change.incident,
            "carol",
            AckVia::Api,
            at("2026-03-01T09:43:00Z")
        ),
        Err(crate::DomainError::Conflict { .. })
    ));
    assert_eq!(escalation_over(&incident), None);
    assert!(!page_stopped(&incident, at("2026-03-01T09:42:00Z")));
    assert!(!page_stopped(&change.incident, at("2026-03-01T09:41:59Z")));
    assert!(page_stopped(&change.incident, at("2026-03-01T09:42:00Z")));
}
