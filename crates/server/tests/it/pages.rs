//! Every list answer is bounded: `limit` with a ceiling, and a `Link` header
//! to the next page.

use crate::support::TestServer;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

async fn page(server: &TestServer, path: &str) -> (Vec<Value>, Option<String>) {
    let request = Request::get(path)
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", server.admin_token),
        )
        .body(Body::empty())
        .unwrap();
    let response = server.raw(request).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let next = response
        .headers()
        .get(header::LINK)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let items: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
    let next = next.map(|link| {
        assert!(link.ends_with("; rel=\"next\""), "{link}");
        link[1..link.find('>').unwrap()].to_string()
    });
    (items, next)
}

#[tokio::test]
async fn a_list_is_read_page_by_page_to_its_end() {
    let server = TestServer::new();
    for n in 0..4 {
        let created = server
            .api_json(
                Method::POST,
                "/api/v1/tokens",
                json!({"description": format!("t{n}")}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/tokens?limit=2".to_string());
    let mut pages = 0;
    while let Some(path) = next {
        let (items, following) = page(&server, &path).await;
        assert!(items.len() <= 2);
        seen.extend(
            items
                .into_iter()
                .map(|t| t["id"].as_str().unwrap().to_string()),
        );
        next = following;
        pages += 1;
    }
    assert_eq!(
        pages, 3,
        "5 tokens (the first admin's and 4 more) in pages of 2"
    );
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5);
}

#[tokio::test]
async fn limits_beyond_the_ceiling_are_refused() {
    let server = TestServer::new();
    for limit in ["0", "1001", "-1", "lots"] {
        let answer = server
            .api(Method::GET, &format!("/api/v1/users?limit={limit}"), None)
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "limit={limit}");
    }
}

/// Timelines are paged in the store (issue 21's integrity half).
const NOT_PAGED_HERE: &[&str] = &[
    "/api/v1/incidents/{id}/timeline",
    "/api/v1/systems/{slug}/events",
];

#[tokio::test]
async fn every_list_in_the_api_takes_a_limit() {
    let server = TestServer::new();
    let document = server
        .api(Method::GET, "/api/openapi.json", None)
        .await
        .body;
    let mut unbounded = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let schema = &get["responses"]["200"]["content"]["application/json"]["schema"];
        let is_list = schema["type"] == "array";
        let takes_limit = get["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "limit"));
        if is_list && !takes_limit && !NOT_PAGED_HERE.contains(&path.as_str()) {
            unbounded.push(path.clone());
        }
    }
    assert!(unbounded.is_empty(), "lists without a limit: {unbounded:?}");
}
