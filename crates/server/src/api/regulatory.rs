//! Regulatory clocks and reports: the applicability questionnaire of an
//! incident, its deadlines, reports drafted from the incident's record and
//! their submission (`regulator_notified`). The board across incidents and
//! the clock warnings are in `deadlines`.

use crate::api::incidents::incident_number;
use crate::auth::{Commander, Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, FormatJson, Problem};
use crate::export::ExportQuery;
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use firebreak_core::DomainError;
use firebreak_core::incident::{Change, Incident, TimeField};
use firebreak_core::regulatory::{
    Assessment, ExtraTriggers, Questionnaire, RegimeTable, RegulatoryRecord, RegulatoryReport,
    ReportSection, assess_incident, assessment, draft_report, edit_report, reassess, submit_report,
};
use firebreak_core::timeline::{EventDraft, EventKind};
use firebreak_store::{DocumentChange, DocumentKind, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

/// An incident's regulatory record and what it means now.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegulatoryView {
    pub incident: String,
    pub record: RegulatoryRecord,
    pub assessment: Assessment,
}

pub fn record_of(document: Option<&Value>) -> Result<RegulatoryRecord, DomainError> {
    Ok(DocumentKind::Regulatory
        .decode(document)?
        .unwrap_or_default())
}

pub(crate) fn table() -> &'static RegimeTable {
    RegimeTable::builtin()
}

/// The incident's record and its clocks now, as the incident page and the
/// API show them; the board computes each incident's the same way.
pub fn view(
    state: &AppState,
    incident: &Incident,
    record: RegulatoryRecord,
) -> Result<RegulatoryView, ApiError> {
    let assessment = assessment(incident, Some(&record), table(), &state.regulatory, now())?;
    Ok(RegulatoryView {
        incident: incident.public_id(),
        record,
        assessment,
    })
}

#[utoipa::path(get, path = "/api/v1/regimes", tag = "regulatory",
    responses((status = 200, body = RegimeTable, description = "The regimes as data, with their trigger questions and deadline rules")))]
pub async fn regimes(_caller: Viewer) -> ApiJson<RegimeTable> {
    ApiJson(table().clone())
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/regulatory", tag = "regulatory",
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = RegulatoryView), (status = 404, body = Problem)))]
pub async fn show(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<RegulatoryView>, ApiError> {
    let number = incident_number(&id)?;
    let (incident, document) = state
        .run(move |store| {
            Ok((
                store.get_incident(number)?,
                store.document(number, DocumentKind::Regulatory)?,
            ))
        })
        .await?;
    Ok(ApiJson(view(
        &state,
        &incident,
        record_of(document.as_ref())?,
    )?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessRequest {
    pub questionnaire: Questionnaire,
    #[serde(default)]
    pub triggers: ExtraTriggers,
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/regulatory", tag = "regulatory", request_body = AssessRequest,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = RegulatoryView, description = "Answered; which regimes apply, the incident's `reportable` flag and every clock follow"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn assess(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    FormatJson(request): FormatJson<AssessRequest>,
) -> Result<ApiJson<RegulatoryView>, ApiError> {
    let (incident, record) = answer_questionnaire(&state, caller.name(), &id, request).await?;
    Ok(ApiJson(view(&state, &incident, record)?))
}

/// Records the answers and triggers of `request` as the incident's
/// assessment: the workflow behind the API's PUT and the incident page's
/// questionnaire form. Answers the incident and its record after it.
pub async fn answer_questionnaire(
    state: &AppState,
    actor: &str,
    id: &str,
    request: AssessRequest,
) -> Result<(Incident, RegulatoryRecord), ApiError> {
    let number = incident_number(id)?;
    let actor = actor.to_string();
    let config = state.regulatory.clone();
    let (incident, document) = state
        .run(move |store| {
            let at = now();
            store.change_document(
                number,
                DocumentKind::Regulatory,
                &mut |incident, document| {
                    let current = record_of(document)?;
                    let change = assess_incident(
                        incident,
                        &current,
                        request.questionnaire.clone(),
                        request.triggers,
                        table(),
                        &config,
                        &actor,
                        at,
                    )?;
                    Ok(DocumentChange {
                        document: DocumentKind::encode(&change.record),
                        own: change.own,
                        announced: change.announced,
                        incident: change.incident.map(|next| Change {
                            incident: next,
                            events: Vec::new(),
                        }),
                        messages: Vec::new(),
                    })
                },
                at,
            )
        })
        .await?;
    Ok((incident, record_of(Some(&document))?))
}

/// Sets an incident time; when `aware_at` moves and the incident has a
/// regulatory record, its clocks are recomputed in the same transaction and
/// the moved deadlines recorded as an event.
pub fn set_time_with_clocks(
    store: &dyn Store,
    number: u64,
    field: TimeField,
    value: Option<firebreak_core::Timestamp>,
    reason: Option<String>,
    actor: &str,
    config: &firebreak_core::regulatory::RegulatoryConfig,
) -> Result<Incident, StoreError> {
    let at = now();
    let has_record = store.document(number, DocumentKind::Regulatory)?.is_some();
    if field != TimeField::AwareAt || !has_record {
        return store
            .change_incident(
                number,
                &mut |i, _| i.set_time(field, value, reason.clone(), actor, at),
                at,
            )
            .map(|(incident, _)| incident);
    }
    let (incident, _) = store.change_document(
        number,
        DocumentKind::Regulatory,
        &mut |incident, document| {
            let record = record_of(document)?;
            let change = incident.set_time(field, value, reason.clone(), actor, at)?;
            let changes =
                reassess(&record, incident, &change.incident, table(), config)?.unwrap_or_default();
            let body = json!({ "changes": changes, "because": "aware_at edited" });
            let event = |body: Value| EventDraft {
                kind: EventKind::RegulatoryAssessed,
                occurred_at: at,
                actor: actor.to_string(),
                body,
            };
            Ok(DocumentChange {
                document: DocumentKind::encode(&record),
                own: event(body.clone()),
                announced: vec![event(body)],
                incident: Some(change),
                messages: Vec::new(),
            })
        },
        at,
    )?;
    Ok(incident)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftReportRequest {
    /// A regime id, e.g. `eu_ai_act_art73`.
    pub regime: String,
    /// A report type of the regime, e.g. `initial`.
    pub report: String,
    /// Why to draft it although the applicability answers say the regime
    /// does not apply; without it, that draft is refused (409).
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/reports", tag = "regulatory", request_body = DraftReportRequest,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 201, body = RegulatoryReport, description = "Drafted with every section the incident's record can fill"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "The regime does not apply to the incident"), (status = 422, body = Problem)))]
pub async fn draft(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DraftReportRequest>,
) -> Result<(StatusCode, ApiJson<RegulatoryReport>), ApiError> {
    let created = draft_regulatory_report(&state, caller.name(), &id, request).await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// Drafts a report of `request`'s regime and type, its sections filled from
/// the incident's record; refused when the regime does not apply. The
/// workflow behind the API and the incident page.
pub async fn draft_regulatory_report(
    state: &AppState,
    actor: &str,
    id: &str,
    request: DraftReportRequest,
) -> Result<RegulatoryReport, ApiError> {
    let number = incident_number(id)?;
    let actor = actor.to_string();
    let context = crate::reports::gather(state, number).await?;
    let sections = crate::reports::sections(&context, &request.regime, &request.report)?;
    let config = state.regulatory.clone();
    state
        .run(move |store| {
            let at = now();
            let mut created = None;
            store.change_document(
                number,
                DocumentKind::Regulatory,
                &mut |incident, document| {
                    let current = record_of(document)?;
                    let decisions = current.assess(incident, table(), &config, at)?.decisions;
                    let (record, report, event) = draft_report(
                        &current,
                        &decisions,
                        table(),
                        &request.regime,
                        &request.report,
                        sections.clone(),
                        request.override_reason.as_deref(),
                        &actor,
                        at,
                    )?;
                    created = Some(report);
                    Ok(DocumentChange::with_event(
                        DocumentKind::encode(&record),
                        event,
                    ))
                },
                at,
            )?;
            Ok(created.expect("the draft was made"))
        })
        .await
}

fn find_report(
    record: &RegulatoryRecord,
    id: &str,
    report: &str,
) -> Result<RegulatoryReport, ApiError> {
    record
        .reports
        .iter()
        .find(|r| r.id == report)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("{id} has no report {report}")))
}

/// A report and its incident, for export.
pub async fn load_report(
    state: &AppState,
    id: &str,
    report: &str,
) -> Result<(Incident, RegulatoryReport), ApiError> {
    let number = incident_number(id)?;
    let (incident, document) = state
        .run(move |store| {
            Ok((
                store.get_incident(number)?,
                store.document(number, DocumentKind::Regulatory)?,
            ))
        })
        .await?;
    let record = record_of(document.as_ref())?;
    Ok((incident, find_report(&record, id, report)?))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/reports/{report_id}", tag = "regulatory",
    params(("id" = String, Path, description = "INC-<n>"), ("report_id" = String, Path, description = "R-<n>, the `id` the draft returned")),
    responses((status = 200, body = RegulatoryReport), (status = 404, body = Problem)))]
pub async fn show_report(
    _caller: Viewer,
    State(state): State<AppState>,
    Path((id, report)): Path<(String, String)>,
) -> Result<ApiJson<RegulatoryReport>, ApiError> {
    Ok(ApiJson(load_report(&state, &id, &report).await?.1))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/reports/{report_id}/export", tag = "regulatory",
    params(("id" = String, Path, description = "INC-<n>"), ("report_id" = String, Path, description = "R-<n>, the `id` the draft returned"), ExportQuery),
    responses((status = 200, description = "The report as Markdown, a self-contained HTML page or PDF"), (status = 404, body = Problem)))]
pub async fn export(
    _caller: Viewer,
    State(state): State<AppState>,
    Path((id, report)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<axum::response::Response, ApiError> {
    let (incident, report) = load_report(&state, &id, &report).await?;
    let mut document = sections_document(&report.title, &report.sections)?;
    document.subtitle = Some(format!("{}: {}", incident.public_id(), incident.title));
    document.metadata = vec![
        format!(
            "Report {} — {}",
            report.id,
            crate::reports::wire_name(&report.status)
        ),
        format!("Drafted by {} at {}", report.created_by, report.created_at),
    ];
    if let (Some(at), Some(to)) = (report.submitted_at, &report.recipient) {
        document.metadata.push(format!(
            "Submitted to {to} at {at}{}",
            report
                .reference
                .as_deref()
                .map(|r| format!(", reference {r}"))
                .unwrap_or_default()
        ));
    }
    crate::export::render(
        document,
        query.format,
        &format!("{}-{}", incident.public_id(), report.id),
    )
    .await
}

/// A document of `sections` (headings and Markdown) under `title`, for export.
pub(crate) fn sections_document(
    title: &str,
    sections: &[ReportSection],
) -> Result<firebreak_report::Document, ApiError> {
    let mut markdown = format!("# {title}\n\n");
    for section in sections {
        markdown.push_str(&format!("## {}\n\n{}\n\n", section.heading, section.text));
    }
    firebreak_report::from_markdown(&markdown, &Default::default())
        .map_err(|e| ApiError::invalid("sections", e.to_string()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditReportRequest {
    pub sections: Vec<ReportSection>,
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/reports/{report_id}", tag = "regulatory", request_body = EditReportRequest,
    params(("id" = String, Path, description = "INC-<n>"), ("report_id" = String, Path, description = "R-<n>, the `id` the draft returned")),
    responses((status = 200, body = RegulatoryReport), (status = 404, body = Problem), (status = 409, body = Problem, description = "Already submitted")))]
pub async fn edit(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, report)): Path<(String, String)>,
    ApiJson(request): ApiJson<EditReportRequest>,
) -> Result<ApiJson<RegulatoryReport>, ApiError> {
    Ok(ApiJson(
        edit_regulatory_report(&state, caller.name(), &id, &report, request).await?,
    ))
}

/// Replaces a draft report's sections: the workflow behind the API and the
/// incident page.
pub async fn edit_regulatory_report(
    state: &AppState,
    actor: &str,
    id: &str,
    report: &str,
    request: EditReportRequest,
) -> Result<RegulatoryReport, ApiError> {
    let number = incident_number(id)?;
    let actor = actor.to_string();
    let report_id = report.to_string();
    let document = change_record(state, number, move |_, current| {
        let (record, event) =
            edit_report(current, &report_id, request.sections.clone(), &actor, now())?;
        Ok((record, event))
    })
    .await?;
    find_report(&record_of(Some(&document))?, id, report)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The authority it went to, e.g. "BfDI" or "market surveillance authority DE".
    pub recipient: String,
    /// The reference the authority gave, if any.
    #[serde(default)]
    pub reference: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/reports/{report_id}/submission", tag = "regulatory", request_body = SubmitRequest,
    params(("id" = String, Path, description = "INC-<n>"), ("report_id" = String, Path, description = "R-<n>, the `id` the draft returned")),
    responses((status = 200, body = RegulatoryReport, description = "Recorded as `regulator_notified`; the report's clock stops"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "Already submitted, or a drill"), (status = 422, body = Problem)))]
pub async fn submit(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path((id, report)): Path<(String, String)>,
    ApiJson(request): ApiJson<SubmitRequest>,
) -> Result<ApiJson<RegulatoryReport>, ApiError> {
    Ok(ApiJson(
        submit_regulatory_report(&state, caller.name(), &id, &report, request).await?,
    ))
}

/// Records a report's submission to its authority (`regulator_notified`):
/// the workflow behind the API and the incident page.
pub async fn submit_regulatory_report(
    state: &AppState,
    actor: &str,
    id: &str,
    report: &str,
    request: SubmitRequest,
) -> Result<RegulatoryReport, ApiError> {
    let number = incident_number(id)?;
    let actor = actor.to_string();
    let report_id = report.to_string();
    let document = change_record(state, number, move |incident, current| {
        submit_report(
            incident,
            current,
            &report_id,
            &request.recipient,
            request.reference.clone(),
            &actor,
            now(),
        )
    })
    .await?;
    find_report(&record_of(Some(&document))?, id, report)
}

/// Applies `operation` to the stored record; its event goes on both chains.
pub(crate) async fn change_record(
    state: &AppState,
    number: u64,
    operation: impl Fn(
        &Incident,
        &RegulatoryRecord,
    ) -> Result<(RegulatoryRecord, EventDraft), DomainError>
    + Send
    + 'static,
) -> Result<Value, ApiError> {
    state
        .run(move |store| {
            let at = now();
            let (_, document) = store.change_document(
                number,
                DocumentKind::Regulatory,
                &mut |incident, document| {
                    let (record, event) = operation(incident, &record_of(document)?)?;
                    Ok(DocumentChange::with_event(
                        DocumentKind::encode(&record),
                        event,
                    ))
                },
                at,
            )?;
            Ok(document)
        })
        .await
}
