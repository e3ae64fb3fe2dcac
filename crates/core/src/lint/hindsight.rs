//! Hindsight: intensifiers of obviousness, modal hindsight ("should have",
//! "could have been caught") and counterfactual conditionals ("had the canary
//! run longer…", "if only…").

use super::advice::Pattern;
use super::lexicon::PLAIN_PRESENTATION;
use super::sentence::{Token, is, longest_at, negated, participle_follows, starts_with};
use super::{Hit, Lexicon, LintRule};

/// Modals that, with "have" and a prevention verb, say it was avoidable.
const COUNTERFACTUAL_MODALS: &[&str] = &["could", "would", "might"];
/// The same modals contracted with their "have".
const CONTRACTED_MODALS: &[&str] = &["could've", "would've", "might've"];

/// Words between "would have" and its participle: "would have easily been caught".
const MODAL_FILLERS: &[&str] = &[
    "not",
    "never",
    "been",
    "easily",
    "probably",
    "likely",
    "quickly",
    "all",
    "immediately",
];

/// Hindsight phrases that say what nobody saw: a modal of obligation is always
/// hindsight, these only unless negated ("the cause was not obvious").
const MODALS: &[&str] = &["should", "shouldn't", "should've", "ought"];

pub fn hits(tokens: &[Token], lexicon: &Lexicon) -> Vec<Hit> {
    let mut hits = Vec::new();
    let hit = |pattern, from, to| Hit::new(LintRule::Hindsight, pattern, tokens, from, to);
    for at in 0..tokens.len() {
        if let Some(len) = longest_at(tokens, at, &lexicon.hindsight) {
            if is(tokens, at, MODALS) {
                // "should have a 30-minute window" asks for something to exist.
                if participle_follows(tokens, at + len) {
                    hits.push(hit(Pattern::ShouldHave, at, at + len));
                }
            } else if !negated(tokens, at) && !shown_plainly(tokens, at) {
                hits.push(hit(Pattern::Obviousness, at, at + len));
            }
        }
        if let Some(to) = avoidable_outcome(tokens, lexicon, at) {
            hits.push(hit(Pattern::Counterfactual, at, to));
        }
        if let Some(to) = counterfactual_condition(tokens, at) {
            hits.push(hit(Pattern::Counterfactual, at, to));
        }
    }
    if let Some(signs) = tokens.iter().position(|t| t.text == "signs")
        && let Some(there) =
            (signs + 1..tokens.len()).find(|&at| starts_with(tokens, at, &["were", "there"]))
    {
        // "The signs were there a week before."
        hits.push(hit(Pattern::Obviousness, signs, there + 2));
    }
    hits
}

/// "clearly states", or "clearly visible" said of now: how something is
/// shown, not what anyone should have seen.
fn shown_plainly(tokens: &[Token], at: usize) -> bool {
    is(tokens, at, &["clearly", "plainly"])
        && (is(tokens, at + 1, PLAIN_PRESENTATION)
            || (is(tokens, at + 1, &["visible"])
                && !(at > 0 && is(tokens, at - 1, &["was", "were"]))))
}

/// "would have been caught", "could have prevented": the end of the phrase.
fn avoidable_outcome(tokens: &[Token], lexicon: &Lexicon, at: usize) -> Option<usize> {
    let mut verb = at + 1;
    if !is(tokens, at, CONTRACTED_MODALS) {
        if !is(tokens, at, COUNTERFACTUAL_MODALS) {
            return None;
        }
        // "could not have known" defends; "would not have happened" judges.
        if is(tokens, at, &["could"]) && is(tokens, verb, &["not", "never"]) {
            return None;
        }
        while is(tokens, verb, &["not", "never", "easily"]) {
            verb += 1;
        }
        if !is(tokens, verb, &["have"]) {
            return None;
        }
        verb += 1;
    }
    while is(tokens, verb, MODAL_FILLERS) {
        verb += 1;
    }
    longest_at(tokens, verb, &lexicon.prevention_verbs).map(|len| verb + len)
}

/// A past conditional: a sentence opening "Had the canary run…", "if only",
/// or "if" followed by "had" in the same clause. Returns the end of its
/// opening words.
fn counterfactual_condition(tokens: &[Token], at: usize) -> Option<usize> {
    let opens_clause = at == 0 || tokens[at].clause_break;
    if opens_clause && is(tokens, at, &["had", "hadn't"]) && !is(tokens, at + 1, &["to"]) {
        return Some(at + 1);
    }
    if starts_with(tokens, at, &["if", "only"]) {
        return Some(at + 2);
    }
    if !is(tokens, at, &["if"]) {
        return None;
    }
    (at + 1..tokens.len())
        .take_while(|&i| !tokens[i].clause_break)
        .find(|&i| is(tokens, i, &["had", "hadn't"]))
        .map(|i| i + 1)
}
