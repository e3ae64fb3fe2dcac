//! The one word matcher every language check uses (D1): the blameless lint
//! of [`crate::lint`] (which the 5-Whys check runs too) and the SMART
//! check's measure words. The word lists themselves are in
//! [`crate::lint::lexicon`], configurable with [`crate::lint::LintConfig`].
//!
//! Matching works on words, not bytes: case-insensitive, whole words only, so
//! "just" never matches inside "justice". Curly apostrophes count as straight
//! ones, and a possessive `'s` is a word of its own, so the phrase "'s fault"
//! matches "Bob's fault" and "operator mistake" does not match "operator's
//! mistakes".

/// A word of a text: lowercased, with straight apostrophes, and where it sits
/// in the original as char offsets `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02bc}')
}

/// Splits `text` into words: runs of letters and digits, joined across an
/// apostrophe between two of them ("didn't"); a trailing `'s` is split off as
/// its own word.
pub fn words(text: &str) -> Vec<Word> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || (is_apostrophe(chars[i])
                        && i > start
                        && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())))
            {
                i += 1;
            }
            let word: String = chars[start..i]
                .iter()
                .map(|&c| if is_apostrophe(c) { '\'' } else { c })
                .collect::<String>()
                .to_lowercase();
            match word.strip_suffix("'s").filter(|stem| !stem.is_empty()) {
                Some(stem) => {
                    words.push(Word {
                        text: stem.to_string(),
                        start,
                        end: i - 2,
                    });
                    words.push(Word {
                        text: "'s".into(),
                        start: i - 2,
                        end: i,
                    });
                }
                None => words.push(Word {
                    text: word,
                    start,
                    end: i,
                }),
            }
        } else if is_apostrophe(c)
            && matches!(chars.get(i + 1), Some('s' | 'S'))
            && !chars.get(i + 2).is_some_and(|n| n.is_alphanumeric())
        {
            // A possessive after a non-word, as in the phrase "'s fault".
            words.push(Word {
                text: "'s".into(),
                start: i,
                end: i + 2,
            });
            i += 2;
        } else {
            i += 1;
        }
    }
    words
}

/// One occurrence of a lexicon phrase in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseMatch {
    /// The phrase as the lexicon spells it.
    pub phrase: String,
    /// Char offsets `[start, end)` in the text.
    pub start: usize,
    pub end: usize,
}

/// Every occurrence of any of `phrases` in `text`, by position. Where phrases
/// overlap, the longer one wins, so "should have known" is one finding, not
/// also a "should have".
pub fn find_phrases(text: &str, phrases: &[String]) -> Vec<PhraseMatch> {
    let text_words = words(text);
    let mut patterns: Vec<(&String, Vec<String>)> = phrases
        .iter()
        .map(|p| (p, words(p).into_iter().map(|w| w.text).collect::<Vec<_>>()))
        .filter(|(_, w)| !w.is_empty())
        .collect();
    patterns.sort_by_key(|(_, w)| std::cmp::Reverse(w.len()));
    let mut taken = vec![false; text_words.len()];
    let mut found = Vec::new();
    for (phrase, pattern) in &patterns {
        for at in 0..text_words.len().saturating_sub(pattern.len() - 1) {
            let window = &text_words[at..at + pattern.len()];
            let equal = window.iter().zip(pattern).all(|(w, p)| &w.text == p);
            if equal && !taken[at..at + pattern.len()].iter().any(|&t| t) {
                taken[at..at + pattern.len()].fill(true);
                found.push(PhraseMatch {
                    phrase: phrase.to_string(),
                    start: window[0].start,
                    end: window[pattern.len() - 1].end,
                });
            }
        }
    }
    found.sort_by_key(|m| m.start);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matched(text: &str, phrases: &[&str]) -> Vec<String> {
        let phrases: Vec<String> = phrases.iter().map(|p| p.to_string()).collect();
        let chars: Vec<char> = text.chars().collect();
        find_phrases(text, &phrases)
            .into_iter()
            .map(|m| chars[m.start..m.end].iter().collect())
            .collect()
    }

    #[test]
    fn matches_whole_words_case_insensitively() {
        assert_eq!(
            matched("It was Human  Error.", &["human error"]),
            ["Human  Error"]
        );
        assert!(matched("justice was simplyfied", &["just", "simply"]).is_empty());
        assert!(matched("a careless-ness", &["carelessness"]).is_empty());
        assert_eq!(
            matched("a double-check", &["double check"]),
            ["double-check"]
        );
    }

    #[test]
    fn possessives_and_curly_apostrophes() {
        assert_eq!(matched("It was Bob’s fault", &["'s fault"]), ["’s fault"]);
        assert_eq!(
            matched("Bob didn’t pay attention", &["didn't pay attention"]),
            ["didn’t pay attention"]
        );
        assert!(matched("The operator's mistakes", &["operator mistake"]).is_empty());
        assert_eq!(matched("'careless'", &["careless"]), ["careless"]);
    }

    #[test]
    fn longer_phrases_win_overlaps_and_offsets_count_chars() {
        let phrases = ["should have".to_string(), "should have known".to_string()];
        let found = find_phrases("Ünd we should have known", &phrases);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].phrase, "should have known");
        assert_eq!((found[0].start, found[0].end), (7, 24));
    }
}
