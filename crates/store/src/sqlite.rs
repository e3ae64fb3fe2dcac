//! The embedded SQLite backend: one file in WAL mode with `synchronous=FULL`,
//! so a committed write survives a crash or power loss. Writes go through one
//! connection (SQLite has one writer anyway) with group commit; reads use a
//! small pool.

use crate::group_commit::{BatchWriter, GroupCommit};
use crate::relational::{AUDIT_CHAINS_MIGRATION, Backend, SqlStore, seal_rows_from_before};
use crate::sql::{Dialect, Row, Sql, SqlError, Value};
use crate::{StoreError, StoreResult};
use firebreak_core::Timestamp;
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_containment_and_alerts.sql"),
    include_str!("../migrations/sqlite/0003_rca_artifacts.sql"),
    include_str!("../migrations/sqlite/0004_evidence.sql"),
    include_str!("../migrations/sqlite/0005_incident_documents.sql"),
    include_str!("../migrations/sqlite/0006_integrity.sql"),
    include_str!("../migrations/sqlite/0007_monitors.sql"),
    include_str!("../migrations/sqlite/0008_oncall.sql"),
    include_str!("../migrations/sqlite/0011_changes.sql"),
];
const READ_POOL_SIZE: usize = 16;

/// The store on an embedded SQLite file.
pub type SqliteStore = SqlStore<SqliteBackend>;

pub struct SqliteBackend {
    path: PathBuf,
    writer: GroupCommit<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Backend(error.to_string())
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema
    /// up to date.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let mut writer = SqliteBackend::connect(path)?;
        migrate(&mut writer)?;
        Ok(SqlStore::new(SqliteBackend {
            path: path.to_path_buf(),
            writer: GroupCommit::new(writer),
            readers: Mutex::new(Vec::new()),
        }))
    }

    /// Opens an existing database without changing its schema, for offline
    /// verification of a data directory.
    pub fn open_existing(path: &Path) -> StoreResult<Self> {
        if !path.is_file() {
            return Err(StoreError::NotFound(format!("database {}", path.display())));
        }
        let writer = SqliteBackend::connect(path)?;
        let version: i64 = writer.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version == 0 {
            return Err(StoreError::Corrupt(format!(
                "{} is not a Firebreak database",
                path.display()
            )));
        }
        Ok(SqlStore::new(SqliteBackend {
            path: path.to_path_buf(),
            writer: GroupCommit::new(writer),
            readers: Mutex::new(Vec::new()),
        }))
    }
}

impl SqliteBackend {
    fn connect(path: &Path) -> StoreResult<Connection> {
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(connection)
    }
}

impl Backend for SqliteBackend {
    /// One write connection with group commit: SQLite has one writer anyway,
    /// and concurrent writers share one fsync.
    fn write<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        self.writer.write(work)
    }

    fn read<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let connection = match pooled {
            Some(connection) => connection,
            None => Self::connect(&self.path)?,
        };
        let result = work(&connection);
        let mut readers = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if readers.len() < READ_POOL_SIZE {
            readers.push(connection);
        }
        result
    }

    fn subscribe(&self, _deliver: crate::NoticeSink) -> StoreResult<()> {
        Ok(())
    }

    fn lead(&self) -> StoreResult<bool> {
        Ok(true)
    }

    fn snapshot<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        self.read(|c| {
            c.run("BEGIN", Vec::new())?;
            let result = work(c);
            // Read-only: ending it either way leaves the pooled connection clean.
            c.run("COMMIT", Vec::new())?;
            result
        })
    }
}

fn migrate(connection: &mut Connection) -> StoreResult<()> {
    let applied: usize =
        connection.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "the database has schema version {applied}, newer than this Firebreak ({}); upgrade Firebreak",
            MIGRATIONS.len()
        )));
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(migration)?;
        if index + 1 == AUDIT_CHAINS_MIGRATION {
            seal_rows_from_before(&*transaction, Timestamp::now())?;
        }
        transaction.pragma_update(None, "user_version", (index + 1) as i64)?;
        transaction.commit()?;
    }
    Ok(())
}
impl From<rusqlite::Error> for SqlError {
    fn from(error: rusqlite::Error) -> Self {
        match error {
            rusqlite::Error::QueryReturnedNoRows => SqlError::NoRows,
            other => SqlError::Backend(other.to_string()),
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Integer(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Real(r) => ToSqlOutput::Borrowed(ValueRef::Real(*r)),
            Value::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl Sql for Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    /// One server per SQLite file: its own caches already hold the change.
    fn notify(&self, _notice: &crate::Notice) -> Result<(), SqlError> {
        Ok(())
    }

    fn run(&self, sql: &str, params: Vec<Value>) -> Result<usize, SqlError> {
        let mut statement = self.prepare_cached(sql)?;
        Ok(statement.execute(rusqlite::params_from_iter(params))?)
    }

    fn rows(&self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, SqlError> {
        let mut statement = self.prepare_cached(sql)?;
        let columns = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params))?;
        let mut read = Vec::new();
        while let Some(row) = rows.next()? {
            let values = (0..columns)
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(n) => Value::Integer(n),
                        ValueRef::Real(r) => Value::Real(r),
                        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                    })
                })
                .collect::<Result<Vec<_>, rusqlite::Error>>()?;
            read.push(Row(values));
        }
        Ok(read)
    }
}

impl BatchWriter for Connection {
    fn begin(&mut self) -> Result<(), SqlError> {
        Ok(self.execute_batch("BEGIN IMMEDIATE")?)
    }

    fn command(&mut self, sql: &str) -> Result<(), SqlError> {
        Ok(self.execute_batch(sql)?)
    }

    fn run<T>(&mut self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        work(self)
    }
}
