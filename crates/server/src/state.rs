//! What every handler shares: the store, the checkpoint signer, the channel
//! that carries control-state changes to streaming readers, and a way to run
//! blocking store calls off the async workers.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::listener::ConnectionLimits;
use crate::passwords::Passwords;
use crate::throttle::LoginLimits;
use firebreak_core::Timestamp;
use firebreak_core::checkpoint::CheckpointSigner;
use firebreak_core::control::{ControlState, Namespace};
use firebreak_core::lint::LintConfig;
use firebreak_core::regulatory::RegulatoryConfig;
use firebreak_store::{BlobStore, CheckpointRequest, Integration, Store, StoreError};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// A webhook for clock warnings, signed like control hooks.
#[derive(Debug, Clone)]
pub struct ClockHook {
    pub url: String,
    pub secret: String,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Evidence content and uploaded logs, by SHA-256.
    pub blobs: Arc<BlobStore>,
    /// Time zones, holiday calendars, closures and applicability dates of the
    /// regimes.
    pub regulatory: Arc<RegulatoryConfig>,
    /// Where regulatory clock warnings go (`serve --clock-webhook`).
    pub clock_hooks: Arc<Vec<ClockHook>>,
    /// The blameless-language word lists (`serve --lint-config`).
    pub lint: Arc<LintConfig>,
    /// The severity rubric (`serve --severity-rubric`).
    pub rubric: Arc<firebreak_core::severity::Rubric>,
    /// Where a deployment's own document templates live
    /// (`postmortem-<name>.md.j2`, `update-<name>.txt.j2`), overriding the
    /// built-in ones.
    pub templates_dir: Option<PathBuf>,
    /// Which severities need the communications lead's approval before a
    /// stakeholder update is sent (`serve --update-approval`).
    pub approval_rule: Arc<firebreak_core::oncall::ApprovalRule>,
    pub signer: Arc<CheckpointSigner>,
    /// Where every checkpoint is copied (`serve --witness`).
    pub witnesses: Arc<Vec<String>>,
    /// Every committed control-state change, for `…/control/stream` readers.
    pub control_changes: broadcast::Sender<ControlState>,
    /// Outbound calls: control hooks.
    pub http: reqwest::Client,
    pub caches: Arc<Caches>,
    /// Header-read timeout and connection cap of the listener (`serve` flags).
    pub connection_limits: ConnectionLimits,
    /// The argon2 gate: hashing on the blocking pool, a few at a time.
    pub passwords: Arc<Passwords>,
    pub login_limits: Arc<LoginLimits>,
    pub web: WebSettings,
    /// The monitors being run now (one run at a time each).
    pub monitor_runs: Arc<crate::monitors::Running>,
    /// How pages reach people (`serve --smtp-url`, `--slack-token`).
    pub page_channels: Arc<crate::paging::PageChannels>,
    /// Seals channel credentials at rest and opens them to deliver (D28).
    pub secrets: Arc<crate::secrets::SecretBox>,
}

/// How the server is reached by browsers (`serve --public-url`,
/// `--trust-forwarded-for`).
#[derive(Debug, Clone, Copy, Default)]
pub struct WebSettings {
    /// Cookies carry `Secure`: the server is reached over HTTPS, directly or
    /// through a TLS-terminating reverse proxy.
    pub secure_cookies: bool,
    /// Take the client address from the last `X-Forwarded-For` entry (only
    /// behind a reverse proxy that sets it).
    pub trust_forwarded_for: bool,
}

impl WebSettings {
    /// The attributes every cookie of ours carries.
    pub fn cookie_attributes(&self, path: &str) -> String {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        format!("HttpOnly; SameSite=Strict; Path={path}{secure}")
    }
}

/// How long a verified token is trusted without asking the store again.
/// Revoking through this server forgets it at once.
const TOKEN_CACHE_TTL: Duration = Duration::from_secs(5);

/// In-process caches for the hot read path serving code polls. The control
/// cache is updated on each change rather than expired: this server's own
/// changes, and those of other servers sharing a PostgreSQL database as their
/// notices arrive (`Store::subscribe`).
/// A verified caller, the token's expiry, and when it was verified.
type CachedToken = (Caller, Option<Timestamp>, Instant);

#[derive(Default)]
pub struct Caches {
    tokens: RwLock<HashMap<String, CachedToken>>,
    integrations: RwLock<HashMap<String, (Integration, Instant)>>,
    controls: RwLock<HashMap<(Namespace, String), ControlState>>,
}

impl Caches {
    pub fn token(&self, secret_hash: &str) -> Option<Caller> {
        let tokens = self.tokens.read().unwrap_or_else(|p| p.into_inner());
        let (caller, expires_at, cached_at) = tokens.get(secret_hash)?;
        let fresh = cached_at.elapsed() < TOKEN_CACHE_TTL && expires_at.is_none_or(|e| e > now());
        fresh.then(|| caller.clone())
    }

    pub fn remember_token(
        &self,
        secret_hash: String,
        caller: Caller,
        expires_at: Option<Timestamp>,
    ) {
        let mut tokens = self.tokens.write().unwrap_or_else(|p| p.into_inner());
        tokens.retain(|_, (_, _, cached_at)| cached_at.elapsed() < TOKEN_CACHE_TTL);
        tokens.insert(secret_hash, (caller, expires_at, Instant::now()));
    }

    pub fn forget_tokens(&self) {
        self.tokens
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// A verified integration by key hash, trusted like a token for a few
    /// seconds: alert sources send bursts.
    pub fn integration(&self, key_hash: &str) -> Option<Integration> {
        let integrations = self.integrations.read().unwrap_or_else(|p| p.into_inner());
        let (integration, cached_at) = integrations.get(key_hash)?;
        (cached_at.elapsed() < TOKEN_CACHE_TTL).then(|| integration.clone())
    }

    pub fn remember_integration(&self, key_hash: String, integration: Integration) {
        let mut integrations = self.integrations.write().unwrap_or_else(|p| p.into_inner());
        integrations.retain(|_, (_, cached_at)| cached_at.elapsed() < TOKEN_CACHE_TTL);
        integrations.insert(key_hash, (integration, Instant::now()));
    }

    pub fn forget_integrations(&self) {
        self.integrations
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub fn control(&self, namespace: Namespace, system: &str) -> Option<ControlState> {
        let controls = self.controls.read().unwrap_or_else(|p| p.into_inner());
        controls.get(&(namespace, system.to_string())).cloned()
    }

    /// Forgets every cached control state, so the next read asks the store.
    pub fn forget_controls(&self) {
        self.controls
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Keeps the newest version, whichever of a read and a change lands last.
    pub fn remember_control(&self, state: ControlState) {
        let mut controls = self.controls.write().unwrap_or_else(|p| p.into_inner());
        let key = (state.namespace, state.system.clone());
        if controls
            .get(&key)
            .is_none_or(|known| known.version <= state.version)
        {
            controls.insert(key, state);
        }
    }
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<BlobStore>,
        signer: Arc<CheckpointSigner>,
    ) -> Self {
        AppState {
            store,
            blobs,
            regulatory: Arc::new(RegulatoryConfig::default()),
            clock_hooks: Arc::new(Vec::new()),
            lint: Arc::new(LintConfig::default()),
            rubric: Arc::new(firebreak_core::severity::Rubric::default_rubric()),
            templates_dir: None,
            approval_rule: Arc::new(firebreak_core::oncall::ApprovalRule::default()),
            signer,
            witnesses: Arc::new(Vec::new()),
            control_changes: broadcast::channel(1024).0,
            http: reqwest::Client::builder()
                .user_agent(concat!("firebreak/", env!("CARGO_PKG_VERSION")))
                .timeout(Duration::from_secs(10))
                .build()
                .expect("the HTTP client builds with static settings"),
            caches: Arc::new(Caches::default()),
            connection_limits: ConnectionLimits::default(),
            passwords: Arc::new(Passwords::for_this_machine()),
            login_limits: Arc::new(LoginLimits::default()),
            web: WebSettings::default(),
            monitor_runs: Arc::new(crate::monitors::Running::default()),
            page_channels: Arc::new(crate::paging::PageChannels::default()),
            secrets: Arc::new(crate::secrets::SecretBox::random()),
        }
    }

    /// The control state serving code reads, from the cache when known.
    pub async fn control_state(
        &self,
        namespace: Namespace,
        system: String,
    ) -> Result<ControlState, ApiError> {
        if let Some(known) = self.caches.control(namespace, &system) {
            return Ok(known);
        }
        let state = self
            .run(move |store| store.control_state(namespace, &system))
            .await?;
        self.caches.remember_control(state.clone());
        Ok(state)
    }

    /// Content from the blob store, checked against its address: a file
    /// changed on disk is refused (409) as `what`, not served.
    pub fn read_blob(&self, sha256: &str, what: &str) -> Result<Vec<u8>, ApiError> {
        let (mut file, _) = self.blobs.open_blob(sha256)?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes)
            .map_err(|e| ApiError::Internal(format!("cannot read {what}: {e}")))?;
        if firebreak_core::timeline::sha256_hex(&bytes) != sha256 {
            return Err(ApiError::Conflict {
                message: format!("{what} no longer matches its SHA-256"),
                allowed: Vec::new(),
            });
        }
        Ok(bytes)
    }

    /// A post-mortem template's text: the deployment's file when it has one,
    /// else the built-in template of that name.
    pub fn template(&self, name: &str) -> Result<String, ApiError> {
        self.template_of(TemplateKind::Postmortem, name)
    }

    /// A template's text: the deployment's file
    /// (`<prefix>-<name>.<extension>` in its templates directory) when it
    /// has one, else the built-in template of that name; refused (422)
    /// naming the ones there are.
    pub fn template_of(&self, kind: TemplateKind, name: &str) -> Result<String, ApiError> {
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(ApiError::invalid(
                "template",
                "a template name is letters, digits, - and _",
            ));
        }
        if let Some(dir) = &self.templates_dir {
            let path = dir.join(kind.file_name(name));
            match std::fs::read_to_string(&path) {
                Ok(text) => return Ok(text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(ApiError::Internal(format!(
                        "cannot read {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        kind.builtin(name).map(str::to_string).ok_or_else(|| {
            ApiError::invalid(
                "template",
                format!(
                    "no template `{name}`; known: {}, or add {} to the templates directory",
                    self.template_names(kind).join(", "),
                    kind.file_name(name)
                ),
            )
        })
    }

    /// The names of the templates of `kind` there are: the built-in ones
    /// and the deployment's files, sorted.
    pub fn template_names(&self, kind: TemplateKind) -> Vec<String> {
        let mut names: Vec<String> = kind.builtins().iter().map(|(n, _)| n.to_string()).collect();
        let (prefix, extension) = kind.file_parts();
        let files = self
            .templates_dir
            .as_ref()
            .and_then(|dir| std::fs::read_dir(dir).ok())
            .into_iter()
            .flatten()
            .flatten();
        for file in files {
            let file_name = file.file_name();
            let name = file_name
                .to_str()
                .and_then(|f| f.strip_prefix(prefix)?.strip_suffix(extension));
            if let Some(name) = name
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_string());
            }
        }
        names.sort();
        names
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
        let witnesses = self.witnesses.clone();
        self.run(move |store| {
            let request = CheckpointRequest {
                reason: &reason,
                force,
                witnesses: &witnesses,
                rotation: None,
            };
            store.write_checkpoint(&signer, request, now()).map(|_| ())
        })
        .await
    }
}

/// The kinds of document a deployment's templates directory may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    /// `postmortem-<name>.md.j2`: Markdown.
    Postmortem,
    /// `update-<name>.txt.j2`: a stakeholder update, `Subject: …` first.
    Update,
}

impl TemplateKind {
    fn file_parts(self) -> (&'static str, &'static str) {
        match self {
            TemplateKind::Postmortem => ("postmortem-", ".md.j2"),
            TemplateKind::Update => ("update-", ".txt.j2"),
        }
    }

    fn file_name(self, name: &str) -> String {
        let (prefix, extension) = self.file_parts();
        format!("{prefix}{name}{extension}")
    }

    fn builtins(self) -> &'static [(&'static str, &'static str)] {
        match self {
            TemplateKind::Postmortem => &firebreak_report::postmortem::TEMPLATES,
            TemplateKind::Update => &firebreak_report::update::TEMPLATES,
        }
    }

    fn builtin(self, name: &str) -> Option<&'static str> {
        match self {
            TemplateKind::Postmortem => firebreak_report::postmortem::builtin_template(name),
            TemplateKind::Update => firebreak_report::update::builtin_template(name),
        }
    }
}

pub fn now() -> Timestamp {
    Timestamp::now()
}
