//! NannyML 0.13 univariate drift defaults: Jensen–Shannon distance in base 2 per chunk, bins
//! from NumPy's Doane rule on the reference, 10 chunks per period, and alerts above the mean
//! plus 3 standard deviations of the reference chunks' distances. NannyML's univariate calculator
//! sets no lower threshold for Jensen–Shannon (`std_lower_multiplier=None`), so neither do we.
//!
//! Chunks follow row order, as NannyML's `DefaultChunker`: size = rows / 10, full chunks first,
//! a last incomplete chunk kept. Missing values and NaN are dropped per chunk; values outside
//! the reference bins and categories unseen in the reference form one extra "leftover" bin.

use std::collections::BTreeMap;

use crate::ForensicsError;
use crate::drift::parallel_map;
use crate::stats;
use crate::table::{ColumnValues, NULL_CODE, NumericOrigin, Table};

pub const NANNYML_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NannyMlOptions {
    /// Columns to test; `None` tests every column except timestamps and `exclude`.
    pub columns: Option<Vec<String>>,
    pub exclude: Vec<String>,
    pub chunk_count: usize,
    pub std_multiplier: f64,
}

impl Default for NannyMlOptions {
    fn default() -> Self {
        Self {
            columns: None,
            exclude: Vec::new(),
            chunk_count: 10,
            std_multiplier: 3.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Reference,
    Analysis,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChunkDrift {
    pub period: Period,
    /// First and last row of the chunk within its period, inclusive.
    pub start_row: usize,
    pub end_row: usize,
    /// Jensen–Shannon distance (base 2); `None` when the chunk has no values.
    pub value: Option<f64>,
    pub alert: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NannyMlColumn {
    pub column: String,
    /// `continuous` for numbers, `categorical` for text and booleans (NannyML's dtype rule).
    pub kind: String,
    /// Alert above this distance; `None` without reference values.
    pub upper_threshold: Option<f64>,
    pub chunks: Vec<ChunkDrift>,
    pub analysis_alerts: usize,
    pub handling: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NannyMlReport {
    pub schema_version: u32,
    pub method: String,
    pub columns: Vec<NannyMlColumn>,
}

/// Row ranges of NannyML's `DefaultChunker` over `rows` rows.
pub fn default_chunks(rows: usize, chunk_count: usize) -> Vec<(usize, usize)> {
    if rows == 0 {
        return Vec::new();
    }
    let size = (rows / chunk_count).max(1);
    let mut chunks: Vec<(usize, usize)> = (0..rows / size)
        .map(|index| (index * size, index * size + size))
        .collect();
    if !rows.is_multiple_of(size) {
        chunks.push((size * (rows / size), rows));
    }
    chunks
}

/// Distances of `analysis` chunks from `reference`, with NannyML's defaults.
pub fn nannyml_drift(
    reference: &Table,
    analysis: &Table,
    options: &NannyMlOptions,
) -> Result<NannyMlReport, ForensicsError> {
    if options.chunk_count == 0 {
        return Err(ForensicsError::InvalidOptions(
            "chunk count must be at least 1".to_string(),
        ));
    }
    let names: Vec<String> = match &options.columns {
        Some(columns) => columns.clone(),
        None => analysis
            .columns
            .iter()
            .filter(|column| !matches!(column.values, ColumnValues::Timestamp { .. }))
            .map(|column| column.name.clone())
            .filter(|name| !options.exclude.contains(name))
            .collect(),
    };
    let mut pairs = Vec::with_capacity(names.len());
    for name in &names {
        pairs.push((
            name.as_str(),
            &reference.column(name)?.values,
            &analysis.column(name)?.values,
        ));
    }
    let columns = parallel_map(&pairs, |(name, reference_values, analysis_values)| {
        column_chunks(name, reference_values, analysis_values, options)
    });
    Ok(NannyMlReport {
        schema_version: NANNYML_SCHEMA_VERSION,
        method: "jensen_shannon (base 2), NannyML 0.13 defaults".to_string(),
        columns: columns.into_iter().collect::<Result<_, _>>()?,
    })
}

/// A fitted reference distribution: bin edges (continuous) or sorted categories, and shares.
enum Fitted {
    Continuous { edges: Vec<f64>, shares: Vec<f64> },
    Categorical { keys: Vec<String>, shares: Vec<f64> },
}

fn present_numbers(values: &[f64], range: (usize, usize)) -> Vec<f64> {
    values[range.0..range.1]
        .iter()
        .copied()
        .filter(|value| !value.is_nan())
        .collect()
}

fn present_categories<'a>(
    codes: &[u32],
    dictionary: &'a [String],
    range: (usize, usize),
) -> BTreeMap<&'a str, u64> {
    let mut counts = BTreeMap::new();
    for &code in &codes[range.0..range.1] {
        if code != NULL_CODE {
            *counts
                .entry(dictionary[code as usize].as_str())
                .or_default() += 1;
        }
    }
    counts
}

fn fit(values: &ColumnValues) -> Option<Fitted> {
    match values {
        ColumnValues::Numeric {
            values,
            origin: NumericOrigin::Boolean,
            ..
        } => {
            let present = present_numbers(values, (0, values.len()));
            let keys: Vec<String> = ["false", "true"].into_iter().map(str::to_string).collect();
            let trues = present.iter().filter(|&&value| value != 0.0).count() as f64;
            let total = present.len() as f64;
            let shares = vec![(total - trues) / total, trues / total];
            let (keys, shares) = keys
                .into_iter()
                .zip(shares)
                .filter(|(_, share)| *share > 0.0)
                .unzip();
            Some(Fitted::Categorical { keys, shares })
        }
        ColumnValues::Numeric { values, .. } => {
            let present = present_numbers(values, (0, values.len()));
            let finite: Vec<f64> = present
                .iter()
                .copied()
                .filter(|value| value.is_finite())
                .collect();
            if finite.is_empty() {
                return None;
            }
            let edges = doane_edges(&finite);
            let counts = stats::histogram_counts(&finite, &edges);
            let total = present.len() as f64;
            Some(Fitted::Continuous {
                shares: counts.iter().map(|&count| count as f64 / total).collect(),
                edges,
            })
        }
        ColumnValues::Categorical { codes, dictionary } => {
            let counts = present_categories(codes, dictionary, (0, codes.len()));
            let total: u64 = counts.values().sum();
            if total == 0 {
                return None;
            }
            Some(Fitted::Categorical {
                keys: counts.keys().map(|key| key.to_string()).collect(),
                shares: counts
                    .values()
                    .map(|&count| count as f64 / total as f64)
                    .collect(),
            })
        }
        ColumnValues::Timestamp { .. } => None,
    }
}

/// JS distance (base 2) of one chunk from the fitted reference; mass outside the reference
/// bins or categories goes to an extra bin where the reference has 0.
fn chunk_distance(fitted: &Fitted, values: &ColumnValues, range: (usize, usize)) -> Option<f64> {
    let (mut reference, mut chunk) = match (fitted, values) {
        (Fitted::Continuous { edges, shares }, ColumnValues::Numeric { values, .. }) => {
            let present = present_numbers(values, range);
            if present.is_empty() {
                return None;
            }
            let counts = stats::histogram_counts(&present, edges);
            let total = present.len() as f64;
            (
                shares.clone(),
                counts
                    .iter()
                    .map(|&count| count as f64 / total)
                    .collect::<Vec<f64>>(),
            )
        }
        (Fitted::Categorical { keys, shares }, ColumnValues::Categorical { codes, dictionary }) => {
            let counts = present_categories(codes, dictionary, range);
            let total: u64 = counts.values().sum();
            if total == 0 {
                return None;
            }
            let chunk = keys
                .iter()
                .map(|key| counts.get(key.as_str()).copied().unwrap_or(0) as f64 / total as f64)
                .collect();
            (shares.clone(), chunk)
        }
        (Fitted::Categorical { keys, shares }, ColumnValues::Numeric { values, .. }) => {
            let present = present_numbers(values, range);
            if present.is_empty() {
                return None;
            }
            let trues = present.iter().filter(|&&value| value != 0.0).count() as f64;
            let total = present.len() as f64;
            let chunk = keys
                .iter()
                .map(|key| {
                    if key == "true" {
                        trues / total
                    } else {
                        (total - trues) / total
                    }
                })
                .collect();
            (shares.clone(), chunk)
        }
        _ => return None,
    };
    let leftover = 1.0 - stats::pairwise_sum(&chunk);
    if leftover > 0.0 {
        chunk.push(leftover);
        reference.push(0.0);
    }
    Some(crate::drift::jensen_shannon(&reference, &chunk, Some(2.0)))
}

fn column_chunks(
    name: &str,
    reference: &ColumnValues,
    analysis: &ColumnValues,
    options: &NannyMlOptions,
) -> Result<NannyMlColumn, ForensicsError> {
    let kind = match reference {
        ColumnValues::Numeric {
            origin: NumericOrigin::Boolean,
            ..
        }
        | ColumnValues::Categorical { .. } => "categorical",
        _ => "continuous",
    };
    let mut column = NannyMlColumn {
        column: name.to_string(),
        kind: kind.to_string(),
        upper_threshold: None,
        chunks: Vec::new(),
        analysis_alerts: 0,
        handling: "missing and NaN dropped per chunk; values outside the reference bins and unseen categories \
                   form one extra bin with reference share 0; ±inf never falls in a bin"
            .to_string(),
    };
    let Some(fitted) = fit(reference) else {
        column.handling = "no reference values: not tested".to_string();
        return Ok(column);
    };
    let reference_values: Vec<Option<f64>> = default_chunks(reference.len(), options.chunk_count)
        .into_iter()
        .map(|range| chunk_distance(&fitted, reference, range))
        .collect();
    let finite: Vec<f64> = reference_values.iter().flatten().copied().collect();
    if !finite.is_empty() {
        let (mean, std) = stats::mean_and_std(&finite);
        column.upper_threshold = Some(mean + options.std_multiplier * std);
    }
    let alert = |value: Option<f64>| {
        value.is_some_and(|value| column.upper_threshold.is_some_and(|upper| value > upper))
    };
    let mut chunks = Vec::new();
    for (period, values, distances) in [
        (Period::Reference, reference, Some(reference_values)),
        (Period::Analysis, analysis, None),
    ] {
        for (index, range) in default_chunks(values.len(), options.chunk_count)
            .into_iter()
            .enumerate()
        {
            let value = match &distances {
                Some(distances) => distances[index],
                None => chunk_distance(&fitted, values, range),
            };
            chunks.push(ChunkDrift {
                period,
                start_row: range.0,
                end_row: range.1 - 1,
                value,
                alert: alert(value),
            });
        }
    }
    column.analysis_alerts = chunks
        .iter()
        .filter(|chunk| chunk.period == Period::Analysis && chunk.alert)
        .count();
    column.chunks = chunks;
    Ok(column)
}

/// `np.histogram_bin_edges(values, bins="doane")` for finite values.
pub fn doane_edges(values: &[f64]) -> Vec<f64> {
    let minimum = values.iter().copied().fold(f64::INFINITY, f64::min);
    let maximum = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (first, last) = if minimum == maximum {
        (minimum - 0.5, maximum + 0.5)
    } else {
        (minimum, maximum)
    };
    let count = values.len() as f64;
    let mut width = 0.0;
    if values.len() > 2 {
        let sg1 = (6.0 * (count - 2.0) / ((count + 1.0) * (count + 3.0))).sqrt();
        let (mean, sigma) = stats::mean_and_std(values);
        if sigma > 0.0 {
            let cubes: Vec<f64> = values
                .iter()
                .map(|value| ((value - mean) / sigma).powi(3))
                .collect();
            let skew = stats::pairwise_sum(&cubes) / count;
            width = (maximum - minimum) / (1.0 + count.log2() + (1.0 + skew.abs() / sg1).log2());
        }
    }
    let bins = if width > 0.0 {
        ((last - first) / width).ceil() as usize
    } else {
        1
    };
    stats::linspace(first, last, bins + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_follow_nannyml_default_chunker() {
        assert_eq!(default_chunks(20, 10).len(), 10);
        let chunks = default_chunks(10_005, 10);
        assert_eq!(chunks.len(), 11);
        assert_eq!(chunks[10], (10_000, 10_005));
        assert_eq!(default_chunks(3, 10), vec![(0, 1), (1, 2), (2, 3)]);
    }

    #[test]
    fn doane_edges_match_numpy() {
        // np.histogram_bin_edges([1, 2, 2, 3, 10], bins="doane") == [1, 2.5, 4, 5.5, 7, 8.5, 10]
        let edges = doane_edges(&[1.0, 2.0, 2.0, 3.0, 10.0]);
        assert_eq!(edges, vec![1.0, 2.5, 4.0, 5.5, 7.0, 8.5, 10.0]);
    }
}
