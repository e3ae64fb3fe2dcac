//! The route × role table (D15): every route, called with no credentials, with
//! each role's write token, with each role's read-only token and, for pages,
//! with each role's browser session.

use crate::support::TestServer;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use firebreak_core::auth::{Role, Scope};
use std::collections::BTreeSet;

/// `None` as floor: public. `{self}` in a path is the caller's own user name.
const API: &[(&str, &str, Option<Role>)] = &[
    ("GET", "/api/openapi.json", Some(Role::Viewer)),
    ("GET", "/api/v1/me", Some(Role::Viewer)),
    ("GET", "/api/v1/users", Some(Role::Admin)),
    ("POST", "/api/v1/users", Some(Role::Admin)),
    ("PUT", "/api/v1/users/{self}/password", Some(Role::Viewer)),
    ("GET", "/api/v1/tokens", Some(Role::Viewer)),
    ("POST", "/api/v1/tokens", Some(Role::Viewer)),
    ("DELETE", "/api/v1/tokens/tok_unknown", Some(Role::Viewer)),
    ("GET", "/api/v1/systems", Some(Role::Viewer)),
    ("POST", "/api/v1/systems", Some(Role::Responder)),
    ("GET", "/api/v1/systems/scoring", Some(Role::Viewer)),
    ("PATCH", "/api/v1/systems/scoring", Some(Role::Responder)),
    ("GET", "/api/v1/systems/scoring/events", Some(Role::Viewer)),
    ("GET", "/api/v1/incidents", Some(Role::Viewer)),
    ("POST", "/api/v1/incidents", Some(Role::Responder)),
    ("GET", "/api/v1/incidents/INC-1", Some(Role::Viewer)),
    ("PATCH", "/api/v1/incidents/INC-1", Some(Role::Responder)),
    (
        "POST",
        "/api/v1/incidents/INC-1/transitions",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/entries",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/roles",
        Some(Role::Responder),
    ),
    (
        "PUT",
        "/api/v1/incidents/INC-1/times/aware_at",
        Some(Role::Responder),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/timeline",
        Some(Role::Viewer),
    ),
    ("GET", "/api/v1/metrics", Some(Role::Viewer)),
    ("GET", "/api/v1/checkpoints", Some(Role::Viewer)),
    ("POST", "/api/v1/checkpoints", Some(Role::Commander)),
    ("GET", "/api/v1/verify", Some(Role::Viewer)),
    ("GET", "/healthz", None),
];

const PAGES: &[(&str, &str, Option<Role>)] = &[
    ("GET", "/login", None),
    ("POST", "/login", None),
    ("POST", "/logout", Some(Role::Viewer)),
    ("GET", "/", Some(Role::Viewer)),
    ("GET", "/incidents/new", Some(Role::Responder)),
    ("POST", "/incidents", Some(Role::Responder)),
    ("GET", "/incidents/INC-1", Some(Role::Viewer)),
    ("POST", "/incidents/INC-1/transition", Some(Role::Responder)),
    ("POST", "/incidents/INC-1/entries", Some(Role::Responder)),
    ("POST", "/incidents/INC-1/roles", Some(Role::Responder)),
    ("GET", "/systems", Some(Role::Viewer)),
    ("POST", "/systems", Some(Role::Responder)),
    ("GET", "/systems/new", Some(Role::Responder)),
    ("GET", "/systems/scoring", Some(Role::Viewer)),
    ("GET", "/metrics", Some(Role::Viewer)),
];

fn request(
    method: &str,
    path: &str,
    role: Option<Role>,
    body: &str,
) -> axum::http::request::Builder {
    let name = role.map_or("nobody", Role::as_str);
    let builder = Request::builder()
        .method(method)
        .uri(path.replace("{self}", name));
    if method == "GET" {
        builder
    } else {
        builder.header(header::CONTENT_TYPE, body)
    }
}

/// Who may pass: the role is at or above the floor and, for a change, the
/// credential is not read-only.
fn expect(floor: Option<Role>, role: Role, scope: Scope, method: &str) -> bool {
    floor.is_none_or(|floor| role >= floor) && (method == "GET" || scope == Scope::Write)
}

fn check(method: &str, path: &str, credential: &str, allowed: bool, status: StatusCode) {
    if allowed {
        assert!(
            status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
            "{method} {path} as {credential}: expected access, got {status}"
        );
    } else {
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{method} {path} as {credential}"
        );
    }
}

#[tokio::test]
async fn every_api_route_enforces_its_role_floor_and_token_scope() {
    let server = TestServer::with_incident().await;
    for &(method, path, floor) in API {
        let anonymous = request(method, path, None, "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let status = server.call(anonymous).await.status;
        if floor.is_some() {
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} without credentials"
            );
        } else {
            assert_eq!(status, StatusCode::OK, "{method} {path} is public");
        }
        for role in Role::ALL {
            for scope in [Scope::Read, Scope::Write] {
                let token = server.token(role, scope);
                let call = request(method, path, Some(role), "application/json")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::from("{}"))
                    .unwrap();
                let status = server.call(call).await.status;
                let credential = format!("{role} with a {} token", scope.as_str());
                check(
                    method,
                    path,
                    &credential,
                    expect(floor, role, scope, method),
                    status,
                );
            }
        }
    }
}

#[tokio::test]
async fn every_page_enforces_its_role_floor_and_csrf() {
    let server = TestServer::with_incident().await;
    for &(method, path, floor) in PAGES {
        let form = "application/x-www-form-urlencoded";
        let anonymous = request(method, path, None, form)
            .body(Body::empty())
            .unwrap();
        let status = server.call(anonymous).await.status;
        if floor.is_some() {
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} without a session"
            );
        } else {
            assert_ne!(status, StatusCode::FORBIDDEN, "{method} {path} is public");
            continue;
        }
        for role in Role::ALL {
            let (cookie, csrf) = server.session(role);
            let call = request(method, path, Some(role), form)
                .header(header::COOKIE, &cookie)
                .body(Body::from(format!("csrf_token={csrf}")))
                .unwrap();
            let status = server.call(call).await.status;
            check(
                method,
                path,
                &format!("{role} in a browser"),
                expect(floor, role, Scope::Write, method),
                status,
            );
            if method == "POST" && floor.is_some() {
                let (cookie, _) = server.session(role);
                let forged = request(method, path, Some(role), form)
                    .header(header::COOKIE, &cookie)
                    .body(Body::from("csrf_token=forged"))
                    .unwrap();
                assert_eq!(
                    server.call(forged).await.status,
                    StatusCode::FORBIDDEN,
                    "{method} {path} with a forged CSRF token"
                );
            }
        }
    }
}

#[tokio::test]
async fn browser_sessions_need_the_csrf_header_for_api_writes() {
    let server = TestServer::with_incident().await;
    let (cookie, csrf) = server.session(Role::Admin);
    let without = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/checkpoints")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(server.call(without).await.status, StatusCode::FORBIDDEN);
    let with = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/checkpoints")
        .header(header::COOKIE, &cookie)
        .header("x-csrf-token", csrf)
        .body(Body::empty())
        .unwrap();
    assert_eq!(server.call(with).await.status, StatusCode::CREATED);
}

#[test]
fn the_table_covers_every_documented_api_route() {
    let documented: BTreeSet<String> =
        serde_json::to_value(<firebreak_server::api::ApiDoc as utoipa::OpenApi>::openapi())
            .unwrap()["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .map(move |m| format!("{} {path}", m.to_uppercase()))
            })
            .collect();
    let normalise = |path: &str| {
        path.replace("INC-1", "{id}")
            .replace("scoring", "{slug}")
            .replace("tok_unknown", "{id}")
            .replace("{self}", "{name}")
            .replace("aware_at", "{field}")
    };
    let tested: BTreeSet<String> = API
        .iter()
        .filter(|(_, path, _)| path.starts_with("/api"))
        .map(|(method, path, _)| format!("{method} {}", normalise(path)))
        .collect();
    assert_eq!(documented, tested);
}
