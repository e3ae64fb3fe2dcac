//! Offline analyses: `analyze` over decision logs, and the RCA artifacts
//! (`rca`, `fmea`, `fta`).

use clap::{Args, Subcommand};
use std::path::PathBuf;

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
    /// Conversation logs of a chatbot or LLM: the share of turns a detector or cohort flags
    /// per bucket with its interval and change points, and two versions or periods compared.
    Conversations(ConversationsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanArg {
    Input,
    Output,
    Both,
}

#[derive(Debug, Args)]
pub struct ConversationsArgs {
    /// Parquet, CSV, JSON Lines, or OpenTelemetry GenAI spans as JSON Lines (docs/conversations.md).
    pub log: PathBuf,
    /// A detector that flags turns, e.g. pii, secrets, medical_dosage (docs/detectors.md).
    #[arg(long, value_name = "NAME")]
    pub detector: Option<String>,
    /// The text the detector reads.
    #[arg(long, value_enum, default_value = "output")]
    pub scan: ScanArg,
    /// With --detector, the turns looked at; alone, what flags a turn, e.g.
    /// "output contains any of @dosage.txt" (grammar: docs/cohorts.md).
    #[arg(long = "where", value_name = "EXPR")]
    pub cohort: Option<String>,
    /// Two sides to compare: time windows A..B, model=V or prompt=V.
    #[arg(long, num_args = 2, value_names = ["A", "B"], allow_hyphen_values = true)]
    pub compare: Option<Vec<String>>,
    #[arg(long, value_enum, default_value = "day")]
    pub bucket: BucketArg,
    /// A column for a role, ROLE=COLUMN (conversation_id, timestamp, input, output, turn,
    /// model_version, prompt_version, segment); repeatable.
    #[arg(long = "column", value_name = "ROLE=COLUMN")]
    pub columns: Vec<String>,
    /// Draw this many flagged turns for review, stratified by model version, with personal
    /// data and secrets masked; with --incident the server keeps the sample as evidence.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub sample: usize,
    /// The sample's random seed: the same seed draws the same turns.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub output: ReportOutput,
    #[command(flatten)]
    pub attach: AttachTo,
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
    /// Keep only rows of this cohort on both sides, e.g. "group == 'C' and age > 60" or
    /// "prompt contains any of @keywords.txt" (grammar: docs/cohorts.md).
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
    /// Keep only rows of this cohort, e.g. "prompt contains 'dosage'" (grammar: docs/cohorts.md).
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
    /// Keep only rows of this cohort, in both files (grammar: docs/cohorts.md).
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
    /// Keep only rows of this cohort, e.g. "prompt contains 'dosage'" (grammar: docs/cohorts.md).
    #[arg(long = "where", value_name = "EXPR")]
    pub cohort: Option<String>,
    /// Mark the changes recorded on this system and everything it depends on, and name the
    /// change before each change point (read from the server; repeatable). With `--incident`,
    /// the incident's systems unless given.
    #[arg(long = "system", value_name = "SLUG")]
    pub systems: Vec<String>,
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
