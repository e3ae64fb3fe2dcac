//! Incidents: declare, list, read, edit, move through the lifecycle, assign
//! incident-command roles, set timestamps, and write the timeline.

use crate::api::page::{MAX_PAGE_LIMIT, Paged, checked_limit};
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use firebreak_core::DomainError;
use firebreak_core::Timestamp;
use firebreak_core::incident::Change;
use firebreak_core::incident::{
    CommandRole, DeclareIncident, Incident, IncidentKind, IncidentPatch, Severity, Status,
    TimeField, TransitionRequest, parse_public_id,
};
use firebreak_core::timeline::{Event, EventKind};
use firebreak_store::{IncidentFilter, Inventory, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An incident as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentView {
    /// The public id, `INC-<n>`.
    pub id: String,
    #[serde(flatten)]
    pub incident: Incident,
    /// Where the lifecycle may go next from the current status.
    pub allowed_transitions: Vec<Status>,
}

impl From<Incident> for IncidentView {
    fn from(incident: Incident) -> Self {
        IncidentView {
            id: incident.public_id(),
            allowed_transitions: incident.status.allowed_next().to_vec(),
            incident,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentPage {
    pub items: Vec<IncidentView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Comma-separated statuses, e.g. `triage,investigating`.
    pub status: Option<String>,
    /// Comma-separated severities, e.g. `sev1,sev2`.
    pub severity: Option<String>,
    /// An affected system's slug.
    pub system: Option<String>,
    pub kind: Option<IncidentKind>,
    /// Text in the title or summary.
    pub q: Option<String>,
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<usize>,
}

fn parse_list<T: std::str::FromStr<Err = String>>(
    field: &str,
    text: &Option<String>,
) -> Result<Vec<T>, ApiError> {
    text.iter()
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse()
                .map_err(|e: String| ApiError::bad_request(Some(field), e))
        })
        .collect()
}

impl ListQuery {
    pub fn filter(&self) -> Result<(IncidentFilter, PageRequest), ApiError> {
        if let Some(text) = &self.q {
            crate::limits::check_text("q", text)?;
        }
        let filter = IncidentFilter {
            statuses: parse_list::<Status>("status", &self.status)?,
            severities: parse_list::<Severity>("severity", &self.severity)?,
            system: self.system.clone().filter(|s| !s.is_empty()),
            kind: self.kind,
            text: self.q.clone(),
        };
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(c.parse::<u64>().map_err(|_| {
                ApiError::bad_request(Some("cursor"), "not a cursor from a previous page")
            })?),
        };
        let limit = self.limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(ApiError::bad_request(
                Some("limit"),
                "must be between 1 and 200",
            ));
        }
        Ok((filter, PageRequest { after, limit }))
    }
}

pub fn incident_number(id: &str) -> Result<u64, ApiError> {
    parse_public_id(id).map_err(|_| ApiError::NotFound(format!("incident {id} not found")))
}

#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(ListQuery),
    responses((status = 200, body = IncidentPage), (status = 400, body = Problem)))]
pub async fn list(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<ApiJson<IncidentPage>, ApiError> {
    let (filter, page) = query.filter()?;
    let found = state
        .run(move |store| store.list_incidents(&filter, page))
        .await?;
    Ok(ApiJson(IncidentPage {
        items: found.items.into_iter().map(IncidentView::from).collect(),
        next_cursor: found.next_cursor.map(|c| c.to_string()),
    }))
}

#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = DeclareIncident,
    responses((status = 201, body = IncidentView), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn declare(
    Responder(caller): Responder,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<DeclareIncident>,
) -> Result<(StatusCode, ApiJson<IncidentView>), ApiError> {
    let actor = caller.name().to_string();
    let incident = state
        .run(move |store| store.declare_incident(input, &actor, now()))
        .await?;
    Ok((StatusCode::CREATED, ApiJson(incident.into())))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = IncidentView), (status = 404, body = Problem)))]
pub async fn show(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<IncidentView>, ApiError> {
    let number = incident_number(&id)?;
    let incident = state.run(move |store| store.get_incident(number)).await?;
    Ok(ApiJson(incident.into()))
}

#[utoipa::path(patch, path = "/api/v1/incidents/{id}", tag = "incidents", request_body = IncidentPatch,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = IncidentView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn edit(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<IncidentPatch>,
) -> Result<ApiJson<IncidentView>, ApiError> {
    let incident = apply_edit(&state, &id, caller.name(), patch).await?;
    Ok(ApiJson(incident.into()))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/transitions", tag = "incidents", request_body = TransitionRequest,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = IncidentView), (status = 409, body = Problem, description = "Not allowed from the current status; `allowed` lists what is"), (status = 422, body = Problem)))]
pub async fn transition(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<TransitionRequest>,
) -> Result<ApiJson<IncidentView>, ApiError> {
    let incident = apply_transition(&state, &id, &caller, request).await?;
    Ok(ApiJson(incident.into()))
}

/// Shared by the API and the web UI: moves the incident, then checkpoints.
pub async fn apply_transition(
    state: &AppState,
    id: &str,
    caller: &crate::auth::Caller,
    mut request: TransitionRequest,
) -> Result<Incident, ApiError> {
    let number = incident_number(id)?;
    let actor = caller.name();
    // The gate runs only where the lifecycle would allow closing, so a move
    // the lifecycle refuses is reported as such.
    let current = state.run(move |store| store.get_incident(number)).await?;
    if request.to == Status::Closed && current.status.allowed_next().contains(&Status::Closed) {
        let gate = crate::api::postmortems::close_gate(
            state,
            caller,
            number,
            request.override_reason.as_deref(),
        )
        .await?;
        if let firebreak_core::postmortem::CloseGate::Overridden { reason } = gate {
            let note = format!("closed without an approved post-mortem: {reason}");
            request.reason = Some(
                match request.reason.take().filter(|r| !r.trim().is_empty()) {
                    Some(given) => format!("{given}; {note}"),
                    None => note,
                },
            );
        }
    }
    if let Some(target) = request.merged_into {
        state
            .run(move |store| store.get_incident(target))
            .await
            .map_err(|_| {
                ApiError::invalid(
                    "merged_into",
                    format!("incident INC-{target} does not exist"),
                )
            })?;
    }
    let actor = actor.to_string();
    let incident = change_incident(state, number, move |i, _, at| {
        i.transition(request.clone(), &actor, at)
    })
    .await?;
    state
        .checkpoint(
            format!("{} is now {}", incident.public_id(), incident.status),
            true,
        )
        .await?;
    Ok(incident)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    /// note, decision, action_taken, communication, finding or evidence_ref.
    #[serde(default = "note_kind")]
    pub kind: EventKind,
    pub text: String,
    /// When it happened, if earlier than now.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
}

fn note_kind() -> EventKind {
    EventKind::Note
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/entries", tag = "timeline", request_body = EntryRequest,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 201, body = Event), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_entry(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(entry): ApiJson<EntryRequest>,
) -> Result<(StatusCode, ApiJson<Event>), ApiError> {
    let event = write_entry(&state, &id, caller.name(), entry).await?;
    Ok((StatusCode::CREATED, ApiJson(event)))
}

/// Shared by the API and the web UI; returns the sealed event.
pub async fn write_entry(
    state: &AppState,
    id: &str,
    actor: &str,
    entry: EntryRequest,
) -> Result<Event, ApiError> {
    let number = incident_number(id)?;
    let actor = actor.to_string();
    state
        .run(move |store| {
            let at = now();
            let (_, mut events) = store.change_incident(
                number,
                &mut |i, _| i.add_entry(entry.kind, &entry.text, entry.occurred_at, &actor, at),
                at,
            )?;
            Ok(events.remove(0))
        })
        .await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub role: CommandRole,
    /// The user to give the role to; `null` takes it away from everyone.
    pub user: Option<String>,
    /// For participants and observers: remove just this user.
    #[serde(default)]
    pub remove: bool,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/roles", tag = "incidents", request_body = AssignRequest,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = IncidentView), (status = 422, body = Problem)))]
pub async fn assign(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AssignRequest>,
) -> Result<ApiJson<IncidentView>, ApiError> {
    Ok(ApiJson(
        apply_assignment(&state, &id, caller.name(), request)
            .await?
            .into(),
    ))
}

/// Edits incident `id`'s descriptive fields: the one workflow behind the
/// API's PATCH and the web UI's edits.
pub async fn apply_edit(
    state: &AppState,
    id: &str,
    actor: &str,
    patch: IncidentPatch,
) -> Result<Incident, ApiError> {
    let number = incident_number(id)?;
    let actor = actor.to_string();
    change_incident(state, number, move |i, inventory, at| {
        i.edit(patch.clone(), &actor, inventory.systems(), at)
    })
    .await
}

/// Runs `operation` on incident `number` inside one write, at one instant:
/// the shape of every workflow that changes an incident, so a concurrent
/// change is never lost between a read and a write.
pub async fn change_incident<F>(
    state: &AppState,
    number: u64,
    mut operation: F,
) -> Result<Incident, ApiError>
where
    F: FnMut(&Incident, &Inventory, Timestamp) -> Result<Change, DomainError> + Send + 'static,
{
    state
        .run(move |store| {
            let at = now();
            store
                .change_incident(number, &mut |i, inventory| operation(i, inventory, at), at)
                .map(|(incident, _)| incident)
        })
        .await
}

pub async fn apply_assignment(
    state: &AppState,
    id: &str,
    actor: &str,
    request: AssignRequest,
) -> Result<Incident, ApiError> {
    let number = incident_number(id)?;
    if let Some(user) = request.user.clone() {
        let known = state.run(move |store| store.find_user(&user)).await?;
        if known.is_none() {
            return Err(ApiError::invalid(
                "user",
                format!("unknown user `{}`", request.user.unwrap_or_default()),
            ));
        }
    }
    let actor = actor.to_string();
    change_incident(state, number, move |i, _, at| {
        match (&request.user, request.remove) {
            (Some(user), true) => i.unassign_user(request.role, user, &actor, at),
            _ => i.assign(request.role, request.user.clone(), &actor, at),
        }
    })
    .await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTimeRequest {
    /// The new value with an offset, or `null` to clear it.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub value: Option<Timestamp>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/times/{field}", tag = "incidents", request_body = SetTimeRequest,
    params(("id" = String, Path, description = "INC-<n>"), ("field" = TimeField, Path)),
    responses((status = 200, body = IncidentView), (status = 422, body = Problem, description = "Out of order; the problem names the field")))]
pub async fn set_time(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, field)): Path<(String, String)>,
    ApiJson(request): ApiJson<SetTimeRequest>,
) -> Result<ApiJson<IncidentView>, ApiError> {
    let number = incident_number(&id)?;
    let field: TimeField = field.parse().map_err(|e: String| ApiError::NotFound(e))?;
    let actor = caller.name().to_string();
    let config = state.regulatory.clone();
    let incident = state
        .run(move |store| {
            crate::api::regulatory::set_time_with_clocks(
                store,
                number,
                field,
                request.value,
                request.reason.clone(),
                &actor,
                &config,
            )
        })
        .await?;
    Ok(ApiJson(incident.into()))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// Only events after this position in the incident's stream.
    pub after: Option<u64>,
    /// At most this many events (1 to 1000, default 1000).
    pub limit: Option<usize>,
}

/// A page of the timeline in order; when the page is full, a `Link` header
/// (`rel="next"`) names the next one.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/timeline", tag = "timeline",
    params(("id" = String, Path, description = "INC-<n>"), TimelineQuery),
    responses((status = 200, body = Vec<Event>), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn timeline(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<TimelineQuery>,
) -> Result<Paged<Event>, ApiError> {
    let number = incident_number(&id)?;
    let limit = checked_limit(query.limit, MAX_PAGE_LIMIT)?;
    let after = query.after;
    if after.is_some_and(|seq| i64::try_from(seq).is_err()) {
        return Err(ApiError::invalid(
            "after",
            "an event position is at most 9223372036854775807",
        ));
    }
    let events = state
        .run(move |store| {
            let incident = store.get_incident(number)?;
            store.events_page(&incident.public_id(), after, limit)
        })
        .await?;
    let next = (events.len() == limit)
        .then(|| events.last().map(|e| e.seq))
        .flatten()
        .map(|seq| {
            format!(
                "/api/v1/incidents/{}/timeline?after={seq}&limit={limit}",
                firebreak_core::incident::public_id(number)
            )
        });
    Ok(Paged::from_parts(events, next))
}
