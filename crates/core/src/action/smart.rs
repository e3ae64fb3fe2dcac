//! The SMART check of an action item: Specific (the title names a concrete
//! change), Measurable (the success criterion), Assignable (one owner),
//! Relevant (linked to a cause) and Time-bound (a due date). Each finding
//! names its letter's rule, the field and why.

use super::{ActionItem, filled};
use crate::lint::{LintConfig, LintRule, lint_text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub mod corpus;
mod measurable;
mod title;

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

/// Why `owner` is not one user of `users`; an empty directory is not
/// consulted, only the name's shape ("alice and bob", "the data team").
fn not_one_user(owner: &str, users: &[String]) -> Option<String> {
    let lower = owner.to_lowercase();
    let several = [",", ";", "/", "&", "+", " and ", " or "]
        .iter()
        .find(|s| lower.contains(*s));
    if let Some(separator) = several {
        return Some(format!(
            "\"{owner}\" names more than one owner (\"{}\"); one person owns an item",
            separator.trim()
        ));
    }
    if users.is_empty() {
        return None;
    }
    if users.iter().any(|u| u.eq_ignore_ascii_case(owner)) {
        return None;
    }
    Some(format!(
        "\"{owner}\" is not a user; name one person from the user directory"
    ))
}

/// SMART check with the built-in lexicon and no user directory.
pub fn smart_check(item: &ActionItem) -> Vec<SmartFinding> {
    smart_check_with(item, &LintConfig::default(), &[])
}

/// Specific (title not vague), Measurable (criterion), Assignable (one
/// owner among `users`, when given), Relevant (linked to a cause) and
/// Time-bound (due date). Each message starts with its letter's name.
pub fn smart_check_with(
    item: &ActionItem,
    config: &LintConfig,
    users: &[String],
) -> Vec<SmartFinding> {
    let mut findings = Vec::new();
    let mut flag = |rule, field: &str, message: String| {
        findings.push(SmartFinding {
            rule,
            field: field.to_string(),
            message,
        })
    };
    // The title's own rule first; the lint's vague-action rule, which reads
    // sentences of a post-mortem, catches what prose phrasing it knows.
    match title::vague(&item.title) {
        Some(why) => flag(SmartRule::VagueTitle, "title", format!("Specific: {why}")),
        None => {
            for vague in lint_text("title", &item.title, config, &[])
                .into_iter()
                .filter(|f| f.rule == LintRule::VagueAction)
            {
                flag(
                    SmartRule::VagueTitle,
                    "title",
                    format!("Specific: {}; {}", vague.message, vague.suggestion),
                );
            }
        }
    }
    match filled(&item.success_criterion) {
        None => flag(
            SmartRule::NotMeasurable,
            "success_criterion",
            "Measurable: state how everyone will know it worked".into(),
        ),
        Some(criterion) => {
            if let Err(why) = measurable::check(criterion) {
                flag(
                    SmartRule::NotMeasurable,
                    "success_criterion",
                    format!("Measurable: {}", why.explain(criterion)),
                );
            }
        }
    }
    match filled(&item.owner) {
        None => flag(
            SmartRule::MissingOwner,
            "owner",
            "Assignable: name exactly one owner".into(),
        ),
        Some(owner) => {
            if let Some(why) = not_one_user(owner, users) {
                flag(
                    SmartRule::MissingOwner,
                    "owner",
                    format!("Assignable: {why}"),
                );
            }
        }
    }
    if item.addresses.is_none() {
        flag(
            SmartRule::NoLinkedCause,
            "addresses",
            "Relevant: link the root cause or FMEA row this item addresses".into(),
        );
    }
    if item.due.is_none() {
        flag(
            SmartRule::MissingDueDate,
            "due",
            "Time-bound: set a due date".into(),
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
                SmartRule::NotMeasurable,
                SmartRule::MissingOwner,
                SmartRule::NoLinkedCause,
                SmartRule::MissingDueDate,
            ]
        );
        let messages: Vec<String> = smart_check(&bare).into_iter().map(|f| f.message).collect();
        for (message, letter) in messages.iter().zip([
            "Specific",
            "Measurable",
            "Assignable",
            "Relevant",
            "Time-bound",
        ]) {
            assert!(message.starts_with(letter), "{message}");
        }
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
            assert!(measurable::check(passes).is_ok(), "{passes}");
        }
        for fails in ["improve monitoring", "the team is more careful", ""] {
            assert!(measurable::check(fails).is_err(), "{fails}");
        }
    }

    #[test]
    fn an_owner_is_one_user_of_the_directory() {
        let users = ["carol".to_string(), "dara".to_string()];
        let owner = |name: &str| {
            let item = ActionItem {
                owner: Some(name.into()),
                ..item()
            };
            smart_check_with(&item, &LintConfig::default(), &users)
                .into_iter()
                .filter(|f| f.rule == SmartRule::MissingOwner)
                .map(|f| f.message)
                .collect::<Vec<_>>()
        };
        assert!(owner("carol").is_empty());
        assert!(owner("Dara").is_empty());
        assert_eq!(
            owner("carol and dara"),
            [
                "Assignable: \"carol and dara\" names more than one owner (\"and\"); one person owns an item"
            ]
        );
        assert_eq!(
            owner("the data team"),
            [
                "Assignable: \"the data team\" is not a user; name one person from the user directory"
            ]
        );
    }
}
