//! Clocks as every surface shows them: provisional or assessed, running,
//! immediate with the time elapsed, overdue only once the due moment has
//! come, met or late once submitted. Due moments are worked out by hand.

use super::super::{
    Answer, ClockState, Deadline, RegimeTable, RegulatoryConfig, RegulatoryRecord, assessment,
};
use super::*;
use crate::incident::{DeclareIncident, Incident, declare};
use crate::system::{AiSystem, SystemDetails};
use serde_json::json;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn rule(regime: &str, report: usize, rule: usize) -> super::super::DeadlineRule {
    RegimeTable::builtin().regime(regime).unwrap().reports[report].deadline[rule].clone()
}

/// GDPR Art. 33's 72 hours from Monday 4 May 2026 09:00 UTC: due Thursday
/// 7 May 09:00 UTC.
fn gdpr(applies: Answer) -> Deadline {
    Deadline {
        regime: "gdpr_art33".into(),
        report: "notification".into(),
        report_name: "Notification (may be phased)".into(),
        applies,
        incomplete_allowed: true,
        started_at: at("2026-05-04T09:00:00Z"),
        due_at: at("2026-05-07T09:00:00Z"),
        rule: rule("gdpr_art33", 0, 0),
        assumed_unanswered: vec![],
        submitted_at: None,
        latest_at: None,
    }
}

/// GDPR Art. 34's "without undue delay" from the same moment.
fn gdpr_art34() -> Deadline {
    Deadline {
        regime: "gdpr_art34".into(),
        report: "communication".into(),
        report_name: "Communication to the data subjects".into(),
        due_at: at("2026-05-04T09:00:00Z"),
        rule: rule("gdpr_art34", 0, 0),
        ..gdpr(Answer::Yes)
    }
}

#[test]
fn durations_read_in_the_two_largest_units() {
    let text = |secs: i64| duration_text(SignedDuration::from_secs(secs));
    assert_eq!(text(0), "under a minute");
    assert_eq!(text(59), "under a minute");
    assert_eq!(text(60), "1 min");
    assert_eq!(text(3 * 3600 + 20 * 60 + 59), "3 h 20 min");
    assert_eq!(text(70 * 3600 + 30 * 60), "2 d 22 h");
    assert_eq!(text(-5), "under a minute");
}

#[test]
fn a_running_clock_says_how_long_is_left_and_whether_it_is_provisional() {
    let assessed = gdpr(Answer::Yes).status(at("2026-05-04T10:30:00Z"));
    assert_eq!(assessed.state, ClockState::Running);
    assert_eq!(assessed.level, ClockLevel::OnTrack);
    // 70.5 hours left.
    assert_eq!(assessed.summary, "due in 2 d 22 h");
    assert_eq!(assessed.elapsed_seconds, 5400);
    assert_eq!(assessed.elapsed_fraction, Some(1.5 / 72.0));
    assert_eq!(assessed.due_text(), "2026-05-07 09:00 UTC");
    assert!(!assessed.provisional);
    assert_eq!(assessed.basis(), "assessed");

    let provisional = gdpr(Answer::Unknown).status(at("2026-05-04T10:30:00Z"));
    assert!(provisional.provisional);
    assert_eq!(provisional.basis(), "provisional: assessment needed");
    assert_eq!(provisional.summary, assessed.summary);
}

#[test]
fn a_clock_is_overdue_only_once_its_due_moment_has_come() {
    let deadline = gdpr(Answer::Yes);
    let before = deadline.status(at("2026-05-07T08:59:00Z"));
    assert_eq!(before.state, ClockState::Running);
    assert_eq!(before.level, ClockLevel::EightyPercentElapsed);
    assert_eq!(before.summary, "due in 1 min");
    let due = deadline.status(at("2026-05-07T09:00:00Z"));
    assert_eq!(due.state, ClockState::Overdue);
    assert_eq!(due.level, ClockLevel::Overdue);
    assert_eq!(due.summary, "overdue by under a minute");
    let after = deadline.status(at("2026-05-07T12:15:00Z"));
    assert_eq!(after.summary, "overdue by 3 h 15 min");
    assert_eq!(after.elapsed_fraction, Some(75.25 / 72.0));
}

#[test]
fn an_immediate_obligation_shows_the_time_elapsed_and_is_never_overdue_by_itself() {
    let deadline = gdpr_art34();
    let status = deadline.status(at("2026-05-04T12:20:00Z"));
    assert_eq!(status.state, ClockState::Immediate);
    assert_eq!(status.level, ClockLevel::Immediate);
    assert_eq!(status.summary, "due immediately, 3 h 20 min elapsed");
    assert_eq!(status.elapsed_seconds, 3 * 3600 + 20 * 60);
    assert_eq!(status.elapsed_fraction, None);
    assert_eq!(status.due_text(), "immediately");
    // A week later it is still "immediately", with a week gone.
    let later = deadline.status(at("2026-05-11T12:20:00Z"));
    assert_eq!(later.state, ClockState::Immediate);
    assert_eq!(later.summary, "due immediately, 7 d 3 h elapsed");
    assert_eq!(
        deadline.crossed_between(at("2026-05-01T00:00:00Z"), at("2026-06-01T00:00:00Z")),
        [Crossing {
            level: ClockLevel::Immediate,
            at: at("2026-05-04T09:00:00Z")
        }]
    );
}

#[test]
fn an_immediate_obligation_with_a_fixed_limit_is_overdue_after_that_limit() {
    // AI Act Art. 73: causal link Friday 4 September 2026 08:00 UTC, aware
    // Tuesday 1 September 10:00 UTC, so at the latest 15 days after
    // awareness: Wednesday 16 September 10:00 UTC.
    let deadline = Deadline {
        regime: "eu_ai_act_art73".into(),
        report: "initial".into(),
        report_name: "Initial report".into(),
        started_at: at("2026-09-04T08:00:00Z"),
        due_at: at("2026-09-04T08:00:00Z"),
        rule: rule("eu_ai_act_art73", 0, 0),
        latest_at: Some(at("2026-09-16T10:00:00Z")),
        ..gdpr(Answer::Yes)
    };
    assert_eq!(
        deadline.crossings(),
        [
            Crossing {
                level: ClockLevel::Immediate,
                at: at("2026-09-04T08:00:00Z")
            },
            Crossing {
                level: ClockLevel::Overdue,
                at: at("2026-09-16T10:00:00Z")
            }
        ]
    );
    let before = deadline.status(at("2026-09-16T09:59:00Z"));
    assert_eq!(before.state, ClockState::Immediate);
    assert_eq!(
        before.due_text(),
        "immediately, at the latest 2026-09-16 10:00 UTC"
    );
    let after = deadline.status(at("2026-09-16T11:00:00Z"));
    assert_eq!(after.state, ClockState::Overdue);
    assert_eq!(after.summary, "overdue by 1 h 0 min");
    let late = Deadline {
        submitted_at: Some(at("2026-09-17T10:00:00Z")),
        ..deadline
    }
    .status(at("2026-09-20T00:00:00Z"));
    assert_eq!(late.state, ClockState::Late);
    assert_eq!(
        late.summary,
        "late: submitted 2026-09-17 10:00 UTC, 1 d 0 h after the due moment"
    );
}

#[test]
fn a_submission_stops_the_clock_as_met_or_late() {
    let met = Deadline {
        submitted_at: Some(at("2026-05-06T12:00:00Z")),
        ..gdpr(Answer::Yes)
    }
    .status(at("2026-05-09T00:00:00Z"));
    assert_eq!(met.state, ClockState::Met);
    assert!(met.stopped());
    assert_eq!(met.summary, "met: submitted 2026-05-06 12:00 UTC");
    assert_eq!(met.elapsed_seconds, 51 * 3600);
    let late = Deadline {
        submitted_at: Some(at("2026-05-07T10:30:00Z")),
        ..gdpr(Answer::Yes)
    }
    .status(at("2026-05-09T00:00:00Z"));
    assert_eq!(late.state, ClockState::Late);
    assert_eq!(
        late.summary,
        "late: submitted 2026-05-07 10:30 UTC, 1 h 30 min after the due moment"
    );
    // "Immediately" with no fixed limit is met whenever it is submitted.
    let immediate = Deadline {
        submitted_at: Some(at("2026-05-05T09:00:00Z")),
        ..gdpr_art34()
    }
    .status(at("2026-05-09T00:00:00Z"));
    assert_eq!(immediate.state, ClockState::Met);
}

/// A SEV1 privacy leak declared on Tuesday 15 September 2026 at 10:00 UTC,
/// nothing assessed yet.
fn unassessed_privacy_leak() -> Incident {
    let details: SystemDetails = serde_json::from_value(json!({
        "name": "Support assistant", "model_versions": [{"version": "v3", "known_good": true}]
    }))
    .unwrap();
    let systems = [AiSystem {
        slug: "assistant".into(),
        details,
    }];
    let input: DeclareIncident = serde_json::from_value(json!({
        "title": "Assistant shows other customers' addresses", "severity": "sev1",
        "severity_rationale": "personal data of many customers exposed",
        "systems": ["assistant"], "harms": ["privacy", "legal_regulatory"],
    }))
    .unwrap();
    declare(input, 1, "alice", &systems, at("2026-09-15T10:00:00Z"))
        .unwrap()
        .incident
}

#[test]
fn an_unassessed_incident_has_provisional_clocks_and_none_overdue_at_declaration() {
    let incident = unassessed_privacy_leak();
    let table = RegimeTable::builtin();
    let config = RegulatoryConfig::default();
    let now = at("2026-09-15T10:05:00Z");
    let none = assessment(&incident, None, table, &config, now).unwrap();
    // Without a record and with an empty one: the same clocks.
    let empty = assessment(
        &incident,
        Some(&RegulatoryRecord::default()),
        table,
        &config,
        now,
    )
    .unwrap();
    assert_eq!(none, empty);
    let shown: Vec<String> = none
        .clocks
        .iter()
        .map(|c| {
            format!(
                "{}/{} {} | {} | {}",
                c.deadline.regime,
                c.deadline.report,
                c.due_text(),
                c.summary,
                c.basis()
            )
        })
        .collect();
    // Every regime's earliest possible limit, an unanswered condition binding
    // (AI Act and EU MDR 2 days, DORA's 4 hours from awareness as its
    // classification, FDA's 5 working days: Wed, Thu, Fri, Mon, Tue; OSHA's
    // 8 hours for a death).
    let p = "provisional: assessment needed";
    assert_eq!(
        shown,
        [
            format!("eu_ai_act_art73/initial 2026-09-17 10:00 UTC | due in 1 d 23 h | {p}"),
            format!(
                "eu_ai_act_art26_5/inform_provider immediately | due immediately, 5 min elapsed | {p}"
            ),
            format!("gdpr_art33/notification 2026-09-18 10:00 UTC | due in 2 d 23 h | {p}"),
            format!("gdpr_art34/communication immediately | due immediately, 5 min elapsed | {p}"),
            format!("nis2_art23/early_warning 2026-09-16 10:00 UTC | due in 23 h 55 min | {p}"),
            format!("nis2_art23/notification 2026-09-18 10:00 UTC | due in 2 d 23 h | {p}"),
            format!("nis2_art23/final 2026-10-18 10:00 UTC | due in 32 d 23 h | {p}"),
            format!("dora_art19/initial 2026-09-15 14:00 UTC | due in 3 h 55 min | {p}"),
            format!("dora_art19/intermediate 2026-09-18 14:00 UTC | due in 3 d 3 h | {p}"),
            format!("dora_art19/final 2026-10-18 14:00 UTC | due in 33 d 3 h | {p}"),
            format!("fda_21cfr803/mdr_report 2026-09-22 10:00 UTC | due in 6 d 23 h | {p}"),
            format!("eu_mdr_art87/initial 2026-09-17 10:00 UTC | due in 1 d 23 h | {p}"),
            format!("osha_1904_39/report 2026-09-15 18:00 UTC | due in 7 h 55 min | {p}"),
        ]
    );
    assert!(
        none.clocks
            .iter()
            .all(|c| c.state != ClockState::Overdue && c.level != ClockLevel::Overdue),
        "{shown:#?}"
    );
    assert_eq!(
        none.reportable,
        crate::incident::Reportable::Unknown,
        "nothing is decided yet"
    );
}
