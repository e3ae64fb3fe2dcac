//! Benchmark driver for `bench/forensics/run.sh`: Evidently-preset drift (reference = first
//! half of the kit log by time, current = second half) and Fairlearn-style fairness over all
//! rows, on one Parquet or CSV file, printing `RESULT {json}` with phase timings.
//!
//! Usage: forensics_bench LOG [SPLIT_INSTANT]   (default split 2024-01-31, the kit's midpoint)

use std::path::PathBuf;
use std::time::Instant;

use firebreak_forensics::drift::DriftReport;
use firebreak_forensics::{
    DriftOptions, FairnessOptions, ReadOptions, TimeWindow, fairness, read_log, read_split,
};

/// Columns decoded per pass: bounds memory on large logs while keeping both cores busy.
const COLUMNS_PER_PASS: usize = 3;

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

    let columns: Vec<String> = if path.extension().is_some_and(|extension| extension == "csv") {
        let header = std::io::BufRead::lines(std::io::BufReader::new(std::fs::File::open(&path)?))
            .next()
            .ok_or("empty CSV")??;
        header.split(',').map(str::to_string).collect()
    } else {
        let reader = parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&path)?)?;
        let metadata = parquet::file::reader::FileReader::metadata(&reader);
        metadata
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .map(|column| column.name().to_string())
            .collect()
    };
    let features: Vec<String> = columns
        .into_iter()
        .filter(|name| name != "timestamp")
        .collect();

    let drift_started = Instant::now();
    let is_csv = path.extension().is_some_and(|extension| extension == "csv");
    // CSV is parsed once (it cannot be projected cheaply); Parquet is read a few columns at a
    // time by two workers, so decoding overlaps with the kernels and memory stays bounded.
    let passes: Vec<&[String]> = if is_csv {
        vec![&features[..]]
    } else {
        features.chunks(COLUMNS_PER_PASS).collect()
    };
    let next_pass = std::sync::atomic::AtomicUsize::new(0);
    let outcomes = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let index = next_pass.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(group) = passes.get(index) else {
                        break;
                    };
                    let outcome = read_split(
                        &path,
                        Some(group),
                        "timestamp",
                        reference_window,
                        current_window,
                    )
                    .and_then(|(reference, current)| {
                        let options = DriftOptions {
                            columns: Some(group.to_vec()),
                            ..DriftOptions::default()
                        };
                        firebreak_forensics::drift(&reference, &current, &options)
                    });
                    outcomes
                        .lock()
                        .expect("no worker panics")
                        .push((index, outcome));
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().expect("no worker panics");
    outcomes.sort_by_key(|(index, _)| *index);
    let mut results = Vec::new();
    let (mut reference_rows, mut current_rows) = (0, 0);
    for (_, outcome) in outcomes {
        let report = outcome?;
        (reference_rows, current_rows) = (report.reference_rows, report.current_rows);
        results.extend(report.columns);
    }
    let report = DriftReport::from_columns(
        DriftOptions::default().preset,
        reference_rows,
        current_rows,
        results,
        0.5,
    );
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
