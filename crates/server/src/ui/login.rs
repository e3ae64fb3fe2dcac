//! Signing in and out of the web UI.
//!
//! The login form is protected by a double-submit token: showing the form
//! sets a random `firebreak_login` cookie (HttpOnly, SameSite=Strict, path
//! `/login`) and puts the same value in a hidden field; a sign-in is accepted
//! only when both arrive and agree. Another site can neither read the cookie
//! nor make the browser send it cross-site, so it cannot sign a victim into
//! the attacker's account (login CSRF). No server state is kept for it.
//!
//! Every attempt is counted against the user name and the client address
//! before a password is checked (429 with `Retry-After` past the limit), and
//! checking runs behind the argon2 gate of [`crate::passwords`].

use super::{CsrfForm, bare_page};
use crate::auth::{SESSION_COOKIE, Viewer, cookie, random_secret, secret_hash, session_cookie};
use crate::error::ApiError;
use crate::passwords::check_sign_in;
use crate::state::{AppState, now};
use crate::throttle::ClientAddress;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use firebreak_store::SessionRecord;
use maud::html;

const SESSION_HOURS: i64 = 12;
const LOGIN_CSRF_COOKIE: &str = "firebreak_login";
const LOGIN_CSRF_FIELD: &str = "login_csrf";
/// How long a shown login form stays usable.
const LOGIN_FORM_SECONDS: u32 = 3600;

pub async fn page(State(state): State<AppState>) -> Response {
    form_response(&state, StatusCode::OK, None, None)
}

/// The login form with a fresh double-submit token, with `status` and an
/// optional message (and `Retry-After` when throttled).
fn form_response(
    state: &AppState,
    status: StatusCode,
    error: Option<&str>,
    retry_after: Option<u64>,
) -> Response {
    let token = random_secret();
    let form: Html<String> = bare_page(
        "Sign in",
        html! {
            h1 { "Firebreak" }
            @if let Some(error) = error { p role="alert" class="error" { (error) } }
            form method="post" action="/login" {
                input type="hidden" name=(LOGIN_CSRF_FIELD) value=(token);
                label { "User " input type="text" name="username" autocomplete="username" required autofocus; }
                label { "Password " input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { "Sign in" }
            }
        },
    );
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={token}; {}; Max-Age={LOGIN_FORM_SECONDS}",
        state.web.cookie_attributes("/login")
    );
    let mut response = (status, form).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, seconds.max(1).into());
    }
    response
}

pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| ApiError::bad_request(None, format!("unreadable form: {e}")))?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let sent_token = field(LOGIN_CSRF_FIELD);
    let token_matches = !sent_token.is_empty()
        && cookie(&headers, LOGIN_CSRF_COOKIE).is_some_and(|c| c == sent_token);
    if !token_matches {
        return Ok(form_response(
            &state,
            StatusCode::FORBIDDEN,
            Some("This sign-in form has expired; please sign in again."),
            None,
        ));
    }
    let (username, password) = (field("username"), field("password"));
    let user = match check_sign_in(&state, address, username, password).await {
        Ok(user) => user,
        Err(ApiError::TooManyRequests {
            message,
            retry_after,
        }) => {
            return Ok(form_response(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                Some(&message),
                Some(retry_after.as_secs()),
            ));
        }
        Err(ApiError::SignInRefused) => {
            return Ok(form_response(
                &state,
                StatusCode::UNAUTHORIZED,
                Some("Wrong user name or password"),
                None,
            ));
        }
        Err(other) => return Err(other),
    };
    let secret = random_secret();
    let session = SessionRecord {
        id_hash: secret_hash(&secret),
        user: user.name,
        csrf_token: random_secret(),
        expires_at: now() + jiff::SignedDuration::from_hours(SESSION_HOURS),
    };
    state
        .run(move |store| store.create_session(&session, now()))
        .await?;
    let attributes = state.web.cookie_attributes("/");
    let session_cookie = format!(
        "{SESSION_COOKIE}={secret}; {attributes}; Max-Age={}",
        SESSION_HOURS * 3600
    );
    let spent_form = format!(
        "{LOGIN_CSRF_COOKIE}=; {}; Max-Age=0",
        state.web.cookie_attributes("/login")
    );
    let mut response = Redirect::to("/").into_response();
    for cookie in [session_cookie, spent_form] {
        response.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))?,
        );
    }
    Ok(response)
}

pub async fn sign_out(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, ApiError> {
    let session = session_cookie(request.headers()).map(secret_hash);
    let mut request = request;
    request.extensions_mut().insert(caller);
    CsrfForm::from_request(request, &state).await?;
    if let Some(id_hash) = session {
        state
            .run(move |store| store.delete_session(&id_hash, now()))
            .await?;
    }
    let cleared = format!(
        "{SESSION_COOKIE}=; {}; Max-Age=0",
        state.web.cookie_attributes("/")
    );
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cleared).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}
