//! Changes on systems (D35: `firebreak change record|list`) and the
//! webhook sources that report them.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ChangeCommand {
    /// Record a change on a system (responder), e.g. from a CI pipeline's deploy step.
    Record {
        /// The system that changed.
        #[arg(long)]
        system: String,
        /// deploy, model_promoted, model_rolled_back, training_data, feature_pipeline,
        /// configuration, prompt_template, feature_flag or upstream_dependency.
        #[arg(long)]
        kind: String,
        /// The version before the change.
        #[arg(long = "from")]
        version_from: Option<String>,
        /// The version after the change.
        #[arg(long = "to")]
        version_to: Option<String>,
        /// Who made it (default: you).
        #[arg(long)]
        by: Option<String>,
        /// When it took effect, with an offset (default: now).
        #[arg(long)]
        at: Option<String>,
        /// A link to the pipeline run, pull request or model version.
        #[arg(long)]
        link: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        /// The sender's own id: recording the same id again records nothing.
        #[arg(long)]
        external_id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Changes newest first; with --incident, what changed in the window before it
    /// (its systems and everything upstream) and its blast radius.
    List {
        /// Only changes on this system.
        #[arg(long, conflicts_with = "incident")]
        system: Option<String>,
        /// What changed before this incident (INC-<n>).
        #[arg(long)]
        incident: Option<String>,
        /// With --incident: how many hours before its start to look.
        #[arg(long, requires = "incident", default_value_t = 72)]
        window_hours: i64,
        /// Only changes at or after this instant, with an offset.
        #[arg(long, conflicts_with = "incident")]
        since: Option<String>,
        /// Only changes at or before this instant, with an offset.
        #[arg(long, conflicts_with = "incident")]
        until: Option<String>,
        #[arg(long, default_value_t = 100, conflicts_with = "incident")]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// GitHub and GitLab projects whose deployment webhooks are recorded as changes (admin).
    #[command(subcommand)]
    Source(ChangeSourceCommand),
}

#[derive(Debug, Subcommand)]
pub enum ChangeSourceCommand {
    /// Add or replace a source from a JSON or TOML file (slug, provider, rules). The webhook
    /// secret is read from standard input and stored sealed.
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
