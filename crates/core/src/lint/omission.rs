//! Duties left undone: a person who "did not follow the runbook", "never
//! tested it" or "did not make the check"; a reason given after it excuses
//! it, and other verbs left undone ("never logged in") are told, not judged.

use super::Lexicon;
use super::blaming::justified;
use super::sentence::{Token, is, longest_at, starts_with};

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

/// The end of "did not follow" or "never tested" standing at `at`, unless
/// the sentence goes on to say why ("did not escalate because the matrix
/// classed it SEV3"): that is the blameless way to tell an omission.
pub fn omission_at(tokens: &[Token], lexicon: &Lexicon, at: usize) -> Option<usize> {
    let negation = OMISSIONS.iter().find(|n| starts_with(tokens, at, n))?;
    let mut verb = at + negation.len();
    if is(tokens, verb, &["even", "always", "once"]) {
        verb += 1;
    }
    // "was not paged" is done to the person, not left undone by them.
    if at > 0 && is(tokens, at - 1, BE) {
        return None;
    }
    let end = match longest_at(tokens, verb, &lexicon.duty_verbs) {
        Some(len) => verb + len,
        None => checking_act(tokens, lexicon, verb)?,
    };
    (!justified(tokens, end)).then_some(end)
}

/// Light verbs that take a check as their object: "did not make the check",
/// "never performed the validation".
const LIGHT_VERBS: &[&str] = &[
    "make",
    "do",
    "perform",
    "performed",
    "carry",
    "carried",
    "conduct",
    "conducted",
    "complete",
    "completed",
    "run",
    "ran",
    "request",
    "requested",
];

/// The end of a light verb at `verb` with a check as its object, up to
/// three words on: a duty verb used as a noun ("the check") or an "-ation"
/// of one ("the validation"). Any other verb left undone ("never logged in",
/// "did not restart the job until…") is told, not judged.
fn checking_act(tokens: &[Token], lexicon: &Lexicon, verb: usize) -> Option<usize> {
    if !is(tokens, verb, LIGHT_VERBS) {
        return None;
    }
    (verb + 1..tokens.len().min(verb + 4))
        .take_while(|&at| !tokens[at].clause_break)
        .find(|&at| {
            longest_at(tokens, at, &lexicon.duty_verbs).is_some()
                || tokens[at].text.ends_with("ation")
        })
        .map(|at| at + 1)
}

/// Forms of "be" before a negation: what follows is a state or a passive.
pub const BE: &[&str] = &["was", "were", "is", "are", "be", "been", "being"];

#[cfg(test)]
mod tests {
    use super::super::{LintRule::*, assert_table};

    #[test]
    fn a_check_left_undone_blames_other_verbs_left_undone_do_not() {
        assert_table(&[
            (
                "Alice did not make the check of the data.",
                &[(PersonAsCause, "Alice did not make the check")],
            ),
            (
                "Alice never performed the validation.",
                &[(PersonAsCause, "Alice never performed the validation")],
            ),
            ("Alice never logged in to the console that day.", &[]),
            (
                "Alice did not restart the job until the vendor confirmed.",
                &[],
            ),
            ("Alice was not paged.", &[]),
            ("The contract with the vendor does not require notice.", &[]),
            (
                "The analyst who wrote the join ignored the warning.",
                &[(PersonAsCause, "The analyst who wrote the join ignored")],
            ),
        ]);
    }
}
