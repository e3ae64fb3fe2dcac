use firebreak_forensics::drift::{ColumnKind, DriftMethod, Preset, column_drift};
use firebreak_forensics::summary::ColumnSummary;
use firebreak_forensics::{DriftOptions, FairnessOptions, drift, fairness};

use crate::{assert_close, expected, halves};

/// Exact methods must agree to 1e-9 relative; methods over bins to 1e-6 (the bar).
const EXACT: f64 = 1e-9;
const BINNED: f64 = 1e-6;

fn evidently_method(display_name: &str) -> DriftMethod {
    match display_name {
        "Wasserstein distance (normed)" => DriftMethod::Wasserstein,
        "Jensen-Shannon distance" => DriftMethod::JensenShannon { base: None },
        "K-S p_value" => DriftMethod::KolmogorovSmirnov,
        "chi-square p_value" => DriftMethod::ChiSquare,
        "Z-test p_value" => DriftMethod::ZTest,
        other => panic!("unexpected Evidently method {other}"),
    }
}

fn tolerance(method: DriftMethod) -> f64 {
    match method {
        DriftMethod::JensenShannon { .. }
        | DriftMethod::Psi
        | DriftMethod::KlDivergence
        | DriftMethod::Hellinger => BINNED,
        _ => EXACT,
    }
}

fn check_evidently_preset(log: &str) {
    let expected = &expected()["evidently_preset"][log];
    let (reference, current) = halves(&format!("{log}.parquet"));
    let options = DriftOptions {
        // Evidently refuses an all-NaN column outright; it is checked on its own below.
        exclude: vec!["all_nan".to_string()],
        ..DriftOptions::default()
    };
    let report = drift(&reference, &current, &options).expect("drift runs");
    let peer_columns = expected["columns"].as_object().expect("columns");
    assert_eq!(
        report.tested_columns,
        peer_columns.len(),
        "{log}: same columns tested"
    );
    for column in &report.columns {
        // A column Evidently types as unknown (a yes/no column with gaps) is not in its preset.
        if column.kind == ColumnKind::Untyped {
            assert!(
                !peer_columns.contains_key(&column.column) && column.skipped.is_some(),
                "{log}.{}: untyped, so neither tested nor counted",
                column.column
            );
            continue;
        }
        let peer = &peer_columns[&column.column];
        let method = evidently_method(peer["method"].as_str().expect("method"));
        assert_eq!(
            column.method,
            Some(method),
            "{log}.{}: method",
            column.column
        );
        assert_eq!(
            column.threshold,
            peer["threshold"].as_f64().expect("threshold"),
            "{log}.{}",
            column.column
        );
        let what = format!("{log}.{} {method:?}", column.column);
        assert_close(
            &what,
            column.score.expect("score"),
            &peer["value"],
            tolerance(method),
        );
    }
    assert_eq!(
        report.drifted_columns as f64,
        expected["drifted"]["count"].as_f64().expect("count"),
        "{log}"
    );
    assert_close(
        &format!("{log} share"),
        report.share_of_drifted_columns,
        &expected["drifted"]["share"],
        EXACT,
    );
}

#[test]
fn evidently_preset_on_generated_log_with_large_reference() {
    check_evidently_preset("log_20k");
}

#[test]
fn evidently_preset_on_generated_log_with_small_reference() {
    check_evidently_preset("log_small");
}

#[test]
fn evidently_preset_on_edge_cases() {
    check_evidently_preset("edge_large");
    check_evidently_preset("edge_small");
}

#[test]
fn yes_no_columns_are_typed_as_evidently_types_them() {
    let (reference, current) = halves("edge_large.parquet");
    let report = drift(&reference, &current, &DriftOptions::default()).expect("drift runs");
    let kind = |name: &str| {
        report
            .columns
            .iter()
            .find(|column| column.column == name)
            .map(|column| column.kind)
    };
    assert_eq!(kind("flag"), Some(ColumnKind::Categorical));
    assert_eq!(kind("flag_with_gaps"), Some(ColumnKind::Untyped));
    let peer = &expected()["evidently_preset"]["edge_large"]["columns"];
    assert!(peer.get("flag").is_some() && peer.get("flag_with_gaps").is_none());
}

fn custom(method: DriftMethod) -> Preset {
    Preset::Custom {
        numerical: method,
        categorical: method,
        threshold: None,
    }
}

fn column_score(
    reference: &firebreak_forensics::Table,
    current: &firebreak_forensics::Table,
    column: &str,
    method: DriftMethod,
) -> (Option<f64>, Option<f64>) {
    let reference = ColumnSummary::of(&reference.column(column).expect("column").values);
    let current = ColumnSummary::of(&current.column(column).expect("column").values);
    let result = column_drift(column, &reference, &current, &custom(method));
    (result.score, result.test_statistic)
}

#[test]
fn every_evidently_method_matches_its_stattest() {
    let expected = expected();
    for (log, columns) in expected["evidently_methods"].as_object().expect("logs") {
        let (reference, current) = halves(&format!("{log}.parquet"));
        for (column, methods) in columns.as_object().expect("columns") {
            for (name, value) in methods.as_object().expect("methods") {
                let method = match name.as_str() {
                    "psi" => DriftMethod::Psi,
                    "kl_div" => DriftMethod::KlDivergence,
                    "jensenshannon" => DriftMethod::JensenShannon { base: None },
                    "hellinger" => DriftMethod::Hellinger,
                    "chisquare" => DriftMethod::ChiSquare,
                    "wasserstein" => DriftMethod::Wasserstein,
                    "ks" => DriftMethod::KolmogorovSmirnov,
                    "z" => DriftMethod::ZTest,
                    other => panic!("unknown method {other}"),
                };
                let (score, _) = column_score(&reference, &current, column, method);
                let score = score.unwrap_or(f64::NAN);
                assert_close(
                    &format!("{log}.{column} {name}"),
                    score,
                    value,
                    tolerance(method),
                );
            }
        }
    }
}

#[test]
fn scipy_tests_match() {
    let expected = expected();
    for (log, peers) in expected["scipy"].as_object().expect("logs") {
        let (reference, current) = halves(&format!("{log}.parquet"));
        for (column, peer) in peers["ks_2samp"].as_object().expect("ks") {
            let (p_value, statistic) =
                column_score(&reference, &current, column, DriftMethod::KolmogorovSmirnov);
            assert_close(
                &format!("{log}.{column} KS D"),
                statistic.expect("D"),
                &peer["statistic"],
                EXACT,
            );
            assert_close(
                &format!("{log}.{column} KS p"),
                p_value.expect("p"),
                &peer["pvalue"],
                EXACT,
            );
        }
        for (column, peer) in peers["chi2_contingency"].as_object().expect("chi2") {
            let (p_value, statistic) = column_score(
                &reference,
                &current,
                column,
                DriftMethod::ChiSquareContingency,
            );
            assert_close(
                &format!("{log}.{column} chi2"),
                statistic.expect("chi2"),
                &peer["statistic"],
                EXACT,
            );
            assert_close(
                &format!("{log}.{column} chi2 p"),
                p_value.expect("p"),
                &peer["pvalue"],
                EXACT,
            );
        }
        for (column, peer) in peers["jensenshannon_base2"].as_object().expect("js2") {
            let (distance, _) = column_score(
                &reference,
                &current,
                column,
                DriftMethod::JensenShannon { base: Some(2.0) },
            );
            assert_close(
                &format!("{log}.{column} JS base 2"),
                distance.expect("JS"),
                peer,
                EXACT,
            );
        }
    }
}

fn check_fairness(case: &str, group_columns: &[&str]) {
    let expected = &expected()["fairness"][case];
    let table =
        firebreak_forensics::read_log(&crate::fixture("log_20k.parquet"), &Default::default())
            .expect("log");
    let options = FairnessOptions {
        group_columns: group_columns
            .iter()
            .map(|column| column.to_string())
            .collect(),
        label: "y_true".to_string(),
        prediction: "y_pred".to_string(),
        score: Some("y_pred_proba".to_string()),
        reference_group: None,
    };
    let report = fairness(&table, &options).expect("fairness runs");
    let peer_groups = expected["groups"].as_object().expect("groups");
    assert_eq!(report.groups.len(), peer_groups.len(), "{case}: groups");
    for group in &report.groups {
        let peer = &peer_groups[&group.group];
        let what = |metric: &str| format!("{case}[{}].{metric}", group.group);
        assert_close(&what("count"), group.count as f64, &peer["count"], EXACT);
        assert_close(
            &what("base_rate"),
            group.base_rate,
            &peer["base_rate"],
            EXACT,
        );
        assert_close(
            &what("selection_rate"),
            group.selection_rate,
            &peer["selection_rate"],
            EXACT,
        );
        assert_close(
            &what("tpr"),
            group.true_positive_rate,
            &peer["true_positive_rate"],
            EXACT,
        );
        assert_close(
            &what("fpr"),
            group.false_positive_rate,
            &peer["false_positive_rate"],
            EXACT,
        );
        assert_close(
            &what("fnr"),
            group.false_negative_rate,
            &peer["false_negative_rate"],
            EXACT,
        );
        assert_close(
            &what("precision"),
            group.precision,
            &peer["precision"],
            EXACT,
        );
        assert_close(&what("accuracy"), group.accuracy, &peer["accuracy"], EXACT);
        assert_close(&what("auc"), group.auc.expect("auc"), &peer["auc"], EXACT);
        assert_close(
            &what("ece"),
            group.expected_calibration_error.expect("ece"),
            &peer["expected_calibration_error"],
            EXACT,
        );
    }
    let gaps = &expected["gaps"];
    assert_close(
        "dp difference",
        report.gaps.demographic_parity_difference,
        &gaps["demographic_parity_difference"],
        EXACT,
    );
    assert_close(
        "dp ratio",
        report.gaps.demographic_parity_ratio,
        &gaps["demographic_parity_ratio"],
        EXACT,
    );
    assert_close(
        "eo difference",
        report.gaps.equalized_odds_difference,
        &gaps["equalized_odds_difference"],
        EXACT,
    );
    assert_close(
        "eo ratio",
        report.gaps.equalized_odds_ratio,
        &gaps["equalized_odds_ratio"],
        EXACT,
    );
    assert_close(
        "eop difference",
        report.gaps.equal_opportunity_difference,
        &gaps["equal_opportunity_difference"],
        EXACT,
    );
    assert_close(
        "eop ratio",
        report.gaps.equal_opportunity_ratio,
        &gaps["equal_opportunity_ratio"],
        EXACT,
    );
    crate::aequitas::check_aequitas(case, &report, &expected["aequitas"]);
}

#[test]
fn fairness_matches_fairlearn_and_aequitas() {
    check_fairness("group", &["group"]);
}

/// Aequitas audits one attribute at a time; its side of the intersection ran on a column of
/// `group|cat_0` values.
#[test]
fn intersectional_fairness_matches_fairlearn_and_aequitas() {
    check_fairness("group_x_cat_0", &["group", "cat_0"]);
}

#[test]
fn all_nan_column_is_reported_not_tested() {
    let (reference, current) = halves("edge_large.parquet");
    let options = DriftOptions {
        columns: Some(vec!["all_nan".to_string()]),
        ..DriftOptions::default()
    };
    let report = drift(&reference, &current, &options).expect("drift runs");
    let column = &report.columns[0];
    assert!(
        column
            .skipped
            .as_deref()
            .is_some_and(|reason| reason.contains("no reference values"))
    );
    // pyarrow stores pandas' NaN as a missing cell; either way all 1,200 are dropped.
    assert_eq!(
        column.reference_dropped.nan + column.reference_dropped.missing,
        1200
    );
    assert!(!report.dataset_drift);
}

#[test]
fn empty_current_window_gives_skipped_columns() {
    use firebreak_forensics::{TimeWindow, read_split};
    let path = crate::fixture("edge_small.parquet");
    let reference = TimeWindow::parse("2024-01-01..2024-01-01T02:00:00").expect("window");
    let current = TimeWindow::parse("2030-01-01..").expect("window");
    let (reference, current) =
        read_split(&path, None, "timestamp", reference, current).expect("split");
    assert_eq!(reference.row_count, 120);
    assert_eq!(current.row_count, 0);
    let report = drift(&reference, &current, &DriftOptions::default()).expect("drift runs");
    assert!(report.columns.iter().all(|column| column.skipped.is_some()));
    assert_eq!(report.drifted_columns, 0);
}

#[test]
fn time_windows_split_like_row_halves() {
    use firebreak_forensics::{TimeWindow, read_split};
    let path = crate::fixture("log_20k.parquet");
    let (reference, current) = read_split(
        &path,
        Some(&["num_0".to_string(), "cat_0".to_string()]),
        "timestamp",
        TimeWindow::parse("..2024-01-31").expect("window"),
        TimeWindow::parse("2024-01-31..").expect("window"),
    )
    .expect("split");
    assert_eq!((reference.row_count, current.row_count), (10_000, 10_000));
    let (first_half, _) = halves("log_20k.parquet");
    assert_eq!(
        reference.column("num_0").unwrap(),
        first_half.column("num_0").unwrap()
    );
}

#[test]
fn nannyml_univariate_defaults_match() {
    use firebreak_forensics::nannyml::{NannyMlOptions, Period, nannyml_drift};
    let expected = expected();
    let peer = expected["nannyml"]["log_20k"].as_object().expect("columns");
    let (reference, analysis) = halves("log_20k.parquet");
    let options = NannyMlOptions {
        columns: Some(peer.keys().cloned().collect()),
        ..NannyMlOptions::default()
    };
    let report = nannyml_drift(&reference, &analysis, &options).expect("nannyml preset runs");
    for column in &report.columns {
        let peer = &peer[&column.column];
        let what = |detail: &str| format!("nannyml {}.{detail}", column.column);
        assert_close(
            &what("upper"),
            column.upper_threshold.expect("upper"),
            &peer["upper_threshold"],
            BINNED,
        );
        assert!(
            peer["lower_threshold"].is_null(),
            "{}: NannyML sets no lower threshold",
            what("lower")
        );
        let values = peer["values"].as_array().expect("values");
        let periods = peer["periods"].as_array().expect("periods");
        let alerts = peer["alerts"].as_array().expect("alerts");
        assert_eq!(column.chunks.len(), values.len(), "{}", what("chunks"));
        for (index, chunk) in column.chunks.iter().enumerate() {
            let period = if chunk.period == Period::Reference {
                "reference"
            } else {
                "analysis"
            };
            assert_eq!(periods[index].as_str(), Some(period), "{}", what("period"));
            assert_close(
                &what(&format!("chunk {index}")),
                chunk.value.expect("value"),
                &values[index],
                BINNED,
            );
            assert_eq!(
                Some(chunk.alert),
                alerts[index].as_bool(),
                "{}",
                what(&format!("alert {index}"))
            );
        }
    }
}

#[test]
fn scipy_ks_asymptotic_mode_matches() {
    let expected = expected();
    let whole =
        firebreak_forensics::read_log(&crate::fixture("log_20k.parquet"), &Default::default())
            .expect("log");
    let (_, small_current) = halves("log_small.parquet");
    for (column, peer) in expected["scipy_ks_asymptotic"]
        .as_object()
        .expect("columns")
    {
        let (p_value, statistic) = column_score(
            &whole,
            &small_current,
            column,
            DriftMethod::KolmogorovSmirnov,
        );
        assert_close(
            &format!("{column} KS D"),
            statistic.expect("D"),
            &peer["statistic"],
            EXACT,
        );
        assert_close(
            &format!("{column} KS asymptotic p"),
            p_value.expect("p"),
            &peer["pvalue"],
            1e-8,
        );
    }
}

/// The kit log written as CSV (shortest round-trip floats, as pandas writes) and read back with
/// type inference gives the same Evidently-preset results as the Parquet file.
#[test]
fn evidently_preset_on_csv_input() {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let file = std::fs::File::open(crate::fixture("log_small.parquet")).expect("fixture");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet")
        .build()
        .expect("reader");
    let csv = tempfile::Builder::new()
        .suffix(".csv")
        .tempfile()
        .expect("temp file");
    {
        let mut writer = arrow_csv::WriterBuilder::new()
            .with_header(true)
            .build(csv.reopen().expect("reopen"));
        for batch in reader {
            writer.write(&batch.expect("batch")).expect("write");
        }
    }
    let table = firebreak_forensics::read_log(csv.path(), &Default::default()).expect("csv");
    let half = table.row_count / 2;
    let reference = table.take(&(0..half).collect::<Vec<_>>(), "csv reference".to_string());
    let current = table.take(
        &(half..table.row_count).collect::<Vec<_>>(),
        "csv current".to_string(),
    );
    let report = drift(&reference, &current, &DriftOptions::default()).expect("drift");
    let expected = &expected()["evidently_preset"]["log_small"];
    for column in &report.columns {
        let peer = &expected["columns"][&column.column];
        let method = evidently_method(peer["method"].as_str().expect("method"));
        assert_eq!(column.method, Some(method), "csv {}", column.column);
        assert_close(
            &format!("csv {}", column.column),
            column.score.expect("score"),
            &peer["value"],
            tolerance(method),
        );
    }
}
