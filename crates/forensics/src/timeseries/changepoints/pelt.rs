//! PELT (Killick, Fearnhead and Eckley 2012) for mean shifts with a weighted squared-error
//! cost, every segment at least [`MIN_SEGMENT`] long.

use super::MIN_SEGMENT;

/// Weighted prefix sums, so the cost of any segment takes constant time.
struct Cost {
    weight: Vec<f64>,
    weighted: Vec<f64>,
    weighted_squares: Vec<f64>,
}

impl Cost {
    fn new(values: &[f64], variances: &[f64]) -> Self {
        let mut cost = Self {
            weight: vec![0.0; values.len() + 1],
            weighted: vec![0.0; values.len() + 1],
            weighted_squares: vec![0.0; values.len() + 1],
        };
        for (index, (&value, &variance)) in values.iter().zip(variances).enumerate() {
            let weight = 1.0 / variance;
            cost.weight[index + 1] = cost.weight[index] + weight;
            cost.weighted[index + 1] = cost.weighted[index] + weight * value;
            cost.weighted_squares[index + 1] =
                cost.weighted_squares[index] + weight * value * value;
        }
        cost
    }

    /// Σ w_i (x_i − x̄_w)² over `start..end`: −2 log-likelihood of one Gaussian mean, in units
    /// of each value's noise variance, up to a constant.
    fn of(&self, start: usize, end: usize) -> f64 {
        let weight = self.weight[end] - self.weight[start];
        let sum = self.weighted[end] - self.weighted[start];
        let squares = self.weighted_squares[end] - self.weighted_squares[start];
        (squares - sum * sum / weight).max(0.0)
    }
}

/// Starts of new segments minimising Σ cost + `penalty` × changes.
pub(super) fn pelt(values: &[f64], variances: &[f64], penalty: f64) -> Vec<usize> {
    let n = values.len();
    if n < 2 * MIN_SEGMENT {
        return Vec::new();
    }
    let cost = Cost::new(values, variances);
    let mut best = vec![f64::INFINITY; n + 1];
    let mut last_start = vec![0usize; n + 1];
    best[0] = -penalty;
    // Starts the last segment may have, each with the end from which PELT may drop it.
    let mut candidates: Vec<(usize, Option<usize>)> = Vec::new();
    for end in MIN_SEGMENT..=n {
        let newest = end - MIN_SEGMENT;
        if newest == 0 || newest >= MIN_SEGMENT {
            candidates.push((newest, None));
        }
        candidates.retain(|&(_, drop_from)| drop_from.is_none_or(|drop_from| drop_from > end));
        let (start, total) = candidates
            .iter()
            .map(|&(start, _)| (start, best[start] + cost.of(start, end) + penalty))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, f64::INFINITY));
        best[end] = total;
        last_start[end] = start;
        // A start that already loses to the best segmentation ending here loses for every end
        // at least one segment further on (splitting a segment never raises its cost); ends
        // closer than that cannot put a change here, so it stays a candidate until then.
        for (start, drop_from) in &mut candidates {
            if drop_from.is_none() && best[*start] + cost.of(*start, end) > total {
                *drop_from = Some(end + MIN_SEGMENT);
            }
        }
    }
    let mut cuts = Vec::new();
    let mut end = n;
    while end > 0 {
        let start = last_start[end];
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
    use crate::timeseries::changepoints::simulate::Rng;

    /// Optimal partitioning without pruning: every start of the last segment is tried.
    fn exhaustive(values: &[f64], variances: &[f64], penalty: f64) -> (f64, Vec<usize>) {
        let n = values.len();
        let cost = Cost::new(values, variances);
        let mut best = vec![f64::INFINITY; n + 1];
        let mut last_start = vec![0usize; n + 1];
        best[0] = -penalty;
        for end in MIN_SEGMENT..=n {
            for start in (0..=end - MIN_SEGMENT).filter(|&s| s == 0 || s >= MIN_SEGMENT) {
                let total = best[start] + cost.of(start, end) + penalty;
                if total < best[end] {
                    best[end] = total;
                    last_start[end] = start;
                }
            }
        }
        let mut cuts = Vec::new();
        let mut end = n;
        while end > 0 {
            if last_start[end] > 0 {
                cuts.push(last_start[end]);
            }
            end = last_start[end];
        }
        cuts.reverse();
        (best[n], cuts)
    }

    fn total(values: &[f64], variances: &[f64], penalty: f64, cuts: &[usize]) -> f64 {
        let cost = Cost::new(values, variances);
        let bounds: Vec<usize> = std::iter::once(0)
            .chain(cuts.iter().copied())
            .chain(std::iter::once(values.len()))
            .collect();
        bounds
            .windows(2)
            .map(|bound| cost.of(bound[0], bound[1]))
            .sum::<f64>()
            + penalty * cuts.len() as f64
    }

    #[test]
    fn pruning_never_loses_the_optimum() {
        let mut rng = Rng::new(7);
        for case in 0..300 {
            let n = 6 + case % 60;
            let variances: Vec<f64> = (0..n).map(|_| 0.2 + rng.uniform()).collect();
            let mut level = 0.0;
            let values: Vec<f64> = (0..n)
                .map(|_| {
                    if rng.uniform() < 0.08 {
                        level += 4.0 * (rng.uniform() - 0.5);
                    }
                    level + rng.uniform() - 0.5
                })
                .collect();
            let penalty = 1.0 + 10.0 * rng.uniform();
            let cuts = pelt(&values, &variances, penalty);
            let (optimum, _) = exhaustive(&values, &variances, penalty);
            let found = total(&values, &variances, penalty, &cuts);
            assert!(
                (found - optimum).abs() <= 1e-9 * optimum.abs().max(1.0),
                "case {case}: {found} against {optimum}"
            );
            assert!(cuts.windows(2).all(|pair| pair[1] - pair[0] >= MIN_SEGMENT));
            assert!(cuts.first().is_none_or(|&first| first >= MIN_SEGMENT));
            assert!(cuts.last().is_none_or(|&last| n - last >= MIN_SEGMENT));
        }
    }
}
