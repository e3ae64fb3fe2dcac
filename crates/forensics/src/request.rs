//! One analysis described as data, and run: what `firebreak analyze` takes
//! as flags and the API takes as JSON. Inputs are named by strings that the
//! caller resolves to files (a path on the command line, an evidence id on
//! the server), so both run the same code and get the same numbers.

use crate::analyze::{LogSplit, drift_log};
use crate::cohort::{Cohort, KeywordFileReader};
use crate::conversation::request::{ConversationsReport, ConversationsRequest, run_conversations};
use crate::decision::{DecisionRecord, find_decision};
use crate::drift::{DriftOptions, DriftReport, Preset};
use crate::error::{ForensicsError, SplitProblem};
use crate::fairness::{FairnessOptions, FairnessReport, fairness};
use crate::load::{ReadOptions, TimeWindow, read_log};
use crate::nannyml::{NannyMlOptions, NannyMlReport, Period, nannyml_drift};
use crate::profile::{ProfileReport, profile};
use crate::table::Table;
use crate::timeseries::{Granularity, TimeseriesOptions, TimeseriesReport, timeseries};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "analysis", rename_all = "snake_case")]
pub enum AnalysisRequest {
    Drift(DriftRequest),
    Fairness(FairnessRequest),
    Profile(ProfileRequest),
    Timeseries(TimeseriesRequest),
    Decision(DecisionRequest),
    /// Conversation logs of a generative-AI system: the flagged share over
    /// time and, optionally, two versions or periods compared.
    Conversations(ConversationsRequest),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftPreset {
    #[default]
    Evidently,
    Nannyml,
}

/// Reference and current: two inputs, or one log split by time windows or
/// by two cohorts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftRequest {
    #[serde(default)]
    pub log: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub current: Option<String>,
    /// `A..B`, dates or RFC 3339, a side may be empty.
    #[serde(default)]
    pub reference_window: Option<String>,
    #[serde(default)]
    pub current_window: Option<String>,
    #[serde(default = "default_timestamp")]
    pub timestamp: String,
    #[serde(default)]
    pub reference_where: Option<String>,
    #[serde(default)]
    pub current_where: Option<String>,
    #[serde(default)]
    pub preset: DriftPreset,
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The cohort kept on both sides (D20).
    #[serde(default, rename = "where")]
    pub cohort: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FairnessRequest {
    pub log: String,
    /// One protected attribute, or two for their intersection.
    pub group: Vec<String>,
    pub label: String,
    pub prediction: String,
    #[serde(default)]
    pub score: Option<String>,
    #[serde(default)]
    pub reference_group: Option<String>,
    #[serde(default, rename = "where")]
    pub cohort: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileRequest {
    pub log: String,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default, rename = "where")]
    pub cohort: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeseriesRequest {
    pub log: String,
    #[serde(default = "default_timestamp")]
    pub timestamp: String,
    #[serde(default = "default_bucket")]
    pub bucket: Granularity,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub prediction: Option<String>,
    #[serde(default)]
    pub score: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default, rename = "where")]
    pub cohort: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub log: String,
    pub id_column: String,
    pub decision_id: String,
}

fn default_timestamp() -> String {
    "timestamp".to_string()
}

fn default_bucket() -> Granularity {
    Granularity::Day
}

/// What an analysis produced, typed for rendering and serialisable as the
/// documented JSON (`SCHEMA.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnalysisResult {
    Drift(DriftReport),
    NannyMl(NannyMlReport),
    Fairness(FairnessReport),
    Profile(ProfileReport),
    Timeseries(TimeseriesReport),
    Decision(DecisionRecord),
    Conversations(Box<ConversationsReport>),
}

impl AnalysisRequest {
    pub fn name(&self) -> &'static str {
        match self {
            AnalysisRequest::Drift(_) => "drift",
            AnalysisRequest::Fairness(_) => "fairness",
            AnalysisRequest::Profile(_) => "profile",
            AnalysisRequest::Timeseries(_) => "timeseries",
            AnalysisRequest::Decision(_) => "decision",
            AnalysisRequest::Conversations(_) => "conversations",
        }
    }

    /// The cohort expressions of the request, each with its field.
    pub fn cohorts(&self) -> Vec<(&'static str, &str)> {
        let fields = match self {
            AnalysisRequest::Drift(r) => vec![
                ("where", &r.cohort),
                ("reference_where", &r.reference_where),
                ("current_where", &r.current_where),
            ],
            AnalysisRequest::Fairness(r) => vec![("where", &r.cohort)],
            AnalysisRequest::Profile(r) => vec![("where", &r.cohort)],
            AnalysisRequest::Timeseries(r) => vec![("where", &r.cohort)],
            AnalysisRequest::Conversations(r) => vec![("where", &r.cohort)],
            AnalysisRequest::Decision(_) => Vec::new(),
        };
        fields
            .into_iter()
            .filter_map(|(field, expression)| Some((field, expression.as_deref()?)))
            .collect()
    }

    /// The inputs the request names, in order, each once.
    pub fn inputs(&self) -> Vec<&str> {
        let named: Vec<Option<&String>> = match self {
            AnalysisRequest::Drift(r) => {
                vec![r.log.as_ref(), r.reference.as_ref(), r.current.as_ref()]
            }
            AnalysisRequest::Fairness(r) => vec![Some(&r.log)],
            AnalysisRequest::Profile(r) => vec![Some(&r.log), r.reference.as_ref()],
            AnalysisRequest::Timeseries(r) => vec![Some(&r.log)],
            AnalysisRequest::Decision(r) => vec![Some(&r.log)],
            AnalysisRequest::Conversations(r) => vec![Some(&r.log)],
        };
        let mut inputs: Vec<&str> = Vec::new();
        for name in named.into_iter().flatten() {
            if !inputs.contains(&name.as_str()) {
                inputs.push(name);
            }
        }
        inputs
    }

    /// The same analysis with every input renamed, e.g. from the paths it was run on locally
    /// to the evidence ids of their copies in the vault.
    pub fn with_inputs(&self, rename: &dyn Fn(&str) -> String) -> AnalysisRequest {
        let mut renamed = self.clone();
        let names: Vec<&mut String> = match &mut renamed {
            AnalysisRequest::Drift(r) => [&mut r.log, &mut r.reference, &mut r.current]
                .into_iter()
                .flatten()
                .collect(),
            AnalysisRequest::Fairness(r) => vec![&mut r.log],
            AnalysisRequest::Profile(r) => std::iter::once(&mut r.log)
                .chain(r.reference.as_mut())
                .collect(),
            AnalysisRequest::Timeseries(r) => vec![&mut r.log],
            AnalysisRequest::Decision(r) => vec![&mut r.log],
            AnalysisRequest::Conversations(r) => vec![&mut r.log],
        };
        for name in names {
            *name = rename(name);
        }
        renamed
    }
}

/// Runs `request`, with `resolve` turning each named input into a file and `keyword_files`
/// reading the keyword files of cohorts (`contains any of @FILE`).
/// A decision that is not in the log is `Ok(None)`.
pub fn run(
    request: &AnalysisRequest,
    resolve: &dyn Fn(&str) -> Result<PathBuf, ForensicsError>,
    keyword_files: &KeywordFileReader<'_>,
) -> Result<Option<AnalysisResult>, ForensicsError> {
    Ok(Some(match request {
        AnalysisRequest::Drift(r) => run_drift(r, resolve, keyword_files)?,
        AnalysisRequest::Fairness(r) => {
            let log = resolve(&r.log)?;
            AnalysisResult::Fairness(run_fairness(r, &log, keyword_files)?)
        }
        AnalysisRequest::Profile(r) => {
            let cohort = parse_cohort(r.cohort.as_deref(), keyword_files)?;
            let read = |path: &Path| -> Result<Table, ForensicsError> {
                let table = read_log(path, &ReadOptions::default())?;
                let table = match &cohort {
                    Some(cohort) => cohort.select(&table)?,
                    None => table,
                };
                refuse_empty_cohort(&table, path, r.cohort.as_deref())?;
                Ok(table)
            };
            let current = read(&resolve(&r.log)?)?;
            let reference = match &r.reference {
                Some(name) => Some(read(&resolve(name)?)?),
                None => None,
            };
            AnalysisResult::Profile(profile(&current, reference.as_ref()))
        }
        AnalysisRequest::Timeseries(r) => {
            let log = resolve(&r.log)?;
            AnalysisResult::Timeseries(run_timeseries(r, &log, keyword_files)?)
        }
        AnalysisRequest::Decision(r) => {
            let log = resolve(&r.log)?;
            match find_decision(&log, &r.id_column, &r.decision_id)? {
                Some(record) => AnalysisResult::Decision(record),
                None => return Ok(None),
            }
        }
        AnalysisRequest::Conversations(r) => {
            let log = resolve(&r.log)?;
            AnalysisResult::Conversations(Box::new(run_conversations(r, &log, keyword_files)?))
        }
    }))
}

/// The split a drift request describes. Refusals name the request's fields: [`SplitProblem`]
/// for inputs and splits that do not make two sides, [`ForensicsError::Field`] for a window or
/// cohort that does not parse.
pub fn drift_split(
    r: &DriftRequest,
    resolve: &dyn Fn(&str) -> Result<PathBuf, ForensicsError>,
    keyword_files: &KeywordFileReader<'_>,
) -> Result<LogSplit, ForensicsError> {
    let problem = |problem: SplitProblem| Err(ForensicsError::BadSplit(problem));
    let windows = r.reference_window.is_some() || r.current_window.is_some();
    let cohorts = r.reference_where.is_some() || r.current_where.is_some();
    match (&r.log, &r.reference, &r.current) {
        (None, Some(reference), Some(current)) => {
            if windows || cohorts {
                return problem(SplitProblem::FilesWithSplit);
            }
            Ok(LogSplit::Files {
                reference: resolve(reference)?,
                current: resolve(current)?,
            })
        }
        (Some(log), None, None) => match (
            &r.reference_window,
            &r.current_window,
            &r.reference_where,
            &r.current_where,
        ) {
            (Some(reference), Some(current), None, None) => Ok(LogSplit::TimeWindows {
                path: resolve(log)?,
                timestamp: r.timestamp.clone(),
                reference: TimeWindow::parse(reference)
                    .map_err(|e| e.in_field("reference_window"))?,
                current: TimeWindow::parse(current).map_err(|e| e.in_field("current_window"))?,
            }),
            (None, None, Some(reference), Some(current)) => Ok(LogSplit::Cohorts {
                path: resolve(log)?,
                reference: Cohort::parse_with_keyword_files(reference, keyword_files)
                    .map_err(|e| e.in_field("reference_where"))?,
                current: Cohort::parse_with_keyword_files(current, keyword_files)
                    .map_err(|e| e.in_field("current_where"))?,
            }),
            _ if windows && cohorts => problem(SplitProblem::WindowsAndCohorts),
            _ if windows => problem(SplitProblem::HalfWindows),
            _ if cohorts => problem(SplitProblem::HalfCohorts),
            _ => problem(SplitProblem::LogAlone),
        },
        (Some(_), _, _) => problem(SplitProblem::LogAndFiles),
        (None, Some(_), None) => problem(SplitProblem::ReferenceAlone),
        (None, None, Some(_)) => problem(SplitProblem::CurrentAlone),
        (None, None, None) => problem(SplitProblem::Nothing),
    }
}

fn run_drift(
    r: &DriftRequest,
    resolve: &dyn Fn(&str) -> Result<PathBuf, ForensicsError>,
    keyword_files: &KeywordFileReader<'_>,
) -> Result<AnalysisResult, ForensicsError> {
    let split = drift_split(r, resolve, keyword_files)?;
    let cohort = parse_cohort(r.cohort.as_deref(), keyword_files)?;
    let columns = (!r.columns.is_empty()).then(|| r.columns.clone());
    match r.preset {
        DriftPreset::Evidently => {
            let options = DriftOptions {
                preset: Preset::Evidently,
                columns,
                exclude: r.exclude.clone(),
                ..DriftOptions::default()
            };
            Ok(AnalysisResult::Drift(drift_log(
                &split,
                cohort.as_ref(),
                &options,
            )?))
        }
        DriftPreset::Nannyml => {
            // NannyML chunks need every row of a column at once: both sides whole.
            let (reference, analysis) = split.read(columns.as_deref(), cohort.as_ref(), None)?;
            let mut exclude = r.exclude.clone();
            if let LogSplit::TimeWindows { timestamp, .. } = &split {
                exclude.push(timestamp.clone());
            }
            let options = NannyMlOptions {
                columns,
                exclude,
                ..NannyMlOptions::default()
            };
            Ok(AnalysisResult::NannyMl(nannyml_drift(
                &reference, &analysis, &options,
            )?))
        }
    }
}

fn run_fairness(
    r: &FairnessRequest,
    log: &Path,
    keyword_files: &KeywordFileReader<'_>,
) -> Result<FairnessReport, ForensicsError> {
    if r.group.is_empty() || r.group.len() > 2 {
        return Err(ForensicsError::InvalidOptions(
            "takes one protected attribute, or two for their intersection".to_string(),
        )
        .in_field("group"));
    }
    let cohort = parse_cohort(r.cohort.as_deref(), keyword_files)?;
    let mut wanted: Vec<String> = r.group.clone();
    wanted.push(r.label.clone());
    wanted.push(r.prediction.clone());
    wanted.extend(r.score.iter().cloned());
    wanted.extend(cohort.iter().flat_map(Cohort::columns));
    let table = read_cohort(log, wanted, cohort.as_ref())?;
    refuse_empty_cohort(&table, log, r.cohort.as_deref())?;
    let options = FairnessOptions {
        group_columns: r.group.clone(),
        label: r.label.clone(),
        prediction: r.prediction.clone(),
        score: r.score.clone(),
        reference_group: r.reference_group.clone(),
    };
    fairness(&table, &options)
}

fn run_timeseries(
    r: &TimeseriesRequest,
    log: &Path,
    keyword_files: &KeywordFileReader<'_>,
) -> Result<TimeseriesReport, ForensicsError> {
    let cohort = parse_cohort(r.cohort.as_deref(), keyword_files)?;
    let mut wanted = vec![r.timestamp.clone()];
    wanted.extend(
        [&r.label, &r.prediction, &r.score, &r.group]
            .into_iter()
            .flatten()
            .cloned(),
    );
    wanted.extend(cohort.iter().flat_map(Cohort::columns));
    let table = read_cohort(log, wanted, cohort.as_ref())?;
    refuse_empty_cohort(&table, log, r.cohort.as_deref())?;
    let options = TimeseriesOptions {
        timestamp: r.timestamp.clone(),
        granularity: r.bucket,
        label: r.label.clone(),
        prediction: r.prediction.clone(),
        score: r.score.clone(),
        group: r.group.clone(),
    };
    timeseries(&table, &options)
}

pub(crate) fn parse_cohort(
    text: Option<&str>,
    keyword_files: &KeywordFileReader<'_>,
) -> Result<Option<Cohort>, ForensicsError> {
    text.map(|text| {
        Cohort::parse_with_keyword_files(text, keyword_files).map_err(|e| e.in_field("where"))
    })
    .transpose()
}

/// Reads the named columns (each once) and keeps the cohort's rows.
fn read_cohort(
    path: &Path,
    columns: Vec<String>,
    cohort: Option<&Cohort>,
) -> Result<Table, ForensicsError> {
    let mut unique: Vec<String> = Vec::with_capacity(columns.len());
    for name in columns {
        if !unique.contains(&name) {
            unique.push(name);
        }
    }
    let table = read_log(
        path,
        &ReadOptions {
            columns: Some(unique),
            window: None,
        },
    )?;
    match cohort {
        Some(cohort) => cohort.select(&table),
        None => Ok(table),
    }
}

/// A cohort that selects nothing is almost always a typo in `where`; refuse
/// it rather than report rates of nobody.
pub(crate) fn refuse_empty_cohort(
    table: &Table,
    path: &Path,
    cohort: Option<&str>,
) -> Result<(), ForensicsError> {
    match cohort {
        Some(expression) if table.row_count == 0 => Err(ForensicsError::InvalidOptions(format!(
            "`{expression}` selects no rows of {}",
            path.display()
        ))
        .in_field("where")),
        _ => Ok(()),
    }
}

impl AnalysisResult {
    /// Rows on the reference and on the current side of a drift; `None` for other analyses, and
    /// for a NannyML drift that tested no column (its rows are counted by chunk).
    pub fn drift_rows(&self) -> Option<(usize, usize)> {
        match self {
            AnalysisResult::Drift(report) => Some((report.reference_rows, report.current_rows)),
            AnalysisResult::NannyMl(report) => report.columns.first().map(|column| {
                let rows = |period: Period| {
                    column
                        .chunks
                        .iter()
                        .filter(|chunk| chunk.period == period)
                        .map(|chunk| chunk.end_row + 1)
                        .max()
                        .unwrap_or(0)
                };
                (rows(Period::Reference), rows(Period::Analysis))
            }),
            _ => None,
        }
    }

    /// One line for the timeline: what the analysis found.
    pub fn summary(&self) -> String {
        match self {
            AnalysisResult::Drift(report) => format!(
                "drift (Evidently preset): {} of {} columns drifted{}; dataset drift {}",
                report.drifted_columns,
                report.tested_columns,
                drifted_names(
                    report
                        .columns
                        .iter()
                        .filter(|c| c.drift_detected)
                        .map(|c| c.column.as_str())
                ),
                if report.dataset_drift { "yes" } else { "no" }
            ),
            AnalysisResult::NannyMl(report) => {
                let alerted: Vec<&str> = report
                    .columns
                    .iter()
                    .filter(|c| c.analysis_alerts > 0)
                    .map(|c| c.column.as_str())
                    .collect();
                format!(
                    "drift (NannyML preset): {} of {} columns alerted{}",
                    alerted.len(),
                    report.columns.len(),
                    drifted_names(alerted.into_iter())
                )
            }
            AnalysisResult::Fairness(report) => {
                let failing: Vec<String> = report
                    .disparities
                    .iter()
                    .filter(|d| !d.fair)
                    .map(|d| format!("{} {}", d.group, d.metric))
                    .collect();
                format!(
                    "fairness by {} over {} rows: demographic parity ratio {:.3}, equalized odds ratio {:.3}; {} Aequitas disparities outside 0.8–1.25{}",
                    report.group_columns.join(" × "),
                    report.rows,
                    report.gaps.demographic_parity_ratio,
                    report.gaps.equalized_odds_ratio,
                    failing.len(),
                    drifted_names(failing.iter().map(String::as_str))
                )
            }
            AnalysisResult::Profile(report) => {
                let with_nulls = report.columns.iter().filter(|c| c.missing > 0).count();
                format!(
                    "data quality profile of {} rows, {} columns ({} with missing values){}",
                    report.rows,
                    report.columns.len(),
                    with_nulls,
                    if report.schema_diff.as_ref().is_some_and(|d| {
                        !(d.only_in_reference.is_empty()
                            && d.only_in_current.is_empty()
                            && d.type_changed.is_empty())
                    }) {
                        "; the schema differs from the reference"
                    } else {
                        ""
                    }
                )
            }
            AnalysisResult::Timeseries(report) => format!(
                "time series over {} buckets: {} change points{}",
                report.buckets.len(),
                report.change_points.len(),
                drifted_names(report.change_points.iter().map(|c| c.bucket_start.as_str()))
            ),
            AnalysisResult::Decision(record) => format!(
                "decision {}: {} logged values, row {} of {}",
                record.decision_id,
                record.values.len(),
                record.row,
                record.source
            ),
            AnalysisResult::Conversations(report) => report.summary(),
        }
    }
}

fn drifted_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    match names.len() {
        0 => String::new(),
        n if n <= 5 => format!(" ({})", names.join(", ")),
        n => format!(" ({}, … {} more)", names[..5].join(", "), n - 5),
    }
}
