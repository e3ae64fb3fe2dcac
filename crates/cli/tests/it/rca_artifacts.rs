//! RCA artifacts through the CLI and the server: saved as versions, listed,
//! drawn, and FMEA worksheets exchanged as CSV.

use crate::support::{assert_success, server_with_incident, stderr};
use std::path::Path;

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rca/tests/fixtures/scram/models")
        .join(path)
        .display()
        .to_string()
}

#[test]
fn artifacts_are_saved_listed_and_drawn_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    let tree = fixture("Theatre/theatre.xml");
    let saved = server.json(&["rca", "put", "INC-1", "fault_tree", "main", "--file", &tree]);
    assert_eq!(saved["version"], 1);
    let swiss = dir.path().join("swiss.json");
    std::fs::write(
        &swiss,
        r#"{"hazard": "Biased denials", "layers": [
            {"name": "Fairness review", "holes": [{"description": "Skipped for a hotfix", "kind": "active_failure", "findings": [], "on_trajectory": true}]},
            {"name": "Kill switch", "holes": []}]}"#,
    )
    .unwrap();
    server.json(&[
        "rca",
        "put",
        "INC-1",
        "swiss_cheese",
        "layers",
        "--file",
        swiss.to_str().unwrap(),
    ]);
    let listed = server.json(&["rca", "show", "INC-1"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let svg = dir.path().join("tree.svg");
    assert_success(
        &server.cli(&[
            "rca",
            "show",
            "INC-1",
            "fault_tree",
            "main",
            "--svg",
            svg.to_str().unwrap(),
        ]),
        &["show --svg"],
    );
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));

    let sheet = dir.path().join("fmea.json");
    std::fs::write(
        &sheet,
        r#"{"rows": [{"item": "Scoring", "failure_mode": "Data drift", "effect": "Wrong denials", "cause": "Upstream change",
            "prevention_controls": "Schema contract", "detection_controls": "Drift monitor", "severity": 8, "occurrence": 5,
            "detection": 7, "actions": [{"id": "act-1", "title": "Add a daily drift test", "kind": "preventive",
            "owner": "alice", "due": "2020-01-15", "impact": "high", "effort": "low", "addresses": null,
            "success_criterion": "drift alert within 24 hours", "status": "open"}]}]}"#,
    )
    .unwrap();
    server.json(&[
        "rca",
        "fmea",
        "put",
        "scoring",
        "main",
        "--file",
        sheet.to_str().unwrap(),
    ]);
    let csv = server.cli(&["rca", "fmea", "show", "scoring", "main", "--csv"]);
    assert_success(&csv, &["fmea show --csv"]);
    let csv_file = dir.path().join("sheet.csv");
    std::fs::write(&csv_file, &csv.stdout).unwrap();
    let imported = server.json(&[
        "rca",
        "fmea",
        "put",
        "scoring",
        "copy",
        "--file",
        csv_file.to_str().unwrap(),
    ]);
    assert_eq!(imported["derived"]["rows"][0]["rpn"], 280);
    assert_eq!(
        imported["body"]["rows"][0]["actions"][0]["title"], "Add a daily drift test",
        "the CSV carries the action"
    );

    // FMEA actions are the one action item (D1): overdue ones are listed
    // with the post-mortems', naming the worksheet row they address.
    let overdue = server.json(&["actions", "--overdue"]);
    let from_main: Vec<&serde_json::Value> = overdue
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["addresses"]["worksheet"] == "main")
        .collect();
    assert_eq!(from_main.len(), 1, "{overdue}");
    assert_eq!(from_main[0]["source"], "system:scoring");
    assert_eq!(from_main[0]["addresses"]["kind"], "fmea_row");
    assert_eq!(from_main[0]["addresses"]["row"], 0);
    assert_eq!(from_main[0]["owner"], "alice");

    let bad = server.cli(&[
        "rca",
        "put",
        "INC-1",
        "fishbone",
        "main",
        "--file",
        swiss.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    // Every missing field at once, not serde's first, and the file named.
    assert!(
        stderr(&bad).contains(
            "swiss.json (Fishbone diagram): effect: missing required field; \
             categories: missing required field"
        ),
        "{}",
        stderr(&bad)
    );

    // A spreadsheet without the columns Firebreak computes is read; one
    // without required columns is refused naming all of them.
    let plain = dir.path().join("plain.csv");
    std::fs::write(
        &plain,
        "item,failure_mode,effect,cause,prevention_controls,detection_controls,severity,occurrence,detection\n\
         Scoring,Data drift,Wrong denials,Upstream change,Contract,PSI,8,5,6\n",
    )
    .unwrap();
    let saved = server.json(&[
        "rca",
        "fmea",
        "put",
        "scoring",
        "plain",
        "--file",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(saved["derived"]["rows"][0]["rpn"], 240);
    std::fs::write(&plain, "item,effect\nScoring,Wrong denials\n").unwrap();
    let refused = server.cli(&[
        "rca",
        "fmea",
        "put",
        "scoring",
        "plain",
        "--file",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("missing columns `failure_mode`, `cause`"),
        "{}",
        stderr(&refused)
    );
}
