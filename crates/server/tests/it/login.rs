//! Signing in: the login form's double-submit token, rate limits with
//! `Retry-After`, no user-name oracle, Secure cookies, and password changes.

use crate::support::TestServer;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use firebreak_core::Timestamp;
use firebreak_core::auth::Role;
use firebreak_server::auth::{random_secret, secret_hash};
use firebreak_server::state::WebSettings;
use firebreak_server::throttle::{LoginLimits, RateLimit};
use firebreak_store::SessionRecord;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";

async fn with_user(name: &str) -> TestServer {
    let server = TestServer::new();
    let user = json!({"name": name, "role": "responder", "password": PASSWORD});
    let created = server.api_json(Method::POST, "/api/v1/users", user).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    server
}

/// The token of a freshly shown login form: (cookie header, form field).
async fn login_form(server: &TestServer) -> (String, String) {
    let response = server
        .raw(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let token = cookie
        .strip_prefix("firebreak_login=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_string();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&body).contains(&token));
    (format!("firebreak_login={token}"), token)
}

fn sign_in(cookie: Option<&str>, token: &str, user: &str, password: &str) -> Request<Body> {
    let mut builder =
        Request::post("/login").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    let form = serde_urlencoded::to_string([
        ("login_csrf", token),
        ("username", user),
        ("password", password),
    ])
    .unwrap();
    builder.body(Body::from(form)).unwrap()
}

#[tokio::test]
async fn signing_in_needs_the_forms_token_in_field_and_cookie() {
    let server = with_user("alice").await;
    let (cookie, token) = login_form(&server).await;
    let forged = server.raw(sign_in(None, &token, "alice", PASSWORD)).await;
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "no cookie: another site posted it"
    );
    let mismatched = server
        .raw(sign_in(Some(&cookie), "something-else", "alice", PASSWORD))
        .await;
    assert_eq!(mismatched.status(), StatusCode::FORBIDDEN);
    let signed_in = server
        .raw(sign_in(Some(&cookie), &token, "alice", PASSWORD))
        .await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookies: Vec<&str> = signed_in
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("firebreak_session=") && !c.contains("Secure"))
    );
}

#[tokio::test]
async fn behind_https_every_cookie_is_secure() {
    let mut server = with_user("alice").await;
    server.configure(|state| {
        state.web = WebSettings {
            secure_cookies: true,
            trust_forwarded_for: false,
        }
    });
    let (cookie, token) = login_form(&server).await;
    let signed_in = server
        .raw(sign_in(Some(&cookie), &token, "alice", PASSWORD))
        .await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    for value in signed_in.headers().get_all(header::SET_COOKIE) {
        assert!(value.to_str().unwrap().contains("; Secure"), "{value:?}");
    }
}

#[tokio::test]
async fn a_flood_of_sign_ins_gets_429_with_retry_after_before_any_hash() {
    let mut server = with_user("alice").await;
    server.configure(|state| {
        state.login_limits = Arc::new(LoginLimits::new(
            RateLimit {
                burst: 2,
                refill: Duration::from_secs(30),
            },
            RateLimit {
                burst: 100,
                refill: Duration::from_secs(1),
            },
        ))
    });
    let (cookie, token) = login_form(&server).await;
    for _ in 0..2 {
        let wrong = server
            .raw(sign_in(Some(&cookie), &token, "alice", "wrong password!!"))
            .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let started = Instant::now();
    let limited = server
        .raw(sign_in(Some(&cookie), &token, "alice", PASSWORD))
        .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        started.elapsed() < Duration::from_millis(50),
        "refused before hashing"
    );
    let retry_after: u64 = limited.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    let page = axum::body::to_bytes(limited.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&page).contains("Too many sign-in attempts"));
}

#[tokio::test]
async fn unknown_users_cost_as_much_as_known_ones() {
    let server = with_user("alice").await;
    let (cookie, token) = login_form(&server).await;
    let timing = |user: &'static str| {
        let server = &server;
        let (cookie, token) = (cookie.clone(), token.clone());
        async move {
            let started = Instant::now();
            let answer = server
                .raw(sign_in(Some(&cookie), &token, user, "not the password"))
                .await;
            assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
            started.elapsed()
        }
    };
    // Interleaved, and the fastest of each: other tests share the CPU.
    let (mut known, mut unknown) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        known = known.min(timing("alice").await);
        unknown = unknown.min(timing("mallory").await);
    }
    let ratio = unknown.as_secs_f64() / known.as_secs_f64();
    // Both pay one argon2 verification; without the dummy hash an unknown
    // user answered in well under a tenth of the time.
    assert!(
        ratio > 0.5 && ratio < 2.0,
        "known {known:?}, unknown {unknown:?}"
    );
}

fn session_for(server: &TestServer, user: &str) -> (String, String) {
    let secret = random_secret();
    let csrf = random_secret();
    let session = SessionRecord {
        id_hash: secret_hash(&secret),
        user: user.into(),
        csrf_token: csrf.clone(),
        expires_at: Timestamp::now() + jiff::SignedDuration::from_hours(1),
    };
    server
        .state
        .store
        .create_session(&session, Timestamp::now())
        .unwrap();
    (format!("firebreak_session={secret}"), csrf)
}

async fn change_password(
    server: &TestServer,
    (cookie, csrf): &(String, String),
    user: &str,
    body: serde_json::Value,
) -> StatusCode {
    let request = Request::builder()
        .method(Method::PUT)
        .uri(format!("/api/v1/users/{user}/password"))
        .header(header::COOKIE, cookie)
        .header("x-csrf-token", csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    server.call(request).await.status
}

async fn session_works(server: &TestServer, (cookie, _): &(String, String)) -> bool {
    let request = Request::get("/api/v1/me")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    server.call(request).await.status == StatusCode::OK
}

#[tokio::test]
async fn changing_your_password_needs_the_old_one_and_ends_other_sessions() {
    let server = with_user("alice").await;
    let here = session_for(&server, "alice");
    let elsewhere = session_for(&server, "alice");
    let new = json!({"password": "a brand new passphrase"});
    assert_eq!(
        change_password(&server, &here, "alice", new.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the current password is required"
    );
    let wrong = json!({"password": "a brand new passphrase", "current_password": "not it at all"});
    assert_eq!(
        change_password(&server, &here, "alice", wrong).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(
        session_works(&server, &elsewhere).await,
        "a refused change ends nothing"
    );
    let right = json!({"password": "a brand new passphrase", "current_password": PASSWORD});
    assert_eq!(
        change_password(&server, &here, "alice", right).await,
        StatusCode::NO_CONTENT
    );
    assert!(
        session_works(&server, &here).await,
        "the session that changed it stays"
    );
    assert!(
        !session_works(&server, &elsewhere).await,
        "every other session ends"
    );
}

#[tokio::test]
async fn an_admin_resets_another_users_password_without_the_old_one() {
    let server = with_user("alice").await;
    let alices = session_for(&server, "alice");
    let reset = server
        .api_json(
            Method::PUT,
            "/api/v1/users/alice/password",
            json!({"password": "reset by the admin"}),
        )
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{:?}", reset.body);
    assert!(!session_works(&server, &alices).await);
    let responder = server.token(Role::Responder, firebreak_core::auth::Scope::Write);
    let request = Request::put("/api/v1/users/alice/password")
        .header(header::AUTHORIZATION, format!("Bearer {responder}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"password": "not allowed to do this"}).to_string(),
        ))
        .unwrap();
    assert_eq!(server.call(request).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn forwarded_addresses_count_only_when_the_proxy_is_trusted() {
    let mut server = with_user("alice").await;
    let per_address = |trust: bool| {
        move |state: &mut firebreak_server::state::AppState| {
            state.login_limits = Arc::new(LoginLimits::new(
                RateLimit {
                    burst: 100,
                    refill: Duration::from_secs(1),
                },
                RateLimit {
                    burst: 1,
                    refill: Duration::from_secs(60),
                },
            ));
            state.web.trust_forwarded_for = trust;
        }
    };
    let (cookie, token) = login_form(&server).await;
    let from = |address: &str| {
        let mut request = sign_in(Some(&cookie), &token, "alice", "wrong password!!");
        request.headers_mut().insert(
            "x-forwarded-for",
            format!("203.0.113.9, {address}").parse().unwrap(),
        );
        request
    };
    server.configure(per_address(true));
    assert_eq!(
        server.raw(from("198.51.100.1")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server.raw(from("198.51.100.2")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server.raw(from("198.51.100.1")).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    server.configure(per_address(false));
    assert_eq!(
        server.raw(from("198.51.100.3")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server.raw(from("198.51.100.4")).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "untrusted, the header is ignored: both come from the same peer"
    );
}
