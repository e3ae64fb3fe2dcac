//! What every handler shares: the store, the checkpoint signer, the channel
//! that carries control-state changes to streaming readers, and a way to run
//! blocking store calls off the async workers.

use crate::error::ApiError;
use firebreak_core::Timestamp;
use firebreak_core::checkpoint::CheckpointSigner;
use firebreak_core::control::ControlState;
use firebreak_store::{Store, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub signer: Arc<CheckpointSigner>,
    /// Every committed control-state change, for `…/control/stream` readers.
    pub control_changes: broadcast::Sender<ControlState>,
    /// Outbound calls: control hooks.
    pub http: reqwest::Client,
    /// The first retry delay of a failed hook call; it doubles each time.
    pub hook_backoff: Duration,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, signer: Arc<CheckpointSigner>) -> Self {
        AppState {
            store,
            signer,
            control_changes: broadcast::channel(1024).0,
            http: reqwest::Client::builder()
                .user_agent(concat!("firebreak/", env!("CARGO_PKG_VERSION")))
                .timeout(Duration::from_secs(10))
                .build()
                .expect("the HTTP client builds with static settings"),
            hook_backoff: Duration::from_millis(500),
        }
    }

    /// Runs a store call on the blocking pool: SQLite commits wait for fsync.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || work(store.as_ref()))
            .await
            .map_err(|e| ApiError::Internal(format!("store task failed: {e}")))?
            .map_err(ApiError::from)
    }

    /// Signs a checkpoint over all chain heads now, e.g. after a status change
    /// (D18), so that cutting off the newest events is caught.
    pub async fn checkpoint(&self, reason: String, force: bool) -> Result<(), ApiError> {
        let signer = self.signer.clone();
        self.run(move |store| {
            store
                .write_checkpoint(&signer, &reason, force, now())
                .map(|_| ())
        })
        .await
    }
}

pub fn now() -> Timestamp {
    Timestamp::now()
}
