//! Detecting and mobilising: monitors and on call (schedules, escalation,
//! channels, stakeholder updates).

use clap::{Args, Subcommand};
use std::path::PathBuf;

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
    /// Outbound channels: Teams, PagerDuty, Opsgenie, Slack incident
    /// channels, the SMS provider.
    #[command(subcommand)]
    Channel(ChannelCommand),
    /// A system's stakeholder lists by audience: set them from a JSON or
    /// TOML file (commander), or show them.
    Stakeholders {
        system: String,
        /// The lists: internal, executives, customers, partners,
        /// regulators, each with `email` and `slack` (member ids).
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// An incident's stakeholder updates: draft from a template, edit,
    /// approve, send, list.
    #[command(subcommand)]
    Update(UpdateCommand),
    /// Take an incident's page: escalation stops.
    Ack {
        /// INC-<n>
        incident: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UpdateCommand {
    /// Draft an update from a template filled from the incident record.
    Draft {
        /// INC-<n>
        incident: String,
        /// internal, executives, customers, partners or regulators.
        #[arg(long)]
        audience: String,
        /// holding_statement, internal_alert, partner_bulletin, board_brief,
        /// public_statement, or a template of the deployment (default: the
        /// audience's own).
        #[arg(long)]
        template: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change an update's subject or body (an approved one needs approval
    /// again).
    Edit {
        incident: String,
        id: u64,
        #[arg(long)]
        subject: Option<String>,
        /// The new body from a file, or `-` for standard input.
        #[arg(long, value_name = "FILE")]
        body: Option<PathBuf>,
    },
    /// Approve an update (the communications lead; with none, the
    /// commander; or an admin).
    Approve { incident: String, id: u64 },
    /// Send an update to the stakeholder lists of the incident's systems.
    Send { incident: String, id: u64 },
    /// The incident's updates with their status and recipients.
    List {
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
    /// systems, min_severity, endpoint; account and from for the SMS
    /// provider, kind twilio; project for a tracker, kind github or jira).
    /// The credential (Teams webhook URL, PagerDuty routing key, Opsgenie
    /// API key, Slack bot token, the SMS provider's auth token, a GitHub
    /// token, Jira's email:api-token) is read from standard input, so it
    /// stays out of files and shell history; it is stored sealed. A
    /// tracker's webhook secret, if it has one, is the next line.
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
