//! Recurrence end to end through the CLI and the API: an earlier incident on
//! the same system is suggested, linked with a reason, its post-mortem's
//! action items shown on the new incident, counted in the metrics and the
//! governance export; bad links are refused naming the field.

use crate::chromium::{Driver, sign_in};
use crate::support::{Server, assert_success, server_with_incident, stderr, verify};
use serde_json::{Value, json};

/// INC-1's post-mortem, drafted from a cause statement, with one action
/// item on its data root cause.
fn postmortem_with_an_action(server: &Server, dir: &std::path::Path) {
    let run = |args: &[&str]| assert_success(&server.cli(args), args);
    let causes = dir.join("causes.json");
    std::fs::write(
        &causes,
        json!({
            "proximate_cause": {"statement": "Model v2 down-weighted the postcode feature", "category": "model", "supported_by": []},
            "root_causes": [{"statement": "Training data under-represented group C", "category": "data", "supported_by": []}],
            "contributing_factors": []
        })
        .to_string(),
    )
    .unwrap();
    let causes = causes.to_str().unwrap();
    run(&[
        "rca",
        "put",
        "INC-1",
        "cause_statement",
        "main",
        "--file",
        causes,
    ]);
    run(&["postmortem", "draft", "INC-1"]);
    let edit = dir.join("edit.json");
    std::fs::write(
        &edit,
        json!({"action_items": [
            {"id": "act-1", "title": "Rebalance the training data for group C", "kind": "corrective", "owner": "admin",
             "due": "2027-01-31", "impact": "high", "effort": "high", "addresses": {"kind": "root_cause", "id": "rc-1"},
             "success_criterion": "group C share of training rows at least 12%", "status": "open"}
        ]})
        .to_string(),
    )
    .unwrap();
    run(&[
        "postmortem",
        "edit",
        "INC-1",
        "--file",
        edit.to_str().unwrap(),
    ]);
}

fn declare(server: &Server, title: &str) -> Value {
    server.json(&[
        "incident",
        "declare",
        "--title",
        title,
        "--severity",
        "sev3",
        "--rationale",
        "a few applicants",
        "--system",
        "scoring",
        "--detected",
        "2026-03-09T09:00:00Z",
    ])
}

#[test]
fn a_recurrence_is_suggested_linked_shown_with_the_earlier_actions_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = server_with_incident(&data);
    postmortem_with_an_action(&server, dir.path());
    assert_eq!(
        declare(&server, "Approval rate for group C fell again")["id"],
        "INC-2"
    );
    assert_eq!(declare(&server, "Latency spike")["id"], "INC-3");

    // Suggested: the same system and a similar title; the unrelated one is not.
    let view = server.json(&["incident", "recurrence", "INC-2"]);
    let candidates = view["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1, "{view}");
    assert_eq!(candidates[0]["incident"], "INC-1");
    assert_eq!(candidates[0]["shared_systems"], json!(["scoring"]));
    assert!(candidates[0]["title_similarity"].as_f64().unwrap() > 0.5);
    assert!(view["recurrence_of"].is_null());

    // Linked with a reason: the earlier post-mortem's action is in view.
    let linked = server.json(&[
        "incident",
        "recurrence",
        "INC-2",
        "--of",
        "INC-1",
        "--reason",
        "the same sampling gap",
    ]);
    assert_eq!(linked["recurrence_of"], 1);
    let view = server.json(&["incident", "recurrence", "INC-2"]);
    assert_eq!(view["recurrence_of"]["incident"], "INC-1");
    assert_eq!(view["recurrence_of"]["postmortem"], "draft");
    let actions = view["recurrence_of"]["action_items"].as_array().unwrap();
    assert_eq!(actions[0]["id"], "act-1", "{view}");
    assert!(view["candidates"].as_array().unwrap().is_empty());
    let plain = server.cli(&["incident", "recurrence", "INC-2"]);
    assert_success(&plain, &["incident recurrence"]);
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(
        plain.contains("INC-2 is a recurrence of INC-1")
            && plain.contains("Rebalance the training data"),
        "{plain}"
    );
    let earlier = server.json(&["incident", "recurrence", "INC-1"]);
    assert_eq!(earlier["recurred_as"], json!(["INC-2"]));

    // On the timeline, with its reason.
    let shown = server.json(&["incident", "show", "INC-2", "--timeline"]);
    let link = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["body"]["field"] == "recurrence_of")
        .unwrap_or_else(|| panic!("no link event: {shown}"));
    assert_eq!(
        link["body"],
        json!({"field": "recurrence_of", "from": null, "to": "INC-1", "reason": "the same sampling gap"})
    );

    // Counted: in the metrics and in the governance export.
    let metrics = server.json(&["metrics"]);
    assert_eq!(metrics["groups"][0]["incidents"], 3);
    assert_eq!(metrics["groups"][0]["recurrences"], 1);
    let csv = server.cli(&["metrics", "--export"]);
    assert_success(&csv, &["metrics --export"]);
    let csv = String::from_utf8_lossy(&csv.stdout);
    let row = csv.lines().find(|l| l.starts_with("INC-2,")).unwrap();
    assert!(
        row.contains(",monitoring,INC-1,") || row.contains(",unknown,INC-1,"),
        "{csv}"
    );

    // Bad links are refused naming the problem; nothing changes.
    for (of, problem) in [
        ("INC-3", "was declared after INC-2"),
        ("INC-9", "incident INC-9 does not exist"),
        ("INC-2", "cannot be a recurrence of itself"),
    ] {
        let refused = server.cli(&["incident", "recurrence", "INC-2", "--of", of]);
        assert_eq!(refused.status.code(), Some(2), "{of}: {}", stderr(&refused));
        assert!(
            stderr(&refused).contains(problem),
            "{of}: {}",
            stderr(&refused)
        );
    }
    let refused = server.cli(&["incident", "recurrence", "INC-2", "--of", "banana"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let answer = reqwest::blocking::Client::new()
        .put(format!("{}/api/v1/incidents/INC-3/recurrence", server.url))
        .bearer_auth(&server.token)
        .json(&json!({"of": "INC-3"}))
        .send()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 422);
    let problem: Value = answer.json().unwrap();
    assert_eq!(problem["errors"][0]["field"], "of", "{problem}");
    assert_eq!(
        server.json(&["incident", "show", "INC-2"])["recurrence_of"],
        1
    );

    // Unlinked.
    let unlinked = server.json(&["incident", "recurrence", "INC-2", "--clear"]);
    assert!(unlinked.get("recurrence_of").is_none(), "{unlinked}");
    assert_eq!(server.json(&["metrics"])["groups"][0]["recurrences"], 0);

    // In the browser: the suggestion links with one click, and the earlier
    // post-mortem's action is on the page.
    server.add_user("carol", "responder", "correct horse battery");
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    sign_in(&driver, &server.url, "carol", "correct horse battery");
    driver.go(&format!("{}/incidents/INC-2", server.url));
    driver.reveal("#recurrence-candidates");
    driver.click("#recurrence-candidates button[aria-label='Link as a recurrence of INC-1']");
    driver.wait_for_text("#recurrence-of", "A recurrence of INC-1");
    driver.wait_for_text(
        "#earlier-actions",
        "Rebalance the training data for group C",
    );
    assert_eq!(
        server.json(&["incident", "show", "INC-2"])["recurrence_of"],
        1
    );
    assert_success(&verify(&data, &[]), &["verify"]);
}
