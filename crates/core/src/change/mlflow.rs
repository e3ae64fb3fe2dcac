//! MLflow's model registry as a source of changes: each poll reads the
//! registry (`registered-models/search`) and compares where each model's
//! aliases (`champion` → 4) and stages (`Production` → 4) point with where
//! they pointed at the last poll. A pointer that moved is a model promoted,
//! or rolled back when it moved to a lower version. The first poll of a
//! source only takes note of where things stand: the registry's history is
//! not invented as changes of that moment.

use super::webhook::ChangeSource;
use super::{ChangeKind, NewChange};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A registered model as the registry's REST API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RegisteredModel {
    pub name: String,
    #[serde(default)]
    pub latest_versions: Vec<ModelVersion>,
    #[serde(default)]
    pub aliases: Vec<Alias>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ModelVersion {
    pub version: String,
    #[serde(default)]
    pub current_stage: Option<String>,
    /// Unix milliseconds: for a stage transition, when it happened.
    #[serde(default)]
    pub last_updated_timestamp: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Alias {
    pub alias: String,
    pub version: String,
}

/// Where each pointer of each model stood at a poll:
/// `credit-model/alias/champion` → `4`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryState {
    /// False until the first poll: that one records nothing.
    pub polled: bool,
    pub pointers: BTreeMap<String, String>,
}

/// The stages that put a version in front of people.
const SERVING_STAGES: [&str; 2] = ["Staging", "Production"];

/// One pointer of one model: its key, its labels for routing, the version
/// it points at and when it moved there if the registry says.
struct Pointer {
    key: String,
    labels: BTreeMap<String, String>,
    version: String,
    moved_at: Option<Timestamp>,
}

fn pointers(model: &RegisteredModel) -> Vec<Pointer> {
    let labels = |kind: &str, name: &str| {
        BTreeMap::from([
            ("model".to_string(), model.name.clone()),
            (kind.to_string(), name.to_string()),
        ])
    };
    let mut found: Vec<Pointer> = model
        .aliases
        .iter()
        .map(|a| Pointer {
            key: format!("{}/alias/{}", model.name, a.alias),
            labels: labels("alias", &a.alias),
            version: a.version.clone(),
            moved_at: None,
        })
        .collect();
    for v in &model.latest_versions {
        if let Some(stage) = v
            .current_stage
            .as_deref()
            .filter(|s| SERVING_STAGES.contains(s))
        {
            found.push(Pointer {
                key: format!("{}/stage/{stage}", model.name),
                labels: labels("stage", stage),
                version: v.version.clone(),
                moved_at: v
                    .last_updated_timestamp
                    .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
            });
        }
    }
    found
}

/// Whether `to` is an earlier version than `from` (versions are numbers in
/// MLflow; text compares as text).
fn earlier(to: &str, from: &str) -> bool {
    match (to.parse::<u64>(), from.parse::<u64>()) {
        (Ok(to), Ok(from)) => to < from,
        _ => to < from,
    }
}

/// The changes one poll finds, and the state to keep for the next. A
/// pointer no rule routes is kept in the state but records nothing.
pub fn poll(
    source: &ChangeSource,
    models: &[RegisteredModel],
    previous: &RegistryState,
    now: Timestamp,
) -> (Vec<NewChange>, RegistryState) {
    let mut next = RegistryState {
        polled: true,
        pointers: BTreeMap::new(),
    };
    let mut changes = Vec::new();
    for model in models {
        for pointer in pointers(model) {
            let before = previous.pointers.get(&pointer.key);
            next.pointers
                .insert(pointer.key.clone(), pointer.version.clone());
            if !previous.polled || before == Some(&pointer.version) {
                continue;
            }
            let Some(rule) = source
                .rules
                .iter()
                .find(|rule| rule.matchers.iter().all(|m| m.matches(&pointer.labels)))
            else {
                continue;
            };
            let kind = match before {
                Some(from) if earlier(&pointer.version, from) => ChangeKind::ModelRolledBack,
                _ if rule.kind == ChangeKind::Deploy => ChangeKind::ModelPromoted,
                _ => rule.kind,
            };
            let at = pointer.moved_at.filter(|t| *t <= now).unwrap_or(now);
            let (what, name) = pointer
                .key
                .rsplit_once('/')
                .map(|(rest, name)| (rest.rsplit('/').next().unwrap_or(rest), name))
                .unwrap_or(("pointer", pointer.key.as_str()));
            changes.push(NewChange {
                system: rule.system.clone(),
                kind,
                version_from: before.cloned(),
                version_to: Some(pointer.version.clone()),
                by: Some(format!("mlflow:{}", source.slug)),
                at: Some(at),
                link: None,
                description: format!(
                    "{} {what} {name} now points at version {}",
                    model.name, pointer.version
                ),
                external_id: Some(format!(
                    "mlflow:{}:{}:{}:{}",
                    source.slug,
                    pointer.key,
                    pointer.version,
                    at.as_millisecond()
                )),
            });
        }
    }
    (changes, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{MatchOp, Matcher};
    use crate::change::webhook::{ChangeRule, Provider};

    fn registry(alias_version: &str, production: Option<(&str, i64)>) -> Vec<RegisteredModel> {
        vec![RegisteredModel {
            name: "credit-model".into(),
            latest_versions: production
                .map(|(version, ms)| ModelVersion {
                    version: version.into(),
                    current_stage: Some("Production".into()),
                    last_updated_timestamp: Some(ms),
                })
                .into_iter()
                .collect(),
            aliases: vec![Alias {
                alias: "champion".into(),
                version: alias_version.into(),
            }],
        }]
    }

    fn source() -> ChangeSource {
        ChangeSource {
            slug: "registry".into(),
            provider: Provider::Mlflow,
            url: Some("http://127.0.0.1:5000".into()),
            poll_seconds: None,
            rules: vec![ChangeRule {
                matchers: vec![Matcher {
                    label: "model".into(),
                    op: MatchOp::Equal,
                    value: "credit-model".into(),
                }],
                system: "credit-scoring".into(),
                kind: ChangeKind::Deploy,
            }],
        }
    }

    #[test]
    fn the_first_poll_takes_note_and_later_moves_are_promotions_or_rollbacks() {
        let now: Timestamp = "2026-12-31T12:00:00Z".parse().unwrap();
        let (first, state) = poll(
            &source(),
            &registry("1", None),
            &RegistryState::default(),
            now,
        );
        assert!(first.is_empty());
        assert_eq!(state.pointers["credit-model/alias/champion"], "1");

        let promoted_at = 1_796_310_770_792;
        let (second, state) = poll(
            &source(),
            &registry("2", Some(("2", promoted_at))),
            &state,
            now,
        );
        let kinds: Vec<_> = second
            .iter()
            .map(|c| (c.kind, c.version_from.as_deref(), c.version_to.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                (ChangeKind::ModelPromoted, Some("1"), Some("2")),
                (ChangeKind::ModelPromoted, None, Some("2")),
            ]
        );
        assert_eq!(
            second[0].at,
            Some(now),
            "an alias carries no time of its own"
        );
        assert_eq!(
            second[1].at.map(|t| t.as_millisecond()),
            Some(promoted_at),
            "a stage transition does"
        );
        assert_eq!(second[0].system, "credit-scoring");

        let (unchanged, state) = poll(
            &source(),
            &registry("2", Some(("2", promoted_at))),
            &state,
            now,
        );
        assert!(unchanged.is_empty());
        let (back, _) = poll(
            &source(),
            &registry("1", Some(("2", promoted_at))),
            &state,
            now,
        );
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].kind, ChangeKind::ModelRolledBack);
        assert_eq!(back[0].version_from.as_deref(), Some("2"));
    }

    #[test]
    fn an_unrouted_model_is_followed_but_records_nothing() {
        let now: Timestamp = "2026-12-03T12:00:00Z".parse().unwrap();
        let mut other = registry("1", None);
        other[0].name = "fraud-model".into();
        let (_, state) = poll(&source(), &other, &RegistryState::default(), now);
        other[0].aliases[0].version = "2".into();
        let (changes, state) = poll(&source(), &other, &state, now);
        assert!(changes.is_empty());
        assert_eq!(state.pointers["fraud-model/alias/champion"], "2");
    }
}
