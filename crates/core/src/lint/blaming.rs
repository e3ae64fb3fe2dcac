//! Blame: judging phrases, error terms as a cause, and a person — a name of
//! the incident's people or a role noun — as the agent of a failure.

use super::advice::Pattern;
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
    fn at(&self, tokens: &[Token], at: usize) -> Option<usize> {
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

/// Negations of a duty: "did not follow", "never tested".
const OMISSIONS: &[&[&str]] = &[
    &["did", "not"],
    &["didn't"],
    &["never"],
    &["not"],
    &["had", "not"],
    &["hadn't"],
    &["does", "not"],
    &["doesn't"],
    &["refused", "to"],
    &["chose", "not", "to"],
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

/// Nouns ending a phrase that places a person in a group: "someone on the
/// data team", "an engineer from the platform side".
const PLACES: &[&str] = &["team", "teams", "side", "squad", "group", "org", "rotation"];

/// Role nouns for a group: "the data team should have known" is hindsight
/// about what a group knew, not a person blamed, so it stays a warning.
const GROUPS: &[&str] = &["team", "teams", "staff", "vendor", "vendors", "qa"];

/// Verbs that lay a failure on the agent after them: "the failure is on the
/// data team", "blame for the leak lies with the on-call".
const ATTRIBUTIONS: &[&[&str]] = &[
    &["is", "on"],
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
const CAUSE_NOUNS: &[&str] = &["cause", "culprit", "fault"];

/// `as_cause`: the text answers "why?", so an error term in it is a cause.
pub fn hits(tokens: &[Token], lexicon: &Lexicon, people: &People, as_cause: bool) -> Vec<Hit> {
    let mut hits = Vec::new();
    for at in 0..tokens.len() {
        if let Some(len) = longest_at(tokens, at, &lexicon.blame) {
            hits.push(blame(Pattern::BlamePhrase, tokens, at, at + len));
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
    while at > 0 && head - at < 4 && !tokens[at].clause_break {
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
    if let Some(len) = longest_at(tokens, end, &lexicon.failure_verbs) {
        return hit(Pattern::AgentOfFailure, end + len);
    }
    if is(tokens, end, &["'s"]) {
        return None;
    }
    if let Some(marker) = ending_before(tokens, start, &lexicon.cause_markers) {
        return Some(blame(Pattern::AgentAsCause, tokens, marker, end));
    }
    if let Some(verb) = attribution_before(tokens, start, end) {
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
            if longest_at(tokens, verb, &lexicon.harm_markers).is_some() {
                return hit(Pattern::AgentOfFailure, verb + 1);
            }
            verb += 1;
        } else {
            break;
        }
    }
    // An aside opens a clause of its own: "Bob, who was on call, …".
    let aside = is(tokens, verb, &["who"]) && tokens[verb].clause_break;
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
        let verb = clause_end(tokens, verb);
        let clause = clause_end(tokens, verb);
        return (verb < clause)
            .then(|| longest_at(tokens, verb, &lexicon.failure_verbs))
            .flatten()
            .and_then(|len| hit(Pattern::AgentOfFailure, verb + len));
    }
    if is(tokens, verb, &["who", "that"]) {
        // "It was Bob who broke the retrain": a cleft makes its relative
        // clause the claim, where "the engineer who missed the page had been
        // awake for 20 hours" only says which engineer.
        let cleft = start > 0 && is(tokens, start - 1, &["was", "is", "'s"]);
        if cleft && let Some(len) = longest_at(tokens, verb + 1, &lexicon.failure_verbs) {
            return hit(Pattern::AgentOfFailure, verb + 1 + len);
        }
        // A relative clause: "the developer who wrote the patch never tested it".
        return (verb + 1..clause)
            .find_map(|at| omission_at(tokens, lexicon, at))
            .and_then(|to| hit(Pattern::AgentOfFailure, to));
    }
    if let Some(len) = longest_at(tokens, verb, &lexicon.failure_verbs) {
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
    let acts = longest_at(tokens, verb, &lexicon.action_verbs)?;
    (verb + acts..clause).find_map(|at| {
        longest_at(tokens, at, &lexicon.harm_markers)
            .and_then(|len| hit(Pattern::AgentOfFailure, at + len))
    })
}

/// The end of a failure verb or an omission opening at `at`, past fillers.
fn failure_at(tokens: &[Token], lexicon: &Lexicon, mut at: usize) -> Option<usize> {
    while is(tokens, at, FILLERS) {
        at += 1;
    }
    longest_at(tokens, at, &lexicon.failure_verbs)
        .map(|len| at + len)
        .or_else(|| omission_at(tokens, lexicon, at))
}

/// Where an attribution laying a failure on the agent `[start, end)` starts:
/// "[the failure is on] the data team", "[the root cause was] the on-call
/// engineer". The agent must close its phrase, so "the outage is on the
/// on-call dashboard" places, not blames.
fn attribution_before(tokens: &[Token], start: usize, end: usize) -> Option<usize> {
    let closes = end >= tokens.len()
        || tokens[end].clause_break
        || is(tokens, end, &["who", "for", "and", "because"]);
    if !closes {
        return None;
    }
    let (verb, nouns) = match ATTRIBUTIONS
        .iter()
        .find(|a| a.len() <= start && starts_with(tokens, start - a.len(), a))
    {
        Some(attribution) => (start - attribution.len(), FAILURE_NOUNS),
        None if start > 0 && is(tokens, start - 1, &["was", "is"]) => (start - 1, CAUSE_NOUNS),
        None => return None,
    };
    let clause_start = (0..=verb)
        .rev()
        .find(|&at| tokens[at].clause_break)
        .unwrap_or(0);
    (clause_start..verb)
        .any(|at| is(tokens, at, nouns))
        .then_some(verb)
}

/// Where a passive failure naming the agent starts: "was ignored by" before
/// "the on-call engineer", or "was pushed by" before a name with a harm
/// marker after it ("pushed by Bob without review").
fn passive_agent(tokens: &[Token], lexicon: &Lexicon, start: usize) -> Option<usize> {
    if start < 2 || !is(tokens, start - 1, &["by"]) {
        return None;
    }
    let participle = start - 2;
    if longest_at(tokens, participle, &lexicon.failure_verbs) == Some(1) {
        return Some(participle);
    }
    let acted = longest_at(tokens, participle, &lexicon.action_verbs) == Some(1);
    let harmed = (start..clause_end(tokens, start))
        .any(|at| longest_at(tokens, at, &lexicon.harm_markers).is_some());
    (acted && harmed).then_some(participle)
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

/// The end of "did not follow" or "never tested" standing at `at`, unless
/// the sentence goes on to say why ("did not escalate because the matrix
/// classed it SEV3"): that is the blameless way to tell an omission.
fn omission_at(tokens: &[Token], lexicon: &Lexicon, at: usize) -> Option<usize> {
    let negation = OMISSIONS.iter().find(|n| starts_with(tokens, at, n))?;
    let mut verb = at + negation.len();
    if is(tokens, verb, &["even", "always", "once"]) {
        verb += 1;
    }
    let end = verb + longest_at(tokens, verb, &lexicon.duty_verbs)?;
    let explained = tokens[end..].iter().any(|t| t.text == "because");
    (!explained).then_some(end)
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
}
