//! The timeline under concurrent writers, and read a page at a time.

use crate::support::TestServer;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_to_one_incident_each_get_their_own_event_back() {
    let server = std::sync::Arc::new(TestServer::with_incident().await);
    let writers = (0..8).map(|writer| {
        let server = server.clone();
        tokio::spawn(async move {
            for n in 0..10 {
                let text = format!("writer {writer} note {n}");
                let answer = server
                    .api_json(
                        Method::POST,
                        "/api/v1/incidents/INC-1/entries",
                        json!({"kind": "note", "text": text}),
                    )
                    .await;
                assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
                assert_eq!(answer.body["body"]["text"], text.as_str());
                assert_eq!(answer.body["actor"], "admin");
            }
        })
    });
    for writer in writers {
        writer.await.unwrap();
    }
    let report = server.api(Method::GET, "/api/v1/verify", None).await.body;
    assert_eq!(report["problems"], json!([]));
}

#[tokio::test]
async fn the_timeline_is_read_a_page_at_a_time() {
    let server = TestServer::with_incident().await;
    for n in 0..5 {
        server
            .api_json(
                Method::POST,
                "/api/v1/incidents/INC-1/entries",
                json!({"kind": "note", "text": format!("note {n}")}),
            )
            .await;
    }
    let all = server
        .api(Method::GET, "/api/v1/incidents/INC-1/timeline", None)
        .await;
    let total = all.body.as_array().unwrap().len();
    assert!(total >= 6, "{total}");
    assert_eq!(all.link, None, "one page holds it all");
    let first = server
        .api(
            Method::GET,
            "/api/v1/incidents/INC-1/timeline?limit=2",
            None,
        )
        .await;
    let seqs: Vec<u64> = first
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2]);
    assert_eq!(
        first.link.as_deref(),
        Some("</api/v1/incidents/INC-1/timeline?after=2&limit=2>; rel=\"next\"")
    );
    let next = server
        .api(
            Method::GET,
            "/api/v1/incidents/INC-1/timeline?after=2&limit=2",
            None,
        )
        .await;
    assert_eq!(next.body[0]["seq"], 3);
    let too_many = server
        .api(
            Method::GET,
            "/api/v1/incidents/INC-1/timeline?limit=5000",
            None,
        )
        .await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        too_many.body["errors"][0]["field"], "limit",
        "{}",
        too_many.body
    );
    let beyond = server
        .api(
            Method::GET,
            "/api/v1/incidents/INC-1/timeline?after=9223372036854775808",
            None,
        )
        .await;
    assert_eq!(beyond.status, StatusCode::UNPROCESSABLE_ENTITY);
    let not_a_number = server
        .api(
            Method::GET,
            "/api/v1/incidents/INC-1/timeline?after=x",
            None,
        )
        .await;
    assert_eq!(not_a_number.status, StatusCode::BAD_REQUEST);
}
