//! Integration tests of firebreak-rca, one binary: SCRAM parity on every
//! model SCRAM ships, MEF round trips and the memory budget.

mod fuzz;
mod mef_round_trip;
mod memory_budget;
mod scram_parity;

use std::path::PathBuf;

use firebreak_rca::fta::{MefSource, Model, read_mef};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scram")
}

/// Reads the given model files (relative to the fixture models directory).
fn read_fixture_model(files: &[&str]) -> Model {
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|file| {
            let path = fixtures().join("models").join(file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (file.to_string(), text)
        })
        .collect();
    let sources: Vec<MefSource<'_>> = texts
        .iter()
        .map(|(name, text)| MefSource { name, text })
        .collect();
    read_mef(&sources).unwrap_or_else(|e| panic!("{files:?}: {e}"))
}

/// One line of cases.txt: a SCRAM run to compare with.
struct ScramCase {
    name: String,
    flags: Vec<String>,
    files: Vec<String>,
}

impl ScramCase {
    /// SCRAM refused the model; its message is kept instead of a report.
    fn refused_by_scram(&self) -> bool {
        fixtures()
            .join(format!("reports/{}.error.txt", self.name))
            .exists()
    }
}

fn scram_cases() -> Vec<ScramCase> {
    let text = std::fs::read_to_string(fixtures().join("cases.txt")).expect("cases.txt");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('|').map(str::trim).collect();
            ScramCase {
                name: fields[0].to_string(),
                flags: fields[1].split_whitespace().map(str::to_string).collect(),
                files: fields[2].split_whitespace().map(str::to_string).collect(),
            }
        })
        .collect()
}
