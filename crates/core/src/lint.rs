//! The blameless-language lint over a post-mortem's free text, built on the
//! blame lexicon and matcher of [`crate::blame`] (D1).
//!
//! Severities: blaming a person (a blame phrase, or a named person as the
//! subject of a cause) is an **error**, because it blocks approval: a
//! post-mortem that blames people teaches people to hide mistakes. Hindsight
//! and vague actions are **warnings** in prose, where they weaken the text
//! without making it unsafe; a vague action item *title* is still refused at
//! approval, by the SMART check of [`crate::action`].

use crate::blame::{self, PhraseMatch};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
/// serde format); every list defaults to the built-in one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LintConfig {
    pub blame: WordList,
    pub hindsight: WordList,
    pub vague_actions: WordList,
    /// Words after a person's name that make the person a cause ("deployed").
    pub person_cause_verbs: WordList,
    /// Words before a person's name that make the person a cause ("caused by").
    pub person_cause_markers: WordList,
}

impl LintConfig {
    pub fn blame_phrases(&self) -> Vec<String> {
        self.blame.resolve(blame::DEFAULT_BLAME_PHRASES)
    }
    pub fn hindsight_phrases(&self) -> Vec<String> {
        self.hindsight.resolve(blame::DEFAULT_HINDSIGHT_PHRASES)
    }
    pub fn vague_action_phrases(&self) -> Vec<String> {
        self.vague_actions
            .resolve(blame::DEFAULT_VAGUE_ACTION_PHRASES)
    }
    pub fn person_cause_verbs(&self) -> Vec<String> {
        self.person_cause_verbs
            .resolve(blame::DEFAULT_PERSON_CAUSE_VERBS)
    }
    pub fn person_cause_markers(&self) -> Vec<String> {
        self.person_cause_markers
            .resolve(blame::DEFAULT_PERSON_CAUSE_MARKERS)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LintRule {
    /// A phrase of the blame list: "human error", "Bob's fault".
    Blame,
    /// A person involved, named as the subject of a cause: "alice deployed…".
    PersonAsCause,
    /// Hindsight bias: "obviously", "just had to".
    Hindsight,
    /// An action nobody can tell is done: "improve monitoring".
    VagueAction,
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
            LintRule::Hindsight | LintRule::VagueAction => LintSeverity::Warning,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LintRule::Blame => "blame",
            LintRule::PersonAsCause => "person_as_cause",
            LintRule::Hindsight => "hindsight",
            LintRule::VagueAction => "vague_action",
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
/// (users, role holders) so that naming one as a cause is caught.
pub fn lint_text(
    field: &str,
    text: &str,
    config: &LintConfig,
    people: &[String],
) -> Vec<LintFinding> {
    let chars: Vec<char> = text.chars().collect();
    let mut findings = Vec::new();
    let mut push = |rule: LintRule, start: usize, end: usize| {
        let matched: String = chars[start..end].iter().collect();
        let (message, suggestion) = advice(rule, &matched);
        let line = chars[..start].iter().filter(|&&c| c == '\n').count() + 1;
        let column = start
            - chars[..start]
                .iter()
                .rposition(|&c| c == '\n')
                .map_or(0, |newline| newline + 1)
            + 1;
        findings.push(LintFinding {
            rule,
            severity: rule.severity(),
            field: field.to_string(),
            start,
            end,
            line,
            column,
            matched,
            message,
            suggestion,
        });
    };
    let lists = [
        (LintRule::Blame, config.blame_phrases()),
        (LintRule::Hindsight, config.hindsight_phrases()),
        (LintRule::VagueAction, config.vague_action_phrases()),
    ];
    for (rule, phrases) in lists {
        for PhraseMatch { start, end, .. } in blame::find_phrases(text, &phrases) {
            push(rule, start, end);
        }
    }
    for (start, end) in people_as_causes(text, config, people) {
        push(LintRule::PersonAsCause, start, end);
    }
    findings.sort_by_key(|f| (f.start, f.end));
    findings
}

/// Spans where a name of `people` is the subject or the object of a cause:
/// followed by a cause verb, or preceded by a cause marker.
fn people_as_causes(text: &str, config: &LintConfig, people: &[String]) -> Vec<(usize, usize)> {
    if people.is_empty() {
        return Vec::new();
    }
    let spans = blame::words(text);
    let words: Vec<String> = spans.iter().map(|w| w.text.clone()).collect();
    let tokens = |list: Vec<String>| -> Vec<Vec<String>> {
        list.iter()
            .map(|p| blame::words(p).into_iter().map(|w| w.text).collect())
            .collect()
    };
    let verbs = tokens(config.person_cause_verbs());
    let markers = tokens(config.person_cause_markers());
    let mut found = Vec::new();
    for name in blame::find_phrases(text, people) {
        let first = spans.iter().position(|w| w.start == name.start);
        let last = spans.iter().rposition(|w| w.end == name.end);
        let (Some(first), Some(last)) = (first, last) else {
            continue;
        };
        let after = &words[last + 1..];
        if let Some(verb) = verbs.iter().find(|v| after.starts_with(v)) {
            found.push((name.start, spans[last + verb.len()].end));
        } else if let Some(marker) = markers.iter().find(|m| words[..first].ends_with(m)) {
            found.push((spans[first - marker.len()].start, name.end));
        }
    }
    found
}

fn advice(rule: LintRule, matched: &str) -> (String, String) {
    match rule {
        LintRule::Blame => (
            format!("\"{matched}\" puts the cause on a person"),
            "Describe what in the system let the action do harm: the missing safeguard, \
             check or context (e.g. \"the deploy tool accepted a config no test had run\")"
                .into(),
        ),
        LintRule::PersonAsCause => (
            format!("\"{matched}\" names a person as the cause"),
            "Name the role and the step instead, and ask what let that step cause harm \
             (e.g. \"a deploy following the runbook pushed the config\")"
                .into(),
        ),
        LintRule::Hindsight => (
            format!("\"{matched}\" judges with hindsight"),
            "Describe what people knew and saw at the time, and why their actions made \
             sense then"
                .into(),
        ),
        LintRule::VagueAction => (
            format!("\"{matched}\" cannot be checked off"),
            "Say what changes, who owns it and how success is measured (e.g. \"page the \
             on-call when PSI > 0.2 within 5 minutes\")"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<(LintRule, String)> {
        lint_text("summary", text, &LintConfig::default(), &["alice".into()])
            .into_iter()
            .map(|f| (f.rule, f.matched))
            .collect()
    }

    #[test]
    fn flags_every_listed_pattern() {
        let lists = [
            (LintRule::Blame, blame::DEFAULT_BLAME_PHRASES),
            (LintRule::Hindsight, blame::DEFAULT_HINDSIGHT_PHRASES),
            (LintRule::VagueAction, blame::DEFAULT_VAGUE_ACTION_PHRASES),
        ];
        for (rule, phrases) in lists {
            for phrase in phrases {
                let text = format!("Then {phrase} happened.");
                let found = rules(&text);
                let shown = phrase.trim_start_matches('\'');
                assert!(
                    found.iter().any(|(r, m)| *r == rule && m.ends_with(shown)),
                    "`{phrase}` not flagged as {rule:?}: {found:?}"
                );
            }
        }
        for verb in blame::DEFAULT_PERSON_CAUSE_VERBS {
            let text = format!(
                "Alice{}{verb} the config",
                if verb.starts_with('\'') { "" } else { " " }
            );
            assert_eq!(rules(&text)[0].0, LintRule::PersonAsCause, "{text}");
        }
        for marker in blame::DEFAULT_PERSON_CAUSE_MARKERS {
            let text = format!("The outage was {marker} alice.");
            assert_eq!(
                rules(&text),
                [(LintRule::PersonAsCause, format!("{marker} alice"))]
            );
        }
    }

    #[test]
    fn table_of_texts() {
        let table: &[(&str, &[(LintRule, &str)])] = &[
            ("It was Bob's fault.", &[(LintRule::Blame, "'s fault")]),
            (
                "Human error by the on-call",
                &[(LintRule::Blame, "Human error")],
            ),
            (
                "Obviously the alert was wrong",
                &[(LintRule::Hindsight, "Obviously")],
            ),
            (
                "They just had to roll back",
                &[(LintRule::Hindsight, "just had to")],
            ),
            (
                "Action: improve monitoring",
                &[(LintRule::VagueAction, "improve monitoring")],
            ),
            (
                "Alice deployed v2 at 09:00",
                &[(LintRule::PersonAsCause, "Alice deployed")],
            ),
            ("justice was simplyfied", &[]),
            ("Alice declared the incident", &[]),
        ];
        for (text, expected) in table {
            let expected: Vec<(LintRule, String)> =
                expected.iter().map(|(r, m)| (*r, m.to_string())).collect();
            assert_eq!(rules(text), expected, "{text}");
        }
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
        assert!(!f.suggestion.is_empty());
    }

    #[test]
    fn lists_are_configurable_from_a_file() {
        let config: LintConfig = serde_json::from_value(serde_json::json!({
            "blame": { "extend": ["butterfingers"], "remove": ["Human Error"] },
            "hindsight": { "replace": ["plainly"] }
        }))
        .unwrap();
        let found: Vec<LintRule> = lint_text(
            "f",
            "human error, butterfingers, plainly, obviously",
            &config,
            &[],
        )
        .into_iter()
        .map(|f| f.rule)
        .collect();
        assert_eq!(found, [LintRule::Blame, LintRule::Hindsight]);
    }
}
