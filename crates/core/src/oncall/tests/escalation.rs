//! Escalation plans, what is due when, whom targets reach, and contact
//! rules.

use super::*;
use crate::incident::Severity;

fn policy(repeat: u32) -> EscalationPolicy {
    serde_json::from_value(json!({
        "slug": "credit-scoring",
        "name": "Credit scoring",
        "levels": [
            {"targets": [{"kind": "schedule", "schedule": "ml-primary"}], "timeout_minutes": 10},
            {"targets": [{"kind": "user", "user": "lead"}], "timeout_minutes": 15},
            {"targets": [{"kind": "team", "team": "ml-team"}], "timeout_minutes": 20},
        ],
        "repeat": repeat,
    }))
    .unwrap()
}

fn london() -> WorkingHours {
    WorkingHours::office("Europe/London")
}

/// `round.level@due` for each step.
fn steps(plan: &[PlannedStep]) -> Vec<String> {
    plan.iter()
        .map(|s| format!("{}.{}@{}", s.key.round, s.key.level, s.due))
        .collect()
}

fn key(round: u32, level: usize) -> StepKey {
    StepKey { round, level }
}

#[test]
fn timeouts_may_be_given_in_seconds() {
    let mut short = policy(0);
    short.levels[0].timeout_minutes = None;
    short.levels[0].timeout_seconds = Some(90);
    let plan =
        escalation_steps(&short, Severity::Sev1, at("2026-03-07T02:00Z"), &london()).unwrap();
    assert_eq!(
        steps(&plan.steps),
        [
            "0.0@2026-03-07T02:00:00Z",
            "0.1@2026-03-07T02:01:30Z",
            "0.2@2026-03-07T02:16:30Z",
        ]
    );
}

#[test]
fn high_urgency_pages_at_once_and_escalates_on_each_timeout_then_repeats() {
    let plan = escalation_steps(
        &policy(1),
        Severity::Sev1,
        at("2026-03-07T02:00Z"),
        &london(),
    )
    .unwrap();
    assert_eq!(plan.urgency, Urgency::High);
    assert_eq!(
        steps(&plan.steps),
        [
            "0.0@2026-03-07T02:00:00Z",
            "0.1@2026-03-07T02:10:00Z",
            "0.2@2026-03-07T02:25:00Z",
            "1.0@2026-03-07T02:45:00Z",
            "1.1@2026-03-07T02:55:00Z",
            "1.2@2026-03-07T03:10:00Z",
        ]
    );
    let once = escalation_steps(
        &policy(0),
        Severity::Sev2,
        at("2026-03-07T02:00Z"),
        &london(),
    )
    .unwrap();
    assert_eq!(once.steps.len(), 3);
}

#[test]
fn due_now_sends_what_is_due_and_unsent_and_nothing_after_an_acknowledgement() {
    let plan = escalation_steps(
        &policy(1),
        Severity::Sev1,
        at("2026-03-07T02:00Z"),
        &london(),
    )
    .unwrap();
    let keys = |due: Vec<PlannedStep>| due.iter().map(|s| s.key).collect::<Vec<_>>();
    let now = at("2026-03-07T02:30Z");
    assert_eq!(
        keys(due_now(&plan, None, None, &[], now)),
        [key(0, 0), key(0, 1), key(0, 2)]
    );
    assert_eq!(
        keys(due_now(&plan, None, None, &[key(0, 0), key(0, 1)], now)),
        [key(0, 2)]
    );
    // Acknowledged at 02:12: nothing more, not even the step due at 02:25.
    let acked = Some(at("2026-03-07T02:12Z"));
    assert!(due_now(&plan, acked, None, &[key(0, 0)], now).is_empty());
    assert!(
        due_now(
            &plan,
            acked,
            None,
            &[key(0, 0), key(0, 1)],
            at("2026-03-07T04:00Z")
        )
        .is_empty()
    );
    assert_eq!(next_due(&plan, acked, None, &[key(0, 0)], now), None);
    // Replaying 02:11, before the acknowledgement was known.
    assert_eq!(
        keys(due_now(
            &plan,
            acked,
            None,
            &[key(0, 0)],
            at("2026-03-07T02:11Z")
        )),
        [key(0, 1)]
    );
    // Resolution stops everything too.
    let resolved = Some(at("2026-03-07T02:20Z"));
    assert!(due_now(&plan, None, resolved, &[], now).is_empty());
    // Repeat rounds follow on when nobody acknowledges.
    let sent = [key(0, 0), key(0, 1), key(0, 2)];
    assert_eq!(
        next_due(&plan, None, None, &sent, now),
        Some(at("2026-03-07T02:45Z"))
    );
    assert_eq!(
        keys(due_now(&plan, None, None, &sent, at("2026-03-07T03:00Z"))),
        [key(1, 0), key(1, 1)]
    );
    let all: Vec<StepKey> = plan.steps.iter().map(|s| s.key).collect();
    assert_eq!(next_due(&plan, None, None, &all, now), None);
    assert!(due_now(&plan, None, None, &all, at("2026-03-08T00:00Z")).is_empty());
}

/// SEV4 is low urgency: Friday 16:50 pages at once (inside working hours),
/// the 17:00 escalation waits for Monday 09:00, and the rest counts from
/// there.
#[test]
fn low_urgency_waits_for_working_hours_across_a_weekend() {
    let plan = escalation_steps(
        &policy(1),
        Severity::Sev4,
        at("2026-03-06T16:50Z"),
        &london(),
    )
    .unwrap();
    assert_eq!(plan.urgency, Urgency::Low);
    assert_eq!(
        steps(&plan.steps),
        [
            "0.0@2026-03-06T16:50:00Z",
            "0.1@2026-03-09T09:00:00Z",
            "0.2@2026-03-09T09:15:00Z",
            "1.0@2026-03-09T09:35:00Z",
            "1.1@2026-03-09T09:45:00Z",
            "1.2@2026-03-09T10:00:00Z",
        ]
    );
    // Triggered on Saturday: the first page is Monday at 09:00.
    let saturday = escalation_steps(
        &policy(0),
        Severity::Sev4,
        at("2026-03-07T12:00Z"),
        &london(),
    )
    .unwrap();
    assert_eq!(saturday.steps[0].due, at("2026-03-09T09:00Z"));
    // New York's Monday 09:00 is EDT after the weekend's clock change.
    let new_york = WorkingHours::office("America/New_York");
    let plan = escalation_steps(
        &policy(0),
        Severity::Sev4,
        at("2026-03-07T12:00Z"),
        &new_york,
    )
    .unwrap();
    assert_eq!(plan.steps[0].due, at("2026-03-09T13:00Z"));
    // A SEV1 at the same moment pages at once.
    let plan = escalation_steps(
        &policy(0),
        Severity::Sev1,
        at("2026-03-07T12:00Z"),
        &new_york,
    )
    .unwrap();
    assert_eq!(plan.steps[0].due, at("2026-03-07T12:00Z"));
}

#[test]
fn urgency_follows_the_policy() {
    let mut p = policy(0);
    p.urgency.sev1 = Urgency::Low;
    let plan = escalation_steps(&p, Severity::Sev1, at("2026-03-07T12:00Z"), &london()).unwrap();
    assert_eq!(plan.steps[0].due, at("2026-03-09T09:00Z"));
}

fn primary() -> Schedule {
    schedule(
        "Europe/London",
        json!([layer(
            daily(),
            "09:00",
            "2026-03-02T09:00",
            &["alice", "bob"]
        )]),
        json!([]),
    )
}

fn teams() -> Vec<Team> {
    vec![
        Team {
            slug: "ml-team".into(),
            members: vec!["carol".into(), "alice".into()],
        },
        Team {
            slug: "ghosts".into(),
            members: vec![],
        },
    ]
}

/// A level targeting a schedule reaches whoever is on call at that level's
/// due instant, not at the trigger.
#[test]
fn a_schedule_target_resolves_at_the_level_due_instant() {
    let mut p = policy(0);
    p.levels.swap(0, 1);
    let plan = escalation_steps(&p, Severity::Sev1, at("2026-03-06T08:50Z"), &london()).unwrap();
    let level_1 = &plan.steps[1];
    assert_eq!(level_1.due, at("2026-03-06T09:05Z"));
    let schedules = [primary()];
    let at_trigger = resolve_targets(&level_1.targets, plan.triggered_at, &schedules, &teams());
    assert_eq!(at_trigger.users[0].user, "bob");
    let when_due = resolve_targets(&level_1.targets, level_1.due, &schedules, &teams());
    assert_eq!(
        when_due,
        Recipients {
            users: vec![Recipient {
                user: "alice".into(),
                via: Target::Schedule {
                    schedule: "ml-primary".into()
                },
            }],
            unresolved: vec![],
        }
    );
}

#[test]
fn targets_reach_each_user_once_and_say_why_a_target_reached_nobody() {
    let mut restricted = primary();
    restricted.slug = "weekdays".into();
    restricted.layers[0].restrictions = vec![TimeWindow::office_hours()];
    let targets = vec![
        Target::Schedule {
            schedule: "ml-primary".into(),
        },
        Target::Team {
            team: "ml-team".into(),
        },
        Target::User {
            user: "carol".into(),
        },
        Target::Team {
            team: "ghosts".into(),
        },
        Target::Team {
            team: "nobody".into(),
        },
        Target::Schedule {
            schedule: "weekdays".into(),
        },
        Target::Schedule {
            schedule: "missing".into(),
        },
    ];
    let saturday = at("2026-03-07T12:00Z");
    let got = resolve_targets(&targets, saturday, &[primary(), restricted], &teams());
    let users: Vec<&str> = got.users.iter().map(|r| r.user.as_str()).collect();
    assert_eq!(users, ["bob", "carol", "alice"]);
    let reasons: Vec<&str> = got.unresolved.iter().map(|u| u.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "team \"ghosts\" has no members",
            "unknown team \"nobody\"",
            "nobody is on call in schedule \"weekdays\" at 2026-03-07T12:00:00Z",
            "unknown schedule \"missing\"",
        ]
    );
}

#[test]
fn policies_are_validated_with_the_field_named() {
    let bad: EscalationPolicy = serde_json::from_value(json!({
        "slug": "p",
        "name": "P",
        "levels": [
            {"targets": [{"kind": "user", "user": ""}], "timeout_minutes": 0},
            {"targets": [], "timeout_minutes": 1441},
            {"targets": [{"kind": "user", "user": "a"}], "timeout_seconds": 86401},
            {"targets": [{"kind": "user", "user": "a"}]},
            {"targets": [{"kind": "user", "user": "a"}], "timeout_minutes": 1, "timeout_seconds": 1},
        ],
        "repeat": 10,
    }))
    .unwrap();
    let fields: Vec<String> = bad
        .validate()
        .unwrap_err()
        .fields()
        .into_iter()
        .map(|f| f.field)
        .collect();
    assert_eq!(
        fields,
        [
            "repeat",
            "levels[0].timeout_minutes",
            "levels[0].targets[0].user",
            "levels[1].timeout_minutes",
            "levels[1].targets",
            "levels[2].timeout_seconds",
            "levels[3].timeout_minutes",
            "levels[4].timeout_seconds",
        ]
    );
    let text = bad.validate().unwrap_err().to_string();
    assert!(
        text.contains("levels[0].timeout_minutes: must be at least 1"),
        "{text}"
    );
    assert!(text.contains("repeat: at most 9"), "{text}");
    // The plan refuses the same policy, and a bad working-hours zone.
    assert!(escalation_steps(&bad, Severity::Sev1, at("2026-03-07T12:00Z"), &london()).is_err());
    let error = escalation_steps(
        &policy(0),
        Severity::Sev1,
        at("2026-03-07T12:00Z"),
        &WorkingHours::office("Mars/Olympus"),
    )
    .unwrap_err();
    assert_eq!(error.fields()[0].field, "working_hours.time_zone");

    let schedules = [primary()];
    let mut p = policy(0);
    p.levels[0].targets.push(Target::Schedule {
        schedule: "nope".into(),
    });
    p.levels[2].targets = vec![Target::Team {
        team: "ghosts".into(),
    }];
    let text = p
        .check_references(&schedules, &teams())
        .unwrap_err()
        .to_string();
    assert_eq!(
        text,
        "levels[0].targets[1].schedule: unknown schedule \"nope\"; \
         levels[2].targets[0].team: team \"ghosts\" has no members"
    );
    assert!(policy(0).check_references(&schedules, &teams()).is_ok());
}

#[test]
fn extreme_trigger_times_leave_out_steps_past_the_end() {
    let plan = escalation_steps(&policy(9), Severity::Sev1, Timestamp::MAX, &london()).unwrap();
    assert_eq!(plan.steps.len(), 1);
    let plan = escalation_steps(&policy(9), Severity::Sev4, Timestamp::MIN, &london()).unwrap();
    assert_eq!(plan.steps.len(), 30);
}

#[test]
fn contact_plan_orders_a_users_rules_by_delay() {
    let rules: Vec<NotificationRule> = serde_json::from_value(json!([
        {"contact": "slack"},
        {"contact": "email", "delay_minutes": 5},
        {"contact": "sms_webhook", "delay_minutes": 5},
        {"contact": "webhook", "delay_minutes": 2},
    ]))
    .unwrap();
    validate_rules(&rules).unwrap();
    let plan = contact_plan(&rules, at("2026-03-07T02:00Z"));
    let got: Vec<(String, ContactKind)> = plan
        .iter()
        .map(|s| (s.due.to_string(), s.contact))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-03-07T02:00:00Z".to_string(), ContactKind::Slack),
            ("2026-03-07T02:02:00Z".to_string(), ContactKind::Webhook),
            ("2026-03-07T02:05:00Z".to_string(), ContactKind::Email),
            ("2026-03-07T02:05:00Z".to_string(), ContactKind::SmsWebhook),
        ]
    );
    assert_eq!(plan[1].rule, 3);
    assert!(contact_plan(&rules, Timestamp::MAX).len() == 1);

    let too_late = [NotificationRule {
        contact: ContactKind::Email,
        delay_minutes: 1441,
    }];
    assert_eq!(
        validate_rules(&too_late).unwrap_err().to_string(),
        "rules[0].delay_minutes: at most 1440 (a day)"
    );
    assert!(validate_rules(&[]).is_err());
}

#[test]
fn a_raise_in_severity_replans_from_now_as_the_next_generation() {
    // Saturday 02:00: a SEV4 waits for Monday's working hours.
    let declared = at("2026-03-07T02:00Z");
    let sev4 = escalation_steps(&policy(0), Severity::Sev4, declared, &london()).unwrap();
    assert_eq!(sev4.steps[0].due, at("2026-03-09T09:00Z"));
    assert_eq!(sev4.generation, 0);

    let raised_at = at("2026-03-07T03:30Z");
    let sev1 = replan(&sev4, &policy(0), Severity::Sev1, raised_at, &london())
        .unwrap()
        .expect("a raise re-plans");
    assert_eq!(sev1.generation, 1);
    assert_eq!(sev1.severity, Severity::Sev1);
    assert_eq!(sev1.urgency, Urgency::High);
    assert_eq!(sev1.triggered_at, raised_at);
    assert_eq!(
        steps(&sev1.steps),
        [
            "0.0@2026-03-07T03:30:00Z",
            "0.1@2026-03-07T03:40:00Z",
            "0.2@2026-03-07T03:55:00Z",
        ]
    );
    // A second raise is one more generation.
    let sev2 = escalation_steps(&policy(0), Severity::Sev2, declared, &london()).unwrap();
    let again = replan(&sev2, &policy(0), Severity::Sev1, raised_at, &london()).unwrap();
    assert_eq!(again.map(|p| p.generation), Some(1));
}

#[test]
fn the_same_or_a_lower_severity_keeps_the_plan() {
    let plan = escalation_steps(
        &policy(0),
        Severity::Sev2,
        at("2026-03-07T02:00Z"),
        &london(),
    )
    .unwrap();
    for severity in [Severity::Sev2, Severity::Sev3, Severity::Sev4] {
        let kept = replan(
            &plan,
            &policy(0),
            severity,
            at("2026-03-07T03:00Z"),
            &london(),
        );
        assert_eq!(kept.unwrap(), None, "{severity:?}");
    }
}
