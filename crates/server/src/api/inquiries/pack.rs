//! An inquiry's response pack: the inquiry (who asked, under which
//! reference, when it came and is due, its clock), each question with its
//! answer, then what the incident's record holds for a regulator (the
//! `inquiry_response` sections of `reports.rs`: model documentation,
//! decision audit trail, fairness findings, explanation, root cause, chain
//! of custody) and the timeline.

use crate::api::regulatory::sections_document;
use crate::error::ApiError;
use crate::state::{AppState, now};
use firebreak_core::Timestamp;
use firebreak_core::regulatory::{GENERIC_REGIME, Inquiry, ReportSection, moment_text};
use firebreak_core::timeline::{Event, EventKind};
use firebreak_report::Document;
use std::fmt::Write;

/// The generic report whose sections answer a regulator's inquiry.
const INQUIRY_RESPONSE: &str = "inquiry_response";

const UNANSWERED: &str = "TODO: not answered yet; answer before submitting.";

pub struct Pack {
    pub inquiry: Inquiry,
    pub document: Document,
    /// The file name without its extension.
    pub name: String,
}

impl Pack {
    /// What a bundle of the pack is for, naming the inquiry and its reference.
    pub fn purpose(&self) -> String {
        let inquiry = &self.inquiry;
        format!(
            "response to inquiry {} ({}) from {}",
            inquiry.id, inquiry.reference, inquiry.regulator
        )
    }
}

fn question_sections(inquiry: &Inquiry) -> Vec<ReportSection> {
    inquiry
        .questions
        .iter()
        .enumerate()
        .map(|(i, question)| {
            let answer = match (&question.answer, &question.answered_by) {
                (Some(answer), Some(by)) => format!(
                    "Answer ({by}, {}):\n\n{answer}",
                    question.answered_at.map(moment_text).unwrap_or_default()
                ),
                (Some(answer), None) => format!("Answer:\n\n{answer}"),
                (None, _) => UNANSWERED.to_string(),
            };
            ReportSection {
                heading: format!("Question {}", i + 1),
                text: format!("{}\n\n{answer}", question.text),
            }
        })
        .collect()
}

fn timeline_section(timeline: &[Event]) -> ReportSection {
    let mut text = String::new();
    for event in timeline.iter().filter(|e| e.kind != EventKind::HookAttempt) {
        let _ = writeln!(
            text,
            "- {} — {} ({})",
            moment_text(event.occurred_at),
            event.describe(),
            event.actor
        );
    }
    ReportSection {
        heading: "Timeline".to_string(),
        text,
    }
}

fn metadata(inquiry: &Inquiry, at: Timestamp) -> Vec<String> {
    let clock = inquiry.deadline().status(at);
    let mut lines = vec![
        format!(
            "Inquiry {} from {}, reference {}",
            inquiry.id, inquiry.regulator, inquiry.reference
        ),
        format!(
            "Received {}; due {} ({})",
            moment_text(inquiry.received_at),
            clock.due_text(),
            inquiry.due_rule.words()
        ),
        format!("Clock: {}", clock.summary),
    ];
    if let (Some(at), Some(by)) = (inquiry.submitted_at, &inquiry.submitted_by) {
        lines.push(format!(
            "Submitted by {by} at {} under reference {}",
            moment_text(at),
            inquiry.submitted_reference.as_deref().unwrap_or("—")
        ));
    }
    if let Some(reason) = &inquiry.unanswered_reason {
        lines.push(format!("Sent with questions unanswered: {reason}"));
    }
    lines
}

/// The pack's document at `at`: the inquiry's questions and answers, then
/// what the record holds (`record`) and the timeline.
fn document(
    subtitle: String,
    inquiry: &Inquiry,
    record: Vec<ReportSection>,
    timeline: &[Event],
    at: Timestamp,
) -> Result<Document, ApiError> {
    let mut sections = question_sections(inquiry);
    sections.extend(record);
    sections.push(timeline_section(timeline));
    let title = format!(
        "Response to inquiry {} from {}",
        inquiry.reference, inquiry.regulator
    );
    let mut document = sections_document(&title, &sections)?;
    document.subtitle = Some(subtitle);
    document.metadata = metadata(inquiry, at);
    Ok(document)
}

/// The pack of inquiry `inquiry` of incident `number`, from its record now.
pub async fn assemble(state: &AppState, number: u64, inquiry: &str) -> Result<Pack, ApiError> {
    let context = crate::reports::gather(state, number).await?;
    let incident = context.incident.public_id();
    let found = context
        .record
        .inquiry(inquiry)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("{incident} has no inquiry {inquiry}")))?;
    let document = document(
        format!("{incident}: {}", context.incident.title),
        &found,
        crate::reports::sections(&context, GENERIC_REGIME, INQUIRY_RESPONSE)?,
        &context.timeline,
        now(),
    )?;
    Ok(Pack {
        name: format!("{incident}-{}-response-pack", found.id),
        inquiry: found,
        document,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use firebreak_core::regulatory::{
        NewInquiry, RegulatoryConfig, RegulatoryRecord, answer_question, open_inquiry,
    };

    #[test]
    fn the_pack_puts_each_question_with_its_answer_before_the_record() {
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let new = NewInquiry {
            regulator: "BaFin".into(),
            reference: "GZ 2026/114".into(),
            received_at: at("2026-03-02T09:00:00Z"),
            due_at: None,
            within: Some("72h".into()),
            questions: vec![
                "Which applicants were affected?".into(),
                "What did the fairness audit find?".into(),
            ],
        };
        let opened_at = at("2026-03-02T10:00:00Z");
        let (record, _, _) = open_inquiry(
            &RegulatoryRecord::default(),
            new,
            &RegulatoryConfig::default(),
            "carol",
            opened_at,
        )
        .unwrap();
        let (record, _) =
            answer_question(&record, "Q1", 1, "1,204 applicants.", "carol", opened_at).unwrap();
        let record_sections = vec![ReportSection {
            heading: "Chain of custody".into(),
            text: "- **EV-1** `decisions.csv`".into(),
        }];
        let document = document(
            "INC-1: Approval rate for group C fell".into(),
            &record.inquiries[0],
            record_sections,
            &[],
            at("2026-03-04T00:00:00Z"),
        )
        .unwrap();
        insta::assert_snapshot!(firebreak_report::to_markdown(&document));
    }
}
