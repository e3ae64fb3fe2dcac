//! The one error type of the crate, in the words of the methods it serves.

use std::fmt;

/// Where in an input text something was found: file (or source name), line
/// and column, both counted from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub source_name: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.source_name, self.line, self.column)
    }
}

/// Shows ` at FILE:LINE:COLUMN` when the location is known.
pub struct At<'a>(pub &'a Option<Location>);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(location) => write!(f, " at {location}"),
            None => Ok(()),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RcaError {
    #[error("{location}: {message}")]
    MefSyntax { location: Location, message: String },

    #[error("{referrer} refers to undefined {kind} `{name}`{}", At(location))]
    UndefinedReference {
        referrer: String,
        kind: &'static str,
        name: String,
        location: Option<Location>,
    },

    #[error("{kind} `{name}` is defined twice{}", At(location))]
    DuplicateDefinition {
        kind: &'static str,
        name: String,
        location: Option<Location>,
    },

    /// Gates and formulas (or parameters) nested deeper than
    /// [`crate::fta::compile::MAX_NESTING`] levels: refused before the
    /// recursion over them could overflow the stack.
    #[error("{referrer} nests {what} deeper than {limit} levels")]
    NestedTooDeep {
        referrer: String,
        what: &'static str,
        limit: usize,
    },

    #[error("cyclic definition: {}", path.join(" -> "))]
    CyclicDefinition { path: Vec<String> },

    #[error("basic event `{name}` has no probability")]
    MissingProbability { name: String },

    #[error("basic event `{name}` has probability {value}, outside [0, 1]")]
    ProbabilityOutOfRange { name: String, value: f64 },

    #[error("{name} gives an invalid value: {reason}")]
    InvalidExpression { name: String, reason: String },

    #[error("CCF group `{name}`: {reason}")]
    InvalidCcfGroup { name: String, reason: String },

    #[error("event tree `{name}`: {reason}")]
    InvalidEventTree { name: String, reason: String },

    #[error("substitution `{name}`: {reason}")]
    InvalidSubstitution { name: String, reason: String },

    #[error("alignment `{name}`: {reason}")]
    InvalidAlignment { name: String, reason: String },

    #[error(
        "substitutions with a source ({}) rewrite minimal cut sets, which only approximate quantification uses; ask for the rare-event or min-cut upper bound approximation",
        names.join(", ")
    )]
    RewritesNeedApproximation { names: Vec<String> },

    #[error(
        "analysing `{top_event}` of {model} needs more memory than its budget of {} MiB (reached while {phase}); give a larger budget (--memory-budget) or a lower product order limit",
        budget >> 20
    )]
    MemoryBudgetExceeded {
        /// The model's name, or "the model" when it has none.
        model: String,
        top_event: String,
        /// Bytes.
        budget: u64,
        phase: &'static str,
    },

    #[error(
        "the minimal cut sets of `{top_event}` were counted differently by two methods (bottom-up {bottom_up}, top-down {top_down}, by order or listed {by_order}): a defect of Firebreak, please report it with the model"
    )]
    CutSetCountMismatch {
        top_event: String,
        bottom_up: String,
        top_down: String,
        by_order: String,
    },

    #[error(
        "the model has nothing to analyse: no gate that could be a top event, and no initiating event with an event tree"
    )]
    NoTopEvent,

    #[error("no gate or event-tree sequence named `{0}` in the model")]
    UnknownTopEvent(String),

    #[error("{field} must be between 1 and 10, got {value}")]
    RatingOutOfRange { field: &'static str, value: i64 },

    /// The header lacks columns a row is made of; all of them, at once.
    #[error("CSV row 1 (the header): missing {}", missing_columns(.0))]
    CsvMissingColumns(Vec<String>),

    #[error("CSV row {row}, column {column}: {message}")]
    Csv {
        row: usize,
        column: usize,
        message: String,
    },
}

fn missing_columns(columns: &[String]) -> String {
    let named: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
    match named.as_slice() {
        [one] => format!("column {one}"),
        _ => format!("columns {}", named.join(", ")),
    }
}
