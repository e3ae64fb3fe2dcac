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
    #[error("series `{series}` value {index}: {message}")]
    BadSeries {
        series: String,
        index: usize,
        message: String,
    },
    #[error("cohort filter `{expression}` at character {position}: {message}")]
    BadFilter {
        expression: String,
        position: usize,
        message: String,
    },
    /// A regular expression of a cohort that does not compile; `character` counts from 0.
    #[error("regular expression `{pattern}` at character {character}: {message}")]
    BadPattern {
        pattern: String,
        /// The same place as a byte offset into `pattern`.
        byte: usize,
        character: usize,
        message: String,
    },
    /// `contains any of @FILE` where files may not be read (the server).
    #[error(
        "keyword file `@{path}` is not read here; list the keywords instead, as `contains any of ['a', 'b']`"
    )]
    KeywordFileRefused { path: String },
    #[error("time window `{window}`: {message}")]
    BadWindow { window: String, message: String },
    #[error("{0}")]
    InvalidOptions(String),
    /// A refusal of one field of an [`AnalysisRequest`](crate::AnalysisRequest), named as the
    /// request names it (`reference_window`, `where`), so a caller can name its own spelling
    /// (a flag, a JSON path).
    #[error("{field}: {error}")]
    Field {
        field: &'static str,
        error: Box<ForensicsError>,
    },
    /// A drift request whose inputs and splits do not describe a reference and a current side.
    #[error("{}", .0.describe(&|field| format!("`{field}`")))]
    BadSplit(SplitProblem),
    /// A line of a JSON Lines log that is not one JSON value; `line` counts from 1.
    #[error("{path}: JSON line {line} does not parse: {message}")]
    BadJsonLine {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// A column a conversation log must have for a role (the user input, the model output).
    #[error("{source_name} has no column `{column}` for the {role}")]
    MissingRoleColumn {
        source_name: String,
        column: String,
        role: &'static str,
    },
    /// A log whose every turn was skipped (not UTF-8, not a GenAI span).
    #[error("{path} has no readable turns: {skipped} skipped ({reason})")]
    NoReadableTurns {
        path: PathBuf,
        skipped: u64,
        reason: String,
    },
    #[error("unknown detector `{name}`; known: {known}")]
    UnknownDetector { name: String, known: String },
    /// A log that would be read differently from its content alone, as the evidence vault keeps
    /// it (no file name, no file beside it).
    #[error("{path} cannot be read the same way from its content alone: {reason}")]
    NotSelfDescribing { path: PathBuf, reason: String },
}

/// What is wrong with the sides of a drift request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitProblem {
    /// Two inputs together with windows or cohorts that split one log.
    FilesWithSplit,
    WindowsAndCohorts,
    HalfWindows,
    HalfCohorts,
    /// One log and no way to split it.
    LogAlone,
    LogAndFiles,
    ReferenceAlone,
    CurrentAlone,
    Nothing,
}

impl SplitProblem {
    /// The problem in words, with `name` spelling each request field (`log`, `reference`,
    /// `current`, `reference_window`, `current_window`, `reference_where`, `current_where`).
    pub fn describe(&self, name: &dyn Fn(&'static str) -> String) -> String {
        match self {
            SplitProblem::FilesWithSplit => format!(
                "two files are compared whole; windows and cohort splits take one {}",
                name("log")
            ),
            SplitProblem::WindowsAndCohorts => {
                format!(
                    "split {} by time windows or by cohorts, not both",
                    name("log")
                )
            }
            SplitProblem::HalfWindows => format!(
                "a time split needs both {} and {}",
                name("reference_window"),
                name("current_window")
            ),
            SplitProblem::HalfCohorts => format!(
                "a cohort split needs both {} and {}",
                name("reference_where"),
                name("current_where")
            ),
            SplitProblem::LogAlone => {
                format!("{} alone has no reference and current side", name("log"))
            }
            SplitProblem::LogAndFiles => format!(
                "give either {} or {}/{}, not both",
                name("log"),
                name("reference"),
                name("current")
            ),
            SplitProblem::ReferenceAlone => {
                format!("{} needs {}", name("reference"), name("current"))
            }
            SplitProblem::CurrentAlone => {
                format!("{} needs {}", name("current"), name("reference"))
            }
            SplitProblem::Nothing => "nothing to compare".to_string(),
        }
    }
}

impl ForensicsError {
    /// Names the request field this refusal is about.
    pub(crate) fn in_field(self, field: &'static str) -> Self {
        Self::Field {
            field,
            error: Box::new(self),
        }
    }

    pub(crate) fn missing_column(source_name: &str, column: &str) -> Self {
        Self::MissingColumn {
            source_name: source_name.to_string(),
            column: column.to_string(),
        }
    }
}
