//! Personal access tokens in the browser: a signed-in user lists, creates
//! and revokes their own (an admin sees everyone's), through the same
//! workflows as `/api/v1/tokens`. A new token's secret is on the answer to
//! the form that created it and nowhere else.

use super::{CsrfForm, PageResult, csrf_field, format_time, page};
use crate::api::users::{
    CreatedToken, NewToken, issue_token, revoke_visible_token, visible_tokens,
};
use crate::auth::{Caller, Viewer};
use crate::error::ApiError;
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::response::Redirect;
use firebreak_core::auth::{Role, Scope};
use maud::html;

pub async fn list(Viewer(caller): Viewer, State(state): State<AppState>) -> PageResult {
    render(&state, &caller, None).await
}

pub async fn create(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    form: CsrfForm,
) -> PageResult {
    let scope = form
        .get("scope")
        .unwrap_or("write")
        .parse::<Scope>()
        .map_err(|e| ApiError::invalid("scope", e))?;
    let expires_in_days = form
        .get("expires_in_days")
        .map(|days| {
            days.parse::<u32>()
                .map_err(|_| ApiError::invalid("expires_in_days", "must be a whole number of days"))
        })
        .transpose()?;
    let input = NewToken {
        description: form.required("description")?.to_string(),
        scope,
        expires_in_days,
    };
    let created = issue_token(&state, caller.name(), input).await?;
    render(&state, &caller, Some(created)).await
}

pub async fn revoke(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    _form: CsrfForm,
) -> Result<Redirect, ApiError> {
    revoke_visible_token(&state, &caller, id).await?;
    Ok(Redirect::to("/tokens"))
}

async fn render(state: &AppState, caller: &Caller, created: Option<CreatedToken>) -> PageResult {
    let tokens = visible_tokens(state, caller).await?;
    let admin = caller.user.role == Role::Admin;
    let now = now();
    Ok(page(
        caller,
        "Tokens",
        html! {
            h1 { "Access tokens" }
            p { "Tokens let the command line and scripts act as you: "
                code { "FIREBREAK_TOKEN" } " or " code { "firebreak login" } ". "
                @if admin { "As an admin you see everyone's." } }
            @if let Some(created) = &created {
                section.created aria-label="New token" role="status" {
                    h2 { "Token created: " (created.token.description) }
                    p { "Copy it now: it is not shown again." }
                    p { code #new-secret { (created.secret) } }
                }
            }
            table #tokens {
                thead { tr {
                    th { "Description" } @if admin { th { "User" } } th { "Scope" }
                    th { "Created" } th { "Expires" } th { "State" } th { "Revoke" }
                } }
                tbody { @for token in &tokens {
                    tr data-token=(token.id) {
                        td { (token.description) br; code.hash { (token.id) } }
                        @if admin { td { (token.user) } }
                        td { (token.scope.as_str()) }
                        td { (format_time(Some(token.created_at))) }
                        td { @if token.expires_at.is_some() { (format_time(token.expires_at)) } @else { "never" } }
                        td { @if let Some(at) = token.revoked_at { "revoked " (format_time(Some(at))) }
                             @else if token.is_usable(now) { "active" } @else { "expired" } }
                        td { @if token.revoked_at.is_none() {
                            form method="post" action={ "/tokens/" (token.id) "/revoke" } {
                                (csrf_field(caller))
                                button type="submit" aria-label={ "Revoke " (token.description) } { "Revoke" }
                            }
                        } }
                    }
                } }
            }
            @if tokens.is_empty() { p { "No tokens yet." } }
            form method="post" action="/tokens" {
                (csrf_field(caller))
                fieldset {
                    legend { "New token" }
                    label { "What it is for " input type="text" name="description" required placeholder="scoring service"; }
                    label { "Scope "
                        select name="scope" {
                            option value="write" { "write: everything your role allows" }
                            option value="read" { "read: reading only" }
                            option value="control_read" { "control_read: kill-switch reads only, for serving code" }
                        }
                    }
                    label { "Expires after (days; empty for never) " input type="number" name="expires_in_days" min="1" value="90"; }
                    button type="submit" { "Create token" }
                }
            }
        },
    ))
}
