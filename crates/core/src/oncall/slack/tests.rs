use super::*;
use crate::incident::{DeclareIncident, RoleAssignment, Severity, declare};
use crate::oncall::{ContactKind, NotificationRule};
use crate::system::{AiSystem, SystemDetails};
use serde_json::{Value, json};

fn slack(slug: &str, min: Severity) -> Channel {
    Channel {
        slug: slug.into(),
        kind: ChannelKind::Slack,
        systems: vec![],
        min_severity: min,
        endpoint: None,
        account: None,
        from: None,
        project: None,
    }
}

fn incident(title: &str, severity: Severity) -> Incident {
    let details: SystemDetails = serde_json::from_value(json!({
        "name": "Scoring", "model_versions": [{"version": "v1", "known_good": true}]
    }))
    .unwrap();
    let systems = [AiSystem {
        slug: "scoring".into(),
        details,
    }];
    let input: DeclareIncident = serde_json::from_value(json!({
        "title": title, "severity": severity, "severity_rationale": "harm",
        "systems": ["scoring"], "detected_at": "2026-12-01T09:00:00Z",
    }))
    .unwrap();
    declare(
        input,
        42,
        "alice",
        &systems,
        "2026-12-01T10:00:00Z".parse().unwrap(),
    )
    .unwrap()
    .incident
}

fn event(seq: u64, kind: EventKind, body: Value) -> Event {
    Event {
        stream: "INC-42".into(),
        seq,
        kind,
        occurred_at: "2026-12-01T10:00:00Z".parse().unwrap(),
        recorded_at: "2026-12-01T10:00:00Z".parse().unwrap(),
        actor: "alice".into(),
        body,
        state_hash: String::new(),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

fn contacts() -> BTreeMap<String, ContactMethods> {
    let with_slack = ContactMethods {
        email: None,
        slack_user_id: Some("U0CAROL".into()),
        webhook_url: None,
        phone: None,
        rules: vec![NotificationRule {
            contact: ContactKind::Slack,
            delay_minutes: 0,
        }],
    };
    BTreeMap::from([("carol".to_string(), with_slack)])
}

fn steps(found: &[SlackNotice]) -> Vec<(&str, &SlackStep)> {
    found
        .iter()
        .map(|n| (n.idempotency_key.as_str(), &n.step))
        .collect()
}

#[test]
fn channel_names_are_slack_safe_and_fit() {
    assert_eq!(
        channel_name(&incident("Scores all ZERO!", Severity::Sev2)),
        "inc-42-scores-all-zero"
    );
    assert_eq!(
        channel_name(&incident("Bias: über_model  (v2)", Severity::Sev2)),
        "inc-42-bias-ber_model-v2"
    );
    assert_eq!(
        channel_name(&incident("¿¡!", Severity::Sev2)),
        "inc-42",
        "a title without a usable character leaves the number"
    );
    let long = channel_name(&incident(&"word ".repeat(40), Severity::Sev2));
    assert!(
        long.len() <= MAX_CHANNEL_NAME && !long.ends_with('-'),
        "{long}"
    );
    assert_eq!(numbered_name("inc-42-x", 1), "inc-42-x");
    assert_eq!(numbered_name("inc-42-x", 2), "inc-42-x-2");
    let numbered = numbered_name(&long, 12);
    assert!(numbered.len() <= MAX_CHANNEL_NAME && numbered.ends_with("-12"));
}

#[test]
fn a_declaration_creates_the_channel_invites_role_holders_and_posts_with_a_link() {
    let mut declared = incident("Scores all zero", Severity::Sev2);
    declared.roles.push(RoleAssignment {
        role: crate::incident::CommandRole::Commander,
        user: "carol".into(),
    });
    let events = [event(1, EventKind::Declared, json!({}))];
    let found = slack_notices(
        &[slack("ops", Severity::Sev2), slack("major", Severity::Sev1)],
        &declared,
        &events,
        &contacts(),
    );
    let keys: Vec<&str> = found.iter().map(|n| n.idempotency_key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "slack:ops:INC-42:create",
            "slack:ops:INC-42:create-invite",
            "slack:ops:INC-42:declared"
        ],
        "a SEV2 does not reach a SEV1-only workspace"
    );
    assert_eq!(
        found[0].step,
        SlackStep::Create {
            name: "inc-42-scores-all-zero".into()
        }
    );
    assert_eq!(
        found[1].step,
        SlackStep::Invite {
            users: vec!["U0CAROL".into()]
        }
    );
    assert!(
        matches!(&found[2].step, SlackStep::Post { text, link: true } if text.starts_with("INC-42 declared: SEV2 Scores all zero"))
    );
}

#[test]
fn key_moments_are_posted_and_new_role_holders_invited() {
    let current = incident("Scores all zero", Severity::Sev1);
    let events = [
        event(
            5,
            EventKind::FieldChanged,
            json!({"field": "severity", "from": "sev2", "to": "sev1"}),
        ),
        event(
            6,
            EventKind::RoleChanged,
            json!({"role": "commander", "from": null, "to": "carol"}),
        ),
        event(
            7,
            EventKind::RoleChanged,
            json!({"role": "ml_lead", "from": null, "to": "dave"}),
        ),
        event(8, EventKind::Note, json!({"text": "looking"})),
        event(
            9,
            EventKind::StatusChanged,
            json!({"from": "triage", "to": "contained", "reason": "fallback"}),
        ),
        event(
            10,
            EventKind::StakeholderUpdate,
            json!({"update": 1, "action": "approved", "audience": "execs", "subject": "s"}),
        ),
        event(
            11,
            EventKind::StakeholderUpdate,
            json!({"update": 1, "action": "sent", "audience": "execs", "subject": "Scores restored"}),
        ),
    ];
    let found = slack_notices(
        &[slack("ops", Severity::Sev4)],
        &current,
        &events,
        &contacts(),
    );
    let posts: Vec<(&str, &SlackStep)> = steps(&found);
    let text = |i: usize| match posts[i].1 {
        SlackStep::Post { text, .. } => text.as_str(),
        other => panic!("not a post: {other:?}"),
    };
    assert_eq!(posts.len(), 6, "{posts:#?}");
    assert_eq!(posts[0].0, "slack:ops:INC-42:5-post");
    assert_eq!(text(0), "Severity SEV2 → SEV1 (by alice)");
    assert_eq!(
        posts[1],
        (
            "slack:ops:INC-42:6-invite",
            &SlackStep::Invite {
                users: vec!["U0CAROL".into()]
            }
        )
    );
    assert_eq!(text(2), "carol is now commander (assigned by alice)");
    assert_eq!(
        text(3),
        "dave is now ml lead (assigned by alice)",
        "dave has no Slack id: posted, not invited"
    );
    assert!(
        text(4).starts_with("Status triage → contained"),
        "{}",
        text(4)
    );
    assert_eq!(text(5), "Stakeholder update sent to execs: Scores restored");
}

#[test]
fn a_raise_to_the_channels_severity_creates_the_channel_and_others_hear_nothing() {
    let raised = incident("Scores all zero", Severity::Sev1);
    let change = [event(
        3,
        EventKind::FieldChanged,
        json!({"field": "severity", "from": "sev3", "to": "sev1"}),
    )];
    let found = slack_notices(
        &[slack("major", Severity::Sev1)],
        &raised,
        &change,
        &contacts(),
    );
    let keys: Vec<&str> = found.iter().map(|n| n.idempotency_key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "slack:major:INC-42:create",
            "slack:major:INC-42:declared",
            "slack:major:INC-42:3-post"
        ]
    );
    let minor = incident("Scores all zero", Severity::Sev3);
    let note = [event(4, EventKind::Note, json!({"text": "x"}))];
    assert!(
        slack_notices(
            &[slack("major", Severity::Sev1)],
            &minor,
            &note,
            &contacts()
        )
        .is_empty()
    );
    let declared = [event(1, EventKind::Declared, json!({}))];
    assert!(
        crate::oncall::notices(&[slack("ops", Severity::Sev4)], &minor, &[]).is_empty()
            && slack_notices(
                &[slack("major", Severity::Sev1)],
                &minor,
                &declared,
                &contacts()
            )
            .is_empty()
    );
}
