//! The incident list: open real incidents by default, filters, and pages
//! that keep them.

use super::{PageResult, format_time, page};
use crate::api::deadlines::clocks_of;
use crate::api::incidents::ListQuery;
use crate::auth::Viewer;
use crate::error::ApiQuery;
use crate::state::{AppState, now};
use axum::extract::State;
use firebreak_core::Timestamp;
use firebreak_core::incident::{CommandRole, Incident, IncidentKind, Severity, Status};
use firebreak_core::regulatory::{ClockLevel, ClockStatus, RegimeTable, duration_text};
use firebreak_store::{DocumentKind, StoreError};
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

/// How long the incident has run: from its detection (or declaration, if
/// that came first) to its closing, or to `now` while it is open.
fn age(incident: &Incident, now: Timestamp) -> Option<String> {
    let times = &incident.times;
    let start = [times.detected_at, times.declared_at]
        .into_iter()
        .flatten()
        .min()?;
    let end = times.closed_at.unwrap_or(now);
    Some(duration_text(end.duration_since(start)))
}

/// The overdue clocks of an incident, most urgent first, as the deadline
/// board computes them; "none" when none is.
fn overdue_clocks(clocks: &[ClockStatus]) -> Markup {
    let mut overdue: Vec<_> = clocks
        .iter()
        .filter(|c| !c.stopped() && c.level == ClockLevel::Overdue)
        .collect();
    overdue.sort_by_key(|c| c.deadline.due_at);
    html! {
        @match overdue.first() {
            Some(first) => strong.overdue {
                (overdue.len()) " overdue: " (RegimeTable::builtin().regime_name(&first.deadline.regime)) " " (first.deadline.report_name)
                @if overdue.len() > 1 { " and " (overdue.len() - 1) " more" }
            },
            None => "none",
        }
    }
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
    let (found, extra) = state
        .run(move |store| {
            let found = store.list_incidents(&filter, page_request)?;
            let extra = found
                .items
                .iter()
                .map(|incident| {
                    Ok((
                        store.last_event(&incident.public_id())?,
                        store.document(incident.number, DocumentKind::Regulatory)?,
                    ))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            Ok((found, extra))
        })
        .await?;
    let at = now();
    let mut rows = Vec::new();
    for (incident, (last, document)) in found.items.iter().zip(extra) {
        let clocks = clocks_of(&state, incident, document.as_ref(), at)?;
        rows.push((incident, last.map(|e| e.recorded_at), clocks));
    }
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
                thead { tr { th { "Id" } th { "Title" } th { "Severity" } th { "Status" } th { "Commander" } th { "Age" } th { "Last update" } th { "Overdue clocks" } th { "Kind" } th { "Systems" } th { "Declared" } } }
                tbody {
                    @for (incident, last_update, clocks) in &rows {
                        tr {
                            td { a href={ "/incidents/" (incident.public_id()) } { (incident.public_id()) } }
                            td { (incident.title) }
                            td { (severity_badge(incident.severity)) }
                            td { span.badge { (incident.status) } }
                            td { (commander_of(incident).unwrap_or("none")) }
                            td.age { (age(incident, at).unwrap_or_default()) }
                            td.last-update { (format_time(*last_update)) }
                            td.clocks { (overdue_clocks(clocks)) }
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

#[cfg(test)]
mod tests {
    use super::*;
    use firebreak_core::incident::{DeclareIncident, declare};
    use firebreak_core::regulatory::{RegulatoryConfig, assessment};
    use firebreak_core::system::{AiSystem, SystemDetails};
    use serde_json::json;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// A SEV1 privacy leak detected at 09:00 and declared at 09:30.
    fn incident() -> Incident {
        let details: SystemDetails =
            serde_json::from_value(json!({ "name": "Assistant" })).unwrap();
        let systems = [AiSystem {
            slug: "assistant".into(),
            details,
        }];
        let input: DeclareIncident = serde_json::from_value(json!({
            "title": "Addresses shown to others", "severity": "sev1",
            "severity_rationale": "personal data exposed", "systems": ["assistant"],
            "harms": ["privacy"], "detected_at": "2026-03-01T09:00:00Z",
        }))
        .unwrap();
        declare(input, 1, "alice", &systems, at("2026-03-01T09:30:00Z"))
            .unwrap()
            .incident
    }

    #[test]
    fn the_age_runs_from_detection_until_now_or_the_close() {
        let mut incident = incident();
        let now = at("2026-03-01T12:12:30Z");
        assert_eq!(age(&incident, now).as_deref(), Some("3 h 12 min"));
        incident.times.closed_at = Some(at("2026-03-03T10:00:00Z"));
        let later = at("2026-03-09T00:00:00Z");
        assert_eq!(
            age(&incident, later).as_deref(),
            Some("2 d 1 h"),
            "stopped at the close"
        );
        incident.times.detected_at = None;
        incident.times.declared_at = None;
        assert_eq!(age(&incident, now), None);
    }

    #[test]
    fn the_overdue_column_counts_the_overdue_clocks_and_names_the_most_urgent() {
        let incident = incident();
        let clocks = |now: &str| {
            assessment(
                &incident,
                None,
                RegimeTable::builtin(),
                &RegulatoryConfig::default(),
                at(now),
            )
            .unwrap()
            .clocks
        };
        let fresh = clocks("2026-03-01T09:31:00Z");
        assert_eq!(overdue_clocks(&fresh).into_string(), "none");
        let months_later = clocks("2026-06-01T09:00:00Z");
        let overdue = months_later
            .iter()
            .filter(|c| c.level == ClockLevel::Overdue)
            .count();
        assert!(overdue > 0, "{months_later:?}");
        let shown = overdue_clocks(&months_later).into_string();
        assert!(
            shown.starts_with(&format!("<strong class=\"overdue\">{overdue} overdue: ")),
            "{shown}"
        );
    }
}
