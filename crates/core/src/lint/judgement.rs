//! What turns a person's neutral act into a judged one, as families rather
//! than phrases: a harm marker, an unreviewed thing ("unvetted", "without
//! anyone opening"), a possessive with a judging word ("Bob's hasty edit"),
//! a cleft that singles a person out for a judged act ("it was Bob who
//! pushed it straight to production"),
//! and a passive naming the person as its agent ("was never checked by…").

use super::Lexicon;
use super::sentence::{Token, clause_end, ending_before, is, longest_at, starts_with};

/// Stems after "un" that say a safeguard was skipped: "unvetted", "untested".
const UNREVIEWED: &[&str] = &[
    "tested",
    "reviewed",
    "vetted",
    "validated",
    "checked",
    "approved",
    "verified",
    "audited",
    "signed",
    "scanned",
];

/// Words after "without" that make it a safeguard skipped rather than a
/// thing absent: "without anyone opening the report", "without so much as";
/// "without a version bump" or "without losing data" only describe.
const WITHOUT_WHOM: &[&str] = &[
    "anyone",
    "anybody",
    "so",
    "telling",
    "asking",
    "notifying",
    "informing",
    "warning",
    "announcing",
    "opening",
    "running",
    "double-checking",
];

/// What a person went ahead despite, that told them not to.
const SIGNALS: &[&str] = &[
    "warning",
    "warnings",
    "objection",
    "objections",
    "alert",
    "alerts",
    "alarm",
    "alarms",
    "metric",
    "metrics",
    "concern",
    "concerns",
    "failing",
    "failed",
    "red",
    "advice",
    "pushback",
    "flags",
];

/// Nouns after "Bob's" that are a group of people acting for Bob: "Niamh's
/// team dragged their feet".
const PEOPLE_OF: &[&str] = &[
    "team", "teams", "staff", "people", "group", "squad", "side", "org", "crew",
];

/// The length of a judging word at `at`: a harm marker of the list, "un…"
/// of a review ("unvetted"), or "without" a review by someone.
pub fn harm_at(tokens: &[Token], lexicon: &Lexicon, at: usize) -> Option<usize> {
    if let Some(len) = longest_at(tokens, at, &lexicon.harm_markers) {
        return Some(len);
    }
    let word = tokens.get(at)?.text.as_str();
    if word
        .strip_prefix("un")
        .is_some_and(|stem| UNREVIEWED.contains(&stem))
    {
        return Some(1);
    }
    // "despite the disparity metrics": going ahead against a signal;
    // "despite the holiday freeze, with the board's approval" is sanctioned.
    if word == "despite" {
        let clause = clause_end(tokens, at).min(at + 5);
        return (at + 1..clause)
            .any(|i| is(tokens, i, SIGNALS))
            .then_some(clause - at);
    }
    let next = tokens.get(at + 1).filter(|t| !t.clause_break)?;
    // "without checking", "without reviewing": a duty verb's gerund.
    let duty =
        longest_at(tokens, at + 1, &lexicon.duty_verbs).is_some() && next.text.ends_with("ing");
    (word == "without" && (duty || WITHOUT_WHOM.contains(&next.text.as_str()))).then_some(2)
}

/// Whether a judging word stands in `[from, to)`.
pub fn harm_in(tokens: &[Token], lexicon: &Lexicon, from: usize, to: usize) -> bool {
    (from..to).any(|at| harm_at(tokens, lexicon, at).is_some())
}

/// "Bob's hasty config edit", "Bob's sloppiness": the end of the judging
/// word after the possessive at `end`, up to two words on.
pub fn judged_possession(tokens: &[Token], lexicon: &Lexicon, end: usize) -> Option<usize> {
    if !is(tokens, end, &["'s"]) {
        return None;
    }
    let clause = clause_end(tokens, end);
    (end + 1..clause.min(end + 4)).find_map(|at| {
        harm_at(tokens, lexicon, at)
            .or_else(|| longest_at(tokens, at, &lexicon.blame))
            .map(|len| at + len)
    })
}

/// "Niamh's team": the end of a group acting for the person whose
/// possessive is at `end`.
pub fn group_of(tokens: &[Token], end: usize) -> Option<usize> {
    (is(tokens, end, &["'s"]) && is(tokens, end + 1, PEOPLE_OF)).then_some(end + 2)
}

/// Where the relative clause of a cleft starts when the agent `[start, end)`
/// is singled out by one: "it was Bob who…", "Bob was the one who…".
pub fn cleft_relative(tokens: &[Token], start: usize, end: usize) -> Option<usize> {
    if start > 0 && is(tokens, start - 1, &["was", "is", "'s"]) && is(tokens, end, &["who"]) {
        return Some(end + 1);
    }
    [
        &["was", "the", "one", "who"][..],
        &["is", "the", "one", "who"],
        &["were", "the", "ones", "who"],
        &["are", "the", "ones", "who"],
    ]
    .iter()
    .find(|words| starts_with(tokens, end, words))
    .map(|words| end + words.len())
}

/// The end of an act a cleft singles out at `verb`: a failure, or an
/// action on a system with a judging word after it ("it was Bob who turned
/// off the guardrail despite the alerts"). A cleft alone also credits: "it
/// was Bob who deployed v2 at 09:00", "who rolled back the deploy".
pub fn singled_out_act(
    tokens: &[Token],
    lexicon: &Lexicon,
    verb: usize,
    failure: Option<usize>,
) -> Option<usize> {
    if failure.is_some() {
        return failure;
    }
    let len = longest_at(tokens, verb, &lexicon.action_verbs)?;
    harm_in(tokens, lexicon, verb + len, tokens.len()).then_some(verb + len)
}

/// Where a passive failure naming the agent at `start` starts: "was
/// rubber-stamped by" the reviewer, "was never checked by" whoever was on
/// call, or "was pushed by" Bob with a judging word after.
pub fn passive_agent(tokens: &[Token], lexicon: &Lexicon, start: usize) -> Option<usize> {
    if start < 2 || !is(tokens, start - 1, &["by"]) {
        return None;
    }
    let by = start - 1;
    if let Some(participle) = ending_before(tokens, by, &lexicon.failure_verbs) {
        return Some(participle);
    }
    let participle = by - 1;
    let negated = participle > 0 && is(tokens, participle - 1, &["never", "not"]);
    if negated && longest_at(tokens, participle, &lexicon.duty_verbs) == Some(1) {
        return Some(participle - 1);
    }
    let acted = longest_at(tokens, participle, &lexicon.action_verbs) == Some(1);
    (acted && harm_in(tokens, lexicon, start, clause_end(tokens, start))).then_some(participle)
}

#[cfg(test)]
mod tests {
    use super::super::{LintRule::*, assert_table};

    #[test]
    fn a_possessive_with_a_judging_word_blames_a_measure_does_not() {
        assert_table(&[
            (
                "Alice's hasty config edit took down the API.",
                &[(PersonAsCause, "Alice's hasty")],
            ),
            (
                "Alice's team dragged their feet on the ticket.",
                &[(PersonAsCause, "Alice's team dragged their feet")],
            ),
            ("The vendor's error rate peaked at 37 %.", &[]),
            ("Alice's team owns the feature store.", &[]),
        ]);
    }

    #[test]
    fn a_cleft_singles_out_an_act_but_credits_a_repair() {
        assert_table(&[
            (
                "It was Alice who pushed the template straight to production.",
                &[(PersonAsCause, "Alice who pushed")],
            ),
            (
                "Alice was the one who turned off the guardrail without telling anyone.",
                &[(PersonAsCause, "Alice was the one who turned")],
            ),
            ("It was Alice who rolled back the deploy.", &[]),
            ("It was Alice who deployed v2 at 09:00.", &[]),
            ("Alice was the one who noticed the drift.", &[]),
        ]);
    }

    #[test]
    fn a_passive_with_a_person_as_agent_blames() {
        assert_table(&[
            (
                "The change was rubber-stamped by the reviewer.",
                &[(PersonAsCause, "rubber-stamped by the reviewer")],
            ),
            (
                "The dashboard was never checked by whoever was on call.",
                &[(PersonAsCause, "never checked by whoever")],
            ),
            (
                "The model was pushed by the lead unvetted.",
                &[(PersonAsCause, "pushed by the lead")],
            ),
            ("The dashboard was checked by the on-call at 09:00.", &[]),
        ]);
    }
}
