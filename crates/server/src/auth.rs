//! Authentication and authorization as extractors, so no handler can forget
//! them. A request is authenticated by a bearer token (CLI, integrations) or by
//! a session cookie (browser); the role floor of a route is the extractor's type.
//! Read-scoped tokens are refused on every method that changes state.

use crate::error::ApiError;
use crate::state::{AppState, now};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use firebreak_core::auth::{Role, Scope, permits};
use firebreak_core::timeline::sha256_hex;
use firebreak_store::User;

pub const SESSION_COOKIE: &str = "firebreak_session";
pub const TOKEN_PREFIX: &str = "fbk_";

/// Who is calling, and how.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub scope: Scope,
    /// The session's CSRF token when the caller came with a browser session.
    pub csrf_token: Option<String>,
}

impl Caller {
    pub fn name(&self) -> &str {
        &self.user.name
    }
}

pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the operating system provides randomness");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Token and session secrets are high-entropy, so one SHA-256 is enough (D15);
/// argon2id is for passwords only.
pub fn secret_hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// The browser session secret from the request's cookies.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name` from the request's cookies.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?
            .trim()
            .to_string();
        let hash = secret_hash(&secret);
        if let Some(caller) = state.caches.token(&hash) {
            return Ok(caller);
        }
        let lookup = hash.clone();
        let found = state.run(move |store| store.find_token(&lookup)).await?;
        return match found {
            Some((token, user)) if token.is_usable(now()) => {
                let caller = Caller {
                    user,
                    scope: token.scope,
                    csrf_token: None,
                };
                state
                    .caches
                    .remember_token(hash, caller.clone(), token.expires_at);
                Ok(caller)
            }
            _ => Err(ApiError::Unauthorized),
        };
    }
    if let Some(session) = session_cookie(&parts.headers) {
        let hash = secret_hash(session);
        let found = state
            .run(move |store| store.find_session(&hash, now()))
            .await?;
        if let Some((session, user)) = found {
            let caller = Caller {
                user,
                scope: Scope::Write,
                csrf_token: Some(session.csrf_token),
            };
            // Browser sessions on the JSON API must prove same origin for writes;
            // forms carry the token in a field, checked by `CsrfForm`.
            let is_api = parts.uri.path().starts_with("/api/");
            if is_api && is_mutating(&parts.method) {
                let sent = parts
                    .headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok());
                if sent != caller.csrf_token.as_deref() {
                    return Err(ApiError::Forbidden(
                        "missing or wrong X-CSRF-Token header".into(),
                    ));
                }
            }
            return Ok(caller);
        }
    }
    Err(ApiError::Unauthorized)
}

pub fn is_mutating(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

async fn require(parts: &mut Parts, state: &AppState, floor: Role) -> Result<Caller, ApiError> {
    let caller = match parts.extensions.get::<Caller>() {
        Some(caller) => caller.clone(),
        None => {
            let caller = authenticate(parts, state).await?;
            parts.extensions.insert(caller.clone());
            caller
        }
    };
    if permits(
        caller.user.role,
        caller.scope,
        floor,
        is_mutating(&parts.method),
    ) {
        Ok(caller)
    } else if caller.scope == Scope::Read && caller.user.role >= floor {
        Err(ApiError::Forbidden("this token is read-only".into()))
    } else {
        Err(ApiError::Forbidden(format!(
            "this needs the {floor} role or above"
        )))
    }
}

macro_rules! role_extractor {
    ($name:ident, $role:expr, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(pub Caller);

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;
            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                require(parts, state, $role).await.map($name)
            }
        }
    };
}

role_extractor!(Viewer, Role::Viewer, "Any signed-in user.");

/// Any authenticated caller, including tokens scoped to control reads only:
/// what serving code uses to read kill switches.
pub struct ControlReader(pub Caller);

impl FromRequestParts<AppState> for ControlReader {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = authenticate(parts, state).await?;
        if is_mutating(&parts.method) {
            return Err(ApiError::Forbidden("control reads are read-only".into()));
        }
        Ok(ControlReader(caller))
    }
}
role_extractor!(Responder, Role::Responder, "Responders and above.");
role_extractor!(Commander, Role::Commander, "Commanders and admins.");
role_extractor!(Admin, Role::Admin, "Admins only.");
