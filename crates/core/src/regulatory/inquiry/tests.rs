use super::*;
use crate::incident::{DeclareIncident, declare};
use crate::regulatory::{ClockLevel, ClockState, RegimeTable, due_warnings};
use crate::system::{AiSystem, SystemDetails};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn incident(kind: &str) -> Incident {
    let details: SystemDetails = serde_json::from_value(json!({"name": "Scoring"})).unwrap();
    let systems = [AiSystem {
        slug: "scoring".into(),
        details,
    }];
    let input: DeclareIncident = serde_json::from_value(json!({
        "title": "Approval rate for group C fell", "severity": "sev2",
        "severity_rationale": "thousands of applicants", "systems": ["scoring"], "kind": kind,
    }))
    .unwrap();
    declare(input, 1, "alice", &systems, at("2026-03-01T08:00:00Z"))
        .unwrap()
        .incident
}

fn new(within: Option<&str>, due_at: Option<&str>) -> NewInquiry {
    NewInquiry {
        regulator: "BaFin".into(),
        reference: "GZ 2026/114".into(),
        received_at: at("2026-03-02T09:00:00Z"),
        due_at: due_at.map(at),
        within: within.map(str::to_string),
        questions: vec![
            "Which applicants were affected?".into(),
            "What did the model's fairness audit find?".into(),
        ],
    }
}

const OPENED: &str = "2026-03-02T10:00:00Z";

fn opened(within: &str) -> (RegulatoryRecord, Inquiry) {
    let (record, inquiry, event) = open_inquiry(
        &RegulatoryRecord::default(),
        new(Some(within), None),
        &RegulatoryConfig::default(),
        "carol",
        at(OPENED),
    )
    .unwrap();
    assert_eq!(event.kind, EventKind::RegulatorInquiry);
    assert_eq!(event.body["action"], "opened");
    (record, inquiry)
}

/// The inquiry's clock as every surface gets it: through the assessment.
fn clock(record: &RegulatoryRecord, now: &str) -> crate::regulatory::ClockStatus {
    record
        .assess(
            &incident("real"),
            RegimeTable::builtin(),
            &RegulatoryConfig::default(),
            at(now),
        )
        .unwrap()
        .clocks
        .into_iter()
        .find(|c| c.deadline.regime == INQUIRY_REGIME)
        .expect("the inquiry's clock is assessed")
}

#[test]
fn a_72_hour_inquiry_runs_from_receipt_and_crosses_50_and_80_percent_at_36_and_57_6_hours() {
    let (record, inquiry) = opened("72h");
    assert_eq!(inquiry.id, "Q1");
    assert_eq!(inquiry.due_at, at("2026-03-05T09:00:00Z"));
    assert_eq!(inquiry.due_rule, DueRule::Within(Period::Hours(72)));
    let deadline = inquiry.deadline();
    assert_eq!(deadline.report_name, "Inquiry GZ 2026/114 from BaFin");
    assert_eq!(deadline.started_at, inquiry.received_at);
    let crossings: Vec<(ClockLevel, Timestamp)> = deadline
        .crossings()
        .iter()
        .map(|c| (c.level, c.at))
        .collect();
    assert_eq!(
        crossings,
        [
            (ClockLevel::HalfElapsed, at("2026-03-03T21:00:00Z")),
            // 57.6 hours after receipt.
            (ClockLevel::EightyPercentElapsed, at("2026-03-04T18:36:00Z")),
            (ClockLevel::Overdue, at("2026-03-05T09:00:00Z")),
        ]
    );
    assert_eq!(
        clock(&record, "2026-03-03T20:59:00Z").level,
        ClockLevel::OnTrack
    );
    assert_eq!(
        clock(&record, "2026-03-03T21:00:00Z").level,
        ClockLevel::HalfElapsed
    );
    let late = clock(&record, "2026-03-04T18:36:00Z");
    assert_eq!(late.level, ClockLevel::EightyPercentElapsed);
    assert_eq!(late.state, ClockState::Running);
    assert_eq!(late.summary, "due in 14 h 24 min");
    assert_eq!(
        RegimeTable::builtin().regime_name(&late.deadline.regime),
        "Regulator inquiry"
    );
}

#[test]
fn warnings_go_once_each_like_a_regimes_clock() {
    let (record, _) = opened("72h");
    let now = at("2026-03-04T19:00:00Z");
    let assessment = record
        .assess(
            &incident("real"),
            RegimeTable::builtin(),
            &RegulatoryConfig::default(),
            now,
        )
        .unwrap();
    let (record, due) = due_warnings(&record, &assessment, now);
    let inquiry_levels: Vec<ClockLevel> = due
        .iter()
        .filter(|(c, _)| c.deadline.regime == INQUIRY_REGIME)
        .map(|(_, w)| w.level)
        .collect();
    assert_eq!(
        inquiry_levels,
        [ClockLevel::HalfElapsed, ClockLevel::EightyPercentElapsed]
    );
    let (_, again) = due_warnings(&record, &assessment, now);
    assert!(
        again
            .iter()
            .all(|(c, _)| c.deadline.regime != INQUIRY_REGIME)
    );
}

#[test]
fn days_count_on_the_configured_wall_clock_and_a_given_moment_is_kept() {
    let config = RegulatoryConfig {
        time_zone: Some("Europe/Berlin".into()),
        ..Default::default()
    };
    let mut spring = new(Some("10d"), None);
    spring.received_at = at("2026-03-27T09:00:00Z");
    let (_, inquiry, _) = open_inquiry(
        &RegulatoryRecord::default(),
        spring,
        &config,
        "carol",
        at("2026-03-27T10:00:00Z"),
    )
    .unwrap();
    // 10:00 in Berlin before and after the clocks went forward.
    assert_eq!(inquiry.due_at, at("2026-04-06T08:00:00Z"));

    let (_, given, _) = open_inquiry(
        &RegulatoryRecord::default(),
        new(None, Some("2026-03-04T16:30:00Z")),
        &config,
        "carol",
        at(OPENED),
    )
    .unwrap();
    assert_eq!(given.due_rule, DueRule::Given);
    assert_eq!(given.due_at, at("2026-03-04T16:30:00Z"));
    assert_eq!(given.deadline().rule.within, Period::Hours(55));
}

#[test]
fn answering_every_question_then_submitting_stops_the_clock() {
    let (record, _) = opened("72h");
    let (record, event) = answer_question(
        &record,
        "Q1",
        1,
        "1,204 applicants in group C",
        "carol",
        at(OPENED),
    )
    .unwrap();
    assert_eq!(event.body["question"], 1);
    assert_eq!(event.body["edited"], false);
    let (record, _) = answer_question(
        &record,
        "Q1",
        2,
        "See the fairness audit.",
        "dan",
        at(OPENED),
    )
    .unwrap();
    let submitted_at = at("2026-03-04T10:00:00Z");
    let submit = |record: &RegulatoryRecord| {
        submit_inquiry(
            &incident("real"),
            record,
            "Q1",
            None,
            None,
            "erin",
            submitted_at,
        )
    };
    let (record, event) = submit(&record).unwrap();
    assert_eq!(event.body["reference"], "GZ 2026/114");
    let inquiry = record.inquiry("Q1").unwrap();
    assert_eq!(inquiry.submitted_by.as_deref(), Some("erin"));
    assert_eq!(inquiry.submitted_reference.as_deref(), Some("GZ 2026/114"));
    let stopped = clock(&record, "2026-03-06T00:00:00Z");
    assert_eq!(stopped.state, ClockState::Met);
    assert!(stopped.stopped());
    // Frozen at the submission, 68 % gone: never overdue afterwards.
    assert_eq!(stopped.level, ClockLevel::HalfElapsed);

    let twice = submit(&record);
    assert!(
        matches!(twice, Err(DomainError::Conflict { ref message, .. }) if message.contains("already submitted")),
        "{twice:?}"
    );
    let edit = answer_question(&record, "Q1", 1, "changed", "carol", submitted_at);
    assert!(matches!(edit, Err(DomainError::Conflict { .. })));
}

#[test]
fn a_partial_response_needs_a_reason_and_a_drill_sends_none() {
    let (record, _) = opened("72h");
    let (record, _) =
        answer_question(&record, "Q1", 2, "See the audit.", "dan", at(OPENED)).unwrap();
    let now = at("2026-03-03T09:00:00Z");
    let refused = submit_inquiry(&incident("real"), &record, "Q1", None, None, "erin", now);
    match refused {
        Err(DomainError::Conflict { message, .. }) => {
            assert!(message.contains("unanswered questions (1)"), "{message}");
            assert!(message.contains("unanswered_reason"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let (partial, event) = submit_inquiry(
        &incident("real"),
        &record,
        "Q1",
        Some("GZ 2026/114-A"),
        Some("the applicant count is still being reconciled"),
        "erin",
        now,
    )
    .unwrap();
    assert_eq!(event.body["unanswered"], json!([1]));
    let inquiry = partial.inquiry("Q1").unwrap();
    assert_eq!(
        inquiry.submitted_reference.as_deref(),
        Some("GZ 2026/114-A")
    );
    assert!(inquiry.unanswered_reason.is_some());

    let drill = submit_inquiry(
        &incident("drill"),
        &record,
        "Q1",
        None,
        Some("x"),
        "erin",
        now,
    );
    assert!(
        matches!(drill, Err(DomainError::Conflict { ref message, .. }) if message.contains("D11"))
    );
}

fn fields(error: DomainError) -> Vec<String> {
    match error {
        DomainError::Invalid(fields) => fields.into_iter().map(|f| f.field).collect(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_inquiries_name_every_field_at_once() {
    let open = |new: NewInquiry| {
        open_inquiry(
            &RegulatoryRecord::default(),
            new,
            &RegulatoryConfig::default(),
            "carol",
            at(OPENED),
        )
        .map(|_| ())
    };
    let neither = open(new(None, None)).unwrap_err();
    assert_eq!(fields(neither), ["due_at"]);
    let both = open(new(Some("72h"), Some("2026-03-04T00:00:00Z"))).unwrap_err();
    assert_eq!(fields(both), ["within"]);
    let before = open(new(None, Some("2026-03-01T00:00:00Z"))).unwrap_err();
    assert_eq!(fields(before), ["due_at"]);
    let blank = NewInquiry {
        regulator: " ".into(),
        reference: String::new(),
        received_at: at("2026-03-09T00:00:00Z"),
        questions: vec!["ok".into(), "  ".into()],
        ..new(Some("3 weeks"), None)
    };
    assert_eq!(
        fields(open(blank).unwrap_err()),
        [
            "regulator",
            "reference",
            "received_at",
            "questions[1]",
            "within"
        ]
    );
    let none = NewInquiry {
        questions: vec![],
        ..new(Some("72h"), None)
    };
    assert_eq!(fields(open(none).unwrap_err()), ["questions"]);

    let (record, _) = opened("72h");
    let out_of_range = answer_question(&record, "Q1", 3, "x", "carol", at(OPENED)).unwrap_err();
    assert_eq!(fields(out_of_range), ["question"]);
    let empty = answer_question(&record, "Q1", 1, "  ", "carol", at(OPENED)).unwrap_err();
    assert_eq!(fields(empty), ["answer"]);
    let unknown = answer_question(&record, "Q9", 1, "x", "carol", at(OPENED)).unwrap_err();
    assert_eq!(fields(unknown), ["inquiry"]);
}

#[test]
fn periods_read_hours_and_days_and_refuse_the_rest() {
    assert_eq!(parse_within("72h"), Ok(Period::Hours(72)));
    assert_eq!(parse_within(" 10d "), Ok(Period::CalendarDays(10)));
    for wrong in ["0h", "72", "h", "3w", "-1d", "72 h"] {
        assert!(parse_within(wrong).is_err(), "{wrong}");
    }
}

#[test]
fn a_second_inquiry_is_numbered_after_the_first_and_old_records_read_without_any() {
    let (record, _) = opened("72h");
    let (record, second, _) = open_inquiry(
        &record,
        new(Some("10d"), None),
        &RegulatoryConfig::default(),
        "carol",
        at(OPENED),
    )
    .unwrap();
    assert_eq!(second.id, "Q2");
    assert_eq!(record.inquiries.len(), 2);
    let old: RegulatoryRecord =
        serde_json::from_value(json!({"reports": [], "warnings_sent": []})).unwrap();
    assert!(old.inquiries.is_empty());
}
