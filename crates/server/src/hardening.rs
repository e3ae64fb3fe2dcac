//! Answers every response gets: browser security headers, and 413 as
//! problem+json whoever refused the body.

use crate::error;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Only our own script file runs (`ui/live.js`, D32; no inline script, no
/// other origin), it may connect only here (its event stream and page
/// fetches), nothing is framed, and forms post only here. Styles may be
/// inline: the pages and the HTML exports carry their own `<style>` and
/// `style` attributes, and CSS cannot run code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
];

pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// Answers every 413 as problem+json, including those of the body-limit layer
/// and of extractors whose rejections are not ours.
pub async fn too_large_as_problem(response: Response) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_problem {
        return error::body_too_large().into_response();
    }
    response
}
