//! Cohort filters (decisions D20 and D29): one grammar for `--where` in every analysis, in
//! monitors and in the API. The full grammar, with examples, is in `docs/cohorts.md`.
//!
//! - `column op value` with `==` (or `=`), `!=`, `<`, `<=`, `>`, `>=`; values are numbers,
//!   quoted text (`'x'` or `"x"`), bare words, `true`/`false`, or instants for timestamp columns.
//! - `column in [v, ...]` and `column not in [...]`: equal to one of the values.
//! - `column contains 'x'`: the text holds `x`, ignoring case (Unicode simple case folding);
//!   `column contains case 'X'` respects case.
//! - `column contains any of ['a', 'b']` or `column contains any of @FILE`: holds one of the
//!   keywords (one per line of FILE, `#` comments and blank lines ignored); `case` goes before
//!   `any` to respect case.
//! - `column matches 'regex'`: a regular expression (the `regex` crate's syntax, case-sensitive
//!   unless it says `(?i)`) found anywhere in the text; anchor with `^...$` for the whole value.
//! - `not`, before a comparison or a parenthesised expression, or as `not in`,
//!   `not contains`, `not matches`. It binds tighter than `and`, which binds tighter than `or`.
//!
//! Missing values are unknown, as in SQL: a comparison with a missing value is neither true nor
//! false, `not` of unknown stays unknown, and only rows whose expression is true are selected.
//! So `not (group == 'A')` selects neither the `A` rows nor those without a group.
//!
//! Parsing is pure: `@FILE` is read by a [`KeywordFileReader`] the caller chooses. The command
//! line reads from disk ([`read_keyword_file`]); the server refuses ([`refuse_keyword_files`])
//! because a request must not make it read arbitrary paths.

mod matching;
mod parse;

use crate::ForensicsError;
use crate::table::Table;

pub use parse::{MAX_COMPARISONS, MAX_NESTING};

/// A parsed cohort expression. Stored monitors and findings keep it as JSON: variants are only
/// ever added, never reshaped.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cohort {
    Compare {
        column: String,
        operator: Operator,
        value: String,
        /// Whether the value was quoted, so it is text even if it looks like a number.
        quoted: bool,
    },
    And(Box<Cohort>, Box<Cohort>),
    Or(Box<Cohort>, Box<Cohort>),
    /// True where the inner expression is false; unknown stays unknown.
    Not(Box<Cohort>),
    /// Equal to one of `values`.
    In {
        column: String,
        values: Vec<Literal>,
    },
    /// The text holds one of `any_of` (`contains 'x'` is a list of one).
    Contains {
        column: String,
        any_of: Vec<String>,
        case_sensitive: bool,
    },
    /// The regular expression matches somewhere in the text.
    Matches {
        column: String,
        pattern: String,
    },
}

/// One value of an `in [...]` list.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Literal {
    pub value: String,
    /// Whether the value was quoted, so it is text even if it looks like a number.
    pub quoted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Operator {
    fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Self::Equal => ordering == Equal,
            Self::NotEqual => ordering != Equal,
            Self::Less => ordering == Less,
            Self::LessOrEqual => ordering != Greater,
            Self::Greater => ordering == Greater,
            Self::GreaterOrEqual => ordering != Less,
        }
    }
}

/// Turns the path of `contains any of @PATH` into the file's text, or refuses with an error
/// naming the path.
pub type KeywordFileReader<'a> = dyn Fn(&str) -> Result<String, ForensicsError> + 'a;

/// Refuses every keyword file: for callers (the server) that must not read a path a request
/// names.
pub fn refuse_keyword_files(path: &str) -> Result<String, ForensicsError> {
    Err(ForensicsError::KeywordFileRefused {
        path: path.to_string(),
    })
}

/// Reads a keyword file from disk, relative to the working directory (the command line).
pub fn read_keyword_file(path: &str) -> Result<String, ForensicsError> {
    std::fs::read_to_string(path).map_err(|source| ForensicsError::Open {
        path: path.into(),
        source,
    })
}

/// The keywords of a keyword file: one per line, trimmed; blank lines and lines starting
/// with `#` are skipped.
pub fn keywords_of(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

impl Cohort {
    /// Parses a cohort expression; errors name the character where parsing stopped. A keyword
    /// file (`@FILE`) is refused: use [`Cohort::parse_with_keyword_files`] where files may be
    /// read.
    pub fn parse(expression: &str) -> Result<Self, ForensicsError> {
        Self::parse_with_keyword_files(expression, &refuse_keyword_files)
    }

    /// Parses a cohort expression, reading each `@FILE` with `read`.
    pub fn parse_with_keyword_files(
        expression: &str,
        read: &KeywordFileReader<'_>,
    ) -> Result<Self, ForensicsError> {
        parse::parse(expression, read)
    }

    /// The columns the expression reads, each once, in order of appearance.
    pub fn columns(&self) -> Vec<String> {
        let mut columns = Vec::new();
        self.collect_columns(&mut columns);
        columns
    }

    fn collect_columns(&self, columns: &mut Vec<String>) {
        match self {
            Self::Compare { column, .. }
            | Self::In { column, .. }
            | Self::Contains { column, .. }
            | Self::Matches { column, .. } => {
                if !columns.contains(column) {
                    columns.push(column.clone());
                }
            }
            Self::And(left, right) | Self::Or(left, right) => {
                left.collect_columns(columns);
                right.collect_columns(columns);
            }
            Self::Not(inner) => inner.collect_columns(columns),
        }
    }

    /// Which rows of `table` belong to the cohort: those where the expression is true (not
    /// false, not unknown).
    pub fn matches(&self, table: &Table) -> Result<Vec<bool>, ForensicsError> {
        Ok(matching::truth(self, table)?
            .into_iter()
            .map(|truth| truth == matching::Truth::True)
            .collect())
    }

    /// The rows of `table` in the cohort, as a new table.
    pub fn select(&self, table: &Table) -> Result<Table, ForensicsError> {
        let rows: Vec<usize> = self
            .matches(table)?
            .iter()
            .enumerate()
            .filter(|(_, keep)| **keep)
            .map(|(row, _)| row)
            .collect();
        Ok(table.take(&rows, format!("{} where cohort", table.source)))
    }
}
