//! Aequitas parity: Firebreak's disparities, verdicts and group metrics against what the installed
//! Aequitas 1.1 computed (`Group.get_crosstabs`, `Bias.get_disparity_major_group` or
//! `get_disparity_predefined_groups`, `Fairness(tau=0.8).get_group_value_fairness`) on the
//! Fairlearn fixture log and on small edge-case logs.

use firebreak_forensics::fairness::{DISPARITY_TOLERANCE, FairnessReport, MISSING_GROUP};
use firebreak_forensics::{FairnessOptions, Table, fairness, read_log};
use serde_json::Value;

use crate::{assert_close, expected, fixture};

const EXACT: f64 = 1e-9;

/// Aequitas writes an undefined metric, disparity (0 / 0) as NaN: null in the fixture.
fn assert_same(what: &str, actual: f64, peer: &Value) {
    if peer.is_null() {
        assert!(
            actual.is_nan(),
            "{what}: Aequitas has NaN, we have {actual}"
        );
    } else {
        assert_close(what, actual, peer, EXACT);
    }
}

/// Every group, metric, disparity and verdict of `report` against one Aequitas audit.
pub fn check_aequitas(case: &str, report: &FairnessReport, peer: &Value) {
    assert_eq!(
        report.reference_group,
        peer["reference_group"].as_str().expect("reference group"),
        "{case}: reference group"
    );
    assert_eq!(
        peer["tau"].as_f64(),
        Some(DISPARITY_TOLERANCE),
        "{case}: tau"
    );
    let metrics: Vec<&str> = peer["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .map(|metric| metric.as_str().expect("metric"))
        .collect();
    let peer_groups = peer["groups"].as_object().expect("groups");

    // Aequitas has no group for rows with a missing attribute; Firebreak keeps them as one.
    let groups: Vec<_> = report
        .groups
        .iter()
        .filter(|group| group.group != MISSING_GROUP)
        .collect();
    let mut names: Vec<&str> = groups.iter().map(|group| group.group.as_str()).collect();
    let mut peer_names: Vec<&str> = peer_groups.keys().map(String::as_str).collect();
    names.sort_unstable();
    peer_names.sort_unstable();
    assert_eq!(names, peer_names, "{case}: groups");

    for group in &groups {
        let theirs = &peer_groups[&group.group];
        let what = |metric: &str| format!("{case}[{}].{metric}", group.group);
        for (ours, column) in [
            (group.count, "group_size"),
            (group.true_positives, "tp"),
            (group.false_positives, "fp"),
            (group.true_negatives, "tn"),
            (group.false_negatives, "fn"),
            (group.true_positives + group.false_positives, "pp"),
            (group.true_negatives + group.false_negatives, "pn"),
            (
                report.overall.true_positives + report.overall.false_positives,
                "k",
            ),
            (report.rows, "total_entities"),
        ] {
            assert_eq!(Some(ours), theirs[column].as_u64(), "{}", what(column));
        }
        assert_same(&what("prev"), group.base_rate, &theirs["prev"]);
        assert_same(&what("pprev"), group.selection_rate, &theirs["pprev"]);
        assert_same(&what("accuracy"), group.accuracy, &theirs["accuracy"]);
        // Fairlearn's rates give an empty denominator 0 where Aequitas' are undefined.
        for (ours, column) in [
            (group.true_positive_rate, "tpr"),
            (group.false_positive_rate, "fpr"),
            (group.false_negative_rate, "fnr"),
            (group.precision, "precision"),
        ] {
            if theirs[column].is_null() {
                assert_eq!(ours, 0.0, "{}: Fairlearn convention", what(column));
            } else {
                assert_same(&what(column), ours, &theirs[column]);
            }
        }

        let disparities: Vec<_> = report
            .disparities
            .iter()
            .filter(|disparity| disparity.group == group.group)
            .collect();
        let ours: Vec<&str> = disparities
            .iter()
            .map(|disparity| disparity.metric.as_str())
            .collect();
        assert_eq!(ours, metrics, "{}", what("metrics"));
        for disparity in disparities {
            let metric = disparity.metric.as_str();
            let what = |detail: &str| format!("{case}[{}].{metric} {detail}", group.group);
            assert_same(&what("value"), disparity.value, &theirs[metric]);
            assert_same(
                &what("reference value"),
                disparity.reference_value,
                &peer_groups[&report.reference_group][metric],
            );
            assert_same(
                &what("disparity"),
                disparity.disparity,
                &peer["disparities"][&group.group][metric],
            );
            match peer["fair"][&group.group][metric].as_bool() {
                Some(fair) => assert_eq!(disparity.fair, fair, "{}", what("verdict")),
                None => assert!(
                    !disparity.fair && disparity.disparity.is_nan(),
                    "{}: Aequitas has no verdict, Firebreak reports an undefined disparity as unfair",
                    what("verdict")
                ),
            }
        }
    }
}

/// The rows of `table` whose `case` column holds `case`.
fn rows_of_case(table: &Table, case: &str) -> Table {
    let values = &table.column("case").expect("case column").values;
    let rows: Vec<usize> = (0..table.row_count)
        .filter(|&row| values.json_value(row) == Value::String(case.to_string()))
        .collect();
    assert!(!rows.is_empty(), "no rows for case {case}");
    table.take(&rows, case.to_string())
}

fn check_case(name: &str) {
    let expected = expected();
    let spec = &expected["aequitas"][name];
    let table = read_log(
        &fixture(spec["file"].as_str().expect("file")),
        &Default::default(),
    )
    .expect("fixture log");
    let table = match spec["case"].as_str() {
        Some(case) => rows_of_case(&table, case),
        None => table,
    };
    let options = FairnessOptions {
        group_columns: spec["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|column| column.as_str().expect("column").to_string())
            .collect(),
        label: "y_true".to_string(),
        prediction: "y_pred".to_string(),
        score: None,
        reference_group: spec["reference_group"].as_str().map(str::to_string),
    };
    let report = fairness(&table, &options).expect("fairness runs");
    check_aequitas(name, &report, &spec["peer"]);
}

#[test]
fn named_reference_group_matches_predefined_groups() {
    check_case("group_reference_C");
}

#[test]
fn group_without_positives_or_predicted_positives_matches() {
    check_case("no_positives");
}

#[test]
fn single_group_matches() {
    check_case("single_group");
}

#[test]
fn reference_metric_of_zero_fills_like_aequitas() {
    check_case("zero_reference");
    let expected = expected();
    let peer = &expected["aequitas"]["zero_reference"]["peer"];
    // The case exercises both Aequitas fills: x / 0 = 10 and 0 / 0 undefined.
    assert_eq!(peer["disparities"]["S"]["fpr"].as_f64(), Some(10.0));
    assert!(peer["disparities"]["T"]["fpr"].is_null());
}

#[test]
fn both_ends_of_the_band_are_fair() {
    check_case("band_edges");
    let expected = expected();
    let peer = &expected["aequitas"]["band_edges"]["peer"];
    assert_eq!(peer["disparities"]["L"]["pprev"].as_f64(), Some(0.8));
    assert_eq!(peer["disparities"]["H"]["pprev"].as_f64(), Some(1.25));
}

#[test]
fn tie_for_largest_group_goes_to_the_first_in_sorted_order() {
    check_case("tied_largest");
}

#[test]
fn rows_with_missing_attribute_count_only_in_ppr_total() {
    check_case("missing_attribute");
}
