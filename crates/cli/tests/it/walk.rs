use crate::support::{assert_success, server_with_incident, stderr, verify};
use serde_json::Value;

#[test]
fn a_whole_incident_through_the_cli_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = server_with_incident(&data);
    for (name, role) in [
        ("carol", "commander"),
        ("sam", "responder"),
        ("lee", "responder"),
    ] {
        assert_success(
            &server.cli(&["user", "add", name, "--role", role]),
            &["user add", name],
        );
    }
    for (role, user) in [
        ("commander", "carol"),
        ("scribe", "sam"),
        ("ml_lead", "lee"),
        ("participant", "sam"),
    ] {
        assert_success(
            &server.cli(&["incident", "assign", "INC-1", role, user]),
            &["assign", role],
        );
    }
    let handover = server.json(&["incident", "assign", "INC-1", "commander", "admin"]);
    assert_eq!(
        handover["roles"][3]["user"], "admin",
        "a handover replaces the commander"
    );
    server.json(&[
        "incident",
        "note",
        "INC-1",
        "Approval rate for group C fell from 41% to 18%",
        "--kind",
        "finding",
    ]);
    server.json(&[
        "incident",
        "note",
        "INC-1",
        "Route group C applications to human review",
        "--kind",
        "decision",
    ]);
    for status in [
        "investigating",
        "contained",
        "eradicated",
        "recovered",
        "postmortem",
        "closed",
    ] {
        // A SEV2 closes only with an approved post-mortem or an admin's reason (D6).
        let incident = if status == "closed" {
            server.json(&[
                "incident",
                "transition",
                "INC-1",
                status,
                "--override-reason",
                "walk test",
            ])
        } else {
            server.json(&["incident", "transition", "INC-1", status])
        };
        assert_eq!(incident["status"], status);
    }
    let shown = server.json(&["incident", "show", "INC-1", "--timeline"]);
    for field in [
        "impact_started_at",
        "detected_at",
        "aware_at",
        "declared_at",
        "acknowledged_at",
        "contained_at",
        "eradicated_at",
        "recovered_at",
        "closed_at",
    ] {
        assert!(
            shown["times"][field].is_string(),
            "{field} is missing: {}",
            shown["times"]
        );
    }
    let kinds: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"finding")
            && kinds.contains(&"decision")
            && kinds.contains(&"role_changed")
    );

    let refused = server.cli(&["incident", "transition", "INC-1", "contained"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("allowed: investigating"),
        "{}",
        stderr(&refused)
    );
    let reopened = server.cli(&["incident", "transition", "INC-1", "investigating"]);
    assert_eq!(reopened.status.code(), Some(2), "reopening needs a reason");
    let bad_time = server.cli(&["incident", "set-time", "INC-1", "detected_at", "yesterday"]);
    assert_eq!(bad_time.status.code(), Some(2));
    assert!(
        stderr(&bad_time).contains("--detected_at"),
        "{}",
        stderr(&bad_time)
    );

    let metrics = server.json(&["metrics", "--group-by", "severity"]);
    let ttd = &metrics["groups"][0]["metrics"]["time_to_detect"];
    assert_eq!(ttd["mean_seconds"].as_f64(), Some(3600.0));

    let listed = server.json(&[
        "incident", "list", "--status", "closed", "--system", "scoring",
    ]);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    server.stop();

    let ok = verify(&data, &[]);
    assert_success(&ok, &["verify"]);
    assert!(String::from_utf8_lossy(&ok.stdout).contains("integrity verified, signer not pinned"));
    let pinned = verify(
        &data,
        &[
            "--public-key",
            data.join("signing-key.pub").to_str().unwrap(),
        ],
    );
    assert_success(&pinned, &["verify --public-key"]);
    let report: Value = serde_json::from_slice(&verify(&data, &["--json"]).stdout).unwrap();
    assert_eq!(report["problems"], Value::Array(vec![]));
}

#[test]
fn bad_usage_exits_2_with_the_place_named() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "incident",
                "declare",
                "--title",
                "t",
                "--severity",
                "sev9",
                "--rationale",
                "r",
                "--system",
                "scoring",
            ],
            "severity",
        ),
        (
            &[
                "incident",
                "declare",
                "--title",
                "t",
                "--severity",
                "sev1",
                "--rationale",
                "r",
                "--system",
                "nowhere",
            ],
            "unknown system `nowhere`",
        ),
        (&["incident", "show", "INC-x"], "INC-x"),
        (&["incident", "show", "INC-42"], "INC-42 not found"),
        (&["system", "register", "Bad Slug", "--name", "x"], "slug"),
    ];
    for (args, expected) in cases {
        let output = server.cli(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let unauthorized = server.cli_as("fbk_wrong", &["incident", "list"], None);
    assert_eq!(unauthorized.status.code(), Some(1));
}
