//! Synthetic logs for calibrating the change-point detector: the series a prediction log yields
//! per bucket (rows, accuracy, selection rate overall and per group, score mean) drawn the way
//! they arise (Poisson row counts, binomial labels and selections over those rows, group rows
//! split multinomially), with or without one mean shift of a given size in noise SDs.
//! Shared by the calibration tests and `examples/changepoints_bench.rs`.

use super::{BucketSums, Measure, Series, Share};

/// SplitMix64 (Steele et al. 2014): seedable, dependency-free, plenty for simulation.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        mixed ^ (mixed >> 31)
    }

    /// Uniform on (0, 1), never 0 so that logarithms stay finite.
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// Uniform on `low..=high`.
    fn index(&mut self, low: usize, high: usize) -> usize {
        low + (self.uniform() * (high - low + 1) as f64) as usize
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.uniform() < probability
    }

    /// Standard normal by Box–Muller.
    fn normal(&mut self) -> f64 {
        let radius = (-2.0 * self.uniform().ln()).sqrt();
        radius * (std::f64::consts::TAU * self.uniform()).cos()
    }

    /// Student t with 4 degrees of freedom, scaled to unit variance.
    fn heavy_tailed(&mut self) -> f64 {
        let chi_square: f64 = (0..4).map(|_| self.normal().powi(2)).sum();
        self.normal() / (chi_square / 4.0).sqrt() / std::f64::consts::SQRT_2
    }

    /// Poisson: by multiplication below a mean of 30, else the rounded normal approximation.
    fn poisson(&mut self, mean: f64) -> u64 {
        if mean < 30.0 {
            let limit = (-mean).exp();
            let mut product = self.uniform();
            let mut count = 0;
            while product > limit {
                product *= self.uniform();
                count += 1;
            }
            count
        } else {
            (mean + mean.sqrt() * self.normal()).round().max(0.0) as u64
        }
    }

    /// Binomial: by inversion while fewer than 30 successes or failures are expected, else the
    /// rounded normal approximation. Either way an integer count, so rates tie as real ones do.
    fn binomial(&mut self, trials: u64, probability: f64) -> u64 {
        let probability = probability.clamp(0.0, 1.0);
        if probability > 0.5 {
            return trials - self.binomial(trials, 1.0 - probability);
        }
        let expected = trials as f64 * probability;
        if expected >= 30.0 {
            let spread = (expected * (1.0 - probability)).sqrt();
            return (expected + spread * self.normal())
                .round()
                .clamp(0.0, trials as f64) as u64;
        }
        if probability == 0.0 {
            return 0;
        }
        let odds = probability / (1.0 - probability);
        let mut mass = (1.0 - probability).powf(trials as f64);
        let mut cumulative = mass;
        let target = self.uniform();
        let mut successes = 0;
        while target > cumulative && successes < trials {
            mass *= (trials - successes) as f64 / (successes + 1) as f64 * odds;
            successes += 1;
            cumulative += mass;
        }
        successes
    }
}

/// How logs are drawn. Each range is inclusive and drawn uniformly per log unless noted.
#[derive(Debug, Clone)]
pub struct Settings {
    /// One range is picked per log, then a bucket count in it.
    pub bucket_ranges: &'static [(usize, usize)],
    pub groups: (usize, usize),
    /// Mean rows per bucket, drawn log-uniformly.
    pub mean_rows: (f64, f64),
    /// Share of rows that carry a label (the rest await it).
    pub labelled_share: (f64, f64),
    /// Share of logs whose series vary beyond sampling, and by how much: extra variance over
    /// the sampling variance of a bucket of mean size.
    pub overdispersed_share: f64,
    pub overdispersion: (f64, f64),
    /// Chance that a rate lies this close to 0 or 1 rather than in 0.1–0.9.
    pub extreme_rate_share: f64,
    pub extreme_rates: (f64, f64),
    /// How the extra variation is drawn: one kind per log, each equally likely.
    pub wobbles: &'static [(Shape, Memory)],
}

/// Distribution of the extra variation's innovations, each with unit variance.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    Gaussian,
    /// Student t with 4 degrees of freedom.
    HeavyTailed,
    /// Laplace (double exponential).
    Laplace,
    /// Exponential, centred: skewed to one side.
    Skewed,
}

/// How the extra variation of one bucket carries over to the next.
#[derive(Debug, Clone, Copy)]
pub enum Memory {
    White,
    /// AR(1) with this coefficient.
    Autoregressive(f64),
    /// MA(1) with this coefficient.
    MovingAverage(f64),
}

/// The shift the promise is about, in noise SDs of the shifted series.
pub const SHIFT_IN_SD: f64 = 3.0;

/// Seeds of the logs the calibration tests and `bench/changepoints` draw.
pub const TUNING_SEED: u64 = 0x7475_6e65;
pub const HELD_OUT_SEED: u64 = 0x6865_6c64_2d33;

/// What the detector was designed and tuned on.
pub const TUNING: Settings = Settings {
    bucket_ranges: &[(24, 29), (30, 90), (91, 120)],
    groups: (1, 6),
    mean_rows: (20.0, 5000.0),
    labelled_share: (0.3, 1.0),
    overdispersed_share: 0.75,
    overdispersion: (0.0, 2.0),
    extreme_rate_share: 0.2,
    extreme_rates: (0.01, 0.05),
    wobbles: &[
        (Shape::Gaussian, Memory::White),
        (Shape::HeavyTailed, Memory::White),
        (Shape::Gaussian, Memory::Autoregressive(0.2)),
        (Shape::HeavyTailed, Memory::Autoregressive(0.2)),
    ],
};

/// Held out: never used to choose anything. Shorter and longer logs, more groups, smaller
/// buckets and fewer labels, more extra variation, other noise shapes and another kind of
/// persistence, rates closer to 0 or 1.
pub const HELD_OUT: Settings = Settings {
    bucket_ranges: &[(21, 23), (30, 90), (121, 200)],
    groups: (5, 8),
    mean_rows: (10.0, 20000.0),
    labelled_share: (0.05, 0.3),
    overdispersed_share: 1.0,
    overdispersion: (0.25, 3.0),
    extreme_rate_share: 0.3,
    extreme_rates: (0.003, 0.01),
    wobbles: &[
        (Shape::Skewed, Memory::White),
        (Shape::Laplace, Memory::White),
        (Shape::Gaussian, Memory::MovingAverage(0.25)),
        (Shape::Skewed, Memory::MovingAverage(0.25)),
    ],
};

/// One series of a simulated log, with the bucket each of its values belongs to.
pub struct SimulatedSeries {
    pub series: Series,
    pub buckets: Vec<usize>,
    /// Whether the injected shift moves this series' mean (a group's shift moves the overall
    /// selection rate too, and an overall shift every group's).
    pub shifted: bool,
}

pub struct SimulatedLog {
    pub series: Vec<SimulatedSeries>,
    /// The injected shift: the series it was sized for and its first bucket.
    pub shift: Option<(usize, usize)>,
}

/// A source of extra variation beyond sampling, with unit variance.
struct Wobble {
    shape: Shape,
    memory: Memory,
    state: f64,
}

impl Wobble {
    fn next(&mut self, rng: &mut Rng) -> f64 {
        let innovation = match self.shape {
            Shape::Gaussian => rng.normal(),
            Shape::HeavyTailed => rng.heavy_tailed(),
            Shape::Laplace => {
                let size = -rng.uniform().ln() / std::f64::consts::SQRT_2;
                if rng.chance(0.5) { size } else { -size }
            }
            Shape::Skewed => -rng.uniform().ln() - 1.0,
        };
        match self.memory {
            Memory::White => innovation,
            Memory::Autoregressive(coefficient) => {
                self.state = coefficient * self.state
                    + (1.0 - coefficient * coefficient).sqrt() * innovation;
                self.state
            }
            Memory::MovingAverage(coefficient) => {
                let value = (innovation + coefficient * self.state)
                    / (1.0 + coefficient * coefficient).sqrt();
                self.state = innovation;
                value
            }
        }
    }
}

/// The series that can carry the shift, in the order the log lists them.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Rows,
    Accuracy,
    Selection,
    Score,
    Group(usize),
}

/// What one log is drawn from.
struct Parameters {
    buckets: usize,
    mean_rows: f64,
    /// Extra variance over sampling variance.
    extra: f64,
    shape: Shape,
    memory: Memory,
    labelled_share: f64,
    accuracy: f64,
    group_shares: Vec<f64>,
    group_rates: Vec<f64>,
    score_mean: f64,
    score_sd: f64,
}

/// Noise SD of each series at a bucket of mean size, sampling plus extra: the unit a shift is
/// sized in.
struct NoiseSds {
    rows: f64,
    accuracy: f64,
    selection: f64,
    score: f64,
    groups: Vec<f64>,
}

/// A shift: the series it was sized for, how far its mean moves, the bucket it starts at.
#[derive(Clone, Copy)]
struct InjectedShift {
    target: Target,
    delta: f64,
    start: usize,
}

/// Per-bucket draws of every series.
struct Draws {
    rows: Vec<u64>,
    accuracy: Vec<Share>,
    selection: Vec<Share>,
    score: Vec<BucketSums>,
    groups: Vec<Vec<Share>>,
}

/// Draws one log with `shift_in_sd` noise SDs of shift in one series, or none.
pub fn simulate_log(rng: &mut Rng, settings: &Settings, shift_in_sd: Option<f64>) -> SimulatedLog {
    let parameters = draw_parameters(rng, settings);
    let sds = parameters.noise_sds();
    let shift = shift_in_sd.map(|size| choose_shift(rng, &parameters, &sds, size));
    let draws = draw_buckets(rng, &parameters, &sds, shift);
    into_log(draws, parameters.buckets, shift)
}

fn draw_parameters(rng: &mut Rng, settings: &Settings) -> Parameters {
    let (low, high) = settings.bucket_ranges[rng.index(0, settings.bucket_ranges.len() - 1)];
    let buckets = rng.index(low, high);
    let mean_rows = (rng.between(settings.mean_rows.0.ln(), settings.mean_rows.1.ln())).exp();
    let extra = if rng.chance(settings.overdispersed_share) {
        rng.between(settings.overdispersion.0, settings.overdispersion.1)
    } else {
        0.0
    };
    let (shape, memory) = settings.wobbles[rng.index(0, settings.wobbles.len() - 1)];
    let rate = |rng: &mut Rng| {
        if rng.chance(settings.extreme_rate_share) {
            let near_zero = rng.between(settings.extreme_rates.0, settings.extreme_rates.1);
            if rng.chance(0.5) {
                near_zero
            } else {
                1.0 - near_zero
            }
        } else {
            rng.between(0.1, 0.9)
        }
    };
    let labelled_share = rng.between(settings.labelled_share.0, settings.labelled_share.1);
    let accuracy = rate(rng);
    let group_count = rng.index(settings.groups.0, settings.groups.1);
    let weights: Vec<f64> = (0..group_count).map(|_| rng.between(0.05, 1.0)).collect();
    let total: f64 = weights.iter().sum();
    let group_shares = weights.iter().map(|weight| weight / total).collect();
    let group_rates = (0..group_count).map(|_| rate(rng)).collect();
    Parameters {
        buckets,
        mean_rows,
        extra,
        shape,
        memory,
        labelled_share,
        accuracy,
        group_shares,
        group_rates,
        score_mean: rng.between(0.2, 0.8),
        score_sd: rng.between(0.1, 0.3),
    }
}

impl Parameters {
    fn noise_sds(&self) -> NoiseSds {
        let inflate = (1.0 + self.extra).sqrt();
        let rate_sd = |rate: f64, rows: f64| (rate * (1.0 - rate) / rows).sqrt() * inflate;
        let groups = self.groups();
        NoiseSds {
            rows: self.mean_rows.sqrt() * inflate,
            accuracy: rate_sd(self.accuracy, self.labelled_share * self.mean_rows),
            selection: (groups
                .clone()
                .map(|(share, rate)| share * rate * (1.0 - rate))
                .sum::<f64>()
                / self.mean_rows)
                .sqrt()
                * inflate,
            score: self.score_sd / self.mean_rows.sqrt() * inflate,
            groups: groups
                .map(|(share, rate)| rate_sd(rate, share * self.mean_rows))
                .collect(),
        }
    }

    /// Each group's share of rows and selection rate.
    fn groups(&self) -> impl Iterator<Item = (f64, f64)> + Clone + '_ {
        self.group_shares
            .iter()
            .copied()
            .zip(self.group_rates.iter().copied())
    }
}

/// Picks the series to shift and where. A shift goes where it fits, a rate staying inside
/// (0.005, 0.995), and where "noise SDs" mean what they say: bucket noise near Gaussian, at
/// least 5 of the rarer outcome expected per bucket. Sparser series still add their noise.
fn choose_shift(
    rng: &mut Rng,
    parameters: &Parameters,
    sds: &NoiseSds,
    size: f64,
) -> InjectedShift {
    let fits = |rate: f64, delta: f64| (0.005..=0.995).contains(&(rate + delta));
    let gaussian = |rate: f64, trials: f64| trials * rate.min(1.0 - rate) >= 5.0;
    let mean_rows = parameters.mean_rows;
    let sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
    let mut options: Vec<(Target, f64)> = vec![
        (Target::Rows, size * sds.rows),
        (Target::Score, size * sds.score),
    ];
    let accuracy = parameters.accuracy;
    if let Some(s) = [sign, -sign].into_iter().find(|&s| {
        gaussian(accuracy, parameters.labelled_share * mean_rows)
            && fits(accuracy, s * size * sds.accuracy)
    }) {
        options.push((Target::Accuracy, s * size * sds.accuracy));
    }
    if let Some(s) = [sign, -sign].into_iter().find(|&s| {
        parameters.groups().all(|(share, rate)| {
            gaussian(rate, share * mean_rows) && fits(rate, s * size * sds.selection)
        })
    }) {
        options.push((Target::Selection, s * size * sds.selection));
    }
    for (g, (share, rate)) in parameters.groups().enumerate() {
        let delta = size * sds.groups[g];
        if let Some(s) = [sign, -sign]
            .into_iter()
            .find(|&s| gaussian(rate, share * mean_rows) && fits(rate, s * delta))
        {
            options.push((Target::Group(g), s * delta));
        }
    }
    let (target, delta) = options[rng.index(0, options.len() - 1)];
    let margin = (parameters.buckets as f64 * 0.1).ceil() as usize;
    let start = rng.index(margin, parameters.buckets - margin);
    // Rows and score means have room both ways, but a small count cannot fall below one.
    let delta = match target {
        Target::Rows if mean_rows - delta < 1.0 => delta,
        Target::Rows | Target::Score => sign * delta,
        _ => delta,
    };
    InjectedShift {
        target,
        delta,
        start,
    }
}

fn draw_buckets(
    rng: &mut Rng,
    parameters: &Parameters,
    sds: &NoiseSds,
    shift: Option<InjectedShift>,
) -> Draws {
    let delta_for = |target: Target, bucket: usize| match shift {
        Some(shift) if shift.target == target && bucket >= shift.start => shift.delta,
        _ => 0.0,
    };
    let wobble = || Wobble {
        shape: parameters.shape,
        memory: parameters.memory,
        state: 0.0,
    };
    let group_count = parameters.group_rates.len();
    let (mut rows_wobble, mut accuracy_wobble, mut score_wobble) = (wobble(), wobble(), wobble());
    let mut group_wobbles: Vec<Wobble> = (0..group_count).map(|_| wobble()).collect();
    let extra = parameters.extra;
    let extra_sd = |noise_sd: f64| noise_sd * (extra / (1.0 + extra)).sqrt();
    let buckets = parameters.buckets;
    let mut draws = Draws {
        rows: Vec::with_capacity(buckets),
        accuracy: Vec::with_capacity(buckets),
        selection: Vec::with_capacity(buckets),
        score: Vec::with_capacity(buckets),
        groups: vec![Vec::with_capacity(buckets); group_count],
    };
    for bucket in 0..buckets {
        let rows_mean = parameters.mean_rows
            + extra_sd(sds.rows) * rows_wobble.next(rng)
            + delta_for(Target::Rows, bucket);
        let rows = rng.poisson(rows_mean.max(1.0));
        draws.rows.push(rows);
        let labelled = rng.binomial(rows, parameters.labelled_share);
        let accuracy = parameters.accuracy
            + extra_sd(sds.accuracy) * accuracy_wobble.next(rng)
            + delta_for(Target::Accuracy, bucket);
        let correct = rng.binomial(labelled, accuracy);
        draws.accuracy.push(Share {
            hits: correct,
            trials: labelled,
        });
        // Rows split over groups multinomially, each group selected at its own rate.
        let mut remaining_rows = rows;
        let mut remaining_share = 1.0;
        let mut selected = 0;
        for (g, (share, rate)) in parameters.groups().enumerate() {
            let group_rows = if g + 1 == group_count {
                remaining_rows
            } else {
                rng.binomial(remaining_rows, share / remaining_share)
            };
            remaining_rows -= group_rows;
            remaining_share -= share;
            let rate = rate
                + extra_sd(sds.groups[g]) * group_wobbles[g].next(rng)
                + delta_for(Target::Group(g), bucket)
                + delta_for(Target::Selection, bucket);
            let group_selected = rng.binomial(group_rows, rate);
            selected += group_selected;
            draws.groups[g].push(Share {
                hits: group_selected,
                trials: group_rows,
            });
        }
        draws.selection.push(Share {
            hits: selected,
            trials: rows,
        });
        let score_extra = extra_sd(sds.score) * score_wobble.next(rng);
        let mean = parameters.score_mean
            + score_extra
            + delta_for(Target::Score, bucket)
            + parameters.score_sd / (rows.max(1) as f64).sqrt() * rng.normal();
        let count = rows as f64;
        let within = (count - 1.0).max(0.0) * parameters.score_sd * parameters.score_sd;
        draws.score.push(BucketSums {
            count: rows,
            sum: mean * count,
            sum_squares: mean * mean * count + within,
        });
    }
    draws
}

/// The log's series in the order a time-series analysis lists them. Buckets without rows drop
/// out of a rate or mean series, as they do in a real log.
fn into_log(draws: Draws, buckets: usize, shift: Option<InjectedShift>) -> SimulatedLog {
    let moves = |series: Target| match (shift.map(|shift| shift.target), series) {
        (None, _) => false,
        (Some(Target::Group(_)), Target::Selection)
        | (Some(Target::Selection), Target::Group(_)) => true,
        (Some(target), series) => target == series,
    };
    let simulated = |name: String, target: Target, buckets: Vec<usize>, measure: Measure| {
        let series = Series { name, measure };
        let shifted = moves(target);
        (
            target,
            SimulatedSeries {
                series,
                buckets,
                shifted,
            },
        )
    };
    let shares = |name: &str, target: Target, shares: &[Share]| {
        let present: Vec<usize> = (0..shares.len())
            .filter(|&b| shares[b].trials > 0)
            .collect();
        let kept = present.iter().map(|&b| shares[b]).collect();
        simulated(name.to_string(), target, present, Measure::Shares(kept))
    };
    let present: Vec<usize> = (0..buckets).filter(|&b| draws.score[b].count > 0).collect();
    let score = present.iter().map(|&b| draws.score[b]).collect();
    let mut series = vec![
        simulated(
            "rows".to_string(),
            Target::Rows,
            (0..buckets).collect(),
            Measure::Counts(draws.rows),
        ),
        shares("accuracy", Target::Accuracy, &draws.accuracy),
        shares("selection_rate", Target::Selection, &draws.selection),
        simulated(
            "score_mean".to_string(),
            Target::Score,
            present,
            Measure::Means(score),
        ),
    ];
    for (g, group) in draws.groups.iter().enumerate() {
        series.push(shares(
            &format!("selection_rate[{g}]"),
            Target::Group(g),
            group,
        ));
    }
    let shift = shift.map(|shift| {
        let index = series
            .iter()
            .position(|(target, _)| *target == shift.target)
            .unwrap_or(0);
        (index, shift.start)
    });
    SimulatedLog {
        series: series.into_iter().map(|(_, series)| series).collect(),
        shift,
    }
}
