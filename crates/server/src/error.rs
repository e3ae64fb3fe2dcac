//! One error type for every handler, answered as RFC 9457 problem+json (D17).
//! Store and domain errors map to HTTP statuses here and nowhere else.

use crate::strict_json::StrictJson;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FormRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use firebreak_core::{DomainError, FieldError};
use firebreak_store::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest {
        message: String,
        field: Option<String>,
    },
    #[error("authentication required")]
    Unauthorized,
    /// A sign-in with a password that was refused; the same for an unknown
    /// user, so the answer tells nobody which names exist.
    #[error("wrong user name or password")]
    SignInRefused,
    /// A webhook delivery whose signature or token does not match its
    /// source's secret (or whose source does not exist): nothing is read.
    #[error("the delivery's signature does not verify against the source's secret")]
    SignatureRefused,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict {
        message: String,
        allowed: Vec<String>,
    },
    #[error("{}", DomainError::Invalid(.0.clone()))]
    Invalid(Vec<FieldError>),
    /// A body that does not parse, with every field at fault (400): the
    /// required fields missing from a documented input format, all at once.
    #[error("{}", DomainError::Invalid(.0.clone()))]
    Malformed(Vec<FieldError>),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Answered with `Retry-After` in whole seconds.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after: std::time::Duration,
    },
    /// The database or the evidence store is unreachable, or every
    /// connection busy: answered 503 with `Retry-After`, and nothing was
    /// written.
    #[error("storage is unavailable; retry shortly")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
}

/// How long a client should wait before retrying while the database is away.
const UNAVAILABLE_RETRY_SECONDS: u64 = 2;

/// The problem+json body. `errors` names each field that broke a rule.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For 409 on a transition: the transitions that are allowed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

impl ApiError {
    pub fn bad_request(field: Option<&str>, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            field: field.map(str::to_string),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } | ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized | ApiError::SignInRefused | ApiError::SignatureRefused => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        let (errors, allowed) = match self {
            ApiError::Invalid(errors) | ApiError::Malformed(errors) => (errors.clone(), vec![]),
            ApiError::BadRequest {
                message,
                field: Some(field),
            } => (vec![FieldError::new(field, message)], vec![]),
            ApiError::Conflict { allowed, .. } => (vec![], allowed.clone()),
            _ => (vec![], vec![]),
        };
        Problem {
            problem_type: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: self.to_string(),
            errors,
            allowed,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            // The detail may hold paths or SQL; it goes to the log, not the client.
            ApiError::Internal(detail) => tracing::error!(%detail, "internal error"),
            ApiError::Unavailable(detail) => tracing::warn!(%detail, "storage unavailable"),
            _ => {}
        }
        let mut response = (self.status(), Json(self.problem())).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            "application/problem+json".parse().expect("static header"),
        );
        if let ApiError::TooManyRequests { retry_after, .. } = &self {
            let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.max(1).into());
        }
        if matches!(self, ApiError::Unavailable(_)) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, UNAVAILABLE_RETRY_SECONDS.into());
        }
        if matches!(self, ApiError::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                "Bearer realm=\"firebreak\"".parse().expect("static header"),
            );
        }
        response
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Invalid(errors) => ApiError::Invalid(errors),
            DomainError::Conflict { message, allowed } => ApiError::Conflict { message, allowed },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            StoreError::AlreadyExists(what) => ApiError::Conflict {
                message: format!("{what} already exists"),
                allowed: vec![],
            },
            StoreError::Domain(domain) => domain.into(),
            StoreError::Unavailable(why) | StoreError::BlobsUnavailable(why) => {
                ApiError::Unavailable(why)
            }
            StoreError::Backend(_) | StoreError::Corrupt(_) | StoreError::Setting(_) => {
                ApiError::Internal(error.to_string())
            }
        }
    }
}

/// Splits serde's "path: message" so the problem names the field.
fn field_of(detail: &str) -> (Option<String>, String) {
    match detail.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') && path != "." => {
            (Some(path.to_string()), rest.to_string())
        }
        _ => (None, detail.to_string()),
    }
}

/// The answer to a body over the route's limit.
pub fn body_too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "the request body is larger than the limit of {} bytes",
        crate::limits::BODY_LIMIT_BYTES
    ))
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return body_too_large();
        }
        let detail = rejection.body_text();
        let detail = detail
            .strip_prefix("Failed to deserialize the JSON body into the target type: ")
            .unwrap_or(&detail);
        let (field, message) = field_of(detail);
        ApiError::BadRequest {
            message: match &field {
                Some(f) => format!("{f}: {message}"),
                None => message,
            },
            field,
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(None, rejection.body_text())
    }
}

impl From<FormRejection> for ApiError {
    fn from(rejection: FormRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return body_too_large();
        }
        ApiError::bad_request(None, rejection.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return body_too_large();
        }
        ApiError::bad_request(None, rejection.body_text())
    }
}

/// `Json` whose rejections answer problem+json naming the field, and whose
/// every string is held to its length limit (422 naming the field).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::bad_request(
                None,
                "Expected request with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(request, state).await?;
        let raw: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(None, format!("the body is not JSON: {e}")))?;
        crate::limits::check_json_texts(&raw)?;
        Ok(ApiJson(decode(&raw)?))
    }
}

/// A checked body read as `T`, structs only from objects.
fn decode<T: DeserializeOwned>(raw: &serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(StrictJson(raw)).map_err(|error| {
        let field = error.path().to_string();
        let message = error.into_inner().to_string();
        if field == "." {
            ApiError::bad_request(None, message)
        } else {
            ApiError::BadRequest {
                message: format!("{field}: {message}"),
                field: Some(field),
            }
        }
    })
}

/// [`ApiJson`] for a documented input format (`/api/v1/schemas`): a body
/// that lacks required fields is answered 400 naming every one of them,
/// where serde alone would name the first.
#[derive(Debug, Clone, Copy, Default)]
pub struct FormatJson<T>(pub T);

impl<T: DeserializeOwned + utoipa::ToSchema, S: Send + Sync> FromRequest<S> for FormatJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let ApiJson(raw) = ApiJson::<serde_json::Value>::from_request(request, state).await?;
        let missing = crate::schema::Schema::of::<T>().missing(&raw);
        if !missing.is_empty() {
            return Err(ApiError::Malformed(
                missing
                    .into_iter()
                    .map(|path| FieldError::new(path, crate::schema::MISSING))
                    .collect(),
            ));
        }
        Ok(FormatJson(decode(&raw)?))
    }
}

/// `application/json` or any `application/…+json`, as `axum::Json` accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.split_once('/').is_some_and(|(kind, subtype)| {
        kind.eq_ignore_ascii_case("application")
            && (subtype.eq_ignore_ascii_case("json")
                || subtype.to_ascii_lowercase().ends_with("+json"))
    })
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// `Query` whose rejections answer problem+json.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);
