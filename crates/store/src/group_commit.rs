//! Group commit over one write connection, for both backends: a write runs
//! in the open batch (in a savepoint, unless it opened the batch) and
//! returns only once the batch has
//! committed, so concurrent writers share one durable commit (one fsync on
//! SQLite, one WAL flush on PostgreSQL) instead of paying one each. A failed
//! write rolls back only its savepoint; a batch that cannot commit fails for
//! every writer in it.

use crate::sql::{Sql, SqlError};
use crate::{StoreError, StoreResult};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// How long the writer that opens a batch waits for others to join it.
const WINDOW: Duration = Duration::from_micros(200);

/// The one connection writes go through.
pub(crate) trait BatchWriter: Send {
    /// Opens a batch's transaction, taking whatever serialises writers.
    fn begin(&mut self) -> Result<(), SqlError>;
    /// Runs a statement that answers nothing (SAVEPOINT, COMMIT, ROLLBACK).
    fn command(&mut self, sql: &str) -> Result<(), SqlError>;
    /// Runs `work` on the connection, inside the open batch.
    fn run<T>(&mut self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T>;
}

pub(crate) struct GroupCommit<W> {
    state: Mutex<State<W>>,
    batch_done: Condvar,
}

struct State<W> {
    connection: W,
    /// The batch whose transaction is open, if any.
    open_batch: Option<u64>,
    next_batch: u64,
    /// Every batch up to this one has finished, committed or failed.
    committed_through: u64,
    /// Recent batches that failed to commit, with why.
    failed: Vec<(u64, Failure)>,
}

/// Why a batch failed, told to each of its writers.
#[derive(Clone)]
struct Failure {
    reason: String,
    unavailable: bool,
}

impl Failure {
    fn of(error: &SqlError) -> Failure {
        Failure {
            reason: error.to_string(),
            unavailable: matches!(error, SqlError::Unavailable(_)),
        }
    }

    fn into_error(self) -> StoreError {
        let reason = format!("the write batch did not commit: {}", self.reason);
        if self.unavailable {
            StoreError::Unavailable(reason)
        } else {
            StoreError::Backend(reason)
        }
    }
}

impl<W> State<W> {
    fn finish(&mut self, batch: u64, outcome: Result<(), Failure>) {
        self.open_batch = None;
        self.committed_through = batch;
        if let Err(failure) = outcome {
            self.failed.push((batch, failure));
        }
        // Waiters of older batches have long woken; keep the list short.
        let keep_from = batch.saturating_sub(64);
        self.failed.retain(|(b, _)| *b >= keep_from);
    }
}

impl<W: BatchWriter> GroupCommit<W> {
    pub(crate) fn new(connection: W) -> Self {
        GroupCommit {
            state: Mutex::new(State {
                connection,
                open_batch: None,
                next_batch: 0,
                committed_through: 0,
                failed: Vec::new(),
            }),
            batch_done: Condvar::new(),
        }
    }

    /// The connection, when nothing else can be writing.
    pub(crate) fn connection_mut(&mut self) -> &mut W {
        &mut self
            .state
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .connection
    }

    pub(crate) fn write<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match state.open_batch {
            Some(batch) => self.join(state, batch, work),
            None => {
                state.connection.begin()?;
                state.next_batch += 1;
                let batch = state.next_batch;
                state.open_batch = Some(batch);
                self.lead(state, batch, work)
            }
        }
    }

    /// Runs the first write of a new batch, waits for writers already queued
    /// to join, then commits. The batch holds only this write while it runs,
    /// so it needs no savepoint (two round trips on PostgreSQL): a failure
    /// rolls back the whole batch.
    fn lead<T>(
        &self,
        mut state: std::sync::MutexGuard<'_, State<W>>,
        batch: u64,
        work: impl FnOnce(&dyn Sql) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let result = state.connection.run(work);
        if let Err(error) = result {
            let rolled_back = state.connection.command("ROLLBACK");
            state.finish(batch, Ok(()));
            self.batch_done.notify_all();
            return match rolled_back {
                Ok(()) => Err(error),
                Err(rollback) => Err(Failure::of(&rollback).into_error()),
            };
        }
        drop(state);
        std::thread::sleep(WINDOW);
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        // Unless a writer in it failed the batch meanwhile (and another may
        // have opened since): then there is nothing of ours to commit.
        if state.open_batch == Some(batch) {
            let committed = state.connection.command("COMMIT").map_err(|e| {
                let _ = state.connection.command("ROLLBACK");
                Failure::of(&e)
            });
            state.finish(batch, committed);
            self.batch_done.notify_all();
        }
        self.await_commit(state, batch, result)
    }

    /// Runs a write in the open batch, in a savepoint so that its failure
    /// undoes only its own statements.
    fn join<T>(
        &self,
        mut state: std::sync::MutexGuard<'_, State<W>>,
        batch: u64,
        work: impl FnOnce(&dyn Sql) -> StoreResult<T>,
    ) -> StoreResult<T> {
        if let Err(error) = state.connection.command("SAVEPOINT write") {
            return Err(self.fail(state, batch, &error));
        }
        let result = state.connection.run(work);
        let closed = if result.is_ok() {
            state.connection.command("RELEASE write")
        } else {
            state
                .connection
                .command("ROLLBACK TO write")
                .and_then(|()| state.connection.command("RELEASE write"))
        };
        if let Err(error) = closed {
            return Err(self.fail(state, batch, &error));
        }
        self.await_commit(state, batch, result)
    }

    /// Returns `result` once `batch` has committed, or the batch's failure.
    fn await_commit<T>(
        &self,
        mut state: std::sync::MutexGuard<'_, State<W>>,
        batch: u64,
        result: StoreResult<T>,
    ) -> StoreResult<T> {
        while state.committed_through < batch {
            state = self
                .batch_done
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
        if let Some((_, failure)) = state.failed.iter().find(|(b, _)| *b == batch) {
            return Err(failure.clone().into_error());
        }
        result
    }

    /// The batch can no longer be trusted: fails it for everyone in it.
    fn fail(
        &self,
        mut state: std::sync::MutexGuard<'_, State<W>>,
        batch: u64,
        error: &SqlError,
    ) -> StoreError {
        let _ = state.connection.command("ROLLBACK");
        let failure = Failure::of(error);
        state.finish(batch, Err(failure.clone()));
        self.batch_done.notify_all();
        failure.into_error()
    }
}
