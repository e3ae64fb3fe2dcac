//! The detector's promise held to generated logs (decision D34): designed and tuned on
//! [`TUNING`] logs from one seed, asserted on [`HELD_OUT`] logs from another seed and generator
//! settings never used to choose anything (other bucket counts, group counts, row counts,
//! label shares, noise shapes and persistence, rates nearer 0 or 1).

use super::find_shifts;
use super::simulate::{
    HELD_OUT, HELD_OUT_SEED, Rng, SHIFT_IN_SD, Settings, TUNING, TUNING_SEED, simulate_log,
};

/// Logs of each kind (without and with a shift) per set.
const LOGS: usize = 400;

#[derive(Debug, Default)]
struct Tally {
    quiet_logs: usize,
    quiet_logs_with_alarm: usize,
    shifted_logs: usize,
    shifted_logs_found: usize,
    reported: usize,
    reported_true: usize,
}

impl Tally {
    /// Share of logs without a shift that got any change point in any series.
    fn false_alarm_rate(&self) -> f64 {
        self.quiet_logs_with_alarm as f64 / self.quiet_logs as f64
    }

    /// Recall: share of shifted logs whose shifted series got a change point within one
    /// bucket of where the shift starts.
    fn detection_rate(&self) -> f64 {
        self.shifted_logs_found as f64 / self.shifted_logs as f64
    }

    /// Share of reported change points within one bucket of a shift of their series' mean.
    fn precision(&self) -> f64 {
        self.reported_true as f64 / self.reported.max(1) as f64
    }
}

/// Runs the detector on `LOGS` logs without and `LOGS` with a shift, drawn from `seed`.
fn measure(settings: &Settings, seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    for log_number in 0..2 * LOGS {
        let shifted = log_number % 2 == 1;
        let log = simulate_log(&mut rng, settings, shifted.then_some(SHIFT_IN_SD));
        let family: Vec<_> = log.series.iter().map(|s| s.series.clone()).collect();
        let scans = find_shifts(&family).expect("generated series are well formed");
        let mut alarms = 0;
        let mut found = false;
        for (index, (simulated, scan)) in log.series.iter().zip(&scans).enumerate() {
            for shift in &scan.shifts {
                alarms += 1;
                let bucket = simulated.buckets[shift.index];
                if let Some((shifted_series, start)) = log.shift
                    && simulated.shifted
                    && bucket.abs_diff(start) <= 1
                {
                    tally.reported_true += 1;
                    found |= shifted_series == index;
                }
            }
        }
        tally.reported += alarms;
        if shifted {
            tally.shifted_logs += 1;
            tally.shifted_logs_found += usize::from(found);
        } else {
            tally.quiet_logs += 1;
            tally.quiet_logs_with_alarm += usize::from(alarms > 0);
        }
    }
    tally
}

fn assert_promise_kept(name: &str, tally: &Tally) {
    // Shown with `--nocapture`; RESULTS.md of bench/changepoints quotes it.
    println!(
        "{name}: false alarms in {:.2} % of {} logs without a shift; shift found within one \
         bucket in {:.2} % of {} (recall); precision {:.3} ({} of {} change points)",
        100.0 * tally.false_alarm_rate(),
        tally.quiet_logs,
        100.0 * tally.detection_rate(),
        tally.shifted_logs,
        tally.precision(),
        tally.reported_true,
        tally.reported
    );
    assert!(tally.false_alarm_rate() <= 0.05, "{name}: {tally:?}");
    assert!(tally.detection_rate() >= 0.90, "{name}: {tally:?}");
}

#[test]
fn tuning_logs_keep_the_promise() {
    assert_promise_kept("tuning", &measure(&TUNING, TUNING_SEED));
}

#[test]
fn held_out_logs_keep_the_promise() {
    assert_promise_kept("held out", &measure(&HELD_OUT, HELD_OUT_SEED));
}
