//! The AI system inventory. Every change is sealed onto the system's own audit
//! chain (`system:<slug>`).

use crate::api::page::{PageQuery, Paged};
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use firebreak_core::system::{AiSystem, SystemDetails, SystemPatch, dependents};
use firebreak_core::timeline::Event;
use firebreak_store::system_stream;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RegisterSystem {
    pub slug: String,
    #[serde(flatten)]
    pub details: SystemDetails,
}

/// A system with the systems that depend on it: its blast radius.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemView {
    #[serde(flatten)]
    pub system: AiSystem,
    pub dependents: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/systems", tag = "inventory", params(PageQuery), responses((status = 200, body = Vec<AiSystem>), (status = 400, body = Problem)))]
pub async fn list(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<AiSystem>, ApiError> {
    page.page(state.run(|store| store.list_systems()).await?, &uri)
}

#[utoipa::path(post, path = "/api/v1/systems", tag = "inventory", request_body = RegisterSystem,
    responses((status = 201, body = AiSystem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn register(
    Responder(caller): Responder,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<RegisterSystem>,
) -> Result<(StatusCode, ApiJson<AiSystem>), ApiError> {
    let system = register_system(&state, caller.name(), input).await?;
    Ok((StatusCode::CREATED, ApiJson(system)))
}

pub async fn register_system(
    state: &AppState,
    actor: &str,
    input: RegisterSystem,
) -> Result<AiSystem, ApiError> {
    let actor = actor.to_string();
    state
        .run(move |store| store.register_system(&input.slug, input.details, &actor, now()))
        .await
}

#[utoipa::path(get, path = "/api/v1/systems/{slug}", tag = "inventory", params(("slug" = String, Path)),
    responses((status = 200, body = SystemView), (status = 404, body = Problem)))]
pub async fn show(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<SystemView>, ApiError> {
    Ok(ApiJson(system_view(&state, slug).await?))
}

pub async fn system_view(state: &AppState, slug: String) -> Result<SystemView, ApiError> {
    state
        .run(move |store| {
            let systems = store.list_systems()?;
            let system = store.get_system(&slug)?;
            let graph = systems
                .iter()
                .map(|s| (s.slug.clone(), s.details.depends_on.clone()))
                .collect();
            Ok(SystemView {
                dependents: dependents(&slug, &graph),
                system,
            })
        })
        .await
}

#[utoipa::path(patch, path = "/api/v1/systems/{slug}", tag = "inventory", params(("slug" = String, Path)),
    request_body = SystemPatch,
    responses((status = 200, body = AiSystem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(patch): ApiJson<SystemPatch>,
) -> Result<ApiJson<AiSystem>, ApiError> {
    let actor = caller.name().to_string();
    Ok(ApiJson(
        state
            .run(move |store| store.update_system(&slug, patch, &actor, now()))
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/systems/{slug}/events", tag = "inventory", params(("slug" = String, Path)),
    responses((status = 200, body = Vec<Event>), (status = 404, body = Problem)))]
pub async fn events(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<Vec<Event>>, ApiError> {
    Ok(ApiJson(
        state
            .run(move |store| {
                store.get_system(&slug)?;
                store.events(&system_stream(&slug))
            })
            .await?,
    ))
}
