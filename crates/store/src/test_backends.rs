//! The backends the conformance suite runs on: a fresh SQLite file, or a
//! fresh database on the PostgreSQL server named by `FIREBREAK_TEST_POSTGRES`
//! (a superuser URL, e.g. `postgres://firebreak@127.0.0.1:5433/postgres`;
//! `scripts/test` starts one). Without that variable the PostgreSQL half is
//! skipped, unless `FIREBREAK_REQUIRE_POSTGRES` is set, as CI sets it.

use crate::{PostgresStore, SqliteStore, Store};
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, Clone, Copy)]
pub enum Under {
    Sqlite,
    Postgres,
}

impl Under {
    /// PostgreSQL when a test server is configured.
    pub fn postgres() -> Option<Under> {
        service("FIREBREAK_TEST_POSTGRES", "FIREBREAK_REQUIRE_POSTGRES").map(|_| Under::Postgres)
    }
}

/// The test service `variable` names (`scripts/test` starts each), or None
/// to skip; a missing one fails the test instead when `required` is set, as
/// CI sets it.
pub fn service(variable: &str, required: &str) -> Option<String> {
    let found = std::env::var(variable).ok().filter(|v| !v.is_empty());
    if found.is_none() {
        assert!(
            std::env::var_os(required).is_none(),
            "{required} is set but {variable} is not"
        );
        eprintln!("skipped: {variable} is not set");
    }
    found
}

fn admin_url() -> Option<String> {
    std::env::var("FIREBREAK_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A fresh, empty store and what keeps it alive.
pub struct Fresh {
    store: Box<dyn Store>,
    place: Place,
}

enum Place {
    File(tempfile::TempDir),
    Database { admin: String, name: String },
}

impl Fresh {
    pub fn new(under: Under) -> Fresh {
        match under {
            Under::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let store = SqliteStore::open(&dir.path().join("firebreak.db")).unwrap();
                Fresh {
                    store: Box::new(store),
                    place: Place::File(dir),
                }
            }
            Under::Postgres => {
                static NEXT: AtomicU32 = AtomicU32::new(0);
                let admin = admin_url().expect("a PostgreSQL test server");
                let name = format!(
                    "firebreak_test_{}_{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                );
                let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
                client
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                let store = PostgresStore::connect(&database_url(&admin, &name)).unwrap();
                Fresh {
                    store: Box::new(store),
                    place: Place::Database { admin, name },
                }
            }
        }
    }

    /// Runs `sql` on the database directly, as someone with access to it but
    /// not to Firebreak would.
    pub fn behind_firebreak(&self, sql: &str) {
        match &self.place {
            Place::File(dir) => {
                let raw = rusqlite::Connection::open(dir.path().join("firebreak.db")).unwrap();
                raw.execute_batch(sql).unwrap();
            }
            Place::Database { admin, name } => {
                let mut raw =
                    postgres::Client::connect(&database_url(admin, name), postgres::NoTls).unwrap();
                raw.batch_execute(sql).unwrap();
            }
        }
    }
}

impl Fresh {
    /// A connection of its own to the store's PostgreSQL database.
    pub fn raw_postgres(&self) -> Option<postgres::Client> {
        match &self.place {
            Place::Database { admin, name } => Some(
                postgres::Client::connect(&database_url(admin, name), postgres::NoTls).unwrap(),
            ),
            Place::File(_) => None,
        }
    }
}

/// The URL of database `name` on the server `admin` points at.
fn database_url(admin: &str, name: &str) -> String {
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    format!("{base}/{name}")
}

impl std::ops::Deref for Fresh {
    type Target = dyn Store;
    fn deref(&self) -> &Self::Target {
        self.store.as_ref()
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Place::Database { admin, name } = &self.place {
            // FORCE ends the store's own pooled connections.
            if let Ok(mut client) = postgres::Client::connect(admin, postgres::NoTls) {
                let _ =
                    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}
