//! Root-cause analysis artifacts as records: each belongs to an owner (an
//! incident, or for FMEA an inventory system, D13), has a kind and a name, and
//! is versioned: every save is a new version sealed on the artifact's own chain
//! and announced on the owner's timeline. What a body must contain is checked
//! by the `firebreak-rca` methods before a save.

use crate::error::DomainError;
use crate::timeline::{EventDraft, EventKind};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    FiveWhys,
    Fishbone,
    FaultTree,
    SwissCheese,
    CauseStatement,
    Fmea,
}

impl ArtifactKind {
    pub const ALL: [ArtifactKind; 6] = [
        ArtifactKind::FiveWhys,
        ArtifactKind::Fishbone,
        ArtifactKind::FaultTree,
        ArtifactKind::SwissCheese,
        ArtifactKind::CauseStatement,
        ArtifactKind::Fmea,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::FiveWhys => "five_whys",
            ArtifactKind::Fishbone => "fishbone",
            ArtifactKind::FaultTree => "fault_tree",
            ArtifactKind::SwissCheese => "swiss_cheese",
            ArtifactKind::CauseStatement => "cause_statement",
            ArtifactKind::Fmea => "fmea",
        }
    }

    /// FMEA worksheets belong to a system; everything else to an incident.
    pub fn belongs_to_system(self) -> bool {
        self == ArtifactKind::Fmea
    }
}

impl std::str::FromStr for ArtifactKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ArtifactKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = ArtifactKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown artifact kind `{s}`, expected one of {}",
                    names.join(", ")
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Artifact {
    /// `INC-<n>` or `system:<slug>`.
    pub owner: String,
    pub kind: ArtifactKind,
    pub name: String,
    /// From 1, one more with every save.
    pub version: u64,
    /// The method's data: a `firebreak-rca` type as JSON, or for a fault tree
    /// `{"mef": "<Open-PSA MEF XML>"}`.
    pub body: Value,
    pub updated_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// The stream an artifact's versions are sealed on.
pub fn artifact_stream(owner: &str, kind: ArtifactKind, name: &str) -> String {
    format!("rca:{owner}:{}:{name}", kind.as_str())
}

pub fn validate_name(name: &str) -> Result<(), DomainError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(DomainError::field(
            "name",
            "must be 1 to 64 letters, digits, '-' or '_'",
        ))
    }
}

/// The next version of an artifact, and the events for its own chain and for
/// its owner's timeline.
pub fn save(
    previous: Option<&Artifact>,
    owner: &str,
    kind: ArtifactKind,
    name: &str,
    body: Value,
    actor: &str,
    now: Timestamp,
) -> Result<(Artifact, EventDraft, EventDraft), DomainError> {
    validate_name(name)?;
    if previous.is_some_and(|p| p.body == body) {
        return Err(DomainError::field(
            "body",
            "is the same as the current version",
        ));
    }
    let artifact = Artifact {
        owner: owner.to_string(),
        kind,
        name: name.to_string(),
        version: previous.map_or(1, |p| p.version + 1),
        body,
        updated_by: actor.to_string(),
        updated_at: now,
    };
    let own = EventDraft {
        kind: EventKind::RcaUpdated,
        occurred_at: now,
        actor: actor.to_string(),
        body: json!({ "artifact": artifact }),
    };
    let announced = EventDraft {
        kind: EventKind::RcaUpdated,
        occurred_at: now,
        actor: actor.to_string(),
        body: json!({ "kind": kind, "name": name, "version": artifact.version }),
    };
    Ok((artifact, own, announced))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_are_versioned_and_refuse_no_op_and_bad_names() {
        let now: Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        let (first, _, announced) = save(
            None,
            "INC-1",
            ArtifactKind::Fishbone,
            "main",
            json!({"effect": "x"}),
            "bob",
            now,
        )
        .unwrap();
        assert_eq!(first.version, 1);
        assert_eq!(announced.body["version"], 1);
        let (second, _, _) = save(
            Some(&first),
            "INC-1",
            ArtifactKind::Fishbone,
            "main",
            json!({"effect": "y"}),
            "bob",
            now,
        )
        .unwrap();
        assert_eq!(second.version, 2);
        assert!(
            save(
                Some(&second),
                "INC-1",
                ArtifactKind::Fishbone,
                "main",
                json!({"effect": "y"}),
                "bob",
                now
            )
            .is_err()
        );
        assert!(
            save(
                None,
                "INC-1",
                ArtifactKind::Fishbone,
                "a b",
                json!({}),
                "bob",
                now
            )
            .is_err()
        );
    }
}
