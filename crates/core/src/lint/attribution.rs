//! Blame laid on a person by the sentence around them rather than by a verb
//! they act: an attribution ("the failure is on the data team", "the root
//! cause was the on-call engineer") or a responsibility for a failure ("Bob
//! is responsible for this outage").

use super::Lexicon;
use super::judgement::harm_at;
use super::sentence::{Token, is, starts_with};

/// "Bob is responsible for": blame when a failure noun follows.
const RESPONSIBLE_FOR: &[&[&str]] = &[
    &["is", "responsible", "for"],
    &["was", "responsible", "for"],
    &["are", "responsible", "for"],
    &["were", "responsible", "for"],
];

/// Verbs that lay a failure on the agent after them: "the failure is on the
/// data team", "blame for the leak lies with the on-call".
const ATTRIBUTIONS: &[&[&str]] = &[
    &["is", "on"],
    &["'s", "on"],
    &["was", "on"],
    &["lies", "with"],
    &["lay", "with"],
    &["rests", "with"],
    &["rested", "with"],
    &["falls", "on"],
    &["fell", "on"],
    &["sits", "with"],
    &["comes", "down", "to"],
    &["came", "down", "to"],
    &["boils", "down", "to"],
];

/// Nouns of a failure that, as the subject of an attribution, make its
/// object the cause; "responsibility for the follow-up lies with Bob" does not.
const FAILURE_NOUNS: &[&str] = &[
    "failure",
    "failures",
    "blame",
    "fault",
    "outage",
    "incident",
    "leak",
    "breach",
    "mistake",
    "mistakes",
    "error",
    "errors",
    "miss",
    "cause",
    "problem",
    "regression",
];

/// Nouns that make a bare "was" an attribution: "the root cause of this
/// incident was the on-call engineer", where "the commander was Alice" names.
const CAUSE_NOUNS: &[&str] = &["cause", "culprit", "fault", "reason", "problem"];

/// Pronouns that stand for the failure as the subject of an attribution:
/// "this one is on ops", "that's on the vendor".
const FAILURE_PRONOUNS: &[&str] = &["this", "that", "it", "one"];

/// "The data engineer is the reason the pipeline broke": the end of the
/// cause noun after the agent's verb at `verb`.
pub fn is_the_cause(tokens: &[Token], verb: usize) -> Option<usize> {
    if !is(tokens, verb, &["is", "was", "are", "were"]) || !is(tokens, verb + 1, &["the"]) {
        return None;
    }
    (verb + 2..tokens.len().min(verb + 5))
        .take_while(|&at| !tokens[at].clause_break)
        .find(|&at| is(tokens, at, CAUSE_NOUNS))
        .map(|at| at + 1)
}

/// "Bob is responsible for this outage": the end of the failure noun; "Kenji
/// was responsible for the rollback" names a duty.
pub fn responsible_for_failure(tokens: &[Token], verb: usize, clause: usize) -> Option<usize> {
    let phrase = RESPONSIBLE_FOR
        .iter()
        .find(|r| starts_with(tokens, verb, r))?;
    let object = verb + phrase.len();
    (object..clause.min(object + 4))
        .find(|&at| is(tokens, at, FAILURE_NOUNS) && !noun_follows(tokens, at + 1))
        .map(|at| at + 1)
}

/// Words that close a noun phrase; anything else after "incident" makes it
/// a modifier ("the incident timeline"), not the head.
const PHRASE_CLOSERS: &[&str] = &[
    "in", "on", "at", "of", "and", "that", "which", "because", "by", "when", "with", "for",
    "after", "before", "during",
];

fn noun_follows(tokens: &[Token], at: usize) -> bool {
    at < tokens.len() && !tokens[at].clause_break && !is(tokens, at, PHRASE_CLOSERS)
}

/// Where an attribution laying a failure on the agent `[start, end)` starts:
/// "[the failure is on] the data team", "[the root cause was] the on-call
/// engineer". The agent must close its phrase, so "the outage is on the
/// on-call dashboard" places, not blames.
pub fn attribution_before(
    tokens: &[Token],
    lexicon: &Lexicon,
    start: usize,
    end: usize,
) -> Option<usize> {
    // "the problem was the platform lead ignoring the forecast": a judging
    // word may stand where the phrase closes.
    let closes = end >= tokens.len()
        || tokens[end].clause_break
        || is(tokens, end, &["who", "for", "and", "because"])
        || harm_at(tokens, lexicon, end).is_some();
    if !closes {
        return None;
    }
    let (verb, nouns, attributed) = match ATTRIBUTIONS
        .iter()
        .find_map(|a| attribution_start(tokens, start, a))
    {
        Some(attribution) => (attribution, FAILURE_NOUNS, true),
        None if start > 0 && is(tokens, start - 1, &["was", "is"]) => {
            (start - 1, CAUSE_NOUNS, false)
        }
        None => return None,
    };
    let clause_start = (0..=verb)
        .rev()
        .find(|&at| tokens[at].clause_break)
        .unwrap_or(0);
    let pronoun = attributed && (clause_start..verb).any(|at| is(tokens, at, FAILURE_PRONOUNS));
    ((clause_start..verb).any(|at| is(tokens, at, nouns)) || pronoun).then_some(verb)
}

/// Where `attribution` starts if it ends just before `start`, allowing one
/// adverb after its verb: "lies squarely with", "is entirely on".
fn attribution_start(tokens: &[Token], start: usize, attribution: &[&str]) -> Option<usize> {
    let len = attribution.len();
    if len <= start && starts_with(tokens, start - len, attribution) {
        return Some(start - len);
    }
    let verb = start.checked_sub(len + 1)?;
    let adverb = tokens[verb + 1].text.ends_with("ly");
    (adverb
        && starts_with(tokens, verb, &attribution[..1])
        && starts_with(tokens, verb + 2, &attribution[1..]))
    .then_some(verb)
}

#[cfg(test)]
mod tests {
    use super::super::{LintRule::*, assert_table};

    #[test]
    fn an_attribution_lays_a_failure_on_a_role() {
        assert_table(&[
            (
                "This failure is on the data team, who never validated the schema.",
                &[(PersonAsCause, "is on the data team")],
            ),
            (
                "Blame for the leak lies with the on-call.",
                &[(PersonAsCause, "lies with the on-call")],
            ),
            (
                "The root cause of the outage was the on-call engineer.",
                &[(PersonAsCause, "was the on-call engineer")],
            ),
            ("The incident commander was Alice.", &[]),
            (
                "Responsibility for the follow-up lies with the data team.",
                &[],
            ),
            ("The outage is on the on-call dashboard.", &[]),
            (
                "This one is on ops: they silenced the pager.",
                &[(PersonAsCause, "is on ops")],
            ),
            ("This one is on the roadmap.", &[]),
            (
                "The data engineer is the reason the pipeline broke.",
                &[(PersonAsCause, "The data engineer is the reason")],
            ),
            (
                "Alice is responsible for this outage.",
                &[(PersonAsCause, "Alice is responsible for this outage")],
            ),
            ("Alice was responsible for the incident timeline.", &[]),
            (
                "The outage lies squarely with the release manager.",
                &[(PersonAsCause, "lies squarely with the release manager")],
            ),
        ]);
    }
}
