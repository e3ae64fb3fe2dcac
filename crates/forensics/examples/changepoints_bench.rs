//! Benchmark driver for `bench/changepoints/run.sh`: draws the calibration tests' logs (same
//! generator and seeds), times Firebreak's detector on them in process, writes every series
//! with the change points Firebreak put in it to `series.csv` (for ruptures, and for a look by
//! hand), and prints `RESULT {json}` with its false-alarm rate per log, recall, precision and
//! seconds.
//!
//! Usage: changepoints_bench tuning|held-out LOGS_PER_KIND OUT_DIR

use std::io::Write;
use std::time::Instant;

// `simulate` names these as `super::…`, as it does inside the library.
use firebreak_forensics::timeseries::changepoints::{
    BucketSums, Measure, Scan, Series, Share, find_shifts,
};

#[path = "../src/timeseries/changepoints/simulate.rs"]
mod simulate;

use simulate::{
    HELD_OUT, HELD_OUT_SEED, Rng, SHIFT_IN_SD, SimulatedLog, TUNING, TUNING_SEED, simulate_log,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: changepoints_bench tuning|held-out LOGS_PER_KIND OUT_DIR";
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [set, logs, out] = arguments.as_slice() else {
        return Err(usage.into());
    };
    let (settings, seed) = match set.as_str() {
        "tuning" => (TUNING, TUNING_SEED),
        "held-out" => (HELD_OUT, HELD_OUT_SEED),
        _ => return Err(usage.into()),
    };
    let logs: usize = logs.parse().map_err(|_| usage)?;
    let mut rng = Rng::new(seed);
    let drawn: Vec<SimulatedLog> = (0..2 * logs)
        .map(|number| {
            simulate_log(
                &mut rng,
                &settings,
                (number % 2 == 1).then_some(SHIFT_IN_SD),
            )
        })
        .collect();
    let families: Vec<Vec<Series>> = drawn
        .iter()
        .map(|log| log.series.iter().map(|s| s.series.clone()).collect())
        .collect();

    // Best of five, so a scheduler hiccup does not count against the detector.
    let mut seconds = f64::INFINITY;
    let mut scans: Vec<Vec<Scan>> = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        scans = families
            .iter()
            .map(|family| find_shifts(family))
            .collect::<Result<_, _>>()?;
        seconds = seconds.min(started.elapsed().as_secs_f64());
    }

    std::fs::create_dir_all(out)?;
    let mut csv = std::io::BufWriter::new(std::fs::File::create(format!("{out}/series.csv"))?);
    writeln!(
        csv,
        "log,shifted_log,series,series_shifted,designated,shift_start,firebreak_penalty,bucket,\
         value,firebreak_change"
    )?;
    let (mut quiet, mut quiet_alarmed, mut shifted, mut found, mut reported, mut reported_true) =
        (0, 0, 0, 0, 0, 0);
    for (number, (log, scans)) in drawn.iter().zip(&scans).enumerate() {
        let start = log.shift.map(|(_, start)| start);
        let mut alarms = 0;
        let mut found_here = false;
        for (index, (simulated, scan)) in log.series.iter().zip(scans).enumerate() {
            let designated = log.shift.is_some_and(|(series, _)| series == index);
            let values = simulated.series.measure.values();
            for (position, (&bucket, value)) in simulated.buckets.iter().zip(values).enumerate() {
                let change = scan.shifts.iter().any(|shift| shift.index == position);
                writeln!(
                    csv,
                    "{number},{},{},{},{},{},{},{bucket},{value},{}",
                    u8::from(start.is_some()),
                    simulated.series.name,
                    u8::from(simulated.shifted),
                    u8::from(designated),
                    start.map_or(String::new(), |start| start.to_string()),
                    scan.penalty
                        .map_or(String::new(), |penalty| penalty.to_string()),
                    u8::from(change),
                )?;
            }
            for shift in &scan.shifts {
                alarms += 1;
                let bucket = simulated.buckets[shift.index];
                if let Some(start) = start
                    && simulated.shifted
                    && bucket.abs_diff(start) <= 1
                {
                    reported_true += 1;
                    found_here |= designated;
                }
            }
        }
        reported += alarms;
        if start.is_some() {
            shifted += 1;
            found += usize::from(found_here);
        } else {
            quiet += 1;
            quiet_alarmed += usize::from(alarms > 0);
        }
    }
    let series: usize = families.iter().map(Vec::len).sum();
    println!(
        "RESULT {{\"tool\": \"firebreak\", \"set\": \"{set}\", \"logs\": {}, \"series\": {series}, \
         \"false_alarm_rate\": {:.4}, \"recall\": {:.4}, \"precision\": {:.4}, \
         \"change_points\": {reported}, \"seconds\": {seconds:.6}}}",
        2 * logs,
        quiet_alarmed as f64 / quiet as f64,
        found as f64 / shifted as f64,
        reported_true as f64 / reported.max(1) as f64,
    );
    Ok(())
}
