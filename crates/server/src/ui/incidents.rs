//! Incident pages: the declare form, and the incident page with its status,
//! roles, timestamps, timeline and allowed actions (the list is in
//! `incident_list.rs`).

use super::incident_list::severity_badge;
use super::rejected::{Rejected, or_in_place};
use super::{CsrfForm, PageResult, csrf_field, format_time, page};
use crate::api::incidents::{
    AssignRequest, EntryRequest, IncidentView, apply_assignment, apply_transition, incident_number,
    write_entry,
};
use crate::auth::{Caller, Responder, Viewer};
use crate::error::ApiError;
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use firebreak_core::control::Namespace;
use firebreak_core::incident::{
    CommandRole, DeclareIncident, DeclaredBy, DetectionSource, HarmCategory, Incident,
    IncidentKind, Severity, Status, TransitionRequest,
};
use firebreak_core::rca::{Artifact, ArtifactKind};
use firebreak_core::timeline::{Event, EventKind};
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

fn timeline_entry(event: &Event) -> Markup {
    html! {
        li {
            strong { (format_time(Some(event.occurred_at))) } " · "
            span.badge { (event.kind.as_str().replace('_', " ")) } " · "
            (event.actor) ": " (event.describe()) " "
            code.hash title={ "sha256 " (event.hash) } { "#" (event.seq) " " (&event.hash[..12]) }
        }
    }
}

pub async fn show(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> PageResult {
    incident_page(&state, &caller, &id, None).await
}

/// The incident page; with `rejected`, that form is shown again with its
/// messages and what the user sent.
pub async fn incident_page(
    state: &AppState,
    caller: &Caller,
    id: &str,
    rejected: Option<&Rejected>,
) -> PageResult {
    let number = incident_number(id)?;
    let (incident, events, users, controls, extra) = state
        .run(move |store| {
            let incident = store.get_incident(number)?;
            let events = store.events(&incident.public_id())?;
            let namespace = Namespace::for_incident(incident.kind);
            let mut controls = Vec::new();
            for slug in &incident.systems {
                controls.push((
                    store.get_system(slug)?,
                    store.control_state(namespace, slug)?,
                ));
            }
            let artifacts = store.artifacts(&incident.public_id())?;
            let evidence = store.incident_evidence(number)?;
            let regulatory = crate::api::regulatory::record_of(
                store
                    .document(number, firebreak_store::DocumentKind::Regulatory)?
                    .as_ref(),
            )?;
            Ok((
                incident,
                events,
                store.list_users()?,
                controls,
                (artifacts, evidence, regulatory),
            ))
        })
        .await?;
    let (artifacts, evidence, regulatory) = extra;
    let postmortem = crate::api::postmortems::current_view(state, number).await?;
    let updates = crate::api::updates::updates_view(state, number).await?;
    let triage =
        crate::triage::context(state, number, firebreak_core::change::DEFAULT_WINDOW).await?;
    let regulatory = crate::api::regulatory::view(state, &incident, regulatory)?;
    let blame = crate::api::rca::BlameCheck::of(state, &incident.public_id()).await?;
    let drawn = tokio::task::spawn_blocking(move || {
        artifacts
            .into_iter()
            .map(|a| {
                let svg = crate::api::rca::diagram(&a, &blame).ok().flatten();
                (a, svg)
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let view = IncidentView::from(incident);
    let incident = &view.incident;
    let path = format!("/incidents/{}", view.id);
    let live = super::live::stream_url(&view.id, events.last().map_or(0, |e| e.seq));
    Ok(page(
        caller,
        &view.id,
        html! {
          div data-live=(live) {
            h1 { (view.id) ": " (incident.title) }
            p {
                (severity_badge(incident.severity)) " "
                span.badge id="status" { "Status: " (incident.status) } " "
                span.badge { (format!("{:?}", incident.kind).to_lowercase()) }
            }
            (shortcuts())
            @if !incident.summary.is_empty() { p { (incident.summary) } }
            p { strong { "Severity rationale: " } (incident.severity_rationale) }
            p { strong { "Systems: " } (incident.systems.join(", "))
                @if !incident.harms.is_empty() { " · " strong { "Harm: " } (incident.harms.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ")) }
                @if let Some(n) = incident.people_affected { " · " strong { "People affected: " } (n) }
                @if let Some(d) = incident.detection_source { " · " strong { "Found by: " } (d.as_str().replace('_', " ")) }
            }
            section.actions aria-label="Lifecycle" id="lifecycle" {
                h2 { "Move to" }
                @if view.allowed_transitions.is_empty() { p { "This incident is final." } }
                @for next in &view.allowed_transitions {
                    @let key = format!("transition:{}", next.as_str());
                    form method="post" action={ (path) "/transition" } {
                        (csrf_field(caller))
                        input type="hidden" name="to" value=(next.as_str());
                        @if incident.status == Status::Closed || *next == Status::Declined {
                            input type="text" name="reason" placeholder="reason" aria-label={ "Reason to move to " (next.as_str()) } required style="min-width:10rem"
                                value=[Rejected::kept(rejected, &key, "reason")];
                        }
                        @if *next == Status::Merged {
                            input type="text" name="merged_into" placeholder="INC-n" aria-label="Merged into (INC-n)" required style="min-width:6rem"
                                value=[Rejected::kept(rejected, &key, "merged_into")];
                        }
                        button type="submit" { (next.as_str()) }
                        (Rejected::messages(rejected, &key))
                    }
                }
            }
            (super::oncall::acknowledge_section(caller, &path, incident, &events))
            (super::pages_log::incident_section(&events))
            (super::containment::section(caller, &path, &controls, rejected))
            (super::triage::section(caller, &path, &triage, rejected))
            (super::triage::proposals_section(caller, &path, &events, rejected))
            (super::assessment::section(caller, &path, incident, &state.rubric, rejected))
            div.grid aria-label="Record" {
                section {
                    h2 { "Timestamps" }
                    table { tbody {
                        @for field in firebreak_core::incident::TimeField::ALL {
                            tr { th { (field.as_str()) } td { (format_time(incident.times.get(field))) } }
                        }
                    } }
                }
                section {
                    h2 { "Roles" }
                    table { tbody {
                        @for role in CommandRole::ALL {
                            tr { th { (role.as_str().replace('_', " ")) }
                                td { (incident.roles.iter().filter(|a| a.role == role).map(|a| a.user.as_str()).collect::<Vec<_>>().join(", ")) } }
                        }
                    } }
                    form method="post" action={ (path) "/roles" } {
                        (csrf_field(caller))
                        select name="role" aria-label="Role" { @for role in CommandRole::ALL {
                            option value=(role.as_str()) selected[Rejected::chose(rejected, "roles", "role", role.as_str())] { (role.as_str().replace('_', " ")) }
                        } }
                        " "
                        select name="user" aria-label="User" { @for user in &users {
                            option value=(user.name) selected[Rejected::chose(rejected, "roles", "user", &user.name)] { (user.name) }
                        } }
                        " "
                        button type="submit" { "Assign" }
                        (Rejected::messages(rejected, "roles"))
                    }
                }
            }
            (rca_section(caller, &path, &drawn))
            (super::postmortem::section(caller, &path, incident, postmortem.as_ref(), rejected))
            (super::updates::section(caller, &path, &updates, rejected))
            (crate::ui::regulatory::section(caller, &path, &regulatory, rejected))
            (crate::ui::evidence::section(caller, &path, &evidence, rejected))
            section aria-label="Timeline" id="timeline-section" {
                h2 { "Timeline" }
                ol.timeline id="timeline" { @for event in &events { (timeline_entry(event)) } }
                form method="post" action={ (path) "/entries" } {
                    (csrf_field(caller))
                    select name="kind" aria-label="Entry kind" { @for kind in EventKind::ENTRIES {
                        option value=(kind.as_str()) selected[Rejected::chose(rejected, "entries", "kind", kind.as_str())] { (kind.as_str().replace('_', " ")) }
                    } }
                    " "
                    input type="text" name="text" placeholder="What happened, what was decided…" required aria-label="Entry text" aria-keyshortcuts="n"
                        value=[Rejected::kept(rejected, "entries", "text")];
                    " "
                    button type="submit" { "Add to timeline" }
                    (Rejected::messages(rejected, "entries"))
                }
            }
          }
          script src="/assets/live.js" defer {}
        },
    ))
}

/// The page's parts, each with the keys that go there (`live.js` answers
/// them; `aria-keyshortcuts` names them to assistive technology).
fn shortcuts() -> Markup {
    let parts = [
        ("lifecycle", "l", "Move to"),
        ("containment", "c", "Containment"),
        ("rca", "r", "Root-cause analysis"),
        ("postmortem", "p", "Post-mortem"),
        ("timeline-section", "t", "Timeline"),
    ];
    html! {
        nav.onpage aria-label="On this page" {
            @for (id, key, name) in parts {
                a href={ "#" (id) } aria-keyshortcuts={ "g " (key) } { (name) " " kbd { "g" } " " kbd { (key) } }
            }
            span { kbd { "n" } " writes a timeline entry" }
        }
    }
}

fn rca_section(
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

pub async fn assign(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let assigned = async {
        let role = parse_field::<CommandRole>(&form, "role", "an incident role")?
            .ok_or_else(|| ApiError::invalid("role", "choose a role"))?;
        let request = AssignRequest {
            role,
            user: form.get("user").map(str::to_string),
            remove: false,
        };
        apply_assignment(&state, &id, caller.name(), request).await
    }
    .await;
    let to_page = |incident: Incident| format!("/incidents/{}", incident.public_id());
    or_in_place(
        assigned,
        to_page,
        (&state, &caller, &id),
        "roles".into(),
        &form,
    )
    .await
}
