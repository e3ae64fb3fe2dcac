//! Single-decision lookup: the logged inputs, score, prediction, label and model version behind
//! one decision id. In Parquet, row groups whose id statistics exclude the id are never read,
//! so a log sorted or clustered by id is not scanned whole.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use arrow_array::RecordBatchReader;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::statistics::Statistics;

use crate::table::{ColumnValues, NULL_CODE, TableBuilder};
use crate::{ForensicsError, ReadOptions};

pub const DECISION_SCHEMA_VERSION: u32 = 1;

/// One logged decision.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DecisionRecord {
    pub schema_version: u32,
    pub decision_id: String,
    pub source: String,
    /// Zero-based row in the file.
    pub row: usize,
    /// Row groups read to find it, out of all the file's row groups (both 0 for CSV).
    pub row_groups_read: usize,
    pub row_groups_total: usize,
    /// Every column of the row; timestamps as RFC 3339, missing cells as null.
    pub values: BTreeMap<String, serde_json::Value>,
}

/// Finds the row whose `id_column` equals `decision_id` (compared as text, or as a number for
/// numeric id columns). `Ok(None)` when no row has it.
pub fn find_decision(
    path: &Path,
    id_column: &str,
    decision_id: &str,
) -> Result<Option<DecisionRecord>, ForensicsError> {
    if crate::load::is_csv(path) {
        let table = crate::read_log(path, &ReadOptions::default())?;
        return Ok(
            find_in(&table, id_column, decision_id).map(|row| DecisionRecord {
                schema_version: DECISION_SCHEMA_VERSION,
                decision_id: decision_id.to_string(),
                source: table.source.clone(),
                row,
                row_groups_read: 0,
                row_groups_total: 0,
                values: row_values(&table, row),
            }),
        );
    }
    let open = || {
        File::open(path).map_err(|source| ForensicsError::Open {
            path: path.to_path_buf(),
            source,
        })
    };
    let corrupt = |error: parquet::errors::ParquetError| ForensicsError::CorruptParquet {
        path: path.to_path_buf(),
        message: error.to_string(),
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(open()?).map_err(corrupt)?;
    let display = path.display().to_string();
    builder
        .schema()
        .index_of(id_column)
        .map_err(|_| ForensicsError::missing_column(&display, id_column))?;
    let metadata = builder.metadata().clone();
    let leaf = metadata
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .position(|column| column.path().parts() == [id_column]);
    let numeric_id = decision_id.parse::<i64>().ok();
    let total = metadata.num_row_groups();
    let mut read = 0;
    let mut first_row = 0usize;
    for group in 0..total {
        let group_rows = metadata.row_group(group).num_rows() as usize;
        let possible = leaf.is_none_or(|leaf| {
            match metadata.row_group(group).column(leaf).statistics() {
                Some(Statistics::Int64(statistics)) => {
                    match (numeric_id, statistics.min_opt(), statistics.max_opt()) {
                        (Some(id), Some(&minimum), Some(&maximum)) => {
                            (minimum..=maximum).contains(&id)
                        }
                        (None, Some(_), Some(_)) => false,
                        _ => true,
                    }
                }
                Some(Statistics::Int32(statistics)) => {
                    match (numeric_id, statistics.min_opt(), statistics.max_opt()) {
                        (Some(id), Some(&minimum), Some(&maximum)) => {
                            (i64::from(minimum)..=i64::from(maximum)).contains(&id)
                        }
                        (None, Some(_), Some(_)) => false,
                        _ => true,
                    }
                }
                // Byte-array statistics may be truncated prefixes, so they bound but never match exactly.
                Some(Statistics::ByteArray(statistics)) => {
                    match (statistics.min_bytes_opt(), statistics.max_bytes_opt()) {
                        (Some(minimum), Some(maximum)) if statistics.max_is_exact() => {
                            minimum <= decision_id.as_bytes() && decision_id.as_bytes() <= maximum
                        }
                        (Some(minimum), Some(_)) => minimum <= decision_id.as_bytes(),
                        _ => true,
                    }
                }
                _ => true,
            }
        });
        if possible {
            read += 1;
            let reader = ParquetRecordBatchReaderBuilder::try_new(open()?)
                .map_err(corrupt)?
                .with_row_groups(vec![group])
                .build()
                .map_err(corrupt)?;
            let mut table =
                TableBuilder::new(format!("{display} row group {group}"), &reader.schema())?;
            for batch in reader {
                table.push(&batch.map_err(|error| ForensicsError::CorruptParquet {
                    path: path.to_path_buf(),
                    message: error.to_string(),
                })?)?;
            }
            let table = table.finish();
            if let Some(row) = find_in(&table, id_column, decision_id) {
                return Ok(Some(DecisionRecord {
                    schema_version: DECISION_SCHEMA_VERSION,
                    decision_id: decision_id.to_string(),
                    source: display,
                    row: first_row + row,
                    row_groups_read: read,
                    row_groups_total: total,
                    values: row_values(&table, row),
                }));
            }
        }
        first_row += group_rows;
    }
    Ok(None)
}

fn find_in(table: &crate::Table, id_column: &str, decision_id: &str) -> Option<usize> {
    let column = table.column(id_column).ok()?;
    match &column.values {
        ColumnValues::Categorical { codes, dictionary } => {
            let code = dictionary.iter().position(|entry| entry == decision_id)? as u32;
            codes
                .iter()
                .position(|&candidate| candidate == code && candidate != NULL_CODE)
        }
        ColumnValues::Numeric { values, .. } => {
            let id = decision_id.parse::<f64>().ok()?;
            values.iter().position(|&value| value == id)
        }
        ColumnValues::Timestamp { .. } => None,
    }
}

fn row_values(table: &crate::Table, row: usize) -> BTreeMap<String, serde_json::Value> {
    table
        .columns
        .iter()
        .map(|column| (column.name.clone(), column.values.json_value(row)))
        .collect()
}
