//! Change events: what changed on a system (a deploy, a model promoted or
//! rolled back, new training data, a prompt template, a flag), and the two
//! questions an investigator asks of them: what changed before this incident
//! on its systems and everything upstream of them, and which change came
//! nearest before a detected change point.
//!
//! Changes arrive from the API and CLI, and from GitHub and GitLab deployment
//! webhooks mapped to systems by rules (`webhook.rs`). The blast radius of an
//! incident, its systems' dependants with the path that makes them so, is
//! here too, computed from the same dependency graph.

mod graph;
pub mod mlflow;
pub mod webhook;

pub use graph::{dependant_paths, upstream_paths};

use crate::error::{DomainError, Problems};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// How far before an incident "what changed" looks unless asked otherwise.
pub const DEFAULT_WINDOW: SignedDuration = SignedDuration::from_hours(72);
/// The longest window asked for: 90 days.
pub const MAX_WINDOW: SignedDuration = SignedDuration::from_hours(90 * 24);
/// A change may be stamped a little in the future of the server's clock
/// (the sender's clock runs ahead), not more.
pub const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);

const MAX_VERSION: usize = 200;
const MAX_BY: usize = 200;
const MAX_LINK: usize = 2_000;
const MAX_DESCRIPTION: usize = 10_000;
const MAX_EXTERNAL_ID: usize = 300;

/// What kind of change happened to a system.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Deploy,
    ModelPromoted,
    ModelRolledBack,
    TrainingData,
    FeaturePipeline,
    Configuration,
    PromptTemplate,
    FeatureFlag,
    UpstreamDependency,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 9] = [
        ChangeKind::Deploy,
        ChangeKind::ModelPromoted,
        ChangeKind::ModelRolledBack,
        ChangeKind::TrainingData,
        ChangeKind::FeaturePipeline,
        ChangeKind::Configuration,
        ChangeKind::PromptTemplate,
        ChangeKind::FeatureFlag,
        ChangeKind::UpstreamDependency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Deploy => "deploy",
            ChangeKind::ModelPromoted => "model_promoted",
            ChangeKind::ModelRolledBack => "model_rolled_back",
            ChangeKind::TrainingData => "training_data",
            ChangeKind::FeaturePipeline => "feature_pipeline",
            ChangeKind::Configuration => "configuration",
            ChangeKind::PromptTemplate => "prompt_template",
            ChangeKind::FeatureFlag => "feature_flag",
            ChangeKind::UpstreamDependency => "upstream_dependency",
        }
    }

    /// How a person reads it: "model promoted".
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Deploy => "deploy",
            ChangeKind::ModelPromoted => "model promoted",
            ChangeKind::ModelRolledBack => "model rolled back",
            ChangeKind::TrainingData => "training data changed",
            ChangeKind::FeaturePipeline => "feature pipeline changed",
            ChangeKind::Configuration => "configuration changed",
            ChangeKind::PromptTemplate => "prompt template changed",
            ChangeKind::FeatureFlag => "feature flag flipped",
            ChangeKind::UpstreamDependency => "upstream dependency changed",
        }
    }
}

impl std::str::FromStr for ChangeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChangeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = ChangeKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown change kind `{s}`, expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Where a change was heard of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOrigin {
    /// The API or the CLI, e.g. a CI pipeline's step.
    #[default]
    Api,
    Github,
    Gitlab,
    Mlflow,
}

/// A change as reported, before it is numbered and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChange {
    pub system: String,
    pub kind: ChangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_to: Option<String>,
    /// Who made the change (a person or a pipeline); defaults to the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// When the change took effect; defaults to the time of recording.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// A link to the pipeline run, pull request or model version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default)]
    pub description: String,
    /// The sender's own id of the change. A change with an id already
    /// recorded is not recorded again, so a retried delivery is harmless.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// A recorded change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChangeEvent {
    /// `CH-<number>`.
    pub id: String,
    pub system: String,
    pub kind: ChangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_to: Option<String>,
    pub by: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub origin: ChangeOrigin,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub recorded_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: Timestamp,
}

impl ChangeEvent {
    /// "model promoted v3 → v4".
    pub fn summary(&self) -> String {
        let versions = versions(self.version_from.as_deref(), self.version_to.as_deref());
        if versions.is_empty() {
            self.kind.label().to_string()
        } else {
            format!("{} {versions}", self.kind.label())
        }
    }
}

/// How a change's versions read: "v3 → v4", "→ v4", "from v3", or nothing.
pub fn versions(from: Option<&str>, to: Option<&str>) -> String {
    match (from, to) {
        (Some(from), Some(to)) => format!("{from} → {to}"),
        (None, Some(to)) => format!("→ {to}"),
        (Some(from), None) => format!("from {from}"),
        (None, None) => String::new(),
    }
}

impl NewChange {
    /// Refuses an unknown system, a time too far ahead of `now`, a link that
    /// is not http(s) and overlong fields, all at once, each by its field.
    pub fn validate(&self, known_systems: &[String], now: Timestamp) -> Result<(), DomainError> {
        let mut problems = Problems::default();
        if !known_systems.contains(&self.system) {
            problems.push("system", format!("unknown system \"{}\"", self.system));
        }
        if let Some(at) = self.at
            && at > now.saturating_add(CLOCK_SKEW).unwrap_or(now)
        {
            problems.push("at", format!("{at} is in the future"));
        }
        if let Some(link) = &self.link
            && (!(link.starts_with("https://") || link.starts_with("http://"))
                || link.len() > MAX_LINK
                || link.chars().any(char::is_whitespace))
        {
            problems.push(
                "link",
                format!("not an http(s) URL of at most {MAX_LINK} characters"),
            );
        }
        let limits = [
            ("version_from", self.version_from.as_deref(), MAX_VERSION),
            ("version_to", self.version_to.as_deref(), MAX_VERSION),
            ("by", self.by.as_deref(), MAX_BY),
            (
                "description",
                Some(self.description.as_str()),
                MAX_DESCRIPTION,
            ),
            ("external_id", self.external_id.as_deref(), MAX_EXTERNAL_ID),
        ];
        for (field, value, max) in limits {
            if value.is_some_and(|v| v.chars().count() > max) {
                problems.push(field, format!("at most {max} characters"));
            }
        }
        for (field, value) in [
            ("version_from", &self.version_from),
            ("version_to", &self.version_to),
            ("by", &self.by),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                problems.push(field, "empty: leave it out instead");
            }
        }
        problems.into_result()
    }

    /// The stored change, numbered `number`, defaults filled in.
    pub fn record(
        self,
        number: u64,
        origin: ChangeOrigin,
        actor: &str,
        now: Timestamp,
    ) -> ChangeEvent {
        ChangeEvent {
            id: format!("CH-{number}"),
            system: self.system,
            kind: self.kind,
            version_from: self.version_from,
            version_to: self.version_to,
            by: self.by.unwrap_or_else(|| actor.to_string()),
            at: self.at.unwrap_or(now),
            link: self.link,
            description: self.description,
            origin,
            external_id: self.external_id,
            recorded_by: actor.to_string(),
            recorded_at: now,
        }
    }
}

/// Refuses a window that is not positive or longer than [`MAX_WINDOW`].
pub fn check_window(window: SignedDuration) -> Result<(), DomainError> {
    if window <= SignedDuration::ZERO || window > MAX_WINDOW {
        return Err(DomainError::field(
            "window_hours",
            format!("between 1 and {} hours", MAX_WINDOW.as_hours()),
        ));
    }
    Ok(())
}

/// One change that came before an incident, and why it matters to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PriorChange {
    #[serde(flatten)]
    pub change: ChangeEvent,
    /// From an affected system to the changed one through what it depends
    /// on: `[credit-scoring, feature-store]`; one element when the changed
    /// system is itself affected.
    pub path: Vec<String>,
    /// How long before the incident's start the change took effect.
    pub before_seconds: i64,
}

/// The changes on `systems` and everything upstream of them that took effect
/// in the `window` before `until`, nearest first. `graph` maps each system
/// to what it depends on.
pub fn changes_before(
    changes: &[ChangeEvent],
    systems: &[String],
    graph: &BTreeMap<String, Vec<String>>,
    until: Timestamp,
    window: SignedDuration,
) -> Vec<PriorChange> {
    let paths = upstream_paths(systems, graph);
    let from = until.saturating_sub(window).unwrap_or(until);
    let mut found: Vec<PriorChange> = changes
        .iter()
        .filter(|c| c.at <= until && c.at >= from)
        .filter_map(|c| {
            paths.get(&c.system).map(|path| PriorChange {
                change: c.clone(),
                path: path.clone(),
                before_seconds: until.duration_since(c.at).as_secs(),
            })
        })
        .collect();
    found.sort_by(|a, b| {
        b.change
            .at
            .cmp(&a.change.at)
            .then_with(|| a.change.id.cmp(&b.change.id))
    });
    found
}

/// The change that took effect last at or before `at` (within `window`),
/// the one a change point is most likely owed to.
pub fn nearest_before(
    changes: &[ChangeEvent],
    at: Timestamp,
    window: SignedDuration,
) -> Option<&ChangeEvent> {
    let from = at.saturating_sub(window).unwrap_or(at);
    changes
        .iter()
        .filter(|c| c.at <= at && c.at >= from)
        .max_by_key(|c| c.at)
}

/// The change a shift first seen in the window `[start, end)` is likeliest
/// owed to: the one that took effect last before the window ended, at most
/// [`DEFAULT_WINDOW`] before the window began (a change inside the window
/// counts, since the window's value already holds its effect).
pub fn preceding(
    changes: &[ChangeEvent],
    start: Timestamp,
    end: Timestamp,
) -> Option<&ChangeEvent> {
    let reach = DEFAULT_WINDOW
        .checked_add(end.duration_since(start))
        .unwrap_or(DEFAULT_WINDOW);
    nearest_before(changes, end, reach)
}

/// Each change at the window it took effect in: the last of the windows
/// (their starts, in time order) that began at or before it. Changes before
/// the first window or after `open_end` are off the series; windows without
/// a time place none.
pub fn placed_in_windows(
    changes: &[ChangeEvent],
    starts: &[Option<Timestamp>],
    open_end: Timestamp,
) -> Vec<(usize, ChangeEvent)> {
    changes
        .iter()
        .filter(|c| c.at <= open_end)
        .filter_map(|c| {
            let index = starts
                .iter()
                .rposition(|start| start.is_some_and(|s| s <= c.at))?;
            Some((index, c.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests;
