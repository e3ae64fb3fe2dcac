//! Fault Tree Analysis: the MEF model, its import and export, and the
//! analysis of a top event through a binary decision diagram.

mod analysis;
mod bdd;
mod bdd_tables;
pub mod budget;
pub mod compile;
mod cut_sets;
#[cfg(test)]
mod exactness;
mod hash;
mod importance;
mod mef_read;
mod mef_write;
pub mod model;
mod top_cut_sets;
mod top_event;
mod zbdd_stats;

pub use analysis::{
    AnalysisSettings, Approximation, CutSet, CutSetCount, DEFAULT_TOP_K, Importance, PhaseOf,
    SetCount, TopEventAnalysis, TopEventProbability, analyze, sequence_values,
};
pub use mef_read::{MefSource, read_mef};
pub use mef_write::write_mef;
pub use model::Model;
