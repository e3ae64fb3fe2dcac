//! The one error type of this crate: every refusal names the file, column and row it is about.

use std::path::PathBuf;

/// Why an analysis could not run. Messages are lower-case, without a trailing period, and name
/// the file, column and row where one is known.
#[derive(Debug, thiserror::Error)]
pub enum ForensicsError {
    #[error("cannot open {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a readable Parquet file: {message}")]
    CorruptParquet { path: PathBuf, message: String },
    #[error("{path}: CSV {}: {message}", line.map_or_else(|| "input".to_string(), |line| format!("line {line}")))]
    BadCsv {
        path: PathBuf,
        line: Option<u64>,
        message: String,
    },
    #[error("{path} has no rows")]
    EmptyInput { path: PathBuf },
    #[error("{source_name} has no column `{column}`")]
    MissingColumn { source_name: String, column: String },
    #[error("{source_name}: column `{column}` has type {found}, expected {expected}")]
    WrongType {
        source_name: String,
        column: String,
        found: String,
        expected: String,
    },
    #[error(
        "{source_name}: column `{column}` row {row}: value {value} is not a binary 0/1 outcome"
    )]
    NotBinary {
        source_name: String,
        column: String,
        row: usize,
        value: String,
    },
    #[error("{source_name}: column `{column}` row {row}: {message}")]
    BadValue {
        source_name: String,
        column: String,
        row: usize,
        message: String,
    },
    #[error("cohort filter `{expression}` at character {position}: {message}")]
    BadFilter {
        expression: String,
        position: usize,
        message: String,
    },
    #[error("time window `{window}`: {message}")]
    BadWindow { window: String, message: String },
    #[error("{0}")]
    InvalidOptions(String),
}

impl ForensicsError {
    pub(crate) fn missing_column(source_name: &str, column: &str) -> Self {
        Self::MissingColumn {
            source_name: source_name.to_string(),
            column: column.to_string(),
        }
    }
}
