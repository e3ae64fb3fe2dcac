//! The words a person reads for each kind of event on the timeline.

use super::{Event, EventKind};
use serde_json::Value;

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
                        Some("finding") => format!(
                            "a {} analysis with {} {}",
                            text(&b["check"]["request"]["analysis"]),
                            text(&b["check"]["metric"]),
                            bounds(&b["check"])
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
            EventKind::ActionTicket => {
                let item = format!("action {} \"{}\"", text(&b["action"]), text(&b["title"]));
                let channel = text(&b["channel"]);
                match b["step"].as_str() {
                    Some("linked") => {
                        format!(
                            "{item} is tracked as {} ({})",
                            text(&b["key"]),
                            text(&b["url"])
                        )
                    }
                    Some("unreachable") => format!(
                        "{item}: its ticket in {channel} cannot be read: {}",
                        text(&b["error"])
                    ),
                    Some("seen") => format!(
                        "{item}: ticket {} in {channel} is {}",
                        text(&b["key"]),
                        text(&b["remote_status"])
                    ),
                    Some("reachable") => {
                        format!("{item}: its ticket in {channel} can be read again")
                    }
                    _ => format!("{item}: a ticket is asked of tracker {channel}"),
                }
            }
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
            EventKind::NoticeAttempt if b["service"] == "ticket" => {
                let line = format!(
                    "ticket for action {} in tracker {} attempt {}: {}",
                    text(&b["action"]),
                    text(&b["channel"]),
                    text(&b["attempt"]),
                    text(&b["result"])
                );
                match b["ticket"].as_str() {
                    Some(key) => format!("{line}; it is {key}"),
                    None => line,
                }
            }
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

/// A finding check's bounds: "at most 0.1", "at least 0.8 and at most 1.25".
fn bounds(check: &Value) -> String {
    [
        ("at least", &check["at_least"]),
        ("at most", &check["at_most"]),
    ]
    .into_iter()
    .filter(|(_, bound)| bound.is_number())
    .map(|(words, bound)| format!("{words} {bound}"))
    .collect::<Vec<_>>()
    .join(" and ")
}
