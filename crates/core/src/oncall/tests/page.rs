//! Paging one incident: contact methods, the messages a step sends, and
//! acknowledgement.

use super::*;
use crate::incident::{DeclareIncident, Incident, Severity, declare};
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
fn webhook_and_phone_contacts_are_checked_and_are_the_addresses_of_their_rules() {
    let good = methods(
        json!({"webhook_url": "https://hooks.example.org/page/alice",
        "phone": "+4915112345678",
        "rules": [{"contact": "webhook"}, {"contact": "sms_webhook"}]}),
    );
    assert!(faults(&good).is_empty());
    assert_eq!(
        good.address(ContactKind::Webhook),
        Some("https://hooks.example.org/page/alice")
    );
    assert_eq!(
        good.address(ContactKind::SmsWebhook),
        Some("+4915112345678")
    );
    for phone in [
        "4915112345678",
        "+0491511234",
        "+49 151 1234567",
        "+123456",
        "+1234567890123456",
    ] {
        let bad = methods(json!({"phone": phone, "rules": [{"contact": "sms_webhook"}]}));
        assert_eq!(faults(&bad), ["phone"], "{phone}");
    }
    assert!(is_e164("+15005550006"));
    assert!(is_e164("+6834002"), "Niue: 7 digits");
    let bad = methods(json!({"webhook_url": "ftp://hooks.example.org",
        "rules": [{"contact": "webhook"}, {"contact": "sms_webhook"}]}));
    assert_eq!(faults(&bad), ["webhook_url", "rules[1].contact"]);
}

#[test]
fn a_text_message_keeps_to_one_segment_cutting_the_title_never_the_link() {
    let short = sms_text(
        "INC-42",
        Severity::Sev1,
        "Scores all zero",
        Some("https://fb.example/ack/t"),
    );
    assert_eq!(
        short,
        "INC-42 SEV1: Scores all zero Ack: https://fb.example/ack/t"
    );
    let title = "Credit scores all zero for every applicant in the EU region since the \
                 model rollout of version 4.2 at nine this morning, rollback pending";
    let link = "https://fb.example/ack/42.0.0.1772445600.alice.abcdef";
    let cut = sms_text("INC-42", Severity::Sev2, title, Some(link));
    assert!((150..=SMS_LENGTH).contains(&cut.chars().count()), "{cut}");
    assert!(
        cut.starts_with("INC-42 SEV2: Credit scores all zero"),
        "{cut}"
    );
    assert!(cut.ends_with(&format!("... Ack: {link}")), "{cut}");
    assert!(!cut.contains('…'), "GSM alphabet only: {cut}");
    // A link longer than a segment is kept whole, with a readable title.
    let long_link = format!("https://fb.example/ack/{}", "a".repeat(150));
    let long = sms_text("INC-42", Severity::Sev2, title, Some(&long_link));
    assert!(long.ends_with(&long_link), "{long}");
    assert!(
        long.starts_with("INC-42 SEV2: Credit scores all zer..."),
        "{long}"
    );
    assert!(sms_text("INC-1", Severity::Sev3, "a\n b", None) == "INC-1 SEV3: a b");
}

#[test]
fn contact_methods_need_an_address_for_each_rule_and_well_formed_addresses() {
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
