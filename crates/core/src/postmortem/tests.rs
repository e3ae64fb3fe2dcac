use super::*;
use crate::action::{ActionKind, ActionStatus, Level};
use crate::cause::CauseSummary;
use crate::incident::{Reportable, Status, Timestamps};
use crate::lint::LintSeverity;
use jiff::civil::date;
use serde_json::Value;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn incident(kind: IncidentKind, severity: Severity) -> Incident {
    Incident {
        number: 7,
        title: "Approval rate for group C fell".into(),
        summary: "Scoring v2 rejected most applicants of group C for 3 hours.".into(),
        kind,
        status: Status::Recovered,
        severity,
        severity_rationale: "many applicants".into(),
        systems: vec!["scoring".into()],
        model_versions: vec!["v2".into()],
        harms: vec![HarmCategory::DiscriminationBias],
        people_affected: Some(1200),
        tags: vec![],
        times: Timestamps {
            impact_started_at: Some(at("2026-03-01T08:00:00Z")),
            detected_at: Some(at("2026-03-01T09:00:00Z")),
            declared_at: Some(at("2026-03-01T09:00:00Z")),
            contained_at: Some(at("2026-03-01T09:40:00Z")),
            recovered_at: Some(at("2026-03-01T11:00:00Z")),
            ..Timestamps::default()
        },
        roles: vec![
            RoleAssignment {
                role: CommandRole::Commander,
                user: "alice".into(),
            },
            RoleAssignment {
                role: CommandRole::MlLead,
                user: "bob".into(),
            },
            RoleAssignment {
                role: CommandRole::Scribe,
                user: "dan".into(),
            },
        ],
        merged_into: None,
        reportable: Reportable::Unknown,
        detection_source: None,
        impact: Default::default(),
        severity_assessment: None,
        recurrence_of: None,
    }
}

fn timeline() -> Vec<Event> {
    let entries: [(EventKind, &str, Value); 7] = [
        (
            EventKind::Declared,
            "09:00",
            json!({"incident": {"severity": "sev2", "title": "t", "systems": ["scoring"]}, "declared_by": "alert"}),
        ),
        (
            EventKind::AlertLinked,
            "09:00",
            json!({"alert_id": "a-1", "source": "alertmanager", "summary": "approval rate for group C below 40%"}),
        ),
        (
            EventKind::Note,
            "09:10",
            json!({"text": "looking at the feature store"}),
        ),
        (
            EventKind::StatusChanged,
            "09:15",
            json!({"from": "triage", "to": "investigating", "reason": null}),
        ),
        (
            EventKind::ContainmentAction,
            "09:40",
            json!({"before": {"mode": "serving"}, "after": {"mode": "fallback", "fallback": "rules-v1", "system": "scoring", "namespace": "production", "reason": "bias"}}),
        ),
        (
            EventKind::Decision,
            "10:00",
            json!({"text": "keep the fallback until the contract test exists"}),
        ),
        (
            EventKind::RoleChanged,
            "10:05",
            json!({"role": "scribe", "from": [], "to": "dan"}),
        ),
    ];
    let mut events: Vec<Event> = Vec::new();
    for (kind, time, body) in entries {
        let when = at(&format!("2026-03-01T{time}:00Z"));
        let previous = events.last().map(|e| (e.seq, e.hash.clone()));
        events.push(Event::seal(
            "INC-7",
            previous.as_ref().map(|(seq, hash)| (*seq, hash.as_str())),
            EventDraft {
                kind,
                occurred_at: when,
                actor: "alice".into(),
                body,
            },
            when,
            "s".into(),
        ));
    }
    events
}

fn cause(statement: &str) -> CauseEntry {
    CauseEntry {
        statement: statement.into(),
        category: CauseCategory::Process,
    }
}

fn action(id: &str, root_cause: &str, title: &str) -> ActionItem {
    ActionItem {
        id: id.into(),
        title: title.into(),
        kind: ActionKind::Preventive,
        owner: Some("carol".into()),
        due: Some(date(2026, 4, 1)),
        impact: Level::High,
        effort: Level::Medium,
        addresses: Some(CauseLink::RootCause {
            id: root_cause.into(),
        }),
        success_criterion: Some("100% of pipeline runs check the income unit".into()),
        status: ActionStatus::Open,
        status_reason: None,
        ticket_url: None,
        verification: Default::default(),
        ticket: None,
    }
}

fn drafted() -> PostMortem {
    draft(DraftInput {
        incident: incident(IncidentKind::Real, Severity::Sev2),
        events: timeline(),
        causes: Some(CauseSummary {
            proximate_cause: cause("Scoring v2 read income in cents"),
            root_causes: vec![
                cause("The upstream schema changed without a contract test"),
                cause("No drift alert covered the income feature"),
            ],
            contributing_factors: vec![cause("The fallback model was untested for group C")],
        }),
        action_items: vec![
            action("act-1", "rc-1", "Add a contract test on the income column"),
            action("act-2", "rc-2", "Alert on PSI of income above 0.2"),
            action("act-3", "rc-1", "Version the upstream schema"),
        ],
        findings: vec![ForensicFinding {
            title: "Drift on income".into(),
            summary: "PSI 4.1 between 1 and 2 March".into(),
            input_sha256: "ab".repeat(32),
        }],
        evidence: vec![EvidenceRef {
            reference: "evidence/3".into(),
            description: "prediction log 1–2 March".into(),
            sha256: Some("cd".repeat(32)),
        }],
        changes_before: vec![prior_change()],
        template: "default".into(),
    })
}

/// [`drafted`] with every section a SEV2 needs written.
/// A drafted post-mortem with its action items, for tests of their progress.
pub(super) fn postmortem_with_action() -> PostMortem {
    written()
}

fn written() -> PostMortem {
    let mut pm = drafted();
    pm.impact.description = Some("Group C applicants were declined for two days".into());
    pm.response.narrative = Some("Scoring rolled back to v1 at 14:05".into());
    pm.went_well = Some("The fallback held".into());
    pm.went_wrong = Some("The drift alert was not routed".into());
    pm.lessons = Some("Contracts on upstream schemas".into());
    pm
}

/// The scoring model promoted an hour before the incident began.
fn prior_change() -> crate::change::PriorChange {
    use crate::change::{ChangeKind, ChangeOrigin, NewChange};
    let at: Timestamp = "2026-03-01T07:00:00Z".parse().unwrap();
    let change = NewChange {
        system: "scoring".into(),
        kind: ChangeKind::ModelPromoted,
        version_from: Some("v1".into()),
        version_to: Some("v2".into()),
        by: Some("ci".into()),
        at: Some(at),
        link: None,
        description: "retrained on February data".into(),
        external_id: None,
    }
    .record(7, ChangeOrigin::Api, "ci", at);
    crate::change::PriorChange {
        change,
        path: vec!["scoring".into()],
        before_seconds: 3_600,
    }
}

#[test]
fn draft_fills_every_section_the_data_allows() {
    let pm = drafted();
    assert_eq!(pm.status, PostMortemStatus::Draft);
    assert_eq!(
        pm.missing_sections(),
        [
            "impact.description",
            "response.narrative",
            "went_well",
            "went_wrong",
            "got_lucky",
            "lessons"
        ]
    );
    let pinned: Vec<u64> = pm.timeline.iter().map(|p| p.seq).collect();
    assert_eq!(pinned, [1, 2, 4, 5, 6]);
    assert_eq!(pm.timeline[0].hash, timeline()[0].hash);
    assert_eq!(pm.detection.time_to_detect_seconds, Some(3600));
    assert_eq!(
        pm.detection.how.as_deref(),
        Some(
            "Declared automatically from alert a-1 from alertmanager: approval rate for group C below 40%"
        )
    );
    assert_eq!(pm.response.time_to_contain_seconds, Some(2400));
    assert_eq!(pm.response.containment.len(), 1);
    assert_eq!(pm.response.containment[0].event_seq, 5);
    assert_eq!(pm.impact.duration_seconds, Some(3 * 3600));
    assert_eq!(pm.impact.people_affected, Some(1200));
    let ids: Vec<&str> = pm.root_causes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["rc-1", "rc-2"]);
    assert_eq!(pm.next_root_cause_id(), "rc-3");
    assert_eq!(pm.contributing_factors.len(), 1);
    assert_eq!(pm.action_items.len(), 3);
    assert_eq!(pm.appendix.analyses.len(), 1);
    assert!(pm.validate().is_ok());
    assert!(pm.smart_findings(&LintConfig::default(), &[]).is_empty());
}

#[test]
fn a_bare_draft_leaves_the_causes_to_do() {
    let pm = draft(DraftInput {
        incident: Incident {
            summary: String::new(),
            ..incident(IncidentKind::Real, Severity::Sev2)
        },
        events: vec![],
        causes: None,
        action_items: vec![],
        findings: vec![],
        evidence: vec![],
        changes_before: vec![],
        template: "default".into(),
    });
    let missing = pm.missing_sections();
    for section in [
        "summary",
        "timeline",
        "detection.how",
        "proximate_cause",
        "root_causes",
        "action_items",
    ] {
        assert!(missing.contains(&section), "{section}");
    }
}

fn people() -> Vec<String> {
    ["alice", "bob", "carol", "dan"].map(String::from).to_vec()
}

fn step(pm: &PostMortem, to: PostMortemStatus) -> Result<PostMortem, DomainError> {
    step_as(pm, to, Role::Commander, None, None)
}

fn step_as(
    pm: &PostMortem,
    to: PostMortemStatus,
    role: Role,
    reason: Option<&str>,
    override_reason: Option<&str>,
) -> Result<PostMortem, DomainError> {
    pm.transition(
        PostMortemTransition {
            to,
            reason: reason.map(String::from),
            override_reason: override_reason.map(String::from),
        },
        "alice",
        role,
        &ApprovalContext {
            severity: Severity::Sev2,
            config: &LintConfig::default(),
            people: &people(),
        },
        at("2026-03-05T10:00:00Z"),
    )
    .map(|change| change.postmortem)
}

fn sign(
    pm: &PostMortem,
    user: &str,
    role: CommandRole,
    decision: ReviewDecision,
) -> Result<PostMortemChange, DomainError> {
    pm.sign_off(
        SignOffRequest {
            role,
            decision,
            comment: Some("looks right".into()),
        },
        user,
        &incident(IncidentKind::Real, Severity::Sev2).roles,
        at("2026-03-05T09:00:00Z"),
    )
}

fn fields(error: DomainError) -> Vec<String> {
    match error {
        DomainError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

#[test]
fn workflow_follows_the_table() {
    let pm = written();
    assert!(matches!(
        step(&pm, PostMortemStatus::Approved),
        Err(DomainError::Conflict { allowed, .. }) if allowed == ["in_review"]
    ));
    let review = step(&pm, PostMortemStatus::InReview).unwrap();
    assert_eq!(review.review_round, 1);
    assert!(review.ensure_editable().is_err());
    let back = step(&review, PostMortemStatus::Draft).unwrap();
    let review = step(&back, PostMortemStatus::InReview).unwrap();
    assert_eq!(review.review_round, 2);
    let review = sign(
        &review,
        "alice",
        CommandRole::Commander,
        ReviewDecision::Approve,
    )
    .unwrap()
    .postmortem;
    let approved = step(&review, PostMortemStatus::Approved).unwrap();
    let published = step(&approved, PostMortemStatus::Published).unwrap();
    assert!(matches!(
        step_as(&published, PostMortemStatus::Draft, Role::Commander, Some("typo"), None),
        Err(DomainError::Conflict { allowed, .. }) if allowed.is_empty()
    ));
    assert_eq!(
        fields(step_as(&published, PostMortemStatus::Draft, Role::Admin, None, None).unwrap_err()),
        ["reason"]
    );
    let reopened = step_as(
        &published,
        PostMortemStatus::Draft,
        Role::Admin,
        Some("new evidence"),
        None,
    )
    .unwrap();
    assert_eq!(reopened.status, PostMortemStatus::Draft);
}

#[test]
fn sign_offs_need_the_incident_role_and_are_timeline_events() {
    let review = step(&drafted(), PostMortemStatus::InReview).unwrap();
    assert_eq!(
        fields(sign(&review, "dan", CommandRole::Scribe, ReviewDecision::Approve).unwrap_err()),
        ["role"]
    );
    assert_eq!(
        fields(
            sign(
                &review,
                "alice",
                CommandRole::LegalLiaison,
                ReviewDecision::Approve
            )
            .unwrap_err()
        ),
        ["role"]
    );
    let change = sign(&review, "bob", CommandRole::MlLead, ReviewDecision::Approve).unwrap();
    assert_eq!(change.events[0].kind, EventKind::PostmortemSignedOff);
    assert_eq!(change.events[0].body["role"], "ml_lead");
    assert_eq!(change.postmortem.sign_offs[0].round, 1);
    let no_comment = review.sign_off(
        SignOffRequest {
            role: CommandRole::MlLead,
            decision: ReviewDecision::RequestChanges,
            comment: None,
        },
        "bob",
        &incident(IncidentKind::Real, Severity::Sev2).roles,
        at("2026-03-05T09:00:00Z"),
    );
    assert_eq!(fields(no_comment.unwrap_err()), ["comment"]);
    assert!(matches!(
        sign(
            &drafted(),
            "alice",
            CommandRole::Commander,
            ReviewDecision::Approve
        ),
        Err(DomainError::Conflict { .. })
    ));
}

#[test]
fn lint_names_each_field_path() {
    let mut pm = drafted();
    pm.root_causes[1].statement = "Bob's fault: he should have known".into();
    pm.action_items[0].title = "Improve monitoring".into();
    pm.went_well = Some("Obviously the fallback worked".into());
    let found: Vec<(String, LintSeverity)> =
        lint_postmortem(&pm, &LintConfig::default(), &people())
            .into_iter()
            .map(|f| (f.field, f.severity))
            .collect();
    assert_eq!(
        found,
        [
            ("root_causes[1].statement".to_string(), LintSeverity::Error),
            ("root_causes[1].statement".to_string(), LintSeverity::Error),
            ("went_well".to_string(), LintSeverity::Warning),
            ("action_items[0].title".to_string(), LintSeverity::Warning),
        ]
    );
}

#[test]
fn approval_gate_names_blockers_and_takes_a_recorded_override() {
    let mut pm = written();
    pm.root_causes[0].statement = "Human error in the deploy".into();
    pm.action_items[1].owner = None;
    pm.action_items[2].addresses = Some(CauseLink::RootCause { id: "rc-9".into() });
    pm.action_items.push(ActionItem {
        id: "act-4".into(),
        status: ActionStatus::WontDo,
        status_reason: Some("superseded by act-1".into()),
        owner: None,
        ..action("act-4", "rc-1", "Improve monitoring")
    });
    let review = step(&pm, PostMortemStatus::InReview).unwrap();
    assert_eq!(
        fields(step(&review, PostMortemStatus::Approved).unwrap_err()),
        [
            "root_causes[0].statement",
            "action_items[1].owner",
            "action_items[2].addresses",
            "sign_offs"
        ]
    );
    let changes = sign(
        &review,
        "bob",
        CommandRole::MlLead,
        ReviewDecision::RequestChanges,
    )
    .unwrap()
    .postmortem;
    let signed = sign(
        &changes,
        "alice",
        CommandRole::Commander,
        ReviewDecision::Approve,
    )
    .unwrap()
    .postmortem;
    let refused = step_as(
        &signed,
        PostMortemStatus::Approved,
        Role::Admin,
        None,
        Some("accepted risk"),
    );
    assert_eq!(fields(refused.unwrap_err()), ["sign_offs"]);
    let agreed = sign(&signed, "bob", CommandRole::MlLead, ReviewDecision::Approve)
        .unwrap()
        .postmortem;
    assert_eq!(
        fields(step(&agreed, PostMortemStatus::Approved).unwrap_err()).len(),
        3
    );
    let change = agreed
        .transition(
            PostMortemTransition {
                to: PostMortemStatus::Approved,
                reason: None,
                override_reason: Some("owner named at the review meeting".into()),
            },
            "alice",
            Role::Admin,
            &ApprovalContext {
                severity: Severity::Sev2,
                config: &LintConfig::default(),
                people: &people(),
            },
            at("2026-03-05T10:00:00Z"),
        )
        .unwrap();
    let recorded = change.postmortem.approval_override.unwrap();
    assert_eq!(recorded.by, "alice");
    assert_eq!(recorded.findings.len(), 3);
    assert_eq!(
        change.events[0].body["override"]["reason"],
        "owner named at the review meeting"
    );
    let sealed = Event::seal(
        "INC-7",
        None,
        change.events[0].clone(),
        at("2026-03-05T10:00:00Z"),
        "s".into(),
    );
    assert_eq!(sealed.describe(), "post-mortem in_review → approved");
}

#[test]
fn sections_to_do_need_an_admins_override_and_a_todo_marker_is_never_approved() {
    let review = step(&drafted(), PostMortemStatus::InReview).unwrap();
    let signed = sign(
        &review,
        "alice",
        CommandRole::Commander,
        ReviewDecision::Approve,
    )
    .unwrap()
    .postmortem;
    let unwritten = [
        "impact.description",
        "response.narrative",
        "went_well",
        "went_wrong",
        "lessons",
    ];
    assert_eq!(
        fields(step(&signed, PostMortemStatus::Approved).unwrap_err()),
        unwritten
    );
    // A commander cannot wave them through; an admin can, on the record.
    assert_eq!(
        fields(
            step_as(
                &signed,
                PostMortemStatus::Approved,
                Role::Commander,
                None,
                Some("later")
            )
            .unwrap_err()
        ),
        ["override_reason"]
    );
    let approved = step_as(
        &signed,
        PostMortemStatus::Approved,
        Role::Admin,
        None,
        Some("SEV2 downgraded after review; short form agreed"),
    )
    .unwrap();
    let overridden = approved.approval_override.unwrap().findings;
    assert_eq!(overridden.len(), 5, "{overridden:?}");
    assert!(overridden[0].starts_with("impact.description: not written yet"));

    // A SEV3 needs only what happened, why and what changes.
    let context = ApprovalContext {
        severity: Severity::Sev3,
        config: &LintConfig::default(),
        people: &people(),
    };
    let kinds: Vec<BlockerKind> = signed
        .approval_blockers(&context)
        .iter()
        .map(|b| b.kind)
        .collect();
    assert_eq!(kinds, [BlockerKind::Unwritten]);

    // A to-do marker, or a blank section, or an uncovered root cause.
    let mut pm = written();
    pm.went_well = Some("The fallback held.\nTODO: ask the on-call rota".into());
    pm.lessons = Some("  ".into());
    pm.action_items.retain(|item| item.id != "act-2");
    let review = step(&pm, PostMortemStatus::InReview).unwrap();
    let signed = sign(
        &review,
        "alice",
        CommandRole::Commander,
        ReviewDecision::Approve,
    )
    .unwrap()
    .postmortem;
    let blockers = signed.approval_blockers(&ApprovalContext {
        severity: Severity::Sev2,
        ..context
    });
    let found: Vec<(&str, BlockerKind)> = blockers
        .iter()
        .map(|b| (b.field.as_str(), b.kind))
        .collect();
    assert_eq!(
        found,
        [
            ("lessons", BlockerKind::Unwritten),
            ("went_well", BlockerKind::TodoMarker),
            ("root_causes[1]", BlockerKind::Uncovered),
        ]
    );
    assert!(
        blockers[1].message.contains("TODO at line 2"),
        "{:?}",
        blockers[1]
    );
    assert_eq!(
        fields(
            step_as(
                &signed,
                PostMortemStatus::Approved,
                Role::Admin,
                None,
                Some("ship it")
            )
            .unwrap_err()
        ),
        ["went_well"]
    );
}

#[test]
fn close_gate_needs_an_approved_post_mortem_for_real_sev1_and_sev2() {
    let real = incident(IncidentKind::Real, Severity::Sev1);
    let draft = drafted();
    let refused = close_gate(&real, Some(&draft), Role::Commander, None).unwrap_err();
    let DomainError::Conflict { message, .. } = refused else {
        panic!("expected a conflict");
    };
    assert!(
        message.contains("INC-7") && message.contains("post-mortem is draft"),
        "{message}"
    );
    assert!(matches!(
        close_gate(&real, None, Role::Commander, None),
        Err(DomainError::Conflict { message, .. }) if message.contains("has no post-mortem")
    ));
    let approved = PostMortem {
        status: PostMortemStatus::Published,
        ..drafted()
    };
    assert_eq!(
        close_gate(&real, Some(&approved), Role::Commander, None),
        Ok(CloseGate::Satisfied)
    );
    for exempt in [
        incident(IncidentKind::Drill, Severity::Sev1),
        incident(IncidentKind::Test, Severity::Sev2),
        incident(IncidentKind::Real, Severity::Sev3),
    ] {
        assert_eq!(
            close_gate(&exempt, None, Role::Responder, None),
            Ok(CloseGate::NotRequired)
        );
    }
    assert_eq!(
        close_gate(&real, None, Role::Admin, Some("duplicate of INC-6")),
        Ok(CloseGate::Overridden {
            reason: "duplicate of INC-6".into()
        })
    );
    assert_eq!(
        fields(close_gate(&real, None, Role::Commander, Some("in a hurry")).unwrap_err()),
        ["override_reason"]
    );
    assert!(close_gate(&real, None, Role::Admin, Some("  ")).is_err());
}

#[test]
fn pins_are_checked_and_the_document_round_trips_as_json() {
    let events = timeline();
    let pm = drafted();
    assert_eq!(fields(pm.pin(&events[0]).unwrap_err()), ["seq"]);
    let pinned = pm.pin(&events[2]).unwrap();
    assert_eq!(
        pinned.timeline.iter().map(|p| p.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    let unpinned = pinned.unpin(3).unwrap();
    assert_eq!(unpinned.timeline, pm.timeline);
    let json = serde_json::to_value(&pm).unwrap();
    assert_eq!(json["status"], "draft");
    assert_eq!(json["went_well"], Value::Null);
    assert_eq!(serde_json::from_value::<PostMortem>(json).unwrap(), pm);
}
