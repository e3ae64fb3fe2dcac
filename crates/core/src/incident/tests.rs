use super::*;
use crate::system::{AiSystem, SystemDetails};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn inventory() -> Vec<AiSystem> {
    let details: SystemDetails = serde_json::from_value(json!({
        "name": "Credit scoring",
        "model_versions": [{"version": "v1", "known_good": true}, {"version": "v2"}]
    }))
    .unwrap();
    vec![AiSystem {
        slug: "scoring".into(),
        details,
    }]
}

fn declare_input() -> DeclareIncident {
    serde_json::from_value(json!({
        "title": "Approval rate for group C fell",
        "severity": "sev2",
        "severity_rationale": "Many applicants affected",
        "systems": ["scoring"],
        "model_versions": ["v2"],
        "impact_started_at": "2026-03-01T08:00:00Z",
        "detected_at": "2026-03-01T09:00:00Z",
    }))
    .unwrap()
}

fn declared() -> Incident {
    declare(
        declare_input(),
        1,
        "alice",
        &inventory(),
        at("2026-03-01T10:00:00Z"),
    )
    .unwrap()
    .incident
}

#[test]
fn declaring_sets_triage_and_default_times() {
    let change = declare(
        declare_input(),
        7,
        "alice",
        &inventory(),
        at("2026-03-01T10:00:00Z"),
    )
    .unwrap();
    let incident = change.incident;
    assert_eq!(incident.public_id(), "INC-7");
    assert_eq!(incident.status, Status::Triage);
    assert_eq!(incident.times.aware_at, Some(at("2026-03-01T09:00:00Z")));
    assert_eq!(incident.times.declared_at, Some(at("2026-03-01T10:00:00Z")));
    assert_eq!(change.events.len(), 1);
    assert_eq!(change.events[0].kind, EventKind::Declared);
}

#[test]
fn declaring_names_every_missing_piece() {
    let mut input = declare_input();
    input.title = " ".into();
    input.severity_rationale = String::new();
    input.systems = vec!["nowhere".into()];
    let err = declare(input, 1, "alice", &inventory(), at("2026-03-01T10:00:00Z")).unwrap_err();
    let DomainError::Invalid(fields) = err else {
        panic!()
    };
    let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        names,
        [
            "title",
            "severity_rationale",
            "systems[0]",
            "model_versions[0]"
        ]
    );
}

#[test]
fn alert_declarations_need_no_human_rationale() {
    let mut input = declare_input();
    input.severity_rationale = String::new();
    input.declared_by = DeclaredBy::Alert;
    assert!(
        declare(
            input,
            1,
            "alertmanager",
            &inventory(),
            at("2026-03-01T10:00:00Z")
        )
        .is_ok()
    );
}

#[test]
fn invalid_transition_lists_the_allowed_ones() {
    let incident = declared();
    let err = incident
        .transition(
            TransitionRequest {
                to: Status::Closed,
                reason: None,
                occurred_at: None,
                merged_into: None,
                override_reason: None,
            },
            "bob",
            at("2026-03-01T11:00:00Z"),
        )
        .unwrap_err();
    assert_eq!(
        err,
        DomainError::Conflict {
            message: "INC-1 cannot go from triage to closed; allowed: investigating, contained, declined, merged".into(),
            allowed: vec!["investigating".into(), "contained".into(), "declined".into(), "merged".into()],
        }
    );
}

fn go(incident: &Incident, to: Status, when: &str) -> Incident {
    incident
        .transition(
            TransitionRequest {
                to,
                reason: Some("because".into()),
                occurred_at: None,
                merged_into: None,
                override_reason: None,
            },
            "bob",
            at(when),
        )
        .unwrap()
        .incident
}

#[test]
fn the_full_walk_stamps_each_moment() {
    let mut incident = declared();
    for (status, when) in [
        (Status::Investigating, "2026-03-01T11:00:00Z"),
        (Status::Contained, "2026-03-01T12:00:00Z"),
        (Status::Eradicated, "2026-03-02T12:00:00Z"),
        (Status::Recovered, "2026-03-03T12:00:00Z"),
        (Status::Postmortem, "2026-03-04T12:00:00Z"),
        (Status::Closed, "2026-03-05T12:00:00Z"),
    ] {
        incident = go(&incident, status, when);
    }
    let t = &incident.times;
    assert_eq!(t.acknowledged_at, Some(at("2026-03-01T11:00:00Z")));
    assert_eq!(t.contained_at, Some(at("2026-03-01T12:00:00Z")));
    assert_eq!(t.eradicated_at, Some(at("2026-03-02T12:00:00Z")));
    assert_eq!(t.recovered_at, Some(at("2026-03-03T12:00:00Z")));
    assert_eq!(t.closed_at, Some(at("2026-03-05T12:00:00Z")));
}

#[test]
fn containment_may_come_straight_from_triage() {
    let incident = go(&declared(), Status::Contained, "2026-03-01T11:00:00Z");
    assert_eq!(incident.status, Status::Contained);
    assert_eq!(incident.times.acknowledged_at, incident.times.contained_at);
}

#[test]
fn reopening_needs_a_reason_and_clears_closed_at() {
    let mut incident = declared();
    incident.status = Status::Closed;
    incident.times.closed_at = Some(at("2026-03-02T00:00:00Z"));
    let err = incident
        .transition(
            TransitionRequest {
                to: Status::Investigating,
                reason: None,
                occurred_at: None,
                merged_into: None,
                override_reason: None,
            },
            "bob",
            at("2026-03-03T00:00:00Z"),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "reason: reopening a closed incident needs a reason"
    );
    let reopened = go(&incident, Status::Investigating, "2026-03-03T00:00:00Z");
    assert_eq!(reopened.times.closed_at, None);
}

#[test]
fn terminal_statuses_allow_nothing() {
    let mut incident = declared();
    incident.status = Status::Declined;
    let err = incident
        .transition(
            TransitionRequest {
                to: Status::Triage,
                reason: None,
                occurred_at: None,
                merged_into: None,
                override_reason: None,
            },
            "bob",
            at("2026-03-03T00:00:00Z"),
        )
        .unwrap_err();
    assert_eq!(err.to_string(), "INC-1 is declined, which is final");
}

fn check_time_edit(field: TimeField, value: &str, expected_error: Option<&str>) {
    let incident = go(&declared(), Status::Contained, "2026-03-01T12:00:00Z");
    let result = incident.set_time(
        field,
        Some(at(value)),
        None,
        "bob",
        at("2026-03-10T00:00:00Z"),
    );
    match expected_error {
        None => assert!(result.is_ok(), "{field:?} = {value}: {result:?}"),
        Some(expected) => assert_eq!(result.unwrap_err().to_string(), expected),
    }
}

#[test]
fn timestamp_edits_keep_the_order() {
    check_time_edit(TimeField::ImpactStartedAt, "2026-03-01T07:00:00Z", None);
    check_time_edit(
        TimeField::ContainedAt,
        "2026-03-01T08:30:00Z",
        Some(
            "contained_at: contained_at (2026-03-01T08:30:00Z) must not be before detected_at (2026-03-01T09:00:00Z)",
        ),
    );
    check_time_edit(
        TimeField::DetectedAt,
        "2026-03-01T13:00:00Z",
        Some(
            "detected_at: contained_at (2026-03-01T12:00:00Z) must not be before detected_at (2026-03-01T13:00:00Z); detected_at: acknowledged_at (2026-03-01T12:00:00Z) must not be before detected_at (2026-03-01T13:00:00Z); detected_at: declared_at (2026-03-01T10:00:00Z) must not be before detected_at (2026-03-01T13:00:00Z)",
        ),
    );
    check_time_edit(
        TimeField::RecoveredAt,
        "2026-03-11T00:00:00Z",
        Some("recovered_at: 2026-03-11T00:00:00Z is in the future"),
    );
}

#[test]
fn a_time_edit_keeps_the_old_value_in_its_event() {
    let incident = declared();
    let change = incident
        .set_time(
            TimeField::AwareAt,
            Some(at("2026-03-01T09:30:00Z")),
            Some("email found".into()),
            "bob",
            at("2026-03-02T00:00:00Z"),
        )
        .unwrap();
    assert_eq!(change.events[0].body["from"], json!("2026-03-01T09:00:00Z"));
    assert_eq!(change.events[0].body["to"], json!("2026-03-01T09:30:00Z"));
}

#[test]
fn commander_handover_replaces_and_acknowledges() {
    let now = at("2026-03-01T10:30:00Z");
    let first = declared()
        .assign(CommandRole::Commander, Some("alice".into()), "alice", now)
        .unwrap();
    assert_eq!(first.incident.times.acknowledged_at, Some(now));
    assert_eq!(first.events.len(), 2);
    let handed = first
        .incident
        .assign(CommandRole::Commander, Some("bob".into()), "alice", now)
        .unwrap();
    assert_eq!(handed.incident.holder(CommandRole::Commander), Some("bob"));
    assert_eq!(handed.events[0].body["from"], json!(["alice"]));
    let participants = handed
        .incident
        .assign(CommandRole::Participant, Some("carol".into()), "bob", now)
        .unwrap()
        .incident
        .assign(CommandRole::Participant, Some("dan".into()), "bob", now)
        .unwrap()
        .incident;
    assert_eq!(participants.roles.len(), 3);
}

#[test]
fn severity_change_needs_a_rationale() {
    let patch = IncidentPatch {
        severity: Some(Severity::Sev1),
        ..IncidentPatch::default()
    };
    let err = declared()
        .edit(patch, "bob", &inventory(), at("2026-03-02T00:00:00Z"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "severity_rationale: a new severity needs a rationale"
    );
}

#[test]
fn public_ids_parse_both_ways() {
    assert_eq!(parse_public_id("INC-12"), Ok(12));
    assert_eq!(parse_public_id("12"), Ok(12));
    assert!(parse_public_id("INC-x").is_err());
    assert!(parse_public_id("INC-0").is_err());
}

/// Found by fuzzing: `INC-+1` parsed as INC-1, a second spelling of an id.
#[test]
fn public_ids_take_no_sign() {
    assert!(parse_public_id("INC-+1").is_err());
    assert!(parse_public_id("+1").is_err());
    assert!(parse_public_id("INC--1").is_err());
}

#[test]
fn impact_edits_merge_and_each_field_goes_on_the_timeline() {
    let patch: IncidentPatch = serde_json::from_value(json!({
        "detection_source": "complaint",
        "impact": {
            "people_affected_confirmed": 1200,
            "currency": "eur",
            "refunds": 45000,
            "downtime_minutes": {"scoring": 90}
        }
    }))
    .unwrap();
    let change = declared()
        .edit(patch, "bob", &inventory(), at("2026-03-02T00:00:00Z"))
        .unwrap();
    let incident = change.incident;
    assert_eq!(incident.detection_source, Some(DetectionSource::Complaint));
    assert_eq!(incident.impact.currency.as_deref(), Some("EUR"));
    assert_eq!(incident.impact.total_cost(), 45000);
    let fields: Vec<&str> = change
        .events
        .iter()
        .map(|e| e.body["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "detection_source",
            "impact.currency",
            "impact.downtime_minutes",
            "impact.people_affected_confirmed",
            "impact.refunds"
        ]
    );

    // A later edit keeps what it does not name; zero minutes removes.
    let patch: IncidentPatch = serde_json::from_value(json!({
        "impact": {"penalties": 5000, "downtime_minutes": {"scoring": 0}}
    }))
    .unwrap();
    let next = incident
        .edit(patch, "bob", &inventory(), at("2026-03-02T01:00:00Z"))
        .unwrap()
        .incident;
    assert_eq!(next.impact.total_cost(), 50000);
    assert!(next.impact.downtime_minutes.is_empty());
    assert_eq!(next.impact.people_affected_confirmed, Some(1200));
}

#[test]
fn impact_edits_name_each_bad_field() {
    let patch: IncidentPatch = serde_json::from_value(json!({
        "impact": {"refunds": 10, "currency": "euro", "downtime_minutes": {"ghost": 5}}
    }))
    .unwrap();
    let error = declared()
        .edit(patch, "bob", &inventory(), at("2026-03-02T00:00:00Z"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "impact.currency: `EURO` is not an ISO 4217 code such as EUR or USD; \
         impact.currency: name the currency of the amounts (ISO 4217, e.g. EUR); \
         impact.downtime_minutes.ghost: unknown system `ghost`"
    );
}

#[test]
fn a_record_without_impact_reads_back_to_the_same_text() {
    let incident = declared();
    let text = serde_json::to_string(&incident).unwrap();
    assert!(!text.contains("\"impact\""), "{text}");
    assert!(!text.contains("detection_source"), "{text}");
    let back: Incident = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
}
