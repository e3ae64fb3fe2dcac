//! Changes on systems: recorded by CI pipelines and people through the API
//! and CLI, or heard from GitHub and GitLab deployment webhooks whose
//! deliveries are checked against the source's secret (sealed at rest, D28)
//! before anything is read; and an incident's triage context (what changed
//! before it, its blast radius).

use crate::api::incidents::incident_number;
use crate::api::page::{PageQuery, Paged};
use crate::auth::{Admin, Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::state::{AppState, now};
use crate::triage::{self, TriageContext};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use firebreak_core::Timestamp;
use firebreak_core::change::webhook::{ChangeSource, Heard, Provider, read_delivery};
use firebreak_core::change::{self, ChangeEvent, ChangeOrigin, NewChange};
use firebreak_core::timeline::sha256_hex;
use firebreak_store::{ChangeQuery, StoredChangeSource};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// Most changes one list answers.
const MAX_LIST: usize = 1_000;

#[utoipa::path(post, path = "/api/v1/changes", tag = "changes", request_body = NewChange,
    responses((status = 201, body = ChangeEvent), (status = 200, body = ChangeEvent,
        description = "A change with this external_id was already recorded"),
        (status = 422, body = Problem)))]
pub async fn record(
    Responder(caller): Responder,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewChange>,
) -> Result<(StatusCode, ApiJson<ChangeEvent>), ApiError> {
    let actor = caller.name().to_string();
    let (change, new) = state
        .run(move |store| store.record_change(input, ChangeOrigin::Api, &actor, now()))
        .await?;
    let status = crate::api::saved_status(new);
    Ok((status, ApiJson(change)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangeListQuery {
    /// Only changes on this system.
    pub system: Option<String>,
    /// With `system`: also the changes on every system it depends on,
    /// transitively (what a shift in its output can be owed to); without
    /// one it changes nothing, since every system is listed.
    #[serde(default)]
    pub upstream: bool,
    /// Only changes that took effect at or after this instant.
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<Timestamp>,
    /// Only changes that took effect at or before this instant.
    #[param(value_type = Option<String>, format = DateTime)]
    pub until: Option<Timestamp>,
    /// At most this many, newest first (default 100, at most 1000).
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/changes", tag = "changes", params(ChangeListQuery),
    responses((status = 200, body = Vec<ChangeEvent>), (status = 400, body = Problem)))]
pub async fn list(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ChangeListQuery>,
) -> Result<ApiJson<Vec<ChangeEvent>>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_LIST {
        return Err(ApiError::bad_request(
            Some("limit"),
            format!("between 1 and {MAX_LIST}"),
        ));
    }
    Ok(ApiJson(
        state
            .run(move |store| {
                let systems: Vec<String> = query.system.into_iter().collect();
                let systems = if query.upstream {
                    triage::upstream_systems(store, &systems)?
                } else {
                    systems
                };
                store.changes(&ChangeQuery {
                    systems,
                    from: query.since,
                    until: query.until,
                    limit,
                })
            })
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/changes/{change_id}", tag = "changes",
    params(("change_id" = String, Path, description = "CH-<n>")),
    responses((status = 200, body = ChangeEvent), (status = 404, body = Problem)))]
pub async fn show(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<ChangeEvent>, ApiError> {
    Ok(ApiJson(state.run(move |store| store.change(&id)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    /// How far back from the incident's start to look (default 72).
    pub window_hours: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/context", tag = "changes",
    params(("id" = String, Path, description = "INC-<n>"), WindowQuery),
    responses((status = 200, body = TriageContext), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn incident_context(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<WindowQuery>,
) -> Result<ApiJson<TriageContext>, ApiError> {
    let number = incident_number(&id)?;
    let window = match query.window_hours {
        Some(hours) => SignedDuration::from_hours(hours.clamp(-1, i64::from(i32::MAX))),
        None => change::DEFAULT_WINDOW,
    };
    Ok(ApiJson(triage::context(&state, number, window).await?))
}

/// A change source to save, with the webhook secret the provider is given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeSourceInput {
    #[serde(flatten)]
    pub source: ChangeSource,
    /// GitHub's webhook secret, GitLab's secret token (both required), or
    /// the MLflow tracking server's bearer token (where it asks for one):
    /// sealed at rest and never returned.
    #[serde(default)]
    pub secret: Option<String>,
}

/// A change source as shown: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeSourceView {
    #[serde(flatten)]
    pub source: ChangeSource,
    /// Where the provider sends its deliveries, relative to this server.
    pub webhook_path: String,
    /// Whether a secret is kept (sealed, never shown).
    pub secret_sealed: bool,
    /// An MLflow source once polled: where each model's aliases and stages
    /// pointed at the last poll (`credit-model/alias/champion` → `4`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<std::collections::BTreeMap<String, String>>,
}

fn view(stored: StoredChangeSource) -> ChangeSourceView {
    ChangeSourceView {
        webhook_path: format!("/api/v1/changes/webhooks/{}", stored.source.slug),
        registry: stored.registry.polled.then_some(stored.registry.pointers),
        source: stored.source,
        secret_sealed: !stored.sealed_secret.is_empty(),
    }
}

/// Where a source's secret is sealed: it opens only for that source.
pub fn secret_place(slug: &str) -> String {
    format!("change-source:{slug}")
}

/// The shortest webhook secret taken: GitHub recommends a random string of
/// high entropy.
const MIN_SECRET: usize = 16;

#[utoipa::path(put, path = "/api/v1/change-sources/{source_slug}", tag = "changes",
    params(("source_slug" = String, Path)), request_body = ChangeSourceInput,
    responses((status = 201, body = ChangeSourceView), (status = 200, body = ChangeSourceView),
        (status = 422, body = Problem)))]
pub async fn put_source(
    Admin(caller): Admin,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<ChangeSourceInput>,
) -> Result<(StatusCode, ApiJson<ChangeSourceView>), ApiError> {
    if input.source.slug != slug {
        return Err(ApiError::invalid(
            "slug",
            format!("must be \"{slug}\", as in the path"),
        ));
    }
    let secret = input.secret.as_deref().map(str::trim).unwrap_or_default();
    let webhook = input.source.provider != Provider::Mlflow;
    if webhook && secret.chars().count() < MIN_SECRET {
        return Err(ApiError::invalid(
            "secret",
            format!("at least {MIN_SECRET} characters; use a random string"),
        ));
    }
    let stored = StoredChangeSource {
        sealed_secret: if secret.is_empty() {
            String::new()
        } else {
            state.secrets.seal(secret, &secret_place(&slug))
        },
        source: input.source,
        registry: Default::default(),
    };
    let saved = stored.clone();
    let actor = caller.name().to_string();
    let created = state
        .run(move |store| store.save_change_source(&saved, &actor, now()))
        .await?;
    let status = crate::api::saved_status(created);
    Ok((status, ApiJson(view(stored))))
}

#[utoipa::path(get, path = "/api/v1/change-sources", tag = "changes", params(PageQuery),
    responses((status = 200, body = Vec<ChangeSourceView>), (status = 400, body = Problem)))]
pub async fn list_sources(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<ChangeSourceView>, ApiError> {
    let sources = state.run(|store| store.change_sources()).await?;
    page.page(sources.into_iter().map(view).collect(), &uri)
}

#[utoipa::path(delete, path = "/api/v1/change-sources/{source_slug}", tag = "changes",
    params(("source_slug" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem)))]
pub async fn delete_source(
    Admin(caller): Admin,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.name().to_string();
    state
        .run(move |store| store.remove_change_source(&slug, &actor, now()))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a delivery did.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOutcome {
    /// `recorded`, `duplicate` (this delivery was recorded before) or
    /// `ignored`.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<ChangeEvent>,
    /// Why nothing was recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether the delivery carries the source's secret: GitHub's
/// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`, GitLab's
/// `X-Gitlab-Token: <secret>`; both compared in constant time.
fn authentic(provider: Provider, secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    match provider {
        Provider::Github => {
            crate::hub_signature::valid(header(headers, "x-hub-signature-256"), secret, body)
        }
        // Equal digests for equal tokens; comparing digests tells a timing
        // attacker nothing about the secret.
        // A polled source takes no deliveries.
        Provider::Mlflow => false,
        Provider::Gitlab => header(headers, "x-gitlab-token")
            .is_some_and(|given| sha256_hex(given.as_bytes()) == sha256_hex(secret.as_bytes())),
    }
}

#[utoipa::path(post, path = "/api/v1/changes/webhooks/{source_slug}", tag = "changes",
    params(("source_slug" = String, Path)),
    request_body(content = Object, description = "GitHub `deployment_status` or GitLab deployment event"),
    security(()),
    responses((status = 201, body = DeliveryOutcome), (status = 200, body = DeliveryOutcome),
        (status = 202, body = DeliveryOutcome, description = "Heard, nothing to record"),
        (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn webhook(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, ApiJson<DeliveryOutcome>), ApiError> {
    let lookup = slug.clone();
    let stored = match state.run(move |store| store.change_source(&lookup)).await {
        // An unknown source answers like a bad signature: senders learn
        // nothing about which sources exist.
        Err(ApiError::NotFound(_)) => return Err(ApiError::SignatureRefused),
        other => other?,
    };
    let secret = state
        .secrets
        .open(&stored.sealed_secret, &secret_place(&slug))
        .map_err(|e| ApiError::Internal(format!("the secret of change source {slug}: {e}")))?;
    if !authentic(stored.source.provider, &secret, &headers, &body) {
        return Err(ApiError::SignatureRefused);
    }
    let payload: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(None, format!("the body is not JSON: {e}")))?;
    let event_header = match stored.source.provider {
        Provider::Github => "x-github-event",
        Provider::Gitlab | Provider::Mlflow => "x-gitlab-event",
    };
    let event = header(&headers, event_header)
        .unwrap_or_default()
        .to_string();
    let provider = stored.source.provider;
    match read_delivery(&stored.source, &event, &payload)? {
        Heard::Ignored(reason) => Ok((
            StatusCode::ACCEPTED,
            ApiJson(DeliveryOutcome {
                outcome: "ignored".into(),
                change: None,
                reason: Some(reason),
            }),
        )),
        Heard::Change(new) => {
            let actor = format!("{}:{slug}", provider_name(provider));
            let (change, recorded) = state
                .run(move |store| store.record_change(new, provider.origin(), &actor, now()))
                .await?;
            let (status, outcome) = if recorded {
                (StatusCode::CREATED, "recorded")
            } else {
                (StatusCode::OK, "duplicate")
            };
            Ok((
                status,
                ApiJson(DeliveryOutcome {
                    outcome: outcome.into(),
                    change: Some(change),
                    reason: None,
                }),
            ))
        }
    }
}

pub fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Github => "github",
        Provider::Gitlab => "gitlab",
        Provider::Mlflow => "mlflow",
    }
}
