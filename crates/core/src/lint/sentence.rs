//! A text as sentences of words, with where each clause starts: the unit the
//! lint's sentence rules read. Splitting is by punctuation, not grammar, so
//! "0.9" stays one place in a sentence and "e.g. this" may split; the rules
//! only need to know which words belong together.

use crate::blame;

/// One word of a sentence: its lowercase form for matching, the text as
/// written (names are told from words by their capital), and its char span.
#[derive(Debug, Clone)]
pub struct Token {
    pub text: String,
    pub raw: String,
    pub start: usize,
    pub end: usize,
    /// A comma, semicolon, colon, dash or bracket stands between this word and
    /// the one before: a new clause may start here.
    pub clause_break: bool,
    /// The word stands inside double quotation marks: a mention or what
    /// someone said, not the writer's own words.
    pub quoted: bool,
}

/// The sentences of `text`, each a list of tokens.
pub fn sentences(text: &str) -> Vec<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut sentences: Vec<Vec<Token>> = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let mut previous_end = 0;
    let mut quoted = false;
    for word in blame::words(text) {
        let gap: String = chars[previous_end..word.start].iter().collect();
        if ends_sentence(&gap) && !current.is_empty() {
            sentences.push(std::mem::take(&mut current));
        }
        for c in gap.chars() {
            match c {
                '“' => quoted = true,
                '”' | '\n' => quoted = false,
                '"' => quoted = !quoted,
                _ => {}
            }
        }
        let clause_break = gap.contains([',', ';', ':', '(', ')', '—', '–']) || gap.contains(" - ");
        current.push(Token {
            raw: chars[word.start..word.end].iter().collect(),
            text: word.text,
            start: word.start,
            end: word.end,
            clause_break,
            quoted,
        });
        previous_end = word.end;
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    sentences
}

/// A full stop, question or exclamation mark followed by space, or a line
/// break: "0.9" and "v2.1" do not end a sentence.
fn ends_sentence(gap: &str) -> bool {
    gap.contains('\n')
        || gap
            .trim_start_matches(['"', '\'', ')', '’', '”'])
            .starts_with(['.', '!', '?'])
            && gap.chars().any(char::is_whitespace)
}

/// A phrase of a word list as the words it matches.
pub type Phrase = Vec<String>;

pub fn phrases(list: &[String]) -> Vec<Phrase> {
    list.iter()
        .map(|p| {
            blame::words(p)
                .into_iter()
                .map(|w| w.text)
                .collect::<Phrase>()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// Whether `phrase` stands at `at`, inside one clause.
pub fn phrase_at(tokens: &[Token], at: usize, phrase: &[String]) -> bool {
    at + phrase.len() <= tokens.len()
        && tokens[at..at + phrase.len()]
            .iter()
            .zip(phrase)
            .enumerate()
            .all(|(i, (t, p))| &t.text == p && (i == 0 || !t.clause_break))
}

/// The longest of `list` standing at `at`, as its length in words.
pub fn longest_at(tokens: &[Token], at: usize, list: &[Phrase]) -> Option<usize> {
    list.iter()
        .filter(|p| phrase_at(tokens, at, p))
        .map(Vec::len)
        .max()
}

/// The longest of `list` ending just before `at`, as the index it starts at.
pub fn ending_before(tokens: &[Token], at: usize, list: &[Phrase]) -> Option<usize> {
    list.iter()
        .filter(|p| p.len() <= at && phrase_at(tokens, at - p.len(), p))
        .map(|p| at - p.len())
        .min()
}

/// The index where the clause holding `at` ends (exclusive).
pub fn clause_end(tokens: &[Token], at: usize) -> usize {
    (at + 1..tokens.len())
        .find(|&i| tokens[i].clause_break)
        .unwrap_or(tokens.len())
}

pub fn is(tokens: &[Token], at: usize, words: &[&str]) -> bool {
    tokens
        .get(at)
        .is_some_and(|t| words.contains(&t.text.as_str()))
}

/// Words that say a thing is not so: "not obvious", "never tested".
pub const NEGATIONS: &[&str] = &[
    "not", "never", "didn't", "don't", "doesn't", "wasn't", "weren't", "isn't", "hadn't",
    "haven't", "hasn't", "non", "no", "nothing",
];

/// Whether a negation stands just before `at`: "not obvious".
pub fn negated(tokens: &[Token], at: usize) -> bool {
    at > 0 && is(tokens, at - 1, NEGATIONS)
}

/// Whether `words` stand at `at`, inside one clause.
pub fn starts_with(tokens: &[Token], at: usize, words: &[&str]) -> bool {
    at + words.len() <= tokens.len()
        && tokens[at..at + words.len()]
            .iter()
            .zip(words)
            .enumerate()
            .all(|(i, (t, w))| t.text == *w && (i == 0 || !t.clause_break))
}

/// Past participles that do not end as regular ones do.
const IRREGULAR_PARTICIPLES: &[&str] = &[
    "been",
    "seen",
    "done",
    "run",
    "known",
    "gone",
    "made",
    "read",
    "set",
    "put",
    "let",
    "hit",
    "cut",
    "shut",
    "found",
    "held",
    "told",
    "taken",
    "given",
    "got",
    "gotten",
    "begun",
    "written",
    "chosen",
    "spoken",
    "fallen",
    "broken",
    "drawn",
    "shown",
    "grown",
    "thrown",
    "understood",
    "stood",
    "paid",
    "said",
    "led",
    "met",
    "spent",
    "sent",
    "kept",
    "built",
    "lost",
    "meant",
    "left",
    "felt",
    "dealt",
    "slept",
    "learnt",
    "caught",
    "thought",
    "bought",
    "brought",
    "fought",
    "sought",
    "taught",
];

/// Whether a past participle follows `at`, past adverbs: "should have
/// [immediately] rolled back" is hindsight, "should have a 30-minute window"
/// and "should have access" are not.
pub fn participle_follows(tokens: &[Token], at: usize) -> bool {
    let mut verb = at;
    // "double" and "re" are the first halves of "double-checked", "re-run".
    while is(
        tokens,
        verb,
        &[
            "never", "not", "also", "just", "at", "least", "all", "double", "re", "cross",
        ],
    ) || tokens.get(verb).is_some_and(|t| t.text.ends_with("ly"))
    {
        verb += 1;
    }
    tokens.get(verb).is_some_and(|t| {
        let word = t.text.as_str();
        IRREGULAR_PARTICIPLES.contains(&word)
            || (word.len() > 3 && word.ends_with("ed"))
            || (word.len() > 4 && word.ends_with("en"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<Vec<String>> {
        sentences(text)
            .into_iter()
            .map(|s| s.into_iter().map(|t| t.text).collect())
            .collect()
    }

    #[test]
    fn splits_on_sentence_ends_but_not_on_decimals() {
        assert_eq!(
            texts("PSI rose to 0.9. Bob rolled back!\nDone"),
            [
                vec!["psi", "rose", "to", "0", "9"],
                vec!["bob", "rolled", "back"],
                vec!["done"]
            ]
        );
    }

    #[test]
    fn marks_clause_breaks() {
        let tokens = &sentences("The fix, which Bob wrote; shipped")[0];
        let breaks: Vec<bool> = tokens.iter().map(|t| t.clause_break).collect();
        assert_eq!(breaks, [false, false, true, false, false, true]);
        assert_eq!(clause_end(tokens, 0), 2);
    }
}
