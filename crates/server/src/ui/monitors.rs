//! Monitors on the system page: each with its state, a chart per metric its
//! thresholds read (the threshold drawn as a flat line, a change point of
//! the drawn runs as a marker), and a pause or
//! resume button (a plain form with the CSRF token). Also `/metrics`, which
//! answers browsers with the response-metrics page and everyone else (a
//! Prometheus scraper) with the monitors in the exposition format.

use super::{CsrfForm, csrf_field};
use crate::auth::{Caller, Commander, Viewer};
use crate::error::{ApiError, ApiQuery};
use crate::monitors::changes::{ChangePoint, change_points};
use crate::monitors::exposition;
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use firebreak_core::monitor::{Comparison, Monitor, MonitorRun, Threshold};
use firebreak_report::{Marker, Series, lines_svg, significant};
use maud::{Markup, PreEscaped, html};

/// Runs drawn per chart.
const DRAWN_RUNS: usize = 60;

/// The monitors of `slug` with their newest runs.
pub async fn of_system(
    state: &AppState,
    slug: String,
) -> Result<Vec<(Monitor, Vec<MonitorRun>)>, ApiError> {
    state
        .run(move |store| {
            store
                .monitors(Some(&slug))?
                .into_iter()
                .map(|m| {
                    let runs = store.monitor_runs(&m.definition.name, DRAWN_RUNS)?;
                    Ok((m, runs))
                })
                .collect()
        })
        .await
}

/// The change points over the drawn runs, as markers on `metric`'s chart.
fn markers(changes: &[ChangePoint], metric: &str) -> Vec<Marker> {
    changes
        .iter()
        .filter(|c| c.metric == metric)
        .map(|c| Marker {
            index: c.index,
            label: format!(
                "change: {} → {}",
                significant(c.before, 3),
                significant(c.after, 3)
            ),
        })
        .collect()
}

fn chart(
    monitor: &Monitor,
    runs: &[MonitorRun],
    threshold: &Threshold,
    changes: &[ChangePoint],
) -> String {
    let labels: Vec<String> = runs
        .iter()
        .map(|r| r.window.clone().unwrap_or_else(|| "failed".into()))
        .collect();
    let values: Vec<Option<f64>> = runs
        .iter()
        .map(|r| r.metrics.get(&threshold.metric).copied())
        .collect();
    let mut series = vec![Series {
        name: &threshold.metric,
        colour: "#1f77b4",
        values,
    }];
    let limits: Vec<Option<f64>> = if threshold.comparison == Comparison::Deviates {
        // The upper edge of the band around each run's reference value.
        runs.iter()
            .map(|r| {
                r.reference_metrics
                    .get(&threshold.metric)
                    .map(|v| v * (1.0 + threshold.limit))
            })
            .collect()
    } else {
        vec![Some(threshold.limit); runs.len()]
    };
    series.push(Series {
        name: &threshold.text,
        colour: "#d62728",
        values: limits,
    });
    lines_svg(
        &format!("{}: {}", monitor.definition.name, threshold.metric),
        &format!(
            "{} over the newest {} windows, with the threshold {} and the change points",
            threshold.metric,
            runs.len(),
            threshold.text
        ),
        &labels,
        &series,
        &markers(changes, &threshold.metric),
    )
}

/// The change points of the drawn runs; none when the search refuses them
/// (it only refuses values no run stores).
fn change_points_of(runs: &[MonitorRun]) -> Vec<ChangePoint> {
    let series: Vec<_> = runs
        .iter()
        .map(|r| (r.window.as_deref().unwrap_or("failed"), &r.metrics))
        .collect();
    change_points(&series).unwrap_or_else(|error| {
        tracing::warn!(%error, "no change points drawn");
        Vec::new()
    })
}

/// The monitors section of a system page.
pub fn section(caller: &Caller, monitors: &[(Monitor, Vec<MonitorRun>)]) -> Markup {
    html! {
        h2 id="monitors" { "Monitors" }
        @if monitors.is_empty() {
            p { "No monitors. Add one with " code { "firebreak monitor add FILE" } "." }
        }
        @for (m, (monitor, runs)) in monitors.iter().enumerate() {
            @let d = &monitor.definition;
            @let changes = change_points_of(runs);
            @let s = &monitor.status;
            section.monitor data-monitor=(d.name) {
                h3 { (d.name) " " span.badge data-state=(s.state.as_str()) { (s.state.as_str().replace('_', " ")) }
                    @if s.paused { " " span.badge { "paused" } } }
                p { (d.check.name()) " check on " code { (d.source.path) } ", schedule " code { (d.schedule) }
                    ", last window " (s.watermark.clone().unwrap_or_else(|| "none yet".into()))
                    ", " (s.runs) " runs stored." }
                form method="post" action={ "/monitors/" (d.name) "/pause" } {
                    (csrf_field(caller))
                    @if s.paused {
                        input type="hidden" name="paused" value="false";
                        button type="submit" { "Resume" }
                    } @else {
                        input type="hidden" name="paused" value="true";
                        button type="submit" { "Pause" }
                    }
                }
                @for (t, text) in d.thresholds.iter().enumerate() {
                    @if let Ok(threshold) = Threshold::parse(text) {
                        @if runs.is_empty() {
                            p { "Threshold " code { (text) } ": no runs yet." }
                        } @else {
                            figure.chart { (PreEscaped(firebreak_report::unique_ids(&chart(monitor, runs, &threshold, &changes), &format!("chart-{m}-{t}")))) }
                        }
                    }
                }
            }
        }
    }
}

/// Pauses or resumes from the system page.
pub async fn pause(
    Commander(_caller): Commander,
    State(state): State<AppState>,
    Path(name): Path<String>,
    form: CsrfForm,
) -> Result<Redirect, ApiError> {
    let paused = match form.required("paused")? {
        "true" => true,
        "false" => false,
        other => {
            return Err(ApiError::invalid(
                "paused",
                format!("`{other}` is not true or false"),
            ));
        }
    };
    let monitor = state
        .run(move |store| store.set_monitor_paused(&name, paused, now()))
        .await?;
    Ok(Redirect::to(&format!(
        "/systems/{}#monitors",
        monitor.definition.system
    )))
}

/// Whether the caller asked for a page rather than exposition text.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// `/metrics`: the response-metrics page for a browser, the monitors in
/// Prometheus' text format for anything else.
pub async fn metrics(
    caller: Viewer,
    state: State<AppState>,
    headers: HeaderMap,
    query: ApiQuery<crate::api::integrity::MetricsQuery>,
) -> Result<Response, ApiError> {
    if wants_html(&headers) {
        return super::systems::metrics(caller, state, query)
            .await
            .map(IntoResponse::into_response);
    }
    let monitors = state
        .run(|store| {
            store
                .monitors(None)?
                .into_iter()
                .map(|m| {
                    let latest = store.monitor_runs(&m.definition.name, 1)?.pop();
                    Ok((m, latest))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok((
        [(header::CONTENT_TYPE, exposition::CONTENT_TYPE)],
        exposition::render(&monitors),
    )
        .into_response())
}
