//! The one cause-category enum (D1) shared by every RCA method and the
//! post-mortem, and the plain cause summary a post-mortem is drafted from.
//! `firebreak-rca` re-exports the category, and the server converts the rca
//! `CauseStatement` into a [`CauseSummary`], so core needs no rca types.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CauseCategory {
    Data,
    Model,
    /// Software and hardware other than the model (the "technology").
    Technology,
    Process,
    People,
    Infrastructure,
    /// Governance and the environment the system runs in.
    Governance,
    Custom(String),
}

impl CauseCategory {
    /// The name as stored; a custom category's own name.
    pub fn as_str(&self) -> &str {
        match self {
            CauseCategory::Data => "data",
            CauseCategory::Model => "model",
            CauseCategory::Technology => "technology",
            CauseCategory::Process => "process",
            CauseCategory::People => "people",
            CauseCategory::Infrastructure => "infrastructure",
            CauseCategory::Governance => "governance",
            CauseCategory::Custom(name) => name,
        }
    }
}

/// One cause as the RCA found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CauseEntry {
    pub statement: String,
    pub category: CauseCategory,
}

/// The incident's cause statement without its links into RCA artifacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CauseSummary {
    /// The event that directly triggered the incident.
    pub proximate_cause: CauseEntry,
    /// The conditions that, once fixed, prevent the class of incident.
    pub root_causes: Vec<CauseEntry>,
    /// Conditions that made it worse or more likely without causing it.
    pub contributing_factors: Vec<CauseEntry>,
}
