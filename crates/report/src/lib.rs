//! Rendering for Firebreak, in one place (decision D1): `forensics` and `rca` return plain
//! data, and this crate turns it into pictures and documents.
//!
//! - **Documents.** [`Document`] is a plain tree (title, metadata lines, sections of
//!   paragraphs, lists, tables, figures, code and to-do markers). Pure functions render it:
//!   [`to_markdown`] (figures as fenced `svg` blocks, so one file holds everything),
//!   [`to_html`] (one self-contained, print-friendly page), [`to_text`] (aligned tables for a
//!   terminal) and, with the `pdf` feature, `to_pdf` through Typst with its bundled fonts.
//!   [`from_markdown`] reads Markdown (post-mortem templates) into the same tree, with
//!   `![caption](figure:NAME)` figures and `TODO:` markers.
//! - **Diagrams.** Fault trees with the standard gate symbols, event trees, Fishbone
//!   (Ishikawa), 5-Whys chains and the Swiss Cheese model, from `firebreak-rca`'s data.
//! - **Forensics.** [`forensics`] draws drift histograms and category bars, fairness gaps with
//!   their threshold band, and time series with change points, and builds one [`Document`]
//!   per analysis of `firebreak-forensics`.
//!
//! Every SVG is written by hand, without an SVG or font library: text is measured with a fixed
//! width table, so the same input gives the same bytes on every machine and snapshot tests can
//! pin it. Figures are inlined into HTML as they are, so they must come from these renderers or
//! another trusted source. The crate does no I/O.

mod chart;
mod document;
mod error;
mod event_tree;
mod fault_tree;
mod fishbone;
pub mod forensics;
mod from_markdown;
mod html;
mod layout;
mod markdown;
#[cfg(feature = "pdf")]
mod pdf;
mod plain;
pub mod postmortem;
mod svg;
mod swiss_cheese;
mod text;
pub mod update;
mod whys;

pub use chart::{Marker, Series, lines_svg, significant};
pub use document::{Block, Document, Inline, Section};
pub use error::ReportError;
pub use event_tree::event_tree_svg;
pub use fault_tree::{FaultTreeOptions, fault_tree_svg};
pub use fishbone::fishbone_svg;
pub use from_markdown::from_markdown;
pub use html::{to_html, unique_ids};
pub use markdown::to_markdown;
#[cfg(feature = "pdf")]
pub use pdf::to_pdf;
pub use plain::to_text;
pub use swiss_cheese::swiss_cheese_svg;
pub use whys::whys_svg;
