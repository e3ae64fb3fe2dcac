//! The cause categories the methods share: the one enum of `firebreak-core`
//! (D1), re-exported so the methods and the post-mortem speak the same set.

pub use firebreak_core::cause::CauseCategory;
