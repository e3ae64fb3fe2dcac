//! Text detectors for generative-AI incidents (issue #15): personal data ([`pii`]), secrets
//! ([`secrets`]) and lexicons of unsafe content ([`lexicon`]). What each finds, and what it
//! deliberately does not, is in `docs/detectors.md`; each has a version that changes whenever
//! what it matches changes, so a finding can say which rules produced it.
//!
//! Built for throughput over many short texts: every detector is one [`RegexSet`] that answers
//! "anything here?" in one pass without allocating; only a text that has a candidate is searched
//! again by the patterns that matched, and candidates are then validated (check digits, ranges,
//! entropy).
//!
//! Offsets are bytes into the UTF-8 text, as Rust slices them; [`Match::char_span`] converts to
//! character (code point) offsets, which Presidio and Python strings use.

pub mod checksum;
pub mod lexicon;
pub mod mask;
pub mod pii;
pub mod secrets;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::ForensicsError;

/// One thing a detector found: `text[start..end]` in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Match<'d> {
    pub detector: &'d str,
    /// What was found, e.g. `email`, `payment_card`, `aws_access_key_id`, or a lexicon's name.
    pub entity: &'d str,
    pub start: usize,
    pub end: usize,
}

impl Match<'_> {
    /// The same span in characters (code points) of `text`, as Python and Presidio count.
    pub fn char_span(&self, text: &str) -> (usize, usize) {
        let start = text[..self.start].chars().count();
        (start, start + text[self.start..self.end].chars().count())
    }
}

/// Narrows a regular-expression match to what it really found, relative to the match, or
/// rejects it (a failed check digit, an impossible range).
type Validate = fn(&str) -> Option<(usize, usize)>;

struct Pattern {
    entity: String,
    regex: Regex,
    validate: Validate,
}

/// A named, versioned set of patterns.
pub struct Detector {
    name: String,
    version: u32,
    /// The same patterns as `patterns`, for the one pass that finds whether any matches.
    set: RegexSet,
    patterns: Vec<Pattern>,
}

/// A pattern as a detector is built from it.
pub(crate) struct PatternSpec {
    pub entity: String,
    pub regex: String,
    pub case_insensitive: bool,
    pub validate: Validate,
}

/// Keeps every match whole.
pub(crate) fn whole(matched: &str) -> Option<(usize, usize)> {
    Some((0, matched.len()))
}

/// Detectors compile to at most this much each: lexicons of some thousand phrases fit.
const SIZE_LIMIT: usize = 32 << 20;

impl Detector {
    pub(crate) fn new(
        name: &str,
        version: u32,
        specs: Vec<PatternSpec>,
    ) -> Result<Self, ForensicsError> {
        let refuse = |error: regex::Error| {
            ForensicsError::InvalidOptions(format!("detector `{name}` does not compile: {error}"))
        };
        let set = RegexSetBuilder::new(specs.iter().map(|spec| {
            if spec.case_insensitive {
                format!("(?i:{})", spec.regex)
            } else {
                spec.regex.clone()
            }
        }))
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(refuse)?;
        let patterns = specs
            .into_iter()
            .map(|spec| {
                Ok(Pattern {
                    regex: RegexBuilder::new(&spec.regex)
                        .case_insensitive(spec.case_insensitive)
                        .size_limit(SIZE_LIMIT)
                        .build()
                        .map_err(refuse)?,
                    entity: spec.entity,
                    validate: spec.validate,
                })
            })
            .collect::<Result<Vec<_>, ForensicsError>>()?;
        Ok(Self {
            name: name.to_string(),
            version,
            set,
            patterns,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    /// What the detector finds in `text`: grouped by entity in the order the detector lists
    /// them, each group in text order. A text without a candidate costs one pass and no
    /// allocation.
    pub fn find<'d: 't, 't>(&'d self, text: &'t str) -> impl Iterator<Item = Match<'d>> + 't {
        let candidates = self.set.is_match(text).then(|| self.set.matches(text));
        candidates.into_iter().flatten().flat_map(move |index| {
            let pattern = &self.patterns[index];
            let mut from = 0;
            std::iter::from_fn(move || {
                while from <= text.len() {
                    let found = pattern.regex.find_at(text, from)?;
                    let next_character = found.start()
                        + text[found.start()..]
                            .chars()
                            .next()
                            .map_or(1, char::len_utf8);
                    match (pattern.validate)(found.as_str()) {
                        Some((start, end)) => {
                            from = if found.is_empty() {
                                next_character
                            } else {
                                found.end()
                            };
                            return Some(Match {
                                detector: &self.name,
                                entity: &pattern.entity,
                                start: found.start() + start,
                                end: found.start() + end,
                            });
                        }
                        // A candidate that fails its checks may have swallowed the start of a
                        // real one (`order 55523 4111 1111 1111 1111`): search again from the
                        // next character rather than after it.
                        None => from = next_character,
                    }
                }
                None
            })
        })
    }
}

/// The names [`by_name`] knows: `pii`, `secrets` and each shipped lexicon.
pub fn names() -> Vec<&'static str> {
    ["pii", "secrets"]
        .into_iter()
        .chain(lexicon::Lexicon::ALL.map(lexicon::Lexicon::name))
        .collect()
}

/// The built-in detector called `name`, or a refusal listing the known names.
pub fn by_name(name: &str) -> Result<Detector, ForensicsError> {
    match name {
        "pii" => Ok(pii::detector()),
        "secrets" => Ok(secrets::detector()),
        _ => lexicon::Lexicon::ALL
            .into_iter()
            .find(|lexicon| lexicon.name() == name)
            .map(lexicon::Lexicon::detector)
            .ok_or_else(|| ForensicsError::UnknownDetector {
                name: name.to_string(),
                known: names().join(", "),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_bytes_and_convert_to_characters() {
        let detector = pii::detector();
        let text = "Grüße an jörg@example.com";
        let found: Vec<Match> = detector.find(text).collect();
        assert_eq!(found.len(), 1);
        // "Grüße an " is 9 characters and 11 bytes.
        assert_eq!((found[0].start, found[0].end), (11, 28));
        assert_eq!(&text[found[0].start..found[0].end], "jörg@example.com");
        assert_eq!(found[0].char_span(text), (9, 25));
        assert_eq!((detector.name(), detector.version()), ("pii", pii::VERSION));
    }

    #[test]
    fn detectors_are_found_by_name() {
        for name in names() {
            assert_eq!(by_name(name).unwrap().name(), name);
        }
        let error = by_name("dosage").err().unwrap().to_string();
        assert!(
            error.contains("`dosage`") && error.contains("medical_dosage"),
            "{error}"
        );
    }

    #[test]
    fn a_text_without_candidates_finds_nothing() {
        let detector = secrets::detector();
        assert_eq!(detector.find("nothing to see here").count(), 0);
    }
}
