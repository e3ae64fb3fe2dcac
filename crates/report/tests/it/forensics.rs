use firebreak_forensics::{DriftReport, FairnessReport, ProfileReport, TimeseriesReport};
use firebreak_report::forensics::{
    drift_distribution_svg, drift_document, fairness_document, fairness_svgs, profile_document,
    profile_svg, timeseries_document, timeseries_svgs,
};
use firebreak_report::{to_html, to_markdown, to_text};
use serde_json::json;

use crate::assert_svg_document;

fn drift_report() -> DriftReport {
    let column = |name: &str, kind: &str, method: &str, drift: bool, distribution| {
        json!({
            "column": name, "kind": kind, "method": method, "score": 0.01,
            "test_statistic": 0.3, "p_value": 0.01, "threshold": 0.05,
            "drift_detected": drift, "reference_values": 500, "current_values": 400,
            "reference_dropped": {"missing": 0, "nan": 0, "infinite": 0},
            "current_dropped": {"missing": 0, "nan": 0, "infinite": 0},
            "unseen_categories": [], "unseen_category_count": 0,
            "handling": "", "skipped": null, "distribution": distribution
        })
    };
    serde_json::from_value(json!({
        "schema_version": 1, "preset": {"preset": "evidently"},
        "reference_rows": 500, "current_rows": 400,
        "columns": [
            column("income", "numerical", "kolmogorov_smirnov", true, json!({"bins": {
                "edges": [0.0, 1250.5, 2501.0, 3751.5, 5002.0, 6252.5, 7503.0, 8753.5, 10004.0, 11254.5, 12505.0],
                "reference": [10, 40, 90, 130, 110, 70, 30, 15, 4, 1],
                "current": [2, 8, 30, 60, 90, 100, 60, 35, 10, 5]
            }})),
            column("region", "categorical", "chi_square", false, json!({"categories": {
                "categories": ["north", "south", "east", "a region with a very long name indeed, too long for its label"],
                "reference": [200, 150, 100, 30], "current": [150, 130, 80, 20],
                "other_reference": 20, "other_current": 20
            }}))
        ],
        "tested_columns": 2, "drifted_columns": 1, "share_of_drifted_columns": 0.5,
        "drift_share": 0.5, "dataset_drift": true
    }))
    .unwrap()
}

pub fn fairness_report() -> FairnessReport {
    let group = |name: &str, count: u64, selection: f64, tpr: f64, fpr: f64| {
        json!({
            "group": name, "count": count, "true_positives": 1, "false_positives": 1,
            "true_negatives": 1, "false_negatives": 1, "base_rate": 0.4,
            "selection_rate": selection, "true_positive_rate": tpr,
            "false_positive_rate": fpr, "false_negative_rate": 1.0 - tpr,
            "precision": 0.7, "accuracy": 0.8, "auc": null,
            "expected_calibration_error": null
        })
    };
    serde_json::from_value(json!({
        "schema_version": 1, "group_columns": ["postcode"], "rows": 1000,
        "overall": group("(all)", 1000, 0.45, 0.8, 0.1),
        "groups": [
            group("A", 400, 0.52, 0.85, 0.12),
            group("B", 350, 0.31, 0.7, 0.05),
            group("C", 250, 0.56, 0.9, 0.2),
        ],
        "gaps": {
            "demographic_parity_difference": 0.25, "demographic_parity_ratio": 0.55,
            "equalized_odds_difference": 0.2, "equalized_odds_ratio": 0.25,
            "equal_opportunity_difference": 0.2, "equal_opportunity_ratio": 0.78
        },
        "reference_group": "A",
        "disparities": [
            {"group": "B", "metric": "pprev", "value": 0.31, "reference_value": 0.52, "disparity": 0.596, "fair": false},
            {"group": "C", "metric": "pprev", "value": 0.56, "reference_value": 0.52, "disparity": 1.077, "fair": true}
        ],
        "conventions": "Fairlearn and Aequitas"
    }))
    .unwrap()
}

fn timeseries_report() -> TimeseriesReport {
    let buckets: Vec<_> = (0..30)
        .map(|day| {
            let shifted = day >= 18;
            json!({
                "start": format!("2024-01-{:02}T00:00:00Z", day + 1),
                "rows": 300 + (day * 37) % 50,
                "accuracy": if day == 7 { serde_json::Value::Null } else { json!(if shifted { 0.71 } else { 0.86 }) },
                "selection_rate": if shifted { 0.3 } else { 0.45 },
                "score_mean": 0.5,
                "selection_rate_by_group": {"A": if shifted { 0.42 } else { 0.47 }, "B": if shifted { 0.18 } else { 0.43 }}
            })
        })
        .collect();
    serde_json::from_value(json!({
        "schema_version": 1, "granularity": "day", "buckets": buckets,
        "change_points": [
            {"series": "accuracy", "bucket_start": "2024-01-19T00:00:00Z", "bucket_index": 18, "mean_before": 0.86, "mean_after": 0.71},
            {"series": "selection_rate", "bucket_start": "2024-01-19T00:00:00Z", "bucket_index": 18, "mean_before": 0.45, "mean_after": 0.3},
            {"series": "selection_rate[B]", "bucket_start": "2024-01-19T00:00:00Z", "bucket_index": 18, "mean_before": 0.43, "mean_after": 0.18},
            {"series": "selection_rate[A]", "bucket_start": "2024-01-20T00:00:00Z", "bucket_index": 19, "mean_before": 0.47, "mean_after": 0.42}
        ],
        "detector": "PELT"
    }))
    .unwrap()
}

#[test]
fn drift_histogram() {
    let report = drift_report();
    let svg = drift_distribution_svg("income", report.columns[0].distribution.as_ref().unwrap());
    assert_svg_document(&svg);
    insta::assert_snapshot!("drift_histogram", svg);
}

#[test]
fn drift_category_bars() {
    let report = drift_report();
    let svg = drift_distribution_svg("region", report.columns[1].distribution.as_ref().unwrap());
    assert_svg_document(&svg);
    assert!(svg.contains("(other categories)"));
    insta::assert_snapshot!("drift_category_bars", svg);
}

#[test]
fn fairness_charts() {
    let (ratio, rates) = fairness_svgs(&fairness_report());
    assert_svg_document(&ratio);
    assert_svg_document(&rates);
    assert!(ratio.contains("fair: 0.8–1.25"));
    insta::assert_snapshot!("fairness_ratio", ratio);
    insta::assert_snapshot!("fairness_rates", rates);
}

#[test]
fn timeseries_charts() {
    let charts = timeseries_svgs(&timeseries_report());
    let captions: Vec<&str> = charts.iter().map(|(_, caption)| caption.as_str()).collect();
    assert_eq!(captions.len(), 4, "{captions:?}");
    assert!(captions[2].contains("selection_rate[B] at 2024-01-19T00:00:00Z: 0.43 → 0.18"));
    for (svg, _) in &charts {
        assert_svg_document(svg);
    }
    insta::assert_snapshot!("timeseries_selection_rate", charts[2].0);
}

#[test]
fn documents_carry_tables_and_charts() {
    let drift = drift_document(&drift_report(), "ref.parquet", "cur.parquet");
    assert_eq!(drift.figures().count(), 2);
    let markdown = to_markdown(&drift);
    assert!(
        markdown.contains("| income | numerical | kolmogorov_smirnov |"),
        "{markdown}"
    );
    assert!(markdown.contains("```svg\n<svg"));
    let html = to_html(&fairness_document(
        &fairness_report(),
        "log.parquet: decisions `y_hat`",
    ));
    assert_eq!(html.matches("<svg").count(), 2);
    let text = to_text(&timeseries_document(&timeseries_report(), "log.parquet"));
    assert!(
        text.contains("selection_rate[B]  2024-01-19T00:00:00Z"),
        "{text}"
    );
}

#[test]
fn timeseries_names_the_change_before_each_change_point() {
    let mut report = timeseries_report();
    let promotion: firebreak_core::change::ChangeEvent = serde_json::from_value(json!({
        "id": "CH-7", "system": "credit-scoring", "kind": "model_promoted",
        "version_from": "3", "version_to": "4", "by": "mlflow",
        "at": "2024-01-18T16:00:00Z", "recorded_by": "mlflow", "recorded_at": "2024-01-18T16:01:00Z"
    }))
    .unwrap();
    report.mark_changes(&[promotion]);
    let charts = timeseries_svgs(&report);
    let accuracy = &charts[1];
    assert!(
        accuracy.1.contains(
            "accuracy at 2024-01-19T00:00:00Z: 0.86 → 0.71, after CH-7 (credit-scoring: model promoted 3 → 4, 2024-01-18T16:00:00Z)"
        ),
        "{}",
        accuracy.1
    );
    assert!(accuracy.0.contains(">CH-7</text>"), "{}", accuracy.0);
    let text = to_text(&timeseries_document(&report, "log.parquet"));
    assert!(text.contains("Changes recorded over the series"), "{text}");
    assert!(text.contains("after the change"), "{text}");
}

fn profile_report() -> ProfileReport {
    let column = |name: &str, missing: u64, nan: u64, inf: u64| {
        json!({
            "column": name, "kind": "float", "rows": 1000, "missing": missing, "nan": nan,
            "positive_infinity": inf, "negative_infinity": 0, "distinct": 900,
            "minimum": 0.0, "maximum": 1.0, "mean": 0.5, "std": 0.1,
            "quantiles": [[0.5, 0.5]], "new_categories": [], "new_category_rows": null,
            "out_of_reference_range": null
        })
    };
    serde_json::from_value(json!({
        "schema_version": 1, "source": "log.parquet", "rows": 1000,
        "columns": [column("income", 120, 0, 0), column("score", 5, 40, 3), column("age", 0, 0, 0)],
        "schema_diff": null
    }))
    .unwrap()
}

#[test]
fn profile_chart() {
    let report = profile_report();
    let svg = profile_svg(&report);
    assert_svg_document(&svg);
    insta::assert_snapshot!("profile_missing_values", svg);
    assert_eq!(profile_document(&report).figures().count(), 1);
}

#[test]
fn empty_and_degenerate_reports_still_render() {
    let mut drift = drift_report();
    drift.columns.clear();
    let mut fairness = fairness_report();
    fairness.groups.clear();
    fairness.disparities.clear();
    fairness.overall.selection_rate = f64::NAN;
    let mut series = timeseries_report();
    series.buckets.truncate(1);
    series.change_points[0].bucket_index = 40;
    let mut profile = profile_report();
    profile.columns[0].rows = 0;
    for document in [
        drift_document(&drift, "", ""),
        fairness_document(&fairness, ""),
        timeseries_document(&series, ""),
        profile_document(&profile),
    ] {
        let html = to_html(&document);
        assert!(!html.contains("NaN\""), "{html}");
        to_markdown(&document);
        to_text(&document);
    }
}
