//! On-call configuration: schedules, escalation policies, teams, each
//! user's contact methods and each system's policy. The store validates
//! every entry with `firebreak_core::oncall` and seals each change on the
//! entry's chain (`oncall:<kind>:<slug>`).

use crate::api::page::{PageQuery, Paged};
use crate::api::saved_status;
use crate::auth::{Commander, Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use firebreak_core::auth::Role;
use firebreak_core::oncall::{ContactMethods, EscalationPolicy, Schedule, Team};
use firebreak_store::{OncallConfig, OncallEntry, OncallKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Refuses a body whose slug is not the one in the path.
fn same_slug(path: &str, body: &str) -> Result<(), ApiError> {
    if path == body {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "slug",
            format!("must be \"{path}\", as in the path"),
        ))
    }
}

async fn config(state: &AppState) -> Result<OncallConfig, ApiError> {
    state.run(|store| store.oncall()).await
}

async fn save(state: &AppState, actor: &str, entry: OncallEntry) -> Result<StatusCode, ApiError> {
    let actor = actor.to_string();
    let created = state
        .run(move |store| store.save_oncall(&entry, &actor, now()))
        .await?;
    Ok(saved_status(created))
}

async fn remove(
    state: &AppState,
    actor: &str,
    kind: OncallKind,
    slug: String,
) -> Result<StatusCode, ApiError> {
    let actor = actor.to_string();
    state
        .run(move |store| store.remove_oncall(kind, &slug, &actor, now()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn found<T>(item: Option<T>, what: &str, slug: &str) -> Result<ApiJson<T>, ApiError> {
    item.map(ApiJson)
        .ok_or_else(|| ApiError::NotFound(format!("{what} {slug} not found")))
}

#[utoipa::path(get, path = "/api/v1/oncall/schedules", tag = "oncall", params(PageQuery),
    responses((status = 200, body = Vec<Schedule>), (status = 400, body = Problem)))]
pub async fn list_schedules(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<Schedule>, ApiError> {
    page.page(config(&state).await?.schedules, &uri)
}

#[utoipa::path(get, path = "/api/v1/oncall/schedules/{schedule_slug}", tag = "oncall",
    params(("schedule_slug" = String, Path)),
    responses((status = 200, body = Schedule), (status = 404, body = Problem)))]
pub async fn show_schedule(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<Schedule>, ApiError> {
    let schedules = config(&state).await?.schedules;
    found(
        schedules.into_iter().find(|s| s.slug == slug),
        "schedule",
        &slug,
    )
}

#[utoipa::path(put, path = "/api/v1/oncall/schedules/{schedule_slug}", tag = "oncall",
    params(("schedule_slug" = String, Path)), request_body = Schedule,
    responses((status = 201, description = "Created"), (status = 200, description = "Replaced"),
        (status = 422, body = Problem, description = "The problem names each field at fault")))]
pub async fn put_schedule(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(schedule): ApiJson<Schedule>,
) -> Result<StatusCode, ApiError> {
    same_slug(&slug, &schedule.slug)?;
    save(&state, caller.name(), OncallEntry::Schedule(schedule)).await
}

#[utoipa::path(delete, path = "/api/v1/oncall/schedules/{schedule_slug}", tag = "oncall",
    params(("schedule_slug" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "A policy still names it")))]
pub async fn delete_schedule(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    remove(&state, caller.name(), OncallKind::Schedule, slug).await
}

#[utoipa::path(get, path = "/api/v1/oncall/policies", tag = "oncall", params(PageQuery),
    responses((status = 200, body = Vec<EscalationPolicy>), (status = 400, body = Problem)))]
pub async fn list_policies(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<EscalationPolicy>, ApiError> {
    page.page(config(&state).await?.policies, &uri)
}

#[utoipa::path(get, path = "/api/v1/oncall/policies/{policy_slug}", tag = "oncall",
    params(("policy_slug" = String, Path)),
    responses((status = 200, body = EscalationPolicy), (status = 404, body = Problem)))]
pub async fn show_policy(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<EscalationPolicy>, ApiError> {
    let policies = config(&state).await?.policies;
    found(
        policies.into_iter().find(|p| p.slug == slug),
        "policy",
        &slug,
    )
}

#[utoipa::path(put, path = "/api/v1/oncall/policies/{policy_slug}", tag = "oncall",
    params(("policy_slug" = String, Path)), request_body = EscalationPolicy,
    responses((status = 201, description = "Created"), (status = 200, description = "Replaced"),
        (status = 422, body = Problem, description = "The problem names each field at fault, e.g. an unknown schedule")))]
pub async fn put_policy(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(policy): ApiJson<EscalationPolicy>,
) -> Result<StatusCode, ApiError> {
    same_slug(&slug, &policy.slug)?;
    save(&state, caller.name(), OncallEntry::Policy(policy)).await
}

#[utoipa::path(delete, path = "/api/v1/oncall/policies/{policy_slug}", tag = "oncall",
    params(("policy_slug" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "A system still uses it")))]
pub async fn delete_policy(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    remove(&state, caller.name(), OncallKind::Policy, slug).await
}

#[utoipa::path(get, path = "/api/v1/oncall/teams", tag = "oncall", params(PageQuery),
    responses((status = 200, body = Vec<Team>), (status = 400, body = Problem)))]
pub async fn list_teams(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<Team>, ApiError> {
    page.page(config(&state).await?.teams, &uri)
}

#[utoipa::path(put, path = "/api/v1/oncall/teams/{team_slug}", tag = "oncall",
    params(("team_slug" = String, Path)), request_body = Team,
    responses((status = 201, description = "Created"), (status = 200, description = "Replaced"),
        (status = 422, body = Problem)))]
pub async fn put_team(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(team): ApiJson<Team>,
) -> Result<StatusCode, ApiError> {
    same_slug(&slug, &team.slug)?;
    save(&state, caller.name(), OncallEntry::Team(team)).await
}

#[utoipa::path(delete, path = "/api/v1/oncall/teams/{team_slug}", tag = "oncall",
    params(("team_slug" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "A policy still names it")))]
pub async fn delete_team(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    remove(&state, caller.name(), OncallKind::Team, slug).await
}

/// Only the user themselves, or a commander, sets how a user is reached.
fn may_change_contacts(caller: &crate::auth::Caller, user: &str) -> Result<(), ApiError> {
    if caller.name() == user || caller.user.role >= Role::Commander {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only commanders may set another user's contact methods".into(),
        ))
    }
}

#[utoipa::path(get, path = "/api/v1/users/{name}/contact", tag = "oncall",
    params(("name" = String, Path)),
    responses((status = 200, body = ContactMethods), (status = 404, body = Problem)))]
pub async fn show_contacts(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<ApiJson<ContactMethods>, ApiError> {
    let mut contacts = config(&state).await?.contacts;
    match contacts.remove(&name) {
        Some(methods) => Ok(ApiJson(methods)),
        // A user who has set none has none, like an empty list.
        None => {
            user_exists(&state, &name).await?;
            Ok(ApiJson(ContactMethods::default()))
        }
    }
}

/// Not found unless `name` is a user.
async fn user_exists(state: &AppState, name: &str) -> Result<(), ApiError> {
    let wanted = name.to_string();
    match state.run(move |store| store.find_user(&wanted)).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound(format!("user {name} not found"))),
    }
}

#[utoipa::path(put, path = "/api/v1/users/{name}/contact", tag = "oncall",
    params(("name" = String, Path)), request_body = ContactMethods,
    responses((status = 201, description = "Created"), (status = 200, description = "Replaced"),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "The problem names each field at fault")))]
pub async fn put_contacts(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(methods): ApiJson<ContactMethods>,
) -> Result<StatusCode, ApiError> {
    may_change_contacts(&caller, &name)?;
    let entry = OncallEntry::Contacts {
        user: name,
        methods,
    };
    save(&state, caller.name(), entry).await
}

#[utoipa::path(delete, path = "/api/v1/users/{name}/contact", tag = "oncall",
    params(("name" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_contacts(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    may_change_contacts(&caller, &name)?;
    // Removing what was never set leaves nothing to remove: done, not 404.
    if !config(&state).await?.contacts.contains_key(&name) {
        user_exists(&state, &name).await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    remove(&state, caller.name(), OncallKind::Contacts, name).await
}

/// The escalation policy that pages for a system's incidents.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemPolicy {
    pub policy: String,
}

#[utoipa::path(get, path = "/api/v1/systems/{slug}/escalation-policy", tag = "oncall",
    params(("slug" = String, Path)),
    responses((status = 200, body = SystemPolicyView), (status = 404, body = Problem)))]
pub async fn show_system_policy(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<SystemPolicyView>, ApiError> {
    let policy = config(&state).await?.system_policies.remove(&slug);
    if policy.is_none() {
        system_exists(&state, &slug).await?;
    }
    Ok(ApiJson(SystemPolicyView { policy }))
}

/// A system's escalation policy as read: `null` when its incidents page
/// nobody.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SystemPolicyView {
    pub policy: Option<String>,
}

/// Not found unless `slug` is a registered system.
async fn system_exists(state: &AppState, slug: &str) -> Result<(), ApiError> {
    let wanted = slug.to_string();
    state.run(move |store| store.get_system(&wanted)).await?;
    Ok(())
}

#[utoipa::path(put, path = "/api/v1/systems/{slug}/escalation-policy", tag = "oncall",
    params(("slug" = String, Path)), request_body = SystemPolicy,
    responses((status = 201, description = "Set"), (status = 200, description = "Replaced"),
        (status = 404, body = Problem), (status = 422, body = Problem, description = "Unknown policy")))]
pub async fn put_system_policy(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(link): ApiJson<SystemPolicy>,
) -> Result<StatusCode, ApiError> {
    let entry = OncallEntry::SystemPolicy {
        system: slug,
        policy: link.policy,
    };
    save(&state, caller.name(), entry).await
}

#[utoipa::path(delete, path = "/api/v1/systems/{slug}/escalation-policy", tag = "oncall",
    params(("slug" = String, Path)),
    responses((status = 204, description = "Removed: the system's incidents page nobody"), (status = 404, body = Problem)))]
pub async fn delete_system_policy(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    // Removing what was never set leaves nothing to remove: done, not 404.
    if !config(&state).await?.system_policies.contains_key(&slug) {
        system_exists(&state, &slug).await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    remove(&state, caller.name(), OncallKind::SystemPolicy, slug).await
}
