//! The recurrence fold of the incident page: the earlier incident this one
//! repeats and what its post-mortem asked to do, the later incidents that
//! repeat this one, the suggested earlier incidents, and the form that links
//! or unlinks.

use super::rejected::{Rejected, or_in_place};
use super::{CsrfForm, csrf_field};
use crate::api::recurrence::{RecurrenceRequest, RecurrenceView, link};
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::incident::Incident;
use firebreak_core::recurrence::Candidate;
use maud::{Markup, html};

/// The form key.
const RECURRENCE: &str = "recurrence";

pub fn section(
    caller: &Caller,
    path: &str,
    view: &RecurrenceView,
    rejected: Option<&Rejected>,
) -> Markup {
    html! {
        div id="recurrence" {
            @if let Some(earlier) = &view.recurrence_of {
                p #recurrence-of {
                    "A recurrence of " a href={ "/incidents/" (earlier.incident) } { (earlier.incident) }
                    ": " (earlier.title) " (" (earlier.status.as_str()) ")."
                }
                @match earlier.postmortem {
                    None => p { (earlier.incident) " has no post-mortem." },
                    Some(status) => {
                        h3 { "Its post-mortem's action items (" (status.as_str().replace('_', " ")) ")" }
                        @if earlier.action_items.is_empty() { p { "None." } } @else {
                            table #earlier-actions {
                                thead { tr { th { "Item" } th { "Title" } th { "Owner" } th { "Due" } th { "Status" } } }
                                tbody { @for item in &earlier.action_items {
                                    tr {
                                        td { (item.id) } td { (item.title) }
                                        td { (item.owner.as_deref().unwrap_or("—")) }
                                        td { (item.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into())) }
                                        td { (item.status.as_str().replace('_', " ")) }
                                    }
                                } }
                            }
                        }
                    }
                }
                form method="post" action={ (path) "/recurrence" } {
                    (csrf_field(caller))
                    input type="hidden" name="of" value="";
                    label { "Why the link goes " input type="text" name="reason" value=[Rejected::kept(rejected, RECURRENCE, "reason")]; }
                    button type="submit" { "Remove the link" }
                    (Rejected::messages(rejected, RECURRENCE))
                }
            } @else {
                @if view.candidates.is_empty() {
                    p.muted { "No earlier incident on the same systems looks like this one." }
                } @else {
                    h3 { "Maybe a recurrence of" }
                    ul #recurrence-candidates { @for candidate in &view.candidates {
                        li { (candidate_line(caller, path, candidate)) }
                    } }
                }
                form method="post" action={ (path) "/recurrence" } {
                    (csrf_field(caller))
                    label { "Earlier incident " input type="text" name="of" placeholder="INC-n" required
                        value=[Rejected::kept(rejected, RECURRENCE, "of")]; }
                    label { "Why " input type="text" name="reason" value=[Rejected::kept(rejected, RECURRENCE, "reason")]; }
                    button type="submit" { "Link as a recurrence" }
                    (Rejected::messages(rejected, RECURRENCE))
                }
            }
            @if !view.recurred_as.is_empty() {
                p #recurred-as { "Recurred as: "
                    @for (i, id) in view.recurred_as.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href={ "/incidents/" (id) } { (id) }
                    }
                }
            }
        }
    }
}

/// A suggested incident, why it is suggested, and a button that links it.
fn candidate_line(caller: &Caller, path: &str, candidate: &Candidate) -> Markup {
    let mut why = vec![format!("system {}", candidate.shared_systems.join(", "))];
    if !candidate.shared_causes.is_empty() {
        let causes: Vec<&str> = candidate.shared_causes.iter().map(|c| c.as_str()).collect();
        why.push(format!("cause {}", causes.join(", ")));
    }
    if !candidate.shared_harms.is_empty() {
        let harms: Vec<String> = candidate
            .shared_harms
            .iter()
            .map(|h| h.as_str().replace('_', " "))
            .collect();
        why.push(format!("harm {}", harms.join(", ")));
    }
    if candidate.title_similarity > 0.0 {
        why.push(format!(
            "title {:.0} % alike",
            candidate.title_similarity * 100.0
        ));
    }
    html! {
        a href={ "/incidents/" (candidate.incident) } { (candidate.incident) } ": " (candidate.title)
        " (" (candidate.status.as_str()) "; shares " (why.join("; ")) ") "
        form method="post" action={ (path) "/recurrence" } style="display:inline" {
            (csrf_field(caller))
            input type="hidden" name="of" value=(candidate.incident);
            input type="hidden" name="reason" value="suggested: same system and a shared cause, harm or title";
            button type="submit" aria-label={ "Link as a recurrence of " (candidate.incident) } { "Link" }
        }
    }
}

pub async fn link_recurrence(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let request = RecurrenceRequest {
        of: form.get("of").map(str::to_string),
        reason: form.get("reason").map(str::to_string),
    };
    let linked = link(&state, &id, caller.name(), request).await;
    let to_page =
        |incident: Incident| format!("/incidents/{}#fold-recurrence", incident.public_id());
    or_in_place(
        linked,
        to_page,
        (&state, &caller, &id),
        RECURRENCE.into(),
        &form,
    )
    .await
}
