//! Stakeholder updates: an incident's messages to an audience, drafted
//! from a pre-approved template, approved by the communications lead when
//! the incident's severity requires it ([`ApprovalRule`]), and sent to the
//! stakeholder lists of the incident's systems. Each operation answers the
//! incident's updates after it and the event that records it; sending
//! answers the recipients too, for the caller to queue (D26).
//!
//! **Who approves.** The incident's communications lead; while nobody holds
//! that role, its commander (the Incident Command System's default: the
//! commander holds every role not handed out); an admin always. Editing an
//! approved update takes its approval back, so what is sent is what was
//! approved.

use super::stakeholders::{Audience, UpdateRecipient};
use crate::error::DomainError;
use crate::incident::{CommandRole, Incident, Severity};
use crate::timeline::{EventDraft, EventKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// The longest subject, in characters.
pub const MAX_SUBJECT: usize = 200;
/// The longest body, in bytes.
pub const MAX_BODY: usize = 20_000;
/// At most this many updates per incident.
pub const MAX_UPDATES: usize = 500;

/// Where an update is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStatus {
    Drafted,
    Approved,
    Sent,
}

impl UpdateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateStatus::Drafted => "drafted",
            UpdateStatus::Approved => "approved",
            UpdateStatus::Sent => "sent",
        }
    }
}

/// Who did something to an update, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Stamp {
    pub by: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// One stakeholder update of an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StakeholderUpdate {
    /// 1, 2, … within the incident.
    pub id: u64,
    pub audience: Audience,
    /// The template it was drafted from.
    pub template: String,
    pub subject: String,
    pub body: String,
    pub status: UpdateStatus,
    pub drafted: Stamp,
    /// The last edit, if any.
    pub edited: Option<Stamp>,
    pub approved: Option<Stamp>,
    pub sent: Option<Stamp>,
    /// Whom it was sent to, worked out from the stakeholder lists when it
    /// was sent; empty before.
    pub recipients: Vec<UpdateRecipient>,
}

/// An incident's updates, oldest first: the document the store keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Updates {
    pub updates: Vec<StakeholderUpdate>,
}

/// Which severities need the communications lead's approval before an
/// update goes out. A deployment setting; by default SEV1 and SEV2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalRule {
    pub severities: Vec<Severity>,
}

impl Default for ApprovalRule {
    fn default() -> Self {
        ApprovalRule {
            severities: vec![Severity::Sev1, Severity::Sev2],
        }
    }
}

impl std::str::FromStr for ApprovalRule {
    type Err = String;
    /// `sev1,sev2`, or `none`: no update waits for approval.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim() == "none" {
            return Ok(ApprovalRule {
                severities: Vec::new(),
            });
        }
        let severities = s
            .split(',')
            .map(|part| {
                let part = part.trim().to_ascii_lowercase();
                Severity::ALL
                    .into_iter()
                    .find(|sev| sev.as_str() == part)
                    .ok_or_else(|| format!("`{part}` is not a severity: sev1 … sev4, or none"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ApprovalRule { severities })
    }
}

impl ApprovalRule {
    pub fn requires_approval(&self, severity: Severity) -> bool {
        self.severities.contains(&severity)
    }
}

/// Who asks for an operation: their name and whether they are an admin.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub name: &'a str,
    pub admin: bool,
}

/// Who may approve the incident's updates now: its communications lead,
/// else its commander (see the module's doc); `None` when nobody holds
/// either role (then only an admin can).
pub fn approver(incident: &Incident) -> Option<&str> {
    incident
        .holder(CommandRole::CommunicationsLead)
        .or_else(|| incident.holder(CommandRole::Commander))
}

/// Whether `caller` may approve the incident's updates, and why not.
pub fn may_approve(incident: &Incident, caller: Caller<'_>) -> Result<(), String> {
    if caller.admin || approver(incident) == Some(caller.name) {
        return Ok(());
    }
    Err(match approver(incident) {
        Some(approver) => format!(
            "only {approver}, the {} of {}, or an admin approves its updates",
            if incident.holder(CommandRole::CommunicationsLead).is_some() {
                "communications lead"
            } else {
                "commander (no communications lead is assigned)"
            },
            incident.public_id()
        ),
        None => format!(
            "{} has neither a communications lead nor a commander: only an admin approves its updates",
            incident.public_id()
        ),
    })
}

/// Refuses an empty or overlong subject or body, naming the field.
fn check_text(subject: &str, body: &str) -> Result<(), DomainError> {
    let mut faults = Vec::new();
    if subject.trim().is_empty() {
        faults.push(crate::error::FieldError::new("subject", "empty"));
    } else if subject.chars().count() > MAX_SUBJECT || subject.contains(['\r', '\n']) {
        faults.push(crate::error::FieldError::new(
            "subject",
            format!("one line of at most {MAX_SUBJECT} characters"),
        ));
    }
    if body.trim().is_empty() {
        faults.push(crate::error::FieldError::new("body", "empty"));
    } else if body.len() > MAX_BODY {
        faults.push(crate::error::FieldError::new(
            "body",
            format!("at most {MAX_BODY} bytes"),
        ));
    }
    if faults.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(faults))
    }
}

/// The result of an operation: the updates after it, the update it
/// changed, and the event that records it on the incident's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateChange {
    pub updates: Updates,
    pub update: StakeholderUpdate,
    pub event: EventDraft,
}

fn event(update: &StakeholderUpdate, action: &str, actor: &str, now: Timestamp) -> EventDraft {
    let mut body = json!({
        "update": update.id,
        "action": action,
        "audience": update.audience,
        "template": update.template,
        "subject": update.subject,
    });
    if update.status == UpdateStatus::Sent {
        body["recipients"] = json!(update.recipients);
    }
    EventDraft::by(actor, EventKind::StakeholderUpdate, now, body)
}

impl Updates {
    pub fn get(&self, id: u64) -> Option<&StakeholderUpdate> {
        self.updates.iter().find(|u| u.id == id)
    }

    fn change(
        &self,
        incident: &Incident,
        id: u64,
        action: &str,
        actor: &str,
        now: Timestamp,
        apply: impl FnOnce(&mut StakeholderUpdate) -> Result<(), DomainError>,
    ) -> Result<UpdateChange, DomainError> {
        let mut updates = self.clone();
        let update = updates
            .updates
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or_else(|| {
                DomainError::field(
                    "update",
                    format!("{} has no update {id}", incident.public_id()),
                )
            })?;
        if update.status == UpdateStatus::Sent {
            return Err(DomainError::Conflict {
                message: format!(
                    "update {id} of {} was sent; draft a new one",
                    incident.public_id()
                ),
                allowed: Vec::new(),
            });
        }
        apply(update)?;
        let update = update.clone();
        let event = event(&update, action, actor, now);
        Ok(UpdateChange {
            updates,
            update,
            event,
        })
    }

    /// A new update to `audience` with the text a template gave.
    pub fn draft(
        &self,
        incident: &Incident,
        audience: Audience,
        template: &str,
        (subject, body): (String, String),
        actor: &str,
        now: Timestamp,
    ) -> Result<UpdateChange, DomainError> {
        check_text(&subject, &body)?;
        if self.updates.len() >= MAX_UPDATES {
            return Err(DomainError::field(
                "update",
                format!(
                    "{} has {MAX_UPDATES} updates, the most one incident keeps",
                    incident.public_id()
                ),
            ));
        }
        let update = StakeholderUpdate {
            id: self.updates.iter().map(|u| u.id).max().unwrap_or(0) + 1,
            audience,
            template: template.to_string(),
            subject,
            body,
            status: UpdateStatus::Drafted,
            drafted: Stamp {
                by: actor.to_string(),
                at: now,
            },
            edited: None,
            approved: None,
            sent: None,
            recipients: Vec::new(),
        };
        let mut updates = self.clone();
        updates.updates.push(update.clone());
        let event = event(&update, "drafted", actor, now);
        Ok(UpdateChange {
            updates,
            update,
            event,
        })
    }

    /// New text for an update not yet sent; an approved one goes back to
    /// drafted, to be approved again.
    pub fn edit(
        &self,
        incident: &Incident,
        id: u64,
        (subject, body): (Option<String>, Option<String>),
        actor: &str,
        now: Timestamp,
    ) -> Result<UpdateChange, DomainError> {
        self.change(incident, id, "edited", actor, now, |update| {
            let subject = subject.unwrap_or_else(|| update.subject.clone());
            let body = body.unwrap_or_else(|| update.body.clone());
            check_text(&subject, &body)?;
            if subject == update.subject && body == update.body {
                return Err(DomainError::field("body", "changes nothing"));
            }
            update.subject = subject;
            update.body = body;
            update.status = UpdateStatus::Drafted;
            update.approved = None;
            update.edited = Some(Stamp {
                by: actor.to_string(),
                at: now,
            });
            Ok(())
        })
    }

    /// The approval of the communications lead (see [`may_approve`]; the
    /// caller checks who asks, since refusing a person is not a rule of
    /// the record).
    pub fn approve(
        &self,
        incident: &Incident,
        id: u64,
        actor: &str,
        now: Timestamp,
    ) -> Result<UpdateChange, DomainError> {
        self.change(incident, id, "approved", actor, now, |update| {
            if update.status == UpdateStatus::Approved {
                return Err(DomainError::Conflict {
                    message: format!("update {id} is already approved"),
                    allowed: vec!["send".into(), "edit".into()],
                });
            }
            update.status = UpdateStatus::Approved;
            update.approved = Some(Stamp {
                by: actor.to_string(),
                at: now,
            });
            Ok(())
        })
    }

    /// Sends an update to `recipients`, refused while it waits for an
    /// approval `rule` requires at the incident's severity now, and when
    /// it would reach nobody.
    pub fn send(
        &self,
        incident: &Incident,
        id: u64,
        rule: &ApprovalRule,
        recipients: Vec<UpdateRecipient>,
        actor: &str,
        now: Timestamp,
    ) -> Result<UpdateChange, DomainError> {
        self.change(incident, id, "sent", actor, now, |update| {
            if update.status != UpdateStatus::Approved
                && rule.requires_approval(incident.severity)
            {
                let who = approver(incident)
                    .map(|name| format!(" ({name})"))
                    .unwrap_or_default();
                return Err(DomainError::Conflict {
                    message: format!(
                        "{} is {}: update {id} needs the communications lead's approval{who} before it is sent",
                        incident.public_id(),
                        incident.severity.as_str().to_uppercase()
                    ),
                    allowed: vec!["approve".into()],
                });
            }
            if recipients.is_empty() {
                return Err(DomainError::field(
                    "audience",
                    format!(
                        "no stakeholder list of {} names anyone for {}",
                        incident.systems.join(", "),
                        update.audience.as_str()
                    ),
                ));
            }
            update.status = UpdateStatus::Sent;
            update.sent = Some(Stamp {
                by: actor.to_string(),
                at: now,
            });
            update.recipients = recipients;
            Ok(())
        })
    }
}

/// What a template is filled from: the incident record as it is now, for
/// `audience`, at `now`.
pub fn template_context(
    incident: &Incident,
    audience: Audience,
    now: Timestamp,
) -> serde_json::Value {
    let times = &incident.times;
    let time = |t: Option<Timestamp>| t.map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string());
    json!({
        "audience": audience.as_str(),
        "now": time(Some(now)),
        "incident": {
            "id": incident.public_id(),
            "title": incident.title,
            "summary": incident.summary,
            "kind": incident.kind,
            "status": incident.status.to_string(),
            "severity": incident.severity.as_str().to_uppercase(),
            "severity_label": incident.severity.label(),
            "systems": incident.systems,
            "people_affected": incident.people_affected,
            "commander": incident.holder(CommandRole::Commander),
            "communications_lead": incident.holder(CommandRole::CommunicationsLead),
            "impact_started_at": time(times.impact_started_at),
            "detected_at": time(times.detected_at),
            "declared_at": time(times.declared_at),
            "acknowledged_at": time(times.acknowledged_at),
            "contained_at": time(times.contained_at),
            "recovered_at": time(times.recovered_at),
            "closed_at": time(times.closed_at),
        },
    })
}

/// Splits a filled template into subject and body: its first line is
/// `Subject: …`, the rest (after blank lines) the body.
pub fn split_subject(filled: &str) -> Result<(String, String), DomainError> {
    let (first, rest) = filled.split_once('\n').unwrap_or((filled, ""));
    let subject = first
        .strip_prefix("Subject:")
        .map(str::trim)
        .ok_or_else(|| {
            DomainError::field(
                "template",
                "a stakeholder update template starts with a `Subject: …` line",
            )
        })?;
    Ok((
        subject.to_string(),
        rest.trim_start_matches(['\r', '\n']).trim_end().to_string() + "\n",
    ))
}

#[cfg(test)]
mod tests;
