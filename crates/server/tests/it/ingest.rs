//! Alert ingest through the router: PagerDuty's documented payloads, generic
//! JSON with a mapping, and malformed payloads that store nothing.

use crate::support::TestServer;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

async fn integration(server: &TestServer, source: &str, extra: Value) -> String {
    let mut body = json!({
        "name": source, "source": source,
        "rules": [{ "matchers": [{ "label": "component", "op": "=~", "value": "mysql|scoring" }], "system": "scoring", "action": "declare" }],
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let created = server
        .api_json(Method::POST, "/api/v1/integrations", body)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    created.body["key"].as_str().unwrap().to_string()
}

async fn post(
    server: &TestServer,
    path: &str,
    key: Option<&str>,
    body: &str,
) -> crate::support::Response {
    let mut builder = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = key {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    server
        .call(builder.body(Body::from(body.to_string())).unwrap())
        .await
}

/// The trigger example from PagerDuty's Events API v2 documentation.
fn documented_trigger(routing_key: &str) -> Value {
    json!({
        "payload": {
            "summary": "DISK at 99% on machine prod-datapipe03.example.com",
            "timestamp": "2015-07-17T08:42:58.315+0000",
            "severity": "critical",
            "source": "prod-datapipe03.example.com",
            "component": "mysql",
            "group": "prod-datapipe",
            "class": "disk",
            "custom_details": { "free space": "1%", "ping time": "1500ms", "load avg": 0.75 }
        },
        "routing_key": routing_key,
        "dedup_key": "samplekeyhere",
        "images": [{ "src": "https://chart.googleapis.com/chart?chs=600x400", "href": "https://example.com/", "alt": "An example link with an image" }],
        "links": [{ "href": "https://example.com/", "text": "An example link." }],
        "event_action": "trigger",
        "client": "Sample Monitoring Service",
        "client_url": "https://monitoring.service.com"
    })
}

#[tokio::test]
async fn pagerduty_events_follow_pagerdutys_rules() {
    let server = TestServer::with_incident().await;
    // Close INC-1 so the first trigger declares a new incident; an admin
    // closes this SEV2 without a post-mortem, with a reason (D6).
    for to in ["contained", "recovered", "closed"] {
        server
            .api_json(
                Method::POST,
                "/api/v1/incidents/INC-1/transitions",
                json!({ "to": to, "override_reason": "fixture incident" }),
            )
            .await;
    }
    let key = integration(&server, "pagerduty", json!({})).await;
    let path = "/api/v1/ingest/pagerduty/v2/enqueue";
    let ack_before = post(
        &server,
        path,
        None,
        &json!({ "routing_key": key, "dedup_key": "samplekeyhere", "event_action": "acknowledge" })
            .to_string(),
    )
    .await;
    assert_eq!(ack_before.status, StatusCode::ACCEPTED);
    assert!(
        server
            .api(Method::GET, "/api/v1/alerts", None)
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty(),
        "acknowledge without an open alert is ignored"
    );

    let triggered = post(&server, path, None, &documented_trigger(&key).to_string()).await;
    assert_eq!(
        triggered.status,
        StatusCode::ACCEPTED,
        "{:?}",
        triggered.body
    );
    assert_eq!(
        triggered.body,
        json!({ "status": "success", "message": "Event processed", "dedup_key": "samplekeyhere" })
    );
    post(&server, path, None, &documented_trigger(&key).to_string()).await;
    let alerts = server.api(Method::GET, "/api/v1/alerts", None).await.body;
    assert_eq!(
        alerts.as_array().unwrap().len(),
        1,
        "the repeat is deduplicated"
    );
    assert_eq!(alerts[0]["occurrences"], 2);
    assert_eq!(alerts[0]["incident"], "INC-2");
    assert_eq!(alerts[0]["severity"], "sev1", "critical → SEV1 (D7)");

    for action in ["acknowledge", "resolve"] {
        let answer = post(
            &server,
            path,
            None,
            &json!({ "routing_key": key, "dedup_key": "samplekeyhere", "event_action": action })
                .to_string(),
        )
        .await;
        assert_eq!(answer.status, StatusCode::ACCEPTED);
    }
    let timeline = server
        .api(Method::GET, "/api/v1/incidents/INC-2/timeline", None)
        .await
        .body;
    let kinds: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["declared", "alert_linked", "alert_resolved"]);

    post(&server, path, None, &documented_trigger(&key).to_string()).await;
    let alerts = server.api(Method::GET, "/api/v1/alerts", None).await.body;
    assert_eq!(
        alerts.as_array().unwrap().len(),
        2,
        "a trigger after resolve opens a new alert"
    );
}

#[tokio::test]
async fn malformed_payloads_are_refused_naming_the_field_and_store_nothing() {
    let server = TestServer::with_incident().await;
    let pagerduty_key = integration(&server, "pagerduty", json!({})).await;
    let alertmanager_key = integration(&server, "alertmanager", json!({})).await;
    let generic_key = integration(&server, "generic", json!({})).await;
    let before = server.fingerprint_of_store();

    let mut no_summary = documented_trigger(&pagerduty_key);
    no_summary["payload"]
        .as_object_mut()
        .unwrap()
        .remove("summary");
    no_summary["payload"]["severity"] = json!("fatal");
    let answer = post(
        &server,
        "/api/v1/ingest/pagerduty/v2/enqueue",
        None,
        &no_summary.to_string(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["status"], "invalid event");
    let errors = answer.body["errors"].to_string();
    assert!(
        errors.contains("payload.summary") && errors.contains("payload.severity"),
        "{errors}"
    );
    let not_json = post(
        &server,
        "/api/v1/ingest/pagerduty/v2/enqueue",
        None,
        "{oops",
    )
    .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);

    let am = |alerts: Value| {
        json!({ "version": "4", "groupKey": "{}:{}", "status": "firing", "receiver": "firebreak", "alerts": alerts }).to_string()
    };
    let cases = [
        (am(json!([{ "status": "firing", "labels": {}, "startsAt": "yesterday", "fingerprint": "f1" }])), "alerts[0].startsAt"),
        (am(json!([{ "status": "burning", "labels": {}, "startsAt": "2026-01-01T00:00:00Z", "fingerprint": "f1" }])), "alerts[0].status"),
        (am(json!([{ "status": "firing", "labels": {}, "startsAt": "2026-01-01T00:00:00Z" }])), "alerts[0]"),
        (am(json!([{ "status": "firing", "labels": { "a": 1 }, "startsAt": "2026-01-01T00:00:00Z", "fingerprint": "f" }])), "alerts[0].labels.a"),
        (json!({ "version": "3", "groupKey": "g", "status": "firing", "receiver": "r", "alerts": [] }).to_string(), "version"),
    ];
    for (body, field) in cases {
        let answer = post(
            &server,
            "/api/v1/ingest/alertmanager",
            Some(&alertmanager_key),
            &body,
        )
        .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            answer.body["errors"][0]["field"],
            json!(field),
            "{}",
            answer.body
        );
    }
    let generic = post(
        &server,
        "/api/v1/ingest/generic",
        Some(&generic_key),
        r#"[{"summary":"ok"},{"labels":{}}]"#,
    )
    .await;
    assert_eq!(generic.status, StatusCode::BAD_REQUEST);
    assert!(
        generic.body["detail"].as_str().unwrap().contains("item 1"),
        "{}",
        generic.body
    );
    assert_eq!(server.fingerprint_of_store(), before, "nothing stored");
    assert!(
        server
            .api(Method::GET, "/api/v1/alerts", None)
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn generic_json_is_read_through_the_integration_mapping() {
    let server = TestServer::with_incident().await;
    let mapping = json!({ "mapping": { "summary": "/check/title", "dedup_key": "/check/id", "status": "/state", "labels": "/tags", "severity": "/level" } });
    let key = integration(&server, "generic", mapping).await;
    let body = json!({ "check": { "title": "Scoring latency", "id": "chk-7" }, "state": "alert", "level": "error", "tags": { "component": "scoring" } });
    let answer = post(
        &server,
        "/api/v1/ingest/generic",
        Some(&key),
        &body.to_string(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(
        answer.body["incidents"],
        json!(["INC-1"]),
        "attached to the open incident on scoring"
    );
    let resolved = json!({ "check": { "title": "Scoring latency", "id": "chk-7" }, "state": "ok", "tags": { "component": "scoring" } });
    post(
        &server,
        "/api/v1/ingest/generic",
        Some(&key),
        &resolved.to_string(),
    )
    .await;
    let alerts = server.api(Method::GET, "/api/v1/alerts", None).await.body;
    assert_eq!(alerts[0]["status"], "resolved");
    assert_eq!(alerts[0]["severity"], "sev2");
}

#[tokio::test]
async fn alert_text_is_held_to_the_length_limits_and_stores_nothing() {
    let server = TestServer::with_incident().await;
    let long = "x".repeat(firebreak_server::limits::TEXT_CHARS + 1);
    let pagerduty_key = integration(&server, "pagerduty", json!({})).await;
    let generic_key = integration(&server, "generic", json!({})).await;
    let before = server.fingerprint_of_store();
    let mut event = documented_trigger(&pagerduty_key);
    event["payload"]["summary"] = json!(long);
    let answer = post(
        &server,
        "/api/v1/ingest/pagerduty/v2/enqueue",
        None,
        &event.to_string(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["status"], "invalid event");
    assert!(
        answer.body["errors"][0]
            .as_str()
            .unwrap()
            .contains("payload.summary")
    );
    let alert =
        json!({"title": "disk full", "labels": {"component": "mysql"}, "description": long});
    let answer = post(
        &server,
        "/api/v1/ingest/generic",
        Some(&generic_key),
        &alert.to_string(),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        answer.body
    );
    assert_eq!(answer.body["errors"][0]["field"], "description");
    assert_eq!(server.fingerprint_of_store(), before);
}

#[tokio::test]
async fn a_person_declares_from_an_alert_acknowledges_and_resolves_it() {
    let server = TestServer::with_incident().await;
    let record_only = json!({ "rules": [{ "matchers": [{ "label": "component", "op": "=", "value": "db" }], "system": "db", "action": "record" }] });
    let key = integration(&server, "generic", record_only).await;
    let body = json!({ "summary": "Feature DB replica lag", "severity": "error", "labels": { "component": "db" } });
    let answer = post(
        &server,
        "/api/v1/ingest/generic",
        Some(&key),
        &body.to_string(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);

    let declare = json!({ "title": "Replica lag", "severity": "sev3", "severity_rationale": "stale features", "systems": ["db"] });
    let declared = server
        .api_json(Method::POST, "/api/v1/alerts/1/incident", declare.clone())
        .await;
    assert_eq!(declared.status, StatusCode::CREATED, "{:?}", declared.body);
    assert_eq!(declared.body["id"], "INC-2");
    assert_eq!(declared.body["detection_source"], "external_alert");
    let again = server
        .api_json(Method::POST, "/api/v1/alerts/1/incident", declare)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);
    assert!(
        again.body["detail"]
            .as_str()
            .unwrap()
            .contains("belongs to INC-2 already")
    );

    let acknowledged = server
        .api(Method::POST, "/api/v1/alerts/1/acknowledge", None)
        .await;
    assert_eq!(
        acknowledged.status,
        StatusCode::OK,
        "{:?}",
        acknowledged.body
    );
    assert_eq!(acknowledged.body["status"], "acknowledged");
    let twice = server
        .api(Method::POST, "/api/v1/alerts/1/acknowledge", None)
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{:?}", twice.body);
    let resolved = server
        .api(Method::POST, "/api/v1/alerts/1/resolve", None)
        .await;
    assert_eq!(resolved.body["status"], "resolved", "{:?}", resolved.body);
    let missing = server
        .api(Method::POST, "/api/v1/alerts/9/resolve", None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let timeline = server
        .api(Method::GET, "/api/v1/incidents/INC-2/timeline", None)
        .await
        .body;
    let kinds: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.ends_with(&["alert_linked", "alert_acknowledged", "alert_resolved"]),
        "{kinds:?}"
    );
}
