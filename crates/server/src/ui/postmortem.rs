//! The incident page's "Post-mortem" section: draft it, edit it section by
//! section, move it through review, sign off as an incident-command role,
//! approve and publish. Every form goes through the same workflow functions
//! as the API (`api::postmortems::apply_*`), and a refusal (422, 409) comes
//! back in place with what was typed kept.
//!
//! The text's forms are in `sections.rs`, the action items' in `actions.rs`.

mod actions;
mod sections;
pub use actions::{add as add_action_item, ask_ticket};
pub use sections::save_section;

use super::rejected::{Rejected, or_in_place};
use super::{CsrfForm, csrf_field};
use crate::api::incidents::incident_number;
use crate::api::postmortems::{PostMortemView, apply_sign_off, apply_transition, role_may_move};
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::auth::Role;
use firebreak_core::incident::{Incident, public_id};
use firebreak_core::postmortem::{
    PostMortem, PostMortemStatus, PostMortemTransition, ReviewDecision, SIGN_OFF_ROLES,
    SignOffRequest,
};
use maud::{Markup, html};
use serde::de::DeserializeOwned;

const DRAFT: &str = "postmortem:draft";
const SIGN_OFF: &str = "postmortem:sign-off";

fn transition_key(to: PostMortemStatus) -> String {
    format!("postmortem:to:{to}")
}

/// A form value in its wire spelling (`in_review`, `ml_lead`, `approve`).
fn wire<T: DeserializeOwned>(form: &CsrfForm, name: &str) -> Result<T, ApiError> {
    let value = form.required(name)?;
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|_| ApiError::invalid(name, format!("`{value}` is not a choice here")))
}

/// The section on the incident page; `trackers` are the tracker channels
/// an action item may ask for a ticket.
pub fn section(
    caller: &Caller,
    path: &str,
    incident: &Incident,
    (view, trackers): (Option<&PostMortemView>, &[String]),
    rejected: Option<&Rejected>,
) -> Markup {
    let id = incident.public_id();
    html! {
        section aria-label="Post-mortem" id="postmortem" {
            h2 { "Post-mortem" }
            @match view {
                None => {
                    p { "No post-mortem yet. A draft fills every section the incident's record allows." }
                    form method="post" action={ (path) "/postmortem/draft" } {
                        (csrf_field(caller))
                        select name="template" aria-label="Template" {
                            @for (name, _) in firebreak_report::postmortem::TEMPLATES {
                                option value=(name) selected[Rejected::chose(rejected, DRAFT, "template", name)] { (name) }
                            }
                        }
                        " " button type="submit" { "Draft post-mortem" }
                        (Rejected::messages(rejected, DRAFT))
                    }
                }
                Some(view) => {
                    @let postmortem = &view.postmortem;
                    p { span.badge id="postmortem-status" { (postmortem.status.as_str().replace('_', " ")) }
                        @if postmortem.review_round > 0 { " · review round " (postmortem.review_round) }
                        " · "
                        a href={ "/api/v1/incidents/" (id) "/postmortem/export?format=html" } { "read (HTML)" } " · "
                        a href={ "/api/v1/incidents/" (id) "/postmortem/export?format=pdf" } { "PDF" } " · "
                        a href={ "/api/v1/incidents/" (id) "/postmortem/export?format=md" } { "Markdown" } }
                    @if !view.missing_sections.is_empty() { p { strong { "To write: " } (view.missing_sections.join(", ")) } }
                    @if !view.blockers.is_empty() {
                        p { strong { "Blocks approval:" } }
                        ul.blockers { @for b in &view.blockers { li { code { (b.field) } ": " (b.message) } } }
                    }
                    @if !view.lint.is_empty() {
                        p { strong { "Blameless-language lint:" } }
                        ul.lint { @for f in &view.lint { li { code { (f.field) } " “" (f.matched) "”: " (f.message) " — " em { (f.suggestion) } } } }
                    }
                    (workflow(caller, path, postmortem, rejected))
                    (sign_offs(caller, path, incident, postmortem, rejected))
                    h3 { "Action items" }
                    (actions::list(caller, path, postmortem, trackers, rejected))
                    @if postmortem.status == PostMortemStatus::Draft {
                        (actions::add_form(caller, path, postmortem, rejected))
                        (sections::editor(caller, path, postmortem, rejected))
                    } @else {
                        p.muted { "The text changes only in draft; send it back to draft to edit it." }
                        (sections::refusals(postmortem, rejected))
                        (actions::refusals(rejected))
                    }
                }
            }
        }
    }
}

/// What the button moving to `to` from `from` says.
fn move_label(from: PostMortemStatus, to: PostMortemStatus) -> &'static str {
    use PostMortemStatus::*;
    match (from, to) {
        (_, InReview) => "Send to review",
        (InReview, Draft) => "Send back to draft",
        (Approved, Draft) => "Withdraw approval",
        (_, Draft) => "Reopen as draft",
        (_, Approved) => "Approve",
        (_, Published) => "Publish",
    }
}

/// The moves `PostMortemStatus::allowed_next` allows, each a form; those
/// the caller's auth role may not make are named instead of offered.
fn workflow(
    caller: &Caller,
    path: &str,
    postmortem: &PostMortem,
    rejected: Option<&Rejected>,
) -> Markup {
    let from = postmortem.status;
    let role = caller.user.role;
    let (offered, withheld): (Vec<PostMortemStatus>, Vec<PostMortemStatus>) =
        from.allowed_next().iter().copied().partition(|to| {
            role_may_move(role, *to) && (from != PostMortemStatus::Published || role == Role::Admin)
        });
    html! {
        div.actions id="postmortem-workflow" {
            h3 { "Review" }
            @for to in offered {
                @let key = transition_key(to);
                form method="post" action={ (path) "/postmortem/transitions" } {
                    (csrf_field(caller))
                    input type="hidden" name="to" value=(to.as_str());
                    @if to == PostMortemStatus::Draft && from != PostMortemStatus::InReview {
                        input type="text" name="reason" required aria-label={ "Why it goes back to draft" } placeholder="why it goes back to draft"
                            value=[Rejected::kept(rejected, &key, "reason")];
                        " "
                    }
                    @if to == PostMortemStatus::Approved {
                        input type="text" name="override_reason" aria-label="Approve despite open blockers, because (admins only; recorded)"
                            placeholder="override: approve despite open findings, because…"
                            value=[Rejected::kept(rejected, &key, "override_reason")];
                        " "
                    }
                    button type="submit" { (move_label(from, to)) }
                    (Rejected::messages(rejected, &key))
                }
            }
            @if !withheld.is_empty() {
                p.muted { @for to in &withheld { (move_label(from, *to)) " " }
                    "— " @if from == PostMortemStatus::Published { "only an admin can reopen a published post-mortem." }
                    @else { "approving and publishing need a commander." } }
            }
        }
    }
}

/// The current round's sign-offs, and the form for the caller's own
/// incident-command roles while the post-mortem is in review (D14).
fn sign_offs(
    caller: &Caller,
    path: &str,
    incident: &Incident,
    postmortem: &PostMortem,
    rejected: Option<&Rejected>,
) -> Markup {
    let round: Vec<_> = postmortem
        .sign_offs
        .iter()
        .filter(|s| s.round == postmortem.review_round)
        .collect();
    let held: Vec<_> = SIGN_OFF_ROLES
        .into_iter()
        .filter(|r| {
            incident
                .roles
                .iter()
                .any(|a| a.role == *r && a.user == caller.name())
        })
        .collect();
    let kept = |name: &str| Rejected::kept(rejected, SIGN_OFF, name);
    html! {
        @if !round.is_empty() {
            h3 { "Sign-offs in round " (postmortem.review_round) }
            ul id="postmortem-sign-offs" { @for s in &round {
                li { (s.user) " as " (s.role.as_str().replace('_', " ")) ": "
                    strong { @if s.decision == ReviewDecision::Approve { "approves" } @else { "requests changes" } }
                    @if let Some(comment) = &s.comment { " — " (comment) } }
            } }
        }
        @if postmortem.status == PostMortemStatus::InReview {
            @if held.is_empty() {
                p.muted { "Sign-offs come from the incident's commander, ML lead and legal liaison; you hold none of these roles on "
                    (incident.public_id()) " (see Roles)." }
            } @else {
                form method="post" action={ (path) "/postmortem/sign-offs" } id="postmortem-sign-off" {
                    (csrf_field(caller))
                    label { "Sign off as "
                        select name="role" { @for r in &held {
                            option value=(r.as_str()) selected[kept("role") == Some(r.as_str())] { (r.as_str().replace('_', " ")) }
                        } }
                    }
                    label { "Decision "
                        select name="decision" {
                            option value="approve" { "approve" }
                            option value="request_changes" selected[kept("decision") == Some("request_changes")] { "request changes" }
                        }
                    }
                    label { "Comment (required to request changes) " input type="text" name="comment" value=[kept("comment")]; }
                    button type="submit" { "Sign off" }
                    (Rejected::messages(rejected, SIGN_OFF))
                }
            }
        }
    }
}

/// A post-mortem form's answer: back to the section once `done`, or the
/// incident page with the refusal next to form `key`.
async fn answer(
    done: Result<PostMortemView, ApiError>,
    (state, caller, id): (&AppState, &Caller, &str),
    key: String,
    form: &CsrfForm,
) -> Result<Response, ApiError> {
    let number = incident_number(id)?;
    let to_section = move |_| format!("/incidents/{}#postmortem", public_id(number));
    or_in_place(done, to_section, (state, caller, id), key, form).await
}

pub async fn draft(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let number = incident_number(&id)?;
    let template = form.get("template").unwrap_or("default").to_string();
    let drafted =
        crate::api::postmortems::draft_postmortem(&state, number, caller.name(), template).await;
    answer(drafted, (&state, &caller, &id), DRAFT.into(), &form).await
}

pub async fn transition(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let number = incident_number(&id)?;
    let to: PostMortemStatus = wire(&form, "to")?;
    let request = PostMortemTransition {
        to,
        reason: form.get("reason").map(str::to_string),
        override_reason: form.get("override_reason").map(str::to_string),
    };
    let moved = apply_transition(&state, number, &caller, request).await;
    let key = transition_key(to);
    answer(moved, (&state, &caller, &id), key, &form).await
}

pub async fn sign_off(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let number = incident_number(&id)?;
    let signed = async {
        let request = SignOffRequest {
            role: wire(&form, "role")?,
            decision: wire(&form, "decision")?,
            comment: form.get("comment").map(str::to_string),
        };
        apply_sign_off(&state, number, caller.name(), request).await
    }
    .await;
    answer(signed, (&state, &caller, &id), SIGN_OFF.into(), &form).await
}
