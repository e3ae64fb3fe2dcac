//! Benchmark driver for `bench/forensics/run.sh`: Evidently-preset drift (reference = first
//! half of the kit log by time, current = second half) and Fairlearn-style fairness over all
//! rows, on one Parquet or CSV file, printing `RESULT {json}` with phase timings.
//!
//! Usage: forensics_bench LOG [SPLIT_INSTANT]   (default split 2024-01-31, the kit's midpoint)

use std::path::PathBuf;
use std::time::Instant;

use firebreak_forensics::{
    DriftOptions, FairnessOptions, LogSplit, ReadOptions, TimeWindow, drift_log, fairness, read_log,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut arguments = std::env::args().skip(1);
    let path = PathBuf::from(
        arguments
            .next()
            .ok_or("usage: forensics_bench LOG [SPLIT_INSTANT]")?,
    );
    let split = arguments.next().unwrap_or_else(|| "2024-01-31".to_string());
    let reference_window = TimeWindow::parse(&format!("..{split}"))?;
    let current_window = TimeWindow::parse(&format!("{split}.."))?;
    let started = Instant::now();

    let drift_started = Instant::now();
    let split = LogSplit::TimeWindows {
        path: path.clone(),
        timestamp: "timestamp".to_string(),
        reference: reference_window,
        current: current_window,
    };
    let report = drift_log(&split, None, &DriftOptions::default())?;
    let drift_seconds = drift_started.elapsed().as_secs_f64();

    let fairness_load_started = Instant::now();
    let wanted = ["group", "y_true", "y_pred"].map(str::to_string).to_vec();
    let table = read_log(
        &path,
        &ReadOptions {
            columns: Some(wanted),
            window: None,
        },
    )?;
    let fairness_load_seconds = fairness_load_started.elapsed().as_secs_f64();
    let fairness_started = Instant::now();
    let fair = fairness(
        &table,
        &FairnessOptions {
            group_columns: vec!["group".to_string()],
            label: "y_true".to_string(),
            prediction: "y_pred".to_string(),
            score: None,
            reference_group: None,
        },
    )?;
    let fairness_seconds = fairness_started.elapsed().as_secs_f64();

    let drift_summary: serde_json::Map<String, serde_json::Value> = report
        .columns
        .iter()
        .map(|column| {
            let method = column
                .method
                .map(|method| format!("{method:?}"))
                .unwrap_or_default();
            (
                column.column.clone(),
                format!("{method}:{:.4}", column.score.unwrap_or(f64::NAN)).into(),
            )
        })
        .collect();
    let result = serde_json::json!({
        "tool": "firebreak",
        "file": path.display().to_string(),
        "reference_rows": report.reference_rows,
        "current_rows": report.current_rows,
        "drift_s": (drift_seconds * 1000.0).round() / 1000.0,
        "fairness_load_s": (fairness_load_seconds * 1000.0).round() / 1000.0,
        "fair_s": (fairness_seconds * 10000.0).round() / 10000.0,
        "total_s": (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        "drifted": report.drifted_columns,
        "dataset_drift": report.dataset_drift,
        "drift": drift_summary,
        "dpd": fair.gaps.demographic_parity_difference,
        "eod": fair.gaps.equalized_odds_difference,
    });
    println!("RESULT {result}");
    Ok(())
}
