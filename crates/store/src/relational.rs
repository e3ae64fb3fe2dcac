//! The store's logic over SQL, written once for every backend: each method
//! reads the records it needs, lets `firebreak-core` decide the change, and
//! writes the new records and their sealed events in one transaction of the
//! backend ([`Backend::write`]). The backends differ only in how they connect,
//! migrate and serialise writers.

mod access;
mod alerts;
mod copy;
mod evidence;
mod integrity;
mod oncall;
mod outbox;

use crate::sql::{Dialect, OptionalExtension, Sql, Value as SqlValue, params};
use crate::{
    CheckpointRequest, ControlHook, DocumentKind, DocumentOperation, IncidentFilter,
    IncidentOperation, IngestOutcome, Integration, Inventory, OncallConfig, OncallEntry,
    OncallKind, OutboxMessage, Page, PageRequest, PageState, SessionRecord, Store, StoreError,
    StoreResult, TokenRecord, User, system_stream,
};
use access::{HOOKS, INTEGRATIONS, SESSIONS, TOKENS, USERS, session_key};
use firebreak_core::alert::{Alert, IncomingAlert};
use firebreak_core::bundle::InclusionProof;
use firebreak_core::canonical::canonical_json;
use firebreak_core::checkpoint::{Checkpoint, CheckpointSigner};
use firebreak_core::control::{self, ContainmentRequest, ControlMode, ControlState, Namespace};
use firebreak_core::evidence::{CustodyAction, Evidence, NewEvidence};
use firebreak_core::incident::{self, DeclareIncident, Incident, public_id};
use firebreak_core::oncall::StepPage;
use firebreak_core::rca::{self, Artifact, ArtifactKind};
use firebreak_core::system::{self, AiSystem, SystemDetails, SystemPatch};
use firebreak_core::timeline::{Event, EventDraft, EventKind, sha256_hex, state_hash};
use firebreak_core::verify::Ledger;
use firebreak_core::{DomainError, Timestamp};
use integrity::{append_events, load_checkpoints};
use serde_json::json;
use std::collections::BTreeMap;

pub(crate) use access::seal_rows_from_before;
pub use copy::Copied;

/// The one organisation every row belongs to until tenancy arrives.
pub(crate) const ORG: i64 = 1;
/// The migration that introduced audit chains for access records, in both
/// backends' sequences.
pub(crate) const AUDIT_CHAINS_MIGRATION: usize = 6;

/// How a database runs the store's transactions.
pub trait Backend: Send + Sync {
    /// Runs `work` in a write transaction and returns once it is durably
    /// committed; writers are serialised, so hash chains never fork.
    fn write<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T>;
    /// Runs `work` on a connection outside any write.
    fn read<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T>;
    /// Runs `work` in one read transaction, so everything it reads is as of
    /// the same moment even while others write.
    fn snapshot<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T>;
    /// See [`Store::subscribe`].
    fn subscribe(&self, deliver: crate::NoticeSink) -> StoreResult<()>;
    /// See [`Store::lead`].
    fn lead(&self) -> StoreResult<bool>;
}

/// A [`Store`] over a SQL backend.
pub struct SqlStore<B> {
    backend: B,
}

impl<B: Backend> SqlStore<B> {
    pub(crate) fn new(backend: B) -> Self {
        SqlStore { backend }
    }

    fn write<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        self.backend.write(work)
    }

    fn read<T>(&self, work: impl FnOnce(&dyn Sql) -> StoreResult<T>) -> StoreResult<T> {
        self.backend.read(work)
    }
}

/// An UPDATE or DELETE that matched no row names what was not found.
fn touched(rows: usize, what: impl FnOnce() -> String) -> StoreResult<()> {
    if rows == 0 {
        return Err(StoreError::NotFound(what()));
    }
    Ok(())
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn parse_time(text: &str) -> StoreResult<Timestamp> {
    text.parse()
        .map_err(|e| corrupt(format!("timestamp `{text}`: {e}")))
}

fn parse_optional_time(text: Option<String>) -> StoreResult<Option<Timestamp>> {
    text.as_deref().map(parse_time).transpose()
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("{what}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain records serialize to JSON")
}

fn user_from_row(
    row: &crate::sql::Row,
) -> Result<(String, String, Option<String>, String), crate::sql::SqlError> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn build_user(
    (name, role, password_hash, created_at): (String, String, Option<String>, String),
) -> StoreResult<User> {
    Ok(User {
        name,
        role: role.parse().map_err(corrupt)?,
        password_hash,
        created_at: parse_time(&created_at)?,
    })
}

const TOKEN_COLUMNS: &str = "t.id, t.user_name, t.secret_hash, t.scope, t.description, t.created_at, t.expires_at, t.revoked_at";

type TokenRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn token_from_row(row: &crate::sql::Row) -> Result<TokenRow, crate::sql::SqlError> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ))
}

fn build_token(row: TokenRow) -> StoreResult<TokenRecord> {
    let (id, user, secret_hash, scope, description, created_at, expires_at, revoked_at) = row;
    Ok(TokenRecord {
        id,
        user,
        secret_hash,
        scope: scope.parse().map_err(corrupt)?,
        description,
        created_at: parse_time(&created_at)?,
        expires_at: parse_optional_time(expires_at)?,
        revoked_at: parse_optional_time(revoked_at)?,
    })
}

fn load_systems(connection: &dyn Sql) -> StoreResult<Vec<AiSystem>> {
    let mut statement =
        connection.prepare("SELECT record FROM systems WHERE org_id = ?1 ORDER BY slug")?;
    let rows = statement.query_map([ORG], |row| row.get::<_, String>(0))?;
    rows.map(|text| from_json(&text?, "system record"))
        .collect()
}

fn load_incident(connection: &dyn Sql, number: u64) -> StoreResult<Incident> {
    let text: Option<String> = connection
        .query_row(
            "SELECT record FROM incidents WHERE org_id = ?1 AND number = ?2",
            params![ORG, number as i64],
            |row| row.get(0),
        )
        .optional()?;
    let text =
        text.ok_or_else(|| StoreError::NotFound(format!("incident {}", public_id(number))))?;
    from_json(&text, "incident record")
}

fn save_incident(transaction: &dyn Sql, incident: &Incident) -> StoreResult<()> {
    transaction.execute(
        "INSERT INTO incidents (org_id, number, record) VALUES (?1, ?2, ?3)
         ON CONFLICT (org_id, number) DO UPDATE SET record = excluded.record",
        params![ORG, incident.number as i64, to_json(incident)],
    )?;
    Ok(())
}

/// Stores an inventory entry and seals the change `kind` (with `body`) on
/// its chain.
fn save_system(
    transaction: &dyn Sql,
    system: &AiSystem,
    kind: EventKind,
    body: serde_json::Value,
    actor: &str,
    now: Timestamp,
) -> StoreResult<()> {
    transaction.execute(
        "INSERT INTO systems (org_id, slug, record) VALUES (?1, ?2, ?3)
         ON CONFLICT (org_id, slug) DO UPDATE SET record = excluded.record",
        params![ORG, system.slug, to_json(system)],
    )?;
    let draft = EventDraft {
        kind,
        occurred_at: now,
        actor: actor.to_string(),
        body,
    };
    append_events(
        transaction,
        &system_stream(&system.slug),
        vec![draft],
        &state_hash(system),
        now,
    )?;
    Ok(())
}

fn dependency_graph(systems: &[AiSystem], except: &str) -> BTreeMap<String, Vec<String>> {
    systems
        .iter()
        .filter(|s| s.slug != except)
        .map(|s| (s.slug.clone(), s.details.depends_on.clone()))
        .collect()
}

fn event_from_row(row: &crate::sql::Row) -> Result<[String; 10], crate::sql::SqlError> {
    Ok([
        row.get(0)?,
        row.get::<_, i64>(1)?.to_string(),
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
    ])
}

fn build_event(fields: [String; 10]) -> StoreResult<Event> {
    let [
        stream,
        seq,
        kind,
        occurred_at,
        recorded_at,
        actor,
        body,
        state_hash,
        prev_hash,
        hash,
    ] = fields;
    Ok(Event {
        seq: seq.parse().map_err(corrupt)?,
        kind: kind.parse::<EventKind>().map_err(corrupt)?,
        occurred_at: parse_time(&occurred_at)?,
        recorded_at: parse_time(&recorded_at)?,
        actor,
        body: from_json(&body, "event body")?,
        state_hash,
        prev_hash,
        hash,
        stream,
    })
}

const EVENT_COLUMNS: &str =
    "stream, seq, kind, occurred_at, recorded_at, actor, body, state_hash, prev_hash, hash";

/// The state hash of a stored record's raw text, so that a record edited behind
/// Firebreak's back is caught even when it still parses.
fn raw_state_hash(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => sha256_hex(canonical_json(&value).as_bytes()),
        Err(_) => "unreadable record".to_string(),
    }
}

fn load_document(
    connection: &dyn Sql,
    number: u64,
    kind: DocumentKind,
) -> StoreResult<Option<serde_json::Value>> {
    let text: Option<String> = connection
        .query_row(
            "SELECT record FROM incident_documents WHERE org_id = ?1 AND kind = ?2 AND incident = ?3",
            params![ORG, kind.as_str(), number],
            |r| r.get(0),
        )
        .optional()?;
    text.map(|t| from_json(&t, kind.as_str())).transpose()
}

fn load_artifact(
    connection: &dyn Sql,
    owner: &str,
    kind: ArtifactKind,
    name: &str,
) -> StoreResult<Option<Artifact>> {
    let text: Option<String> = connection
        .query_row(
            "SELECT record FROM rca_artifacts WHERE org_id = ?1 AND owner = ?2 AND kind = ?3 AND name = ?4",
            params![ORG, owner, kind.as_str(), name],
            |r| r.get(0),
        )
        .optional()?;
    text.map(|t| from_json(&t, "RCA artifact")).transpose()
}

/// The state hash of an owner's record, to seal an event that leaves it as is.
fn owner_state(connection: &dyn Sql, owner: &str) -> StoreResult<String> {
    if let Some(slug) = owner.strip_prefix("system:") {
        return Ok(state_hash(&find_system(&load_systems(connection)?, slug)?));
    }
    let number =
        incident::parse_public_id(owner).map_err(|_| StoreError::NotFound(owner.to_string()))?;
    Ok(state_hash(&load_incident(connection, number)?))
}

impl<B: Backend> Store for SqlStore<B> {
    fn subscribe(&self, deliver: crate::NoticeSink) -> StoreResult<()> {
        self.backend.subscribe(deliver)
    }

    fn lead(&self) -> StoreResult<bool> {
        self.backend.lead()
    }

    fn change_document(
        &self,
        number: u64,
        kind: DocumentKind,
        operation: DocumentOperation<'_>,
        now: Timestamp,
    ) -> StoreResult<(Incident, serde_json::Value)> {
        self.write(|t| {
            let incident = load_incident(t, number)?;
            let current = load_document(t, number, kind)?;
            let change = operation(&incident, current.as_ref())?;
            let incident = match change.incident {
                Some(incident_change) => {
                    save_incident(t, &incident_change.incident)?;
                    append_events(
                        t,
                        &incident.public_id(),
                        incident_change.events,
                        &state_hash(&incident_change.incident),
                        now,
                    )?;
                    incident_change.incident
                }
                None => incident,
            };
            t.execute(
                "INSERT INTO incident_documents (org_id, kind, incident, record) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (org_id, kind, incident) DO UPDATE SET record = excluded.record",
                params![ORG, kind.as_str(), number, to_json(&change.document)],
            )?;
            let stream = kind.stream(&incident.public_id());
            append_events(t, &stream, vec![change.own], &state_hash(&change.document), now)?;
            append_events(t, &incident.public_id(), change.announced, &state_hash(&incident), now)?;
            Ok((incident, change.document))
        })
    }

    fn document(&self, number: u64, kind: DocumentKind) -> StoreResult<Option<serde_json::Value>> {
        self.read(|c| {
            load_incident(c, number)?;
            load_document(c, number, kind)
        })
    }

    fn documents(&self, kind: DocumentKind) -> StoreResult<Vec<(Incident, serde_json::Value)>> {
        self.read(|c| {
            let mut statement = c.prepare(
                "SELECT incident, record FROM incident_documents WHERE org_id = ?1 AND kind = ?2 ORDER BY incident",
            )?;
            let rows = statement.query_map(params![ORG, kind.as_str()], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
            })?;
            let mut documents = Vec::new();
            for row in rows {
                let (number, text) = row?;
                documents.push((load_incident(c, number)?, from_json(&text, kind.as_str())?));
            }
            Ok(documents)
        })
    }

    fn add_evidence(
        &self,
        incident: u64,
        new: NewEvidence,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Evidence> {
        self.write(|t| evidence::add(t, incident, new, actor, now))
    }

    fn evidence_custody(
        &self,
        id: &str,
        action: CustodyAction,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Evidence> {
        self.write(|t| evidence::custody(t, id, action, actor, now))
    }

    fn evidence(&self, id: &str) -> StoreResult<Evidence> {
        self.read(|c| evidence::get(c, id))
    }

    fn incident_evidence(&self, incident: u64) -> StoreResult<Vec<Evidence>> {
        self.read(|c| evidence::list(c, incident))
    }

    fn content_in_use(&self, sha256: &str) -> StoreResult<bool> {
        self.read(|c| evidence::content_in_use(c, sha256))
    }

    fn live_content(&self) -> StoreResult<Vec<String>> {
        self.read(|c| {
            let mut statement = c.prepare(&format!(
                "SELECT DISTINCT {} FROM evidence WHERE org_id = ?1 AND {} IS NULL ORDER BY 1",
                c.dialect().json_text("record", "sha256"),
                c.dialect().json_text("record", "disposed_at"),
            ))?;
            let rows = statement.query_map([ORG], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn save_artifact(
        &self,
        owner: &str,
        kind: ArtifactKind,
        name: &str,
        body: serde_json::Value,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Artifact> {
        self.write(|t| {
            let owner_hash = owner_state(t, owner)?;
            let previous = load_artifact(t, owner, kind, name)?;
            let (artifact, own, announced) = rca::save(previous.as_ref(), owner, kind, name, body, actor, now)?;
            t.execute(
                "INSERT INTO rca_artifacts (org_id, owner, kind, name, record) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (org_id, owner, kind, name) DO UPDATE SET record = excluded.record",
                params![ORG, owner, kind.as_str(), name, to_json(&artifact)],
            )?;
            append_events(t, &rca::artifact_stream(owner, kind, name), vec![own], &state_hash(&artifact), now)?;
            append_events(t, owner, vec![announced], &owner_hash, now)?;
            Ok(artifact)
        })
    }

    fn artifacts(&self, owner: &str) -> StoreResult<Vec<Artifact>> {
        self.read(|c| {
            let mut statement =
                c.prepare("SELECT record FROM rca_artifacts WHERE org_id = ?1 AND owner = ?2 ORDER BY kind, name")?;
            let rows = statement.query_map(params![ORG, owner], |r| r.get::<_, String>(0))?;
            rows.map(|text| from_json(&text?, "RCA artifact")).collect()
        })
    }

    fn artifact(&self, owner: &str, kind: ArtifactKind, name: &str) -> StoreResult<Artifact> {
        self.read(|c| {
            load_artifact(c, owner, kind, name)?.ok_or_else(|| {
                StoreError::NotFound(format!("{} `{name}` of {owner}", kind.as_str()))
            })
        })
    }

    fn control_state(&self, namespace: Namespace, system: &str) -> StoreResult<ControlState> {
        self.read(|c| {
            find_system(&load_systems(c)?, system)?;
            load_control_state(c, namespace, system)
        })
    }

    fn control_states(&self, namespace: Namespace) -> StoreResult<Vec<ControlState>> {
        self.read(|c| {
            load_systems(c)?
                .iter()
                .map(|s| load_control_state(c, namespace, &s.slug))
                .collect()
        })
    }

    fn contain(
        &self,
        number: u64,
        request: &ContainmentRequest,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<(Incident, ControlState)> {
        self.write(|t| {
            let incident = load_incident(t, number)?;
            let system = find_system(&load_systems(t)?, &request.system).map_err(|_| {
                DomainError::field("system", format!("unknown system `{}`", request.system))
            })?;
            let namespace = Namespace::for_incident(incident.kind);
            let before = load_control_state(t, namespace, &system.slug)?;
            let (change, after) =
                control::contain(&incident, request, &system, &before, actor, now)?;
            save_incident(t, &change.incident)?;
            append_events(
                t,
                &change.incident.public_id(),
                change.events,
                &state_hash(&change.incident),
                now,
            )?;
            save_control_state(t, &before, &after, actor, now)?;
            Ok((change.incident, after))
        })
    }

    fn set_control(
        &self,
        namespace: Namespace,
        system: &str,
        mode: ControlMode,
        reason: &str,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<ControlState> {
        self.write(|t| {
            let system = find_system(&load_systems(t)?, system)?;
            let before = load_control_state(t, namespace, &system.slug)?;
            let after = control::change_directly(&system, &before, mode, reason, actor, now)?;
            save_control_state(t, &before, &after, actor, now)?;
            Ok(after)
        })
    }

    fn add_control_hook(&self, hook: &ControlHook, actor: &str) -> StoreResult<()> {
        self.write(|t| {
            find_system(&load_systems(t)?, &hook.system)?;
            t.execute(
                "INSERT INTO control_hooks (org_id, id, system, url, secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![ORG, hook.id, hook.system, hook.url, hook.secret, hook.created_at.to_string()],
            )?;
            let action = format!("created for {} → {}", hook.system, hook.url);
            HOOKS.seal(t, &hook.id, &action, actor, hook.created_at)?;
            Ok(())
        })
    }

    fn control_hooks(&self, system: Option<&str>) -> StoreResult<Vec<ControlHook>> {
        self.read(|c| alerts::control_hooks(c, system))
    }

    fn delete_control_hook(&self, id: &str, actor: &str, now: Timestamp) -> StoreResult<()> {
        self.write(|t| {
            let deleted = t.execute(
                "DELETE FROM control_hooks WHERE org_id = ?1 AND id = ?2",
                params![ORG, id],
            )?;
            touched(deleted, || format!("hook {id}"))?;
            HOOKS.seal(t, id, "deleted", actor, now)?;
            Ok(())
        })
    }

    fn create_integration(&self, integration: &Integration, actor: &str) -> StoreResult<()> {
        self.write(|t| {
            let slugs: Vec<String> = load_systems(t)?.into_iter().map(|s| s.slug).collect();
            firebreak_core::alert::validate_rules(&integration.rules, &slugs)?;
            alerts::insert_integration(t, integration)?;
            let action = format!("created: {}", integration.name);
            INTEGRATIONS.seal(t, &integration.id, &action, actor, integration.created_at)?;
            Ok(())
        })
    }

    fn integrations(&self) -> StoreResult<Vec<Integration>> {
        self.read(|c| alerts::integrations(c, None))
    }

    fn find_integration(&self, key_hash: &str) -> StoreResult<Option<Integration>> {
        self.read(|c| {
            Ok(alerts::integrations(c, Some(key_hash))?
                .into_iter()
                .find(|i| i.revoked_at.is_none()))
        })
    }

    fn revoke_integration(
        &self,
        id: &str,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Integration> {
        self.write(|t| {
            let revoked = t.execute(
                "UPDATE integrations SET revoked_at = ?3 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL",
                params![ORG, id, now.to_string()],
            )?;
            if revoked > 0 {
                INTEGRATIONS.seal(t, id, "revoked", actor, now)?;
            }
            alerts::integrations(t, None)?
                .into_iter()
                .find(|i| i.id == id)
                .ok_or_else(|| StoreError::NotFound(format!("integration {id}")))
        })
    }

    fn ingest_alert(
        &self,
        integration: &Integration,
        alert: IncomingAlert,
        now: Timestamp,
    ) -> StoreResult<IngestOutcome> {
        self.write(|t| alerts::ingest(t, integration, alert, now))
    }

    fn alerts(&self, open_only: bool, limit: usize) -> StoreResult<Vec<Alert>> {
        self.read(|c| alerts::list(c, open_only, limit))
    }

    fn user_count(&self) -> StoreResult<u64> {
        self.read(|c| {
            Ok(
                c.query_row("SELECT count(*) FROM users WHERE org_id = ?1", [ORG], |r| {
                    r.get::<_, i64>(0)
                })? as u64,
            )
        })
    }

    fn create_user(&self, user: &User, actor: &str) -> StoreResult<()> {
        self.write(|t| {
            let exists: bool = t.query_row(
                "SELECT EXISTS (SELECT 1 FROM users WHERE org_id = ?1 AND name = ?2)",
                params![ORG, user.name],
                |r| r.get(0),
            )?;
            if exists {
                return Err(StoreError::AlreadyExists(format!("user {}", user.name)));
            }
            t.execute(
                "INSERT INTO users (org_id, name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![ORG, user.name, user.role.as_str(), user.password_hash, user.created_at.to_string()],
            )?;
            USERS.seal(t, &user.name, &format!("created as {}", user.role.as_str()), actor, user.created_at)?;
            Ok(())
        })
    }

    fn find_user(&self, name: &str) -> StoreResult<Option<User>> {
        self.read(|c| {
            c.query_row(
                "SELECT name, role, password_hash, created_at FROM users WHERE org_id = ?1 AND name = ?2",
                params![ORG, name],
                user_from_row,
            )
            .optional()?
            .map(build_user)
            .transpose()
        })
    }

    fn list_users(&self) -> StoreResult<Vec<User>> {
        self.read(|c| {
            let mut statement =
                c.prepare("SELECT name, role, password_hash, created_at FROM users WHERE org_id = ?1 ORDER BY name")?;
            let rows = statement.query_map([ORG], user_from_row)?;
            rows.map(|row| build_user(row?)).collect()
        })
    }

    fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.write(|t| {
            let changed = t.execute(
                "UPDATE users SET password_hash = ?3 WHERE org_id = ?1 AND name = ?2",
                params![ORG, name, password_hash],
            )?;
            touched(changed, || format!("user {name}"))?;
            USERS.seal(t, name, "password set", actor, now)?;
            Ok(())
        })
    }

    fn create_token(&self, token: &TokenRecord, actor: &str) -> StoreResult<()> {
        self.write(|t| {
            t.execute(
                "INSERT INTO tokens (org_id, id, user_name, secret_hash, scope, description, created_at, expires_at, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)",
                params![
                    ORG,
                    token.id,
                    token.user,
                    token.secret_hash,
                    token.scope.as_str(),
                    token.description,
                    token.created_at.to_string(),
                    token.expires_at.map(|e| e.to_string()),
                ],
            )?;
            let action = format!("created for {} ({})", token.user, token.scope.as_str());
            TOKENS.seal(t, &token.id, &action, actor, token.created_at)?;
            Ok(())
        })
    }

    fn find_token(&self, secret_hash: &str) -> StoreResult<Option<(TokenRecord, User)>> {
        self.read(|c| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS}, u.name, u.role, u.password_hash, u.created_at
                 FROM tokens t JOIN users u ON u.org_id = t.org_id AND u.name = t.user_name
                 WHERE t.org_id = ?1 AND t.secret_hash = ?2"
            );
            let found = c
                .query_row(&sql, params![ORG, secret_hash], |row| {
                    Ok((
                        token_from_row(row)?,
                        (row.get(8)?, row.get(9)?, row.get(10)?, row.get(11)?),
                    ))
                })
                .optional()?;
            found
                .map(|(token, user)| Ok((build_token(token)?, build_user(user)?)))
                .transpose()
        })
    }

    fn list_tokens(&self, user: Option<&str>) -> StoreResult<Vec<TokenRecord>> {
        self.read(|c| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.org_id = ?1 AND (t.user_name = ?2 OR ?2 IS NULL)
                 ORDER BY t.created_at, t.id"
            );
            let mut statement = c.prepare(&sql)?;
            let rows = statement.query_map(params![ORG, user], token_from_row)?;
            rows.map(|row| build_token(row?)).collect()
        })
    }

    fn revoke_token(&self, id: &str, actor: &str, now: Timestamp) -> StoreResult<TokenRecord> {
        self.write(|t| {
            let revoked = t.execute(
                "UPDATE tokens SET revoked_at = ?3 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL",
                params![ORG, id, now.to_string()],
            )?;
            if revoked > 0 {
                TOKENS.seal(t, id, "revoked", actor, now)?;
            }
            let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.org_id = ?1 AND t.id = ?2");
            let row = t.query_row(&sql, params![ORG, id], token_from_row).optional()?;
            build_token(row.ok_or_else(|| StoreError::NotFound(format!("token {id}")))?)
        })
    }

    fn create_session(&self, session: &SessionRecord, now: Timestamp) -> StoreResult<()> {
        self.write(|t| {
            t.execute(
                "INSERT INTO sessions (org_id, id_hash, user_name, csrf_token, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![ORG, session.id_hash, session.user, session.csrf_token, session.expires_at.to_string()],
            )?;
            let action = format!("signed in as {}", session.user);
            SESSIONS.seal(t, session_key(&session.id_hash), &action, &session.user, now)?;
            Ok(())
        })
    }

    fn find_session(
        &self,
        id_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(SessionRecord, User)>> {
        let found = self.read(|c| {
            Ok(c.query_row(
                "SELECT s.id_hash, s.user_name, s.csrf_token, s.expires_at, u.name, u.role, u.password_hash, u.created_at
                 FROM sessions s JOIN users u ON u.org_id = s.org_id AND u.name = s.user_name
                 WHERE s.org_id = ?1 AND s.id_hash = ?2",
                params![ORG, id_hash],
                |row| {
                    Ok((
                        (row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get::<_, String>(3)?),
                        (row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?),
                    ))
                },
            )
            .optional()?)
        })?;
        let Some(((id_hash, user, csrf_token, expires_at), user_row)) = found else {
            return Ok(None);
        };
        let session = SessionRecord {
            id_hash,
            user,
            csrf_token,
            expires_at: parse_time(&expires_at)?,
        };
        if session.expires_at <= now {
            return Ok(None);
        }
        Ok(Some((session, build_user(user_row)?)))
    }

    fn delete_session(&self, id_hash: &str, now: Timestamp) -> StoreResult<()> {
        self.write(|t| {
            let user: Option<String> = t
                .query_row(
                    "DELETE FROM sessions WHERE org_id = ?1 AND id_hash = ?2 RETURNING user_name",
                    params![ORG, id_hash],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(user) = user {
                SESSIONS.seal(t, session_key(id_hash), "signed out", &user, now)?;
            }
            Ok(())
        })
    }

    fn delete_user_sessions(
        &self,
        user: &str,
        except_id_hash: Option<&str>,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<usize> {
        self.write(|t| {
            let ended: Vec<String> = {
                let mut statement = t.prepare(
                    "DELETE FROM sessions WHERE org_id = ?1 AND user_name = ?2 AND id_hash IS DISTINCT FROM ?3
                     RETURNING id_hash",
                )?;
                statement
                    .query_map(params![ORG, user, except_id_hash], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            };
            for id_hash in &ended {
                SESSIONS.seal(
                    t,
                    session_key(id_hash),
                    "ended by a password change",
                    actor,
                    now,
                )?;
            }
            Ok(ended.len())
        })
    }

    fn list_systems(&self) -> StoreResult<Vec<AiSystem>> {
        self.read(load_systems)
    }

    fn get_system(&self, slug: &str) -> StoreResult<AiSystem> {
        self.read(|c| {
            let text: Option<String> = c
                .query_row(
                    "SELECT record FROM systems WHERE org_id = ?1 AND slug = ?2",
                    params![ORG, slug],
                    |row| row.get(0),
                )
                .optional()?;
            from_json(
                &text.ok_or_else(|| StoreError::NotFound(format!("system {slug}")))?,
                "system record",
            )
        })
    }

    fn register_system(
        &self,
        slug: &str,
        details: SystemDetails,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<AiSystem> {
        self.write(|t| {
            let systems = load_systems(t)?;
            if systems.iter().any(|s| s.slug == slug) {
                return Err(StoreError::AlreadyExists(format!("system {slug}")));
            }
            system::validate_system(slug, &details, &dependency_graph(&systems, slug))?;
            let system = AiSystem {
                slug: slug.to_string(),
                details,
            };
            let body = json!({ "system": system });
            save_system(t, &system, EventKind::SystemRegistered, body, actor, now)?;
            Ok(system)
        })
    }

    fn update_system(
        &self,
        slug: &str,
        patch: SystemPatch,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<AiSystem> {
        self.write(|t| {
            let systems = load_systems(t)?;
            let current = systems
                .iter()
                .find(|s| s.slug == slug)
                .ok_or_else(|| StoreError::NotFound(format!("system {slug}")))?;
            let details = patch.apply(&current.details);
            if details == current.details {
                return Err(DomainError::field("patch", "changes nothing").into());
            }
            system::validate_system(slug, &details, &dependency_graph(&systems, slug))?;
            let updated = AiSystem {
                slug: slug.to_string(),
                details,
            };
            let body = json!({ "from": current.details, "to": updated.details });
            save_system(t, &updated, EventKind::SystemUpdated, body, actor, now)?;
            Ok(updated)
        })
    }

    fn declare_incident(
        &self,
        input: DeclareIncident,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Incident> {
        self.write(|t| {
            let systems = load_systems(t)?;
            let number: i64 = t.query_row(
                "SELECT coalesce(max(number), 0) + 1 FROM incidents WHERE org_id = ?1",
                [ORG],
                |r| r.get(0),
            )?;
            let change = incident::declare(input, number as u64, actor, &systems, now)?;
            save_incident(t, &change.incident)?;
            append_events(
                t,
                &change.incident.public_id(),
                change.events,
                &state_hash(&change.incident),
                now,
            )?;
            oncall::start_paging(t, &change.incident, now)?;
            Ok(change.incident)
        })
    }

    fn change_incident(
        &self,
        number: u64,
        operation: IncidentOperation<'_>,
        now: Timestamp,
    ) -> StoreResult<(Incident, Vec<Event>)> {
        self.write(|t| {
            let current = load_incident(t, number)?;
            let load = || load_systems(t);
            let inventory = Inventory::new(&load);
            let change = operation(&current, &inventory);
            if let Some(error) = inventory.failure() {
                return Err(error);
            }
            let change = change?;
            save_incident(t, &change.incident)?;
            let events = append_events(
                t,
                &change.incident.public_id(),
                change.events,
                &state_hash(&change.incident),
                now,
            )?;
            Ok((change.incident, events))
        })
    }

    fn get_incident(&self, number: u64) -> StoreResult<Incident> {
        self.read(|c| load_incident(c, number))
    }

    fn list_incidents(
        &self,
        filter: &IncidentFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Incident>> {
        let mut items: Vec<Incident> = self.read(|c| {
            let (sql, values) = incident_query(c.dialect(), filter, page);
            let mut statement = c.prepare(&sql)?;
            let rows = statement.query_map(values, |row| row.get::<_, String>(0))?;
            rows.map(|text| from_json(&text?, "incident record"))
                .collect()
        })?;
        let next_cursor = if items.len() > page.limit {
            items.truncate(page.limit);
            items.last().map(|i| i.number)
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    fn all_incidents(&self) -> StoreResult<Vec<Incident>> {
        self.read(|c| {
            let mut statement =
                c.prepare("SELECT record FROM incidents WHERE org_id = ?1 ORDER BY number")?;
            let rows = statement.query_map([ORG], |row| row.get::<_, String>(0))?;
            rows.map(|text| from_json(&text?, "incident record"))
                .collect()
        })
    }

    fn events(&self, stream: &str) -> StoreResult<Vec<Event>> {
        self.read(|c| {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE org_id = ?1 AND stream = ?2 ORDER BY seq"
            );
            let mut statement = c.prepare(&sql)?;
            let rows = statement.query_map(params![ORG, stream], event_from_row)?;
            rows.map(|row| build_event(row?)).collect()
        })
    }

    fn events_page(
        &self,
        stream: &str,
        after_seq: Option<u64>,
        limit: usize,
    ) -> StoreResult<Vec<Event>> {
        self.read(|c| {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE org_id = ?1 AND stream = ?2 AND seq > ?3
                 ORDER BY seq LIMIT ?4"
            );
            let mut statement = c.prepare(&sql)?;
            let rows = statement.query_map(
                params![ORG, stream, after_seq.unwrap_or(0) as i64, limit as i64],
                event_from_row,
            )?;
            rows.map(|row| build_event(row?)).collect()
        })
    }

    fn write_checkpoint(
        &self,
        signer: &CheckpointSigner,
        request: CheckpointRequest<'_>,
        now: Timestamp,
    ) -> StoreResult<Option<Checkpoint>> {
        self.write(|t| integrity::write_checkpoint(t, signer, request, now))
    }

    fn checkpoints(&self) -> StoreResult<Vec<Checkpoint>> {
        self.read(load_checkpoints)
    }

    fn inclusion_proofs(
        &self,
        log_size: u64,
        events: &[(String, u64)],
    ) -> StoreResult<Vec<InclusionProof>> {
        self.read(|c| integrity::inclusion_proofs(c, log_size, events))
    }

    fn ledger(&self) -> StoreResult<Ledger> {
        self.backend.snapshot(integrity::ledger)
    }

    fn due_messages(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<OutboxMessage>> {
        self.read(|c| outbox::due(c, now, limit))
    }

    fn message_attempted(
        &self,
        id: u64,
        outcome: Result<(), String>,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.write(|t| outbox::attempted(t, id, outcome, retry_at, now))
    }

    fn messages(&self, channel: &str, limit: usize) -> StoreResult<Vec<OutboxMessage>> {
        self.read(|c| outbox::list(c, channel, limit))
    }

    fn save_oncall(&self, entry: &OncallEntry, actor: &str, now: Timestamp) -> StoreResult<bool> {
        self.write(|t| oncall::save(t, entry, actor, now))
    }

    fn remove_oncall(
        &self,
        kind: OncallKind,
        slug: &str,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.write(|t| oncall::remove(t, kind, slug, actor, now))
    }

    fn oncall(&self) -> StoreResult<OncallConfig> {
        self.backend.snapshot(oncall::load)
    }

    fn due_pages(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<PageState>> {
        self.read(|c| oncall::due(c, now, limit))
    }

    fn record_pages(
        &self,
        incident: u64,
        pages: &[StepPage],
        next_due: Option<Timestamp>,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.write(|t| oncall::record(t, incident, pages, next_due, now))
    }

    fn acknowledge(&self, incident: u64, actor: &str, now: Timestamp) -> StoreResult<Incident> {
        self.write(|t| oncall::acknowledge(t, incident, actor, now))
    }

    fn page(&self, incident: u64) -> StoreResult<Option<PageState>> {
        self.read(|c| oncall::page(c, incident))
    }

    fn record_damaged_content(
        &self,
        sha256: &str,
        problem: &str,
        now: Timestamp,
    ) -> StoreResult<Vec<String>> {
        self.write(|t| evidence::record_damage(t, sha256, problem, now))
    }
}

fn load_control_state(
    connection: &dyn Sql,
    namespace: Namespace,
    system: &str,
) -> StoreResult<ControlState> {
    let text: Option<String> = connection
        .query_row(
            "SELECT record FROM control_states WHERE org_id = ?1 AND namespace = ?2 AND system = ?3",
            params![ORG, namespace.as_str(), system],
            |row| row.get(0),
        )
        .optional()?;
    match text {
        Some(text) => from_json(&text, "control state"),
        None => Ok(ControlState::initial(system, namespace)),
    }
}

/// Saves a new control state and seals it onto its own chain.
fn save_control_state(
    transaction: &dyn Sql,
    before: &ControlState,
    after: &ControlState,
    actor: &str,
    now: Timestamp,
) -> StoreResult<()> {
    transaction.execute(
        "INSERT INTO control_states (org_id, namespace, system, record) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (org_id, namespace, system) DO UPDATE SET record = excluded.record",
        params![ORG, after.namespace.as_str(), after.system, to_json(after)],
    )?;
    let draft = control::control_event(before, after, actor, now);
    append_events(
        transaction,
        &control::control_stream(after.namespace, &after.system),
        vec![draft],
        &state_hash(after),
        now,
    )?;
    transaction.notify(&crate::Notice::Control {
        state: after.clone(),
    })?;
    Ok(())
}

/// The query of one page of incidents matching `filter`, and its values.
fn incident_query(
    dialect: Dialect,
    filter: &IncidentFilter,
    page: PageRequest,
) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("SELECT record FROM incidents WHERE org_id = ?");
    let mut values: Vec<SqlValue> = vec![SqlValue::Integer(ORG)];
    let mut any_of = |sql: &mut String, field: &str, options: Vec<String>| {
        if !options.is_empty() {
            let marks = vec!["?"; options.len()].join(", ");
            sql.push_str(&format!(
                " AND {} IN ({marks})",
                dialect.json_text("record", field)
            ));
            values.extend(options.into_iter().map(SqlValue::Text));
        }
    };
    any_of(
        &mut sql,
        "status",
        filter
            .statuses
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    );
    any_of(
        &mut sql,
        "severity",
        filter
            .severities
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
    );
    if let Some(kind) = filter.kind {
        let kind = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        any_of(&mut sql, "kind", vec![kind]);
    }
    if let Some(system) = &filter.system {
        sql.push_str(&format!(
            " AND {}",
            dialect.json_array_holds("record", "systems", "?")
        ));
        values.push(SqlValue::Text(system.clone()));
    }
    if let Some(text) = filter.text.as_ref().filter(|t| !t.trim().is_empty()) {
        let searched = format!(
            "lower({} || ' ' || {})",
            dialect.json_text("record", "title"),
            dialect.json_text("record", "summary")
        );
        sql.push_str(&format!(" AND {}", dialect.contains(&searched, "lower(?)")));
        values.push(SqlValue::Text(text.trim().to_string()));
    }
    if let Some(after) = page.after {
        sql.push_str(" AND number < ?");
        values.push(SqlValue::Integer(after as i64));
    }
    sql.push_str(" ORDER BY number DESC LIMIT ?");
    values.push(SqlValue::Integer(page.limit as i64 + 1));
    (sql, values)
}

fn find_system(systems: &[AiSystem], slug: &str) -> StoreResult<AiSystem> {
    systems
        .iter()
        .find(|s| s.slug == slug)
        .cloned()
        .ok_or_else(|| StoreError::NotFound(format!("system {slug}")))
}

#[cfg(test)]
mod tests;
