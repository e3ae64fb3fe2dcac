//! Copying a whole store into an empty one of another backend (`firebreak
//! migrate`): every row as stored, byte for byte, so every hash, chain and
//! checkpoint signature still holds on the target, in one transaction of the
//! target, so a failed copy leaves it empty.

use super::{Backend, ORG, SqlStore};
use crate::sql::{Params, Sql, Value};
use crate::{StoreError, StoreResult};

/// Every table of the schema with its columns, parents before the tables
/// whose foreign keys name them. A test checks it against SQLite's schema,
/// so a table added later cannot be left behind.
pub(crate) const TABLES: &[(&str, &[&str])] = &[
    (
        "users",
        &["org_id", "name", "role", "password_hash", "created_at"],
    ),
    (
        "tokens",
        &[
            "org_id",
            "id",
            "user_name",
            "secret_hash",
            "scope",
            "description",
            "created_at",
            "expires_at",
            "revoked_at",
        ],
    ),
    (
        "sessions",
        &["org_id", "id_hash", "user_name", "csrf_token", "expires_at"],
    ),
    ("systems", &["org_id", "slug", "record"]),
    ("incidents", &["org_id", "number", "record"]),
    (
        "events",
        &[
            "org_id",
            "stream",
            "seq",
            "kind",
            "occurred_at",
            "recorded_at",
            "actor",
            "body",
            "state_hash",
            "prev_hash",
            "hash",
            "position",
        ],
    ),
    ("streams", &["org_id", "stream", "seq", "hash"]),
    (
        "checkpoints",
        &[
            "org_id",
            "number",
            "body",
            "public_key",
            "signature",
            "log_frontier",
        ],
    ),
    (
        "control_states",
        &["org_id", "namespace", "system", "record"],
    ),
    (
        "control_hooks",
        &["org_id", "id", "system", "url", "secret", "created_at"],
    ),
    (
        "integrations",
        &[
            "org_id",
            "id",
            "name",
            "source",
            "key_hash",
            "rules",
            "mapping",
            "created_at",
            "revoked_at",
        ],
    ),
    (
        "alerts",
        &[
            "org_id",
            "id",
            "integration",
            "dedup_key",
            "status",
            "record",
        ],
    ),
    (
        "rca_artifacts",
        &["org_id", "owner", "kind", "name", "record"],
    ),
    (
        "evidence",
        &["org_id", "number", "incident", "sha256", "record"],
    ),
    (
        "incident_documents",
        &["org_id", "kind", "incident", "record"],
    ),
    (
        "outbox",
        &[
            "org_id",
            "id",
            "channel",
            "target",
            "payload",
            "idempotency_key",
            "created_at",
            "attempts",
            "next_attempt_ms",
            "delivered_at",
            "last_error",
            "incident",
        ],
    ),
    (
        "monitors",
        &[
            "org_id",
            "name",
            "system",
            "definition",
            "status",
            "created_at",
        ],
    ),
    ("monitor_runs", &["org_id", "monitor", "seq", "record"]),
    (
        "changes",
        &[
            "org_id",
            "number",
            "system",
            "at_ms",
            "external_id",
            "record",
        ],
    ),
    ("change_sources", &["org_id", "slug", "record"]),
    ("oncall_records", &["org_id", "kind", "slug", "record"]),
    (
        "pages",
        &["org_id", "incident", "plan", "sent", "next_due_ms"],
    ),
];

/// One table as read from the source: its name, columns and rows.
type TableRows = (&'static str, &'static [&'static str], Vec<Vec<Value>>);

/// How many rows of each table were copied.
pub type Copied = Vec<(&'static str, usize)>;

impl<B: Backend> SqlStore<B> {
    /// Copies every row of this store into `target`, which must hold
    /// nothing yet; answers the rows copied per table.
    pub fn copy_into<T: Backend>(&self, target: &SqlStore<T>) -> StoreResult<Copied> {
        let source: Vec<TableRows> = self.backend.snapshot(|c| {
            TABLES
                .iter()
                .map(|(table, columns)| Ok((*table, *columns, read_table(c, table, columns)?)))
                .collect::<StoreResult<_>>()
        })?;
        target.backend.write(|t| {
            for (table, _) in TABLES {
                let held: i64 = t.query_row(
                    &format!("SELECT count(*) FROM {table}"),
                    Vec::new(),
                    |r| r.get(0),
                )?;
                if held > 0 {
                    return Err(StoreError::AlreadyExists(format!(
                        "data in the target database (table {table} holds {held} rows); migrate only into an empty database"
                    )));
                }
            }
            let mut copied = Vec::with_capacity(TABLES.len());
            for (table, columns, rows) in &source {
                let insert = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    columns.join(", "),
                    (1..=columns.len())
                        .map(|i| format!("?{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                for row in rows {
                    t.execute(&insert, row.clone())?;
                }
                copied.push((*table, rows.len()));
            }
            Ok(copied)
        })
    }
}

fn read_table(c: &dyn Sql, table: &str, columns: &[&str]) -> StoreResult<Vec<Vec<Value>>> {
    let rows = c.rows(
        &format!(
            "SELECT {} FROM {table} WHERE org_id = ?1",
            columns.join(", ")
        ),
        [ORG].into_values(),
    )?;
    Ok(rows.into_iter().map(|row| row.0).collect())
}

#[cfg(test)]
mod tests {
    use super::TABLES;
    use std::collections::BTreeMap;

    #[test]
    fn the_table_list_is_the_whole_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firebreak.db");
        crate::SqliteStore::open(&path).unwrap();
        let connection = rusqlite::Connection::open(&path).unwrap();
        let mut statement = connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        let tables: Vec<String> = statement
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut schema = BTreeMap::new();
        for table in tables {
            let mut columns = connection
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap();
            let names: Vec<String> = columns
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            schema.insert(table, names);
        }
        let listed: BTreeMap<String, Vec<String>> = TABLES
            .iter()
            .map(|(t, c)| (t.to_string(), c.iter().map(|c| c.to_string()).collect()))
            .collect();
        assert_eq!(listed, schema);
    }
}
