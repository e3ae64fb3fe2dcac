//! Bad input that used to cost memory or a panic: bodies over the limit (413
//! problem+json on every kind of route), text fields over their length (422
//! naming the field), durations that overflow (422).

use crate::support::TestServer;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use firebreak_core::auth::Role;
use firebreak_server::limits::{BODY_LIMIT_BYTES, SHORT_TEXT_CHARS, TEXT_CHARS};
use serde_json::json;

fn problem_type(content_type: &str) -> bool {
    content_type.starts_with("application/problem+json")
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_problem_json_on_every_kind_of_route() {
    let server = TestServer::with_incident().await;
    let huge = "x".repeat(BODY_LIMIT_BYTES + 1);
    let json_body = format!(r#"{{"text":"{huge}"}}"#);
    let api = server
        .api(
            Method::POST,
            "/api/v1/incidents/INC-1/entries",
            Some(&json_body),
        )
        .await;
    assert_eq!(api.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", api.body);
    assert!(problem_type(&api.content_type));

    // Over axum's old 2 MiB extractor default but within the limit: read.
    let within = "y".repeat(3 * 1024 * 1024);
    let within = server
        .api(
            Method::POST,
            "/api/v1/incidents/INC-1/entries",
            Some(&format!(r#"{{"text":"{within}"}}"#)),
        )
        .await;
    assert_eq!(
        within.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "read, then held to the text limit"
    );

    let (cookie, csrf) = server.session(Role::Responder);
    let form = Request::post("/incidents/INC-1/entries")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf_token={csrf}&text={huge}")))
        .unwrap();
    let page = server.call(form).await;
    assert_eq!(
        page.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "the UI shows it as a page"
    );

    let login = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(huge.clone()))
        .unwrap();
    let login = server.call(login).await;
    assert_eq!(login.status, StatusCode::PAYLOAD_TOO_LARGE);

    let ingest = Request::post("/api/v1/ingest/generic")
        .header(header::AUTHORIZATION, "Bearer fbi_unknown")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, huge.len())
        .body(Body::from(huge))
        .unwrap();
    let ingest = server.call(ingest).await;
    assert_eq!(ingest.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(problem_type(&ingest.content_type));
}

async fn refused_field(
    server: &TestServer,
    method: Method,
    path: &str,
    body: serde_json::Value,
) -> String {
    let answer = server.api_json(method, path, body).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{path}: {:?}",
        answer.body
    );
    assert!(problem_type(&answer.content_type));
    answer.body["errors"][0]["field"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn every_text_field_has_a_length_limit_named_in_the_422() {
    let server = TestServer::with_incident().await;
    let short = "t".repeat(SHORT_TEXT_CHARS + 1);
    let long = "n".repeat(TEXT_CHARS + 1);
    let declare = json!({
        "title": short, "severity": "sev3", "severity_rationale": "r", "systems": ["scoring"]
    });
    assert_eq!(
        refused_field(&server, Method::POST, "/api/v1/incidents", declare).await,
        "title"
    );
    let declare = json!({
        "title": "ok", "severity": "sev3", "severity_rationale": long, "systems": ["scoring"]
    });
    assert_eq!(
        refused_field(&server, Method::POST, "/api/v1/incidents", declare).await,
        "severity_rationale"
    );
    let note = json!({"text": long});
    assert_eq!(
        refused_field(
            &server,
            Method::POST,
            "/api/v1/incidents/INC-1/entries",
            note
        )
        .await,
        "text"
    );
    let patch = json!({"summary": long});
    assert_eq!(
        refused_field(&server, Method::PATCH, "/api/v1/incidents/INC-1", patch).await,
        "summary"
    );
    let system = json!({"slug": "s2", "name": short, "is_ai": false});
    assert_eq!(
        refused_field(&server, Method::POST, "/api/v1/systems", system).await,
        "name"
    );
    let token = json!({"description": long});
    assert_eq!(
        refused_field(&server, Method::POST, "/api/v1/tokens", token).await,
        "description"
    );
    let tags = json!({"title": "ok", "severity": "sev3", "severity_rationale": "r", "systems": ["scoring"], "tags": ["fine", short]});
    assert_eq!(
        refused_field(&server, Method::POST, "/api/v1/incidents", tags).await,
        "tags[1]"
    );

    let search = server
        .api(Method::GET, &format!("/api/v1/incidents?q={short}"), None)
        .await;
    assert_eq!(search.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(search.body["errors"][0]["field"], "q");
    let (cookie, csrf) = server.session(Role::Responder);
    let form = Request::post("/incidents/INC-1/entries")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf_token={csrf}&kind=note&text={long}"
        )))
        .unwrap();
    let page = server.call(form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.as_str().unwrap().contains("text"));
}

#[tokio::test]
async fn token_lifetimes_that_overflow_the_calendar_are_422_not_a_panic() {
    let server = TestServer::new();
    for days in [u64::from(u32::MAX), 4_000_000] {
        let body = json!({"description": "ci", "expires_in_days": days});
        let answer = server.api_json(Method::POST, "/api/v1/tokens", body).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{days}: {:?}",
            answer.body
        );
        assert_eq!(answer.body["errors"][0]["field"], "expires_in_days");
    }
    let beyond_u32 = json!({"description": "ci", "expires_in_days": u64::from(u32::MAX) + 1});
    let answer = server
        .api_json(Method::POST, "/api/v1/tokens", beyond_u32)
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{:?}", answer.body);
    let fine = json!({"description": "ci", "expires_in_days": 3650});
    let answer = server.api_json(Method::POST, "/api/v1/tokens", fine).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
}

#[tokio::test]
async fn clocks_from_an_awareness_time_at_the_end_of_the_calendar_do_not_panic() {
    let server = TestServer::with_incident().await;
    let edge = server
        .api(
            Method::PUT,
            "/api/v1/incidents/INC-1/times/aware_at",
            Some(r#"{"value":"9999-12-30T00:00:00Z"}"#),
        )
        .await;
    assert!(
        edge.status.is_success() || edge.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        edge.body
    );
    let board = server.api(Method::GET, "/api/v1/deadlines", None).await;
    assert!(
        board.status != StatusCode::INTERNAL_SERVER_ERROR,
        "{:?}",
        board.body
    );
}
