//! Inventory pages and the metrics page.

use super::containment::control_summary;
use super::incident_list::severity_badge;
use super::{CsrfForm, PageResult, csrf_field, format_time, page};
use crate::api::systems::{RegisterSystem, register_system, system_view};
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiQuery};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Redirect;
use firebreak_core::control::{ControlMode, Namespace};
use firebreak_core::incident::{Incident, IncidentKind, Status};
use firebreak_core::system::{ModelVersion, SystemDetails};
use firebreak_store::{IncidentFilter, PageRequest, Store, StoreError, system_stream};
use maud::{Markup, html};
use serde_json::json;
use std::collections::BTreeMap;

/// The open real incidents, newest first.
pub(super) fn open_incidents(store: &dyn Store) -> Result<Vec<Incident>, StoreError> {
    let open = IncidentFilter {
        statuses: Status::ALL.into_iter().filter(|s| s.is_open()).collect(),
        kind: Some(IncidentKind::Real),
        ..IncidentFilter::default()
    };
    Ok(store
        .list_incidents(
            &open,
            PageRequest {
                after: None,
                limit: 200,
            },
        )?
        .items)
}

/// Links to `incidents`, or "none".
fn incident_links<'a>(incidents: impl Iterator<Item = &'a Incident>) -> Markup {
    let incidents: Vec<_> = incidents.collect();
    html! {
        @for (n, incident) in incidents.iter().enumerate() {
            @if n > 0 { ", " }
            a href={ "/incidents/" (incident.public_id()) } title=(incident.title) { (incident.public_id()) }
        }
        @if incidents.is_empty() { "none" }
    }
}

pub async fn list(Viewer(caller): Viewer, State(state): State<AppState>) -> PageResult {
    let (systems, controls, open) = state
        .run(|store| {
            let controls: BTreeMap<String, ControlMode> = store
                .control_states(Namespace::Production)?
                .into_iter()
                .map(|c| (c.system, c.mode))
                .collect();
            Ok((store.list_systems()?, controls, open_incidents(store)?))
        })
        .await?;
    Ok(page(
        &caller,
        "Inventory",
        html! {
            h1 { "AI system inventory" }
            p { a href="/systems/new" { "Register a system" } }
            table {
                thead { tr { th { "Slug" } th { "Name" } th { "Control" } th { "Open incidents" } th { "Owner" } th { "EU AI Act" } th { "Impact" } th { "Lifecycle" } th { "Depends on" } } }
                tbody {
                    @for s in &systems {
                        tr {
                            td { a href={ "/systems/" (s.slug) } { (s.slug) } }
                            td { (s.details.name) }
                            td.control-mode data-system=(s.slug) { (control_summary(controls.get(&s.slug).unwrap_or(&ControlMode::Normal))) }
                            td { (incident_links(open.iter().filter(|i| i.systems.contains(&s.slug)))) }
                            td { (s.details.owner_team) " " (s.details.owner_person) }
                            td { (json!(s.details.eu_risk_category).as_str().unwrap_or_default()) }
                            td { (json!(s.details.internal_impact).as_str().unwrap_or_default()) }
                            td { (json!(s.details.lifecycle).as_str().unwrap_or_default()) }
                            td { (s.details.depends_on.join(", ")) }
                        }
                    }
                }
            }
        },
    ))
}

pub async fn register_form(
    Responder(caller): Responder,
    State(state): State<AppState>,
) -> PageResult {
    let systems = state.run(|store| store.list_systems()).await?;
    let select = |name: &str, options: &[&str]| {
        html! { select name=(name) { @for o in options { option value=(o) { (o) } } } }
    };
    Ok(page(
        &caller,
        "Register a system",
        html! {
            h1 { "Register a system" }
            form method="post" action="/systems" {
                (csrf_field(&caller))
                label { "Slug " input type="text" name="slug" required pattern="[a-z0-9][a-z0-9-]*" placeholder="credit-scoring"; }
                label { "Name " input type="text" name="name" required; }
                label { "Description " textarea name="description" rows="2" {} }
                label { "Business purpose " textarea name="business_purpose" rows="2" {} }
                label { "Owner team " input type="text" name="owner_team"; }
                label { "Owner person " input type="text" name="owner_person"; }
                label { "Data sources (one per line) " textarea name="data_sources" rows="2" {} }
                label { "Model versions (one per line; add \" known-good\" after a version) " textarea name="model_versions" rows="3" {} }
                label { "EU AI Act category " (select("eu_risk_category", &["high", "limited", "minimal", "prohibited"])) }
                label { "Internal impact " (select("internal_impact", &["high", "medium", "low"])) }
                label { "Lifecycle " (select("lifecycle", &["production", "development", "deprecated", "retired"])) }
                label { "Our role " (select("org_role", &["deployer", "provider", "both"])) }
                label { input type="checkbox" name="not_ai" value="yes"; " Not an AI system (a dependency such as a database)" }
                fieldset {
                    legend { "Depends on" }
                    @for s in &systems { label { input type="checkbox" name="depends_on" value=(s.slug); " " (s.slug) } }
                }
                button type="submit" { "Register" }
            }
        },
    ))
}

fn lines(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

pub async fn register(
    Responder(caller): Responder,
    State(state): State<AppState>,
    form: CsrfForm,
) -> Result<Redirect, ApiError> {
    let model_versions = lines(form.get("model_versions"))
        .into_iter()
        .map(|line| match line.strip_suffix("known-good") {
            Some(version) => ModelVersion {
                version: version.trim().to_string(),
                known_good: true,
                notes: None,
            },
            None => ModelVersion {
                version: line,
                known_good: false,
                notes: None,
            },
        })
        .collect::<Vec<_>>();
    let enum_field = |name: &str| json!(form.get(name).unwrap_or_default());
    let details: SystemDetails = serde_json::from_value(json!({
        "name": form.get("name").unwrap_or_default(),
        "description": form.get("description").unwrap_or_default(),
        "business_purpose": form.get("business_purpose").unwrap_or_default(),
        "owner_team": form.get("owner_team").unwrap_or_default(),
        "owner_person": form.get("owner_person").unwrap_or_default(),
        "data_sources": lines(form.get("data_sources")),
        "model_versions": model_versions,
        "eu_risk_category": enum_field("eu_risk_category"),
        "internal_impact": enum_field("internal_impact"),
        "lifecycle": enum_field("lifecycle"),
        "org_role": enum_field("org_role"),
        "is_ai": form.get("not_ai").is_none(),
        "depends_on": form.all("depends_on"),
    }))
    .map_err(|e| ApiError::bad_request(None, e.to_string()))?;
    let slug = form.get("slug").unwrap_or_default().to_string();
    let system = register_system(&state, caller.name(), RegisterSystem { slug, details }).await?;
    Ok(Redirect::to(&format!("/systems/{}", system.slug)))
}

/// How many of a system's incidents its page lists.
const SYSTEM_INCIDENTS: usize = 50;

pub async fn show(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiQuery(filter): ApiQuery<super::fmea::FmeaFilter>,
) -> PageResult {
    let view = system_view(&state, slug.clone()).await?;
    let worksheets = super::fmea::worksheets(&state, &slug).await?;
    let monitors = super::monitors::of_system(&state, slug.clone()).await?;
    let on_call = super::oncall::on_call_block(&state, &slug).await?;
    let (events, controls, incidents) = state
        .run(move |store| {
            let controls = [Namespace::Production, Namespace::Drill]
                .into_iter()
                .map(|n| store.control_state(n, &slug))
                .collect::<Result<Vec<_>, _>>()?;
            let on_system = IncidentFilter {
                system: Some(slug.clone()),
                ..IncidentFilter::default()
            };
            let incidents = store
                .list_incidents(
                    &on_system,
                    PageRequest {
                        after: None,
                        limit: SYSTEM_INCIDENTS,
                    },
                )?
                .items;
            Ok((store.events(&system_stream(&slug))?, controls, incidents))
        })
        .await?;
    // Open ones first, then the most recent of the rest; each newest first.
    let (open, closed): (Vec<_>, Vec<_>) = incidents.iter().partition(|i| i.status.is_open());
    let d = &view.system.details;
    Ok(page(
        &caller,
        &d.name,
        html! {
            h1 { (d.name) " " small { "(" (view.system.slug) ")" } }
            @if !d.description.is_empty() { p { (d.description) } }
            table { tbody {
                tr { th { "Business purpose" } td { (d.business_purpose) } }
                tr { th { "Owner" } td { (d.owner_team) " " (d.owner_person) } }
                tr { th { "EU AI Act category" } td { (json!(d.eu_risk_category).as_str().unwrap_or_default()) } }
                tr { th { "Internal impact" } td { (json!(d.internal_impact).as_str().unwrap_or_default()) } }
                tr { th { "Our role" } td { (json!(d.org_role).as_str().unwrap_or_default()) } }
                tr { th { "Data sources" } td { (d.data_sources.join(", ")) } }
                tr { th { "Model versions" } td { (d.model_versions.iter().map(|m| if m.known_good { format!("{} (known good)", m.version) } else { m.version.clone() }).collect::<Vec<_>>().join(", ")) } }
                tr { th { "Depends on" } td { (d.depends_on.join(", ")) } }
                tr { th { "Blast radius (dependents)" } td { (view.dependents.join(", ")) } }
            } }
            (on_call)
            h2 { "Incidents" }
            @if incidents.is_empty() {
                p { "No incidents on this system." }
            } @else {
                table.system-incidents {
                    thead { tr { th { "Id" } th { "Title" } th { "Severity" } th { "Status" } th { "Kind" } th { "Declared" } } }
                    tbody { @for incident in open.iter().chain(&closed) {
                        tr {
                            td { a href={ "/incidents/" (incident.public_id()) } { (incident.public_id()) } }
                            td { (incident.title) }
                            td { (severity_badge(incident.severity)) }
                            td { span.badge { (incident.status) } }
                            td { (format!("{:?}", incident.kind).to_lowercase()) }
                            td { (format_time(incident.times.declared_at)) }
                        }
                    } }
                }
                @if incidents.len() == SYSTEM_INCIDENTS {
                    p { a href={ "/?status=&system=" (view.system.slug) } { "All incidents on this system →" } }
                }
            }
            h2 { "Control state" }
            table {
                thead { tr { th { "Namespace" } th { "Mode" } th { "Reason" } th { "Incident" } th { "By" } th { "Version" } } }
                tbody { @for c in &controls {
                    tr {
                        td { (c.namespace.as_str()) }
                        td { (control_summary(&c.mode)) }
                        td { (c.reason) }
                        td { (c.incident.clone().unwrap_or_default()) }
                        td { (c.changed_by) }
                        td { (c.version) }
                    }
                } }
            }
            (super::monitors::section(&caller, &monitors))
            (super::fmea::section(&caller, &view.system.slug, &worksheets, &filter))
            h2 { "Audit trail" }
            ol.timeline { @for e in &events { li { (format_time(Some(e.recorded_at))) " · " (e.actor) ": " (e.describe()) } } }
        },
    ))
}
