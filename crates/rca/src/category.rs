//! The cause categories the methods share. Decision D1 puts the one
//! cause-category enum in `firebreak-core`; until that crate offers it, this
//! mirror keeps the same set so the switch is a re-export.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
