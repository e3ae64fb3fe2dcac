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
    ("GET", "/api/v1/schemas", Some(Role::Viewer)),
    ("GET", "/api/v1/schemas/five_whys", Some(Role::Viewer)),
    ("GET", "/api/v1/me", Some(Role::Viewer)),
    ("GET", "/api/v1/users", Some(Role::Admin)),
    ("POST", "/api/v1/users", Some(Role::Admin)),
    ("PUT", "/api/v1/users/{self}/password", Some(Role::Viewer)),
    ("GET", "/api/v1/tokens", Some(Role::Viewer)),
    ("POST", "/api/v1/tokens", Some(Role::Viewer)),
    ("DELETE", "/api/v1/tokens/tok_unknown", Some(Role::Viewer)),
    ("POST", "/api/v1/sessions/token", None),
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
        "/api/v1/incidents/INC-1/recurrence",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/incidents/INC-1/recurrence",
        Some(Role::Responder),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/timeline",
        Some(Role::Viewer),
    ),
    ("GET", "/api/v1/metrics", Some(Role::Viewer)),
    ("GET", "/api/v1/metrics/register", Some(Role::Viewer)),
    ("GET", "/api/v1/checkpoints", Some(Role::Viewer)),
    ("POST", "/api/v1/checkpoints", Some(Role::Commander)),
    ("GET", "/api/v1/verify", Some(Role::Viewer)),
    ("GET", "/api/v1/control", Some(Role::Viewer)),
    ("GET", "/api/v1/systems/scoring/control", CONTROL_READ),
    (
        "GET",
        "/api/v1/systems/scoring/control/stream",
        CONTROL_READ,
    ),
    (
        "PUT",
        "/api/v1/systems/scoring/control",
        Some(Role::Responder),
    ),
    ("GET", "/api/v1/systems/scoring/hooks", Some(Role::Admin)),
    ("POST", "/api/v1/systems/scoring/hooks", Some(Role::Admin)),
    ("DELETE", "/api/v1/hooks/hook_unknown", Some(Role::Admin)),
    (
        "POST",
        "/api/v1/incidents/INC-1/containment",
        Some(Role::Responder),
    ),
    ("GET", "/api/v1/monitors", Some(Role::Viewer)),
    ("POST", "/api/v1/monitors", Some(Role::Commander)),
    ("GET", "/api/v1/monitors/unknown", Some(Role::Viewer)),
    ("DELETE", "/api/v1/monitors/unknown", Some(Role::Commander)),
    (
        "POST",
        "/api/v1/monitors/unknown/pause",
        Some(Role::Commander),
    ),
    (
        "POST",
        "/api/v1/monitors/unknown/resume",
        Some(Role::Commander),
    ),
    (
        "POST",
        "/api/v1/monitors/unknown/run",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/monitors/unknown/backfill",
        Some(Role::Responder),
    ),
    ("GET", "/api/v1/integrations", Some(Role::Admin)),
    ("POST", "/api/v1/integrations", Some(Role::Admin)),
    (
        "DELETE",
        "/api/v1/integrations/int_unknown",
        Some(Role::Admin),
    ),
    ("GET", "/api/v1/alerts", Some(Role::Viewer)),
    (
        "POST",
        "/api/v1/alerts/1/acknowledge",
        Some(Role::Responder),
    ),
    ("POST", "/api/v1/alerts/1/resolve", Some(Role::Responder)),
    ("POST", "/api/v1/alerts/1/incident", Some(Role::Responder)),
    ("GET", "/api/v1/oncall", Some(Role::Viewer)),
    ("GET", "/api/v1/oncall/schedules", Some(Role::Viewer)),
    (
        "GET",
        "/api/v1/oncall/schedules/ml-primary",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/oncall/schedules/ml-primary",
        Some(Role::Commander),
    ),
    (
        "DELETE",
        "/api/v1/oncall/schedules/ml-primary",
        Some(Role::Commander),
    ),
    (
        "GET",
        "/api/v1/oncall/schedules/ml-primary/shifts",
        Some(Role::Viewer),
    ),
    ("GET", "/api/v1/oncall/policies", Some(Role::Viewer)),
    (
        "GET",
        "/api/v1/oncall/policies/ml-policy",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/oncall/policies/ml-policy",
        Some(Role::Commander),
    ),
    (
        "DELETE",
        "/api/v1/oncall/policies/ml-policy",
        Some(Role::Commander),
    ),
    ("GET", "/api/v1/oncall/channels", Some(Role::Viewer)),
    (
        "GET",
        "/api/v1/oncall/channels/ops-teams",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/oncall/channels/ops-teams",
        Some(Role::Admin),
    ),
    (
        "DELETE",
        "/api/v1/oncall/channels/ops-teams",
        Some(Role::Admin),
    ),
    ("GET", "/api/v1/oncall/teams", Some(Role::Viewer)),
    ("PUT", "/api/v1/oncall/teams/ml-team", Some(Role::Commander)),
    (
        "DELETE",
        "/api/v1/oncall/teams/ml-team",
        Some(Role::Commander),
    ),
    ("GET", "/api/v1/users/{self}/contact", Some(Role::Viewer)),
    ("PUT", "/api/v1/users/{self}/contact", Some(Role::Responder)),
    (
        "DELETE",
        "/api/v1/users/{self}/contact",
        Some(Role::Responder),
    ),
    ("GET", "/api/v1/users/{self}/oncall.ics", Some(Role::Viewer)),
    (
        "GET",
        "/api/v1/systems/scoring/escalation-policy",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/systems/scoring/escalation-policy",
        Some(Role::Commander),
    ),
    (
        "DELETE",
        "/api/v1/systems/scoring/escalation-policy",
        Some(Role::Commander),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/acknowledge",
        Some(Role::Responder),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/escalation",
        Some(Role::Viewer),
    ),
    (
        "GET",
        "/api/v1/systems/scoring/stakeholders",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/systems/scoring/stakeholders",
        Some(Role::Commander),
    ),
    ("GET", "/api/v1/incidents/INC-1/updates", Some(Role::Viewer)),
    (
        "POST",
        "/api/v1/incidents/INC-1/updates",
        Some(Role::Responder),
    ),
    (
        "PUT",
        "/api/v1/incidents/INC-1/updates/1",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/updates/1/approve",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/updates/1/send",
        Some(Role::Responder),
    ),
    ("GET", "/api/v1/incidents/INC-1/rca", Some(Role::Viewer)),
    (
        "GET",
        "/api/v1/incidents/INC-1/evidence",
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/evidence",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/evidence/bundle",
        Some(Role::Responder),
    ),
    ("GET", "/api/v1/evidence/EV-9", Some(Role::Viewer)),
    (
        "POST",
        "/api/v1/incidents/INC-1/findings",
        Some(Role::Responder),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/findings/1",
        Some(Role::Viewer),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/postmortem",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/incidents/INC-1/postmortem",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/postmortem/draft",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/postmortem/transitions",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/postmortem/sign-offs",
        Some(Role::Responder),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/postmortem/export",
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/postmortem/actions/act-1/status",
        Some(Role::Responder),
    ),
    (
        "PUT",
        "/api/v1/incidents/INC-1/postmortem/actions/act-1/check",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/postmortem/actions/act-1/verifications",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/postmortem/actions/act-1/ticket",
        Some(Role::Responder),
    ),
    ("GET", "/api/v1/actions", Some(Role::Viewer)),
    ("GET", "/api/v1/actions/export", Some(Role::Viewer)),
    ("GET", "/api/v1/regimes", Some(Role::Viewer)),
    (
        "GET",
        "/api/v1/incidents/INC-1/regulatory",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/incidents/INC-1/regulatory",
        Some(Role::Responder),
    ),
    ("GET", "/api/v1/deadlines", Some(Role::Viewer)),
    (
        "POST",
        "/api/v1/incidents/INC-1/reports",
        Some(Role::Responder),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/reports/R-9",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/incidents/INC-1/reports/R-9",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/reports/R-9/submission",
        Some(Role::Commander),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/reports/R-9/export",
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/inquiries",
        Some(Role::Responder),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/inquiries",
        Some(Role::Viewer),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/inquiries/Q9",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/incidents/INC-1/inquiries/Q9/questions/1",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/inquiries/Q9/submission",
        Some(Role::Commander),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/inquiries/Q9/pack",
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/inquiries/Q9/bundle",
        Some(Role::Responder),
    ),
    ("DELETE", "/api/v1/evidence/EV-9", Some(Role::Commander)),
    ("GET", "/api/v1/evidence/EV-9/content", Some(Role::Viewer)),
    (
        "POST",
        "/api/v1/evidence/EV-9/transfers",
        Some(Role::Responder),
    ),
    (
        "PUT",
        "/api/v1/evidence/EV-9/legal-hold",
        Some(Role::Commander),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/rca/fishbone/main",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/incidents/INC-1/rca/fishbone/main",
        Some(Role::Responder),
    ),
    (
        "GET",
        "/api/v1/incidents/INC-1/rca/fishbone/main/svg",
        Some(Role::Viewer),
    ),
    (
        "GET",
        "/api/v1/systems/scoring/fmea/main",
        Some(Role::Viewer),
    ),
    (
        "PUT",
        "/api/v1/systems/scoring/fmea/main",
        Some(Role::Responder),
    ),
    ("GET", "/api/v1/changes", Some(Role::Viewer)),
    ("POST", "/api/v1/changes", Some(Role::Responder)),
    ("GET", "/api/v1/changes/CH-9", Some(Role::Viewer)),
    ("GET", "/api/v1/change-sources", Some(Role::Viewer)),
    (
        "PUT",
        "/api/v1/change-sources/credit-repo",
        Some(Role::Admin),
    ),
    (
        "DELETE",
        "/api/v1/change-sources/credit-repo",
        Some(Role::Admin),
    ),
    ("GET", "/api/v1/incidents/INC-1/context", Some(Role::Viewer)),
    ("GET", "/api/v1/severity-rubric", Some(Role::Viewer)),
    (
        "POST",
        "/api/v1/incidents/INC-1/alerts",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/api/v1/incidents/INC-1/severity-assessment",
        Some(Role::Responder),
    ),
    ("GET", "/healthz", None),
];

/// Marks the control-read endpoints: open to every signed-in caller, including
/// tokens scoped to control reads only.
const CONTROL_READ: Option<Role> = Some(Role::Viewer);

fn is_control_read(path: &str) -> bool {
    path.starts_with("/api/v1/systems/")
        && (path.ends_with("/control") || path.ends_with("/control/stream"))
}

/// Ingest routes authenticate by integration key, never by a user's token.
const INGEST: &[(&str, &str)] = &[
    ("/api/v1/ingest/alertmanager", "alertmanager"),
    ("/api/v1/ingest/pagerduty/v2/enqueue", "pagerduty"),
    ("/api/v1/ingest/generic", "generic"),
];

/// Webhook routes authenticate by their source's signature, never by a
/// user's token.
const WEBHOOKS: &[&str] = &[
    "/api/v1/changes/webhooks/credit-repo",
    "/api/v1/trackers/ops-teams/webhook",
];

const PAGES: &[(&str, &str, Option<Role>)] = &[
    ("GET", "/login", None),
    ("POST", "/login", None),
    ("POST", "/logout", Some(Role::Viewer)),
    ("GET", "/", Some(Role::Viewer)),
    ("GET", "/incidents/new", Some(Role::Responder)),
    ("POST", "/incidents", Some(Role::Responder)),
    ("GET", "/incidents/INC-1", Some(Role::Viewer)),
    ("GET", "/incidents/INC-1/live", Some(Role::Viewer)),
    ("GET", "/assets/live.js", Some(Role::Viewer)),
    ("POST", "/incidents/INC-1/transition", Some(Role::Responder)),
    ("POST", "/incidents/INC-1/entries", Some(Role::Responder)),
    ("POST", "/incidents/INC-1/roles", Some(Role::Responder)),
    ("POST", "/incidents/INC-1/recurrence", Some(Role::Responder)),
    (
        "POST",
        "/incidents/INC-1/acknowledge",
        Some(Role::Responder),
    ),
    // The signed link in a page message is its own credential.
    ("GET", "/ack/1.0.0.1.alice.00", None),
    ("POST", "/ack/1.0.0.1.alice.00", None),
    ("GET", "/systems", Some(Role::Viewer)),
    ("POST", "/systems", Some(Role::Responder)),
    ("GET", "/systems/new", Some(Role::Responder)),
    ("GET", "/systems/scoring", Some(Role::Viewer)),
    ("GET", "/oncall", Some(Role::Viewer)),
    ("GET", "/oncall/schedules/ml-primary", Some(Role::Viewer)),
    ("GET", "/oncall/policies", Some(Role::Viewer)),
    ("GET", "/oncall/policies/ml-policy", Some(Role::Viewer)),
    ("GET", "/oncall/pages", Some(Role::Viewer)),
    ("GET", "/metrics", Some(Role::Viewer)),
    ("GET", "/metrics/register.csv", Some(Role::Viewer)),
    ("GET", "/deadlines", Some(Role::Viewer)),
    ("GET", "/actions", Some(Role::Viewer)),
    ("GET", "/tokens", Some(Role::Viewer)),
    ("POST", "/tokens", Some(Role::Viewer)),
    ("POST", "/tokens/tok_unknown/revoke", Some(Role::Viewer)),
    (
        "POST",
        "/incidents/INC-1/containment",
        Some(Role::Responder),
    ),
    ("GET", "/alerts", Some(Role::Viewer)),
    ("POST", "/alerts/1/acknowledge", Some(Role::Responder)),
    ("POST", "/alerts/1/resolve", Some(Role::Responder)),
    ("POST", "/alerts/1/declare", Some(Role::Responder)),
    ("POST", "/alerts/1/link", Some(Role::Responder)),
    ("POST", "/incidents/INC-1/rca", Some(Role::Responder)),
    ("POST", "/incidents/INC-1/rca/step", Some(Role::Responder)),
    ("POST", "/systems/scoring/fmea", Some(Role::Responder)),
    ("POST", "/monitors/unknown/pause", Some(Role::Commander)),
    (
        "POST",
        "/incidents/INC-1/postmortem/draft",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/incidents/INC-1/postmortem/sections",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/incidents/INC-1/postmortem/transitions",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/incidents/INC-1/postmortem/sign-offs",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/incidents/INC-1/postmortem/actions",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/incidents/INC-1/postmortem/actions/act-1/ticket",
        Some(Role::Responder),
    ),
    ("POST", "/incidents/INC-1/updates", Some(Role::Responder)),
    ("POST", "/incidents/INC-1/updates/1", Some(Role::Responder)),
    (
        "POST",
        "/incidents/INC-1/updates/1/approve",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/incidents/INC-1/updates/1/send",
        Some(Role::Responder),
    ),
    ("POST", "/incidents/INC-1/regulatory", Some(Role::Responder)),
    ("POST", "/incidents/INC-1/reports", Some(Role::Responder)),
    (
        "POST",
        "/incidents/INC-1/reports/R-9",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/incidents/INC-1/reports/R-9/submission",
        Some(Role::Commander),
    ),
    ("POST", "/incidents/INC-1/inquiries", Some(Role::Responder)),
    (
        "POST",
        "/incidents/INC-1/inquiries/Q9/questions/1",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/incidents/INC-1/inquiries/Q9/submission",
        Some(Role::Commander),
    ),
    (
        "POST",
        "/incidents/INC-1/inquiries/Q9/bundle",
        Some(Role::Responder),
    ),
    ("POST", "/incidents/INC-1/evidence", Some(Role::Responder)),
    (
        "POST",
        "/incidents/INC-1/evidence/EV-9/legal-hold",
        Some(Role::Commander),
    ),
    (
        "POST",
        "/incidents/INC-1/evidence/EV-9/transfers",
        Some(Role::Responder),
    ),
    (
        "POST",
        "/incidents/INC-1/evidence/bundle",
        Some(Role::Responder),
    ),
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
/// credential is not read-only; control-read tokens pass only control reads.
fn expect(floor: Option<Role>, role: Role, scope: Scope, method: &str, path: &str) -> bool {
    if floor.is_none() || (method == "GET" && is_control_read(path)) {
        return true;
    }
    floor.is_none_or(|floor| role >= floor)
        && (method == "GET" || scope == Scope::Write)
        && scope != Scope::ControlRead
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
            // Public: answered on its merits (an empty sign-in is 422), never
            // refused for want of credentials.
            check(method, path, "anonymous", true, status);
        }
        for role in Role::ALL {
            for scope in [Scope::Read, Scope::Write, Scope::ControlRead] {
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
                    expect(floor, role, scope, method, path),
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
            // Public: no credentials asked for (POST /login answers 403 to a
            // form without its login token; `login.rs` tests that).
            assert_ne!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} is public"
            );
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
                expect(floor, role, Scope::Write, method, path),
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
async fn ingest_routes_take_integration_keys_only() {
    let server = TestServer::with_incident().await;
    for &(path, source) in INGEST {
        let integration = server
            .api_json(
                Method::POST,
                "/api/v1/integrations",
                serde_json::json!({ "name": source, "source": source }),
            )
            .await;
        let key = integration.body["key"].as_str().unwrap().to_string();
        let user_token = server.token(Role::Admin, Scope::Write);
        let pagerduty = |routing_key: &str| {
            serde_json::json!({
                "routing_key": routing_key, "event_action": "trigger",
                "payload": { "summary": "s", "source": "x", "severity": "info" }
            })
        };
        let (anonymous, as_user, as_integration) = if source == "pagerduty" {
            let call = |key: &str| {
                Request::builder()
                    .method("POST")
                    .uri(path)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(pagerduty(key).to_string()))
                    .unwrap()
            };
            (call("unknown"), call(&user_token), call(&key))
        } else {
            let body = r#"{"version":"4","groupKey":"g","status":"firing","receiver":"r","alerts":[],"summary":"s"}"#;
            let call = |auth: Option<&str>| {
                let builder = Request::builder()
                    .method("POST")
                    .uri(path)
                    .header(header::CONTENT_TYPE, "application/json");
                let builder = match auth {
                    Some(secret) => {
                        builder.header(header::AUTHORIZATION, format!("Bearer {secret}"))
                    }
                    None => builder,
                };
                builder.body(Body::from(body)).unwrap()
            };
            (call(None), call(Some(&user_token)), call(Some(&key)))
        };
        assert_eq!(
            server.call(anonymous).await.status,
            StatusCode::UNAUTHORIZED,
            "{path} without a key"
        );
        assert_eq!(
            server.call(as_user).await.status,
            StatusCode::UNAUTHORIZED,
            "{path} with a user token"
        );
        let accepted = server.call(as_integration).await.status;
        assert!(
            accepted.is_success(),
            "{path} with its integration key: {accepted}"
        );
    }
}

#[tokio::test]
async fn webhook_routes_take_no_user_token() {
    let server = TestServer::with_incident().await;
    for path in WEBHOOKS {
        for token in [None, Some(server.token(Role::Admin, Scope::Write))] {
            let builder = Request::builder()
                .method("POST")
                .uri(*path)
                .header(header::CONTENT_TYPE, "application/json");
            let builder = match &token {
                Some(secret) => builder.header(header::AUTHORIZATION, format!("Bearer {secret}")),
                None => builder,
            };
            let call = builder.body(Body::from("{}")).unwrap();
            assert_eq!(
                server.call(call).await.status,
                StatusCode::UNAUTHORIZED,
                "{path} with {token:?}"
            );
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
            .replace("hook_unknown", "{id}")
            .replace("int_unknown", "{id}")
            .replace("monitors/unknown", "monitors/{monitor}")
            .replace("fishbone/main", "{kind}/{name}")
            .replace("fmea/main", "fmea/{name}")
            .replace("EV-9", "{ev}")
            .replace("findings/1", "findings/{seq}")
            .replace("R-9", "{report_id}")
            .replace("questions/1", "questions/{n}")
            .replace("Q9", "{inquiry}")
            .replace("ml-primary", "{schedule_slug}")
            .replace("ml-policy", "{policy_slug}")
            .replace("ml-team", "{team_slug}")
            .replace("ops-teams", "{channel_slug}")
            .replace("updates/1", "updates/{update_id}")
            .replace("CH-9", "{change_id}")
            .replace("credit-repo", "{source_slug}")
            .replace("schemas/five_whys", "schemas/{format}")
            .replace("alerts/1/", "alerts/{id}/")
            .replace("actions/act-1/", "actions/{action_id}/")
    };
    let tested: BTreeSet<String> = API
        .iter()
        .filter(|(_, path, _)| path.starts_with("/api"))
        .map(|(method, path, _)| format!("{method} {}", normalise(path)))
        .chain(INGEST.iter().map(|(path, _)| format!("POST {path}")))
        .chain(
            WEBHOOKS
                .iter()
                .map(|path| format!("POST {}", normalise(path))),
        )
        .collect();
    assert_eq!(documented, tested);
}
