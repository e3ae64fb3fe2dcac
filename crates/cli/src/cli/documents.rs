//! An incident's documents and evidence: post-mortems and their actions,
//! regulatory assessments, reports and inquiries, the evidence vault.

use super::SignerPin;
use clap::{Args, Subcommand};
use std::path::PathBuf;

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
    /// Move a post-mortem's action item on: open, in_progress, done or
    /// wont_do (with --reason). Marking it done starts its check.
    Status {
        /// INC-<n>
        incident: String,
        /// The item's id, e.g. act-1.
        action: String,
        #[arg(value_enum)]
        status: ActionStatusArg,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Name how an action item is proven to work: a monitor staying within
    /// its thresholds for --runs runs after it is done, a forensics
    /// analysis's metric within a bound, or a manual check.
    Check {
        /// INC-<n>
        incident: String,
        /// The item's id, e.g. act-1.
        action: String,
        #[arg(long, conflicts_with_all = ["manual", "clear"], requires = "runs")]
        monitor: Option<String>,
        #[arg(long, requires = "monitor")]
        runs: Option<u32>,
        /// What a person checks by hand.
        #[arg(long, conflicts_with = "clear")]
        manual: Option<String>,
        /// A forensics analysis run once the item is done, from a JSON file:
        /// {"request": {"analysis": "fairness", "log": "EV-4", …}, "metric":
        /// "/groups/2/selection_rate", "at_least": 0.3}; its inputs are the
        /// incident's evidence (the log after the fix).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["monitor", "manual", "clear"])]
        finding: Option<PathBuf>,
        /// Remove the check.
        #[arg(long)]
        clear: bool,
        #[arg(long)]
        json: bool,
    },
    /// Record a manual verification of a done item; a failed one reopens it.
    Verify {
        /// INC-<n>
        incident: String,
        /// The item's id, e.g. act-1.
        action: String,
        #[arg(long, conflicts_with = "failed", required_unless_present = "failed")]
        passed: bool,
        #[arg(long)]
        failed: bool,
        /// What was checked and found.
        #[arg(long)]
        detail: String,
        /// An evidence id of the incident the check rests on; repeat for each.
        #[arg(long)]
        evidence: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Track an action item in a ticket system: the tracker channel (kind
    /// github or jira) makes an issue for it, and the item follows the
    /// issue's state from then on.
    Ticket {
        /// INC-<n>
        incident: String,
        /// The item's id, e.g. act-1.
        action: String,
        /// The tracker channel's slug.
        #[arg(long)]
        tracker: String,
        #[arg(long)]
        json: bool,
    },
    /// Every action item as CSV, CSV for Jira's CSV importer (`jira`), or JSON
    /// Lines for GitHub issue import.
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
pub enum ActionStatusArg {
    Open,
    InProgress,
    Done,
    WontDo,
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
        /// Why to draft it although its regime does not apply (recorded).
        #[arg(long)]
        override_reason: Option<String>,
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
pub enum InquiryCommand {
    /// Record a regulator's inquiry; its clock runs from --received to --due or for --within.
    #[command(visible_alias = "add")]
    #[command(group(clap::ArgGroup::new("due_moment").required(true).args(["due", "within"])))]
    Open {
        /// INC-<n>
        incident: String,
        #[arg(long)]
        regulator: String,
        /// The regulator's reference for the inquiry.
        #[arg(long)]
        reference: String,
        /// When it came, with an offset (2026-03-02T09:00:00Z).
        #[arg(long, value_name = "AT")]
        received: String,
        /// The due moment the regulator set, with an offset.
        #[arg(long, value_name = "AT")]
        due: Option<String>,
        /// A period from receipt: hours (72h) or calendar days (10d).
        #[arg(long, value_name = "PERIOD")]
        within: Option<String>,
        /// One of its questions, in the regulator's order; repeat for each.
        #[arg(long = "question", value_name = "TEXT", required = true)]
        questions: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// An incident's inquiries with their clocks.
    List {
        /// INC-<n>
        incident: String,
        #[arg(long)]
        json: bool,
    },
    /// One inquiry with its questions and answers.
    Show {
        /// INC-<n>
        incident: String,
        /// Q<n>
        inquiry: String,
        #[arg(long)]
        json: bool,
    },
    /// Answer (or re-answer) one question of an inquiry.
    #[command(visible_alias = "respond")]
    Answer {
        /// INC-<n>
        incident: String,
        /// Q<n>
        inquiry: String,
        /// The question's number, from 1.
        question: usize,
        /// The answer (Markdown).
        #[arg(long)]
        text: String,
        #[arg(long)]
        json: bool,
    },
    /// Record that the response went to the regulator (commander); its clock stops.
    Submit {
        /// INC-<n>
        incident: String,
        /// Q<n>
        inquiry: String,
        /// The reference it went under; the inquiry's own by default.
        #[arg(long)]
        reference: Option<String>,
        /// Why it goes with questions unanswered, if it does.
        #[arg(long)]
        unanswered_reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write the response pack as Markdown, HTML or PDF.
    Pack {
        /// INC-<n>
        incident: String,
        /// Q<n>
        inquiry: String,
        #[arg(long, value_enum, default_value = "md")]
        format: DocumentFormat,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Write the signed evidence bundle of the response, with the pack as PDF in it.
    Bundle {
        /// INC-<n>
        incident: String,
        /// Q<n>
        inquiry: String,
        #[arg(short, long)]
        output: PathBuf,
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
