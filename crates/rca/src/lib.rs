//! Root-cause analysis methods of Firebreak as pure functions over plain
//! serde data: Fault Tree Analysis on Open-PSA MEF models, with results that
//! match SCRAM's (minimal cut sets, exact and approximate top-event
//! probability, importance measures).
//!
//! Left out on purpose: storage, HTTP, timelines and drawing. Artifacts are
//! plain data that the server stores and versions, and the `report` crate
//! renders as SVG. Uncertainty (Monte Carlo) analysis, event trees and
//! common-cause failure groups of the MEF are not implemented.

pub mod error;
pub mod fta;

pub use error::{Location, RcaError};
