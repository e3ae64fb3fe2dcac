//! Incident pages' forms: the declare form, the lifecycle, timeline entries
//! and root-cause artifacts (the page itself is `incident_page.rs`, the list
//! `incident_list.rs`).

use super::rejected::or_in_place;
use super::{CsrfForm, PageResult, csrf_field, page};
use crate::api::incidents::{EntryRequest, apply_transition, incident_number, write_entry};
use crate::auth::Responder;
use crate::error::ApiError;
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use firebreak_core::incident::{
    DeclareIncident, DeclaredBy, DetectionSource, HarmCategory, Incident, IncidentKind, Severity,
    Status, TransitionRequest,
};
use firebreak_core::rca::{Artifact, ArtifactKind};
use firebreak_core::timeline::EventKind;
use maud::{Markup, PreEscaped, html};

pub async fn declare_form(
    Responder(caller): Responder,
    State(state): State<AppState>,
) -> PageResult {
    let systems = state.run(|store| store.list_systems()).await?;
    Ok(page(
        &caller,
        "Declare an incident",
        html! {
            h1 { "Declare an incident" }
            @if systems.is_empty() {
                p class="error" { "Register an AI system in the " a href="/systems/new" { "inventory" } " first." }
            }
            form method="post" action="/incidents" {
                (csrf_field(&caller))
                label { "Title " input type="text" name="title" required; }
                label { "Summary " textarea name="summary" rows="3" {} }
                label { "Kind "
                    select name="kind" { option value="real" { "real" } option value="drill" { "drill" } option value="test" { "test" } }
                }
                label { "Severity "
                    select name="severity" required { @for s in Severity::ALL { option value=(s.as_str()) { (s.label()) } } }
                }
                label { "Why this severity " textarea name="severity_rationale" rows="2" required {} }
                fieldset {
                    legend { "Affected systems" }
                    @for s in &systems { label { input type="checkbox" name="systems" value=(s.slug); " " (s.details.name) " (" (s.slug) ")" } }
                }
                fieldset {
                    legend { "Harm" }
                    @for h in HarmCategory::ALL { label { input type="checkbox" name="harms" value=(h.as_str()); " " (h.as_str().replace('_', " ")) } }
                }
                label { "People affected (estimate) " input type="text" name="people_affected" inputmode="numeric"; }
                label { "Found by "
                    select name="detection_source" {
                        option value="" { "(not known yet)" }
                        @for d in DetectionSource::ALL { option value=(d.as_str()) { (d.as_str().replace('_', " ")) } }
                    }
                }
                label { "Tags (comma-separated) " input type="text" name="tags"; }
                label { "Impact started (RFC 3339, e.g. 2026-03-01T08:00:00Z) " input type="text" name="impact_started_at"; }
                label { "Detected (default: now) " input type="text" name="detected_at"; }
                button type="submit" { "Declare" }
            }
        },
    ))
}

pub(super) fn parse_field<T: std::str::FromStr>(
    form: &CsrfForm,
    name: &str,
    what: &str,
) -> Result<Option<T>, ApiError> {
    form.get(name)
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| ApiError::bad_request(Some(name), format!("`{v}` is not {what}")))
        })
        .transpose()
}

pub async fn declare(
    Responder(caller): Responder,
    State(state): State<AppState>,
    form: CsrfForm,
) -> Result<Redirect, ApiError> {
    let severity = parse_field::<Severity>(&form, "severity", "a severity")?
        .ok_or_else(|| ApiError::invalid("severity", "choose a severity"))?;
    let kind = match form.get("kind") {
        Some("drill") => IncidentKind::Drill,
        Some("test") => IncidentKind::Test,
        _ => IncidentKind::Real,
    };
    let harms = form
        .all("harms")
        .iter()
        .map(|h| {
            h.parse()
                .map_err(|e: String| ApiError::bad_request(Some("harms"), e))
        })
        .collect::<Result<Vec<HarmCategory>, _>>()?;
    let input = DeclareIncident {
        title: form.get("title").unwrap_or_default().to_string(),
        summary: form.get("summary").unwrap_or_default().to_string(),
        kind,
        severity,
        severity_rationale: form
            .get("severity_rationale")
            .unwrap_or_default()
            .to_string(),
        systems: form.all("systems"),
        model_versions: vec![],
        harms,
        people_affected: parse_field(&form, "people_affected", "a whole number")?,
        tags: form
            .get("tags")
            .map(|t| {
                t.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        impact_started_at: parse_field(&form, "impact_started_at", "a timestamp with an offset")?,
        detected_at: parse_field(&form, "detected_at", "a timestamp with an offset")?,
        aware_at: None,
        declared_by: DeclaredBy::Human,
        detection_source: parse_field(&form, "detection_source", "a detection source")?,
    };
    let actor = caller.name().to_string();
    let incident = state
        .run(move |store| store.declare_incident(input, &actor, now()))
        .await?;
    Ok(Redirect::to(&format!(
        "/incidents/{}",
        incident.public_id()
    )))
}

pub(super) fn rca_section(
    caller: &crate::auth::Caller,
    path: &str,
    drawn: &[(Artifact, Option<String>)],
) -> Markup {
    html! {
        section aria-label="Root-cause analysis" id="rca" {
            h2 { "Root-cause analysis" }
            @for (index, (artifact, svg)) in drawn.iter().enumerate() {
                figure.artifact data-kind=(artifact.kind.as_str()) {
                    figcaption {
                        strong { (artifact.kind.as_str().replace('_', " ")) " " (artifact.name) }
                        " · version " (artifact.version) " by " (artifact.updated_by) " · "
                        a href={ "/api/v1/incidents/" (artifact.owner) "/rca/" (artifact.kind.as_str()) "/" (artifact.name) } { "JSON" }
                    }
                    @if let Some(svg) = svg { div.diagram { (PreEscaped(firebreak_report::unique_ids(svg, &format!("diagram-{index}")))) } }
                }
            }
            (super::rca_steps::step_forms(caller, path, &drawn.iter().map(|(artifact, _)| artifact).collect::<Vec<_>>()))
            details {
                summary { "Add or replace any artifact as JSON (a fault tree as Open-PSA MEF XML)" }
                form method="post" action={ (path) "/rca" } {
                    (csrf_field(caller))
                    label style="display:inline" { "Kind "
                        select name="kind" {
                            @for kind in ArtifactKind::ALL.iter().filter(|k| !k.belongs_to_system()) {
                                option value=(kind.as_str()) { (kind.as_str().replace('_', " ")) }
                            }
                        }
                    }
                    " "
                    label style="display:inline" { "Name " input type="text" name="name" value="main" required style="min-width:8rem"; }
                    label { "Content (JSON in the method's format; for a fault tree, Open-PSA MEF XML) "
                        textarea name="body" rows="8" style="width:100%" required {} }
                    button type="submit" { "Save a new version" }
                }
            }
        }
    }
}

pub async fn save_rca(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Redirect, ApiError> {
    let kind = parse_field::<ArtifactKind>(&form, "kind", "an artifact kind")?
        .filter(|k| !k.belongs_to_system())
        .ok_or_else(|| ApiError::invalid("kind", "choose an incident artifact kind"))?;
    let text = form.get("body").unwrap_or_default();
    let body = if kind == ArtifactKind::FaultTree && text.starts_with('<') {
        serde_json::json!({ "mef": text })
    } else {
        serde_json::from_str(text)
            .map_err(|e| ApiError::bad_request(Some("body"), format!("not JSON: {e}")))?
    };
    let owner = firebreak_core::incident::public_id(incident_number(&id)?);
    let name = form.get("name").unwrap_or("main").to_string();
    crate::api::rca::save(&state, owner.clone(), kind, name, body, caller.name()).await?;
    Ok(Redirect::to(&format!("/incidents/{owner}#rca")))
}

pub async fn transition(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let to = parse_field::<Status>(&form, "to", "a status")?
        .ok_or_else(|| ApiError::invalid("to", "choose a status"))?;
    let key = format!("transition:{}", to.as_str());
    let changed = async {
        let merged_into = form
            .get("merged_into")
            .map(|m| {
                firebreak_core::incident::parse_public_id(m)
                    .map_err(|e| ApiError::invalid("merged_into", e))
            })
            .transpose()?;
        let request = TransitionRequest {
            to,
            reason: form.get("reason").map(str::to_string),
            occurred_at: None,
            merged_into,
            override_reason: None,
        };
        apply_transition(&state, &id, &caller, request).await
    }
    .await;
    let to_page = |incident: Incident| format!("/incidents/{}", incident.public_id());
    or_in_place(changed, to_page, (&state, &caller, &id), key, &form).await
}

pub async fn add_entry(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let written = async {
        let kind =
            parse_field::<EventKind>(&form, "kind", "an entry kind")?.unwrap_or(EventKind::Note);
        let entry = EntryRequest {
            kind,
            text: form.get("text").unwrap_or_default().to_string(),
            occurred_at: None,
        };
        write_entry(&state, &id, caller.name(), entry).await
    }
    .await;
    let to_timeline = |_| format!("/incidents/{id}#timeline");
    or_in_place(
        written,
        to_timeline,
        (&state, &caller, &id),
        "entries".into(),
        &form,
    )
    .await
}
