//! Regulators' inquiries on the incident page: each with its clock (the one
//! the clock table above shows too), its questions and their answer forms,
//! the submission form, the response pack to read and the signed bundle to
//! download; and the form opening a new one. Every form goes through the
//! API's workflows (`api::inquiries`), and a refusal comes back in place
//! with what was typed kept.

use super::level_badge;
use crate::api::inquiries::{
    InquiryView, SubmitInquiryRequest, answer_inquiry_question, inquiry_bundle,
    open_regulator_inquiry, submit_regulator_inquiry,
};
use crate::api::regulatory::RegulatoryView;
use crate::auth::{Caller, Commander, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::incident_record::parse_moment;
use crate::ui::rejected::{Rejected, in_place, or_in_place};
use crate::ui::{CsrfForm, csrf_field, format_time};
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::Timestamp;
use firebreak_core::auth::Role;
use firebreak_core::regulatory::{INQUIRY_REGIME, Inquiry, NewInquiry};
use maud::{Markup, html};

const OPEN: &str = "inquiry:open";

fn answer_key(inquiry: &str, n: usize) -> String {
    format!("inquiry:{inquiry}:{n}")
}

fn submit_key(inquiry: &str) -> String {
    format!("inquiry:{inquiry}:submit")
}

fn bundle_key(inquiry: &str) -> String {
    format!("inquiry:{inquiry}:bundle")
}

/// The inquiries, each with its forms, and the form opening a new one.
pub(super) fn list(
    caller: &Caller,
    path: &str,
    view: &RegulatoryView,
    rejected: Option<&Rejected>,
) -> Markup {
    html! {
        h3 { "Inquiries" }
        @for inquiry in &view.record.inquiries {
            (inquiry_card(caller, path, view, inquiry, rejected))
        }
        @if view.record.inquiries.is_empty() { p { "No regulator has sent an inquiry." } }
        @if caller.user.role >= Role::Responder { (open_form(caller, path, rejected)) }
    }
}

fn open_form(caller: &Caller, path: &str, rejected: Option<&Rejected>) -> Markup {
    let kept = |name: &str| Rejected::kept(rejected, OPEN, name);
    html! {
        details open[Rejected::is_for(rejected, OPEN)] {
            summary { "Record an inquiry from a regulator" }
            form method="post" action={ (path) "/inquiries" } id="inquiry-open" {
                (csrf_field(caller))
                label { "Regulator " input type="text" name="regulator" required value=[kept("regulator")]; }
                label { "Its reference " input type="text" name="reference" required value=[kept("reference")]; }
                label { "Received (UTC, e.g. 2026-03-01 08:00, or with an offset) "
                    input type="text" name="received_at" required value=[kept("received_at")]; }
                label { "Due as the regulator set it (a moment) "
                    input type="text" name="due_at" value=[kept("due_at")]; }
                label { "or due within a period of receipt (72h, 10d) "
                    input type="text" name="within" value=[kept("within")]; }
                label { "Questions, one per line "
                    textarea name="questions" rows="4" style="width:100%" required { (kept("questions").unwrap_or_default()) } }
                button type="submit" { "Record the inquiry" }
                (Rejected::messages(rejected, OPEN))
            }
        }
    }
}

fn inquiry_card(
    caller: &Caller,
    path: &str,
    view: &RegulatoryView,
    inquiry: &Inquiry,
    rejected: Option<&Rejected>,
) -> Markup {
    let pack = |format: &str| {
        format!(
            "/api/v1/incidents/{}/inquiries/{}/pack?format={format}",
            view.incident, inquiry.id
        )
    };
    let clock = view
        .assessment
        .clocks
        .iter()
        .find(|c| c.deadline.regime == INQUIRY_REGIME && c.deadline.report == inquiry.id);
    let open = inquiry.submitted_at.is_none();
    let (submit, bundle) = (submit_key(&inquiry.id), bundle_key(&inquiry.id));
    html! {
        article.report id={ "inquiry-" (inquiry.id) } data-inquiry=(inquiry.id) data-submitted=(!open) {
            h4 { (inquiry.id) ": inquiry " (inquiry.reference) " from " (inquiry.regulator) }
            p {
                "Received " (format_time(Some(inquiry.received_at))) "; due "
                @if let Some(clock) = clock { (clock.due_text()) " (" (inquiry.due_rule.words()) "): " (clock.summary) " " (level_badge(clock.level)) }
            }
            @if let (Some(at), Some(by)) = (inquiry.submitted_at, &inquiry.submitted_by) {
                p { span.badge { "Submitted" } " by " (by) " " (format_time(Some(at)))
                    " under reference " (inquiry.submitted_reference.as_deref().unwrap_or("—")) }
                @if let Some(reason) = &inquiry.unanswered_reason { p.muted { "Sent with questions unanswered: " (reason) } }
            }
            p { "Response pack: " a href=(pack("html")) { "HTML" } ", " a href=(pack("pdf")) { "PDF" } " or " a href=(pack("md")) { "Markdown" } }
            ol {
                @for (index, question) in inquiry.questions.iter().enumerate() {
                    @let (n, key) = (index + 1, answer_key(&inquiry.id, index + 1));
                    li data-question=(n) {
                        p { strong { (question.text) } }
                        @if let Some(answer) = &question.answer {
                            p style="white-space:pre-wrap" { (answer) }
                            p.muted { "Answered by " (question.answered_by.as_deref().unwrap_or("—")) " " (format_time(question.answered_at)) }
                        } @else {
                            p.muted { "Not answered yet." }
                        }
                        @if open && caller.user.role >= Role::Responder {
                            form method="post" action={ (path) "/inquiries/" (inquiry.id) "/questions/" (n) } data-inquiry-answer={ (inquiry.id) "/" (n) } {
                                (csrf_field(caller))
                                label { @if question.answer.is_some() { "Change the answer to question " } @else { "Answer to question " } (n) " "
                                    textarea name="answer" rows="3" style="width:100%" required {
                                        (Rejected::kept(rejected, &key, "answer").or(question.answer.as_deref()).unwrap_or_default()) } }
                                button type="submit" { "Save the answer" }
                                (Rejected::messages(rejected, &key))
                            }
                        }
                    }
                }
            }
            @if open {
                @if caller.user.role >= Role::Commander {
                    form method="post" action={ (path) "/inquiries/" (inquiry.id) "/submission" } data-inquiry-submit=(inquiry.id) {
                        (csrf_field(caller))
                        label { "Reference the response went under "
                            input type="text" name="reference" value=(Rejected::kept(rejected, &submit, "reference").unwrap_or(&inquiry.reference)); }
                        label { "Why it goes with questions unanswered, if it does "
                            input type="text" name="unanswered_reason" value=[Rejected::kept(rejected, &submit, "unanswered_reason")]; }
                        button type="submit" { "Record the submission" }
                        (Rejected::messages(rejected, &submit))
                    }
                } @else {
                    p.muted { "A commander records the submission." }
                }
            }
            @if caller.user.role >= Role::Responder {
                form method="post" action={ (path) "/inquiries/" (inquiry.id) "/bundle" } data-inquiry-bundle=(inquiry.id) {
                    (csrf_field(caller))
                    button type="submit" { "Download the signed bundle with this pack" }
                    (Rejected::messages(rejected, &bundle))
                }
            }
        }
    }
}

fn moment(form: &CsrfForm, name: &str) -> Result<Option<Timestamp>, ApiError> {
    form.get(name)
        .filter(|value| !value.trim().is_empty())
        .map(|value| parse_moment(value).map_err(|message| ApiError::invalid(name, message)))
        .transpose()
}

fn new_inquiry(form: &CsrfForm) -> Result<NewInquiry, ApiError> {
    Ok(NewInquiry {
        regulator: form.get("regulator").unwrap_or_default().to_string(),
        reference: form.get("reference").unwrap_or_default().to_string(),
        received_at: moment(form, "received_at")?
            .ok_or_else(|| ApiError::invalid("received_at", "say when the inquiry came"))?,
        due_at: moment(form, "due_at")?,
        within: form
            .get("within")
            .filter(|w| !w.trim().is_empty())
            .map(str::to_string),
        questions: form
            .get("questions")
            .unwrap_or_default()
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(str::to_string)
            .collect(),
    })
}

fn to_inquiry(id: &str) -> impl FnOnce(InquiryView) -> String + '_ {
    move |view| format!("/incidents/{id}#inquiry-{}", view.inquiry.id)
}

pub async fn open(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let opened =
        async { open_regulator_inquiry(&state, caller.name(), &id, new_inquiry(&form)?).await }
            .await;
    or_in_place(
        opened,
        to_inquiry(&id),
        (&state, &caller, &id),
        OPEN.into(),
        &form,
    )
    .await
}

pub async fn answer(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, inquiry, n)): Path<(String, String, usize)>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let text = form.get("answer").unwrap_or_default().to_string();
    let answered = answer_inquiry_question(&state, caller.name(), &id, &inquiry, n, text).await;
    let key = answer_key(&inquiry, n);
    or_in_place(
        answered,
        to_inquiry(&id),
        (&state, &caller, &id),
        key,
        &form,
    )
    .await
}

pub async fn submit(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path((id, inquiry)): Path<(String, String)>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let request = SubmitInquiryRequest {
        reference: form.get("reference").map(str::to_string),
        unanswered_reason: form.get("unanswered_reason").map(str::to_string),
    };
    let submitted = submit_regulator_inquiry(&state, caller.name(), &id, &inquiry, request).await;
    let key = submit_key(&inquiry);
    or_in_place(
        submitted,
        to_inquiry(&id),
        (&state, &caller, &id),
        key,
        &form,
    )
    .await
}

/// The signed bundle as a download, or the page with the refusal in place.
pub async fn bundle(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, inquiry)): Path<(String, String)>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    match inquiry_bundle(&state, caller.name(), &id, &inquiry).await {
        Ok(archive) => Ok(archive),
        Err(error) => in_place(error, (&state, &caller, &id), bundle_key(&inquiry), &form).await,
    }
}
