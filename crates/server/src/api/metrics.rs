//! Governance metrics over the API: the aggregate report (durations, impact
//! and cost per group) and the register behind it (one row per incident),
//! both over the incidents `MetricsFilter` counts.

use crate::auth::Viewer;
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use firebreak_core::Timestamp;
use firebreak_core::incident::{Incident, Severity};
use firebreak_core::metrics::{
    self, GroupBy, IncidentRegister, MetricsFilter, MetricsReport, NotificationDelays,
};
use firebreak_core::regulatory::RegimeTable;
use firebreak_store::DocumentKind;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// all (default), severity, system, month, week, detection_source or
    /// found_by (monitoring or people).
    pub group_by: Option<GroupBy>,
    /// Only incidents detected at or after this moment.
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<Timestamp>,
    /// Only incidents detected before this moment.
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<Timestamp>,
    pub severity: Option<Severity>,
    pub system: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/metrics", tag = "metrics", params(MetricsQuery),
    responses((status = 200, body = MetricsReport), (status = 400, body = Problem)))]
pub async fn metrics(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<MetricsQuery>,
) -> Result<ApiJson<MetricsReport>, ApiError> {
    Ok(ApiJson(compute_metrics(&state, query).await?))
}

pub async fn compute_metrics(
    state: &AppState,
    query: MetricsQuery,
) -> Result<MetricsReport, ApiError> {
    let (incidents, notifications) = counted_record(state).await?;
    Ok(metrics::compute(
        &incidents,
        &notifications,
        &filter_of(query.from, query.to, query.severity, query.system),
        query.group_by.unwrap_or_default(),
    ))
}

/// Every incident and, per incident, how long each regime waited for its
/// first submitted report.
async fn counted_record(state: &AppState) -> Result<(Vec<Incident>, NotificationDelays), ApiError> {
    let (incidents, records) = state
        .run(|store| {
            Ok((
                store.all_incidents()?,
                store.documents(DocumentKind::Regulatory)?,
            ))
        })
        .await?;
    let mut notifications = NotificationDelays::new();
    for (incident, document) in records {
        let record = crate::api::regulatory::record_of(Some(&document))?;
        notifications.insert(
            incident.number,
            record.notification_delays(&incident, RegimeTable::builtin()),
        );
    }
    Ok((incidents, notifications))
}

pub fn filter_of(
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    severity: Option<Severity>,
    system: Option<String>,
) -> MetricsFilter {
    MetricsFilter {
        from,
        to,
        severity,
        system,
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    /// Only incidents detected at or after this moment.
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<Timestamp>,
    /// Only incidents detected before this moment.
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<Timestamp>,
    pub severity: Option<Severity>,
    pub system: Option<String>,
    /// `csv` for the spreadsheet form (also when the request accepts
    /// `text/csv`); JSON otherwise.
    #[param(inline)]
    pub format: Option<RegisterFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegisterFormat {
    Json,
    Csv,
}

/// The governance export: every real incident the filter counts, with its
/// severity, detection source, moments, durations, impact and cost, and the
/// totals (cost per currency).
#[utoipa::path(get, path = "/api/v1/metrics/register", tag = "metrics", params(RegisterQuery),
    responses((status = 200,
        description = "JSON, or CSV (a row per incident, then a TOTAL row per currency) when asked format=csv or Accept: text/csv",
        content((IncidentRegister = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem)))]
pub async fn incident_register(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<RegisterQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let register = read_register(
        &state,
        filter_of(query.from, query.to, query.severity, query.system),
    )
    .await?;
    let wants_csv = match query.format {
        Some(format) => format == RegisterFormat::Csv,
        None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv")),
    };
    if wants_csv {
        return Ok(register_csv(&register));
    }
    Ok(ApiJson(register).into_response())
}

/// The register of the incidents `filter` counts: what the API and the
/// metrics page's download both answer.
pub async fn read_register(
    state: &AppState,
    filter: MetricsFilter,
) -> Result<IncidentRegister, ApiError> {
    let (incidents, notifications) = counted_record(state).await?;
    Ok(metrics::register(&incidents, &notifications, &filter))
}

/// The register as a CSV download.
pub fn register_csv(register: &IncidentRegister) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"incident-register.csv\""),
            ),
        ],
        register.to_csv(),
    )
        .into_response()
}
