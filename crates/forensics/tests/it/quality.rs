use firebreak_forensics::timeseries::Granularity;
use firebreak_forensics::{ReadOptions, TimeseriesOptions, profile, read_log, timeseries};

use crate::{fixture, halves};

#[test]
fn daily_series_find_the_injected_shift() {
    let table = read_log(&fixture("log_20k.parquet"), &ReadOptions::default()).expect("log");
    let options = TimeseriesOptions {
        timestamp: "timestamp".to_string(),
        granularity: Granularity::Day,
        label: Some("y_true".to_string()),
        prediction: Some("y_pred".to_string()),
        score: Some("y_pred_proba".to_string()),
        group: Some("group".to_string()),
    };
    let report = timeseries(&table, &options).expect("timeseries");
    assert_eq!(report.buckets.len(), 60);
    assert_eq!(
        report.buckets.iter().map(|bucket| bucket.rows).sum::<u64>(),
        20_000
    );
    // The generator shifts num_0 (and with it the score) from the second half on: 2024-01-31.
    let score_shifts: Vec<&str> = report
        .change_points
        .iter()
        .filter(|point| point.series == "score_mean")
        .map(|point| point.bucket_start.as_str())
        .collect();
    assert_eq!(score_shifts, ["2024-01-31T00:00:00Z"]);
    assert!(
        report
            .change_points
            .iter()
            .all(|point| point.series != "rows"),
        "volume is constant"
    );
}

#[test]
fn profile_reports_new_categories_ranges_and_schema() {
    let (reference, current) = halves("edge_large.parquet");
    let report = profile(&current, Some(&reference));
    let column = |name: &str| {
        report
            .columns
            .iter()
            .find(|column| column.column == name)
            .expect("column")
    };
    assert_eq!(column("unseen").new_categories, ["c", "d"]);
    assert_eq!(column("all_nan").missing + column("all_nan").nan, 1200);
    assert_eq!(column("all_nan").mean, None);
    assert_eq!(column("constant").std, Some(0.0));
    assert_eq!(column("single_category").distinct, 1);
    assert!(column("with_inf").positive_infinity > 0);
    assert!(
        column("ties").out_of_reference_range.expect("numeric") > 0,
        "current adds 1 to some ties"
    );
    let diff = report.schema_diff.expect("reference given");
    assert!(
        diff.only_in_reference.is_empty()
            && diff.only_in_current.is_empty()
            && diff.type_changed.is_empty()
    );
}
