//! The incident page, laid out for the first hour: the header stays in view;
//! the lifecycle, the acknowledgement, the current status and the timeline
//! (newest first, its entry box on top) come first; every other part is a
//! fold that opens in place, so nothing needs scrolling past. A refused form
//! opens every fold, so its message is where the form is.

use super::rejected::Rejected;
use super::{PageResult, csrf_field, format_time, page};
use crate::api::incidents::{IncidentView, incident_number};
use crate::auth::{Caller, Viewer};
use crate::error::ApiError;
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use firebreak_core::control::Namespace;
use firebreak_core::incident::Status;
use firebreak_core::timeline::{Event, EventKind};
use maud::{Markup, html};

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
    let trackers = crate::api::postmortems::tracker_slugs(state).await?;
    let updates = crate::api::updates::updates_view(state, number).await?;
    let triage =
        crate::triage::context(state, number, firebreak_core::change::DEFAULT_WINDOW).await?;
    let regulatory = crate::api::regulatory::view(state, &incident, regulatory)?;
    let findings = super::findings::read(state, &events).await?;
    let blame = crate::api::rca::BlameCheck::of(state, &incident.public_id()).await?;
    let recurrence = crate::api::recurrence::view(state, id).await?;
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
    let all_open = rejected.is_some();
    let responding = incident.status.is_open();
    let fold = |id: &str, title: &str, open: bool, body: Markup| -> Markup {
        html! {
            @if !body.0.is_empty() {
                details.fold id={ "fold-" (id) } open[open || all_open] {
                    summary { h2 { (title) } }
                    (body)
                }
            }
        }
    };
    Ok(page(
        caller,
        &view.id,
        html! {
          div data-live=(live) {
            (super::incident_head::header(caller, &path, (&view.id, incident), &controls, &regulatory.assessment.clocks, now(), rejected))
            (shortcuts())
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
            (super::triage::proposals_section(caller, &path, &events, rejected))
            (super::incident_head::status_summary(caller, &path, incident, rejected))
            section aria-label="Timeline" id="timeline-section" {
                h2 { "Timeline" }
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
                p.muted { "Newest first." }
                ol.timeline id="timeline" reversed { @for event in events.iter().rev() { (timeline_entry(event)) } }
            }
            (fold("containment", "Containment", responding, super::containment::section(caller, &path, &controls, rejected)))
            (fold("pages", "Page log", false, super::pages_log::incident_section(&events)))
            (fold("triage", "What changed before this", false, super::triage::section(caller, &path, &triage, rejected)))
            (fold("severity", "Severity and impact", false, super::assessment::section(caller, &path, incident, &state.rubric, rejected)))
            (fold("record", "Timestamps and roles", false, super::incident_record::section(caller, &path, incident, &users, rejected)))
            (fold("findings", "Forensic findings", false, super::findings::section(caller, &path, &findings, &evidence, rejected)))
            (fold("rca", "Root-cause analysis", false, super::incidents::rca_section(caller, &path, &drawn)))
            (fold("recurrence", recurrence_title(&recurrence), responding && recurrence.recurrence_of.is_some(), super::recurrence::section(caller, &path, &recurrence, rejected)))
            (fold("postmortem", "Post-mortem", false, super::postmortem::section(caller, &path, incident, (postmortem.as_ref(), trackers.as_slice()), rejected)))
            (fold("updates", "Stakeholder updates", false, super::updates::section(caller, &path, &updates, rejected)))
            (fold("regulatory", "Regulatory", false, crate::ui::regulatory::section(caller, &path, &regulatory, rejected)))
            (fold("evidence", "Evidence", false, crate::ui::evidence::section(caller, &path, &evidence, rejected)))
          }
          script src="/assets/live.js" defer {}
        },
    ))
}

/// The recurrence fold's title says what is there without opening it.
fn recurrence_title(view: &crate::api::recurrence::RecurrenceView) -> &'static str {
    match (&view.recurrence_of, view.candidates.is_empty()) {
        (Some(_), _) => "Recurrence of an earlier incident",
        (None, false) => "Recurrence: earlier incidents like this one",
        (None, true) => "Recurrence",
    }
}

/// The page's parts, each with the keys that go there (`live.js` answers
/// them, opening a fold it lands in; `aria-keyshortcuts` names them to
/// assistive technology).
fn shortcuts() -> Markup {
    let parts = [
        ("lifecycle", "l", "Move to"),
        ("timeline-section", "t", "Timeline"),
        ("fold-containment", "c", "Containment"),
        ("fold-findings", "f", "Findings"),
        ("fold-rca", "r", "Root-cause analysis"),
        ("fold-postmortem", "p", "Post-mortem"),
        ("fold-regulatory", "d", "Regulatory"),
        ("fold-evidence", "e", "Evidence"),
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
