use super::*;
use crate::incident::{DeclareIncident, declare};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn system() -> AiSystem {
    serde_json::from_value(json!({
        "slug": "scoring",
        "name": "Scoring",
        "model_versions": [{"version": "v1", "known_good": true}, {"version": "v2"}]
    }))
    .unwrap()
}

fn incident(kind: &str) -> Incident {
    let input: DeclareIncident = serde_json::from_value(json!({
        "title": "t", "severity": "sev2", "severity_rationale": "r", "systems": ["scoring"], "kind": kind,
        "detected_at": "2026-03-01T09:00:00Z"
    }))
    .unwrap();
    declare(input, 1, "alice", &[system()], at("2026-03-01T10:00:00Z"))
        .unwrap()
        .incident
}

fn request(mode: ControlMode, evidence: Option<EvidenceDecision>) -> ContainmentRequest {
    ContainmentRequest {
        system: "scoring".into(),
        mode,
        reason: "bias against group C".into(),
        evidence,
    }
}

fn check(incident: &Incident, request: ContainmentRequest, expected: Result<&str, &str>) {
    let current = ControlState::initial("scoring", Namespace::for_incident(incident.kind));
    let result = contain(
        incident,
        &request,
        &system(),
        &current,
        "bob",
        at("2026-03-01T11:00:00Z"),
    );
    match (result, expected) {
        (Ok((change, state)), Ok(status)) => {
            assert_eq!(change.incident.status.as_str(), status);
            assert_eq!(state.version, 1);
            assert_eq!(state.mode, request.mode);
        }
        (Err(error), Err(message)) => assert!(error.to_string().contains(message), "{error}"),
        (result, expected) => panic!("{result:?} vs {expected:?}"),
    }
}

#[test]
fn containment_rules() {
    let real = incident("real");
    check(&real, request(ControlMode::Disabled, None), Ok("contained"));
    check(
        &real,
        request(ControlMode::HumanReview, None),
        Ok("contained"),
    );
    check(
        &real,
        request(
            ControlMode::PinnedVersion {
                model_version: "v1".into(),
            },
            None,
        ),
        Err("evidence"),
    );
    let preserved = EvidenceDecision::Preserved {
        reference: "snapshot s3://x".into(),
    };
    check(
        &real,
        request(
            ControlMode::PinnedVersion {
                model_version: "v1".into(),
            },
            Some(preserved.clone()),
        ),
        Ok("contained"),
    );
    check(
        &real,
        request(
            ControlMode::PinnedVersion {
                model_version: "v2".into(),
            },
            Some(preserved.clone()),
        ),
        Err("not marked known-good"),
    );
    check(
        &real,
        request(
            ControlMode::PinnedVersion {
                model_version: "v9".into(),
            },
            Some(preserved),
        ),
        Err("not a model version"),
    );
    check(
        &real,
        request(
            ControlMode::Fallback {
                fallback: " ".into(),
            },
            None,
        ),
        Err("name the fallback"),
    );
    check(
        &real,
        request(ControlMode::Normal, None),
        Err("already normal"),
    );
    let mut elsewhere = request(ControlMode::Disabled, None);
    elsewhere.system = "chatbot".into();
    check(&real, elsewhere, Err("not an affected system"));
}

#[test]
fn a_non_reportable_incident_may_roll_back_without_an_evidence_record() {
    let mut real = incident("real");
    real.reportable = Reportable::No;
    check(
        &real,
        request(
            ControlMode::PinnedVersion {
                model_version: "v1".into(),
            },
            None,
        ),
        Ok("contained"),
    );
}

#[test]
fn drills_act_on_the_drill_namespace() {
    let drill = incident("drill");
    let current = ControlState::initial("scoring", Namespace::Drill);
    let (_, state) = contain(
        &drill,
        &request(ControlMode::Disabled, None),
        &system(),
        &current,
        "bob",
        at("2026-03-01T11:00:00Z"),
    )
    .unwrap();
    assert_eq!(state.namespace, Namespace::Drill);
}

#[test]
fn containment_stamps_contained_at_once() {
    let real = incident("real");
    let current = ControlState::initial("scoring", Namespace::Production);
    let now = at("2026-03-01T11:00:00Z");
    let (change, _) = contain(
        &real,
        &request(ControlMode::Disabled, None),
        &system(),
        &current,
        "bob",
        now,
    )
    .unwrap();
    assert_eq!(change.incident.times.contained_at, Some(now));
    let kinds: Vec<_> = change.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::ContainmentAction,
            EventKind::StatusChanged,
            EventKind::TimeChanged,
            EventKind::TimeChanged
        ]
    );
}
