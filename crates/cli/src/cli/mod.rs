//! The command-line synopsis (D24), as clap types.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

mod analysis;
mod changes;
mod documents;
mod oncall;
mod record;
mod server;

pub use analysis::*;
pub use changes::*;
pub use documents::*;
pub use oncall::*;
pub use record::*;
pub use server::*;

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
    /// Changes on systems (deploys, model promotions, data, prompts, flags): what changed
    /// before an incident.
    #[command(subcommand)]
    Change(ChangeCommand),
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
    /// Regulators' inquiries: each with its own clock, answered per question,
    /// submitted, its response pack exported or bundled.
    #[command(subcommand)]
    Inquiry(InquiryCommand),
    /// Who is on call; schedules, escalation policies, teams, contact
    /// methods; acknowledging a page.
    Oncall(OncallArgs),
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
