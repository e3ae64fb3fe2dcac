//! Commands over the record: incidents, systems, users and tokens, control,
//! hooks, integrations, alerts.

use super::JsonFlag;
use clap::{Args, Subcommand};
use std::path::PathBuf;

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

/// What declaring an incident asks for, from scratch or from an alert.
#[derive(Debug, Args)]
pub struct DeclareArgs {
    #[arg(long)]
    pub title: String,
    /// sev1 (critical), sev2 (major), sev3 (minor) or sev4 (low).
    #[arg(long)]
    pub severity: String,
    /// Why this severity.
    #[arg(long)]
    pub rationale: Option<String>,
    /// An affected system's slug; repeat for each.
    #[arg(long = "system", required = true)]
    pub systems: Vec<String>,
    #[arg(long)]
    pub summary: Option<String>,
    /// real, drill or test.
    #[arg(long, default_value = "real")]
    pub kind: String,
    /// A harm category; repeat for each.
    #[arg(long = "harm")]
    pub harms: Vec<String>,
    #[arg(long = "model-version")]
    pub model_versions: Vec<String>,
    #[arg(long)]
    pub people_affected: Option<u64>,
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    #[arg(long)]
    pub impact_started: Option<String>,
    #[arg(long)]
    pub detected: Option<String>,
    #[arg(long)]
    pub aware: Option<String>,
    /// Who or what found it: monitor, external_alert, employee,
    /// complaint, audit, media, regulator or partner.
    #[arg(long)]
    pub detection_source: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    Declare {
        #[command(flatten)]
        incident: DeclareArgs,
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
    /// Link an incident as a recurrence of an earlier one (`--of INC-3`) or
    /// remove the link (`--clear`); with neither, show the link, the
    /// earlier post-mortem's action items and the suggested earlier incidents.
    Recurrence {
        id: String,
        /// The earlier incident.
        #[arg(long, conflicts_with = "clear")]
        of: Option<String>,
        /// Remove the link.
        #[arg(long)]
        clear: bool,
        /// Why, for the timeline.
        #[arg(long)]
        reason: Option<String>,
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
        /// Who or what found it: monitor, external_alert, employee,
        /// complaint, audit, media, regulator or partner.
        #[arg(long)]
        detection_source: Option<String>,
        #[command(flatten)]
        impact: ImpactFlags,
        #[arg(long)]
        json: bool,
    },
    /// Answer the severity rubric's questions: prints the suggested
    /// severity, and sets it (or `--severity`, with `--rationale`).
    Assess {
        id: String,
        /// One answer, DIMENSION=LEVEL; repeat for every dimension
        /// (`firebreak incident rubric` lists them).
        #[arg(long = "answer", value_name = "DIMENSION=LEVEL")]
        answers: Vec<String>,
        /// Choose another severity than the suggested one.
        #[arg(long)]
        severity: Option<String>,
        /// Why, when choosing another severity.
        #[arg(long)]
        rationale: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The severity rubric's questions and answers.
    Rubric {
        #[arg(long)]
        json: bool,
    },
}

/// Impact and cost: amounts in whole units of `--currency`.
#[derive(Debug, Args)]
pub struct ImpactFlags {
    #[arg(long)]
    pub people_confirmed: Option<u64>,
    #[arg(long)]
    pub decisions_affected: Option<u64>,
    /// ISO 4217 code of the amounts, e.g. EUR.
    #[arg(long)]
    pub currency: Option<String>,
    #[arg(long)]
    pub remediation_cost: Option<u64>,
    #[arg(long)]
    pub refunds: Option<u64>,
    #[arg(long)]
    pub penalties: Option<u64>,
    /// Minutes a system was down, SYSTEM=MINUTES (0 removes); repeatable.
    #[arg(long = "downtime", value_name = "SYSTEM=MINUTES")]
    pub downtime: Vec<String>,
    /// What was done for the customers affected.
    #[arg(long)]
    pub customer_remediation: Option<String>,
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
    /// Link an alert to an incident, e.g. one proposed to it from a system
    /// upstream (`alert link 7 INC-3`).
    Link {
        alert: u64,
        incident: String,
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge a firing alert: someone is looking at it.
    #[command(alias = "ack")]
    Acknowledge {
        alert: u64,
        #[arg(long)]
        json: bool,
    },
    /// Resolve an alert by hand.
    Resolve {
        alert: u64,
        #[arg(long)]
        json: bool,
    },
    /// Declare an incident from an alert, linking the alert to it in the
    /// same step (`alert declare 7 --title … --severity sev2 --system scoring`).
    Declare {
        alert: u64,
        #[command(flatten)]
        incident: Box<DeclareArgs>,
        #[arg(long)]
        json: bool,
    },
}
