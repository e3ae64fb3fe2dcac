//! The on-call pages answer a signed-in browser: who is on call, a
//! schedule's week, the policies and the page log; an unknown schedule or
//! policy is a 404 page.

use crate::support::TestServer;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use firebreak_core::auth::Role;
use serde_json::json;

async fn configured() -> TestServer {
    let server = TestServer::with_incident().await;
    let user = json!({"name": "alice", "role": "responder", "password": "correct horse battery"});
    let created = server.api_json(Method::POST, "/api/v1/users", user).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let schedule = json!({
        "slug": "ml-primary", "name": "ML primary", "time_zone": "Europe/London",
        "layers": [{"rotation": {"kind": "daily"}, "handoff": "09:00",
                    "start": "2026-03-01T09:00", "participants": ["alice"]}],
    });
    let policy = json!({
        "slug": "ml-policy", "name": "ML policy",
        "levels": [{"targets": [{"kind": "schedule", "schedule": "ml-primary"}], "timeout_minutes": 5}],
    });
    for (path, body) in [
        ("/api/v1/oncall/schedules/ml-primary", schedule),
        ("/api/v1/oncall/policies/ml-policy", policy),
        (
            "/api/v1/systems/scoring/escalation-policy",
            json!({"policy": "ml-policy"}),
        ),
    ] {
        let saved = server.api_json(Method::PUT, path, body).await;
        assert_eq!(
            saved.status,
            StatusCode::CREATED,
            "{path}: {:?}",
            saved.body
        );
    }
    // Declared once the policy is attached: INC-2 is paged.
    let incident = json!({
        "title": "Scores drifted", "severity": "sev1", "severity_rationale": "all customers",
        "systems": ["scoring"], "detected_at": "2026-03-01T09:00:00Z",
    });
    let declared = server
        .api_json(Method::POST, "/api/v1/incidents", incident)
        .await;
    assert_eq!(declared.status, StatusCode::CREATED, "{:?}", declared.body);
    server
}

async fn get(server: &TestServer, cookie: &str, path: &str) -> (StatusCode, String) {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let page = server.call(request).await;
    (
        page.status,
        page.body.as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn the_on_call_pages_answer_a_signed_in_viewer_and_404_an_unknown_slug() {
    let server = configured().await;
    let (cookie, _) = server.session(Role::Viewer);
    for (path, shows) in [
        ("/oncall", "alice"),
        (
            "/oncall?at=2026-03-29T09:30&zone=Europe%2FBerlin",
            "UTC+02:00",
        ),
        ("/oncall/schedules/ml-primary", "Layers"),
        ("/oncall/schedules/ml-primary?week=2026-03-29", "23 hours"),
        ("/oncall/policies", "ML policy"),
        ("/oncall/policies/ml-policy", "scoring"),
        ("/oncall/pages", "/incidents/INC-2"),
        ("/incidents/INC-2", "Escalation planned by policy"),
    ] {
        let (status, page) = get(&server, &cookie, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        assert!(page.contains(shows), "{shows} on {path}: {page}");
        assert!(
            page.contains("href=\"/oncall\""),
            "linked from the navigation"
        );
    }
    for path in ["/oncall/schedules/nope", "/oncall/policies/nope"] {
        let (status, page) = get(&server, &cookie, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {page}");
        assert!(page.contains("nope"), "{page}");
    }
    for (path, field) in [
        ("/oncall/schedules/ml-primary?week=soon", "week"),
        ("/oncall?zone=Mars%2FBase", "zone"),
    ] {
        let (status, page) = get(&server, &cookie, path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {page}");
        assert!(page.contains(field), "{page}");
    }
}
