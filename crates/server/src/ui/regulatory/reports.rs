//! Regulatory reports on the incident page: draft one for a regime and
//! report type, edit a draft's sections, record its submission, and read
//! it as HTML, PDF or Markdown. Every form goes through the API's
//! workflows (`api::regulatory::*_regulatory_report`), and a refusal (a
//! regime that does not apply, a report already submitted) comes back in
//! place with what was typed kept.

use crate::api::regulatory::{
    DraftReportRequest, EditReportRequest, RegulatoryView, SubmitRequest, draft_regulatory_report,
    edit_regulatory_report, submit_regulatory_report,
};
use crate::auth::{Caller, Commander, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::rejected::{Rejected, or_in_place};
use crate::ui::{CsrfForm, csrf_field, format_time};
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::auth::Role;
use firebreak_core::regulatory::{
    Answer, GENERIC_REGIME, GENERIC_REPORTS, RegimeTable, RegulatoryReport, ReportSection,
    ReportStatus,
};
use maud::{Markup, html};

const DRAFT: &str = "regulatory:draft";

fn edit_key(report: &str) -> String {
    format!("report:{report}:edit")
}

fn submit_key(report: &str) -> String {
    format!("report:{report}:submit")
}

/// Words for whether a regime applies, after its name in the choice.
fn applies_words(applies: Option<Answer>) -> &'static str {
    match applies {
        Some(Answer::Yes) => "applies",
        Some(Answer::No) => "does not apply",
        _ => "not decided yet",
    }
}

/// The reports, each with its forms, and the form drafting a new one.
pub(super) fn list(
    caller: &Caller,
    path: &str,
    incident: &str,
    view: &RegulatoryView,
    rejected: Option<&Rejected>,
) -> Markup {
    html! {
        h3 { "Reports" }
        @for report in &view.record.reports {
            (report_card(caller, path, incident, report, rejected))
        }
        @if view.record.reports.is_empty() { p { "No report drafted yet." } }
        (draft_form(caller, path, view, rejected))
    }
}

fn draft_form(
    caller: &Caller,
    path: &str,
    view: &RegulatoryView,
    rejected: Option<&Rejected>,
) -> Markup {
    let applies = |regime: &str| {
        view.assessment
            .decisions
            .iter()
            .find(|d| d.regime == regime)
            .map(|d| d.applies)
    };
    // Regimes that apply first, undecided next, those that do not apply last.
    let mut regimes: Vec<_> = RegimeTable::builtin().regimes.iter().collect();
    regimes.sort_by_key(|r| match applies(&r.id) {
        Some(Answer::Yes) => 0,
        Some(Answer::No) => 2,
        _ => 1,
    });
    html! {
        form method="post" action={ (path) "/reports" } id="report-draft" {
            (csrf_field(caller))
            label { "Report to draft "
                select name="report" {
                    @for regime in regimes {
                        optgroup label={ (regime.name) " — " (applies_words(applies(&regime.id))) } {
                            @for kind in &regime.reports {
                                @let value = format!("{}/{}", regime.id, kind.id);
                                option value=(value) selected[Rejected::chose(rejected, DRAFT, "report", &value)] { (kind.name) }
                            }
                        }
                    }
                    optgroup label="Other reports (no clock)" {
                        @for (id, name) in GENERIC_REPORTS {
                            @let value = format!("{GENERIC_REGIME}/{id}");
                            option value=(value) selected[Rejected::chose(rejected, DRAFT, "report", &value)] { (name) }
                        }
                    }
                }
            }
            label { "Reason, if its regime does not apply "
                input type="text" name="override_reason" value=[Rejected::kept(rejected, DRAFT, "override_reason")]; }
            button type="submit" { "Draft the report" }
            (Rejected::messages(rejected, DRAFT))
        }
    }
}

fn report_card(
    caller: &Caller,
    path: &str,
    incident: &str,
    report: &RegulatoryReport,
    rejected: Option<&Rejected>,
) -> Markup {
    let export = |format: &str| {
        format!(
            "/api/v1/incidents/{incident}/reports/{}/export?format={format}",
            report.id
        )
    };
    let (edit, submit) = (edit_key(&report.id), submit_key(&report.id));
    html! {
        article.report id={ "report-" (report.id) } data-status=(crate::reports::wire_name(&report.status)) {
            h4 { (report.id) ": " (report.title) }
            @if let Some(reason) = &report.drafted_although_not_applicable {
                p.muted { "Drafted although its regime does not apply to this incident: " (reason) }
            }
            p {
                @match report.status {
                    ReportStatus::Draft => { span.badge { "Draft" } " drafted by " (report.created_by) " " (format_time(Some(report.created_at))) }
                    ReportStatus::Submitted => {
                        span.badge { "Submitted" } " to " (report.recipient.as_deref().unwrap_or("—"))
                        " by " (report.submitted_by.as_deref().unwrap_or("—")) " " (format_time(report.submitted_at))
                        @if let Some(reference) = &report.reference { ", reference " (reference) }
                    }
                }
                " · Read it as " a href=(export("html")) { "HTML" } ", " a href=(export("pdf")) { "PDF" } " or " a href=(export("md")) { "Markdown" }
            }
            @if report.status == ReportStatus::Draft {
                details open[Rejected::is_for(rejected, &edit)] {
                    summary { "Edit the text of " (report.id) }
                    form method="post" action={ (path) "/reports/" (report.id) } data-report-edit=(report.id) {
                        (csrf_field(caller))
                        @for (index, section) in report.sections.iter().enumerate() {
                            input type="hidden" name="heading" value=(section.heading);
                            @let kept = kept_text(rejected, &edit, index);
                            label { (section.heading) " "
                                textarea name="text" rows="4" style="width:100%" { (kept.unwrap_or(&section.text)) } }
                        }
                        button type="submit" { "Save the text" }
                        (Rejected::messages(rejected, &edit))
                    }
                }
                @if caller.user.role >= Role::Commander {
                    form method="post" action={ (path) "/reports/" (report.id) "/submission" } data-report-submit=(report.id) {
                        (csrf_field(caller))
                        label { "Authority it went to " input type="text" name="recipient" required
                            value=[Rejected::kept(rejected, &submit, "recipient")]; }
                        label { "Reference the authority gave (optional) " input type="text" name="reference"
                            value=[Rejected::kept(rejected, &submit, "reference")]; }
                        button type="submit" { "Record the submission" }
                        (Rejected::messages(rejected, &submit))
                    }
                } @else {
                    p.muted { "A commander records the submission." }
                }
            } @else {
                (Rejected::messages(rejected, &edit))
                (Rejected::messages(rejected, &submit))
            }
        }
    }
}

/// The text the refused edit form sent for section `index`.
fn kept_text<'a>(rejected: Option<&'a Rejected>, key: &str, index: usize) -> Option<&'a str> {
    Rejected::all_kept(rejected, key, "text")
        .into_iter()
        .nth(index)
}

/// The sections a form sent: each `heading` followed by its `text`.
fn sections_of(form: &CsrfForm) -> Vec<ReportSection> {
    let mut sections: Vec<ReportSection> = Vec::new();
    for (name, value) in &form.0 {
        match name.as_str() {
            "heading" => sections.push(ReportSection {
                heading: value.trim().to_string(),
                text: String::new(),
            }),
            "text" => {
                // Browsers send a textarea's line breaks as CRLF (HTML's
                // form encoding); the record keeps them as the API does.
                if let Some(last) = sections.last_mut() {
                    last.text = value.replace("\r\n", "\n").trim_end().to_string();
                }
            }
            _ => {}
        }
    }
    sections
}

pub async fn draft(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let drafted = async {
        let choice = form.required("report")?;
        let (regime, report) = choice
            .split_once('/')
            .ok_or_else(|| ApiError::invalid("report", "choose a report"))?;
        let request = DraftReportRequest {
            regime: regime.to_string(),
            report: report.to_string(),
            override_reason: form.get("override_reason").map(str::to_string),
        };
        draft_regulatory_report(&state, caller.name(), &id, request).await
    }
    .await;
    let to_report = |report: RegulatoryReport| format!("/incidents/{id}#report-{}", report.id);
    or_in_place(
        drafted,
        to_report,
        (&state, &caller, &id),
        DRAFT.into(),
        &form,
    )
    .await
}

pub async fn edit(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, report)): Path<(String, String)>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let request = EditReportRequest {
        sections: sections_of(&form),
    };
    let edited = edit_regulatory_report(&state, caller.name(), &id, &report, request).await;
    let to_report = |report: RegulatoryReport| format!("/incidents/{id}#report-{}", report.id);
    let key = edit_key(&report);
    or_in_place(edited, to_report, (&state, &caller, &id), key, &form).await
}

pub async fn submit(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path((id, report)): Path<(String, String)>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let request = SubmitRequest {
        recipient: form.get("recipient").unwrap_or_default().to_string(),
        reference: form.get("reference").map(str::to_string),
    };
    let submitted = submit_regulatory_report(&state, caller.name(), &id, &report, request).await;
    let to_report = |report: RegulatoryReport| format!("/incidents/{id}#report-{}", report.id);
    let key = submit_key(&report);
    or_in_place(submitted, to_report, (&state, &caller, &id), key, &form).await
}
