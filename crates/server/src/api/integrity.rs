//! Metrics, checkpoints and verification over the API.

use crate::api::page::{PageQuery, Paged};
use crate::auth::{Commander, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use firebreak_core::Timestamp;
use firebreak_core::checkpoint::Checkpoint;
use firebreak_core::incident::Severity;
use firebreak_core::metrics::{self, GroupBy, MetricsFilter, MetricsReport};
use firebreak_core::regulatory::RegimeTable;
use firebreak_core::verify::{Anchors, VerifyReport, check_evidence, verify};
use firebreak_store::DocumentKind;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// all (default), severity, system, month, week, detection_source or
    /// found_by (monitoring or people).
    pub group_by: Option<GroupBy>,
    /// Only incidents detected at or after this moment.
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<Timestamp>,
    /// Only incidents detected before this moment.
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<Timestamp>,
    pub severity: Option<Severity>,
    pub system: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/metrics", tag = "metrics", params(MetricsQuery),
    responses((status = 200, body = MetricsReport), (status = 400, body = Problem)))]
pub async fn metrics(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<MetricsQuery>,
) -> Result<ApiJson<MetricsReport>, ApiError> {
    Ok(ApiJson(compute_metrics(&state, query).await?))
}

pub async fn compute_metrics(
    state: &AppState,
    query: MetricsQuery,
) -> Result<MetricsReport, ApiError> {
    let (incidents, records) = state
        .run(|store| {
            Ok((
                store.all_incidents()?,
                store.documents(DocumentKind::Regulatory)?,
            ))
        })
        .await?;
    let mut notifications = metrics::NotificationDelays::new();
    for (incident, document) in records {
        let record = crate::api::regulatory::record_of(Some(&document))?;
        notifications.insert(
            incident.number,
            record.notification_delays(&incident, RegimeTable::builtin()),
        );
    }
    let filter = MetricsFilter {
        from: query.from,
        to: query.to,
        severity: query.severity,
        system: query.system,
    };
    Ok(metrics::compute(
        &incidents,
        &notifications,
        &filter,
        query.group_by.unwrap_or_default(),
    ))
}

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
