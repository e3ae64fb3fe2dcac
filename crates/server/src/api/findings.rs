//! Forensic findings: an analysis run by the server on prediction logs in the
//! evidence vault, its result kept by SHA-256 in the blob store, and a
//! finding on the incident's timeline naming the analysis, every input's
//! SHA-256 and the result's.

use crate::api::incidents::incident_number;
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiJson, Problem};
use crate::state::{AppState, now};
use crate::triage::read_changes_upstream;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use firebreak_core::evidence::{Evidence, NewEvidence};
use firebreak_core::incident::public_id as id_of;
use firebreak_core::timeline::{Event, EventKind};
use firebreak_forensics::{AnalysisRequest, AnalysisResult, ForensicsError};
use firebreak_store::BlobRef;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingRequest {
    /// The analysis as `firebreak analyze` takes it, with inputs named by
    /// evidence id: `{"analysis": "fairness", "log": "EV-3", "group": ["sex"],
    /// "label": "label", "prediction": "approved"}`. See `SCHEMA.md` of
    /// firebreak-forensics for every analysis and option.
    #[schema(value_type = Object)]
    pub request: Value,
    /// A heading for the timeline; the result's summary follows it.
    #[serde(default)]
    pub title: Option<String>,
}

/// A finding as the API returns it: the timeline event and the full result.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingView {
    pub event: Event,
    #[schema(value_type = Object)]
    pub result: Value,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/findings", tag = "forensics", request_body = FindingRequest,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 201, body = FindingView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "Bad request, an unknown or disposed input, or a log the analysis refuses (the message names input, column and row)")))]
pub async fn run(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(finding): ApiJson<FindingRequest>,
) -> Result<(StatusCode, ApiJson<FindingView>), ApiError> {
    let number = incident_number(&id)?;
    let view = attach(&state, number, caller.name(), finding).await?;
    Ok((StatusCode::CREATED, ApiJson(view)))
}

/// An analysis request as the findings API takes it, refused by field.
pub fn parse_request(request: Value) -> Result<AnalysisRequest, ApiError> {
    serde_path_to_error::deserialize(request).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "request".to_string()
        } else {
            format!("request.{path}")
        };
        ApiError::invalid(&field, e.inner().to_string())
    })
}

/// The stored file of each evidence item `request` names, which must be
/// incident `number`'s and not disposed of.
pub async fn resolve_inputs(
    state: &AppState,
    number: u64,
    request: &AnalysisRequest,
) -> Result<BTreeMap<String, (PathBuf, Evidence)>, ApiError> {
    let inputs: Vec<String> = request.inputs().into_iter().map(str::to_string).collect();
    let items = state
        .run(move |store| {
            inputs
                .iter()
                .map(|ev| store.evidence(ev))
                .collect::<Result<Vec<Evidence>, _>>()
        })
        .await
        .map_err(|error| match error {
            ApiError::NotFound(message) => ApiError::invalid(
                "request",
                format!("{message}; upload the log as evidence first"),
            ),
            other => other,
        })?;
    let mut files: BTreeMap<String, (PathBuf, Evidence)> = BTreeMap::new();
    for item in items {
        if item.incident != id_of(number) {
            return Err(ApiError::invalid(
                "request",
                format!(
                    "{} is evidence of {}, not of {}",
                    item.id,
                    item.incident,
                    id_of(number)
                ),
            ));
        }
        if item.disposed_at.is_some() {
            return Err(ApiError::invalid(
                "request",
                format!("{} was disposed of", item.id),
            ));
        }
        files.insert(item.id.clone(), (state.blobs.path(&item.sha256)?, item));
    }
    Ok(files)
}

/// Runs the analysis `finding` asks for on incident `number`'s evidence and
/// puts the finding on its timeline: the one workflow of the API and the
/// incident page.
pub async fn attach(
    state: &AppState,
    number: u64,
    actor: &str,
    finding: FindingRequest,
) -> Result<FindingView, ApiError> {
    let request = parse_request(finding.request)?;
    let files = resolve_inputs(state, number, &request).await?;
    let resolved = files.clone();
    let analysis = tokio::task::spawn_blocking(move || {
        let resolve = |name: &str| -> Result<PathBuf, ForensicsError> {
            resolved
                .get(name)
                .map(|(path, _)| path.clone())
                .ok_or_else(|| ForensicsError::InvalidOptions(format!("unknown input `{name}`")))
        };
        // A request must not make the server read a path it names: keyword files are refused.
        firebreak_forensics::request::run(
            &request,
            &resolve,
            &firebreak_forensics::cohort::refuse_keyword_files,
        )
        .map(|result| (request, result))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the analysis failed: {e}")))?;
    // The message names the stored file; say which evidence that is instead.
    let name_inputs = |message: String| {
        files.values().fold(message, |text, (path, item)| {
            text.replace(
                &path.display().to_string(),
                &format!("{} ({})", item.id, item.filename),
            )
        })
    };
    let (request, result) = analysis.map_err(|e| match e {
        ForensicsError::Field { field, error } => {
            ApiError::invalid(&format!("request.{field}"), name_inputs(error.to_string()))
        }
        e => ApiError::invalid("request", name_inputs(e.to_string())),
    })?;
    let result = result.ok_or_else(|| {
        ApiError::invalid(
            "request.decision_id",
            "no row of the log has this decision id",
        )
    })?;
    let result = mark_changes(state, number, result).await?;
    let summary = name_inputs(result.summary());
    let mut figures = Vec::new();
    for (caption, svg) in firebreak_report::forensics::result_figures(&result) {
        let stored = put_blob(state, svg.into_bytes()).await?;
        figures.push(json!({ "caption": caption, "sha256": stored.sha256 }));
    }
    let sources: Vec<String> = files.keys().cloned().collect();
    let review_sample = keep_review_sample(state, number, actor, &result, &sources).await?;
    let result_json = serde_json::to_vec(&result)
        .map_err(|e| ApiError::Internal(format!("the result does not serialise: {e}")))?;
    let shown: Value = serde_json::from_slice(&result_json)
        .map_err(|e| ApiError::Internal(format!("the result does not parse: {e}")))?;
    let stored = put_blob(state, result_json).await?;
    let text = match finding
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(title) => format!("{title}: {summary}"),
        None => summary,
    };
    let body = json!({
        "text": text,
        "analysis": request.name(),
        "request": request,
        "inputs": files.values().map(|(_, item)| json!({
            "evidence": item.id, "filename": item.filename, "sha256": item.sha256, "size": item.size,
        })).collect::<Vec<_>>(),
        "result_sha256": stored.sha256,
        "review_sample": review_sample.map(|item| item.id),
        "figures": figures,
        "result_size": stored.size,
    });
    let actor = actor.to_string();
    let event = state
        .run(move |store| {
            let at = now();
            let (_, mut events) = store.change_incident(
                number,
                &mut |i, _| Ok(i.record_event(EventKind::Finding, body.clone(), &actor, at)),
                at,
            )?;
            Ok(events.remove(0))
        })
        .await?;
    Ok(FindingView {
        event,
        result: shown,
    })
}

/// A time series marked with the changes recorded on the incident's systems
/// and upstream of them over its span; other results as they are.
async fn mark_changes(
    state: &AppState,
    number: u64,
    result: AnalysisResult,
) -> Result<AnalysisResult, ApiError> {
    let AnalysisResult::Timeseries(mut report) = result else {
        return Ok(result);
    };
    let Some((from, until)) = report.change_span() else {
        return Ok(AnalysisResult::Timeseries(report));
    };
    let changes = state
        .run(move |store| {
            let systems = store.get_incident(number)?.systems;
            read_changes_upstream(store, &systems, Some(from), Some(until))
        })
        .await?;
    report.mark_changes(&changes);
    Ok(AnalysisResult::Timeseries(report))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/findings/{seq}", tag = "forensics",
    params(("id" = String, Path, description = "INC-<n>"), ("seq" = u64, Path, description = "The finding's position on the timeline")),
    responses((status = 200, body = FindingView), (status = 404, body = Problem), (status = 409, body = Problem, description = "The stored result no longer matches its hash")))]
pub async fn show(
    _caller: Viewer,
    State(state): State<AppState>,
    Path((id, seq)): Path<(String, u64)>,
) -> Result<ApiJson<FindingView>, ApiError> {
    let number = incident_number(&id)?;
    let event = state
        .run(move |store| {
            let incident = store.get_incident(number)?;
            Ok(store
                .events(&incident.public_id())?
                .into_iter()
                .find(|e| e.seq == seq))
        })
        .await?
        .filter(|e| e.kind == EventKind::Finding && e.body["result_sha256"].is_string())
        .ok_or_else(|| ApiError::NotFound(format!("{id} has no analysis finding at {seq}")))?;
    let sha256 = event.body["result_sha256"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let bytes = state.read_blob(&sha256, &format!("the stored result of {id} finding {seq}"))?;
    let result: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::Internal(format!("the result does not parse: {e}")))?;
    Ok(ApiJson(FindingView { event, result }))
}

/// A conversation analysis's masked sample, kept as evidence of the
/// incident next to the log it was drawn from: it was masked inside the
/// analysis, so only the masked text is stored.
/// Writes `bytes` to the evidence store on the blocking pool: the store is a
/// file system or an object store, and either may be slow.
async fn put_blob(state: &AppState, bytes: Vec<u8>) -> Result<BlobRef, ApiError> {
    let blobs = state.blobs.clone();
    tokio::task::spawn_blocking(move || blobs.put(&mut &bytes[..]))
        .await
        .map_err(|e| ApiError::Internal(format!("the evidence write stopped: {e}")))?
        .map_err(ApiError::from)
}

async fn keep_review_sample(
    state: &AppState,
    number: u64,
    actor: &str,
    result: &AnalysisResult,
    sources: &[String],
) -> Result<Option<Evidence>, ApiError> {
    let AnalysisResult::Conversations(report) = result else {
        return Ok(None);
    };
    let Some(sample) = &report.sample else {
        return Ok(None);
    };
    let stored = put_blob(state, sample.to_jsonl().into_bytes()).await?;
    let description = format!(
        "masked review sample of {}: {} flagged turns drawn within each model version (seed {}), masked with {}",
        sources.join(", "),
        sample.turns.len(),
        sample.seed,
        sample.masked_with.join(", ")
    );
    let new = NewEvidence {
        sha256: stored.sha256,
        size: stored.size,
        filename: format!("review-sample-{}.jsonl", sources.join("-")),
        media_type: "application/x-ndjson".into(),
        description,
    };
    let actor = actor.to_string();
    let kept = state
        .run(move |store| store.add_evidence(number, new, &actor, now()))
        .await?;
    Ok(Some(kept))
}
