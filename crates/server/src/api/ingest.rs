//! Alert ingest from Prometheus Alertmanager (webhook payload version 4),
//! PagerDuty Events API v2 and generic JSON, with the integrations whose keys
//! authenticate them (D16) and whose rules route alerts to systems.
//!
//! A payload is checked whole before anything is stored, so a malformed one
//! stores nothing. PagerDuty's endpoint answers in PagerDuty's own format.

use crate::api::page::{PageQuery, Paged};
use crate::auth::{Admin, random_secret, secret_hash};
use crate::error::{ApiError, ApiJson, ApiQuery, FormatJson, Problem};
use crate::state::{AppState, now};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use firebreak_core::alert::{
    AlertSource, AlertStatus, IncomingAlert, RoutingRule, severity_from_alert,
};
use firebreak_core::{FieldError, Timestamp};
use firebreak_store::{IngestOutcome, Integration};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub const INTEGRATION_KEY_PREFIX: &str = "fbi_";

#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationView {
    pub id: String,
    pub name: String,
    pub source: AlertSource,
    pub rules: Vec<RoutingRule>,
    pub mapping: BTreeMap<String, String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
}

impl From<Integration> for IntegrationView {
    fn from(i: Integration) -> Self {
        IntegrationView {
            id: i.id,
            name: i.name,
            source: i.source,
            rules: i.rules,
            mapping: i.mapping,
            created_at: i.created_at,
            revoked_at: i.revoked_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntegration {
    pub name: String,
    pub source: AlertSource,
    /// Checked in order; the first whose matchers all hold routes the alert.
    #[serde(default)]
    pub rules: Vec<RoutingRule>,
    /// Generic sources: alert field (summary, dedup_key, status, severity,
    /// labels, annotations, starts_at, generator_url) → JSON pointer.
    #[serde(default)]
    pub mapping: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedIntegration {
    #[serde(flatten)]
    pub integration: IntegrationView,
    /// The integration key: shown once. Alertmanager and generic sources send
    /// it as a bearer token, PagerDuty as `routing_key`.
    pub key: String,
}

/// The alert fields a generic source's mapping may point at.
pub const MAPPABLE: [&str; 8] = [
    "summary",
    "dedup_key",
    "status",
    "severity",
    "labels",
    "annotations",
    "starts_at",
    "generator_url",
];

/// Checks a generic source's mapping, naming every entry at fault at once.
pub fn check_mapping(mapping: &BTreeMap<String, String>) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for (field, pointer) in mapping {
        if !MAPPABLE.contains(&field.as_str()) {
            errors.push(FieldError::new(
                format!("mapping.{field}"),
                format!("not a mappable field; use one of {}", MAPPABLE.join(", ")),
            ));
        } else if !pointer.is_empty() && !pointer.starts_with('/') {
            errors.push(FieldError::new(
                format!("mapping.{field}"),
                "a JSON pointer starts with /",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

#[utoipa::path(post, path = "/api/v1/integrations", tag = "alerts", request_body = NewIntegration,
    responses((status = 201, body = CreatedIntegration), (status = 422, body = Problem)))]
pub async fn create_integration(
    Admin(admin): Admin,
    State(state): State<AppState>,
    FormatJson(input): FormatJson<NewIntegration>,
) -> Result<(StatusCode, ApiJson<CreatedIntegration>), ApiError> {
    if input.name.trim().is_empty() {
        return Err(ApiError::invalid("name", "must not be empty"));
    }
    if input.source == AlertSource::Monitor {
        return Err(ApiError::invalid(
            "source",
            "monitor alerts come from Firebreak's own monitors; define a monitor instead",
        ));
    }
    check_mapping(&input.mapping)?;
    let key = format!("{INTEGRATION_KEY_PREFIX}{}", random_secret());
    let integration = Integration {
        id: format!("int_{}", &secret_hash(&key)[..12]),
        name: input.name.trim().to_string(),
        source: input.source,
        key_hash: secret_hash(&key),
        rules: input.rules,
        mapping: input.mapping,
        created_at: now(),
        revoked_at: None,
    };
    let stored = integration.clone();
    let actor = admin.name().to_string();
    state
        .run(move |store| store.create_integration(&stored, &actor))
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(CreatedIntegration {
            integration: integration.into(),
            key,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/integrations", tag = "alerts", params(PageQuery), responses((status = 200, body = Vec<IntegrationView>), (status = 400, body = Problem)))]
pub async fn list_integrations(
    _admin: Admin,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<IntegrationView>, ApiError> {
    let all = state.run(|store| store.integrations()).await?;
    page.page(all.into_iter().map(IntegrationView::from).collect(), &uri)
}

#[utoipa::path(delete, path = "/api/v1/integrations/{id}", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = IntegrationView), (status = 404, body = Problem)))]
pub async fn revoke_integration(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<IntegrationView>, ApiError> {
    let actor = admin.name().to_string();
    let revoked = state
        .run(move |store| store.revoke_integration(&id, &actor, now()))
        .await?;
    state.caches.forget_integrations();
    Ok(ApiJson(revoked.into()))
}

/// The integration a key names, if it is usable for `source`.
async fn integration_for(
    state: &AppState,
    key: &str,
    source: AlertSource,
) -> Result<Option<Integration>, ApiError> {
    let hash = secret_hash(key.trim());
    let found = match state.caches.integration(&hash) {
        Some(known) => Some(known),
        None => {
            let lookup = hash.clone();
            let found = state
                .run(move |store| store.find_integration(&lookup))
                .await?;
            if let Some(integration) = &found {
                state.caches.remember_integration(hash, integration.clone());
            }
            found
        }
    };
    Ok(found.filter(|i| i.source == source))
}

async fn bearer_integration(
    state: &AppState,
    headers: &HeaderMap,
    source: AlertSource,
) -> Result<Integration, ApiError> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    integration_for(state, key, source)
        .await?
        .ok_or(ApiError::Unauthorized)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IngestSummary {
    /// Alerts stored or updated.
    pub alerts: usize,
    /// Incidents this payload declared, `INC-<n>`.
    pub declared: Vec<String>,
    /// Incidents the alerts are linked to.
    pub incidents: Vec<String>,
}

async fn ingest_all(
    state: &AppState,
    integration: Integration,
    alerts: Vec<IncomingAlert>,
) -> Result<Vec<IngestOutcome>, ApiError> {
    state
        .run(move |store| {
            alerts
                .into_iter()
                .map(|alert| store.ingest_alert(&integration, alert, now()))
                .collect()
        })
        .await
}

fn summarize(outcomes: &[IngestOutcome]) -> IngestSummary {
    let mut incidents: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.alert.as_ref().and_then(|a| a.incident.clone()))
        .collect();
    incidents.sort();
    incidents.dedup();
    IngestSummary {
        alerts: outcomes.iter().filter(|o| o.alert.is_some()).count(),
        declared: outcomes
            .iter()
            .filter_map(|o| o.declared.as_ref().map(|i| i.public_id()))
            .collect(),
        incidents,
    }
}

/// Alertmanager's webhook payload, version 4. Unknown fields are tolerated.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerPayload {
    pub version: String,
    pub group_key: String,
    pub status: String,
    pub receiver: String,
    #[serde(default)]
    pub group_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    #[serde(default, rename = "externalURL")]
    pub external_url: Option<String>,
    #[serde(default)]
    pub truncated_alerts: Option<u64>,
    pub alerts: Vec<AlertmanagerAlert>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerAlert {
    pub status: String,
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: Option<String>,
    pub fingerprint: String,
}

fn parse_status(field: &str, status: &str) -> Result<AlertStatus, ApiError> {
    match status {
        "firing" => Ok(AlertStatus::Firing),
        "resolved" => Ok(AlertStatus::Resolved),
        other => Err(ApiError::bad_request(
            Some(field),
            format!("`{other}` is not firing or resolved"),
        )),
    }
}

fn parse_time_field(field: &str, text: &str) -> Result<Timestamp, ApiError> {
    text.parse().map_err(|e| {
        ApiError::bad_request(
            Some(field),
            format!("`{text}` is not an RFC 3339 time: {e}"),
        )
    })
}

fn alertmanager_alerts(payload: AlertmanagerPayload) -> Result<Vec<IncomingAlert>, ApiError> {
    if payload.version != "4" {
        return Err(ApiError::bad_request(
            Some("version"),
            format!(
                "version `{}` is not supported; Firebreak reads version 4",
                payload.version
            ),
        ));
    }
    parse_status("status", &payload.status)?;
    payload
        .alerts
        .into_iter()
        .enumerate()
        .map(|(i, alert)| {
            let field = |name: &str| format!("alerts[{i}].{name}");
            if alert.fingerprint.trim().is_empty() {
                return Err(ApiError::bad_request(
                    Some(&field("fingerprint")),
                    "must not be empty",
                ));
            }
            let status = parse_status(&field("status"), &alert.status)?;
            let starts_at = parse_time_field(&field("startsAt"), &alert.starts_at)?;
            // Alertmanager sends the zero time for "no end".
            let ends_at = match alert.ends_at.as_deref() {
                None | Some("") | Some("0001-01-01T00:00:00Z") => None,
                Some(text) => Some(parse_time_field(&field("endsAt"), text)?),
            };
            let summary = alert
                .annotations
                .get("summary")
                .or_else(|| alert.labels.get("alertname"))
                .cloned()
                .unwrap_or_else(|| format!("alert {}", alert.fingerprint));
            Ok(IncomingAlert {
                source: AlertSource::Alertmanager,
                dedup_key: format!("{}@{starts_at}", alert.fingerprint),
                status,
                summary,
                severity: severity_from_alert(alert.labels.get("severity").map(String::as_str)),
                labels: alert.labels,
                annotations: alert.annotations,
                starts_at: Some(starts_at),
                ends_at,
                generator_url: alert.generator_url.filter(|u| !u.is_empty()),
            })
        })
        .collect()
}

#[utoipa::path(post, path = "/api/v1/ingest/alertmanager", tag = "alerts", request_body = AlertmanagerPayload,
    security(("integration_key" = [])),
    responses((status = 200, body = IngestSummary), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn alertmanager(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<ApiJson<IngestSummary>, ApiError> {
    let integration = bearer_integration(&state, &headers, AlertSource::Alertmanager).await?;
    let payload: AlertmanagerPayload = parse_json(&body)?;
    let alerts = alertmanager_alerts(payload)?;
    let outcomes = ingest_all(&state, integration, alerts).await?;
    Ok(ApiJson(summarize(&outcomes)))
}

/// Parses a body with the field path in the error, and holds its strings to
/// their lengths, like `ApiJson`.
fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    let parsed = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let field = (path != ".").then_some(path);
        ApiError::BadRequest {
            message: match &field {
                Some(f) => format!("{f}: {}", e.inner()),
                None => e.inner().to_string(),
            },
            field,
        }
    })?;
    let raw: Value =
        serde_json::from_slice(body).map_err(|e| ApiError::bad_request(None, e.to_string()))?;
    crate::limits::check_json_texts(&raw)?;
    Ok(parsed)
}

/// PagerDuty's answers: 202 with the dedup key, or 400 `invalid event`.
fn pagerduty_answer(status: StatusCode, body: Value) -> Response {
    (status, ApiJson(body)).into_response()
}

fn pagerduty_invalid(errors: Vec<String>) -> Response {
    pagerduty_answer(
        StatusCode::BAD_REQUEST,
        json!({ "status": "invalid event", "message": "Event object is invalid", "errors": errors }),
    )
}

struct PagerdutyEvent {
    routing_key: String,
    alert: IncomingAlert,
}

/// ISO 8601 as PagerDuty's examples write it, including offsets without a
/// colon (`+0000`), which RFC 3339 parsers refuse.
fn parse_iso8601(text: &str) -> Result<Timestamp, jiff::Error> {
    text.parse::<Timestamp>().or_else(|error| {
        let bytes = text.as_bytes();
        let n = bytes.len();
        let compact_offset = n > 5
            && matches!(bytes[n - 5], b'+' | b'-')
            && bytes[n - 4..].iter().all(u8::is_ascii_digit);
        if compact_offset {
            format!("{}:{}", &text[..n - 2], &text[n - 2..]).parse()
        } else {
            Err(error)
        }
    })
}

/// Checks an Events API v2 event with PagerDuty's rules, collecting every
/// problem as PagerDuty does.
fn pagerduty_event(value: &Value) -> Result<PagerdutyEvent, Vec<String>> {
    let mut errors = Vec::new();
    let text = |v: &Value| v.as_str().map(str::to_string);
    let routing_key = text(&value["routing_key"]).filter(|k| !k.is_empty());
    if routing_key.is_none() {
        errors.push("'routing_key' is missing or blank".to_string());
    }
    let action = text(&value["event_action"]);
    let status = match action.as_deref() {
        Some("trigger") => AlertStatus::Firing,
        Some("acknowledge") => AlertStatus::Acknowledged,
        Some("resolve") => AlertStatus::Resolved,
        _ => {
            errors.push("'event_action' must be one of trigger, acknowledge, resolve".to_string());
            AlertStatus::Firing
        }
    };
    let dedup_key = text(&value["dedup_key"]).filter(|k| !k.is_empty());
    if dedup_key.as_ref().is_some_and(|k| k.len() > 255) {
        errors.push("'dedup_key' must be at most 255 characters".to_string());
    }
    if status != AlertStatus::Firing && dedup_key.is_none() {
        errors.push("'dedup_key' is required to acknowledge or resolve".to_string());
    }
    let payload = &value["payload"];
    let mut summary = String::new();
    let mut severity = None;
    let mut starts_at = None;
    if status == AlertStatus::Firing {
        if !payload.is_object() {
            errors.push("'payload' is missing or not an object".to_string());
        }
        match text(&payload["summary"]) {
            Some(s) if !s.trim().is_empty() && s.len() <= 1024 => summary = s,
            Some(s) if s.len() > 1024 => {
                errors.push("'payload.summary' must be at most 1024 characters".to_string())
            }
            _ => errors.push("'payload.summary' is missing or blank".to_string()),
        }
        if text(&payload["source"]).is_none_or(|s| s.trim().is_empty()) {
            errors.push("'payload.source' is missing or blank".to_string());
        }
        match text(&payload["severity"]).as_deref() {
            Some(s @ ("critical" | "error" | "warning" | "info")) => severity = Some(s.to_string()),
            _ => errors.push(
                "'payload.severity' must be one of critical, error, warning, info".to_string(),
            ),
        }
        if let Some(ts) = text(&payload["timestamp"]) {
            match parse_iso8601(&ts) {
                Ok(t) => starts_at = Some(t),
                Err(_) => errors.push("'payload.timestamp' is not an ISO 8601 time".to_string()),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut labels = BTreeMap::new();
    for field in ["source", "component", "group", "class", "severity"] {
        if let Some(v) = text(&payload[field]) {
            labels.insert(field.to_string(), v);
        }
    }
    if let Some(details) = payload["custom_details"].as_object() {
        for (key, v) in details {
            labels.insert(
                key.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_string),
            );
        }
    }
    let dedup_key = dedup_key.unwrap_or_else(|| secret_hash(&random_secret())[..32].to_string());
    Ok(PagerdutyEvent {
        routing_key: routing_key.unwrap_or_default(),
        alert: IncomingAlert {
            source: AlertSource::Pagerduty,
            dedup_key,
            status,
            summary,
            severity: severity_from_alert(severity.as_deref()),
            labels,
            annotations: BTreeMap::new(),
            starts_at,
            ends_at: None,
            generator_url: text(&value["client_url"]),
        },
    })
}

#[utoipa::path(post, path = "/api/v1/ingest/pagerduty/v2/enqueue", tag = "alerts",
    request_body(content = Object, description = "A PagerDuty Events API v2 event; `routing_key` is the integration key"),
    security(()),
    responses((status = 202, body = Object, description = "`{status, message, dedup_key}` as PagerDuty answers"),
        (status = 400, body = Object, description = "`{status: \"invalid event\", message, errors}`"),
        (status = 401, body = Object, description = "Unknown routing key"),
        (status = 413, body = Object, description = "The event is larger than PagerDuty accepts"),
        (status = 429, body = Object, description = "Too many events; see Retry-After")))]
pub async fn pagerduty(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return Ok(pagerduty_invalid(vec!["the body is not valid JSON".into()]));
    };
    if let Err(ApiError::Invalid(errors)) = crate::limits::check_json_texts(&value) {
        let messages = errors
            .iter()
            .map(|e| format!("'{}' {}", e.field, e.message))
            .collect();
        return Ok(pagerduty_invalid(messages));
    }
    let event = match pagerduty_event(&value) {
        Ok(event) => event,
        Err(errors) => return Ok(pagerduty_invalid(errors)),
    };
    let Some(integration) =
        integration_for(&state, &event.routing_key, AlertSource::Pagerduty).await?
    else {
        return Ok(pagerduty_answer(
            StatusCode::UNAUTHORIZED,
            json!({ "status": "unrecognized routing key", "message": "No integration has this routing_key", "errors": ["'routing_key' is not a Firebreak PagerDuty integration key"] }),
        ));
    };
    let dedup_key = event.alert.dedup_key.clone();
    let outcomes = ingest_all(&state, integration, vec![event.alert]).await?;
    let message = if outcomes[0].alert.is_some() {
        "Event processed"
    } else {
        "Event ignored: no open alert with this dedup_key"
    };
    Ok(pagerduty_answer(
        StatusCode::ACCEPTED,
        json!({ "status": "success", "message": message, "dedup_key": dedup_key }),
    ))
}

fn pointer(mapping: &BTreeMap<String, String>, field: &str) -> String {
    mapping
        .get(field)
        .cloned()
        .unwrap_or_else(|| format!("/{field}"))
}

fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Reads an alert out of any JSON with the integration's mapping; the
/// defaults are the field names at the top level.
fn generic_alert(
    value: &Value,
    mapping: &BTreeMap<String, String>,
) -> Result<IncomingAlert, ApiError> {
    let at = |field: &str| {
        value
            .pointer(&pointer(mapping, field))
            .filter(|v| !v.is_null())
    };
    let summary = at("summary")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(
                Some(&pointer(mapping, "summary")),
                "the alert summary is missing or not a string",
            )
        })?
        .to_string();
    let labels = string_map(at("labels"));
    let status = match at("status")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("firing" | "triggered" | "trigger" | "open" | "alert" | "problem") => {
            AlertStatus::Firing
        }
        Some("resolved" | "resolve" | "ok" | "closed" | "recovered") => AlertStatus::Resolved,
        Some("acknowledged" | "acknowledge") => AlertStatus::Acknowledged,
        Some(other) => {
            return Err(ApiError::bad_request(
                Some(&pointer(mapping, "status")),
                format!("`{other}` is not firing, acknowledged or resolved"),
            ));
        }
    };
    let starts_at = match at("starts_at") {
        None => None,
        Some(v) => Some(
            v.as_str()
                .and_then(|s| s.parse::<Timestamp>().ok())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        Some(&pointer(mapping, "starts_at")),
                        "not an RFC 3339 time with an offset",
                    )
                })?,
        ),
    };
    let dedup_key = match at("dedup_key") {
        Some(v) => v.as_str().map_or_else(|| v.to_string(), str::to_string),
        None => secret_hash(&format!(
            "{summary}|{}",
            serde_json::to_string(&labels).unwrap_or_default()
        ))[..32]
            .to_string(),
    };
    Ok(IncomingAlert {
        source: AlertSource::Generic,
        dedup_key,
        status,
        summary,
        severity: severity_from_alert(at("severity").and_then(Value::as_str)),
        labels,
        annotations: string_map(at("annotations")),
        starts_at,
        ends_at: None,
        generator_url: at("generator_url")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

#[utoipa::path(post, path = "/api/v1/ingest/generic", tag = "alerts",
    request_body(content = Object, description = "Any JSON object, or an array of them; fields are read with the integration's mapping (defaults: /summary, /dedup_key, /status, /severity, /labels, /annotations, /starts_at, /generator_url)"),
    security(("integration_key" = [])),
    responses((status = 200, body = IngestSummary), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn generic(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<ApiJson<IngestSummary>, ApiError> {
    let integration = bearer_integration(&state, &headers, AlertSource::Generic).await?;
    let value: Value = parse_json(&body)?;
    let items = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    let alerts = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            generic_alert(item, &integration.mapping).map_err(|e| match e {
                ApiError::BadRequest { message, field } if items.len() > 1 => {
                    ApiError::BadRequest {
                        message: format!("item {i}: {message}"),
                        field: field.map(|f| format!("[{i}]{f}")),
                    }
                }
                other => other,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let outcomes = ingest_all(&state, integration, alerts).await?;
    Ok(ApiJson(summarize(&outcomes)))
}
