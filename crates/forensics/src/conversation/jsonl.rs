//! JSON Lines logs: one flat object per line, its keys as columns. Lines are read as bytes so
//! that one which is not UTF-8 is skipped and counted rather than failing the read; a line that
//! does not parse fails it, naming the line. [`RowsBuilder`] turns rows of JSON values into a
//! [`Table`] for this reader and the OpenTelemetry one.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde_json::{Map, Value};

use super::{LogFormat, Read, skip};
use crate::ForensicsError;
use crate::table::{Column, ColumnValues, NULL_CODE, NumericOrigin, Table};

/// Plain JSON Lines, or OpenTelemetry spans when the first line holds OTLP spans.
pub(super) fn detect(path: &Path) -> Result<LogFormat, ForensicsError> {
    let file = std::fs::File::open(path).map_err(|source| ForensicsError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = std::io::BufReader::new(file);
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        let read = reader
            .read_until(b'\n', &mut bytes)
            .map_err(|source| ForensicsError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        if read == 0 {
            return Err(ForensicsError::EmptyInput {
                path: path.to_path_buf(),
            });
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // A first line that is not UTF-8 or JSON says nothing of the layout; the reader will
        // skip or refuse it with its line number.
        let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&bytes) else {
            return Ok(LogFormat::JsonLines);
        };
        let is_span = ["resourceSpans", "scopeSpans", "spanId", "span_id"]
            .iter()
            .any(|key| object.contains_key(*key));
        return Ok(if is_span {
            LogFormat::OtelJsonLines
        } else {
            LogFormat::JsonLines
        });
    }
}

/// Each non-blank line of `path` as JSON, with its line number (from 1); lines that are not
/// UTF-8 are skipped and counted.
pub(super) fn for_each_line(
    path: &Path,
    skipped_turns: &mut u64,
    skipped: &mut Vec<super::SkippedTurn>,
    mut each: impl FnMut(u64, Value) -> Result<(), ForensicsError>,
) -> Result<(), ForensicsError> {
    let open_error = |source| ForensicsError::Open {
        path: path.to_path_buf(),
        source,
    };
    // Line by line, so a large log is never held in memory as text.
    let mut reader = std::io::BufReader::new(std::fs::File::open(path).map_err(open_error)?);
    let mut line = Vec::new();
    for number in 1u64.. {
        line.clear();
        if reader.read_until(b'\n', &mut line).map_err(open_error)? == 0 {
            break;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let text = match std::str::from_utf8(&line) {
            Ok(text) => text,
            Err(error) => {
                let reason = format!("not UTF-8 at byte {} of the line", error.valid_up_to());
                skip(skipped_turns, skipped, number, reason);
                continue;
            }
        };
        let value = serde_json::from_str(text).map_err(|error| ForensicsError::BadJsonLine {
            path: path.to_path_buf(),
            line: number,
            message: error.to_string(),
        })?;
        each(number, value)?;
    }
    Ok(())
}

/// Reads flat JSON Lines: every line an object.
pub(super) fn read_flat(path: &Path) -> Result<Read, ForensicsError> {
    let mut rows = RowsBuilder::default();
    let (mut skipped_turns, mut skipped) = (0, Vec::new());
    for_each_line(path, &mut skipped_turns, &mut skipped, |line, value| {
        let Value::Object(object) = value else {
            return Err(ForensicsError::BadJsonLine {
                path: path.to_path_buf(),
                line,
                message: "expected an object, one turn per line".to_string(),
            });
        };
        rows.push(object);
        Ok(())
    })?;
    finish(path, rows, skipped_turns, skipped, "not UTF-8")
}

/// The read of `rows`, refusing a log without any.
pub(super) fn finish(
    path: &Path,
    rows: RowsBuilder,
    skipped_turns: u64,
    skipped: Vec<super::SkippedTurn>,
    why_skipped: &str,
) -> Result<Read, ForensicsError> {
    if rows.rows == 0 {
        return Err(if skipped_turns == 0 {
            ForensicsError::EmptyInput {
                path: path.to_path_buf(),
            }
        } else {
            ForensicsError::NoReadableTurns {
                path: path.to_path_buf(),
                skipped: skipped_turns,
                reason: why_skipped.to_string(),
            }
        });
    }
    Ok(Read {
        table: rows.finish(path.display().to_string()),
        skipped_turns,
        skipped,
    })
}

/// Rows of JSON values gathered into columns: a column of numbers becomes numeric, one of
/// booleans boolean, anything else text (numbers written as JSON writes them, objects and
/// arrays as JSON text). A key a row lacks is missing there.
#[derive(Default)]
pub(super) struct RowsBuilder {
    rows: usize,
    names: Vec<String>,
    index: HashMap<String, usize>,
    cells: Vec<Vec<Value>>,
}

impl RowsBuilder {
    pub(super) fn push(&mut self, row: Map<String, Value>) {
        for (name, value) in row {
            let column = match self.index.get(&name) {
                Some(&column) => column,
                None => {
                    self.index.insert(name.clone(), self.names.len());
                    self.names.push(name);
                    self.cells.push(vec![Value::Null; self.rows]);
                    self.names.len() - 1
                }
            };
            // A key repeated within one object keeps its last value, as serde_json does.
            let cells = &mut self.cells[column];
            cells.truncate(self.rows);
            cells.push(value);
        }
        self.rows += 1;
        for cells in &mut self.cells {
            cells.resize(self.rows, Value::Null);
        }
    }

    pub(super) fn finish(self, source: String) -> Table {
        let columns = self
            .names
            .into_iter()
            .zip(self.cells)
            .map(|(name, cells)| Column {
                name,
                values: column_values(cells),
            })
            .collect();
        Table {
            source,
            row_count: self.rows,
            columns,
        }
    }
}

fn column_values(cells: Vec<Value>) -> ColumnValues {
    let present = || cells.iter().filter(|cell| !cell.is_null());
    let numeric = |origin: NumericOrigin, value: fn(&Value) -> Option<f64>| {
        let nulls: Vec<bool> = cells.iter().map(Value::is_null).collect();
        ColumnValues::Numeric {
            values: cells
                .iter()
                .map(|cell| value(cell).unwrap_or(f64::NAN))
                .collect(),
            nulls: nulls.iter().any(|&null| null).then_some(nulls),
            origin,
        }
    };
    if present().count() > 0 && present().all(Value::is_boolean) {
        return numeric(NumericOrigin::Boolean, |cell| {
            cell.as_bool().map(|value| f64::from(u8::from(value)))
        });
    }
    if present().count() > 0 && present().all(Value::is_number) {
        let origin = if present().all(|cell| cell.is_i64() || cell.is_u64()) {
            NumericOrigin::Integer
        } else {
            NumericOrigin::Float
        };
        return numeric(origin, Value::as_f64);
    }
    let mut dictionary = Vec::new();
    let mut lookup: HashMap<String, u32> = HashMap::new();
    let codes = cells
        .into_iter()
        .map(|cell| {
            let text = match cell {
                Value::Null => return NULL_CODE,
                Value::String(text) => text,
                other => other.to_string(),
            };
            *lookup.entry(text).or_insert_with_key(|text| {
                dictionary.push(text.clone());
                (dictionary.len() - 1) as u32
            })
        })
        .collect();
    ColumnValues::Categorical { codes, dictionary }
}
