//! `firebreak serve`: opens the data directory and runs the server until
//! interrupted.

use crate::cli::ServeArgs;
use anyhow::{Context, Result};
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
    let prepared = firebreak_server::prepare(data_dir, args.signing_key.as_deref())
        .with_context(|| format!("cannot start with data directory {}", data_dir.display()))?;
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
        shutdown,
    )
    .await
    .context("the server stopped with an error")
}
