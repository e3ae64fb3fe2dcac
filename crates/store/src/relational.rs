//! The store's logic over SQL, written once for every backend: each method
//! reads the records it needs, lets `firebreak-core` decide the change, and
//! writes the new records and their sealed events in one transaction of the
//! backend ([`Backend::write`]). The backends differ only in how they connect,
//! migrate and serialise writers.

mod access;
mod accounts;
mod alerts;
mod changes;
mod controls;
mod copy;
mod evidence;
mod integrity;
mod monitors;
mod oncall;
mod outbox;
mod paging;
mod records;

use crate::sql::{OptionalExtension, Sql, params};
use crate::{
    CheckpointRequest, ControlHook, DocumentKind, DocumentOperation, IncidentFilter,
    IncidentOperation, IngestOutcome, Integration, Inventory, OncallConfig, OncallEntry,
    OncallKind, OutboxMessage, Page, PageRequest, PageState, SessionRecord, Store, StoreError,
    StoreResult, TokenRecord, User,
};
use firebreak_core::alert::{Alert, AlertStatus, IncomingAlert};
use firebreak_core::bundle::InclusionProof;
use firebreak_core::checkpoint::{Checkpoint, CheckpointSigner};
use firebreak_core::control::{ContainmentRequest, ControlMode, ControlState, Namespace};
use firebreak_core::evidence::{CustodyAction, Evidence, NewEvidence};
use firebreak_core::incident::{self, DeclareIncident, Incident};
use firebreak_core::oncall::StepPage;
use firebreak_core::rca::{self, Artifact, ArtifactKind};
use firebreak_core::system::{self, AiSystem, SystemDetails, SystemPatch};
use firebreak_core::timeline::{Event, EventKind, state_hash};
use firebreak_core::verify::Ledger;
use firebreak_core::{DomainError, Timestamp};
use integrity::{append_events, load_checkpoints};
use serde_json::json;

pub(crate) use access::seal_rows_from_before;
pub use copy::Copied;
use records::{
    EVENT_COLUMNS, build_event, corrupt, dependency_graph, event_from_row, find_system, from_json,
    incident_query, load_artifact, load_document, load_incident, load_systems, owner_state,
    parse_optional_time, parse_time, raw_state_hash, save_change, save_system, to_json, touched,
};

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

/// Declares an incident inside `transaction`: the next number, its events,
/// and its paging started.
fn declare(
    transaction: &dyn Sql,
    input: DeclareIncident,
    actor: &str,
    now: Timestamp,
) -> StoreResult<Incident> {
    let systems = load_systems(transaction)?;
    let number: i64 = transaction.query_row(
        "SELECT coalesce(max(number), 0) + 1 FROM incidents WHERE org_id = ?1",
        [ORG],
        |r| r.get(0),
    )?;
    let change = incident::declare(input, number as u64, actor, &systems, now)?;
    save_change(transaction, &change.incident, change.events, now)?;
    paging::start_paging(transaction, &change.incident, now)?;
    Ok(change.incident)
}

impl<B: Backend> Store for SqlStore<B> {
    fn record_change(
        &self,
        change: firebreak_core::change::NewChange,
        origin: firebreak_core::change::ChangeOrigin,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<(firebreak_core::change::ChangeEvent, bool)> {
        self.write(|t| changes::record(t, change, origin, actor, now))
    }

    fn changes(
        &self,
        query: &crate::ChangeQuery,
    ) -> StoreResult<Vec<firebreak_core::change::ChangeEvent>> {
        self.read(|c| changes::list(c, query))
    }

    fn change(&self, id: &str) -> StoreResult<firebreak_core::change::ChangeEvent> {
        self.read(|c| changes::get(c, id))
    }

    fn save_change_source(
        &self,
        source: &crate::StoredChangeSource,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.write(|t| changes::save_source(t, source, actor, now))
    }

    fn change_source(&self, slug: &str) -> StoreResult<crate::StoredChangeSource> {
        self.read(|c| changes::source(c, slug))
    }

    fn change_sources(&self) -> StoreResult<Vec<crate::StoredChangeSource>> {
        self.read(changes::sources)
    }

    fn remove_change_source(&self, slug: &str, actor: &str, now: Timestamp) -> StoreResult<()> {
        self.write(|t| changes::remove_source(t, slug, actor, now))
    }

    fn record_poll(
        &self,
        slug: &str,
        changes: Vec<firebreak_core::change::NewChange>,
        registry: firebreak_core::change::mlflow::RegistryState,
        now: Timestamp,
    ) -> StoreResult<Vec<firebreak_core::change::ChangeEvent>> {
        self.write(|t| changes::record_poll(t, slug, changes, registry, now))
    }

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
                    save_change(t, &incident_change.incident, incident_change.events, now)?;
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
            let announced = append_events(t, &incident.public_id(), change.announced, &state_hash(&incident), now)?;
            oncall::queue_slack(t, &incident, &announced, now)?;
            for message in &change.messages {
                outbox::enqueue(t, &outbox::Queued::from(message, now), now)?;
            }
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
        self.read(|c| controls::control_state(c, namespace, system))
    }

    fn control_states(&self, namespace: Namespace) -> StoreResult<Vec<ControlState>> {
        self.read(|c| controls::control_states(c, namespace))
    }

    fn contain(
        &self,
        number: u64,
        request: &ContainmentRequest,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<(Incident, ControlState)> {
        self.write(|t| controls::contain(t, number, request, actor, now))
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
        self.write(|t| controls::set_control(t, namespace, system, mode, reason, actor, now))
    }

    fn add_control_hook(&self, hook: &ControlHook, actor: &str) -> StoreResult<()> {
        self.write(|t| controls::add_control_hook(t, hook, actor))
    }

    fn control_hooks(&self, system: Option<&str>) -> StoreResult<Vec<ControlHook>> {
        self.read(|c| alerts::control_hooks(c, system))
    }

    fn delete_control_hook(&self, id: &str, actor: &str, now: Timestamp) -> StoreResult<()> {
        self.write(|t| controls::delete_control_hook(t, id, actor, now))
    }

    fn create_integration(&self, integration: &Integration, actor: &str) -> StoreResult<()> {
        self.write(|t| controls::create_integration(t, integration, actor))
    }

    fn integrations(&self) -> StoreResult<Vec<Integration>> {
        self.read(|c| alerts::integrations(c, None))
    }

    fn find_integration(&self, key_hash: &str) -> StoreResult<Option<Integration>> {
        self.read(|c| controls::find_integration(c, key_hash))
    }

    fn revoke_integration(
        &self,
        id: &str,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Integration> {
        self.write(|t| controls::revoke_integration(t, id, actor, now))
    }

    fn ingest_alert(
        &self,
        integration: &Integration,
        alert: IncomingAlert,
        now: Timestamp,
    ) -> StoreResult<IngestOutcome> {
        self.write(|t| alerts::ingest(t, integration, alert, now))
    }

    fn create_monitor(&self, monitor: &firebreak_core::monitor::Monitor) -> StoreResult<()> {
        self.write(|t| monitors::create(t, monitor))
    }

    fn monitors(&self, system: Option<&str>) -> StoreResult<Vec<firebreak_core::monitor::Monitor>> {
        self.read(|c| monitors::list(c, system))
    }

    fn monitor(&self, name: &str) -> StoreResult<firebreak_core::monitor::Monitor> {
        self.read(|c| monitors::get(c, name))
    }

    fn set_monitor_paused(
        &self,
        name: &str,
        paused: bool,
        now: Timestamp,
    ) -> StoreResult<firebreak_core::monitor::Monitor> {
        self.write(|t| monitors::set_paused(t, name, paused, now))
    }

    fn delete_monitor(&self, name: &str) -> StoreResult<()> {
        self.write(|t| monitors::delete(t, name))
    }

    fn record_monitor_run(
        &self,
        record: crate::MonitorRecord,
        now: Timestamp,
    ) -> StoreResult<crate::MonitorRecorded> {
        self.write(|t| monitors::record(t, record, now))
    }

    fn monitor_runs(
        &self,
        name: &str,
        limit: usize,
    ) -> StoreResult<Vec<firebreak_core::monitor::MonitorRun>> {
        self.read(|c| monitors::runs(c, name, limit))
    }

    fn alerts(&self, open_only: bool, limit: usize) -> StoreResult<Vec<Alert>> {
        self.read(|c| alerts::list(c, open_only, limit))
    }

    fn link_alert(
        &self,
        alert: u64,
        incident: u64,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Alert> {
        self.write(|t| alerts::link(t, alert, incident, actor, now))
    }

    fn set_alert_status(
        &self,
        alert: u64,
        status: AlertStatus,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Alert> {
        self.write(|t| alerts::set_status(t, alert, status, actor, now))
    }

    fn declare_from_alert(
        &self,
        alert: u64,
        input: DeclareIncident,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<(Incident, Alert)> {
        self.write(|t| {
            let mut input = input;
            let from = alerts::load_alert(t, alert)?;
            if let Some(linked) = &from.incident {
                return Err(StoreError::Domain(DomainError::Conflict {
                    message: format!("alert {alert} belongs to {linked} already: work on it there"),
                    allowed: vec![],
                }));
            }
            from.complete_declaration(&mut input, now);
            let incident = declare(t, input, actor, now)?;
            let alert = alerts::link(t, alert, incident.number, actor, now)?;
            Ok((incident, alert))
        })
    }

    fn user_count(&self) -> StoreResult<u64> {
        self.read(accounts::user_count)
    }

    fn create_user(&self, user: &User, actor: &str) -> StoreResult<()> {
        self.write(|t| accounts::create_user(t, user, actor))
    }

    fn find_user(&self, name: &str) -> StoreResult<Option<User>> {
        self.read(|c| accounts::find_user(c, name))
    }

    fn list_users(&self) -> StoreResult<Vec<User>> {
        self.read(accounts::list_users)
    }

    fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.write(|t| accounts::set_password(t, name, password_hash, actor, now))
    }

    fn create_token(&self, token: &TokenRecord, actor: &str) -> StoreResult<()> {
        self.write(|t| accounts::create_token(t, token, actor))
    }

    fn find_token(&self, secret_hash: &str) -> StoreResult<Option<(TokenRecord, User)>> {
        self.read(|c| accounts::find_token(c, secret_hash))
    }

    fn list_tokens(&self, user: Option<&str>) -> StoreResult<Vec<TokenRecord>> {
        self.read(|c| accounts::list_tokens(c, user))
    }

    fn revoke_token(&self, id: &str, actor: &str, now: Timestamp) -> StoreResult<TokenRecord> {
        self.write(|t| accounts::revoke_token(t, id, actor, now))
    }

    fn create_session(&self, session: &SessionRecord, now: Timestamp) -> StoreResult<()> {
        self.write(|t| accounts::create_session(t, session, now))
    }

    fn find_session(
        &self,
        id_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(SessionRecord, User)>> {
        self.read(|c| accounts::find_session(c, id_hash, now))
    }

    fn delete_session(&self, id_hash: &str, now: Timestamp) -> StoreResult<()> {
        self.write(|t| accounts::delete_session(t, id_hash, now))
    }

    fn delete_user_sessions(
        &self,
        user: &str,
        except_id_hash: Option<&str>,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<usize> {
        self.write(|t| accounts::delete_user_sessions(t, user, except_id_hash, actor, now))
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
        self.write(|t| declare(t, input, actor, now))
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
            let events = save_change(t, &change.incident, change.events, now)?;
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

    fn last_event(&self, stream: &str) -> StoreResult<Option<Event>> {
        self.read(|c| {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE org_id = ?1 AND stream = ?2
                 ORDER BY seq DESC LIMIT 1"
            );
            let mut statement = c.prepare(&sql)?;
            let mut rows = statement.query_map(params![ORG, stream], event_from_row)?;
            rows.next().map(|row| build_event(row?)).transpose()
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
        outcome: Result<Option<serde_json::Value>, String>,
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
        self.read(|c| paging::due(c, now, limit))
    }

    fn record_pages(&self, incident: u64, pages: &[StepPage], now: Timestamp) -> StoreResult<()> {
        self.write(|t| paging::record(t, incident, pages, now))
    }

    fn acknowledge(
        &self,
        incident: u64,
        actor: &str,
        via: firebreak_core::oncall::AckVia,
        now: Timestamp,
    ) -> StoreResult<Incident> {
        self.write(|t| paging::acknowledge(t, incident, actor, via, now))
    }

    fn page(&self, incident: u64) -> StoreResult<Option<PageState>> {
        self.read(|c| paging::page(c, incident))
    }

    fn recent_pages(&self, limit: usize) -> StoreResult<Vec<PageState>> {
        self.read(|c| paging::recent(c, limit))
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

#[cfg(test)]
mod tests;
