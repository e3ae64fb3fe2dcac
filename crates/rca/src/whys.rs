//! 5 Whys: chains of "why?" from a symptom, which may branch where a cause
//! has several causes of its own, and the checks for its two named pitfalls —
//! blaming a person, and stopping at the proximate cause.

use firebreak_core::blame::words;
use firebreak_core::lint::{LintConfig, LintSeverity, lint_cause};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::category::CauseCategory;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WhysAnalysis {
    /// What was observed, the question the first why answers.
    pub symptom: String,
    /// The answers to "why did the symptom happen?"; each starts a chain.
    pub whys: Vec<Why>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Why {
    pub statement: String,
    pub category: CauseCategory,
    /// Ids of evidence items or timeline events that support the statement.
    pub evidence: Vec<String>,
    /// The answers to "why?" asked of this statement; several make a branch.
    #[schema(no_recursion)]
    pub causes: Vec<Why>,
}

/// A chain from the symptom to a last why, as indexes into the `whys` and
/// `causes` lists: `[1, 0]` is the first cause of the second why.
pub type ChainPath = Vec<usize>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "finding")]
pub enum WhysFinding {
    /// The chain ends on a person; a blameless analysis asks why the system
    /// let the person's action cause harm. `matched` is the text as written.
    Blame { chain: ChainPath, matched: String },
    /// Fewer than three whys: likely the proximate cause, not a root cause.
    StoppedEarly { chain: ChainPath, depth: usize },
    /// The chain ends where it started, on the symptom or a restatement of an
    /// earlier why, so it explains nothing.
    EndsOnSymptom { chain: ChainPath },
}

/// Fewer whys than this and a chain has likely stopped at the proximate cause.
pub const MINIMUM_CHAIN_DEPTH: usize = 3;

/// Checks every chain. A last why blames when the blameless lint, with the
/// deployment's `lint` configuration and the incident's `people`, finds an
/// approval-blocking error in it ("human error in the deploy", "the intern
/// skipped the dry run").
pub fn check_whys(
    analysis: &WhysAnalysis,
    lint: &LintConfig,
    people: &[String],
) -> Vec<WhysFinding> {
    let blame = Blame { lint, people };
    let mut findings = Vec::new();
    let mut path = Vec::new();
    let mut statements = vec![analysis.symptom.as_str()];
    for (index, why) in analysis.whys.iter().enumerate() {
        path.push(index);
        check_chain(why, &blame, &mut path, &mut statements, &mut findings);
        path.pop();
    }
    findings
}

/// What a chain's end is checked for blame with.
struct Blame<'a> {
    lint: &'a LintConfig,
    people: &'a [String],
}

impl Blame<'_> {
    /// The text of the first blocking finding in `statement`.
    fn first_in(&self, statement: &str) -> Option<String> {
        lint_cause("statement", statement, self.lint, self.people)
            .into_iter()
            .find(|finding| finding.severity == LintSeverity::Error)
            .map(|finding| finding.matched)
    }
}

fn check_chain<'a>(
    why: &'a Why,
    blame: &Blame<'_>,
    path: &mut ChainPath,
    earlier: &mut Vec<&'a str>,
    findings: &mut Vec<WhysFinding>,
) {
    if why.causes.is_empty() {
        if let Some(matched) = blame.first_in(&why.statement) {
            findings.push(WhysFinding::Blame {
                chain: path.clone(),
                matched,
            });
        }
        if path.len() < MINIMUM_CHAIN_DEPTH {
            findings.push(WhysFinding::StoppedEarly {
                chain: path.clone(),
                depth: path.len(),
            });
        }
        let last = normalize(&why.statement);
        if earlier.iter().any(|statement| normalize(statement) == last) {
            findings.push(WhysFinding::EndsOnSymptom {
                chain: path.clone(),
            });
        }
        return;
    }
    earlier.push(&why.statement);
    for (index, cause) in why.causes.iter().enumerate() {
        path.push(index);
        check_chain(cause, blame, path, earlier, findings);
        path.pop();
    }
    earlier.pop();
}

fn normalize(text: &str) -> String {
    words(text)
        .into_iter()
        .map(|word| word.text)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(statement: &str, causes: Vec<Why>) -> Why {
        Why {
            statement: statement.to_string(),
            category: CauseCategory::Process,
            evidence: Vec::new(),
            causes,
        }
    }

    fn check(whys: Vec<Why>, expected: &[WhysFinding]) {
        let analysis = WhysAnalysis {
            symptom: "Loan model rejected most applicants on 3 May".into(),
            whys,
        };
        let people = ["Bob".to_string()];
        assert_eq!(
            check_whys(&analysis, &LintConfig::default(), &people),
            expected
        );
    }

    #[test]
    fn chains_are_checked_for_blame_depth_and_circularity() {
        check(
            vec![why(
                "Scores shifted down",
                vec![why(
                    "A feature arrived in cents instead of euros",
                    vec![why(
                        "The upstream schema changed without a contract test",
                        vec![],
                    )],
                )],
            )],
            &[],
        );
        check(
            vec![why(
                "Scores shifted down",
                vec![why("Human error in the deploy", vec![])],
            )],
            &[
                WhysFinding::Blame {
                    chain: vec![0, 0],
                    matched: "Human error".into(),
                },
                WhysFinding::StoppedEarly {
                    chain: vec![0, 0],
                    depth: 2,
                },
            ],
        );
        check(
            vec![why(
                "Scores shifted down",
                vec![
                    why(
                        "Feature in cents",
                        vec![why("Schema changed silently", vec![])],
                    ),
                    why(
                        "No drift alert",
                        vec![why(
                            "Monitoring gap",
                            vec![why("scores shifted DOWN.", vec![])],
                        )],
                    ),
                ],
            )],
            &[WhysFinding::EndsOnSymptom {
                chain: vec![0, 1, 0, 0],
            }],
        );
        check(
            vec![why(
                "Scores shifted down",
                vec![why(
                    "Feature in cents",
                    vec![why("Bob skipped the contract test", vec![])],
                )],
            )],
            &[WhysFinding::Blame {
                chain: vec![0, 0, 0],
                matched: "Bob skipped".into(),
            }],
        );
        check(
            vec![why(
                "Scores shifted down",
                vec![why(
                    "A feature went missing",
                    vec![why("Human error", vec![])],
                )],
            )],
            &[WhysFinding::Blame {
                chain: vec![0, 0, 0],
                matched: "Human error".into(),
            }],
        );
        check(
            vec![why("The human error rate of labelling rose to 4 %", vec![])],
            &[WhysFinding::StoppedEarly {
                chain: vec![0],
                depth: 1,
            }],
        );
    }
}
