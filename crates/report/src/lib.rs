//! Rendering for Firebreak. For now this is the diagrams of root-cause
//! analysis: fault trees with the standard gate symbols, Fishbone (Ishikawa)
//! diagrams, 5-Whys chains and the Swiss Cheese model, each drawn by a pure
//! function from `firebreak-rca`'s plain data to a self-contained SVG string.
//! The SVG is written by hand, without an SVG or font library: text is
//! measured with a fixed width table, so the same input gives the same bytes
//! on every machine and snapshot tests can pin it.
//!
//! Left out for now: the report model and its Markdown, HTML and PDF
//! renderers (another issue adds them, with Typst behind a feature), charts
//! of forensics results, and any I/O.

mod fault_tree;
mod fishbone;
mod layout;
mod svg;
mod swiss_cheese;
mod text;
mod whys;

pub use fault_tree::{FaultTreeOptions, fault_tree_svg};
pub use fishbone::fishbone_svg;
pub use swiss_cheese::swiss_cheese_svg;
pub use whys::whys_svg;
