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

impl Event {
    /// One line a person reads on the timeline, e.g. "status triage → contained".
    pub fn describe(&self) -> String {
        let b = &self.body;
        let text = |v: &Value| match v {
            Value::Null => "(none)".to_string(),
            Value::String(s) => s.clone(),
            Value::Array(items) if items.is_empty() => "(none)".to_string(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        };
        let with_reason = |line: String| match b["reason"].as_str().filter(|r| !r.is_empty()) {
            Some(reason) => format!("{line} ({reason})"),
            None => line,
        };
        match self.kind {
            EventKind::Declared => format!(
                "declared {} \"{}\" on {}",
                text(&b["incident"]["severity"]).to_uppercase(),
                text(&b["incident"]["title"]),
                text(&b["incident"]["systems"])
            ),
            EventKind::StatusChanged => {
                with_reason(format!("status {} → {}", text(&b["from"]), text(&b["to"])))
            }
            EventKind::FieldChanged | EventKind::TimeChanged => with_reason(format!(
                "{}: {} → {}",
                text(&b["field"]),
                text(&b["from"]),
                text(&b["to"])
            )),
            EventKind::RoleChanged => format!(
                "{}: {} → {}",
                text(&b["role"]),
                text(&b["from"]),
                text(&b["to"])
            ),
            EventKind::SystemRegistered => {
                format!("registered system {}", text(&b["system"]["slug"]))
            }
            EventKind::SystemUpdated => "updated the system's record".to_string(),
            EventKind::ContainmentAction | EventKind::ControlChanged => {
                let (before, after) = (&b["before"], &b["after"]);
                let mode = |state: &Value| match state["mode"].as_str() {
                    Some("fallback") => format!("fallback {}", text(&state["fallback"])),
                    Some("pinned_version") => {
                        format!("pinned to {}", text(&state["model_version"]))
                    }
                    Some(other) => other.to_string(),
                    None => "(none)".to_string(),
                };
                format!(
                    "{} {}: {} → {} ({})",
                    text(&after["system"]),
                    text(&after["namespace"]),
                    mode(before),
                    mode(after),
                    text(&after["reason"])
                )
            }
            EventKind::AlertLinked => format!(
                "alert {} from {}: {}",
                text(&b["alert_id"]),
                text(&b["source"]),
                text(&b["summary"])
            ),
            EventKind::AlertProposed => format!(
                "alert {} upstream ({}): {} — link it if it is the cause",
                text(&b["alert_id"]),
                b["upstream"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(&text)
                    .collect::<Vec<_>>()
                    .join(" → "),
                text(&b["summary"])
            ),
            EventKind::AlertResolved => format!(
                "alert {} resolved: {}",
                text(&b["alert_id"]),
                text(&b["summary"])
            ),
            EventKind::AlertAcknowledged => format!(
                "alert {} acknowledged: {}",
                text(&b["alert_id"]),
                text(&b["summary"])
            ),
            EventKind::RcaUpdated => {
                let artifact = &b["artifact"];
                let (kind, name, version) = if artifact.is_null() {
                    (&b["kind"], &b["name"], &b["version"])
                } else {
                    (&artifact["kind"], &artifact["name"], &artifact["version"])
                };
                format!(
                    "{} `{}` saved as version {}",
                    text(kind).replace('_', " "),
                    text(name),
                    text(version)
                )
            }
            EventKind::EvidenceCollected => {
                let item = if b["evidence"].is_object() {
                    &b["evidence"]
                } else {
                    b
                };
                let id = if b["evidence"].is_object() {
                    &item["id"]
                } else {
                    &b["evidence"]
                };
                format!(
                    "collected evidence {} `{}` ({} bytes, sha256 {}): {}",
                    text(id),
                    text(&item["filename"]),
                    text(&item["size"]),
                    text(&item["sha256"]),
                    text(&item["description"])
                )
            }
            EventKind::EvidenceCustody => {
                let step = &b["step"];
                let id = if b["evidence"].is_object() {
                    &b["evidence"]["id"]
                } else {
                    &b["evidence"]
                };
                let detail = ["recipient", "purpose", "reason"]
                    .iter()
                    .filter_map(|key| step[*key].as_str())
                    .collect::<Vec<_>>()
                    .join(": ");
                let line = format!(
                    "evidence {} {}",
                    text(id),
                    text(&step["action"]).replace('_', " ")
                );
                if detail.is_empty() {
                    line
                } else {
                    format!("{line} ({detail})")
                }
            }
            EventKind::RegulatoryAssessed => {
                let regimes = text(&b["regimes"]);
                let changes = b["changes"].as_array().map_or(0, Vec::len);
                match b["reportable"].as_str() {
                    Some(reportable) => format!(
                        "regulatory assessment: reportable {reportable}; regimes {regimes}; {changes} deadlines changed"
                    ),
                    None => format!("deadlines recomputed: {changes} changed"),
                }
            }
            EventKind::ReportDrafted => match b["edited"].as_bool() {
                Some(true) => format!("report {} edited", text(&b["report"])),
                _ => format!(
                    "report {} drafted: {}",
                    text(&b["report"]),
                    text(&b["title"])
                ),
            },
            EventKind::RegulatorNotified => format!(
                "report {} ({} {}) submitted to {}",
                text(&b["report"]),
                text(&b["regime"]),
                text(&b["type"]),
                text(&b["recipient"])
            ),
            EventKind::ClockWarning => format!(
                "clock {} {}: {} (due {})",
                text(&b["regime"]),
                text(&b["report"]),
                text(&b["level"]).replace('_', " "),
                text(&b["due_at"])
            ),
            EventKind::RegulatorInquiry => {
                let inquiry = text(&b["inquiry"]);
                match b["action"].as_str() {
                    Some("opened") => format!(
                        "inquiry {inquiry} {} from {} received, due {}",
                        text(&b["reference"]),
                        text(&b["regulator"]),
                        text(&b["due_at"])
                    ),
                    Some("answered") => {
                        format!(
                            "inquiry {inquiry} question {} answered",
                            text(&b["question"])
                        )
                    }
                    _ => format!(
                        "inquiry {inquiry}: response submitted to {} under reference {}",
                        text(&b["regulator"]),
                        text(&b["reference"])
                    ),
                }
            }
            EventKind::HookAttempt => format!(
                "webhook {} attempt {}: {}",
                text(&b["url"]),
                text(&b["attempt"]),
                text(&b["result"])
            ),
            EventKind::PostmortemStatusChanged => with_reason(format!(
                "post-mortem {} → {}",
                text(&b["from"]),
                text(&b["to"])
            )),
            EventKind::ActionProgressed => match b["to"].as_str() {
                Some(to) => with_reason(format!(
                    "action {} \"{}\" {} → {}",
                    text(&b["action"]),
                    text(&b["title"]),
                    text(&b["from"]).replace('_', " "),
                    to.replace('_', " ")
                )),
                None if b["check"].is_null() => format!(
                    "action {} \"{}\": no check",
                    text(&b["action"]),
                    text(&b["title"])
                ),
                None => format!(
                    "action {} \"{}\" is verified by {}",
                    text(&b["action"]),
                    text(&b["title"]),
                    match b["check"]["kind"].as_str() {
                        Some("monitor") => format!(
                            "monitor {} staying within its thresholds for {} runs",
                            text(&b["check"]["monitor"]),
                            text(&b["check"]["runs"])
                        ),
                        _ => format!("hand: {}", text(&b["check"]["check"])),
                    }
                ),
            },
            EventKind::ActionVerified => format!(
                "action {} \"{}\" verification {}: {}{}",
                text(&b["action"]),
                text(&b["title"]),
                text(&b["outcome"]),
                text(&b["detail"]),
                if b["reopened"] == true {
                    "; the action is reopened"
                } else {
                    ""
                }
            ),
            EventKind::PostmortemUpdated => match b["drafted_from"].as_str() {
                Some(template) => format!("post-mortem drafted from the {template} template"),
                None => format!("post-mortem edited: {}", text(&b["sections"])),
            },
            EventKind::PostmortemSignedOff => {
                let line = format!(
                    "post-mortem {} by {} as {}",
                    text(&b["decision"]).replace('_', " "),
                    text(&b["user"]),
                    text(&b["role"])
                );
                match b["comment"].as_str().filter(|c| !c.is_empty()) {
                    Some(comment) => format!("{line}: {comment}"),
                    None => line,
                }
            }
            EventKind::AccessChanged => {
                format!("{} {}", text(&b["subject"]), text(&b["action"]))
            }
            EventKind::IntegrityAlert => {
                format!("integrity: {} {}", text(&b["subject"]), text(&b["problem"]))
            }
            EventKind::OncallChanged => format!(
                "on-call {} {} {}",
                text(&b["kind"]).replace('_', " "),
                text(&b["slug"]),
                text(&b["action"])
            ),
            EventKind::PagePlanned => format!(
                "paging planned by policy {}: {} steps, {} urgency{}",
                text(&b["policy"]),
                b["plan"]["steps"].as_array().map_or(0, Vec::len),
                text(&b["plan"]["urgency"]),
                b["reason"]
                    .as_str()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            EventKind::PageSent => {
                let users = b["notifications"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|n| format!("{} by {}", text(&n["user"]), text(&n["contact"])))
                    .collect::<Vec<_>>();
                let reached = if users.is_empty() {
                    "nobody could be told".to_string()
                } else {
                    users.join(", ")
                };
                format!(
                    "paged level {} (round {}): {reached}",
                    b["step"]["level"].as_u64().map_or(0, |l| l + 1),
                    b["step"]["round"].as_u64().map_or(0, |r| r + 1)
                )
            }
            EventKind::PageAttempt => format!(
                "page to {} by {} attempt {}: {}",
                text(&b["user"]),
                text(&b["contact"]),
                text(&b["attempt"]),
                text(&b["result"])
            ),
            EventKind::PageAcknowledged => "page acknowledged".to_string(),
            EventKind::NoticeAttempt => {
                let line = format!(
                    "{} to channel {} attempt {}: {}",
                    text(&b["action"]),
                    text(&b["channel"]),
                    text(&b["attempt"]),
                    text(&b["result"])
                );
                match b["slack_channel"]["name"].as_str() {
                    Some(name) => format!("{line}; Slack channel #{name} created"),
                    None => line,
                }
            }
            EventKind::RoleNotice if b["contact"].is_null() => format!(
                "{} could not be told they are {}: {}",
                text(&b["user"]),
                text(&b["role"]),
                text(&b["result"])
            ),
            EventKind::RoleNotice => format!(
                "telling {} they are {} by {} attempt {}: {}",
                text(&b["user"]),
                text(&b["role"]),
                text(&b["contact"]),
                text(&b["attempt"]),
                text(&b["result"])
            ),
            EventKind::StakeholderUpdate => {
                let line = format!(
                    "stakeholder update {} to {} ({}) {}: {}",
                    text(&b["update"]),
                    text(&b["audience"]),
                    text(&b["template"]).replace('_', " "),
                    text(&b["action"]),
                    text(&b["subject"])
                );
                match b["recipients"].as_array() {
                    Some(recipients) => {
                        let to: Vec<String> =
                            recipients.iter().map(|r| text(&r["address"])).collect();
                        format!("{line}; to {}", to.join(", "))
                    }
                    None => line,
                }
            }
            EventKind::UpdateAttempt => format!(
                "stakeholder update {} to {} by {} attempt {}: {}",
                text(&b["update"]),
                text(&b["address"]),
                text(&b["contact"]),
                text(&b["attempt"]),
                text(&b["result"])
            ),
            EventKind::ChangeRecorded => {
                match serde_json::from_value::<crate::change::ChangeEvent>(b.clone()) {
                    Ok(change) => format!(
                        "{} on {}: {} by {}",
                        change.id,
                        change.system,
                        change.summary(),
                        change.by
                    ),
                    Err(_) => format!("change {} recorded", text(&b["id"])),
                }
            }
            EventKind::ChangeSourceChanged => {
                format!("change source {} {}", text(&b["slug"]), text(&b["action"]))
            }
            EventKind::SeverityAssessed => {
                let (suggested, chosen) = (text(&b["suggested"]), text(&b["chosen"]));
                let choice = if suggested == chosen {
                    "chosen".to_string()
                } else {
                    format!(
                        "{} chosen: {}",
                        chosen.to_uppercase(),
                        text(&b["rationale"])
                    )
                };
                format!(
                    "severity rubric suggests {} ({}); {choice}",
                    suggested.to_uppercase(),
                    b["drivers"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|d| text(&d["because"]))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            }
            EventKind::Note
            | EventKind::Decision
            | EventKind::ActionTaken
            | EventKind::Communication
            | EventKind::Finding
            | EventKind::EvidenceRef => text(&b["text"]),
        }
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
