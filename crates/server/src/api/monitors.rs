//! Firebreak's own monitors: define, list, show (with the run series),
//! run now, backfill past partitions, pause, resume and delete.

use crate::api::page::{PageQuery, Paged};
use crate::auth::{Commander, Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::monitors::changes::{ChangePoint, change_points, name_preceding_changes};
use crate::monitors::source::Reader;
use crate::monitors::{check_files, check_window, run_once};
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use firebreak_core::alert::Alert;
use firebreak_core::monitor::{
    Breach, Monitor, MonitorDefinition, MonitorRun, MonitorState, MonitorStatus, Verdict,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// Runs shown with a monitor.
const SHOWN_RUNS: usize = 200;
/// Partitions one backfill walks at most.
const BACKFILL_LIMIT: usize = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonitorQuery {
    /// Only the monitors of this system.
    pub system: Option<String>,
    /// Items per page: 1 to 1000, default 100. The `Link` header names the next page.
    pub limit: Option<usize>,
    /// Items to skip; taken from the previous page's `Link` header.
    pub offset: Option<usize>,
}

async fn known_systems(state: &AppState) -> Result<Vec<String>, ApiError> {
    let systems = state.run(|store| store.list_systems()).await?;
    Ok(systems.into_iter().map(|s| s.slug).collect())
}

#[utoipa::path(post, path = "/api/v1/monitors", tag = "monitors", request_body = MonitorDefinition,
    responses((status = 201, body = Monitor), (status = 400, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem, description = "A field is wrong: a path that does not exist, a column the log lacks, an unparseable schedule or threshold")))]
pub async fn create(
    _caller: Commander,
    State(state): State<AppState>,
    ApiJson(definition): ApiJson<MonitorDefinition>,
) -> Result<(StatusCode, ApiJson<Monitor>), ApiError> {
    definition.check(&known_systems(&state).await?)?;
    let checking = definition.clone();
    tokio::task::spawn_blocking(move || check_files(&checking))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let at = now();
    let monitor = Monitor {
        definition,
        status: MonitorStatus::new(at),
        created_at: at,
    };
    let stored = monitor.clone();
    state
        .run(move |store| store.create_monitor(&stored))
        .await?;
    Ok((StatusCode::CREATED, ApiJson(monitor)))
}

#[utoipa::path(get, path = "/api/v1/monitors", tag = "monitors", params(MonitorQuery),
    responses((status = 200, body = Vec<Monitor>), (status = 400, body = Problem)))]
pub async fn list(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<MonitorQuery>,
    uri: Uri,
) -> Result<Paged<Monitor>, ApiError> {
    let page = PageQuery {
        limit: query.limit,
        offset: query.offset,
    };
    let all = state
        .run(move |store| store.monitors(query.system.as_deref()))
        .await?;
    page.page(all, &uri)
}

/// A monitor with its newest runs, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitorDetail {
    #[serde(flatten)]
    pub monitor: Monitor,
    pub runs: Vec<MonitorRun>,
}

#[utoipa::path(get, path = "/api/v1/monitors/{monitor}", tag = "monitors",
    params(("monitor" = String, Path, description = "The monitor's name")),
    responses((status = 200, body = MonitorDetail), (status = 404, body = Problem)))]
pub async fn show(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<ApiJson<MonitorDetail>, ApiError> {
    let (monitor, runs) = state
        .run(move |store| {
            Ok((
                store.monitor(&name)?,
                store.monitor_runs(&name, SHOWN_RUNS)?,
            ))
        })
        .await?;
    Ok(ApiJson(MonitorDetail { monitor, runs }))
}

async fn set_paused(state: &AppState, name: String, paused: bool) -> Result<Monitor, ApiError> {
    state
        .run(move |store| store.set_monitor_paused(&name, paused, now()))
        .await
}

#[utoipa::path(post, path = "/api/v1/monitors/{monitor}/pause", tag = "monitors",
    params(("monitor" = String, Path, description = "The monitor's name")),
    responses((status = 200, body = Monitor), (status = 404, body = Problem)))]
pub async fn pause(
    _caller: Commander,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<ApiJson<Monitor>, ApiError> {
    Ok(ApiJson(set_paused(&state, name, true).await?))
}

#[utoipa::path(post, path = "/api/v1/monitors/{monitor}/resume", tag = "monitors",
    params(("monitor" = String, Path, description = "The monitor's name")),
    responses((status = 200, body = Monitor), (status = 404, body = Problem)))]
pub async fn resume(
    _caller: Commander,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<ApiJson<Monitor>, ApiError> {
    Ok(ApiJson(set_paused(&state, name, false).await?))
}

#[utoipa::path(delete, path = "/api/v1/monitors/{monitor}", tag = "monitors",
    params(("monitor" = String, Path, description = "The monitor's name")),
    responses((status = 200, body = Monitor), (status = 404, body = Problem)))]
pub async fn delete(
    _caller: Commander,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<ApiJson<Monitor>, ApiError> {
    let monitor = state
        .run(move |store| {
            let monitor = store.monitor(&name)?;
            store.delete_monitor(&name)?;
            Ok(monitor)
        })
        .await?;
    Ok(ApiJson(monitor))
}

/// What a run now did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunAnswer {
    /// The run stored; none when nothing new was ready (or a failure is
    /// being retried).
    pub run: Option<MonitorRun>,
    pub status: MonitorStatus,
    /// The alerts it raised, repeated or resolved.
    pub alerts: Vec<Alert>,
    /// Incidents it declared, `INC-<n>`.
    pub declared: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/monitors/{monitor}/run", tag = "monitors",
    params(("monitor" = String, Path, description = "The monitor's name")),
    responses((status = 200, body = RunAnswer), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "A run of this monitor is under way")))]
pub async fn run(
    _caller: Responder,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<ApiJson<RunAnswer>, ApiError> {
    let lookup = name.clone();
    let monitor = state.run(move |store| store.monitor(&lookup)).await?;
    let busy = || ApiError::Conflict {
        message: format!("a run of monitor `{name}` is under way"),
        allowed: vec![],
    };
    let _claim = state.monitor_runs.claim(&name).ok_or_else(busy)?;
    let recorded = run_once(&state, monitor).await?;
    Ok(ApiJson(RunAnswer {
        run: recorded.run,
        status: recorded.status,
        alerts: recorded
            .outcomes
            .iter()
            .filter_map(|o| o.alert.clone())
            .collect(),
        declared: recorded
            .outcomes
            .iter()
            .filter_map(|o| o.declared.as_ref().map(|i| i.public_id()))
            .collect(),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackfillRequest {
    /// The first partition to check (by name, inclusive).
    #[serde(default)]
    pub from: Option<String>,
    /// The last partition to check (by name, inclusive).
    #[serde(default)]
    pub to: Option<String>,
}

/// One past window, checked as a scheduled run would check it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackfillPoint {
    pub window: String,
    pub state: MonitorState,
    pub rows: u64,
    pub metrics: BTreeMap<String, f64>,
    pub breaches: Vec<Breach>,
    /// Why data was insufficient, or why the window could not be read.
    pub note: Option<String>,
}

/// A backfill: each past window, and where a metric's level changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Backfill {
    pub points: Vec<BackfillPoint>,
    /// Change points of each metric over the points, by the calibrated
    /// detector: a series without a change rarely gets one.
    pub change_points: Vec<ChangePoint>,
}

#[utoipa::path(post, path = "/api/v1/monitors/{monitor}/backfill", tag = "monitors",
    params(("monitor" = String, Path, description = "The monitor's name")),
    request_body = BackfillRequest,
    responses((status = 200, body = Backfill), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "The source is one file, not partitions")))]
pub async fn backfill(
    _caller: Responder,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(range): ApiJson<BackfillRequest>,
) -> Result<ApiJson<Backfill>, ApiError> {
    let monitor = state.run(move |store| store.monitor(&name)).await?;
    let checked = monitor.definition.check(&known_systems(&state).await?)?;
    let changes =
        crate::triage::changes_upstream_of(&state, monitor.definition.system.clone()).await?;
    let backfill = tokio::task::spawn_blocking(move || {
        let at = now();
        let reader = Reader {
            definition: &monitor.definition,
            label_delay: checked.label_delay,
            now: at,
        };
        let all = reader
            .all_partitions()
            .map_err(|e| ApiError::invalid("source.path", e.to_string()))?;
        let chosen: Vec<_> = all
            .iter()
            .filter(|p| range.from.as_ref().is_none_or(|f| p.name >= *f))
            .filter(|p| range.to.as_ref().is_none_or(|t| p.name <= *t))
            .take(BACKFILL_LIMIT)
            .collect();
        let times: Vec<(String, Option<firebreak_core::Timestamp>)> =
            chosen.iter().map(|p| (p.name.clone(), p.time)).collect();
        let mut points = Vec::new();
        for partition in chosen {
            let checked_window = reader.partition_window(partition, &all).and_then(|w| {
                let rows = w.current.row_count as u64;
                check_window(&monitor.definition, &checked, &w, at).map(|c| (rows, c))
            });
            points.push(match checked_window {
                Ok((rows, (verdict, metrics, _, _))) => BackfillPoint {
                    window: partition.name.clone(),
                    state: match &verdict {
                        Verdict::Ok => MonitorState::Ok,
                        Verdict::Breached(_) => MonitorState::Breached,
                        Verdict::InsufficientData(_) => MonitorState::InsufficientData,
                    },
                    rows,
                    metrics,
                    breaches: match &verdict {
                        Verdict::Breached(b) => b.clone(),
                        _ => vec![],
                    },
                    note: match verdict {
                        Verdict::InsufficientData(why) => Some(why),
                        _ => None,
                    },
                },
                Err(error) => BackfillPoint {
                    window: partition.name.clone(),
                    state: MonitorState::Failing,
                    rows: 0,
                    metrics: BTreeMap::new(),
                    breaches: vec![],
                    note: Some(error.to_string()),
                },
            });
        }
        let series: Vec<_> = points
            .iter()
            .map(|p| (p.window.as_str(), &p.metrics))
            .collect();
        let mut change_points = change_points(&series)
            .map_err(|e| ApiError::Internal(format!("the change-point search failed: {e}")))?;
        name_preceding_changes(&mut change_points, &times, at, &changes);
        Ok::<_, ApiError>(Backfill {
            points,
            change_points,
        })
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(ApiJson(backfill))
}
