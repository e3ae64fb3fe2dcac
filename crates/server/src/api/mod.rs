//! The JSON API under `/api/v1`, and its OpenAPI 3.1 document generated from
//! the handlers' annotations.

pub mod alerts;
pub mod changes;
pub mod channels;
pub mod control;
pub mod deadlines;
pub mod evidence;
pub mod findings;
pub mod incidents;
pub mod ingest;
pub mod inquiries;
pub mod integrity;
pub mod metrics;
pub mod monitors;
pub mod oncall;
mod openapi;
pub mod page;
pub mod paging;
pub mod postmortems;
pub mod rca;
pub mod recurrence;
pub mod regulatory;
pub mod schemas;
pub mod severity;
pub mod systems;
pub mod updates;
pub mod users;

use crate::auth::Viewer;
use crate::error::{ApiJson, Problem};
use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get, post, put};
pub use openapi::PROBLEM_JSON;
use openapi::{ProblemResponses, UniqueOperationIds};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Firebreak", description = "AI incident response: inventory, incidents, timeline, metrics."),
    paths(
        users::me, users::list, users::create, users::set_password,
        users::create_token, users::list_tokens, users::revoke_token, users::token_from_password,
        systems::list, systems::register, systems::show, systems::update, systems::events,
        incidents::list, incidents::declare, incidents::show, incidents::edit, incidents::transition,
        incidents::add_entry, incidents::assign, incidents::set_time, incidents::timeline,
        recurrence::show_recurrence, recurrence::put_recurrence,
        metrics::metrics, metrics::incident_register, integrity::list_checkpoints, integrity::create_checkpoint, integrity::verify_now,
        control::read, control::stream, control::list, control::set, control::contain,
        control::list_hooks, control::add_hook, control::delete_hook,
        ingest::create_integration, ingest::list_integrations, ingest::revoke_integration, alerts::list_alerts,
        ingest::alertmanager, ingest::pagerduty, ingest::generic,
        rca::list, rca::put, rca::show, rca::svg, rca::put_fmea, rca::show_fmea,
        evidence::upload, evidence::list, evidence::show, evidence::content, evidence::transfer,
        evidence::legal_hold, evidence::dispose, evidence::bundle,
        findings::run, findings::show,
        monitors::create, monitors::list, monitors::show, monitors::pause, monitors::resume,
        monitors::delete, monitors::run, monitors::backfill,
        postmortems::show, postmortems::create_draft, postmortems::edit, postmortems::transition,
        postmortems::sign_off, postmortems::export, postmortems::actions, postmortems::export_actions,
        postmortems::set_status, postmortems::set_check, postmortems::verify,
        postmortems::request_ticket, postmortems::tracker_webhook,
        regulatory::regimes, regulatory::show, regulatory::assess, deadlines::board,
        regulatory::draft, regulatory::show_report, regulatory::edit, regulatory::submit, regulatory::export,
        inquiries::open, inquiries::list, inquiries::show, inquiries::answer, inquiries::submit,
        inquiries::export_pack, inquiries::bundle,
        oncall::list_schedules, oncall::show_schedule, oncall::put_schedule, oncall::delete_schedule,
        oncall::list_policies, oncall::show_policy, oncall::put_policy, oncall::delete_policy,
        oncall::list_teams, oncall::put_team, oncall::delete_team,
        oncall::show_contacts, oncall::put_contacts, oncall::delete_contacts,
        oncall::show_system_policy, oncall::put_system_policy, oncall::delete_system_policy,
        channels::list, channels::show, channels::put, channels::delete,
        paging::on_call, paging::shifts, paging::ical, paging::escalation, paging::acknowledge,
        updates::list, updates::draft, updates::edit, updates::approve, updates::send,
        updates::show_stakeholders, updates::put_stakeholders,
        changes::record, changes::list, changes::show, changes::incident_context,
        changes::put_source, changes::list_sources, changes::delete_source, changes::webhook,
        severity::severity_rubric, severity::assess_severity,
        alerts::link_alert, alerts::acknowledge_alert, alerts::resolve_alert, alerts::declare_from_alert,
        schemas::list_schemas, schemas::show_schema,
        openapi_document,
    ),
    components(schemas(
        Problem,
        postmortems::ActionsFormat,
        crate::export::ExportFormat,
        firebreak_core::regulatory::Question,
        firebreak_core::incident::TimeField,
    )),
    modifiers(&BearerAuth, &ProblemResponses, &UniqueOperationIds),
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
        components.add_security_scheme(
            "integration_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An integration key (fbi_…) from POST /api/v1/integrations",
                    ))
                    .build(),
            ),
        );
    }
}

#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "This document")))]
pub async fn openapi_document(_caller: Viewer) -> ApiJson<utoipa::openapi::OpenApi> {
    ApiJson(ApiDoc::openapi())
}

/// 201 when a PUT made something new, 200 when it replaced what was there
/// (or found it the same).
pub(crate) fn saved_status(created: bool) -> axum::http::StatusCode {
    if created {
        axum::http::StatusCode::CREATED
    } else {
        axum::http::StatusCode::OK
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi_document))
        .route("/api/v1/schemas", get(schemas::list_schemas))
        .route("/api/v1/schemas/{format}", get(schemas::show_schema))
        .route("/api/v1/me", get(users::me))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/{name}/password", put(users::set_password))
        .route(
            "/api/v1/tokens",
            get(users::list_tokens).post(users::create_token),
        )
        .route("/api/v1/tokens/{id}", delete(users::revoke_token))
        .route("/api/v1/sessions/token", post(users::token_from_password))
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
        .route(
            "/api/v1/incidents/{id}/recurrence",
            get(recurrence::show_recurrence).put(recurrence::put_recurrence),
        )
        .route("/api/v1/severity-rubric", get(severity::severity_rubric))
        .route(
            "/api/v1/incidents/{id}/severity-assessment",
            post(severity::assess_severity),
        )
        .route("/api/v1/metrics", get(metrics::metrics))
        .route("/api/v1/metrics/register", get(metrics::incident_register))
        .route(
            "/api/v1/checkpoints",
            get(integrity::list_checkpoints).post(integrity::create_checkpoint),
        )
        .route("/api/v1/verify", get(integrity::verify_now))
        .route("/api/v1/control", get(control::list))
        .route(
            "/api/v1/systems/{slug}/control",
            get(control::read).put(control::set),
        )
        .route(
            "/api/v1/systems/{slug}/control/stream",
            get(control::stream),
        )
        .route(
            "/api/v1/systems/{slug}/hooks",
            get(control::list_hooks).post(control::add_hook),
        )
        .route("/api/v1/hooks/{id}", delete(control::delete_hook))
        .route("/api/v1/incidents/{id}/containment", post(control::contain))
        .route(
            "/api/v1/integrations",
            get(ingest::list_integrations).post(ingest::create_integration),
        )
        .route(
            "/api/v1/integrations/{id}",
            delete(ingest::revoke_integration),
        )
        .route("/api/v1/alerts", get(alerts::list_alerts))
        .route("/api/v1/incidents/{id}/alerts", post(alerts::link_alert))
        .route(
            "/api/v1/alerts/{id}/acknowledge",
            post(alerts::acknowledge_alert),
        )
        .route("/api/v1/alerts/{id}/resolve", post(alerts::resolve_alert))
        .route(
            "/api/v1/alerts/{id}/incident",
            post(alerts::declare_from_alert),
        )
        .route(
            "/api/v1/monitors",
            get(monitors::list).post(monitors::create),
        )
        .route(
            "/api/v1/monitors/{monitor}",
            get(monitors::show).delete(monitors::delete),
        )
        .route("/api/v1/monitors/{monitor}/pause", post(monitors::pause))
        .route("/api/v1/monitors/{monitor}/resume", post(monitors::resume))
        .route("/api/v1/monitors/{monitor}/run", post(monitors::run))
        .route(
            "/api/v1/monitors/{monitor}/backfill",
            post(monitors::backfill),
        )
        .route("/api/v1/ingest/alertmanager", post(ingest::alertmanager))
        .route(
            "/api/v1/ingest/pagerduty/v2/enqueue",
            post(ingest::pagerduty),
        )
        .route("/api/v1/ingest/generic", post(ingest::generic))
        .route("/api/v1/incidents/{id}/rca", get(rca::list))
        .route(
            "/api/v1/incidents/{id}/rca/{kind}/{name}",
            get(rca::show).put(rca::put),
        )
        .route(
            "/api/v1/incidents/{id}/rca/{kind}/{name}/svg",
            get(rca::svg),
        )
        .route(
            "/api/v1/systems/{slug}/fmea/{name}",
            get(rca::show_fmea).put(rca::put_fmea),
        )
        .route(
            "/api/v1/incidents/{id}/evidence/bundle",
            post(evidence::bundle),
        )
        .route(
            "/api/v1/evidence/{ev}",
            get(evidence::show).delete(evidence::dispose),
        )
        .route("/api/v1/evidence/{ev}/content", get(evidence::content))
        .route("/api/v1/evidence/{ev}/transfers", post(evidence::transfer))
        .route(
            "/api/v1/evidence/{ev}/legal-hold",
            put(evidence::legal_hold),
        )
        .route(
            "/api/v1/incidents/{id}/postmortem",
            get(postmortems::show).put(postmortems::edit),
        )
        .route(
            "/api/v1/incidents/{id}/postmortem/draft",
            post(postmortems::create_draft),
        )
        .route(
            "/api/v1/incidents/{id}/postmortem/transitions",
            post(postmortems::transition),
        )
        .route(
            "/api/v1/incidents/{id}/postmortem/sign-offs",
            post(postmortems::sign_off),
        )
        .route(
            "/api/v1/incidents/{id}/postmortem/export",
            get(postmortems::export),
        )
        .route(
            "/api/v1/incidents/{id}/postmortem/actions/{action_id}/status",
            post(postmortems::set_status),
        )
        .route(
            "/api/v1/incidents/{id}/postmortem/actions/{action_id}/check",
            put(postmortems::set_check),
        )
        .route(
            "/api/v1/incidents/{id}/postmortem/actions/{action_id}/verifications",
            post(postmortems::verify),
        )
        .route(
            "/api/v1/incidents/{id}/postmortem/actions/{action_id}/ticket",
            post(postmortems::request_ticket),
        )
        .route("/api/v1/actions", get(postmortems::actions))
        .route("/api/v1/actions/export", get(postmortems::export_actions))
        .route("/api/v1/regimes", get(regulatory::regimes))
        .route(
            "/api/v1/incidents/{id}/regulatory",
            get(regulatory::show).put(regulatory::assess),
        )
        .route("/api/v1/deadlines", get(deadlines::board))
        .route("/api/v1/incidents/{id}/reports", post(regulatory::draft))
        .route(
            "/api/v1/incidents/{id}/reports/{report_id}",
            get(regulatory::show_report).put(regulatory::edit),
        )
        .route(
            "/api/v1/incidents/{id}/reports/{report_id}/export",
            get(regulatory::export),
        )
        .route(
            "/api/v1/incidents/{id}/reports/{report_id}/submission",
            post(regulatory::submit),
        )
        .route(
            "/api/v1/incidents/{id}/inquiries",
            post(inquiries::open).get(inquiries::list),
        )
        .route(
            "/api/v1/incidents/{id}/inquiries/{inquiry}",
            get(inquiries::show),
        )
        .route(
            "/api/v1/incidents/{id}/inquiries/{inquiry}/questions/{n}",
            put(inquiries::answer),
        )
        .route(
            "/api/v1/incidents/{id}/inquiries/{inquiry}/submission",
            post(inquiries::submit),
        )
        .route(
            "/api/v1/incidents/{id}/inquiries/{inquiry}/pack",
            get(inquiries::export_pack),
        )
        .route(
            "/api/v1/incidents/{id}/inquiries/{inquiry}/bundle",
            post(inquiries::bundle),
        )
        .route("/api/v1/incidents/{id}/findings", post(findings::run))
        .route("/api/v1/incidents/{id}/findings/{seq}", get(findings::show))
        .merge(oncall_routes())
        .merge(change_routes())
}

/// Changes on systems, their webhook sources and an incident's context.
fn change_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/changes", get(changes::list).post(changes::record))
        .route("/api/v1/changes/{change_id}", get(changes::show))
        .route(
            "/api/v1/changes/webhooks/{source_slug}",
            post(changes::webhook),
        )
        .route(
            "/api/v1/trackers/{channel_slug}/webhook",
            post(postmortems::tracker_webhook),
        )
        .route("/api/v1/change-sources", get(changes::list_sources))
        .route(
            "/api/v1/change-sources/{source_slug}",
            put(changes::put_source).delete(changes::delete_source),
        )
        .route(
            "/api/v1/incidents/{id}/context",
            get(changes::incident_context),
        )
}

/// On-call configuration, paging and stakeholder updates.
fn oncall_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/oncall", get(paging::on_call))
        .route("/api/v1/oncall/schedules", get(oncall::list_schedules))
        .route(
            "/api/v1/oncall/schedules/{schedule_slug}",
            get(oncall::show_schedule)
                .put(oncall::put_schedule)
                .delete(oncall::delete_schedule),
        )
        .route(
            "/api/v1/oncall/schedules/{schedule_slug}/shifts",
            get(paging::shifts),
        )
        .route("/api/v1/oncall/policies", get(oncall::list_policies))
        .route(
            "/api/v1/oncall/policies/{policy_slug}",
            get(oncall::show_policy)
                .put(oncall::put_policy)
                .delete(oncall::delete_policy),
        )
        .route("/api/v1/oncall/channels", get(channels::list))
        .route(
            "/api/v1/oncall/channels/{channel_slug}",
            get(channels::show)
                .put(channels::put)
                .delete(channels::delete),
        )
        .route("/api/v1/oncall/teams", get(oncall::list_teams))
        .route(
            "/api/v1/oncall/teams/{team_slug}",
            put(oncall::put_team).delete(oncall::delete_team),
        )
        .route(
            "/api/v1/users/{name}/contact",
            get(oncall::show_contacts)
                .put(oncall::put_contacts)
                .delete(oncall::delete_contacts),
        )
        .route("/api/v1/users/{name}/oncall.ics", get(paging::ical))
        .route(
            "/api/v1/systems/{slug}/escalation-policy",
            get(oncall::show_system_policy)
                .put(oncall::put_system_policy)
                .delete(oncall::delete_system_policy),
        )
        .route(
            "/api/v1/incidents/{id}/acknowledge",
            post(paging::acknowledge),
        )
        .route("/api/v1/incidents/{id}/escalation", get(paging::escalation))
        .route(
            "/api/v1/systems/{slug}/stakeholders",
            get(updates::show_stakeholders).put(updates::put_stakeholders),
        )
        .route(
            "/api/v1/incidents/{id}/updates",
            get(updates::list).post(updates::draft),
        )
        .route(
            "/api/v1/incidents/{id}/updates/{update_id}",
            put(updates::edit),
        )
        .route(
            "/api/v1/incidents/{id}/updates/{update_id}/approve",
            post(updates::approve),
        )
        .route(
            "/api/v1/incidents/{id}/updates/{update_id}/send",
            post(updates::send),
        )
}
