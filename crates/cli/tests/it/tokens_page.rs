//! The tokens page in a real Chromium: a user who is not an admin creates a
//! token (its secret shown once, and it works), sees only their own, and
//! revokes it (and it stops working).

use crate::chromium::{Driver, sign_in};
use crate::support::Server;

#[test]
fn a_user_creates_and_revokes_a_token_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"));
    server.add_user("alice", "responder", "correct horse battery");
    let me = |secret: &str| {
        reqwest::blocking::Client::new()
            .get(format!("{}/api/v1/me", server.url))
            .bearer_auth(secret)
            .send()
            .unwrap()
    };

    let driver = Driver::start(&dir.path().join("chromium-profile"));
    sign_in(&driver, &server.url, "alice", "correct horse battery");
    driver.click("header a[href='/tokens']");
    driver.wait_for_text("h1", "Access tokens");
    let listed = driver.text("#tokens");
    assert!(!listed.contains("admin"), "alice sees only hers: {listed}");

    driver.type_into("input[name=description]", "alice's laptop");
    driver.click("select[name=scope] option[value=read]");
    driver.click("form[action='/tokens'] button[type=submit]");
    driver.wait_for_text("section.created", "not shown again");
    let secret = driver.text("#new-secret");
    assert!(secret.starts_with("fbk_"), "{secret}");
    let answer = me(&secret);
    assert_eq!(answer.status(), 200);
    let who: serde_json::Value = answer.json().unwrap();
    assert_eq!(
        (who["name"].as_str(), who["scope"].as_str()),
        (Some("alice"), Some("read"))
    );
    let row = driver.text("#tokens tbody");
    assert!(
        row.contains("alice's laptop") && row.contains("active"),
        "{row}"
    );

    driver.click("#tokens tbody button[aria-label=\"Revoke alice's laptop\"]");
    driver.wait_for_text("#tokens tbody", "revoked");
    assert!(
        !driver.text("body").contains(&secret),
        "the secret is shown only on the answer that created it"
    );
    assert_eq!(me(&secret).status(), 401);

    // The admin sees everyone's tokens, alice's revoked one among them.
    let all = server.json(&["token", "list"]);
    let hers = all
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["user"] == "alice")
        .expect("admin sees alice's token");
    assert!(hers["revoked_at"].is_string(), "{hers}");
}
