use crate::support::TestServer;
use axum::http::{Method, StatusCode};
use serde_json::json;

async fn check(
    server: &TestServer,
    method: Method,
    path: &str,
    body: &str,
    status: StatusCode,
    detail: &str,
) {
    let before = server.fingerprint_of_store();
    let response = server.api(method, path, Some(body)).await;
    assert_eq!(response.status, status, "{path}: {:?}", response.body);
    assert_eq!(response.content_type, "application/problem+json", "{path}");
    let got = response.body["detail"].as_str().unwrap();
    assert!(
        got.contains(detail),
        "{path}: detail {got:?} lacks {detail:?}"
    );
    assert_eq!(
        server.fingerprint_of_store(),
        before,
        "{path} wrote something"
    );
}

#[tokio::test]
async fn refused_requests_answer_problems_and_write_nothing() {
    let server = TestServer::with_incident().await;
    let incidents = "/api/v1/incidents";
    check(
        &server,
        Method::POST,
        "/api/v1/incidents/INC-1/transitions",
        r#"{"to":"closed"}"#,
        StatusCode::CONFLICT,
        "allowed: investigating, contained, declined, merged",
    )
    .await;
    check(
        &server,
        Method::PUT,
        "/api/v1/incidents/INC-1/times/contained_at",
        r#"{"value":"2026-03-01T08:30:00Z"}"#,
        StatusCode::UNPROCESSABLE_ENTITY,
        "contained_at",
    )
    .await;
    check(
        &server,
        Method::PUT,
        "/api/v1/incidents/INC-1/times/impact_started_at",
        r#"{"value":"2026-03-01T10:00:00Z"}"#,
        StatusCode::UNPROCESSABLE_ENTITY,
        "impact_started_at",
    )
    .await;
    check(
        &server,
        Method::POST,
        incidents,
        r#"{"title":"t","severity":"sev1","severity_rationale":"r","systems":["nowhere"]}"#,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown system `nowhere`",
    )
    .await;
    check(
        &server,
        Method::POST,
        incidents,
        r#"{"title": "t", "severity": "#,
        StatusCode::BAD_REQUEST,
        "",
    )
    .await;
    check(
        &server,
        Method::POST,
        incidents,
        r#"{"title":"t","severity":"sev9","systems":["scoring"]}"#,
        StatusCode::BAD_REQUEST,
        "severity",
    )
    .await;
    check(
        &server,
        Method::POST,
        incidents,
        r#"{"severity":"sev1","systems":["scoring"]}"#,
        StatusCode::BAD_REQUEST,
        "title",
    )
    .await;
    check(
        &server,
        Method::GET,
        "/api/v1/incidents/INC-99",
        "",
        StatusCode::NOT_FOUND,
        "INC-99 not found",
    )
    .await;
    check(
        &server,
        Method::GET,
        "/api/v1/systems/nowhere",
        "",
        StatusCode::NOT_FOUND,
        "system nowhere not found",
    )
    .await;
    check(
        &server,
        Method::PATCH,
        "/api/v1/systems/db",
        r#"{"depends_on":["scoring"]}"#,
        StatusCode::UNPROCESSABLE_ENTITY,
        "dependency cycle: db -> scoring -> db",
    )
    .await;
    check(
        &server,
        Method::POST,
        "/api/v1/incidents/INC-1/entries",
        r#"{"kind":"note","text":" "}"#,
        StatusCode::UNPROCESSABLE_ENTITY,
        "text",
    )
    .await;
    check(
        &server,
        Method::GET,
        "/api/v1/incidents?severity=sev7",
        "",
        StatusCode::BAD_REQUEST,
        "unknown severity",
    )
    .await;
}

#[tokio::test]
async fn field_errors_name_the_field() {
    let server = TestServer::with_incident().await;
    let response = server
        .api(
            Method::POST,
            "/api/v1/incidents",
            Some(r#"{"title":"t","severity":"sev9","systems":[]}"#),
        )
        .await;
    assert_eq!(response.body["errors"][0]["field"], json!("severity"));
    let response = server
        .api(
            Method::PUT,
            "/api/v1/incidents/INC-1/times/contained_at",
            Some(r#"{"value":"2026-03-01T08:30:00Z"}"#),
        )
        .await;
    assert_eq!(response.body["errors"][0]["field"], json!("contained_at"));
    let response = server
        .api(
            Method::POST,
            "/api/v1/incidents/INC-1/transitions",
            Some(r#"{"to":"closed"}"#),
        )
        .await;
    assert_eq!(
        response.body["allowed"],
        json!(["investigating", "contained", "declined", "merged"])
    );
}

#[tokio::test]
async fn the_lifecycle_walk_writes_a_verifiable_timeline() {
    let server = TestServer::with_incident().await;
    for to in [
        "investigating",
        "contained",
        "eradicated",
        "recovered",
        "postmortem",
        "closed",
    ] {
        let response = server
            .api_json(
                Method::POST,
                "/api/v1/incidents/INC-1/transitions",
                // A SEV2 closes only with an approved post-mortem or an admin's reason (D6).
                json!({ "to": to, "override_reason": (to == "closed").then_some("lifecycle test") }),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{to}: {:?}", response.body);
    }
    let incident = server
        .api(Method::GET, "/api/v1/incidents/INC-1", None)
        .await
        .body;
    for field in [
        "impact_started_at",
        "detected_at",
        "aware_at",
        "declared_at",
        "acknowledged_at",
        "contained_at",
        "eradicated_at",
        "recovered_at",
        "closed_at",
    ] {
        assert!(
            incident["times"][field].is_string(),
            "{field} missing: {incident}"
        );
    }
    let report = server.api(Method::GET, "/api/v1/verify", None).await.body;
    assert_eq!(report["problems"], json!([]));
    assert!(
        report["checkpoints"].as_u64().unwrap() >= 6,
        "a checkpoint per status change"
    );
    let page = server
        .api(
            Method::GET,
            "/api/v1/incidents?status=closed&severity=sev2&system=scoring&q=GROUP%20C",
            None,
        )
        .await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn rejections_of_unwrapped_extractors_are_problems_too() {
    let server = TestServer::with_incident().await;
    check(
        &server,
        Method::GET,
        "/api/v1/incidents/INC-1/findings/-1",
        "",
        StatusCode::BAD_REQUEST,
        "-1",
    )
    .await;
    check(
        &server,
        Method::POST,
        "/api/v1/incidents/INC-1/evidence",
        "",
        StatusCode::BAD_REQUEST,
        "boundary",
    )
    .await;
}
