//! The life of a stakeholder update: draft, edit, approval and sending.

use super::*;
use crate::incident::{CommandRole, DeclareIncident, Incident, RoleAssignment, declare};
use crate::oncall::ContactKind;
use crate::system::{AiSystem, SystemDetails};
use serde_json::json;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn incident(severity: &str) -> Incident {
    let details: SystemDetails = serde_json::from_value(json!({
        "name": "Scoring", "model_versions": [{"version": "v1", "known_good": true}]
    }))
    .unwrap();
    let systems = [AiSystem {
        slug: "scoring".into(),
        details,
    }];
    let input: DeclareIncident = serde_json::from_value(json!({
        "title": "Scores all zero", "severity": severity, "severity_rationale": "everyone refused",
        "systems": ["scoring"], "detected_at": "2026-03-01T09:00:00Z",
    }))
    .unwrap();
    declare(input, 4, "alice", &systems, at("2026-03-01T09:30:00Z"))
        .unwrap()
        .incident
}

fn with_role(mut incident: Incident, role: CommandRole, user: &str) -> Incident {
    incident.roles.push(RoleAssignment {
        role,
        user: user.into(),
    });
    incident
}

fn ceo() -> Vec<UpdateRecipient> {
    vec![UpdateRecipient {
        contact: ContactKind::Email,
        address: "ceo@example.org".into(),
        systems: vec!["scoring".into()],
    }]
}

fn drafted(incident: &Incident) -> Updates {
    Updates::default()
        .draft(
            incident,
            Audience::Executives,
            "board_brief",
            ("Brief".into(), "Scores are zero.\n".into()),
            "alice",
            at("2026-03-01T10:00:00Z"),
        )
        .unwrap()
        .updates
}

fn conflict(result: Result<UpdateChange, DomainError>) -> String {
    match result {
        Err(DomainError::Conflict { message, .. }) => message,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn approval_is_required_by_severity_as_configured() {
    let rule = ApprovalRule::default();
    let required: Vec<bool> = Severity::ALL
        .iter()
        .map(|s| rule.requires_approval(*s))
        .collect();
    assert_eq!(required, [true, true, false, false]);
    let strict = ApprovalRule {
        severities: Severity::ALL.to_vec(),
    };
    assert!(strict.requires_approval(Severity::Sev4));
    assert_eq!(
        "SEV1, sev3".parse::<ApprovalRule>().unwrap().severities,
        [Severity::Sev1, Severity::Sev3]
    );
    assert!(
        "none"
            .parse::<ApprovalRule>()
            .unwrap()
            .severities
            .is_empty()
    );
    assert!("sev5".parse::<ApprovalRule>().unwrap_err().contains("sev5"));
}

#[test]
fn a_sev1_update_is_sent_only_once_approved_and_records_its_recipients() {
    let incident = with_role(incident("sev1"), CommandRole::CommunicationsLead, "carol");
    let updates = drafted(&incident);
    let now = at("2026-03-01T10:05:00Z");
    let refused =
        conflict(updates.send(&incident, 1, &ApprovalRule::default(), ceo(), "alice", now));
    assert_eq!(
        refused,
        "INC-4 is SEV1: update 1 needs the communications lead's approval (carol) before it is sent"
    );
    let approved = updates.approve(&incident, 1, "carol", now).unwrap();
    assert_eq!(approved.update.status, UpdateStatus::Approved);
    assert_eq!(approved.event.body["action"], "approved");
    let sent = approved
        .updates
        .send(&incident, 1, &ApprovalRule::default(), ceo(), "alice", now)
        .unwrap();
    assert_eq!(sent.update.status, UpdateStatus::Sent);
    assert_eq!(sent.update.recipients, ceo());
    assert_eq!(sent.event.kind, EventKind::StakeholderUpdate);
    assert_eq!(
        sent.event.body["recipients"][0]["address"],
        "ceo@example.org"
    );
    let again = conflict(
        sent.updates
            .edit(&incident, 1, (None, Some("x".into())), "alice", now),
    );
    assert!(again.contains("was sent"), "{again}");
}

#[test]
fn a_sev3_update_goes_out_without_approval_but_never_to_nobody() {
    let incident = incident("sev3");
    let updates = drafted(&incident);
    let now = at("2026-03-01T10:05:00Z");
    let rule = ApprovalRule::default();
    match updates.send(&incident, 1, &rule, Vec::new(), "alice", now) {
        Err(DomainError::Invalid(fields)) => {
            assert_eq!(fields[0].field, "audience");
            assert!(fields[0].message.contains("scoring"), "{fields:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        updates
            .send(&incident, 1, &rule, ceo(), "alice", now)
            .is_ok()
    );
}

#[test]
fn editing_an_approved_update_takes_the_approval_back() {
    let incident = incident("sev2");
    let now = at("2026-03-01T10:05:00Z");
    let approved = drafted(&incident)
        .approve(&incident, 1, "alice", now)
        .unwrap()
        .updates;
    let edited = approved
        .edit(
            &incident,
            1,
            (None, Some("Scores recovered.\n".into())),
            "bob",
            now,
        )
        .unwrap();
    assert_eq!(edited.update.status, UpdateStatus::Drafted);
    assert_eq!(edited.update.approved, None);
    assert_eq!(edited.update.edited.as_ref().unwrap().by, "bob");
    let same = edited.updates.edit(
        &incident,
        1,
        (None, Some("Scores recovered.\n".into())),
        "bob",
        now,
    );
    assert!(matches!(same, Err(DomainError::Invalid(_))));
}

#[test]
fn text_is_checked_and_unknown_updates_are_named() {
    let incident = incident("sev3");
    let now = at("2026-03-01T10:05:00Z");
    let bad = Updates::default().draft(
        &incident,
        Audience::Internal,
        "internal_alert",
        ("two\nlines".into(), " ".into()),
        "alice",
        now,
    );
    match bad {
        Err(DomainError::Invalid(fields)) => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["subject", "body"]);
        }
        other => panic!("{other:?}"),
    }
    match drafted(&incident).approve(&incident, 9, "alice", now) {
        Err(DomainError::Invalid(fields)) => assert_eq!(fields[0].message, "INC-4 has no update 9"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_communications_lead_approves_else_the_commander_and_admins_always() {
    let bare = incident("sev1");
    let admin = Caller {
        name: "root",
        admin: true,
    };
    let alice = Caller {
        name: "alice",
        admin: false,
    };
    let carol = Caller {
        name: "carol",
        admin: false,
    };
    assert!(may_approve(&bare, admin).is_ok());
    assert!(
        may_approve(&bare, alice)
            .unwrap_err()
            .contains("only an admin")
    );
    let commanded = with_role(bare, CommandRole::Commander, "alice");
    assert!(may_approve(&commanded, alice).is_ok());
    assert!(
        may_approve(&commanded, carol)
            .unwrap_err()
            .contains("alice, the commander")
    );
    let led = with_role(commanded, CommandRole::CommunicationsLead, "carol");
    assert!(may_approve(&led, carol).is_ok());
    assert_eq!(
        may_approve(&led, alice).unwrap_err(),
        "only carol, the communications lead of INC-4, or an admin approves its updates"
    );
}

#[test]
fn templates_are_filled_from_the_record_and_split_at_the_subject_line() {
    let incident = with_role(incident("sev1"), CommandRole::Commander, "alice");
    let context = template_context(&incident, Audience::Executives, at("2026-03-01T10:00:00Z"));
    assert_eq!(context["incident"]["id"], "INC-4");
    assert_eq!(context["incident"]["severity"], "SEV1");
    assert_eq!(context["incident"]["commander"], "alice");
    assert_eq!(context["incident"]["detected_at"], "2026-03-01 09:00 UTC");
    assert_eq!(context["incident"]["systems"], json!(["scoring"]));
    let (subject, body) =
        split_subject("Subject:  INC-4 brief \n\nLine one\nLine two\n\n").unwrap();
    assert_eq!(
        (subject.as_str(), body.as_str()),
        ("INC-4 brief", "Line one\nLine two\n")
    );
    assert!(split_subject("no subject\nbody").is_err());
}
