//! Text cohorts (D29) in the analyses themselves: a keyword file narrows a drift, a regular
//! expression with `not` narrows a fairness report, through the same request the command line
//! and the API run.

use std::path::PathBuf;

use firebreak_forensics::cohort::{read_keyword_file, refuse_keyword_files};
use firebreak_forensics::request::{AnalysisResult, run};
use firebreak_forensics::{AnalysisRequest, ForensicsError};
use serde_json::json;

/// A conversation-like log: 8 rows a day over two days, prompts about dosage or loans.
fn prompt_log(dir: &tempfile::TempDir) -> PathBuf {
    let mut csv = String::from("timestamp,prompt,country,score,y_true,y_pred\n");
    let prompts = [
        ("What DOSAGE of ibuprofen is safe?", "DE"),
        ("dose for a child", "FR"),
        ("Is my loan approved?", "DE"),
        ("Max dosage of paracetamol", "FR"),
        ("refinance my mortgage", "DE"),
        ("", "DE"),
        ("dosage: 2 pills", "ES"),
        ("Tell me a joke", "ES"),
    ];
    for day in ["2024-03-01", "2024-03-02"] {
        for (hour, (prompt, country)) in prompts.iter().enumerate() {
            let (score, y_true, y_pred) = if hour % 3 == 0 {
                (0.9, 1, 1)
            } else {
                (0.2, hour % 2, 0)
            };
            csv.push_str(&format!(
                "{day}T{hour:02}:00:00Z,{prompt},{country},{score},{y_true},{y_pred}\n"
            ));
        }
    }
    let path = dir.path().join("prompts.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

fn request(value: serde_json::Value) -> AnalysisRequest {
    serde_json::from_value(value).unwrap()
}

#[test]
fn a_keyword_file_cohort_narrows_a_drift() {
    let dir = tempfile::tempdir().unwrap();
    let log = prompt_log(&dir);
    let keywords = dir.path().join("medical.txt");
    std::fs::write(&keywords, "# medical dosage\ndosage\nDOSE\n").unwrap();
    let drift = request(json!({
        "analysis": "drift",
        "log": log.to_str().unwrap(),
        "reference_window": "..2024-03-02",
        "current_window": "2024-03-02..",
        "columns": ["score"],
        "where": format!("prompt contains any of @'{}'", keywords.display()),
    }));
    let resolve = |name: &str| Ok(PathBuf::from(name));
    let Some(AnalysisResult::Drift(report)) = run(&drift, &resolve, &read_keyword_file).unwrap()
    else {
        panic!("a drift report");
    };
    // "dosage" and "dose" ignoring case: rows 0, 1, 3 and 6 of each day.
    assert_eq!((report.reference_rows, report.current_rows), (4, 4));
    // The server reads no keyword file; it names the one it refused.
    let error = run(&drift, &resolve, &refuse_keyword_files).unwrap_err();
    let ForensicsError::Field { field, error } = error else {
        panic!("a refusal of the cohort field");
    };
    assert_eq!(field, "where");
    assert!(
        matches!(*error, ForensicsError::KeywordFileRefused { ref path } if *path == keywords.display().to_string()),
        "{error}"
    );
}

#[test]
fn a_regular_expression_cohort_narrows_a_fairness_report() {
    let dir = tempfile::tempdir().unwrap();
    let log = prompt_log(&dir);
    let fairness = request(json!({
        "analysis": "fairness",
        "log": log.to_str().unwrap(),
        "group": ["country"],
        "label": "y_true",
        "prediction": "y_pred",
        "where": "prompt matches '(?i)\\bdos(e|age)\\b' and not country in ['ES']",
    }));
    let resolve = |name: &str| Ok(PathBuf::from(name));
    let Some(AnalysisResult::Fairness(report)) =
        run(&fairness, &resolve, &refuse_keyword_files).unwrap()
    else {
        panic!("a fairness report");
    };
    // Rows 0 (DE), 1 and 3 (FR) of each day; row 6 is Spanish.
    assert_eq!(report.rows, 6);
    let counts: Vec<(&str, u64)> = report
        .groups
        .iter()
        .map(|group| (group.group.as_str(), group.count))
        .collect();
    assert_eq!(counts, [("DE", 2), ("FR", 4)]);
}
