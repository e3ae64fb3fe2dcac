//! The incident page is live: a note added through the CLI shows in an open
//! browser within 2 s, without a reload, and what the user was typing stays.

use crate::chromium::{Driver, sign_in};
use crate::support::{assert_success, server_with_incident};
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn an_open_incident_page_shows_a_cli_note_within_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    server.add_user("alice", "responder", "correct horse battery");

    let driver = Driver::start(&dir.path().join("chromium-profile"));
    sign_in(&driver, &server.url, "alice", "correct horse battery");
    driver.go(&format!("{}/incidents/INC-1", server.url));
    driver.wait_for_text("h1", "INC-1");
    driver.type_into("input[name=text]", "half-typed thought");
    let run = |script: &str| {
        driver.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    };
    // Gone if the page reloads.
    run("window.sameDocument = true;");
    // Let the stream connect, as a page open for a while would be.
    std::thread::sleep(Duration::from_secs(1));

    let note = "Rolled back to v1 at the edge";
    assert_success(
        &server.cli(&["incident", "note", "INC-1", note, "--kind", "action_taken"]),
        &["incident note"],
    );
    let added_at = Instant::now();
    loop {
        let timeline = run("return document.querySelector('#timeline').innerText;");
        if timeline.as_str().is_some_and(|t| t.contains(note)) {
            break;
        }
        assert!(
            added_at.elapsed() < Duration::from_secs(2),
            "the note did not show within 2 s: {timeline}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("note shown after {:?}", added_at.elapsed());
    assert_eq!(
        run("return window.sameDocument === true;"),
        true,
        "the page reloaded"
    );
    assert_eq!(
        run("return document.querySelector('input[name=text]').value;"),
        "half-typed thought",
        "what the user was typing stays"
    );

    // A change that adds a part to the page (the summary) shows too, and
    // still leaves the note box as it was.
    let summary = "Group C routed to human review; v1 restored";
    assert_success(
        &server.cli(&["incident", "set", "INC-1", "--summary", summary]),
        &["incident set"],
    );
    driver.wait_for_text("main", summary);
    assert_eq!(
        run("return window.sameDocument === true;"),
        true,
        "the page reloaded"
    );
    assert_eq!(
        run("return document.querySelector('input[name=text]').value;"),
        "half-typed thought",
        "what the user was typing stays"
    );
}
