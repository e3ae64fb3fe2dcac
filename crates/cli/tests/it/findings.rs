//! Forensic findings through the API: a log uploaded to the evidence vault,
//! analysed by the server, and the result attached to the incident's timeline
//! with the input's SHA-256.

use crate::support::server_with_incident;
use serde_json::{Value, json};
use std::fmt::Write;

fn decision_log() -> String {
    let mut csv = String::from("timestamp,decision_id,group,label,approved,score\n");
    for i in 0..400 {
        let group = ["A", "B", "C"][i % 3];
        let label = i % 2;
        // Group C is approved far less often: the bias the incident is about.
        let approved = if group == "C" {
            (i % 7 == 0) as usize
        } else {
            label
        };
        let score = if approved == 1 { 0.8 } else { 0.2 };
        let day = 1 + i / 40;
        writeln!(
            csv,
            "2026-03-{day:02}T10:00:00Z,d{i},{group},{label},{approved},{score}"
        )
        .unwrap();
    }
    csv
}

#[test]
fn an_analysis_of_vault_evidence_becomes_a_finding_with_its_input_hash() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    let log = dir.path().join("decisions.csv");
    std::fs::write(&log, decision_log()).unwrap();
    let item = server.json(&[
        "evidence",
        "add",
        "INC-1",
        log.to_str().unwrap(),
        "--description",
        "decision log, March",
    ]);
    let http = reqwest::blocking::Client::new();
    let post = |body: Value| {
        let response = http
            .post(format!("{}/api/v1/incidents/INC-1/findings", server.url))
            .bearer_auth(&server.token)
            .json(&body)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json::<Value>().unwrap())
    };

    let (status, finding) = post(json!({
        "title": "Approval gap for group C",
        "request": {"analysis": "fairness", "log": "EV-1", "group": ["group"], "label": "label", "prediction": "approved", "score": "score"},
    }));
    assert_eq!(status, 201, "{finding}");
    let event = &finding["event"];
    assert_eq!(event["kind"], "finding");
    assert_eq!(event["body"]["inputs"][0]["sha256"], item["sha256"]);
    let text = event["body"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Approval gap for group C: fairness by group over 400 rows"),
        "{text}"
    );
    assert_eq!(finding["result"]["rows"], 400);
    let groups = finding["result"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);

    let seq = event["seq"].as_u64().unwrap();
    let shown: Value = http
        .get(format!(
            "{}/api/v1/incidents/INC-1/findings/{seq}",
            server.url
        ))
        .bearer_auth(&server.token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(shown["result"], finding["result"]);

    let (status, drift) = post(json!({"request": {
        "analysis": "drift", "log": "EV-1", "reference_window": "2026-03-01..2026-03-05",
        "current_window": "2026-03-05..2026-03-11", "columns": ["approved", "score"],
    }}));
    assert_eq!(status, 201, "{drift}");
    assert_eq!(drift["event"]["body"]["analysis"], "drift");

    // Bad input names the place: the field, the evidence and the column.
    let (status, problem) = post(
        json!({"request": {"analysis": "fairness", "log": "EV-1", "group": ["gender"], "label": "label", "prediction": "approved"}}),
    );
    assert_eq!(status, 422);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("EV-1 (decisions.csv)") && detail.contains("gender"),
        "{detail}"
    );
    let (status, problem) = post(json!({"request": {"analysis": "profile", "log": "EV-7"}}));
    assert_eq!(status, 422);
    assert!(
        problem["detail"].as_str().unwrap().contains("EV-7"),
        "{problem}"
    );
    let (status, problem) = post(json!({"request": {"analysis": "histogram", "log": "EV-1"}}));
    assert_eq!(status, 422);
    assert!(
        problem["errors"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("request"),
        "{problem}"
    );
}
