//! Audit chains for who may do what: every change to a user, token, session,
//! integration or control hook is sealed on that record's own chain in the
//! transaction that makes it, so a role raised or a token planted in SQL is
//! caught by `verify` like an edited incident.
//!
//! Each table's row is hashed as the JSON one SQL expression builds
//! ([`AccessTable::row_json`]), the same expression for sealing and for
//! verifying, so the two cannot drift apart; the hash is of the canonical
//! form, so SQLite and PostgreSQL seal the same row alike.

use super::integrity::append_events;
use super::{ORG, raw_state_hash};
use crate::StoreResult;
use crate::sql::{Dialect, OptionalExtension, Sql, params};
use firebreak_core::Timestamp;
use firebreak_core::timeline::{ABSENT_STATE, Event, EventDraft, EventKind};
use serde_json::json;

pub(super) struct AccessTable {
    /// The stream prefix, e.g. `user` for `user:alice`.
    prefix: &'static str,
    table: &'static str,
    /// The SQL expression that names a row in its stream.
    key: &'static str,
    /// The row's sealed state is the JSON object of these (key, column)
    /// pairs, built by one SQL expression ([`AccessTable::row_json`]).
    fields: &'static [(&'static str, &'static str)],
}

pub(super) const USERS: AccessTable = AccessTable {
    prefix: "user",
    table: "users",
    key: "name",
    fields: &[
        ("name", "name"),
        ("role", "role"),
        ("password_hash", "password_hash"),
        ("created_at", "created_at"),
    ],
};

pub(super) const TOKENS: AccessTable = AccessTable {
    prefix: "token",
    table: "tokens",
    key: "id",
    fields: &[
        ("id", "id"),
        ("user", "user_name"),
        ("secret_hash", "secret_hash"),
        ("scope", "scope"),
        ("description", "description"),
        ("created_at", "created_at"),
        ("expires_at", "expires_at"),
        ("revoked_at", "revoked_at"),
    ],
};

/// Sessions are named by the start of their id's hash: enough to tell them
/// apart, and nothing a reader of the timeline could sign in with.
pub(super) const SESSIONS: AccessTable = AccessTable {
    prefix: "session",
    table: "sessions",
    key: "substr(id_hash, 1, 16)",
    fields: &[
        ("id_hash", "id_hash"),
        ("user", "user_name"),
        ("csrf_token", "csrf_token"),
        ("expires_at", "expires_at"),
    ],
};

pub(super) const INTEGRATIONS: AccessTable = AccessTable {
    prefix: "integration",
    table: "integrations",
    key: "id",
    fields: &[
        ("id", "id"),
        ("name", "name"),
        ("source", "source"),
        ("key_hash", "key_hash"),
        ("rules", "rules"),
        ("mapping", "mapping"),
        ("created_at", "created_at"),
        ("revoked_at", "revoked_at"),
    ],
};

pub(super) const HOOKS: AccessTable = AccessTable {
    prefix: "hook",
    table: "control_hooks",
    key: "id",
    fields: &[
        ("id", "id"),
        ("system", "system"),
        ("url", "url"),
        ("secret", "secret"),
        ("created_at", "created_at"),
    ],
};

pub(super) const ACCESS_TABLES: [AccessTable; 5] = [USERS, TOKENS, SESSIONS, INTEGRATIONS, HOOKS];

impl AccessTable {
    /// The SQL expression whose JSON text is the row's sealed state, the
    /// same for sealing and for verifying.
    fn row_json(&self, dialect: Dialect) -> String {
        dialect.json_object(self.fields)
    }

    /// Every row as (stream, row JSON), for the ledger.
    pub(super) fn select_all(&self, dialect: Dialect) -> String {
        format!(
            "SELECT '{}:' || {}, {} FROM {} WHERE org_id = ?1",
            self.prefix,
            self.key,
            self.row_json(dialect),
            self.table
        )
    }

    pub(super) fn stream(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    /// The state of the row named `key` now: its hash, or absent.
    fn state(&self, connection: &dyn Sql, key: &str) -> StoreResult<String> {
        let text: Option<String> = connection
            .query_row(
                &format!(
                    "SELECT {} FROM {} WHERE org_id = ?1 AND {} = ?2",
                    self.row_json(connection.dialect()),
                    self.table,
                    self.key
                ),
                params![ORG, key],
                |r| r.get(0),
            )
            .optional()?;
        Ok(text.map_or_else(|| ABSENT_STATE.to_string(), |t| raw_state_hash(&t)))
    }

    /// Seals the row's current state after `action` by `actor`.
    pub(super) fn seal(
        &self,
        transaction: &dyn Sql,
        key: &str,
        action: &str,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Event> {
        let stream = self.stream(key);
        let draft = EventDraft::by(
            actor,
            EventKind::AccessChanged,
            now,
            json!({ "action": action, "subject": stream }),
        );
        let state = self.state(transaction, key)?;
        let mut sealed = append_events(transaction, &stream, vec![draft], &state, now)?;
        transaction.notify(&crate::Notice::AccessChanged)?;
        Ok(sealed.remove(0))
    }
}

/// The key a session's stream is named by.
pub(super) fn session_key(id_hash: &str) -> &str {
    id_hash.get(..16).unwrap_or(id_hash)
}

/// Starts an audit chain for every row that was stored before audit chains
/// existed. Runs once, in the migration that introduces them; afterwards a
/// row without a chain is what verification reports.
pub(crate) fn seal_rows_from_before(transaction: &dyn Sql, now: Timestamp) -> StoreResult<()> {
    for table in ACCESS_TABLES {
        let keys: Vec<String> = {
            let mut statement = transaction.prepare(&format!(
                "SELECT {} FROM {} WHERE org_id = ?1",
                table.key, table.table
            ))?;
            statement
                .query_map([ORG], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        for key in keys {
            table.seal(
                transaction,
                &key,
                "carried over from before audit chains",
                "firebreak",
                now,
            )?;
        }
    }
    Ok(())
}
