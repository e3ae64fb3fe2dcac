//! Errors in place: a form of the incident page that breaks a rule comes
//! back as the same page with the message beside the form and what the user
//! sent kept; an unknown incident is still a plain 404.

use crate::support::TestServer;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use firebreak_core::auth::Role;

async fn post(server: &TestServer, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let (cookie, csrf) = server.session(Role::Responder);
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &csrf)];
    form.extend_from_slice(fields);
    let request = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(serde_urlencoded::to_string(&form).unwrap()))
        .unwrap();
    let answer = server.call(request).await;
    assert!(
        answer.status.is_client_error() || answer.status.is_redirection(),
        "{path}: {}",
        answer.status
    );
    (
        answer.status,
        answer.body.as_str().unwrap_or_default().to_string(),
    )
}

/// The markup of the form posted to `action` that holds `needle`.
fn form_holding<'a>(page: &'a str, action: &str, needle: &str) -> &'a str {
    page.split(&format!("<form method=\"post\" action=\"{action}\">"))
        .skip(1)
        .map(|rest| &rest[..rest.find("</form>").unwrap()])
        .find(|form| form.contains(needle))
        .unwrap_or_else(|| panic!("no form to {action} holds {needle:?}"))
}

#[tokio::test]
async fn a_refused_containment_comes_back_in_place_with_the_input_kept() {
    let server = TestServer::with_incident().await;
    let (status, page) = post(
        &server,
        "/incidents/INC-1/containment",
        &[
            ("system", "scoring"),
            ("mode", "pinned_version"),
            ("model_version", ""),
            ("reason", "v2 down-ranks group C"),
            ("evidence", "preserved"),
            ("evidence_note", "snapshot s3://forensics/inc-1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("<h1>INC-1: Approvals for group C fell</h1>"),
        "the same page"
    );
    let form = form_holding(&page, "/incidents/INC-1/containment", "form-error");
    assert!(
        form.contains("model version: choose a known-good version"),
        "{form}"
    );
    for kept in [
        r#"value="v2 down-ranks group C""#,
        r#"value="snapshot s3://forensics/inc-1""#,
        r#"<option value="pinned_version" selected>"#,
        r#"<option value="preserved" selected>"#,
    ] {
        assert!(form.contains(kept), "{kept} in {form}");
    }
    let note = form_holding(&page, "/incidents/INC-1/entries", "Add to timeline");
    assert!(
        !note.contains("form-error"),
        "only the refused form says so"
    );
}

#[tokio::test]
async fn a_refused_transition_note_and_assignment_and_an_unknown_incident() {
    let server = TestServer::with_incident().await;
    let (status, page) = post(
        &server,
        "/incidents/INC-1/transition",
        &[("to", "merged"), ("merged_into", "the other one")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = form_holding(&page, "/incidents/INC-1/transition", "form-error");
    assert!(form.contains(r#"value="merged""#), "{form}");
    assert!(form.contains(r#"value="the other one""#), "{form}");
    assert!(form.contains("merged into:"), "{form}");

    let (status, page) = post(
        &server,
        "/incidents/INC-1/entries",
        &[("kind", "decision"), ("text", "  ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = form_holding(&page, "/incidents/INC-1/entries", "form-error");
    assert!(
        form.contains(r#"<option value="decision" selected>"#),
        "{form}"
    );

    let (status, page) = post(
        &server,
        "/incidents/INC-1/roles",
        &[("role", "scribe"), ("user", "nobody-by-this-name")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = form_holding(&page, "/incidents/INC-1/roles", "form-error");
    assert!(
        form.contains(r#"<option value="scribe" selected>"#),
        "{form}"
    );

    let (status, page) = post(&server, "/incidents/INC-99/entries", &[("text", "hello")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains("form-error"), "{page}");
}

#[tokio::test]
async fn a_stakeholder_update_sent_before_its_approval_comes_back_in_place() {
    use axum::http::Method;
    use serde_json::json;
    let server = TestServer::with_incident().await;
    let lists = json!({"executives": {"email": ["ceo@example.org"]}});
    let path = "/api/v1/systems/scoring/stakeholders";
    let saved = server.api_json(Method::PUT, path, lists).await;
    assert_eq!(saved.status, StatusCode::CREATED);
    // The responder commands INC-1, and with no communications lead approves.
    server.session(Role::Responder);
    let role = json!({"role": "commander", "user": "responder"});
    let assigned = server
        .api_json(Method::POST, "/api/v1/incidents/INC-1/roles", role)
        .await;
    assert!(assigned.status.is_success(), "{:?}", assigned.body);
    let draft = [("audience", "executives"), ("template", "")];
    let (status, _) = post(&server, "/incidents/INC-1/updates", &draft).await;
    assert!(status.is_redirection(), "{status}");
    let (status, page) = post(&server, "/incidents/INC-1/updates/1/send", &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let form = form_holding(&page, "/incidents/INC-1/updates/1", "Board brief");
    assert!(
        form.contains("Board brief: INC-1"),
        "the draft is shown to edit"
    );
    let refused = "INC-1 is SEV2: update 1 needs the communications lead's approval (responder) before it is sent";
    assert!(page.contains(refused), "{page}");
    for step in ["approve", "send"] {
        let (status, _) = post(&server, &format!("/incidents/INC-1/updates/1/{step}"), &[]).await;
        assert!(status.is_redirection(), "{step}: {status}");
    }
    let (cookie, _) = server.session(Role::Responder);
    let request = Request::get("/incidents/INC-1")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let page = server.call(request).await;
    let page = page.body.as_str().unwrap_or_default().to_string();
    assert!(page.contains("Sent to: </strong>ceo@example.org"), "{page}");
}

#[tokio::test]
async fn a_postmortem_section_saved_over_a_newer_text_comes_back_in_place() {
    let server = TestServer::with_incident().await;
    let (status, _) = post(&server, "/incidents/INC-1/postmortem/draft", &[]).await;
    assert!(status.is_redirection(), "{status}");
    let section = "/incidents/INC-1/postmortem/sections";
    let (status, _) = post(
        &server,
        section,
        &[
            ("field", "lessons"),
            ("was", "none"),
            ("text", "Gate releases on fairness"),
        ],
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    // The form was opened before that save: a conflict, the text kept.
    let (status, page) = post(
        &server,
        section,
        &[
            ("field", "lessons"),
            ("was", "none"),
            ("text", "Mine, typed meanwhile"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("lessons changed since this page was opened"),
        "{page}"
    );
    assert!(
        page.contains(">Mine, typed meanwhile</textarea>"),
        "the input kept"
    );
    // In review the text is closed to edits, said in place too.
    let moves = "/incidents/INC-1/postmortem/transitions";
    let (status, _) = post(&server, moves, &[("to", "in_review")]).await;
    assert!(status.is_redirection(), "{status}");
    let (status, page) = post(
        &server,
        section,
        &[
            ("field", "summary"),
            ("was", "none"),
            ("text", "Late words"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("send it back to draft to change it"),
        "{page}"
    );
    // A responder is offered no approval; a commander's sign-off is missing.
    assert!(
        page.contains("approving and publishing need a commander"),
        "{page}"
    );
}

/// A multipart upload to the incident page's form with the session
/// `cookie`, its parts (name, file name, content) in order.
async fn upload(
    server: &TestServer,
    cookie: &str,
    parts: &[(&str, Option<&str>, &str)],
) -> (StatusCode, String) {
    let boundary = "XfirebreakX";
    let mut body = String::new();
    for (name, filename, content) in parts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""
        ));
        if let Some(filename) = filename {
            body.push_str(&format!(
                "; filename=\"{filename}\"\r\nContent-Type: text/csv"
            ));
        }
        body.push_str(&format!("\r\n\r\n{content}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let request = Request::post("/incidents/INC-1/evidence")
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let answer = server.call(request).await;
    (
        answer.status,
        answer.body.as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn a_browser_upload_needs_its_csrf_token_before_the_file_and_is_refused_in_place() {
    let server = TestServer::with_incident().await;
    let (cookie, csrf) = server.session(Role::Responder);
    let (_, other) = server.session(Role::Responder);
    let file = ("file", Some("log.csv"), "id,score\n1,0.3\n");
    let described = ("description", None, "decision log, March");
    // Another session's token is forged; a token after the file comes too
    // late. Nothing is stored unchecked.
    let forged = [("csrf_token", None, other.as_str()), described, file];
    assert_eq!(
        upload(&server, &cookie, &forged).await.0,
        StatusCode::FORBIDDEN
    );
    let late = [described, file, ("csrf_token", None, csrf.as_str())];
    assert_eq!(
        upload(&server, &cookie, &late).await.0,
        StatusCode::FORBIDDEN
    );
    let stored = server
        .api(Method::GET, "/api/v1/incidents/INC-1/evidence", None)
        .await;
    assert_eq!(stored.body, serde_json::json!([]), "nothing was stored");
    // No file chosen: refused in place, the description kept.
    let empty = [
        ("csrf_token", None, csrf.as_str()),
        described,
        ("file", Some(""), ""),
    ];
    let (status, page) = upload(&server, &cookie, &empty).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("choose a file"), "{page}");
    assert!(page.contains(r#"value="decision log, March""#), "{page}");
    let sent = [("csrf_token", None, csrf.as_str()), described, file];
    let (status, _) = upload(&server, &cookie, &sent).await;
    assert!(status.is_redirection(), "{status}");
    let stored = server
        .api(Method::GET, "/api/v1/incidents/INC-1/evidence", None)
        .await;
    assert_eq!(stored.body[0]["description"], "decision log, March");
}
