//! The CLI reads a paged list to its end: the server answers at most 100
//! tokens a page by default and links the next page.

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
