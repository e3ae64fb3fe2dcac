//! A real headless Chromium, driven through chromedriver's WebDriver API: sign
//! in, declare an incident, contain it, and see the change on its timeline.

use crate::chromium::{Driver, target_dir};
use crate::support::{Server, assert_success};
use serde_json::{Value, json};

#[test]
fn a_responder_declares_and_contains_an_incident_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"));
    assert_success(
        &server.cli(&["system", "register", "scoring", "--name", "Credit scoring"]),
        &["system register"],
    );
    server.add_user("alice", "responder", "correct horse battery");

    let driver = Driver::start(&dir.path().join("chromium-profile"));
    driver.go(&format!("{}/login", server.url));
    driver.type_into("input[name=username]", "alice");
    driver.type_into("input[name=password]", "correct horse battery");
    driver.click("button[type=submit]");
    driver.wait_for_text("header", "alice");

    driver.go(&format!("{}/incidents/new", server.url));
    driver.type_into(
        "input[name=title]",
        "Hiring screener down-ranks one university",
    );
    driver.click("select[name=severity] option[value=sev2]");
    driver.type_into(
        "textarea[name=severity_rationale]",
        "Candidates rejected unfairly",
    );
    driver.click("input[name=systems][value=scoring]");
    driver.click("input[name=harms][value=discrimination_bias]");
    driver.click("form[action='/incidents'] button[type=submit]");
    driver.wait_for_text("h1", "INC-1");
    assert!(driver.text("#status").contains("triage"));

    driver.click("form[action='/incidents/INC-1/transition'] input[value=contained] + button");
    driver.wait_for_text("#status", "contained");
    let timeline = driver.text("#timeline");
    assert!(
        timeline.contains("status triage → contained"),
        "timeline: {timeline}"
    );
    assert!(timeline.contains("alice"), "the actor is recorded");

    driver.type_into("input[name=text]", "Screener switched to human review");
    driver.click("form[action='/incidents/INC-1/entries'] button");
    driver.wait_for_text("#timeline", "Screener switched to human review");

    // Flip the kill switch from the browser; serving code polling with a
    // control-read token sees it, and the timeline shows before and after.
    let token = server.json(&[
        "token",
        "create",
        "--description",
        "serving",
        "--scope",
        "control_read",
    ])["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let http = reqwest::blocking::Client::new();
    let control_url = format!("{}/api/v1/systems/scoring/control", server.url);
    let before = http.get(&control_url).bearer_auth(&token).send().unwrap();
    let etag = before.headers()["etag"].to_str().unwrap().to_string();
    let unchanged = http
        .get(&control_url)
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .unwrap();
    assert_eq!(unchanged.status(), 304);
    let containment = "form[action='/incidents/INC-1/containment']";
    driver.click(&format!(
        "{containment} select[name=mode] option[value=disabled]"
    ));
    driver.type_into(
        &format!("{containment} input[name=reason]"),
        "Stop screening until fixed",
    );
    driver.click(&format!("{containment} button[type=submit]"));
    driver.wait_for_text(".control-mode", "disabled");
    let after = http
        .get(&control_url)
        .bearer_auth(&token)
        .header("if-none-match", &etag)
        .send()
        .unwrap();
    assert_eq!(after.status(), 200, "a changed state answers in full");
    let state: Value = after.json().unwrap();
    assert_eq!(
        (state["mode"].as_str(), state["incident"].as_str()),
        (Some("disabled"), Some("INC-1"))
    );
    driver.wait_for_text(
        "#timeline",
        "scoring production: normal → disabled (Stop screening until fixed)",
    );

    // Build a 5 Whys, a fishbone and a Swiss Cheese model with the plain
    // forms, a step at a time; each step is a new version of the artifact.
    let artifact = |kind: &str| -> Value {
        http.get(format!(
            "{}/api/v1/incidents/INC-1/rca/{kind}/main",
            server.url
        ))
        .bearer_auth(&server.token)
        .send()
        .unwrap()
        .json()
        .unwrap()
    };
    let incident_page = format!("{}/incidents/INC-1", server.url);
    let step = |form: &str, fields: &[(&str, &str)], kind: &str, version: u64| {
        driver.submit_step(&incident_page, form, fields, version, || artifact(kind))
    };
    step(
        "start-five-whys",
        &[
            ("symptom", "Graduates of one university rejected"),
            ("statement", "Their scores dropped after the retrain"),
            ("select:category", "model"),
        ],
        "five_whys",
        1,
    );
    let whys = step(
        "add-why",
        &[
            ("select:parent", "1"),
            ("statement", "The new training data under-sampled them"),
            ("select:category", "data"),
            ("evidence", "EV-1"),
        ],
        "five_whys",
        2,
    );
    assert_eq!(
        whys["body"]["whys"][0]["causes"][0]["statement"],
        "The new training data under-sampled them"
    );
    assert_eq!(
        whys["body"]["whys"][0]["causes"][0]["evidence"],
        json!(["EV-1"])
    );
    assert!(
        whys["derived"]["findings"]
            .to_string()
            .contains("stopped_early"),
        "two whys stop early: {}",
        whys["derived"]
    );
    step(
        "start-fishbone",
        &[("effect", "Biased ranking")],
        "fishbone",
        1,
    );
    let fishbone = step(
        "add-cause",
        &[
            ("select:parent", "0"),
            ("statement", "Sampling changed in the pipeline"),
            ("votes", "3"),
        ],
        "fishbone",
        2,
    );
    assert_eq!(fishbone["body"]["categories"][0]["name"], "Data");
    assert_eq!(fishbone["body"]["categories"][0]["causes"][0]["votes"], 3);
    step(
        "start-swiss-cheese",
        &[("hazard", "Biased model reaches production")],
        "swiss_cheese",
        1,
    );
    let cheese = step(
        "add-hole",
        &[
            ("select:layer", "new"),
            ("new_layer", "Pre-deployment fairness review"),
            ("description", "Review skipped for a retrain"),
        ],
        "swiss_cheese",
        2,
    );
    assert_eq!(
        cheese["body"]["layers"][0]["holes"][0]["on_trajectory"],
        true
    );
    // An FMEA worksheet on the system: a failure mode from the AI library,
    // one written out, and a recommended action on the first.
    let worksheet = || -> Value {
        http.get(format!("{}/api/v1/systems/scoring/fmea/main", server.url))
            .bearer_auth(&server.token)
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let system_page = format!("{}/systems/scoring", server.url);
    let fmea_step = |form: &str, fields: &[(&str, &str)], version: u64| {
        driver.submit_step(&system_page, form, fields, version, worksheet)
    };
    let from_library = fmea_step(
        "add-row",
        &[
            ("select:template", "Data drift"),
            ("item", "Screening model"),
            ("severity", "8"),
            ("occurrence", "5"),
            ("detection", "7"),
        ],
        1,
    );
    assert_eq!(
        from_library["body"]["rows"][0]["cause"],
        "Input distribution moves away from the training data"
    );
    fmea_step(
        "add-row",
        &[
            ("item", "Screening UI"),
            ("failure_mode", "Stale scores shown"),
            ("effect", "Reviewers act on old data"),
            ("cause", "Cache not invalidated"),
            ("severity", "3"),
            ("occurrence", "2"),
            ("detection", "2"),
        ],
        2,
    );
    let with_action = fmea_step(
        "add-action",
        &[
            ("select:row", "1"),
            ("title", "Daily drift test on the top features"),
            ("owner", "alice"),
            ("success_criterion", "drift alert within 24 hours"),
        ],
        3,
    );
    let action = &with_action["body"]["rows"][0]["actions"][0];
    assert_eq!(
        (action["id"].as_str(), action["owner"].as_str()),
        (Some("act-1"), Some("alice"))
    );
    assert_eq!(with_action["derived"]["rows"][0]["action_priority"], "H");
    driver.go(&format!("{}/systems/scoring", server.url));
    driver.screenshot(&target_dir().join("browser-fmea.png"), Some("#fmea"));
    // Highest priority first; the filter hides the low one.
    driver.go(&format!("{}/systems/scoring?priority=H", server.url));
    let table = driver.text("table.fmea");
    assert!(
        table.contains("Data drift") && !table.contains("Stale scores shown"),
        "{table}"
    );
    let csv = http
        .get(format!(
            "{}/api/v1/systems/scoring/fmea/main?format=csv",
            server.url
        ))
        .bearer_auth(&server.token)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        csv.contains("Daily drift test on the top features"),
        "{csv}"
    );

    driver.go(&format!("{}/incidents/INC-1", server.url));
    for kind in ["five_whys", "fishbone", "swiss_cheese"] {
        driver.element(&format!("figure[data-kind={kind}] svg"));
    }
    driver.wait_for_text("#timeline", "swiss cheese `main` saved as version 2");
    driver.screenshot(&target_dir().join("browser-rca.png"), Some("#rca"));
    driver.screenshot(&target_dir().join("browser-test.png"), None);

    let incident = server.json(&["incident", "show", "INC-1"]);
    assert_eq!(incident["status"], "contained");
    assert!(incident["times"]["contained_at"].is_string());
}
