//! The signed one-time acknowledgement link of a page message
//! (`/ack/{token}`, see [`firebreak_core::oncall::AckClaim`]). The token is
//! the credential: no session is asked for. GET only shows what the link
//! would do and a button, so a mail scanner or a link preview that fetches
//! it acknowledges nothing; POST takes the page as the paged user, on the
//! timeline as acknowledged `via: link`. A used, expired or forged link
//! gets a page saying so (409, 403, 400), and so does the link of a user
//! who was removed or is no longer a responder (403).

use super::{PageResult, bare_page};
use crate::api::paging::acknowledge_page;
use crate::error::ApiError;
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use firebreak_core::DomainError;
use firebreak_core::auth::Role;
use firebreak_core::oncall::{AckClaim, AckLinkError, AckVia};
use maud::html;

/// The link's claim, if this server signed it, it has not expired and its
/// user may still acknowledge (the API's floor: responder).
async fn read(state: &AppState, token: &str) -> Result<AckClaim, ApiError> {
    let claim = AckClaim::verify(token, &state.signer.public_key_hex(), now()).map_err(
        |error| match error {
            AckLinkError::Malformed(_) => ApiError::BadRequest {
                message: error.to_string(),
                field: Some("token".into()),
            },
            AckLinkError::Forged | AckLinkError::Expired(_) => {
                ApiError::Forbidden(error.to_string())
            }
        },
    )?;
    let name = claim.user.clone();
    let user = state.run(move |store| store.find_user(&name)).await?;
    match user {
        Some(user) if user.role >= Role::Responder => Ok(claim),
        _ => Err(ApiError::Forbidden(format!(
            "{} may no longer acknowledge pages",
            claim.user
        ))),
    }
}

/// What the link would acknowledge, with the button that does it.
pub async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> PageResult {
    let claim = read(&state, &token).await?;
    let number = claim.incident;
    let incident = state.run(move |store| store.get_incident(number)).await?;
    if let Some(at) = incident.times.acknowledged_at {
        return Err(DomainError::Conflict {
            message: format!(
                "{} was already acknowledged at {at}: this link can no longer be used",
                incident.public_id()
            ),
            allowed: vec![],
        }
        .into());
    }
    let id = incident.public_id();
    Ok(bare_page(
        &format!("Acknowledge {id}"),
        html! {
            h1 { "Acknowledge " (id) }
            p { strong { (incident.severity.as_str().to_uppercase()) } " " (incident.title) }
            p {
                "You, " strong { (claim.user) } ", were paged by escalation level "
                (claim.step.level + 1) ". Acknowledging stops the escalation: nobody else is paged."
            }
            form method="post" { button type="submit" { "Acknowledge as " (claim.user) } }
        },
    ))
}

/// Takes the page as the paged user.
pub async fn take(State(state): State<AppState>, Path(token): Path<String>) -> PageResult {
    let claim = read(&state, &token).await?;
    let incident = acknowledge_page(&state, &claim.user, AckVia::Link, claim.incident).await?;
    Ok(bare_page(
        &format!("Acknowledged {}", incident.id),
        html! {
            h1 { "Acknowledged " (incident.id) }
            p role="status" { "Thank you, " (claim.user) ": escalation has stopped." }
            p { a href={ "/incidents/" (incident.id) } { "Open the incident" } }
        },
    ))
}
