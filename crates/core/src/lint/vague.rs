//! Vague actions: phrases nobody can check off ("be more careful"), and
//! actions that open with a verb without a checkable end ("review the
//! process") and name no number, owner or date.

use super::advice::Pattern;
use super::lexicon::VAGUE_PARTICIPLES;
use super::sentence::{Token, clause_end, is, longest_at, starts_with};
use super::{Hit, Lexicon, LintRule};

/// Labels in front of an action: "Action item: improve monitoring".
const LABELS: &[&[&str]] = &[
    &["action", "item"],
    &["action"],
    &["actions"],
    &["todo"],
    &["follow", "up"],
    &["next", "step"],
    &["next", "steps"],
];

/// Who an action is given to in prose: "we will", "the data team should".
const ASSIGNEES: &[&str] = &[
    "we",
    "team",
    "teams",
    "everyone",
    "everybody",
    "engineers",
    "you",
    "someone",
    "somebody",
    "leadership",
    "management",
    "org",
    "organisation",
    "organization",
    "company",
    "engineering",
    "product",
    "ops",
    "business",
    "department",
];

/// Assignees contracted with their "will": "we'll tighten things up".
const CONTRACTED_ASSIGNEES: &[&str] = &["we'll", "they'll", "you'll", "i'll"];

/// Attitudes an action asks for more of, with no end to check: "take data
/// quality more seriously", "be more mindful", "keep a closer eye".
const ATTITUDES: &[&str] = &[
    "careful",
    "mindful",
    "aware",
    "vigilant",
    "diligent",
    "cautious",
    "attentive",
    "rigorous",
    "disciplined",
    "proactive",
    "seriously",
    "eye",
    "attention",
    "scrutiny",
    "care",
];

/// Words that commit an assignee to an action: "we need to review…".
const COMMITMENTS: &[&[&str]] = &[
    &["will"],
    &["should"],
    &["must"],
    &["shall"],
    &["to"],
    &["need", "to"],
    &["needs", "to"],
    &["have", "to"],
    &["has", "to"],
    &["are", "going", "to"],
    &["is", "going", "to"],
    &["plan", "to"],
    &["plans", "to"],
    &["want", "to"],
    &["intend", "to"],
    &["need"],
    &["needs"],
];

/// Comparatives that leave "make X more robust" open.
const COMPARATIVES: &[&str] = &[
    "more", "less", "better", "safer", "faster", "easier", "clearer", "simpler", "stronger",
    "tighter", "smarter", "earlier", "sooner", "closer",
];

/// Verbs that, with a comparative just after them, set a goal by comparison:
/// "put better guardrails in place", "add stronger checks".
const BUILDING_VERBS: &[&str] = &[
    "put",
    "add",
    "build",
    "create",
    "get",
    "provide",
    "set",
    "use",
    "adopt",
    "introduce",
    "establish",
    "implement",
    "develop",
    "write",
    "have",
    "catch",
    "detect",
    "spend",
    "invest",
    "dedicate",
    "allocate",
    "take",
];

/// Words that make an action checkable: an owner, a deadline, a cadence or a
/// bound. Digits count too.
const CHECKABLE: &[&str] = &[
    "owner",
    "owned",
    "owners",
    "assignee",
    "assigned",
    "due",
    "deadline",
    "within",
    "every",
    "each",
    "per",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "hourly",
    "above",
    "below",
    "exceeds",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "hundred",
    "half",
    "twice",
];

pub fn hits(tokens: &[Token], lexicon: &Lexicon) -> Vec<Hit> {
    let mut hits: Vec<Hit> = (0..tokens.len())
        .filter_map(|at| {
            longest_at(tokens, at, &lexicon.vague_actions).map(|len| {
                Hit::new(
                    LintRule::VagueAction,
                    Pattern::VaguePhrase,
                    tokens,
                    at,
                    at + len,
                )
            })
        })
        .collect();
    if hits.is_empty()
        && let Some((at, len)) = vague_opening(tokens, lexicon)
            .or_else(|| vague_passive(tokens))
            .or_else(|| more_attitude(tokens))
        && !checkable(tokens)
    {
        hits.push(Hit::new(
            LintRule::VagueAction,
            Pattern::VagueVerb,
            tokens,
            at,
            at + len,
        ));
    }
    hits
}

/// A vague verb where the sentence's action starts, as its index and length.
fn vague_opening(tokens: &[Token], lexicon: &Lexicon) -> Option<(usize, usize)> {
    let mut at = LABELS
        .iter()
        .find(|label| {
            starts_with(tokens, 0, label) && tokens.get(label.len()).is_some_and(|t| t.clause_break)
        })
        .map_or(0, |label| label.len());
    let contracted = (at..tokens.len().min(at + 4)).find(|&i| is(tokens, i, CONTRACTED_ASSIGNEES));
    let assignee = (at..tokens.len().min(at + 4)).find(|&i| is(tokens, i, ASSIGNEES));
    if let Some(contracted) = contracted {
        at = contracted + 1;
    } else if let Some(assignee) = assignee
        && let Some(commitment) = COMMITMENTS
            .iter()
            .find(|c| starts_with(tokens, assignee + 1, c))
    {
        at = assignee + 1 + commitment.len();
    }
    let len = longest_at(tokens, at, &lexicon.vague_verbs)
        .or_else(|| comparative_goal(tokens, at).then_some(1))?;
    // "Review of the runbook found…" is a noun, not an imperative.
    (!is(tokens, at + len, &["of", "'s"])).then_some((at, len))
}

/// "Make the model more robust", "put stronger guardrails in place": a goal
/// by comparison, with no end to check. "Make the suite fail closed" names
/// its end.
fn comparative_goal(tokens: &[Token], at: usize) -> bool {
    let reach = if is(tokens, at, &["make"]) {
        clause_end(tokens, at)
    } else if is(tokens, at, BUILDING_VERBS) {
        clause_end(tokens, at).min(at + 3)
    } else {
        return false;
    };
    (at + 1..reach).any(|i| is(tokens, i, COMPARATIVES))
}

/// "Monitoring should be improved", "the process will be reviewed", "the
/// process should be more robust".
fn vague_passive(tokens: &[Token]) -> Option<(usize, usize)> {
    let participles: Vec<Vec<String>> = VAGUE_PARTICIPLES
        .iter()
        .map(|p| p.split(' ').map(String::from).collect())
        .collect();
    (1..tokens.len()).find_map(|at| {
        let committed = COMMITMENTS
            .iter()
            .any(|c| c.len() <= at && starts_with(tokens, at - c.len(), c));
        if !(is(tokens, at, &["be"]) && committed) {
            return None;
        }
        longest_at(tokens, at + 1, &participles)
            .or_else(|| is(tokens, at + 1, COMPARATIVES).then_some(1))
            .map(|len| (at, len + 1))
    })
}

/// "The org will take data quality more seriously": an attitude asked for
/// by comparison in a sentence that commits to it. "The model became more
/// cautious" commits nobody.
fn more_attitude(tokens: &[Token]) -> Option<(usize, usize)> {
    let committed = (0..tokens.len()).any(|at| {
        is(tokens, at, CONTRACTED_ASSIGNEES)
            || COMMITMENTS
                .iter()
                .any(|c| c[0] != "to" && starts_with(tokens, at, c))
    });
    let at = (0..tokens.len()).find(|&at| {
        is(tokens, at, &["more", "closer", "greater", "extra"]) && is(tokens, at + 1, ATTITUDES)
    })?;
    committed.then_some((at, 2))
}

fn checkable(tokens: &[Token]) -> bool {
    tokens
        .iter()
        .any(|t| t.text.chars().any(|c| c.is_ascii_digit()) || CHECKABLE.contains(&t.text.as_str()))
}

#[cfg(test)]
mod tests {
    use super::super::{LintRule::*, assert_table};

    #[test]
    fn a_goal_by_comparison_is_vague_unless_checkable() {
        assert_table(&[
            ("Make the model more robust.", &[(VagueAction, "Make")]),
            ("Harden the feature store.", &[(VagueAction, "Harden")]),
            ("Make the suite fail closed.", &[]),
            ("We need better dashboards.", &[(VagueAction, "better")]),
            ("Put stronger guardrails in place.", &[(VagueAction, "Put")]),
            (
                "The on-call process should be more robust.",
                &[(VagueAction, "be more")],
            ),
            ("Make alerts faster, within 5 minutes, owner Alice.", &[]),
            (
                "Going forward the org will take data quality more seriously.",
                &[(VagueAction, "more seriously")],
            ),
            ("The model became more cautious after the update.", &[]),
            (
                "Leadership to revisit the on-call model.",
                &[(VagueAction, "revisit")],
            ),
            ("We'll tighten things up.", &[(VagueAction, "tighten")]),
        ]);
    }
}
