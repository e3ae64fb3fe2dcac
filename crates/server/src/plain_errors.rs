//! The last guard of D17: extractors that the handlers do not wrap (a path
//! segment that does not parse, a multipart body without a boundary) answer
//! in plain text. This layer turns any such error answer of the API into
//! problem+json with the same status and message, so no client meets an
//! error in another format. Web pages and upstream-format answers keep theirs.

use crate::api::PROBLEM_JSON;
use crate::error::Problem;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The longest plain-text error body carried over; rejections are one line.
const MAX_MESSAGE: usize = 4096;

pub async fn as_problems(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !api || !plain || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let message = match axum::body::to_bytes(response.into_body(), MAX_MESSAGE).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => status
            .canonical_reason()
            .unwrap_or("request refused")
            .to_string(),
    };
    let problem = Problem {
        problem_type: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("Error").into(),
        status: status.as_u16(),
        detail: message,
        errors: Vec::new(),
        allowed: Vec::new(),
    };
    let mut answer = (status, axum::Json(problem)).into_response();
    answer
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    answer
}
