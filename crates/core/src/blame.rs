//! The blame lexicon (D1): phrases that put a cause on a person rather than
//! on the system that let the person's action do harm. One list serves the
//! 5-Whys check and the post-mortem lint; deployments may extend it.

/// Matched case-insensitively on word boundaries by the checks that use it.
pub const DEFAULT_BLAME_PHRASES: &[&str] = &[
    "human error",
    "operator error",
    "operator mistake",
    "user error",
    "careless",
    "carelessness",
    "negligent",
    "negligence",
    "should have known",
    "should have noticed",
    "fault of",
    "'s fault",
    "did not pay attention",
    "didn't pay attention",
    "forgot to",
    "incompetent",
];

pub fn default_blame_phrases() -> Vec<String> {
    DEFAULT_BLAME_PHRASES
        .iter()
        .map(|p| p.to_string())
        .collect()
}
