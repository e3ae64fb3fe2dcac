//! Firebreak's own monitors: a check on a system's prediction logs, run on a
//! schedule, whose breaches and silences become alerts (D27). This module is
//! the definition and its rules, without I/O: what a monitor is
//! ([`MonitorDefinition`]), when it runs next ([`Schedule`]), when a result
//! is a breach ([`Threshold`], [`evaluate`]) and what a run does to the
//! monitor's state and alerts ([`advance`]). Reading the logs is the
//! server's, with `firebreak-forensics`.

mod schedule;
mod state;
mod threshold;

pub use schedule::{Schedule, parse_duration};
pub use state::{
    AlertIntent, AlertKind, MonitorState, MonitorStatus, RETRIES, RunResult, Verdict, advance,
    evaluate,
};
pub use threshold::{Breach, Comparison, Threshold};

use crate::alert::{RouteAction, RoutingRule};
use crate::error::{DomainError, Problems};
use crate::incident::Severity;
use crate::system::validate_slug;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A monitor as its owners write it (TOML or JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorDefinition {
    /// Unique among monitors: lowercase letters, digits and `-`.
    pub name: String,
    /// The inventory system whose logs are watched.
    pub system: String,
    pub source: SourceSpec,
    /// What the new data is compared with; drift and data-quality checks
    /// and relative thresholds need one.
    #[serde(default)]
    pub reference: Option<ReferenceSpec>,
    pub check: CheckSpec,
    /// A cohort (`forensics::cohort` grammar) kept on both sides.
    #[serde(default, rename = "where")]
    pub cohort: Option<String>,
    /// `30s`, `10m`, `1h`, `1d`, or a cron expression (`0 6 * * *`, UTC).
    pub schedule: String,
    /// `METRIC OP NUMBER` (`dpd > 0.1`) or `METRIC deviates N%` (from the
    /// same metric on the reference). Any one that holds is a breach.
    #[serde(default)]
    pub thresholds: Vec<String>,
    /// Fewer rows in a window than this is "insufficient data", not a breach.
    #[serde(default = "default_min_rows")]
    pub min_rows: u64,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    /// What a breach does when `rules` is empty: declare (the default),
    /// attach or record.
    #[serde(default = "default_action")]
    pub action: RouteAction,
    /// Routing rules as integrations take them, matched on the alert's
    /// labels (`monitor`, `system`, `check`, `kind`); the first that holds
    /// decides.
    #[serde(default)]
    pub rules: Vec<RoutingRule>,
    /// Clean windows in a row that resolve a breach alert.
    #[serde(default = "default_recover_after")]
    pub recover_after: u32,
    /// No new data for this long raises a "silent monitor" alert; the
    /// default is three schedule periods.
    #[serde(default)]
    pub silent_after: Option<String>,
    /// A window is checked only this long after its time, when its labels
    /// have arrived (performance checks).
    #[serde(default)]
    pub label_delay: Option<String>,
}

fn default_min_rows() -> u64 {
    1
}
fn default_severity() -> Severity {
    Severity::Sev3
}
fn default_action() -> RouteAction {
    RouteAction::Declare
}
fn default_recover_after() -> u32 {
    1
}

/// Where the prediction logs are: a directory of time partitions
/// (`logs/` holding `date=2026-12-01/*.parquet`, …), each partition one
/// window in name order; a glob of such files (`logs/date=*/*.parquet`,
/// grouped by directory, or `logs/*.csv`, one file per window); or one
/// growing Parquet/CSV file whose rows are windowed by `timestamp`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    pub path: String,
    /// The timestamp column: required for one growing file, used for
    /// freshness and rolling references when present.
    #[serde(default)]
    pub timestamp: Option<String>,
}

/// What a window is compared with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ReferenceSpec {
    /// One fixed Parquet or CSV file.
    File(String),
    /// A fixed time window of the source, `A..B`.
    Window(String),
    /// The span before each window's start, e.g. `7d`.
    Rolling(String),
}

/// What is computed on each window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CheckSpec {
    /// Per-column drift with a preset; metrics `share_of_drifted_columns`,
    /// `drifted_columns`, `drift_score.<column>`.
    Drift {
        #[serde(default = "default_preset")]
        preset: String,
        #[serde(default)]
        columns: Vec<String>,
        #[serde(default)]
        exclude: Vec<String>,
    },
    /// Group fairness; metrics the gaps (`dpd`, `eod`, …) and
    /// `selection_rate.<group>`, `accuracy.<group>`.
    Fairness {
        group: Vec<String>,
        label: String,
        prediction: String,
        #[serde(default)]
        score: Option<String>,
    },
    /// Data quality against the reference; metrics `missing_rate`,
    /// `missing_rate.<column>`, `new_category_rows`, `out_of_range_rows`,
    /// `schema_changes`.
    Quality {
        #[serde(default)]
        columns: Vec<String>,
    },
    /// Performance once labels arrived; metrics `accuracy`, `precision`,
    /// `recall`, and with a score `auc`, `calibration_error`.
    Performance {
        label: String,
        prediction: String,
        #[serde(default)]
        score: Option<String>,
    },
    /// Rows per window and time since the newest row (`rows`,
    /// `freshness_seconds`), which every check also reports.
    Volume,
}

fn default_preset() -> String {
    "evidently".to_string()
}

impl CheckSpec {
    pub fn name(&self) -> &'static str {
        match self {
            CheckSpec::Drift { .. } => "drift",
            CheckSpec::Fairness { .. } => "fairness",
            CheckSpec::Quality { .. } => "quality",
            CheckSpec::Performance { .. } => "performance",
            CheckSpec::Volume => "volume",
        }
    }

    /// The metrics this check reports, without the `.<column>` or
    /// `.<group>` of the per-column ones.
    pub fn metrics(&self) -> &'static [&'static str] {
        match self {
            CheckSpec::Drift { .. } => &[
                "rows",
                "freshness_seconds",
                "share_of_drifted_columns",
                "drifted_columns",
                "drift_score",
            ],
            CheckSpec::Fairness { .. } => &[
                "rows",
                "freshness_seconds",
                "demographic_parity_difference",
                "demographic_parity_ratio",
                "equalized_odds_difference",
                "equalized_odds_ratio",
                "equal_opportunity_difference",
                "equal_opportunity_ratio",
                "selection_rate",
                "accuracy",
            ],
            CheckSpec::Quality { .. } => &[
                "rows",
                "freshness_seconds",
                "missing_rate",
                "new_category_rows",
                "out_of_range_rows",
                "schema_changes",
            ],
            CheckSpec::Performance { .. } => &[
                "rows",
                "freshness_seconds",
                "accuracy",
                "precision",
                "recall",
                "auc",
                "calibration_error",
            ],
            CheckSpec::Volume => &["rows", "freshness_seconds"],
        }
    }

    /// The columns the check reads by name.
    pub fn columns(&self) -> Vec<(&'static str, String)> {
        let mut named = Vec::new();
        match self {
            CheckSpec::Drift {
                columns, exclude, ..
            } => {
                named.extend(columns.iter().map(|c| ("check.columns", c.clone())));
                named.extend(exclude.iter().map(|c| ("check.exclude", c.clone())));
            }
            CheckSpec::Fairness {
                group,
                label,
                prediction,
                score,
            } => {
                named.extend(group.iter().map(|c| ("check.group", c.clone())));
                named.push(("check.label", label.clone()));
                named.push(("check.prediction", prediction.clone()));
                named.extend(score.iter().map(|c| ("check.score", c.clone())));
            }
            CheckSpec::Quality { columns } => {
                named.extend(columns.iter().map(|c| ("check.columns", c.clone())));
            }
            CheckSpec::Performance {
                label,
                prediction,
                score,
            } => {
                named.push(("check.label", label.clone()));
                named.push(("check.prediction", prediction.clone()));
                named.extend(score.iter().map(|c| ("check.score", c.clone())));
            }
            CheckSpec::Volume => {}
        }
        named
    }

    /// Whether the check compares the window with a reference.
    fn needs_reference(&self) -> bool {
        matches!(self, CheckSpec::Drift { .. } | CheckSpec::Quality { .. })
    }
}

/// A definition whose words have been read: the schedule, the thresholds
/// and the durations.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub schedule: Schedule,
    pub thresholds: Vec<Threshold>,
    pub silent_after: jiff::SignedDuration,
    pub label_delay: jiff::SignedDuration,
}

impl MonitorDefinition {
    /// Checks everything that needs no file: names, schedule, thresholds,
    /// durations, rules. Every problem is named by its field.
    pub fn check(&self, known_systems: &[String]) -> Result<Checked, DomainError> {
        let mut problems = Problems::default();
        if let Err(message) = validate_slug(&self.name) {
            problems.push("name", message);
        }
        if !known_systems.contains(&self.system) {
            problems.push("system", format!("unknown system `{}`", self.system));
        }
        if self.source.path.trim().is_empty() {
            problems.push("source.path", "must not be empty");
        }
        let schedule = Schedule::parse(&self.schedule)
            .map_err(|message| problems.push("schedule", message))
            .ok();
        let mut thresholds = Vec::new();
        for (i, text) in self.thresholds.iter().enumerate() {
            let field = format!("thresholds[{i}]");
            match Threshold::parse(text) {
                Ok(threshold) => {
                    let base = threshold.metric.split('.').next().unwrap_or_default();
                    if !self.check.metrics().contains(&base) {
                        problems.push(
                            &field,
                            format!(
                                "a {} check does not report `{}`; it reports {}",
                                self.check.name(),
                                threshold.metric,
                                self.check.metrics().join(", ")
                            ),
                        );
                    } else if threshold.is_relative()
                        && matches!(
                            self.check,
                            CheckSpec::Drift { .. } | CheckSpec::Quality { .. }
                        )
                    {
                        problems.push(
                            &field,
                            "a deviation from the reference needs a metric of the window alone; \
                             drift and quality metrics already compare with the reference",
                        );
                    } else if threshold.is_relative() && self.reference.is_none() {
                        problems.push(&field, "a deviation needs a `reference`");
                    }
                    thresholds.push(threshold);
                }
                Err(message) => problems.push(field, message),
            }
        }
        if self.thresholds.is_empty() {
            problems.push("thresholds", "give at least one, e.g. `dpd > 0.1`");
        }
        if self.check.needs_reference() && self.reference.is_none() {
            problems.push(
                "reference",
                format!("a {} check compares with a reference", self.check.name()),
            );
        }
        match &self.check {
            CheckSpec::Drift { preset, .. } if !matches!(preset.as_str(), "evidently") => {
                problems.push(
                    "check.preset",
                    format!("`{preset}` is not a monitor drift preset; use evidently"),
                );
            }
            CheckSpec::Fairness { group, .. } if group.is_empty() || group.len() > 2 => {
                problems.push("check.group", "one protected attribute, or two");
            }
            _ => {}
        }
        if self.recover_after == 0 {
            problems.push("recover_after", "must be at least 1");
        }
        if let Some(ReferenceSpec::Rolling(span)) = &self.reference
            && let Err(message) = parse_duration(span)
        {
            problems.push("reference.rolling", message);
        }
        let duration = |field: &str, text: &Option<String>, problems: &mut Problems| match text {
            None => None,
            Some(text) => parse_duration(text)
                .map_err(|message| problems.push(field, message))
                .ok(),
        };
        let silent_after = duration("silent_after", &self.silent_after, &mut problems);
        let label_delay = duration("label_delay", &self.label_delay, &mut problems);
        if let Err(DomainError::Invalid(errors)) =
            crate::alert::validate_rules(&self.rules, known_systems)
        {
            for error in errors {
                problems.push(error.field, error.message);
            }
        }
        problems.into_result()?;
        let schedule = schedule.expect("a schedule that parsed");
        Ok(Checked {
            silent_after: silent_after.unwrap_or_else(|| schedule.period() * 3),
            label_delay: label_delay.unwrap_or_default(),
            schedule,
            thresholds,
        })
    }

    /// The routing rules a breach goes through: the monitor's own, or one
    /// rule sending it to its system with `action` and `severity`.
    pub fn routing(&self) -> Vec<RoutingRule> {
        if !self.rules.is_empty() {
            return self.rules.clone();
        }
        vec![RoutingRule {
            matchers: vec![],
            system: self.system.clone(),
            severity: Some(self.severity),
            action: self.action,
        }]
    }

    /// The labels every alert of this monitor carries.
    pub fn labels(&self, kind: AlertKind) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("alertname".to_string(), format!("monitor {}", self.name)),
            ("monitor".to_string(), self.name.clone()),
            ("system".to_string(), self.system.clone()),
            ("check".to_string(), self.check.name().to_string()),
            ("kind".to_string(), kind.as_str().to_string()),
        ])
    }
}

/// A stored monitor: its definition and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Monitor {
    pub definition: MonitorDefinition,
    pub status: MonitorStatus,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// One input file of a run, kept by content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunInput {
    pub path: String,
    /// `current` or `reference`.
    pub role: String,
    pub sha256: String,
    pub size: u64,
}

/// One stored run: a window checked, or a failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MonitorRun {
    /// 1, 2, … per monitor.
    pub seq: u64,
    pub monitor: String,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub finished_at: Timestamp,
    /// The partition, or `A..B` of a growing file; None for a failure.
    pub window: Option<String>,
    /// The watermark after this run (the last window checked).
    pub watermark: Option<String>,
    /// ok, breached, insufficient_data or failing.
    pub state: MonitorState,
    pub metrics: BTreeMap<String, f64>,
    pub reference_metrics: BTreeMap<String, f64>,
    pub breaches: Vec<Breach>,
    /// Why the data was insufficient, or why the run failed.
    pub note: Option<String>,
    pub inputs: Vec<RunInput>,
    /// The alert this run raised or repeated, and its incident.
    pub alert: Option<u64>,
    pub incident: Option<String>,
}

#[cfg(test)]
mod tests;
