//! Fuzz tests (property-based, `FIREBREAK_FUZZ_CASES` cases per target): CSV
//! and Parquet loading on hostile files, the cohort grammar (text operators and
//! regular expressions included) on arbitrary and near-valid expressions, and
//! analysis requests (mutated JSON) run end to end. Every input must give `Ok` or a typed error, never a panic or a hang.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use firebreak_forensics::cohort::refuse_keyword_files;
use firebreak_forensics::request::run;
use firebreak_forensics::{
    AnalysisRequest, Cohort, ReadOptions, Table, profile, read_log, read_schema,
};
use firebreak_fuzz::{apply_byte_edits, byte_edits, config, mutated_json, text};
use proptest::prelude::*;
use serde_json::json;

use crate::fixture;

/// The small fixture log, read once.
fn small_log() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        read_log(&fixture("log_small.parquet"), &ReadOptions::default()).expect("fixture log")
    })
}

/// Reads `bytes` as a log named `name` (its extension picks the format), and
/// profiles what it reads: every step must answer `Ok` or a typed error.
fn load(name: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let _ = read_schema(&path);
    if let Ok(table) = read_log(&path, &ReadOptions::default()) {
        assert!(
            table
                .columns
                .iter()
                .all(|column| column.values.len() == table.row_count)
        );
        profile(&table, None);
    }
}

/// One CSV cell of some type, or something that breaks the format.
fn csv_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| x.to_string()),
        Just(String::new()),
        Just("true".to_string()),
        Just("NaN".to_string()),
        Just("2024-01-31T10:00:00Z".to_string()),
        Just("2024-13-45".to_string()),
        Just("\"a, \"\"quoted\"\"\nvalue\"".to_string()),
        Just("\"unterminated".to_string()),
        text(),
    ]
}

fn csv_text() -> impl Strategy<Value = String> {
    let row = proptest::collection::vec(csv_cell(), 0..6);
    (
        proptest::collection::vec(text(), 1..6),
        proptest::collection::vec(row, 0..12),
        prop_oneof![Just("\n"), Just("\r\n")],
    )
        .prop_map(|(header, rows, newline)| {
            let mut csv = header.join(",");
            for row in rows {
                csv.push_str(newline);
                csv.push_str(&row.join(","));
            }
            csv
        })
}

fn parquet_samples() -> Vec<Vec<u8>> {
    ["aequitas_edges.parquet", "edge_small.parquet"]
        .iter()
        .map(|name| std::fs::read(fixture(name)).unwrap())
        .collect()
}

/// A token of a cohort expression over the fixture log's columns.
fn cohort_token() -> impl Strategy<Value = String> {
    let columns: Vec<String> = small_log().column_names().map(str::to_string).collect();
    prop_oneof![
        3 => proptest::sample::select(columns),
        2 => proptest::sample::select(vec!["==", "=", "!=", "<", "<=", ">", ">=", "!"]).prop_map(str::to_string),
        2 => proptest::sample::select(vec!["0", "-1.5", "1e308", "A", "'C'", "\"x y\"", "true", "2024-01-31", "'", "NaN"]).prop_map(str::to_string),
        2 => proptest::sample::select(vec!["and", "or", "AND", "(", ")"]).prop_map(str::to_string),
        2 => proptest::sample::select(vec!["not", "in", "contains", "matches", "any", "of", "case", "[", "]", ",", "@x", "'(a'", "'^A$'", "'x{99}{99}'"]).prop_map(str::to_string),
        1 => text(),
    ]
}

fn near_valid_cohort() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(cohort_token(), 1..16),
        proptest::sample::select(vec![" ", "", "\t", "\r\n", "\u{a0}"]),
    )
        .prop_map(|(tokens, separator)| tokens.join(separator))
}

fn check_cohort(expression: &str) {
    if let Ok(cohort) = Cohort::parse(expression)
        && let Ok(selected) = cohort.select(small_log())
    {
        assert!(selected.row_count <= small_log().row_count);
    }
}

fn request_samples() -> Vec<serde_json::Value> {
    vec![
        json!({"analysis": "drift", "log": "log", "reference_window": "..2024-01-02", "current_window": "2024-01-02..", "where": "group == A", "columns": ["num_0", "cat_0"]}),
        json!({"analysis": "drift", "reference": "a", "current": "b", "preset": "nannyml", "exclude": ["timestamp"]}),
        json!({"analysis": "fairness", "log": "log", "group": ["group"], "label": "y_true", "prediction": "y_pred", "score": "y_pred_proba"}),
        json!({"analysis": "profile", "log": "log", "reference": "log", "where": "num_0 > 0"}),
        json!({"analysis": "timeseries", "log": "log", "bucket": "day", "label": "y_true", "prediction": "y_pred", "group": "group"}),
        json!({"analysis": "decision", "log": "log", "id_column": "decision_id", "decision_id": "d-1"}),
    ]
}

fn resolve(_name: &str) -> Result<PathBuf, firebreak_forensics::ForensicsError> {
    Ok(fixture("log_small.parquet"))
}

proptest! {
    #![proptest_config(config(1))]

    #[test]
    fn cohort_grammar_takes_arbitrary_text(expression in text()) {
        check_cohort(&expression);
    }

    #[test]
    fn cohort_grammar_takes_near_valid_expressions(expression in near_valid_cohort()) {
        check_cohort(&expression);
    }

    #[test]
    fn cohort_grammar_takes_deep_and_long_expressions(depth in 0..50_000usize, terms in 1..5_000usize) {
        let terms = vec!["num_0 > 0"; terms].join(" or ");
        check_cohort(&format!("{}{terms}{}", "(".repeat(depth), ")".repeat(depth)));
    }
}

proptest! {
    #![proptest_config(config(8))]

    #[test]
    fn csv_loading_takes_generated_and_broken_files(csv in csv_text(), edits in byte_edits()) {
        load("log.csv", csv.as_bytes());
        load("log.csv", &apply_byte_edits(csv.as_bytes(), &edits));
    }

    #[test]
    fn parquet_loading_takes_arbitrary_and_mutated_files(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        (sample, edits) in (0..2usize, byte_edits()),
    ) {
        let mut magic = b"PAR1".to_vec();
        magic.extend(&bytes);
        magic.extend(b"PAR1");
        load("log.parquet", &bytes);
        load("log.parquet", &magic);
        load("log.parquet", &apply_byte_edits(&parquet_samples()[sample], &edits));
    }
}

proptest! {
    #![proptest_config(config(4))]

    #[test]
    fn analysis_requests_take_mutated_json(value in mutated_json(request_samples())) {
        if let Ok(request) = serde_json::from_value::<AnalysisRequest>(value) {
            let _ = run(&request, &resolve, &refuse_keyword_files);
        }
    }
}

#[test]
fn every_request_sample_is_a_request() {
    for sample in request_samples() {
        serde_json::from_value::<AnalysisRequest>(sample.clone())
            .unwrap_or_else(|e| panic!("{sample}: {e}"));
    }
    assert!(Path::new(&fixture("log_small.parquet")).exists());
}
