//! Parity with the peers (fixtures written by `bench/forensics/make_fixtures.py`) and refusals
//! of bad input. Runs without Python: the peers' answers are committed JSON.

mod aequitas;
mod analyze;
mod errors;
mod fuzz;
mod lookup;
mod parity;
mod presidio;
mod quality;
mod refusal_corpus;
mod text_cohorts;

use std::path::PathBuf;

use firebreak_forensics::{ReadOptions, Table, read_log};

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(fixture("expected.json")).expect("fixtures/expected.json");
    serde_json::from_str(&text).expect("valid JSON")
}

/// Reference = first half of the rows, current = second half, as the peer bench splits.
pub fn halves(name: &str) -> (Table, Table) {
    let table = read_log(&fixture(name), &ReadOptions::default()).expect("fixture log");
    let half = table.row_count / 2;
    let first: Vec<usize> = (0..half).collect();
    let second: Vec<usize> = (half..table.row_count).collect();
    (
        table.take(&first, format!("{name} reference")),
        table.take(&second, format!("{name} current")),
    )
}

/// Relative comparison; `None` on the peer side (NaN/inf in its JSON) must meet a non-finite value.
pub fn assert_close(what: &str, actual: f64, expected: &serde_json::Value, relative: f64) {
    match expected.as_f64() {
        None => assert!(
            !actual.is_finite(),
            "{what}: peer has no finite value, we have {actual}"
        ),
        Some(expected) => {
            let scale = expected.abs().max(1e-300);
            let ok = actual == expected
                || ((actual - expected) / scale).abs() <= relative
                || (actual - expected).abs() <= 1e-15;
            assert!(
                ok,
                "{what}: {actual} vs peer {expected} (relative tolerance {relative})"
            );
        }
    }
}
