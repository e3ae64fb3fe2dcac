//! The evidence vault's records and chain of custody. The bytes live in the
//! content-addressed blob store (by SHA-256); what is kept here is who
//! collected which content for which incident, and every custody step after
//! that: viewed, exported, transferred to a named recipient, put under or
//! released from legal hold, disposed of. Each step is an event on the item's
//! own chain and announced on the incident's timeline, so the custody log is
//! as tamper-evident as the timeline itself.

use crate::error::DomainError;
use crate::timeline::{EventDraft, EventKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evidence {
    /// `EV-<n>`, unique in the deployment.
    pub id: String,
    /// `INC-<n>`.
    pub incident: String,
    /// SHA-256 (hex) of the content; the blob store's address.
    pub sha256: String,
    pub size: u64,
    /// The file name it was collected under, without any directory.
    pub filename: String,
    pub media_type: String,
    pub description: String,
    pub collected_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub collected_at: Timestamp,
    pub legal_hold: bool,
    /// Set when the item was disposed of; the record and its custody log stay.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disposed_at: Option<Timestamp>,
}

/// One step in the chain of custody after collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CustodyAction {
    Viewed,
    /// Written into an evidence bundle or downloaded for use elsewhere.
    Exported {
        purpose: String,
    },
    Transferred {
        recipient: String,
        note: String,
    },
    LegalHoldOn {
        reason: String,
    },
    LegalHoldOff {
        reason: String,
    },
    Disposed {
        reason: String,
    },
}

impl CustodyAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            CustodyAction::Viewed => "viewed",
            CustodyAction::Exported { .. } => "exported",
            CustodyAction::Transferred { .. } => "transferred",
            CustodyAction::LegalHoldOn { .. } => "legal_hold_on",
            CustodyAction::LegalHoldOff { .. } => "legal_hold_off",
            CustodyAction::Disposed { .. } => "disposed",
        }
    }
}

/// What a new item needs besides its content address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    pub sha256: String,
    pub size: u64,
    pub filename: String,
    pub media_type: String,
    pub description: String,
}

/// The stream of an evidence item's own chain.
pub fn evidence_stream(id: &str) -> String {
    format!("evidence:{id}")
}

/// Records the collection of `new` for `incident` as item `id`: the record,
/// the event on its own chain and the one announced on the incident's.
pub fn collect(
    id: &str,
    incident: &str,
    new: NewEvidence,
    actor: &str,
    now: Timestamp,
) -> Result<(Evidence, EventDraft, EventDraft), DomainError> {
    let filename = new.filename.trim();
    if filename.is_empty() || filename.contains(['/', '\\', '\0']) || filename == ".." {
        return Err(DomainError::field(
            "filename",
            "must be a plain file name without directories",
        ));
    }
    if new.description.trim().is_empty() {
        return Err(DomainError::field(
            "description",
            "say what this evidence is and why it was collected",
        ));
    }
    if !is_sha256_hex(&new.sha256) {
        return Err(DomainError::field(
            "sha256",
            "must be 64 lowercase hex digits",
        ));
    }
    let evidence = Evidence {
        id: id.to_string(),
        incident: incident.to_string(),
        sha256: new.sha256,
        size: new.size,
        filename: filename.to_string(),
        media_type: new.media_type,
        description: new.description.trim().to_string(),
        collected_by: actor.to_string(),
        collected_at: now,
        legal_hold: false,
        disposed_at: None,
    };
    let own = EventDraft::by(
        actor,
        EventKind::EvidenceCollected,
        now,
        json!({ "evidence": evidence }),
    );
    let announced = EventDraft::by(
        actor,
        EventKind::EvidenceCollected,
        now,
        json!({
            "evidence": evidence.id,
            "sha256": evidence.sha256,
            "size": evidence.size,
            "filename": evidence.filename,
            "description": evidence.description,
        }),
    );
    Ok((evidence, own, announced))
}

/// Applies one custody step. Refused: anything but viewing after disposal,
/// disposal under legal hold, a hold that is already on (or off), and a
/// transfer without a named recipient or a hold change without a reason.
pub fn custody(
    current: &Evidence,
    action: CustodyAction,
    actor: &str,
    now: Timestamp,
) -> Result<(Evidence, EventDraft, EventDraft), DomainError> {
    let mut next = current.clone();
    if current.disposed_at.is_some() && action != CustodyAction::Viewed {
        return Err(conflict(format!("{} was disposed of", current.id)));
    }
    match &action {
        CustodyAction::Viewed => {}
        CustodyAction::Exported { purpose } => require_text("purpose", purpose)?,
        CustodyAction::Transferred { recipient, .. } => require_text("recipient", recipient)?,
        CustodyAction::LegalHoldOn { reason } => {
            require_text("reason", reason)?;
            if current.legal_hold {
                return Err(conflict(format!(
                    "{} is already under legal hold",
                    current.id
                )));
            }
            next.legal_hold = true;
        }
        CustodyAction::LegalHoldOff { reason } => {
            require_text("reason", reason)?;
            if !current.legal_hold {
                return Err(conflict(format!("{} is not under legal hold", current.id)));
            }
            next.legal_hold = false;
        }
        CustodyAction::Disposed { reason } => {
            require_text("reason", reason)?;
            if current.legal_hold {
                return Err(conflict(format!(
                    "{} is under legal hold; release the hold before disposing of it",
                    current.id
                )));
            }
            next.disposed_at = Some(now);
        }
    }
    let own = EventDraft::by(
        actor,
        EventKind::EvidenceCustody,
        now,
        json!({ "step": action, "evidence": next }),
    );
    let announced = EventDraft::by(
        actor,
        EventKind::EvidenceCustody,
        now,
        json!({ "evidence": current.id, "sha256": current.sha256, "step": action }),
    );
    Ok((next, own, announced))
}

pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn require_text(field: &str, value: &str) -> Result<(), DomainError> {
    if value.trim().is_empty() {
        return Err(DomainError::field(field, "is required"));
    }
    Ok(())
}

fn conflict(message: String) -> DomainError {
    DomainError::Conflict {
        message,
        allowed: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Evidence {
        let now: Timestamp = "2026-05-01T10:00:00Z".parse().unwrap();
        let new = NewEvidence {
            sha256: "a".repeat(64),
            size: 3,
            filename: "decisions.parquet".into(),
            media_type: "application/octet-stream".into(),
            description: "decision log for April".into(),
        };
        collect("EV-1", "INC-1", new, "ana", now).unwrap().0
    }

    #[test]
    fn collection_refuses_paths_and_missing_descriptions() {
        let now: Timestamp = "2026-05-01T10:00:00Z".parse().unwrap();
        let new = |filename: &str, description: &str| NewEvidence {
            sha256: "b".repeat(64),
            size: 1,
            filename: filename.into(),
            media_type: "text/plain".into(),
            description: description.into(),
        };
        for (filename, description, field) in [
            ("../etc/passwd", "x", "filename"),
            ("", "x", "filename"),
            ("log.csv", " ", "description"),
        ] {
            let error =
                collect("EV-2", "INC-1", new(filename, description), "ana", now).unwrap_err();
            assert!(error.to_string().starts_with(field), "{error}");
        }
    }

    #[test]
    fn legal_hold_blocks_disposal_until_released() {
        let now: Timestamp = "2026-05-02T10:00:00Z".parse().unwrap();
        let held = custody(
            &item(),
            CustodyAction::LegalHoldOn {
                reason: "inquiry".into(),
            },
            "lee",
            now,
        )
        .unwrap()
        .0;
        assert!(held.legal_hold);
        let refused = custody(
            &held,
            CustodyAction::Disposed {
                reason: "retention".into(),
            },
            "lee",
            now,
        );
        assert!(matches!(refused, Err(DomainError::Conflict { .. })));
        let released = custody(
            &held,
            CustodyAction::LegalHoldOff {
                reason: "closed".into(),
            },
            "lee",
            now,
        )
        .unwrap()
        .0;
        let disposed = custody(
            &released,
            CustodyAction::Disposed {
                reason: "retention".into(),
            },
            "lee",
            now,
        )
        .unwrap()
        .0;
        assert_eq!(disposed.disposed_at, Some(now));
        assert!(
            custody(
                &disposed,
                CustodyAction::Exported {
                    purpose: "x".into()
                },
                "lee",
                now
            )
            .is_err()
        );
        assert!(custody(&disposed, CustodyAction::Viewed, "lee", now).is_ok());
    }

    #[test]
    fn a_transfer_names_its_recipient() {
        let now: Timestamp = "2026-05-02T10:00:00Z".parse().unwrap();
        let step = CustodyAction::Transferred {
            recipient: " ".into(),
            note: String::new(),
        };
        assert!(custody(&item(), step, "lee", now).is_err());
    }
}
