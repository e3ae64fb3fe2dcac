//! Per-column drift between a reference and a current table, and the dataset-level verdict.
//!
//! Every method follows a named peer's convention so a reviewer can recompute it:
//! Evidently 0.7.23 for the normed Wasserstein distance, Jensen–Shannon (natural log), PSI, KL,
//! Hellinger, chi-square goodness of fit and the two-proportion Z test; SciPy 1.17 for the KS
//! test (`ks_2samp`, method "auto") and the contingency chi-square (`chi2_contingency`).

use std::collections::BTreeSet;

use crate::summary::{CategoricalSummary, ColumnSummary, NumericSummary};
use crate::table::{Column, ColumnValues, NumericOrigin, Table};
use crate::{ForensicsError, stats};

/// Version of the JSON layout of [`DriftReport`]; bumped on any incompatible change.
pub const DRIFT_SCHEMA_VERSION: u32 = 1;

/// A drift statistic.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftMethod {
    /// Wasserstein-1 distance divided by max(reference std, 0.001) (Evidently `wasserstein`).
    Wasserstein,
    /// Jensen–Shannon distance; natural log as Evidently, `base: 2.0` as NannyML.
    JensenShannon { base: Option<f64> },
    /// Population stability index with Evidently's binning and zero filling.
    Psi,
    /// Kullback–Leibler divergence of reference from current, Evidently's binning and zero filling.
    KlDivergence,
    /// Two-sample Kolmogorov–Smirnov test; the score is the p-value.
    KolmogorovSmirnov,
    /// Chi-square goodness of fit of current counts against reference shares (Evidently `chisquare`).
    ChiSquare,
    /// Chi-square test of independence on the 2×k table of counts (`scipy.stats.chi2_contingency`).
    ChiSquareContingency,
    /// Two-proportion Z test on "first category" vs the rest (Evidently `z`).
    ZTest,
    /// Hellinger distance (Evidently `hellinger`).
    Hellinger,
}

impl DriftMethod {
    /// The threshold a method uses unless one is given: Evidently's defaults.
    pub fn default_threshold(self) -> f64 {
        match self {
            Self::KolmogorovSmirnov
            | Self::ChiSquare
            | Self::ChiSquareContingency
            | Self::ZTest => 0.05,
            _ => 0.1,
        }
    }

    /// Whether the score is a p-value (drift when small) rather than a distance (drift when large).
    pub fn is_test(self) -> bool {
        matches!(
            self,
            Self::KolmogorovSmirnov | Self::ChiSquare | Self::ChiSquareContingency | Self::ZTest
        )
    }

    fn drifted(self, score: f64, threshold: f64) -> bool {
        match self {
            // Evidently's KS declares drift at p <= threshold, its other tests at p < threshold.
            Self::KolmogorovSmirnov => score <= threshold,
            Self::ChiSquare | Self::ChiSquareContingency | Self::ZTest => score < threshold,
            _ => score >= threshold,
        }
    }
}

/// How columns get their method and threshold.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "preset", rename_all = "snake_case")]
pub enum Preset {
    /// Evidently 0.7.23 `DataDriftPreset()` defaults: column kinds inferred from the current
    /// data, KS/chi-square/Z for references of at most 1,000 rows, Wasserstein/Jensen–Shannon
    /// above, dataset drift when at least `drift_share` of the columns drift.
    Evidently,
    /// One method for numerical and one for categorical columns, with optional thresholds.
    Custom {
        numerical: DriftMethod,
        categorical: DriftMethod,
        threshold: Option<f64>,
    },
}

/// What to compare and how.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DriftOptions {
    pub preset: Preset,
    /// Columns to test; `None` tests every column except timestamps and `exclude`.
    pub columns: Option<Vec<String>>,
    pub exclude: Vec<String>,
    /// Share of drifted columns at which the dataset counts as drifted.
    pub drift_share: f64,
}

impl Default for DriftOptions {
    fn default() -> Self {
        Self {
            preset: Preset::Evidently,
            columns: None,
            exclude: Vec::new(),
            drift_share: 0.5,
        }
    }
}

/// The kind a column is analysed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Numerical,
    Categorical,
    Text,
    Datetime,
    /// Evidently's `ColumnType.Unknown`: a column its preset leaves out,
    /// neither tested nor counted.
    Untyped,
}

/// Values removed from one side before testing.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DroppedValues {
    pub missing: u64,
    pub nan: u64,
    pub infinite: u64,
}

/// The drift verdict for one column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ColumnDrift {
    pub column: String,
    pub kind: ColumnKind,
    /// `None` when the column was not tested; `skipped` says why.
    pub method: Option<DriftMethod>,
    /// The score compared with the threshold: a distance, or the p-value for tests.
    pub score: Option<f64>,
    /// The test statistic behind a p-value (KS D, chi-square, Z), when the method is a test.
    pub test_statistic: Option<f64>,
    pub p_value: Option<f64>,
    pub threshold: f64,
    pub drift_detected: bool,
    pub reference_values: u64,
    pub current_values: u64,
    pub reference_dropped: DroppedValues,
    pub current_dropped: DroppedValues,
    /// Categories seen in current but never in reference (at most 50 listed).
    pub unseen_categories: Vec<String>,
    pub unseen_category_count: usize,
    /// How NaN, ±inf, missing and unseen values were treated, in words.
    pub handling: String,
    pub skipped: Option<String>,
    /// Counts on both sides for charts; `None` for text and timestamp columns. Added to schema
    /// version 1 without a bump, so older JSON without it still reads.
    #[serde(default)]
    pub distribution: Option<Distribution>,
}

/// How many values of each side fall into each bin or category, so a chart can put the two
/// distributions side by side. Computed next to the test and changes none of its numbers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Numerical columns: NumPy's Sturges edges over both samples (`edges.len()` = bins + 1).
    Bins {
        edges: Vec<f64>,
        reference: Vec<u64>,
        current: Vec<u64>,
    },
    /// Categorical columns: the most frequent categories over both sides, most frequent first,
    /// and the rest summed as `other_*`.
    Categories {
        categories: Vec<String>,
        reference: Vec<u64>,
        current: Vec<u64>,
        other_reference: u64,
        other_current: u64,
    },
}

/// Categories drawn one by one; more than this and a bar chart stops being readable.
pub const DISTRIBUTION_CATEGORIES: usize = 30;

/// Drift of every tested column and the dataset verdict.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DriftReport {
    pub schema_version: u32,
    pub preset: Preset,
    pub reference_rows: usize,
    pub current_rows: usize,
    pub columns: Vec<ColumnDrift>,
    pub tested_columns: usize,
    pub drifted_columns: usize,
    pub share_of_drifted_columns: f64,
    pub drift_share: f64,
    pub dataset_drift: bool,
}

impl DriftReport {
    /// Assembles a report from column results computed separately (e.g. in column groups).
    pub fn from_columns(
        preset: Preset,
        reference_rows: usize,
        current_rows: usize,
        columns: Vec<ColumnDrift>,
        drift_share: f64,
    ) -> Self {
        // Evidently counts every column its preset asks about, skipped ones too (they cannot
        // drift); untyped columns it never asks about.
        let tested_columns = columns
            .iter()
            .filter(|column| column.kind != ColumnKind::Untyped)
            .count();
        let drifted_columns = columns
            .iter()
            .filter(|column| column.drift_detected)
            .count();
        let share_of_drifted_columns = if tested_columns == 0 {
            0.0
        } else {
            drifted_columns as f64 / tested_columns as f64
        };
        Self {
            schema_version: DRIFT_SCHEMA_VERSION,
            preset,
            reference_rows,
            current_rows,
            columns,
            tested_columns,
            drifted_columns,
            share_of_drifted_columns,
            drift_share,
            dataset_drift: tested_columns > 0 && share_of_drifted_columns >= drift_share,
        }
    }
}

/// Compares `current` with `reference`, column by column, in parallel over columns.
pub fn drift(
    reference: &Table,
    current: &Table,
    options: &DriftOptions,
) -> Result<DriftReport, ForensicsError> {
    let names = tested_columns(reference, current, options)?;
    let results = parallel_map(&names, |name| {
        let summary = |table: &Table| {
            let column = table.column(name).expect("checked by tested_columns");
            ColumnSummary::of(&column.values)
        };
        column_drift(
            name,
            &summary(reference),
            &summary(current),
            &options.preset,
        )
    });
    Ok(DriftReport::from_columns(
        options.preset.clone(),
        reference.row_count,
        current.row_count,
        results,
        options.drift_share,
    ))
}

/// [`drift`] of tables not needed afterwards: each column's values become its summary in
/// place, which spares a copy of every column and the page faults of allocating it.
pub(crate) fn drift_owned(
    reference: Table,
    current: Table,
    options: &DriftOptions,
) -> Result<DriftReport, ForensicsError> {
    let names = tested_columns(&reference, &current, options)?;
    let (reference_rows, current_rows) = (reference.row_count, current.row_count);
    let (mut reference, mut current) = (reference.columns, current.columns);
    let pairs: Vec<(String, ColumnValues, ColumnValues)> = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            // A column asked for twice is copied for all but its last use.
            let last_use = !names[index + 1..].contains(name);
            let take = |columns: &mut Vec<Column>| {
                let column = columns
                    .iter_mut()
                    .find(|column| &column.name == name)
                    .expect("checked by tested_columns");
                if last_use {
                    std::mem::replace(
                        &mut column.values,
                        ColumnValues::Timestamp { nanos: Vec::new() },
                    )
                } else {
                    column.values.clone()
                }
            };
            (name.clone(), take(&mut reference), take(&mut current))
        })
        .collect();
    let results = parallel_map(pairs, |(name, reference_values, current_values)| {
        column_drift(
            &name,
            &ColumnSummary::from_owned(reference_values),
            &ColumnSummary::from_owned(current_values),
            &options.preset,
        )
    });
    Ok(DriftReport::from_columns(
        options.preset.clone(),
        reference_rows,
        current_rows,
        results,
        options.drift_share,
    ))
}

/// The columns `options` asks to test, each present on both sides with the same storage.
fn tested_columns(
    reference: &Table,
    current: &Table,
    options: &DriftOptions,
) -> Result<Vec<String>, ForensicsError> {
    let names: Vec<String> = match &options.columns {
        Some(columns) => columns.clone(),
        None => current
            .columns
            .iter()
            .filter(|column| !matches!(column.values, ColumnValues::Timestamp { .. }))
            .map(|column| column.name.clone())
            .filter(|name| !options.exclude.contains(name))
            .collect(),
    };
    for name in &names {
        let reference_column = reference.column(name)?;
        let current_column = current.column(name)?;
        let same_storage = matches!(
            (&reference_column.values, &current_column.values),
            (ColumnValues::Numeric { .. }, ColumnValues::Numeric { .. })
                | (
                    ColumnValues::Categorical { .. },
                    ColumnValues::Categorical { .. }
                )
                | (
                    ColumnValues::Timestamp { .. },
                    ColumnValues::Timestamp { .. }
                )
        );
        if !same_storage {
            return Err(ForensicsError::WrongType {
                source_name: current.source.clone(),
                column: name.clone(),
                found: current_column.values.kind_name().to_string(),
                expected: format!(
                    "{} as in {}",
                    reference_column.values.kind_name(),
                    reference.source
                ),
            });
        }
    }
    Ok(names)
}

/// Runs `work` over `items` on all cores, keeping the order of `items`.
pub(crate) fn parallel_map<T: Send, R: Send>(
    items: impl IntoIterator<Item = T>,
    work: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    // Each item is taken out of its slot by the one thread that claims its index.
    let slots: Vec<std::sync::Mutex<Option<T>>> = items
        .into_iter()
        .map(|item| std::sync::Mutex::new(Some(item)))
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(slots.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<R>> = (0..slots.len()).map(|_| None).collect();
    let collected = std::sync::Mutex::new(&mut results);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(slot) = slots.get(index) else { break };
                    let item = slot
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .take()
                        .expect("each index is claimed once");
                    let result = work(item);
                    collected
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)[index] = Some(result);
                }
            });
        }
    });
    results.into_iter().flatten().collect()
}

/// The kind Evidently 0.7.23 infers for a column from the current data (`infer_column_type` on
/// the pandas dtype the column loads as); SCHEMA.md lists the rules.
pub fn evidently_column_kind(current: &ColumnSummary) -> ColumnKind {
    const INTEGER_CARDINALITY_LIMIT: usize = 10;
    match current {
        ColumnSummary::Numeric { origin, summary } => match origin {
            NumericOrigin::Float => ColumnKind::Numerical,
            // pandas holds a yes/no column with missing cells as `object`, whose first value is
            // not a string, which Evidently types as unknown.
            NumericOrigin::Boolean if summary.missing > 0 => ColumnKind::Untyped,
            NumericOrigin::Boolean => ColumnKind::Categorical,
            // pandas turns an integer column with missing cells into float64.
            NumericOrigin::Integer if summary.missing > 0 => ColumnKind::Numerical,
            NumericOrigin::Integer => {
                if stats::distinct_sorted(&summary.sorted_finite) <= INTEGER_CARDINALITY_LIMIT {
                    ColumnKind::Categorical
                } else {
                    ColumnKind::Numerical
                }
            }
        },
        // An all-missing string column is `object` with nothing to look at: unknown.
        ColumnSummary::Categorical(summary) if summary.present() == 0 => ColumnKind::Untyped,
        ColumnSummary::Categorical(summary) => {
            if summary.counts.len() as f64 > summary.present() as f64 * 0.5 {
                ColumnKind::Text
            } else {
                ColumnKind::Categorical
            }
        }
        ColumnSummary::Timestamp => ColumnKind::Datetime,
    }
}

/// The method Evidently 0.7.23 picks by default (`_get_default_stattest`).
pub fn evidently_default_method(
    kind: ColumnKind,
    reference_values: u64,
    distinct_values: usize,
) -> Option<DriftMethod> {
    match kind {
        ColumnKind::Numerical if reference_values <= 1000 => Some(if distinct_values > 5 {
            DriftMethod::KolmogorovSmirnov
        } else if distinct_values > 2 {
            DriftMethod::ChiSquare
        } else {
            DriftMethod::ZTest
        }),
        ColumnKind::Numerical => Some(if distinct_values > 5 {
            DriftMethod::Wasserstein
        } else {
            DriftMethod::JensenShannon { base: None }
        }),
        ColumnKind::Categorical if reference_values <= 1000 => Some(if distinct_values > 2 {
            DriftMethod::ChiSquare
        } else {
            DriftMethod::ZTest
        }),
        ColumnKind::Categorical => Some(DriftMethod::JensenShannon { base: None }),
        ColumnKind::Text | ColumnKind::Datetime | ColumnKind::Untyped => None,
    }
}

/// Drift of one column from the summaries of its reference and current rows.
pub fn column_drift(
    name: &str,
    reference: &ColumnSummary,
    current: &ColumnSummary,
    preset: &Preset,
) -> ColumnDrift {
    let kind = match preset {
        Preset::Evidently => evidently_column_kind(current),
        Preset::Custom { .. } => match current {
            ColumnSummary::Numeric {
                origin: NumericOrigin::Boolean,
                ..
            } => ColumnKind::Categorical,
            ColumnSummary::Numeric { .. } => ColumnKind::Numerical,
            ColumnSummary::Categorical(_) => ColumnKind::Categorical,
            ColumnSummary::Timestamp => ColumnKind::Datetime,
        },
    };
    let sample = Sample::new(reference, current);
    let mut result = ColumnDrift {
        column: name.to_string(),
        kind,
        method: None,
        score: None,
        test_statistic: None,
        p_value: None,
        threshold: 0.0,
        drift_detected: false,
        reference_values: sample.reference_len(),
        current_values: sample.current_len(),
        reference_dropped: dropped(reference),
        current_dropped: dropped(current),
        unseen_category_count: sample.unseen().len(),
        unseen_categories: sample.unseen().iter().take(50).cloned().collect(),
        handling: String::new(),
        skipped: None,
        distribution: None,
    };
    let method = match (preset, kind) {
        (_, ColumnKind::Text) => {
            result.skipped =
                Some("text column: Evidently's text-content drift is not reproduced".to_string());
            return result;
        }
        (_, ColumnKind::Datetime) => {
            result.skipped = Some("timestamp column".to_string());
            return result;
        }
        (_, ColumnKind::Untyped) => {
            result.skipped = Some(
                "yes/no column with missing values: Evidently 0.7.23 leaves it untyped and its preset neither tests nor counts it"
                    .to_string(),
            );
            return result;
        }
        (Preset::Evidently, kind) => {
            // Its choice only asks whether there are more than 5 distinct values.
            evidently_default_method(kind, sample.reference_len(), sample.distinct_union(6))
                .expect("tested kinds")
        }
        (Preset::Custom { numerical, .. }, ColumnKind::Numerical) => *numerical,
        (Preset::Custom { categorical, .. }, _) => *categorical,
    };
    result.method = Some(method);
    result.threshold = match preset {
        Preset::Custom {
            threshold: Some(threshold),
            ..
        } => *threshold,
        _ => method.default_threshold(),
    };
    result.handling = handling_note(method, &sample);
    if sample.reference_len() == 0 || sample.current_len() == 0 {
        let side = if sample.reference_len() == 0 {
            "reference"
        } else {
            "current"
        };
        result.skipped = Some(format!(
            "no {side} values left after dropping missing, NaN and inf"
        ));
        return result;
    }
    if matches!(
        method,
        DriftMethod::Wasserstein | DriftMethod::KolmogorovSmirnov
    ) && !sample.is_numeric()
    {
        result.skipped = Some("method needs numbers, column holds text".to_string());
        return result;
    }
    result.distribution = Some(distribution(&sample, kind));
    let outcome = run_method(method, kind, &sample);
    result.score = Some(outcome.score);
    result.test_statistic = outcome.test_statistic;
    result.p_value = method.is_test().then_some(outcome.score);
    if let Some(note) = outcome.p_value_note {
        result.handling = format!("{}; {note}", result.handling);
    }
    result.drift_detected = method.drifted(outcome.score, result.threshold);
    result
}

fn distribution(sample: &Sample, kind: ColumnKind) -> Distribution {
    if let Sample::Numeric {
        reference, current, ..
    } = sample
        && kind == ColumnKind::Numerical
    {
        // Both sides are non-empty here: the caller skips a column with an empty side.
        let minimum = reference[0].min(current[0]);
        let maximum = reference[reference.len() - 1].max(current[current.len() - 1]);
        let edges = stats::sturges_edges(minimum, maximum, reference.len() + current.len());
        return Distribution::Bins {
            reference: stats::histogram_counts_sorted(reference, &edges),
            current: stats::histogram_counts_sorted(current, &edges),
            edges,
        };
    }
    let counts = sample.counts();
    let keys: Vec<String> = match sample {
        Sample::Categorical { keys, .. } => keys.clone(),
        Sample::Numeric { .. } => counts
            .values
            .iter()
            .map(|value| value.to_string())
            .collect(),
    };
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&index| std::cmp::Reverse(counts.reference[index] + counts.current[index]));
    let (shown, rest) = order.split_at(order.len().min(DISTRIBUTION_CATEGORIES));
    Distribution::Categories {
        categories: shown.iter().map(|&index| keys[index].clone()).collect(),
        reference: shown.iter().map(|&index| counts.reference[index]).collect(),
        current: shown.iter().map(|&index| counts.current[index]).collect(),
        other_reference: rest.iter().map(|&index| counts.reference[index]).sum(),
        other_current: rest.iter().map(|&index| counts.current[index]).sum(),
    }
}

fn dropped(summary: &ColumnSummary) -> DroppedValues {
    match summary {
        ColumnSummary::Numeric { summary, .. } => DroppedValues {
            missing: summary.missing,
            nan: summary.nan,
            infinite: summary.positive_infinity + summary.negative_infinity,
        },
        ColumnSummary::Categorical(summary) => DroppedValues {
            missing: summary.missing,
            ..DroppedValues::default()
        },
        ColumnSummary::Timestamp => DroppedValues::default(),
    }
}

fn handling_note(method: DriftMethod, sample: &Sample) -> String {
    let unseen = match method {
        DriftMethod::Wasserstein | DriftMethod::KolmogorovSmirnov => {
            "values compared on the real line"
        }
        DriftMethod::Psi | DriftMethod::KlDivergence => {
            "empty bins and unseen categories get a share of min(nonzero share)/1e6 (or 1e-4) as in Evidently"
        }
        DriftMethod::ChiSquare => {
            "unseen categories have expected count 0, which makes the statistic infinite and the p-value 0 (as scipy.stats.chisquare)"
        }
        _ => "unseen categories enter with a reference share of 0",
    };
    let binning = match (method, sample) {
        (
            DriftMethod::JensenShannon { .. } | DriftMethod::Psi | DriftMethod::KlDivergence,
            Sample::Numeric { reference, .. },
        ) if stats::distinct_sorted(reference) > 20 => {
            "; binned with NumPy's Sturges edges over both samples"
        }
        (DriftMethod::Hellinger, Sample::Numeric { .. }) => {
            "; binned with Sturges edges over the distinct values"
        }
        _ => "",
    };
    format!("missing, NaN and ±inf dropped from both samples before testing; {unseen}{binning}")
}

/// The non-missing values of one column on both sides, ready for any method.
enum Sample<'a> {
    Numeric {
        reference: &'a [f64],
        current: &'a [f64],
        unseen: Vec<String>,
    },
    Categorical {
        keys: Vec<String>,
        reference: Vec<u64>,
        current: Vec<u64>,
        unseen: Vec<String>,
    },
}

struct Counts {
    reference: Vec<u64>,
    current: Vec<u64>,
    /// The distinct values the counts belong to, for numbers (the keys of
    /// text categories are the sample's own).
    values: Vec<f64>,
}

impl<'a> Sample<'a> {
    fn new(reference: &'a ColumnSummary, current: &'a ColumnSummary) -> Self {
        match (reference, current) {
            (
                ColumnSummary::Numeric {
                    summary: reference, ..
                },
                ColumnSummary::Numeric {
                    summary: current, ..
                },
            ) => Self::numeric(reference, current),
            (ColumnSummary::Categorical(reference), ColumnSummary::Categorical(current)) => {
                Self::categorical(reference, current)
            }
            _ => Self::Numeric {
                reference: &[],
                current: &[],
                unseen: Vec::new(),
            },
        }
    }

    fn numeric(reference: &'a NumericSummary, current: &'a NumericSummary) -> Self {
        Self::Numeric {
            reference: &reference.sorted_finite,
            current: &current.sorted_finite,
            unseen: Vec::new(),
        }
    }

    fn categorical(reference: &CategoricalSummary, current: &CategoricalSummary) -> Self {
        let keys: BTreeSet<&String> = reference
            .counts
            .keys()
            .chain(current.counts.keys())
            .collect();
        let keys: Vec<String> = keys.into_iter().cloned().collect();
        let unseen = keys
            .iter()
            .filter(|key| !reference.counts.contains_key(*key))
            .cloned()
            .collect();
        Self::Categorical {
            reference: keys
                .iter()
                .map(|key| reference.counts.get(key).copied().unwrap_or(0))
                .collect(),
            current: keys
                .iter()
                .map(|key| current.counts.get(key).copied().unwrap_or(0))
                .collect(),
            keys,
            unseen,
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Self::Numeric { .. })
    }

    fn reference_len(&self) -> u64 {
        match self {
            Self::Numeric { reference, .. } => reference.len() as u64,
            Self::Categorical { reference, .. } => reference.iter().sum(),
        }
    }

    fn current_len(&self) -> u64 {
        match self {
            Self::Numeric { current, .. } => current.len() as u64,
            Self::Categorical { current, .. } => current.iter().sum(),
        }
    }

    /// Distinct values over both sides; numbers are counted up to `limit` only.
    fn distinct_union(&self, limit: usize) -> usize {
        match self {
            Self::Numeric {
                reference, current, ..
            } => stats::distinct_union_sorted(reference, current, limit),
            Self::Categorical { keys, .. } => keys.len(),
        }
    }

    fn unseen(&self) -> &[String] {
        match self {
            Self::Numeric { unseen, .. } | Self::Categorical { unseen, .. } => unseen,
        }
    }

    /// Counts per distinct value over the union of both samples, keys ascending.
    fn counts(&self) -> Counts {
        match self {
            Self::Numeric {
                reference, current, ..
            } => {
                let reference_runs = stats::value_counts_sorted(reference);
                let current_runs = stats::value_counts_sorted(current);
                let (mut i, mut j) = (0, 0);
                let (mut reference_counts, mut current_counts) = (Vec::new(), Vec::new());
                let mut values = Vec::new();
                while i < reference_runs.len() || j < current_runs.len() {
                    match (reference_runs.get(i), current_runs.get(j)) {
                        (Some(&(a, count_a)), Some(&(b, count_b))) if a == b => {
                            values.push(a);
                            reference_counts.push(count_a);
                            current_counts.push(count_b);
                            i += 1;
                            j += 1;
                        }
                        (Some(&(a, count_a)), Some(&(b, _))) if a < b => {
                            values.push(a);
                            reference_counts.push(count_a);
                            current_counts.push(0);
                            i += 1;
                        }
                        (Some(&(a, count_a)), None) => {
                            values.push(a);
                            reference_counts.push(count_a);
                            current_counts.push(0);
                            i += 1;
                        }
                        (_, Some(&(b, count_b))) => {
                            values.push(b);
                            reference_counts.push(0);
                            current_counts.push(count_b);
                            j += 1;
                        }
                        (None, None) => unreachable!("loop condition"),
                    }
                }
                Counts {
                    reference: reference_counts,
                    current: current_counts,
                    values,
                }
            }
            Self::Categorical {
                reference, current, ..
            } => Counts {
                reference: reference.clone(),
                current: current.clone(),
                values: Vec::new(),
            },
        }
    }
}

struct Outcome {
    score: f64,
    test_statistic: Option<f64>,
    /// How the p-value was obtained, where methods differ (KS: exact or asymptotic).
    p_value_note: Option<&'static str>,
}

fn run_method(method: DriftMethod, kind: ColumnKind, sample: &Sample) -> Outcome {
    let distance = |score| Outcome {
        score,
        test_statistic: None,
        p_value_note: None,
    };
    match method {
        DriftMethod::Wasserstein => {
            let Sample::Numeric {
                reference, current, ..
            } = sample
            else {
                unreachable!("checked by the caller")
            };
            let (_, reference_std) = stats::mean_and_std(reference);
            distance(stats::wasserstein_sorted(reference, current) / reference_std.max(0.001))
        }
        DriftMethod::KolmogorovSmirnov => {
            let Sample::Numeric {
                reference, current, ..
            } = sample
            else {
                unreachable!("checked by the caller")
            };
            let statistic = stats::ks_statistic_sorted(reference, current);
            let (p_value, mode) =
                stats::ks_two_sample_pvalue(statistic, reference.len(), current.len());
            Outcome {
                score: p_value,
                test_statistic: Some(statistic),
                p_value_note: Some(match mode {
                    stats::KsMode::Exact => {
                        "p-value exact (lattice paths), as ks_2samp for samples of at most 10,000"
                    }
                    stats::KsMode::Asymptotic => {
                        "p-value asymptotic (Kolmogorov distribution at n = n1·n2/(n1+n2)), as ks_2samp above 10,000"
                    }
                }),
            }
        }
        DriftMethod::JensenShannon { base } => {
            let (reference, current) = binned_shares(sample, kind, false);
            distance(jensen_shannon(&reference, &current, base))
        }
        DriftMethod::Psi => {
            let (reference, current) = binned_shares(sample, kind, true);
            distance(
                reference
                    .iter()
                    .zip(&current)
                    .map(|(r, c)| (r - c) * (r / c).ln())
                    .collect::<Vec<_>>()
                    .iter()
                    .sum(),
            )
        }
        DriftMethod::KlDivergence => {
            let (reference, current) = binned_shares(sample, kind, true);
            distance(relative_entropy(&reference, &current))
        }
        DriftMethod::Hellinger => distance(hellinger(sample, kind)),
        DriftMethod::ChiSquare => {
            let counts = sample.counts();
            let reference_total: u64 = counts.reference.iter().sum();
            let current_total: u64 = counts.current.iter().sum();
            let scale = current_total as f64 / reference_total as f64;
            let terms: Vec<f64> = counts
                .reference
                .iter()
                .zip(&counts.current)
                .map(|(&expected, &observed)| {
                    let expected = expected as f64 * scale;
                    (observed as f64 - expected).powi(2) / expected
                })
                .collect();
            let statistic = stats::pairwise_sum(&terms);
            Outcome {
                score: stats::chi2_sf(statistic, (terms.len() - 1) as f64),
                test_statistic: Some(statistic),
                p_value_note: None,
            }
        }
        DriftMethod::ChiSquareContingency => {
            let counts = sample.counts();
            let (statistic, p_value) = chi2_contingency(&counts.reference, &counts.current);
            Outcome {
                score: p_value,
                test_statistic: Some(statistic),
                p_value_note: None,
            }
        }
        DriftMethod::ZTest => {
            let counts = sample.counts();
            // Keys are ascending (numbers numerically, text by code point), so the first is
            // the one Evidently's sorted() puts first.
            let first = 0;
            if counts.reference.len() == 1 {
                // Both samples hold one and the same value.
                return Outcome {
                    score: 1.0,
                    test_statistic: None,
                    p_value_note: None,
                };
            }
            let n1 = counts.reference.iter().sum::<u64>() as f64;
            let n2 = counts.current.iter().sum::<u64>() as f64;
            let p1 = (n1 - counts.reference[first] as f64) / n1;
            let p2 = (n2 - counts.current[first] as f64) / n2;
            let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
            let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
            Outcome {
                score: 2.0 * (1.0 - stats::normal_cdf(z.abs())),
                test_statistic: Some(z),
                p_value_note: None,
            }
        }
    }
}

/// Shares per bin or category as Evidently's `get_binned_data`: numerical columns with more than
/// 20 distinct reference values use Sturges edges over both samples, everything else counts
/// distinct values. With `fill_zeros`, empty shares become min(nonzero)/1e6 (or 1e-4).
fn binned_shares(sample: &Sample, kind: ColumnKind, fill_zeros: bool) -> (Vec<f64>, Vec<f64>) {
    let (reference_counts, current_counts) = match sample {
        Sample::Numeric {
            reference, current, ..
        } if kind == ColumnKind::Numerical && stats::distinct_sorted(reference) > 20 => {
            let minimum = reference[0].min(current[0]);
            let maximum = reference[reference.len() - 1].max(current[current.len() - 1]);
            let edges = stats::sturges_edges(minimum, maximum, reference.len() + current.len());
            (
                stats::histogram_counts_sorted(reference, &edges),
                stats::histogram_counts_sorted(current, &edges),
            )
        }
        _ => {
            let counts = sample.counts();
            (counts.reference, counts.current)
        }
    };
    let reference_len = sample.reference_len() as f64;
    let current_len = sample.current_len() as f64;
    let mut reference: Vec<f64> = reference_counts
        .iter()
        .map(|&count| count as f64 / reference_len)
        .collect();
    let mut current: Vec<f64> = current_counts
        .iter()
        .map(|&count| count as f64 / current_len)
        .collect();
    if fill_zeros {
        fill_empty_shares(&mut reference);
        fill_empty_shares(&mut current);
    }
    (reference, current)
}

fn fill_empty_shares(shares: &mut [f64]) {
    let smallest = shares
        .iter()
        .copied()
        .filter(|&share| share != 0.0)
        .fold(f64::INFINITY, f64::min);
    let filler = if smallest <= 0.0001 {
        smallest / 1e6
    } else {
        0.0001
    };
    for share in shares.iter_mut().filter(|share| **share == 0.0) {
        *share = filler;
    }
}

fn relative_entropy_term(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

fn normalized(shares: &[f64]) -> Vec<f64> {
    let total = stats::pairwise_sum(shares);
    shares.iter().map(|share| share / total).collect()
}

/// `scipy.spatial.distance.jensenshannon(p, q, base)`.
pub(crate) fn jensen_shannon(p: &[f64], q: &[f64], base: Option<f64>) -> f64 {
    let (p, q) = (normalized(p), normalized(q));
    let middle: Vec<f64> = p.iter().zip(&q).map(|(a, b)| (a + b) / 2.0).collect();
    let left: Vec<f64> = p
        .iter()
        .zip(&middle)
        .map(|(&a, &m)| relative_entropy_term(a, m))
        .collect();
    let right: Vec<f64> = q
        .iter()
        .zip(&middle)
        .map(|(&b, &m)| relative_entropy_term(b, m))
        .collect();
    let mut divergence = stats::pairwise_sum(&left) + stats::pairwise_sum(&right);
    if let Some(base) = base {
        divergence /= base.ln();
    }
    (divergence / 2.0).sqrt()
}

/// `scipy.stats.entropy(p, q)`: KL divergence after normalising both.
fn relative_entropy(p: &[f64], q: &[f64]) -> f64 {
    let (p, q) = (normalized(p), normalized(q));
    let terms: Vec<f64> = p
        .iter()
        .zip(&q)
        .map(|(&a, &b)| relative_entropy_term(a, b))
        .collect();
    stats::pairwise_sum(&terms)
}

/// Evidently's Hellinger distance: category shares, or Sturges-binned densities for numbers.
fn hellinger(sample: &Sample, kind: ColumnKind) -> f64 {
    let affinity = match sample {
        Sample::Numeric {
            reference, current, ..
        } if kind == ColumnKind::Numerical => {
            let mut distinct: Vec<f64> = stats::value_counts_sorted(reference)
                .into_iter()
                .chain(stats::value_counts_sorted(current))
                .map(|(value, _)| value)
                .collect();
            stats::sort_values(&mut distinct);
            distinct.dedup();
            let edges =
                stats::sturges_edges(distinct[0], distinct[distinct.len() - 1], distinct.len());
            let density = |values: &[f64]| -> Vec<f64> {
                let counts = stats::histogram_counts_sorted(values, &edges);
                let total: u64 = counts.iter().sum();
                counts
                    .iter()
                    .enumerate()
                    .map(|(bin, &count)| {
                        count as f64 / (edges[bin + 1] - edges[bin]) / total as f64
                    })
                    .collect()
            };
            let (reference_density, current_density) = (density(reference), density(current));
            let bin_width = (edges[edges.len() - 1] - edges[0]) / (edges.len() - 1) as f64;
            reference_density
                .iter()
                .zip(&current_density)
                .map(|(a, b)| (a * b).sqrt() * bin_width)
                .sum::<f64>()
        }
        _ => {
            let counts = sample.counts();
            let reference_total = counts.reference.iter().sum::<u64>() as f64;
            let current_total = counts.current.iter().sum::<u64>() as f64;
            counts
                .reference
                .iter()
                .zip(&counts.current)
                .map(|(&a, &b)| (a as f64 / reference_total * (b as f64 / current_total)).sqrt())
                .sum::<f64>()
        }
    };
    (1.0 - affinity.clamp(0.0, 1.0)).sqrt()
}

/// `scipy.stats.chi2_contingency` on the 2×k table [reference counts; current counts], with
/// Yates' correction when there is one degree of freedom. Returns (statistic, p-value).
fn chi2_contingency(reference: &[u64], current: &[u64]) -> (f64, f64) {
    let columns: Vec<(f64, f64)> = reference
        .iter()
        .zip(current)
        .filter(|(a, b)| **a + **b > 0)
        .map(|(&a, &b)| (a as f64, b as f64))
        .collect();
    let degrees = columns.len().saturating_sub(1);
    if degrees == 0 {
        return (0.0, 1.0);
    }
    let reference_total: f64 = columns.iter().map(|(a, _)| a).sum();
    let current_total: f64 = columns.iter().map(|(_, b)| b).sum();
    let total = reference_total + current_total;
    let mut statistic = 0.0;
    for (a, b) in &columns {
        let column_total = a + b;
        for (observed, row_total) in [(*a, reference_total), (*b, current_total)] {
            let expected = row_total * column_total / total;
            let mut difference = observed - expected;
            if degrees == 1 {
                difference =
                    difference.signum() * (difference.abs() - 0.5).max(0.0).min(difference.abs());
            }
            statistic += difference * difference / expected;
        }
    }
    (statistic, stats::chi2_sf(statistic, degrees as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(values: &[f64]) -> ColumnSummary {
        ColumnSummary::Numeric {
            origin: NumericOrigin::Float,
            summary: NumericSummary::from_values(values, None),
        }
    }

    fn custom(method: DriftMethod) -> Preset {
        Preset::Custom {
            numerical: method,
            categorical: method,
            threshold: None,
        }
    }

    #[test]
    fn small_references_use_ks_as_evidently() {
        let reference: Vec<f64> = (0..100).map(f64::from).collect();
        let current: Vec<f64> = (0..100).map(|value| f64::from(value) + 30.0).collect();
        let result = column_drift(
            "x",
            &numeric(&reference),
            &numeric(&current),
            &Preset::Evidently,
        );
        assert_eq!(result.method, Some(DriftMethod::KolmogorovSmirnov));
        assert!((result.test_statistic.unwrap() - 0.3).abs() < 1e-12);
        assert!(result.drift_detected);
    }

    #[test]
    fn contingency_matches_scipy_with_yates() {
        // scipy.stats.chi2_contingency([[10, 20], [20, 10]]) -> (5.4, 0.02013675155034633)
        let (statistic, p_value) = chi2_contingency(&[10, 20], &[20, 10]);
        assert!((statistic - 5.4).abs() < 1e-12);
        assert!((p_value - 0.02013675155034633).abs() < 1e-12);
    }

    #[test]
    fn nan_and_inf_are_dropped_and_reported() {
        let reference = numeric(&[1.0, 2.0, f64::NAN, 3.0]);
        let current = numeric(&[1.0, f64::INFINITY, 2.0]);
        let result = column_drift("x", &reference, &current, &custom(DriftMethod::Wasserstein));
        assert_eq!(result.reference_dropped.nan, 1);
        assert_eq!(result.current_dropped.infinite, 1);
        assert_eq!((result.reference_values, result.current_values), (3, 2));
    }

    #[test]
    fn empty_side_is_skipped_not_a_panic() {
        let result = column_drift(
            "x",
            &numeric(&[1.0, 2.0]),
            &numeric(&[f64::NAN]),
            &Preset::Evidently,
        );
        assert!(result.skipped.is_some());
        assert!(!result.drift_detected);
    }
}
