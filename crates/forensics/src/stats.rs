//! Numerical kernels shared by the analyses: distribution functions, two-sample tests on sorted
//! values and NumPy-compatible histograms. Each follows the formula and evaluation order of the
//! SciPy/NumPy routine it is named after, so results agree to rounding.

pub mod proportion;

/// Standard normal CDF, evaluated like SciPy's `ndtr` (erf near zero, erfc in the tails).
pub fn normal_cdf(x: f64) -> f64 {
    let scaled = x * std::f64::consts::FRAC_1_SQRT_2;
    let magnitude = scaled.abs();
    if magnitude < std::f64::consts::FRAC_1_SQRT_2 {
        0.5 + 0.5 * libm::erf(scaled)
    } else {
        let tail = 0.5 * libm::erfc(magnitude);
        if scaled > 0.0 { 1.0 - tail } else { tail }
    }
}

/// Survival function of the chi-square distribution with `degrees` degrees of freedom.
pub fn chi2_sf(statistic: f64, degrees: f64) -> f64 {
    if statistic.is_nan() || degrees <= 0.0 {
        return f64::NAN;
    }
    if statistic.is_infinite() {
        return 0.0;
    }
    regularized_upper_gamma(degrees / 2.0, statistic / 2.0)
}

/// Q(a, x) = Γ(a, x) / Γ(a): a power series below `a + 1`, Lentz's continued fraction above.
fn regularized_upper_gamma(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let log_prefactor = a * x.ln() - x - libm::lgamma(a);
    if x < a + 1.0 {
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut denominator = a;
        for _ in 0..10_000 {
            denominator += 1.0;
            term *= x / denominator;
            sum += term;
            if term.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        1.0 - sum * log_prefactor.exp()
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut fraction = d;
        for step in 1..10_000 {
            let step = f64::from(step);
            let an = -step * (step - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            fraction *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        log_prefactor.exp() * fraction
    }
}

/// Mean and population standard deviation (NumPy's `np.std`, ddof = 0), two-pass. Squares are
/// summed in eight lanes rather than stored, which keeps the result within a few ulps of
/// NumPy's pairwise sum without allocating a second copy of the column.
pub fn mean_and_std(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let count = values.len() as f64;
    let mean = pairwise_sum(values) / count;
    let mut lanes = [0.0f64; 8];
    let mut chunks = values.chunks_exact(8);
    for chunk in &mut chunks {
        for (lane, value) in lanes.iter_mut().zip(chunk) {
            *lane += (value - mean) * (value - mean);
        }
    }
    let tail: f64 = chunks
        .remainder()
        .iter()
        .map(|value| (value - mean) * (value - mean))
        .sum();
    let squares = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
        + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
        + tail;
    (mean, (squares / count).sqrt())
}

/// Pairwise summation as NumPy's `add.reduce` does it, so long sums round the same way.
pub fn pairwise_sum(values: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    if values.len() < 8 {
        return values.iter().fold(0.0, |sum, value| sum + value);
    }
    if values.len() <= BLOCK {
        let mut partial = [0.0; 8];
        partial.copy_from_slice(&values[..8]);
        let mut index = 8;
        while index + 8 <= values.len() {
            for lane in 0..8 {
                partial[lane] += values[index + lane];
            }
            index += 8;
        }
        let mut sum = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
            + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
        for value in &values[index..] {
            sum += value;
        }
        return sum;
    }
    let mut half = values.len() / 2;
    half -= half % 8;
    pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
}

/// First Wasserstein distance between two samples given sorted, as `scipy.stats.wasserstein_distance`.
pub fn wasserstein_sorted(reference: &[f64], current: &[f64]) -> f64 {
    // Each step of a merge waits on the comparison before it; walking the two halves of the
    // merged order side by side gives the core two independent chains to overlap.
    let merged = reference.len() + current.len();
    let half = merged / 2;
    let middle = merge_split(reference, current, half);
    let mut first = MergeWalk::new(reference, current, 0, 0);
    let mut second = MergeWalk::new(reference, current, middle, half - middle);
    for _ in 0..half {
        first.step();
        second.step();
    }
    if merged % 2 == 1 {
        second.step();
    }
    first.total + second.total
}

/// How many of the `count` first values of the merged order (ties: reference first) come from
/// `reference`.
fn merge_split(reference: &[f64], current: &[f64], count: usize) -> usize {
    let (mut low, mut high) = (
        count.saturating_sub(current.len()),
        count.min(reference.len()),
    );
    while low < high {
        let taken = (low + high) / 2;
        let from_current = count - taken;
        // Too few from reference while its next value would merge before current's last.
        if from_current > 0
            && taken < reference.len()
            && reference[taken] <= current[from_current - 1]
        {
            low = taken + 1;
        } else {
            high = taken;
        }
    }
    low
}

/// A walk along the merged order of two sorted samples summing |F_reference − F_current| over
/// the gaps between consecutive values, where both empirical CDFs are constant.
struct MergeWalk<'a> {
    reference: &'a [f64],
    current: &'a [f64],
    in_reference: usize,
    in_current: usize,
    previous: f64,
    total: f64,
}

impl<'a> MergeWalk<'a> {
    /// A walk that has passed the first `in_reference` and `in_current` values of each side.
    fn new(
        reference: &'a [f64],
        current: &'a [f64],
        in_reference: usize,
        in_current: usize,
    ) -> Self {
        let passed = |values: &[f64], count: usize| count.checked_sub(1).map(|last| values[last]);
        // The first gap is measured from the last value passed, or is 0 at the very start.
        let previous = match (passed(reference, in_reference), passed(current, in_current)) {
            (None, None) => Self::at(reference, 0).min(Self::at(current, 0)),
            (a, b) => a
                .unwrap_or(f64::NEG_INFINITY)
                .max(b.unwrap_or(f64::NEG_INFINITY)),
        };
        Self {
            reference,
            current,
            in_reference,
            in_current,
            previous,
            total: 0.0,
        }
    }

    /// An exhausted side reads as +inf, which the other side's finite values always precede.
    fn at(values: &[f64], index: usize) -> f64 {
        values.get(index).copied().unwrap_or(f64::INFINITY)
    }

    /// Takes the next value. Ties add nothing and are skipped, a branch that is predictable both
    /// for continuous data (rare ties) and for few distinct values (mostly ties); the side is
    /// advanced by a comparison result, as a branch it would be mispredicted on interleaved
    /// samples.
    #[inline(always)]
    fn step(&mut self) {
        let (a, b) = (
            Self::at(self.reference, self.in_reference),
            Self::at(self.current, self.in_current),
        );
        let next = a.min(b);
        let gap = next - self.previous;
        if gap != 0.0 {
            let difference = self.in_reference as f64 / self.reference.len() as f64
                - self.in_current as f64 / self.current.len() as f64;
            self.total += difference.abs() * gap;
        }
        self.previous = next;
        let from_reference = a <= b;
        self.in_reference += usize::from(from_reference);
        self.in_current += usize::from(!from_reference);
    }
}

/// Two-sample Kolmogorov–Smirnov statistic on sorted samples (two-sided, as SciPy's `ks_2samp`).
pub fn ks_statistic_sorted(reference: &[f64], current: &[f64]) -> f64 {
    let (reference_len, current_len) = (reference.len() as f64, current.len() as f64);
    let (mut in_reference, mut in_current) = (0usize, 0usize);
    let (mut max_positive, mut max_negative) = (0.0f64, 0.0f64);
    while in_reference < reference.len() || in_current < current.len() {
        let next = match (reference.get(in_reference), current.get(in_current)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => unreachable!("loop condition"),
        };
        while reference.get(in_reference) == Some(&next) {
            in_reference += 1;
        }
        while current.get(in_current) == Some(&next) {
            in_current += 1;
        }
        let difference = in_reference as f64 / reference_len - in_current as f64 / current_len;
        max_positive = max_positive.max(difference);
        max_negative = max_negative.max(-difference);
    }
    max_positive.max(max_negative.clamp(0.0, 1.0))
}

/// Two-sided p-value of the two-sample KS statistic, following `ks_2samp(method="auto")`: exact
/// lattice-path counting when both samples have at most 10,000 values, otherwise the
/// one-sample Kolmogorov distribution at n = round(n1·n2 / (n1 + n2)).
pub fn ks_two_sample_pvalue(
    statistic: f64,
    reference_len: usize,
    current_len: usize,
) -> (f64, KsMode) {
    const MAX_EXACT: usize = 10_000;
    if reference_len.max(current_len) <= MAX_EXACT
        && let Some(probability) = ks_exact_pvalue(statistic, reference_len, current_len)
    {
        return (probability.clamp(0.0, 1.0), KsMode::Exact);
    }
    let (larger, smaller) = (
        reference_len.max(current_len) as f64,
        reference_len.min(current_len) as f64,
    );
    let effective = (larger * smaller / (larger + smaller)).round_ties_even();
    (
        kolmogorov_sf(effective, statistic).clamp(0.0, 1.0),
        KsMode::Asymptotic,
    )
}

/// How a KS p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KsMode {
    Exact,
    Asymptotic,
}

fn greatest_common_divisor(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn ks_exact_pvalue(statistic: f64, first_len: usize, second_len: usize) -> Option<f64> {
    let divisor = greatest_common_divisor(first_len, second_len);
    let lcm = (first_len / divisor) as f64 * second_len as f64;
    let h = (statistic * lcm).round_ties_even();
    if h == 0.0 {
        return Some(1.0);
    }
    let h = h as usize;
    let probability = if first_len == second_len {
        probability_outside_square(first_len, h)
    } else {
        probability_outside_band(first_len, second_len, divisor, h)
    };
    (probability.is_finite() && (0.0..=1.0).contains(&probability)).then_some(probability)
}

/// P(D_{n,n} >= h/n) by the alternating binomial series, evaluated Horner-style to avoid
/// cancellation.
fn probability_outside_square(n: usize, h: usize) -> f64 {
    let (n, h) = (n as f64, h as f64);
    let mut probability = 0.0;
    let mut k = (n / h).floor();
    while k >= 0.0 {
        let mut term = 1.0;
        let mut j = 0.0;
        while j < h {
            term = (n - k * h - j) * term / (n + k * h + j + 1.0);
            j += 1.0;
        }
        probability = term * (1.0 - probability);
        k -= 1.0;
    }
    2.0 * probability
}

/// Share of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm, computed
/// directly as one minus the inside share (Hodges' inside method in Viehmann's stable form).
fn probability_outside_band(first_len: usize, second_len: usize, divisor: usize, h: usize) -> f64 {
    let (m, n) = if first_len < second_len {
        (second_len, first_len)
    } else {
        (first_len, second_len)
    };
    let (mg, ng) = (m / divisor, n / divisor);
    let (m, n, mg, ng, h) = (m as i64, n as i64, mg as i64, ng as i64, h as i64);
    let ceil_div = |a: i64, b: i64| (a as f64 / b as f64).ceil() as i64;
    let floor_div = |a: i64, b: i64| (a as f64 / b as f64).floor() as i64;
    let mut min_j = 0i64;
    let mut max_j = ceil_div(h, mg).min(n + 1);
    let mut current_len = max_j - min_j;
    let window = (2 * max_j + 2).min(n + 1) as usize;
    let mut column = vec![1.0f64; window];
    for cell in column.iter_mut().take(max_j as usize).skip(min_j as usize) {
        *cell = 0.0;
    }
    for i in 1..=m {
        let (last_min_j, last_len) = (min_j, current_len);
        min_j = (floor_div(ng * i - h, mg) + 1).max(0).min(n);
        max_j = ceil_div(ng * i + h, mg).min(n + 1);
        if max_j <= min_j {
            return 1.0;
        }
        let mut value = if min_j == 0 { 0.0 } else { 1.0 };
        for offset in 0..(max_j - min_j) {
            let j = offset + min_j;
            value = (column[(offset + min_j - last_min_j) as usize] * i as f64 + value * j as f64)
                / (i + j) as f64;
            column[offset as usize] = value;
        }
        current_len = max_j - min_j;
        if last_len > current_len {
            let start = (max_j - min_j) as usize;
            let end = (start + (last_len - current_len) as usize).min(column.len());
            for cell in &mut column[start..end] {
                *cell = 1.0;
            }
        }
    }
    column[(max_j - min_j - 1) as usize]
}

/// Survival function of the two-sided one-sample Kolmogorov statistic D_n, along SciPy's
/// `kstwo.sf` paths for n > 140: 0 when n·x² ≥ 370, twice the exact one-sided tail (Smirnov)
/// when n·x² ≥ 2.2, else one minus the Pelz–Good CDF. SciPy uses the Durbin matrix instead of
/// Pelz–Good for some small x; the two agree to about 1e-8 there, where p-values exceed 0.02.
pub fn kolmogorov_sf(n: f64, x: f64) -> f64 {
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let t = n * x;
    if t <= 0.5 {
        return 1.0;
    }
    if t >= n - 1.0 {
        return 2.0 * (1.0 - x).powf(n);
    }
    if t * x >= 370.0 {
        return 0.0;
    }
    if t * x >= 2.2 {
        return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
    }
    pelz_good_sf(n, x)
}

/// P(D⁺_n ≥ x), the one-sided Kolmogorov–Smirnov tail, by the exact Birnbaum–Tingey sum
/// x · Σ_j C(n, j) (1 − x − j/n)^(n−j) (x + j/n)^(j−1), each term in log space.
pub fn smirnov_sf(n: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x >= 1.0 {
        return 0.0;
    }
    let log_n_factorial = libm::lgamma(n + 1.0);
    let last = (n * (1.0 - x)).floor();
    let mut sum = 0.0;
    let mut compensation = 0.0;
    let mut j = 0.0;
    while j <= last {
        let below = 1.0 - x - j / n;
        let above = x + j / n;
        let log_term = log_n_factorial - libm::lgamma(j + 1.0) - libm::lgamma(n - j + 1.0)
            + if below > 0.0 {
                (n - j) * below.ln()
            } else {
                f64::NEG_INFINITY
            }
            + (j - 1.0) * above.ln();
        // Kahan summation: the terms span many orders of magnitude.
        let term = log_term.exp() - compensation;
        let next = sum + term;
        compensation = (next - sum) - term;
        sum = next;
        j += 1.0;
    }
    (x * sum).clamp(0.0, 1.0)
}

fn pelz_good_sf(n: f64, x: f64) -> f64 {
    use std::f64::consts::PI;
    let pi2 = PI * PI;
    let pi4 = pi2 * pi2;
    let pi6 = pi4 * pi2;
    let sqrt_2pi = (2.0 * PI).sqrt();
    let z = n.sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z * z * z, z.powi(4), z.powi(6));
    let q_log = -pi2 / 8.0 / z2;
    if q_log < -708.0 {
        return 1.0;
    }
    let q = q_log.exp();
    let k1a = -z2;
    let k1b = pi2 / 4.0;
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut terms = [0.0f64; 4];
    let max_k = (16.0 * z / PI).ceil() as i64;
    for k in (1..=max_k).rev() {
        let m = (2 * k - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let q_power = q.powf(8.0 * k as f64);
        let coefficients = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (term, coefficient) in terms.iter_mut().zip(coefficients) {
            *term = *term * q_power + coefficient;
        }
    }
    let divisors = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (term, divisor) in terms.iter_mut().zip(divisors) {
        *term = *term * q * sqrt_2pi / divisor;
    }
    let q_all = (-pi2 / 2.0 / z2).exp();
    let (mut k2_extra, mut k3_extra) = (0.0, 0.0);
    let sqrt3z = 3f64.sqrt() * z;
    for k in (1..=max_k).rev() {
        let k = k as f64;
        let q_power = q_all.powf(k * k);
        k2_extra += k * k * q_power;
        k3_extra += (sqrt3z + PI * k) * (sqrt3z - PI * k) * k * k * q_power;
    }
    terms[2] += k2_extra * pi2 * sqrt_2pi / (-36.0 * z3);
    terms[3] += k3_extra * pi2 * sqrt_2pi / (216.0 * z6);
    for (power, term) in terms.iter_mut().enumerate() {
        *term /= n.powf(power as f64 / 2.0);
    }
    let cdf: f64 = terms.iter().sum();
    (1.0 - cdf).clamp(0.0, 1.0)
}

/// Edges of `np.histogram_bin_edges(values, bins="sturges")` for values with the given range and count.
pub fn sturges_edges(minimum: f64, maximum: f64, count: usize) -> Vec<f64> {
    let (first, last) = if minimum == maximum {
        (minimum - 0.5, maximum + 0.5)
    } else {
        (minimum, maximum)
    };
    let width = (maximum - minimum) / ((count as f64).log2() + 1.0);
    let bins = if width > 0.0 {
        ((last - first) / width).ceil() as usize
    } else {
        1
    };
    linspace(first, last, bins + 1)
}

/// `np.linspace(start, stop, count)` with its rounding: `start + i·step`, last value exactly `stop`.
pub fn linspace(start: f64, stop: f64, count: usize) -> Vec<f64> {
    let step = (stop - start) / (count - 1) as f64;
    let mut edges: Vec<f64> = (0..count)
        .map(|index| index as f64 * step + start)
        .collect();
    if let Some(last) = edges.last_mut() {
        *last = stop;
    }
    edges
}

/// Counts per bin as `np.histogram(values, edges)` with equal-width edges: the last bin is closed,
/// values outside the edges are not counted.
pub fn histogram_counts(values: &[f64], edges: &[f64]) -> Vec<u64> {
    let bins = edges.len() - 1;
    let mut counts = vec![0u64; bins];
    let (first, last) = (edges[0], edges[bins]);
    let scale = bins as f64;
    let span = last - first;
    for &value in values {
        if !(value >= first && value <= last) {
            continue;
        }
        let mut index = (((value - first) / span) * scale) as usize;
        if index == bins {
            index -= 1;
        }
        // NumPy corrects the computed index against the stored edges; so do we.
        if value < edges[index] {
            index -= 1;
        } else if index + 1 < bins && value >= edges[index + 1] {
            index += 1;
        }
        counts[index] += 1;
    }
    counts
}

/// [`histogram_counts`] of sorted values by binary search for each edge, in time that grows with
/// the bins rather than the values. NumPy's corrected index puts a value in the bin whose stored
/// edges enclose it, which is what the search finds.
pub fn histogram_counts_sorted(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    let bins = edges.len() - 1;
    let mut start = sorted.partition_point(|&value| value < edges[0]);
    (0..bins)
        .map(|bin| {
            let rest = &sorted[start..];
            let len = if bin + 1 == bins {
                rest.partition_point(|&value| value <= edges[bins])
            } else {
                rest.partition_point(|&value| value < edges[bin + 1])
            };
            start += len;
            len as u64
        })
        .collect()
}

/// Distinct values of a sorted slice (−0.0 and 0.0 count as one, as in pandas).
pub fn distinct_sorted(sorted: &[f64]) -> usize {
    if sorted.is_empty() {
        return 0;
    }
    1 + sorted.windows(2).filter(|pair| pair[0] != pair[1]).count()
}

/// Distinct values of the union of two sorted slices, counted up to `limit`: callers only
/// compare the count with a small threshold, and continuous data reaches it within a few values.
pub fn distinct_union_sorted(first: &[f64], second: &[f64], limit: usize) -> usize {
    let (mut i, mut j, mut distinct) = (0, 0, 0);
    let mut last: Option<f64> = None;
    while (i < first.len() || j < second.len()) && distinct < limit {
        let next = match (first.get(i), second.get(j)) {
            (Some(&a), Some(&b)) if a <= b => {
                i += 1;
                a
            }
            (Some(_), Some(&b)) => {
                j += 1;
                b
            }
            (Some(&a), None) => {
                i += 1;
                a
            }
            (None, Some(&b)) => {
                j += 1;
                b
            }
            (None, None) => unreachable!("loop condition"),
        };
        if last != Some(next) {
            distinct += 1;
            last = Some(next);
        }
    }
    distinct
}

/// `(value, count)` runs of a sorted slice.
pub fn value_counts_sorted(sorted: &[f64]) -> Vec<(f64, u64)> {
    let mut runs: Vec<(f64, u64)> = Vec::new();
    for &value in sorted {
        match runs.last_mut() {
            Some((last, count)) if *last == value => *count += 1,
            _ => runs.push((value, 1)),
        }
    }
    runs
}

/// Quantile with linear interpolation (NumPy's default method) on sorted values.
pub fn quantile_sorted(sorted: &[f64], probability: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = probability * (sorted.len() - 1) as f64;
    let lower = position.floor() as usize;
    let upper = (lower + 1).min(sorted.len() - 1);
    let fraction = position - lower as f64;
    sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
}

/// Sorts values ascending in IEEE total order (−0.0 before 0.0, which compare equal anyway).
pub fn sort_values(values: &mut [f64]) {
    let mut keys: Vec<u64> = values.iter().map(|&value| order_key(value)).collect();
    keys.sort_unstable();
    for (value, key) in values.iter_mut().zip(keys) {
        *value = from_order_key(key);
    }
}

/// Sorts finite values given as order keys and returns them as floats, reusing the allocation.
pub fn sorted_from_keys(mut keys: Vec<u64>) -> Vec<f64> {
    // Integer comparison of order keys is about twice as fast as `f64::total_cmp`.
    keys.sort_unstable();
    keys.into_iter().map(from_order_key).collect()
}

/// An unsigned integer whose order is the IEEE total order of `value`: flip every bit of a
/// negative number, only the sign bit of a positive one.
pub fn order_key(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        let scale = expected.abs().max(1e-300);
        assert!(
            ((actual - expected) / scale).abs() <= tolerance || actual == expected,
            "{actual} vs {expected}"
        );
    }

    #[test]
    fn normal_cdf_matches_scipy() {
        close(normal_cdf(0.0), 0.5, 1e-15);
        close(normal_cdf(1.96), 0.9750021048517795, 1e-14);
        close(normal_cdf(-3.0), 0.0013498980316300933, 1e-13);
    }

    #[test]
    fn chi2_sf_matches_scipy() {
        close(chi2_sf(3.84, 1.0), 0.05004352124870519, 1e-10);
        close(chi2_sf(10.0, 4.0), 0.04042768199451279, 1e-10);
        close(chi2_sf(200.0, 3.0), 4.218541107192018e-43, 1e-9);
    }

    #[test]
    fn ks_exact_equal_sizes_matches_scipy() {
        // scipy.stats.ks_2samp([1,2,3,4,5], [3,4,5,6,7]) -> statistic 0.4, pvalue 0.873015873015873
        let (p, mode) = ks_two_sample_pvalue(0.4, 5, 5);
        assert_eq!(mode, KsMode::Exact);
        close(p, 0.873015873015873, 1e-12);
    }

    #[test]
    fn ks_exact_unequal_sizes_matches_scipy() {
        // scipy.stats.ks_2samp([1,2,3,4], [2.5,5,6,7,8,9]) -> statistic 0.8333333, pvalue 0.04761904761904761
        let statistic = ks_statistic_sorted(&[1.0, 2.0, 3.0, 4.0], &[2.5, 5.0, 6.0, 7.0, 8.0, 9.0]);
        close(statistic, 0.8333333333333334, 1e-15);
        let (p, _) = ks_two_sample_pvalue(statistic, 4, 6);
        close(p, 0.04761904761904761, 1e-12);
    }

    #[test]
    fn kolmogorov_tail_matches_scipy_kstwo() {
        // scipy.stats.kstwo.sf(d, n) for n > 140, in the Smirnov and Pelz–Good regions.
        for (n, d, expected) in [
            (909.0, 0.02, 0.8529586932871641),
            (909.0, 0.06, 0.002752251043351542),
            (5000.0, 0.04, 2.1805586378557164e-07),
            (5000.0, 0.06, 4.337123323784545e-16),
            (250000.0, 0.01, 3.827782382946494e-22),
        ] {
            close(kolmogorov_sf(n, d), expected, 1e-8);
        }
    }

    #[test]
    fn wasserstein_matches_scipy() {
        // scipy.stats.wasserstein_distance([0, 1, 3], [5, 6, 8]) == 5.0
        close(
            wasserstein_sorted(&[0.0, 1.0, 3.0], &[5.0, 6.0, 8.0]),
            5.0,
            1e-15,
        );
        // scipy.stats.wasserstein_distance([0, 1, 1, 4], [1, 2]) == 1.0
        close(
            wasserstein_sorted(&[0.0, 1.0, 1.0, 4.0], &[1.0, 2.0]),
            1.0,
            1e-15,
        );
    }

    #[test]
    fn wasserstein_halves_add_up_to_scipy_formula() {
        // scipy's formula: CDFs by searchsorted at every merged value, times the gaps.
        fn scipy(reference: &[f64], current: &[f64]) -> f64 {
            let mut all: Vec<f64> = reference.iter().chain(current).copied().collect();
            all.sort_unstable_by(f64::total_cmp);
            let cdf = |values: &[f64], at: f64| {
                values.partition_point(|&value| value <= at) as f64 / values.len() as f64
            };
            all.windows(2)
                .map(|pair| {
                    (cdf(reference, pair[0]) - cdf(current, pair[0])).abs() * (pair[1] - pair[0])
                })
                .sum()
        }
        let mut state = 3u64;
        let mut draw = |count: usize, distinct: u64| -> Vec<f64> {
            let mut values: Vec<f64> = (0..count)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((state >> 11) % distinct) as f64 * 0.5
                })
                .collect();
            values.sort_unstable_by(f64::total_cmp);
            values
        };
        for (reference_len, current_len, distinct) in [
            (1, 1, 3),
            (1, 2, 3),
            (7, 4, 3),
            (300, 301, 5),
            (1000, 457, 1 << 40),
        ] {
            let (reference, current) = (draw(reference_len, distinct), draw(current_len, distinct));
            close(
                wasserstein_sorted(&reference, &current),
                scipy(&reference, &current),
                1e-12,
            );
        }
    }

    #[test]
    fn key_sort_orders_like_total_cmp() {
        let mut state = 99u64;
        let mut values: Vec<f64> = (0..10_000)
            .map(|index| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let magnitude = (state >> 11) as f64 / (1u64 << 40) as f64;
                if index % 3 == 0 {
                    -magnitude
                } else {
                    magnitude
                }
            })
            .collect();
        values.extend([0.0, -0.0, f64::MAX, f64::MIN, 1e-310, -1e-310]);
        let mut expected = values.clone();
        expected.sort_unstable_by(f64::total_cmp);
        sort_values(&mut values);
        assert_eq!(
            values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            expected.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn sorted_histogram_counts_as_the_per_value_one() {
        let mut state = 7u64;
        // Tenths of 0..100: many values sit exactly on edges, some outside the narrower ranges.
        let mut values: Vec<f64> = (0..5_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) % 1000) as f64 / 10.0
            })
            .collect();
        values.sort_unstable_by(f64::total_cmp);
        for (minimum, maximum) in [(0.0, 99.9), (10.0, 50.0), (5.0, 5.0)] {
            let edges = sturges_edges(minimum, maximum, values.len());
            assert_eq!(
                histogram_counts_sorted(&values, &edges),
                histogram_counts(&values, &edges)
            );
        }
    }

    #[test]
    fn sturges_histogram_matches_numpy() {
        let values: Vec<f64> = (0..10).map(f64::from).collect();
        let edges = sturges_edges(0.0, 9.0, values.len());
        assert_eq!(edges.len(), 6);
        assert_eq!(histogram_counts(&values, &edges), vec![2, 2, 2, 2, 2]);
    }
}
