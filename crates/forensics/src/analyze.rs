//! File-level entry points: read a log in column groups (Parquet projection, two groups decoded
//! at once), select the cohort, and run the kernels. Memory stays bounded by a few columns at a
//! time however long the log is.

use std::path::{Path, PathBuf};

use arrow_schema::DataType;

use crate::drift::{ColumnDrift, DriftOptions, DriftReport, parallel_map};
use crate::load::{
    ReadOptions, TimeWindow, WindowRows, read_known_split, read_log, read_split, window_rows,
};
use crate::{Cohort, ForensicsError, Table};

/// Parquet columns decoded per pass.
const COLUMNS_PER_PASS: usize = 3;

/// Where the reference and current rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum LogSplit {
    /// Two files.
    Files {
        reference: PathBuf,
        current: PathBuf,
    },
    /// One file split by half-open time windows on a timestamp column; Parquet row groups
    /// outside both windows are skipped using their statistics.
    TimeWindows {
        path: PathBuf,
        timestamp: String,
        reference: TimeWindow,
        current: TimeWindow,
    },
    /// One file split by two cohort expressions, e.g. `model_version == 'v1'` vs `'v2'`.
    Cohorts {
        path: PathBuf,
        reference: Cohort,
        current: Cohort,
    },
}

impl LogSplit {
    fn current_path(&self) -> &Path {
        match self {
            Self::Files { current, .. } => current,
            Self::TimeWindows { path, .. } | Self::Cohorts { path, .. } => path,
        }
    }

    fn paths(&self) -> Vec<&Path> {
        match self {
            Self::Files { reference, current } => vec![reference, current],
            Self::TimeWindows { path, .. } | Self::Cohorts { path, .. } => vec![path],
        }
    }

    /// Reads `columns` (plus what the split and cohort need; every column when
    /// `None`) for both sides, keeping the cohort's rows.
    pub(crate) fn read(
        &self,
        columns: Option<&[String]>,
        cohort: Option<&Cohort>,
        known: Option<&WindowRows>,
    ) -> Result<(Table, Table), ForensicsError> {
        let wanted: Option<Vec<String>> = columns.map(|columns| {
            let mut wanted = columns.to_vec();
            let mut extra: Vec<String> = cohort.map(Cohort::columns).unwrap_or_default();
            if let Self::Cohorts {
                reference, current, ..
            } = self
            {
                extra.extend(reference.columns());
                extra.extend(current.columns());
            }
            for name in extra {
                if !wanted.contains(&name) {
                    wanted.push(name);
                }
            }
            wanted
        });
        let read = |path: &Path| {
            read_log(
                path,
                &ReadOptions {
                    columns: wanted.clone(),
                    window: None,
                },
            )
        };
        let (reference, current) = match self {
            Self::Files { reference, current } => (read(reference)?, read(current)?),
            Self::TimeWindows {
                path,
                timestamp,
                reference,
                current,
            } => match known {
                Some(known) => read_known_split(path, wanted.as_deref(), known)?,
                None => read_split(path, wanted.as_deref(), timestamp, *reference, *current)?,
            },
            Self::Cohorts {
                path,
                reference,
                current,
            } => {
                let table = read(path)?;
                (reference.select(&table)?, current.select(&table)?)
            }
        };
        match cohort {
            Some(cohort) => Ok((cohort.select(&reference)?, cohort.select(&current)?)),
            None => Ok((reference, current)),
        }
    }
}

/// Column names of a log with whether each holds timestamps, without reading its rows (CSV:
/// types inferred from the first rows).
pub fn log_columns(path: &Path) -> Result<Vec<(String, bool)>, ForensicsError> {
    let schema = crate::load::read_schema(path)?;
    Ok(schema
        .fields()
        .iter()
        .map(|field| {
            let is_time = matches!(
                field.data_type(),
                DataType::Timestamp(..) | DataType::Date32 | DataType::Date64
            );
            (field.name().clone(), is_time)
        })
        .collect())
}

/// Drift between the two sides of `split`, optionally within a cohort (decision D20).
pub fn drift_log(
    split: &LogSplit,
    cohort: Option<&Cohort>,
    options: &DriftOptions,
) -> Result<DriftReport, ForensicsError> {
    let columns: Vec<String> = match &options.columns {
        Some(columns) => columns.clone(),
        None => {
            let excluded: Vec<&str> = match split {
                LogSplit::TimeWindows { timestamp, .. } => vec![timestamp.as_str()],
                _ => Vec::new(),
            };
            log_columns(split.current_path())?
                .into_iter()
                .filter(|(name, is_time)| {
                    !is_time
                        && !options.exclude.contains(name)
                        && !excluded.contains(&name.as_str())
                })
                .map(|(name, _)| name)
                .collect()
        }
    };
    let any_csv = split.paths().iter().any(|path| crate::load::is_csv(path));
    // Parquet time windows: decode the timestamps once, not in every pass.
    let known = match split {
        LogSplit::TimeWindows {
            path,
            timestamp,
            reference,
            current,
        } if !any_csv => Some(window_rows(path, timestamp, *reference, *current)?),
        _ => None,
    };
    // CSV cannot be projected cheaply: parse it once. Parquet: a few columns per pass.
    let groups: Vec<&[String]> = if any_csv || columns.is_empty() {
        vec![&columns[..]]
    } else {
        columns.chunks(COLUMNS_PER_PASS).collect()
    };
    let outcomes = parallel_map(
        &groups,
        |group| -> Result<(usize, usize, Vec<ColumnDrift>), ForensicsError> {
            let (reference, current) = split.read(Some(group), cohort, known.as_ref())?;
            let group_options = DriftOptions {
                columns: Some(group.to_vec()),
                ..options.clone()
            };
            let report = crate::drift::drift_owned(reference, current, &group_options)?;
            Ok((report.reference_rows, report.current_rows, report.columns))
        },
    );
    let (mut reference_rows, mut current_rows) = (0, 0);
    let mut results = Vec::with_capacity(columns.len());
    for outcome in outcomes {
        let (reference, current, columns) = outcome?;
        (reference_rows, current_rows) = (reference, current);
        results.extend(columns);
    }
    Ok(DriftReport::from_columns(
        options.preset.clone(),
        reference_rows,
        current_rows,
        results,
        options.drift_share,
    ))
}
