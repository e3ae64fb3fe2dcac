//! The response-metrics page: durations per group, what the incidents cost
//! and who found them, and the governance export as a CSV download.

use super::{PageResult, page};
use crate::api::metrics::{MetricsQuery, compute_metrics, filter_of, read_register, register_csv};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use firebreak_core::metrics::{GroupBy, ImpactTotals, METRICS};
use maud::html;
use serde_json::json;

fn human_duration(seconds: Option<f64>) -> String {
    let Some(s) = seconds else {
        return "—".into();
    };
    if s < 3600.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86_400.0)
    }
}

/// `EUR 21007, USD 500`: never added across currencies.
fn cost(impact: &ImpactTotals) -> String {
    if impact.cost.is_empty() {
        return "—".into();
    }
    impact
        .cost
        .iter()
        .map(|(currency, cost)| format!("{currency} {}", cost.total))
        .collect::<Vec<_>>()
        .join(", ")
}

const GROUPINGS: [GroupBy; 7] = [
    GroupBy::All,
    GroupBy::Severity,
    GroupBy::System,
    GroupBy::Month,
    GroupBy::Week,
    GroupBy::DetectionSource,
    GroupBy::FoundBy,
];

pub async fn metrics(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<MetricsQuery>,
) -> PageResult {
    let group_by = query.group_by.unwrap_or_default();
    let report = compute_metrics(&state, query).await?;
    let found_by: Vec<String> = report
        .found_by
        .iter()
        .map(|(by, n)| format!("{by} {n}"))
        .collect();
    Ok(page(
        &caller,
        "Metrics",
        html! {
            h1 { "Response metrics" }
            p { "Real incidents only; drills and tests are left out. Each duration: mean / median / p90 (n)." }
            form method="get" action="/metrics" {
                label style="display:inline" { "Group by "
                    select name="group_by" {
                        @for g in GROUPINGS {
                            @let name = json!(g).as_str().unwrap_or("all").to_string();
                            option value=(name) selected[g == group_by] { (name.replace('_', " ")) }
                        }
                    }
                }
                " " button type="submit" { "Show" }
            }
            table {
                thead { tr {
                    th { "Group" } th { "Incidents" } th { "Recurrences" }
                    @for m in METRICS { th { (m.name.replace('_', " ")) } }
                    th { "People affected" } th { "Downtime" } th { "Cost" }
                } }
                tbody {
                    @for g in &report.groups {
                        tr {
                            td { (g.group) } td { (g.incidents) } td { (g.recurrences) }
                            @for m in METRICS {
                                @let s = &g.metrics[m.name];
                                td { (human_duration(s.mean_seconds)) " / " (human_duration(s.median_seconds)) " / " (human_duration(s.p90_seconds)) " (" (s.count) ")" }
                            }
                            td { (g.impact.people_affected) }
                            td { (g.impact.downtime_minutes) " min" }
                            td { (cost(&g.impact)) }
                        }
                    }
                }
            }
            @if report.groups.is_empty() { p { "No real incidents yet." } }
            @if !found_by.is_empty() { p #found-by { "Found by: " (found_by.join(", ")) } }
            p { a href="/metrics/register.csv" download { "Download the governance export (CSV)" }
                ": a row per incident with its severity, detection source, durations, impact and cost, and a TOTAL row per currency." }
        },
    ))
}

/// `/metrics/register.csv`: the governance export for a signed-in browser.
pub async fn register(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<MetricsQuery>,
) -> Result<Response, ApiError> {
    let filter = filter_of(query.from, query.to, query.severity, query.system);
    Ok(register_csv(&read_register(&state, filter).await?))
}
