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
pub mod error;
pub mod export;
mod hardening;
pub mod limits;
pub mod listener;
mod notify;
pub mod passwords;
mod reports;
mod stall;
pub mod state;
pub mod throttle;
mod ui;

use crate::api::users::new_token;
use crate::error::ApiError;
use crate::state::{AppState, now};
use axum::Router;
use axum::routing::get;
use firebreak_core::auth::{Role, Scope};
use firebreak_core::checkpoint::{CheckpointSigner, parse_hex};
use firebreak_store::{BlobStore, SqliteStore, Store, StoreError, User};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

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
    #[error("{path} is not a Firebreak signing key (expected 64 hex characters)")]
    BadKey { path: PathBuf },
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
}

/// What a server needs before it can listen.
pub struct Prepared {
    pub state: AppState,
    /// Where the first admin token was written, on a fresh data directory.
    pub admin_token_file: Option<PathBuf>,
}

/// Opens `data_dir` (creating it and its database on first start), loads or
/// creates the signing key, and on an empty database creates the user `admin`
/// with a token written to `<data-dir>/admin-token` (mode 0600).
pub fn prepare(data_dir: &Path, signing_key: Option<&Path>) -> Result<Prepared, SetupError> {
    create_private_dir(data_dir).map_err(|source| SetupError::DataDir {
        path: data_dir.into(),
        source,
    })?;
    let key_path = signing_key.map_or_else(|| data_dir.join(SIGNING_KEY_FILE), Path::to_path_buf);
    let signer = load_or_create_key(&key_path)?;
    let public_path = data_dir.join(PUBLIC_KEY_FILE);
    write_private(&public_path, &format!("{}\n", signer.public_key_hex()))?;
    let database = data_dir.join(DATABASE_FILE);
    create_private_file(&database)?;
    let store = SqliteStore::open(&database)?;
    let mut admin_token_file = None;
    if store.user_count()? == 0 {
        store.create_user(&User {
            name: "admin".into(),
            role: Role::Admin,
            password_hash: None,
            created_at: now(),
        })?;
        let (record, secret) = new_token("admin", "first admin token", Scope::Write, None);
        store.create_token(&record)?;
        let path = data_dir.join(ADMIN_TOKEN_FILE);
        write_private(&path, &format!("{secret}\n"))?;
        admin_token_file = Some(path);
    }
    let blobs = BlobStore::open(&data_dir.join(BLOB_DIR))?;
    let mut state = AppState::new(Arc::new(store), Arc::new(blobs), Arc::new(signer));
    state.templates_dir = Some(data_dir.join(TEMPLATES_DIR));
    Ok(Prepared {
        state,
        admin_token_file,
    })
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

/// Creates the data directory (and missing parents) as 0700, and narrows an
/// existing one to 0700: it holds keys, tokens and evidence.
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)?;
    #[cfg(unix)]
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
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

fn write_private(path: &Path, contents: &str) -> Result<(), SetupError> {
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

fn load_or_create_key(path: &Path) -> Result<CheckpointSigner, SetupError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let secret: [u8; 32] = parse_hex(text.trim())
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| SetupError::BadKey { path: path.into() })?;
            Ok(CheckpointSigner::from_secret(secret))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = [0u8; 32];
            getrandom::getrandom(&mut secret).map_err(|e| SetupError::File {
                path: path.into(),
                source: std::io::Error::other(e.to_string()),
            })?;
            let signer = CheckpointSigner::from_secret(secret);
            write_private(
                path,
                &format!("{}\n", firebreak_core::timeline::hex(&signer.secret())),
            )?;
            Ok(signer)
        }
        Err(source) => Err(SetupError::File {
            path: path.into(),
            source,
        }),
    }
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
        .layer(axum::middleware::map_response(
            hardening::too_large_as_problem,
        ))
        .layer(axum::middleware::map_response(hardening::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` resolves within `state.connection_limits`, writing a checkpoint every
/// `checkpoint_interval` while chain heads move and checking regulatory
/// clocks every `clock_interval`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    checkpoint_interval: Duration,
    clock_interval: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let ticker_state = state.clone();
    let ticker = tokio::spawn(async move {
        let mut interval = tokio::time::interval(checkpoint_interval);
        interval.tick().await;
        loop {
            interval.tick().await;
            if let Err(error) = ticker_state.checkpoint("periodic".into(), false).await {
                tracing::error!(%error, "periodic checkpoint failed");
            }
        }
    });
    let clock_state = state.clone();
    let clocks = tokio::spawn(async move {
        let mut interval = tokio::time::interval(clock_interval);
        loop {
            interval.tick().await;
            if let Err(error) = api::regulatory::check_clocks(&clock_state).await {
                tracing::error!(%error, "checking regulatory clocks failed");
            }
        }
    });
    let limits = state.connection_limits;
    let result = listener::run(listener, router(state), limits, shutdown).await;
    ticker.abort();
    clocks.abort();
    result
}
