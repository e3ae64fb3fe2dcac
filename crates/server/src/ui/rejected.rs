//! Errors in place: a form on the incident page that breaks a rule (422) or
//! meets a state conflict (409) gets the same page back, with the message
//! beside the form's fields and what the user typed or chose kept, instead
//! of a bare error page. Other errors (403, 404, …) stay error pages.

use super::CsrfForm;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

/// A refused form: which one (`key`, e.g. `entries` or
/// `containment:scoring`), why, and what it held.
#[derive(Debug)]
pub struct Rejected {
    key: String,
    status: axum::http::StatusCode,
    messages: Vec<String>,
    values: Vec<(String, String)>,
}

impl Rejected {
    /// `error` as a refusal to show in place, or `error` itself.
    pub fn of(error: ApiError, key: String, form: &CsrfForm) -> Result<Rejected, ApiError> {
        let messages = match &error {
            ApiError::Invalid(fields) => fields
                .iter()
                .map(|f| format!("{}: {}", f.field.replace('_', " "), f.message))
                .collect(),
            ApiError::Conflict { message, .. } => vec![message.clone()],
            _ => return Err(error),
        };
        Ok(Rejected {
            key,
            status: error.status(),
            messages,
            values: form
                .0
                .iter()
                .filter(|(name, _)| name != "csrf_token")
                .cloned()
                .collect(),
        })
    }

    /// The status the refused form answers with (422 or 409).
    pub fn status(&self) -> axum::http::StatusCode {
        self.status
    }

    /// Whether form `key` is the one refused.
    pub fn is_for(rejected: Option<&Rejected>, key: &str) -> bool {
        rejected.is_some_and(|r| r.key == key)
    }

    /// What the user sent in `name` of form `key`, if that form was refused.
    pub fn kept<'a>(rejected: Option<&'a Rejected>, key: &str, name: &str) -> Option<&'a str> {
        let rejected = rejected.filter(|r| r.key == key)?;
        rejected
            .values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `value` was chosen in select `name` of the refused form `key`.
    pub fn chose(rejected: Option<&Rejected>, key: &str, name: &str, value: &str) -> bool {
        Self::kept(rejected, key, name) == Some(value)
    }

    /// Whether checkbox `name` with `value` was ticked in the refused form
    /// `key` (a form may send a name several times).
    pub fn ticked(rejected: Option<&Rejected>, key: &str, name: &str, value: &str) -> bool {
        rejected
            .filter(|r| r.key == key)
            .is_some_and(|r| r.values.iter().any(|(n, v)| n == name && v == value))
    }

    /// Every value the refused form `key` sent in `name`, in order.
    pub fn all_kept<'a>(rejected: Option<&'a Rejected>, key: &str, name: &str) -> Vec<&'a str> {
        rejected
            .filter(|r| r.key == key)
            .map(|r| {
                r.values
                    .iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The messages for form `key`, where that form is refused.
    pub fn messages(rejected: Option<&Rejected>, key: &str) -> Markup {
        html! {
            @if let Some(rejected) = rejected.filter(|r| r.key == key) {
                div.error role="alert" id="form-error" {
                    @for message in &rejected.messages { p { (message) } }
                }
            }
        }
    }
}

/// The redirect to `to` when `result` is a success; otherwise the incident
/// page `id` again with form `key` refused in place, or the error page.
pub async fn or_in_place<T>(
    result: Result<T, ApiError>,
    to: impl FnOnce(T) -> String,
    (state, caller, id): (&AppState, &Caller, &str),
    key: String,
    form: &CsrfForm,
) -> Result<Response, ApiError> {
    match result {
        Ok(done) => Ok(Redirect::to(&to(done)).into_response()),
        Err(error) => in_place(error, (state, caller, id), key, form).await,
    }
}

/// The incident page `id` again with form `key` refused in place for
/// `error`, or the error page.
pub async fn in_place(
    error: ApiError,
    (state, caller, id): (&AppState, &Caller, &str),
    key: String,
    form: &CsrfForm,
) -> Result<Response, ApiError> {
    let rejected = Rejected::of(error, key, form)?;
    let page = super::incident_page::incident_page(state, caller, id, Some(&rejected)).await?;
    Ok((rejected.status, page).into_response())
}
