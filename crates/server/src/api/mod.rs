//! The JSON API under `/api/v1`, and its OpenAPI 3.1 document generated from
//! the handlers' annotations.

pub mod incidents;
pub mod integrity;
pub mod systems;
pub mod users;

use crate::auth::Viewer;
use crate::error::{ApiJson, Problem};
use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get, post, put};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Firebreak", description = "AI incident response: inventory, incidents, timeline, metrics."),
    paths(
        users::me, users::list, users::create, users::set_password,
        users::create_token, users::list_tokens, users::revoke_token,
        systems::list, systems::register, systems::show, systems::update, systems::events,
        incidents::list, incidents::declare, incidents::show, incidents::edit, incidents::transition,
        incidents::add_entry, incidents::assign, incidents::set_time, incidents::timeline,
        integrity::metrics, integrity::list_checkpoints, integrity::create_checkpoint, integrity::verify_now,
        openapi_document,
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "This document")))]
pub async fn openapi_document(_caller: Viewer) -> ApiJson<utoipa::openapi::OpenApi> {
    ApiJson(ApiDoc::openapi())
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi_document))
        .route("/api/v1/me", get(users::me))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/{name}/password", put(users::set_password))
        .route(
            "/api/v1/tokens",
            get(users::list_tokens).post(users::create_token),
        )
        .route("/api/v1/tokens/{id}", delete(users::revoke_token))
        .route(
            "/api/v1/systems",
            get(systems::list).post(systems::register),
        )
        .route(
            "/api/v1/systems/{slug}",
            get(systems::show).patch(systems::update),
        )
        .route("/api/v1/systems/{slug}/events", get(systems::events))
        .route(
            "/api/v1/incidents",
            get(incidents::list).post(incidents::declare),
        )
        .route(
            "/api/v1/incidents/{id}",
            get(incidents::show).patch(incidents::edit),
        )
        .route(
            "/api/v1/incidents/{id}/transitions",
            post(incidents::transition),
        )
        .route("/api/v1/incidents/{id}/entries", post(incidents::add_entry))
        .route("/api/v1/incidents/{id}/roles", post(incidents::assign))
        .route(
            "/api/v1/incidents/{id}/times/{field}",
            put(incidents::set_time),
        )
        .route("/api/v1/incidents/{id}/timeline", get(incidents::timeline))
        .route("/api/v1/metrics", get(integrity::metrics))
        .route(
            "/api/v1/checkpoints",
            get(integrity::list_checkpoints).post(integrity::create_checkpoint),
        )
        .route("/api/v1/verify", get(integrity::verify_now))
}
