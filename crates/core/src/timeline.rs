//! The timeline: append-only events, each sealed into a hash chain per stream.
//!
//! A stream is one incident (`INC-7`) or one inventory entry (`system:scoring`).
//! Every event's hash covers its canonical encoding, which includes the previous
//! event's hash, so changing, removing or reordering any stored event breaks the
//! chain from that point on. A correction is a new event, never an edit.

use crate::canonical::canonical_json;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

mod describe;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Declared,
    StatusChanged,
    FieldChanged,
    TimeChanged,
    RoleChanged,
    Note,
    Decision,
    ActionTaken,
    Communication,
    Finding,
    EvidenceRef,
    SystemRegistered,
    SystemUpdated,
    ContainmentAction,
    ControlChanged,
    AlertLinked,
    AlertResolved,
    /// A person acknowledged an alert linked to this incident.
    AlertAcknowledged,
    HookAttempt,
    RcaUpdated,
    EvidenceCollected,
    EvidenceCustody,
    PostmortemStatusChanged,
    PostmortemSignedOff,
    PostmortemUpdated,
    RegulatoryAssessed,
    ReportDrafted,
    RegulatorNotified,
    ClockWarning,
    /// A regulator's inquiry received, one of its questions answered, or
    /// its response submitted.
    RegulatorInquiry,
    /// A user, token, session or integration created, changed or ended.
    AccessChanged,
    /// Stored content found not to match its hash.
    IntegrityAlert,
    /// An on-call schedule, escalation policy, team, contact methods or a
    /// system's policy saved or removed.
    OncallChanged,
    /// An incident's escalation planned from its system's policy.
    PagePlanned,
    /// One escalation step paged: whom, by which contact, and who it missed.
    PageSent,
    /// One delivery attempt of a page and its result.
    PageAttempt,
    /// Someone took the page: escalation stops.
    PageAcknowledged,
    /// One delivery attempt of a notice to an outbound channel (Teams,
    /// PagerDuty, Opsgenie, Slack) and its result; for the Slack step that
    /// created an incident's Slack channel, that channel (`slack_channel`).
    NoticeAttempt,
    /// Someone given a role was told, or could not be: one delivery
    /// attempt by one contact method, or the note that they have none.
    RoleNotice,
    /// A stakeholder update drafted, edited, approved or sent (with its
    /// recipients).
    StakeholderUpdate,
    /// One delivery attempt of a stakeholder update to one recipient.
    UpdateAttempt,
    /// A change on a system (a deploy, a model promoted, new training
    /// data…) recorded, on the change's own chain.
    ChangeRecorded,
    /// A source of change webhooks (GitHub, GitLab) saved or removed.
    ChangeSourceChanged,
    /// The severity rubric's suggestion from a responder's answers, and the
    /// severity they chose.
    SeverityAssessed,
    /// A new alert on a system this incident's systems depend on, proposed
    /// for linking (with the path from it to the affected system).
    AlertProposed,
    /// A post-mortem action item moved on (its status) or was given a check.
    ActionProgressed,
    /// A done action item's check passed or failed (a failure reopens it).
    ActionVerified,
    /// An action item's tracker ticket was asked for, made, or could not be
    /// read (and could again).
    ActionTicket,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Declared => "declared",
            EventKind::StatusChanged => "status_changed",
            EventKind::FieldChanged => "field_changed",
            EventKind::TimeChanged => "time_changed",
            EventKind::RoleChanged => "role_changed",
            EventKind::Note => "note",
            EventKind::Decision => "decision",
            EventKind::ActionTaken => "action_taken",
            EventKind::Communication => "communication",
            EventKind::Finding => "finding",
            EventKind::EvidenceRef => "evidence_ref",
            EventKind::SystemRegistered => "system_registered",
            EventKind::SystemUpdated => "system_updated",
            EventKind::ContainmentAction => "containment_action",
            EventKind::ControlChanged => "control_changed",
            EventKind::AlertLinked => "alert_linked",
            EventKind::AlertResolved => "alert_resolved",
            EventKind::AlertAcknowledged => "alert_acknowledged",
            EventKind::HookAttempt => "hook_attempt",
            EventKind::RcaUpdated => "rca_updated",
            EventKind::EvidenceCollected => "evidence_collected",
            EventKind::EvidenceCustody => "evidence_custody",
            EventKind::PostmortemStatusChanged => "postmortem_status_changed",
            EventKind::PostmortemSignedOff => "postmortem_signed_off",
            EventKind::PostmortemUpdated => "postmortem_updated",
            EventKind::RegulatoryAssessed => "regulatory_assessed",
            EventKind::ReportDrafted => "report_drafted",
            EventKind::RegulatorNotified => "regulator_notified",
            EventKind::ClockWarning => "clock_warning",
            EventKind::RegulatorInquiry => "regulator_inquiry",
            EventKind::AccessChanged => "access_changed",
            EventKind::IntegrityAlert => "integrity_alert",
            EventKind::OncallChanged => "oncall_changed",
            EventKind::PagePlanned => "page_planned",
            EventKind::PageSent => "page_sent",
            EventKind::PageAttempt => "page_attempt",
            EventKind::PageAcknowledged => "page_acknowledged",
            EventKind::NoticeAttempt => "notice_attempt",
            EventKind::RoleNotice => "role_notice",
            EventKind::StakeholderUpdate => "stakeholder_update",
            EventKind::UpdateAttempt => "update_attempt",
            EventKind::ChangeRecorded => "change_recorded",
            EventKind::ChangeSourceChanged => "change_source_changed",
            EventKind::SeverityAssessed => "severity_assessed",
            EventKind::AlertProposed => "alert_proposed",
            EventKind::ActionProgressed => "action_progressed",
            EventKind::ActionVerified => "action_verified",
            EventKind::ActionTicket => "action_ticket",
        }
    }

    /// The kinds a person writes as free text on the timeline.
    pub const ENTRIES: [EventKind; 6] = [
        EventKind::Note,
        EventKind::Decision,
        EventKind::ActionTaken,
        EventKind::Communication,
        EventKind::Finding,
        EventKind::EvidenceRef,
    ];
}

impl std::str::FromStr for EventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(Value::String(s.to_string()))
            .map_err(|_| format!("unknown event kind `{s}`"))
    }
}

/// An event as a domain operation produces it, before the store seals it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub kind: EventKind,
    pub occurred_at: Timestamp,
    pub actor: String,
    pub body: Value,
}

impl EventDraft {
    /// What `actor` did at `occurred_at`.
    pub fn by(actor: &str, kind: EventKind, occurred_at: Timestamp, body: Value) -> EventDraft {
        EventDraft {
            kind,
            occurred_at,
            actor: actor.to_string(),
            body,
        }
    }
}

/// A sealed event as stored and returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub stream: String,
    /// Position in the stream, from 1 without gaps.
    pub seq: u64,
    pub kind: EventKind,
    /// When it happened; may be backdated.
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: Timestamp,
    /// When Firebreak recorded it.
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: Timestamp,
    pub actor: String,
    pub body: Value,
    /// SHA-256 (hex) of the stream's record after this event, so that a changed
    /// record is caught even when the events are intact.
    pub state_hash: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The state an event seals when it removes its stream's record (a session
/// that ended), so that verification expects no record.
pub const ABSENT_STATE: &str = "absent";

/// The previous hash of a stream's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Event {
    /// Seals `draft` as the event after `previous` (or as the first one).
    pub fn seal(
        stream: &str,
        previous: Option<(u64, &str)>,
        draft: EventDraft,
        recorded_at: Timestamp,
        state_hash: String,
    ) -> Event {
        let (seq, prev_hash) = match previous {
            Some((seq, hash)) => (seq + 1, hash.to_string()),
            None => (1, GENESIS.to_string()),
        };
        let mut event = Event {
            stream: stream.to_string(),
            seq,
            kind: draft.kind,
            occurred_at: draft.occurred_at,
            recorded_at,
            actor: draft.actor,
            body: draft.body,
            state_hash,
            prev_hash,
            hash: String::new(),
        };
        event.hash = event.compute_hash();
        event
    }

    /// The hash this event should carry, recomputed from its fields.
    pub fn compute_hash(&self) -> String {
        let canonical = canonical_json(&json!({
            "stream": self.stream,
            "seq": self.seq,
            "kind": self.kind.as_str(),
            "occurred_at": self.occurred_at.to_string(),
            "recorded_at": self.recorded_at.to_string(),
            "actor": self.actor,
            "body": self.body,
            "state_hash": self.state_hash,
            "prev_hash": self.prev_hash,
        }));
        sha256_hex(format!("firebreak-event-v1\n{canonical}").as_bytes())
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a record's canonical JSON: the `state_hash` events carry.
pub fn state_hash<T: Serialize>(record: &T) -> String {
    let value = serde_json::to_value(record).expect("domain records serialize to JSON");
    sha256_hex(canonical_json(&value).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(text: &str) -> EventDraft {
        EventDraft {
            kind: EventKind::Note,
            occurred_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            actor: "alice".into(),
            body: json!({ "text": text }),
        }
    }

    #[test]
    fn chain_links_each_event_to_the_previous_hash() {
        let at: Timestamp = "2026-01-01T00:00:01Z".parse().unwrap();
        let first = Event::seal("INC-1", None, draft("a"), at, "s".into());
        let second = Event::seal(
            "INC-1",
            Some((first.seq, &first.hash)),
            draft("b"),
            at,
            "s".into(),
        );
        assert_eq!(first.seq, 1);
        assert_eq!(first.prev_hash, GENESIS);
        assert_eq!(second.seq, 2);
        assert_eq!(second.prev_hash, first.hash);
        assert_eq!(second.compute_hash(), second.hash);
    }

    #[test]
    fn events_describe_themselves() {
        let at: Timestamp = "2026-01-01T00:00:01Z".parse().unwrap();
        let mut status = Event::seal("INC-1", None, draft("a"), at, "s".into());
        status.kind = EventKind::StatusChanged;
        status.body = json!({"from": "triage", "to": "contained", "reason": null});
        assert_eq!(status.describe(), "status triage → contained");
        status.kind = EventKind::RoleChanged;
        status.body = json!({"role": "commander", "from": ["alice"], "to": "bob"});
        assert_eq!(status.describe(), "commander: alice → bob");
    }

    #[test]
    fn any_field_change_changes_the_hash() {
        let at: Timestamp = "2026-01-01T00:00:01Z".parse().unwrap();
        let event = Event::seal("INC-1", None, draft("a"), at, "s".into());
        let mut edited = event.clone();
        edited.body = json!({ "text": "b" });
        assert_ne!(edited.compute_hash(), event.hash);
        let mut moved = event.clone();
        moved.seq = 2;
        assert_ne!(moved.compute_hash(), event.hash);
    }
}
