//! Alerts as Firebreak holds them: the list, linking one to an incident by
//! a person's choice (a proposal of an alert upstream taken), declaring an
//! incident from one, and a person acknowledging or resolving one.

use crate::api::incidents::IncidentView;
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use firebreak_core::alert::{Alert, AlertStatus};
use firebreak_core::incident::DeclareIncident;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Only alerts not yet resolved.
    #[serde(default)]
    pub open: bool,
    /// 1 to 500, default 100.
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertQuery), responses((status = 200, body = Vec<Alert>)))]
pub async fn list_alerts(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AlertQuery>,
) -> Result<ApiJson<Vec<Alert>>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            Some("limit"),
            "must be between 1 and 500",
        ));
    }
    Ok(ApiJson(
        state
            .run(move |store| store.alerts(query.open, limit))
            .await?,
    ))
}

/// Links an alert to an incident: a proposal of an alert upstream taken.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkAlert {
    pub alert_id: u64,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/alerts", tag = "alerts", request_body = LinkAlert,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = Alert), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The alert already belongs to an incident")))]
pub async fn link_alert(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<LinkAlert>,
) -> Result<ApiJson<Alert>, ApiError> {
    Ok(ApiJson(
        apply_alert_link(&state, &id, request.alert_id, caller.name()).await?,
    ))
}

/// Links alert `alert_id` to incident `id`: the one workflow behind the
/// API and the incident page's "Link" button.
pub async fn apply_alert_link(
    state: &AppState,
    id: &str,
    alert_id: u64,
    actor: &str,
) -> Result<Alert, ApiError> {
    let number = crate::api::incidents::incident_number(id)?;
    let actor = actor.to_string();
    state
        .run(move |store| store.link_alert(alert_id, number, &actor, now()))
        .await
}

#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", tag = "alerts",
    params(("id" = u64, Path, description = "The alert's number")),
    responses((status = 200, body = Alert), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The alert is not firing")))]
pub async fn acknowledge_alert(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<u64>,
) -> Result<ApiJson<Alert>, ApiError> {
    Ok(ApiJson(
        apply_alert_status(&state, id, AlertStatus::Acknowledged, caller.name()).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/alerts/{id}/resolve", tag = "alerts",
    params(("id" = u64, Path, description = "The alert's number")),
    responses((status = 200, body = Alert), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The alert is resolved already")))]
pub async fn resolve_alert(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<u64>,
) -> Result<ApiJson<Alert>, ApiError> {
    Ok(ApiJson(
        apply_alert_status(&state, id, AlertStatus::Resolved, caller.name()).await?,
    ))
}

/// A person acknowledges or resolves alert `id`: the one workflow behind
/// the API and the alerts page.
pub async fn apply_alert_status(
    state: &AppState,
    id: u64,
    status: AlertStatus,
    actor: &str,
) -> Result<Alert, ApiError> {
    let actor = actor.to_string();
    state
        .run(move |store| store.set_alert_status(id, status, &actor, now()))
        .await
}

/// Declares an incident from alert `id` and links the alert to it, in one
/// transaction.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/incident", tag = "alerts", request_body = DeclareIncident,
    params(("id" = u64, Path, description = "The alert's number")),
    responses((status = 201, body = IncidentView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The alert already belongs to an incident"),
        (status = 422, body = Problem)))]
pub async fn declare_from_alert(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<u64>,
    ApiJson(input): ApiJson<DeclareIncident>,
) -> Result<(StatusCode, ApiJson<IncidentView>), ApiError> {
    let incident = apply_declare_from_alert(&state, id, input, caller.name()).await?;
    Ok((StatusCode::CREATED, ApiJson(incident.into())))
}

/// Declares an incident from alert `id`: the one workflow behind the API
/// and the alerts page.
pub async fn apply_declare_from_alert(
    state: &AppState,
    id: u64,
    input: DeclareIncident,
    actor: &str,
) -> Result<firebreak_core::incident::Incident, ApiError> {
    let actor = actor.to_string();
    let (incident, _) = state
        .run(move |store| store.declare_from_alert(id, input, &actor, now()))
        .await?;
    Ok(incident)
}
