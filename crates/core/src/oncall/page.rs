//! Paging one incident: how each person is reached ([`ContactMethods`]),
//! whom a due step reaches and by what ([`page_step`]), when escalation is
//! over ([`escalation_over`]), and taking the page ([`acknowledge`]).

use super::contact::{ContactKind, NotificationRule, contact_plan, validate_rules};
use super::escalation::{PlannedStep, Recipients, StepKey, Team, resolve_targets};
use super::schedule::Schedule;
use super::{Faults, OncallError};
use crate::error::DomainError;
use crate::incident::{Change, Incident, Severity, TimeField};
use crate::timeline::{EventDraft, EventKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The longest email address SMTP carries (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;
/// Slack ids are short upper-case words such as `U024BE7LH`.
const MAX_SLACK_ID: usize = 32;
/// The longest webhook URL kept.
const MAX_WEBHOOK_URL: usize = 2_048;
/// The preferred length of a page by text message: one SMS segment.
pub const SMS_LENGTH: usize = 160;
/// The least of an incident's title a text message keeps, even when the
/// acknowledgement link pushes it past [`SMS_LENGTH`].
const SMS_MIN_TITLE: usize = 24;

/// What a malformed email address is told.
pub(crate) const EMAIL_HINT: &str = "must be one address such as oncall@example.org";
/// What a malformed Slack id is told.
pub(crate) const SLACK_ID_HINT: &str =
    "must be a Slack member id: upper-case letters and digits, e.g. U024BE7LH";

/// One email address SMTP can carry: `local@domain`, no spaces, no list.
pub(crate) fn is_email(email: &str) -> bool {
    let (local, domain) = email.rsplit_once('@').unwrap_or(("", ""));
    !local.is_empty()
        && !domain.is_empty()
        && email.len() <= MAX_EMAIL
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
}

/// A Slack member id such as `U024BE7LH`.
pub(crate) fn is_slack_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_SLACK_ID
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// How one user is reached. Only addresses that are not secrets are kept
/// here: a webhook URL is an address (a call is authenticated by its
/// HMAC signature, not by a token in the URL), a phone number is texted
/// through the deployment's SMS provider, whose credential is sealed with
/// the provider's channel (D28).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactMethods {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A Slack member id, messaged directly, e.g. `U024BE7LH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_user_id: Option<String>,
    /// An http(s) URL that receives each page as signed JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// A phone number in E.164 form (`+4915112345678`), texted through the
    /// deployment's SMS provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// "Slack at once, email after 5 minutes": one notification per rule.
    pub rules: Vec<NotificationRule>,
}

impl ContactMethods {
    /// Refuses bad rules, malformed addresses and a rule whose contact has
    /// no address, each named by its field.
    pub fn validate(&self) -> Result<(), OncallError> {
        let mut faults = Faults::default();
        if let Err(OncallError::Invalid(found)) = validate_rules(&self.rules) {
            for fault in found {
                faults.push(fault.field, fault.message);
            }
        }
        if let Some(email) = &self.email
            && !is_email(email)
        {
            faults.push("email", EMAIL_HINT);
        }
        if let Some(id) = &self.slack_user_id
            && !is_slack_id(id)
        {
            faults.push("slack_user_id", SLACK_ID_HINT);
        }
        if let Some(url) = &self.webhook_url
            && (!super::channel::is_http_url(url) || url.len() > MAX_WEBHOOK_URL)
        {
            faults.push(
                "webhook_url",
                format!(
                    "must be an http:// or https:// URL of at most {MAX_WEBHOOK_URL} characters"
                ),
            );
        }
        if let Some(phone) = &self.phone
            && !is_e164(phone)
        {
            faults.push(
                "phone",
                "must be a number in E.164 form: + and up to 15 digits, e.g. +4915112345678",
            );
        }
        for (i, rule) in self.rules.iter().enumerate() {
            let missing = match rule.contact {
                ContactKind::Email if self.email.is_none() => "no email address is given",
                ContactKind::Slack if self.slack_user_id.is_none() => "no slack_user_id is given",
                ContactKind::Webhook if self.webhook_url.is_none() => "no webhook_url is given",
                ContactKind::SmsWebhook if self.phone.is_none() => "no phone is given",
                _ => continue,
            };
            faults.push(format!("rules[{i}].contact"), missing);
        }
        faults.into_result()
    }

    /// The address of `contact`, if the user gave one.
    pub fn address(&self, contact: ContactKind) -> Option<&str> {
        match contact {
            ContactKind::Email => self.email.as_deref(),
            ContactKind::Slack => self.slack_user_id.as_deref(),
            ContactKind::Webhook => self.webhook_url.as_deref(),
            ContactKind::SmsWebhook => self.phone.as_deref(),
        }
    }
}

/// A phone number in E.164 form: `+`, a country code that does not start
/// with 0, 7 to 15 digits in all (Niue's and Saint Helena's numbers have 7),
/// nothing else.
pub fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (7..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// A page as one text message: `INC-42 SEV1: <title> Ack: <link>`. The
/// title is shortened (ending in `...`: `…` is not in the GSM alphabet and
/// would shrink a segment to 70 characters) so that the text fits
/// [`SMS_LENGTH`]; a link is never cut (a cut link does not work), so with
/// a long one the title keeps its first [`SMS_MIN_TITLE`] characters and
/// the text takes more than one segment.
pub fn sms_text(incident: &str, severity: Severity, title: &str, link: Option<&str>) -> String {
    let head = format!("{incident} {}: ", severity.as_str().to_uppercase());
    let tail = link.map(|l| format!(" Ack: {l}")).unwrap_or_default();
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let room = SMS_LENGTH
        .saturating_sub(head.chars().count() + tail.chars().count())
        .max(SMS_MIN_TITLE);
    let title = if title.chars().count() <= room {
        title
    } else {
        let kept: String = title.chars().take(room.saturating_sub(3)).collect();
        format!("{}...", kept.trim_end())
    };
    format!("{head}{title}{tail}")
}

/// One message of a page: to whom, by what, where, from when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    pub user: String,
    pub contact: ContactKind,
    pub address: String,
    #[schema(value_type = String, format = DateTime)]
    pub due: Timestamp,
    /// Index into the user's rules.
    pub rule: usize,
}

/// What paging one step means: the people it reaches, the messages to send
/// them, and whom it reaches but cannot tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StepPage {
    pub key: StepKey,
    pub recipients: Recipients,
    pub notifications: Vec<Notification>,
    /// Users the step reaches who have no usable contact method.
    pub unreachable: Vec<String>,
}

impl StepPage {
    /// Nobody will hear of this step: every target missed, or everyone it
    /// reached has no way to be told.
    pub fn reaches_nobody(&self) -> bool {
        self.notifications.is_empty()
    }
}

/// Whom `step` reaches at its due instant ([`resolve_targets`]) and the
/// messages each person's rules ask for ([`contact_plan`]), due from the
/// step's due instant.
pub fn page_step(
    step: &PlannedStep,
    schedules: &[Schedule],
    teams: &[Team],
    contacts: &BTreeMap<String, ContactMethods>,
) -> StepPage {
    let recipients = resolve_targets(&step.targets, step.due, schedules, teams);
    let mut notifications = Vec::new();
    let mut unreachable = Vec::new();
    for recipient in &recipients.users {
        let methods = contacts.get(&recipient.user);
        let before = notifications.len();
        for planned in methods.map_or_else(Vec::new, |m| contact_plan(&m.rules, step.due)) {
            if let Some(address) = methods.and_then(|m| m.address(planned.contact)) {
                notifications.push(Notification {
                    user: recipient.user.clone(),
                    contact: planned.contact,
                    address: address.to_string(),
                    due: planned.due,
                    rule: planned.rule,
                });
            }
        }
        if notifications.len() == before {
            unreachable.push(recipient.user.clone());
        }
    }
    StepPage {
        key: step.key,
        recipients,
        notifications,
        unreachable,
    }
}

/// When paging `incident` stops for good: its recovery or closing,
/// whichever came first. (An acknowledgement stops it too, through
/// [`super::due_now`].)
pub fn escalation_over(incident: &Incident) -> Option<Timestamp> {
    [incident.times.recovered_at, incident.times.closed_at]
        .into_iter()
        .flatten()
        .min()
}

/// Whether paging `incident` has stopped by `now`: someone acknowledged it
/// (by hand or by a containment action) or it was resolved. A message of a
/// stopped page that is still waiting (a delayed rule, a retry) is not sent.
pub fn page_stopped(incident: &Incident, now: Timestamp) -> bool {
    [incident.times.acknowledged_at, escalation_over(incident)]
        .into_iter()
        .flatten()
        .any(|t| t <= now)
}

/// How a page was taken, as the timeline tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AckVia {
    /// The API (and so the CLI's `oncall ack`).
    Api,
    /// The web UI's Acknowledge button.
    Web,
    /// The signed one-time link in a page message ([`super::AckClaim`]).
    Link,
}

/// `actor` takes the page at `now` by `via`: the incident's
/// `acknowledged_at` is set (so time to acknowledge is a fact of the record)
/// and the timeline says who took it and how. Refused when someone already
/// did.
pub fn acknowledge(
    incident: &Incident,
    actor: &str,
    via: AckVia,
    now: Timestamp,
) -> Result<Change, DomainError> {
    if let Some(at) = incident.times.acknowledged_at {
        return Err(DomainError::Conflict {
            message: format!("{} was already acknowledged at {at}", incident.public_id()),
            allowed: vec![],
        });
    }
    if !incident.status.is_open() {
        return Err(DomainError::Conflict {
            message: format!(
                "{} is {}: there is no page to acknowledge",
                incident.public_id(),
                incident.status.as_str()
            ),
            allowed: vec![],
        });
    }
    let mut change = incident.set_time(
        TimeField::AcknowledgedAt,
        Some(now),
        Some("page acknowledged".to_string()),
        actor,
        now,
    )?;
    change.events.insert(
        0,
        EventDraft::by(
            actor,
            EventKind::PageAcknowledged,
            now,
            json!({ "acknowledged_at": now, "via": via }),
        ),
    );
    Ok(change)
}
