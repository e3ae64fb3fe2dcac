//! Blame: judging phrases, error terms as a cause, and a person — a name of
//! the incident's people or a role noun — as the agent of a failure.

use super::advice::Pattern;
use super::attribution::{attribution_before, is_the_cause, responsible_for_failure};
use super::judgement::{
    cleft_relative, group_of, harm_at, judged_possession, passive_agent, singled_out_act,
};
use super::omission::{BE, omission_at};
use super::sentence::{
    Phrase, Token, clause_end, ending_before, is, longest_at, participle_follows, starts_with,
};
use super::{Hit, Lexicon, LintRule};
use crate::blame;

/// The names of the people involved, matched as written: a full name in any
/// case, one part of a name ("Priya" of "Priya Shah") only when capitalised,
/// so a user called "Will" is not found in "we will".
pub struct People {
    full_names: Vec<Phrase>,
    parts: Vec<String>,
}

impl People {
    pub fn new(names: &[String]) -> Self {
        let mut full_names = Vec::new();
        let mut parts = Vec::new();
        for name in names {
            let words = blame::words(name);
            if words.len() > 1 {
                full_names.push(words.iter().map(|w| w.text.clone()).collect());
            }
            let chars: Vec<char> = name.chars().collect();
            for word in words.iter().filter(|w| w.text != "'s") {
                let part: String = chars[word.start..word.end].iter().collect();
                parts.push(part);
            }
        }
        People { full_names, parts }
    }

    /// The length in words of a name at `at`.
    pub(super) fn at(&self, tokens: &[Token], at: usize) -> Option<usize> {
        longest_at(tokens, at, &self.full_names).or_else(|| {
            let raw = &tokens[at].raw;
            self.parts
                .iter()
                .any(|part| raw == part || *raw == capitalised(part))
                .then_some(1)
        })
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Words that open a noun phrase, so "the on-call engineer" is one agent.
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "our", "their", "his", "her", "one", "another", "that", "this", "each",
    "every", "any", "some",
];

/// Words between an agent and its verb that do not change who acts.
const FILLERS: &[&str] = &[
    "also",
    "both",
    "then",
    "just",
    "all",
    "again",
    "later",
    "first",
    "still",
    "even",
    "already",
    "apparently",
    "reportedly",
    "initially",
    "simply",
    "had",
    "has",
    "have",
];

/// Phrases after a role noun that belong to it: "the SRE on duty".
const POST_MODIFIERS: &[&[&str]] = &[
    &["on", "duty"],
    &["responsible"],
    &["involved"],
    &["in", "question"],
    &["on", "call"],
    &["on", "shift"],
    &["in", "charge"],
    &["at", "the", "time"],
    &["that", "night"],
    &["that", "day"],
];

/// Modal hindsight said of a person: "Bob should have checked".
const SHOULD_HAVE: &[&[&str]] = &[
    &["should", "have"],
    &["should've"],
    &["should", "never", "have"],
    &["should", "not", "have"],
    &["shouldn't", "have"],
    &["ought", "to", "have"],
];

/// Words after an error term that make it the cause: "human error by…".
/// Not "in": "we budget for human error in labelling" measures.
const ERROR_AS_CAUSE_AFTER: &[&[&str]] = &[
    &["by"],
    &["on"],
    &["caused"],
    &["causes"],
    &["led"],
    &["leads"],
    &["resulted"],
    &["results"],
    &["was", "the", "root", "cause"],
    &["was", "the", "cause"],
    &["is", "the", "root", "cause"],
    &["was", "to", "blame"],
    &["is", "to", "blame"],
];

/// Nouns after an error term that make it a measure: "human error rate".
const MEASURES: &[&str] = &[
    "rate",
    "rates",
    "budget",
    "budgets",
    "category",
    "categories",
    "taxonomy",
    "metric",
    "metrics",
    "ratio",
    "share",
    "count",
    "score",
    "scores",
    "class",
    "classes",
];

/// Nouns after a blame phrase that make it the name of a legal matter:
/// "the negligence claim".
const LEGAL_MATTERS: &[&str] = &[
    "claim",
    "claims",
    "lawsuit",
    "lawsuits",
    "suit",
    "allegation",
    "allegations",
    "case",
    "cases",
    "complaint",
    "complaints",
];

/// Nouns ending a phrase that places a person in a group: "someone on the
/// data team", "an engineer from the platform side".
const PLACES: &[&str] = &["team", "teams", "side", "squad", "group", "org", "rotation"];

/// The longest aside between an agent and its verb read past: "Bob, as usual,
/// didn't read it".
const MAX_ASIDE: usize = 4;

/// What a person lets happen that is itself a failure: "let the certificate
/// expire"; "let the team know" is not.
const LAPSES: &[&str] = &[
    "expire", "expired", "lapse", "lapsed", "slide", "slip", "rot", "fester",
];

/// Role nouns for a group: "the data team should have known" is hindsight
/// about what a group knew, not a person blamed, so it stays a warning.
const GROUPS: &[&str] = &["team", "teams", "staff", "vendor", "vendors", "qa"];

/// `as_cause`: the text answers "why?", so an error term in it is a cause.
pub fn hits(tokens: &[Token], lexicon: &Lexicon, people: &People, as_cause: bool) -> Vec<Hit> {
    let mut hits = Vec::new();
    for at in 0..tokens.len() {
        if let Some(len) = longest_at(tokens, at, &lexicon.blame) {
            // "the negligence claim" names a legal matter; a blame phrase in
            // quotation marks is mentioned or reported, not said.
            let legal_matter = is(tokens, at + len, LEGAL_MATTERS);
            let mentioned = tokens[at..at + len].iter().all(|t| t.quoted);
            if !legal_matter && !mentioned {
                hits.push(blame(Pattern::BlamePhrase, tokens, at, at + len));
            }
        }
        if let Some(len) = longest_at(tokens, at, &lexicon.error_terms) {
            let marked = ending_before(tokens, at, &lexicon.cause_markers).is_some()
                || (at > 0 && is(tokens, at - 1, &["was", "is", "were"]));
            // As a cause, "Human error" blames; "human error rate" measures.
            let cause = as_cause && !is(tokens, at + len, MEASURES);
            let named_cause = ERROR_AS_CAUSE_AFTER
                .iter()
                .any(|after| starts_with(tokens, at + len, after));
            if cause || marked || named_cause {
                hits.push(blame(Pattern::ErrorAsCause, tokens, at, at + len));
            }
        }
        let (len, start) = match people.at(tokens, at) {
            Some(len) => (len, at),
            None => match longest_at(tokens, at, &lexicon.roles) {
                Some(len) => (len, phrase_start(tokens, at)),
                None => continue,
            },
        };
        hits.extend(agent_hit(tokens, lexicon, start, at + len));
    }
    hits
}

fn blame(pattern: Pattern, tokens: &[Token], from: usize, to: usize) -> Hit {
    let rule = match pattern {
        Pattern::BlamePhrase | Pattern::ErrorAsCause => LintRule::Blame,
        _ => LintRule::PersonAsCause,
    };
    Hit::new(rule, pattern, tokens, from, to)
}

/// Where the noun phrase ending in the role noun at `head` starts: at a
/// determiner up to four words back in the same clause, else at the noun.
fn phrase_start(tokens: &[Token], head: usize) -> usize {
    let mut at = head;
    // "this one is on ops": a verb ends the phrase before the determiner.
    while at > 0 && head - at < 4 && !tokens[at].clause_break && !is(tokens, at - 1, BE) {
        at -= 1;
        if is(tokens, at, DETERMINERS) {
            return at;
        }
    }
    head
}

/// The one finding, if any, for the agent spanning `[start, end)`.
fn agent_hit(tokens: &[Token], lexicon: &Lexicon, start: usize, end: usize) -> Option<Hit> {
    let hit = |pattern, to| Some(blame(pattern, tokens, start, to));
    // "The vendor missed its date because our export was late": a group's
    // shortfall told with its reason describes the organisation.
    if is(tokens, end - 1, GROUPS) && justified(tokens, end) {
        return None;
    }
    if let Some(len) = failure_verb_at(tokens, lexicon, end) {
        return hit(Pattern::AgentOfFailure, end + len);
    }
    if let Some(to) = judged_possession(tokens, lexicon, end) {
        return hit(Pattern::AgentOfFailure, to);
    }
    if let Some(group) = group_of(tokens, end) {
        return agent_hit(tokens, lexicon, start, group);
    }
    if is(tokens, end, &["'s"]) {
        return None;
    }
    if let Some(marker) = ending_before(tokens, start, &lexicon.cause_markers) {
        return Some(blame(Pattern::AgentAsCause, tokens, marker, end));
    }
    if let Some(verb) = attribution_before(tokens, lexicon, start, end) {
        return Some(blame(Pattern::AgentAsCause, tokens, verb, end));
    }
    if let Some(passive) = passive_agent(tokens, lexicon, start) {
        return Some(blame(Pattern::AgentOfFailure, tokens, passive, end));
    }
    let clause = clause_end(tokens, end.saturating_sub(1));
    let mut verb = end;
    while verb < clause {
        if let Some(modifier) = POST_MODIFIERS.iter().find(|m| starts_with(tokens, verb, m)) {
            verb += modifier.len();
        } else if let Some(place) = place_after(tokens, verb) {
            verb = place;
        } else if is(tokens, verb, FILLERS) || tokens[verb].text.ends_with("ly") {
            if harm_at(tokens, lexicon, verb).is_some() {
                return hit(Pattern::AgentOfFailure, verb + 1);
            }
            verb += 1;
        } else {
            break;
        }
    }
    // An aside opens a clause of its own: "Bob, who was on call, …", or a
    // short one closed by another comma: "Bob, as usual, …".
    let aside_end = clause_end(tokens, verb);
    let aside = verb < tokens.len()
        && tokens[verb].clause_break
        && (is(tokens, verb, &["who"])
            || (aside_end < tokens.len() && aside_end - verb <= MAX_ASIDE));
    if verb >= clause && !aside {
        return None;
    }
    if aside {
        // "The data team, who never validated the schema": the aside is the
        // failure when it opens with one.
        if let Some(to) = failure_at(tokens, lexicon, verb + 1) {
            return hit(Pattern::AgentOfFailure, to);
        }
        // "Bob, who was on call, ignored the alert": the verb follows the aside.
        let verb = aside_end;
        return (verb < clause_end(tokens, verb))
            .then(|| failure_at(tokens, lexicon, verb))
            .flatten()
            .and_then(|to| hit(Pattern::AgentOfFailure, to));
    }
    if is(tokens, end - 1, &["whoever"]) {
        // "Whoever merged this did not run the tests": the main verb comes
        // after the free relative.
        return (verb..clause)
            .find_map(|at| failure_at(tokens, lexicon, at))
            .and_then(|to| hit(Pattern::AgentOfFailure, to));
    }
    // "It was Bob who pushed the template": a cleft makes its relative
    // clause the claim, where "the engineer who missed the page had been
    // awake for 20 hours" only says which engineer.
    if let Some(relative) = cleft_relative(tokens, start, verb) {
        let failure = failure_at(tokens, lexicon, relative);
        return singled_out_act(tokens, lexicon, relative, failure)
            .and_then(|to| hit(Pattern::AgentOfFailure, to));
    }
    if is(tokens, verb, &["who", "that"]) {
        // A relative clause says which person; the failure is the main
        // verb after it: "the analyst who wrote the join ignored the
        // warning", "the developer who wrote the patch never tested it".
        let mut relative = verb + 1;
        while is(tokens, relative, FILLERS) {
            relative += 1;
        }
        return (relative + 1..clause)
            .find_map(|at| failure_at(tokens, lexicon, at))
            .and_then(|to| hit(Pattern::AgentOfFailure, to));
    }
    if let Some(len) = failure_verb_at(tokens, lexicon, verb) {
        return hit(Pattern::AgentOfFailure, verb + len);
    }
    if let Some(modal) = SHOULD_HAVE.iter().find(|m| starts_with(tokens, verb, m)) {
        let after = verb + modal.len();
        // "Bob should have been paged" is about the paging, not about Bob,
        // and "Bob should have access" is no judgement at all.
        let passive = is(tokens, after, &["been"]) && participle_follows(tokens, after + 1);
        let group = is(tokens, end - 1, GROUPS);
        return (!passive && !group && participle_follows(tokens, after))
            .then(|| blame(Pattern::AgentShouldHave, tokens, start, after));
    }
    if let Some(to) = omission_at(tokens, lexicon, verb) {
        return hit(Pattern::AgentOfFailure, to);
    }
    if let Some(to) = is_the_cause(tokens, verb) {
        return hit(Pattern::AgentAsCause, to);
    }
    if let Some(to) = responsible_for_failure(tokens, verb, clause) {
        return hit(Pattern::AgentAsCause, to);
    }
    if let Some(to) = let_lapse(tokens, verb, clause) {
        return hit(Pattern::AgentOfFailure, to);
    }
    // "Bob assumed it was noise and never checked", "introduced the bug by
    // not handling nulls": a failure in a second verb of the same clause.
    if let Some(to) = (verb + 1..clause)
        .filter(|&at| is(tokens, at, &["and", "then", "by"]))
        .find_map(|at| failure_at(tokens, lexicon, at + 1))
    {
        return hit(Pattern::AgentOfFailure, to);
    }
    let acts = longest_at(tokens, verb, &lexicon.action_verbs)?;
    if justified(tokens, verb) {
        return None;
    }
    // "approved her own change, bypassing the rule": a harm marker may open
    // the clause after the action.
    let reach = if harm_at(tokens, lexicon, clause).is_some() {
        clause + 1
    } else {
        clause
    };
    (verb + acts..reach).find_map(|at| {
        harm_at(tokens, lexicon, at).and_then(|len| hit(Pattern::AgentOfFailure, at + len))
    })
}

/// Verbs of a rule after "as" that make an unusual step the procedure: "as
/// the runbook allows".
const SANCTIONS: &[&str] = &[
    "allows",
    "allowed",
    "permits",
    "permitted",
    "prescribes",
    "prescribed",
    "requires",
    "required",
    "documented",
];

/// Whether the sentence after `from` gives the step its reason ("because the
/// outage was ongoing") or its rule ("as the emergency procedure allows"):
/// the blameless way to tell a step that went around a safeguard.
pub fn justified(tokens: &[Token], from: usize) -> bool {
    let rest = &tokens[from..];
    rest.iter().any(|t| t.text == "because")
        || (rest.iter().any(|t| t.text == "as")
            && rest.iter().any(|t| SANCTIONS.contains(&t.text.as_str())))
}

/// "Let the certificate expire", "allowed the key to lapse": the end of it.
fn let_lapse(tokens: &[Token], verb: usize, clause: usize) -> Option<usize> {
    if !is(tokens, verb, &["let", "allowed"]) {
        return None;
    }
    (verb + 1..clause.min(verb + 6))
        .find(|&at| is(tokens, at, LAPSES))
        .map(|at| at + 1)
}

/// The length of a failure verb at `at`: one of the list, or a verb of
/// getting something wrong ("misinterpreted", "misrouted").
/// "Was slow to get paged" is about the paging, not an act.
fn failure_verb_at(tokens: &[Token], lexicon: &Lexicon, at: usize) -> Option<usize> {
    let len = longest_at(tokens, at, &lexicon.failure_verbs).or_else(|| {
        let word = tokens.get(at)?.text.as_str();
        (word.len() > 6 && word.starts_with("mis") && word.ends_with("ed")).then_some(1)
    })?;
    let passive = is(tokens, at + len - 1, &["to"]) && is(tokens, at + len, &["be", "get"]);
    // "The vendor's error rate peaked at 37 %" measures, as "human error rate" does.
    let measure = is(tokens, at, &["'s"]) && is(tokens, at + len, MEASURES);
    (!passive && !measure).then_some(len)
}

/// The end of a failure verb or an omission opening at `at`, past fillers.
fn failure_at(tokens: &[Token], lexicon: &Lexicon, mut at: usize) -> Option<usize> {
    while is(tokens, at, FILLERS) {
        at += 1;
    }
    failure_verb_at(tokens, lexicon, at)
        .map(|len| at + len)
        .or_else(|| omission_at(tokens, lexicon, at))
}

/// The end of a phrase at `at` placing a person in a team: "on the data team".
fn place_after(tokens: &[Token], at: usize) -> Option<usize> {
    if !is(tokens, at, &["on", "from", "in", "of"]) {
        return None;
    }
    (at + 1..tokens.len().min(at + 5))
        .take_while(|&i| !tokens[i].clause_break)
        .find(|&i| is(tokens, i, PLACES))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::super::{LintRule::*, assert_table};

    #[test]
    fn groups_act_and_their_hindsight_stays_a_warning() {
        assert_table(&[
            (
                "The labelling team neglected the new guidelines.",
                &[(PersonAsCause, "The labelling team neglected")],
            ),
            (
                "Support staff brushed off the complaints.",
                &[(PersonAsCause, "staff brushed off")],
            ),
            (
                "The data team should have known.",
                &[(Hindsight, "should have")],
            ),
            ("The QA team ran the fairness suite.", &[]),
            (
                "The vendor missed its date because our export was late.",
                &[],
            ),
            ("Alice was slow to get paged.", &[]),
        ]);
    }

    #[test]
    fn a_blame_phrase_mentioned_in_quotes_or_naming_a_legal_matter_does_not_blame() {
        assert_table(&[
            (
                "The \"who is to blame\" field has been removed from the template.",
                &[],
            ),
            ("The “careless” label was dropped.", &[]),
            ("The negligence claim is handled by legal.", &[]),
            (
                "It was negligence, plain and simple.",
                &[(Blame, "negligence")],
            ),
            (
                "Bob was careless, and \"fine\" is not a test result.",
                &[(Blame, "careless")],
            ),
        ]);
    }

    #[test]
    fn judging_adverbs_and_going_ahead_anyway_are_harm() {
        assert_table(&[
            (
                "Alice lazily copied the old config.",
                &[(PersonAsCause, "Alice lazily")],
            ),
            (
                "Alice overrode the canary and shipped anyway.",
                &[(
                    PersonAsCause,
                    "Alice overrode the canary and shipped anyway",
                )],
            ),
            ("Alice overrode the canary, as the procedure allows.", &[]),
            ("The cache loads partitions lazily.", &[]),
        ]);
    }

    #[test]
    fn an_aside_or_a_cleft_can_carry_the_failure() {
        assert_table(&[
            (
                "The vendor, who never validated the batch, shipped it.",
                &[(PersonAsCause, "The vendor, who never validated")],
            ),
            (
                "It was Alice who broke the retrain.",
                &[(PersonAsCause, "Alice who broke")],
            ),
            ("It was Alice who restored the bucket.", &[]),
            (
                "The engineer who missed the page had been awake for 20 hours.",
                &[],
            ),
            (
                "The vendor, who never received the guidelines, used old ones.",
                &[],
            ),
        ]);
    }

    #[test]
    fn a_second_verb_or_a_mis_verb_can_be_the_failure() {
        assert_table(&[
            (
                "Alice assumed it was noise and never checked the canary.",
                &[(
                    PersonAsCause,
                    "Alice assumed it was noise and never checked",
                )],
            ),
            (
                "Alice misinterpreted the alert.",
                &[(PersonAsCause, "Alice misinterpreted")],
            ),
            ("The router misrouted 3 % of requests.", &[]),
            ("Alice restarted the pods and the job recovered.", &[]),
            (
                "Alice checked the canary and did not escalate because it was green.",
                &[],
            ),
        ]);
    }

    #[test]
    fn a_step_around_a_safeguard_with_its_reason_or_rule_is_no_blame() {
        assert_table(&[
            (
                "Alice dropped the table without a backup.",
                &[(PersonAsCause, "Alice dropped the table without a backup")],
            ),
            (
                "Alice rolled back without waiting, as the runbook allows.",
                &[],
            ),
            (
                "Alice deployed the untested fix because prod was down.",
                &[],
            ),
            (
                "Alice approved her own change, bypassing the two-person rule.",
                &[(PersonAsCause, "Alice approved her own change, bypassing")],
            ),
            (
                "Alice restarted the pods, skipping the warm-up because prod was down.",
                &[],
            ),
        ]);
    }

    #[test]
    fn a_short_aside_or_a_free_relative_stands_before_the_verb() {
        assert_table(&[
            (
                "Alice, as usual, didn't read the runbook.",
                &[(PersonAsCause, "Alice, as usual, didn't read")],
            ),
            (
                "Whoever merged this did not run the tests.",
                &[(PersonAsCause, "Whoever merged this did not run")],
            ),
            ("Alice, as the commander, paged the database team.", &[]),
            ("Whoever is on call receives the page.", &[]),
        ]);
    }

    #[test]
    fn letting_a_deadline_lapse_is_a_failure_letting_someone_know_is_not() {
        assert_table(&[
            (
                "The on-call engineer let the certificate expire.",
                &[(
                    PersonAsCause,
                    "The on-call engineer let the certificate expire",
                )],
            ),
            ("Alice let the team know at 09:15.", &[]),
            ("Alice let the job run to completion.", &[]),
        ]);
    }
}
