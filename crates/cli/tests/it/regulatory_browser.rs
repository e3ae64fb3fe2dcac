//! The regulatory record and the evidence vault in the browser: a
//! commander (not an admin) answers the applicability questionnaire (a
//! jurisdiction that is no country code refused in place, the answers
//! kept), is refused in place drafting a report for a regime that does not
//! apply, drafts, edits and submits one that does, uploads evidence, puts
//! it under legal hold, records a transfer, downloads it, and downloads the
//! signed evidence bundle, which verifies offline against the server's key.

use crate::chromium::{Driver, sign_in};
use crate::support::{BIN, Server, assert_success, server_with_incident, verify};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Waits until `read` satisfies `done`.
pub(crate) fn until(what: &str, read: impl Fn() -> Value, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let current = read();
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

/// Waits for a finished download named `name` in `dir`.
pub(crate) fn downloaded(dir: &Path, name: &str) -> PathBuf {
    let file = dir.join(name);
    let partial = dir.join(format!("{name}.crdownload"));
    let started = Instant::now();
    while !file.is_file() || partial.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{name} was never downloaded"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    file
}

/// Uploads `file` with the incident page's evidence form.
pub(crate) fn upload(driver: &Driver, file: &Path, description: &str) {
    driver.type_into("#evidence-upload input[name=description]", description);
    let input = driver.element("#evidence-upload input[name=file]");
    driver.call(
        reqwest::Method::POST,
        &format!("/element/{input}/value"),
        Some(json!({ "text": file.to_str().unwrap() })),
    );
    driver.click("#evidence-upload button[type=submit]");
}

/// A GET with the browser's session cookie, as a download link is followed.
pub(crate) fn get_as_browser(
    driver: &Driver,
    server: &Server,
    path: &str,
) -> reqwest::blocking::Response {
    let cookie = driver.call(reqwest::Method::GET, "/cookie/firebreak_session", None);
    reqwest::blocking::Client::new()
        .get(format!("{}{path}", server.url))
        .header(
            "cookie",
            format!("firebreak_session={}", cookie["value"].as_str().unwrap()),
        )
        .send()
        .unwrap()
}

#[test]
fn a_commander_answers_reports_and_bundles_evidence_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = server_with_incident(&data);
    server.add_user("carol", "commander", "correct horse battery");
    let aware = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2);
    let aware = aware.round(jiff::Unit::Second).unwrap().to_string();
    assert_success(
        &server.cli(&["incident", "set-time", "INC-1", "aware_at", &aware]),
        &["set-time aware_at"],
    );
    let downloads = dir.path().join("downloads");
    std::fs::create_dir(&downloads).unwrap();
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    driver.allow_downloads(&downloads);
    sign_in(&driver, &server.url, "carol", "correct horse battery");
    let page = format!("{}/incidents/INC-1", server.url);
    driver.go(&page);

    // The questionnaire: a jurisdiction that is no country code is refused
    // in place, with every answer kept.
    driver.open_all_details();
    driver.type_into("#questionnaire input[name=jurisdictions]", "Germany");
    driver.click("#questionnaire input[name=roles][value=deployer]");
    driver.click("#questionnaire select[name=personal_data_breach] option[value=yes]");
    driver.click("#questionnaire select[name=high_risk_ai_system] option[value=no]");
    driver.click("#questionnaire button[type=submit]");
    driver.wait_for_text(
        "#questionnaire",
        "`Germany` is not an ISO 3166-1 alpha-2 code",
    );
    for kept in [
        "#questionnaire input[name=jurisdictions][value=Germany]",
        "#questionnaire input[name=roles][value=deployer]:checked",
        "#questionnaire select[name=personal_data_breach] option[value=yes]:checked",
    ] {
        assert!(!driver.element(kept).is_empty(), "{kept}");
    }
    driver.type_into("#questionnaire input[name=jurisdictions]", "DE");
    driver.click("#questionnaire button[type=submit]");
    driver.wait_for_text("#reportable", "yes");
    let regulatory = server.json(&["regulatory", "show", "INC-1"]);
    let answers = &regulatory["record"]["questionnaire"];
    assert_eq!(answers["jurisdictions"], json!(["DE"]));
    assert_eq!(answers["roles"], json!(["deployer"]));
    assert_eq!(
        answers["sectors"],
        Value::Null,
        "nothing ticked is unanswered"
    );
    assert_eq!(answers["personal_data_breach"], "yes");
    assert_eq!(answers["high_risk_ai_system"], "no");
    assert_eq!(answers["death"], "unknown");
    let applies = |regime: &str| {
        regulatory["assessment"]["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["regime"] == regime)
            .unwrap()["applies"]
            .clone()
    };
    assert_eq!(applies("gdpr_art33"), "yes");
    assert_eq!(applies("eu_ai_act_art73"), "no");
    // Re-read, the form shows the answers saved.
    driver.open_all_details();
    assert!(
        !driver
            .element("#questionnaire select[name=personal_data_breach] option[value=yes]:checked")
            .is_empty()
    );

    // A report for a regime that does not apply is refused in place.
    driver.click("#report-draft select[name=report] option[value='eu_ai_act_art73/initial']");
    driver.click("#report-draft button[type=submit]");
    let refused = driver.wait_for_text("#report-draft", "does not apply to this incident");
    assert!(refused.contains("roles: not provider"), "{refused}");
    assert!(
        !driver
            .element("#report-draft option[value='eu_ai_act_art73/initial']:checked")
            .is_empty()
    );
    assert_eq!(
        server.json(&["regulatory", "show", "INC-1"])["record"]["reports"],
        json!([])
    );

    // One that applies: drafted, its text edited, submitted.
    driver.click("#report-draft select[name=report] option[value='gdpr_art33/notification']");
    driver.click("#report-draft button[type=submit]");
    driver.wait_for_text("#report-R-1", "Draft");
    let report = || server.json(&["report", "show", "INC-1", "R-1"]);
    let drafted = report();
    assert_eq!(drafted["regime"], "gdpr_art33");
    let sections = drafted["sections"].as_array().unwrap().len();
    assert!(sections > 1, "{drafted}");
    driver.open_all_details();
    let nature = "Decision records of about 2,300 applicants were readable by another tenant.";
    driver.type_into("form[data-report-edit=R-1] textarea[name=text]", nature);
    driver.click("form[data-report-edit=R-1] button[type=submit]");
    let edited = until("saved the text", report, |r| {
        r["sections"][0]["text"] == nature
    });
    assert_eq!(edited["sections"].as_array().unwrap().len(), sections);
    assert_eq!(edited["sections"][1], drafted["sections"][1]);
    driver.type_into("form[data-report-submit=R-1] input[name=recipient]", "BfDI");
    driver.type_into(
        "form[data-report-submit=R-1] input[name=reference]",
        "BfDI-2026-117",
    );
    driver.click("form[data-report-submit=R-1] button[type=submit]");
    driver.wait_for_text("#report-R-1", "Submitted to BfDI");
    let submitted = report();
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["submitted_by"], "carol");
    assert_eq!(submitted["reference"], "BfDI-2026-117");
    // Its export, as the page links it, opens with the browser's session.
    let href = driver.call(
        reqwest::Method::POST,
        "/execute/sync",
        Some(json!({"script": "return document.querySelector('#report-R-1 a[href$=\"format=md\"]').getAttribute('href');", "args": []})),
    );
    let export = get_as_browser(&driver, &server, href.as_str().unwrap());
    assert!(export.status().is_success(), "{}", export.status());
    let markdown = export.text().unwrap();
    assert!(markdown.contains(nature), "{markdown}");
    assert!(markdown.contains("Submitted to BfDI"), "{markdown}");

    // Evidence: uploaded, put under legal hold, handed over, downloaded.
    let log = dir.path().join("decisions.csv");
    std::fs::write(&log, b"id,score\n1,0.3\n2,0.9\n").unwrap();
    upload(&driver, &log, "decision log, March");
    driver.wait_for_text("#evidence-EV-1", "decisions.csv");
    let item = server.json(&["evidence", "show", "EV-1"]);
    assert_eq!(item["description"], "decision log, March");
    assert_eq!(item["collected_by"], "carol");
    assert_eq!(
        item["sha256"],
        firebreak_core::timeline::sha256_hex(&std::fs::read(&log).unwrap()).as_str()
    );
    driver.open_all_details();
    driver.type_into(
        "form[data-legal-hold-form=EV-1] input[name=reason]",
        "regulator's inquiry expected",
    );
    driver.click("form[data-legal-hold-form=EV-1] button[type=submit]");
    driver.wait_for_text("#evidence-EV-1", "Under legal hold");
    assert_eq!(
        server.json(&["evidence", "show", "EV-1"])["legal_hold"],
        true
    );
    driver.open_all_details();
    driver.type_into(
        "form[data-transfer-form=EV-1] input[name=recipient]",
        "outside counsel",
    );
    driver.type_into(
        "form[data-transfer-form=EV-1] input[name=note]",
        "by courier",
    );
    driver.click("form[data-transfer-form=EV-1] button[type=submit]");
    until(
        "recorded the transfer",
        || server.json(&["evidence", "show", "EV-1"]),
        |item| {
            item["custody"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["body"]["step"]["recipient"] == "outside counsel")
        },
    );
    let content = get_as_browser(&driver, &server, "/api/v1/evidence/EV-1/content");
    assert!(content.status().is_success(), "{}", content.status());
    assert_eq!(
        content.bytes().unwrap().as_ref(),
        std::fs::read(&log).unwrap()
    );

    // The signed bundle: downloaded from the page, verified offline.
    driver.type_into(
        "#evidence-bundle input[name=purpose]",
        "response to the regulator's inquiry",
    );
    driver.click("#evidence-bundle button[type=submit]");
    let bundle = downloaded(&downloads, "INC-1-evidence.tar");
    let public_key = data.join("signing-key.pub");
    let verified = Command::new(BIN)
        .args(["evidence", "verify"])
        .arg(&bundle)
        .args(["--public-key", public_key.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&verified, &["evidence verify"]);
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(said.contains("signed by the pinned key"), "{said}");
    let custody = server.json(&["evidence", "show", "EV-1"])["custody"].clone();
    assert!(
        custody
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["body"]["step"]["purpose"] == "response to the regulator's inquiry"),
        "{custody}"
    );

    // The report refused above, drafted anyway with a reason on the record.
    driver.go(&format!("{}/incidents/INC-1", server.url));
    driver.open_all_details();
    driver.click("#report-draft select[name=report] option[value='eu_ai_act_art73/initial']");
    driver.type_into(
        "#report-draft input[name=override_reason]",
        "the market surveillance authority asked for one",
    );
    driver.click("#report-draft button[type=submit]");
    driver.wait_for_text(
        "#report-R-2",
        "Drafted although its regime does not apply to this incident: the market surveillance authority asked for one",
    );
    assert_eq!(
        server.json(&["report", "show", "INC-1", "R-2"])["drafted_although_not_applicable"],
        "the market surveillance authority asked for one"
    );

    server.stop();
    assert_success(&verify(&data, &[]), &["verify"]);
}
