//! Severity, impact and detection source end to end: the rubric suggests a
//! severity from a responder's answers (CLI and browser), another choice
//! needs a rationale, impact and cost edits land on the record and the
//! timeline, and the metrics group by who found each incident and total
//! the cost per currency; the record still verifies.

use crate::chromium::{Driver, sign_in};
use crate::support::{
    Server, assert_success, server_with_incident, stderr, timeline_kinds, verify,
};
use serde_json::Value;

const ANSWERS: [&str; 6] = [
    "harm_type=discrimination",
    "people_affected=1000_to_99999",
    "reversibility=irreversible",
    "ai_act_risk_tier=high",
    "blast_radius=one_system",
    "regulatory_exposure=possible",
];

fn assess(server: &Server, answers: &[&str], extra: &[&str]) -> std::process::Output {
    let mut args = vec!["incident", "assess", "INC-1"];
    for answer in answers {
        args.extend(["--answer", answer]);
    }
    args.extend(extra);
    args.push("--json");
    server.cli(&args)
}

#[test]
fn the_rubric_suggests_impact_is_recorded_and_metrics_total_it_by_detection_source() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(dir.path());

    let rubric = server.json(&["incident", "rubric"]);
    assert_eq!(rubric["dimensions"].as_array().unwrap().len(), 6);

    // A missing answer and an unknown one are refused, naming each.
    let refused = assess(&server, &ANSWERS[..5], &["--answer", "harm_type=bad_vibes"]);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    assert!(message.contains("answers.harm_type"), "{message}");
    assert!(message.contains("answers.regulatory_exposure"), "{message}");

    // Irreversible harm to thousands: the rubric's rule suggests SEV1, and
    // taking the suggestion raises the incident from SEV2.
    let output = assess(&server, &ANSWERS, &[]);
    assert_success(&output, &["incident assess"]);
    let incident: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(incident["severity"], "sev1");
    assert_eq!(incident["severity_assessment"]["suggested"], "sev1");
    let timeline = timeline_kinds(&server, "INC-1");
    assert!(
        timeline.contains(&"severity_assessed".to_string()),
        "{timeline:?}"
    );

    // Another severity needs a rationale; with one, both stay on record.
    let refused = assess(&server, &ANSWERS, &["--severity", "sev2"]);
    assert!(
        stderr(&refused).contains("rationale"),
        "{}",
        stderr(&refused)
    );
    let output = assess(
        &server,
        &ANSWERS,
        &[
            "--severity",
            "sev2",
            "--rationale",
            "decisions re-run today",
        ],
    );
    assert_success(&output, &["incident assess --severity"]);
    let incident: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(incident["severity"], "sev2");
    assert_eq!(incident["severity_rationale"], "decisions re-run today");

    // Impact and cost, and who found it.
    let incident = server.json(&[
        "incident",
        "set",
        "INC-1",
        "--detection-source",
        "complaint",
        "--people-confirmed",
        "1200",
        "--currency",
        "eur",
        "--refunds",
        "45000",
        "--penalties",
        "5000",
        "--downtime",
        "scoring=90",
    ]);
    assert_eq!(incident["detection_source"], "complaint");
    assert_eq!(incident["impact"]["currency"], "EUR");
    assert_eq!(incident["impact"]["downtime_minutes"]["scoring"], 90);
    let refused = server.cli(&["incident", "set", "INC-1", "--downtime", "ghost=5"]);
    assert!(
        stderr(&refused).contains("impact.downtime_minutes.ghost"),
        "{}",
        stderr(&refused)
    );
    let refused = server.cli(&["incident", "set", "INC-1", "--downtime", "scoring"]);
    assert!(stderr(&refused).contains("SYSTEM=MINUTES"));

    // A second incident, found by a monitor, costing dollars.
    let second = server.json(&[
        "incident",
        "declare",
        "--title",
        "Drift on income",
        "--severity",
        "sev3",
        "--rationale",
        "monitor breach",
        "--system",
        "scoring",
        "--detection-source",
        "monitor",
    ]);
    assert_eq!(second["detection_source"], "monitor");
    server.json(&[
        "incident",
        "set",
        "INC-2",
        "--currency",
        "USD",
        "--remediation-cost",
        "800",
    ]);

    let by = server.json(&["metrics", "--group-by", "found_by"]);
    let groups: Vec<(String, u64)> = by["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["group"].as_str().unwrap().into(),
                g["incidents"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [("monitoring".to_string(), 1), ("people".to_string(), 1)]
    );
    assert_eq!(by["found_by"]["people"], 1);
    let all = server.json(&["metrics"]);
    let impact = &all["groups"][0]["impact"];
    assert_eq!(impact["cost"]["EUR"]["total"], 50_000);
    assert_eq!(impact["cost"]["EUR"]["refunds"], 45_000);
    assert_eq!(impact["cost"]["USD"]["remediation"], 800);
    assert_eq!(impact["people_affected"], 1200);
    assert_eq!(impact["downtime_minutes"], 90);
    let by_source = server.json(&["metrics", "--group-by", "detection_source"]);
    assert_eq!(by_source["groups"][0]["group"], "complaint");
    assert_eq!(by_source["groups"][1]["group"], "monitor");
    let text = server.cli(&["metrics"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("EUR 50000, USD 800"), "{text}");
    assert!(text.contains("found by: monitoring 1, people 1"), "{text}");

    // The governance export: a row per incident, then a TOTAL row per currency.
    let register = server.json(&["metrics", "--export"]);
    let rows = register["incidents"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{register}");
    assert_eq!(rows[0]["incident"], "INC-1");
    assert_eq!(rows[0]["detection_source"], "complaint");
    assert_eq!(rows[0]["total_cost"], 50_000);
    assert_eq!(rows[1]["found_by"], "monitoring");
    assert_eq!(register["totals"]["cost"]["USD"]["total"], 800);
    let csv = server.cli(&["metrics", "--export", "--severity", "sev3"]);
    assert_success(&csv, &["metrics --export"]);
    let csv = String::from_utf8_lossy(&csv.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("incident,title,severity,status,systems,detection_source,found_by,"),
        "{csv}"
    );
    assert!(lines[1].starts_with("INC-2,Drift on income,sev3,"), "{csv}");
    assert!(
        lines[2].starts_with("TOTAL,") && lines[2].ends_with(",USD,800,0,0,800"),
        "{csv}"
    );
    assert_eq!(lines.len(), 3, "{csv}");

    // In the browser: another choice without a rationale is refused in
    // place; the impact form saves and totals.
    server.add_user("alice", "responder", "correct horse battery");
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    sign_in(&driver, &server.url, "alice", "correct horse battery");
    driver.go(&format!("{}/incidents/INC-1", server.url));
    let section = driver.text("#severity-impact");
    assert!(section.contains("suggests SEV1 Critical"), "{section}");
    driver.open_all_details();
    driver.click("#severity-impact select[name=severity] option[value=sev3]");
    driver.click("form[action$=severity-assessment] button[type=submit]");
    driver.wait_for_text("#severity-impact", "say why you chose SEV3 Minor");
    driver.open_all_details();
    driver.type_into(
        "form[action$=severity-assessment] input[name=rationale]",
        "one branch only",
    );
    driver.click("form[action$=severity-assessment] button[type=submit]");
    driver.wait_for_text("#severity-impact", "the incident is SEV3 Minor");
    driver.open_all_details();
    driver.type_into("#severity-impact input[name=refunds]", "46,000");
    driver.click("form[action$=impact] button[type=submit]");
    driver.wait_for_text("#severity-impact", "Total: EUR 51000");
    let incident = server.json(&["incident", "show", "INC-1"]);
    assert_eq!(incident["impact"]["refunds"], 46_000);
    assert_eq!(incident["severity"], "sev3");

    // The metrics page totals cost per currency, says who found what and
    // links the governance export.
    driver.go(&format!("{}/metrics?group_by=found_by", server.url));
    let metrics = driver.wait_for_text("main", "Found by: monitoring 1, people 1");
    assert!(
        metrics.contains("1200\t90 min\tEUR 51000") && metrics.contains("USD 800"),
        "{metrics}"
    );
    assert!(
        !driver
            .element("a[href='/metrics/register.csv'][download]")
            .is_empty()
    );

    server.stop();
    assert_success(&verify(dir.path(), &[]), &["verify"]);
}

#[test]
fn a_rubric_that_is_not_total_stops_the_start_naming_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let rubric = dir.path().join("rubric.json");
    std::fs::write(
        &rubric,
        r#"{"version": "ours-1", "dimensions": [{"key": "harm", "label": "Harm", "levels": [
            {"key": "none", "label": "None", "severity": "sev4"},
            {"key": "injury", "label": "Injury"}]}]}"#,
    )
    .unwrap();
    let output = std::process::Command::new(crate::support::BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--severity-rubric")
        .arg(&rubric)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("dimensions[0].levels[1].severity: `harm=injury` suggests no severity"),
        "{message}"
    );
}
