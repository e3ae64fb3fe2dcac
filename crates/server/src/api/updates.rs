//! Stakeholder updates: each system's stakeholder lists by audience, and an
//! incident's updates, drafted from a template filled from the record,
//! edited, approved by the communications lead when the severity requires
//! it, and sent through the outbox to the lists of the incident's systems
//! (`firebreak_core::oncall::Updates` decides; the store seals each change
//! on `updates:INC-<n>` and the incident's timeline). The handler bodies
//! are shared with the web UI (`ui/updates.rs`).

use crate::api::incidents::incident_number;
use crate::auth::{Caller, Commander, Responder, Viewer};
use crate::error::{ApiError, ApiJson, Problem};
use crate::state::{AppState, TemplateKind, now};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use firebreak_core::DomainError;
use firebreak_core::auth::Role;
use firebreak_core::incident::{CommandRole, Incident};
use firebreak_core::oncall::{
    self, Audience, StakeholderLists, StakeholderUpdate, UpdateChange, Updates,
};
use firebreak_store::{DocumentChange, DocumentKind, OncallEntry, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// An incident's stakeholder updates and what sending them takes now.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpdatesView {
    pub incident: String,
    /// Whether an update must be approved before it is sent, at the
    /// incident's severity now (`serve --update-approval`).
    pub approval_required: bool,
    /// Who approves: the communications lead, else the commander; `null`
    /// when neither is assigned (then only an admin).
    pub approver: Option<String>,
    /// The templates an update can be drafted from.
    pub templates: Vec<String>,
    /// Oldest first.
    pub updates: Vec<StakeholderUpdate>,
}

/// The incident and its updates.
async fn load(state: &AppState, number: u64) -> Result<(Incident, Updates), ApiError> {
    state
        .run(move |store| {
            let incident = store.get_incident(number)?;
            let document = store.document(number, DocumentKind::Updates)?;
            let updates = DocumentKind::Updates
                .decode::<Updates>(document.as_ref())?
                .unwrap_or_default();
            Ok((incident, updates))
        })
        .await
}

/// The updates of an incident as the API and the web page show them.
pub async fn updates_view(state: &AppState, number: u64) -> Result<UpdatesView, ApiError> {
    let (incident, updates) = load(state, number).await?;
    Ok(UpdatesView {
        incident: incident.public_id(),
        approval_required: state.approval_rule.requires_approval(incident.severity),
        approver: oncall::approver(&incident).map(str::to_string),
        templates: state.template_names(TemplateKind::Update),
        updates: updates.updates,
    })
}

/// Drafting, editing and sending speak for the incident: its commander or
/// communications lead, or a user with the commander role or above.
fn may_speak(incident: &Incident, caller: &Caller) -> Result<(), ApiError> {
    let holds = |role| incident.holder(role) == Some(caller.name());
    if caller.user.role >= Role::Commander
        || holds(CommandRole::Commander)
        || holds(CommandRole::CommunicationsLead)
    {
        return Ok(());
    }
    Err(ApiError::Forbidden(format!(
        "only the commander or communications lead of {}, or a commander or admin, speaks for it",
        incident.public_id()
    )))
}

/// Who may do what: refused before the write, against the incident as it
/// is, once the update asked for is known to exist.
enum Check {
    Speak,
    Approve,
}

/// Every system's stakeholder lists.
type Lists = BTreeMap<String, StakeholderLists>;

/// Runs `operation` on the incident's updates in one transaction, after
/// `check` on the caller (and, for an existing update `target`, a 404 when
/// there is none), with the stakeholder lists as read just before; answers
/// the update it changed.
async fn change(
    state: &AppState,
    caller: &Caller,
    (number, target): (u64, Option<u64>),
    check: Check,
    operation: impl Fn(&Lists, &Incident, &Updates) -> Result<UpdateChange, DomainError>
    + Send
    + 'static,
) -> Result<StakeholderUpdate, ApiError> {
    let (incident, updates) = load(state, number).await?;
    if let Some(id) = target
        && updates.get(id).is_none()
    {
        return Err(ApiError::NotFound(format!(
            "update {id} of {} not found",
            incident.public_id()
        )));
    }
    match check {
        Check::Speak => may_speak(&incident, caller)?,
        Check::Approve => {
            let who = oncall::Caller {
                name: caller.name(),
                admin: caller.user.role == Role::Admin,
            };
            oncall::may_approve(&incident, who).map_err(ApiError::Forbidden)?;
        }
    }
    state
        .run(move |store| {
            let lists = store.oncall()?.stakeholders;
            let mut changed = None;
            store.change_document(
                number,
                DocumentKind::Updates,
                &mut |incident, current| {
                    let updates = DocumentKind::Updates
                        .decode::<Updates>(current)?
                        .unwrap_or_default();
                    let change = operation(&lists, incident, &updates)?;
                    changed = Some(change.update.clone());
                    Ok(DocumentChange::stakeholder_update(incident, change))
                },
                now(),
            )?;
            changed.ok_or_else(|| StoreError::Corrupt("an update change answered none".into()))
        })
        .await
}

/// Drafts an update to `audience` from `template` (the audience's default
/// when none), filled from the incident record as it is now.
pub async fn draft_update(
    state: &AppState,
    caller: &Caller,
    number: u64,
    audience: Audience,
    template: Option<String>,
) -> Result<StakeholderUpdate, ApiError> {
    let name = template.unwrap_or_else(|| audience.default_template().to_string());
    let text = state.template_of(TemplateKind::Update, &name)?;
    let actor = caller.name().to_string();
    change(
        state,
        caller,
        (number, None),
        Check::Speak,
        move |_, incident, updates| {
            let at = now();
            let context = oncall::template_context(incident, audience, at);
            let filled = firebreak_report::postmortem::render_template(&name, &text, &context)
                .map_err(|e| DomainError::field("template", e.to_string()))?;
            let (subject, body) = oncall::split_subject(&filled)?;
            updates.draft(incident, audience, &name, (subject, body), &actor, at)
        },
    )
    .await
}

/// New subject or body for an update not yet sent.
pub async fn edit_update(
    state: &AppState,
    caller: &Caller,
    number: u64,
    id: u64,
    edit: EditUpdate,
) -> Result<StakeholderUpdate, ApiError> {
    let actor = caller.name().to_string();
    change(
        state,
        caller,
        (number, Some(id)),
        Check::Speak,
        move |_, incident, updates| {
            let text = (edit.subject.clone(), edit.body.clone());
            updates.edit(incident, id, text, &actor, now())
        },
    )
    .await
}

pub async fn approve_update(
    state: &AppState,
    caller: &Caller,
    number: u64,
    id: u64,
) -> Result<StakeholderUpdate, ApiError> {
    let actor = caller.name().to_string();
    change(
        state,
        caller,
        (number, Some(id)),
        Check::Approve,
        move |_, incident, updates| updates.approve(incident, id, &actor, now()),
    )
    .await
}

/// Sends an update to the stakeholder lists of the incident's systems as
/// they are now (read in the store call that sends).
pub async fn send_update(
    state: &AppState,
    caller: &Caller,
    number: u64,
    id: u64,
) -> Result<StakeholderUpdate, ApiError> {
    let actor = caller.name().to_string();
    let rule = state.approval_rule.clone();
    change(
        state,
        caller,
        (number, Some(id)),
        Check::Speak,
        move |lists, incident, updates| {
            let audience = updates.get(id).map_or(Audience::Internal, |u| u.audience);
            let to = oncall::recipients(&incident.systems, lists, audience);
            updates.send(incident, id, &rule, to, &actor, now())
        },
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/updates", tag = "updates",
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = UpdatesView), (status = 404, body = Problem)))]
pub async fn list(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<UpdatesView>, ApiError> {
    Ok(ApiJson(updates_view(&state, incident_number(&id)?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftUpdate {
    pub audience: Audience,
    /// holding_statement, internal_alert, partner_bulletin, board_brief,
    /// public_statement, or a template file of the deployment; by default
    /// the audience's own.
    #[serde(default)]
    pub template: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/updates", tag = "updates", request_body = DraftUpdate,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 201, body = StakeholderUpdate, description = "Drafted from the template, filled from the record"),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "Unknown template (the known ones are listed), or a template that fails")))]
pub async fn draft(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DraftUpdate>,
) -> Result<(StatusCode, ApiJson<StakeholderUpdate>), ApiError> {
    let number = incident_number(&id)?;
    let update = draft_update(&state, &caller, number, request.audience, request.template).await?;
    Ok((StatusCode::CREATED, ApiJson(update)))
}

/// New text for an update; what is left out stays.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditUpdate {
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/updates/{update_id}", tag = "updates", request_body = EditUpdate,
    params(("id" = String, Path, description = "INC-<n>"), ("update_id" = u64, Path)),
    responses((status = 200, body = StakeholderUpdate, description = "Edited; an approved update goes back to drafted"),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Already sent"), (status = 422, body = Problem)))]
pub async fn edit(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, update_id)): Path<(String, u64)>,
    ApiJson(request): ApiJson<EditUpdate>,
) -> Result<ApiJson<StakeholderUpdate>, ApiError> {
    let number = incident_number(&id)?;
    Ok(ApiJson(
        edit_update(&state, &caller, number, update_id, request).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/updates/{update_id}/approve", tag = "updates",
    params(("id" = String, Path, description = "INC-<n>"), ("update_id" = u64, Path)),
    responses((status = 200, body = StakeholderUpdate),
        (status = 403, body = Problem, description = "Not the communications lead (or, with none, the commander), nor an admin"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "Already approved or sent"),
        (status = 422, body = Problem)))]
pub async fn approve(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, update_id)): Path<(String, u64)>,
) -> Result<ApiJson<StakeholderUpdate>, ApiError> {
    let number = incident_number(&id)?;
    Ok(ApiJson(
        approve_update(&state, &caller, number, update_id).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/updates/{update_id}/send", tag = "updates",
    params(("id" = String, Path, description = "INC-<n>"), ("update_id" = u64, Path)),
    responses((status = 200, body = StakeholderUpdate, description = "Sent: one outbox message per recipient, each attempt on the timeline"),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Needs approval first, or already sent"),
        (status = 422, body = Problem, description = "No stakeholder list names anyone for the audience")))]
pub async fn send(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, update_id)): Path<(String, u64)>,
) -> Result<ApiJson<StakeholderUpdate>, ApiError> {
    let number = incident_number(&id)?;
    Ok(ApiJson(
        send_update(&state, &caller, number, update_id).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/systems/{slug}/stakeholders", tag = "updates",
    params(("slug" = String, Path)),
    responses((status = 200, body = StakeholderLists, description = "Empty lists when none are set"), (status = 404, body = Problem)))]
pub async fn show_stakeholders(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<StakeholderLists>, ApiError> {
    let lists = state
        .run(move |store| {
            let lists = store.oncall()?.stakeholders.remove(&slug);
            if lists.is_none() {
                store.get_system(&slug)?;
            }
            Ok(lists.unwrap_or_default())
        })
        .await?;
    Ok(ApiJson(lists))
}

#[utoipa::path(put, path = "/api/v1/systems/{slug}/stakeholders", tag = "updates",
    params(("slug" = String, Path)), request_body = StakeholderLists,
    responses((status = 201, description = "Set"), (status = 200, description = "Replaced"),
        (status = 404, body = Problem), (status = 422, body = Problem, description = "A malformed or repeated address, named by its field")))]
pub async fn put_stakeholders(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(lists): ApiJson<StakeholderLists>,
) -> Result<StatusCode, ApiError> {
    let entry = OncallEntry::Stakeholders {
        system: slug,
        lists,
    };
    let actor = caller.name().to_string();
    let created = state
        .run(move |store| store.save_oncall(&entry, &actor, now()))
        .await?;
    Ok(crate::api::saved_status(created))
}
