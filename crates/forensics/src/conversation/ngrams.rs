//! N-grams over-represented in one set of texts against another, by the weighted log-odds
//! ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words",
//! Political Analysis 16:372, §3.5.1). With counts `y_a`, `y_b` of an n-gram among `n_a`, `n_b`
//! n-grams of its order, and a prior `α_w = α₀·(y_a + y_b)/(n_a + n_b)` drawn from both sets
//! together:
//!
//! ```text
//! δ = ln((y_b + α_w) / (n_b + α₀ − y_b − α_w)) − ln((y_a + α_w) / (n_a + α₀ − y_a − α_w))
//! σ² ≈ 1/(y_b + α_w) + 1/(y_a + α_w),   z = δ / σ
//! ```
//!
//! The prior shrinks rare n-grams towards no difference, so ranking by `z` does not put a word
//! seen twice in B and never in A above a word seen a thousand times more often in B.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use crate::parallel;

/// Counts of n-grams of one order. A seeded fast hasher: SipHash over tens of millions of
/// n-grams was most of the time of counting them.
type Counts = HashMap<String, u64, RandomState>;

/// How n-grams are counted and ranked.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NgramOptions {
    /// Longest n-gram counted: 1 counts words, 2 words and pairs of words.
    pub max_n: usize,
    /// How many n-grams to report.
    pub top: usize,
    /// Fewest occurrences in B for an n-gram to be reported.
    pub min_count: u64,
    /// α₀, the prior's total weight per order; `None` takes the n-grams of both sets (α_w is
    /// then the n-gram's count in both sets together).
    pub prior_strength: Option<f64>,
}

impl Default for NgramOptions {
    fn default() -> Self {
        Self {
            max_n: 2,
            top: 20,
            min_count: 5,
            prior_strength: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OverRepresented {
    /// Lower-case words joined by single spaces.
    pub ngram: String,
    pub count_a: u64,
    pub count_b: u64,
    /// δ, the log-odds ratio of B over A under the prior.
    pub log_odds_ratio: f64,
    /// δ over its standard deviation; about 1.96 and above is unlikely by chance alone.
    pub z: f64,
}

/// N-gram counts per order (index `n − 1`), the texts counted in parts, one per core, and the
/// parts' counts added up.
fn count<'t>(texts: impl Iterator<Item = &'t str>, max_n: usize) -> Vec<Counts> {
    let texts: Vec<&str> = texts.collect();
    let mut parts = parallel::per_part(&texts, |_, part| count_part(part, max_n)).into_iter();
    let mut counts = parts
        .next()
        .unwrap_or_else(|| vec![Counts::default(); max_n]);
    for part in parts {
        for (counts, part) in counts.iter_mut().zip(part) {
            for (ngram, count) in part {
                *counts.entry(ngram).or_insert(0) += count;
            }
        }
    }
    counts
}

/// N-gram counts of `texts`: n-grams are lower-cased runs of letters and digits joined by
/// single spaces. A text's words go lower-cased into one reused buffer, and each n-gram is a
/// slice of it looked up before it is copied: the keys are a vocabulary, the occurrences tens of
/// millions, so only a new key allocates.
fn count_part(texts: &[&str], max_n: usize) -> Vec<Counts> {
    let mut counts: Vec<Counts> = vec![Counts::default(); max_n];
    let mut lower = String::new();
    let mut words: Vec<(usize, usize)> = Vec::new();
    for text in texts {
        lower.clear();
        words.clear();
        for word in text
            .split(|character: char| !character.is_alphanumeric())
            .filter(|word| !word.is_empty())
        {
            if !lower.is_empty() {
                lower.push(' ');
            }
            let start = lower.len();
            if word.is_ascii() {
                lower.push_str(word);
                lower[start..].make_ascii_lowercase();
            } else {
                lower.push_str(&word.to_lowercase());
            }
            words.push((start, lower.len()));
        }
        for (order, counts) in counts.iter_mut().enumerate() {
            for window in words.windows(order + 1) {
                let ngram = &lower[window[0].0..window[order].1];
                match counts.get_mut(ngram) {
                    Some(count) => *count += 1,
                    None => {
                        counts.insert(ngram.to_string(), 1);
                    }
                }
            }
        }
    }
    counts
}

/// The n-grams of `b` most over-represented against `a`, highest `z` first; only those with a
/// positive `z` and at least `min_count` occurrences in `b`.
pub fn over_represented<'t>(
    a: impl Iterator<Item = &'t str>,
    b: impl Iterator<Item = &'t str>,
    options: &NgramOptions,
) -> Vec<OverRepresented> {
    let max_n = options.max_n.max(1);
    let (counts_a, counts_b) = (count(a, max_n), count(b, max_n));
    let mut scored = Vec::new();
    for (order_a, order_b) in counts_a.iter().zip(&counts_b) {
        let n_a = order_a.values().sum::<u64>() as f64;
        let n_b = order_b.values().sum::<u64>() as f64;
        let prior = options.prior_strength.unwrap_or(n_a + n_b);
        if n_a + n_b == 0.0 || prior <= 0.0 {
            continue;
        }
        for (ngram, &y_b) in order_b {
            if y_b < options.min_count {
                continue;
            }
            let y_a = order_a.get(ngram).copied().unwrap_or(0);
            let (score_a, score_b) = (y_a as f64, y_b as f64);
            let alpha = prior * (score_a + score_b) / (n_a + n_b);
            let delta = ((score_b + alpha) / (n_b + prior - score_b - alpha)).ln()
                - ((score_a + alpha) / (n_a + prior - score_a - alpha)).ln();
            let variance = 1.0 / (score_b + alpha) + 1.0 / (score_a + alpha);
            let z = delta / variance.sqrt();
            if z > 0.0 && z.is_finite() {
                scored.push(OverRepresented {
                    ngram: ngram.clone(),
                    count_a: y_a,
                    count_b: y_b,
                    log_odds_ratio: delta,
                    z,
                });
            }
        }
    }
    scored.sort_by(|x, y| y.z.total_cmp(&x.z).then_with(|| x.ngram.cmp(&y.ngram)));
    scored.truncate(options.top);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-12, "{actual} vs {expected}");
    }

    #[test]
    fn log_odds_match_a_hand_computation() {
        // A: ask your doctor rest (n_a = 4); B: take 2 pills take pills (n_b = 5).
        // With α₀ = 4, "take" (y_a = 0, y_b = 2) has α = 4·2/9 = 0.8889 and
        // δ = ln(2.8889/6.1111) − ln(0.8889/7.1111) = −0.74924 + 2.07944 = 1.33020,
        // σ² = 1/2.8889 + 1/0.8889 = 1.47115, z = 1.33020/1.21291 = 1.09670.
        // Same to all digits in Python floats: δ = 1.330204894468847, z = 1.0967041723485955.
        let options = NgramOptions {
            max_n: 1,
            top: 10,
            min_count: 1,
            prior_strength: Some(4.0),
        };
        let found = over_represented(
            ["Ask your doctor.", "Rest."].into_iter(),
            ["Take 2 pills.", "Take pills!"].into_iter(),
            &options,
        );
        let names: Vec<&str> = found.iter().map(|found| found.ngram.as_str()).collect();
        // "pills" and "take" tie (0, 2) and come alphabetically; "2" (0, 1) follows.
        assert_eq!(names, ["pills", "take", "2"]);
        assert_eq!((found[1].count_a, found[1].count_b), (0, 2));
        close(found[1].log_odds_ratio, 1.330_204_894_468_847);
        close(found[1].z, 1.096_704_172_348_595_5);
        // The default prior is both sets' own counts: α = y_a + y_b = 2 for "take".
        // δ = ln(4/10) − ln(2/11) = 0.7884573603642703, z = δ/√(1/4 + 1/2) = 0.9104321385017065.
        let default = over_recompute(&options);
        close(default.log_odds_ratio, 0.788_457_360_364_270_3);
        close(default.z, 0.910_432_138_501_706_5);
    }

    fn over_recompute(options: &NgramOptions) -> OverRepresented {
        let options = NgramOptions {
            prior_strength: None,
            ..*options
        };
        over_represented(
            ["Ask your doctor.", "Rest."].into_iter(),
            ["Take 2 pills.", "Take pills!"].into_iter(),
            &options,
        )
        .into_iter()
        .find(|found| found.ngram == "take")
        .unwrap()
    }

    #[test]
    fn pairs_are_counted_within_a_text_and_rare_ones_left_out() {
        let options = NgramOptions {
            max_n: 2,
            top: 5,
            min_count: 2,
            prior_strength: None,
        };
        let found = over_represented(
            ["take care", "see a doctor"].into_iter(),
            ["take 400 mg", "take 400 mg now", "mg"].into_iter(),
            &options,
        );
        let names: Vec<&str> = found.iter().map(|found| found.ngram.as_str()).collect();
        assert!(
            names.contains(&"400 mg") && names.contains(&"mg"),
            "{names:?}"
        );
        // "mg now" and "now" occur once in B: under min_count. "mg take" never spans texts.
        assert!(
            !names
                .iter()
                .any(|name| name.contains("now") || *name == "mg take")
        );
    }
}
