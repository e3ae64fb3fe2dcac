//! Fixes verified, end to end: an action item names a monitor as its
//! check; once the item is done, the monitor's next runs decide it. Runs
//! within the thresholds pass it, a breach fails it and reopens the item,
//! and a manual check is recorded with its evidence. Every step is on the
//! timeline, and the item moves on after the post-mortem is approved.

use crate::monitors::{add_monitor, partition, show, wait_for};
use crate::regulatory::timeline_kinds;
use crate::support::{Server, assert_success};
use serde_json::{Value, json};

fn item(server: &Server, id: &str) -> Value {
    server.json(&["postmortem", "show", "INC-1"])["postmortem"]["action_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap()
        .clone()
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
    assert_success(
        &server.cli(&["system", "register", "credit", "--name", "Credit scoring"]),
        &["system register"],
    );
    add_monitor(
        &server,
        dir.path(),
        "approvals",
        "thresholds = [\"dpd > 0.2\"]\nsilent_after = \"1h\"",
    );
    wait_for("the first window", 10, || {
        show(&server, "approvals")["status"]["runs"] == 1
    });
    // The biased day declares INC-1.
    partition(&logs, "2026-11-02", true);
    wait_for("the incident", 10, || {
        show(&server, "approvals")["status"]["state"] == "breached"
    });
    server.json(&["postmortem", "draft", "INC-1"]);
    let edit = dir.path().join("edit.json");
    std::fs::write(
        &edit,
        json!({"action_items": [
            {"id": "act-1", "title": "Reweight group B in the training data", "kind": "corrective",
             "owner": "admin", "due": "2026-12-15", "impact": "high", "effort": "medium",
             "addresses": null, "success_criterion": "demographic parity difference at most 0.2",
             "status": "open"},
            {"id": "act-2", "title": "Gate releases on the parity difference", "kind": "preventive",
             "owner": "admin", "due": "2026-12-20", "impact": "high", "effort": "low",
             "addresses": null, "success_criterion": "no release ships above 0.2",
             "status": "open"}
        ]})
        .to_string(),
    )
    .unwrap();
    server.json(&[
        "postmortem",
        "edit",
        "INC-1",
        "--file",
        edit.to_str().unwrap(),
    ]);

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
    assert!(!item(&server, "act-1")["verification"]["done_at"].is_null());

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
    let act_1 = item(&server, "act-1");
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
    let act_2 = item(&server, "act-2");
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
        item(&server, "act-1")["verification"]["results"][0]["outcome"],
        "passed"
    );
}
