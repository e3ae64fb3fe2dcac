//! The blameless-language lint over a post-mortem's free text (D1). It reads
//! sentences, not only phrases: a person (a name from the incident's people,
//! or a role noun such as "the on-call engineer") as the agent of a failure
//! verb, "should have" and counterfactuals, intensifiers of obviousness, and
//! actions that open with a verb nobody can check off. The words come from
//! [`lexicon`], configurable per deployment; the rules are in [`blaming`]
//! (with [`attribution`], [`judgement`] and [`omission`] for what makes a
//! person's act a judged one), [`hindsight`] and [`vague`]. Where they find
//! no judgement in a sentence, a model [`learned`] from the labelled corpora
//! may still read one (a warning). [`corpus`] measures both on labelled
//! sentences (D34).
//!
//! Severities: blaming a person (a blame phrase, or a named person as the
//! subject of a cause) is an **error**, because it blocks approval: a
//! post-mortem that blames people teaches people to hide mistakes. Hindsight
//! and vague actions are **warnings** in prose, where they weaken the text
//! without making it unsafe; a vague action item *title* is still refused at
//! approval, by the SMART check of [`crate::action`].

pub mod corpus;
pub mod learned;
pub mod lexicon;

mod advice;
mod attribution;
mod blaming;
mod hindsight;
mod judgement;
mod omission;
mod sentence;
mod vague;

use crate::blame;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use advice::Pattern;
use sentence::{Phrase, phrases};

/// One word list of the lexicon as a deployment configures it: the built-in
/// list, or `replace` when given, plus `extend`, minus `remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct WordList {
    pub replace: Option<Vec<String>>,
    pub extend: Vec<String>,
    /// Phrases to drop, e.g. a built-in one that names a product here.
    pub remove: Vec<String>,
}

impl WordList {
    pub fn resolve(&self, defaults: &[&str]) -> Vec<String> {
        let key = |phrase: &str| {
            blame::words(phrase)
                .into_iter()
                .map(|w| w.text)
                .collect::<Vec<_>>()
        };
        let removed: Vec<Vec<String>> = self.remove.iter().map(|p| key(p)).collect();
        let base = match &self.replace {
            Some(list) => list.clone(),
            None => defaults.iter().map(|p| p.to_string()).collect(),
        };
        let mut phrases: Vec<String> = Vec::new();
        for phrase in base.into_iter().chain(self.extend.iter().cloned()) {
            let k = key(&phrase);
            if !k.is_empty() && !removed.contains(&k) && !phrases.iter().any(|p| key(p) == k) {
                phrases.push(phrase);
            }
        }
        phrases
    }
}

/// The lexicon's word lists, loadable from a deployment's file (JSON or any
/// serde format); every list defaults to the built-in one of [`lexicon`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LintConfig {
    /// Phrases that blame wherever they stand ("careless", "'s fault").
    pub blame: WordList,
    /// Error names that blame only as a cause ("caused by human error").
    pub error_terms: WordList,
    /// Nouns for people by role ("intern", "reviewer").
    pub roles: WordList,
    /// Verbs that make a person or role acting a failure ("ignored").
    pub person_cause_verbs: WordList,
    /// Words before a person or error term that make it the cause ("caused by").
    pub person_cause_markers: WordList,
    /// Verbs whose omission by a person is a failure ("did not follow").
    pub duty_verbs: WordList,
    /// Neutral actions that blame with a harm marker ("pushed the wrong…").
    pub action_verbs: WordList,
    /// Words that make a person's action a mistake ("wrong", "by mistake").
    pub harm_markers: WordList,
    pub hindsight: WordList,
    /// Participles that make "could have"/"would have" hindsight ("caught").
    pub prevention_verbs: WordList,
    pub vague_actions: WordList,
    /// Verbs that open an action with no checkable end ("review", "improve").
    pub vague_verbs: WordList,
    /// How sure the learned reading must be to flag a sentence the rules let
    /// through: above 0.5, at most 1 (which turns it off); by default
    /// [`learned::THRESHOLD`].
    #[schema(value_type = Option<f64>)]
    pub learned_threshold: Option<learned::Threshold>,
}

impl LintConfig {
    fn learned_threshold(&self) -> f64 {
        self.learned_threshold
            .map_or(learned::THRESHOLD, learned::Threshold::value)
    }
}

/// The configured lists, split into words once per lint.
struct Lexicon {
    blame: Vec<Phrase>,
    error_terms: Vec<Phrase>,
    roles: Vec<Phrase>,
    failure_verbs: Vec<Phrase>,
    cause_markers: Vec<Phrase>,
    duty_verbs: Vec<Phrase>,
    action_verbs: Vec<Phrase>,
    harm_markers: Vec<Phrase>,
    hindsight: Vec<Phrase>,
    prevention_verbs: Vec<Phrase>,
    vague_actions: Vec<Phrase>,
    vague_verbs: Vec<Phrase>,
}

impl Lexicon {
    fn new(config: &LintConfig) -> Self {
        let list = |list: &WordList, defaults: &[&str]| phrases(&list.resolve(defaults));
        Lexicon {
            blame: list(&config.blame, lexicon::BLAME_PHRASES),
            error_terms: list(&config.error_terms, lexicon::ERROR_TERMS),
            roles: list(&config.roles, lexicon::ROLES),
            failure_verbs: list(&config.person_cause_verbs, lexicon::FAILURE_VERBS),
            cause_markers: list(&config.person_cause_markers, lexicon::CAUSE_MARKERS),
            duty_verbs: list(&config.duty_verbs, lexicon::DUTY_VERBS),
            action_verbs: list(&config.action_verbs, lexicon::ACTION_VERBS),
            harm_markers: list(&config.harm_markers, lexicon::HARM_MARKERS),
            hindsight: list(&config.hindsight, lexicon::HINDSIGHT_PHRASES),
            prevention_verbs: list(&config.prevention_verbs, lexicon::PREVENTION_VERBS),
            vague_actions: list(&config.vague_actions, lexicon::VAGUE_ACTION_PHRASES),
            vague_verbs: list(&config.vague_verbs, lexicon::VAGUE_VERBS),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LintRule {
    /// A phrase of the blame list ("careless", "Bob's fault"), or an error
    /// term as a cause ("caused by human error").
    Blame,
    /// A person or role as the agent of a failure: "the intern ignored…",
    /// "Bob should have checked…", "caused by Alice".
    PersonAsCause,
    /// Hindsight bias: "obviously", "should have been caught", "had the
    /// canary run longer…".
    Hindsight,
    /// An action nobody can tell is done: "improve monitoring".
    VagueAction,
    /// A sentence the rules let through that the model learned from labelled
    /// post-mortems reads as blame or hindsight.
    LearnedJudgement,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LintSeverity {
    Warning,
    /// Blocks approval unless overridden with a recorded reason.
    Error,
}

impl LintRule {
    pub fn severity(self) -> LintSeverity {
        match self {
            LintRule::Blame | LintRule::PersonAsCause => LintSeverity::Error,
            LintRule::Hindsight | LintRule::VagueAction | LintRule::LearnedJudgement => {
                LintSeverity::Warning
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LintRule::Blame => "blame",
            LintRule::PersonAsCause => "person_as_cause",
            LintRule::Hindsight => "hindsight",
            LintRule::VagueAction => "vague_action",
            LintRule::LearnedJudgement => "learned_judgement",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LintFinding {
    pub rule: LintRule,
    pub severity: LintSeverity,
    /// The field path, e.g. `summary` or `root_causes[1].statement`.
    pub field: String,
    /// Char offsets `[start, end)` into the field's text.
    pub start: usize,
    pub end: usize,
    /// 1-based line and column (in chars) of `start`.
    pub line: usize,
    pub column: usize,
    /// The text as written.
    pub matched: String,
    pub message: String,
    /// How to say it blamelessly.
    pub suggestion: String,
}

/// Lints one free-text field. `people` are the names of the people involved
/// (participants, users) so that naming one as a cause is caught; role nouns
/// are caught without them.
pub fn lint_text(
    field: &str,
    text: &str,
    config: &LintConfig,
    people: &[String],
) -> Vec<LintFinding> {
    lint(field, text, config, people, false, learned::builtin())
}

/// [`lint_text`] with another learned model, for validating one trained
/// without the corpus it is measured on.
pub fn lint_text_with(
    field: &str,
    text: &str,
    config: &LintConfig,
    people: &[String],
    model: &learned::Model,
) -> Vec<LintFinding> {
    lint(field, text, config, people, false, model)
}

/// Lints a text given as a cause, such as a 5-Whys answer: there a bare
/// error term ("Human error") is the cause it names, with no "caused by".
pub fn lint_cause(
    field: &str,
    text: &str,
    config: &LintConfig,
    people: &[String],
) -> Vec<LintFinding> {
    lint(field, text, config, people, true, learned::builtin())
}

fn lint(
    field: &str,
    text: &str,
    config: &LintConfig,
    people: &[String],
    as_cause: bool,
    model: &learned::Model,
) -> Vec<LintFinding> {
    let lexicon = Lexicon::new(config);
    let people = blaming::People::new(people);
    let threshold = config.learned_threshold();
    let mut hits: Vec<Hit> = Vec::new();
    for tokens in sentence::sentences(text) {
        let mut found = blaming::hits(&tokens, &lexicon, &people, as_cause);
        found.extend(hindsight::hits(&tokens, &lexicon));
        let judged = !found.is_empty();
        found.extend(vague::hits(&tokens, &lexicon));
        if !judged
            && threshold < 1.0
            && learned::speaks_of_someone(&tokens, &people, &lexicon.roles)
        {
            let reading = model.read(&learned::features(&tokens, &people, &lexicon.roles));
            if reading.probability >= threshold {
                found.push(Hit {
                    evidence: reading.evidence,
                    ..Hit::new(
                        LintRule::LearnedJudgement,
                        Pattern::Learned,
                        &tokens,
                        0,
                        tokens.len(),
                    )
                });
            }
        }
        hits.extend(found);
    }
    // "Bob should have" is one finding, blame, not also a hindsight one.
    let blamed: Vec<(usize, usize)> = hits
        .iter()
        .filter(|h| h.rule == LintRule::PersonAsCause)
        .map(|h| (h.start, h.end))
        .collect();
    hits.retain(|h| {
        h.rule != LintRule::Hindsight || !blamed.iter().any(|&(s, e)| h.start < e && s < h.end)
    });
    // Longest first at each start, so "someone on the data team ignored" is
    // one finding, not also "the data team ignored" inside it.
    hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.rule.as_str()));
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        let overlaps = kept
            .iter()
            .any(|k| k.rule == hit.rule && hit.start < k.end && k.start < hit.end);
        if !overlaps {
            kept.push(hit);
        }
    }
    let chars: Vec<char> = text.chars().collect();
    kept.into_iter()
        .map(|hit| finding(field, &chars, hit))
        .collect()
}

/// One rule matching a span of the text, and which pattern matched.
struct Hit {
    rule: LintRule,
    pattern: Pattern,
    /// Char offsets `[start, end)`.
    start: usize,
    end: usize,
    /// The words that weighed most, for a learned finding.
    evidence: Vec<String>,
}

impl Hit {
    fn new(
        rule: LintRule,
        pattern: Pattern,
        tokens: &[sentence::Token],
        from: usize,
        to: usize,
    ) -> Self {
        Hit {
            rule,
            pattern,
            start: tokens[from].start,
            end: tokens[to - 1].end,
            evidence: Vec::new(),
        }
    }
}

fn finding(field: &str, chars: &[char], hit: Hit) -> LintFinding {
    let matched: String = chars[hit.start..hit.end].iter().collect();
    let (mut message, suggestion) = hit.pattern.advice(&matched);
    if !hit.evidence.is_empty() {
        let quoted: Vec<String> = hit.evidence.iter().map(|e| format!("\"{e}\"")).collect();
        message.push_str(&format!(
            " (the words that weighed most: {})",
            quoted.join(", ")
        ));
    }
    let line = chars[..hit.start].iter().filter(|&&c| c == '\n').count() + 1;
    let column = hit.start
        - chars[..hit.start]
            .iter()
            .rposition(|&c| c == '\n')
            .map_or(0, |newline| newline + 1)
        + 1;
    LintFinding {
        rule: hit.rule,
        severity: hit.rule.severity(),
        field: field.to_string(),
        start: hit.start,
        end: hit.end,
        line,
        column,
        matched,
        message,
        suggestion,
    }
}

/// What the default rules find in `text` with Alice among the people: each
/// rule with the words it matched. The rules' tests read through this; the
/// learned reading is off, since it has its own measure (`corpus`).
#[cfg(test)]
fn rules(text: &str) -> Vec<(LintRule, String)> {
    let rules_only = LintConfig {
        learned_threshold: Some(learned::Threshold::try_from(1.0).expect("1 is a threshold")),
        ..LintConfig::default()
    };
    lint_text("summary", text, &rules_only, &["Alice".into()])
        .into_iter()
        .map(|f| (f.rule, f.matched))
        .collect()
}

/// Asserts `rules` finds exactly `expected` in each text of the table.
#[cfg(test)]
fn assert_table(table: &[(&str, &[(LintRule, &str)])]) {
    for (text, expected) in table {
        let expected: Vec<(LintRule, String)> =
            expected.iter().map(|(r, m)| (*r, m.to_string())).collect();
        assert_eq!(rules(text), expected, "{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_texts() {
        use LintRule::*;
        let table: &[(&str, &[(LintRule, &str)])] = &[
            ("It was Bob's fault.", &[(Blame, "'s fault")]),
            ("Human error by the on-call", &[(Blame, "Human error")]),
            ("The human error rate was 2 %.", &[]),
            ("Obviously the alert was wrong", &[(Hindsight, "Obviously")]),
            ("The cause was not obvious at 09:00.", &[]),
            ("They just had to roll back", &[(Hindsight, "just had to")]),
            (
                "Action: improve monitoring",
                &[(VagueAction, "improve monitoring")],
            ),
            ("Review the rollout process.", &[(VagueAction, "Review")]),
            (
                "Review the drift threshold, owner Alice, due 2027-01-05.",
                &[],
            ),
            ("Alice deployed v2 at 09:00", &[]),
            (
                "Alice deployed the wrong checkpoint",
                &[(PersonAsCause, "Alice deployed the wrong")],
            ),
            (
                "The on-call engineer ignored the page.",
                &[(PersonAsCause, "The on-call engineer ignored")],
            ),
            ("The job ignored the page.", &[]),
            (
                "Alice should have checked the schema.",
                &[(PersonAsCause, "Alice should have")],
            ),
            (
                "The alert should have paged.",
                &[(Hindsight, "should have")],
            ),
            ("The alert should page within 5 minutes.", &[]),
            (
                "Had the canary run longer, it would have been caught.",
                &[(Hindsight, "Had"), (Hindsight, "would have been caught")],
            ),
            (
                "The outage was caused by Alice.",
                &[(PersonAsCause, "caused by Alice")],
            ),
            ("justice was simplyfied", &[]),
            ("Alice declared the incident", &[]),
        ];
        assert_table(table);
    }

    #[test]
    fn names_match_as_written_so_a_user_called_will_is_not_every_will() {
        let people = ["Will".to_string(), "Priya Shah".to_string()];
        let found = |text: &str| lint_text("f", text, &LintConfig::default(), &people).len();
        assert_eq!(found("We will rerun the job; it failed to start."), 0);
        assert_eq!(found("Will ignored the alert."), 1);
        assert_eq!(found("priya shah ignored the alert."), 1);
        assert_eq!(found("Priya ignored the alert."), 1);
    }

    #[test]
    fn blameless_text_is_clean() {
        let text = "At 09:12 the scoring model v2 began rejecting applicants from group C.\n\
                    The feature pipeline delivered income in cents after an upstream schema \
                    change that no contract test covered. Alice, the commander, switched \
                    traffic to the fallback model at 09:40; approvals recovered by 09:55.\n\
                    We will add a contract test on the income column, owned by the data team, \
                    that fails the pipeline when the unit changes.";
        assert_eq!(
            lint_text("summary", text, &LintConfig::default(), &["alice".into()]),
            []
        );
    }

    #[test]
    fn findings_carry_position_severity_and_advice() {
        let findings = lint_text(
            "root_causes[1].statement",
            "The fix was clear.\nIt was human error.",
            &LintConfig::default(),
            &[],
        );
        let f = &findings[0];
        assert_eq!((f.start, f.end, f.line, f.column), (26, 37, 2, 8));
        assert_eq!(f.severity, LintSeverity::Error);
        assert_eq!(f.field, "root_causes[1].statement");
        assert!(f.suggestion.contains("e.g."));
    }

    #[test]
    fn lists_are_configurable_from_a_file() {
        let config: LintConfig = serde_json::from_value(serde_json::json!({
            "blame": { "extend": ["butterfingers"] },
            "error_terms": { "remove": ["Human Error"] },
            "hindsight": { "replace": ["plainly"] },
            "roles": { "extend": ["quant"] }
        }))
        .unwrap();
        let found: Vec<LintRule> = lint_text(
            "f",
            "It was human error, butterfingers, plainly, obviously. The quant ignored it.",
            &config,
            &[],
        )
        .into_iter()
        .map(|f| f.rule)
        .collect();
        assert_eq!(
            found,
            [
                LintRule::Blame,
                LintRule::Hindsight,
                LintRule::PersonAsCause
            ]
        );
    }
}
