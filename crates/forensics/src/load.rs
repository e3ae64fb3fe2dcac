//! Reading prediction logs: Parquet (column projection, row-group pruning on timestamp
//! statistics) and CSV (streamed, types inferred), optionally split into time windows.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::file::statistics::Statistics;

use crate::ForensicsError;
use crate::table::{Table, TableBuilder};

const BATCH_ROWS: usize = 64 * 1024;
/// Rows of a CSV file read to infer column types before streaming the rest.
const CSV_INFERENCE_ROWS: usize = 100_000;

/// Which columns of a log play which role. Features are every other column unless listed.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogMapping {
    pub timestamp: Option<String>,
    pub prediction: Option<String>,
    pub score: Option<String>,
    pub label: Option<String>,
    pub protected: Vec<String>,
    pub decision_id: Option<String>,
    pub model_version: Option<String>,
    pub features: Option<Vec<String>>,
}

impl LogMapping {
    /// The feature columns of `table`: the listed ones, or every column without a role.
    pub fn feature_columns(&self, table: &Table) -> Vec<String> {
        if let Some(features) = &self.features {
            return features.clone();
        }
        let roles: Vec<&String> = [
            &self.timestamp,
            &self.prediction,
            &self.score,
            &self.label,
            &self.decision_id,
            &self.model_version,
        ]
        .into_iter()
        .flatten()
        .chain(&self.protected)
        .collect();
        table
            .column_names()
            .filter(|name| !roles.iter().any(|role| role.as_str() == *name))
            .map(str::to_string)
            .collect()
    }
}

/// A half-open UTC interval `[start, end)`; a missing bound is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeWindow {
    /// Nanoseconds since the epoch.
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl TimeWindow {
    /// Parses `A..B` where each side is empty, an RFC 3339 instant, or a civil date or date-time
    /// taken as UTC (`2024-01-01`, `2024-01-01T06:00:00`).
    pub fn parse(text: &str) -> Result<Self, ForensicsError> {
        let bad = |message: String| ForensicsError::BadWindow {
            window: text.to_string(),
            message,
        };
        let (start, end) = text
            .split_once("..")
            .ok_or_else(|| bad("expected START..END, either side may be empty".to_string()))?;
        let bound = |side: &str| -> Result<Option<i64>, ForensicsError> {
            let side = side.trim();
            if side.is_empty() {
                return Ok(None);
            }
            parse_instant(side).map(Some).map_err(bad)
        };
        let window = Self {
            start: bound(start)?,
            end: bound(end)?,
        };
        if let (Some(start), Some(end)) = (window.start, window.end)
            && start >= end
        {
            return Err(bad("start is not before end".to_string()));
        }
        Ok(window)
    }

    pub fn contains(&self, nanos: i64) -> bool {
        self.start.is_none_or(|start| nanos >= start) && self.end.is_none_or(|end| nanos < end)
    }

    /// Whether any instant in `[minimum, maximum]` falls in the window.
    fn overlaps(&self, minimum: i64, maximum: i64) -> bool {
        self.start.is_none_or(|start| maximum >= start) && self.end.is_none_or(|end| minimum < end)
    }
}

/// Nanoseconds since the epoch of an RFC 3339 instant or a civil date/date-time read as UTC.
pub(crate) fn parse_instant(text: &str) -> Result<i64, String> {
    let nanos = if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        timestamp.as_nanosecond()
    } else if let Ok(datetime) = text.parse::<jiff::civil::DateTime>() {
        datetime
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|error| error.to_string())?
            .timestamp()
            .as_nanosecond()
    } else if let Ok(date) = text.parse::<jiff::civil::Date>() {
        date.to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|error| error.to_string())?
            .timestamp()
            .as_nanosecond()
    } else {
        return Err(format!(
            "`{text}` is not a date, date-time or RFC 3339 instant"
        ));
    };
    i64::try_from(nanos).map_err(|_| format!("`{text}` is out of range"))
}

/// Which part of a file to read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// Columns to read, in file order; `None` reads all.
    pub columns: Option<Vec<String>>,
    /// Keep only rows whose timestamp column falls in the window.
    pub window: Option<(String, TimeWindow)>,
}

/// Whether a log is CSV rather than Parquet: by its extension, and for a
/// file without one (content in the blob store) by Parquet's `PAR1` magic.
pub fn is_csv(path: &Path) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some(extension) if extension.eq_ignore_ascii_case("csv") => true,
        Some(extension) if extension.eq_ignore_ascii_case("parquet") => false,
        _ => parquet_magic(path) == Some(false),
    }
}

/// Whether a file starts with Parquet's `PAR1` magic; `None` when it cannot be read that far.
fn parquet_magic(path: &Path) -> Option<bool> {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut magic))
        .ok()
        .map(|()| &magic == b"PAR1")
}

/// Refuses a log that would be read differently from its content alone, as the evidence vault
/// keeps it: a CSV log with a schema file beside it, or a log whose extension says another
/// format than its first bytes.
pub fn check_self_describing(path: &Path) -> Result<(), ForensicsError> {
    let refuse = |reason: String| {
        Err(ForensicsError::NotSelfDescribing {
            path: path.to_path_buf(),
            reason,
        })
    };
    let schema = schema_file_of(path);
    if schema.exists() {
        return refuse(format!(
            "its column types come from {}, which does not travel with it",
            schema.display()
        ));
    }
    match (is_csv(path), parquet_magic(path) == Some(true)) {
        (true, true) => refuse("its name says CSV but its content is Parquet".to_string()),
        (false, false) => {
            refuse("its name says Parquet but its content is not Parquet".to_string())
        }
        _ => Ok(()),
    }
}

/// Reads a Parquet or CSV log (see [`is_csv`]).
pub fn read_log(path: &Path, options: &ReadOptions) -> Result<Table, ForensicsError> {
    let rows = match &options.window {
        Some((column, window)) => Rows::ByTimestamp {
            column,
            windows: std::slice::from_ref(window),
        },
        None => Rows::All,
    };
    let mut tables = read_windows(path, options.columns.as_deref(), &rows)?;
    Ok(tables
        .pop()
        .expect("one table per window, or one for the whole file"))
}

/// The Arrow schema of a log: Parquet from its footer, CSV inferred from its first rows.
pub fn read_schema(path: &Path) -> Result<Arc<Schema>, ForensicsError> {
    let mut file = File::open(path).map_err(|source| ForensicsError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if is_csv(path) {
        return Ok(Arc::new(csv_schema(path, &mut file)?));
    }
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|error| corrupt(path, error))?;
    Ok(Arc::clone(builder.schema()))
}

/// Reads one file once and splits it into a reference and a current table by time windows.
pub fn read_split(
    path: &Path,
    columns: Option<&[String]>,
    timestamp_column: &str,
    reference: TimeWindow,
    current: TimeWindow,
) -> Result<(Table, Table), ForensicsError> {
    let rows = Rows::ByTimestamp {
        column: timestamp_column,
        windows: &[reference, current],
    };
    two_tables(read_windows(path, columns, &rows)?)
}

/// Which rows of a Parquet log fall in each of two time windows, decided once from the
/// timestamp column so that passes over other columns ([`read_known_split`]) need not decode it
/// again.
#[derive(Debug)]
pub(crate) struct WindowRows {
    windows: [TimeWindow; 2],
    /// The row groups whose timestamp statistics overlap a window.
    row_groups: Vec<usize>,
    /// Per window, whether each row of `row_groups` (in file order) falls in it.
    inside: [Vec<bool>; 2],
}

/// Reads the timestamp column of a Parquet log and decides which rows fall in which window.
pub(crate) fn window_rows(
    path: &Path,
    timestamp_column: &str,
    reference: TimeWindow,
    current: TimeWindow,
) -> Result<WindowRows, ForensicsError> {
    let windows = [reference, current];
    let read = parquet_batches(
        path,
        open(path)?,
        Some(&[]),
        &Rows::ByTimestamp {
            column: timestamp_column,
            windows: &windows,
        },
    )?;
    let display = path.display().to_string();
    let mut inside = [Vec::with_capacity(read.rows), Vec::with_capacity(read.rows)];
    for batch in read.batches {
        let stamps = timestamps_of(&batch?, 0, &display, timestamp_column)?;
        for (window, inside) in windows.iter().zip(&mut inside) {
            inside.extend(
                stamps
                    .iter()
                    .map(|stamp| stamp.is_some_and(|stamp| window.contains(stamp))),
            );
        }
    }
    if inside[0].is_empty() && parquet_row_count(path)? == 0 {
        return Err(ForensicsError::EmptyInput {
            path: path.to_path_buf(),
        });
    }
    Ok(WindowRows {
        windows,
        row_groups: read.row_groups,
        inside,
    })
}

/// [`read_split`] of a Parquet log whose window rows are already known: the timestamp column is
/// not read, and each table is sized for its rows up front.
pub(crate) fn read_known_split(
    path: &Path,
    columns: Option<&[String]>,
    known: &WindowRows,
) -> Result<(Table, Table), ForensicsError> {
    two_tables(read_windows(path, columns, &Rows::Known(known))?)
}

fn two_tables(mut tables: Vec<Table>) -> Result<(Table, Table), ForensicsError> {
    let current_table = tables.pop().expect("two windows");
    let reference_table = tables.pop().expect("two windows");
    Ok((reference_table, current_table))
}

/// How the rows read are dealt out to the tables returned.
enum Rows<'a> {
    /// Every row to one table.
    All,
    /// Each row to the table of every window its timestamp falls in.
    ByTimestamp {
        column: &'a str,
        windows: &'a [TimeWindow],
    },
    /// As [`window_rows`] decided, to the tables of both windows.
    Known(&'a WindowRows),
}

impl Rows<'_> {
    fn timestamp_column(&self) -> Option<&str> {
        match self {
            Self::ByTimestamp { column, .. } => Some(column),
            Self::All | Self::Known(_) => None,
        }
    }

    fn windows(&self) -> &[TimeWindow] {
        match self {
            Self::All => &[],
            Self::ByTimestamp { windows, .. } => windows,
            Self::Known(known) => &known.windows,
        }
    }
}

fn open(path: &Path) -> Result<File, ForensicsError> {
    File::open(path).map_err(|source| ForensicsError::Open {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a CSV log whose bytes are already in memory (a log cleaned of rows that are not UTF-8,
/// say); `path` names it in messages and locates its schema file.
pub(crate) fn read_csv_bytes(path: &Path, bytes: Vec<u8>) -> Result<Table, ForensicsError> {
    let mut tables = read_windows_from(path, Some(bytes), None, &Rows::All)?;
    Ok(tables.pop().expect("one table for the whole file"))
}

fn read_windows(
    path: &Path,
    columns: Option<&[String]>,
    rows: &Rows,
) -> Result<Vec<Table>, ForensicsError> {
    read_windows_from(path, None, columns, rows)
}

/// [`read_windows`] of the file at `path`, or of `csv_bytes` when given.
fn read_windows_from(
    path: &Path,
    csv_bytes: Option<Vec<u8>>,
    columns: Option<&[String]>,
    rows: &Rows,
) -> Result<Vec<Table>, ForensicsError> {
    let is_csv = csv_bytes.is_some() || is_csv(path);
    let display = path.display().to_string();
    let (schema, batches, parquet_rows) = if let Some(bytes) = csv_bytes {
        let input = std::io::Cursor::new(bytes);
        let (schema, batches) = csv_batches(path, input, columns, rows.timestamp_column())?;
        (schema, batches, None)
    } else if is_csv {
        let (schema, batches) = csv_batches(path, open(path)?, columns, rows.timestamp_column())?;
        (schema, batches, None)
    } else {
        let file = open(path)?;
        let read = parquet_batches(path, file, columns, rows)?;
        (read.schema, read.batches, Some(read.rows))
    };
    let timestamp_index = match rows.timestamp_column() {
        Some(name) => Some(
            schema
                .index_of(name)
                .map_err(|_| ForensicsError::missing_column(&display, name))?,
        ),
        None => None,
    };
    let sources: Vec<String> = if rows.windows().is_empty() {
        vec![display.clone()]
    } else {
        rows.windows()
            .iter()
            .map(|window| format!("{display} [{}]", window_label(window)))
            .collect()
    };
    let mut builders = sources
        .into_iter()
        .map(|source| TableBuilder::new(source, &schema))
        .collect::<Result<Vec<_>, _>>()?;
    // Columns sized once instead of grown batch by batch: no reallocation copies, and the
    // pages are touched once.
    match (rows, parquet_rows) {
        (Rows::All, Some(count)) => builders[0].reserve(count),
        (Rows::Known(known), _) => {
            for (builder, inside) in builders.iter_mut().zip(&known.inside) {
                builder.reserve(inside.iter().filter(|&&inside| inside).count());
            }
        }
        _ => {}
    }
    let mut rows_seen = 0usize;
    for batch in batches {
        let batch = batch?;
        let first_row = rows_seen;
        rows_seen += batch.num_rows();
        match (rows, timestamp_index) {
            (Rows::ByTimestamp { column, windows }, Some(index)) => {
                let stamps = timestamps_of(&batch, index, &display, column)?;
                for (window, builder) in windows.iter().zip(&mut builders) {
                    let inside: Vec<bool> = stamps
                        .iter()
                        .map(|stamp| stamp.is_some_and(|stamp| window.contains(stamp)))
                        .collect();
                    builder.push_selected(&batch, &inside)?;
                }
            }
            (Rows::Known(known), _) => {
                for (inside, builder) in known.inside.iter().zip(&mut builders) {
                    builder.push_selected(&batch, &inside[first_row..rows_seen])?;
                }
            }
            _ => builders[0].push(&batch)?,
        }
    }
    if rows_seen == 0 && !is_csv {
        let total = parquet_row_count(path)?;
        if total == 0 {
            return Err(ForensicsError::EmptyInput {
                path: path.to_path_buf(),
            });
        }
    } else if rows_seen == 0 {
        return Err(ForensicsError::EmptyInput {
            path: path.to_path_buf(),
        });
    }
    Ok(builders.into_iter().map(TableBuilder::finish).collect())
}

fn window_label(window: &TimeWindow) -> String {
    let side = |bound: Option<i64>| {
        bound
            .map(crate::table::format_timestamp)
            .unwrap_or_default()
    };
    format!("{}..{}", side(window.start), side(window.end))
}

/// Timestamps of one batch column as UTC nanoseconds.
fn timestamps_of(
    batch: &RecordBatch,
    index: usize,
    source: &str,
    column: &str,
) -> Result<Vec<Option<i64>>, ForensicsError> {
    let array = batch.column(index);
    let wrong = |found: &DataType| ForensicsError::WrongType {
        source_name: source.to_string(),
        column: column.to_string(),
        found: found.to_string(),
        expected: "a timestamp".to_string(),
    };
    if let DataType::Timestamp(TimeUnit::Nanosecond, _) = array.data_type() {
        // The common case (pandas writes nanoseconds): read the values without casting.
        let stamps = array.as_primitive::<arrow_array::types::TimestampNanosecondType>();
        return Ok((0..stamps.len())
            .map(|row| (!stamps.is_null(row)).then(|| stamps.value(row)))
            .collect());
    }
    let nanos = match array.data_type() {
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => {
            let unzoned = match array.data_type() {
                DataType::Timestamp(unit, _) => {
                    arrow_cast::cast(array, &DataType::Timestamp(*unit, None))
                }
                _ => Ok(Arc::clone(array)),
            }
            .map_err(|_| wrong(array.data_type()))?;
            let nanos =
                arrow_cast::cast(&unzoned, &DataType::Timestamp(TimeUnit::Nanosecond, None))
                    .map_err(|_| wrong(array.data_type()))?;
            arrow_cast::cast(&nanos, &DataType::Int64).map_err(|_| wrong(array.data_type()))?
        }
        other => return Err(wrong(other)),
    };
    let nanos = nanos.as_primitive::<Int64Type>();
    Ok((0..nanos.len())
        .map(|row| (!nanos.is_null(row)).then(|| nanos.value(row)))
        .collect())
}

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ForensicsError>>>;

fn corrupt(path: &Path, error: impl std::fmt::Display) -> ForensicsError {
    ForensicsError::CorruptParquet {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

fn parquet_row_count(path: &Path) -> Result<i64, ForensicsError> {
    let file = File::open(path).map_err(|source| ForensicsError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|error| corrupt(path, error))?;
    Ok(builder.metadata().file_metadata().num_rows())
}

/// Batches of a Parquet read, with the row groups read and how many rows they hold.
struct ParquetRead {
    schema: Arc<Schema>,
    batches: Batches,
    row_groups: Vec<usize>,
    rows: usize,
}

fn parquet_batches(
    path: &Path,
    file: File,
    columns: Option<&[String]>,
    rows: &Rows,
) -> Result<ParquetRead, ForensicsError> {
    let timestamp_column = rows.timestamp_column();
    let display = path.display().to_string();
    let plain = ParquetRecordBatchReaderBuilder::try_new(file.try_clone().map_err(|source| {
        ForensicsError::Open {
            path: path.to_path_buf(),
            source,
        }
    })?)
    .map_err(|error| corrupt(path, error))?;
    // Ask for text as dictionaries: Parquet already stores it so, and decoding keys is far cheaper
    // than materialising every string.
    let dictionary_schema = Arc::new(Schema::new(
        plain
            .schema()
            .fields()
            .iter()
            .map(|field| match field.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Arc::new(Field::new(
                    field.name(),
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                    field.is_nullable(),
                )),
                _ => Arc::clone(field),
            })
            .collect::<Vec<_>>(),
    ));
    let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(
        file,
        ArrowReaderOptions::new().with_schema(dictionary_schema),
    )
    .or_else(|_| Ok::<_, parquet::errors::ParquetError>(plain))
    .map_err(|error| corrupt(path, error))?;
    let schema = Arc::clone(builder.schema());
    let wanted = wanted_columns(&schema, &display, columns, timestamp_column)?;
    let metadata = Arc::clone(builder.metadata());
    let row_groups = match rows {
        Rows::ByTimestamp { column, windows } => {
            prune_row_groups(&metadata, &schema, column, windows)
                .unwrap_or_else(|| (0..metadata.num_row_groups()).collect())
        }
        Rows::Known(known) => known.row_groups.clone(),
        Rows::All => (0..metadata.num_row_groups()).collect(),
    };
    let row_count = row_groups
        .iter()
        .map(|&index| usize::try_from(metadata.row_group(index).num_rows()).unwrap_or(0))
        .sum();
    let mask = ProjectionMask::roots(
        metadata.file_metadata().schema_descr(),
        wanted.iter().copied(),
    );
    let projected = Arc::new(
        schema
            .project(&wanted)
            .map_err(|error| corrupt(path, error))?,
    );
    let reader = builder
        .with_projection(mask)
        .with_row_groups(row_groups.clone())
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|error| corrupt(path, error))?;
    let owned_path = path.to_path_buf();
    let batches = reader.map(move |batch| batch.map_err(|error| corrupt(&owned_path, error)));
    Ok(ParquetRead {
        schema: projected,
        batches: Box::new(batches),
        row_groups,
        rows: row_count,
    })
}

/// Row groups whose timestamp statistics overlap a window; `None` when statistics are unusable.
/// The indexes of the requested columns (all when none are named) plus the
/// timestamp column, sorted, each once; a missing one is named.
fn wanted_columns(
    schema: &Schema,
    display: &str,
    columns: Option<&[String]>,
    timestamp_column: Option<&str>,
) -> Result<Vec<usize>, ForensicsError> {
    let index_of = |name: &str| {
        schema
            .index_of(name)
            .map_err(|_| ForensicsError::missing_column(display, name))
    };
    let mut wanted: Vec<usize> = match columns {
        Some(columns) => columns
            .iter()
            .map(|name| index_of(name))
            .collect::<Result<_, _>>()?,
        None => (0..schema.fields().len()).collect(),
    };
    if let Some(name) = timestamp_column {
        wanted.push(index_of(name)?);
    }
    wanted.sort_unstable();
    wanted.dedup();
    Ok(wanted)
}

fn prune_row_groups(
    metadata: &parquet::file::metadata::ParquetMetaData,
    schema: &Schema,
    timestamp_column: &str,
    windows: &[TimeWindow],
) -> Option<Vec<usize>> {
    let DataType::Timestamp(unit, _) = schema.field_with_name(timestamp_column).ok()?.data_type()
    else {
        return None;
    };
    let per_nano = match unit {
        TimeUnit::Second => 1_000_000_000,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => 1,
    };
    let leaf = metadata
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .position(|column| column.path().parts() == [timestamp_column])?;
    let mut kept = Vec::new();
    for (index, group) in metadata.row_groups().iter().enumerate() {
        let Some(Statistics::Int64(statistics)) = group.column(leaf).statistics() else {
            return None;
        };
        let (Some(&minimum), Some(&maximum)) = (statistics.min_opt(), statistics.max_opt()) else {
            return None;
        };
        let (minimum, maximum) = (
            minimum.saturating_mul(per_nano),
            maximum.saturating_mul(per_nano),
        );
        if windows
            .iter()
            .any(|window| window.overlaps(minimum, maximum))
        {
            kept.push(index);
        }
    }
    Some(kept)
}

fn csv_error(path: &Path, error: impl std::fmt::Display) -> ForensicsError {
    let message = error.to_string();
    // arrow-csv names the line inside its message ("... for line 5, ..."); lift it out.
    let line = message
        .split("line ")
        .nth(1)
        .and_then(|rest| {
            rest.split(|character: char| !character.is_ascii_digit())
                .next()
        })
        .and_then(|digits| digits.parse().ok());
    ForensicsError::BadCsv {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// The schema file beside a CSV log: `decisions.csv` → `decisions.csv.schema.json`.
pub fn schema_file_of(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".schema.json");
    name.into()
}

/// A CSV log's column types: inferred from its first rows, then replaced by
/// the types its schema file gives, e.g. `{"columns": {"zip": "string",
/// "score": "float", "approved": "int", "at": "timestamp", "ok": "bool"}}`.
/// The file exists so that, say, ZIP codes stay text and a column whose
/// first 100,000 rows are empty still gets its type.
fn csv_schema(path: &Path, input: &mut impl std::io::Read) -> Result<Schema, ForensicsError> {
    let (inferred, _) = arrow_csv::reader::Format::default()
        .with_header(true)
        .infer_schema(&mut *input, Some(CSV_INFERENCE_ROWS))
        .map_err(|error| csv_error(path, error))?;
    let schema_path = schema_file_of(path);
    let text = match std::fs::read_to_string(&schema_path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(inferred),
        Err(source) => {
            return Err(ForensicsError::Open {
                path: schema_path,
                source,
            });
        }
    };
    let bad = |message: String| {
        ForensicsError::InvalidOptions(format!("{}: {message}", schema_path.display()))
    };
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SchemaFile {
        columns: std::collections::BTreeMap<String, String>,
    }
    let given: SchemaFile = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    for name in given.columns.keys() {
        if inferred.field_with_name(name).is_err() {
            return Err(bad(format!("column `{name}` is not in {}", path.display())));
        }
    }
    let fields: Result<Vec<Field>, ForensicsError> = inferred
        .fields()
        .iter()
        .map(|field| {
            let Some(kind) = given.columns.get(field.name()) else {
                return Ok(field.as_ref().clone());
            };
            let data_type = match kind.as_str() {
                "string" => DataType::Utf8,
                "int" => DataType::Int64,
                "float" => DataType::Float64,
                "bool" => DataType::Boolean,
                "timestamp" => DataType::Timestamp(TimeUnit::Nanosecond, Some("+00:00".into())),
                other => {
                    return Err(bad(format!(
                        "column `{}`: unknown type `{other}`, expected string, int, float, bool or timestamp",
                        field.name()
                    )));
                }
            };
            Ok(Field::new(field.name(), data_type, true))
        })
        .collect();
    Ok(Schema::new(fields?))
}

fn csv_batches(
    path: &Path,
    mut file: impl std::io::Read + std::io::Seek + 'static,
    columns: Option<&[String]>,
    timestamp_column: Option<&str>,
) -> Result<(Arc<Schema>, Batches), ForensicsError> {
    let display = path.display().to_string();
    let format = arrow_csv::reader::Format::default().with_header(true);
    let schema = csv_schema(path, &mut file)?;
    if schema.fields().is_empty() {
        return Err(ForensicsError::EmptyInput {
            path: path.to_path_buf(),
        });
    }
    file.rewind().map_err(|source| ForensicsError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let schema = Arc::new(schema);
    let wanted = wanted_columns(&schema, &display, columns, timestamp_column)?;
    let projected = Arc::new(
        schema
            .project(&wanted)
            .map_err(|error| csv_error(path, error))?,
    );
    let reader = arrow_csv::ReaderBuilder::new(Arc::clone(&schema))
        .with_format(format)
        .with_batch_size(BATCH_ROWS)
        .with_projection(wanted)
        .build(file)
        .map_err(|error| csv_error(path, error))?;
    let owned_path = path.to_path_buf();
    let batches = reader.map(move |batch| batch.map_err(|error| csv_error(&owned_path, error)));
    Ok((projected, Box::new(batches)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::ColumnValues;

    #[test]
    fn windows_parse_dates_and_instants() {
        let window = TimeWindow::parse("2024-01-01..2024-01-31T12:00:00Z").unwrap();
        assert_eq!(window.start, Some(1_704_067_200_000_000_000));
        assert!(window.contains(1_704_067_200_000_000_000));
        assert!(!window.contains(window.end.unwrap()));
        assert!(TimeWindow::parse("..").unwrap().contains(0));
    }

    #[test]
    fn bad_windows_are_refused() {
        assert!(matches!(
            TimeWindow::parse("2024-01-01"),
            Err(ForensicsError::BadWindow { .. })
        ));
        assert!(matches!(
            TimeWindow::parse("2024-02-01..2024-01-01"),
            Err(ForensicsError::BadWindow { .. })
        ));
        assert!(matches!(
            TimeWindow::parse("yesterday.."),
            Err(ForensicsError::BadWindow { .. })
        ));
    }

    #[test]
    fn a_schema_file_gives_csv_column_types() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("decisions.csv");
        std::fs::write(&log, "zip,score\n01234,1\n99999,2\n").unwrap();
        let read = || read_log(&log, &ReadOptions::default());
        let inferred = read().unwrap();
        assert!(matches!(
            inferred.column("zip").unwrap().values,
            ColumnValues::Numeric { .. }
        ));
        std::fs::write(
            schema_file_of(&log),
            r#"{"columns": {"zip": "string", "score": "float"}}"#,
        )
        .unwrap();
        let typed = read().unwrap();
        let ColumnValues::Categorical { dictionary, .. } = &typed.column("zip").unwrap().values
        else {
            panic!("zip is text once the schema file says so");
        };
        assert!(dictionary.contains(&"01234".to_string()));
        std::fs::write(schema_file_of(&log), r#"{"columns": {"zip": "postcode"}}"#).unwrap();
        let error = read().unwrap_err().to_string();
        assert!(
            error.contains("decisions.csv.schema.json") && error.contains("postcode"),
            "{error}"
        );
        std::fs::write(
            schema_file_of(&log),
            r#"{"columns": {"zipcode": "string"}}"#,
        )
        .unwrap();
        let error = read().unwrap_err().to_string();
        assert!(error.contains("zipcode"), "{error}");
    }
}
