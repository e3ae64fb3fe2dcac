//! Recurrence: which earlier incident this one repeats, the earlier
//! post-mortem's action items shown to the new responders, the later
//! incidents that repeat this one, and the earlier incidents suggested as
//! the one recurring. One workflow behind the API, the web UI and the CLI.

use crate::api::incidents::{IncidentView, change_incident, incident_number};
use crate::api::postmortems::postmortem_of;
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiJson, Problem};
use crate::state::AppState;
use axum::extract::{Path, State};
use firebreak_core::action::ActionItem;
use firebreak_core::cause::CauseCategory;
use firebreak_core::incident::{Incident, Status, parse_public_id};
use firebreak_core::postmortem::PostMortemStatus;
use firebreak_core::recurrence::{Candidate, Earlier, candidates};
use firebreak_store::DocumentKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The earlier incident one repeats, with what its post-mortem asked to do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EarlierIncident {
    /// `INC-<n>`.
    pub incident: String,
    pub title: String,
    pub status: Status,
    /// Its post-mortem's status, when it has one.
    pub postmortem: Option<PostMortemStatus>,
    /// Its post-mortem's action items, done or not: did the fix hold?
    pub action_items: Vec<ActionItem>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecurrenceView {
    /// `INC-<n>`.
    pub incident: String,
    /// The earlier incident this one is linked as a recurrence of.
    pub recurrence_of: Option<EarlierIncident>,
    /// Later incidents linked as recurrences of this one.
    pub recurred_as: Vec<String>,
    /// Earlier incidents that may be the one recurring, best first: each
    /// shares a system and a cause category (from the post-mortems), a harm
    /// or a similar title.
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecurrenceRequest {
    /// The earlier incident (`INC-<n>`); null removes the link.
    pub of: Option<String>,
    /// Why, for the timeline.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Incident `id`'s recurrence view.
pub async fn view(state: &AppState, id: &str) -> Result<RecurrenceView, ApiError> {
    let number = incident_number(id)?;
    let (incidents, documents) = state
        .run(move |store| {
            store.get_incident(number)?;
            Ok((
                store.all_incidents()?,
                store.documents(DocumentKind::Postmortem)?,
            ))
        })
        .await?;
    let mut postmortems = BTreeMap::new();
    for (incident, document) in documents {
        if let Some(postmortem) = postmortem_of(Some(&document))? {
            postmortems.insert(incident.number, postmortem);
        }
    }
    let causes: BTreeMap<u64, Vec<CauseCategory>> = postmortems
        .iter()
        .map(|(n, p)| (*n, p.cause_categories()))
        .collect();
    let Some(current) = incidents.iter().find(|i| i.number == number) else {
        return Err(ApiError::Internal(format!(
            "INC-{number} is missing from the incident list"
        )));
    };
    let earlier: Vec<Earlier<'_>> = incidents
        .iter()
        .map(|incident| Earlier {
            incident,
            causes: causes.get(&incident.number).map_or(&[], Vec::as_slice),
        })
        .collect();
    let own_causes = causes.get(&number).map_or(&[][..], Vec::as_slice);
    let recurrence_of = current
        .recurrence_of
        .and_then(|n| incidents.iter().find(|i| i.number == n))
        .map(|earlier| {
            let postmortem = postmortems.get(&earlier.number);
            EarlierIncident {
                incident: earlier.public_id(),
                title: earlier.title.clone(),
                status: earlier.status,
                postmortem: postmortem.map(|p| p.status),
                action_items: postmortem.map_or_else(Vec::new, |p| p.action_items.clone()),
            }
        });
    Ok(RecurrenceView {
        incident: current.public_id(),
        recurrence_of,
        recurred_as: incidents
            .iter()
            .filter(|i| i.recurrence_of == Some(number))
            .map(Incident::public_id)
            .collect(),
        candidates: candidates(current, own_causes, &earlier),
    })
}

/// Links incident `id` as a recurrence of the request's earlier incident,
/// or removes the link.
pub async fn link(
    state: &AppState,
    id: &str,
    actor: &str,
    request: RecurrenceRequest,
) -> Result<Incident, ApiError> {
    let number = incident_number(id)?;
    let earlier = match request.of.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(of) => {
            let of_number = parse_public_id(of).map_err(|e| ApiError::invalid("of", e))?;
            let found = state
                .run(move |store| store.get_incident(of_number))
                .await
                .map_err(|_| ApiError::invalid("of", format!("incident {of} does not exist")))?;
            Some(found)
        }
    };
    let actor = actor.to_string();
    change_incident(state, number, move |incident, _, at| {
        incident.link_recurrence(earlier.as_ref(), request.reason.as_deref(), &actor, at)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/recurrence", tag = "incidents",
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = RecurrenceView), (status = 404, body = Problem)))]
pub async fn show_recurrence(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<RecurrenceView>, ApiError> {
    Ok(ApiJson(view(&state, &id).await?))
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/recurrence", tag = "incidents",
    request_body = RecurrenceRequest,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = IncidentView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_recurrence(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<RecurrenceRequest>,
) -> Result<ApiJson<IncidentView>, ApiError> {
    Ok(ApiJson(
        link(&state, &id, caller.name(), request).await?.into(),
    ))
}
