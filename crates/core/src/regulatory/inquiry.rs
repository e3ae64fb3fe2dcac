//! A regulator's inquiry ("you have 72 hours to prepare an initial
//! response"): who asked, under which reference, when it came, when the
//! response is due, its questions and their answers, and its submission.
//!
//! Each inquiry is a clock like a regime's report: regime `inquiry`, report
//! the inquiry's id, started when it was received. [`RegulatoryRecord::assess`]
//! puts it among the incident's clocks, so the board, the incident page, the
//! CLI and the API show it in core's words and `due_warnings` warns at 50 %,
//! 80 % and overdue once each, exactly as for a law's deadline. A submitted
//! response stops it.
//!
//! No law sets a period for answering a regulator (the regulator does, in its
//! letter), so there is no default: the due moment is typed in as given, or
//! as a period from receipt.

use super::{Answer, Deadline, DeadlineRule, Period, RegulatoryConfig, RegulatoryRecord};
use crate::error::{DomainError, Problems};
use crate::incident::{Incident, IncidentKind};
use crate::timeline::{EventDraft, EventKind};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// The regime id inquiries' clocks go by.
pub const INQUIRY_REGIME: &str = "inquiry";
/// How every surface names that regime.
pub const INQUIRY_REGIME_NAME: &str = "Regulator inquiry";

/// How an inquiry's due moment was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueRule {
    /// The moment the regulator named, typed in.
    Given,
    /// A period from receipt: hours elapsed, or calendar days on the wall
    /// clock of the deployment's regulatory time zone.
    Within(Period),
}

impl DueRule {
    /// How the due moment was set, in words.
    pub fn words(self) -> String {
        match self {
            DueRule::Given => "as the regulator set it".to_string(),
            DueRule::Within(Period::Hours(hours)) => format!("{hours} hours from receipt"),
            DueRule::Within(Period::CalendarDays(days)) => {
                format!("{days} calendar days from receipt")
            }
            DueRule::Within(_) => "a period from receipt".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InquiryQuestion {
    pub text: String,
    /// Markdown; absent until answered.
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub answered_at: Option<Timestamp>,
}

/// One inquiry from a regulator about the incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Inquiry {
    /// `Q<n>` within the incident.
    pub id: String,
    pub regulator: String,
    /// The regulator's reference for the inquiry.
    pub reference: String,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub due_at: Timestamp,
    pub due_rule: DueRule,
    pub questions: Vec<InquiryQuestion>,
    pub opened_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub opened_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<Timestamp>,
    pub submitted_by: Option<String>,
    /// The reference the response was sent under.
    pub submitted_reference: Option<String>,
    /// Why the response went with questions unanswered, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unanswered_reason: Option<String>,
}

/// An inquiry as it arrives: due at a given moment (`due_at`) or within a
/// period of receipt (`within`, e.g. `72h` or `10d`), one of the two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInquiry {
    pub regulator: String,
    pub reference: String,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: Timestamp,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Timestamp>,
    /// Hours (`72h`) or calendar days (`10d`) from receipt.
    #[serde(default)]
    pub within: Option<String>,
    /// The questions, in the regulator's order.
    pub questions: Vec<String>,
}

/// Reads `72h` (hours elapsed) or `10d` (calendar days).
pub fn parse_within(text: &str) -> Result<Period, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let wrong = || format!("`{text}` is not a period: write hours as `72h` or days as `10d`");
    let count: u32 = number.parse().map_err(|_| wrong())?;
    if count == 0 {
        return Err("a period of zero leaves no time to respond".to_string());
    }
    match unit {
        "h" => Ok(Period::Hours(count)),
        "d" => Ok(Period::CalendarDays(count)),
        _ => Err(wrong()),
    }
}

impl Inquiry {
    /// The inquiry as a clock, in the shape of a regime's deadline.
    pub fn deadline(&self) -> Deadline {
        let within = match self.due_rule {
            DueRule::Within(period) => period,
            // A given moment is stated in whole hours from receipt, rounded
            // down; `due_at` is the moment itself.
            DueRule::Given => Period::Hours(
                u32::try_from(self.due_at.duration_since(self.received_at).as_hours())
                    .unwrap_or(u32::MAX),
            ),
        };
        Deadline {
            regime: INQUIRY_REGIME.to_string(),
            report: self.id.clone(),
            report_name: format!("Inquiry {} from {}", self.reference, self.regulator),
            applies: Answer::Yes,
            // A partial response may go with a reason (`submit_inquiry`).
            incomplete_allowed: true,
            started_at: self.received_at,
            due_at: self.due_at,
            rule: DeadlineRule {
                from: None,
                within,
                when: None,
                once_recorded: false,
            },
            assumed_unanswered: Vec::new(),
            submitted_at: self.submitted_at,
            latest_at: None,
        }
    }

    /// The numbers (from 1) of the questions without an answer.
    pub fn unanswered(&self) -> Vec<usize> {
        (1..=self.questions.len())
            .filter(|n| self.questions[n - 1].answer.is_none())
            .collect()
    }
}

impl RegulatoryRecord {
    pub fn inquiry(&self, id: &str) -> Option<&Inquiry> {
        self.inquiries.iter().find(|i| i.id == id)
    }
}

fn zone(config: &RegulatoryConfig) -> Result<TimeZone, DomainError> {
    match &config.time_zone {
        None => Ok(TimeZone::UTC),
        Some(name) => crate::time_zone::find(name).ok_or_else(|| {
            DomainError::field("time_zone", format!("unknown IANA time zone `{name}`"))
        }),
    }
}

fn due_within(
    received_at: Timestamp,
    period: Period,
    config: &RegulatoryConfig,
) -> Result<Timestamp, DomainError> {
    let too_far = |e: jiff::Error| DomainError::field("within", format!("out of range: {e}"));
    match period {
        Period::Hours(hours) => received_at
            .checked_add(SignedDuration::from_hours(i64::from(hours)))
            .map_err(too_far),
        Period::CalendarDays(days) => received_at
            .to_zoned(zone(config)?)
            .checked_add(Span::new().days(i64::from(days)))
            .map(|z| z.timestamp())
            .map_err(too_far),
        _ => Err(DomainError::field(
            "within",
            "give hours (`72h`) or days (`10d`)",
        )),
    }
}

fn trimmed(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Records an inquiry received at `new.received_at`, numbered `Q<n>` within
/// the incident. Its clock starts at receipt; every problem of the request
/// is named at once.
pub fn open_inquiry(
    current: &RegulatoryRecord,
    new: NewInquiry,
    config: &RegulatoryConfig,
    actor: &str,
    now: Timestamp,
) -> Result<(RegulatoryRecord, Inquiry, EventDraft), DomainError> {
    let mut problems = Problems::default();
    let regulator = trimmed(&new.regulator);
    if regulator.is_none() {
        problems.push("regulator", "name the regulator that sent the inquiry");
    }
    let reference = trimmed(&new.reference);
    if reference.is_none() {
        problems.push(
            "reference",
            "give the regulator's reference for the inquiry",
        );
    }
    if new.received_at > now {
        problems.push("received_at", "is in the future");
    }
    if new.questions.is_empty() {
        problems.push("questions", "list the regulator's questions, at least one");
    }
    for (i, question) in new.questions.iter().enumerate() {
        if question.trim().is_empty() {
            problems.push(format!("questions[{i}]"), "is empty");
        }
    }
    let due = match (new.due_at, new.within.as_deref()) {
        (Some(_), Some(_)) => {
            problems.push("within", "give due_at or within, not both");
            None
        }
        (None, None) => {
            problems.push(
                "due_at",
                "give the moment the regulator set (due_at) or a period from receipt (within, e.g. 72h or 10d)",
            );
            None
        }
        (Some(due_at), None) => Some((due_at, DueRule::Given)),
        (None, Some(within)) => match parse_within(within) {
            Ok(period) => Some((
                due_within(new.received_at, period, config)?,
                DueRule::Within(period),
            )),
            Err(message) => {
                problems.push("within", message);
                None
            }
        },
    };
    if let Some((due_at, _)) = due
        && due_at <= new.received_at
    {
        problems.push("due_at", "comes before the inquiry was received");
    }
    problems.into_result()?;
    // Each missing value was named as a problem above; this refusal only
    // keeps the function total.
    let (Some(regulator), Some(reference), Some((due_at, due_rule))) = (regulator, reference, due)
    else {
        return Err(DomainError::field("inquiry", "incomplete"));
    };
    let inquiry = Inquiry {
        id: format!("Q{}", current.inquiries.len() + 1),
        regulator,
        reference,
        received_at: new.received_at,
        due_at,
        due_rule,
        questions: new
            .questions
            .iter()
            .map(|text| InquiryQuestion {
                text: text.trim().to_string(),
                answer: None,
                answered_by: None,
                answered_at: None,
            })
            .collect(),
        opened_by: actor.to_string(),
        opened_at: now,
        submitted_at: None,
        submitted_by: None,
        submitted_reference: None,
        unanswered_reason: None,
    };
    let mut record = current.clone();
    record.inquiries.push(inquiry.clone());
    let event = EventDraft::by(
        actor,
        EventKind::RegulatorInquiry,
        now,
        json!({
            "inquiry": inquiry.id, "action": "opened",
            "regulator": inquiry.regulator, "reference": inquiry.reference,
            "received_at": inquiry.received_at, "due_at": inquiry.due_at,
            "questions": inquiry.questions.len(),
        }),
    );
    Ok((record, inquiry, event))
}

/// The inquiry `id` of `record`, still open to changes.
fn open_mut<'r>(
    record: &'r mut RegulatoryRecord,
    id: &str,
) -> Result<&'r mut Inquiry, DomainError> {
    let inquiry = record
        .inquiries
        .iter_mut()
        .find(|i| i.id == id)
        .ok_or_else(|| DomainError::field("inquiry", format!("no inquiry `{id}`")))?;
    if inquiry.submitted_at.is_some() {
        return Err(DomainError::Conflict {
            message: format!("the response to {id} was already submitted"),
            allowed: Vec::new(),
        });
    }
    Ok(inquiry)
}

/// Answers (or re-answers) question `number` (from 1) of inquiry `id`.
pub fn answer_question(
    current: &RegulatoryRecord,
    id: &str,
    number: usize,
    answer: &str,
    actor: &str,
    now: Timestamp,
) -> Result<(RegulatoryRecord, EventDraft), DomainError> {
    let mut record = current.clone();
    let inquiry = open_mut(&mut record, id)?;
    let count = inquiry.questions.len();
    let question = number
        .checked_sub(1)
        .and_then(|i| inquiry.questions.get_mut(i))
        .ok_or_else(|| {
            DomainError::field(
                "question",
                format!("{id} has questions 1 to {count}, not {number}"),
            )
        })?;
    let answer = answer.trim_end();
    if answer.trim().is_empty() {
        return Err(DomainError::field("answer", "is empty"));
    }
    let edited = question.answer.is_some();
    question.answer = Some(answer.to_string());
    question.answered_by = Some(actor.to_string());
    question.answered_at = Some(now);
    let event = EventDraft::by(
        actor,
        EventKind::RegulatorInquiry,
        now,
        json!({ "inquiry": id, "action": "answered", "question": number, "edited": edited }),
    );
    Ok((record, event))
}

/// Records that the response to inquiry `id` went to its regulator, under
/// `reference` (the inquiry's own when absent); its clock stops. Unanswered
/// questions are refused unless `unanswered_reason` says why the response
/// goes without them (a partial initial response is common). A drill
/// records no regulator communication (D11).
pub fn submit_inquiry(
    incident: &Incident,
    current: &RegulatoryRecord,
    id: &str,
    reference: Option<&str>,
    unanswered_reason: Option<&str>,
    actor: &str,
    now: Timestamp,
) -> Result<(RegulatoryRecord, EventDraft), DomainError> {
    if incident.kind != IncidentKind::Real {
        return Err(DomainError::Conflict {
            message: format!(
                "{} is a drill or test: it records no response to a regulator (D11)",
                incident.public_id()
            ),
            allowed: Vec::new(),
        });
    }
    let mut record = current.clone();
    let inquiry = open_mut(&mut record, id)?;
    let unanswered = inquiry.unanswered();
    let reason = unanswered_reason.and_then(trimmed);
    if !unanswered.is_empty() && reason.is_none() {
        let numbers: Vec<String> = unanswered.iter().map(usize::to_string).collect();
        return Err(DomainError::Conflict {
            message: format!(
                "{id} has unanswered questions ({}); answer them, or give the reason the response goes without them (unanswered_reason)",
                numbers.join(", ")
            ),
            allowed: Vec::new(),
        });
    }
    let reference = reference
        .and_then(trimmed)
        .unwrap_or_else(|| inquiry.reference.clone());
    inquiry.submitted_at = Some(now);
    inquiry.submitted_by = Some(actor.to_string());
    inquiry.submitted_reference = Some(reference.clone());
    inquiry.unanswered_reason = reason.filter(|_| !unanswered.is_empty());
    let event = EventDraft::by(
        actor,
        EventKind::RegulatorInquiry,
        now,
        json!({
            "inquiry": id, "action": "submitted",
            "regulator": inquiry.regulator, "reference": reference,
            "unanswered": unanswered, "unanswered_reason": inquiry.unanswered_reason,
        }),
    );
    Ok((record, event))
}

#[cfg(test)]
mod tests;
