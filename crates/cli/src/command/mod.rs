//! One module per subcommand; `run` dispatches and owns the async runtime.

mod account;
mod alerts;
mod analyze;
mod artifact;
mod change;
mod control;
mod definition;
mod evidence;
mod incident;
mod inquiry;
mod metrics;
mod migrate;
mod monitor;
mod oncall;
mod postmortem;
mod prompt;
mod rca;
mod recurrence;
mod regulatory;
mod serve;
mod system;
mod updates;
mod verify;

use crate::InputError;
use crate::cli::{Cli, Command};
use anyhow::{Context, Result};
use std::process::ExitCode;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await.map(|()| ExitCode::SUCCESS),
            // Offline verification blocks on its own I/O (the database, a
            // witness fetched over HTTP) outside the runtime's scheduling.
            Command::Verify(args) => tokio::task::block_in_place(|| verify::run(args)),
            Command::Migrate(args) => tokio::task::block_in_place(|| migrate::run(args)),
            Command::Analyze(command) => analyze::run(command).await.map(|()| ExitCode::SUCCESS),
            Command::Rca(command) => rca::run(command).await.map(|()| ExitCode::SUCCESS),
            Command::Login(args) => account::login(args).await.map(|()| ExitCode::SUCCESS),
            Command::User(command) => account::user(command).await.map(|()| ExitCode::SUCCESS),
            Command::Token(command) => account::token(command).await.map(|()| ExitCode::SUCCESS),
            Command::System(command) => system::run(command).await.map(|()| ExitCode::SUCCESS),
            Command::Incident(command) => incident::run(command).await.map(|()| ExitCode::SUCCESS),
            Command::Change(command) => change::run(command).await.map(|()| ExitCode::SUCCESS),
            Command::Control(command) => control::run(command).await.map(|()| ExitCode::SUCCESS),
            Command::Integration(command) => alerts::integration(command)
                .await
                .map(|()| ExitCode::SUCCESS),
            Command::Alert(command) => alerts::alert(command).await.map(|()| ExitCode::SUCCESS),
            Command::Monitor(command) => monitor::run(command).await.map(|()| ExitCode::SUCCESS),
            Command::Metrics(args) => metrics::run(args).await.map(|()| ExitCode::SUCCESS),
            Command::Evidence(command) => evidence::run(command).await,
            Command::Postmortem(command) => postmortem::run(command).await,
            Command::Actions(args) => postmortem::actions(args).await.map(|()| ExitCode::SUCCESS),
            Command::Deadlines {
                incident,
                all,
                json,
            } => regulatory::deadlines(incident, all, json)
                .await
                .map(|()| ExitCode::SUCCESS),
            Command::Regulatory(command) => {
                regulatory::run(command).await.map(|()| ExitCode::SUCCESS)
            }
            Command::Report(command) => regulatory::report(command)
                .await
                .map(|()| ExitCode::SUCCESS),
            Command::Inquiry(command) => inquiry::run(command).await.map(|()| ExitCode::SUCCESS),
            Command::Oncall(args) => oncall::run(args).await.map(|()| ExitCode::SUCCESS),
            Command::Checkpoint(flag) => metrics::checkpoint(flag.json)
                .await
                .map(|()| ExitCode::SUCCESS),
        }
    })
}

/// Parses a flag's value with the domain's own parser, naming the flag.
pub fn parse_flag<T: std::str::FromStr<Err = String>>(flag: &str, value: &str) -> Result<T> {
    value
        .parse()
        .map_err(|e: String| InputError(format!("--{flag}: {e}")).into())
}

/// Reads one line from standard input (passwords, tokens) without echoing it to logs.
pub fn read_secret_line(what: &str) -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .with_context(|| format!("cannot read the {what} from standard input"))?;
    let secret = line.trim_end_matches(['\r', '\n']).to_string();
    if secret.is_empty() {
        return Err(InputError(format!("no {what} on standard input")).into());
    }
    Ok(secret)
}

/// Names every required field a file in one of the documented input formats
/// lacks (`docs/input-formats.md`), with the file, before anything is sent:
/// the server's own check, run here so the message can say which file.
pub fn check_format(
    file: &std::path::Path,
    format: firebreak_server::api::schemas::InputFormat,
    value: &serde_json::Value,
) -> Result<()> {
    check_format_within(file, "", format, value)
}

/// [`check_format`] for a value found at `within` in the file (`rules`).
pub fn check_format_within(
    file: &std::path::Path,
    within: &str,
    format: firebreak_server::api::schemas::InputFormat,
    value: &serde_json::Value,
) -> Result<()> {
    let missing = format.schema().missing(value);
    if missing.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = missing
        .iter()
        .map(|path| {
            let separator = if within.is_empty() || path.starts_with('[') {
                ""
            } else {
                "."
            };
            format!(
                "{within}{separator}{path}: {}",
                firebreak_server::schema::MISSING
            )
        })
        .collect();
    Err(InputError(format!(
        "{} ({}): {}",
        file.display(),
        format.title(),
        named.join("; ")
    ))
    .into())
}
