//! Per-bucket series of a log (volume, accuracy, selection rate overall and per group, mean
//! score) with change points found by PELT, so a shift can be set against deploys on the
//! incident timeline.

use std::collections::BTreeMap;

use crate::ForensicsError;
use crate::table::{ColumnValues, NULL_CODE, NULL_TIMESTAMP, Table, format_timestamp};

pub const TIMESERIES_SCHEMA_VERSION: u32 = 1;
const NANOS_PER_HOUR: i64 = 3_600_000_000_000;
const NANOS_PER_DAY: i64 = 24 * NANOS_PER_HOUR;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Hour,
    Day,
    /// ISO weeks, starting Monday 00:00 UTC.
    Week,
}

impl Granularity {
    fn bucket_start(self, nanos: i64) -> i64 {
        match self {
            Self::Hour => nanos.div_euclid(NANOS_PER_HOUR) * NANOS_PER_HOUR,
            Self::Day => nanos.div_euclid(NANOS_PER_DAY) * NANOS_PER_DAY,
            // 1970-01-05 was the first Monday after the epoch.
            Self::Week => {
                let monday = 4 * NANOS_PER_DAY;
                (nanos - monday).div_euclid(7 * NANOS_PER_DAY) * 7 * NANOS_PER_DAY + monday
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimeseriesOptions {
    pub timestamp: String,
    pub granularity: Granularity,
    pub label: Option<String>,
    pub prediction: Option<String>,
    pub score: Option<String>,
    pub group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bucket {
    pub start: String,
    pub rows: u64,
    pub accuracy: Option<f64>,
    pub selection_rate: Option<f64>,
    pub score_mean: Option<f64>,
    pub selection_rate_by_group: BTreeMap<String, f64>,
}

/// A shift in one series: its mean differs before and after `bucket_start`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChangePoint {
    /// `rows`, `accuracy`, `selection_rate`, `score_mean` or `selection_rate[group]`.
    pub series: String,
    /// First bucket of the new regime.
    pub bucket_start: String,
    pub bucket_index: usize,
    pub mean_before: f64,
    pub mean_after: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimeseriesReport {
    pub schema_version: u32,
    pub granularity: Granularity,
    pub buckets: Vec<Bucket>,
    pub change_points: Vec<ChangePoint>,
    /// How change points were found, in words.
    pub detector: String,
}

#[derive(Default)]
struct Accumulator {
    rows: u64,
    correct: u64,
    labelled: u64,
    selected: u64,
    predicted: u64,
    score_sum: f64,
    scored: u64,
    by_group: BTreeMap<String, (u64, u64)>,
}

fn numbers<'a>(
    table: &'a Table,
    name: &Option<String>,
) -> Result<Option<&'a [f64]>, ForensicsError> {
    let Some(name) = name else { return Ok(None) };
    match &table.column(name)?.values {
        ColumnValues::Numeric { values, .. } => Ok(Some(values)),
        other => Err(ForensicsError::WrongType {
            source_name: table.source.clone(),
            column: name.clone(),
            found: other.kind_name().to_string(),
            expected: "numbers".to_string(),
        }),
    }
}

/// Buckets `table` by time and looks for shifts in every series.
pub fn timeseries(
    table: &Table,
    options: &TimeseriesOptions,
) -> Result<TimeseriesReport, ForensicsError> {
    let ColumnValues::Timestamp { nanos } = &table.column(&options.timestamp)?.values else {
        return Err(ForensicsError::WrongType {
            source_name: table.source.clone(),
            column: options.timestamp.clone(),
            found: table
                .column(&options.timestamp)?
                .values
                .kind_name()
                .to_string(),
            expected: "a timestamp".to_string(),
        });
    };
    let labels = numbers(table, &options.label)?;
    let predictions = numbers(table, &options.prediction)?;
    let scores = numbers(table, &options.score)?;
    let groups = match &options.group {
        Some(name) => match &table.column(name)?.values {
            ColumnValues::Categorical { codes, dictionary } => Some((codes, dictionary)),
            other => {
                return Err(ForensicsError::WrongType {
                    source_name: table.source.clone(),
                    column: name.clone(),
                    found: other.kind_name().to_string(),
                    expected: "text".to_string(),
                });
            }
        },
        None => None,
    };
    let mut buckets: BTreeMap<i64, Accumulator> = BTreeMap::new();
    for (row, &stamp) in nanos.iter().enumerate() {
        if stamp == NULL_TIMESTAMP {
            continue;
        }
        let bucket = buckets
            .entry(options.granularity.bucket_start(stamp))
            .or_default();
        bucket.rows += 1;
        let prediction = predictions
            .map(|values| values[row])
            .filter(|value| !value.is_nan());
        if let Some(prediction) = prediction {
            bucket.predicted += 1;
            bucket.selected += u64::from(prediction == 1.0);
            if let Some((codes, dictionary)) = groups
                && codes[row] != NULL_CODE
            {
                let entry = bucket
                    .by_group
                    .entry(dictionary[codes[row] as usize].clone())
                    .or_default();
                entry.0 += 1;
                entry.1 += u64::from(prediction == 1.0);
            }
        }
        if let (Some(prediction), Some(label)) = (
            prediction,
            labels
                .map(|values| values[row])
                .filter(|value| !value.is_nan()),
        ) {
            bucket.labelled += 1;
            bucket.correct += u64::from(prediction == label);
        }
        if let Some(score) = scores
            .map(|values| values[row])
            .filter(|value| value.is_finite())
        {
            bucket.scored += 1;
            bucket.score_sum += score;
        }
    }
    let share = |numerator: u64, denominator: u64| {
        (denominator > 0).then(|| numerator as f64 / denominator as f64)
    };
    let starts: Vec<i64> = buckets.keys().copied().collect();
    let buckets: Vec<Bucket> = buckets
        .into_iter()
        .map(|(start, bucket)| Bucket {
            start: format_timestamp(start),
            rows: bucket.rows,
            accuracy: share(bucket.correct, bucket.labelled),
            selection_rate: share(bucket.selected, bucket.predicted),
            score_mean: (bucket.scored > 0).then(|| bucket.score_sum / bucket.scored as f64),
            selection_rate_by_group: bucket
                .by_group
                .iter()
                .map(|(group, (count, selected))| (group.clone(), *selected as f64 / *count as f64))
                .collect(),
        })
        .collect();

    let mut series: Vec<(String, Vec<Option<f64>>)> = vec![
        (
            "rows".to_string(),
            buckets
                .iter()
                .map(|bucket| Some(bucket.rows as f64))
                .collect(),
        ),
        (
            "accuracy".to_string(),
            buckets.iter().map(|bucket| bucket.accuracy).collect(),
        ),
        (
            "selection_rate".to_string(),
            buckets.iter().map(|bucket| bucket.selection_rate).collect(),
        ),
        (
            "score_mean".to_string(),
            buckets.iter().map(|bucket| bucket.score_mean).collect(),
        ),
    ];
    let group_names: std::collections::BTreeSet<&String> = buckets
        .iter()
        .flat_map(|bucket| bucket.selection_rate_by_group.keys())
        .collect();
    for group in group_names {
        series.push((
            format!("selection_rate[{group}]"),
            buckets
                .iter()
                .map(|bucket| bucket.selection_rate_by_group.get(group).copied())
                .collect(),
        ));
    }
    let mut change_points = Vec::new();
    for (name, values) in series {
        // Buckets without a value are left out of the series the detector sees.
        let present: Vec<(usize, f64)> = values
            .iter()
            .enumerate()
            .filter_map(|(index, value)| value.map(|value| (index, value)))
            .collect();
        let observations: Vec<f64> = present.iter().map(|(_, value)| *value).collect();
        let cuts = pelt_mean_shifts(&observations);
        let mut previous = 0;
        for (position, &cut) in cuts.iter().enumerate() {
            let next = cuts
                .get(position + 1)
                .copied()
                .unwrap_or(observations.len());
            let mean = |slice: &[f64]| slice.iter().sum::<f64>() / slice.len() as f64;
            let bucket_index = present[cut].0;
            change_points.push(ChangePoint {
                series: name.clone(),
                bucket_start: format_timestamp(starts[bucket_index]),
                bucket_index,
                mean_before: mean(&observations[previous..cut]),
                mean_after: mean(&observations[cut..next]),
            });
            previous = cut;
        }
    }
    Ok(TimeseriesReport {
        schema_version: TIMESERIES_SCHEMA_VERSION,
        granularity: options.granularity,
        buckets,
        change_points,
        detector:
            "PELT, Gaussian mean-shift cost, penalty 2·σ²·ln(n) with σ from the median absolute \
                   first difference, segments of at least 2 buckets"
                .to_string(),
    })
}

/// Start indices of new segments found by PELT (Killick et al. 2012) with a squared-error cost.
pub fn pelt_mean_shifts(values: &[f64]) -> Vec<usize> {
    const MIN_SEGMENT: usize = 2;
    let n = values.len();
    if n < 2 * MIN_SEGMENT {
        return Vec::new();
    }
    let mut differences: Vec<f64> = values
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).abs())
        .collect();
    differences.sort_unstable_by(f64::total_cmp);
    let sigma =
        crate::stats::quantile_sorted(&differences, 0.5) / (0.6745 * std::f64::consts::SQRT_2);
    if sigma.is_nan() || sigma <= 0.0 {
        return Vec::new();
    }
    let penalty = 2.0 * sigma * sigma * (n as f64).ln();
    let mut prefix = vec![0.0; n + 1];
    let mut prefix_squares = vec![0.0; n + 1];
    for (index, value) in values.iter().enumerate() {
        prefix[index + 1] = prefix[index] + value;
        prefix_squares[index + 1] = prefix_squares[index] + value * value;
    }
    let cost = |start: usize, end: usize| {
        let sum = prefix[end] - prefix[start];
        (prefix_squares[end] - prefix_squares[start]) - sum * sum / (end - start) as f64
    };
    let mut best = vec![f64::INFINITY; n + 1];
    let mut last_cut = vec![0usize; n + 1];
    best[0] = -penalty;
    let mut candidates: Vec<usize> = vec![0];
    for end in MIN_SEGMENT..=n {
        let mut best_here = f64::INFINITY;
        let mut best_start = 0;
        for &start in &candidates {
            if end - start < MIN_SEGMENT {
                continue;
            }
            let total = best[start] + cost(start, end) + penalty;
            if total < best_here {
                best_here = total;
                best_start = start;
            }
        }
        best[end] = best_here;
        last_cut[end] = best_start;
        candidates.retain(|&start| {
            end - start < MIN_SEGMENT || best[start] + cost(start, end) <= best_here
        });
        if end + MIN_SEGMENT <= n + MIN_SEGMENT {
            candidates.push(end + 1 - MIN_SEGMENT);
        }
        candidates.sort_unstable();
        candidates.dedup();
    }
    let mut cuts = Vec::new();
    let mut end = n;
    while end > 0 {
        let start = last_cut[end];
        if start > 0 {
            cuts.push(start);
        }
        end = start;
    }
    cuts.reverse();
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pelt_finds_a_level_shift() {
        let mut values: Vec<f64> = (0..30)
            .map(|index| 1.0 + 0.01 * f64::from(index % 3))
            .collect();
        values.extend((0..30).map(|index| 2.0 + 0.01 * f64::from(index % 3)));
        assert_eq!(pelt_mean_shifts(&values), vec![30]);
    }

    #[test]
    fn pelt_leaves_noise_alone() {
        let mut state = 12345u64;
        let values: Vec<f64> = (0..60)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect();
        assert!(pelt_mean_shifts(&values).is_empty());
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2024-01-03 (Wednesday) falls in the week of Monday 2024-01-01.
        let wednesday = 1_704_240_000_000_000_000;
        assert_eq!(
            format_timestamp(Granularity::Week.bucket_start(wednesday)),
            "2024-01-01T00:00:00Z"
        );
    }
}
