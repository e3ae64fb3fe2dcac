//! Firebreak's domain core: the rules responders and regulators rely on, as pure
//! functions over plain types.
//!
//! It knows the AI system inventory, the incident record and its lifecycle table,
//! the ordering of incident timestamps, the timeline's hash chain and signed
//! checkpoints, roles and metrics, blameless post-mortems with their action
//! items and language lint, and who is on call and paged when. It does no
//! I/O: no database, no clock, no network. Callers pass the current time in and
//! persist what comes out, which is why the same rules serve the server, the
//! CLI and offline verification.

pub mod action;
pub mod alert;
pub mod auth;
pub mod blame;
pub mod bundle;
pub mod calendar;
pub mod canonical;
pub mod cause;
pub mod change;
pub mod checkpoint;
pub mod control;
pub mod csv;
pub mod error;
pub mod evidence;
pub mod incident;
pub mod lint;
pub mod merkle;
pub mod metrics;
pub mod monitor;
pub mod oncall;
pub mod postmortem;
pub mod rca;
pub mod recurrence;
pub mod regulatory;
pub mod severity;
pub mod system;
pub mod time_zone;
pub mod timeline;
pub mod verify;

pub use error::{DomainError, FieldError};
pub use jiff::Timestamp;
