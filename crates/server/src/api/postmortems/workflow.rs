//! The post-mortem's workflow: editing sections, moving through review, and
//! signing off. Each route's body is a pub `apply_*` function that the
//! incident page's forms (`ui/postmortem.rs`) call too, so the browser and
//! the API answer the same rules with the same statuses.

use super::{PostMortemView, existing, people, postmortem_of, view};
use crate::api::incidents::incident_number;
use crate::auth::{Caller, Responder};
use crate::error::{ApiError, ApiJson, Problem};
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use firebreak_core::DomainError;
use firebreak_core::auth::Role;
use firebreak_core::incident::Incident;
use firebreak_core::postmortem::{
    ApprovalContext, PostMortem, PostMortemChange, PostMortemStatus, PostMortemTransition,
    SignOffRequest,
};
use firebreak_core::timeline::{EventDraft, EventKind};
use firebreak_store::{DocumentChange, DocumentKind, OutgoingMessage};
use serde_json::{Value, json};

/// The fields people write; status, review and sign-offs move only through
/// their own routes.
pub(crate) const CONTROLLED: [&str; 5] = [
    "incident",
    "status",
    "review_round",
    "sign_offs",
    "approval_override",
];

#[utoipa::path(put, path = "/api/v1/incidents/{id}/postmortem", tag = "postmortems",
    request_body(content = Object, description = "The post-mortem as GET returns it (its `postmortem` member); status, review_round, sign_offs and approval_override are ignored"),
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = PostMortemView), (status = 404, body = Problem), (status = 409, body = Problem, description = "Not a draft"), (status = 422, body = Problem)))]
pub async fn edit(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<ApiJson<PostMortemView>, ApiError> {
    let number = incident_number(&id)?;
    let view = apply_edit(&state, number, caller.name(), move |_| Ok(body.clone())).await?;
    Ok(ApiJson(view))
}

/// `current` with the top-level fields of `body` put in its place (the
/// controlled ones ignored, unknown ones refused), checked, and the names of
/// the fields that changed. Every required field the result lacks is named
/// at once.
pub fn merge_edit(
    current: &PostMortem,
    body: &Value,
) -> Result<(PostMortem, Vec<String>), DomainError> {
    let mut merged = DocumentKind::encode(current);
    let Value::Object(fields) = body else {
        return Err(DomainError::field("body", "must be a JSON object"));
    };
    let mut changed = Vec::new();
    for (key, value) in fields {
        if CONTROLLED.contains(&key.as_str()) {
            continue;
        }
        if merged.get(key).is_none() {
            return Err(DomainError::field(key, "unknown post-mortem field"));
        }
        if merged[key] != *value {
            changed.push(key.clone());
        }
        merged[key] = value.clone();
    }
    let next: PostMortem = crate::schema::read(&merged).map_err(DomainError::Invalid)?;
    next.validate()?;
    Ok((next, changed))
}

/// Edits a draft post-mortem. `fields` turns the stored post-mortem into the
/// top-level fields to set (the API's body as sent; a form's one section
/// changed on the current text), inside the write, so a concurrent change
/// of another section is not lost. Controlled fields are ignored, unknown
/// ones refused; the result is checked and the changed sections recorded.
pub async fn apply_edit(
    state: &AppState,
    number: u64,
    actor: &str,
    fields: impl Fn(&PostMortem) -> Result<Value, DomainError> + Send + 'static,
) -> Result<PostMortemView, ApiError> {
    let actor = actor.to_string();
    let (incident, document, people) = state
        .run(move |store| {
            let at = now();
            let events = store.events(&firebreak_core::incident::public_id(number))?;
            let (incident, document) = store.change_document(
                number,
                DocumentKind::Postmortem,
                &mut |incident, current| {
                    let current = existing(incident, current)?;
                    current.ensure_editable()?;
                    let (mut next, changed) = merge_edit(&current, &fields(&current)?)?;
                    next.keep_progress(&current, at);
                    // A pin names a sealed event by place and hash; it cannot be made up.
                    for (i, pin) in next.timeline.iter().enumerate() {
                        if !events
                            .iter()
                            .any(|e| e.seq == pin.seq && e.hash == pin.hash)
                        {
                            return Err(DomainError::field(
                                format!("timeline[{i}]"),
                                format!(
                                    "no event {} with hash {} on {}",
                                    pin.seq,
                                    pin.hash,
                                    incident.public_id()
                                ),
                            ));
                        }
                    }
                    let event = EventDraft {
                        kind: EventKind::PostmortemUpdated,
                        occurred_at: at,
                        actor: actor.clone(),
                        body: json!({ "sections": changed }),
                    };
                    Ok(DocumentChange::with_event(
                        DocumentKind::encode(&next),
                        event,
                    ))
                },
                at,
            )?;
            let people = people(store, &incident)?;
            Ok((incident, document, people))
        })
        .await?;
    let postmortem = postmortem_of(Some(&document))?.expect("just saved");
    Ok(view(state, &incident, postmortem, &people))
}

/// Runs a workflow step of the post-mortem, sealing its events.
pub(super) async fn step(
    state: &AppState,
    number: u64,
    operation: impl Fn(&Incident, &PostMortem, &[String]) -> Result<PostMortemChange, DomainError>
    + Send
    + 'static,
) -> Result<PostMortemView, ApiError> {
    step_sending(state, number, move |incident, current, people| {
        operation(incident, current, people).map(|change| (change, Vec::new()))
    })
    .await
}

/// Runs a workflow step that also sends: its messages are queued in the
/// step's transaction (D26).
pub(super) async fn step_sending(
    state: &AppState,
    number: u64,
    operation: impl Fn(
        &Incident,
        &PostMortem,
        &[String],
    ) -> Result<(PostMortemChange, Vec<OutgoingMessage>), DomainError>
    + Send
    + 'static,
) -> Result<PostMortemView, ApiError> {
    let (incident, document, people) = state
        .run(move |store| {
            let at = now();
            let mut people_seen = Vec::new();
            let (incident, document) = store.change_document(
                number,
                DocumentKind::Postmortem,
                &mut |incident, current| {
                    let current = existing(incident, current)?;
                    let people = people(store, incident)
                        .map_err(|e| DomainError::field("people", e.to_string()))?;
                    let (change, messages) = operation(incident, &current, &people)?;
                    people_seen = people;
                    let mut events = change.events.into_iter();
                    let own = events.next().expect("every workflow step records an event");
                    let mut announced = vec![own.clone()];
                    announced.extend(events);
                    Ok(DocumentChange {
                        document: DocumentKind::encode(&change.postmortem),
                        own,
                        announced,
                        incident: None,
                        messages,
                    })
                },
                at,
            )?;
            Ok((incident, document, people_seen))
        })
        .await?;
    let postmortem = postmortem_of(Some(&document))?.expect("just saved");
    Ok(view(state, &incident, postmortem, &people))
}

/// What [`step_if_changed`] refuses with when its operation has nothing to
/// record, so that nothing is written.
const NOTHING_TO_RECORD: &str = "nothing to record";

/// Runs a step whose operation may find nothing to record (a repeated
/// delivery, a state already known); answers whether it recorded.
pub(super) async fn step_if_changed(
    state: &AppState,
    number: u64,
    operation: impl Fn(
        &Incident,
        &PostMortem,
    ) -> Result<Option<(PostMortemChange, Vec<OutgoingMessage>)>, DomainError>
    + Send
    + 'static,
) -> Result<bool, ApiError> {
    let outcome = step_sending(state, number, move |incident, current, _| {
        operation(incident, current)?.ok_or_else(|| DomainError::Conflict {
            message: NOTHING_TO_RECORD.into(),
            allowed: vec![],
        })
    })
    .await;
    match outcome {
        Ok(_) => Ok(true),
        Err(ApiError::Conflict { message, .. }) if message == NOTHING_TO_RECORD => Ok(false),
        Err(error) => Err(error),
    }
}

/// A change that sends nothing.
pub(super) fn quiet(
    change: Option<PostMortemChange>,
) -> Option<(PostMortemChange, Vec<OutgoingMessage>)> {
    change.map(|change| (change, Vec::new()))
}

/// Whether an auth role may move a post-mortem to `to` at all: approving
/// and publishing need a commander (the workflow table and, for reopening a
/// published one, the admin rule still apply).
pub fn role_may_move(role: Role, to: PostMortemStatus) -> bool {
    !matches!(to, PostMortemStatus::Approved | PostMortemStatus::Published)
        || role >= Role::Commander
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/postmortem/transitions", tag = "postmortems", request_body = PostMortemTransition,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = PostMortemView),
        (status = 403, body = Problem, description = "Approving and publishing need a commander"),
        (status = 409, body = Problem, description = "Not allowed from the current status"),
        (status = 422, body = Problem, description = "The approval gate: each open lint error, SMART failure or missing sign-off as a field error")))]
pub async fn transition(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PostMortemTransition>,
) -> Result<ApiJson<PostMortemView>, ApiError> {
    let number = incident_number(&id)?;
    Ok(ApiJson(
        apply_transition(&state, number, &caller, request).await?,
    ))
}

/// Moves the post-mortem along its workflow (the approval gate runs on the
/// way to approved).
pub async fn apply_transition(
    state: &AppState,
    number: u64,
    caller: &Caller,
    request: PostMortemTransition,
) -> Result<PostMortemView, ApiError> {
    if !role_may_move(caller.user.role, request.to) {
        return Err(ApiError::Forbidden(format!(
            "only commanders and admins can move a post-mortem to {}",
            request.to
        )));
    }
    let (actor, role, config) = (
        caller.name().to_string(),
        caller.user.role,
        state.lint.clone(),
    );
    step(state, number, move |incident, current, people| {
        let context = ApprovalContext {
            severity: incident.severity,
            config: &config,
            people,
        };
        current.transition(request.clone(), &actor, role, &context, now())
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/postmortem/sign-offs", tag = "postmortems", request_body = SignOffRequest,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = PostMortemView), (status = 409, body = Problem, description = "Not in review"),
        (status = 422, body = Problem, description = "The signer does not hold that role on the incident (D14)")))]
pub async fn sign_off(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SignOffRequest>,
) -> Result<ApiJson<PostMortemView>, ApiError> {
    let number = incident_number(&id)?;
    Ok(ApiJson(
        apply_sign_off(&state, number, caller.name(), request).await?,
    ))
}

/// A reviewer's sign-off as one of their incident-command roles (D14).
pub async fn apply_sign_off(
    state: &AppState,
    number: u64,
    signer: &str,
    request: SignOffRequest,
) -> Result<PostMortemView, ApiError> {
    let signer = signer.to_string();
    step(state, number, move |incident, current, _| {
        current.sign_off(request.clone(), &signer, &incident.roles, now())
    })
    .await
}
