//! Running and keeping the server: `serve`, `migrate`, `login`, `metrics`,
//! `verify`.

use super::{BlobStoreArg, DataDir, SignerPin};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The data directory whose SQLite records are copied (it is only read).
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// The PostgreSQL database to copy into; it must hold no Firebreak data.
    #[arg(long, value_name = "URL", hide_env_values = true)]
    pub to: String,
    /// Also upload the evidence content to this bucket and check it there.
    #[command(flatten)]
    pub blobs: BlobStoreArg,
    #[command(flatten)]
    pub pin: SignerPin,
    #[arg(long)]
    pub json: bool,
}

/// The longest periodic interval `serve` accepts: a year.
const MAX_INTERVAL_SECONDS: u64 = 365 * 24 * 3600;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "FIREBREAK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub data_dir: DataDir,
    /// A PostgreSQL database (`postgres://user:password@host:5432/db`) for
    /// the records instead of the SQLite file in the data directory, so that
    /// several instances can serve one organisation. Keys and templates
    /// stay in the data directory; evidence content too, unless
    /// `--blob-store` names a bucket.
    #[arg(
        long,
        value_name = "URL",
        env = "FIREBREAK_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    #[command(flatten)]
    pub blobs: BlobStoreArg,
    /// The file holding the ed25519 key that signs checkpoints, best kept
    /// outside the data directory it vouches for (default:
    /// <data-dir>/signing-key, made on first start, with a warning).
    #[arg(
        long,
        env = "FIREBREAK_SIGNING_KEY_FILE",
        conflicts_with = "signing_command"
    )]
    pub signing_key: Option<PathBuf>,
    /// A command that signs, so the key never leaves a KMS or HSM:
    /// `CMD public-key` prints the public key (hex), `CMD sign` reads the
    /// message on standard input and prints the signature (hex). The secret
    /// itself may instead be given in FIREBREAK_SIGNING_KEY (hex).
    #[arg(long, value_name = "CMD", env = "FIREBREAK_SIGNING_COMMAND")]
    pub signing_command: Option<String>,
    /// The key file that signed the newest checkpoint, when the key changes:
    /// it endorses the new key in a rotation checkpoint.
    #[arg(long, value_name = "FILE")]
    pub previous_signing_key: Option<PathBuf>,
    /// Send a copy of every checkpoint to this witness (repeatable):
    /// `file:/abs/path.jsonl` (ideally another volume), an http(s) URL, or
    /// `syslog+udp://HOST:PORT` / `syslog+tcp://HOST:PORT`.
    #[arg(
        long = "witness",
        value_name = "TARGET",
        env = "FIREBREAK_WITNESS",
        value_delimiter = ','
    )]
    pub witnesses: Vec<String>,
    /// Seconds between checkpoints while anything is being recorded.
    /// At most a year: a timer further out overflows the clock.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=MAX_INTERVAL_SECONDS))]
    pub checkpoint_interval: u64,
    /// Seconds between re-hashings of all evidence content (0: never; at
    /// most a year).
    #[arg(long, default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(0..=MAX_INTERVAL_SECONDS))]
    pub scrub_interval: u64,
    /// Seconds between checks of the regulatory clocks for 50 %, 80 % and
    /// overdue, and of the monitor checks of finished action items.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=MAX_INTERVAL_SECONDS))]
    pub clock_interval: u64,
    /// Seconds between readings of the tickets action items are tracked by
    /// in Jira or GitHub (a tracker's webhook tells of changes sooner).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=MAX_INTERVAL_SECONDS))]
    pub ticket_interval: u64,
    /// Send clock warnings to this URL (repeatable), signed with HMAC-SHA256
    /// using the secret in <data-dir>/webhook-secret.
    #[arg(long = "clock-webhook", value_name = "URL")]
    pub clock_webhooks: Vec<String>,
    /// JSON file with the regimes' time zones, holiday calendars, closures and
    /// applicability dates (see `GET /api/v1/regimes` for the regime ids).
    #[arg(long, value_name = "FILE", env = "FIREBREAK_REGULATORY_CONFIG")]
    pub regulatory_config: Option<PathBuf>,
    /// JSON file extending or replacing the blameless-language word lists
    /// (blame, roles, hindsight, vague_actions and the rest: docs/blameless-lint.md);
    /// the post-mortem lint and the 5 Whys blame check both use it.
    #[arg(long, value_name = "FILE", env = "FIREBREAK_LINT_CONFIG")]
    pub lint_config: Option<PathBuf>,
    /// JSON file replacing the severity rubric (docs/severity-rubric.md);
    /// refused at start unless every answer suggests a severity.
    #[arg(long, value_name = "FILE", env = "FIREBREAK_SEVERITY_RUBRIC")]
    pub severity_rubric: Option<PathBuf>,
    /// The severities whose stakeholder updates wait for the communications
    /// lead's approval before they are sent: comma-separated, or `none`.
    #[arg(long, value_name = "SEVS", env = "FIREBREAK_UPDATE_APPROVAL", default_value = "sev1,sev2",
        value_parser = clap::builder::ValueParser::new(|s: &str| s.parse::<firebreak_core::oncall::ApprovalRule>()))]
    pub update_approval: firebreak_core::oncall::ApprovalRule,
    /// Most connections open at once; at the cap a new one displaces the
    /// longest-idle connection that has no request in flight.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Seconds a client has to send a request's headers, counted from when the
    /// server starts waiting; also how long a kept-alive connection may idle.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Seconds a request body may stop arriving, or a response stop being
    /// read, before the connection is closed.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub stall_timeout: u64,
    /// The URL browsers reach this server at. With https://, e.g. behind a
    /// TLS-terminating reverse proxy, cookies are marked Secure.
    #[arg(long, value_name = "URL", env = "FIREBREAK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Take the client address for sign-in rate limits from the last
    /// X-Forwarded-For entry; only behind a reverse proxy that sets it.
    #[arg(long)]
    pub trust_forwarded_for: bool,
    /// The SMTP relay pages are emailed through: smtp://HOST:PORT (plain),
    /// with ?tls=required for STARTTLS, or smtps://; USER:PASSWORD@ in the
    /// URL when the relay asks. Kept out of the database and never printed.
    #[arg(
        long,
        value_name = "URL",
        env = "FIREBREAK_SMTP_URL",
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,
    /// The sender of page emails.
    #[arg(
        long,
        value_name = "ADDRESS",
        env = "FIREBREAK_SMTP_FROM",
        default_value = "Firebreak <firebreak@localhost>"
    )]
    pub smtp_from: String,
    /// A Slack bot token (chat:write) for paging users by direct message.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "FIREBREAK_SLACK_TOKEN",
        hide_env_values = true
    )]
    pub slack_token: Option<String>,
    /// Slack's Web API base URL.
    #[arg(
        long,
        value_name = "URL",
        env = "FIREBREAK_SLACK_API_URL",
        default_value = "https://slack.com/api"
    )]
    pub slack_api_url: String,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long, env = "FIREBREAK_URL")]
    pub url: String,
    /// A personal access token; read from standard input when neither it nor
    /// --user is given.
    #[arg(long, env = "FIREBREAK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Sign in as this user with their password (asked for on the terminal,
    /// or read from standard input with --password-stdin) and save a new
    /// token of theirs for the CLI; a token in FIREBREAK_TOKEN is then not used.
    #[arg(long)]
    pub user: Option<String>,
    /// With --user: read the password from standard input (for scripts).
    #[arg(long, requires = "user")]
    pub password_stdin: bool,
    /// With --user: the new token's scope (read or write).
    #[arg(long, default_value = "write", requires = "user")]
    pub scope: String,
    /// With --user: days until the new token expires (default: 90).
    #[arg(long, default_value_t = 90, requires = "user")]
    pub expires_in_days: u32,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// all, severity, system, month, week, detection_source or found_by.
    #[arg(long, default_value = "all")]
    pub group_by: String,
    #[arg(long)]
    pub from: Option<String>,
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub severity: Option<String>,
    #[arg(long)]
    pub system: Option<String>,
    #[arg(long)]
    pub json: bool,
    /// Print the governance export instead, as CSV (or JSON with `--json`):
    /// a row per incident with its severity, detection source, moments,
    /// durations, impact and cost, then a TOTAL row per currency.
    #[arg(long, conflicts_with = "group_by")]
    pub export: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub data_dir: DataDir,
    /// Verify the records in this PostgreSQL database (as `serve --database`
    /// wrote them) instead of the data directory's SQLite file.
    #[arg(
        long,
        value_name = "URL",
        env = "FIREBREAK_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// Check evidence content in this bucket (as `serve --blob-store` wrote
    /// it) instead of the data directory's `blobs/`.
    #[command(flatten)]
    pub blobs: BlobStoreArg,
    #[command(flatten)]
    pub pin: SignerPin,
    /// A witness's copy of the checkpoints (a file of JSON lines, as
    /// `serve --witness file:PATH` writes, a syslog export, or an http(s) URL
    /// serving one):
    /// every checkpoint it holds must be in the store, unchanged.
    #[arg(long, value_name = "FILE|URL")]
    pub witness: Vec<String>,
    /// Fail when events not yet covered by a checkpoint were recorded more
    /// than --max-unsigned-age ago.
    #[arg(long)]
    pub strict: bool,
    /// With --strict, how old the unsigned tail may be, e.g. 30s or 5m.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_age)]
    pub max_unsigned_age: jiff::SignedDuration,
    /// Do not hash every evidence item's content (a fast check of the record).
    #[arg(long)]
    pub skip_blobs: bool,
    #[arg(long)]
    pub json: bool,
}

/// A duration such as `30s`, `5m` or `2h`, not negative.
fn parse_age(text: &str) -> Result<jiff::SignedDuration, String> {
    let span: jiff::Span = text
        .parse()
        .map_err(|e| format!("`{text}` is not a duration such as 30s, 5m or 2h: {e}"))?;
    let duration = jiff::SignedDuration::try_from(span)
        .map_err(|e| format!("`{text}` cannot be used as a fixed duration: {e}"))?;
    if duration.is_negative() {
        return Err(format!("`{text}` is negative"));
    }
    Ok(duration)
}
