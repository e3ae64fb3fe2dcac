//! The embedded SQLite backend: one file in WAL mode with `synchronous=FULL`,
//! so a committed write survives a crash or power loss. Writes go through one
//! connection (SQLite has one writer anyway) with group commit; reads use a
//! small pool.

use crate::relational::{AUDIT_CHAINS_MIGRATION, Backend, SqlStore, seal_rows_from_before};
use crate::sql::{Dialect, Row, Sql, SqlError, Value};
use crate::{StoreError, StoreResult};
use firebreak_core::Timestamp;
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/sqlite/0001_init.sql"),
    include_str!("../migrations/sqlite/0002_containment_and_alerts.sql"),
    include_str!("../migrations/sqlite/0003_rca_artifacts.sql"),
    include_str!("../migrations/sqlite/0004_evidence.sql"),
    include_str!("../migrations/sqlite/0005_incident_documents.sql"),
    include_str!("../migrations/sqlite/0006_integrity.sql"),
];
const READ_POOL_SIZE: usize = 16;

/// The store on an embedded SQLite file.
pub type SqliteStore = SqlStore<SqliteBackend>;

pub struct SqliteBackend {
    path: PathBuf,
    writer: Mutex<Writer>,
    batch_done: Condvar,
    readers: Mutex<Vec<Connection>>,
}

/// How long the writer that opens a batch waits for others to join it.
const GROUP_COMMIT_WINDOW: std::time::Duration = std::time::Duration::from_micros(200);

/// The one write connection and the state of its group commits.
struct Writer {
    connection: Connection,
    /// The batch whose transaction is open, if any.
    open_batch: Option<u64>,
    next_batch: u64,
    /// Every batch up to this one has finished, committed or failed.
    committed_through: u64,
    /// Recent batches that failed to commit, with the reason.
    failed: Vec<(u64, String)>,
}

impl Writer {
    fn new(connection: Connection) -> Self {
        Writer {
            connection,
            open_batch: None,
            next_batch: 0,
            committed_through: 0,
            failed: Vec::new(),
        }
    }

    fn finish(&mut self, batch: u64, outcome: Result<(), String>) {
        self.open_batch = None;
        self.committed_through = batch;
        if let Err(error) = outcome {
            self.failed.push((batch, error));
        }
        // Waiters of older batches have long woken; keep the list short.
        let keep_from = batch.saturating_sub(64);
        self.failed.retain(|(b, _)| *b >= keep_from);
    }
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
            writer: Mutex::new(Writer::new(writer)),
            batch_done: Condvar::new(),
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
            writer: Mutex::new(Writer::new(writer)),
            batch_done: Condvar::new(),
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
    /// Runs `work` in a savepoint of the open write batch and returns once the
    /// batch is committed (group commit): writers that arrive while a batch is
    /// open share its one fsync, so concurrent appends stay durable without
    /// paying a disk flush each. A failed `work` rolls back only its savepoint.
    fn write<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let leads = writer.open_batch.is_none();
        if leads {
            writer.connection.execute_batch("BEGIN IMMEDIATE")?;
            writer.next_batch += 1;
            writer.open_batch = Some(writer.next_batch);
        }
        let batch = writer.open_batch.expect("a batch is open");
        writer.connection.execute_batch("SAVEPOINT write")?;
        let result = work(&writer.connection);
        let closed = if result.is_ok() {
            writer.connection.execute_batch("RELEASE write")
        } else {
            writer
                .connection
                .execute_batch("ROLLBACK TO write; RELEASE write")
        };
        if let Err(error) = closed {
            // The batch can no longer be trusted: fail it for everyone in it.
            let _ = writer.connection.execute_batch("ROLLBACK");
            writer.finish(batch, Err(error.to_string()));
            self.batch_done.notify_all();
            return Err(error.into());
        }
        if leads {
            // Let writers already waiting join the batch before the fsync.
            drop(writer);
            std::thread::sleep(GROUP_COMMIT_WINDOW);
            writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            let committed = writer
                .connection
                .execute_batch("COMMIT")
                .map_err(|e| e.to_string());
            if committed.is_err() {
                let _ = writer.connection.execute_batch("ROLLBACK");
            }
            writer.finish(batch, committed);
            self.batch_done.notify_all();
        }
        while writer.committed_through < batch {
            writer = self
                .batch_done
                .wait(writer)
                .unwrap_or_else(|p| p.into_inner());
        }
        if let Some(error) = writer
            .failed
            .iter()
            .find(|(b, _)| *b == batch)
            .map(|(_, e)| e.clone())
        {
            return Err(StoreError::Backend(format!(
                "the write batch did not commit: {error}"
            )));
        }
        result
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
