//! An action item's ticket in a tracker (Jira or GitHub Issues): asked
//! for, then linked once the outbox has made it (D26), and followed after:
//! when the ticket is closed or reopened at the tracker the item follows.
//!
//! The item follows a *change* of the ticket's state, not the state itself,
//! so a fix that failed its verification stays reopened in Firebreak even
//! though its ticket is still closed, until someone moves the ticket again.

use super::ActionStatus;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the tracker says of a ticket, in the terms an action item has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Open, to do (GitHub `open`, Jira's "To Do" category).
    Open,
    /// Jira's "In Progress" category.
    InProgress,
    /// Closed as completed (GitHub `completed`, Jira "Done" with a resolution
    /// other than won't do).
    Done,
    /// Closed without doing it (GitHub `not_planned` or `duplicate`, Jira
    /// "Won't Do", "Duplicate", "Cannot Reproduce").
    Dismissed,
}

impl TicketState {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Open => "open",
            TicketState::InProgress => "in_progress",
            TicketState::Done => "done",
            TicketState::Dismissed => "dismissed",
        }
    }

    /// The status the item takes when its ticket moves to this state.
    pub fn action_status(self) -> ActionStatus {
        match self {
            TicketState::Open => ActionStatus::Open,
            TicketState::InProgress => ActionStatus::InProgress,
            TicketState::Done => ActionStatus::Done,
            TicketState::Dismissed => ActionStatus::WontDo,
        }
    }
}

/// The ticket an action item is tracked by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ticket {
    /// The tracker channel's slug (kind `github` or `jira`).
    pub channel: String,
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: Timestamp,
    pub requested_by: String,
    /// The tracker's key once made: `42` for GitHub issue #42, `ML-7` in Jira.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Where a person opens it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The ticket's state when last seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<TicketState>,
    /// The tracker's own words for it ("closed (not_planned)", "Done").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub seen_at: Option<Timestamp>,
    /// Why the tracker could not be read at the last try; cleared by the
    /// next read that works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Ticket {
    pub fn requested(channel: &str, by: &str, at: Timestamp) -> Ticket {
        Ticket {
            channel: channel.to_string(),
            requested_at: at,
            requested_by: by.to_string(),
            key: None,
            url: None,
            state: None,
            remote_status: None,
            seen_at: None,
            error: None,
        }
    }

    /// Made at the tracker and known here.
    pub fn is_linked(&self) -> bool {
        self.key.is_some()
    }
}

/// One reading of a ticket at its tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketReading {
    pub state: TicketState,
    /// The tracker's words, e.g. "closed (completed)".
    pub remote_status: String,
}

/// What a tracker's new ticket says: the same title, description and
/// labels as the exports, plus a label unique to the item, by which a
/// retried delivery finds the ticket it made before instead of making a
/// second.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDraft {
    pub incident: String,
    pub action: String,
    pub title: String,
    /// Lines of text; the last names the item (`Firebreak action act-1 of
    /// INC-4`).
    pub description: String,
    pub labels: Vec<String>,
    /// `firebreak-INC-4-act-1`.
    pub marker: String,
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<jiff::civil::Date>,
}

impl TicketDraft {
    pub fn new(action: &super::SourcedAction) -> TicketDraft {
        let item = &action.item;
        let marker = format!("firebreak-{}-{}", action.source, item.id)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-");
        let mut labels: Vec<String> = super::labels(action)
            .into_iter()
            .map(|label| label.split_whitespace().collect::<Vec<_>>().join("-"))
            .collect();
        labels.push(format!("priority-{}", item.priority().as_str()));
        let mut description = super::description(action);
        if let Some(owner) = &item.owner {
            description = format!("Owner in Firebreak: {owner}\n{description}");
        }
        if let Some(due) = item.due {
            description = format!("Due: {due}\n{description}");
        }
        TicketDraft {
            incident: action.source.clone(),
            action: item.id.clone(),
            title: item.title.clone(),
            description,
            labels,
            marker,
            owner: item.owner.clone(),
            due: item.due,
        }
    }

    /// Whether a ticket's description names this item (its last line, as
    /// written here; a tracker may end lines with CRLF).
    pub fn is_named_in(&self, description: &str) -> bool {
        let own = self.description.lines().last().unwrap_or_default().trim();
        description.lines().any(|line| line.trim() == own)
    }
}
