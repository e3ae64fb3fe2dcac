//! Mean shifts in the per-bucket series of one log, found by PELT (Killick et al. 2012) and
//! calibrated for the whole log: a log without any shift should get a change point in any of
//! its series with probability at most [`FAMILY_FALSE_ALARM_RATE`], and a shift of 3 noise SDs
//! should be found within one bucket of where it starts in at least 90 % of logs. Logs of fewer
//! than about 25 buckets fall short of both (`bench/changepoints/RESULTS.md`).
//!
//! What makes that hold where a BIC penalty over a MAD noise estimate did not (the calibration
//! tests in `changepoints/calibration.rs` measure it; `bench/changepoints` compares ruptures):
//! - Each bucket's noise is its sampling noise (from its row count) plus one extra variance the
//!   series shows beyond sampling (`changepoints/noise.rs`). Sampling noise is a floor that tied
//!   or discrete values cannot pull down, and a bucket of few rows weighs less than one of many.
//! - Counts and shares are variance-stabilised first, so that small counts and shares near 0 or
//!   1 do not look like outliers to a Gaussian cost.
//! - The cost is the Gaussian log-likelihood in units of that noise, so the penalty is a χ²₁
//!   threshold: the one whose tail, split Bonferroni-wise over every series tested and every
//!   place a single change could go, sums to the family's false-alarm rate.
//! - A regime spans at least [`MIN_SEGMENT`] buckets; a series shorter than two regimes, or
//!   constant, is not tested and does not count against the family.

mod noise;
mod pelt;

#[cfg(test)]
mod calibration;
#[cfg(test)]
pub(crate) mod simulate;

use crate::ForensicsError;

/// Largest share of logs without any shift that may get a change point in any of their series.
pub const FAMILY_FALSE_ALARM_RATE: f64 = 0.05;
/// Fewest buckets a regime spans: shorter runs are read as noise, not as a new level.
pub const MIN_SEGMENT: usize = 3;

/// One series of a log, as measured per bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub measure: Measure,
}

/// What a series counts per bucket, which says how much it varies by sampling alone.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// Events per bucket (rows): Poisson at least.
    Counts(Vec<u64>),
    /// Hits out of trials per bucket (accuracy, a selection rate): binomial at least.
    Shares(Vec<Share>),
    /// Sums of a per-row value (a score) per bucket: a bucket mean varies by s²/n at least.
    Means(Vec<BucketSums>),
    /// Bare numbers with no known sampling noise (a metric per partition): the noise is
    /// estimated from the values alone.
    Values(Vec<f64>),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Share {
    pub hits: u64,
    pub trials: u64,
}

/// Sums of one per-row value over the rows of one bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BucketSums {
    pub count: u64,
    pub sum: f64,
    pub sum_squares: f64,
}

/// A shift in one series: its mean differs before and after `index`.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    /// First value of the new regime.
    pub index: usize,
    /// Mean of the values (counts, shares, means) of the regime before, and of the one from
    /// `index` on.
    pub mean_before: f64,
    pub mean_after: f64,
    /// The shift over the noise SD of a typical bucket, on the scale the detector compares
    /// values (counts and shares variance-stabilised).
    pub size_in_noise_sd: f64,
}

/// What the search found in one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    pub shifts: Vec<Shift>,
    /// What each change point had to gain (twice the log-likelihood, in units of noise
    /// variance); `None` when the series was too short or constant to test.
    pub penalty: Option<f64>,
}

/// Looks for mean shifts in every series of one log, with the penalty set for the whole
/// family. Refuses a bucket without rows or trials, more hits than trials, or a value that is
/// not finite, naming the series and the bucket.
pub fn find_shifts(family: &[Series]) -> Result<Vec<Scan>, ForensicsError> {
    let reported: Vec<Vec<f64>> = family
        .iter()
        .map(|series| check(series).map(|()| series.measure.values()))
        .collect::<Result<_, _>>()?;
    let testable: Vec<bool> = reported.iter().map(|values| is_testable(values)).collect();
    let family_size = testable.iter().filter(|&&testable| testable).count();
    Ok(family
        .iter()
        .zip(reported)
        .zip(testable)
        .map(|((series, reported), testable)| {
            if testable {
                scan(&series.measure, &reported, family_size)
            } else {
                Scan {
                    shifts: Vec::new(),
                    penalty: None,
                }
            }
        })
        .collect())
}

fn check(series: &Series) -> Result<(), ForensicsError> {
    let refuse = |index: usize, message: String| {
        Err(ForensicsError::BadSeries {
            series: series.name.clone(),
            index,
            message,
        })
    };
    match &series.measure {
        Measure::Counts(_) => Ok(()),
        Measure::Shares(shares) => match shares
            .iter()
            .position(|share| share.trials == 0 || share.hits > share.trials)
        {
            Some(index) => refuse(
                index,
                format!(
                    "{} hits out of {} trials",
                    shares[index].hits, shares[index].trials
                ),
            ),
            None => Ok(()),
        },
        Measure::Means(sums) => match sums.iter().position(|sums| {
            sums.count == 0 || !(sums.sum.is_finite() && sums.sum_squares.is_finite())
        }) {
            Some(index) => refuse(
                index,
                format!(
                    "a mean of {} rows with sum {} and sum of squares {}",
                    sums[index].count, sums[index].sum, sums[index].sum_squares
                ),
            ),
            None => Ok(()),
        },
        Measure::Values(values) => match values.iter().position(|value| !value.is_finite()) {
            Some(index) => refuse(index, format!("value {} is not finite", values[index])),
            None => Ok(()),
        },
    }
}

fn is_testable(values: &[f64]) -> bool {
    values.len() >= 2 * MIN_SEGMENT && values.iter().any(|&value| value != values[0])
}

fn scan(measure: &Measure, reported: &[f64], family_size: usize) -> Scan {
    let (values, sampling) = noise::detection_scale(measure);
    let penalty = penalty(values.len(), family_size);
    let (noise, cuts) = noise::segment(&values, &sampling, penalty);
    let weights: Vec<f64> = noise.iter().map(|variance| 1.0 / variance).collect();
    let mut typical = noise;
    typical.sort_unstable_by(f64::total_cmp);
    let noise_sd = crate::stats::quantile_sorted(&typical, 0.5).sqrt();
    let mean = |slice: &[f64]| slice.iter().sum::<f64>() / slice.len() as f64;
    let weighted_mean = |start: usize, end: usize| {
        let (sum, weight) = (start..end).fold((0.0, 0.0), |(sum, weight), index| {
            (
                sum + weights[index] * values[index],
                weight + weights[index],
            )
        });
        sum / weight
    };
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(cuts)
        .chain(std::iter::once(values.len()))
        .collect();
    let shifts = bounds
        .windows(3)
        .map(|bound| Shift {
            index: bound[1],
            mean_before: mean(&reported[bound[0]..bound[1]]),
            mean_after: mean(&reported[bound[1]..bound[2]]),
            size_in_noise_sd: (weighted_mean(bound[1], bound[2])
                - weighted_mean(bound[0], bound[1]))
                / noise_sd,
        })
        .collect();
    Scan {
        shifts,
        penalty: Some(penalty),
    }
}

/// The χ²₁ threshold whose two-sided tail is the family's false-alarm rate split over every
/// series tested and every place a single change could go in a series of `points` values.
fn penalty(points: usize, family_size: usize) -> f64 {
    let places = (points + 1).saturating_sub(2 * MIN_SEGMENT).max(1);
    let tail = FAMILY_FALSE_ALARM_RATE / (family_size.max(1) * places) as f64;
    // Φ(−z) = tail / 2, by bisection: Φ is monotone.
    let (mut low, mut high) = (0.0_f64, 40.0_f64);
    for _ in 0..100 {
        let middle = 0.5 * (low + high);
        if crate::stats::normal_cdf(-middle) > tail / 2.0 {
            low = middle;
        } else {
            high = middle;
        }
    }
    high * high
}

impl Measure {
    /// The values as a reader sees them: counts, shares, means.
    pub fn values(&self) -> Vec<f64> {
        match self {
            Self::Counts(counts) => counts.iter().map(|&count| count as f64).collect(),
            Self::Shares(shares) => shares
                .iter()
                .map(|share| share.hits as f64 / share.trials as f64)
                .collect(),
            Self::Means(sums) => sums
                .iter()
                .map(|sums| sums.sum / sums.count as f64)
                .collect(),
            Self::Values(values) => values.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(name: &str, values: Vec<f64>) -> Series {
        Series {
            name: name.to_string(),
            measure: Measure::Values(values),
        }
    }

    #[test]
    fn a_level_shift_is_found_where_it_starts() {
        let mut level: Vec<f64> = (0..30)
            .map(|index| 1.0 + 0.01 * f64::from(index % 3))
            .collect();
        level.extend((0..30).map(|index| 2.0 + 0.01 * f64::from(index % 3)));
        let scans = find_shifts(&[values("level", level)]).unwrap();
        assert_eq!(scans[0].shifts.len(), 1);
        let shift = &scans[0].shifts[0];
        assert_eq!(shift.index, 30);
        assert!((shift.mean_before - 1.01).abs() < 1e-9 && (shift.mean_after - 2.01).abs() < 1e-9);
        assert!(shift.size_in_noise_sd > 3.0);
    }

    #[test]
    fn uniform_noise_has_no_change_point() {
        let mut state = 12345u64;
        let noise: Vec<f64> = (0..60)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect();
        assert!(
            find_shifts(&[values("noise", noise)]).unwrap()[0]
                .shifts
                .is_empty()
        );
    }

    /// The old detector's failure: a small group's rate ties at 0 and 1 most days, the median
    /// first difference is 0 or tiny, and ordinary days looked like shifts.
    #[test]
    fn tied_shares_of_few_rows_have_no_change_point() {
        let hits = [
            2, 2, 1, 2, 2, 2, 0, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 0, 2, 1, 2, 2, 2, 2,
            2,
        ];
        let shares = hits.iter().map(|&hits| Share { hits, trials: 2 }).collect();
        let series = Series {
            name: "selection_rate[C]".to_string(),
            measure: Measure::Shares(shares),
        };
        assert!(find_shifts(&[series]).unwrap()[0].shifts.is_empty());
    }

    #[test]
    fn constant_and_short_series_are_not_tested_and_do_not_widen_the_family() {
        let shifted = || {
            let mut level = vec![10.0, 10.2, 9.9, 10.1, 9.8, 10.0, 10.1, 9.9, 10.0, 10.2];
            level.extend([12.0, 12.1, 11.9, 12.2, 11.8, 12.0, 12.1, 11.9, 12.0, 12.1]);
            values("shifted", level)
        };
        let alone = find_shifts(&[shifted()]).unwrap();
        let with_untested = find_shifts(&[
            shifted(),
            values("constant", vec![0.5; 40]),
            values("short", vec![1.0, 2.0, 1.0, 2.0, 1.0]),
        ])
        .unwrap();
        assert_eq!(with_untested[1].penalty, None);
        assert_eq!(with_untested[2].penalty, None);
        assert!(with_untested[1].shifts.is_empty() && with_untested[2].shifts.is_empty());
        assert_eq!(with_untested[0], alone[0]);
        assert_eq!(alone[0].shifts[0].index, 10);
    }

    #[test]
    fn a_larger_family_pays_a_larger_penalty() {
        let family: Vec<Series> = (0..8)
            .map(|index| {
                values(
                    &format!("s{index}"),
                    vec![1.0, 2.0, 1.5, 1.2, 1.8, 1.1, 1.4],
                )
            })
            .collect();
        let one = find_shifts(&family[..1]).unwrap()[0].penalty.unwrap();
        let eight = find_shifts(&family).unwrap()[0].penalty.unwrap();
        assert!(eight > one + 2.0 * 8f64.ln() - 1.0, "{one} → {eight}");
    }

    #[test]
    fn bad_buckets_are_refused_by_series_and_index() {
        let refused = |measure: Measure| {
            find_shifts(&[Series {
                name: "s".to_string(),
                measure,
            }])
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            refused(Measure::Shares(vec![
                Share { hits: 1, trials: 2 },
                Share { hits: 3, trials: 2 }
            ])),
            "series `s` value 1: 3 hits out of 2 trials"
        );
        assert_eq!(
            refused(Measure::Shares(vec![Share { hits: 0, trials: 0 }])),
            "series `s` value 0: 0 hits out of 0 trials"
        );
        assert_eq!(
            refused(Measure::Values(vec![1.0, f64::NAN])),
            "series `s` value 1: value NaN is not finite"
        );
        assert!(
            refused(Measure::Means(vec![BucketSums {
                count: 2,
                sum: f64::INFINITY,
                sum_squares: 1.0
            }]))
            .starts_with("series `s` value 0: a mean of 2 rows")
        );
    }
}
