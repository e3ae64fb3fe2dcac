//! The post-mortem workflow in the browser: a commander (not an admin)
//! drafts the post-mortem on the incident page, edits a section and adds a
//! root cause, sends it to review, is refused in place (approving before
//! the commander's sign-off, requesting changes without saying which),
//! signs off as the incident's commander, approves and publishes; the API
//! and the timeline agree, and the record still verifies.

use crate::chromium::{Driver, sign_in};
use crate::support::{Server, assert_success, server_with_incident, verify};
use serde_json::Value;
use std::time::{Duration, Instant};

fn postmortem(server: &Server) -> Value {
    server.json(&["postmortem", "show", "INC-1"])
}

/// Waits until the stored post-mortem satisfies `done`.
fn until(server: &Server, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let current = postmortem(server);
        if done(&current) {
            return current;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "never {what}: {current}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn move_to(driver: &Driver, to: &str) {
    driver.click(&format!(
        "#postmortem-workflow form:has(input[name=to][value={to}]) button[type=submit]"
    ));
}

#[test]
fn a_commander_takes_a_postmortem_from_draft_to_published_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(dir.path());
    server.add_user("carol", "commander", "correct horse battery");
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    sign_in(&driver, &server.url, "carol", "correct horse battery");
    let page = format!("{}/incidents/INC-1", server.url);
    driver.go(&page);

    driver.click("form[action$='postmortem/draft'] button[type=submit]");
    driver.wait_for_text("#postmortem-status", "draft");

    // A section and a root cause, each with its own form.
    driver.open_all_details();
    let summary = "Version 2 approved fewer applicants from group C for six days.";
    driver.type_into("form[data-section=summary] textarea[name=text]", summary);
    driver.click("form[data-section=summary] button[type=submit]");
    until(&server, "saved the summary", |p| {
        p["postmortem"]["summary"] == summary
    });
    driver.open_all_details();
    driver.type_into(
        "form[data-section='root_causes/new'] textarea[name=text]",
        "The release pipeline had no fairness gate",
    );
    driver
        .click("form[data-section='root_causes/new'] select[name=category] option[value=process]");
    driver.click("form[data-section='root_causes/new'] button[type=submit]");
    let added = until(&server, "added the root cause", |p| {
        p["postmortem"]["root_causes"].as_array().unwrap().len() == 1
    });
    assert_eq!(added["postmortem"]["root_causes"][0]["id"], "rc-1");
    assert_eq!(added["postmortem"]["root_causes"][0]["category"], "process");
    // The other sections a SEV2 needs, written by others meanwhile.
    let rest = dir.path().join("rest.json");
    std::fs::write(
        &rest,
        serde_json::json!({
            "impact": {"harms": ["discrimination_bias"], "description": "About 2,300 applicants declined."},
            "detection": {"how": "A complaint to the ombudsman."},
            "response": {"narrative": "Scoring rolled back to v1.", "containment": []},
            "proximate_cause": {"statement": "v2 down-weighted the postcode feature", "category": "model", "supported_by": []},
            "went_well": "Human review took over within the hour.",
            "went_wrong": "No monitor compared selection rates across groups.",
            "lessons": "Fairness needs a release gate of its own.",
            "action_items": [{"id": "act-1", "title": "Add a fairness gate to the release pipeline",
                "kind": "preventive", "owner": "carol", "due": "2027-01-15", "impact": "high",
                "effort": "medium", "addresses": {"kind": "root_cause", "id": "rc-1"}, "status": "open",
                "success_criterion": "every release is blocked when a group selection-rate ratio is below 0.8"}]
        })
        .to_string(),
    )
    .unwrap();
    let args = [
        "postmortem",
        "edit",
        "INC-1",
        "--file",
        rest.to_str().unwrap(),
    ];
    assert_success(&server.cli(&args), &args);
    driver.go(&page);

    // To review; approving before the commander signs off is refused in place.
    move_to(&driver, "in_review");
    driver.wait_for_text("#postmortem-status", "in review");
    let section = driver.text("#postmortem");
    assert!(
        section.contains("you hold none of these roles"),
        "{section}"
    );
    move_to(&driver, "approved");
    let refused = driver.wait_for_text("#postmortem-workflow", "approving sign-off");
    assert!(refused.contains("sign offs"), "{refused}");
    assert_eq!(postmortem(&server)["postmortem"]["status"], "in_review");

    // As the incident's commander: asking for changes needs a comment,
    // refused in place with the choice kept; then an approving sign-off.
    assert_success(
        &server.cli(&["incident", "assign", "INC-1", "commander", "carol"]),
        &["incident assign"],
    );
    driver.go(&page);
    driver.click("#postmortem-sign-off select[name=decision] option[value=request_changes]");
    driver.click("#postmortem-sign-off button[type=submit]");
    driver.wait_for_text("#postmortem-sign-off", "say which changes are needed");
    let kept = driver.element(
        "#postmortem-sign-off select[name=decision] option[value=request_changes]:checked",
    );
    assert!(!kept.is_empty());
    driver.click("#postmortem-sign-off select[name=decision] option[value=approve]");
    driver.type_into("#postmortem-sign-off input[name=comment]", "Reads true");
    driver.click("#postmortem-sign-off button[type=submit]");
    driver.wait_for_text("#postmortem-sign-offs", "carol as commander: approves");

    move_to(&driver, "approved");
    driver.wait_for_text("#postmortem-status", "approved");
    move_to(&driver, "published");
    driver.wait_for_text("#postmortem-status", "published");
    let workflow = driver.text("#postmortem-workflow");
    assert!(workflow.contains("only an admin can reopen"), "{workflow}");

    let done = postmortem(&server);
    let pm = &done["postmortem"];
    assert_eq!(pm["status"], "published");
    assert_eq!(pm["summary"], summary);
    assert_eq!(pm["review_round"], 1);
    let sign_offs = pm["sign_offs"].as_array().unwrap();
    assert_eq!(sign_offs.len(), 1, "{sign_offs:?}");
    assert_eq!(sign_offs[0]["user"], "carol");
    assert_eq!(sign_offs[0]["role"], "commander");
    assert_eq!(sign_offs[0]["decision"], "approve");
    assert_eq!(sign_offs[0]["comment"], "Reads true");
    let timeline = server.json(&["incident", "show", "INC-1", "--timeline"]);
    let moves: Vec<&Value> = timeline["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "postmortem_status_changed")
        .collect();
    assert_eq!(moves.len(), 3, "{moves:?}");
    assert!(moves.iter().all(|e| e["actor"] == "carol"));

    server.stop();
    assert_success(&verify(dir.path(), &[]), &["verify"]);
}
