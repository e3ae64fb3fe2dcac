//! An alert on a system upstream of an open incident's system is proposed
//! to that incident; a responder links it from the incident page in
//! Chromium, a second link is refused naming the incident, and the record
//! still verifies.

use crate::chromium::{Driver, sign_in};
use crate::support::{Server, assert_success, stderr, timeline_kinds, verify};
use serde_json::json;

#[test]
fn an_alert_upstream_is_proposed_and_linked_from_the_incident_page() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    for (slug, depends_on) in [("feature-store", None), ("scoring", Some("feature-store"))] {
        let mut args = vec!["system", "register", slug, "--name", slug];
        if let Some(upstream) = depends_on {
            args.extend(["--depends-on", upstream]);
        }
        assert_success(&server.cli(&args), &["system register", slug]);
    }
    server.json(&[
        "incident",
        "declare",
        "--title",
        "Approvals for group C fell",
        "--severity",
        "sev2",
        "--rationale",
        "thousands of applicants",
        "--system",
        "scoring",
    ]);
    let rules = json!([{ "matchers": [{ "label": "job", "op": "=", "value": "features" }],
                         "system": "feature-store", "action": "record" }]);
    let file = dir.path().join("rules.json");
    std::fs::write(&file, rules.to_string()).unwrap();
    let integration = server.json(&[
        "integration",
        "create",
        "--name",
        "pipelines",
        "--source",
        "generic",
        "--rules-file",
        file.to_str().unwrap(),
    ]);
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/ingest/generic", server.url))
        .bearer_auth(integration["key"].as_str().unwrap())
        .json(&json!({
            "summary": "Feature freshness over 6 hours",
            "severity": "warning",
            "labels": {"job": "features"},
        }))
        .send()
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
    assert!(timeline_kinds(&server, "INC-1").contains(&"alert_proposed".to_string()));

    server.add_user("alice", "responder", "correct horse battery");
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    sign_in(&driver, &server.url, "alice", "correct horse battery");
    driver.go(&format!("{}/incidents/INC-1", server.url));
    let proposals = driver.text("#alerts-upstream");
    assert!(proposals.contains("feature-store → scoring"), "{proposals}");
    driver.click("#alerts-upstream li[data-alert='1'] button");
    driver.wait_for_text("#timeline", "alert 1 from generic");
    let linked = server.json(&["alert", "list"]);
    assert_eq!(linked[0]["incident"], "INC-1");

    let again = server.cli(&["alert", "link", "1", "INC-1"]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already linked to INC-1"),
        "{}",
        stderr(&again)
    );
    let missing = server.cli(&["alert", "link", "1", "INC-x"]);
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));

    server.stop();
    assert_success(&verify(dir.path(), &[]), &["verify"]);
}
