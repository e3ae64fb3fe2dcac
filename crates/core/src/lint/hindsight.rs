//! Hindsight: intensifiers of obviousness, modal hindsight ("should have",
//! "could have been caught") and counterfactual conditionals ("had the canary
//! run longer…", "if only…").

use super::advice::Pattern;
use super::lexicon::PLAIN_PRESENTATION;
use super::sentence::{
    Token, clause_end, is, longest_at, negated, participle_follows, starts_with,
};
use super::{Hit, Lexicon, LintRule};

/// Modals that, with "have" and a prevention verb, say it was avoidable.
const COUNTERFACTUAL_MODALS: &[&str] = &["could", "would", "might"];
/// The same modals contracted with their "have".
const CONTRACTED_MODALS: &[&str] = &["could've", "would've", "might've"];

/// Words between "would have" and its participle: "would have easily been caught".
const MODAL_FILLERS: &[&str] = &["not", "never", "been", "all", "hardly", "more"];

/// Hindsight phrases that say what nobody saw: a modal of obligation is always
/// hindsight, these only unless negated ("the cause was not obvious").
const MODALS: &[&str] = &["should", "shouldn't", "should've", "ought"];

/// Words that make a step sound trivial: "simply needed to", "nobody even looked".
const MINIMIZERS: &[&str] = &["just", "simply", "only", "merely", "even"];

/// Past obligations a minimizer turns into hindsight: "they simply needed to".
const OBLIGATIONS: &[&[&str]] = &[&["had", "to"], &["needed", "to"], &["had", "only", "to"]];

/// Nobody as the subject of a step not taken.
const NOBODY: &[&[&str]] = &[&["nobody"], &["no", "one"], &["no-one"]];

/// Verbs after "nobody" that say the step was there for the taking: "no one
/// thought to test"; "nobody thought the spike mattered" reports a belief.
const NOT_BOTHERING: &[&[&str]] = &[&["thought", "to"], &["bothered", "to"], &["cared", "to"]];

/// Adjectives of obviousness that judge after "was" when followed by
/// [`SINCE_WHEN`]; "obvious" and "it was clear" are in the word list.
const OBVIOUS: &[&str] = &["plain", "evident", "apparent", "clear"];

/// Words after an obviousness adjective that point back in time or at
/// everyone: "plain from the first complaint", "apparent to anyone".
const SINCE_WHEN: &[&str] = &["from", "that", "to", "early", "all", "right", "at"];

/// Verbs of seeing after "anyone could": "anyone could see it".
const PERCEPTION_VERBS: &[&str] = &["see", "tell", "spot", "notice", "catch"];

/// People in general, whose judgement "would have" appeals to when a
/// qualification follows: "nobody with any experience would have trusted it".
/// Bare, "anyone would have made the same call" defends.
const ANYONE: &[&[&str]] = &[&["anyone"], &["anybody"], &["nobody"], &["no", "one"]];

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
        if let Some(to) = reasonable_person(tokens, at) {
            hits.push(hit(Pattern::Counterfactual, at, to));
        }
        if let Some(to) = minimized_step(tokens, at) {
            hits.push(hit(Pattern::Minimizing, at, to));
        }
        if let Some(to) = anyone_could_see(tokens, at) {
            hits.push(hit(Pattern::Obviousness, at, to));
        }
        if let Some(to) = obvious_since(tokens, at) {
            hits.push(hit(Pattern::Obviousness, at, to));
        }
        if let Some(to) = obligation_with_adverb(tokens, at) {
            hits.push(hit(Pattern::ShouldHave, at, to));
        }
    }
    if let Some(to) = rhetorical_question(tokens) {
        hits.push(hit(Pattern::Obviousness, 0, to));
    }
    if let Some(signs) = tokens.iter().position(|t| t.text == "signs")
        && let Some(there) = (signs + 1..tokens.len()).find_map(|at| signs_there(tokens, at))
    {
        // "The signs were there a week before", "the signs were all there".
        hits.push(hit(Pattern::Obviousness, signs, there));
    }
    hits
}

/// "clearly states", "communicate more clearly", or "clearly visible" said
/// of now: how something is shown, not what anyone should have seen.
fn shown_plainly(tokens: &[Token], at: usize) -> bool {
    is(tokens, at, &["clearly", "plainly"])
        && (is(tokens, at + 1, PLAIN_PRESENTATION)
            || (at > 0 && is(tokens, at - 1, &["more", "less", "very"]))
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
        while is(tokens, verb, &["not", "never", "hardly", "so"]) || adverb(tokens, verb) {
            verb += 1;
        }
        if !is(tokens, verb, &["have"]) {
            return None;
        }
        verb += 1;
    }
    while is(tokens, verb, MODAL_FILLERS) || adverb(tokens, verb) {
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
    // "Were they to have followed the runbook, …": the formal past conditional.
    if opens_clause && is(tokens, at, &["were"]) {
        let clause = clause_end(tokens, at).min(at + 6);
        if let Some(to) = (at + 2..clause).find(|&i| starts_with(tokens, i, &["to", "have"])) {
            return Some(to + 2);
        }
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

/// The length of the first of `list` standing at `at`.
fn any_at(tokens: &[Token], at: usize, list: &[&[&str]]) -> Option<usize> {
    list.iter()
        .find(|words| starts_with(tokens, at, words))
        .map(|words| words.len())
}

/// The end of "were [all] there" standing at `at`.
fn signs_there(tokens: &[Token], at: usize) -> Option<usize> {
    if !is(tokens, at, &["were", "was"]) {
        return None;
    }
    let there = at + 1 + usize::from(is(tokens, at + 1, &["all", "always", "clearly"]));
    is(tokens, there, &["there"]).then_some(there + 1)
}

/// A step told as trivial: "they simply needed to pin it", "Bob could have
/// just rolled back", "nobody even looked", "no one thought to test".
/// Returns the end of the phrase.
fn minimized_step(tokens: &[Token], at: usize) -> Option<usize> {
    if is(tokens, at, &["could", "might"])
        && is(tokens, at + 1, &["have"])
        && is(tokens, at + 2, &["simply", "just"])
    {
        return Some(at + 3);
    }
    if is(tokens, at, MINIMIZERS)
        && !is(tokens, at, &["even"])
        && let Some(len) = any_at(tokens, at + 1, OBLIGATIONS)
    {
        return Some(at + 1 + len);
    }
    // "it only needed someone to flip the flag", "all anyone needed to do".
    if is(tokens, at, MINIMIZERS) && !is(tokens, at, &["even"]) || is(tokens, at, &["all"]) {
        let obliged = (at + 1..tokens.len().min(at + 4))
            .take_while(|&i| !tokens[i].clause_break)
            .find(|&i| is(tokens, i, &["needed", "had"]))?;
        let to = (obliged + 1..tokens.len().min(obliged + 4))
            .take_while(|&i| !tokens[i].clause_break)
            .find(|&i| is(tokens, i, &["to"]))?;
        let all_to_do = is(tokens, at, &["all"]) && is(tokens, to + 1, &["do"]);
        return (!is(tokens, at, &["all"]) || all_to_do).then_some(to + 1);
    }
    let after = at + any_at(tokens, at, NOBODY)?;
    // "Nobody simply restarts a cluster here" states a rule.
    if is(tokens, after, MINIMIZERS) && participle_follows(tokens, after + 1) {
        return Some(after + 1);
    }
    any_at(tokens, after, NOT_BOTHERING).map(|len| after + len)
}

/// "Anyone could see the model was drifting": the end of the phrase.
/// "Anybody could request access" tells a permission.
fn anyone_could_see(tokens: &[Token], at: usize) -> Option<usize> {
    (is(tokens, at, &["anyone", "anybody"])
        && is(tokens, at + 1, &["could", "can"])
        && is(tokens, at + 2, PERCEPTION_VERBS))
    .then_some(at + 3)
}

/// "It was plain from the first complaint", "was apparent to anyone": the
/// end of the phrase. "It became clear at 10:40" tells when it was seen.
fn obvious_since(tokens: &[Token], at: usize) -> Option<usize> {
    (is(tokens, at, &["was", "were", "is", "'s"])
        && is(tokens, at + 1, OBVIOUS)
        && is(tokens, at + 2, SINCE_WHEN))
    .then_some(at + 3)
}

/// Whether `at` holds an adverb: "-ly" or one of the few without it.
fn adverb(tokens: &[Token], at: usize) -> bool {
    is(tokens, at, &["really", "surely", "just"])
        || tokens
            .get(at)
            .is_some_and(|t| t.text.len() > 3 && t.text.ends_with("ly") && t.text != "only")
}

/// "ought reasonably to have identified", "should really have checked":
/// a modal of obligation with adverbs before its "have"; the bare phrases
/// are in the word list.
fn obligation_with_adverb(tokens: &[Token], at: usize) -> Option<usize> {
    if !is(tokens, at, &["should", "ought"]) || !adverb(tokens, at + 1) {
        return None;
    }
    let mut have = at + 1;
    while adverb(tokens, have) {
        have += 1;
    }
    if is(tokens, have, &["to"]) {
        have += 1;
    }
    (is(tokens, have, &["have"]) && participle_follows(tokens, have + 1)).then_some(have + 1)
}

/// People a question asks about: "why didn't anyone question…"; "why
/// didn't we see the alert?" is the post-mortem asking itself.
const ASKED_ABOUT: &[&str] = &[
    "anyone",
    "anybody",
    "someone",
    "somebody",
    "they",
    "you",
    "he",
    "she",
    "team",
    "engineer",
    "engineers",
    "reviewer",
    "reviewers",
];

/// Words of effort in "was it really so hard to read the alert?".
const EFFORT: &[&str] = &["hard", "difficult", "complicated", "much"];

/// A question that judges: "why didn't anyone question the jump?", "why did
/// nobody think to test…?", "was it really so hard to read the alert?". A
/// question about a system ("why didn't the alert fire?") asks for a cause.
/// Returns the end of its opening words.
fn rhetorical_question(tokens: &[Token]) -> Option<usize> {
    let first = usize::from(is(tokens, 0, &["so", "but", "and", "honestly"]));
    let clause = clause_end(tokens, first);
    let within = |words: &[&str]| (first..clause).find(|&i| is(tokens, i, words));
    if is(tokens, first, &["why", "how"]) {
        let nobody = (first..clause).find(|&i| any_at(tokens, i, NOBODY).is_some());
        let negation = within(NEGATIONS_OF_ACTS);
        return nobody
            .or_else(|| negation.and(within(ASKED_ABOUT)))
            .map(|i| i + 1);
    }
    let asks = is(tokens, first, &["was", "is", "would", "wasn't", "isn't"])
        && is(tokens, first + 1, &["it"]);
    (asks && (first + 2..clause.min(first + 6)).any(|i| is(tokens, i, EFFORT))).then_some(first + 2)
}

/// Negations of a step in a question: "why didn't anyone", "why did we not".
const NEGATIONS_OF_ACTS: &[&str] = &[
    "didn't", "not", "wasn't", "weren't", "hadn't", "never", "couldn't", "wouldn't",
];

/// An appeal to what anyone would have done: "nobody with any experience
/// would have trusted it". "Nobody could have predicted it" defends, and
/// "nobody would have been paged" tells what the routing did.
fn reasonable_person(tokens: &[Token], at: usize) -> Option<usize> {
    let after = at + any_at(tokens, at, ANYONE)?;
    if !is(tokens, after, &["with"]) {
        return None;
    }
    let clause = clause_end(tokens, at);
    let modal = (after..clause).find(|&i| is(tokens, i, &["would", "would've"]))?;
    let mut have = modal;
    if is(tokens, modal, &["would"]) {
        have += 1;
        while is(tokens, have, &["not", "never"]) {
            have += 1;
        }
        if !is(tokens, have, &["have"]) {
            return None;
        }
    }
    (!is(tokens, have + 1, &["been"]) && participle_follows(tokens, have + 1)).then_some(have + 2)
}

#[cfg(test)]
mod tests {
    use super::super::{LintRule::*, assert_table};

    #[test]
    fn a_step_told_as_trivial_is_hindsight() {
        assert_table(&[
            (
                "They simply needed to pin it.",
                &[(Hindsight, "simply needed to")],
            ),
            (
                "It is a mystery why nobody simply looked.",
                &[(Hindsight, "nobody simply")],
            ),
            (
                "No one thought to test it.",
                &[(Hindsight, "No one thought to")],
            ),
            ("Nobody thought the spike mattered.", &[]),
            (
                "Alice could have simply rolled back.",
                &[(Hindsight, "could have simply")],
            ),
            (
                "The signs were all there.",
                &[(Hindsight, "signs were all there")],
            ),
            ("Nobody was paged.", &[]),
            ("Nobody simply restarts a cluster here.", &[]),
            (
                "It only needed someone to flip the flag.",
                &[(Hindsight, "only needed someone to")],
            ),
            (
                "All anyone needed to do was compare the schemas.",
                &[(Hindsight, "All anyone needed to")],
            ),
            ("All teams had to migrate by March.", &[]),
            (
                "Anybody could see the model was drifting.",
                &[(Hindsight, "Anybody could see")],
            ),
            ("Anybody could request access.", &[]),
        ]);
    }

    #[test]
    fn obviousness_after_was_points_back_in_time() {
        assert_table(&[
            (
                "It was plain from the first complaint.",
                &[(Hindsight, "was plain from")],
            ),
            ("It was apparent only at 11:47.", &[]),
            ("The cause was not plain from the logs.", &[]),
        ]);
    }

    #[test]
    fn questions_that_judge_are_hindsight_questions_about_systems_are_not() {
        assert_table(&[
            (
                "Why didn't anyone question the jump?",
                &[(Hindsight, "Why didn't anyone")],
            ),
            (
                "Why did nobody think to test it?",
                &[(Hindsight, "Why did nobody")],
            ),
            (
                "Was it really so hard to read the alert?",
                &[(Hindsight, "Was it")],
            ),
            ("Why didn't the alert fire?", &[]),
            ("Why didn't we see the alert?", &[]),
            ("Why did the retry not run?", &[]),
            ("Was it the cache that failed?", &[]),
        ]);
    }

    #[test]
    fn modal_perfects_with_adverbs_and_formal_conditionals_are_hindsight() {
        assert_table(&[
            (
                "The function ought reasonably to have identified it.",
                &[(Hindsight, "ought reasonably to have")],
            ),
            (
                "Were they to have followed the runbook, it would have lasted minutes.",
                &[(Hindsight, "Were they to have")],
            ),
            (
                "The risk could hardly have been plainer.",
                &[(Hindsight, "could hardly have been plainer")],
            ),
            ("The gauges were to have been replaced in May.", &[]),
        ]);
    }

    #[test]
    fn what_anyone_would_have_done_is_hindsight() {
        assert_table(&[
            (
                "Nobody with any experience would have trusted it.",
                &[(Hindsight, "Nobody with any experience would have trusted")],
            ),
            ("Nobody could have predicted the change.", &[]),
            (
                "Anyone in that position would have made the same call.",
                &[],
            ),
            ("Nobody would have been paged.", &[]),
            (
                "Alice should have double-checked the threshold.",
                &[(PersonAsCause, "Alice should have")],
            ),
        ]);
    }
}
