//! Pages across incidents — the clock board and the action items — and an
//! incident's regulatory section, whose questionnaire, report and inquiry
//! forms are in `questionnaire.rs`, `reports.rs` and `inquiries.rs`.

pub(super) mod inquiries;
pub(super) mod questionnaire;
pub(super) mod reports;

use crate::api::deadlines::{BoardQuery, board_entries};
use crate::api::regulatory::RegulatoryView;
use crate::auth::{Caller, Viewer};
use crate::error::ApiQuery;
use crate::state::AppState;
use crate::ui::rejected::Rejected;
use crate::ui::{PageResult, page};
use axum::extract::State;
use firebreak_core::incident::Reportable;
use firebreak_core::regulatory::{ClockLevel, ClockStatus, RegimeTable};
use maud::{Markup, html};

fn level_badge(level: ClockLevel) -> Markup {
    let class = match level {
        ClockLevel::OnTrack => "sev4",
        ClockLevel::HalfElapsed => "sev3",
        ClockLevel::EightyPercentElapsed | ClockLevel::Immediate => "sev2",
        ClockLevel::Overdue => "sev1",
    };
    html! { span class={ "badge " (class) } data-level=(crate::reports::wire_name(&level)) { (level.label()) } }
}

/// The column headings of a clock, after the incident's on the board; the
/// CLI prints the same columns with the same words.
const CLOCK_HEADINGS: [&str; 6] = ["Regime", "Report", "Due", "State", "Level", "Basis"];

/// A clock's row, in the words core gives it, so it reads the same on the
/// board, the incident page and in the CLI. The data attributes name the
/// clock and its state for tests and scripts.
fn clock_row(clock: &ClockStatus, incident: Option<Markup>) -> Markup {
    let deadline = &clock.deadline;
    html! {
        tr data-clock={ (deadline.regime) "/" (deadline.report) }
            data-state=(crate::reports::wire_name(&clock.state))
            data-provisional=(clock.provisional)
            data-due=(deadline.due_at) {
            @if let Some(incident) = incident { td { (incident) } }
            td { (RegimeTable::builtin().regime_name(&deadline.regime)) } td { (deadline.report_name) }
            td { (clock.due_text()) }
            td { (clock.summary) }
            td { (level_badge(clock.level)) }
            td { @if clock.provisional { strong { (clock.basis()) } } @else { (clock.basis()) } }
        }
    }
}

pub async fn board(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<BoardQuery>,
) -> PageResult {
    let entries = board_entries(&state, query).await?;
    Ok(page(
        &caller,
        "Deadlines",
        html! {
            h1 { "Regulatory clocks" }
            p { "Running clocks across incidents, most urgent first. A provisional clock belongs to a regime that may apply: it shows the earliest moment its report could be due until the incident's applicability questionnaire is answered. Once an incident has a regulatory record (an answer or a report), its clock warnings go out at 50 %, 80 %, when an immediate obligation starts and when a clock is overdue." }
            table id="clocks" {
                thead { tr { th { "Incident" } @for heading in CLOCK_HEADINGS { th { (heading) } } } }
                tbody {
                    @for entry in &entries {
                        (clock_row(&entry.clock, Some(html! {
                            a href={ "/incidents/" (entry.incident) } { (entry.incident) } " " (entry.title) @if entry.drill { " (drill)" }
                        })))
                    }
                }
            }
            @if entries.is_empty() { p { "No clock is running: no incident has a regime that applies or may apply." } }
        },
    ))
}

/// The incident page's regulatory section: whether the incident is
/// reportable and under which regimes, its clocks, the applicability
/// questionnaire and the reports.
pub fn section(
    caller: &Caller,
    path: &str,
    view: &RegulatoryView,
    rejected: Option<&Rejected>,
) -> Markup {
    let table = RegimeTable::builtin();
    let reportable = match view.assessment.reportable {
        Reportable::Yes => "yes",
        Reportable::No => "no",
        Reportable::Unknown => "not known yet",
    };
    let triggers = questionnaire::recorded_triggers(&view.record.triggers);
    html! {
        section aria-label="Regulatory" id="regulatory" {
            h2 { "Regulatory" }
            p { strong { "Reportable: " } span id="reportable" { (reportable) } }
            @if !view.assessment.decisions.is_empty() {
                div.scroll { table id="regimes" {
                    thead { tr { th { "Regime" } th { "Applies" } th { "Because" } } }
                    tbody { @for decision in &view.assessment.decisions {
                        tr data-regime=(decision.regime) data-applies=(crate::reports::wire_name(&decision.applies)) {
                            td { (table.regime_name(&decision.regime)) }
                            td { (decision.applies.label()) }
                            td { @if decision.unanswered.is_empty() {
                                    (decision.because.iter().map(|f| format!("{}: {}", f.question.replace('_', " "), f.answer)).collect::<Vec<_>>().join(", "))
                                } @else {
                                    "still to answer: " (decision.unanswered.iter().map(|q| q.replace('_', " ")).collect::<Vec<_>>().join(", "))
                                } }
                        }
                    } }
                } }
            }
            @if !triggers.is_empty() {
                ul { @for (words, at) in &triggers { li { (words) ": " (at) } } }
            }
            @if view.assessment.clocks.is_empty() {
                p { "No clock is running: no regime applies or may apply." }
            } @else {
                @if view.assessment.clocks.iter().any(|c| c.provisional) {
                    p { "Provisional clocks show the earliest moment a report could be due while it is unknown whether its regime applies: answer the applicability questionnaire below." }
                }
                div.scroll { table id="incident-clocks" { thead { tr { @for heading in CLOCK_HEADINGS { th { (heading) } } } }
                    tbody { @for clock in &view.assessment.clocks { (clock_row(clock, None)) } } } }
            }
            (questionnaire::form(caller, path, view, rejected))
            (reports::list(caller, path, &view.incident, view, rejected))
            (inquiries::list(caller, path, view, rejected))
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ActionsPageQuery {
    #[serde(default)]
    pub overdue: bool,
}

/// Action items of every post-mortem, overdue ones marked.
pub async fn actions(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ActionsPageQuery>,
) -> PageResult {
    let items = crate::api::postmortems::all_actions(&state, query.overdue).await?;
    let today = crate::state::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    Ok(page(
        &caller,
        "Action items",
        html! {
            h1 { @if query.overdue { "Overdue action items" } @else { "Action items" } }
            p { a href="/actions?overdue=true" { "overdue only" } " · " a href="/actions" { "all" } " · "
                a href="/api/v1/actions/export?format=csv" { "CSV" } " · "
                a href="/api/v1/actions/export?format=jira" { "Jira JSON Lines" } " · "
                a href="/api/v1/actions/export?format=github" { "GitHub JSON Lines" } }
            table id="actions" {
                thead { tr { th { "Source" } th { "Id" } th { "Action" } th { "Owner" } th { "Due" } th { "Priority" } th { "Status" } } }
                tbody {
                    @for a in &items {
                        tr {
                            td { @match a.source.strip_prefix("system:") {
                                Some(slug) => { a href={ "/systems/" (slug) } { (a.source) } }
                                None => { a href={ "/incidents/" (a.source) "#postmortem" } { (a.source) } }
                            } }
                            td { (a.item.id) } td { (a.item.title) }
                            td { (a.item.owner.as_deref().unwrap_or("—")) }
                            td { @match a.item.due { Some(due) => { (due) @if a.item.is_overdue(today) { " " span class="badge sev1" { "overdue" } } } None => { "—" } } }
                            td { (a.item.priority().as_str().to_uppercase()) }
                            td { (a.item.status.as_str().replace('_', " ")) }
                        }
                    }
                }
            }
            @if items.is_empty() { p { "Nothing here." } }
        },
    ))
}
