//! The alerts page: the newest alerts, each with what a responder does
//! with it (acknowledge, resolve, declare an incident from it, link it to an
//! open one) through the same workflows as the API, refused in place.

use super::rejected::Rejected;
use super::{CsrfForm, PageResult, csrf_field, format_time, page};
use crate::api::alerts::{apply_alert_link, apply_alert_status, apply_declare_from_alert};
use crate::auth::{Caller, Responder, Viewer};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use firebreak_core::alert::{Alert, AlertStatus};
use firebreak_core::incident::{DeclareIncident, DeclaredBy, Incident, IncidentKind, Severity};
use maud::{Markup, html};

/// The alerts page, with form `rejected` refused in place if there is one.
async fn alerts_page(state: &AppState, caller: &Caller, rejected: Option<&Rejected>) -> PageResult {
    let (alerts, systems, open) = state
        .run(|store| {
            Ok((
                store.alerts(false, 200)?,
                store.list_systems()?,
                super::systems::open_incidents(store)?,
            ))
        })
        .await?;
    let slugs: Vec<String> = systems.into_iter().map(|s| s.slug).collect();
    Ok(page(
        caller,
        "Alerts",
        html! {
            h1 { "Alerts" }
            p { "The newest 200, from Alertmanager, PagerDuty, generic integrations and monitors." }
            table {
                thead { tr { th { "Id" } th { "Status" } th { "Source" } th { "Summary" } th { "System" } th { "Incident" } th { "Seen" } th { "Last" } th { "Actions" } } }
                tbody { @for a in &alerts {
                    tr id={ "alert-" (a.id) } {
                        td { (a.id) }
                        td { span.badge.alert-status { (a.alert.status.label()) } }
                        td { (a.alert.source.as_str()) }
                        td { (a.alert.summary) }
                        td { (a.system.clone().unwrap_or_default()) }
                        td { @if let Some(id) = &a.incident { a href={ "/incidents/" (id) } { (id) } } }
                        td { (a.occurrences) "×" }
                        td { (format_time(Some(a.last_seen))) }
                        td { (actions(caller, a, &slugs, &open, rejected)) }
                    }
                } }
            }
            @if alerts.is_empty() { p { "No alerts yet." } }
        },
    ))
}

/// The forms for one alert: only those its state allows.
fn actions(
    caller: &Caller,
    alert: &Alert,
    systems: &[String],
    open: &[Incident],
    rejected: Option<&Rejected>,
) -> Markup {
    let id = alert.id;
    let status_key = format!("alert:{id}:status");
    let declare_key = format!("alert:{id}:declare");
    let link_key = format!("alert:{id}:link");
    let kept = |name: &str| Rejected::kept(rejected, &declare_key, name);
    let severity = kept("severity").unwrap_or(alert.alert.severity.as_str());
    let system = kept("system").or(alert.system.as_deref());
    html! {
        @if alert.alert.status == AlertStatus::Firing {
            form method="post" action={ "/alerts/" (id) "/acknowledge" } style="display:inline" {
                (csrf_field(caller))
                button type="submit" aria-label={ "Acknowledge alert " (id) } { "Acknowledge" }
            }
            " "
        }
        @if alert.alert.status.is_open() {
            form method="post" action={ "/alerts/" (id) "/resolve" } style="display:inline" {
                (csrf_field(caller))
                button type="submit" aria-label={ "Resolve alert " (id) } { "Resolve" }
            }
        }
        (Rejected::messages(rejected, &status_key))
        @if alert.incident.is_none() {
            details open[Rejected::is_for(rejected, &declare_key)] {
                summary { "Declare an incident" }
                form method="post" action={ "/alerts/" (id) "/declare" } {
                    (csrf_field(caller))
                    label { "Title " input type="text" name="title" required
                        value=(kept("title").unwrap_or(&alert.alert.summary)); }
                    label { "System "
                        select name="system" required {
                            option value="" { "choose…" }
                            @for slug in systems { option value=(slug) selected[system == Some(slug.as_str())] { (slug) } }
                        }
                    }
                    label { "Severity "
                        select name="severity" {
                            @for s in Severity::ALL { option value=(s.as_str()) selected[severity == s.as_str()] { (s.label()) } }
                        }
                    }
                    label { "Why this severity " input type="text" name="severity_rationale" required
                        value=(kept("severity_rationale").map_or_else(|| format!("from alert {id}: {}", alert.alert.summary), str::to_string)); }
                    button type="submit" { "Declare" }
                    (Rejected::messages(rejected, &declare_key))
                }
            }
            @if !open.is_empty() {
                details open[Rejected::is_for(rejected, &link_key)] {
                    summary { "Link to an open incident" }
                    form method="post" action={ "/alerts/" (id) "/link" } {
                        (csrf_field(caller))
                        label { "Incident "
                            select name="incident" required {
                                option value="" { "choose…" }
                                @for incident in open {
                                    @let public = incident.public_id();
                                    option value=(public) selected[Rejected::chose(rejected, &link_key, "incident", &public)] { (public) ": " (incident.title) }
                                }
                            }
                        }
                        " "
                        button type="submit" { "Link" }
                        (Rejected::messages(rejected, &link_key))
                    }
                }
            }
        }
    }
}

pub async fn alerts(Viewer(caller): Viewer, State(state): State<AppState>) -> PageResult {
    alerts_page(&state, &caller, None).await
}

/// Redirects to `to` on success; otherwise the alerts page again with form
/// `key` refused in place, or the error page.
async fn or_in_place(
    result: Result<String, ApiError>,
    (state, caller): (&AppState, &Caller),
    key: String,
    form: &CsrfForm,
) -> Result<Response, ApiError> {
    let error = match result {
        Ok(to) => return Ok(Redirect::to(&to).into_response()),
        Err(error) => error,
    };
    let rejected = Rejected::of(error, key, form)?;
    let page = alerts_page(state, caller, Some(&rejected)).await?;
    Ok((rejected.status(), page).into_response())
}

async fn set_status(
    caller: Caller,
    state: AppState,
    id: u64,
    status: AlertStatus,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let result = apply_alert_status(&state, id, status, caller.name())
        .await
        .map(|_| format!("/alerts#alert-{id}"));
    or_in_place(
        result,
        (&state, &caller),
        format!("alert:{id}:status"),
        &form,
    )
    .await
}

pub async fn acknowledge(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<u64>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    set_status(caller, state, id, AlertStatus::Acknowledged, form).await
}

pub async fn resolve(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<u64>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    set_status(caller, state, id, AlertStatus::Resolved, form).await
}

/// Declares a real incident from the alert, on the chosen system, at the
/// chosen severity; the rest comes from the alert.
pub async fn declare(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<u64>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let declared = async {
        let severity = super::incidents::parse_field::<Severity>(&form, "severity", "a severity")?
            .ok_or_else(|| ApiError::invalid("severity", "choose a severity"))?;
        let input = DeclareIncident {
            title: form.get("title").unwrap_or_default().to_string(),
            summary: String::new(),
            kind: IncidentKind::Real,
            severity,
            severity_rationale: form
                .get("severity_rationale")
                .unwrap_or_default()
                .to_string(),
            systems: form.all("system"),
            model_versions: vec![],
            harms: vec![],
            people_affected: None,
            tags: vec![],
            impact_started_at: None,
            detected_at: None,
            aware_at: None,
            declared_by: DeclaredBy::Human,
            detection_source: None,
        };
        let incident = apply_declare_from_alert(&state, id, input, caller.name()).await?;
        Ok(format!("/incidents/{}", incident.public_id()))
    }
    .await;
    or_in_place(
        declared,
        (&state, &caller),
        format!("alert:{id}:declare"),
        &form,
    )
    .await
}

/// Links the alert to the open incident chosen.
pub async fn link(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<u64>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let linked = async {
        let incident = form.required("incident")?;
        let alert = apply_alert_link(&state, incident, id, caller.name()).await?;
        Ok(format!("/alerts#alert-{}", alert.id))
    }
    .await;
    or_in_place(linked, (&state, &caller), format!("alert:{id}:link"), &form).await
}
