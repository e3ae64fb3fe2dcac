//! Prediction-log forensics for AI incidents: given the log of a model's decisions (Parquet or
//! CSV), answer what changed in the data, for whom the decisions became unfair, when a series
//! shifted, and what exactly went into one contested decision.
//!
//! Numbers follow named peers so a reviewer can recompute them: drift as Evidently 0.7.23 and
//! SciPy 1.17 ([`mod@drift`]) or NannyML 0.13 ([`mod@nannyml`]), fairness as Fairlearn 0.15 and
//! Aequitas' disparity formulas, calibration with scikit-learn's uniform bins. The fixtures in
//! `tests/fixtures` hold what those peers computed, so the agreement is tested without Python.
//! Kernels are our own, single pass over Arrow data, parallel over columns, and work from
//! mergeable per-column summaries ([`summary`]) so that the engine that produces those
//! summaries can be swapped for a distributed one.
//!
//! Entry points: [`read_log`]/[`read_split`] and [`drift_log`] read files (Parquet projected and
//! pruned, CSV streamed); [`fn@drift`], [`fn@fairness`], [`fn@profile`], [`fn@timeseries`] work on a loaded
//! [`Table`]; [`find_decision`] looks one decision up; [`Cohort`] selects rows (decisions D20
//! and D29); [`detect`] finds personal data, secrets and unsafe content in text;
//! [`conversation`] reads conversation logs of generative-AI systems and measures flagged turns
//! over time and between versions.
//! Every result is plain serde data whose JSON layout is described in `SCHEMA.md`.
//!
//! Left out: rendering (Markdown, HTML and SVG live in the report crate, which draws these plain
//! serde types), storage of results, and anything that needs a DataFrame engine.

pub mod analyze;
pub mod cohort;
pub mod combine;
pub mod conversation;
pub mod decision;
pub mod detect;
pub mod drift;
mod error;
pub mod fairness;
pub mod load;
pub mod nannyml;
mod parallel;
pub mod profile;
pub mod request;
mod stats;
pub mod summary;
pub mod table;
pub mod timeseries;

pub use analyze::{LogSplit, drift_log, log_columns};
pub use cohort::Cohort;
pub use conversation::{ConversationLog, ConversationMapping, FlagRule, read_conversations};
pub use decision::{DecisionRecord, find_decision};
pub use drift::{ColumnDrift, Distribution, DriftMethod, DriftOptions, DriftReport, Preset, drift};
pub use error::{ForensicsError, SplitProblem};
pub use fairness::{FairnessOptions, FairnessReport, fairness, performance};
pub use load::{LogMapping, ReadOptions, TimeWindow, read_log, read_schema, read_split};
pub use nannyml::{NannyMlOptions, NannyMlReport, nannyml_drift};
pub use profile::{ProfileReport, profile};
pub use request::{AnalysisRequest, AnalysisResult};
pub use table::{Column, ColumnValues, Table};
pub use timeseries::{Granularity, TimeseriesOptions, TimeseriesReport, timeseries};
