//! A user's notification rules: how one page reaches them over time.

use super::{Faults, OncallError};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// At most this many rules per user.
pub const MAX_RULES: usize = 20;
/// The longest delay of a rule: a day.
pub const MAX_DELAY_MINUTES: u32 = 1_440;

/// The kinds of contact method a user can have.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Email,
    /// A Slack user id, messaged directly.
    Slack,
    /// A phone number, texted through a webhook provider.
    SmsWebhook,
    /// A generic HMAC-signed webhook.
    Webhook,
}

/// "Reach me by `contact`, `delay_minutes` after the page": e.g. Slack at
/// once, then email after 5 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationRule {
    pub contact: ContactKind,
    #[serde(default)]
    pub delay_minutes: u32,
}

/// One notification of a page: when, by what, and which rule asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContactStep {
    #[schema(value_type = String, format = DateTime)]
    pub due: Timestamp,
    pub contact: ContactKind,
    /// Index into the user's rules.
    pub rule: usize,
}

/// Refuses an empty list, too many rules and delays longer than a day,
/// naming the rule.
pub fn validate_rules(rules: &[NotificationRule]) -> Result<(), OncallError> {
    let mut faults = Faults::default();
    if rules.is_empty() {
        faults.push("rules", "empty: a user must be reachable one way at least");
    }
    if rules.len() > MAX_RULES {
        faults.push("rules", format!("at most {MAX_RULES} rules"));
    }
    for (i, rule) in rules.iter().enumerate() {
        if rule.delay_minutes > MAX_DELAY_MINUTES {
            faults.push(
                format!("rules[{i}].delay_minutes"),
                format!("at most {MAX_DELAY_MINUTES} (a day)"),
            );
        }
    }
    faults.into_result()
}

/// When and how a page at `paged_at` reaches the user: one step per rule, in
/// due order (rules with the same delay in their listed order). Whether a
/// step is still wanted when it falls due (not after an acknowledgement) is
/// the caller's question, answered like [`super::due_now`]. A step past the
/// last representable instant is left out.
pub fn contact_plan(rules: &[NotificationRule], paged_at: Timestamp) -> Vec<ContactStep> {
    let mut steps: Vec<ContactStep> = rules
        .iter()
        .enumerate()
        .filter_map(|(rule, r)| {
            let delay = SignedDuration::from_mins(i64::from(r.delay_minutes));
            let due = paged_at.checked_add(delay).ok()?;
            Some(ContactStep {
                due,
                contact: r.contact,
                rule,
            })
        })
        .collect();
    steps.sort_by_key(|s| (s.due, s.rule));
    steps
}
