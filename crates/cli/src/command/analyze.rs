//! `firebreak analyze`: prediction-log forensics on local files, without a server. The flags
//! become the same `AnalysisRequest` the API takes (paths as the input names), run by
//! `firebreak_forensics::request::run`; this module prints the result as JSON (the library's
//! serde output, see `crates/forensics/SCHEMA.md`) or renders the report's document as aligned
//! text, Markdown or a self-contained HTML page with charts, and reports refusals of the input
//! as bad input (exit 2, D17). With `--incident` the input files go to the evidence vault and
//! the server recomputes the same request from the vault copies as a finding (D24).

use crate::InputError;
use crate::cli::{AnalyzeCommand, BucketArg, DriftPresetArg, ReportFormat, ReportOutput, ScanArg};
use anyhow::{Context, Result};
use firebreak_core::incident::{parse_public_id, public_id};
use firebreak_forensics::cohort::read_keyword_file;
use firebreak_forensics::conversation::request::ConversationsRequest;
use firebreak_forensics::conversation::sample::SampleOptions;
use firebreak_forensics::conversation::{ConversationMapping, TextSide};
use firebreak_forensics::load::check_self_describing;
use firebreak_forensics::request::{
    self, AnalysisRequest, AnalysisResult, DecisionRequest, DriftPreset, DriftRequest,
    FairnessRequest, ProfileRequest, TimeseriesRequest,
};
use firebreak_forensics::timeseries::Granularity;
use firebreak_forensics::{ForensicsError, LogSplit, TimeWindow, log_columns};
use firebreak_report::forensics::{
    abbreviated, conversations_document, decision_document, drift_document, fairness_document,
    nannyml_document, profile_document, timeseries_document,
};
pub(super) use firebreak_report::significant;

mod server;
use firebreak_report::{Document, to_html, to_markdown, to_text};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// An analysis as the flags describe it: what to run, where to print it, and the incident to
/// attach it to.
struct Analysis {
    request: AnalysisRequest,
    output: ReportOutput,
    incident: Option<String>,
    /// Systems whose recorded changes a time series is marked with.
    systems: Vec<String>,
}

pub async fn run(command: AnalyzeCommand) -> Result<()> {
    let Analysis {
        request,
        output,
        incident,
        systems,
    } = analysis_of(command)?;
    let incident = incident
        .map(|id| parse_public_id(&id).map(public_id).map_err(InputError))
        .transpose()?;
    let progress = Progress::start(match &request {
        AnalysisRequest::Timeseries(_) => "time series",
        other => other.name(),
    });
    let result = request::run(&request, &by_path, &read_keyword_file)
        .map_err(|error| refusal(&request, error))?;
    drop(progress);
    let result = result.ok_or_else(|| match &request {
        AnalysisRequest::Decision(r) => InputError(format!(
            "{} has no row whose `{}` is `{}`",
            r.log, r.id_column, r.decision_id
        )),
        other => InputError(format!("{} found nothing", other.name())),
    })?;
    if let Some((reference_rows, current_rows)) = result.drift_rows() {
        warn_if_empty(reference_rows, current_rows);
    }
    // Refuse before printing or uploading anything: the server must analyse what was analysed here.
    let target = match &incident {
        Some(incident) => Some(server::Target::of(incident, &request).await?),
        None => None,
    };
    let result = server::mark_changes(result, &systems, target.as_ref()).await?;
    let text = match format_of(&output) {
        ReportFormat::Json => to_json(&result)?,
        format => render(&document_of(&request, &result)?, format),
    };
    let Some(target) = target else {
        return emit(&output, &text);
    };
    emit(&output, &text)?;
    target.attach(&request, &result).await
}

/// The request and output the flags of one subcommand describe.
fn analysis_of(command: AnalyzeCommand) -> Result<Analysis> {
    let systems = match &command {
        AnalyzeCommand::Timeseries(args) => args.systems.clone(),
        _ => Vec::new(),
    };
    let (request, output, attach) = match command {
        AnalyzeCommand::Drift(args) => (
            AnalysisRequest::Drift(DriftRequest {
                log: optional_input(args.log.as_deref())?,
                reference: optional_input(args.reference.as_deref())?,
                current: optional_input(args.current.as_deref())?,
                reference_window: args.reference_window,
                current_window: args.current_window,
                timestamp: args.timestamp,
                reference_where: args.reference_where,
                current_where: args.current_where,
                preset: match args.preset {
                    DriftPresetArg::Evidently => DriftPreset::Evidently,
                    DriftPresetArg::Nannyml => DriftPreset::Nannyml,
                },
                columns: args.columns,
                exclude: args.exclude,
                cohort: args.cohort,
            }),
            args.output,
            args.attach,
        ),
        AnalyzeCommand::Fairness(args) => (
            AnalysisRequest::Fairness(FairnessRequest {
                log: input_name(&args.log)?,
                group: args.group,
                label: args.label,
                prediction: args.prediction,
                score: args.score,
                reference_group: args.reference_group,
                cohort: args.cohort,
            }),
            args.output,
            args.attach,
        ),
        AnalyzeCommand::Profile(args) => (
            AnalysisRequest::Profile(ProfileRequest {
                log: input_name(&args.log)?,
                reference: optional_input(args.reference.as_deref())?,
                cohort: args.cohort,
            }),
            args.output,
            args.attach,
        ),
        AnalyzeCommand::Timeseries(args) => (
            AnalysisRequest::Timeseries(TimeseriesRequest {
                log: input_name(&args.log)?,
                timestamp: args.timestamp,
                bucket: granularity(args.bucket),
                label: args.label,
                prediction: args.prediction,
                score: args.score,
                group: args.group,
                cohort: args.cohort,
            }),
            args.output,
            args.attach,
        ),
        AnalyzeCommand::Decision(args) => (
            AnalysisRequest::Decision(DecisionRequest {
                log: input_name(&args.log)?,
                id_column: args.id_column,
                decision_id: args.decision_id,
            }),
            args.output,
            args.attach,
        ),
        AnalyzeCommand::Conversations(args) => (
            AnalysisRequest::Conversations(ConversationsRequest {
                log: input_name(&args.log)?,
                mapping: mapping_of(&args.columns)?,
                format: None,
                detector: args.detector,
                scan: match args.scan {
                    ScanArg::Input => TextSide::Input,
                    ScanArg::Output => TextSide::Output,
                    ScanArg::Both => TextSide::Both,
                },
                cohort: args.cohort,
                bucket: granularity(args.bucket),
                confidence: 0.95,
                compare: args
                    .compare
                    .map(|sides| [sides[0].clone(), sides[1].clone()]),
                ngrams: Default::default(),
                triggers: Default::default(),
                sample: SampleOptions {
                    size: args.sample,
                    seed: args.seed,
                },
            }),
            args.output,
            args.attach,
        ),
    };
    Ok(Analysis {
        request,
        output,
        incident: attach.incident,
        systems,
    })
}

fn granularity(bucket: BucketArg) -> Granularity {
    match bucket {
        BucketArg::Hour => Granularity::Hour,
        BucketArg::Day => Granularity::Day,
        BucketArg::Week => Granularity::Week,
    }
}

/// The column of each role of a conversation log: the defaults, with
/// `ROLE=COLUMN` flags in their place.
fn mapping_of(columns: &[String]) -> Result<ConversationMapping> {
    let mut mapping = ConversationMapping::default();
    for flag in columns {
        let (role, column) = flag
            .split_once('=')
            .filter(|(role, column)| !role.is_empty() && !column.is_empty())
            .ok_or_else(|| InputError(format!("--column `{flag}` should be ROLE=COLUMN")))?;
        let column = column.to_string();
        match role {
            "conversation_id" => mapping.conversation_id = column,
            "timestamp" => mapping.timestamp = column,
            "input" => mapping.input = column,
            "output" => mapping.output = column,
            "turn" => mapping.turn = Some(column),
            "model_version" => mapping.model_version = Some(column),
            "prompt_version" => mapping.prompt_version = Some(column),
            "segment" => mapping.segment = Some(column),
            other => {
                return Err(InputError(format!(
                    "--column `{flag}`: no role `{other}` (conversation_id, timestamp, input, \
                     output, turn, model_version, prompt_version, segment)"
                ))
                .into());
            }
        }
    }
    Ok(mapping)
}

/// On the command line an input is named by its path.
fn by_path(name: &str) -> Result<PathBuf, ForensicsError> {
    Ok(PathBuf::from(name))
}

/// A path as the name of a request's input; requests travel as JSON, so it must be UTF-8.
fn input_name(path: &Path) -> Result<String> {
    path.to_str().map(str::to_string).ok_or_else(|| {
        InputError(format!(
            "{} is not a UTF-8 path; rename it to analyse it",
            path.display()
        ))
        .into()
    })
}

fn optional_input(path: Option<&Path>) -> Result<Option<String>> {
    path.map(input_name).transpose()
}

/// The report's document for a result, with its inputs described as the flags named them.
fn document_of(request: &AnalysisRequest, result: &AnalysisResult) -> Result<Document> {
    Ok(match (request, result) {
        (AnalysisRequest::Drift(r), AnalysisResult::Drift(report)) => {
            let (reference, current) = describe_drift(r)?;
            drift_document(report, &reference, &current)
        }
        (AnalysisRequest::Drift(r), AnalysisResult::NannyMl(report)) => {
            let (reference, analysis) = describe_drift(r)?;
            nannyml_document(report, &reference, &analysis)
        }
        (AnalysisRequest::Fairness(r), AnalysisResult::Fairness(report)) => {
            let source = format!(
                "{}: decisions `{}` against outcomes `{}`",
                r.log, r.prediction, r.label
            );
            fairness_document(report, &source)
        }
        (AnalysisRequest::Timeseries(r), AnalysisResult::Timeseries(report)) => {
            let source = format!("{} by `{}`", r.log, r.timestamp);
            timeseries_document(report, &source)
        }
        (AnalysisRequest::Conversations(r), AnalysisResult::Conversations(report)) => {
            conversations_document(report, &r.log)
        }
        (_, AnalysisResult::Profile(report)) => profile_document(report),
        (_, AnalysisResult::Decision(record)) => decision_document(record),
        (request, _) => anyhow::bail!("{} returned another analysis's result", request.name()),
    })
}

/// The reference and current side of a drift, for the document's metadata.
fn describe_drift(r: &DriftRequest) -> Result<(String, String)> {
    let split = request::drift_split(r, &by_path, &read_keyword_file)
        .context("the drift that just ran no longer splits")?;
    Ok(match split {
        LogSplit::Files { reference, current } => (
            reference.display().to_string(),
            current.display().to_string(),
        ),
        LogSplit::TimeWindows {
            path,
            timestamp,
            reference,
            current,
        } => (
            format!(
                "{} {timestamp} in {}",
                path.display(),
                window_text(&reference)
            ),
            format!(
                "{} {timestamp} in {}",
                path.display(),
                window_text(&current)
            ),
        ),
        LogSplit::Cohorts { path, .. } => (
            format!("{} (--reference-where)", path.display()),
            format!("{} (--current-where)", path.display()),
        ),
    })
}

fn window_text(window: &TimeWindow) -> String {
    let side = |nanos: Option<i64>| {
        nanos
            .and_then(|nanos| jiff::Timestamp::from_nanosecond(i128::from(nanos)).ok())
            .map(|at| at.to_string())
            .unwrap_or_default()
    };
    format!("[{}, {})", side(window.start), side(window.end))
        .replace("[, ", "[…, ")
        .replace(", )", ", …)")
}

/// An empty side is a legitimate answer (every column is reported as skipped), but usually a
/// window or cohort that missed, so say so where a person will see it.
fn warn_if_empty(reference_rows: usize, current_rows: usize) {
    for (side, rows) in [("reference", reference_rows), ("current", current_rows)] {
        if rows == 0 {
            eprintln!("warning: the {side} side has no rows; check the window or cohort");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared by the offline commands (`analyze`, `rca`)

/// A refusal of the library as bad input (exit 2), in the words of the flags: a request field
/// is named as its flag, and a missing column gets the columns of the file it is missing from
/// as a hint. Only a failure of the machine to open an existing file stays a runtime error
/// (exit 1).
fn refusal(request: &AnalysisRequest, error: ForensicsError) -> anyhow::Error {
    let flag = |field: &str| format!("--{}", field.replace('_', "-"));
    match error {
        ForensicsError::Open { ref source, .. } if !is_users_path_error(source) => {
            anyhow::Error::new(error)
        }
        ForensicsError::MissingColumn {
            ref source_name, ..
        } => {
            let file = request
                .inputs()
                .into_iter()
                .filter(|input| source_name.starts_with(input))
                .max_by_key(|input| input.len());
            let hint = file
                .and_then(|file| Some((file, log_columns(Path::new(file)).ok()?)))
                .map(|(file, columns)| {
                    let names: Vec<String> = columns.into_iter().map(|(name, _)| name).collect();
                    format!("\nhint: {file} has the columns {}", abbreviated(&names, 30))
                })
                .unwrap_or_default();
            InputError(format!("{error}{hint}")).into()
        }
        ForensicsError::Field { field, error } => {
            InputError(format!("{}: {error}", flag(field))).into()
        }
        ForensicsError::BadSplit(problem) => {
            let log = match request {
                AnalysisRequest::Drift(r) => r.log.clone(),
                _ => None,
            };
            let message = problem.describe(&|field| match (field, &log) {
                ("log", Some(log)) => log.clone(),
                ("log", None) => "LOG".to_string(),
                (field, _) => flag(field),
            });
            InputError(format!(
                "{message}\nhint: give --reference FILE --current FILE, or LOG with \
                 --reference-window A..B --current-window C..D, or LOG with \
                 --reference-where EXPR --current-where EXPR"
            ))
            .into()
        }
        error => InputError(error.to_string()).into(),
    }
}

/// A forensics document in the chosen format; JSON is the report itself and never gets here.
fn render(document: &Document, format: ReportFormat) -> String {
    match format {
        ReportFormat::Md => to_markdown(document),
        ReportFormat::Html => to_html(document),
        ReportFormat::Table | ReportFormat::Json => to_text(document),
    }
}

pub(super) fn format_of(output: &ReportOutput) -> ReportFormat {
    if output.json {
        ReportFormat::Json
    } else {
        output.format
    }
}

pub(super) fn to_json(value: &impl serde::Serialize) -> Result<String> {
    let mut text = serde_json::to_string_pretty(value).context("cannot serialise the result")?;
    text.push('\n');
    Ok(text)
}

/// Writes the result to `-o FILE` or standard output.
pub(super) fn emit(output: &ReportOutput, text: &str) -> Result<()> {
    match &output.output {
        Some(path) => write_file(path, text),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
            Ok(())
        }
    }
}

/// Writes an output file; a path that cannot exist or be written is the user's (exit 2), a
/// failing disk is not (exit 1).
pub(super) fn write_file(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).map_err(|error| {
        let message = format!("cannot write {}: {error}", path.display());
        if is_users_path_error(&error) {
            InputError(message).into()
        } else {
            anyhow::Error::new(error).context(message)
        }
    })
}

/// I/O errors that come from the path the user gave rather than from the machine.
pub(super) fn is_users_path_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::NotFound
            | ErrorKind::PermissionDenied
            | ErrorKind::IsADirectory
            | ErrorKind::NotADirectory
            | ErrorKind::InvalidFilename
    )
}

/// A number with four significant digits, scientific below 1e-4 (as C's `%g`) or from 1e6.
pub(super) fn number(value: f64) -> String {
    significant(value, 4)
}

/// Text output: aligned plain tables, or Markdown with the same content.
pub(super) struct Text {
    markdown: bool,
    out: String,
}

impl Text {
    pub(super) fn new(markdown: bool) -> Text {
        Text {
            markdown,
            out: String::new(),
        }
    }

    pub(super) fn heading(&mut self, title: &str) {
        if self.markdown {
            self.out.push_str(&format!("# {title}\n\n"));
        } else {
            self.out.push_str(&format!("{title}\n"));
        }
    }

    pub(super) fn subheading(&mut self, title: &str) {
        if self.markdown {
            self.out.push_str(&format!("## {title}\n\n"));
        } else {
            self.line(title);
        }
    }

    pub(super) fn line(&mut self, text: &str) {
        self.out.push_str(text);
        // Markdown joins consecutive lines into one paragraph; a trailing double space breaks it.
        if self.markdown {
            self.out.push_str("  ");
        }
        self.out.push('\n');
    }

    pub(super) fn blank(&mut self) {
        self.out.push('\n');
    }

    pub(super) fn table<H: AsRef<str>>(&mut self, headers: &[H], rows: &[Vec<String>]) {
        let headers: Vec<&str> = headers.iter().map(AsRef::as_ref).collect();
        if self.markdown {
            let escape = |cell: &str| cell.replace('|', "\\|");
            let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
            self.out
                .push_str(&line(headers.iter().map(|h| escape(h)).collect()));
            self.out
                .push_str(&line(headers.iter().map(|_| "---".to_string()).collect()));
            for row in rows {
                self.out
                    .push_str(&line(row.iter().map(|cell| escape(cell)).collect()));
            }
            return;
        }
        let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
        for row in rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut line = |cells: Vec<&str>| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            self.out.push_str(padded.join("  ").trim_end());
            self.out.push('\n');
        };
        line(headers.clone());
        for row in rows {
            line(row.iter().map(String::as_str).collect());
        }
    }

    pub(super) fn finish(self) -> String {
        self.out
    }
}

/// A spinner with elapsed seconds on standard error while an analysis runs, only when standard
/// error is a terminal; it draws nothing for runs shorter than a quarter second.
pub(super) struct Progress {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    pub(super) fn start(what: &str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress {
                stop: None,
                thread: None,
            };
        }
        let what = what.to_string();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            if stopped.recv_timeout(Duration::from_millis(250))
                != Err(mpsc::RecvTimeoutError::Timeout)
            {
                return;
            }
            let frames = ['|', '/', '-', '\\'];
            for frame in frames.iter().cycle() {
                eprint!("\r{frame} {what}: {:.1} s", started.elapsed().as_secs_f64());
                if stopped.recv_timeout(Duration::from_millis(100))
                    != Err(mpsc::RecvTimeoutError::Timeout)
                {
                    break;
                }
            }
            eprint!("\r\x1b[2K");
        });
        Progress {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // Dropping the sender wakes the spinner, which clears its line before main prints.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
