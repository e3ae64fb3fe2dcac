//! Fuzz tests (property-based, `FIREBREAK_FUZZ_CASES` cases per target)
//! through the real router: alert ingest (Alertmanager v4, PagerDuty Events
//! v2, generic JSON with and without a mapping) on mutated documented
//! payloads, arbitrary JSON and arbitrary bytes, and multipart evidence
//! uploads with broken boundaries and parts. The answer is always a 2xx or a
//! 4xx: a 5xx or a panic is a bug.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use firebreak_fuzz::{apply_byte_edits, byte_edits, config, json, mutated_json, text};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use crate::support::TestServer;

struct IngestServer {
    server: TestServer,
    alertmanager: String,
    pagerduty: String,
    generic: String,
    mapped: String,
}

async fn integration(server: &TestServer, source: &str, mapping: Value) -> String {
    let body = json!({
        "name": format!("{source}-{}", mapping.as_object().map_or(0, |m| m.len())), "source": source, "mapping": mapping,
        "rules": [{ "matchers": [{ "label": "component", "op": "=~", "value": "mysql|scoring" }], "system": "scoring", "action": "declare" }],
    });
    let created = server
        .api_json(Method::POST, "/api/v1/integrations", body)
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    created.body["key"].as_str().unwrap().to_string()
}

async fn ingest_server() -> IngestServer {
    let server = TestServer::with_incident().await;
    let mapping = json!({ "summary": "/check/title", "dedup_key": "/check/id", "status": "/state", "labels": "/tags", "severity": "/level", "starts_at": "/at" });
    IngestServer {
        alertmanager: integration(&server, "alertmanager", json!({})).await,
        pagerduty: integration(&server, "pagerduty", json!({})).await,
        generic: integration(&server, "generic", json!({})).await,
        mapped: integration(&server, "generic", mapping).await,
        server,
    }
}

fn alertmanager_sample() -> Value {
    json!({
        "version": "4", "groupKey": "{}:{alertname=\"Drift\"}", "truncatedAlerts": 0, "status": "firing",
        "receiver": "firebreak", "groupLabels": {"alertname": "Drift"}, "commonLabels": {"component": "scoring"},
        "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
        "alerts": [{
            "status": "firing", "labels": {"alertname": "Drift", "component": "scoring", "severity": "critical"},
            "annotations": {"summary": "PSI above 0.2"}, "startsAt": "2026-03-01T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus/graph", "fingerprint": "f1"
        }]
    })
}

fn pagerduty_samples() -> Vec<Value> {
    vec![
        json!({
            "payload": {
                "summary": "DISK at 99% on machine prod-datapipe03.example.com",
                "timestamp": "2015-07-17T08:42:58.315+0000", "severity": "critical",
                "source": "prod-datapipe03.example.com", "component": "mysql", "group": "prod-datapipe",
                "class": "disk", "custom_details": { "free space": "1%", "load avg": 0.75 }
            },
            "dedup_key": "samplekeyhere", "event_action": "trigger",
            "links": [{ "href": "https://example.com/", "text": "An example link." }],
            "client": "Sample Monitoring Service", "client_url": "https://monitoring.service.com"
        }),
        json!({ "dedup_key": "samplekeyhere", "event_action": "resolve" }),
        json!({ "dedup_key": "samplekeyhere", "event_action": "acknowledge" }),
    ]
}

fn generic_samples() -> Vec<Value> {
    vec![
        json!({"summary": "Drift on scoring", "dedup_key": "d1", "status": "firing", "severity": "critical",
               "labels": {"component": "scoring"}, "annotations": {"runbook": "r"}, "starts_at": "2026-03-01T09:00:00Z",
               "generator_url": "http://x"}),
        json!([{"summary": "one"}, {"summary": "two", "status": "resolved", "dedup_key": "d1"}]),
        json!({"check": {"title": "Drift", "id": "c1"}, "state": "firing", "tags": {"component": "scoring"}, "level": "warning", "at": "2026-03-01T09:00:00Z"}),
    ]
}

/// One payload and the route it goes to.
#[derive(Debug, Clone)]
enum Payload {
    Alertmanager(Vec<u8>),
    PagerDuty(Vec<u8>),
    Generic(Vec<u8>),
    Mapped(Vec<u8>),
}

fn bytes_of(value: &Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

fn payload() -> impl Strategy<Value = Payload> {
    let document = prop_oneof![
        3 => Just(()).prop_map(|_| None),
        1 => json().prop_map(Some),
    ];
    let raw = prop_oneof![
        3 => Just(None),
        1 => proptest::collection::vec(any::<u8>(), 0..256).prop_map(Some),
    ];
    (
        0..4u8,
        mutated_json(vec![alertmanager_sample()]),
        mutated_json(pagerduty_samples()),
        mutated_json(generic_samples()),
        document,
        raw,
        proptest::option::of(byte_edits()),
    )
        .prop_map(|(route, am, pd, generic, arbitrary, raw, edits)| {
            let mut body = match (route, arbitrary) {
                (_, Some(value)) => bytes_of(&value),
                (0, None) => bytes_of(&am),
                (1, None) => bytes_of(&pd),
                (_, None) => bytes_of(&generic),
            };
            if let Some(raw) = raw {
                body = raw;
            }
            if let Some(edits) = edits {
                body = apply_byte_edits(&body, &edits);
            }
            match route {
                0 => Payload::Alertmanager(body),
                1 => Payload::PagerDuty(body),
                2 => Payload::Generic(body),
                _ => Payload::Mapped(body),
            }
        })
}

/// PagerDuty authenticates by the body's `routing_key`: put the real key
/// into an object body so that mutations reach past authentication.
fn with_routing_key(body: &[u8], key: &str) -> Vec<u8> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(mut object)) => {
            object.insert("routing_key".into(), Value::String(key.into()));
            bytes_of(&Value::Object(object))
        }
        _ => body.to_vec(),
    }
}

fn not_a_server_error(status: StatusCode, what: &str, body: &Value) -> Result<(), TestCaseError> {
    prop_assert!(
        status.is_success() || status.is_client_error(),
        "{what}: {status} {body}"
    );
    Ok(())
}

#[test]
fn ingest_answers_every_payload_without_a_server_error() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let ingest = runtime.block_on(ingest_server());
    let mut runner = TestRunner::new(config(2));
    runner
        .run(&payload(), |payload| {
            let (path, key, body) = match &payload {
                Payload::Alertmanager(body) => (
                    "/api/v1/ingest/alertmanager",
                    Some(&ingest.alertmanager),
                    body.clone(),
                ),
                Payload::PagerDuty(body) => (
                    "/api/v1/ingest/pagerduty/v2/enqueue",
                    None,
                    with_routing_key(body, &ingest.pagerduty),
                ),
                Payload::Generic(body) => (
                    "/api/v1/ingest/generic",
                    Some(&ingest.generic),
                    body.clone(),
                ),
                Payload::Mapped(body) => {
                    ("/api/v1/ingest/generic", Some(&ingest.mapped), body.clone())
                }
            };
            let mut request = Request::builder()
                .method(Method::POST)
                .uri(path)
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(key) = key {
                request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
            }
            let answer =
                runtime.block_on(ingest.server.call(request.body(Body::from(body)).unwrap()));
            not_a_server_error(answer.status, path, &answer.body)
        })
        .unwrap();
}

#[test]
fn integrations_with_arbitrary_mappings_answer_without_a_server_error() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(TestServer::with_incident());
    let mapping = proptest::collection::btree_map(
        prop_oneof![
            proptest::sample::select(vec!["summary", "labels", "starts_at", "severity"])
                .prop_map(str::to_string),
            text()
        ],
        prop_oneof![text().prop_map(|t| format!("/{t}")), text()],
        0..4,
    );
    let mut runner = TestRunner::new(config(2));
    runner
        .run(
            &(mapping, mutated_json(generic_samples())),
            |(mapping, item)| {
                let created = runtime.block_on(server.api_json(
                    Method::POST,
                    "/api/v1/integrations",
                    json!({ "name": "fuzz", "source": "generic", "mapping": mapping }),
                ));
                not_a_server_error(created.status, "create integration", &created.body)?;
                if let Some(key) = created.body["key"].as_str() {
                    let request = Request::builder()
                        .method(Method::POST)
                        .uri("/api/v1/ingest/generic")
                        .header(header::CONTENT_TYPE, "application/json")
                        .header(header::AUTHORIZATION, format!("Bearer {key}"))
                        .body(Body::from(item.to_string()))
                        .unwrap();
                    let answer = runtime.block_on(server.call(request));
                    not_a_server_error(answer.status, "generic ingest", &answer.body)?;
                }
                Ok(())
            },
        )
        .unwrap();
}

/// One part of a multipart body, each header optional.
#[derive(Debug, Clone)]
struct Part {
    name: Option<String>,
    filename: Option<String>,
    content_type: Option<String>,
    content: Vec<u8>,
}

fn part() -> impl Strategy<Value = Part> {
    let name = prop_oneof![
        Just(Some("file".to_string())),
        Just(Some("description".to_string())),
        Just(None),
        text().prop_map(Some),
    ];
    let filename = prop_oneof![
        Just(Some("log.csv".to_string())),
        Just(None),
        text().prop_map(Some),
    ];
    let content_type = prop_oneof![
        Just(None),
        Just(Some("text/csv".to_string())),
        text().prop_map(Some),
    ];
    let content = prop_oneof![
        Just(b"a,b\n1,2\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..128),
    ];
    (name, filename, content_type, content).prop_map(|(name, filename, content_type, content)| {
        Part {
            name,
            filename,
            content_type,
            content,
        }
    })
}

fn multipart_body(boundary: &str, parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data").as_bytes());
        if let Some(name) = &part.name {
            body.extend(format!("; name=\"{name}\"").as_bytes());
        }
        if let Some(filename) = &part.filename {
            body.extend(format!("; filename=\"{filename}\"").as_bytes());
        }
        body.extend(b"\r\n");
        if let Some(content_type) = &part.content_type {
            body.extend(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend(b"\r\n");
        body.extend(&part.content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    body
}

#[test]
fn evidence_uploads_answer_every_multipart_body_without_a_server_error() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(TestServer::with_incident());
    let boundary = prop_oneof![Just("X-BOUNDARY".to_string()), text()];
    let header_boundary = prop_oneof![3 => Just(None), 1 => text().prop_map(Some)];
    let cases = (
        boundary,
        header_boundary,
        proptest::collection::vec(part(), 0..4),
        proptest::option::of(byte_edits()),
        proptest::sample::select(vec![
            "INC-1",
            "INC-999",
            "INC-0",
            "INC-18446744073709551616",
            "x",
        ]),
    );
    let mut runner = TestRunner::new(config(2));
    runner
        .run(
            &cases,
            |(boundary, header_boundary, parts, edits, incident)| {
                let mut body = multipart_body(&boundary, &parts);
                if let Some(edits) = edits {
                    body = apply_byte_edits(&body, &edits);
                }
                let content_type = format!(
                    "multipart/form-data; boundary={}",
                    header_boundary.unwrap_or(boundary)
                );
                let request = Request::builder()
                    .method(Method::POST)
                    .uri(format!("/api/v1/incidents/{incident}/evidence"))
                    .header(
                        header::AUTHORIZATION,
                        format!("Bearer {}", server.admin_token),
                    )
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body));
                // Some generated boundaries cannot be a header value at all.
                let Ok(request) = request else {
                    return Ok(());
                };
                let answer = runtime.block_on(server.call(request));
                not_a_server_error(answer.status, "evidence upload", &answer.body)
            },
        )
        .unwrap();
}

#[test]
fn a_well_formed_upload_is_stored() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(TestServer::with_incident());
    let parts = [
        Part {
            name: Some("description".into()),
            filename: None,
            content_type: None,
            content: b"decision log".to_vec(),
        },
        Part {
            name: Some("file".into()),
            filename: Some("log.csv".into()),
            content_type: Some("text/csv".into()),
            content: b"a,b\n1,2\n".to_vec(),
        },
    ];
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/incidents/INC-1/evidence")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", server.admin_token),
        )
        .header(
            header::CONTENT_TYPE,
            "multipart/form-data; boundary=X-BOUNDARY",
        )
        .body(Body::from(multipart_body("X-BOUNDARY", &parts)))
        .unwrap();
    let answer = runtime.block_on(server.call(request));
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.body["filename"], "log.csv");
}
