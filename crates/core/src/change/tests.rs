use super::webhook::{ChangeRule, ChangeSource, Heard, Provider, read_delivery};
use super::*;
use crate::alert::{MatchOp, Matcher};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn change(number: u64, system: &str, when: &str) -> ChangeEvent {
    NewChange {
        system: system.into(),
        kind: ChangeKind::Deploy,
        version_from: None,
        version_to: Some(format!("v{number}")),
        by: None,
        at: Some(at(when)),
        link: None,
        description: String::new(),
        external_id: None,
    }
    .record(number, ChangeOrigin::Api, "ci", at("2026-11-20T12:00:00Z"))
}

/// loan-offers → credit-scoring → feature-store → raw-events; fraud → feature-store.
fn graph() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([
        ("loan-offers".into(), vec!["credit-scoring".into()]),
        ("credit-scoring".into(), vec!["feature-store".into()]),
        ("feature-store".into(), vec!["raw-events".into()]),
        ("fraud".into(), vec!["feature-store".into()]),
        ("raw-events".into(), vec![]),
    ])
}

#[test]
fn changes_before_an_incident_come_from_its_systems_and_upstream_nearest_first() {
    let changes = vec![
        change(1, "raw-events", "2026-11-19T09:00:00Z"),
        change(2, "credit-scoring", "2026-11-20T08:00:00Z"),
        change(3, "loan-offers", "2026-11-20T08:30:00Z"), // downstream: not a cause
        change(4, "feature-store", "2026-11-20T07:00:00Z"),
        change(5, "credit-scoring", "2026-11-16T07:00:00Z"), // outside 72 h
        change(6, "credit-scoring", "2026-11-20T10:00:00Z"), // after the start
        change(7, "fraud", "2026-11-20T08:45:00Z"),          // a sibling
    ];
    let found = changes_before(
        &changes,
        &["credit-scoring".into()],
        &graph(),
        at("2026-11-20T09:00:00Z"),
        DEFAULT_WINDOW,
    );
    let ids: Vec<&str> = found.iter().map(|p| p.change.id.as_str()).collect();
    assert_eq!(ids, ["CH-2", "CH-4", "CH-1"]);
    assert_eq!(found[0].path, ["credit-scoring"]);
    assert_eq!(found[1].path, ["credit-scoring", "feature-store"]);
    assert_eq!(
        found[2].path,
        ["credit-scoring", "feature-store", "raw-events"]
    );
    assert_eq!(found[0].before_seconds, 3_600);
}

#[test]
fn the_window_is_bounded() {
    assert!(check_window(SignedDuration::from_hours(72)).is_ok());
    assert!(check_window(SignedDuration::ZERO).is_err());
    assert!(check_window(SignedDuration::from_hours(24 * 91)).is_err());
}

#[test]
fn the_blast_radius_names_each_dependant_with_its_path() {
    let radius = dependant_paths(&["feature-store".into()], &graph());
    assert_eq!(
        radius,
        BTreeMap::from([
            (
                "credit-scoring".to_string(),
                vec!["feature-store".to_string(), "credit-scoring".to_string()]
            ),
            (
                "fraud".to_string(),
                vec!["feature-store".to_string(), "fraud".to_string()]
            ),
            (
                "loan-offers".to_string(),
                vec![
                    "feature-store".to_string(),
                    "credit-scoring".to_string(),
                    "loan-offers".to_string()
                ]
            ),
        ])
    );
    // An affected system is not its own dependant, even when another
    // affected system depends on it.
    let both = dependant_paths(&["feature-store".into(), "credit-scoring".into()], &graph());
    assert!(!both.contains_key("credit-scoring"));
    assert_eq!(both["loan-offers"], ["credit-scoring", "loan-offers"]);
}

#[test]
fn a_change_point_names_the_nearest_change_before_it() {
    let changes = vec![
        change(1, "credit-scoring", "2026-11-18T09:00:00Z"),
        change(2, "credit-scoring", "2026-11-20T08:00:00Z"),
        change(3, "credit-scoring", "2026-11-20T11:00:00Z"),
    ];
    let found = nearest_before(&changes, at("2026-11-20T09:00:00Z"), DEFAULT_WINDOW);
    assert_eq!(found.map(|c| c.id.as_str()), Some("CH-2"));
    assert!(nearest_before(&changes, at("2026-11-17T09:00:00Z"), DEFAULT_WINDOW).is_none());
}

#[test]
fn a_shift_in_a_window_is_owed_to_a_change_before_the_window_ended() {
    let changes = vec![
        change(1, "scoring", "2026-12-01T10:00:00Z"),
        change(2, "scoring", "2026-12-09T15:00:00Z"), // inside the window
        change(3, "scoring", "2026-12-10T01:00:00Z"), // after it
    ];
    let day = |d: u32| at(&format!("2026-12-{d:02}T00:00:00Z"));
    let found = preceding(&changes, day(9), day(10));
    assert_eq!(found.map(|c| c.id.as_str()), Some("CH-2"));
    // Nothing in the 72 hours before 2026-12-05.
    assert!(preceding(&changes, day(5), day(6)).is_none());
    // A week-long window reaches 72 hours before its start.
    let found = preceding(&changes, day(4), day(11));
    assert_eq!(found.map(|c| c.id.as_str()), Some("CH-3"));
}

#[test]
fn a_change_is_placed_at_the_window_it_took_effect_in() {
    let starts = [
        Some(at("2026-11-20T08:00:00Z")),
        Some(at("2026-11-20T09:00:00Z")),
        None,
        Some(at("2026-11-20T10:00:00Z")),
    ];
    let changes = [
        change(1, "scoring", "2026-11-20T07:59:00Z"),
        change(2, "scoring", "2026-11-20T09:30:00Z"),
        change(3, "scoring", "2026-11-20T10:00:00Z"),
        change(4, "scoring", "2026-11-20T11:30:00Z"),
    ];
    let placed: Vec<(usize, String)> =
        placed_in_windows(&changes, &starts, at("2026-11-20T11:00:00Z"))
            .into_iter()
            .map(|(i, c)| (i, c.id))
            .collect();
    // Before the first window and after the open end: off the series.
    assert_eq!(placed, [(1, "CH-2".into()), (3, "CH-3".into())]);
}

#[test]
fn a_bad_change_is_refused_naming_every_field() {
    let bad = NewChange {
        system: "nope".into(),
        kind: ChangeKind::ModelPromoted,
        version_from: Some(" ".into()),
        version_to: Some("x".repeat(201)),
        by: None,
        at: Some(at("2026-11-21T00:00:00Z")),
        link: Some("javascript:alert(1)".into()),
        description: String::new(),
        external_id: None,
    };
    let DomainError::Invalid(faults) = bad
        .validate(&["credit-scoring".into()], at("2026-11-20T12:00:00Z"))
        .unwrap_err()
    else {
        panic!("not a field error");
    };
    let fields: Vec<&str> = faults.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        ["system", "at", "link", "version_to", "version_from"]
    );
    assert!(faults[0].message.contains("\"nope\""));
}

#[test]
fn kinds_read_back_from_their_names() {
    for kind in ChangeKind::ALL {
        assert_eq!(kind.as_str().parse::<ChangeKind>(), Ok(kind));
    }
    assert!(
        "redeploy"
            .parse::<ChangeKind>()
            .unwrap_err()
            .contains("deploy")
    );
}

fn source(provider: Provider) -> ChangeSource {
    ChangeSource {
        slug: "credit-repo".into(),
        provider,
        url: None,
        poll_seconds: None,
        rules: vec![
            ChangeRule {
                matchers: vec![Matcher {
                    label: "environment".into(),
                    op: MatchOp::NotEqual,
                    value: "production".into(),
                }],
                system: "staging-only".into(),
                kind: ChangeKind::Deploy,
            },
            ChangeRule {
                matchers: vec![Matcher {
                    label: "repository".into(),
                    op: MatchOp::Regex,
                    value: ".*/credit-scoring".into(),
                }],
                system: "credit-scoring".into(),
                kind: ChangeKind::Deploy,
            },
        ],
    }
}

fn fixture(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/tests/fixtures/webhooks/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_github_deployment_status_from_the_docs_is_a_deploy_of_its_system() {
    let payload = fixture("github-deployment_status.json");
    let Heard::Change(change) =
        read_delivery(&source(Provider::Github), "deployment_status", &payload).unwrap()
    else {
        panic!("ignored");
    };
    assert_eq!(change.system, "credit-scoring");
    assert_eq!(change.kind, ChangeKind::Deploy);
    assert_eq!(change.version_to.as_deref(), Some("f95f852bd8fc"));
    assert_eq!(change.by.as_deref(), Some("octocat"));
    assert_eq!(change.at, Some(at("2026-11-20T09:15:00Z")));
    assert_eq!(
        change.link.as_deref(),
        Some("https://github.com/octo-org/credit-scoring/actions/runs/1234567")
    );
    assert_eq!(
        change.external_id.as_deref(),
        Some("github:deployment_status:209916254")
    );
    assert!(change.description.contains("deployed to production"));
    assert!(change.description.contains("Model v4"));
}

#[test]
fn unfinished_deployments_pings_and_unrouted_ones_are_ignored() {
    let mut payload = fixture("github-deployment_status.json");
    payload["deployment_status"]["state"] = "in_progress".into();
    let github = source(Provider::Github);
    assert!(matches!(
        read_delivery(&github, "deployment_status", &payload).unwrap(),
        Heard::Ignored(why) if why.contains("in_progress")
    ));
    assert!(matches!(
        read_delivery(&github, "ping", &payload).unwrap(),
        Heard::Ignored(_)
    ));
    payload["deployment_status"]["state"] = "success".into();
    payload["repository"]["full_name"] = "octo-org/website".into();
    assert!(matches!(
        read_delivery(&github, "deployment_status", &payload).unwrap(),
        Heard::Ignored(why) if why.contains("repository=octo-org/website")
    ));
}

#[test]
fn a_deployment_payload_missing_fields_is_refused_naming_them() {
    let payload = serde_json::json!({"deployment_status": {"state": "success"}});
    let DomainError::Invalid(faults) =
        read_delivery(&source(Provider::Github), "deployment_status", &payload).unwrap_err()
    else {
        panic!("not a field error");
    };
    let fields: Vec<&str> = faults.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "deployment_status.id",
            "deployment_status.created_at",
            "deployment.sha",
            "repository.full_name",
            "deployment.environment"
        ]
    );
}

#[test]
fn a_gitlab_deployment_event_from_the_docs_is_a_deploy_of_its_system() {
    let payload = fixture("gitlab-deployment.json");
    let Heard::Change(change) =
        read_delivery(&source(Provider::Gitlab), "Deployment Hook", &payload).unwrap()
    else {
        panic!("ignored");
    };
    assert_eq!(change.system, "credit-scoring");
    assert_eq!(change.at, Some(at("2026-11-20T09:50:00Z")));
    assert_eq!(change.by.as_deref(), Some("root"));
    assert_eq!(change.version_to.as_deref(), Some("279484c0"));
    assert_eq!(change.external_id.as_deref(), Some("gitlab:deployment:15"));
}

#[test]
fn a_change_source_with_unknown_systems_or_bad_patterns_is_refused() {
    let mut bad = source(Provider::Github);
    bad.rules[1].matchers[0].value = "(".into();
    let DomainError::Invalid(faults) = bad.validate(&["credit-scoring".into()]).unwrap_err() else {
        panic!("not a field error");
    };
    let fields: Vec<&str> = faults.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["rules[0].system", "rules[1].matchers[0].value"]);
}
