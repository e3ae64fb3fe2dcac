//! Stakeholder updates on the incident page: draft one for an audience
//! from a template, edit it, approve it, send it, and the list of updates
//! with their status and recipients; forms without JavaScript, through the
//! same handler bodies as the API (`api/updates.rs`), refused in place.

use super::rejected::{Rejected, or_in_place};
use super::{CsrfForm, csrf_field};
use crate::api::incidents::incident_number;
use crate::api::updates::{
    EditUpdate, UpdatesView, approve_update, draft_update, edit_update, send_update,
};
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::oncall::{Audience, StakeholderUpdate, UpdateStatus};
use maud::{Markup, html};

fn stamp(what: &str, stamp: Option<&firebreak_core::oncall::Stamp>) -> Markup {
    html! {
        @if let Some(stamp) = stamp { " · " (what) " by " (stamp.by) " at " (stamp.at.strftime("%Y-%m-%d %H:%M UTC").to_string()) }
    }
}

fn update_entry(
    caller: &Caller,
    path: &str,
    update: &StakeholderUpdate,
    approval_required: bool,
    rejected: Option<&Rejected>,
) -> Markup {
    let key = format!("update:{}", update.id);
    let action = format!("{path}/updates/{}", update.id);
    html! {
        li id={ "update-" (update.id) } {
            p { strong { "Update " (update.id) " to " (update.audience.as_str()) } " "
                span.badge.update-status { (update.status.as_str()) } " "
                "(" (update.template.replace('_', " ")) ")"
                (stamp("drafted", Some(&update.drafted)))
                (stamp("edited", update.edited.as_ref()))
                (stamp("approved", update.approved.as_ref()))
                (stamp("sent", update.sent.as_ref()))
            }
            @if update.status == UpdateStatus::Sent {
                p { strong { "Subject: " } (update.subject) }
                pre { (update.body) }
                p { strong { "Sent to: " }
                    (update.recipients.iter().map(|r| r.address.as_str()).collect::<Vec<_>>().join(", ")) }
            } @else {
                form method="post" action=(action) {
                    (csrf_field(caller))
                    label { "Subject " input type="text" name="subject" required
                        value=(Rejected::kept(rejected, &key, "subject").unwrap_or(&update.subject)); }
                    label { "Body " textarea name="body" rows="10" required {
                        (Rejected::kept(rejected, &key, "body").unwrap_or(&update.body)) } }
                    button type="submit" { "Save" }
                }
                @if update.status == UpdateStatus::Drafted {
                    form method="post" action={ (action) "/approve" } style="display:inline" {
                        (csrf_field(caller))
                        button type="submit" { "Approve" }
                    }
                    " "
                }
                form method="post" action={ (action) "/send" } style="display:inline" {
                    (csrf_field(caller))
                    button type="submit" {
                        @if approval_required && update.status != UpdateStatus::Approved { "Send (needs approval first)" } @else { "Send" }
                    }
                }
                (Rejected::messages(rejected, &key))
            }
        }
    }
}

/// The stakeholder updates section of an incident page.
pub fn section(
    caller: &Caller,
    path: &str,
    view: &UpdatesView,
    rejected: Option<&Rejected>,
) -> Markup {
    const DRAFT: &str = "updates:draft";
    html! {
        section aria-label="Stakeholder updates" id="updates" {
            h2 { "Stakeholder updates" }
            p {
                @if view.approval_required {
                    "At this severity an update is sent once approved by "
                    (view.approver.as_deref().unwrap_or("an admin (no communications lead or commander is assigned)")) "."
                } @else {
                    "At this severity an update may be sent without approval."
                }
            }
            form method="post" action={ (path) "/updates" } {
                (csrf_field(caller))
                label style="display:inline" { "Audience "
                    select name="audience" {
                        @for audience in Audience::ALL {
                            option value=(audience.as_str()) selected[Rejected::chose(rejected, DRAFT, "audience", audience.as_str())] { (audience.as_str()) }
                        }
                    }
                }
                " "
                label style="display:inline" { "Template "
                    select name="template" {
                        option value="" { "the audience's own" }
                        @for name in &view.templates {
                            option value=(name) selected[Rejected::chose(rejected, DRAFT, "template", name)] { (name.replace('_', " ")) }
                        }
                    }
                }
                " "
                button type="submit" { "Draft" }
                (Rejected::messages(rejected, DRAFT))
            }
            @if view.updates.is_empty() {
                p { "No updates yet." }
            } @else {
                ol.updates {
                    @for update in view.updates.iter().rev() {
                        (update_entry(caller, path, update, view.approval_required, rejected))
                    }
                }
            }
        }
    }
}

fn back_to(id: &str) -> impl FnOnce(StakeholderUpdate) -> String + '_ {
    move |update| format!("/incidents/{id}#update-{}", update.id)
}

pub async fn draft(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let drafted = async {
        let number = incident_number(&id)?;
        let audience = form
            .get("audience")
            .unwrap_or_default()
            .parse::<Audience>()
            .map_err(|e| ApiError::invalid("audience", e))?;
        let template = form
            .get("template")
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        draft_update(&state, &caller, number, audience, template).await
    }
    .await;
    let key = "updates:draft".to_string();
    or_in_place(drafted, back_to(&id), (&state, &caller, &id), key, &form).await
}

pub async fn edit(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, update)): Path<(String, u64)>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let edit = EditUpdate {
        subject: form.get("subject").map(str::to_string),
        body: form.get("body").map(|b| b.replace("\r\n", "\n")),
    };
    let edited =
        async { edit_update(&state, &caller, incident_number(&id)?, update, edit).await }.await;
    let key = format!("update:{update}");
    or_in_place(edited, back_to(&id), (&state, &caller, &id), key, &form).await
}

pub async fn approve(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, update)): Path<(String, u64)>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let approved =
        async { approve_update(&state, &caller, incident_number(&id)?, update).await }.await;
    let key = format!("update:{update}");
    or_in_place(approved, back_to(&id), (&state, &caller, &id), key, &form).await
}

pub async fn send(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, update)): Path<(String, u64)>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let sent = async { send_update(&state, &caller, incident_number(&id)?, update).await }.await;
    let key = format!("update:{update}");
    or_in_place(sent, back_to(&id), (&state, &caller, &id), key, &form).await
}
