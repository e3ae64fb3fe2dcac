//! Data-quality profile of a log, optionally against a reference: missing/NaN/inf counts,
//! range, moments, quantiles, distinct values, categories new to the current data, values
//! outside the reference range, and a schema diff.

use crate::drift::parallel_map;
use crate::stats;
use crate::summary::ColumnSummary;
use crate::table::{ColumnValues, Table};

pub const PROFILE_SCHEMA_VERSION: u32 = 1;
/// Quantiles reported for numeric columns (linear interpolation, NumPy's default).
pub const PROFILE_QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ColumnProfile {
    pub column: String,
    /// float, integer, boolean, text or timestamp.
    pub kind: String,
    pub rows: u64,
    pub missing: u64,
    pub nan: u64,
    pub positive_infinity: u64,
    pub negative_infinity: u64,
    /// Over finite values (numbers) or present values (text).
    pub distinct: u64,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub mean: Option<f64>,
    /// Population standard deviation (ddof = 0).
    pub std: Option<f64>,
    /// `(probability, value)` pairs for [`PROFILE_QUANTILES`].
    pub quantiles: Vec<(f64, f64)>,
    /// Text categories absent from the reference (at most 50 listed).
    pub new_categories: Vec<String>,
    pub new_category_rows: Option<u64>,
    /// Finite values below the reference minimum or above its maximum.
    pub out_of_reference_range: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TypeChange {
    pub column: String,
    pub reference: String,
    pub current: String,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SchemaDiff {
    pub only_in_reference: Vec<String>,
    pub only_in_current: Vec<String>,
    pub type_changed: Vec<TypeChange>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProfileReport {
    pub schema_version: u32,
    pub source: String,
    pub rows: u64,
    pub columns: Vec<ColumnProfile>,
    pub schema_diff: Option<SchemaDiff>,
}

/// Profiles `current`; with a reference, also what is new or out of range relative to it.
pub fn profile(current: &Table, reference: Option<&Table>) -> ProfileReport {
    let columns = parallel_map(&current.columns, |column| {
        let reference_summary = reference
            .and_then(|reference| reference.column(&column.name).ok())
            .map(|reference| ColumnSummary::of(&reference.values));
        column_profile(&column.name, &column.values, reference_summary.as_ref())
    });
    let schema_diff = reference.map(|reference| schema_diff(reference, current));
    ProfileReport {
        schema_version: PROFILE_SCHEMA_VERSION,
        source: current.source.clone(),
        rows: current.row_count as u64,
        columns,
        schema_diff,
    }
}

fn column_profile(
    name: &str,
    values: &ColumnValues,
    reference: Option<&ColumnSummary>,
) -> ColumnProfile {
    let mut profile = ColumnProfile {
        column: name.to_string(),
        kind: values.kind_name().to_string(),
        rows: values.len() as u64,
        missing: 0,
        nan: 0,
        positive_infinity: 0,
        negative_infinity: 0,
        distinct: 0,
        minimum: None,
        maximum: None,
        mean: None,
        std: None,
        quantiles: Vec::new(),
        new_categories: Vec::new(),
        new_category_rows: None,
        out_of_reference_range: None,
    };
    match ColumnSummary::of(values) {
        ColumnSummary::Numeric { summary, .. } => {
            let sorted = &summary.sorted_finite;
            profile.missing = summary.missing;
            profile.nan = summary.nan;
            profile.positive_infinity = summary.positive_infinity;
            profile.negative_infinity = summary.negative_infinity;
            profile.distinct = stats::distinct_sorted(sorted) as u64;
            if !sorted.is_empty() {
                let (mean, std) = stats::mean_and_std(sorted);
                profile.minimum = Some(sorted[0]);
                profile.maximum = Some(sorted[sorted.len() - 1]);
                profile.mean = Some(mean);
                profile.std = Some(std);
                profile.quantiles = PROFILE_QUANTILES
                    .iter()
                    .map(|&probability| (probability, stats::quantile_sorted(sorted, probability)))
                    .collect();
            }
            if let Some(ColumnSummary::Numeric {
                summary: reference, ..
            }) = reference
                && let (Some(&low), Some(&high)) = (
                    reference.sorted_finite.first(),
                    reference.sorted_finite.last(),
                )
            {
                profile.out_of_reference_range = Some(
                    sorted
                        .iter()
                        .filter(|&&value| value < low || value > high)
                        .count() as u64,
                );
            }
        }
        ColumnSummary::Categorical(summary) => {
            profile.missing = summary.missing;
            profile.distinct = summary.counts.len() as u64;
            if let Some(ColumnSummary::Categorical(reference)) = reference {
                let new: Vec<(&String, &u64)> = summary
                    .counts
                    .iter()
                    .filter(|(category, _)| !reference.counts.contains_key(*category))
                    .collect();
                profile.new_category_rows = Some(new.iter().map(|(_, count)| **count).sum());
                profile.new_categories = new
                    .into_iter()
                    .take(50)
                    .map(|(category, _)| category.clone())
                    .collect();
            }
        }
        ColumnSummary::Timestamp => {
            if let ColumnValues::Timestamp { nanos } = values {
                let present: Vec<i64> = nanos
                    .iter()
                    .copied()
                    .filter(|&stamp| stamp != crate::table::NULL_TIMESTAMP)
                    .collect();
                profile.missing = (nanos.len() - present.len()) as u64;
                profile.minimum = present.iter().min().map(|&stamp| stamp as f64);
                profile.maximum = present.iter().max().map(|&stamp| stamp as f64);
            }
        }
    }
    profile
}

fn schema_diff(reference: &Table, current: &Table) -> SchemaDiff {
    let mut diff = SchemaDiff::default();
    for column in &reference.columns {
        match current.column(&column.name) {
            Err(_) => diff.only_in_reference.push(column.name.clone()),
            Ok(other) if other.values.kind_name() != column.values.kind_name() => {
                diff.type_changed.push(TypeChange {
                    column: column.name.clone(),
                    reference: column.values.kind_name().to_string(),
                    current: other.values.kind_name().to_string(),
                })
            }
            Ok(_) => {}
        }
    }
    diff.only_in_current = current
        .column_names()
        .filter(|name| reference.column(name).is_err())
        .map(str::to_string)
        .collect();
    diff
}
