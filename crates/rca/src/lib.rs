//! Root-cause analysis methods of Firebreak as pure functions over plain
//! serde data: Fault Tree Analysis on Open-PSA MEF models with results that
//! match SCRAM's (minimal cut sets, exact and approximate top-event
//! probability, importance measures); 5 Whys with its blame and
//! stopping-early checks; Fishbone; FMEA with the AIAG-VDA action priority
//! and CSV exchange; the Swiss Cheese model; and the incident's cause
//! statement.
//!
//! Left out on purpose: storage, HTTP, timelines and drawing. Artifacts are
//! plain data that the server stores and versions, and the `report` crate
//! renders as SVG. Of the MEF, uncertainty (Monte Carlo) analysis, event
//! trees, common-cause failure groups and substitutions are not implemented.

pub mod category;
pub mod cause_statement;
pub mod error;
pub mod fishbone;
pub mod fmea;
pub mod fta;
pub mod swiss_cheese;
pub mod whys;

pub use category::CauseCategory;
pub use error::{Location, RcaError};
