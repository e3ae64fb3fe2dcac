//! Action items after the write-up: their status, the check that proves a
//! fix worked, and the verifications. A person records a manual check; the
//! scheduler decides a monitor check from the monitor's runs after the item
//! was done (D25), and a failed check reopens the item (and its ticket).

use super::{
    PostMortemView, postmortem_of, step, step_if_changed, step_sending, with_ticket_reopened,
};
use crate::api::incidents::incident_number;
use crate::auth::Responder;
use crate::error::{ApiError, ApiJson, Problem};
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use firebreak_core::DomainError;
use firebreak_core::action::{
    ActionStatus, Check, FindingCheck, Outcome, VerificationResult, finding_verdict,
    monitor_verdict,
};
use firebreak_store::DocumentKind;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionStatusRequest {
    pub status: ActionStatus,
    /// Why; required for `wont_do`.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionCheckRequest {
    /// None clears the check.
    #[serde(default)]
    pub check: Option<Check>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualVerification {
    pub outcome: Outcome,
    /// What was checked and found.
    pub detail: String,
    /// Evidence ids of the incident (`E-3`) the check rests on.
    #[serde(default)]
    pub evidence: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/postmortem/actions/{action_id}/status", tag = "postmortems",
    request_body = ActionStatusRequest,
    params(("id" = String, Path, description = "INC-<n>"), ("action_id" = String, Path, description = "e.g. act-1")),
    responses((status = 200, body = PostMortemView), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "No such item, or wont_do without a reason")))]
pub async fn set_status(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    ApiJson(request): ApiJson<ActionStatusRequest>,
) -> Result<ApiJson<PostMortemView>, ApiError> {
    let number = incident_number(&id)?;
    let actor = caller.name().to_string();
    let view = step(&state, number, move |_, current, _| {
        current.progress_action(
            &action,
            request.status,
            request.reason.clone(),
            &actor,
            now(),
        )
    })
    .await?;
    Ok(ApiJson(view))
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/postmortem/actions/{action_id}/check", tag = "postmortems",
    request_body = ActionCheckRequest,
    params(("id" = String, Path, description = "INC-<n>"), ("action_id" = String, Path, description = "e.g. act-1")),
    responses((status = 200, body = PostMortemView), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "No such item or monitor, or runs out of range")))]
pub async fn set_check(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    ApiJson(request): ApiJson<ActionCheckRequest>,
) -> Result<ApiJson<PostMortemView>, ApiError> {
    let number = incident_number(&id)?;
    if let Some(Check::Finding { request, .. }) = &request.check {
        let analysis = crate::api::findings::parse_request(request.clone())?;
        crate::api::findings::resolve_inputs(&state, number, &analysis).await?;
    }
    if let Some(Check::Monitor { monitor, .. }) = &request.check {
        let name = monitor.clone();
        match state.run(move |store| store.monitor(&name)).await {
            Err(ApiError::NotFound(_)) => {
                return Err(ApiError::invalid(
                    "check.monitor",
                    format!("no monitor named `{monitor}`"),
                ));
            }
            other => {
                other?;
            }
        }
    }
    let actor = caller.name().to_string();
    let view = step(&state, number, move |_, current, _| {
        current.set_action_check(&action, request.check.clone(), &actor, now())
    })
    .await?;
    Ok(ApiJson(view))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/postmortem/actions/{action_id}/verifications", tag = "postmortems",
    request_body = ManualVerification,
    params(("id" = String, Path, description = "INC-<n>"), ("action_id" = String, Path, description = "e.g. act-1")),
    responses((status = 200, body = PostMortemView), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The item is not done"),
        (status = 422, body = Problem, description = "No such item or evidence, or no detail")))]
pub async fn verify(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    ApiJson(request): ApiJson<ManualVerification>,
) -> Result<ApiJson<PostMortemView>, ApiError> {
    let number = incident_number(&id)?;
    let known: Vec<String> = state
        .run(move |store| store.incident_evidence(number))
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    for (i, evidence) in request.evidence.iter().enumerate() {
        if !known.contains(evidence) {
            return Err(DomainError::field(
                format!("evidence[{i}]"),
                format!("{id} has no evidence `{evidence}`"),
            )
            .into());
        }
    }
    let by = caller.name().to_string();
    let view = step_sending(&state, number, move |incident, current, _| {
        let change = current.verify_action(
            &action,
            VerificationResult {
                outcome: request.outcome,
                at: now(),
                by: by.clone(),
                detail: request.detail.trim().to_string(),
                runs: vec![],
                evidence: request.evidence.clone(),
            },
        )?;
        Ok(with_ticket_reopened(incident, change, &action))
    })
    .await?;
    Ok(ApiJson(view))
}

/// The scheduler's job: every done item with a monitor check not yet
/// decided is decided from the monitor's runs since it was done, and every
/// one with a finding check by running its analysis; each once.
pub async fn verify_due(state: &AppState) -> Result<(), ApiError> {
    let documents = state
        .run(|store| store.documents(DocumentKind::Postmortem))
        .await?;
    for (incident, document) in documents {
        let Some(postmortem) = postmortem_of(Some(&document))? else {
            continue;
        };
        for item in &postmortem.action_items {
            if let (Some(check), Some(done_at)) = (item.awaits_finding(), item.verification.done_at)
            {
                let result = run_finding(state, incident.number, &item.id, check).await;
                record_verdict(state, incident.number, &item.id, done_at, result).await?;
                continue;
            }
            let Some((monitor, runs, done_at)) = item.awaits_monitor() else {
                continue;
            };
            let name = monitor.to_string();
            let history = match state
                .run(move |store| store.monitor_runs(&name, 1_000))
                .await
            {
                Ok(history) => history,
                // A monitor removed since: the check cannot decide; a person can.
                Err(ApiError::NotFound(_)) => continue,
                Err(error) => return Err(error),
            };
            let Some(result) = monitor_verdict(monitor, runs, done_at, &history, now()) else {
                continue;
            };
            record_verdict(state, incident.number, &item.id, done_at, result).await?;
        }
    }
    Ok(())
}

/// Records an automatic check's verdict on item `id` done at `done_at`,
/// unless the item was decided meanwhile or moved on; a failure reopens the
/// item and its ticket.
async fn record_verdict(
    state: &AppState,
    number: u64,
    id: &str,
    done_at: jiff::Timestamp,
    result: VerificationResult,
) -> Result<(), ApiError> {
    let id = id.to_string();
    step_if_changed(state, number, move |incident, current| {
        let still = current
            .action_items
            .iter()
            .find(|i| i.id == id)
            .is_some_and(|i| {
                (i.awaits_finding().is_some() || i.awaits_monitor().is_some())
                    && i.verification.done_at == Some(done_at)
            });
        if !still {
            return Ok(None);
        }
        let change = current.verify_action(&id, result.clone())?;
        Ok(Some(with_ticket_reopened(incident, change, &id)))
    })
    .await?;
    Ok(())
}

/// Runs a finding check's analysis, kept as a finding on the incident, and
/// reads its metric; an analysis that cannot run fails the check, saying
/// why.
async fn run_finding(
    state: &AppState,
    number: u64,
    id: &str,
    check: FindingCheck<'_>,
) -> VerificationResult {
    let FindingCheck {
        request,
        metric,
        at_most,
        at_least,
    } = check;
    let finding = crate::api::findings::FindingRequest {
        request: request.clone(),
        title: Some(format!("Verification of action {id}")),
    };
    let inputs: Vec<String> = request_inputs(request);
    match crate::api::findings::attach(state, number, "verification", finding).await {
        Ok(view) => VerificationResult {
            evidence: inputs,
            ..finding_verdict(
                metric,
                at_most,
                at_least,
                &view.result,
                view.event.seq,
                now(),
            )
        },
        Err(error) => VerificationResult {
            outcome: Outcome::Failed,
            at: now(),
            by: "finding".into(),
            detail: format!("the analysis could not run: {error}"),
            runs: vec![],
            evidence: inputs,
        },
    }
}

/// The evidence ids an analysis request names.
fn request_inputs(request: &serde_json::Value) -> Vec<String> {
    crate::api::findings::parse_request(request.clone())
        .map(|r| r.inputs().into_iter().map(str::to_string).collect())
        .unwrap_or_default()
}
