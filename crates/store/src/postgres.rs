//! The PostgreSQL backend, for several server instances on one database.
//!
//! Writes go through one connection per server with group commit, as on
//! SQLite, and every batch's transaction first takes one transaction-scoped
//! advisory lock, so writers are serialised across all instances: a stream's
//! head read at the start of a write is still its head at commit, and no hash
//! chain forks. A write returns once PostgreSQL has committed its batch
//! (`synchronous_commit` as the server is configured, on by default). Reads
//! come from a small pool; when no connection is free within
//! [`CHECKOUT_TIMEOUT`] the call fails as unavailable rather than hanging.

use crate::group_commit::{BatchWriter, GroupCommit};
use crate::relational::{Backend, SqlStore};
use crate::sql::{Dialect, Row, Sql, SqlError, Value, numbered_placeholders};
use crate::{Notice, NoticeSink, StoreError, StoreResult};
use bytes::BytesMut;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, GenericClient, IsolationLevel, NoTls};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/postgres/0001_init.sql"),
    include_str!("../migrations/postgres/0002_containment_and_alerts.sql"),
    include_str!("../migrations/postgres/0003_rca_artifacts.sql"),
    include_str!("../migrations/postgres/0004_evidence.sql"),
    include_str!("../migrations/postgres/0005_incident_documents.sql"),
    include_str!("../migrations/postgres/0006_integrity.sql"),
    include_str!("../migrations/postgres/0007_monitors.sql"),
    include_str!("../migrations/postgres/0008_oncall.sql"),
    include_str!("../migrations/postgres/0011_changes.sql"),
];

/// The advisory lock every write holds until it commits.
const WRITE_LOCK: i64 = 0x4669_7265_6272_6b01;
/// The advisory lock migrations hold, so instances starting together migrate once.
const MIGRATION_LOCK: i64 = 0x4669_7265_6272_6b02;
/// The session advisory lock the server leading periodic work holds.
const LEADER_LOCK: i64 = 0x4669_7265_6272_6b03;
/// The channel servers sharing a database tell each other on.
const CHANNEL: &str = "firebreak";
/// How soon the listener notices the store was dropped, or retries a lost
/// connection.
const LISTEN_POLL: Duration = Duration::from_secs(1);
const POOL_SIZE: usize = 16;
/// How long a call waits for a free connection before failing as unavailable.
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(5);

/// The store on a PostgreSQL database.
pub type PostgresStore = SqlStore<PostgresBackend>;

pub struct PostgresBackend {
    config: postgres::Config,
    writer: GroupCommit<Writer>,
    idle: Mutex<Pool>,
    returned: Condvar,
    /// This server among those sharing the database, so that it ignores its
    /// own notices.
    origin: u64,
    /// The connection that holds, or keeps asking for, the leader lock.
    leader: Mutex<Option<Candidate>>,
    /// Set when the store is dropped, to end the listener thread.
    stopped: Arc<AtomicBool>,
}

/// A connection of its own for the leader lock, and whether it holds it.
struct Candidate {
    client: Client,
    leads: bool,
}

/// A notice as sent on the channel: who sent it, and what.
#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: u64,
    #[serde(flatten)]
    notice: Notice,
}

struct Pool {
    connections: Vec<Client>,
    /// Connections handed out and not yet returned.
    busy: usize,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host/db`
    /// or key=value form) and brings its schema up to date.
    pub fn connect(url: &str) -> StoreResult<Self> {
        let backend = PostgresBackend::new(url)?;
        backend.with_client(migrate)?;
        Ok(SqlStore::new(backend))
    }

    /// Connects without changing the schema, for offline verification.
    pub fn connect_existing(url: &str) -> StoreResult<Self> {
        let backend = PostgresBackend::new(url)?;
        let version = backend.with_client(schema_version)?;
        if version == 0 {
            return Err(StoreError::Corrupt(
                "the database holds no Firebreak schema".to_string(),
            ));
        }
        check_version(version)?;
        Ok(SqlStore::new(backend))
    }
}

impl PostgresBackend {
    fn new(url: &str) -> StoreResult<Self> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Backend(format!("the database URL is not valid: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        config.application_name("firebreak");
        let origin = random_origin();
        let backend = PostgresBackend {
            writer: GroupCommit::new(Writer {
                config: config.clone(),
                client: None,
                origin,
                statements: RefCell::default(),
            }),
            config,
            idle: Mutex::new(Pool {
                connections: Vec::new(),
                busy: 0,
            }),
            returned: Condvar::new(),
            origin,
            leader: Mutex::new(None),
            stopped: Arc::new(AtomicBool::new(false)),
        };
        // Connect once now, so a wrong URL or password fails at start.
        let client = backend.open()?;
        backend.put_back(client);
        Ok(backend)
    }

    fn open(&self) -> Result<Client, SqlError> {
        self.config.connect(NoTls).map_err(unavailable)
    }

    /// A pooled connection, or a new one while the pool has room.
    fn checkout(&self) -> Result<Client, SqlError> {
        let deadline = Instant::now() + CHECKOUT_TIMEOUT;
        let mut pool = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(client) = pool.connections.pop() {
                pool.busy += 1;
                if client.is_closed() {
                    // The server restarted or dropped it: replace it.
                    drop(pool);
                    return self.open().inspect_err(|_| self.release_slot());
                }
                return Ok(client);
            }
            if pool.busy < POOL_SIZE {
                pool.busy += 1;
                drop(pool);
                return self.open().inspect_err(|_| self.release_slot());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(SqlError::Unavailable(format!(
                    "all {POOL_SIZE} database connections stayed busy for {}s",
                    CHECKOUT_TIMEOUT.as_secs()
                )));
            }
            pool = self
                .returned
                .wait_timeout(pool, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn release_slot(&self) {
        let mut pool = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        pool.busy = pool.busy.saturating_sub(1);
        self.returned.notify_one();
    }

    fn put_back(&self, client: Client) {
        let mut pool = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        pool.busy = pool.busy.saturating_sub(1);
        if !client.is_closed() {
            pool.connections.push(client);
        }
        self.returned.notify_one();
    }

    fn with_client<T>(&self, work: impl FnOnce(&mut Client) -> StoreResult<T>) -> StoreResult<T> {
        let mut client = self.checkout()?;
        let result = work(&mut client);
        self.put_back(client);
        result
    }

    fn in_transaction<T>(
        &self,
        isolation: IsolationLevel,
        work: impl FnOnce(&dyn Sql) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.with_client(|client| {
            let mut transaction = client
                .build_transaction()
                .isolation_level(isolation)
                .start()
                .map_err(backend_error)?;
            let result = work(&Connection::new(&mut transaction, self.origin));
            match result {
                Ok(value) => {
                    transaction.commit().map_err(backend_error)?;
                    Ok(value)
                }
                Err(error) => {
                    let _ = transaction.rollback();
                    Err(error)
                }
            }
        })
    }
}

impl Drop for PostgresBackend {
    /// A client closes its connection by blocking on its own I/O, which
    /// panics on a thread that drives async tasks (a server dropping its
    /// state at shutdown); closing them on a thread of their own is safe
    /// wherever the store is dropped.
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Relaxed);
        let pool = self.idle.get_mut().unwrap_or_else(|p| p.into_inner());
        let mut clients = std::mem::take(&mut pool.connections);
        clients.extend(self.writer.connection_mut().client.take());
        clients.extend(
            self.leader
                .get_mut()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .map(|c| c.client),
        );
        if !clients.is_empty() {
            let _ = std::thread::spawn(move || drop(clients)).join();
        }
    }
}

impl Backend for PostgresBackend {
    fn write<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        self.writer.write(work)
    }

    fn read<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        self.with_client(|client| work(&Connection::new(client, self.origin)))
    }

    fn snapshot<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        self.in_transaction(IsolationLevel::RepeatableRead, work)
    }

    fn subscribe(&self, deliver: NoticeSink) -> StoreResult<()> {
        let (config, origin, stopped) = (self.config.clone(), self.origin, self.stopped.clone());
        std::thread::Builder::new()
            .name("firebreak-listen".into())
            .spawn(move || listen(&config, origin, &stopped, &deliver))
            .map_err(|e| StoreError::Backend(format!("cannot start the listener: {e}")))?;
        Ok(())
    }

    /// Holds the leader lock on a connection of its own: PostgreSQL releases
    /// it the moment that connection ends, however the server died. A
    /// follower keeps its connection and asks again on it.
    fn lead(&self) -> StoreResult<bool> {
        let mut slot = self.leader.lock().unwrap_or_else(|p| p.into_inner());
        if slot
            .as_mut()
            .is_some_and(|c| c.client.is_valid(Duration::from_secs(2)).is_err())
        {
            *slot = None;
        }
        let candidate = match slot.as_mut() {
            Some(candidate) => candidate,
            None => slot.insert(Candidate {
                client: self.open()?,
                leads: false,
            }),
        };
        if !candidate.leads {
            candidate.leads = candidate
                .client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&LEADER_LOCK])
                .map_err(backend_error)?
                .get(0);
        }
        Ok(candidate.leads)
    }
}

/// Delivers every notice of other servers until `stopped`, reconnecting
/// after a lost connection (and then asking for a resync, since notices sent
/// meanwhile are gone).
fn listen(config: &postgres::Config, origin: u64, stopped: &AtomicBool, deliver: &NoticeSink) {
    let mut connected_before = false;
    while !stopped.load(Ordering::Relaxed) {
        let mut client = match config.connect(NoTls) {
            Ok(client) => client,
            Err(error) => {
                tracing::warn!(%error, "the notice listener cannot connect; retrying");
                std::thread::sleep(LISTEN_POLL);
                continue;
            }
        };
        if let Err(error) = client.batch_execute(&format!("LISTEN {CHANNEL}")) {
            tracing::warn!(%error, "the notice listener cannot listen; retrying");
            std::thread::sleep(LISTEN_POLL);
            continue;
        }
        if connected_before {
            deliver(Notice::Resync);
        }
        connected_before = true;
        while !stopped.load(Ordering::Relaxed) && !client.is_closed() {
            let mut notifications = client.notifications();
            let mut batch = notifications.timeout_iter(LISTEN_POLL);
            loop {
                match batch.next() {
                    Ok(Some(notification)) => {
                        match serde_json::from_str::<Envelope>(notification.payload()) {
                            Ok(envelope) if envelope.origin != origin => deliver(envelope.notice),
                            Ok(_) => {}
                            Err(error) => tracing::warn!(%error, "an unreadable notice"),
                        }
                    }
                    Ok(None) => break,
                    Err(error) => {
                        tracing::warn!(%error, "the notice listener lost its connection");
                        break;
                    }
                }
            }
        }
    }
}

fn random_origin() -> u64 {
    let mut bytes = [0u8; 8];
    // Without randomness, the process id still tells servers on one host apart.
    if getrandom::getrandom(&mut bytes).is_err() {
        return u64::from(std::process::id());
    }
    u64::from_le_bytes(bytes)
}

/// The connection writes go through, reconnected when it is lost.
struct Writer {
    config: postgres::Config,
    client: Option<Client>,
    origin: u64,
    /// The statements prepared on `client`; emptied when it is replaced.
    statements: RefCell<Statements>,
}

impl Writer {
    /// A lost connection is dropped, to be replaced at the next batch.
    fn failed(&mut self, error: postgres::Error) -> SqlError {
        let error = backend_error(error);
        if matches!(error, SqlError::Unavailable(_)) {
            self.client = None;
        }
        error
    }
}

impl BatchWriter for Writer {
    fn begin(&mut self) -> Result<(), SqlError> {
        if self.client.as_ref().is_none_or(|c| c.is_closed()) {
            self.statements.get_mut().clear();
            self.client = Some(self.config.connect(NoTls).map_err(unavailable)?);
        }
        let client = self.client.as_mut().expect("connected above");
        let began = client.batch_execute("BEGIN").and_then(|()| {
            client
                .execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])
                .map(|_| ())
        });
        began.map_err(|e| self.failed(e))
    }

    fn command(&mut self, sql: &str) -> Result<(), SqlError> {
        let Some(client) = self.client.as_mut() else {
            return Err(lost());
        };
        client.batch_execute(sql).map_err(|e| self.failed(e))
    }

    fn run<T>(&mut self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        let Some(client) = self.client.as_mut() else {
            return Err(lost().into());
        };
        work(&Connection::with_statements(
            client,
            self.origin,
            &self.statements,
        ))
    }
}

fn lost() -> SqlError {
    SqlError::Unavailable("the write connection was lost".into())
}

/// A client or transaction seen through [`Sql`].
struct Connection<'a, C: GenericClient> {
    client: RefCell<&'a mut C>,
    origin: u64,
    /// The connection's prepared statements by text, when it keeps them:
    /// a statement prepared once then costs one round trip, not two.
    statements: Option<&'a RefCell<Statements>>,
}

type Statements = std::collections::HashMap<String, postgres::Statement>;

impl<'a, C: GenericClient> Connection<'a, C> {
    fn new(client: &'a mut C, origin: u64) -> Self {
        Connection {
            client: RefCell::new(client),
            origin,
            statements: None,
        }
    }

    fn with_statements(client: &'a mut C, origin: u64, cache: &'a RefCell<Statements>) -> Self {
        Connection {
            client: RefCell::new(client),
            origin,
            statements: Some(cache),
        }
    }

    /// The statement for `sql` (in PostgreSQL's placeholders), prepared once
    /// per connection when it keeps them.
    fn statement(&self, sql: &str) -> Result<Option<postgres::Statement>, SqlError> {
        let Some(cache) = self.statements else {
            return Ok(None);
        };
        if let Some(statement) = cache.borrow().get(sql) {
            return Ok(Some(statement.clone()));
        }
        let statement = self
            .client
            .borrow_mut()
            .prepare(sql)
            .map_err(backend_error)?;
        cache
            .borrow_mut()
            .insert(sql.to_string(), statement.clone());
        Ok(Some(statement))
    }
}

fn parameters(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl<C: GenericClient> Sql for Connection<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn run(&self, sql: &str, params: Vec<Value>) -> Result<usize, SqlError> {
        let sql = numbered_placeholders(sql);
        let params = parameters(&params);
        let changed = match self.statement(&sql)? {
            Some(statement) => self.client.borrow_mut().execute(&statement, &params),
            None => self.client.borrow_mut().execute(sql.as_str(), &params),
        };
        Ok(changed.map_err(backend_error)? as usize)
    }

    /// `pg_notify` inside the transaction: PostgreSQL delivers it at commit,
    /// and never if the transaction rolls back.
    fn notify(&self, notice: &Notice) -> Result<(), SqlError> {
        let envelope = Envelope {
            origin: self.origin,
            notice: notice.clone(),
        };
        let payload = serde_json::to_string(&envelope)
            .map_err(|e| SqlError::Backend(format!("a notice cannot be written: {e}")))?;
        self.client
            .borrow_mut()
            .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
            .map_err(backend_error)?;
        Ok(())
    }

    fn rows(&self, sql: &str, params: Vec<Value>) -> Result<Vec<Row>, SqlError> {
        let sql = numbered_placeholders(sql);
        let params = parameters(&params);
        let rows = match self.statement(&sql)? {
            Some(statement) => self.client.borrow_mut().query(&statement, &params),
            None => self.client.borrow_mut().query(sql.as_str(), &params),
        };
        rows.map_err(backend_error)?.iter().map(read_row).collect()
    }
}

fn read_row(row: &postgres::Row) -> Result<Row, SqlError> {
    let values = row
        .columns()
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let ty = column.type_();
            let value = if *ty == Type::INT8 {
                row.try_get::<_, Option<i64>>(i)
                    .map(|v| v.map(Value::Integer))
            } else if *ty == Type::INT4 {
                row.try_get::<_, Option<i32>>(i)
                    .map(|v| v.map(|n| Value::Integer(n.into())))
            } else if *ty == Type::INT2 {
                row.try_get::<_, Option<i16>>(i)
                    .map(|v| v.map(|n| Value::Integer(n.into())))
            } else if *ty == Type::BOOL {
                row.try_get::<_, Option<bool>>(i)
                    .map(|v| v.map(|b| Value::Integer(b.into())))
            } else if *ty == Type::FLOAT8 {
                row.try_get::<_, Option<f64>>(i).map(|v| v.map(Value::Real))
            } else if *ty == Type::BYTEA {
                row.try_get::<_, Option<Vec<u8>>>(i)
                    .map(|v| v.map(Value::Blob))
            } else {
                row.try_get::<_, Option<String>>(i)
                    .map(|v| v.map(Value::Text))
            };
            value
                .map(|v| v.unwrap_or(Value::Null))
                .map_err(|e| SqlError::Backend(format!("column {}: {e}", column.name())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Row(values))
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(n) if *ty == Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
            Value::Integer(n) if *ty == Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
            Value::Integer(n) if *ty == Type::BOOL => (*n != 0).to_sql(ty, out),
            Value::Integer(n) if *ty == Type::FLOAT8 => (*n as f64).to_sql(ty, out),
            Value::Integer(n) if *ty == Type::TEXT => n.to_string().to_sql(ty, out),
            Value::Integer(n) => n.to_sql(ty, out),
            Value::Real(r) => r.to_sql(ty, out),
            Value::Text(t) => t.to_sql(ty, out),
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn backend_error(error: postgres::Error) -> SqlError {
    let io = std::error::Error::source(&error).is_some_and(|s| s.is::<std::io::Error>());
    // Class 08 is a lost connection, 57P0x the server shutting down or starting.
    let going_away = error
        .code()
        .is_some_and(|c| c.code().starts_with("08") || c.code().starts_with("57P0"));
    if error.is_closed() || io || going_away {
        return unavailable(error);
    }
    SqlError::Backend(match error.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => error.to_string(),
    })
}

fn unavailable(error: postgres::Error) -> SqlError {
    // The driver's own text is "error connecting to server" or similar; the
    // cause beneath it says what went wrong (refused, timed out, bad password).
    let cause = std::error::Error::source(&error)
        .map(|c| format!(": {c}"))
        .unwrap_or_default();
    SqlError::Unavailable(format!("{error}{cause}"))
}

fn schema_version(client: &mut Client) -> StoreResult<usize> {
    let exists: bool = client
        .query_one("SELECT to_regclass('firebreak_schema') IS NOT NULL", &[])
        .map_err(backend_error)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let version: i64 = client
        .query_one("SELECT version FROM firebreak_schema", &[])
        .map_err(backend_error)?
        .get(0);
    Ok(version as usize)
}

fn check_version(applied: usize) -> StoreResult<()> {
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "the database has schema version {applied}, newer than this Firebreak ({}); upgrade Firebreak",
            MIGRATIONS.len()
        )));
    }
    Ok(())
}

fn migrate(client: &mut Client) -> StoreResult<()> {
    let mut transaction = client.transaction().map_err(backend_error)?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(backend_error)?;
    transaction
        .batch_execute("CREATE TABLE IF NOT EXISTS firebreak_schema (version BIGINT NOT NULL)")
        .map_err(backend_error)?;
    let applied = match transaction
        .query_opt("SELECT version FROM firebreak_schema", &[])
        .map_err(backend_error)?
    {
        Some(row) => row.get::<_, i64>(0) as usize,
        None => {
            transaction
                .execute("INSERT INTO firebreak_schema (version) VALUES (0)", &[])
                .map_err(backend_error)?;
            0
        }
    };
    check_version(applied)?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        transaction
            .batch_execute(migration)
            .map_err(|e| StoreError::Backend(format!("migration {}: {e}", index + 1)))?;
    }
    transaction
        .execute(
            "UPDATE firebreak_schema SET version = $1",
            &[&(MIGRATIONS.len() as i64)],
        )
        .map_err(backend_error)?;
    transaction.commit().map_err(backend_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{CHECKOUT_TIMEOUT, POOL_SIZE};
    use crate::StoreError;
    use crate::test_backends::{Fresh, Under};
    use std::time::Instant;

    #[test]
    fn an_exhausted_pool_is_unavailable_not_a_hang() {
        let Some(under) = Under::postgres() else {
            return;
        };
        let store = Fresh::new(under);
        // Someone else locks the users table, so every read of it waits
        // holding one of the pool's connections.
        let mut holder = store.raw_postgres().unwrap();
        let mut lock = holder.transaction().unwrap();
        lock.batch_execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            .unwrap();
        std::thread::scope(|scope| {
            let readers: Vec<_> = (0..POOL_SIZE)
                .map(|_| {
                    let store = &store;
                    scope.spawn(move || store.user_count())
                })
                .collect();
            // Let every reader take its connection and wait on the lock.
            std::thread::sleep(std::time::Duration::from_millis(500));
            let asked = Instant::now();
            let refused = store.user_count();
            let waited = asked.elapsed();
            assert!(
                matches!(refused, Err(StoreError::Unavailable(_))),
                "{refused:?}"
            );
            assert!(
                waited >= CHECKOUT_TIMEOUT && waited < CHECKOUT_TIMEOUT * 2,
                "{waited:?}"
            );
            lock.commit().unwrap();
            for reader in readers {
                assert_eq!(reader.join().unwrap().unwrap(), 0);
            }
        });
    }
}
