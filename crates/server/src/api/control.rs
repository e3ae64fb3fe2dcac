//! Containment: the control-state read path serving code polls or streams, the
//! containment actions on incidents, direct changes, and the outbound hooks.

use crate::api::incidents::{IncidentView, incident_number};
use crate::api::page::{PageQuery, Paged};
use crate::auth::{Admin, ControlReader, Responder, Viewer, random_secret};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::notify;
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use firebreak_core::Timestamp;
use firebreak_core::control::{ContainmentRequest, ControlMode, ControlState, Namespace};
use firebreak_core::incident::Incident;
use firebreak_core::timeline::sha256_hex;
use firebreak_store::ControlHook;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use tokio::sync::broadcast::error::RecvError;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NamespaceQuery {
    /// production (default) or drill.
    pub namespace: Option<Namespace>,
}

fn etag(state: &ControlState) -> String {
    format!("\"{}-{}\"", state.namespace.as_str(), state.version)
}

#[utoipa::path(get, path = "/api/v1/systems/{slug}/control", tag = "containment",
    params(("slug" = String, Path), NamespaceQuery),
    responses((status = 200, body = ControlState, description = "Carries an ETag; send it back in If-None-Match"),
        (status = 304, description = "Unchanged since the ETag you sent"), (status = 404, body = Problem)))]
pub async fn read(
    _reader: ControlReader,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiQuery(query): ApiQuery<NamespaceQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = query.namespace.unwrap_or_default();
    let current = state.control_state(namespace, slug).await?;
    let tag = etag(&current);
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sent| sent.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let tag = HeaderValue::from_str(&tag).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ApiJson(current).into_response()
    };
    response.headers_mut().insert(header::ETAG, tag);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

#[utoipa::path(get, path = "/api/v1/systems/{slug}/control/stream", tag = "containment",
    params(("slug" = String, Path), NamespaceQuery),
    responses((status = 200, description = "Server-Sent Events: `control` events carrying the ControlState, first the current one, then each change", content_type = "text/event-stream")))]
pub async fn stream(
    _reader: ControlReader,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiQuery(query): ApiQuery<NamespaceQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let namespace = query.namespace.unwrap_or_default();
    // Subscribe before reading, so no change between the two is missed.
    let mut changes = state.control_changes.subscribe();
    let lookup = slug.clone();
    let current = state
        .run(move |store| store.control_state(namespace, &lookup))
        .await?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(16);
    tokio::spawn(async move {
        let event = |s: &ControlState| {
            Ok(Event::default()
                .event("control")
                .id(s.version.to_string())
                .json_data(s)
                .expect("states serialize"))
        };
        let mut last_version = current.version;
        if sender.send(event(&current)).await.is_err() {
            return;
        }
        loop {
            let next = match changes.recv().await {
                Ok(change) if change.system == slug && change.namespace == namespace => change,
                Ok(_) => continue,
                // Too slow a reader skipped changes: send the state as it is now.
                Err(RecvError::Lagged(_)) => {
                    let lookup = slug.clone();
                    match state
                        .run(move |store| store.control_state(namespace, &lookup))
                        .await
                    {
                        Ok(current) => current,
                        Err(_) => return,
                    }
                }
                Err(RecvError::Closed) => return,
            };
            if next.version > last_version {
                last_version = next.version;
                if sender.send(event(&next)).await.is_err() {
                    return;
                }
            }
        }
    });
    Ok(Sse::new(ReceiverStream::new(receiver)).keep_alive(KeepAlive::default()))
}

#[utoipa::path(get, path = "/api/v1/control", tag = "containment", params(NamespaceQuery, PageQuery),
    responses((status = 200, body = Vec<ControlState>), (status = 400, body = Problem)))]
pub async fn list(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<NamespaceQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<ControlState>, ApiError> {
    let namespace = query.namespace.unwrap_or_default();
    let states = state
        .run(move |store| store.control_states(namespace))
        .await?;
    page.page(states, &uri)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SetControlRequest {
    #[serde(default)]
    pub namespace: Namespace,
    #[serde(flatten)]
    pub mode: ControlMode,
    pub reason: String,
}

#[utoipa::path(put, path = "/api/v1/systems/{slug}/control", tag = "containment", params(("slug" = String, Path)),
    request_body = SetControlRequest,
    responses((status = 200, body = ControlState), (status = 422, body = Problem)))]
pub async fn set(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(request): ApiJson<SetControlRequest>,
) -> Result<ApiJson<ControlState>, ApiError> {
    let actor = caller.name().to_string();
    let changed = state
        .run(move |store| {
            store.set_control(
                request.namespace,
                &slug,
                request.mode,
                &request.reason,
                &actor,
                now(),
            )
        })
        .await?;
    notify::control_changed(&state, changed.clone());
    Ok(ApiJson(changed))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContainmentResult {
    pub incident: IncidentView,
    pub control: ControlState,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/containment", tag = "containment",
    params(("id" = String, Path, description = "INC-<n>")), request_body = ContainmentRequest,
    responses((status = 200, body = ContainmentResult), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn contain(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ContainmentRequest>,
) -> Result<ApiJson<ContainmentResult>, ApiError> {
    let (incident, control) = apply_containment(&state, &id, caller.name(), request).await?;
    Ok(ApiJson(ContainmentResult {
        incident: incident.into(),
        control,
    }))
}

/// Shared by the API and the web UI.
pub async fn apply_containment(
    state: &AppState,
    id: &str,
    actor: &str,
    request: ContainmentRequest,
) -> Result<(Incident, ControlState), ApiError> {
    let number = incident_number(id)?;
    let actor = actor.to_string();
    let before = state
        .run(move |store| store.get_incident(number))
        .await?
        .status;
    let (incident, control) = state
        .run(move |store| store.contain(number, &request, &actor, now()))
        .await?;
    notify::control_changed(state, control.clone());
    if incident.status != before {
        state
            .checkpoint(
                format!("{} is now {}", incident.public_id(), incident.status),
                true,
            )
            .await?;
    }
    Ok((incident, control))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HookView {
    pub id: String,
    pub system: String,
    pub url: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<ControlHook> for HookView {
    fn from(h: ControlHook) -> Self {
        HookView {
            id: h.id,
            system: h.system,
            url: h.url,
            created_at: h.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedHook {
    #[serde(flatten)]
    pub hook: HookView,
    /// The HMAC-SHA256 key to check `X-Firebreak-Signature` with: shown once.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHook {
    pub url: String,
}

#[utoipa::path(get, path = "/api/v1/systems/{slug}/hooks", tag = "containment", params(("slug" = String, Path), PageQuery),
    responses((status = 200, body = Vec<HookView>), (status = 400, body = Problem)))]
pub async fn list_hooks(
    _admin: Admin,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<HookView>, ApiError> {
    let hooks = state
        .run(move |store| store.control_hooks(Some(&slug)))
        .await?;
    page.page(hooks.into_iter().map(HookView::from).collect(), &uri)
}

#[utoipa::path(post, path = "/api/v1/systems/{slug}/hooks", tag = "containment", params(("slug" = String, Path)),
    request_body = NewHook, responses((status = 201, body = CreatedHook), (status = 422, body = Problem)))]
pub async fn add_hook(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<NewHook>,
) -> Result<(StatusCode, ApiJson<CreatedHook>), ApiError> {
    let url = reqwest::Url::parse(&input.url)
        .map_err(|e| ApiError::invalid("url", format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::invalid("url", "must be an http(s) URL"));
    }
    let secret = random_secret();
    let id = format!("hook_{}", &sha256_hex(secret.as_bytes())[..12]);
    let hook = ControlHook {
        // Sealed at rest (D28); shown once, below.
        secret: state
            .secrets
            .seal(&secret, &crate::notify::hook_secret_place(&id)),
        id,
        system: slug,
        url: input.url,
        created_at: now(),
    };
    let stored = hook.clone();
    let actor = admin.name().to_string();
    state
        .run(move |store| store.add_control_hook(&stored, &actor))
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(CreatedHook {
            hook: hook.into(),
            secret,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/hooks/{id}", tag = "containment", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_hook(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let actor = admin.name().to_string();
    state
        .run(move |store| store.delete_control_hook(&id, &actor, now()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
