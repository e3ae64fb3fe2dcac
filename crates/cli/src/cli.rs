//! The command-line synopsis (D24), as clap types.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "firebreak",
    version,
    about = "AI incident response: inventory, incidents, timeline, metrics"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Firebreak server (embedded SQLite in the data directory).
    Serve(ServeArgs),
    /// Save the server URL and a token for later commands.
    Login(LoginArgs),
    /// Manage users (admin).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage your personal access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The AI system inventory.
    #[command(subcommand)]
    System(SystemCommand),
    /// Declare and run incidents.
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// Kill switches and fallbacks: the control state serving code reads.
    #[command(subcommand)]
    Control(ControlCommand),
    /// Alert sources (Alertmanager, PagerDuty, generic JSON) and their routing rules (admin).
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// Alerts received from integrations.
    #[command(subcommand)]
    Alert(AlertCommand),
    /// Firebreak's own monitors: scheduled drift, fairness, quality, performance and volume checks
    /// on prediction logs whose breaches become alerts and incidents.
    #[command(subcommand)]
    Monitor(MonitorCommand),
    /// Response metrics: time to detect, acknowledge, contain, remediate, recover.
    Metrics(MetricsArgs),
    /// Sign a checkpoint over all timeline chains now (commander).
    Checkpoint(JsonFlag),
    /// Recompute every hash chain and checkpoint signature of a data directory, offline.
    Verify(VerifyArgs),
    /// Copy a data directory's records into an empty PostgreSQL database and verify them there.
    Migrate(MigrateArgs),
    /// Analyse prediction logs (Parquet or CSV) offline: drift, fairness, profile, time series, one decision.
    #[command(subcommand)]
    Analyze(AnalyzeCommand),
    /// Root-cause analysis offline on files: fault trees (Open-PSA MEF).
    #[command(subcommand)]
    Rca(RcaCommand),
    /// The evidence vault: artifacts with their chain of custody, and signed bundles.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Blameless post-mortems: draft, edit, lint, review, sign off, approve, publish, export.
    #[command(subcommand)]
    Postmortem(PostmortemCommand),
    /// Action items of every post-mortem; `actions export` for Jira or GitHub.
    Actions(ActionsArgs),
    /// Regulatory clocks across incidents (or of one), most urgent first.
    Deadlines {
        /// Only this incident (INC-<n>).
        incident: Option<String>,
        /// Include clocks stopped by a submitted report.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// An incident's applicability questionnaire and the regimes that follow.
    #[command(subcommand)]
    Regulatory(RegulatoryCommand),
    /// Reports to regulators: draft from the incident, edit, submit, export.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Who is on call; schedules, escalation policies, teams, contact
    /// methods; acknowledging a page.
    Oncall(OncallArgs),
}

#[derive(Debug, Subcommand)]
pub enum PostmortemCommand {
    /// Draft the post-mortem from the incident's record.
    Draft {
        /// INC-<n>
        incident: String,
        /// default, google-sre, lightweight, or one of the deployment's templates.
        #[arg(long, default_value = "default")]
        template: String,
        #[arg(long)]
        json: bool,
    },
    /// The post-mortem with its lint findings, SMART findings and approval blockers.
    Show {
        /// INC-<n>
        incident: String,
        #[arg(long)]
        json: bool,
    },
    /// Replace sections from a JSON file (fields as `show --json` prints under `postmortem`).
    Edit {
        /// INC-<n>
        incident: String,
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The blameless-language lint and the SMART check; exits 1 while either finds something.
    Lint {
        /// INC-<n>
        incident: String,
        #[arg(long)]
        json: bool,
    },
    /// Send the draft to review.
    Review {
        /// INC-<n>
        incident: String,
    },
    /// Sign off as one of your incident-command roles (commander, ml_lead, legal_liaison).
    SignOff {
        /// INC-<n>
        incident: String,
        #[arg(long = "as", value_name = "ROLE")]
        role: String,
        /// Ask for changes instead of approving (needs --comment).
        #[arg(long)]
        request_changes: bool,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Approve (commander); --override passes open lint errors and SMART failures, recorded.
    Approve {
        /// INC-<n>
        incident: String,
        #[arg(long = "override", value_name = "REASON")]
        override_reason: Option<String>,
    },
    /// Publish the approved post-mortem (commander).
    Publish {
        /// INC-<n>
        incident: String,
    },
    /// Back to draft, with a reason.
    Reopen {
        /// INC-<n>
        incident: String,
        #[arg(long)]
        reason: String,
    },
    /// Write the post-mortem as Markdown, HTML or PDF.
    Export {
        /// INC-<n>
        incident: String,
        #[arg(long, value_enum, default_value = "md")]
        format: DocumentFormat,
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ActionsArgs {
    #[command(subcommand)]
    pub command: Option<ActionsCommand>,
    /// Only pending items past their due date.
    #[arg(long)]
    pub overdue: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ActionsCommand {
    /// Every action item as CSV, or JSON Lines for Jira or GitHub issue import.
    Export {
        #[arg(long, value_enum, default_value = "csv")]
        format: ActionsExportFormat,
        #[arg(long)]
        overdue: bool,
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ActionsExportFormat {
    Csv,
    Jira,
    Github,
}

/// The formats documents export to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DocumentFormat {
    Md,
    Html,
    Pdf,
}

impl DocumentFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentFormat::Md => "md",
            DocumentFormat::Html => "html",
            DocumentFormat::Pdf => "pdf",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum RegulatoryCommand {
    /// The questionnaire, which regimes apply, and every clock.
    Show {
        /// INC-<n>
        incident: String,
        #[arg(long)]
        json: bool,
    },
    /// Answer the questionnaire from a JSON file: {"questionnaire": {...}, "triggers": {...}}.
    Assess {
        /// INC-<n>
        incident: String,
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Draft a report from the incident's record.
    Draft {
        /// INC-<n>
        incident: String,
        /// A regime id (see `GET /api/v1/regimes`), or `generic`.
        #[arg(long)]
        regime: String,
        /// The report type, e.g. initial, notification, adverse_event, inquiry_response.
        #[arg(long = "type", value_name = "TYPE")]
        report: String,
        #[arg(long)]
        json: bool,
    },
    /// One report.
    Show {
        /// INC-<n>
        incident: String,
        /// R-<n>
        report: String,
        #[arg(long)]
        json: bool,
    },
    /// Replace a draft's sections from a JSON file: [{"heading": ..., "text": ...}].
    Edit {
        /// INC-<n>
        incident: String,
        /// R-<n>
        report: String,
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Write a report as Markdown, HTML or PDF.
    Export {
        /// INC-<n>
        incident: String,
        /// R-<n>
        report: String,
        #[arg(long, value_enum, default_value = "md")]
        format: DocumentFormat,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Record that the report went to its regulator (commander).
    Submit {
        /// INC-<n>
        incident: String,
        /// R-<n>
        report: String,
        #[arg(long)]
        recipient: String,
        #[arg(long)]
        reference: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Upload a file as evidence of an incident (streamed, any size).
    Add {
        /// INC-<n>
        incident: String,
        file: PathBuf,
        /// What it is and why it was collected.
        #[arg(long)]
        description: String,
        #[arg(long)]
        json: bool,
    },
    /// The evidence of an incident.
    List {
        /// INC-<n>
        incident: String,
        #[arg(long)]
        json: bool,
    },
    /// One item with its custody log.
    Show {
        /// EV-<n>
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Download an item's content (a custody event records who viewed it).
    Get {
        /// EV-<n>
        id: String,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Record that an item was handed to a named recipient.
    Transfer {
        /// EV-<n>
        id: String,
        #[arg(long)]
        to: String,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        json: bool,
    },
    /// Put an item under legal hold, or release it with --off (commander).
    Hold {
        /// EV-<n>
        id: String,
        #[arg(long)]
        off: bool,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// Dispose of an item's content; refused under legal hold (commander).
    Dispose {
        /// EV-<n>
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// Write a signed tar bundle of an incident's evidence, custody log and timeline.
    Bundle {
        /// INC-<n>
        incident: String,
        #[arg(short, long)]
        output: PathBuf,
        /// Recorded as each item's export, e.g. "regulator inquiry 2026-114".
        #[arg(long)]
        purpose: String,
    },
    /// Check a bundle offline: signature, every file's hash, the timeline and custody chains.
    Verify {
        bundle: PathBuf,
        #[command(flatten)]
        pin: SignerPin,
        #[arg(long)]
        json: bool,
    },
}

/// How to pin the signer to a key obtained elsewhere (D18).
#[derive(Debug, Args)]
pub struct SignerPin {
    /// Pin the signer to this public key file (hex), obtained elsewhere.
    #[arg(long, conflicts_with = "fingerprint")]
    pub public_key: Option<PathBuf>,
    /// Pin the signer to this key fingerprint (SHA-256 of the public key, hex).
    #[arg(long)]
    pub fingerprint: Option<String>,
}

#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DataDir {
    /// Where the database, the signing key and the admin token live.
    #[arg(long, env = "FIREBREAK_DATA_DIR", default_value = "./firebreak-data")]
    pub data_dir: PathBuf,
}

/// Where evidence content lives when it is not the data directory.
#[derive(Debug, Args)]
pub struct BlobStoreArg {
    /// An S3-compatible bucket (`s3://bucket/prefix`: AWS S3, MinIO, Garage,
    /// SeaweedFS…) holding evidence content, for instances that share a
    /// database but no filesystem; the data directory's `blobs/` becomes a
    /// cache. Credentials, region and endpoint come from the standard
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
    /// `AWS_ENDPOINT` (and `AWS_ALLOW_HTTP=true` for a plain-HTTP endpoint).
    #[arg(long, value_name = "URL", env = "FIREBREAK_BLOB_STORE")]
    pub blob_store: Option<String>,
}

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
    /// Seconds between checks of the regulatory clocks for 50 %, 80 % and overdue.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=MAX_INTERVAL_SECONDS))]
    pub clock_interval: u64,
    /// Send clock warnings to this URL (repeatable), signed with HMAC-SHA256
    /// using the secret in <data-dir>/webhook-secret.
    #[arg(long = "clock-webhook", value_name = "URL")]
    pub clock_webhooks: Vec<String>,
    /// JSON file with the regimes' time zones, holidays and applicability
    /// dates (see `GET /api/v1/regimes` for the regime ids).
    #[arg(long, value_name = "FILE", env = "FIREBREAK_REGULATORY_CONFIG")]
    pub regulatory_config: Option<PathBuf>,
    /// JSON file extending or replacing the blameless-language word lists
    /// (blame, hindsight, vague_actions, person_cause_verbs, person_cause_markers).
    #[arg(long, value_name = "FILE", env = "FIREBREAK_LINT_CONFIG")]
    pub lint_config: Option<PathBuf>,
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

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password, if any, is read from standard input.
    Add {
        name: String,
        #[arg(long)]
        role: String,
        /// Read a password from standard input (otherwise the user signs in with tokens only).
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Set a password, read from standard input. Changing your own needs the
    /// current one: with --current, standard input holds it on the first line
    /// and the new password on the second. Other browser sessions of the user end.
    Passwd {
        name: String,
        /// Read the current password first (needed for your own password).
        #[arg(long)]
        current: bool,
    },
    List(JsonFlag),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; its secret is printed once.
    Create {
        #[arg(long)]
        description: String,
        /// read or write.
        #[arg(long, default_value = "write")]
        scope: String,
        #[arg(long)]
        expires_in_days: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    List(JsonFlag),
    Revoke {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args, Default)]
pub struct SystemFields {
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub purpose: Option<String>,
    #[arg(long)]
    pub owner_team: Option<String>,
    #[arg(long)]
    pub owner_person: Option<String>,
    /// Repeat for each data source.
    #[arg(long = "data-source")]
    pub data_sources: Vec<String>,
    /// VERSION or VERSION:known-good; repeat for each.
    #[arg(long = "model-version")]
    pub model_versions: Vec<String>,
    /// prohibited, high, limited or minimal.
    #[arg(long)]
    pub eu_risk: Option<String>,
    /// high, medium or low.
    #[arg(long)]
    pub impact: Option<String>,
    /// Repeat for each system this one depends on.
    #[arg(long = "depends-on")]
    pub depends_on: Vec<String>,
    /// development, production, deprecated or retired.
    #[arg(long)]
    pub lifecycle: Option<String>,
    /// provider, deployer or both.
    #[arg(long)]
    pub org_role: Option<String>,
    /// Mark a non-AI node of the dependency graph, e.g. a database.
    #[arg(long)]
    pub not_ai: bool,
    /// TITLE=URL, e.g. "model card=https://…"; repeat for each.
    #[arg(long = "doc")]
    pub documentation: Vec<String>,
    #[arg(long)]
    pub eu_database_id: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    Register {
        slug: String,
        #[command(flatten)]
        fields: SystemFields,
        #[arg(long)]
        json: bool,
    },
    List(JsonFlag),
    Show {
        slug: String,
        #[arg(long)]
        json: bool,
    },
    Update {
        slug: String,
        #[command(flatten)]
        fields: SystemFields,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    Declare {
        #[arg(long)]
        title: String,
        /// sev1 (critical), sev2 (major), sev3 (minor) or sev4 (low).
        #[arg(long)]
        severity: String,
        /// Why this severity.
        #[arg(long)]
        rationale: Option<String>,
        /// An affected system's slug; repeat for each.
        #[arg(long = "system", required = true)]
        systems: Vec<String>,
        #[arg(long)]
        summary: Option<String>,
        /// real, drill or test.
        #[arg(long, default_value = "real")]
        kind: String,
        /// A harm category; repeat for each.
        #[arg(long = "harm")]
        harms: Vec<String>,
        #[arg(long = "model-version")]
        model_versions: Vec<String>,
        #[arg(long)]
        people_affected: Option<u64>,
        #[arg(long = "tag")]
        tags: Vec<String>,
        #[arg(long)]
        impact_started: Option<String>,
        #[arg(long)]
        detected: Option<String>,
        #[arg(long)]
        aware: Option<String>,
        #[arg(long)]
        json: bool,
    },
    List {
        /// Statuses, comma-separated.
        #[arg(long)]
        status: Option<String>,
        /// Severities, comma-separated.
        #[arg(long)]
        severity: Option<String>,
        #[arg(long)]
        system: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        /// Text in the title or summary.
        #[arg(long)]
        text: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    Show {
        id: String,
        /// Also print the timeline.
        #[arg(long)]
        timeline: bool,
        #[arg(long)]
        json: bool,
    },
    /// Move along the lifecycle, e.g. `transition INC-3 contained`.
    Transition {
        id: String,
        status: String,
        #[arg(long)]
        reason: Option<String>,
        /// When it happened, if earlier (RFC 3339 with offset).
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        merged_into: Option<String>,
        /// Close a real SEV1/SEV2 incident without an approved post-mortem (admins, D6).
        #[arg(long, value_name = "REASON")]
        override_reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add a timeline entry.
    Note {
        id: String,
        text: String,
        /// note, decision, action_taken, communication, finding or evidence_ref.
        #[arg(long, default_value = "note")]
        kind: String,
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Give an incident-command role to a user (a handover for single-holder roles).
    Assign {
        id: String,
        /// commander, communications_lead, scribe, ml_lead, legal_liaison, participant or observer.
        role: String,
        /// The user; omit with --clear.
        user: Option<String>,
        /// Take the role away from everyone.
        #[arg(long, conflicts_with = "remove")]
        clear: bool,
        /// Remove this participant or observer.
        #[arg(long)]
        remove: bool,
        #[arg(long)]
        json: bool,
    },
    /// Edit a timestamp; VALUE is RFC 3339 with offset, or `none` to clear.
    SetTime {
        id: String,
        field: String,
        value: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Contain: disable the system, route it to human review, switch to a
    /// fallback, roll back to a known-good version, or restore it.
    Contain {
        id: String,
        #[arg(long)]
        system: String,
        /// disable, human-review, fallback, rollback or restore.
        #[arg(long)]
        action: String,
        /// The fallback's name, with --action fallback.
        #[arg(long)]
        fallback: Option<String>,
        /// The known-good version, with --action rollback.
        #[arg(long)]
        version: Option<String>,
        #[arg(long)]
        reason: String,
        /// Evidence was preserved first; where it is.
        #[arg(long, conflicts_with = "evidence_not_preserved")]
        evidence_preserved: Option<String>,
        /// The explicit decision not to preserve evidence first, with its reason.
        #[arg(long)]
        evidence_not_preserved: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Edit descriptive fields.
    Set {
        id: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        summary: Option<String>,
        #[arg(long)]
        severity: Option<String>,
        #[arg(long)]
        rationale: Option<String>,
        #[arg(long = "harm")]
        harms: Vec<String>,
        #[arg(long)]
        people_affected: Option<u64>,
        #[arg(long = "tag")]
        tags: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ControlCommand {
    /// Every system's control state.
    List {
        /// production or drill.
        #[arg(long, default_value = "production")]
        namespace: String,
        #[arg(long)]
        json: bool,
    },
    Show {
        system: String,
        #[arg(long, default_value = "production")]
        namespace: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a system's control state outside an incident.
    Set {
        system: String,
        /// normal, disabled, human-review, fallback or pinned-version.
        mode: String,
        #[arg(long)]
        fallback: Option<String>,
        #[arg(long)]
        version: Option<String>,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "production")]
        namespace: String,
        #[arg(long)]
        json: bool,
    },
    /// Webhooks called when a system's control state changes (admin).
    #[command(subcommand)]
    Hook(HookCommand),
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Add a webhook; its signing secret is printed once.
    Add {
        system: String,
        url: String,
        #[arg(long)]
        json: bool,
    },
    List {
        system: String,
        #[arg(long)]
        json: bool,
    },
    Remove {
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Create an integration; its key is printed once.
    Create {
        #[arg(long)]
        name: String,
        /// alertmanager, pagerduty or generic.
        #[arg(long)]
        source: String,
        /// A JSON file with the routing rules (a list) and, for generic sources,
        /// `{"rules": [...], "mapping": {...}}`.
        #[arg(long)]
        rules_file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    List(JsonFlag),
    Revoke {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Define a monitor from a TOML or JSON file (commander). Relative paths in it are read from
    /// the file's directory; the server reads the logs, so they must be on its filesystem.
    Add {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Every monitor with its state.
    List {
        /// Only the monitors of this system.
        #[arg(long)]
        system: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One monitor and its newest runs.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Check the next window now.
    Run {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Check past partitions (not stored, no alerts) and print the series: when did it start?
    Backfill {
        name: String,
        /// The first partition, by name (e.g. date=2026-11-01).
        #[arg(long)]
        from: Option<String>,
        /// The last partition, by name.
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Stop running it (commander).
    Pause { name: String },
    /// Run it again from its watermark (commander).
    Resume { name: String },
    /// Remove it and its runs (commander); its alerts stay.
    Delete { name: String },
}

#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    List {
        /// Only alerts not yet resolved.
        #[arg(long)]
        open: bool,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// all, severity, system, month or week.
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

/// How an offline analysis prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Aligned tables for people.
    Table,
    /// The library's serde output, with its `schema_version`.
    Json,
    /// Markdown: the tables, and the charts as fenced SVG blocks.
    Md,
    /// One self-contained HTML page with the tables and charts.
    Html,
}

#[derive(Debug, Args)]
pub struct ReportOutput {
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Write the output to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Where an offline analysis is attached (D24).
#[derive(Debug, Args)]
pub struct AttachTo {
    /// After the local analysis, upload its input files as evidence of this incident and attach
    /// the result, recomputed by the server from the vault copies, as a finding on its timeline.
    #[arg(long, value_name = "INC-n")]
    pub incident: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AnalyzeCommand {
    /// Per-column drift between a reference and a current sample: two files, or one log
    /// split by time windows or by two cohorts.
    Drift(DriftArgs),
    /// Per-group decision rates, Fairlearn gaps and Aequitas disparities.
    Fairness(FairnessArgs),
    /// Data quality per column: missing values, ranges, quantiles, new categories.
    Profile(ProfileArgs),
    /// Per hour, day or week: volume, accuracy, selection rate, score, with change points.
    Timeseries(TimeseriesArgs),
    /// The logged inputs and outputs of one decision.
    Decision(DecisionArgs),
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// One log to split with --reference-window/--current-window or --reference-where/--current-where.
    pub log: Option<PathBuf>,
    /// The reference file (with --current).
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// The current file (with --reference).
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,
    /// Half-open time window A..B of the reference rows (dates or RFC 3339; a side may be empty).
    #[arg(long, value_name = "A..B", allow_hyphen_values = true)]
    pub reference_window: Option<String>,
    /// Half-open time window C..D of the current rows.
    #[arg(long, value_name = "C..D", allow_hyphen_values = true)]
    pub current_window: Option<String>,
    /// The timestamp column the windows apply to.
    #[arg(long, value_name = "COL", default_value = "timestamp")]
    pub timestamp: String,
    /// Cohort of the log taken as reference, e.g. "model_version == v1".
    #[arg(long, value_name = "EXPR")]
    pub reference_where: Option<String>,
    /// Cohort of the log taken as current, e.g. "model_version == v2".
    #[arg(long, value_name = "EXPR")]
    pub current_where: Option<String>,
    /// evidently (Evidently 0.7 defaults) or nannyml (NannyML 0.13 univariate defaults).
    #[arg(long, value_enum, default_value = "evidently")]
    pub preset: DriftPresetArg,
    /// Columns to test, comma-separated (default: every column but timestamps).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Columns not to test, comma-separated.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Keep only rows of this cohort on both sides, e.g. "group == 'C' and age > 60" (D20).
    #[arg(long = "where", value_name = "EXPR")]
    pub cohort: Option<String>,
    #[command(flatten)]
    pub output: ReportOutput,
    #[command(flatten)]
    pub attach: AttachTo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DriftPresetArg {
    Evidently,
    Nannyml,
}

#[derive(Debug, Args)]
pub struct FairnessArgs {
    pub log: PathBuf,
    /// One protected attribute, or two comma-separated for their intersection.
    #[arg(long, value_name = "COL[,COL]", value_delimiter = ',', required = true)]
    pub group: Vec<String>,
    /// The true outcome, 0/1.
    #[arg(long, value_name = "COL")]
    pub label: String,
    /// The decision, 0/1.
    #[arg(long, value_name = "COL")]
    pub prediction: String,
    /// A score in [0, 1], for per-group AUC and calibration error.
    #[arg(long, value_name = "COL")]
    pub score: Option<String>,
    /// The Aequitas reference group (`a|b` for two attributes; default: the largest).
    #[arg(long, value_name = "G")]
    pub reference_group: Option<String>,
    /// Keep only rows of this cohort (D20).
    #[arg(long = "where", value_name = "EXPR")]
    pub cohort: Option<String>,
    #[command(flatten)]
    pub output: ReportOutput,
    #[command(flatten)]
    pub attach: AttachTo,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    pub log: PathBuf,
    /// Compare with this file: new categories, values out of its range, schema changes.
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// Keep only rows of this cohort, in both files (D20).
    #[arg(long = "where", value_name = "EXPR")]
    pub cohort: Option<String>,
    #[command(flatten)]
    pub output: ReportOutput,
    #[command(flatten)]
    pub attach: AttachTo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BucketArg {
    Hour,
    Day,
    Week,
}

#[derive(Debug, Args)]
pub struct TimeseriesArgs {
    pub log: PathBuf,
    #[arg(long, value_name = "COL", default_value = "timestamp")]
    pub timestamp: String,
    #[arg(long, value_enum, default_value = "day")]
    pub bucket: BucketArg,
    /// The true outcome, 0/1, for accuracy.
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// The decision, 0/1, for accuracy and selection rate.
    #[arg(long, value_name = "COL")]
    pub prediction: Option<String>,
    #[arg(long, value_name = "COL")]
    pub score: Option<String>,
    /// A protected attribute, for the selection rate per group.
    #[arg(long, value_name = "COL")]
    pub group: Option<String>,
    /// Keep only rows of this cohort (D20).
    #[arg(long = "where", value_name = "EXPR")]
    pub cohort: Option<String>,
    #[command(flatten)]
    pub output: ReportOutput,
    #[command(flatten)]
    pub attach: AttachTo,
}

#[derive(Debug, Args)]
pub struct DecisionArgs {
    pub log: PathBuf,
    /// The column that holds decision ids.
    #[arg(long, value_name = "COL")]
    pub id_column: String,
    #[arg(long, value_name = "X")]
    pub decision_id: String,
    #[command(flatten)]
    pub output: ReportOutput,
    #[command(flatten)]
    pub attach: AttachTo,
}

#[derive(Debug, Subcommand)]
pub enum RcaCommand {
    /// Fault Tree Analysis on Open-PSA MEF files.
    #[command(subcommand)]
    Fta(FtaCommand),
    /// Save a new version of an incident's artifact from a file: JSON in the
    /// method's format, or for a fault tree an Open-PSA MEF XML file.
    Put {
        id: String,
        /// five_whys, fishbone, fault_tree, swiss_cheese or cause_statement.
        kind: String,
        name: String,
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// An incident's artifacts, or one of them.
    Show {
        id: String,
        kind: Option<String>,
        name: Option<String>,
        /// Write the artifact's diagram to this file.
        #[arg(long, value_name = "FILE", requires = "name")]
        svg: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// FMEA worksheets of a system (D13).
    #[command(subcommand)]
    Fmea(FmeaCommand),
}

#[derive(Debug, Subcommand)]
pub enum FmeaCommand {
    /// Save a worksheet from a CSV file (by its .csv extension) or JSON `{"rows": [...]}`.
    Put {
        system: String,
        name: String,
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Print a worksheet sorted by action priority, or as CSV with --csv.
    Show {
        system: String,
        name: String,
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FtaCommand {
    /// Minimal cut sets, top-event probability and importance measures, as SCRAM computes them.
    Analyze(FtaAnalyzeArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApproximationArg {
    RareEvent,
    /// Min-cut upper bound.
    Mcub,
}

#[derive(Debug, Args)]
pub struct FtaAnalyzeArgs {
    /// MEF files that together make the model (e.g. the tree and its basic events).
    #[arg(required = true, value_name = "MODEL.xml")]
    pub models: Vec<PathBuf>,
    /// The gate or event-tree sequence to analyse (default: every sequence
    /// of every initiating event, and every gate no other gate uses).
    #[arg(long, value_name = "EVENT")]
    pub top: Option<String>,
    /// Report this approximation instead of the exact probability, as
    /// SCRAM's --rare-event and --mcub do; substitutions with a source
    /// (cut-set rewrites) need one.
    #[arg(long, value_enum, value_name = "METHOD")]
    pub approximation: Option<ApproximationArg>,
    /// Cut sets with more events than this are not generated.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit_order: u64,
    /// Hours; basic events with a failure rate are evaluated at this time.
    #[arg(long, value_name = "H", default_value_t = 8760.0)]
    pub mission_time: f64,
    /// MiB the analysis may hold in decision diagrams and cut sets (default:
    /// a quarter of the machine's memory). Minimal cut sets too many to list
    /// within it are counted instead, with the most probable kept (--top-k);
    /// past it otherwise the analysis stops with an error.
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=1 << 40))]
    pub memory_budget: Option<u64>,
    /// How many cut sets the table lists, most probable first.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub cut_sets: usize,
    /// When the minimal cut sets are too many to list within the memory
    /// budget, they are counted on their ZBDD and only the N most probable
    /// are kept (and written in JSON).
    #[arg(long, value_name = "N", default_value_t = firebreak_rca::fta::DEFAULT_TOP_K)]
    pub top_k: usize,
    /// Also draw the fault tree as SVG into this file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    #[command(flatten)]
    pub output: ReportOutput,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct OncallArgs {
    #[command(subcommand)]
    pub command: Option<OncallCommand>,
    /// Only this system: whom its escalation policy pages first.
    pub system: Option<String>,
    /// The instant asked about, with an offset (default: now).
    #[arg(long)]
    pub at: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum OncallCommand {
    /// On-call schedules.
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// Escalation policies and the systems they page for.
    #[command(subcommand)]
    Escalation(EscalationCommand),
    /// Add or replace a team (a JSON or TOML file: slug, members).
    Team { file: PathBuf },
    /// Set how a user is reached (a JSON or TOML file: email,
    /// slack_user_id, rules).
    Contact { user: String, file: PathBuf },
    /// Outbound channels: Teams, PagerDuty, Opsgenie.
    #[command(subcommand)]
    Channel(ChannelCommand),
    /// Take an incident's page: escalation stops.
    Ack {
        /// INC-<n>
        incident: String,
        #[arg(long)]
        json: bool,
    },
}

/// A range of time for shifts and calendars.
#[derive(Debug, Args)]
pub struct RangeFlags {
    /// Start, with an offset (default: now).
    #[arg(long)]
    pub from: Option<String>,
    /// End (default: 28 days after the start).
    #[arg(long)]
    pub to: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Add or replace a channel from a JSON or TOML file (slug, kind,
    /// systems, min_severity, endpoint). The credential (Teams webhook URL,
    /// PagerDuty routing key, Opsgenie API key) is read from standard input,
    /// so it stays out of files and shell history; it is stored sealed.
    Add {
        file: PathBuf,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Remove {
        slug: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Add or replace a schedule from a JSON or TOML file.
    Add {
        file: PathBuf,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Show {
        slug: String,
    },
    /// The final view: who is on call when.
    Shifts {
        slug: String,
        #[command(flatten)]
        range: RangeFlags,
        #[arg(long)]
        json: bool,
    },
    /// A user's shifts as iCalendar, on standard output.
    Ical {
        user: String,
        #[command(flatten)]
        range: RangeFlags,
    },
}

#[derive(Debug, Subcommand)]
pub enum EscalationCommand {
    /// Add or replace a policy from a JSON or TOML file.
    Add {
        file: PathBuf,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Show {
        slug: String,
    },
    /// Page with POLICY for SYSTEM's incidents.
    Attach {
        system: String,
        policy: String,
    },
}
