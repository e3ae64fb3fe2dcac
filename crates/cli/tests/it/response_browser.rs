//! One SEV2 incident from declaration to closure, entirely in the browser,
//! by a commander who is not an admin: declare, take command, contain with
//! the kill switch, say where things stand, note, build a 5 Whys chain
//! three deep, upload the decision log and attach a finding from it, draft,
//! edit, review, sign off, approve and publish the post-mortem (with its
//! action item), answer the questionnaire, draft and submit the report it
//! calls for, download the signed evidence bundle and verify it offline,
//! and close. The CLI only prepares (a system, a user) and reads back.

use crate::channels::{add_channel, start_provider};
use crate::chromium::{Driver, sign_in};
use crate::findings::decision_log;
use crate::regulatory_browser::{downloaded, until, upload};
use crate::support::{BIN, Server, assert_success, verify};
use crate::tickets::{GITHUB_TOKEN, Issues, github};
use serde_json::{Value, json};
use std::process::Command;

const PASSWORD: &str = "correct horse battery";

fn postmortem(server: &Server) -> Value {
    server.json(&["postmortem", "show", "INC-1"])["postmortem"].clone()
}

/// Moves the incident to `to` with the lifecycle form.
fn move_to(driver: &Driver, to: &str) {
    driver.click(&format!(
        "#lifecycle form:has(input[name=to][value={to}]) button[type=submit]"
    ));
}

/// Saves post-mortem section `field` with `text` (and for a cause its
/// `category`), waiting until the record holds it.
fn write_section(
    driver: &Driver,
    server: &Server,
    field: &str,
    text: &str,
    category: Option<&str>,
) {
    driver.open_all_details();
    let form = format!("form[data-section='{field}']");
    driver.type_into(&format!("{form} textarea[name=text]"), text);
    if let Some(category) = category {
        driver.click(&format!(
            "{form} select[name=category] option[value={category}]"
        ));
    }
    driver.click(&format!("{form} button[type=submit]"));
    until(
        &format!("saved {field}"),
        || postmortem(server),
        |p| p.to_string().contains(&json!(text).to_string()),
    );
}

#[test]
fn a_commander_runs_a_sev2_from_declaration_to_closure_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data);
    assert_success(
        &server.cli(&["system", "register", "scoring", "--name", "Credit scoring"]),
        &["system register"],
    );
    server.add_user("carol", "commander", PASSWORD);
    let downloads = dir.path().join("downloads");
    std::fs::create_dir(&downloads).unwrap();
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    driver.allow_downloads(&downloads);
    sign_in(&driver, &server.url, "carol", PASSWORD);

    // Declare.
    driver.go(&format!("{}/incidents/new", server.url));
    driver.type_into("input[name=title]", "Credit model declines group C");
    driver.click("select[name=severity] option[value=sev2]");
    driver.type_into(
        "textarea[name=severity_rationale]",
        "Applicants of one group declined unfairly",
    );
    driver.click("input[name=systems][value=scoring]");
    driver.click("input[name=harms][value=discrimination_bias]");
    driver.click("form[action='/incidents'] button[type=submit]");
    driver.wait_for_text("h1", "INC-1");
    let page = format!("{}/incidents/INC-1", server.url);

    // Take command from the header.
    driver.click("#glance form[action$='/roles'] button[type=submit]");
    driver.wait_for_text("#commander", "carol");

    // Contain: the kill switch moves the incident to contained and shows
    // as a banner in the header.
    let containment = "form[action='/incidents/INC-1/containment']";
    driver.click(&format!(
        "{containment} select[name=mode] option[value=disabled]"
    ));
    driver.type_into(
        &format!("{containment} input[name=reason]"),
        "Stop automated declines until fixed",
    );
    driver.click(&format!("{containment} button[type=submit]"));
    driver.wait_for_text("#glance", "scoring disabled (kill switch)");
    driver.wait_for_text("#status", "contained");

    // Where things stand, then a note: the newest entry comes first.
    let status = "Automated declines stopped; humans review every application.";
    driver.type_into("#current-status textarea[name=summary]", status);
    driver.click("#current-status button[type=submit]");
    driver.wait_for_text("#summary", status);
    let note = "Approval rate for group C fell from 41% to 18% after v2";
    driver.type_into("#timeline-section input[name=text]", note);
    driver.click("form[action='/incidents/INC-1/entries'] button");
    driver.wait_for_text("#timeline li:first-child", note);

    // A 5 Whys chain three deep: each why answers the one before it by
    // default, without choosing its parent.
    // Until the first step's request lands there is no chain to show.
    let whys = || {
        let shown = server.cli(&["rca", "show", "INC-1", "five_whys", "main", "--json"]);
        serde_json::from_slice(&shown.stdout).unwrap_or(Value::Null)
    };
    driver.submit_step(
        &page,
        "start-five-whys",
        &[
            ("symptom", "Group C applicants declined"),
            ("statement", "Model v2 scores group C lower"),
            ("select:category", "model"),
        ],
        1,
        whys,
    );
    for (version, statement, category) in [
        (2, "The retraining data under-sampled group C", "data"),
        (
            3,
            "The data pipeline changed its sampling silently",
            "process",
        ),
    ] {
        driver.submit_step(
            &page,
            "add-why",
            &[("statement", statement), ("select:category", category)],
            version,
            whys,
        );
    }
    let chain = whys();
    assert_eq!(
        chain["body"]["whys"][0]["causes"][0]["causes"][0]["statement"],
        "The data pipeline changed its sampling silently",
        "{chain}"
    );
    assert_eq!(chain["body"]["whys"].as_array().unwrap().len(), 1);

    // Evidence: the decision log, uploaded; a finding run on it, with its chart.
    let log = dir.path().join("decisions.csv");
    std::fs::write(&log, decision_log()).unwrap();
    driver.go(&page);
    upload(&driver, &log, "decision log, March");
    driver.wait_for_text("#evidence-EV-1", "decisions.csv");
    driver.type_into("#findings input[name=title]", "Group C approval rate");
    driver.type_into(
        "#findings textarea[name=request]",
        &json!({"analysis": "fairness", "log": "EV-1", "group": ["group"], "label": "label", "prediction": "approved", "score": "score"}).to_string(),
    );
    driver.click("#findings button[type=submit]");
    driver.wait_for_text("#findings", "Group C approval rate");
    driver.element("#findings figure.chart svg");

    // Closing before the post-mortem is approved is refused in place.
    move_to(&driver, "recovered");
    driver.wait_for_text("#status", "recovered");
    move_to(&driver, "postmortem");
    driver.wait_for_text("#status", "postmortem");
    move_to(&driver, "closed");
    driver.wait_for_text("#lifecycle", "post-mortem");

    // The post-mortem: drafted, written section by section, with an action item.
    driver.go(&page);
    driver.click("form[action$='postmortem/draft'] button[type=submit]");
    driver.wait_for_text("#postmortem-status", "draft");
    for (field, text) in [
        (
            "summary",
            "Model v2 declined more applicants of group C for six days.",
        ),
        (
            "impact.description",
            "About 2,300 applicants of group C were declined.",
        ),
        (
            "detection.how",
            "A complaint to the ombudsman, then the fairness finding.",
        ),
        (
            "response.narrative",
            "Automated declines stopped within the hour; humans reviewed every application.",
        ),
        ("went_well", "Human review took over within the hour."),
        (
            "went_wrong",
            "No monitor compared approval rates across groups.",
        ),
        ("lessons", "Fairness needs a release gate of its own."),
    ] {
        write_section(&driver, &server, field, text, None);
    }
    write_section(
        &driver,
        &server,
        "proximate_cause",
        "Model v2 down-weighted a feature correlated with group C",
        Some("model"),
    );
    write_section(
        &driver,
        &server,
        "root_causes/new",
        "The release pipeline had no fairness gate",
        Some("process"),
    );
    driver.open_all_details();
    let item = "#action-item-new";
    driver.type_into(
        &format!("{item} input[name=title]"),
        "Add a fairness gate to the release pipeline",
    );
    driver.click(&format!(
        "{item} select[name=kind] option[value=preventive]"
    ));
    // A date field takes keys in the browser's locale; set it as a picker would.
    driver
        .script("document.querySelector('#action-item-new input[name=due]').value = '2027-06-30';");
    driver.type_into(
        &format!("{item} input[name=success_criterion]"),
        "every release is blocked when a group approval-rate ratio is below 0.8",
    );
    driver.click(&format!("{item} button[type=submit]"));
    driver.wait_for_text("#postmortem", "act-1: Add a fairness gate");
    let written = until(
        "added the action item",
        || postmortem(&server),
        |p| p["action_items"].as_array().is_some_and(|a| a.len() == 1),
    );
    let action = &written["action_items"][0];
    assert_eq!(action["id"], "act-1");
    assert_eq!(
        action["owner"], "carol",
        "the owner defaults to the signed-in user"
    );
    assert_eq!(action["due"], "2027-06-30");
    assert_eq!(
        action["addresses"],
        json!({"kind": "root_cause", "id": "rc-1"})
    );

    // The item asks a tracker for its ticket from the page: the request is
    // recorded and queued for the outbox, as through the API.
    let (github_api, _) = start_provider(github(Issues::default()));
    add_channel(
        &server,
        dir.path(),
        json!({"slug": "gh", "kind": "github", "project": "acme/ml-fixes", "endpoint": github_api}),
        GITHUB_TOKEN,
    );
    driver.go(&format!("{}/incidents/INC-1", server.url));
    driver.open_all_details();
    driver.click("tr[data-item=act-1] form.ticket select[name=channel] option[value=gh]");
    driver.click("tr[data-item=act-1] form.ticket button[type=submit]");
    let asked = until(
        "asked GitHub for the item's ticket",
        || postmortem(&server),
        |p| p["action_items"][0]["ticket"]["channel"] == "gh",
    );
    assert_eq!(asked["action_items"][0]["status"], "open");
    driver.go(&format!("{}/incidents/INC-1", server.url));
    driver.open_all_details();
    let forms = driver
        .script("return document.querySelectorAll('tr[data-item=act-1] form.ticket').length;");
    assert_eq!(
        forms,
        json!(0),
        "an item with a ticket is offered no second one"
    );

    let pm_move = |to: &str| {
        driver.click(&format!(
            "#postmortem-workflow form:has(input[name=to][value={to}]) button[type=submit]"
        ))
    };
    pm_move("in_review");
    driver.wait_for_text("#postmortem-status", "in review");
    driver.click("#postmortem-sign-off select[name=decision] option[value=approve]");
    driver.type_into("#postmortem-sign-off input[name=comment]", "Reads true");
    driver.click("#postmortem-sign-off button[type=submit]");
    driver.wait_for_text("#postmortem-sign-offs", "carol as commander: approves");
    pm_move("approved");
    driver.wait_for_text("#postmortem-status", "approved");
    pm_move("published");
    driver.wait_for_text("#postmortem-status", "published");

    // The questionnaire, then the report it calls for, submitted.
    driver.open_all_details();
    driver.type_into("#questionnaire input[name=jurisdictions]", "DE");
    driver.click("#questionnaire input[name=roles][value=deployer]");
    driver.click("#questionnaire select[name=personal_data_breach] option[value=yes]");
    driver.click("#questionnaire button[type=submit]");
    driver.wait_for_text("#reportable", "yes");
    driver.click("#report-draft select[name=report] option[value='gdpr_art33/notification']");
    driver.click("#report-draft button[type=submit]");
    driver.wait_for_text("#report-R-1", "Draft");
    driver.open_all_details();
    let nature = "Approval decisions about group C applicants were made by a biased model.";
    driver.type_into("form[data-report-edit=R-1] textarea[name=text]", nature);
    driver.click("form[data-report-edit=R-1] button[type=submit]");
    until(
        "saved the report's text",
        || server.json(&["report", "show", "INC-1", "R-1"]),
        |r| r["sections"][0]["text"] == nature,
    );
    driver.type_into("form[data-report-submit=R-1] input[name=recipient]", "BfDI");
    driver.type_into(
        "form[data-report-submit=R-1] input[name=reference]",
        "BfDI-2026-204",
    );
    driver.click("form[data-report-submit=R-1] button[type=submit]");
    driver.wait_for_text("#report-R-1", "Submitted to BfDI");

    // The signed evidence bundle, downloaded and verified offline.
    driver.type_into(
        "#evidence-bundle input[name=purpose]",
        "the regulator's file",
    );
    driver.click("#evidence-bundle button[type=submit]");
    let bundle = downloaded(&downloads, "INC-1-evidence.tar");
    let verified = Command::new(BIN)
        .args(["evidence", "verify"])
        .arg(&bundle)
        .arg("--public-key")
        .arg(data.join("signing-key.pub"))
        .output()
        .unwrap();
    assert_success(&verified, &["evidence verify"]);

    // Close: the header says for how long it ran.
    driver.go(&page);
    move_to(&driver, "closed");
    driver.wait_for_text("#status", "closed");
    driver.wait_for_text("#elapsed", "Closed after");

    let incident = server.json(&["incident", "show", "INC-1", "--timeline"]);
    assert_eq!(incident["status"], "closed");
    assert_eq!(incident["summary"], status);
    let events = incident["timeline"].as_array().unwrap();
    let by_others: Vec<&Value> = events.iter().filter(|e| e["actor"] == "admin").collect();
    assert!(by_others.is_empty(), "the admin did nothing: {by_others:?}");
    let finding = events.iter().find(|e| e["kind"] == "finding").unwrap();
    assert_eq!(finding["actor"], "carol");
    let done = postmortem(&server);
    assert_eq!(done["status"], "published");
    assert_eq!(done["sign_offs"][0]["user"], "carol");
    let report = server.json(&["report", "show", "INC-1", "R-1"]);
    assert_eq!(report["status"], "submitted");
    assert_eq!(report["submitted_by"], "carol");

    server.stop();
    assert_success(&verify(&data, &[]), &["verify"]);
}
