//! The SQL the stores share: one connection interface that the SQLite and
//! PostgreSQL backends implement, so every table's queries are written once.
//!
//! Queries are written in SQLite's dialect with numbered `?N` (or bare `?`)
//! placeholders; the PostgreSQL backend rewrites them to `$N`. What the two
//! dialects spell differently (JSON access, substring search) comes from
//! [`Dialect`]. Values cross the boundary as [`Value`], so neither backend's
//! types leak into the store's logic.
//!
//! PostgreSQL fixes a parameter's type where it first appears, so a query
//! names a parameter beside its column before testing it alone: write
//! `(system = ?2 OR ?2 IS NULL)`, not `(?2 IS NULL OR system = ?2)`.

use crate::StoreError;

/// One value bound to or read from a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error("the query returned no rows")]
    NoRows,
    #[error("column {index}: expected {expected}, found {found}")]
    Type {
        index: usize,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{0}")]
    Backend(String),
    /// The database could not be reached or the pool had no free connection:
    /// worth retrying later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
}

impl From<SqlError> for StoreError {
    fn from(error: SqlError) -> Self {
        match error {
            SqlError::Type { .. } => StoreError::Corrupt(error.to_string()),
            SqlError::Unavailable(reason) => StoreError::Unavailable(reason),
            other => StoreError::Backend(other.to_string()),
        }
    }
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Integer(_) => "integer",
            Value::Real(_) => "real",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
        }
    }
}

/// A value that can be bound as a query parameter.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

macro_rules! integer_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Integer(i64::from(*self))
            }
        }
    )*};
}
integer_to_value!(i64, bool);

impl ToValue for u64 {
    /// Numbers, sequence numbers and positions stay far below 2^63.
    fn to_value(&self) -> Value {
        Value::Integer(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

/// The parameters of one query.
pub trait Params {
    fn into_values(self) -> Vec<Value>;
}

impl Params for &[&dyn ToValue] {
    fn into_values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn into_values(self) -> Vec<Value> {
        self.iter().map(ToValue::to_value).collect()
    }
}

impl Params for Vec<Value> {
    fn into_values(self) -> Vec<Value> {
        self
    }
}

/// `params![a, b]`: the parameters of a query, each by reference.
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        &[$(&$value as &dyn $crate::sql::ToValue),*] as &[&dyn $crate::sql::ToValue]
    };
}
pub(crate) use params;

/// A value read from a result column.
pub trait FromValue: Sized {
    const EXPECTED: &'static str;
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    const EXPECTED: &'static str = "integer";
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromValue for u64 {
    const EXPECTED: &'static str = "non-negative integer";
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).and_then(|i| u64::try_from(i).ok())
    }
}

impl FromValue for bool {
    const EXPECTED: &'static str = "boolean";
    fn from_value(value: &Value) -> Option<Self> {
        i64::from_value(value).map(|i| i != 0)
    }
}

impl FromValue for String {
    const EXPECTED: &'static str = "text";
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A column position in a result row.
pub trait ColumnIndex {
    fn position(self) -> usize;
}

impl ColumnIndex for usize {
    fn position(self) -> usize {
        self
    }
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    pub fn get<I: ColumnIndex, T: FromValue>(&self, index: I) -> Result<T, SqlError> {
        let index = index.position();
        let value = self.0.get(index).unwrap_or(&Value::Null);
        T::from_value(value).ok_or(SqlError::Type {
            index,
            expected: T::EXPECTED,
            found: value.kind(),
        })
    }
}

/// How a backend spells what SQL does not standardise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The text of top-level field `field` of the JSON text in `column`.
    pub fn json_text(self, column: &str, field: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{field}')"),
            Dialect::Postgres => format!("(({column})::jsonb ->> '{field}')"),
        }
    }

    /// Whether the JSON array at `field` of `column` holds the text bound to
    /// `placeholder`.
    pub fn json_array_holds(self, column: &str, field: &str, placeholder: &str) -> String {
        match self {
            Dialect::Sqlite => format!(
                "EXISTS (SELECT 1 FROM json_each({column}, '$.{field}') WHERE value = {placeholder})"
            ),
            Dialect::Postgres => format!(
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(({column})::jsonb -> '{field}') AS e(value) WHERE e.value = {placeholder})"
            ),
        }
    }

    /// Whether `needle` occurs in `haystack`, both already lower-cased.
    pub fn contains(self, haystack: &str, needle: &str) -> String {
        match self {
            Dialect::Sqlite => format!("instr({haystack}, {needle}) > 0"),
            Dialect::Postgres => format!("strpos({haystack}, {needle}) > 0"),
        }
    }

    /// A JSON object of `(key, column)` pairs, as text.
    pub fn json_object(self, pairs: &[(&str, &str)]) -> String {
        let args = pairs
            .iter()
            .map(|(key, column)| format!("'{key}', {column}"))
            .collect::<Vec<_>>()
            .join(", ");
        match self {
            Dialect::Sqlite => format!("json_object({args})"),
            Dialect::Postgres => format!("json_build_object({args})::text"),
        }
    }
}

/// One connection, inside a transaction when writing.
pub trait Sql {
    fn dialect(&self) -> Dialect;
    /// Runs a statement; answers how many rows it changed.
    fn run(&self, sql: &str, params: Vec<Value>) -> Result<usize, SqlError>;
    /// Runs a query and reads every row.
    fn rows(&self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, SqlError>;
    /// Tells the other servers sharing the database, once the transaction
    /// commits; a database one server uses has no one to tell.
    fn notify(&self, notice: &crate::Notice) -> Result<(), SqlError>;
}

impl dyn Sql + '_ {
    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize, SqlError> {
        self.run(sql, params.into_values())
    }

    /// The first row, mapped; [`SqlError::NoRows`] when there is none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        map: impl FnOnce(&Row) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        let rows = self.rows(sql, params.into_values())?;
        rows.first().map_or(Err(SqlError::NoRows), map)
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>, SqlError> {
        Ok(Statement {
            connection: self,
            sql: sql.to_string(),
        })
    }
}

/// A query to run with parameters, as `rusqlite`'s prepared statements are.
pub struct Statement<'a> {
    connection: &'a dyn Sql,
    sql: String,
}

impl Statement<'_> {
    /// Every row mapped by `map`.
    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        mut map: impl FnMut(&Row) -> Result<T, SqlError>,
    ) -> Result<std::vec::IntoIter<Result<T, SqlError>>, SqlError> {
        let rows = self.connection.rows(&self.sql, params.into_values())?;
        Ok(rows.iter().map(&mut map).collect::<Vec<_>>().into_iter())
    }
}

/// `.optional()`: no row becomes `None`.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>, SqlError>;
}

impl<T> OptionalExtension<T> for Result<T, SqlError> {
    fn optional(self) -> Result<Option<T>, SqlError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(SqlError::NoRows) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// Rewrites SQLite's `?N` and `?` placeholders as PostgreSQL's `$N`, leaving
/// quoted text alone.
pub fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    let mut highest = 0u32;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
            out.push(c);
            continue;
        }
        if c != '?' || quoted {
            out.push(c);
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        let number = if digits.is_empty() {
            highest + 1
        } else {
            digits.parse().unwrap_or(u32::MAX)
        };
        highest = highest.max(number);
        out.push('$');
        out.push_str(&number.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(
            numbered_placeholders("SELECT ?1, ?2 WHERE a = ?1 AND b IN (?, ?) AND c = '?'"),
            "SELECT $1, $2 WHERE a = $1 AND b IN ($3, $4) AND c = '?'"
        );
        assert_eq!(
            numbered_placeholders("x = ? AND y = ?"),
            "x = $1 AND y = $2"
        );
    }

    #[test]
    fn a_column_of_the_wrong_type_names_its_place() {
        let row = Row(vec![Value::Text("x".into())]);
        let error = row.get::<_, i64>(0).unwrap_err();
        assert_eq!(error.to_string(), "column 0: expected integer, found text");
        assert_eq!(row.get::<_, Option<i64>>(3).unwrap(), None);
    }
}
