//! The in-memory column model every analysis reads: numbers as `f64` (NaN and ±inf kept as they
//! were logged), text dictionary-encoded, timestamps as UTC nanoseconds.

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};

mod intern;

use crate::ForensicsError;
use intern::Interner;

/// Code of a missing value in a [`ColumnValues::Categorical`] column.
pub const NULL_CODE: u32 = u32::MAX;
/// Stored value of a missing timestamp.
pub const NULL_TIMESTAMP: i64 = i64::MIN;

/// Which Arrow type a numeric column came from; presets infer column kinds from it the way the
/// peers infer them from pandas dtypes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumericOrigin {
    Float,
    Integer,
    Boolean,
}

/// The values of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// Numbers; a missing value is stored as NaN and flagged in `nulls` so that a logged NaN and
    /// a missing cell can still be told apart.
    Numeric {
        values: Vec<f64>,
        nulls: Option<Vec<bool>>,
        origin: NumericOrigin,
    },
    /// Text as codes into `dictionary`; [`NULL_CODE`] marks a missing value.
    Categorical {
        codes: Vec<u32>,
        dictionary: Vec<String>,
    },
    /// UTC nanoseconds since the epoch; [`NULL_TIMESTAMP`] marks a missing value.
    Timestamp { nanos: Vec<i64> },
}

impl ColumnValues {
    pub fn len(&self) -> usize {
        match self {
            Self::Numeric { values, .. } => values.len(),
            Self::Categorical { codes, .. } => codes.len(),
            Self::Timestamp { nanos } => nanos.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The short type name used in error messages and profiles.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Numeric {
                origin: NumericOrigin::Float,
                ..
            } => "float",
            Self::Numeric {
                origin: NumericOrigin::Integer,
                ..
            } => "integer",
            Self::Numeric {
                origin: NumericOrigin::Boolean,
                ..
            } => "boolean",
            Self::Categorical { .. } => "text",
            Self::Timestamp { .. } => "timestamp",
        }
    }

    /// Whether row `row` holds no value (a missing cell, not a logged NaN).
    pub fn is_null(&self, row: usize) -> bool {
        match self {
            Self::Numeric { nulls, .. } => nulls.as_ref().is_some_and(|nulls| nulls[row]),
            Self::Categorical { codes, .. } => codes[row] == NULL_CODE,
            Self::Timestamp { nanos } => nanos[row] == NULL_TIMESTAMP,
        }
    }

    /// The rows whose index is listed, in that order.
    pub fn take(&self, rows: &[usize]) -> Self {
        match self {
            Self::Numeric {
                values,
                nulls,
                origin,
            } => Self::Numeric {
                values: rows.iter().map(|&row| values[row]).collect(),
                nulls: nulls
                    .as_ref()
                    .map(|nulls| rows.iter().map(|&row| nulls[row]).collect()),
                origin: *origin,
            },
            Self::Categorical { codes, dictionary } => Self::Categorical {
                codes: rows.iter().map(|&row| codes[row]).collect(),
                dictionary: dictionary.clone(),
            },
            Self::Timestamp { nanos } => Self::Timestamp {
                nanos: rows.iter().map(|&row| nanos[row]).collect(),
            },
        }
    }

    /// One cell as JSON, for single-decision lookups and error messages.
    pub fn json_value(&self, row: usize) -> serde_json::Value {
        if self.is_null(row) {
            return serde_json::Value::Null;
        }
        match self {
            Self::Numeric { values, origin, .. } => {
                let value = values[row];
                match origin {
                    NumericOrigin::Boolean => serde_json::Value::Bool(value != 0.0),
                    NumericOrigin::Integer if value.fract() == 0.0 && value.abs() < 9.0e15 => {
                        serde_json::Value::from(value as i64)
                    }
                    _ => serde_json::Number::from_f64(value).map_or_else(
                        || serde_json::Value::String(value.to_string()),
                        serde_json::Value::Number,
                    ),
                }
            }
            Self::Categorical { codes, dictionary } => {
                serde_json::Value::String(dictionary[codes[row] as usize].clone())
            }
            Self::Timestamp { nanos } => serde_json::Value::String(format_timestamp(nanos[row])),
        }
    }
}

/// RFC 3339 text of a UTC nanosecond timestamp.
pub fn format_timestamp(nanos: i64) -> String {
    jiff::Timestamp::from_nanosecond(i128::from(nanos))
        .map_or_else(|_| nanos.to_string(), |timestamp| timestamp.to_string())
}

/// A named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub values: ColumnValues,
}

/// Columns of equal length read from one source (a file, or a window or cohort of one).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Where the rows came from, used in messages (a path, optionally with a window).
    pub source: String,
    pub row_count: usize,
    pub columns: Vec<Column>,
}

impl Table {
    pub fn column(&self, name: &str) -> Result<&Column, ForensicsError> {
        self.columns
            .iter()
            .find(|column| column.name == name)
            .ok_or_else(|| ForensicsError::missing_column(&self.source, name))
    }

    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|column| column.name.as_str())
    }

    /// The rows whose index is listed, under a new source name.
    pub fn take(&self, rows: &[usize], source: String) -> Table {
        Table {
            source,
            row_count: rows.len(),
            columns: self
                .columns
                .iter()
                .map(|column| Column {
                    name: column.name.clone(),
                    values: column.values.take(rows),
                })
                .collect(),
        }
    }
}

/// Accumulates Arrow record batches into a [`Table`], converting each column once.
pub(crate) struct TableBuilder {
    source: String,
    row_count: usize,
    columns: Vec<ColumnBuilder>,
}

struct ColumnBuilder {
    name: String,
    kind: BuilderKind,
}

enum BuilderKind {
    Numeric {
        values: Vec<f64>,
        nulls: Vec<bool>,
        any_null: bool,
        origin: NumericOrigin,
    },
    Categorical {
        codes: Vec<u32>,
        dictionary: Vec<String>,
        lookup: Interner,
    },
    Timestamp {
        nanos: Vec<i64>,
    },
}

impl TableBuilder {
    pub(crate) fn new(
        source: String,
        schema: &arrow_schema::Schema,
    ) -> Result<Self, ForensicsError> {
        let columns = schema
            .fields()
            .iter()
            .map(|field| {
                let kind =
                    builder_kind(field.data_type()).ok_or_else(|| ForensicsError::WrongType {
                        source_name: source.clone(),
                        column: field.name().clone(),
                        found: field.data_type().to_string(),
                        expected: "a number, boolean, text or timestamp".to_string(),
                    })?;
                Ok(ColumnBuilder {
                    name: field.name().clone(),
                    kind,
                })
            })
            .collect::<Result<_, ForensicsError>>()?;
        Ok(Self {
            source,
            row_count: 0,
            columns,
        })
    }

    pub(crate) fn push(&mut self, batch: &RecordBatch) -> Result<(), ForensicsError> {
        for (builder, array) in self.columns.iter_mut().zip(batch.columns()) {
            builder.push(array, &self.source)?;
        }
        self.row_count += batch.num_rows();
        Ok(())
    }

    /// Makes room for `rows` more rows in every column.
    pub(crate) fn reserve(&mut self, rows: usize) {
        for column in &mut self.columns {
            match &mut column.kind {
                BuilderKind::Numeric { values, .. } => values.reserve(rows),
                BuilderKind::Categorical { codes, .. } => codes.reserve(rows),
                BuilderKind::Timestamp { nanos } => nanos.reserve(rows),
            }
        }
    }

    /// Appends the rows of a batch marked in `inside` (rows of a time window). Time-ordered
    /// logs mark one run per batch, which is appended as a slice without gathering rows.
    pub(crate) fn push_selected(
        &mut self,
        batch: &RecordBatch,
        inside: &[bool],
    ) -> Result<(), ForensicsError> {
        // Counting vectorises, so batches wholly inside or outside cost one quick pass.
        let selected = inside.iter().filter(|&&inside| inside).count();
        if selected == 0 {
            return Ok(());
        }
        if selected == inside.len() {
            return self.push(batch);
        }
        let first = inside.iter().position(|&inside| inside).unwrap_or(0);
        if inside[first..first + selected].iter().all(|&inside| inside) {
            return self.push(&batch.slice(first, selected));
        }
        let rows: Vec<u32> = (first..inside.len())
            .filter(|&row| inside[row])
            .map(|row| row as u32)
            .collect();
        let indices = arrow_array::UInt32Array::from(rows);
        let taken = batch
            .columns()
            .iter()
            .map(|array| arrow_select_take(array, &indices))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| ForensicsError::InvalidOptions(error.to_string()))?;
        for (builder, array) in self.columns.iter_mut().zip(&taken) {
            builder.push(array, &self.source)?;
        }
        self.row_count += indices.len();
        Ok(())
    }

    pub(crate) fn finish(self) -> Table {
        Table {
            source: self.source,
            row_count: self.row_count,
            columns: self
                .columns
                .into_iter()
                .map(|builder| Column {
                    name: builder.name,
                    values: match builder.kind {
                        BuilderKind::Numeric {
                            values,
                            nulls,
                            any_null,
                            origin,
                        } => ColumnValues::Numeric {
                            values,
                            nulls: any_null.then_some(nulls),
                            origin,
                        },
                        BuilderKind::Categorical {
                            codes, dictionary, ..
                        } => ColumnValues::Categorical { codes, dictionary },
                        BuilderKind::Timestamp { nanos } => ColumnValues::Timestamp { nanos },
                    },
                })
                .collect(),
        }
    }
}

fn arrow_select_take(
    array: &ArrayRef,
    indices: &arrow_array::UInt32Array,
) -> Result<ArrayRef, arrow_schema::ArrowError> {
    arrow_select::take::take(array.as_ref(), indices, None)
}

fn builder_kind(data_type: &DataType) -> Option<BuilderKind> {
    let numeric = |origin| BuilderKind::Numeric {
        values: Vec::new(),
        nulls: Vec::new(),
        any_null: false,
        origin,
    };
    Some(match data_type {
        // A column with no values at all (CSV inference gives Null) is numbers, all missing.
        DataType::Null
        | DataType::Float16
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => numeric(NumericOrigin::Float),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => numeric(NumericOrigin::Integer),
        DataType::Boolean => numeric(NumericOrigin::Boolean),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => categorical_builder(),
        DataType::Dictionary(_, value)
            if matches!(
                value.as_ref(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            categorical_builder()
        }
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => {
            BuilderKind::Timestamp { nanos: Vec::new() }
        }
        _ => return None,
    })
}

fn categorical_builder() -> BuilderKind {
    BuilderKind::Categorical {
        codes: Vec::new(),
        dictionary: Vec::new(),
        lookup: Interner::default(),
    }
}

impl ColumnBuilder {
    fn push(&mut self, array: &ArrayRef, source: &str) -> Result<(), ForensicsError> {
        let cast_error = |error: arrow_schema::ArrowError| ForensicsError::WrongType {
            source_name: source.to_string(),
            column: self.name.clone(),
            found: array.data_type().to_string(),
            expected: error.to_string(),
        };
        match &mut self.kind {
            BuilderKind::Numeric {
                values,
                nulls,
                any_null,
                ..
            } => {
                let floats = arrow_cast::cast(array, &DataType::Float64).map_err(cast_error)?;
                let floats = floats.as_primitive::<arrow_array::types::Float64Type>();
                values.extend_from_slice(floats.values());
                match floats.nulls() {
                    Some(mask) if mask.null_count() > 0 => {
                        let start = values.len() - floats.len();
                        nulls.resize(start, false);
                        for (offset, valid) in mask.iter().enumerate() {
                            if !valid {
                                values[start + offset] = f64::NAN;
                            }
                            nulls.push(!valid);
                        }
                        *any_null = true;
                    }
                    _ => {
                        if *any_null {
                            nulls.resize(values.len(), false);
                        }
                    }
                }
            }
            BuilderKind::Categorical {
                codes,
                dictionary,
                lookup,
            } => {
                let mut intern = |text: &str| lookup.intern(dictionary, text);
                if let DataType::Dictionary(..) = array.data_type() {
                    // Decode each dictionary entry once per batch, then map the keys: far
                    // cheaper than hashing every row's text.
                    let dictionary_array = array.as_any_dictionary();
                    let keys = dictionary_array.normalized_keys();
                    let key_array = dictionary_array.keys();
                    let values = dictionary_array.values();
                    let texts = arrow_cast::cast(&values, &DataType::Utf8).map_err(cast_error)?;
                    let texts = texts.as_string::<i32>();
                    let mapped: Vec<u32> = (0..texts.len())
                        .map(|index| {
                            if texts.is_null(index) {
                                NULL_CODE
                            } else {
                                intern(texts.value(index))
                            }
                        })
                        .collect();
                    // A missing dictionary value is already NULL_CODE in `mapped`; only missing
                    // keys need the validity bits, read as a buffer rather than row by row.
                    match key_array.nulls().filter(|nulls| nulls.null_count() > 0) {
                        None => codes.extend(keys.iter().map(|&key| mapped[key])),
                        Some(nulls) => codes.extend(
                            keys.iter()
                                .zip(nulls.iter())
                                .map(|(&key, valid)| if valid { mapped[key] } else { NULL_CODE }),
                        ),
                    }
                } else {
                    let texts = arrow_cast::cast(array, &DataType::Utf8).map_err(cast_error)?;
                    let texts = texts.as_string::<i32>();
                    codes.reserve(texts.len());
                    for index in 0..texts.len() {
                        codes.push(if texts.is_null(index) {
                            NULL_CODE
                        } else {
                            intern(texts.value(index))
                        });
                    }
                }
            }
            BuilderKind::Timestamp { nanos } => {
                let target = DataType::Timestamp(TimeUnit::Nanosecond, None);
                let stamps = match array.data_type() {
                    DataType::Timestamp(..) => {
                        // Reinterpret the zone away: stored instants are UTC whatever zone is attached.
                        let unzoned = arrow_cast::cast(
                            array,
                            &DataType::Timestamp(timestamp_unit(array.data_type()), None),
                        )
                        .map_err(cast_error)?;
                        arrow_cast::cast(&unzoned, &target).map_err(cast_error)?
                    }
                    _ => arrow_cast::cast(array, &target).map_err(cast_error)?,
                };
                let stamps = stamps.as_primitive::<arrow_array::types::TimestampNanosecondType>();
                nanos.extend((0..stamps.len()).map(|index| {
                    if stamps.is_null(index) {
                        NULL_TIMESTAMP
                    } else {
                        stamps.value(index)
                    }
                }));
            }
        }
        Ok(())
    }
}

fn timestamp_unit(data_type: &DataType) -> TimeUnit {
    match data_type {
        DataType::Timestamp(unit, _) => *unit,
        _ => TimeUnit::Nanosecond,
    }
}
