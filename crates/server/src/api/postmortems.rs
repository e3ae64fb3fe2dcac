//! Blameless post-mortems: drafted from the incident's record, edited,
//! linted, reviewed and signed off by incident-command roles, approved
//! through the gate (lint errors and SMART failures block unless overridden
//! with a reason), published, exported; and their action items across
//! incidents.

use crate::api::incidents::incident_number;
use crate::auth::{Caller, Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::export::ExportQuery;
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use firebreak_core::DomainError;
use firebreak_core::action::SmartFinding;
use firebreak_core::cause::{CauseEntry, CauseSummary};
use firebreak_core::incident::Incident;
use firebreak_core::lint::LintFinding;
use firebreak_core::postmortem::{
    ApprovalContext, Blocker, DraftInput, EvidenceRef, ForensicFinding, PostMortem, draft,
    lint_postmortem,
};
use firebreak_core::rca::ArtifactKind;
use firebreak_core::timeline::{Event, EventDraft, EventKind};
use firebreak_rca::cause_statement::CauseStatement;
use firebreak_store::{DocumentChange, DocumentKind, Store};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use utoipa::ToSchema;

mod actions;
mod progress;
mod tickets;
mod workflow;
pub use actions::*;
pub use progress::*;
pub use tickets::*;
pub use workflow::*;

/// A post-mortem with what its checks say now.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostMortemView {
    pub incident: String,
    pub postmortem: PostMortem,
    pub lint: Vec<LintFinding>,
    /// SMART findings by action item path, e.g. `action_items[1]`.
    pub smart: Vec<SmartEntry>,
    /// Why approval would be refused now.
    pub blockers: Vec<Blocker>,
    /// Sections still to write.
    pub missing_sections: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SmartEntry {
    pub item: String,
    #[serde(flatten)]
    pub finding: SmartFinding,
}

pub(crate) fn postmortem_of(document: Option<&Value>) -> Result<Option<PostMortem>, DomainError> {
    DocumentKind::Postmortem.decode(document)
}

/// The stored post-mortem an operation changes; refused before a draft.
fn existing(incident: &Incident, document: Option<&Value>) -> Result<PostMortem, DomainError> {
    postmortem_of(document)?.ok_or_else(|| {
        DomainError::field(
            "postmortem",
            format!("{} has no post-mortem yet; draft one", incident.public_id()),
        )
    })
}

/// The names the lint treats as people: every user and role holder.
pub(crate) fn people(
    store: &dyn Store,
    incident: &Incident,
) -> Result<Vec<String>, firebreak_store::StoreError> {
    let mut names: Vec<String> = store.list_users()?.into_iter().map(|u| u.name).collect();
    for assignment in &incident.roles {
        if !names.contains(&assignment.user) {
            names.push(assignment.user.clone());
        }
    }
    Ok(names)
}

fn view(
    state: &AppState,
    incident: &Incident,
    postmortem: PostMortem,
    people: &[String],
) -> PostMortemView {
    let lint = lint_postmortem(&postmortem, &state.lint, people);
    let smart = postmortem
        .smart_findings(&state.lint, people)
        .into_iter()
        .map(|(item, finding)| SmartEntry { item, finding })
        .collect();
    let blockers = postmortem.approval_blockers(&ApprovalContext {
        severity: incident.severity,
        config: &state.lint,
        people,
    });
    let missing_sections = postmortem
        .missing_sections()
        .into_iter()
        .map(str::to_string)
        .collect();
    PostMortemView {
        incident: incident.public_id(),
        postmortem,
        lint,
        smart,
        blockers,
        missing_sections,
    }
}

/// The incident, its post-mortem if any, and the names the lint treats as people.
async fn fetch(
    state: &AppState,
    number: u64,
) -> Result<(Incident, Option<PostMortem>, Vec<String>), ApiError> {
    let (incident, document, people) = state
        .run(move |store| {
            let incident = store.get_incident(number)?;
            let people = people(store, &incident)?;
            Ok((
                incident,
                store.document(number, DocumentKind::Postmortem)?,
                people,
            ))
        })
        .await?;
    Ok((incident, postmortem_of(document.as_ref())?, people))
}

/// The incident's post-mortem with its checks, if it has one.
pub async fn current_view(
    state: &AppState,
    number: u64,
) -> Result<Option<PostMortemView>, ApiError> {
    let (incident, postmortem, people) = fetch(state, number).await?;
    Ok(postmortem.map(|p| view(state, &incident, p, &people)))
}

async fn load(
    state: &AppState,
    number: u64,
) -> Result<(Incident, PostMortem, Vec<String>), ApiError> {
    let (incident, postmortem, people) = fetch(state, number).await?;
    let postmortem = postmortem.ok_or_else(|| {
        ApiError::NotFound(format!(
            "{} has no post-mortem yet; draft one (POST …/postmortem/draft)",
            incident.public_id()
        ))
    })?;
    Ok((incident, postmortem, people))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/postmortem", tag = "postmortems",
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = PostMortemView), (status = 404, body = Problem)))]
pub async fn show(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<PostMortemView>, ApiError> {
    let (incident, postmortem, people) = load(&state, incident_number(&id)?).await?;
    Ok(ApiJson(view(&state, &incident, postmortem, &people)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    /// default, google-sre, lightweight, or a template file of the deployment.
    #[serde(default)]
    pub template: Option<String>,
}

/// What a draft is assembled from, read from the store.
fn draft_input(
    store: &dyn Store,
    number: u64,
    template: String,
) -> Result<DraftInput, firebreak_store::StoreError> {
    let incident = store.get_incident(number)?;
    let events = store.events(&incident.public_id())?;
    let artifacts = store.artifacts(&incident.public_id())?;
    let causes = artifacts
        .iter()
        .find(|a| a.kind == ArtifactKind::CauseStatement)
        .and_then(|a| serde_json::from_value::<CauseStatement>(a.body.clone()).ok())
        .map(|statement| {
            let entry = |c: &firebreak_rca::cause_statement::Cause| CauseEntry {
                statement: c.statement.clone(),
                category: c.category.clone(),
            };
            CauseSummary {
                proximate_cause: entry(&statement.proximate_cause),
                root_causes: statement.root_causes.iter().map(entry).collect(),
                contributing_factors: statement.contributing_factors.iter().map(entry).collect(),
            }
        });
    let findings = events
        .iter()
        .filter(|e| e.kind == EventKind::Finding && e.body["analysis"].is_string())
        .map(|e| ForensicFinding {
            title: format!(
                "{} (timeline #{})",
                e.body["analysis"].as_str().unwrap_or_default(),
                e.seq
            ),
            summary: e.body["text"].as_str().unwrap_or_default().to_string(),
            input_sha256: e.body["inputs"][0]["sha256"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        })
        .collect();
    let mut evidence: Vec<EvidenceRef> = store
        .incident_evidence(number)?
        .into_iter()
        .filter(|item| item.disposed_at.is_none())
        .map(|item| EvidenceRef {
            reference: item.id.clone(),
            description: format!("{} — {}", item.filename, item.description),
            sha256: Some(item.sha256),
        })
        .collect();
    evidence.extend(artifacts.iter().map(|a| EvidenceRef {
        reference: format!("{}/{}@{}", a.kind.as_str(), a.name, a.version),
        description: format!("RCA artifact saved by {}", a.updated_by),
        sha256: None,
    }));
    let changes_before =
        crate::triage::read_context(store, number, firebreak_core::change::DEFAULT_WINDOW)?.changes;
    Ok(DraftInput {
        incident,
        events,
        causes,
        action_items: Vec::new(),
        findings,
        evidence,
        changes_before,
        template,
    })
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/postmortem/draft", tag = "postmortems", request_body = DraftRequest,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 201, body = PostMortemView, description = "Every section the record can fill is filled; the rest are to do"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "It already has one"), (status = 422, body = Problem)))]
pub async fn create_draft(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DraftRequest>,
) -> Result<(StatusCode, ApiJson<PostMortemView>), ApiError> {
    let template = request.template.unwrap_or_else(|| "default".to_string());
    let view = draft_postmortem(&state, incident_number(&id)?, caller.name(), template).await?;
    Ok((StatusCode::CREATED, ApiJson(view)))
}

/// Drafts the incident's post-mortem; shared by the API and the web UI.
pub async fn draft_postmortem(
    state: &AppState,
    number: u64,
    actor: &str,
    template: String,
) -> Result<PostMortemView, ApiError> {
    state.template(&template)?;
    let actor = actor.to_string();
    let (incident, document, people) = state
        .run(move |store| {
            let input = draft_input(store, number, template.clone())?;
            let at = now();
            let (incident, document) = store.change_document(
                number,
                DocumentKind::Postmortem,
                &mut |incident, current| {
                    if current.is_some() {
                        return Err(DomainError::Conflict {
                            message: format!("{} already has a post-mortem; edit it", incident.public_id()),
                            allowed: Vec::new(),
                        });
                    }
                    let postmortem = draft(input.clone());
                    let event = EventDraft {
                        kind: EventKind::PostmortemUpdated,
                        occurred_at: at,
                        actor: actor.clone(),
                        body: json!({ "drafted_from": template, "missing": postmortem.missing_sections() }),
                    };
                    Ok(DocumentChange::with_event(DocumentKind::encode(&postmortem), event))
                },
                at,
            )?;
            let people = people(store, &incident)?;
            Ok((incident, document, people))
        })
        .await?;
    let postmortem = postmortem_of(Some(&document))?.expect("just drafted");
    Ok(view(state, &incident, postmortem, &people))
}

/// The template context: the post-mortem, its incident, the pinned events
/// resolved against the timeline, durations for people, action items with
/// their priority, and the figures by name.
fn template_context(
    incident: &Incident,
    postmortem: &PostMortem,
    timeline: &[Event],
    figures: &[(String, String, String)],
) -> Value {
    let pinned: Vec<Value> = postmortem
        .timeline
        .iter()
        .map(|pin| {
            let event = timeline.iter().find(|e| e.seq == pin.seq);
            let text = match event {
                Some(e) if e.hash == pin.hash => e.describe(),
                Some(_) => "(the pinned event no longer matches its hash)".to_string(),
                None => "(the pinned event is missing from the timeline)".to_string(),
            };
            json!({
                "seq": pin.seq, "hash": pin.hash, "text": text.replace('|', "/"),
                "at": event.map(|e| e.occurred_at.strftime("%Y-%m-%d %H:%M").to_string()),
                "actor": event.map(|e| e.actor.clone()),
            })
        })
        .collect();
    let human = |seconds: i64| {
        let (h, m) = (seconds / 3600, (seconds % 3600) / 60);
        if h > 0 {
            format!("{h} h {m} min")
        } else {
            format!("{m} min")
        }
    };
    let mut durations: BTreeMap<String, String> = postmortem
        .metrics
        .iter()
        .map(|(name, seconds)| (name.clone(), human(*seconds)))
        .collect();
    if let Some(seconds) = postmortem.impact.duration_seconds {
        durations.insert("impact".into(), human(seconds));
    }
    let actions: Vec<Value> = postmortem
        .action_items
        .iter()
        .map(|a| {
            let mut value = serde_json::to_value(a).expect("action items serialize");
            value["priority"] = json!(a.priority().as_str().to_uppercase());
            value["addresses"] = json!(
                a.addresses
                    .as_ref()
                    .map_or("(none)".to_string(), |l| l.describe())
            );
            value["kind"] = json!(a.kind.as_str());
            value["status"] = json!(a.status.as_str());
            value["title"] = json!(a.title.replace('|', "/"));
            value
        })
        .collect();
    json!({
        "incident": {
            "id": incident.public_id(), "title": incident.title, "severity": incident.severity.as_str(),
            "kind": crate::reports::wire_name(&incident.kind), "status": incident.status.as_str(),
        },
        "pm": postmortem,
        "timeline": pinned,
        "durations": durations,
        "actions": actions,
        "figures": figures.iter().map(|(name, caption, _)| json!({"name": name, "caption": caption})).collect::<Vec<_>>(),
    })
}

/// The post-mortem as a document, through its template.
pub async fn document(
    state: &AppState,
    number: u64,
) -> Result<(Incident, firebreak_report::Document), ApiError> {
    let (incident, postmortem, _) = load(state, number).await?;
    let (timeline, artifacts) = state
        .run(move |store| {
            let id = firebreak_core::incident::public_id(number);
            Ok((store.events(&id)?, store.artifacts(&id)?))
        })
        .await?;
    let template = state.template(&postmortem.template)?;
    let blame = crate::api::rca::BlameCheck::of(state, &incident.public_id()).await?;
    let mut figures: Vec<(String, String, String)> = artifacts
        .iter()
        .filter_map(|a| {
            let svg = crate::api::rca::diagram(a, &blame).ok().flatten()?;
            Some((
                format!("{}-{}", a.kind.as_str(), a.name),
                format!(
                    "{} {} (version {})",
                    a.kind.as_str().replace('_', " "),
                    a.name,
                    a.version
                ),
                svg,
            ))
        })
        .collect();
    figures.extend(finding_figures(state, &timeline).await?);
    let context = template_context(&incident, &postmortem, &timeline, &figures);
    let markdown =
        firebreak_report::postmortem::render_template(&postmortem.template, &template, &context)
            .map_err(|e| ApiError::invalid("template", e.to_string()))?;
    let svgs: BTreeMap<String, String> = figures
        .into_iter()
        .map(|(name, _, svg)| (name, svg))
        .collect();
    let document = firebreak_report::from_markdown(&markdown, &svgs)
        .map_err(|e| ApiError::invalid("template", e.to_string()))?;
    Ok((incident, document))
}

/// The charts of the incident's forensic findings, kept as SVG blobs when
/// each finding was made; each is checked against its SHA-256 on the way out.
async fn finding_figures(
    state: &AppState,
    timeline: &[Event],
) -> Result<Vec<(String, String, String)>, ApiError> {
    let mut figures = Vec::new();
    for event in timeline.iter().filter(|e| e.kind == EventKind::Finding) {
        for (k, figure) in event.body["figures"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (Some(caption), Some(sha256)) =
                (figure["caption"].as_str(), figure["sha256"].as_str())
            else {
                continue;
            };
            let bytes = state.read_blob(sha256, &format!("a figure of finding {}", event.seq))?;
            let svg = String::from_utf8_lossy(&bytes).into_owned();
            figures.push((
                format!("finding-{}-{}", event.seq, k + 1),
                format!("{caption} (finding #{})", event.seq),
                svg,
            ));
        }
    }
    Ok(figures)
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/postmortem/export", tag = "postmortems",
    params(("id" = String, Path, description = "INC-<n>"), ExportQuery),
    responses((status = 200, description = "Markdown, a self-contained HTML page or PDF, with the RCA diagrams"), (status = 404, body = Problem)))]
pub async fn export(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let (incident, document) = document(&state, incident_number(&id)?).await?;
    crate::export::render(
        document,
        query.format,
        &format!("{}-postmortem", incident.public_id()),
    )
    .await
}

/// The D6 gate, run before an incident closes: the incident's post-mortem
/// (if any) against the closer's role and override.
pub async fn close_gate(
    state: &AppState,
    caller: &Caller,
    number: u64,
    override_reason: Option<&str>,
) -> Result<firebreak_core::postmortem::CloseGate, ApiError> {
    let (incident, document) = state
        .run(move |store| {
            Ok((
                store.get_incident(number)?,
                store.document(number, DocumentKind::Postmortem)?,
            ))
        })
        .await?;
    let postmortem = postmortem_of(document.as_ref())?;
    Ok(firebreak_core::postmortem::close_gate(
        &incident,
        postmortem.as_ref(),
        caller.user.role,
        override_reason,
    )?)
}
