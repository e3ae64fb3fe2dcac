//! How much each bucket of a series varies by chance: its sampling variance, known from its row
//! count, plus one extra variance τ² the series shows beyond sampling (days differ in ways the
//! rows of one day do not), estimated from the series and sized for mild persistence.

use super::pelt::pelt;
use super::{BucketSums, Measure};

/// Lag-1 autocorrelation of the extra variation the noise is sized for. Day-to-day variation
/// often lingers a little; a regime's mean then varies by τ²(1 + ρ)/(1 − ρ), not τ².
const PERSISTENCE: f64 = 0.2;

/// The values on the scale the detector compares them, each with its sampling variance there.
/// Counts and shares are variance-stabilised (Anscombe 1948: 2√(x + 3/8) has variance 1 for a
/// Poisson count; asin √((k + 3/8)/(n + 3/4)) has 1/(4n + 2) for a binomial share), which also
/// takes most of the skew out of small counts and of shares near 0 or 1, where a Gaussian cost
/// on the raw values sees outliers in ordinary draws.
pub(super) fn detection_scale(measure: &Measure) -> (Vec<f64>, Vec<f64>) {
    match measure {
        Measure::Counts(counts) => (
            counts
                .iter()
                .map(|&count| 2.0 * (count as f64 + 0.375).sqrt())
                .collect(),
            vec![1.0; counts.len()],
        ),
        Measure::Shares(shares) => shares
            .iter()
            .map(|share| {
                let trials = share.trials as f64;
                let stabilised = ((share.hits as f64 + 0.375) / (trials + 0.75))
                    .sqrt()
                    .asin();
                (stabilised, 1.0 / (4.0 * trials + 2.0))
            })
            .unzip(),
        Measure::Means(sums) => {
            let pooled = pooled_within_variance(sums);
            sums.iter()
                .map(|sums| {
                    let count = sums.count as f64;
                    (sums.sum / count, pooled / count)
                })
                .unzip()
        }
        Measure::Values(values) => (values.clone(), vec![0.0; values.len()]),
    }
}

/// The variance of the per-row value around its bucket's mean, pooled over all buckets; the
/// variance across all rows where every bucket holds one row.
fn pooled_within_variance(sums: &[BucketSums]) -> f64 {
    let rows: u64 = sums.iter().map(|sums| sums.count).sum();
    let buckets = sums.len() as u64;
    let pooled = if rows > buckets {
        let within: f64 = sums
            .iter()
            .map(|sums| sums.sum_squares - sums.sum * sums.sum / sums.count as f64)
            .sum();
        within / (rows - buckets) as f64
    } else if rows > 1 {
        let sum: f64 = sums.iter().map(|sums| sums.sum).sum();
        let squares: f64 = sums.iter().map(|sums| sums.sum_squares).sum();
        (squares - sum * sum / rows as f64) / (rows - 1) as f64
    } else {
        0.0
    };
    if pooled.is_finite() {
        pooled.max(0.0)
    } else {
        0.0
    }
}

/// Each value's noise variance and the change points PELT finds with it, in two passes. First
/// τ² comes from first differences, which a level shift touches only once. Then it comes from
/// the residuals around the regimes found, which is a sharper estimate and sees the persistence
/// that differences hide; where it is the larger, the search runs again with it. Either
/// estimate is scaled for [`PERSISTENCE`].
pub(super) fn segment(values: &[f64], sampling: &[f64], penalty: f64) -> (Vec<f64>, Vec<usize>) {
    let differences = extra_from_differences(values, sampling) * (1.0 + PERSISTENCE)
        / ((1.0 - PERSISTENCE) * (1.0 - PERSISTENCE));
    let noise = with_extra(sampling, differences);
    let cuts = pelt(values, &noise, penalty);
    let residuals =
        extra_from_residuals(values, sampling, &cuts) * (1.0 + PERSISTENCE) / (1.0 - PERSISTENCE);
    if residuals > differences {
        let noise = with_extra(sampling, residuals);
        let cuts = pelt(values, &noise, penalty);
        (noise, cuts)
    } else {
        (noise, cuts)
    }
}

fn with_extra(sampling: &[f64], extra: f64) -> Vec<f64> {
    // A series with no sampling noise and no extra variance is constant and never searched;
    // the floor only keeps weights finite.
    sampling
        .iter()
        .map(|variance| (variance + extra).max(f64::MIN_POSITIVE))
        .collect()
}

/// τ² from first differences d_j = x_{j+1} − x_j: E[d_j²] = v_j + v_{j+1} + 2τ² without a
/// shift. A mean of squares rather than a median, which ties collapse (the median difference
/// of a rate of few rows is often 0) and which is noisier.
fn extra_from_differences(values: &[f64], sampling: &[f64]) -> f64 {
    let excess: f64 = values
        .windows(2)
        .zip(sampling.windows(2))
        .map(|(pair, variances)| (pair[1] - pair[0]).powi(2) - variances[0] - variances[1])
        .sum();
    (excess / (2.0 * (values.len() - 1) as f64)).max(0.0)
}

/// τ² from the residuals around each regime's weighted mean: the τ² at which the residuals'
/// χ² statistic equals its degrees of freedom (values less regimes), or 0 when sampling noise
/// alone explains them.
fn extra_from_residuals(values: &[f64], sampling: &[f64], cuts: &[usize]) -> f64 {
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .chain(std::iter::once(values.len()))
        .collect();
    let degrees = (values.len() + 1 - bounds.len()) as f64;
    let statistic = |extra: f64| -> f64 {
        bounds
            .windows(2)
            .map(|bound| {
                let range = bound[0]..bound[1];
                let weight = |index: usize| 1.0 / (sampling[index] + extra);
                let (sum, total) = range.clone().fold((0.0, 0.0), |(sum, total), index| {
                    (sum + weight(index) * values[index], total + weight(index))
                });
                let mean = sum / total;
                range
                    .map(|index| weight(index) * (values[index] - mean).powi(2))
                    .sum::<f64>()
            })
            .sum()
    };
    if sampling.iter().all(|&variance| variance > 0.0) && statistic(0.0) <= degrees {
        return 0.0;
    }
    // The statistic falls as τ² grows; it reaches the degrees of freedom below the largest
    // squared deviation from the overall mean times the number of values.
    let overall = values.iter().sum::<f64>() / values.len() as f64;
    let mut high = values
        .iter()
        .map(|value| (value - overall).powi(2))
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let mut low = 0.0;
    // Twelve significant digits are far more than a noise estimate carries.
    while high - low > 1e-12 * high {
        let middle = 0.5 * (low + high);
        if statistic(middle) > degrees {
            low = middle;
        } else {
            high = middle;
        }
    }
    high
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_variance_floors_the_noise_of_tied_values() {
        // Identical neighbours, as a rate of few rows often has: no extra variance, but the
        // sampling variance stays.
        let values = [0.5, 0.5, 0.5, 1.0, 0.5, 0.5, 0.5, 0.0, 0.5, 0.5];
        let sampling = [0.125; 10];
        assert_eq!(extra_from_differences(&values, &sampling), 0.0);
        let (noise, cuts) = segment(&values, &sampling, 15.0);
        assert!(noise.iter().all(|&variance| variance >= 0.125));
        assert!(cuts.is_empty());
    }

    #[test]
    fn extra_variance_is_recovered_from_residuals_around_the_regimes() {
        // Alternating ±1 around two levels: the residual variance is 1 with no sampling noise.
        let values: Vec<f64> = (0..40)
            .map(|index| f64::from(index / 20) * 10.0 + if index % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let extra = extra_from_residuals(&values, &[0.0; 40], &[20]);
        assert!((extra - 40.0 / 38.0).abs() < 1e-6, "{extra}");
    }

    #[test]
    fn shares_are_stabilised_to_a_variance_set_by_their_trials() {
        let (values, sampling) = detection_scale(&Measure::Shares(vec![
            super::super::Share { hits: 0, trials: 4 },
            super::super::Share { hits: 4, trials: 4 },
        ]));
        assert!(values[0] > 0.0 && values[1] < std::f64::consts::FRAC_PI_2);
        assert_eq!(sampling, [1.0 / 18.0, 1.0 / 18.0]);
    }

    #[test]
    fn means_take_the_pooled_within_bucket_variance_over_their_rows() {
        // Bucket values {1, 3} and {2, 4, 6}: within sums of squares 2 and 8 over 5 − 2 rows.
        let (values, sampling) = detection_scale(&Measure::Means(vec![
            BucketSums {
                count: 2,
                sum: 4.0,
                sum_squares: 10.0,
            },
            BucketSums {
                count: 3,
                sum: 12.0,
                sum_squares: 56.0,
            },
        ]));
        assert_eq!(values, [2.0, 4.0]);
        assert!((sampling[0] - 10.0 / 3.0 / 2.0).abs() < 1e-12);
        assert!((sampling[1] - 10.0 / 3.0 / 3.0).abs() < 1e-12);
    }
}
