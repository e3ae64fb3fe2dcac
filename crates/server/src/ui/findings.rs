//! Forensic findings on the incident page: each analysis with the charts
//! drawn for it when it ran (kept by SHA-256 in the blob store, the same
//! SVGs the exports carry), and a form that runs an analysis on this
//! incident's evidence, as `firebreak analyze --incident` does.

use super::rejected::{Rejected, or_in_place};
use super::{CsrfForm, csrf_field, format_time};
use crate::api::findings::FindingRequest;
use crate::api::incidents::incident_number;
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::evidence::Evidence;
use firebreak_core::timeline::{Event, EventKind};
use maud::{Markup, PreEscaped, html};
use serde_json::Value;

/// The form key.
const FINDING: &str = "finding";

/// An analysis finding and its charts, `(caption, svg)`.
pub struct Shown {
    event: Event,
    figures: Vec<(String, String)>,
}

/// The analysis findings among `events`, each with its charts read back
/// (and checked against their hashes) from the blob store, on the blocking
/// pool: a bucket read must not hold up the runtime, and live pages ask
/// for this on every change.
pub async fn read(state: &AppState, events: &[Event]) -> Result<Vec<Shown>, ApiError> {
    let findings: Vec<Event> = events
        .iter()
        .filter(|e| e.kind == EventKind::Finding && e.body["result_sha256"].is_string())
        .cloned()
        .collect();
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        findings
            .into_iter()
            .map(|event| {
                let figures = event.body["figures"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|figure| {
                        let sha256 = figure["sha256"].as_str().unwrap_or_default();
                        let what = format!("a chart of {} finding {}", event.stream, event.seq);
                        let svg = state.read_blob(sha256, &what)?;
                        let caption = figure["caption"].as_str().unwrap_or_default().to_string();
                        Ok((caption, String::from_utf8_lossy(&svg).into_owned()))
                    })
                    .collect::<Result<_, ApiError>>()?;
                Ok(Shown { event, figures })
            })
            .collect()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

pub fn section(
    caller: &Caller,
    path: &str,
    findings: &[Shown],
    evidence: &[Evidence],
    rejected: Option<&Rejected>,
) -> Markup {
    let usable: Vec<&Evidence> = evidence
        .iter()
        .filter(|e| e.disposed_at.is_none())
        .collect();
    html! {
        section aria-label="Forensic findings" id="findings" {
            h2 { "Forensic findings" }
            @if findings.is_empty() { p.muted { "No analysis has been run for this incident yet." } }
            @for shown in findings {
                @let event = &shown.event;
                article.finding data-seq=(event.seq) {
                    h3 { (event.body["text"].as_str().unwrap_or_default()) }
                    p.muted {
                        (event.body["analysis"].as_str().unwrap_or_default()) " by " (event.actor) ", " (format_time(Some(event.occurred_at)))
                        " · inputs: "
                        (event.body["inputs"].as_array().into_iter().flatten()
                            .map(|i| format!("{} ({})", i["evidence"].as_str().unwrap_or_default(), i["filename"].as_str().unwrap_or_default()))
                            .collect::<Vec<_>>().join(", "))
                        " · " a href={ "/api/v1/incidents/" (event.stream) "/findings/" (event.seq) } { "the whole result (JSON)" }
                    }
                    @for (index, (caption, svg)) in shown.figures.iter().enumerate() {
                        figure.chart {
                            (PreEscaped(firebreak_report::unique_ids(svg, &format!("finding-{}-{index}", event.seq))))
                            figcaption { (caption) }
                        }
                    }
                }
            }
            details open[Rejected::is_for(rejected, FINDING)] {
                summary { "Run an analysis on this incident's evidence" }
                form method="post" action={ (path) "/findings" } {
                    (csrf_field(caller))
                    label { "Title (optional) " input type="text" name="title" value=[Rejected::kept(rejected, FINDING, "title")]; }
                    label { "The analysis, as JSON in the form `firebreak analyze` takes, naming logs by their evidence id "
                        textarea name="request" rows="5" required
                            placeholder=r#"{"analysis": "fairness", "log": "EV-1", "group": ["group"], "label": "label", "prediction": "approved"}"# {
                            (Rejected::kept(rejected, FINDING, "request").unwrap_or_default())
                        }
                    }
                    @if usable.is_empty() {
                        p.muted { "Upload the log as evidence first." }
                    } @else {
                        p.muted { "Evidence to name: " (usable.iter().map(|e| format!("{} ({})", e.id, e.filename)).collect::<Vec<_>>().join(", ")) }
                    }
                    button type="submit" { "Run and attach" }
                    (Rejected::messages(rejected, FINDING))
                }
            }
        }
    }
}

pub async fn attach(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let attached = async {
        let request: Value = serde_json::from_str(form.required("request")?)
            .map_err(|e| ApiError::invalid("request", format!("not JSON: {e}")))?;
        let finding = FindingRequest {
            request,
            title: form.get("title").map(str::to_string),
        };
        crate::api::findings::attach(&state, incident_number(&id)?, caller.name(), finding).await
    }
    .await;
    let to_findings = |_| format!("/incidents/{id}#fold-findings");
    or_in_place(
        attached,
        to_findings,
        (&state, &caller, &id),
        FINDING.into(),
        &form,
    )
    .await
}
