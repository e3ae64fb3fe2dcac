//! Fixes verified, end to end: an action item names a monitor as its
//! check; once the item is done, the monitor's next runs decide it. Runs
//! within the thresholds pass it, a breach fails it and reopens the item,
//! and a manual check is recorded with its evidence. Every step is on the
//! timeline, and the item moves on after the post-mortem is approved.

use crate::monitors::{add_monitor, partition, show, wait_for};
use crate::regulatory::timeline_kinds;
use crate::support::{Server, assert_success};
use serde_json::{Value, json};
use std::path::Path;

pub(crate) fn item_of(server: &Server, id: &str) -> Value {
    server.json(&["postmortem", "show", "INC-1"])["postmortem"]["action_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap()
        .clone()
}

/// INC-1, declared by the `approvals` monitor on a biased day of `logs`
/// (2026-11-02) after a clean first window.
pub(crate) fn declare_by_monitor(server: &Server, dir: &Path, logs: &Path) {
    assert_success(
        &server.cli(&["system", "register", "credit", "--name", "Credit scoring"]),
        &["system register"],
    );
    add_monitor(
        server,
        dir,
        "approvals",
        "thresholds = [\"dpd > 0.2\"]\nsilent_after = \"1h\"",
    );
    wait_for("the first window", 10, || {
        show(server, "approvals")["status"]["runs"] == 1
    });
    partition(logs, "2026-11-02", true);
    wait_for("the incident", 10, || {
        show(server, "approvals")["status"]["state"] == "breached"
    });
}

/// An open corrective item of the admin's, due 2026-12-15.
pub(crate) fn open_item(id: &str, title: &str, criterion: &str) -> Value {
    json!({"id": id, "title": title, "kind": "corrective", "owner": "admin",
           "due": "2026-12-15", "impact": "high", "effort": "medium", "addresses": null,
           "success_criterion": criterion, "status": "open"})
}

/// Drafts INC-1's post-mortem and gives it these action items.
pub(crate) fn draft_with_items(server: &Server, dir: &Path, items: Value) {
    server.json(&["postmortem", "draft", "INC-1"]);
    let edit = dir.join("items.json");
    std::fs::write(&edit, json!({ "action_items": items }).to_string()).unwrap();
    server.json(&[
        "postmortem",
        "edit",
        "INC-1",
        "--file",
        edit.to_str().unwrap(),
    ]);
}

fn verified_events(server: &Server) -> Vec<Value> {
    timeline_kinds(server, "action_verified")
}

#[test]
fn a_monitor_check_passes_after_clean_runs_and_a_breach_reopens_the_action() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    partition(&logs, "2026-11-01", false);
    let server = Server::start_with(&dir.path().join("data"), &["--clock-interval", "1"]);
    declare_by_monitor(&server, dir.path(), &logs);
    draft_with_items(
        &server,
        dir.path(),
        json!([
            open_item(
                "act-1",
                "Reweight group B in the training data",
                "demographic parity difference at most 0.2"
            ),
            open_item(
                "act-2",
                "Gate releases on the parity difference",
                "no release ships above 0.2"
            ),
        ]),
    );
    let edit = dir.path().join("edit.json");

    // A check naming no monitor is refused by field; a manual result waits
    // for the item to be done.
    let refused = server.cli(&[
        "actions",
        "check",
        "INC-1",
        "act-1",
        "--monitor",
        "nope",
        "--runs",
        "2",
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("check.monitor"),
        "{refused:?}"
    );
    let early = server.cli(&[
        "actions",
        "verify",
        "INC-1",
        "act-1",
        "--passed",
        "--detail",
        "looked fine",
    ]);
    assert!(!early.status.success());
    assert!(
        String::from_utf8_lossy(&early.stderr).contains("only a done item is verified"),
        "{early:?}"
    );

    let checked = server.json(&[
        "actions",
        "check",
        "INC-1",
        "act-1",
        "--monitor",
        "approvals",
        "--runs",
        "2",
    ]);
    let act_1 = checked["postmortem"]["action_items"][0].clone();
    assert_eq!(act_1["verification"]["check"]["monitor"], "approvals");
    server.json(&["actions", "status", "INC-1", "act-1", "done"]);
    assert!(!item_of(&server, "act-1")["verification"]["done_at"].is_null());

    // Two clean days after the fix: passed, once, on the timeline.
    partition(&logs, "2026-11-03", false);
    wait_for("one run after the fix", 10, || {
        show(&server, "approvals")["status"]["runs"] == 3
    });
    assert!(verified_events(&server).is_empty(), "one run is not enough");
    partition(&logs, "2026-11-04", false);
    wait_for("the check to pass", 15, || {
        !verified_events(&server).is_empty()
    });
    let act_1 = item_of(&server, "act-1");
    assert_eq!(act_1["status"], "done");
    let result = &act_1["verification"]["results"][0];
    assert_eq!(result["outcome"], "passed", "{act_1:#}");
    assert_eq!(result["by"], "monitor:approvals");
    assert_eq!(result["runs"].as_array().unwrap().len(), 2);
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    assert_eq!(verified_events(&server).len(), 1, "decided once");
    // The incident page shows the check and its outcome on the item.
    let page = server.get_text("/incidents/INC-1");
    assert!(
        page.contains("data-verification=\"passed\"")
            && page.contains("monitor approvals within its thresholds for 2 runs; passed"),
        "{page}"
    );

    // The second item is done; the bias comes back: failed and reopened.
    server.json(&[
        "actions",
        "check",
        "INC-1",
        "act-2",
        "--monitor",
        "approvals",
        "--runs",
        "3",
    ]);
    server.json(&["actions", "status", "INC-1", "act-2", "done"]);
    partition(&logs, "2026-11-05", true);
    // Without new data the monitor looks less often; ask it to look now.
    assert_success(
        &server.cli(&["monitor", "run", "approvals"]),
        &["monitor run"],
    );
    wait_for("the check to fail", 15, || {
        verified_events(&server).len() == 2
    });
    let act_2 = item_of(&server, "act-2");
    assert_eq!(act_2["status"], "open", "a failed check reopens: {act_2:#}");
    assert_eq!(act_2["verification"]["results"][0]["outcome"], "failed");
    let events = verified_events(&server);
    let text =
        events[1]["text"].as_str().unwrap_or_default().to_string() + &events[1]["body"].to_string();
    assert!(text.contains("reopened"), "{text}");

    // A manual check rests on evidence of the incident; unknown evidence is refused.
    server.json(&[
        "actions",
        "check",
        "INC-1",
        "act-2",
        "--manual",
        "re-run the audit by hand",
    ]);
    server.json(&["actions", "status", "INC-1", "act-2", "done"]);
    let evidence = server.json(&["evidence", "list", "INC-1"]);
    let kept = evidence[0]["id"].as_str().unwrap().to_string();
    let unknown = server.cli(&[
        "actions",
        "verify",
        "INC-1",
        "act-2",
        "--passed",
        "--detail",
        "audit re-run",
        "--evidence",
        "E-999",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    let manual = server.json(&[
        "actions",
        "verify",
        "INC-1",
        "act-2",
        "--passed",
        "--detail",
        "audit re-run by hand: parity difference 0.04",
        "--evidence",
        &kept,
    ]);
    let act_2 = manual["postmortem"]["action_items"][1].clone();
    assert_eq!(act_2["status"], "done");
    let last = act_2["verification"]["results"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["outcome"], "passed");
    assert_eq!(last["by"], "admin");
    assert_eq!(last["evidence"], json!([kept]));

    // An edit of the text cannot write a verification of its own.
    let mut forged = server.json(&["postmortem", "show", "INC-1"])["postmortem"].clone();
    forged["action_items"][0]["verification"]["results"] = json!([]);
    std::fs::write(
        &edit,
        json!({"action_items": forged["action_items"]}).to_string(),
    )
    .unwrap();
    server.json(&[
        "postmortem",
        "edit",
        "INC-1",
        "--file",
        edit.to_str().unwrap(),
    ]);
    assert_eq!(
        item_of(&server, "act-1")["verification"]["results"][0]["outcome"],
        "passed"
    );
}

/// The decision log after the fix: every group approved as its label says.
fn fixed_log() -> String {
    crate::findings::decision_log()
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let fields: Vec<&str> = line.split(',').collect();
            if i == 0 {
                return format!("{line}\n");
            }
            let label = fields[3];
            let score = if label == "1" { "0.8" } else { "0.2" };
            format!(
                "{},{},{},{label},{label},{score}\n",
                fields[0], fields[1], fields[2]
            )
        })
        .collect()
}

#[test]
fn a_finding_check_runs_its_analysis_on_the_log_after_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::support::server_with_incident_and(
        &dir.path().join("data"),
        &["--clock-interval", "1"],
    );
    let before = dir.path().join("before.csv");
    let after = dir.path().join("after.csv");
    std::fs::write(&before, crate::findings::decision_log()).unwrap();
    std::fs::write(&after, fixed_log()).unwrap();
    let add = |file: &std::path::Path, description: &str| {
        server.json(&[
            "evidence",
            "add",
            "INC-1",
            file.to_str().unwrap(),
            "--description",
            description,
        ])
    };
    let biased = add(&before, "decision log before the fix");
    let fixed = add(&after, "decision log after the fix");
    let criterion = "demographic parity ratio at least 0.8";
    draft_with_items(
        &server,
        dir.path(),
        json!([
            open_item("act-1", "Retrain with group C reweighted", criterion),
            open_item("act-2", "Roll back to v7", criterion),
        ]),
    );
    let check_file = |name: &str, log: &Value, metric: &str| {
        let file = dir.path().join(name);
        std::fs::write(
            &file,
            json!({
                "request": {"analysis": "fairness", "log": log["id"], "group": ["group"],
                            "label": "label", "prediction": "approved", "score": "score"},
                "metric": metric, "at_least": 0.8,
            })
            .to_string(),
        )
        .unwrap();
        file.to_string_lossy().into_owned()
    };

    // Evidence the incident lacks and a metric that is no JSON pointer are
    // refused by field.
    let unknown = check_file(
        "unknown.json",
        &json!({"id": "EV-9"}),
        "/gaps/demographic_parity_ratio",
    );
    let refused = server.cli(&["actions", "check", "INC-1", "act-1", "--finding", &unknown]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("EV-9"),
        "{refused:?}"
    );
    let pointerless = check_file("pointerless.json", &fixed, "gaps.demographic_parity_ratio");
    let refused = server.cli(&[
        "actions",
        "check",
        "INC-1",
        "act-1",
        "--finding",
        &pointerless,
    ]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("check.metric"),
        "{refused:?}"
    );

    let on_fixed = check_file("fixed.json", &fixed, "/gaps/demographic_parity_ratio");
    let on_biased = check_file("biased.json", &biased, "/gaps/demographic_parity_ratio");
    server.json(&["actions", "check", "INC-1", "act-1", "--finding", &on_fixed]);
    server.json(&[
        "actions",
        "check",
        "INC-1",
        "act-2",
        "--finding",
        &on_biased,
    ]);
    server.json(&["actions", "status", "INC-1", "act-1", "done"]);
    server.json(&["actions", "status", "INC-1", "act-2", "done"]);
    wait_for("both checks decided", 20, || {
        verified_events(&server).len() == 2
    });
    let act_1 = item_of(&server, "act-1");
    let passed = &act_1["verification"]["results"][0];
    assert_eq!(passed["outcome"], "passed", "{act_1:#}");
    assert_eq!(passed["by"], "finding");
    assert_eq!(passed["evidence"], json!([fixed["id"]]));
    assert!(
        passed["detail"]
            .as_str()
            .unwrap()
            .contains("within at least 0.8"),
        "{passed:#}"
    );
    let act_2 = item_of(&server, "act-2");
    assert_eq!(act_2["status"], "open", "a failed check reopens: {act_2:#}");
    assert!(
        act_2["verification"]["results"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("outside at least 0.8"),
        "{act_2:#}"
    );
    // Each analysis is a finding on the timeline, with its input's hash.
    let findings = timeline_kinds(&server, "finding");
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert!(
        findings[0]["body"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Verification of action act-"),
        "{findings:#?}"
    );
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    assert_eq!(verified_events(&server).len(), 2, "decided once each");
}
