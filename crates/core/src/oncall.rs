//! On-call (D31): who is on call at an instant, who is paged when, and how each
//! person is reached, as pure functions over schedules, escalation policies and
//! notification rules. The server stores these and delivers; it computes none
//! of it.
//!
//! - A [`Schedule`] has an IANA time zone, layers and overrides. A [`Layer`]
//!   rotates its participants daily, weekly or every N hours or days, handing
//!   off at a local wall-clock time, optionally only inside [`TimeWindow`]s.
//!   [`on_call_at`] answers "who, through which layer or override, for which
//!   stretch"; [`final_shifts`] gives the final view over a range.
//! - [`ical_for_user`] exports one person's shifts as RFC 5545 iCalendar.
//! - An [`EscalationPolicy`] turns an incident's severity and trigger time into
//!   an [`EscalationPlan`] ([`escalation_steps`]); [`due_now`] says which steps
//!   to send at a moment, and [`resolve_targets`] who they reach then.
//! - A [`Channel`] (Teams, PagerDuty, Opsgenie) hears of the incidents of
//!   its systems; [`notices`] says what a change tells it.
//! - [`contact_plan`] spreads one page over a user's contact methods;
//!   [`page_step`] turns a due step into the messages to send, and
//!   [`acknowledge`] takes the page; [`AckClaim`] is the signed one-time
//!   acknowledgement link a page message carries.
//! - [`StakeholderLists`] say per system who hears of its incidents in each
//!   [`Audience`]; [`Updates`] are an incident's stakeholder updates, drafted,
//!   approved when the [`ApprovalRule`] asks for it, and sent to the
//!   [`recipients`] of the incident's systems.
//!
//! **Daylight saving.** Hand-offs, restriction windows and working hours are
//! local wall-clock times in their zone, so a daily shift is 23 or 25 hours
//! long on the days the clocks change. A local time that does not exist
//! (inside the hour skipped when clocks go forward) means the first instant
//! after the gap: a 02:30 hand-off in New York on 2026-03-08 happens at 03:00
//! EDT. A local time that happens twice (clocks going back) means the earlier
//! of the two. Both rules keep the mapping from wall-clock time to instants
//! monotone, so hand-offs never run backwards; hand-offs that collapse onto one
//! instant (an hourly rotation across the skipped hour) give a turn of no
//! length, which is skipped while the rotation order carries on.
//!
//! **Bounds.** Bad input is refused with the field named ([`OncallError`]),
//! never a panic: schedules and policies are validated on every call, ranges
//! are limited to [`MAX_RANGE_DAYS`] days and every walk over changes of who is
//! on call to [`MAX_CHANGES`] steps.

mod ack_link;
mod channel;
mod contact;
mod delivery;
mod escalation;
mod ical;
mod page;
mod resolve;
mod role;
mod rotation;
mod schedule;
mod slack;
mod stakeholders;
mod update;
mod zone;

pub use ack_link::{ACK_LINK_VALIDITY, AckClaim, AckLinkError};
pub use channel::{Channel, ChannelKind, Notice, NoticeAction, notices};
pub use contact::{ContactKind, ContactStep, NotificationRule, contact_plan, validate_rules};
pub use delivery::{PageDeliveries, page_deliveries};
pub use escalation::{
    EscalationLevel, EscalationPlan, EscalationPolicy, PlannedStep, Recipient, Recipients, StepKey,
    Target, Team, Unresolved, Urgency, UrgencyBySeverity, WorkingHours, due_now, escalation_steps,
    next_due, replan, resolve_targets,
};
pub use ical::ical_for_user;
pub use page::{
    AckVia, ContactMethods, Notification, SMS_LENGTH, StepPage, acknowledge, escalation_over,
    is_e164, page_step, page_stopped, sms_text,
};
pub use resolve::{OnCall, Shift, Source, final_shifts, on_call_at};
pub use role::{RoleNotice, role_notices};
pub use schedule::{Layer, Override, Rotation, RotationUnit, Schedule};
pub use slack::{
    MAX_CHANNEL_NAME, SlackNotice, SlackStep, channel_name, numbered_name, slack_notices,
};
pub use stakeholders::{
    Audience, AudienceList, MAX_LIST, StakeholderLists, UpdateRecipient, recipients,
};
pub use update::{
    ApprovalRule, Caller, StakeholderUpdate, Stamp, UpdateChange, UpdateStatus, Updates, approver,
    may_approve, split_subject, template_context,
};
pub use zone::{Day, TimeWindow};

use crate::error::{DomainError, FieldError};
use jiff::Timestamp;

/// The longest range [`final_shifts`] and [`ical_for_user`] answer for: a year
/// ahead with room to spare.
pub const MAX_RANGE_DAYS: i64 = 400;
/// The most changes of who is on call one answer walks through, so that a
/// schedule of hourly rotations over a long range is refused rather than
/// computed for minutes.
pub const MAX_CHANGES: usize = 100_000;

/// Why an on-call computation refused its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OncallError {
    /// A schedule, policy or rule that breaks a rule; each names its field,
    /// e.g. `layers[1].participants`.
    #[error("{}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// A range whose end is not after its start.
    #[error("to: must be after from ({from})")]
    EmptyRange { from: Timestamp, to: Timestamp },
    /// A range longer than [`MAX_RANGE_DAYS`].
    #[error("to: the range from {from} to {to} is longer than {max_days} days")]
    RangeTooLong {
        from: Timestamp,
        to: Timestamp,
        max_days: i64,
    },
    /// More than [`MAX_CHANGES`] changes of who is on call to walk through.
    #[error("to: more than {limit} changes of who is on call in the range; ask for a shorter one")]
    TooManyChanges { limit: usize },
}

impl OncallError {
    /// The fields at fault, as the API reports them.
    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            OncallError::Invalid(fields) => fields.clone(),
            other => {
                let text = other.to_string();
                let message = text.strip_prefix("to: ").unwrap_or(&text);
                vec![FieldError::new("to", message)]
            }
        }
    }
}

impl From<OncallError> for DomainError {
    /// Every refusal is a well-formed request that breaks a rule (422).
    fn from(error: OncallError) -> Self {
        DomainError::Invalid(error.fields())
    }
}

fn describe(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Collects field errors so that one answer names every problem.
#[derive(Debug, Default)]
pub(crate) struct Faults(Vec<FieldError>);

impl Faults {
    pub(crate) fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub(crate) fn into_result(self) -> Result<(), OncallError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(OncallError::Invalid(self.0))
        }
    }
}

/// Checks `from < to` and the length of the range.
pub(crate) fn check_range(from: Timestamp, to: Timestamp) -> Result<(), OncallError> {
    if to <= from {
        return Err(OncallError::EmptyRange { from, to });
    }
    let max = jiff::SignedDuration::from_hours(MAX_RANGE_DAYS * 24);
    if to.duration_since(from) > max {
        return Err(OncallError::RangeTooLong {
            from,
            to,
            max_days: MAX_RANGE_DAYS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
