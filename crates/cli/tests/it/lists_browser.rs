//! The lists a responder reads at 3 a.m., in a real Chromium: the incident
//! list's age, last update and overdue clocks; the inventory's control state
//! after a kill switch and its open incidents; and an alert acknowledged,
//! refused in place when acknowledged twice, and declared as an incident;
//! the CLI acknowledges, resolves and declares from alerts too.

use crate::chromium::{Driver, sign_in};
use crate::support::{Server, assert_success, stderr};
use serde_json::json;

#[test]
fn the_lists_show_what_needs_attention_and_an_alert_becomes_an_incident() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"));
    for slug in ["scoring", "assistant"] {
        assert_success(
            &server.cli(&["system", "register", slug, "--name", slug]),
            &["system register", slug],
        );
    }
    // Aware months ago and never assessed: its provisional clocks are overdue.
    server.json(&[
        "incident",
        "declare",
        "--title",
        "Assistant shows other customers' addresses",
        "--severity",
        "sev1",
        "--rationale",
        "personal data of many customers exposed",
        "--system",
        "assistant",
        "--harm",
        "privacy",
        "--detected",
        "2026-01-05T08:00:00Z",
        "--aware",
        "2026-01-05T08:00:00Z",
    ]);
    server.json(&["incident", "note", "INC-1", "customers told"]);
    let rules = json!([{ "matchers": [{ "label": "model", "op": "=", "value": "scoring-v2" }],
                         "system": "scoring", "action": "record" }]);
    let file = dir.path().join("rules.json");
    std::fs::write(&file, rules.to_string()).unwrap();
    let integration = server.json(&[
        "integration",
        "create",
        "--name",
        "monitoring",
        "--source",
        "generic",
        "--rules-file",
        file.to_str().unwrap(),
    ]);
    for summary in [
        "Approval rate for group C fell below 20%",
        "Scores drift",
        "Latency above 2 s",
    ] {
        let answer = reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/ingest/generic", server.url))
            .bearer_auth(integration["key"].as_str().unwrap())
            .json(&json!({ "summary": summary, "severity": "error", "labels": {"model": "scoring-v2"} }))
            .send()
            .unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
    }
    server.add_user("alice", "responder", "correct horse battery");
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    sign_in(&driver, &server.url, "alice", "correct horse battery");

    // The list: how long it has run, when it last changed, what is overdue.
    driver.go(&format!("{}/", server.url));
    let age = driver.text("tbody tr .age");
    assert!(age.contains(" d "), "running for months: {age}");
    assert!(driver.text("tbody tr .last-update").ends_with("UTC"));
    let clocks = driver.text("tbody tr .clocks");
    assert!(clocks.contains("overdue:"), "{clocks}");

    // The inventory after a kill switch, with each system's open incidents.
    server.json(&[
        "control",
        "set",
        "scoring",
        "disabled",
        "--reason",
        "bias under investigation",
    ]);
    driver.go(&format!("{}/systems", server.url));
    assert_eq!(
        driver.text("td.control-mode[data-system=scoring]"),
        "disabled (kill switch)"
    );
    assert_eq!(
        driver.text("td.control-mode[data-system=assistant]"),
        "normal"
    );
    let assistant = driver.text("tr:has(td.control-mode[data-system=assistant])");
    assert!(assistant.contains("INC-1"), "{assistant}");

    // Alerts: a colleague acknowledges alert 1 from the CLI while alice
    // reads the page; her acknowledgement is refused beside the alert, and
    // she resolves it.
    driver.go(&format!("{}/alerts", server.url));
    assert_eq!(driver.text("#alert-1 .alert-status"), "firing");
    let acknowledged = server.json(&["alert", "ack", "1"]);
    assert_eq!(acknowledged["status"], "acknowledged");
    driver.click("button[aria-label='Acknowledge alert 1']");
    let refused = driver.wait_for_text("#alert-1 .error", "cannot be acknowledged");
    assert!(refused.contains("the alert is acknowledged"), "{refused}");
    assert_eq!(driver.text("#alert-1 .alert-status"), "acknowledged");
    driver.click("button[aria-label='Resolve alert 1']");
    driver.wait_for_text("#alert-1 .alert-status", "resolved");

    // Declared from alert 2: title, system and severity come from the alert.
    driver.open_all_details();
    let form = "form[action='/alerts/2/declare']";
    // The alert's system is chosen already (`element` fails when nothing matches).
    driver.element(&format!(
        "{form} select[name=system] option[value=scoring]:checked"
    ));
    driver.type_into(
        &format!("{form} input[name=title]"),
        "Group C approvals fell",
    );
    driver.click(&format!("{form} select[name=severity] option[value=sev2]"));
    driver.click(&format!("{form} button[type=submit]"));
    driver.wait_for_text("h1", "INC-2");
    driver.wait_for_text("#timeline", "alert 2 from generic");
    let alerts = server.json(&["alert", "list"]);
    let second = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == 2)
        .unwrap();
    assert_eq!(second["incident"], "INC-2");
    let incident = server.json(&["incident", "show", "INC-2"]);
    assert_eq!(
        (
            incident["severity"].as_str(),
            incident["detection_source"].as_str()
        ),
        (Some("sev2"), Some("external_alert"))
    );

    // The system page lists it, open ones first.
    driver.go(&format!("{}/systems/scoring", server.url));
    let listed = driver.text("table.system-incidents");
    assert!(
        listed.contains("INC-2") && listed.contains("Group C approvals fell"),
        "{listed}"
    );

    // The CLI: a resolved alert is not acknowledged again; alert 3 becomes
    // an incident, then is resolved.
    let again = server.cli(&["alert", "acknowledge", "1"]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("cannot be acknowledged"),
        "{}",
        stderr(&again)
    );
    let declared = server.json(&[
        "alert",
        "declare",
        "3",
        "--title",
        "Slow scoring",
        "--severity",
        "sev3",
        "--rationale",
        "slower decisions, no harm yet",
        "--system",
        "scoring",
    ]);
    assert_eq!(declared["id"], "INC-3");
    let resolved = server.json(&["alert", "resolve", "3"]);
    assert_eq!(
        (resolved["status"].as_str(), resolved["incident"].as_str()),
        (Some("resolved"), Some("INC-3"))
    );
}
