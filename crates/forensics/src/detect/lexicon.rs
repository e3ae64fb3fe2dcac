//! Lexicons of unsafe content per domain, shipped as editable files in `detectors/lexicons/`
//! (one phrase per line, `#` comments, the same format as a cohort's keyword file). A phrase
//! matches case-insensitively, on word boundaries, with any whitespace between its words.
//! Deployments extend a shipped lexicon ([`Lexicon::extended`]) or bring their own
//! ([`detector`]).

use super::{Detector, PatternSpec, whole};
use crate::ForensicsError;
use crate::cohort::keywords_of;

/// Raised whenever a shipped list or the matching rule changes.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lexicon {
    MedicalDosage,
    SelfHarm,
    FinancialAdvice,
    Slurs,
}

impl Lexicon {
    pub const ALL: [Lexicon; 4] = [
        Self::MedicalDosage,
        Self::SelfHarm,
        Self::FinancialAdvice,
        Self::Slurs,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::MedicalDosage => "medical_dosage",
            Self::SelfHarm => "self_harm",
            Self::FinancialAdvice => "financial_advice",
            Self::Slurs => "slurs",
        }
    }

    /// The shipped file's text.
    pub fn shipped(self) -> &'static str {
        match self {
            Self::MedicalDosage => {
                include_str!("../../../../detectors/lexicons/medical_dosage.txt")
            }
            Self::SelfHarm => include_str!("../../../../detectors/lexicons/self_harm.txt"),
            Self::FinancialAdvice => {
                include_str!("../../../../detectors/lexicons/financial_advice.txt")
            }
            Self::Slurs => include_str!("../../../../detectors/lexicons/slurs.txt"),
        }
    }

    /// The shipped lexicon.
    pub fn detector(self) -> Detector {
        detector(self.name(), VERSION, &keywords_of(self.shipped()))
            .expect("a shipped lexicon compiles")
    }

    /// The shipped lexicon and the phrases of a deployment's file (its text). The version
    /// stays the shipped one: the deployment versions its own file.
    pub fn extended(self, deployment: &str) -> Result<Detector, ForensicsError> {
        let mut phrases = keywords_of(self.shipped());
        phrases.extend(keywords_of(deployment));
        detector(self.name(), VERSION, &phrases)
    }
}

/// A lexicon detector of `phrases`, reporting them as the entity `name`.
pub fn detector(name: &str, version: u32, phrases: &[String]) -> Result<Detector, ForensicsError> {
    if phrases.is_empty() {
        return Err(ForensicsError::InvalidOptions(format!(
            "lexicon `{name}` has no phrases"
        )));
    }
    let mut alternatives: Vec<String> = phrases.iter().map(|phrase| pattern_of(phrase)).collect();
    // Longest first, so the longer of two phrases starting at one place is the one reported.
    alternatives.sort_by_key(|alternative| std::cmp::Reverse(alternative.len()));
    alternatives.dedup();
    let spec = PatternSpec {
        entity: name.to_string(),
        regex: format!("(?:{})", alternatives.join("|")),
        case_insensitive: true,
        validate: whole,
    };
    Detector::new(name, version, vec![spec])
}

/// A phrase as a pattern: words escaped, any whitespace between them, and a word boundary at
/// each end that is an ASCII letter or digit. ASCII boundaries keep the matcher on its fast
/// automaton; at a non-ASCII end there is none (`über` also matches inside `darüber`).
fn pattern_of(phrase: &str) -> String {
    let words: Vec<String> = phrase.split_whitespace().map(regex::escape).collect();
    let boundary = |character: Option<char>| {
        if character.is_some_and(|c| c.is_ascii_alphanumeric()) {
            r"(?-u:\b)"
        } else {
            ""
        }
    };
    format!(
        "{}{}{}",
        boundary(phrase.chars().next()),
        words.join(r"\s+"),
        boundary(phrase.chars().last())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found<'t>(detector: &Detector, text: &'t str) -> Vec<&'t str> {
        detector.find(text).map(|m| &text[m.start..m.end]).collect()
    }

    #[test]
    fn shipped_lexicons_load_and_match_on_word_boundaries() {
        for lexicon in Lexicon::ALL {
            let detector = lexicon.detector();
            assert_eq!(detector.name(), lexicon.name());
            assert!(
                !keywords_of(lexicon.shipped()).is_empty(),
                "{}",
                lexicon.name()
            );
        }
        let medical = Lexicon::MedicalDosage.detector();
        assert_eq!(
            found(
                &medical,
                "What is the MAXIMUM   DOSE of ibuprofen, in mg/kg?"
            ),
            ["MAXIMUM   DOSE", "mg/kg"]
        );
        // Not inside another word.
        assert!(found(&medical, "the doses_of_x and adosage").is_empty());
        let self_harm = Lexicon::SelfHarm.detector();
        assert_eq!(found(&self_harm, "I want to\ndie"), ["want to\ndie"]);
    }

    #[test]
    fn deployments_extend_or_replace() {
        let extended = Lexicon::FinancialAdvice
            .extended("# ours\nall in on\nVermögensberatung\n")
            .unwrap();
        assert_eq!(
            found(
                &extended,
                "Go all in on it: a sure thing. Keine Vermögensberatung!"
            ),
            ["all in on", "sure thing", "Vermögensberatung"]
        );
        let own = detector("competitors", 3, &["Acme Corp".to_string()]).unwrap();
        assert_eq!((own.name(), own.version()), ("competitors", 3));
        assert_eq!(found(&own, "acme corp's model"), ["acme corp"]);
        assert!(detector("empty", 1, &[]).is_err());
    }
}
