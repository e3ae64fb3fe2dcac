//! Slack incident channels: an outbound channel of kind `slack` gives each
//! incident it hears of its own Slack channel, named after the incident
//! ([`channel_name`]), invites the holders of incident roles who have a
//! Slack user id, and posts the incident's key moments there. What to do
//! for which change is decided here; the server speaks the Web API.

use super::ContactMethods;
use super::channel::{Channel, ChannelKind, severity_changed_from};
use crate::incident::Incident;
use crate::timeline::{Event, EventKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Slack's longest channel name.
pub const MAX_CHANNEL_NAME: usize = 80;

/// One step of keeping an incident's Slack channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SlackStep {
    /// Create the channel (`conversations.create`), trying `name`, then
    /// `name-2`, `name-3` … while the name is taken.
    Create { name: String },
    /// Invite these Slack user ids (`conversations.invite`).
    Invite { users: Vec<String> },
    /// Post a message (`chat.postMessage`), followed by a link to the
    /// incident's page when `link` and the server knows its public URL.
    Post { text: String, link: bool },
}

/// One step for one Slack workspace (an outbound channel) about one
/// incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackNotice {
    pub channel: String,
    pub step: SlackStep,
    /// Unique per incident, channel and occasion: the outbox sends each once.
    pub idempotency_key: String,
}

/// The Slack channel name of `incident`: `inc-<number>-<title>`, lowercase
/// letters, digits, hyphens and underscores only, at most
/// [`MAX_CHANNEL_NAME`] characters, e.g. `inc-42-scores-all-zero`.
pub fn channel_name(incident: &Incident) -> String {
    let mut name = format!("inc-{}", incident.number);
    let mut words = String::new();
    for c in incident.title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '_' {
            words.push(c);
        } else if !words.is_empty() && !words.ends_with('-') {
            words.push('-');
        }
    }
    let words = words.trim_end_matches('-');
    if !words.is_empty() {
        name.push('-');
        name.push_str(words);
    }
    shorten(name, MAX_CHANNEL_NAME)
}

/// The name to try on the `attempt`th try (1 first): `name`, then
/// `name-2` …, shortened so the suffix fits.
pub fn numbered_name(name: &str, attempt: u32) -> String {
    if attempt <= 1 {
        return name.to_string();
    }
    let suffix = format!("-{attempt}");
    let stem = shorten(name.to_string(), MAX_CHANNEL_NAME - suffix.len());
    format!("{stem}{suffix}")
}

/// At most `max` characters (all ASCII here), without a trailing hyphen.
fn shorten(mut name: String, max: usize) -> String {
    name.truncate(max);
    let kept = name.trim_end_matches('-').len();
    name.truncate(kept);
    name
}

/// The Slack steps a change of `incident` (now as `events` left it) calls
/// for, in channel order and, per channel, in the order of the events: a
/// channel that hears of the incident only now (declared, or raised to its
/// severity) creates the incident's Slack channel, invites the role holders
/// with a Slack id and posts the declaration; after that, each severity
/// and status change, role assignment (with its holder invited),
/// containment action and sent stakeholder update is posted.
pub fn slack_notices(
    channels: &[Channel],
    incident: &Incident,
    events: &[Event],
    contacts: &BTreeMap<String, ContactMethods>,
) -> Vec<SlackNotice> {
    let id = &incident.public_id();
    let declared = events.iter().any(|e| e.kind == EventKind::Declared);
    let severity_before = events
        .iter()
        .find_map(|e| severity_changed_from(e.kind, &e.body));
    let slack_id = |user: &str| {
        contacts
            .get(user)
            .and_then(|c| c.slack_user_id.clone())
            .filter(|id| !id.is_empty())
    };
    let mut found = Vec::new();
    for channel in channels.iter().filter(|c| c.kind == ChannelKind::Slack) {
        let heard_now = channel.hears_of(incident, incident.severity);
        let heard_before = severity_before.map(|before| channel.hears_of(incident, before));
        if !(heard_now || heard_before == Some(true)) {
            continue;
        }
        let created = heard_now && (declared || heard_before == Some(false));
        let mut push = |occasion: String, step: SlackStep| {
            found.push(SlackNotice {
                channel: channel.slug.clone(),
                step,
                idempotency_key: format!("slack:{}:{id}:{occasion}", channel.slug),
            })
        };
        if created {
            push(
                "create".into(),
                SlackStep::Create {
                    name: channel_name(incident),
                },
            );
            let mut users: Vec<String> = Vec::new();
            for holder in incident.roles.iter().filter_map(|r| slack_id(&r.user)) {
                if !users.contains(&holder) {
                    users.push(holder);
                }
            }
            if !users.is_empty() {
                push("create-invite".into(), SlackStep::Invite { users });
            }
            let text = format!(
                "{id} declared: {} {} (systems: {}; status {})",
                incident.severity.as_str().to_uppercase(),
                incident.title,
                incident.systems.join(", "),
                incident.status.as_str()
            );
            push("declared".into(), SlackStep::Post { text, link: true });
        }
        for event in events {
            let seq = event.seq;
            if event.kind == EventKind::RoleChanged
                && let Some(holder) = event.body["to"].as_str().and_then(slack_id)
            {
                push(
                    format!("{seq}-invite"),
                    SlackStep::Invite {
                        users: vec![holder],
                    },
                );
            }
            if let Some(text) = post_text(event) {
                push(format!("{seq}-post"), SlackStep::Post { text, link: false });
            }
        }
    }
    found
}

/// What the incident's Slack channel is told of `event`, if anything.
fn post_text(event: &Event) -> Option<String> {
    let b = &event.body;
    let upper = |v: &serde_json::Value| v.as_str().unwrap_or("(none)").to_uppercase();
    let by = &event.actor;
    match event.kind {
        EventKind::FieldChanged if severity_changed_from(event.kind, b).is_some() => Some(format!(
            "Severity {} → {} (by {by})",
            upper(&b["from"]),
            upper(&b["to"])
        )),
        EventKind::StatusChanged => Some(format!("{} (by {by})", capitalised(&event.describe()))),
        EventKind::RoleChanged if b["to"].is_string() => Some(format!(
            "{} is now {} (assigned by {by})",
            b["to"].as_str().unwrap_or_default(),
            b["role"].as_str().unwrap_or_default().replace('_', " ")
        )),
        EventKind::ContainmentAction => {
            Some(format!("Containment: {} (by {by})", event.describe()))
        }
        EventKind::StakeholderUpdate if b["action"] == "sent" => Some(format!(
            "Stakeholder update sent to {}: {}",
            b["audience"].as_str().unwrap_or_default(),
            b["subject"].as_str().unwrap_or_default()
        )),
        _ => None,
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
