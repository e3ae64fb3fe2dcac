//! Forensic findings through the API: a log uploaded to the evidence vault,
//! analysed by the server, and the result attached to the incident's timeline
//! with the input's SHA-256.

use crate::support::{Server, assert_success, server_with_incident, stderr};
use firebreak_core::timeline::sha256_hex;
use serde_json::{Value, json};
use std::fmt::Write;

pub(crate) fn decision_log() -> String {
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
    // Text cohorts work through the API; a keyword file is refused, naming its path, since a
    // request must not make the server read a path (D29).
    let (status, narrowed) = post(json!({"request": {
        "analysis": "fairness", "log": "EV-1", "group": ["group"], "label": "label",
        "prediction": "approved", "where": "group in ['A', 'C'] and not decision_id matches '^d1'",
    }}));
    assert_eq!(status, 201, "{narrowed}");
    assert_eq!(narrowed["result"]["groups"].as_array().unwrap().len(), 2);
    let (status, problem) = post(json!({"request": {
        "analysis": "fairness", "log": "EV-1", "group": ["group"], "label": "label",
        "prediction": "approved", "where": "group contains any of @/etc/hostname",
    }}));
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "request.where", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("@/etc/hostname"),
        "{problem}"
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

/// The finding events of INC-1's timeline, oldest first.
/// INC-1's finding events.
pub fn findings(server: &Server) -> Vec<Value> {
    let shown = server.json(&["incident", "show", "INC-1", "--timeline"]);
    shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "finding")
        .cloned()
        .collect()
}

fn evidence_count(server: &Server) -> usize {
    server
        .json(&["evidence", "list", "INC-1"])
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn analyze_with_incident_attaches_the_result_recomputed_from_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    let log = dir.path().join("decisions.csv");
    std::fs::write(&log, decision_log()).unwrap();
    let log = log.to_str().unwrap().to_string();
    let fairness = [
        "analyze",
        "fairness",
        log.as_str(),
        "--group",
        "group",
        "--label",
        "label",
        "--prediction",
        "approved",
    ];

    let offline = server.cli(&fairness);
    assert_success(&offline, &fairness);
    let mut attached_args = fairness.to_vec();
    attached_args.extend(["--incident", "INC-1"]);
    let attached = server.cli(&attached_args);
    assert_success(&attached, &attached_args);
    // Standard output is the analysis, the same as without --incident.
    assert_eq!(attached.stdout, offline.stdout);
    let said = stderr(&attached);
    assert!(
        said.contains("INC-1: finding #") && said.contains("fairness by group over 400 rows"),
        "{said}"
    );
    assert!(!said.contains("differs"), "{said}");

    let events = findings(&server);
    assert_eq!(events.len(), 1, "{events:?}");
    let body = &events[0]["body"];
    assert_eq!(body["analysis"], "fairness");
    let log_sha256 = sha256_hex(&std::fs::read(&log).unwrap());
    assert_eq!(body["inputs"][0]["sha256"], log_sha256.as_str());
    assert_eq!(body["request"]["log"], body["inputs"][0]["evidence"]);
    let evidence = server.json(&["evidence", "list", "INC-1"]);
    let items = evidence.as_array().unwrap();
    assert_eq!(items.len(), 1, "{evidence}");
    assert_eq!(items[0]["filename"], "decisions.csv");
    assert_eq!(items[0]["sha256"], log_sha256.as_str());
    assert!(
        items[0]["description"]
            .as_str()
            .unwrap()
            .contains("firebreak analyze fairness"),
        "{evidence}"
    );

    // Two files: two inputs, both in the vault, both named by the finding.
    let (reference, current) = (dir.path().join("march.csv"), dir.path().join("april.csv"));
    let text = decision_log();
    let half = text.lines().count() / 2;
    let header = text.lines().next().unwrap();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    std::fs::write(
        &reference,
        format!("{header}\n{}\n", lines[..half].join("\n")),
    )
    .unwrap();
    std::fs::write(
        &current,
        format!("{header}\n{}\n", lines[half..].join("\n")),
    )
    .unwrap();
    let drift = [
        "analyze",
        "drift",
        "--reference",
        reference.to_str().unwrap(),
        "--current",
        current.to_str().unwrap(),
        "--columns",
        "approved,score",
        "--json",
        "--incident",
        "INC-1",
    ];
    let output = server.cli(&drift);
    assert_success(&output, &drift);
    let local: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(local["tested_columns"], 2, "{local}");
    let events = findings(&server);
    assert_eq!(events.len(), 2);
    let inputs = events[1]["body"]["inputs"].as_array().unwrap();
    let names: Vec<&str> = inputs
        .iter()
        .map(|input| input["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{inputs:?}");
    assert!(
        names.contains(&"march.csv") && names.contains(&"april.csv"),
        "{names:?}"
    );
    assert_eq!(evidence_count(&server), 3);

    // An incident that does not exist: exit 2, named, nothing uploaded anywhere.
    let mut missing = fairness.to_vec();
    missing.extend(["--incident", "INC-99"]);
    let output = server.cli(&missing);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("INC-99"), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    assert_eq!(evidence_count(&server), 3);
    let http = reqwest::blocking::Client::new();
    let next = http
        .get(format!("{}/api/v1/evidence/EV-4", server.url))
        .bearer_auth(&server.token)
        .send()
        .unwrap();
    assert_eq!(next.status().as_u16(), 404);

    // A keyword file would not reach the server, which recomputes the finding: refused before
    // anything is uploaded, naming the flag and the file.
    let keywords = dir.path().join("groups.txt");
    std::fs::write(&keywords, "C\n").unwrap();
    let cohort = format!("group contains any of @{}", keywords.display());
    let mut with_file = attached_args.clone();
    with_file.extend(["--where", &cohort]);
    let output = server.cli(&with_file);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("--where") && stderr(&output).contains("groups.txt"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());
    assert_eq!(evidence_count(&server), 3);

    // A CSV schema file cannot travel through the vault: refused, naming it.
    let schema = format!("{log}.schema.json");
    std::fs::write(&schema, r#"{"columns": {"group": "string"}}"#).unwrap();
    let output = server.cli(&attached_args);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("decisions.csv.schema.json"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());
    assert_eq!(evidence_count(&server), 3);
    assert_eq!(findings(&server).len(), 2);
}

/// Thirty days of March 2026 whose approval rate falls from a half to a fifth on the 15th.
fn shifting_log() -> String {
    let mut csv = String::from("timestamp,decision_id,group,approved\n");
    for day in 1..=30 {
        let approved_per_ten = if day >= 15 { 2 } else { 5 };
        for i in 0..(150 + day * 3) {
            let group = ["A", "B"][i % 2];
            let approved = usize::from(i % 10 < approved_per_ten);
            writeln!(
                csv,
                "2026-03-{day:02}T{:02}:00:00Z,d{day}-{i},{group},{approved}",
                i % 24
            )
            .unwrap();
        }
    }
    csv
}

#[test]
fn a_time_series_names_the_change_recorded_before_its_change_point() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    let record = |system: &str, at: &str| {
        let args = [
            "change",
            "record",
            "--system",
            system,
            "--kind",
            "model_promoted",
            "--from",
            "v1",
            "--to",
            "v2",
            "--at",
            at,
        ];
        assert_success(&server.cli(&args), &args);
    };
    let args = ["system", "register", "fraud", "--name", "Fraud"];
    assert_success(&server.cli(&args), &args);
    record("scoring", "2026-03-14T22:00:00Z");
    // Another system's change at the same time is not this incident's.
    record("fraud", "2026-03-14T23:00:00Z");
    let log = dir.path().join("approvals.csv");
    std::fs::write(&log, shifting_log()).unwrap();
    let series = [
        "analyze",
        "timeseries",
        log.to_str().unwrap(),
        "--bucket",
        "day",
        "--prediction",
        "approved",
        "--json",
    ];
    let named = |report: &Value| -> Vec<(String, String)> {
        report["change_points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|point| {
                (
                    point["bucket_start"].as_str().unwrap().to_string(),
                    point["preceded_by"]["id"]
                        .as_str()
                        .unwrap_or("-")
                        .to_string(),
                )
            })
            .collect()
    };
    let marked = |report: &Value| -> Vec<String> {
        report["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                format!(
                    "{}@{}",
                    m["change"]["id"].as_str().unwrap(),
                    m["bucket_index"]
                )
            })
            .collect()
    };

    // Offline: no changes unless a system is named.
    let offline: Value = serde_json::from_slice(&server.cli(&series).stdout).unwrap();
    assert!(
        named(&offline).contains(&("2026-03-15T00:00:00Z".into(), "-".into())),
        "{offline}"
    );
    assert!(marked(&offline).is_empty());
    let mut with_system = series.to_vec();
    with_system.extend(["--system", "scoring"]);
    let output = server.cli(&with_system);
    assert_success(&output, &with_system);
    let local: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        named(&local).contains(&("2026-03-15T00:00:00Z".into(), "CH-1".into())),
        "{local}"
    );
    assert_eq!(marked(&local), ["CH-1@13"]);

    // Attached: the incident's systems, both locally and in the server's finding and figures.
    let mut attached = series.to_vec();
    attached.extend(["--incident", "INC-1"]);
    let output = server.cli(&attached);
    assert_success(&output, &attached);
    let local: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(marked(&local), ["CH-1@13"]);
    assert!(!stderr(&output).contains("differs"), "{}", stderr(&output));
    let event = findings(&server).pop().unwrap();
    let http = reqwest::blocking::Client::new();
    let finding: Value = http
        .get(format!(
            "{}/api/v1/incidents/INC-1/findings/{}",
            server.url, event["seq"]
        ))
        .bearer_auth(&server.token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(named(&finding["result"]), named(&local));
    assert_eq!(marked(&finding["result"]), ["CH-1@13"]);
    let captions: Vec<&str> = event["body"]["figures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["caption"].as_str())
        .collect();
    assert!(
        captions
            .iter()
            .any(|c| c.contains("selection_rate at 2026-03-15T00:00:00Z: 0.5073 → 0.2035, after CH-1 (scoring: model promoted v1 → v2")),
        "{captions:?}"
    );
}
