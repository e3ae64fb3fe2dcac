//! The severity rubric and assessing an incident with it.

use crate::api::incidents::{IncidentView, change_incident, incident_number};
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiJson, Problem};
use crate::state::AppState;
use axum::extract::{Path, State};
use firebreak_core::incident::Incident;
use firebreak_core::severity::{self, Rubric, SeverityAssessmentRequest};

#[utoipa::path(get, path = "/api/v1/severity-rubric", tag = "incidents",
    responses((status = 200, body = Rubric)))]
pub async fn severity_rubric(_caller: Viewer, State(state): State<AppState>) -> ApiJson<Rubric> {
    ApiJson(Rubric::clone(&state.rubric))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/severity-assessment", tag = "incidents",
    request_body = SeverityAssessmentRequest,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = IncidentView, description = "The incident, its `severity_assessment` holding the suggestion"),
        (status = 404, body = Problem),
        (status = 422, body = Problem, description = "An answer missing or not in the rubric, or another severity than the suggested one without a rationale")))]
pub async fn assess_severity(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SeverityAssessmentRequest>,
) -> Result<ApiJson<IncidentView>, ApiError> {
    let incident = apply_assessment(&state, &id, caller.name(), request).await?;
    Ok(ApiJson(incident.into()))
}

/// Assesses incident `id` with the configured rubric: the one workflow
/// behind the API and the web UI's form.
pub async fn apply_assessment(
    state: &AppState,
    id: &str,
    actor: &str,
    request: SeverityAssessmentRequest,
) -> Result<Incident, ApiError> {
    let number = incident_number(id)?;
    let actor = actor.to_string();
    let rubric = state.rubric.clone();
    change_incident(state, number, move |incident, _, at| {
        severity::assess(incident, &rubric, request.clone(), &actor, at)
    })
    .await
}
