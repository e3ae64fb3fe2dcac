//! Checkpoints and verification over the API.

use crate::api::page::{PageQuery, Paged};
use crate::auth::{Commander, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use firebreak_core::checkpoint::Checkpoint;
use firebreak_core::verify::{Anchors, VerifyReport, check_evidence, verify};
use serde::Deserialize;
use utoipa::IntoParams;

#[utoipa::path(get, path = "/api/v1/checkpoints", tag = "integrity", params(PageQuery), responses((status = 200, body = Vec<Checkpoint>), (status = 400, body = Problem)))]
pub async fn list_checkpoints(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<Checkpoint>, ApiError> {
    page.page(state.run(|store| store.checkpoints()).await?, &uri)
}

#[utoipa::path(post, path = "/api/v1/checkpoints", tag = "integrity",
    responses((status = 201, body = Checkpoint)))]
pub async fn create_checkpoint(
    Commander(caller): Commander,
    State(state): State<AppState>,
) -> Result<(StatusCode, ApiJson<Checkpoint>), ApiError> {
    let reason = format!("on demand by {}", caller.name());
    state.checkpoint(reason, true).await?;
    let mut all = state.run(|store| store.checkpoints()).await?;
    let latest = all
        .pop()
        .ok_or_else(|| ApiError::Internal("checkpoint vanished".into()))?;
    Ok((StatusCode::CREATED, ApiJson(latest)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// Skip hashing every evidence item's content (a fast check of the
    /// record alone).
    #[serde(default)]
    pub skip_blobs: bool,
}

/// Verification by the server itself, pinned to its own key. For an audit that
/// does not trust the server, run `firebreak verify --data-dir` on the files
/// with a key and a witness copy obtained elsewhere.
#[utoipa::path(get, path = "/api/v1/verify", tag = "integrity", params(VerifyQuery),
    responses((status = 200, body = VerifyReport), (status = 400, body = Problem)))]
pub async fn verify_now(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<VerifyQuery>,
) -> Result<ApiJson<VerifyReport>, ApiError> {
    let fingerprint = state.signer.fingerprint();
    let ledger = state.run(|store| store.ledger()).await?;
    let blobs = state.blobs.clone();
    let report = tokio::task::spawn_blocking(move || {
        let anchors = Anchors {
            pinned_fingerprint: Some(&fingerprint),
            witnessed: None,
        };
        let mut report = verify(&ledger, anchors);
        if !query.skip_blobs {
            check_evidence(&ledger, &mut report, |sha256| blobs.check(sha256));
        }
        report
    })
    .await
    .map_err(|e| ApiError::Internal(format!("verification did not finish: {e}")))?;
    Ok(ApiJson(report))
}
