//! Firebreak's own monitors through the binary: a partition with injected
//! bias declares an incident with the finding and the evidence within one
//! schedule interval, a clean one resolves the alert; a source that stops
//! producing data raises a "silent monitor" alert and a corrupt file makes the
//! monitor "failing"; a restart neither skips nor repeats a window; a glob
//! source is watched window by window, and its backfill finds the partition
//! where bias started as a change point.

use crate::support::{Server, assert_success, stderr};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

pub(crate) fn wait_for(what: &str, seconds: u64, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < Duration::from_secs(seconds),
            "timed out after {seconds} s waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One day's decisions: 100 rows per group; `biased` approves nobody of
/// group B.
pub(crate) fn partition(logs: &Path, day: &str, biased: bool) {
    let dir = logs.join(format!("date={day}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from("timestamp,group,income,label,approved\n");
    for i in 0..200 {
        let group = if i % 2 == 0 { "A" } else { "B" };
        let approved = if biased && group == "B" {
            0
        } else {
            (i / 2) % 2
        };
        csv.push_str(&format!(
            "{day}T{:02}:{:02}:00Z,{group},{},{},{approved}\n",
            (i / 60) % 24,
            i % 60,
            30_000 + i * 100,
            (i / 2) % 2
        ));
    }
    // Written whole, then renamed: a monitor never sees half a file.
    let tmp = logs.join(format!(".{day}.tmp"));
    std::fs::write(&tmp, csv).unwrap();
    std::fs::rename(&tmp, dir.join("part-0.csv")).unwrap();
}

fn start_with_system(data: &Path) -> Server {
    let server = Server::start(data);
    assert_success(
        &server.cli(&["system", "register", "credit", "--name", "Credit scoring"]),
        &["system register"],
    );
    server
}

pub(crate) fn add_monitor(server: &Server, dir: &Path, name: &str, extra: &str) {
    add_monitor_on(server, dir, name, "logs", extra);
}

fn add_monitor_on(server: &Server, dir: &Path, name: &str, source: &str, extra: &str) {
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(
        &file,
        format!(
            "name = \"{name}\"\nsystem = \"credit\"\nschedule = \"1s\"\nseverity = \"sev2\"\n{extra}\n\
             [source]\npath = \"{source}\"\n\
             [check]\nkind = \"fairness\"\ngroup = [\"group\"]\nlabel = \"label\"\nprediction = \"approved\"\n"
        ),
    )
    .unwrap();
    let output = server.cli(&["monitor", "add", file.to_str().unwrap()]);
    assert_success(&output, &["monitor add"]);
}

pub(crate) fn show(server: &Server, name: &str) -> Value {
    server.json(&["monitor", "show", name])
}

fn timeline_kinds(server: &Server, incident: &str) -> Vec<String> {
    server.json(&["incident", "show", incident, "--timeline"])["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_biased_partition_declares_an_incident_with_the_evidence_and_a_clean_one_resolves_it() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    partition(&logs, "2026-12-01", false);
    let server = start_with_system(&dir.path().join("data"));
    add_monitor(
        &server,
        dir.path(),
        "approvals",
        "thresholds = [\"dpd > 0.2\"]\nsilent_after = \"1h\"",
    );
    wait_for("the first window", 10, || {
        show(&server, "approvals")["status"]["runs"] == 1
    });
    assert_eq!(show(&server, "approvals")["status"]["state"], "ok");

    partition(&logs, "2026-12-02", true);
    let arrived = Instant::now();
    wait_for("an incident", 10, || {
        !server.json(&["incident", "list"])["items"]
            .as_array()
            .unwrap()
            .is_empty()
    });
    assert!(
        arrived.elapsed() < Duration::from_secs(3),
        "declared {:?} after the partition arrived, more than one interval and a tick",
        arrived.elapsed()
    );
    let incident = server.json(&["incident", "show", "INC-1", "--timeline"]);
    assert_eq!(incident["severity"], "sev2");
    let finding = incident["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "finding")
        .expect("the run's analysis is a finding")
        .clone();
    assert!(
        finding["body"]["text"]
            .as_str()
            .unwrap()
            .contains("date=2026-12-02"),
        "{finding}"
    );
    let evidence = server.json(&["evidence", "list", "INC-1"]);
    let sha = &evidence[0]["sha256"];
    assert_eq!(finding["body"]["inputs"][0]["sha256"], *sha);
    let file = std::fs::read(logs.join("date=2026-12-02/part-0.csv")).unwrap();
    assert_eq!(
        sha.as_str().unwrap(),
        firebreak_core::timeline::sha256_hex(&file)
    );
    let shown = show(&server, "approvals");
    assert_eq!(shown["status"]["state"], "breached");
    assert_eq!(shown["runs"][1]["incident"], "INC-1");
    assert_eq!(shown["runs"][1]["inputs"][0]["sha256"], *sha);

    // The system page lists it with its chart and a pause button.
    let page = reqwest::blocking::Client::new()
        .get(format!("{}/systems/credit", server.url))
        .bearer_auth(&server.token)
        .header("accept", "text/html")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("data-state=\"breached\"") && page.contains("<svg"),
        "{page}"
    );
    assert!(page.contains("action=\"/monitors/approvals/pause\""));

    partition(&logs, "2026-12-03", false);
    wait_for("the recovery", 10, || {
        server
            .json(&["alert", "list", "--open"])
            .as_array()
            .unwrap()
            .is_empty()
    });
    assert_eq!(show(&server, "approvals")["status"]["state"], "ok");
    let kinds = timeline_kinds(&server, "INC-1");
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("alert_resolved"),
        "{kinds:?}"
    );

    let backfill = server.cli(&["monitor", "backfill", "approvals"]);
    assert_success(&backfill, &["monitor backfill"]);
    let text = String::from_utf8_lossy(&backfill.stdout);
    assert!(text.contains("first breach: date=2026-12-02"), "{text}");
}

#[test]
fn a_silent_source_and_a_corrupt_file_raise_a_silent_monitor_alert() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    partition(&logs, "2026-12-01", false);
    let server = start_with_system(&dir.path().join("data"));
    add_monitor(
        &server,
        dir.path(),
        "quiet",
        "thresholds = [\"dpd > 0.2\"]\nsilent_after = \"2s\"\naction = \"record\"",
    );
    wait_for("a silent monitor alert", 15, || {
        server
            .json(&["alert", "list", "--open"])
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["labels"]["kind"] == "silent" && a["source"] == "monitor")
    });
    assert_eq!(show(&server, "quiet")["status"]["state"], "silent");
    assert!(
        server.json(&["incident", "list"])["items"]
            .as_array()
            .unwrap()
            .is_empty(),
        "action record"
    );

    // Data again ends the silence; a corrupt file right behind it fails the
    // run, naming the file.
    partition(&logs, "2026-12-02", false);
    let corrupt = logs.join("date=2026-12-03");
    std::fs::create_dir_all(&corrupt).unwrap();
    std::fs::write(corrupt.join("part-0.parquet"), b"not parquet at all").unwrap();
    wait_for("the monitor to fail", 15, || {
        show(&server, "quiet")["status"]["state"] == "failing"
    });
    let all = server.json(&["alert", "list"]);
    let silent: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["labels"]["kind"] == "silent")
        .collect();
    assert_eq!(silent.len(), 2, "{all}");
    assert_eq!(
        silent[1]["status"], "resolved",
        "new data ended the first silence"
    );
    let shown = show(&server, "quiet");
    let runs = shown["runs"].as_array().unwrap();
    let note = runs.last().unwrap()["note"].as_str().unwrap();
    assert!(note.contains("date=2026-12-03/part-0.parquet"), "{note}");
    let open = server.json(&["alert", "list", "--open"]);
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .any(|a| a["labels"]["kind"] == "silent"
                && a["summary"].as_str().unwrap().contains("fail")),
        "{open}"
    );
    // Nothing else is affected: the server answers and other records stand.
    assert_success(&server.cli(&["system", "list"]), &["system list"]);
}

#[test]
fn a_restart_mid_schedule_neither_skips_nor_repeats_a_window() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let days: Vec<String> = (1..=24).map(|d| format!("2026-11-{d:02}")).collect();
    for day in &days {
        partition(&logs, day, false);
    }
    let data = dir.path().join("data");
    let server = start_with_system(&data);
    add_monitor(
        &server,
        dir.path(),
        "steady",
        "thresholds = [\"dpd > 0.5\"]\nsilent_after = \"1h\"",
    );
    wait_for("a few windows", 20, || {
        show(&server, "steady")["status"]["runs"].as_u64().unwrap() >= 3
    });
    // Killed mid-schedule, perhaps mid-run: no chance to finish anything.
    server.stop();
    let server = Server::start(&data);
    wait_for("every window", 60, || {
        show(&server, "steady")["status"]["runs"].as_u64().unwrap() >= days.len() as u64
    });
    std::thread::sleep(Duration::from_secs(2));
    let shown = show(&server, "steady");
    let windows: Vec<String> = shown["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["window"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = days.iter().map(|d| format!("date={d}")).collect();
    assert_eq!(windows, expected, "each window once, in order");
    let seqs: Vec<u64> = shown["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=days.len() as u64).collect::<Vec<_>>());
}

#[test]
fn a_definition_naming_what_is_not_there_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    partition(&logs, "2026-12-01", false);
    let server = start_with_system(&dir.path().join("data"));
    let file = dir.path().join("bad.json");
    let refused = |definition: Value, field: &str| {
        std::fs::write(&file, definition.to_string()).unwrap();
        let output = server.cli(&["monitor", "add", file.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(
            stderr(&output).contains(field),
            "{field}: {}",
            stderr(&output)
        );
    };
    let good = serde_json::json!({
        "name": "m", "system": "credit", "schedule": "1m", "thresholds": ["dpd > 0.1"],
        "source": {"path": logs.display().to_string()},
        "check": {"kind": "fairness", "group": ["group"], "label": "label", "prediction": "approved"},
    });
    let with = |pointer: &str, value: Value| {
        let mut d = good.clone();
        *d.pointer_mut(pointer).unwrap() = value;
        d
    };
    refused(with("/source/path", "/no/such/logs".into()), "source.path");
    refused(
        with("/source/path", "/no/such/logs/date=*/*.csv".into()),
        "/no/such/logs does not exist",
    );
    let glob = format!("{}/date=*/*.csv", logs.display());
    let mut glob_lacking = with("/source/path", glob.into());
    glob_lacking["check"]["label"] = "outcome".into();
    refused(glob_lacking, "check.label");
    refused(with("/check/label", "outcome".into()), "check.label");
    refused(with("/schedule", "whenever".into()), "schedule");
    refused(
        with("/thresholds", serde_json::json!(["dpd >> 1"])),
        "thresholds[0]",
    );
    std::fs::write(&file, good.to_string()).unwrap();
    assert_success(
        &server.cli(&["monitor", "add", file.to_str().unwrap()]),
        &["monitor add"],
    );
    // A glob matching nothing yet is watched (the heartbeat covers it).
    let mut empty = with(
        "/source/path",
        format!("{}/*.parquet", logs.display()).into(),
    );
    empty["name"] = "later".into();
    std::fs::write(&file, empty.to_string()).unwrap();
    assert_success(
        &server.cli(&["monitor", "add", file.to_str().unwrap()]),
        &["monitor add"],
    );
}

#[test]
fn a_glob_source_is_watched_window_by_window_and_a_backfill_finds_when_bias_started() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let days: Vec<String> = (1..=16).map(|d| format!("2026-11-{d:02}")).collect();
    for (index, day) in days.iter().enumerate() {
        partition(&logs, day, index >= 10);
    }
    let server = start_with_system(&dir.path().join("data"));
    add_monitor_on(
        &server,
        dir.path(),
        "glob",
        "logs/date=*/*.csv",
        "thresholds = [\"dpd > 0.2\"]\nsilent_after = \"1h\"\naction = \"record\"",
    );
    wait_for("every window", 60, || {
        show(&server, "glob")["status"]["runs"].as_u64().unwrap() >= days.len() as u64
    });
    let shown = show(&server, "glob");
    let windows: Vec<&str> = shown["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["window"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = days.iter().map(|d| format!("date={d}")).collect();
    assert_eq!(windows, expected, "each window once, in order");

    let backfill = server.json(&["monitor", "backfill", "glob"]);
    assert_eq!(backfill["points"].as_array().unwrap().len(), days.len());
    let changes = backfill["change_points"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["metric"] == "demographic_parity_difference"
                && c["window"] == "date=2026-11-11"
                && c["index"] == 10),
        "{backfill}"
    );
    assert!(
        changes.iter().all(|c| c["window"] == "date=2026-11-11"),
        "no change point where nothing changed: {backfill}"
    );
    let text = server.cli(&["monitor", "backfill", "glob"]);
    assert_success(&text, &["monitor backfill"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("change point: demographic_parity_difference from date=2026-11-11: 0 -> 0.5"),
        "{text}"
    );

    // The system page marks it on the chart of the runs.
    let page = reqwest::blocking::Client::new()
        .get(format!("{}/systems/credit", server.url))
        .bearer_auth(&server.token)
        .header("accept", "text/html")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("change: 0 → 0.5"), "{page}");
}
