//! `firebreak serve`: opens the data directory and runs the server until
//! interrupted.

use crate::InputError;
use crate::cli::ServeArgs;
use anyhow::{Context, Result};
use firebreak_core::lint::LintConfig;
use firebreak_core::regulatory::{RegimeTable, RegulatoryConfig};
use firebreak_server::listener::ConnectionLimits;
use firebreak_server::state::{ClockHook, WebSettings};
use std::sync::Arc;
use std::time::Duration;

pub async fn run(args: ServeArgs) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FIREBREAK_LOG")
                .unwrap_or_else(|_| "firebreak=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let data_dir = &args.data_dir.data_dir;
    let mut prepared = firebreak_server::prepare(data_dir, args.signing_key.as_deref())
        .with_context(|| format!("cannot start with data directory {}", data_dir.display()))?;
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
    if !args.clock_webhooks.is_empty() {
        let secret = firebreak_server::webhook_secret(data_dir)
            .context("cannot read or create the webhook secret")?;
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
    println!(
        "checkpoint signing key fingerprint: {}",
        prepared.state.signer.fingerprint()
    );
    if let Some(path) = &prepared.admin_token_file {
        println!(
            "first start: user `admin` created; its token is in {} (mode 0600)",
            path.display()
        );
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    firebreak_server::serve(
        listener,
        prepared.state,
        Duration::from_secs(args.checkpoint_interval),
        Duration::from_secs(args.clock_interval),
        shutdown,
    )
    .await
    .context("the server stopped with an error")
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
