//! The built-in word lists of the blameless lint. Every list is a default a
//! deployment can replace, extend or trim through [`super::LintConfig`]; the
//! sentence rules in [`super::blaming`], [`super::hindsight`] and
//! [`super::vague`] give the words their meaning.

mod blame;
mod hindsight;
mod vague;

pub use blame::*;
pub use hindsight::*;
pub use vague::*;
