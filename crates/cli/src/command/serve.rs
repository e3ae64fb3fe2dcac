//! `firebreak serve`: opens the data directory and runs the server until
//! interrupted.

use crate::InputError;
use crate::cli::ServeArgs;
use anyhow::{Context, Result};
use firebreak_core::lint::LintConfig;
use firebreak_core::regulatory::{RegimeTable, RegulatoryConfig};
use firebreak_server::listener::ConnectionLimits;
use firebreak_server::paging::{PageChannels, SlackSettings, SmtpSettings};
use firebreak_server::state::{ClockHook, WebSettings};
use firebreak_server::{KeySource, Schedule, StartOptions};
use std::sync::Arc;
use std::time::Duration;

/// Buffers of a MiB or more (a monitor run's decoded columns) go back to the
/// system when freed. Otherwise glibc raises its mmap threshold after the
/// first such free and keeps them in per-thread arenas, so a scheduling
/// round's peak grows by what each blocking thread once held:
/// bench/monitors measured 1503 MiB for 100 monitors, 698 MiB with this, at
/// 50 s instead of 41 s for the round. `MALLOC_MMAP_THRESHOLD_`, when set,
/// wins.
fn return_large_frees() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        const THRESHOLD: libc::c_int = 1 << 20;
        // SAFETY: mallopt takes plain integers and touches no memory of ours.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
        }
    }
}

pub async fn run(args: ServeArgs) -> Result<()> {
    return_large_frees();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FIREBREAK_LOG")
                .unwrap_or_else(|_| "firebreak=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let data_dir = &args.data_dir.data_dir;
    let options = start_options(&args);
    // Opening the database may block (PostgreSQL's client runs its own I/O).
    let mut prepared = {
        let (dir, options) = (data_dir.clone(), options.clone());
        tokio::task::spawn_blocking(move || firebreak_server::prepare(&dir, &options))
            .await
            .context("the start-up task failed")?
    }
    .with_context(|| match &options.database {
        Some(_) => format!(
            "cannot start with data directory {} and the PostgreSQL database",
            data_dir.display()
        ),
        None => format!("cannot start with data directory {}", data_dir.display()),
    })?;
    if let Some(path) = &args.regulatory_config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))?;
        let config: RegulatoryConfig = serde_json::from_str(&text)
            .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
        config
            .check(RegimeTable::builtin())
            .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
        prepared.state.regulatory = Arc::new(config);
    }
    if let Some(path) = &args.lint_config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))?;
        let config: LintConfig = serde_json::from_str(&text)
            .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
        prepared.state.lint = Arc::new(config);
    }
    if let Some(path) = &args.severity_rubric {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))?;
        let rubric = firebreak_core::severity::Rubric::parse(&text)
            .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
        prepared.state.rubric = Arc::new(rubric);
    }
    // Clock webhooks and pages to users' webhooks are signed with it.
    let webhook_secret = firebreak_server::webhook_secret(data_dir)
        .context("cannot read or create the webhook secret")?;
    if !args.clock_webhooks.is_empty() {
        let secret = webhook_secret.clone();
        prepared.state.clock_hooks = Arc::new(
            args.clock_webhooks
                .iter()
                .map(|url| ClockHook {
                    url: url.clone(),
                    secret: secret.clone(),
                })
                .collect(),
        );
    }
    prepared.state.page_channels = Arc::new(page_channels(&args, webhook_secret)?);
    prepared.state.approval_rule = Arc::new(args.update_approval.clone());
    prepared.state.connection_limits = ConnectionLimits {
        max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        header_read_timeout: Duration::from_secs(args.header_timeout),
        stall_timeout: Duration::from_secs(args.stall_timeout),
    };
    prepared.state.web = WebSettings {
        secure_cookies: secure_cookies(args.public_url.as_deref())?,
        trust_forwarded_for: args.trust_forwarded_for,
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener
        .local_addr()
        .context("cannot read the listening address")?;
    println!("Firebreak listening on http://{address}");
    println!("data directory: {}", data_dir.display());
    if let Some(remote) = prepared.state.blobs.remote() {
        println!("evidence content: {}", remote.location());
    }
    if options.database.is_some() {
        println!("database: PostgreSQL");
    }
    println!(
        "checkpoint signing key fingerprint: {}",
        prepared.state.signer.fingerprint()
    );
    if let Some(old) = &prepared.rotated_from {
        println!("signing key rotated: {old} endorsed this key in a rotation checkpoint");
    }
    if prepared.key_inside_data_dir {
        eprintln!(
            "WARNING: the signing key is inside the data directory it vouches for; anyone who can \
             rewrite the data can re-sign it. Keep the key elsewhere (--signing-key, \
             FIREBREAK_SIGNING_KEY or --signing-command) and publish its fingerprint."
        );
    }
    if options.witnesses.is_empty() {
        eprintln!(
            "WARNING: no --witness: deleting the newest checkpoints together with what they \
             cover cannot be told apart from a server that was never asked to sign them."
        );
    }
    if let Some(path) = &prepared.admin_token_file {
        println!(
            "first start: user `admin` created; its token is in {} (mode 0600)",
            path.display()
        );
    }
    let shutdown = stop_requested();
    let schedule = Schedule {
        checkpoint: Duration::from_secs(args.checkpoint_interval),
        clocks: Duration::from_secs(args.clock_interval),
        tickets: Duration::from_secs(args.ticket_interval),
        scrub: (args.scrub_interval > 0).then(|| Duration::from_secs(args.scrub_interval)),
    };
    firebreak_server::serve(listener, prepared.state, schedule, shutdown)
        .await
        .context("the server stopped with an error")
}

/// Where the signing key comes from: a command, a file, the environment,
/// or by default a file in the data directory.
fn start_options(args: &ServeArgs) -> StartOptions {
    let signing_key = match (&args.signing_command, &args.signing_key) {
        (Some(command), _) => Some(KeySource::Command(command.clone())),
        (None, Some(path)) => Some(KeySource::File(path.clone())),
        (None, None) => std::env::var("FIREBREAK_SIGNING_KEY")
            .ok()
            .filter(|secret| !secret.trim().is_empty())
            .map(KeySource::Secret),
    };
    StartOptions {
        signing_key,
        previous_signing_key: args.previous_signing_key.clone().map(KeySource::File),
        witnesses: args.witnesses.clone(),
        database: args.database.clone(),
        blob_store: args.blobs.blob_store.clone(),
        // A key, not a path: kept out of the flags so it is not in `ps`.
        secret_key: std::env::var("FIREBREAK_SECRET_KEY")
            .ok()
            .filter(|key| !key.trim().is_empty()),
    }
}

/// Resolves at Ctrl-C or SIGTERM (what service managers send), so either
/// stop signs the last events before the server exits.
async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Where pages go: the SMTP relay and Slack, each only when set up, and
/// the key pages to users' webhooks are signed with.
fn page_channels(args: &ServeArgs, webhook_secret: String) -> Result<PageChannels> {
    let smtp = args
        .smtp_url
        .as_deref()
        .map(|url| SmtpSettings::new(url, &args.smtp_from))
        .transpose()
        .map_err(|e| InputError(format!("--smtp-url/--smtp-from: {e}")))?;
    let slack = args.slack_token.clone().map(|token| SlackSettings {
        api_url: args.slack_api_url.clone(),
        token,
    });
    Ok(PageChannels {
        smtp,
        slack,
        public_url: args.public_url.clone(),
        webhook_secret: Some(webhook_secret),
    })
}

/// Whether browsers reach the server over HTTPS, from `--public-url`.
fn secure_cookies(public_url: Option<&str>) -> Result<bool> {
    let Some(url) = public_url else {
        return Ok(false);
    };
    let scheme = url
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("https") => Ok(true),
        Some("http") => Ok(false),
        _ => Err(InputError(format!(
            "--public-url {url}: expected an http:// or https:// URL"
        ))
        .into()),
    }
}
