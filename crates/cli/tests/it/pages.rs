//! Paged lists: the CLI reads one to its end (the server answers at most 100
//! tokens a page by default and links the next page), and the web incident
//! list defaults to what needs attention.

use crate::support::Server;

#[test]
fn token_list_follows_the_next_page_links() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let http = reqwest::blocking::Client::new();
    for n in 0..120 {
        let created = http
            .post(format!("{}/api/v1/tokens", server.url))
            .bearer_auth(&server.token)
            .json(&serde_json::json!({"description": format!("bulk {n}"), "scope": "read"}))
            .send()
            .unwrap();
        assert!(created.status().is_success());
    }
    let first_page = http
        .get(format!("{}/api/v1/tokens", server.url))
        .bearer_auth(&server.token)
        .send()
        .unwrap();
    assert!(first_page.headers().contains_key("link"));
    assert_eq!(
        first_page.json::<Vec<serde_json::Value>>().unwrap().len(),
        100
    );
    let listed = server.json(&["token", "list"]);
    assert_eq!(
        listed.as_array().unwrap().len(),
        121,
        "the first admin token and 120 more"
    );
    server.stop();
}

/// The incident list shows open real incidents unless asked for more, with
/// their commander, and its next-page link keeps the chosen filters.
#[test]
fn the_incident_list_defaults_to_open_real_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::support::server_with_incident(&dir.path().join("data"));
    for title in ["Fire drill", "Test run"] {
        let kind = if title == "Fire drill" {
            "drill"
        } else {
            "test"
        };
        server.json(&[
            "incident",
            "declare",
            "--title",
            title,
            "--severity",
            "sev3",
            "--rationale",
            "practice",
            "--system",
            "scoring",
            "--kind",
            kind,
        ]);
    }
    server.json(&["incident", "assign", "INC-1", "commander", "admin"]);
    let page = |query: &str| {
        reqwest::blocking::Client::new()
            .get(format!("{}/{query}", server.url))
            .bearer_auth(&server.token)
            .send()
            .unwrap()
            .text()
            .unwrap()
    };
    let default = page("");
    assert!(
        default.contains("INC-1") && default.contains("admin"),
        "{default}"
    );
    assert!(!default.contains("Fire drill") && !default.contains("Test run"));
    assert!(default.contains("Showing open real incidents"));
    let all = page("?status=");
    assert!(
        all.contains("Fire drill") && all.contains("Test run"),
        "{all}"
    );
    let drills = page("?status=&kind=drill&limit=1");
    assert!(drills.contains("Fire drill"));
    let everything_paged = page("?status=&limit=1");
    assert!(
        everything_paged.contains("/?status=&amp;cursor=")
            || everything_paged.contains("/?status=&cursor="),
        "the next page keeps the filter: {everything_paged}"
    );
}
