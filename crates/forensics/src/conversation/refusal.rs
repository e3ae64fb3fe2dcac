//! Refusals: a model declining to answer, recognised by a small lexicon of the phrases models
//! use (`detectors/lexicons/refusals.txt`, matched like every lexicon: case-insensitively, on
//! word boundaries). A phrase list misses refusals worded otherwise and counts a quoted refusal
//! as one, so the refusal rate is read as a comparison between versions or periods, not as an
//! absolute.

use crate::cohort::keywords_of;
use crate::detect::{Detector, lexicon};

/// The detector's name, as `--detector refusal` takes it.
pub const NAME: &str = "refusal";
/// Raised whenever the shipped list changes.
pub const VERSION: u32 = 2;

/// The shipped list's text.
pub fn shipped() -> &'static str {
    include_str!("../../../../detectors/lexicons/refusals.txt")
}

pub fn detector() -> Detector {
    lexicon::detector(NAME, VERSION, &keywords_of(shipped())).expect("the shipped list compiles")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_recognised_in_either_apostrophe() {
        let detector = detector();
        for refusal in [
            "I'm sorry, but I can't share dosing information.",
            "I’m unable to help with that request.",
            "Please consult your doctor before changing anything.",
        ] {
            assert!(detector.find(refusal).next().is_some(), "{refusal}");
        }
        assert!(detector.find("Take 200 mg every 6 hours.").next().is_none());
    }
}
