//! The cause statement of an incident: one structured record of the
//! proximate cause, the root causes and the contributing factors, each
//! categorised and linked to the RCA artifacts that support it. The
//! post-mortem consumes it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::category::CauseCategory;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CauseStatement {
    /// The event that directly triggered the incident.
    pub proximate_cause: Cause,
    /// The conditions that, once fixed, prevent the class of incident.
    pub root_causes: Vec<Cause>,
    /// Conditions that made it worse or more likely without causing it.
    pub contributing_factors: Vec<Cause>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Cause {
    pub statement: String,
    pub category: CauseCategory,
    pub supported_by: Vec<ArtifactLink>,
}

/// A pointer into an RCA artifact of the same incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ArtifactLink {
    /// A why, by artifact id and chain path (see [`crate::whys::ChainPath`]).
    Why {
        artifact: String,
        chain: Vec<usize>,
    },
    FishboneCause {
        artifact: String,
        category: String,
        path: Vec<String>,
    },
    /// A minimal cut set of a fault tree, by its basic events.
    CutSet {
        artifact: String,
        events: Vec<String>,
    },
    FmeaRow {
        artifact: String,
        row: usize,
    },
    SwissCheeseHole {
        artifact: String,
        layer: usize,
        hole: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "finding")]
pub enum CauseStatementFinding {
    NoRootCause,
    /// A root cause that no artifact supports is an opinion, not a finding.
    UnsupportedRootCause {
        index: usize,
    },
}

impl CauseStatement {
    pub fn check(&self) -> Vec<CauseStatementFinding> {
        let mut findings = Vec::new();
        if self.root_causes.is_empty() {
            findings.push(CauseStatementFinding::NoRootCause);
        }
        findings.extend(
            self.root_causes
                .iter()
                .enumerate()
                .filter(|(_, cause)| cause.supported_by.is_empty())
                .map(|(index, _)| CauseStatementFinding::UnsupportedRootCause { index }),
        );
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cause(supported: bool) -> Cause {
        Cause {
            statement: "Upstream schema changed without a contract test".into(),
            category: CauseCategory::Process,
            supported_by: if supported {
                vec![ArtifactLink::Why {
                    artifact: "whys-1".into(),
                    chain: vec![0, 0, 0],
                }]
            } else {
                Vec::new()
            },
        }
    }

    fn check(root_causes: Vec<Cause>, expected: &[CauseStatementFinding]) {
        let statement = CauseStatement {
            proximate_cause: cause(true),
            root_causes,
            contributing_factors: Vec::new(),
        };
        assert_eq!(statement.check(), expected);
    }

    #[test]
    fn root_causes_must_exist_and_be_supported() {
        check(vec![cause(true)], &[]);
        check(vec![], &[CauseStatementFinding::NoRootCause]);
        check(
            vec![cause(true), cause(false)],
            &[CauseStatementFinding::UnsupportedRootCause { index: 1 }],
        );
    }
}
