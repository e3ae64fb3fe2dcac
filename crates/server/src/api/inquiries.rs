//! Regulators' inquiries about an incident: opened with their questions and
//! due moment, answered question by question, submitted under a reference,
//! and their response pack exported (`pack.rs`) or bundled, signed, with the
//! incident's evidence. An inquiry's clock is one of the incident's clocks
//! (`regulatory::assessment`), so the board and `check_clocks` show and warn
//! about it with nothing added here.

use crate::api::evidence::{signed_bundle, store_bytes};
use crate::api::incidents::incident_number;
use crate::api::page::{PageQuery, Paged};
use crate::api::regulatory::{change_record, record_of};
use crate::auth::{Commander, Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::export::{ExportFormat, ExportQuery, render, rendered};
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use firebreak_core::Timestamp;
use firebreak_core::regulatory::{
    ClockStatus, Inquiry, NewInquiry, RegulatoryRecord, answer_question, open_inquiry,
    submit_inquiry,
};
use firebreak_store::DocumentKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod pack;

/// An inquiry with its clock now, in the words every surface shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct InquiryView {
    #[serde(flatten)]
    pub inquiry: Inquiry,
    pub clock: ClockStatus,
}

fn view(inquiry: Inquiry, at: Timestamp) -> InquiryView {
    InquiryView {
        clock: inquiry.deadline().status(at),
        inquiry,
    }
}

fn find(record: &RegulatoryRecord, id: &str, inquiry: &str) -> Result<Inquiry, ApiError> {
    record
        .inquiry(inquiry)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("{id} has no inquiry {inquiry}")))
}

async fn load(state: &AppState, id: &str) -> Result<RegulatoryRecord, ApiError> {
    let number = incident_number(id)?;
    let document = state
        .run(move |store| {
            store.get_incident(number)?;
            store.document(number, DocumentKind::Regulatory)
        })
        .await?;
    Ok(record_of(document.as_ref())?)
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/inquiries", operation_id = "open_inquiry", tag = "regulatory", request_body = NewInquiry,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 201, body = InquiryView, description = "Recorded as `Q<n>`; its clock runs from `received_at`"),
        (status = 404, body = Problem), (status = 422, body = Problem, description = "A field missing or wrong, named; `due_at` or `within` is required")))]
pub async fn open(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<NewInquiry>,
) -> Result<(StatusCode, ApiJson<InquiryView>), ApiError> {
    let opened = open_regulator_inquiry(&state, caller.name(), &id, request).await?;
    Ok((StatusCode::CREATED, ApiJson(opened)))
}

/// Records a regulator's inquiry about incident `id`: the workflow behind
/// the API and the incident page.
pub async fn open_regulator_inquiry(
    state: &AppState,
    actor: &str,
    id: &str,
    request: NewInquiry,
) -> Result<InquiryView, ApiError> {
    let number = incident_number(id)?;
    let (actor, config) = (actor.to_string(), state.regulatory.clone());
    let document = change_record(state, number, move |_, current| {
        let (record, _, event) = open_inquiry(current, request.clone(), &config, &actor, now())?;
        Ok((record, event))
    })
    .await?;
    // Writes to one record are serialised: the newest inquiry is this one.
    let opened = record_of(Some(&document))?
        .inquiries
        .pop()
        .ok_or_else(|| ApiError::Internal("the opened inquiry was not stored".into()))?;
    Ok(view(opened, now()))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/inquiries", operation_id = "list_inquiries", tag = "regulatory",
    params(("id" = String, Path, description = "INC-<n>"), PageQuery),
    responses((status = 200, body = Vec<InquiryView>, description = "In the order they came, each with its clock"), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: axum::http::Uri,
) -> Result<Paged<InquiryView>, ApiError> {
    let at = now();
    let record = load(&state, &id).await?;
    page.page(
        record.inquiries.into_iter().map(|i| view(i, at)).collect(),
        &uri,
    )
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/inquiries/{inquiry}", operation_id = "show_inquiry", tag = "regulatory",
    params(("id" = String, Path, description = "INC-<n>"), ("inquiry" = String, Path, description = "Q<n>")),
    responses((status = 200, body = InquiryView), (status = 404, body = Problem)))]
pub async fn show(
    _caller: Viewer,
    State(state): State<AppState>,
    Path((id, inquiry)): Path<(String, String)>,
) -> Result<ApiJson<InquiryView>, ApiError> {
    let record = load(&state, &id).await?;
    Ok(ApiJson(view(find(&record, &id, &inquiry)?, now())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// Markdown.
    pub answer: String,
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/inquiries/{inquiry}/questions/{n}", operation_id = "answer_inquiry_question", tag = "regulatory", request_body = AnswerRequest,
    params(("id" = String, Path, description = "INC-<n>"), ("inquiry" = String, Path, description = "Q<n>"), ("n" = usize, Path, description = "The question's number, from 1")),
    responses((status = 200, body = InquiryView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The response was submitted"), (status = 422, body = Problem)))]
pub async fn answer(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, inquiry, n)): Path<(String, String, usize)>,
    ApiJson(request): ApiJson<AnswerRequest>,
) -> Result<ApiJson<InquiryView>, ApiError> {
    let answered =
        answer_inquiry_question(&state, caller.name(), &id, &inquiry, n, request.answer).await?;
    Ok(ApiJson(answered))
}

/// Answers question `n` of an inquiry: the workflow behind the API and the
/// incident page.
pub async fn answer_inquiry_question(
    state: &AppState,
    actor: &str,
    id: &str,
    inquiry: &str,
    n: usize,
    answer: String,
) -> Result<InquiryView, ApiError> {
    let number = incident_number(id)?;
    let (actor, inquiry_id) = (actor.to_string(), inquiry.to_string());
    let document = change_record(state, number, move |_, current| {
        answer_question(current, &inquiry_id, n, &answer, &actor, now())
    })
    .await?;
    Ok(view(
        find(&record_of(Some(&document))?, id, inquiry)?,
        now(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitInquiryRequest {
    /// The reference the response went under; the inquiry's own when absent.
    #[serde(default)]
    pub reference: Option<String>,
    /// Why the response goes with questions unanswered; without it, such a
    /// submission is refused (409).
    #[serde(default)]
    pub unanswered_reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/inquiries/{inquiry}/submission", operation_id = "submit_inquiry", tag = "regulatory", request_body = SubmitInquiryRequest,
    params(("id" = String, Path, description = "INC-<n>"), ("inquiry" = String, Path, description = "Q<n>")),
    responses((status = 200, body = InquiryView, description = "Recorded as `regulator_inquiry` (submitted); the inquiry's clock stops"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "Already submitted, questions unanswered without a reason, or a drill"), (status = 422, body = Problem)))]
pub async fn submit(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path((id, inquiry)): Path<(String, String)>,
    ApiJson(request): ApiJson<SubmitInquiryRequest>,
) -> Result<ApiJson<InquiryView>, ApiError> {
    let submitted = submit_regulator_inquiry(&state, caller.name(), &id, &inquiry, request).await?;
    Ok(ApiJson(submitted))
}

/// Records that an inquiry's response went to its regulator: the workflow
/// behind the API and the incident page.
pub async fn submit_regulator_inquiry(
    state: &AppState,
    actor: &str,
    id: &str,
    inquiry: &str,
    request: SubmitInquiryRequest,
) -> Result<InquiryView, ApiError> {
    let number = incident_number(id)?;
    let (actor, inquiry_id) = (actor.to_string(), inquiry.to_string());
    let document = change_record(state, number, move |incident, current| {
        submit_inquiry(
            incident,
            current,
            &inquiry_id,
            request.reference.as_deref(),
            request.unanswered_reason.as_deref(),
            &actor,
            now(),
        )
    })
    .await?;
    Ok(view(
        find(&record_of(Some(&document))?, id, inquiry)?,
        now(),
    ))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/inquiries/{inquiry}/pack", operation_id = "export_inquiry_pack", tag = "regulatory",
    params(("id" = String, Path, description = "INC-<n>"), ("inquiry" = String, Path, description = "Q<n>"), ExportQuery),
    responses((status = 200, description = "The response pack as Markdown, a self-contained HTML page or PDF: the inquiry, each question with its answer, model documentation, decision audit trail, fairness findings, root cause, chain of custody and timeline"),
        (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn export_pack(
    _caller: Viewer,
    State(state): State<AppState>,
    Path((id, inquiry)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let pack = pack::assemble(&state, incident_number(&id)?, &inquiry).await?;
    render(pack.document, query.format, &pack.name).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/inquiries/{inquiry}/bundle", operation_id = "inquiry_bundle", tag = "regulatory",
    params(("id" = String, Path, description = "INC-<n>"), ("inquiry" = String, Path, description = "Q<n>")),
    responses((status = 200, description = "The signed evidence bundle (as `POST /incidents/{id}/evidence/bundle`) for the response, its purpose naming the inquiry and its reference; the pack's PDF is recorded as evidence first, so the bundle holds it", content_type = "application/x-tar"),
        (status = 404, body = Problem)))]
pub async fn bundle(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, inquiry)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    inquiry_bundle(&state, caller.name(), &id, &inquiry).await
}

/// Renders an inquiry's pack as PDF, records it as the incident's evidence
/// and streams the signed bundle made for the response: the workflow behind
/// the API and the incident page.
pub async fn inquiry_bundle(
    state: &AppState,
    actor: &str,
    id: &str,
    inquiry: &str,
) -> Result<Response, ApiError> {
    let number = incident_number(id)?;
    let pack = pack::assemble(state, number, inquiry).await?;
    let purpose = pack.purpose();
    let (pdf, media_type, extension) = rendered(pack.document, ExportFormat::Pdf).await?;
    store_bytes(
        state,
        actor,
        number,
        (&format!("{}.{extension}", pack.name), media_type),
        format!("Response pack for the {purpose}, as bundled"),
        pdf,
    )
    .await?;
    signed_bundle(state, actor, number, &purpose).await
}
