//! Firebreak's HTTP server: the JSON API (with its OpenAPI document), the
//! server-rendered web UI, authentication and the data directory it runs on.
//!
//! [`prepare`] opens the data directory (database, signing key, first admin);
//! [`router`] is the whole route table, which tests drive without a socket;
//! [`serve`] runs it on a listener with the periodic checkpoint task. Domain
//! rules live in `firebreak-core` and storage in `firebreak-store`; handlers only
//! authenticate, translate and call them.

pub mod api;
pub mod auth;
mod change_poll;
pub mod error;
pub mod export;
mod hardening;
mod hub_signature;
pub mod limits;
pub mod listener;
pub mod monitors;
mod notices;
mod notify;
mod outbox;
pub mod paging;
pub mod passwords;
mod plain_errors;
mod reports;
mod scheduler;
pub mod schema;
pub mod secrets;
pub mod signing;
mod stall;
pub mod state;
mod strict_json;
#[cfg(test)]
mod test_support;
pub mod throttle;
mod tickets;
mod triage;
mod ui;
pub mod witness;

use crate::api::users::new_token;
use crate::error::ApiError;
use crate::state::{AppState, now};
use axum::Router;
use axum::routing::get;
use firebreak_core::auth::{Role, Scope};
use firebreak_core::checkpoint::CheckpointSigner;
use firebreak_store::{
    BlobStore, CheckpointRequest, Notice, PostgresStore, RemoteBlobs, SqliteStore, Store,
    StoreError, User,
};
pub use scheduler::Schedule;
pub use signing::KeySource;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const DATABASE_FILE: &str = "firebreak.db";
/// The content-addressed blob store (D23).
pub const BLOB_DIR: &str = "blobs";
/// A deployment's own templates, e.g. `postmortem-default.md.j2`.
pub const TEMPLATES_DIR: &str = "templates";
pub const SIGNING_KEY_FILE: &str = "signing-key";
pub const PUBLIC_KEY_FILE: &str = "signing-key.pub";
pub const ADMIN_TOKEN_FILE: &str = "admin-token";
/// The HMAC secret of clock webhooks, made on first use.
pub const WEBHOOK_SECRET_FILE: &str = "webhook-secret";

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read or write {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{place} is not a Firebreak signing key (expected 64 hex characters)")]
    BadKey { place: String },
    #[error("the signing command `{command}` failed: {why}")]
    SigningCommand { command: String, why: String },
    #[error(
        "the newest checkpoint was signed by {newest}, but this server's key is {key}\nhint: to rotate keys, start with --previous-signing-key naming the old key, which endorses the new one"
    )]
    SignerChanged { newest: String, key: String },
    #[error("--previous-signing-key is {given}, but the newest checkpoint was signed by {newest}")]
    PreviousKeyMismatch { given: String, newest: String },
    #[error("{place} is not a Firebreak secret key (expected 64 hex characters)")]
    BadSecretKey { place: String },
    #[error("witness `{target}`: {why}")]
    Witness { target: String, why: String },
    #[error("cannot sign: {0}")]
    Sign(#[from] firebreak_core::checkpoint::SignError),
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Blobs(StoreError),
}

/// How a server starts: where its signing key is, the key it takes over
/// from, and where copies of its checkpoints go.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Default: `<data-dir>/signing-key`, made on first start.
    pub signing_key: Option<KeySource>,
    /// The key that signed the newest checkpoint, when `signing_key` replaces
    /// it: it endorses the new key in a rotation checkpoint.
    pub previous_signing_key: Option<KeySource>,
    /// Witness targets: `file:PATH` or an `http(s)://` URL.
    pub witnesses: Vec<String>,
    /// A PostgreSQL URL; the embedded SQLite file in the data directory when
    /// absent.
    pub database: Option<String>,
    /// An `s3://bucket/prefix` holding evidence content; the data
    /// directory's `blobs/` when absent.
    pub blob_store: Option<String>,
    /// The key sealing channel credentials, as hex (`FIREBREAK_SECRET_KEY`);
    /// `<data-dir>/secret-key` when absent, made on first start.
    pub secret_key: Option<String>,
}

/// What a server needs before it can listen.
pub struct Prepared {
    pub state: AppState,
    /// Where the first admin token was written, on a fresh data directory.
    pub admin_token_file: Option<PathBuf>,
    /// The signing key is a file inside the data directory it vouches for.
    pub key_inside_data_dir: bool,
    /// Whether this start rotated the signing key.
    pub rotated_from: Option<String>,
}

/// Opens `data_dir` (creating it and its database on first start), loads or
/// creates the signing key, and on an empty database creates the user `admin`
/// with a token written to `<data-dir>/admin-token` (mode 0600). A key other
/// than the one that signed the newest checkpoint is refused unless the old
/// key is given to endorse it.
pub fn prepare(data_dir: &Path, options: &StartOptions) -> Result<Prepared, SetupError> {
    create_private_dir(data_dir)?;
    for target in &options.witnesses {
        witness::WitnessTarget::parse(target).map_err(|why| SetupError::Witness {
            target: target.clone(),
            why,
        })?;
    }
    let source = options
        .signing_key
        .clone()
        .unwrap_or_else(|| KeySource::File(data_dir.join(SIGNING_KEY_FILE)));
    let signer = source.load()?;
    let public_path = data_dir.join(PUBLIC_KEY_FILE);
    write_private(&public_path, &format!("{}\n", signer.public_key_hex()))?;
    let store: Arc<dyn Store> = match &options.database {
        Some(url) => Arc::new(PostgresStore::connect(url)?),
        None => {
            let database = data_dir.join(DATABASE_FILE);
            create_private_file(&database)?;
            Arc::new(SqliteStore::open(&database)?)
        }
    };
    let rotated_from = rotate_if_needed(store.as_ref(), &signer, options)?;
    let mut admin_token_file = None;
    let first_admin = User {
        name: "admin".into(),
        role: Role::Admin,
        password_hash: None,
        created_at: now(),
    };
    // Another instance starting on the same database may create it first.
    let created = store.user_count()? == 0
        && match store.create_user(&first_admin, "firebreak") {
            Ok(()) => true,
            Err(StoreError::AlreadyExists(_)) => false,
            Err(error) => return Err(error.into()),
        };
    if created {
        let (record, secret) = new_token("admin", "first admin token", Scope::Write, None);
        store.create_token(&record, "firebreak")?;
        let path = data_dir.join(ADMIN_TOKEN_FILE);
        write_private(&path, &format!("{secret}\n"))?;
        admin_token_file = Some(path);
    }
    // Whatever was recorded before this start (the first admin, or events a
    // crash left unsigned) is signed before anything else happens.
    let request = CheckpointRequest {
        reason: "start",
        force: false,
        witnesses: &options.witnesses,
        rotation: None,
    };
    store.write_checkpoint(&signer, request, now())?;
    let blobs = open_blobs(data_dir, options.blob_store.as_deref())?;
    let secrets = secrets::SecretBox::load(data_dir, options.secret_key.as_deref())?;
    let mut state = AppState::new(store, Arc::new(blobs), Arc::new(signer));
    state.secrets = Arc::new(secrets);
    state.templates_dir = Some(data_dir.join(TEMPLATES_DIR));
    state.witnesses = Arc::new(options.witnesses.clone());
    Ok(Prepared {
        state,
        admin_token_file,
        key_inside_data_dir: source.is_inside(data_dir),
        rotated_from,
    })
}

/// The evidence content store: the data directory's `blobs/`, with the
/// bucket at `remote` behind it when one is given.
pub fn open_blobs(data_dir: &Path, remote: Option<&str>) -> Result<BlobStore, SetupError> {
    let local = BlobStore::open(&data_dir.join(BLOB_DIR)).map_err(SetupError::Blobs)?;
    Ok(match remote {
        Some(url) => {
            let remote = RemoteBlobs::connect(url, &[]).map_err(SetupError::Blobs)?;
            local.with_remote(Arc::new(remote))
        }
        None => local,
    })
}

/// When the newest checkpoint was signed by another key, writes a checkpoint
/// in which the previous key endorses this one; answers the old fingerprint.
fn rotate_if_needed(
    store: &dyn Store,
    signer: &CheckpointSigner,
    options: &StartOptions,
) -> Result<Option<String>, SetupError> {
    let Some(newest) = store.checkpoints()?.pop() else {
        return Ok(None);
    };
    let newest_signer = newest.body.signer;
    if newest_signer == signer.fingerprint() {
        return Ok(None);
    }
    let Some(previous) = &options.previous_signing_key else {
        return Err(SetupError::SignerChanged {
            newest: newest_signer,
            key: signer.fingerprint(),
        });
    };
    let previous = previous.load()?;
    if previous.fingerprint() != newest_signer {
        return Err(SetupError::PreviousKeyMismatch {
            given: previous.fingerprint(),
            newest: newest_signer,
        });
    }
    let rotation = previous.endorse(&signer.fingerprint())?;
    let request = CheckpointRequest {
        reason: "key rotation",
        force: true,
        witnesses: &options.witnesses,
        rotation: Some(&rotation),
    };
    store.write_checkpoint(signer, request, now())?;
    Ok(Some(newest_signer))
}

/// Creates the data directory (and missing parents) as 0700, and narrows an
/// existing one to 0700: it holds keys, tokens and evidence.
fn create_private_dir(path: &Path) -> Result<(), SetupError> {
    let failed = |source| SetupError::DataDir {
        path: path.into(),
        source,
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).map_err(failed)?;
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .map_err(failed)?;
    Ok(())
}

/// The secret that signs clock webhooks: read from the data directory, or
/// made (256 random bits, mode 0600) on first use.
pub fn webhook_secret(data_dir: &Path) -> Result<String, SetupError> {
    let path = data_dir.join(WEBHOOK_SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text.trim().to_string()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            getrandom::getrandom(&mut bytes).map_err(|e| SetupError::File {
                path: path.clone(),
                source: std::io::Error::other(e.to_string()),
            })?;
            let secret = firebreak_core::timeline::hex(&bytes);
            write_private(&path, &format!("{secret}\n"))?;
            Ok(secret)
        }
        Err(source) => Err(SetupError::File { path, source }),
    }
}

/// Creates an empty 0600 file unless one exists; SQLite then gives its WAL
/// and shared-memory files the same mode.
fn create_private_file(path: &Path) -> Result<(), SetupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(SetupError::File {
            path: path.into(),
            source,
        }),
    }
}

pub(crate) fn write_private(path: &Path, contents: &str) -> Result<(), SetupError> {
    let io = |source| SetupError::File {
        path: path.into(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io)?;
    file.write_all(contents.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

/// The whole route table.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .merge(api::routes())
        .merge(ui::routes())
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        // Extractors buffer up to the same limit the layer enforces on raw bodies.
        .layer(axum::extract::DefaultBodyLimit::max(
            limits::BODY_LIMIT_BYTES,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            limits::BODY_LIMIT_BYTES,
        ))
        .merge(api::evidence::upload_routes())
        .merge(ui::upload_routes())
        .layer(axum::middleware::from_fn(plain_errors::as_problems))
        .layer(axum::middleware::map_response(
            hardening::too_large_as_problem,
        ))
        .layer(axum::middleware::map_response(hardening::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves, within `state.connection_limits`, with
/// the periodic work of `schedule` on the one scheduler; on the way out it
/// signs a last checkpoint, so a clean stop leaves nothing unsigned, and
/// delivers its witness copies.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    schedule: Schedule,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Err(error) = state.store.subscribe(notices_for(&state)) {
        tracing::error!(%error, "cannot hear other servers sharing the database");
    }
    let scheduler = tokio::spawn(scheduler::run(state.clone(), schedule));
    let limits = state.connection_limits;
    let result = listener::run(listener, router(state.clone()), limits, shutdown).await;
    scheduler.abort();
    // Only the leader signs, so that checkpoints form one chain.
    if state.run(|store| store.lead()).await.unwrap_or(false) {
        if let Err(error) = state.checkpoint("shutdown".into(), false).await {
            tracing::error!(%error, "the checkpoint at shutdown failed");
        }
        outbox::deliver_due(&state).await;
    }
    result
}

/// What this server does with a notice from another server sharing its
/// database: control changes go to its cache and its stream readers at once;
/// access changes and resyncs drop what it cached.
fn notices_for(state: &AppState) -> firebreak_store::NoticeSink {
    let caches = state.caches.clone();
    let readers = state.control_changes.clone();
    Box::new(move |notice| match notice {
        Notice::Control { state: change } => notify::control_seen(&caches, &readers, change),
        Notice::AccessChanged => {
            caches.forget_tokens();
            caches.forget_integrations();
        }
        Notice::Resync => {
            caches.forget_tokens();
            caches.forget_integrations();
            caches.forget_controls();
        }
    })
}
