//! The post-mortem's action items on the incident page: the list with what
//! each commits to (and, for an item without a ticket, a form asking a
//! tracker for one), and a form that adds one while the post-mortem is a
//! draft. The SMART check runs on what is saved and shows among the
//! blockers, as it does for items written through the API or the CLI.

use super::{answer, wire};
use crate::api::incidents::incident_number;
use crate::api::postmortems::{apply_edit, ask_for_ticket};
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::rejected::Rejected;
use crate::ui::{CsrfForm, csrf_field};
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::DomainError;
use firebreak_core::action::{
    ActionItem, ActionKind, ActionStatus, CauseLink, Check, Level, Outcome, bounds_text,
};
use firebreak_core::postmortem::PostMortem;
use firebreak_store::DocumentKind;
use maud::{Markup, html};

/// The form key.
const NEW: &str = "postmortem:action";

const KINDS: [ActionKind; 4] = [
    ActionKind::Corrective,
    ActionKind::Preventive,
    ActionKind::Detective,
    ActionKind::Mitigating,
];
const LEVELS: [Level; 3] = [Level::High, Level::Medium, Level::Low];

/// The form key of item `action`'s ticket request.
fn ticket_key(action: &str) -> String {
    format!("postmortem:ticket:{action}")
}

/// The items as a table; `trackers` are the tracker channels an item
/// without a ticket may ask.
pub(super) fn list(
    caller: &Caller,
    path: &str,
    postmortem: &PostMortem,
    trackers: &[String],
    rejected: Option<&Rejected>,
) -> Markup {
    html! {
        @if postmortem.action_items.is_empty() {
            p.muted { "No action items yet." }
        } @else {
            div.scroll { table id="action-items" {
                thead { tr { th { "Item" } th { "Kind" } th { "Owner" } th { "Due" } th { "Addresses" } th { "Done when" } th { "Status" } th { "Ticket" } th { "Verified by" } } }
                tbody { @for item in &postmortem.action_items {
                    tr data-item=(item.id) {
                        td { (item.id) ": " (item.title) }
                        td { (item.kind.as_str()) }
                        td { (item.owner.as_deref().unwrap_or("—")) }
                        td { (item.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into())) }
                        td { (item.addresses.as_ref().map(CauseLink::describe).unwrap_or_else(|| "—".into())) }
                        td { (item.success_criterion.as_deref().unwrap_or("—")) }
                        td { (item.status.as_str().replace('_', " ")) }
                        td data-ticket=(item.ticket.as_ref().and_then(|t| t.state).map_or("", |s| s.as_str())) { (ticket_cell(item)) (ticket_form(caller, path, item, trackers, rejected)) }
                        td data-verification=(item.verification.current().map_or("", |r| r.outcome.as_str())) { (verification_text(item)) }
                    }
                } }
            } }
        }
    }
}

/// The item's ticket: a link with the tracker's words for its state, that
/// it is asked for, or that the tracker cannot be read.
fn ticket_cell(item: &ActionItem) -> Markup {
    let Some(ticket) = &item.ticket else {
        return match &item.ticket_url {
            Some(url) => html! { (url) },
            None => html! { "—" },
        };
    };
    html! {
        @match (&ticket.key, &ticket.url) {
            (Some(key), Some(url)) => a href=(url) rel="noreferrer" { (ticket.channel) " " (key) },
            _ => { "asked of " (ticket.channel) },
        }
        @if let Some(status) = &ticket.remote_status { " (" (status) ")" }
        @if let Some(error) = &ticket.error { br; small.muted { "cannot be read: " (error) } }
    }
}

/// The form asking a tracker for the item's ticket, for an item that has
/// none and is not settled.
fn ticket_form(
    caller: &Caller,
    path: &str,
    item: &ActionItem,
    trackers: &[String],
    rejected: Option<&Rejected>,
) -> Markup {
    let settled = matches!(item.status, ActionStatus::Done | ActionStatus::WontDo);
    let key = ticket_key(&item.id);
    html! {
        @if item.ticket.is_none() && item.ticket_url.is_none() && !settled && !trackers.is_empty() {
            form.ticket method="post" action={ (path) "/postmortem/actions/" (item.id) "/ticket" } {
                (csrf_field(caller))
                select name="channel" aria-label={ "Tracker for " (item.id) } {
                    @for slug in trackers {
                        option value=(slug) selected[Rejected::chose(rejected, &key, "channel", slug)] { (slug) }
                    }
                }
                " " button type="submit" { "Open ticket" }
            }
        }
        (Rejected::messages(rejected, &key))
    }
}

/// The item's check and where it stands: the newest verification, or
/// that the check waits for the item to be done.
fn verification_text(item: &ActionItem) -> String {
    let check = match &item.verification.check {
        None => return "—".into(),
        Some(Check::Monitor { monitor, runs }) => {
            format!("monitor {monitor} within its thresholds for {runs} runs")
        }
        Some(Check::Manual { check }) => format!("by hand: {check}"),
        Some(Check::Finding {
            request,
            metric,
            at_most,
            at_least,
        }) => format!(
            "{} analysis: {metric} {}",
            request["analysis"].as_str().unwrap_or("an"),
            bounds_text(*at_most, *at_least)
        ),
    };
    match (
        item.verification.current(),
        item.verification.results.last(),
    ) {
        (Some(result), _) => format!("{check}; {}: {}", result.outcome.as_str(), result.detail),
        (None, Some(last)) if last.outcome == Outcome::Failed => {
            format!("{check}; failed last time: {}", last.detail)
        }
        (None, _) if item.status == ActionStatus::Done => format!("{check}; pending"),
        (None, _) => check,
    }
}

/// The form adding an item; its owner defaults to the signed-in user and
/// what it addresses to the newest root cause not yet covered.
pub(super) fn add_form(
    caller: &Caller,
    path: &str,
    postmortem: &PostMortem,
    rejected: Option<&Rejected>,
) -> Markup {
    let kept = |name: &'static str| Rejected::kept(rejected, NEW, name);
    let uncovered = postmortem.root_causes.iter().rev().find(|cause| {
        !postmortem.action_items.iter().any(
            |item| matches!(&item.addresses, Some(CauseLink::RootCause { id }) if *id == cause.id),
        )
    });
    let addresses = kept("addresses")
        .map(str::to_string)
        .or_else(|| uncovered.map(|c| c.id.clone()));
    let level = |name: &'static str, default: Level| {
        let chosen = kept(name).unwrap_or(default.as_str()).to_string();
        html! {
            @for level in LEVELS { option value=(level.as_str()) selected[chosen == level.as_str()] { (level.as_str()) } }
        }
    };
    html! {
        form method="post" action={ (path) "/postmortem/actions" } id="action-item-new" {
            (csrf_field(caller))
            h3 { "Add an action item" }
            label { "What will be done " input type="text" name="title" required value=[kept("title")]; }
            label { "Kind " select name="kind" {
                @for kind in KINDS { option value=(kind.as_str()) selected[kept("kind") == Some(kind.as_str())] { (kind.as_str()) } }
            } }
            label { "Owner " input type="text" name="owner" value=(kept("owner").unwrap_or(caller.name())); }
            label { "Due " input type="date" name="due" value=[kept("due")]; }
            label { "Impact " select name="impact" { (level("impact", Level::High)) } }
            label { "Effort " select name="effort" { (level("effort", Level::Medium)) } }
            label { "Addresses " select name="addresses" {
                option value="" { "(nothing yet)" }
                @for cause in &postmortem.root_causes {
                    option value=(cause.id) selected[addresses.as_deref() == Some(cause.id.as_str())] { (cause.id) ": " (cause.statement) }
                }
            } }
            label { "Done when (how everyone will know it worked) "
                input type="text" name="success_criterion" value=[kept("success_criterion")]; }
            button type="submit" { "Add action item" }
            (Rejected::messages(rejected, NEW))
        }
    }
}

/// A refused item's messages when the form is not shown (the post-mortem
/// left draft meanwhile).
pub(super) fn refusals(rejected: Option<&Rejected>) -> Markup {
    Rejected::messages(rejected, NEW)
}

/// The item the form describes; its id and the cause it addresses are
/// settled against the post-mortem as saved (`placed`).
fn item_of(form: &CsrfForm) -> Result<ActionItem, ApiError> {
    let due = form
        .get("due")
        .map(|value| {
            value.parse::<jiff::civil::Date>().map_err(|_| {
                ApiError::invalid("due", format!("`{value}` is not a date like 2027-01-15"))
            })
        })
        .transpose()?;
    Ok(ActionItem {
        id: String::new(),
        title: form.required("title")?.to_string(),
        kind: wire(form, "kind")?,
        owner: form.get("owner").map(str::to_string),
        due,
        impact: wire(form, "impact")?,
        effort: wire(form, "effort")?,
        addresses: form
            .get("addresses")
            .map(|id| CauseLink::RootCause { id: id.to_string() }),
        success_criterion: form.get("success_criterion").map(str::to_string),
        status: ActionStatus::Open,
        status_reason: None,
        ticket_url: None,
        verification: Default::default(),
        ticket: None,
    })
}

/// `postmortem` with `item` added under the next free id; refused when it
/// addresses a root cause the post-mortem no longer has.
fn placed(postmortem: &PostMortem, mut item: ActionItem) -> Result<PostMortem, DomainError> {
    if let Some(CauseLink::RootCause { id }) = &item.addresses
        && !postmortem.root_causes.iter().any(|c| &c.id == id)
    {
        return Err(DomainError::field(
            "addresses",
            format!("there is no root cause {id} any more; choose another"),
        ));
    }
    item.id = postmortem.next_action_id();
    let mut next = postmortem.clone();
    next.action_items.push(item);
    Ok(next)
}

pub async fn add(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let number = incident_number(&id)?;
    let saved = async {
        let item = item_of(&form)?;
        apply_edit(&state, number, caller.name(), move |current| {
            Ok(DocumentKind::encode(&placed(current, item.clone())?))
        })
        .await
    }
    .await;
    answer(saved, (&state, &caller, &id), NEW.to_string(), &form).await
}

/// Asks the chosen tracker for item `action`'s ticket, as
/// `POST /api/v1/incidents/{id}/postmortem/actions/{action_id}/ticket` does.
pub async fn ask_ticket(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let number = incident_number(&id)?;
    let key = ticket_key(&action);
    let asked = async {
        let channel = form.required("channel")?;
        ask_for_ticket(&state, number, action, channel, caller.name()).await
    }
    .await;
    answer(asked, (&state, &caller, &id), key, &form).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> CsrfForm {
        CsrfForm(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn an_item_takes_the_next_id_and_must_address_a_cause_that_exists() {
        let mut postmortem = crate::test_support::postmortem();
        let sent = form(&[
            ("title", "Add a fairness gate"),
            ("kind", "preventive"),
            ("owner", "carol"),
            ("due", "2027-01-15"),
            ("impact", "high"),
            ("effort", "medium"),
            ("addresses", "rc-1"),
        ]);
        postmortem = placed(&postmortem, item_of(&sent).unwrap()).unwrap();
        postmortem = placed(&postmortem, item_of(&sent).unwrap()).unwrap();
        let ids: Vec<&str> = postmortem
            .action_items
            .iter()
            .map(|a| a.id.as_str())
            .collect();
        assert_eq!(ids, ["act-1", "act-2"]);
        assert_eq!(
            postmortem.action_items[0].due.unwrap().to_string(),
            "2027-01-15"
        );

        let gone = form(&[
            ("title", "x"),
            ("kind", "preventive"),
            ("impact", "low"),
            ("effort", "low"),
            ("addresses", "rc-9"),
        ]);
        let refused = placed(&postmortem, item_of(&gone).unwrap()).unwrap_err();
        assert!(refused.to_string().contains("rc-9"), "{refused}");
        let bad_date = form(&[
            ("title", "x"),
            ("kind", "preventive"),
            ("impact", "low"),
            ("effort", "low"),
            ("due", "15/01/2027"),
        ]);
        let refused = item_of(&bad_date).err().unwrap();
        assert!(format!("{refused:?}").contains("15/01/2027"), "{refused:?}");
    }
}
