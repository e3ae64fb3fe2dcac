//! Regulators' inquiries end to end: a 72-hour inquiry is a clock on the
//! board like a law's, the same in `firebreak deadlines --json`, the API and
//! the incident page; its 50 % and 80 % warnings reach the clock webhook
//! once each; its response pack exports as PDF and goes into a signed bundle
//! that verifies offline; and its submission stops the clock.

use crate::evidence::verify_bundle;
use crate::support::{Server, assert_success, server_with_incident_and, start_receiver, stderr};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// `hours` ago, a second earlier and to the second: rounding up could
/// leave a clock whole hours away for the first half second, so the JSON
/// read first said "1 d 8 h" and the table read after it "1 d 7 h".
fn hours_ago(hours: i64) -> jiff::Timestamp {
    (jiff::Timestamp::now()
        - jiff::SignedDuration::from_hours(hours)
        - jiff::SignedDuration::from_secs(1))
    .round(jiff::Unit::Second)
    .unwrap()
}

/// The inquiry clocks of a board, as `(report, level, state, due_at)`.
fn inquiry_clocks(board: &Value) -> BTreeSet<(String, String, String, String)> {
    board
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["deadline"]["regime"] == "inquiry")
        .map(|c| {
            let text = |v: &Value| v.as_str().unwrap().to_string();
            (
                text(&c["deadline"]["report"]),
                text(&c["level"]),
                text(&c["state"]),
                text(&c["deadline"]["due_at"]),
            )
        })
        .collect()
}

/// Writes `content` to `name` in `dir` and adds it to INC-1 as evidence.
fn add_evidence(server: &Server, dir: &Path, name: &str, content: &str, description: &str) {
    let file = dir.join(name);
    std::fs::write(&file, content).unwrap();
    let path = file.to_str().unwrap();
    let args = [
        "evidence",
        "add",
        "INC-1",
        path,
        "--description",
        description,
    ];
    assert_success(&server.cli(&args), &args);
}

fn pdf_text(pdf: &Path) -> String {
    let bytes = std::fs::read(pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "{} is no PDF", pdf.display());
    let text = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8_lossy(&text.stdout).into_owned()
}

/// Waits until the clock webhook heard of every warning in `wanted`, then a
/// little longer, and answers what it heard, each once.
fn warnings_heard(
    received: &std::sync::Mutex<Vec<crate::support::Received>>,
    wanted: &[&str],
) -> BTreeSet<String> {
    let started = Instant::now();
    let heard = || -> Vec<String> {
        received
            .lock()
            .unwrap()
            .iter()
            .map(|r| {
                let body: Value = serde_json::from_str(&r.body).unwrap();
                let w = &body["warning"];
                format!(
                    "{}/{} {}",
                    w["regime"].as_str().unwrap(),
                    w["report"].as_str().unwrap(),
                    w["level"].as_str().unwrap()
                )
            })
            .collect()
    };
    while !wanted.iter().all(|w| heard().iter().any(|h| h == w)) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "warnings heard: {:?}",
            heard()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Two more clock checks: nothing is sent again.
    std::thread::sleep(Duration::from_millis(2500));
    let all = heard();
    let once: BTreeSet<String> = all.iter().cloned().collect();
    assert_eq!(once.len(), all.len(), "a warning went twice: {all:?}");
    once
}

#[test]
fn a_72_hour_inquiry_runs_on_the_board_warns_once_packs_bundles_and_stops_when_submitted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (url, received) = start_receiver(false);
    let server =
        server_with_incident_and(&data, &["--clock-webhook", &url, "--clock-interval", "1"]);

    // Bad input is named before anything is stored.
    let open_due = |due: &[&str]| {
        let mut args = vec![
            "inquiry",
            "open",
            "INC-1",
            "--regulator",
            "BaFin",
            "--reference",
            "GZ 1",
            "--received",
            "2026-03-02T09:00:00Z",
            "--question",
            "Why?",
        ];
        args.extend_from_slice(due);
        server.cli(&args)
    };
    let neither = open_due(&[]);
    assert_eq!(neither.status.code(), Some(2), "{}", stderr(&neither));
    for (flag, value) in [("--within", "3 weeks"), ("--due", "tomorrow")] {
        let refused = open_due(&[flag, value]);
        assert_eq!(refused.status.code(), Some(2));
        assert!(stderr(&refused).contains(flag), "{}", stderr(&refused));
    }
    let refused = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/incidents/INC-1/inquiries", server.url))
        .bearer_auth(&server.token)
        .json(&json!({"regulator": "BaFin", "reference": "GZ 1",
            "received_at": "2026-03-02T09:00:00Z", "questions": ["Why?"]}))
        .send()
        .unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().unwrap().contains("due_at"));

    // Q1: 72 hours from 40 hours ago (past 50 %); Q2: due as given, 72 hours
    // after its receipt 60 hours ago (past 80 %).
    let received_q1 = hours_ago(40);
    let q1 = server.json(&[
        "inquiry",
        "open",
        "INC-1",
        "--regulator",
        "BaFin",
        "--reference",
        "GZ 2026/114",
        "--received",
        &received_q1.to_string(),
        "--within",
        "72h",
        "--question",
        "Which applicants were affected?",
        "--question",
        "What did the fairness audit find?",
    ]);
    assert_eq!(q1["id"], "Q1");
    assert_eq!(q1["clock"]["level"], "half_elapsed");
    let received_q2 = hours_ago(60);
    let due_q2 = received_q2 + jiff::SignedDuration::from_hours(72);
    let q2 = server.json(&[
        "inquiry",
        "add",
        "INC-1",
        "--regulator",
        "EDPB",
        "--reference",
        "EDPB-77",
        "--received",
        &received_q2.to_string(),
        "--due",
        &due_q2.to_string(),
        "--question",
        "Was personal data involved?",
    ]);
    assert_eq!(q2["id"], "Q2");
    assert_eq!(q2["due_rule"], "given");

    // One clock model: the same inquiry clocks in the CLI, the API and on the page.
    let expected: BTreeSet<_> = [
        (
            "Q1",
            "half_elapsed",
            received_q1 + jiff::SignedDuration::from_hours(72),
        ),
        ("Q2", "eighty_percent_elapsed", due_q2),
    ]
    .iter()
    .map(|(q, level, due)| {
        (
            q.to_string(),
            level.to_string(),
            "running".to_string(),
            due.to_string(),
        )
    })
    .collect();
    let cli = server.json(&["deadlines"]);
    assert_eq!(inquiry_clocks(&cli), expected);
    let api: Value = serde_json::from_str(&server.get_text("/api/v1/deadlines")).unwrap();
    assert_eq!(inquiry_clocks(&api), expected);
    let q1_clock = cli
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["deadline"]["report"] == "Q1")
        .unwrap();
    assert_eq!(
        q1_clock["deadline"]["report_name"],
        "Inquiry GZ 2026/114 from BaFin"
    );
    let table = String::from_utf8_lossy(&server.cli(&["deadlines"]).stdout).into_owned();
    assert!(table.contains("Regulator inquiry"), "{table}");
    assert!(
        table.contains(q1_clock["summary"].as_str().unwrap()),
        "{table}"
    );
    let page = server.get_text("/incidents/INC-1");
    for (q, _, state, due) in &expected {
        let row = format!(
            "data-clock=\"inquiry/{q}\" data-state=\"{state}\" data-provisional=\"false\" data-due=\"{due}\""
        );
        assert!(page.contains(&row), "{row} not on the page");
    }
    assert!(page.contains("id=\"inquiry-Q1\""));

    // Each crossing warns once, through the clock webhook and on the timeline.
    let heard = warnings_heard(
        &received,
        &[
            "inquiry/Q1 half_elapsed",
            "inquiry/Q2 half_elapsed",
            "inquiry/Q2 eighty_percent_elapsed",
        ],
    );
    assert!(
        !heard.contains("inquiry/Q1 eighty_percent_elapsed"),
        "{heard:?}"
    );
    let timeline = server.json(&["incident", "show", "INC-1", "--timeline"]);
    let events = timeline["timeline"].as_array().unwrap();
    let warned = events
        .iter()
        .filter(|e| e["kind"] == "clock_warning" && e["body"]["regime"] == "inquiry")
        .count();
    assert_eq!(warned, 3);

    // Answered per question; a partial response is refused without a reason.
    server.json(&[
        "inquiry",
        "answer",
        "INC-1",
        "Q1",
        "1",
        "--text",
        "1,204 applicants in group C.",
    ]);
    let partial = server.cli(&["inquiry", "submit", "INC-1", "Q1"]);
    assert_eq!(partial.status.code(), Some(2));
    assert!(
        stderr(&partial).contains("unanswered questions (2)"),
        "{}",
        stderr(&partial)
    );
    let done = server.json(&[
        "inquiry",
        "respond",
        "INC-1",
        "Q1",
        "2",
        "--text",
        "Selection rates fell to 0.61 of group A's.",
    ]);
    assert_eq!(done["questions"][1]["answered_by"], "admin");
    add_evidence(
        &server,
        dir.path(),
        "decisions.csv",
        "applicant,decision\n1,refused\n",
        "disputed decisions",
    );

    // The response pack: the inquiry, the answers, then the incident's record.
    let pdf = dir.path().join("pack.pdf");
    assert_success(
        &server.cli(&[
            "inquiry",
            "pack",
            "INC-1",
            "Q1",
            "--format",
            "pdf",
            "-o",
            pdf.to_str().unwrap(),
        ]),
        &["inquiry pack pdf"],
    );
    let text = pdf_text(&pdf);
    for words in [
        "GZ 2026/114",
        "BaFin",
        "Which applicants were affected?",
        "1,204 applicants in group C.",
        "Model documentation",
        "Fairness audit",
        "Chain of custody",
        "decisions.csv",
        "Timeline",
    ] {
        assert!(text.contains(words), "{words} not in the pack:\n{text}");
    }

    // The signed bundle holds the pack, names the inquiry and verifies offline.
    let bundle = dir.path().join("response.tar");
    assert_success(
        &server.cli(&[
            "inquiry",
            "bundle",
            "INC-1",
            "Q1",
            "-o",
            bundle.to_str().unwrap(),
        ]),
        &["inquiry bundle"],
    );
    assert_success(&verify_bundle(&bundle, &[]), &["evidence verify"]);
    let mut archive = tar::Archive::new(std::fs::File::open(&bundle).unwrap());
    let (mut manifest, mut pack_in_bundle) = (None, None);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if path == "manifest.json" {
            manifest = Some(serde_json::from_slice::<Value>(&bytes).unwrap());
        } else if path.ends_with("INC-1-Q1-response-pack.pdf") {
            pack_in_bundle = Some(bytes);
        }
    }
    let manifest = manifest.expect("the bundle has a manifest");
    assert_eq!(
        manifest["purpose"],
        "response to inquiry Q1 (GZ 2026/114) from BaFin"
    );
    assert!(
        pack_in_bundle
            .expect("the bundle holds the pack")
            .starts_with(b"%PDF")
    );

    // Submitted under its reference: the clock stops, once.
    let submitted = server.json(&["inquiry", "submit", "INC-1", "Q1"]);
    assert_eq!(submitted["submitted_reference"], "GZ 2026/114");
    assert_eq!(submitted["clock"]["state"], "met");
    let running = inquiry_clocks(&server.json(&["deadlines", "INC-1"]));
    assert!(running.iter().all(|(q, ..)| q != "Q1"), "{running:?}");
    let all = inquiry_clocks(&server.json(&["deadlines", "INC-1", "--all"]));
    assert!(
        all.iter()
            .any(|(q, _, state, _)| q == "Q1" && state == "met"),
        "{all:?}"
    );
    let twice = server.cli(&["inquiry", "submit", "INC-1", "Q1"]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        stderr(&twice).contains("already submitted"),
        "{}",
        stderr(&twice)
    );
    let listed = server.json(&["inquiry", "list", "INC-1"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let kinds = crate::support::timeline_kinds(&server, "INC-1");
    assert_eq!(
        kinds.iter().filter(|k| *k == "regulator_inquiry").count(),
        5
    );
    server.stop();
    assert_success(&crate::support::verify(&data, &[]), &["verify"]);
}

/// The inquiry pack the incident record drafts as a generic report (the
/// issue found it untested): every section a regulator's inquiry asks for.
#[test]
fn the_inquiry_response_report_drafts_every_section_of_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident_and(&dir.path().join("data"), &[]);
    add_evidence(
        &server,
        dir.path(),
        "model-card.md",
        "# Credit scoring model card\n",
        "model card",
    );
    let report = server.json(&[
        "report",
        "draft",
        "INC-1",
        "--regime",
        "generic",
        "--type",
        "inquiry_response",
    ]);
    assert_eq!(
        report["title"],
        "Firebreak — Regulatory inquiry response pack"
    );
    let sections = report["sections"].as_array().unwrap();
    let headings: Vec<&str> = sections
        .iter()
        .map(|s| s["heading"].as_str().unwrap())
        .collect();
    assert_eq!(
        headings,
        [
            "Model documentation (inventory)",
            "Decision audit trail for the disputed cohort",
            "Fairness audit",
            "Explanation of the contested decision",
            "Root cause",
            "Chain of custody",
        ]
    );
    let text = |heading: &str| {
        sections.iter().find(|s| s["heading"] == heading).unwrap()["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(text("Model documentation (inventory)").contains("Credit scoring"));
    assert!(text("Chain of custody").contains("model-card.md"));
    // Nothing made up where nothing is recorded (D21).
    assert!(
        text("Root cause").starts_with("TODO:"),
        "{}",
        text("Root cause")
    );
    assert!(text("Explanation of the contested decision").contains("D21"));
    server.stop();
}
