//! Conversation logs of generative-AI systems (issue #15): reading them, deciding which turns
//! are flagged, and two analyses over them, the flagged rate over time ([`rates`]) and a
//! comparison of two versions or periods ([`compare`]). The column mapping, the OpenTelemetry
//! reading and exports from Langfuse and Phoenix are described in `docs/conversations.md`.
//!
//! A log is a [`Table`] with one row per turn (a user input and the model's output) plus a
//! [`ConversationMapping`] saying which column plays which role, so cohort expressions
//! ([`Cohort`]) work on it unchanged. Parquet and CSV go through the crate's loader; JSON Lines
//! (flat objects, or OpenTelemetry GenAI spans) are read here into the same table.
//!
//! Bad input never panics: a missing column is named with its role, a turn that is not UTF-8 is
//! skipped and counted with its line ([`SkippedTurn`]), a JSON line that does not parse fails
//! the read naming the line, and a log without turns is refused.

pub mod compare;
mod csv_text;
#[cfg(test)]
mod fixture;
mod flag;
mod jsonl;
mod ngrams;
mod otel;
pub mod rates;
pub mod refusal;
pub mod request;
pub mod sample;
#[cfg(test)]
mod tests;
pub mod triggers;

use std::path::Path;

pub use self::flag::{FlagRule, TextSide, detector_named};
pub use self::ngrams::{NgramOptions, OverRepresented, over_represented};
use crate::ForensicsError;
use crate::cohort::Cohort;
use crate::load::parse_instant;
pub use crate::stats::proportion::{Interval, ProportionTest};
use crate::table::{Column, ColumnValues, NULL_CODE, NULL_TIMESTAMP, Table};

/// How many skipped turns a log lists; the rest are only counted.
pub const MAX_LISTED_SKIPS: usize = 100;

/// Which column of a conversation log plays which role. Every field has a default name
/// ([`ConversationMapping::default`]); a role left at its default name is optional where the
/// role is (the turn, versions, segment), while a name given explicitly must exist.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConversationMapping {
    /// Required. Which conversation (session, thread) the turn belongs to.
    pub conversation_id: String,
    /// Required. When the turn happened: a timestamp column, or text holding RFC 3339 instants
    /// or civil dates and times (read as UTC).
    pub timestamp: String,
    /// Required. What the user wrote.
    pub input: String,
    /// Required. What the model answered.
    pub output: String,
    /// The turn's position in its conversation.
    pub turn: Option<String>,
    /// The model (or model version) that answered.
    pub model_version: Option<String>,
    /// The version of the system prompt or prompt template.
    pub prompt_version: Option<String>,
    /// The user segment (plan, market, channel).
    pub segment: Option<String>,
    /// Labels logged with the turn (a moderation flag, a thumbs-down); empty by default. Cohort
    /// expressions use them (`moderation_flag == true`).
    pub labels: Vec<String>,
}

impl Default for ConversationMapping {
    fn default() -> Self {
        Self {
            conversation_id: "conversation_id".to_string(),
            timestamp: "timestamp".to_string(),
            input: "input".to_string(),
            output: "output".to_string(),
            turn: Some("turn".to_string()),
            model_version: Some("model_version".to_string()),
            prompt_version: Some("prompt_version".to_string()),
            segment: Some("segment".to_string()),
            labels: Vec::new(),
        }
    }
}

impl ConversationMapping {
    /// This mapping with the optional roles left at their default names dropped where `table`
    /// lacks them; a required role or a name given explicitly that is missing is refused.
    fn resolve(&self, table: &Table) -> Result<Self, ForensicsError> {
        let has = |name: &str| table.column_names().any(|column| column == name);
        let require = |column: &String, role: &'static str| {
            if has(column) {
                Ok(())
            } else {
                Err(ForensicsError::MissingRoleColumn {
                    source_name: table.source.clone(),
                    column: column.clone(),
                    role,
                })
            }
        };
        require(&self.conversation_id, "conversation id")?;
        require(&self.timestamp, "timestamp")?;
        require(&self.input, "user input")?;
        require(&self.output, "model output")?;
        for label in &self.labels {
            require(label, "label")?;
        }
        let defaults = Self::default();
        let optional = |given: &Option<String>,
                        default: &Option<String>,
                        role: &'static str|
         -> Result<Option<String>, ForensicsError> {
            match given {
                Some(column) if has(column) => Ok(Some(column.clone())),
                Some(_) if given == default => Ok(None),
                Some(column) => require(column, role).map(|()| None),
                None => Ok(None),
            }
        };
        Ok(Self {
            turn: optional(&self.turn, &defaults.turn, "turn number")?,
            model_version: optional(
                &self.model_version,
                &defaults.model_version,
                "model version",
            )?,
            prompt_version: optional(
                &self.prompt_version,
                &defaults.prompt_version,
                "prompt version",
            )?,
            segment: optional(&self.segment, &defaults.segment, "user segment")?,
            ..self.clone()
        })
    }
}

/// How a log file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Parquet,
    Csv,
    /// One flat JSON object per line, keys as columns.
    JsonLines,
    /// OpenTelemetry spans as JSON Lines (OTLP/JSON), one turn per GenAI span.
    OtelJsonLines,
}

impl LogFormat {
    /// The format of `path`: Parquet by its magic bytes, JSON Lines by extension (`.jsonl`,
    /// `.ndjson`, `.json`; OpenTelemetry when its first line holds spans), CSV otherwise.
    pub fn detect(path: &Path) -> Result<Self, ForensicsError> {
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("jsonl" | "ndjson" | "json") => jsonl::detect(path),
            Some("csv") => Ok(Self::Csv),
            _ if crate::load::is_csv(path) => Ok(Self::Csv),
            _ => Ok(Self::Parquet),
        }
    }
}

/// A turn left out of the log, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkippedTurn {
    /// The line of the file (from 1) the turn starts on.
    pub line: u64,
    pub reason: String,
}

/// Turns of a conversation log, read and checked against the mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationLog {
    /// One row per turn; the timestamp column holds timestamps.
    pub table: Table,
    /// The mapping, with optional roles the log lacks set to `None`.
    pub mapping: ConversationMapping,
    /// Turns skipped while reading (not UTF-8): all counted, the first [`MAX_LISTED_SKIPS`]
    /// listed.
    pub skipped_turns: u64,
    pub skipped: Vec<SkippedTurn>,
}

/// Reads a conversation log in `format` (detected from the file when `None`).
pub fn read_conversations(
    path: &Path,
    mapping: &ConversationMapping,
    format: Option<LogFormat>,
) -> Result<ConversationLog, ForensicsError> {
    let format = match format {
        Some(format) => format,
        None => LogFormat::detect(path)?,
    };
    let read = match format {
        LogFormat::Parquet => Read::whole(crate::load::read_log(
            path,
            &crate::load::ReadOptions::default(),
        )?),
        LogFormat::Csv => csv_text::read_csv(path)?,
        LogFormat::JsonLines => jsonl::read_flat(path)?,
        LogFormat::OtelJsonLines => otel::read_spans(path, mapping)?,
    };
    let mut log = ConversationLog::from_table(read.table, mapping)?;
    log.skipped_turns = read.skipped_turns;
    log.skipped = read.skipped;
    Ok(log)
}

/// What a format's reader hands back.
struct Read {
    table: Table,
    skipped_turns: u64,
    skipped: Vec<SkippedTurn>,
}

impl Read {
    fn whole(table: Table) -> Self {
        Self {
            table,
            skipped_turns: 0,
            skipped: Vec::new(),
        }
    }
}

/// Counts a skipped turn and lists it while the list is short.
fn skip(skipped_turns: &mut u64, skipped: &mut Vec<SkippedTurn>, line: u64, reason: String) {
    *skipped_turns += 1;
    if skipped.len() < MAX_LISTED_SKIPS {
        skipped.push(SkippedTurn { line, reason });
    }
}

impl ConversationLog {
    /// A log from a table already in memory: the roles are checked and a text timestamp column
    /// is parsed. Refuses a table without rows.
    pub fn from_table(
        mut table: Table,
        mapping: &ConversationMapping,
    ) -> Result<Self, ForensicsError> {
        if table.row_count == 0 {
            return Err(ForensicsError::EmptyInput {
                path: table.source.clone().into(),
            });
        }
        let mapping = mapping.resolve(&table)?;
        parse_timestamps(&mut table, &mapping.timestamp)?;
        for role in [&mapping.input, &mapping.output] {
            text_column(&table, role)?;
        }
        Ok(Self {
            table,
            mapping,
            skipped_turns: 0,
            skipped: Vec::new(),
        })
    }

    /// The turns for which `cohort` holds (the population an analysis looks at).
    pub fn within(&self, cohort: &Cohort) -> Result<Self, ForensicsError> {
        Ok(Self {
            table: cohort.select(&self.table)?,
            mapping: self.mapping.clone(),
            skipped_turns: self.skipped_turns,
            skipped: self.skipped.clone(),
        })
    }

    pub fn turns(&self) -> usize {
        self.table.row_count
    }

    /// Refuses flags decided for another log (one per turn is needed).
    pub(crate) fn check_flags(&self, flags: &[bool]) -> Result<(), ForensicsError> {
        if flags.len() == self.turns() {
            return Ok(());
        }
        Err(ForensicsError::InvalidOptions(format!(
            "{} flags for the {} turns of {}",
            flags.len(),
            self.turns(),
            self.table.source
        )))
    }

    /// UTC nanoseconds per turn; [`NULL_TIMESTAMP`] where none was logged.
    pub(crate) fn timestamps(&self) -> Result<&[i64], ForensicsError> {
        match &self.table.column(&self.mapping.timestamp)?.values {
            ColumnValues::Timestamp { nanos } => Ok(nanos),
            other => Err(ForensicsError::WrongType {
                source_name: self.table.source.clone(),
                column: self.mapping.timestamp.clone(),
                found: other.kind_name().to_string(),
                expected: "a timestamp".to_string(),
            }),
        }
    }

    /// The text of `role` (a column name) per turn, `None` where missing.
    pub(crate) fn texts(&self, column: &str) -> Result<TextColumn<'_>, ForensicsError> {
        text_column(&self.table, column)
    }
}

/// A text column as the table stores it: codes into a dictionary.
#[derive(Clone, Copy)]
pub(crate) struct TextColumn<'a> {
    pub codes: &'a [u32],
    pub dictionary: &'a [String],
}

impl<'a> TextColumn<'a> {
    pub fn get(&self, row: usize) -> Option<&'a str> {
        let code = self.codes[row];
        (code != NULL_CODE).then(|| self.dictionary[code as usize].as_str())
    }
}

fn text_column<'a>(table: &'a Table, name: &str) -> Result<TextColumn<'a>, ForensicsError> {
    match &table.column(name)?.values {
        ColumnValues::Categorical { codes, dictionary } => Ok(TextColumn { codes, dictionary }),
        other => Err(ForensicsError::WrongType {
            source_name: table.source.clone(),
            column: name.to_string(),
            found: other.kind_name().to_string(),
            expected: "text".to_string(),
        }),
    }
}

/// Turns a text timestamp column into timestamps, each distinct value parsed once.
fn parse_timestamps(table: &mut Table, name: &str) -> Result<(), ForensicsError> {
    let source = table.source.clone();
    let index = table
        .columns
        .iter()
        .position(|column| column.name == name)
        .ok_or_else(|| ForensicsError::missing_column(&source, name))?;
    let nanos =
        match &table.columns[index].values {
            ColumnValues::Timestamp { .. } => return Ok(()),
            ColumnValues::Categorical { codes, dictionary } => {
                // Logs stamp turns to the second or finer: nearly every value is distinct, so
                // the parsing is spread over the cores.
                let parsed: Vec<Result<i64, String>> =
                    crate::parallel::per_part(dictionary, |_, part| {
                        part.iter()
                            .map(|text| parse_instant(text.trim()))
                            .collect::<Vec<_>>()
                    })
                    .concat();
                codes
                    .iter()
                    .enumerate()
                    .map(|(row, &code)| match code {
                        NULL_CODE => Ok(NULL_TIMESTAMP),
                        code => parsed[code as usize].clone().map_err(|message| {
                            ForensicsError::BadValue {
                                source_name: source.clone(),
                                column: name.to_string(),
                                row,
                                message,
                            }
                        }),
                    })
                    .collect::<Result<Vec<i64>, _>>()?
            }
            other => {
                return Err(ForensicsError::WrongType {
                    source_name: source,
                    column: name.to_string(),
                    found: other.kind_name().to_string(),
                    expected: "a timestamp or RFC 3339 text".to_string(),
                });
            }
        };
    table.columns[index] = Column {
        name: name.to_string(),
        values: ColumnValues::Timestamp { nanos },
    };
    Ok(())
}
