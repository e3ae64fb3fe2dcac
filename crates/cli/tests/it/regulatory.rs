//! Regulatory clocks end to end: the questionnaire decides the regimes and
//! the incident's `reportable` flag, an edited `aware_at` moves every clock
//! with an event, warnings reach a webhook once each, and a submitted report
//! is recorded as `regulator_notified` and stops its clock.

use crate::support::{assert_success, server_with_incident_and, start_receiver};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::{Duration, Instant};

/// INC-1's timeline events of one kind.
pub(crate) fn timeline_kinds(server: &crate::support::Server, kind: &str) -> Vec<Value> {
    let shown = server.json(&["incident", "show", "INC-1", "--timeline"]);
    shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .cloned()
        .collect()
}

#[test]
fn questionnaire_clocks_warnings_and_submission() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (url, received) = start_receiver(false);
    let server =
        server_with_incident_and(&data, &["--clock-webhook", &url, "--clock-interval", "1"]);
    // Aware 40 hours ago: GDPR's 72 hours are past half, NIS2's 24 are gone.
    let aware = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(40);
    let aware = aware.round(jiff::Unit::Second).unwrap().to_string();
    assert_success(
        &server.cli(&["incident", "set-time", "INC-1", "aware_at", &aware]),
        &["set-time aware_at"],
    );
    let answers = dir.path().join("answers.json");
    std::fs::write(
        &answers,
        json!({"questionnaire": {
            "jurisdictions": ["DE"], "sectors": [], "roles": ["provider"],
            "high_risk_ai_system": "yes", "death": "no", "serious_harm_to_health": "no",
            "critical_infrastructure_disruption": "no", "widespread_infringement": "no",
            "fundamental_rights_infringement": "yes", "personal_data_breach": "yes",
            "high_risk_to_data_subjects": "no", "significant_incident": "no", "major_ict_incident": "no",
            "serious_harm_to_property_or_environment": "no",
            "malfunction_could_cause_death_or_serious_harm": "no", "remedial_action_needed": "no",
            "serious_public_health_threat": "no"
        }})
        .to_string(),
    )
    .unwrap();
    let view = server.json(&[
        "regulatory",
        "assess",
        "INC-1",
        "--file",
        answers.to_str().unwrap(),
    ]);
    assert_eq!(view["assessment"]["reportable"], "yes");
    let applies: Vec<&str> = view["assessment"]["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["applies"] == "yes")
        .map(|d| d["regime"].as_str().unwrap())
        .collect();
    assert!(
        applies.contains(&"gdpr_art33") && applies.contains(&"eu_ai_act_art73"),
        "{applies:?}"
    );
    assert!(!applies.contains(&"nis2_art23"), "{applies:?}");
    let incident = server.json(&["incident", "show", "INC-1"]);
    assert_eq!(incident["reportable"], "yes");

    let board = server.json(&["deadlines"]);
    let gdpr = board
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["deadline"]["regime"] == "gdpr_art33")
        .expect("the GDPR clock runs");
    let due: jiff::Timestamp = gdpr["deadline"]["due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let started: jiff::Timestamp = aware.parse().unwrap();
    assert_eq!(
        due.duration_since(started),
        jiff::SignedDuration::from_hours(72)
    );
    assert_eq!(gdpr["level"], "half_elapsed");

    // Warnings: each crossing reaches the webhook once, signed, and is on the timeline.
    let secret = std::fs::read_to_string(data.join("webhook-secret")).unwrap();
    let started_wait = Instant::now();
    while !received
        .lock()
        .unwrap()
        .iter()
        .any(|r| r.body.contains("gdpr_art33"))
    {
        assert!(
            started_wait.elapsed() < Duration::from_secs(20),
            "no clock warning arrived"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(2500));
    let requests = received.lock().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for request in requests.iter() {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.trim().as_bytes()).unwrap();
        mac.update(
            format!(
                "{}.{}",
                request.header("x-firebreak-timestamp"),
                request.body
            )
            .as_bytes(),
        );
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            request.header("x-firebreak-signature"),
            format!("sha256={expected}")
        );
        let body: Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body["event"], "clock_warning");
        let key = format!(
            "{} {} {}",
            body["warning"]["regime"], body["warning"]["report"], body["warning"]["level"]
        );
        assert!(seen.insert(key.clone()), "sent twice: {key}");
    }
    assert!(
        seen.iter()
            .any(|k| k.contains("gdpr_art33") && k.contains("half_elapsed")),
        "{seen:?}"
    );
    drop(requests);
    assert!(!timeline_kinds(&server, "clock_warning").is_empty());

    // Editing aware_at moves the clocks, with an event saying how.
    let earlier = (aware.parse::<jiff::Timestamp>().unwrap() - jiff::SignedDuration::from_hours(2))
        .to_string();
    assert_success(
        &server.cli(&[
            "incident",
            "set-time",
            "INC-1",
            "aware_at",
            &earlier,
            "--reason",
            "first report came in earlier",
        ]),
        &["set-time aware_at earlier"],
    );
    let moved = timeline_kinds(&server, "regulatory_assessed");
    let last = moved.last().unwrap();
    assert!(
        !last["body"]["changes"].as_array().unwrap().is_empty(),
        "{last}"
    );
    let board = server.json(&["deadlines", "INC-1"]);
    let gdpr = board
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["deadline"]["regime"] == "gdpr_art33")
        .unwrap();
    let due: jiff::Timestamp = gdpr["deadline"]["due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        due.duration_since(earlier.parse().unwrap()),
        jiff::SignedDuration::from_hours(72)
    );

    // A report drafted from the record, submitted: regulator_notified, clock stopped.
    let report = server.json(&[
        "report",
        "draft",
        "INC-1",
        "--regime",
        "gdpr_art33",
        "--type",
        "notification",
    ]);
    assert_eq!(report["id"], "R-1");
    let nature = report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["heading"]
                .as_str()
                .unwrap()
                .starts_with("Nature of the personal data breach")
        })
        .unwrap()["text"]
        .clone();
    assert!(
        nature
            .as_str()
            .unwrap()
            .contains("Approval rate for group C fell"),
        "{nature}"
    );
    let pdf = dir.path().join("notification.pdf");
    assert_success(
        &server.cli(&[
            "report",
            "export",
            "INC-1",
            "R-1",
            "--format",
            "pdf",
            "-o",
            pdf.to_str().unwrap(),
        ]),
        &["report export pdf"],
    );
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Nature of the personal data breach"),
        "{text}"
    );
    assert!(text.contains("Approval rate for group C fell"), "{text}");
    let html = dir.path().join("notification.html");
    assert_success(
        &server.cli(&[
            "report",
            "export",
            "INC-1",
            "R-1",
            "--format",
            "html",
            "-o",
            html.to_str().unwrap(),
        ]),
        &["report export html"],
    );
    assert!(std::fs::read_to_string(&html).unwrap().contains("<h2"));
    let submitted = server.json(&[
        "report",
        "submit",
        "INC-1",
        "R-1",
        "--recipient",
        "BfDI",
        "--reference",
        "2026-11-0042",
    ]);
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(timeline_kinds(&server, "regulator_notified").len(), 1);
    let board = server.json(&["deadlines", "INC-1"]);
    assert!(
        board
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["deadline"]["report"] != "notification"
                || c["deadline"]["regime"] != "gdpr_art33")
    );
    let all = server.json(&["deadlines", "INC-1", "--all"]);
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .any(|c| !c["deadline"]["submitted_at"].is_null())
    );
    let refused = server.cli(&["report", "submit", "INC-1", "R-1", "--recipient", "BfDI"]);
    assert_eq!(refused.status.code(), Some(2));

    // D12: from GDPR's trigger (aware_at, moved 2 hours earlier) to the submission.
    let metrics = server.json(&["metrics"]);
    let gdpr = &metrics["groups"][0]["metrics"]["time_to_notify.gdpr_art33"];
    assert_eq!(gdpr["count"], 1, "{metrics}");
    let hours = gdpr["mean_seconds"].as_f64().unwrap() / 3600.0;
    assert!((42.0..42.1).contains(&hours), "{hours}");
    assert_eq!(
        metrics["groups"][0]["metrics"]["time_to_notify"]["count"],
        1
    );
}
