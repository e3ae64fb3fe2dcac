//! A regulator's inquiry in the browser: a commander (not an admin) records
//! one (refused in place without a due moment, what was typed kept), answers
//! its questions one by one, records the submission, and downloads the
//! signed bundle of the response, which verifies offline.

use crate::chromium::{Driver, sign_in};
use crate::evidence::verify_bundle;
use crate::regulatory_browser::{downloaded, until};
use crate::support::{assert_success, server_with_incident};
use serde_json::Value;

#[test]
fn a_commander_records_answers_submits_and_bundles_an_inquiry_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    server.add_user("carol", "commander", "correct horse battery");
    let downloads = dir.path().join("downloads");
    std::fs::create_dir(&downloads).unwrap();
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    driver.allow_downloads(&downloads);
    sign_in(&driver, &server.url, "carol", "correct horse battery");
    driver.go(&format!("{}/incidents/INC-1", server.url));
    driver.open_all_details();

    // As people type moments on the page: UTC, without an offset.
    let received = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2))
        .strftime("%Y-%m-%d %H:%M")
        .to_string();
    driver.type_into("#inquiry-open input[name=regulator]", "BaFin");
    driver.type_into("#inquiry-open input[name=reference]", "GZ 2026/114");
    driver.type_into("#inquiry-open input[name=received_at]", &received);
    driver.type_into(
        "#inquiry-open textarea[name=questions]",
        "Which applicants were affected?\nWhat did the fairness audit find?\n",
    );
    driver.click("#inquiry-open button[type=submit]");
    driver.wait_for_text("#inquiry-open", "a period from receipt");
    assert!(
        !driver
            .element("#inquiry-open input[name=reference][value='GZ 2026/114']")
            .is_empty()
    );
    driver.type_into("#inquiry-open input[name=within]", "72h");
    driver.click("#inquiry-open button[type=submit]");
    driver.wait_for_text("#inquiry-Q1", "inquiry GZ 2026/114 from BaFin");
    let inquiry = || server.json(&["inquiry", "show", "INC-1", "Q1"]);
    let opened = inquiry();
    assert_eq!(opened["opened_by"], "carol");
    assert_eq!(opened["questions"].as_array().unwrap().len(), 2);
    assert_eq!(opened["clock"]["state"], "running");

    for (n, answer) in [
        (1, "1,204 applicants in group C."),
        (2, "Selection rates fell."),
    ] {
        driver.open_all_details();
        driver.type_into(
            &format!("form[data-inquiry-answer='Q1/{n}'] textarea[name=answer]"),
            answer,
        );
        driver.click(&format!(
            "form[data-inquiry-answer='Q1/{n}'] button[type=submit]"
        ));
        until("answered", inquiry, |q: &Value| {
            q["questions"][n - 1]["answer"] == answer
        });
    }

    driver.open_all_details();
    driver.type_into(
        "form[data-inquiry-submit=Q1] input[name=reference]",
        "GZ 2026/114-R1",
    );
    driver.click("form[data-inquiry-submit=Q1] button[type=submit]");
    driver.wait_for_text("#inquiry-Q1", "Submitted");
    let submitted = inquiry();
    assert_eq!(submitted["submitted_by"], "carol");
    assert_eq!(submitted["submitted_reference"], "GZ 2026/114-R1");
    assert_eq!(submitted["clock"]["state"], "met");

    driver.click("form[data-inquiry-bundle=Q1] button[type=submit]");
    let bundle = downloaded(&downloads, "INC-1-evidence.tar");
    assert_success(&verify_bundle(&bundle, &[]), &["evidence verify"]);
    server.stop();
}
