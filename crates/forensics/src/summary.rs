//! Mergeable per-column summaries: what a drift or quality kernel needs from one chunk of rows.
//! Summaries of chunks, threads or machines combine with `merge` into the summary of all their
//! rows, which keeps the engine that produces them replaceable.

use std::collections::BTreeMap;

use crate::stats;
use crate::table::{ColumnValues, NULL_CODE, NumericOrigin};

/// Summary of a numeric column: its finite values sorted, and counts of what was set aside.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NumericSummary {
    pub sorted_finite: Vec<f64>,
    pub missing: u64,
    pub nan: u64,
    pub positive_infinity: u64,
    pub negative_infinity: u64,
}

/// Summary of a text column: the count of each category and of missing cells.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CategoricalSummary {
    pub counts: BTreeMap<String, u64>,
    pub missing: u64,
}

/// Summary of one column, by storage kind.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnSummary {
    Numeric {
        origin: NumericOrigin,
        summary: NumericSummary,
    },
    Categorical(CategoricalSummary),
    Timestamp,
}

impl NumericSummary {
    pub fn from_values(values: &[f64], nulls: Option<&[bool]>) -> Self {
        Self::from_owned(values.to_vec(), nulls)
    }

    /// [`from_values`](Self::from_values) taking the values over: the sorted finite values
    /// reuse their memory instead of a fresh allocation.
    pub fn from_owned(values: Vec<f64>, nulls: Option<&[bool]>) -> Self {
        let mut summary = Self::default();
        // Collected in place: each order key overwrites the value it comes from.
        let finite_keys: Vec<u64> = values
            .into_iter()
            .enumerate()
            .filter_map(|(row, value)| {
                if value.is_finite() {
                    return Some(stats::order_key(value));
                }
                if nulls.is_some_and(|nulls| nulls[row]) {
                    summary.missing += 1;
                } else if value.is_nan() {
                    summary.nan += 1;
                } else if value > 0.0 {
                    summary.positive_infinity += 1;
                } else {
                    summary.negative_infinity += 1;
                }
                None
            })
            .collect();
        summary.sorted_finite = stats::sorted_from_keys(finite_keys);
        summary
    }

    pub fn merge(&mut self, other: &Self) {
        let mut merged = Vec::with_capacity(self.sorted_finite.len() + other.sorted_finite.len());
        let (mut i, mut j) = (0, 0);
        while i < self.sorted_finite.len() && j < other.sorted_finite.len() {
            if self.sorted_finite[i] <= other.sorted_finite[j] {
                merged.push(self.sorted_finite[i]);
                i += 1;
            } else {
                merged.push(other.sorted_finite[j]);
                j += 1;
            }
        }
        merged.extend_from_slice(&self.sorted_finite[i..]);
        merged.extend_from_slice(&other.sorted_finite[j..]);
        self.sorted_finite = merged;
        self.missing += other.missing;
        self.nan += other.nan;
        self.positive_infinity += other.positive_infinity;
        self.negative_infinity += other.negative_infinity;
    }

    /// Values dropped before a distribution test: missing, NaN and ±inf, as Evidently drops them.
    pub fn dropped(&self) -> u64 {
        self.missing + self.nan + self.positive_infinity + self.negative_infinity
    }
}

impl CategoricalSummary {
    pub fn from_codes(codes: &[u32], dictionary: &[String]) -> Self {
        let mut per_code = vec![0u64; dictionary.len()];
        let mut missing = 0;
        for &code in codes {
            if code == NULL_CODE {
                missing += 1;
            } else {
                per_code[code as usize] += 1;
            }
        }
        let counts = dictionary
            .iter()
            .zip(per_code)
            .filter(|(_, count)| *count > 0)
            .map(|(name, count)| (name.clone(), count))
            .collect();
        Self { counts, missing }
    }

    pub fn merge(&mut self, other: &Self) {
        for (category, count) in &other.counts {
            *self.counts.entry(category.clone()).or_default() += count;
        }
        self.missing += other.missing;
    }

    pub fn present(&self) -> u64 {
        self.counts.values().sum()
    }
}

impl ColumnSummary {
    /// The summary of a column owned elsewhere.
    pub fn of(values: &ColumnValues) -> Self {
        match values {
            ColumnValues::Numeric {
                values,
                nulls,
                origin,
            } => Self::Numeric {
                origin: *origin,
                summary: NumericSummary::from_values(values, nulls.as_deref()),
            },
            ColumnValues::Categorical { codes, dictionary } => {
                Self::Categorical(CategoricalSummary::from_codes(codes, dictionary))
            }
            ColumnValues::Timestamp { .. } => Self::Timestamp,
        }
    }

    /// The summary of a column no longer needed: numbers are sorted in the column's own memory.
    pub fn from_owned(values: ColumnValues) -> Self {
        match values {
            ColumnValues::Numeric {
                values,
                nulls,
                origin,
            } => Self::Numeric {
                origin,
                summary: NumericSummary::from_owned(values, nulls.as_deref()),
            },
            other => Self::of(&other),
        }
    }

    /// Combines the summary of other rows of the same column into this one.
    pub fn merge(&mut self, other: &Self) {
        match (self, other) {
            (Self::Numeric { summary, .. }, Self::Numeric { summary: other, .. }) => {
                summary.merge(other)
            }
            (Self::Categorical(summary), Self::Categorical(other)) => summary.merge(other),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_chunks_equal_the_whole() {
        let values = [
            3.0,
            f64::NAN,
            1.0,
            f64::INFINITY,
            2.0,
            -1.0,
            f64::NEG_INFINITY,
        ];
        let whole = NumericSummary::from_values(&values, None);
        let mut first = NumericSummary::from_values(&values[..3], None);
        first.merge(&NumericSummary::from_values(&values[3..], None));
        assert_eq!(first, whole);
        assert_eq!(whole.sorted_finite, vec![-1.0, 1.0, 2.0, 3.0]);
        assert_eq!(
            (whole.nan, whole.positive_infinity, whole.negative_infinity),
            (1, 1, 1)
        );
    }

    #[test]
    fn categorical_counts_skip_missing() {
        let dictionary = vec!["a".to_string(), "b".to_string(), "unused".to_string()];
        let summary = CategoricalSummary::from_codes(&[0, 1, 0, NULL_CODE], &dictionary);
        assert_eq!(summary.counts.len(), 2);
        assert_eq!(summary.counts["a"], 2);
        assert_eq!(summary.missing, 1);
    }
}
