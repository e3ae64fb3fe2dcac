//! Post-mortems end to end: drafted from an incident with a timeline, a cause
//! statement and containment; three action items added; the approval gate
//! refuses open lint errors and SMART failures until overridden with a
//! reason; the D6 close gate; exports read back from the PDF.

use crate::support::{assert_success, server_with_incident, stderr};
use serde_json::{Value, json};

#[test]
fn a_postmortem_is_drafted_gated_approved_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    let run = |args: &[&str]| assert_success(&server.cli(args), args);
    run(&["incident", "assign", "INC-1", "commander", "admin"]);
    run(&[
        "incident",
        "note",
        "INC-1",
        "Rolled back to v1 after the fairness check",
        "--kind",
        "decision",
    ]);
    run(&[
        "incident",
        "contain",
        "INC-1",
        "--system",
        "scoring",
        "--action",
        "disable",
        "--reason",
        "approval gap for group C",
    ]);
    let causes = dir.path().join("causes.json");
    std::fs::write(
        &causes,
        json!({
            "proximate_cause": {"statement": "Model v2 down-weighted the postcode feature", "category": "model", "supported_by": []},
            "root_causes": [
                {"statement": "No fairness gate in the release pipeline", "category": "process", "supported_by": []},
                {"statement": "Training data under-represented group C", "category": "data", "supported_by": []}
            ],
            "contributing_factors": [{"statement": "Drift alert thresholds were never tuned", "category": "technology", "supported_by": []}]
        })
        .to_string(),
    )
    .unwrap();
    run(&[
        "rca",
        "put",
        "INC-1",
        "cause_statement",
        "main",
        "--file",
        causes.to_str().unwrap(),
    ]);
    let why = |statement: &str, causes: Vec<Value>| json!({ "statement": statement, "category": "process", "evidence": [], "causes": causes });
    let whys = dir.path().join("whys.json");
    let chain = why(
        "The model scored group C lower",
        vec![why(
            "A feature went missing",
            vec![why("No fairness gate in the release pipeline", vec![])],
        )],
    );
    std::fs::write(
        &whys,
        json!({ "symptom": "Group C approvals fell", "whys": [chain] }).to_string(),
    )
    .unwrap();
    run(&[
        "rca",
        "put",
        "INC-1",
        "five_whys",
        "main",
        "--file",
        whys.to_str().unwrap(),
    ]);

    // The D6 gate: a real SEV2 incident cannot close without an approved post-mortem.
    run(&["incident", "transition", "INC-1", "recovered"]);
    let refused = server.cli(&["incident", "transition", "INC-1", "closed"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("post-mortem"),
        "{}",
        stderr(&refused)
    );

    // A fairness finding on vault evidence: its charts go into the export.
    let log = dir.path().join("decisions.csv");
    let mut csv = String::from("group,label,approved\n");
    for i in 0..60 {
        let group = ["A", "B", "C"][i % 3];
        let approved = if group == "C" { 0 } else { i % 2 };
        csv.push_str(&format!("{group},{},{approved}\n", i % 2));
    }
    std::fs::write(&log, csv).unwrap();
    run(&[
        "evidence",
        "add",
        "INC-1",
        log.to_str().unwrap(),
        "--description",
        "decision log",
    ]);
    let finding = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/incidents/INC-1/findings", server.url))
        .bearer_auth(&server.token)
        .json(&json!({"request": {"analysis": "fairness", "log": "EV-1", "group": ["group"], "label": "label", "prediction": "approved"}}))
        .send()
        .unwrap();
    assert_eq!(finding.status().as_u16(), 201);

    let drafted = server.json(&["postmortem", "draft", "INC-1"]);
    let postmortem = &drafted["postmortem"];
    assert_eq!(postmortem["status"], "draft");
    assert_eq!(
        postmortem["proximate_cause"]["statement"],
        "Model v2 down-weighted the postcode feature"
    );
    assert_eq!(postmortem["root_causes"].as_array().unwrap().len(), 2);
    assert_eq!(postmortem["root_causes"][0]["id"], "rc-1");
    assert_eq!(
        postmortem["contributing_factors"].as_array().unwrap().len(),
        1
    );
    assert!(!postmortem["timeline"].as_array().unwrap().is_empty());
    assert!(
        !postmortem["response"]["containment"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(postmortem["detection"]["time_to_detect_seconds"], 3600);
    let missing: Vec<&str> = drafted["missing_sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    for filled in [
        "timeline",
        "root_causes",
        "proximate_cause",
        "contributing_factors",
    ] {
        assert!(
            !missing.contains(&filled),
            "{filled} should be filled: {missing:?}"
        );
    }

    let edit = dir.path().join("edit.json");
    std::fs::write(
        &edit,
        json!({
            "summary": "Model v2 approved far fewer applicants from group C for six days.",
            "went_well": "The kill switch took effect within a minute.",
            "went_wrong": "It was human error by the release manager.",
            "got_lucky": "Most affected applicants had not yet been notified.",
            "lessons": "Fairness needs a gate of its own before release.",
            "action_items": [
                {"id": "act-1", "title": "Add a fairness gate to the release pipeline", "kind": "preventive", "owner": "admin",
                 "due": "2026-12-15", "impact": "high", "effort": "medium", "addresses": {"kind": "root_cause", "id": "rc-1"},
                 "success_criterion": "every release blocked when the selection-rate ratio is below 0.8", "status": "open"},
                {"id": "act-2", "title": "Rebalance the training data for group C", "kind": "corrective", "owner": "admin",
                 "due": "2027-01-31", "impact": "high", "effort": "high", "addresses": {"kind": "root_cause", "id": "rc-2"},
                 "success_criterion": "group C share of training rows at least 12%", "status": "open"},
                {"id": "act-3", "title": "Improve monitoring", "kind": "detective", "owner": null, "due": null,
                 "impact": "medium", "effort": "low", "addresses": null, "success_criterion": null, "status": "open"}
            ]
        })
        .to_string(),
    )
    .unwrap();
    let edited = server.json(&[
        "postmortem",
        "edit",
        "INC-1",
        "--file",
        edit.to_str().unwrap(),
    ]);
    let lint_rules: Vec<&str> = edited["lint"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(lint_rules.contains(&"blame"), "{lint_rules:?}");
    let smart_items: Vec<&str> = edited["smart"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["item"].as_str().unwrap())
        .collect();
    assert!(
        smart_items.iter().all(|i| i.contains("action_items[2]")),
        "{smart_items:?}"
    );
    let lint = server.cli(&["postmortem", "lint", "INC-1"]);
    assert_eq!(lint.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&lint.stdout).contains("went_wrong"));

    run(&["postmortem", "review", "INC-1"]);
    run(&["postmortem", "sign-off", "INC-1", "--as", "commander"]);
    let blocked = server.cli(&["postmortem", "approve", "INC-1"]);
    assert_eq!(blocked.status.code(), Some(2), "{}", stderr(&blocked));
    let message = stderr(&blocked);
    assert!(
        message.contains("went_wrong") && message.contains("action_items[2]"),
        "{message}"
    );
    let approved = server.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(approved["postmortem"]["status"], "in_review");

    run(&[
        "postmortem",
        "approve",
        "INC-1",
        "--override",
        "blame wording kept as a verbatim quote; act-3 tracked in JIRA-12",
    ]);
    let approved = server.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(approved["postmortem"]["status"], "approved");
    assert!(
        approved["postmortem"]["approval_override"]["reason"]
            .as_str()
            .unwrap()
            .contains("verbatim")
    );
    let timeline = server.json(&["incident", "show", "INC-1", "--timeline"]);
    let events = timeline["timeline"].as_array().unwrap();
    assert!(events.iter().any(|e| e["kind"] == "postmortem_signed_off"));
    let approval = events
        .iter()
        .find(|e| e["kind"] == "postmortem_status_changed" && e["body"]["to"] == "approved")
        .expect("the approval is on the timeline");
    assert!(approval["body"]["override"]["reason"].is_string());

    // Exports: the PDF holds the sections' text.
    let pdf = dir.path().join("postmortem.pdf");
    run(&[
        "postmortem",
        "export",
        "INC-1",
        "--format",
        "pdf",
        "-o",
        pdf.to_str().unwrap(),
    ]);
    let text = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for expected in [
        "Summary",
        "Model v2 approved far fewer applicants",
        "Root causes",
        "No fairness gate in the release pipeline",
        "Contributing factors",
        "Action items",
        "act-1 Add a fairness gate",
        "The kill switch took effect within a minute.",
    ] {
        assert!(text.contains(expected), "PDF lacks `{expected}`:\n{text}");
    }
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&info.stdout).contains("Pages:"));
    let html = dir.path().join("postmortem.html");
    run(&[
        "postmortem",
        "export",
        "INC-1",
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
    ]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("No fairness gate in the release pipeline"),
        "{page}"
    );
    assert!(page.contains("<svg"), "the 5 Whys are not drawn:\n{page}");
    assert!(
        page.contains("Selection-rate ratio per group"),
        "the fairness finding is not drawn"
    );

    // Action items across incidents, and their exports.
    let items: Value = server.json(&["actions"]);
    assert_eq!(items.as_array().unwrap().len(), 3);
    let jira = dir.path().join("jira.csv");
    run(&[
        "actions",
        "export",
        "--format",
        "jira",
        "-o",
        jira.to_str().unwrap(),
    ]);
    let csv = std::fs::read_to_string(&jira).unwrap();
    assert!(
        csv.starts_with("Summary,Issue Type,Description,Assignee,Due Date,Priority,Labels"),
        "{csv}"
    );
    assert!(
        csv.contains("\r\nAdd a fairness gate to the release pipeline,Task,"),
        "{csv}"
    );

    // Approved: the incident may now close (once the lifecycle allows it).
    run(&["incident", "transition", "INC-1", "closed"]);
}

/// Review finding: a post-mortem with its sections still to do was approved
/// and the real SEV2 incident then closed. Now the commander is refused, the
/// incident stays open, and only an admin's recorded override approves it.
#[test]
fn a_postmortem_with_sections_to_do_needs_an_admins_override_and_blocks_the_close() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    let run = |args: &[&str]| assert_success(&server.cli(args), args);
    server.add_user("carol", "commander", "correct horse battery");
    run(&["incident", "assign", "INC-1", "commander", "carol"]);
    let carol = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/sessions/token", server.url))
        .json(&json!({"user": "carol", "password": "correct horse battery", "description": "test"}))
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let as_carol = |args: &[&str]| server.cli_as(&carol, args, None);
    for args in [
        ["postmortem", "draft", "INC-1"].as_slice(),
        &["postmortem", "review", "INC-1"],
        &["postmortem", "sign-off", "INC-1", "--as", "commander"],
    ] {
        assert_success(&as_carol(args), args);
    }
    for to in ["contained", "recovered"] {
        assert_success(
            &as_carol(&["incident", "transition", "INC-1", to]),
            &["incident transition", to],
        );
    }

    let refused = as_carol(&["postmortem", "approve", "INC-1"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let message = stderr(&refused);
    for section in ["summary", "went_wrong", "action_items", "lessons"] {
        assert!(
            message.contains(&format!(
                "{section}: not written yet; a SEV2 post-mortem needs it"
            )),
            "{message}"
        );
    }
    let closed = as_carol(&["incident", "transition", "INC-1", "closed"]);
    assert!(!closed.status.success());
    assert!(
        stderr(&closed).contains("post-mortem is in_review"),
        "{}",
        stderr(&closed)
    );

    let waved = as_carol(&[
        "postmortem",
        "approve",
        "INC-1",
        "--override",
        "we will write it later",
    ]);
    assert_eq!(waved.status.code(), Some(2));
    assert!(
        stderr(&waved).contains("only an admin can approve over open blockers"),
        "{}",
        stderr(&waved)
    );
    run(&[
        "postmortem",
        "approve",
        "INC-1",
        "--override",
        "board asked for the short form; sections follow in INC-1's action items",
    ]);
    let shown = server.json(&["postmortem", "show", "INC-1"]);
    assert_eq!(shown["postmortem"]["status"], "approved");
    let overridden = shown["postmortem"]["approval_override"]["findings"]
        .as_array()
        .unwrap();
    assert!(
        overridden
            .iter()
            .any(|f| f.as_str().unwrap().starts_with("summary: not written yet")),
        "{overridden:?}"
    );
    assert_success(
        &as_carol(&["incident", "transition", "INC-1", "closed"]),
        &["incident transition closed"],
    );
}
