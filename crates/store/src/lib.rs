//! Firebreak's storage: the [`Store`] trait every backend implements, and the
//! embedded SQLite backend.
//!
//! The trait speaks only domain types, so callers never see SQL and a second
//! backend (PostgreSQL) can follow with the same conformance tests. A store
//! applies the domain's operations inside one transaction: it reads the record,
//! lets `firebreak-core` decide the change, then writes the new record and seals
//! the change's events onto the stream's hash chain before committing. A write
//! that returns `Ok` is on disk.

mod blob;
mod group_commit;
mod postgres;
mod relational;
mod sql;
mod sqlite;
#[cfg(test)]
mod test_backends;

use firebreak_core::alert::{Alert, AlertStatus, IncomingAlert, RoutingRule};
use firebreak_core::auth::{Role, Scope};
use firebreak_core::bundle::InclusionProof;
use firebreak_core::change::{ChangeEvent, ChangeOrigin, NewChange};
use firebreak_core::checkpoint::{Checkpoint, CheckpointSigner, KeyRotation};
use firebreak_core::control::{ContainmentRequest, ControlMode, ControlState, Namespace};
use firebreak_core::evidence::{CustodyAction, Evidence, NewEvidence};
use firebreak_core::incident::{Change, DeclareIncident, Incident, IncidentKind, Severity, Status};
use firebreak_core::monitor::{Monitor, MonitorRun, MonitorStatus};
use firebreak_core::oncall::{
    ContactMethods, EscalationPlan, EscalationPolicy, Schedule, StakeholderLists, StepKey,
    StepPage, Team,
};
use firebreak_core::rca::{Artifact, ArtifactKind};
use firebreak_core::system::{AiSystem, SystemDetails, SystemPatch};
use firebreak_core::timeline::{Event, EventDraft};
use firebreak_core::verify::Ledger;
use firebreak_core::{DomainError, Timestamp};
use serde::{Deserialize, Serialize};

pub use blob::{BlobRef, BlobStore, BlobWriter, RemoteBlobs, VerifiedRead, is_damage};
pub use postgres::{PostgresBackend, PostgresStore};
pub use relational::{Backend, Copied, SqlStore};
pub use sqlite::{SqliteBackend, SqliteStore};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    AlreadyExists(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("database error: {0}")]
    Backend(String),
    /// The database cannot be reached now (restarting, or every connection
    /// busy); the request may be retried.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    /// The object store holding evidence content cannot be reached now; the
    /// request may be retried.
    #[error("the evidence store is unavailable: {0}")]
    BlobsUnavailable(String),
    /// A storage setting (a URL, a key) is wrong; nothing was tried.
    #[error("{0}")]
    Setting(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub created_at: Timestamp,
}

/// A personal access token as stored: its secret only as a SHA-256 hash (D15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Public identifier, shown in listings and used to revoke.
    pub id: String,
    pub user: String,
    #[serde(skip)]
    pub secret_hash: String,
    pub scope: Scope,
    pub description: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl TokenRecord {
    pub fn is_usable(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub user: String,
    pub csrf_token: String,
    pub expires_at: Timestamp,
}

/// Filters for listing incidents; all given filters must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    pub statuses: Vec<Status>,
    pub severities: Vec<Severity>,
    pub system: Option<String>,
    pub kind: Option<IncidentKind>,
    /// Case-insensitive substring of title or summary.
    pub text: Option<String>,
}

/// Newest first; `after` is the cursor a previous page returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<u64>,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next_cursor: Option<u64>,
}

/// A source of alerts, authenticated by its key (stored as a SHA-256 hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Integration {
    pub id: String,
    pub name: String,
    pub source: firebreak_core::alert::AlertSource,
    #[serde(skip)]
    pub key_hash: String,
    pub rules: Vec<RoutingRule>,
    /// For generic sources: alert field → JSON pointer into the payload.
    pub mapping: std::collections::BTreeMap<String, String>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// An outbound webhook called when a system's control state changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlHook {
    pub id: String,
    pub system: String,
    pub url: String,
    /// The HMAC-SHA256 key the receiver checks signatures with.
    #[serde(skip)]
    pub secret: String,
    pub created_at: Timestamp,
}

/// What ingesting one alert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    /// `None` when the alert was ignored (acknowledge or resolve without an
    /// open alert, as PagerDuty does).
    pub alert: Option<Alert>,
    /// The incident it declared, if it declared one.
    pub declared: Option<Incident>,
}

/// A monitor run and everything that commits with it.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorRecord {
    pub monitor: String,
    /// The status the run started from; the record is refused when the
    /// stored watermark or run count moved since (another run got there).
    pub expected: MonitorStatus,
    /// The status after the run; `paused` is kept as stored.
    pub status: MonitorStatus,
    /// The run to store (its `seq` is assigned); None when nothing was
    /// checked (no new data, a failure being retried).
    pub run: Option<MonitorRun>,
    /// Alerts to ingest with the monitor's routing (source `monitor`).
    pub alerts: Vec<IncomingAlert>,
    /// The run's inputs (content already in the blob store), kept as
    /// evidence on the incident a newly raised breach alert is linked to.
    pub evidence: Vec<NewEvidence>,
    /// The finding body put on that incident's timeline; the store adds the
    /// evidence ids as `inputs`.
    pub finding: Option<serde_json::Value>,
}

/// What recording a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorRecorded {
    pub status: MonitorStatus,
    pub run: Option<MonitorRun>,
    pub outcomes: Vec<IngestOutcome>,
}

/// A domain operation on one incident, given the record and the inventory.
pub type IncidentOperation<'a> =
    &'a mut dyn FnMut(&Incident, &Inventory) -> Result<Change, DomainError>;

/// The inventory as an incident operation sees it: read in the same
/// transaction, and only when the operation asks (most do not, and on
/// PostgreSQL each read is a round trip made under the writers' lock).
pub struct Inventory<'a> {
    load: &'a dyn Fn() -> StoreResult<Vec<AiSystem>>,
    loaded: std::cell::OnceCell<StoreResult<Vec<AiSystem>>>,
}

impl<'a> Inventory<'a> {
    pub fn new(load: &'a dyn Fn() -> StoreResult<Vec<AiSystem>>) -> Self {
        Inventory {
            load,
            loaded: std::cell::OnceCell::new(),
        }
    }

    /// Every system, read on the first call. When the read fails, the
    /// operation sees none and the store answers the read's error instead
    /// of the operation's outcome (see [`Inventory::failure`]).
    pub fn systems(&self) -> &[AiSystem] {
        match self.loaded.get_or_init(|| (self.load)()) {
            Ok(systems) => systems,
            Err(_) => &[],
        }
    }

    /// Why the inventory could not be read, if it was asked for and could
    /// not be.
    pub fn failure(self) -> Option<StoreError> {
        self.loaded.into_inner().and_then(Result::err)
    }
}

/// A document that belongs to one incident and changes over its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// The regulatory record: questionnaire, clock triggers, decisions,
    /// reports and submissions.
    Regulatory,
    Postmortem,
    /// The stakeholder updates (`firebreak_core::oncall::Updates`).
    Updates,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Regulatory => "regulatory",
            DocumentKind::Postmortem => "postmortem",
            DocumentKind::Updates => "updates",
        }
    }

    /// A stored document as its domain type; None before the first change.
    pub fn decode<T: serde::de::DeserializeOwned>(
        self,
        document: Option<&serde_json::Value>,
    ) -> Result<Option<T>, DomainError> {
        document
            .map(|value| {
                serde_json::from_value(value.clone()).map_err(|e| {
                    DomainError::field(self.as_str(), format!("stored document unreadable: {e}"))
                })
            })
            .transpose()
    }

    /// A domain record as the document to store.
    pub fn encode<T: Serialize>(record: &T) -> serde_json::Value {
        serde_json::to_value(record).expect("incident documents serialize to JSON")
    }

    /// The stream of the document's own chain, e.g. `regulatory:INC-4`.
    pub fn stream(self, incident: &str) -> String {
        format!("{}:{incident}", self.as_str())
    }
}

/// What a change of an incident document produces: the new document, the
/// event that seals it on its own chain (exactly one, so the chain's last
/// state always matches the stored document), the events for the incident's
/// timeline, and optionally a change of the incident record made in the same
/// transaction.
pub struct DocumentChange {
    pub document: serde_json::Value,
    pub own: EventDraft,
    pub announced: Vec<EventDraft>,
    pub incident: Option<Change>,
    /// Messages the change sends, queued in its transaction (D26).
    pub messages: Vec<OutgoingMessage>,
}

/// A message for the outbox, queued with the change that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// E.g. `hook:clock`.
    pub channel: String,
    pub target: String,
    pub payload: String,
    /// With the target, what makes the message unique.
    pub idempotency_key: String,
    /// The incident whose timeline records each attempt.
    pub incident: Option<u64>,
}

impl DocumentChange {
    /// A change recorded by one event, sealed on the document's chain and
    /// announced on the incident's.
    pub fn with_event(document: serde_json::Value, event: EventDraft) -> DocumentChange {
        DocumentChange {
            document,
            own: event.clone(),
            announced: vec![event],
            incident: None,
            messages: Vec::new(),
        }
    }
}

impl DocumentChange {
    /// A change of an incident's stakeholder updates: the updates sealed
    /// on their own chain (`updates:INC-<n>`), the change announced on the
    /// incident's timeline, and for a sent update one message per
    /// recipient, queued in the same transaction (D26) on
    /// `update:email` or `update:slack`.
    pub fn stakeholder_update(
        incident: &Incident,
        change: firebreak_core::oncall::UpdateChange,
    ) -> DocumentChange {
        let update = &change.update;
        let messages = if update.status == firebreak_core::oncall::UpdateStatus::Sent {
            update
                .recipients
                .iter()
                .map(|recipient| {
                    let contact = serde_json::json!(recipient.contact);
                    let contact = contact.as_str().unwrap_or_default();
                    let payload = serde_json::json!({
                        "incident": incident.public_id(),
                        "update": update.id,
                        "audience": update.audience,
                        "subject": update.subject,
                        "body": update.body,
                        "contact": contact,
                    });
                    OutgoingMessage {
                        channel: format!("{UPDATE_CHANNEL_PREFIX}{contact}"),
                        target: recipient.address.clone(),
                        payload: payload.to_string(),
                        idempotency_key: format!(
                            "update:{}:{}:{contact}",
                            incident.public_id(),
                            update.id
                        ),
                        incident: Some(incident.number),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        DocumentChange {
            messages,
            ..DocumentChange::with_event(DocumentKind::encode(&change.updates), change.event)
        }
    }
}

/// A domain operation on an incident document, given the incident and the
/// current document (None before the first change).
pub type DocumentOperation<'a> =
    &'a mut dyn FnMut(&Incident, Option<&serde_json::Value>) -> Result<DocumentChange, DomainError>;

pub trait Store: Send + Sync {
    fn user_count(&self) -> StoreResult<u64>;
    /// Each change to users, tokens, sessions, integrations and hooks is
    /// sealed on that record's own audit chain (`user:<name>`, `token:<id>`,
    /// `session:<id>`, `integration:<id>`, `hook:<id>`) by `actor`.
    fn create_user(&self, user: &User, actor: &str) -> StoreResult<()>;
    fn find_user(&self, name: &str) -> StoreResult<Option<User>>;
    fn list_users(&self) -> StoreResult<Vec<User>>;
    fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<()>;

    fn create_token(&self, token: &TokenRecord, actor: &str) -> StoreResult<()>;
    /// The token with this secret hash and its user, usable or not.
    fn find_token(&self, secret_hash: &str) -> StoreResult<Option<(TokenRecord, User)>>;
    fn list_tokens(&self, user: Option<&str>) -> StoreResult<Vec<TokenRecord>>;
    fn revoke_token(&self, id: &str, actor: &str, now: Timestamp) -> StoreResult<TokenRecord>;

    fn create_session(&self, session: &SessionRecord, now: Timestamp) -> StoreResult<()>;
    fn find_session(
        &self,
        id_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(SessionRecord, User)>>;
    fn delete_session(&self, id_hash: &str, now: Timestamp) -> StoreResult<()>;
    /// Ends every session of `user` but the one hashed `except_id_hash`
    /// (after a password change), each sealed on its chain by `actor`;
    /// returns how many ended.
    fn delete_user_sessions(
        &self,
        user: &str,
        except_id_hash: Option<&str>,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<usize>;

    fn list_systems(&self) -> StoreResult<Vec<AiSystem>>;
    fn get_system(&self, slug: &str) -> StoreResult<AiSystem>;
    fn register_system(
        &self,
        slug: &str,
        details: SystemDetails,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<AiSystem>;
    fn update_system(
        &self,
        slug: &str,
        patch: SystemPatch,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<AiSystem>;

    fn declare_incident(
        &self,
        input: DeclareIncident,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Incident>;
    /// Runs `operation` on the incident in one transaction and keeps its
    /// result; answers the record and the events this change sealed.
    fn change_incident(
        &self,
        number: u64,
        operation: IncidentOperation<'_>,
        now: Timestamp,
    ) -> StoreResult<(Incident, Vec<Event>)>;
    fn get_incident(&self, number: u64) -> StoreResult<Incident>;
    fn list_incidents(
        &self,
        filter: &IncidentFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Incident>>;
    fn all_incidents(&self) -> StoreResult<Vec<Incident>>;

    /// The events of one stream, e.g. `INC-3` or `system:scoring`, in order.
    fn events(&self, stream: &str) -> StoreResult<Vec<Event>>;
    /// The newest event of `stream`, if it has any.
    fn last_event(&self, stream: &str) -> StoreResult<Option<Event>>;
    /// At most `limit` events of `stream` after `after_seq`, in order.
    fn events_page(
        &self,
        stream: &str,
        after_seq: Option<u64>,
        limit: usize,
    ) -> StoreResult<Vec<Event>>;

    /// Signs and stores a checkpoint over the event log, unless nothing has
    /// been recorded since the last one and `force` is false, and queues it
    /// for each of `witnesses` in the same transaction.
    fn write_checkpoint(
        &self,
        signer: &CheckpointSigner,
        request: CheckpointRequest<'_>,
        now: Timestamp,
    ) -> StoreResult<Option<Checkpoint>>;
    fn checkpoints(&self) -> StoreResult<Vec<Checkpoint>>;
    /// Proofs that each of `events` (stream, seq) is in the log of the
    /// checkpoint that covers `log_size` events.
    fn inclusion_proofs(
        &self,
        log_size: u64,
        events: &[(String, u64)],
    ) -> StoreResult<Vec<InclusionProof>>;

    /// Everything verification needs, read in one consistent snapshot.
    fn ledger(&self) -> StoreResult<Ledger>;

    /// Outbound messages due at `now`, oldest first.
    fn due_messages(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<OutboxMessage>>;
    /// Records one delivery attempt: delivered (with what the receiver
    /// answered that the incident's timeline keeps, e.g. the Slack channel
    /// a notice created), or failed with a reason and the time of the next
    /// attempt (None gives up).
    fn message_attempted(
        &self,
        id: u64,
        outcome: Result<Option<serde_json::Value>, String>,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Every outbound message of `channel`, newest first, at most `limit`.
    fn messages(&self, channel: &str, limit: usize) -> StoreResult<Vec<OutboxMessage>>;

    /// Saves an on-call entry (validated, references checked) and seals it
    /// on its chain; answers whether it is new.
    fn save_oncall(&self, entry: &OncallEntry, actor: &str, now: Timestamp) -> StoreResult<bool>;
    /// Removes an entry, refused (409) while another entry names it.
    fn remove_oncall(
        &self,
        kind: OncallKind,
        slug: &str,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Every on-call entry, read in one snapshot.
    fn oncall(&self) -> StoreResult<OncallConfig>;
    /// Escalations with a step due by `now`, oldest first.
    fn due_pages(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<PageState>>;
    /// Records the steps paged for an incident in one transaction: their
    /// messages queued in the outbox, a timeline event each, the steps
    /// marked sent and the next due time (None: nothing left), which the
    /// store works out from the plan it holds. Only steps `oncall::due_now`
    /// still names inside the transaction are recorded: one already sent,
    /// or one of a page acknowledged or resolved or re-planned since, is
    /// left out, so a step is never paged twice nor after the
    /// acknowledgement.
    fn record_pages(&self, incident: u64, pages: &[StepPage], now: Timestamp) -> StoreResult<()>;
    /// `actor` takes the page of `incident` (`oncall::acknowledge`): the
    /// incident records it, escalation stops and page messages not yet
    /// sent are withdrawn, in one transaction.
    fn acknowledge(
        &self,
        incident: u64,
        actor: &str,
        via: firebreak_core::oncall::AckVia,
        now: Timestamp,
    ) -> StoreResult<Incident>;
    /// An incident's escalation, if it was paged.
    fn page(&self, incident: u64) -> StoreResult<Option<PageState>>;
    /// The escalations of the `limit` newest paged incidents, newest first
    /// (the page log).
    fn recent_pages(&self, limit: usize) -> StoreResult<Vec<PageState>>;

    /// Records that stored content no longer matches `sha256`: on the chain
    /// of every evidence item holding it and on its incident's timeline.
    fn record_damaged_content(
        &self,
        sha256: &str,
        problem: &str,
        now: Timestamp,
    ) -> StoreResult<Vec<String>>;

    /// The control state of a registered system (normal until first changed).
    fn control_state(&self, namespace: Namespace, system: &str) -> StoreResult<ControlState>;
    fn control_states(&self, namespace: Namespace) -> StoreResult<Vec<ControlState>>;
    /// A containment action on an incident: the incident's events and the new
    /// control state, committed together.
    fn contain(
        &self,
        number: u64,
        request: &ContainmentRequest,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<(Incident, ControlState)>;
    /// A change outside any incident (`firebreak control set`).
    fn set_control(
        &self,
        namespace: Namespace,
        system: &str,
        mode: ControlMode,
        reason: &str,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<ControlState>;

    fn add_control_hook(&self, hook: &ControlHook, actor: &str) -> StoreResult<()>;
    fn control_hooks(&self, system: Option<&str>) -> StoreResult<Vec<ControlHook>>;
    fn delete_control_hook(&self, id: &str, actor: &str, now: Timestamp) -> StoreResult<()>;

    fn create_integration(&self, integration: &Integration, actor: &str) -> StoreResult<()>;
    fn integrations(&self) -> StoreResult<Vec<Integration>>;
    /// The usable integration with this key hash.
    fn find_integration(&self, key_hash: &str) -> StoreResult<Option<Integration>>;
    fn revoke_integration(&self, id: &str, actor: &str, now: Timestamp)
    -> StoreResult<Integration>;
    /// Records an alert, deduplicated, and routes it: declare or attach to an
    /// incident per the integration's rules, all in one transaction.
    fn ingest_alert(
        &self,
        integration: &Integration,
        alert: IncomingAlert,
        now: Timestamp,
    ) -> StoreResult<IngestOutcome>;
    /// Newest first; only open ones when `open_only`.
    fn alerts(&self, open_only: bool, limit: usize) -> StoreResult<Vec<Alert>>;
    /// Links an alert to an incident by a person's choice (a proposal of an
    /// alert upstream taken); 409 when it already belongs to one.
    fn link_alert(
        &self,
        alert: u64,
        incident: u64,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Alert>;
    /// A person acknowledges or resolves an alert (`AlertStatus::set_by_hand`);
    /// an incident it belongs to records it on its timeline.
    fn set_alert_status(
        &self,
        alert: u64,
        status: AlertStatus,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Alert>;
    /// Declares an incident from an alert and links the alert to it, in one
    /// transaction: 409, and nothing declared, when the alert already
    /// belongs to an incident.
    fn declare_from_alert(
        &self,
        alert: u64,
        input: DeclareIncident,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<(Incident, Alert)>;

    /// Stores a new monitor; its name is unique.
    fn create_monitor(&self, monitor: &Monitor) -> StoreResult<()>;
    /// Every monitor, or those of one system, by name.
    fn monitors(&self, system: Option<&str>) -> StoreResult<Vec<Monitor>>;
    fn monitor(&self, name: &str) -> StoreResult<Monitor>;
    /// Pauses or resumes; a resumed monitor is due at once.
    fn set_monitor_paused(&self, name: &str, paused: bool, now: Timestamp) -> StoreResult<Monitor>;
    /// Removes a monitor and its runs; its alerts stay.
    fn delete_monitor(&self, name: &str) -> StoreResult<()>;
    /// Records a run in one transaction: the new status (watermark, state,
    /// next due time), the run, its alerts through ingest, and its evidence
    /// and finding on the incident a new breach alert is linked to. Refused
    /// with a conflict when the stored status is no longer `expected`'s.
    fn record_monitor_run(
        &self,
        record: MonitorRecord,
        now: Timestamp,
    ) -> StoreResult<MonitorRecorded>;
    /// The newest `limit` runs, oldest first.
    fn monitor_runs(&self, name: &str, limit: usize) -> StoreResult<Vec<MonitorRun>>;

    /// Changes an incident document in one transaction with its events.
    fn change_document(
        &self,
        number: u64,
        kind: DocumentKind,
        operation: DocumentOperation<'_>,
        now: Timestamp,
    ) -> StoreResult<(Incident, serde_json::Value)>;
    fn document(&self, number: u64, kind: DocumentKind) -> StoreResult<Option<serde_json::Value>>;
    /// Every incident's document of `kind`, with the incident.
    fn documents(&self, kind: DocumentKind) -> StoreResult<Vec<(Incident, serde_json::Value)>>;

    /// Records newly collected evidence (its content already in the blob
    /// store) on `incident` as the next `EV-<n>`.
    fn add_evidence(
        &self,
        incident: u64,
        new: NewEvidence,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Evidence>;
    /// One step in an item's chain of custody.
    fn evidence_custody(
        &self,
        id: &str,
        action: CustodyAction,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Evidence>;
    fn evidence(&self, id: &str) -> StoreResult<Evidence>;
    fn incident_evidence(&self, incident: u64) -> StoreResult<Vec<Evidence>>;
    /// Whether an item not disposed of still holds this content, so that
    /// disposal removes the bytes only when nothing else needs them.
    fn content_in_use(&self, sha256: &str) -> StoreResult<bool>;
    /// The SHA-256 of every item's content not disposed of, each once.
    fn live_content(&self) -> StoreResult<Vec<String>>;

    /// Saves a new version of an RCA artifact of `owner` (`INC-<n>` or
    /// `system:<slug>`), sealed on its own chain and announced on the owner's.
    fn save_artifact(
        &self,
        owner: &str,
        kind: ArtifactKind,
        name: &str,
        body: serde_json::Value,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<Artifact>;
    fn artifacts(&self, owner: &str) -> StoreResult<Vec<Artifact>>;
    fn artifact(&self, owner: &str, kind: ArtifactKind, name: &str) -> StoreResult<Artifact>;

    /// Records a change on a system as the next `CH-<n>`, sealed on its own
    /// chain. A change whose `external_id` is already recorded is not
    /// recorded again: the stored one is answered, with `false`.
    fn record_change(
        &self,
        change: NewChange,
        origin: ChangeOrigin,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<(ChangeEvent, bool)>;
    /// Changes newest first (by when they took effect).
    fn changes(&self, query: &ChangeQuery) -> StoreResult<Vec<ChangeEvent>>;
    fn change(&self, id: &str) -> StoreResult<ChangeEvent>;
    /// Saves a webhook source of changes; `true` when it is new.
    fn save_change_source(
        &self,
        source: &StoredChangeSource,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;
    fn change_source(&self, slug: &str) -> StoreResult<StoredChangeSource>;
    fn change_sources(&self) -> StoreResult<Vec<StoredChangeSource>>;
    fn remove_change_source(&self, slug: &str, actor: &str, now: Timestamp) -> StoreResult<()>;
    /// Records what one poll of an MLflow source found, and where its
    /// registry stood, in one transaction.
    fn record_poll(
        &self,
        slug: &str,
        changes: Vec<NewChange>,
        registry: firebreak_core::change::mlflow::RegistryState,
        now: Timestamp,
    ) -> StoreResult<Vec<ChangeEvent>>;

    /// Hands `deliver` what other servers sharing this database commit
    /// (control changes, access changes), on a thread of the store's own,
    /// until the store is dropped. A database only one server uses (SQLite)
    /// has nothing to deliver.
    fn subscribe(&self, deliver: NoticeSink) -> StoreResult<()>;
    /// Whether this server runs the periodic work now (checkpoints, clocks,
    /// the outbox): one server at a time among those sharing the database,
    /// another taking over when it dies. Always true on SQLite.
    fn lead(&self) -> StoreResult<bool>;
}

/// What one server tells the others sharing its database, sent with the
/// transaction that made the change (so only once it is committed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// A system's control state changed.
    Control { state: ControlState },
    /// A user, token, session, integration or hook changed: cached
    /// credentials must be checked again.
    AccessChanged,
    /// The listener reconnected and may have missed notices: cached state
    /// must be read again.
    Resync,
}

/// Where a store delivers notices.
pub type NoticeSink = Box<dyn Fn(Notice) + Send + Sync>;

/// What a checkpoint is written for, and where its copies go.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointRequest<'a> {
    /// Why it was written, e.g. "status change INC-4" or "periodic".
    pub reason: &'a str,
    /// Write one even when nothing was recorded since the last.
    pub force: bool,
    /// Witness targets (e.g. `file:/mnt/witness/firebreak.jsonl` or an
    /// `https://` URL) that each get a copy through the outbox.
    pub witnesses: &'a [String],
    /// The old key's endorsement, on the first checkpoint of a new key.
    pub rotation: Option<&'a KeyRotation>,
}

/// A message waiting in, or delivered from, the outbox (D26).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    pub id: u64,
    /// What kind of message, e.g. `witness`.
    pub channel: String,
    pub target: String,
    pub payload: String,
    /// The same for every attempt, so a receiver can drop repeats.
    pub idempotency_key: String,
    pub created_at: Timestamp,
    pub attempts: u32,
    pub delivered_at: Option<Timestamp>,
    pub last_error: Option<String>,
    /// The incident whose timeline records each attempt (pages).
    pub incident: Option<u64>,
}

/// One on-call entry to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OncallEntry {
    Schedule(Schedule),
    Policy(EscalationPolicy),
    Team(Team),
    /// How a user (who must exist) is reached.
    Contacts {
        user: String,
        methods: ContactMethods,
    },
    /// The policy that pages for a system's incidents.
    SystemPolicy {
        system: String,
        policy: String,
    },
    /// An outbound channel with its credential, sealed by the caller (D28).
    Channel(StoredChannel),
    /// Who hears of a system's incidents, by audience.
    Stakeholders {
        system: String,
        lists: StakeholderLists,
    },
}

/// An outbound channel as stored: the store never sees its credential in
/// the clear; the server seals it before saving and opens it to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChannel {
    #[serde(flatten)]
    pub channel: firebreak_core::oncall::Channel,
    pub sealed_credential: String,
    /// A tracker's webhook secret, sealed like the credential: what signs
    /// the tracker's calls to Firebreak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_webhook_secret: Option<String>,
}

/// The kinds of on-call entry, as stored and in chain names
/// (`oncall:<kind>:<slug>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OncallKind {
    Schedule,
    Policy,
    Team,
    Contacts,
    SystemPolicy,
    Channel,
    Stakeholders,
}

impl OncallKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OncallKind::Schedule => "schedule",
            OncallKind::Policy => "policy",
            OncallKind::Team => "team",
            OncallKind::Contacts => "contacts",
            OncallKind::SystemPolicy => "system_policy",
            OncallKind::Channel => "channel",
            OncallKind::Stakeholders => "stakeholders",
        }
    }
}

impl OncallEntry {
    pub fn kind(&self) -> OncallKind {
        match self {
            OncallEntry::Schedule(_) => OncallKind::Schedule,
            OncallEntry::Policy(_) => OncallKind::Policy,
            OncallEntry::Team(_) => OncallKind::Team,
            OncallEntry::Contacts { .. } => OncallKind::Contacts,
            OncallEntry::SystemPolicy { .. } => OncallKind::SystemPolicy,
            OncallEntry::Channel(_) => OncallKind::Channel,
            OncallEntry::Stakeholders { .. } => OncallKind::Stakeholders,
        }
    }

    /// The entry's key within its kind.
    pub fn slug(&self) -> &str {
        match self {
            OncallEntry::Schedule(s) => &s.slug,
            OncallEntry::Policy(p) => &p.slug,
            OncallEntry::Team(t) => &t.slug,
            OncallEntry::Contacts { user, .. } => user,
            OncallEntry::SystemPolicy { system, .. } => system,
            OncallEntry::Channel(c) => &c.channel.slug,
            OncallEntry::Stakeholders { system, .. } => system,
        }
    }
}

/// Which changes to read: of these systems (all when empty), taking effect
/// between `from` and `until`, newest first, at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeQuery {
    pub systems: Vec<String>,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub limit: usize,
}

/// A webhook source of changes as stored: the store never sees its secret
/// in the clear; the server seals it before saving and opens it to check a
/// delivery (D28).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChangeSource {
    #[serde(flatten)]
    pub source: firebreak_core::change::webhook::ChangeSource,
    /// Empty when the source has no secret (an MLflow server without auth).
    pub sealed_secret: String,
    /// An MLflow source: where the registry's pointers stood at the last
    /// poll.
    #[serde(default, skip_serializing_if = "is_unpolled")]
    pub registry: firebreak_core::change::mlflow::RegistryState,
}

fn is_unpolled(state: &firebreak_core::change::mlflow::RegistryState) -> bool {
    !state.polled
}

/// Every on-call entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OncallConfig {
    pub schedules: Vec<Schedule>,
    pub policies: Vec<EscalationPolicy>,
    pub teams: Vec<Team>,
    /// User → how they are reached.
    pub contacts: std::collections::BTreeMap<String, ContactMethods>,
    /// System → the slug of its policy.
    pub system_policies: std::collections::BTreeMap<String, String>,
    /// Outbound channels, in slug order.
    pub channels: Vec<StoredChannel>,
    /// System → its stakeholder lists.
    pub stakeholders: std::collections::BTreeMap<String, StakeholderLists>,
}

/// One incident's escalation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageState {
    pub incident: Incident,
    pub plan: EscalationPlan,
    /// The steps already paged.
    pub sent: Vec<StepKey>,
    /// When the scheduler looks again; None when nothing is left.
    pub next_due: Option<Timestamp>,
}

/// Outbox channels of page messages start with this, e.g. `page:email`.
pub const PAGE_CHANNEL_PREFIX: &str = "page:";

/// Outbox channels of role notifications start with this, e.g.
/// `role:email`; the target is the user's address.
pub const ROLE_CHANNEL_PREFIX: &str = "role:";

/// Outbox channels of stakeholder updates start with this, e.g.
/// `update:email`; the target is the recipient's address.
pub const UPDATE_CHANNEL_PREFIX: &str = "update:";

/// Outbox channels of notices to outbound channels start with this, e.g.
/// `notice:pagerduty`; the message's target is the channel's slug.
pub const NOTICE_CHANNEL_PREFIX: &str = "notice:";

/// The outbox channel of what action items ask of their trackers (make a
/// ticket, reopen it); the target is the tracker channel's slug.
pub const TICKET_CHANNEL: &str = "notice:ticket";

/// How many times the outbox tries a page, a notice or a webhook call
/// before it gives up (witness copies are tried until they arrive).
pub const MAX_ATTEMPTS: u32 = 5;

/// Outbox channels of signed webhooks start with this: `hook:control` (the
/// target is the control hook's id) and `hook:clock` (the target is the
/// clock webhook's URL).
pub const HOOK_CHANNEL_PREFIX: &str = "hook:";
pub const CONTROL_HOOK_CHANNEL: &str = "hook:control";
pub const CLOCK_HOOK_CHANNEL: &str = "hook:clock";

/// The outbox channel of checkpoint copies for witnesses.
pub const WITNESS_CHANNEL: &str = "witness";

/// The stream name of an inventory entry's audit chain.
pub fn system_stream(slug: &str) -> String {
    format!("system:{slug}")
}
