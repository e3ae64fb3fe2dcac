//! Monitors on the system page: each with its state, a chart per metric its
//! thresholds read (the threshold drawn as a flat line; markers for a change
//! point of the drawn runs, named after the change on the system or upstream
//! that preceded it, and for each recorded change), and a pause or
//! resume button (a plain form with the CSRF token). Also `/metrics`, which
//! answers browsers with the response-metrics page and everyone else (a
//! Prometheus scraper) with the monitors in the exposition format.

use super::{CsrfForm, csrf_field};
use crate::auth::{Caller, Commander, Viewer};
use crate::error::{ApiError, ApiQuery};
use crate::monitors::changes::{ChangePoint, change_points, name_preceding_changes};
use crate::monitors::exposition;
use crate::monitors::source::window_time;
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use firebreak_core::Timestamp;
use firebreak_core::change::{ChangeEvent, placed_in_windows};
use firebreak_core::monitor::{Comparison, Monitor, MonitorRun, Threshold};
use firebreak_report::{Marker, Series, lines_svg, significant};
use maud::{Markup, PreEscaped, html};

/// Runs drawn per chart.
const DRAWN_RUNS: usize = 60;

/// A monitor as its charts draw it: the newest runs, their change points
/// and the changes recorded over them.
pub struct Drawn {
    monitor: Monitor,
    runs: Vec<MonitorRun>,
    change_points: Vec<ChangePoint>,
    /// Each recorded change within the drawn windows, at its window.
    changes: Vec<(usize, ChangeEvent)>,
}

/// The monitors of `slug` with their newest runs, change points and the
/// changes on `slug` and upstream of it.
pub async fn of_system(state: &AppState, slug: String) -> Result<Vec<Drawn>, ApiError> {
    let system = slug.clone();
    let monitors = state
        .run(move |store| {
            store
                .monitors(Some(&slug))?
                .into_iter()
                .map(|m| {
                    let runs = store.monitor_runs(&m.definition.name, DRAWN_RUNS)?;
                    Ok((m, runs))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let changes = if monitors.is_empty() {
        Vec::new()
    } else {
        crate::triage::changes_upstream_of(state, system).await?
    };
    Ok(monitors
        .into_iter()
        .map(|(monitor, runs)| {
            let times: Vec<(String, Option<Timestamp>)> = runs
                .iter()
                .map(|r| {
                    let window = r.window.clone().unwrap_or_else(|| "failed".into());
                    let time = r.window.as_deref().and_then(window_time);
                    (window, time)
                })
                .collect();
            let open_end = runs.last().map_or_else(now, |r| r.finished_at);
            let mut change_points = change_points_of(&runs);
            name_preceding_changes(&mut change_points, &times, open_end, &changes);
            let starts: Vec<Option<Timestamp>> = times.iter().map(|(_, t)| *t).collect();
            let changes = placed_in_windows(&changes, &starts, open_end);
            Drawn {
                monitor,
                runs,
                change_points,
                changes,
            }
        })
        .collect())
}

/// The change points over the drawn runs and the changes recorded over
/// them, as markers on `metric`'s chart.
fn markers(drawn: &Drawn, metric: &str) -> Vec<Marker> {
    let points = drawn
        .change_points
        .iter()
        .filter(|c| c.metric == metric)
        .map(|c| Marker {
            index: c.index,
            label: format!(
                "change: {} → {}{}",
                significant(c.before, 3),
                significant(c.after, 3),
                c.preceded_by
                    .as_ref()
                    .map(|p| format!(", after {} ({})", p.id, p.summary()))
                    .unwrap_or_default()
            ),
        });
    let changes = drawn.changes.iter().map(|(index, c)| Marker {
        index: *index,
        label: format!("{} on {}: {}", c.id, c.system, c.summary()),
    });
    points.chain(changes).collect()
}

fn chart(drawn: &Drawn, threshold: &Threshold) -> String {
    let (monitor, runs) = (&drawn.monitor, &drawn.runs);
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
            "{} over the newest {} windows, with the threshold {}, the change points and the changes recorded",
            threshold.metric,
            runs.len(),
            threshold.text
        ),
        &labels,
        &series,
        &markers(drawn, &threshold.metric),
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
pub fn section(caller: &Caller, monitors: &[Drawn]) -> Markup {
    html! {
        h2 id="monitors" { "Monitors" }
        @if monitors.is_empty() {
            p { "No monitors. Add one with " code { "firebreak monitor add FILE" } "." }
        }
        @for (m, drawn) in monitors.iter().enumerate() {
            @let d = &drawn.monitor.definition;
            @let s = &drawn.monitor.status;
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
                        @if drawn.runs.is_empty() {
                            p { "Threshold " code { (text) } ": no runs yet." }
                        } @else {
                            figure.chart { (PreEscaped(firebreak_report::unique_ids(&chart(drawn, &threshold), &format!("chart-{m}-{t}")))) }
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
    query: ApiQuery<crate::api::metrics::MetricsQuery>,
) -> Result<Response, ApiError> {
    if wants_html(&headers) {
        return super::metrics::metrics(caller, state, query)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn window_names_give_their_time() {
        assert_eq!(
            window_time("hour=2026-11-20T08:00:00Z"),
            Some(at("2026-11-20T08:00:00Z"))
        );
        assert_eq!(
            window_time("2026-11-20.parquet"),
            Some(at("2026-11-20T00:00:00Z"))
        );
        assert_eq!(
            window_time("logs/day=2026-11-20"),
            Some(at("2026-11-20T00:00:00Z"))
        );
        assert_eq!(window_time("rows 0..500"), None);
    }
}
