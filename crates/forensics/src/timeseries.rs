//! Per-bucket series of a log (volume, accuracy, selection rate overall and per group, mean
//! score) with change points found by PELT, calibrated per log ([`changepoints`]), so a shift
//! can be set against deploys on the incident timeline.

use std::collections::BTreeMap;

pub mod changepoints;
mod marks;

pub use marks::MarkedChange;

use self::changepoints::{
    BucketSums, FAMILY_FALSE_ALARM_RATE, MIN_SEGMENT, Measure, Series, Share,
};
use crate::ForensicsError;
use crate::table::{ColumnValues, NULL_CODE, NULL_TIMESTAMP, Table, format_timestamp};
use firebreak_core::change::ChangeEvent;

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
    pub(crate) fn bucket_start(self, nanos: i64) -> i64 {
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
    /// The shift in noise SDs of a typical bucket of the series, on the scale the detector
    /// compares (counts and shares variance-stabilised); absent in reports made before it was
    /// recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_in_noise_sd: Option<f64>,
    /// The recorded change this shift is likeliest owed to, when changes were marked
    /// ([`TimeseriesReport::mark_changes`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preceded_by: Option<ChangeEvent>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimeseriesReport {
    pub schema_version: u32,
    pub granularity: Granularity,
    pub buckets: Vec<Bucket>,
    pub change_points: Vec<ChangePoint>,
    /// How change points were found, in words.
    pub detector: String,
    /// The changes recorded on the analysed systems (and upstream of them) over the series,
    /// each at the bucket it took effect in; empty until [`TimeseriesReport::mark_changes`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<MarkedChange>,
}

#[derive(Default)]
struct Accumulator {
    rows: u64,
    correct: u64,
    labelled: u64,
    selected: u64,
    predicted: u64,
    score_sum: f64,
    score_sum_squares: f64,
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
            bucket.score_sum_squares += score * score;
        }
    }
    let share = |numerator: u64, denominator: u64| {
        (denominator > 0).then(|| numerator as f64 / denominator as f64)
    };
    let starts: Vec<i64> = buckets.keys().copied().collect();
    let accumulators: Vec<Accumulator> = buckets.into_values().collect();
    let buckets: Vec<Bucket> = starts
        .iter()
        .zip(&accumulators)
        .map(|(&start, bucket)| Bucket {
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
    let (family, present) = measured_series(&accumulators);
    let scans = changepoints::find_shifts(&family)?;
    let mut change_points = Vec::new();
    for ((series, present), scan) in family.iter().zip(&present).zip(scans) {
        for shift in scan.shifts {
            let bucket_index = present[shift.index];
            change_points.push(ChangePoint {
                series: series.name.clone(),
                bucket_start: format_timestamp(starts[bucket_index]),
                bucket_index,
                mean_before: shift.mean_before,
                mean_after: shift.mean_after,
                size_in_noise_sd: Some(shift.size_in_noise_sd),
                preceded_by: None,
            });
        }
    }
    Ok(TimeseriesReport {
        schema_version: TIMESERIES_SCHEMA_VERSION,
        granularity: options.granularity,
        buckets,
        change_points,
        detector: format!(
            "PELT on each series' mean, each bucket weighted by its noise: sampling noise from \
             its row count (counts and rates variance-stabilised) plus the extra variation the \
             series shows beyond it, allowing for mild persistence; penalty set so that a log \
             without any shift gets a change point in any series with probability at most \
             {:.0} % (Bonferroni over series and places); regimes of at least {MIN_SEGMENT} \
             buckets",
            100.0 * FAMILY_FALSE_ALARM_RATE
        ),
        changes: Vec::new(),
    })
}

/// Every series of the log as the detector measures it, each with the buckets it has a value
/// in (a bucket without labels has no accuracy, one without a group's rows no rate for it).
fn measured_series(accumulators: &[Accumulator]) -> (Vec<Series>, Vec<Vec<usize>>) {
    let rows = Series {
        name: "rows".to_string(),
        measure: Measure::Counts(accumulators.iter().map(|bucket| bucket.rows).collect()),
    };
    let mut measured = vec![
        (rows, (0..accumulators.len()).collect()),
        shares("accuracy".to_string(), accumulators, |bucket| {
            (bucket.correct, bucket.labelled)
        }),
        shares("selection_rate".to_string(), accumulators, |bucket| {
            (bucket.selected, bucket.predicted)
        }),
        score_means(accumulators),
    ];
    let groups: std::collections::BTreeSet<&String> = accumulators
        .iter()
        .flat_map(|bucket| bucket.by_group.keys())
        .collect();
    measured.extend(groups.into_iter().map(|group| {
        shares(format!("selection_rate[{group}]"), accumulators, |bucket| {
            bucket
                .by_group
                .get(group)
                .map_or((0, 0), |&(count, selected)| (selected, count))
        })
    }));
    measured.into_iter().unzip()
}

/// A share series (hits, trials) over the buckets with at least one trial.
fn shares(
    name: String,
    accumulators: &[Accumulator],
    counts: impl Fn(&Accumulator) -> (u64, u64),
) -> (Series, Vec<usize>) {
    let (present, shares): (Vec<usize>, Vec<Share>) = accumulators
        .iter()
        .enumerate()
        .map(|(index, bucket)| (index, counts(bucket)))
        .filter(|&(_, (_, trials))| trials > 0)
        .map(|(index, (hits, trials))| (index, Share { hits, trials }))
        .unzip();
    let series = Series {
        name,
        measure: Measure::Shares(shares),
    };
    (series, present)
}

/// The score mean over the buckets with a score. A sum that overflowed says nothing about a
/// shift, so its bucket is left out.
fn score_means(accumulators: &[Accumulator]) -> (Series, Vec<usize>) {
    let (present, sums): (Vec<usize>, Vec<BucketSums>) = accumulators
        .iter()
        .enumerate()
        .filter(|(_, bucket)| {
            bucket.scored > 0
                && bucket.score_sum.is_finite()
                && bucket.score_sum_squares.is_finite()
        })
        .map(|(index, bucket)| {
            let sums = BucketSums {
                count: bucket.scored,
                sum: bucket.score_sum,
                sum_squares: bucket.score_sum_squares,
            };
            (index, sums)
        })
        .unzip();
    let series = Series {
        name: "score_mean".to_string(),
        measure: Measure::Means(sums),
    };
    (series, present)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Column, NumericOrigin};
    use crate::timeseries::changepoints::simulate::Rng;

    /// A daily log of 60 days with groups A, B, C (60/30/10 %) and 200–400 rows a day, each
    /// group selected with its own probability; `shift` changes one group's from a day on.
    fn daily_log(seed: u64, shift: Option<(usize, &str, f64)>) -> Table {
        let mut rng = Rng::new(seed);
        let groups = [("A", 0.6, 0.5), ("B", 0.3, 0.4), ("C", 0.1, 0.3)];
        let (mut nanos, mut labels, mut predictions, mut scores, mut codes) =
            (vec![], vec![], vec![], vec![], vec![]);
        for day in 0..60 {
            let rows = 200 + (rng.uniform() * 200.0) as i64;
            for row in 0..rows {
                nanos.push(day * NANOS_PER_DAY + row * (NANOS_PER_DAY / rows));
                let draw = rng.uniform();
                let code = if draw < 0.6 {
                    0
                } else if draw < 0.9 {
                    1
                } else {
                    2
                };
                let (name, _, mut rate) = groups[code];
                if let Some((from, group, shifted_rate)) = shift
                    && group == name
                    && day as usize >= from
                {
                    rate = shifted_rate;
                }
                let selected = f64::from(rng.uniform() < rate);
                predictions.push(selected);
                labels.push(if rng.uniform() < 0.8 {
                    selected
                } else {
                    1.0 - selected
                });
                scores.push(rng.uniform());
                codes.push(code as u32);
            }
        }
        let numeric = |name: &str, values: Vec<f64>| Column {
            name: name.to_string(),
            values: ColumnValues::Numeric {
                values,
                nulls: None,
                origin: NumericOrigin::Float,
            },
        };
        Table {
            source: "generated".to_string(),
            row_count: nanos.len(),
            columns: vec![
                Column {
                    name: "timestamp".to_string(),
                    values: ColumnValues::Timestamp { nanos },
                },
                numeric("y_true", labels),
                numeric("y_pred", predictions),
                numeric("score", scores),
                Column {
                    name: "group".to_string(),
                    values: ColumnValues::Categorical {
                        codes,
                        dictionary: groups.iter().map(|(name, ..)| name.to_string()).collect(),
                    },
                },
            ],
        }
    }

    fn daily_options() -> TimeseriesOptions {
        TimeseriesOptions {
            timestamp: "timestamp".to_string(),
            granularity: Granularity::Day,
            label: Some("y_true".to_string()),
            prediction: Some("y_pred".to_string()),
            score: Some("score".to_string()),
            group: Some("group".to_string()),
        }
    }

    #[test]
    fn a_log_without_a_shift_gets_no_change_point() {
        let report = timeseries(&daily_log(21, None), &daily_options()).unwrap();
        assert_eq!(report.buckets.len(), 60);
        assert_eq!(report.change_points, []);
    }

    #[test]
    fn a_small_groups_shift_is_found_on_its_day_and_nowhere_else() {
        // Group C: about 30 rows a day, selected 30 % of the time and 55 % from day 35 on.
        let report = timeseries(&daily_log(22, Some((35, "C", 0.55))), &daily_options()).unwrap();
        let group_c: Vec<&ChangePoint> = report
            .change_points
            .iter()
            .filter(|point| point.series == "selection_rate[C]")
            .collect();
        assert_eq!(group_c.len(), 1, "{:?}", report.change_points);
        assert!(group_c[0].bucket_index.abs_diff(35) <= 1);
        assert_eq!(group_c[0].bucket_start[..10], *"1970-02-05");
        assert!(group_c[0].mean_before < 0.35 && group_c[0].mean_after > 0.5);
        assert!(group_c[0].size_in_noise_sd.is_some_and(|size| size > 2.0));
        assert!(
            report.change_points.iter().all(
                |point| point.series == "selection_rate[C]" || point.series == "selection_rate"
            ),
            "{:?}",
            report.change_points
        );
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
