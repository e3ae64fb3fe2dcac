//! The incident list: open real incidents by default, filters, and pages
//! that keep them.

use super::{PageResult, format_time, page};
use crate::api::incidents::ListQuery;
use crate::auth::Viewer;
use crate::error::ApiQuery;
use crate::state::AppState;
use axum::extract::State;
use firebreak_core::incident::{CommandRole, Incident, IncidentKind, Severity, Status};
use maud::{Markup, html};

pub(super) fn severity_badge(severity: Severity) -> Markup {
    html! { span class={ "badge " (severity.as_str()) } { (severity.label()) } }
}

/// The next page of the same list: the filters the user chose, and the
/// cursor.
fn older_link(query: &ListQuery, cursor: u64) -> String {
    let kind = query.kind.map(|k| format!("{k:?}").to_lowercase());
    let cursor = cursor.to_string();
    let pairs: Vec<(&str, &str)> = [
        ("status", query.status.as_deref()),
        ("severity", query.severity.as_deref()),
        ("system", query.system.as_deref()),
        ("kind", kind.as_deref()),
        ("q", query.q.as_deref()),
        ("cursor", Some(cursor.as_str())),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| (name, v)))
    .collect();
    format!(
        "/?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

fn commander_of(incident: &Incident) -> Option<&str> {
    incident
        .roles
        .iter()
        .find(|r| r.role == CommandRole::Commander)
        .map(|r| r.user.as_str())
}

pub async fn list(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> PageResult {
    let (mut filter, page_request) = query.filter()?;
    // At 3 a.m. the list is what needs attention: real incidents still open.
    // Choosing any status or kind in the form (even "any") shows the rest.
    let active_only = query.status.is_none() && query.kind.is_none();
    if active_only {
        filter.statuses = Status::ALL.into_iter().filter(|s| s.is_open()).collect();
        filter.kind = Some(IncidentKind::Real);
    }
    let found = state
        .run(move |store| store.list_incidents(&filter, page_request))
        .await?;
    let selected = |current: &Option<String>, value: &str| current.as_deref() == Some(value);
    Ok(page(
        &caller,
        "Incidents",
        html! {
            h1 { "Incidents" }
            form method="get" action="/" aria-label="Filter incidents" {
                label style="display:inline" { "Status "
                    select name="status" {
                        option value="" { "any" }
                        @for s in Status::ALL { option value=(s.as_str()) selected[selected(&query.status, s.as_str())] { (s.as_str()) } }
                    }
                }
                " "
                label style="display:inline" { "Severity "
                    select name="severity" {
                        option value="" { "any" }
                        @for s in Severity::ALL { option value=(s.as_str()) selected[selected(&query.severity, s.as_str())] { (s.label()) } }
                    }
                }
                " "
                label style="display:inline" { "System " input type="text" name="system" value=(query.system.clone().unwrap_or_default()) style="min-width:8rem"; }
                " "
                label style="display:inline" { "Text " input type="text" name="q" value=(query.q.clone().unwrap_or_default()) style="min-width:10rem"; }
                " "
                button type="submit" { "Filter" }
            }
            p {
                @if active_only {
                    "Showing open real incidents. " a href="/?status=" { "Show all, drills and closed ones too" }
                } @else {
                    a href="/" { "Show only open real incidents" }
                }
                " · " a href="/incidents/new" { "Declare an incident" }
            }
            table {
                thead { tr { th { "Id" } th { "Title" } th { "Severity" } th { "Status" } th { "Commander" } th { "Kind" } th { "Systems" } th { "Declared" } } }
                tbody {
                    @for incident in &found.items {
                        tr {
                            td { a href={ "/incidents/" (incident.public_id()) } { (incident.public_id()) } }
                            td { (incident.title) }
                            td { (severity_badge(incident.severity)) }
                            td { span.badge { (incident.status) } }
                            td { (commander_of(incident).unwrap_or("none")) }
                            td { (format!("{:?}", incident.kind).to_lowercase()) }
                            td { (incident.systems.join(", ")) }
                            td { (format_time(incident.times.declared_at)) }
                        }
                    }
                }
            }
            @if found.items.is_empty() {
                p { @if active_only { "No open incidents." } @else { "No incidents match." } }
            }
            @if let Some(cursor) = found.next_cursor {
                p { a href=(older_link(&query, cursor)) { "Older incidents →" } }
            }
        },
    ))
}
