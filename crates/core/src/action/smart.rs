//! The SMART check of an action item: Specific (the title names a concrete
//! change), Measurable (the success criterion), Assignable (one owner),
//! Relevant (linked to a cause) and Time-bound (a due date). Each finding
//! names its letter's rule, the field and why.

use super::{ActionItem, filled};
use crate::blame;
use crate::lint::{LintConfig, LintRule, lint_text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SmartRule {
    MissingOwner,
    MissingDueDate,
    NotMeasurable,
    NoLinkedCause,
    VagueTitle,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SmartFinding {
    pub rule: SmartRule,
    /// The item's field, e.g. `owner`.
    pub field: String,
    pub message: String,
}

/// Words that make a criterion countable besides digits and the symbols
/// `< > ≤ ≥ = %`.
const MEASURE_WORDS: &[&str] = &[
    "zero",
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
    "twelve",
    "once",
    "twice",
    "half",
    "every",
    "at least",
    "at most",
    "no more than",
    "fewer than",
    "less than",
    "more than",
    "greater than",
    "within",
    "below",
    "above",
    "per",
];

/// The measurability heuristic: a criterion is measurable when it states a
/// number, a percentage, a comparison or a threshold ("PSI < 0.1", "100% of
/// releases", "alert fires within 5 minutes", "every release"). It cannot
/// tell a meaningful metric from a number dropped in, but it reliably refuses
/// criteria like "improve monitoring" that nobody can check.
pub fn is_measurable(criterion: &str) -> bool {
    let words: Vec<String> = MEASURE_WORDS.iter().map(|w| w.to_string()).collect();
    criterion.chars().any(|c| c.is_ascii_digit())
        || criterion.contains(['<', '>', '≤', '≥', '=', '%'])
        || !blame::find_phrases(criterion, &words).is_empty()
}

/// SMART check with the built-in lexicon.
pub fn smart_check(item: &ActionItem) -> Vec<SmartFinding> {
    smart_check_with(item, &LintConfig::default())
}

/// Specific (title not vague), Measurable (criterion), Assignable (owner),
/// Relevant (linked to a cause) and Time-bound (due date).
pub fn smart_check_with(item: &ActionItem, config: &LintConfig) -> Vec<SmartFinding> {
    let mut findings = Vec::new();
    let mut flag = |rule, field: &str, message: String| {
        findings.push(SmartFinding {
            rule,
            field: field.to_string(),
            message,
        })
    };
    for vague in lint_text("title", &item.title, config, &[])
        .into_iter()
        .filter(|f| f.rule == LintRule::VagueAction)
    {
        flag(
            SmartRule::VagueTitle,
            "title",
            format!("{}; {}", vague.message, vague.suggestion),
        );
    }
    if filled(&item.owner).is_none() {
        flag(
            SmartRule::MissingOwner,
            "owner",
            "name exactly one owner".into(),
        );
    }
    if item.due.is_none() {
        flag(SmartRule::MissingDueDate, "due", "set a due date".into());
    }
    match filled(&item.success_criterion) {
        None => flag(
            SmartRule::NotMeasurable,
            "success_criterion",
            "state how success is measured".into(),
        ),
        Some(criterion) if !is_measurable(criterion) => flag(
            SmartRule::NotMeasurable,
            "success_criterion",
            format!(
                "\"{criterion}\" has no number, percentage, threshold or metric; \
                 e.g. \"alert fires within 5 minutes\" or \"PSI < 0.1\""
            ),
        ),
        Some(_) => {}
    }
    if item.addresses.is_none() {
        flag(
            SmartRule::NoLinkedCause,
            "addresses",
            "link the root cause or FMEA row this item addresses".into(),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::tests::item;
    use crate::action::{ActionItem, CauseLink};

    fn rules(item: &ActionItem) -> Vec<SmartRule> {
        smart_check(item).into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn smart_check_flags_each_missing_part() {
        assert_eq!(rules(&item()), []);
        let bare = ActionItem {
            title: "Improve monitoring".into(),
            owner: None,
            due: None,
            addresses: None,
            success_criterion: Some("improve monitoring".into()),
            ..item()
        };
        assert_eq!(
            rules(&bare),
            [
                SmartRule::VagueTitle,
                SmartRule::MissingOwner,
                SmartRule::MissingDueDate,
                SmartRule::NotMeasurable,
                SmartRule::NoLinkedCause
            ]
        );
        let fmea = ActionItem {
            addresses: Some(CauseLink::FmeaRow {
                owner: "system:scoring".into(),
                worksheet: "main".into(),
                row: 2,
            }),
            ..item()
        };
        assert_eq!(rules(&fmea), []);
    }

    #[test]
    fn measurable_criteria() {
        for passes in [
            "alert fires within 5 minutes",
            "PSI < 0.1",
            "100% of releases",
            "every release runs the contract test",
        ] {
            assert!(is_measurable(passes), "{passes}");
        }
        for fails in ["improve monitoring", "the team is more careful", ""] {
            assert!(!is_measurable(fails), "{fails}");
        }
    }
}
