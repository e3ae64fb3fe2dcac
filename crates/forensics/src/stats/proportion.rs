//! Shares of flagged items: the Wilson score interval of one share, and two shares compared by
//! the pooled two-proportion z test with Cohen's h as the effect size. Formulas as statsmodels'
//! `proportion_confint(method="wilson")`, `proportions_ztest` and `proportion_effectsize`.

use super::normal_cdf;

/// A two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Two shares compared: `b` against `a`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProportionTest {
    /// `rate_b − rate_a`; `None` when a side has no trials.
    pub difference: Option<f64>,
    /// The pooled two-proportion z statistic; `None` when it is undefined (a side without
    /// trials, or both sides all hits or all misses).
    pub z: Option<f64>,
    /// Two-sided p-value of `z`.
    pub p_value: Option<f64>,
    /// Cohen's h, `2·asin√rate_b − 2·asin√rate_a`: about 0.2 small, 0.5 medium, 0.8 large.
    pub cohens_h: Option<f64>,
}

/// The standard normal quantile: `normal_cdf` inverted by bisection, exact to the last bits
/// `normal_cdf` has. Called once per analysis, so speed does not matter.
pub fn normal_quantile(probability: f64) -> f64 {
    if !(0.0..=1.0).contains(&probability) || probability.is_nan() {
        return f64::NAN;
    }
    let (mut low, mut high) = (-40.0_f64, 40.0_f64);
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if normal_cdf(middle) < probability {
            low = middle;
        } else {
            high = middle;
        }
    }
    0.5 * (low + high)
}

/// The Wilson score interval (without continuity correction) of `hits` out of `trials` at
/// `confidence` (e.g. 0.95); `None` without trials.
pub fn wilson_interval(hits: u64, trials: u64, confidence: f64) -> Option<Interval> {
    if trials == 0 || hits > trials {
        return None;
    }
    let z = normal_quantile(0.5 + confidence / 2.0);
    let n = trials as f64;
    let share = hits as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (share + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (share * (1.0 - share) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    })
}

/// Compares `hits_b / trials_b` with `hits_a / trials_a`.
pub fn two_proportion_test(
    hits_a: u64,
    trials_a: u64,
    hits_b: u64,
    trials_b: u64,
) -> ProportionTest {
    if trials_a == 0 || trials_b == 0 {
        return ProportionTest {
            difference: None,
            z: None,
            p_value: None,
            cohens_h: None,
        };
    }
    let (rate_a, rate_b) = (
        hits_a as f64 / trials_a as f64,
        hits_b as f64 / trials_b as f64,
    );
    let pooled = (hits_a + hits_b) as f64 / (trials_a + trials_b) as f64;
    let variance = pooled * (1.0 - pooled) * (1.0 / trials_a as f64 + 1.0 / trials_b as f64);
    let z = (variance > 0.0).then(|| (rate_b - rate_a) / variance.sqrt());
    let arcsine = |rate: f64| 2.0 * rate.sqrt().asin();
    ProportionTest {
        difference: Some(rate_b - rate_a),
        z,
        p_value: z.map(|z| 2.0 * normal_cdf(-z.abs())),
        cohens_h: Some(arcsine(rate_b) - arcsine(rate_a)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} vs {expected}"
        );
    }

    #[test]
    fn the_quantile_inverts_the_cdf() {
        // Python: statistics.NormalDist().inv_cdf(0.975) = 1.9599639845400536
        close(normal_quantile(0.975), 1.959_963_984_540_053_6, 1e-12);
        close(normal_quantile(0.5), 0.0, 1e-12);
    }

    #[test]
    fn wilson_matches_newcombes_published_intervals() {
        // Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (score, no
        // continuity correction), four decimals as published.
        for (hits, trials, low, high) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let interval = wilson_interval(hits, trials, 0.95).unwrap();
            close(interval.low, low, 5e-5);
            close(interval.high, high, 5e-5);
        }
    }

    #[test]
    fn wilson_matches_the_formula_by_hand_at_other_levels() {
        // p = 0.3, n = 50, z = NormalDist().inv_cdf(0.995) = 2.5758293035489004;
        // centre = (p + z²/2n)/(1 + z²/n), half = z/(1 + z²/n)·√(p(1−p)/n + z²/4n²):
        // (0.16483999062339338, 0.4820208460636578) in Python floats.
        let interval = wilson_interval(15, 50, 0.99).unwrap();
        close(interval.low, 0.164_839_990_623_393_38, 1e-12);
        close(interval.high, 0.482_020_846_063_657_8, 1e-12);
        assert_eq!(wilson_interval(0, 0, 0.95), None);
    }

    #[test]
    fn two_proportions_match_statsmodels_formulas() {
        // 30/400 against 60/400. Pooled p = 90/800; z = (0.15 − 0.075)/√(p(1−p)(2/400)) =
        // 3.3567254331867566; p = 2·(1 − Φ(|z|)) = 0.0007887139400741816 (statsmodels'
        // proportions_ztest gives the same with the sides swapped, z negated);
        // h = 2·asin√0.15 − 2·asin√0.075 = 0.2405877972040722.
        let test = two_proportion_test(30, 400, 60, 400);
        close(test.difference.unwrap(), 0.075, 1e-15);
        close(test.z.unwrap(), 3.356_725_433_186_756_6, 1e-12);
        close(test.p_value.unwrap(), 0.000_788_713_940_074_181_6, 1e-13);
        close(test.cohens_h.unwrap(), 0.240_587_797_204_072_2, 1e-12);
    }

    #[test]
    fn undefined_tests_say_so() {
        let none = two_proportion_test(0, 10, 0, 10);
        assert_eq!((none.z, none.p_value), (None, None));
        assert_eq!(none.cohens_h, Some(0.0));
        let empty = two_proportion_test(1, 0, 1, 10);
        assert_eq!((empty.difference, empty.cohens_h), (None, None));
    }
}
