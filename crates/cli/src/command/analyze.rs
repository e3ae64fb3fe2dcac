//! `firebreak analyze`: prediction-log forensics on local files, without a server. The numbers
//! come from `firebreak-forensics` and the documents from `firebreak-report`; this module turns
//! flags into options, prints JSON (the library's serde output, see
//! `crates/forensics/SCHEMA.md`) or renders the report's document as aligned text, Markdown or
//! a self-contained HTML page with charts, and reports refusals of the input as bad input
//! (exit 2, D17).

use crate::InputError;
use crate::cli::{
    AnalyzeCommand, BucketArg, DecisionArgs, DriftArgs, DriftPresetArg, FairnessArgs, ProfileArgs,
    ReportFormat, ReportOutput, TimeseriesArgs,
};
use anyhow::{Context, Result};
use firebreak_forensics::timeseries::Granularity;
use firebreak_forensics::{
    Cohort, DriftOptions, FairnessOptions, ForensicsError, LogSplit, NannyMlOptions, Preset,
    ReadOptions, Table, TimeWindow, TimeseriesOptions, drift_log, find_decision, log_columns,
    nannyml_drift, read_log, read_split,
};
use firebreak_report::forensics::{
    decision_document, drift_document, fairness_document, nannyml_document, profile_document,
    timeseries_document,
};
pub(super) use firebreak_report::significant;
use firebreak_report::{Document, to_html, to_markdown, to_text};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub fn run(command: AnalyzeCommand) -> Result<()> {
    match command {
        AnalyzeCommand::Drift(args) => drift(args),
        AnalyzeCommand::Fairness(args) => fairness(args),
        AnalyzeCommand::Profile(args) => profile(args),
        AnalyzeCommand::Timeseries(args) => timeseries(args),
        AnalyzeCommand::Decision(args) => decision(args),
    }
}

// ---------------------------------------------------------------------------------------------
// Drift

/// The validated second step of the drift flags: which rows are reference and which current.
fn drift_split(args: &DriftArgs) -> Result<LogSplit> {
    let usage = |message: &str| -> anyhow::Error {
        InputError(format!(
            "{message}\nhint: give --reference FILE --current FILE, or LOG with \
             --reference-window A..B --current-window C..D, or LOG with \
             --reference-where EXPR --current-where EXPR"
        ))
        .into()
    };
    let windows = args.reference_window.is_some() || args.current_window.is_some();
    let cohorts = args.reference_where.is_some() || args.current_where.is_some();
    match (&args.log, &args.reference, &args.current) {
        (None, Some(reference), Some(current)) => {
            if windows || cohorts {
                return Err(usage(
                    "two files are compared whole; windows and cohort splits take one LOG",
                ));
            }
            Ok(LogSplit::Files {
                reference: reference.clone(),
                current: current.clone(),
            })
        }
        (Some(path), None, None) => match (
            &args.reference_window,
            &args.current_window,
            &args.reference_where,
            &args.current_where,
        ) {
            (Some(reference), Some(current), None, None) => Ok(LogSplit::TimeWindows {
                path: path.clone(),
                timestamp: args.timestamp.clone(),
                reference: parse_window("reference-window", reference)?,
                current: parse_window("current-window", current)?,
            }),
            (None, None, Some(reference), Some(current)) => Ok(LogSplit::Cohorts {
                path: path.clone(),
                reference: parse_cohort_flag("reference-where", reference)?,
                current: parse_cohort_flag("current-where", current)?,
            }),
            _ if windows && cohorts => {
                Err(usage("split LOG by time windows or by cohorts, not both"))
            }
            _ if windows => Err(usage(
                "a time split needs both --reference-window and --current-window",
            )),
            _ if cohorts => Err(usage(
                "a cohort split needs both --reference-where and --current-where",
            )),
            _ => Err(usage(&format!(
                "{} alone has no reference and current side",
                path.display()
            ))),
        },
        (Some(_), _, _) => Err(usage("give either LOG or --reference/--current, not both")),
        (None, Some(_), None) => Err(usage("--reference needs --current")),
        (None, None, Some(_)) => Err(usage("--current needs --reference")),
        (None, None, None) => Err(usage("nothing to compare")),
    }
}

fn parse_window(flag: &str, text: &str) -> Result<TimeWindow> {
    TimeWindow::parse(text).map_err(|error| InputError(format!("--{flag}: {error}")).into())
}

fn parse_cohort_flag(flag: &str, text: &str) -> Result<Cohort> {
    Cohort::parse(text).map_err(|error| InputError(format!("--{flag}: {error}")).into())
}

fn parse_cohort(text: Option<&str>) -> Result<Option<Cohort>> {
    text.map(|text| parse_cohort_flag("where", text))
        .transpose()
}

fn split_path(split: &LogSplit) -> &Path {
    match split {
        LogSplit::Files { current, .. } => current,
        LogSplit::TimeWindows { path, .. } | LogSplit::Cohorts { path, .. } => path,
    }
}

fn drift(args: DriftArgs) -> Result<()> {
    let split = drift_split(&args)?;
    let cohort = parse_cohort(args.cohort.as_deref())?;
    let columns = (!args.columns.is_empty()).then(|| args.columns.clone());
    let refused = refusal_in(split_path(&split));
    let format = format_of(&args.output);
    let text = match args.preset {
        DriftPresetArg::Evidently => {
            let options = DriftOptions {
                preset: Preset::Evidently,
                columns,
                exclude: args.exclude.clone(),
                ..DriftOptions::default()
            };
            let progress = Progress::start("drift");
            let report = drift_log(&split, cohort.as_ref(), &options).map_err(refused)?;
            drop(progress);
            warn_if_empty(report.reference_rows, report.current_rows);
            match format {
                ReportFormat::Json => to_json(&report)?,
                format => {
                    let (reference, current) = describe_split(&split);
                    render(&drift_document(&report, &reference, &current), format)
                }
            }
        }
        DriftPresetArg::Nannyml => {
            let progress = Progress::start("drift");
            let (reference, analysis) =
                read_sides(&split, columns.as_deref(), cohort.as_ref()).map_err(&refused)?;
            warn_if_empty(reference.row_count, analysis.row_count);
            let mut exclude = args.exclude.clone();
            if let LogSplit::TimeWindows { timestamp, .. } = &split {
                exclude.push(timestamp.clone());
            }
            let options = NannyMlOptions {
                columns,
                exclude,
                ..NannyMlOptions::default()
            };
            let report = nannyml_drift(&reference, &analysis, &options).map_err(refused)?;
            drop(progress);
            match format {
                ReportFormat::Json => to_json(&report)?,
                format => {
                    let (reference, analysis) = describe_split(&split);
                    render(&nannyml_document(&report, &reference, &analysis), format)
                }
            }
        }
    };
    emit(&args.output, &text)
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

/// Both sides of a split as whole tables (NannyML chunks need every row of a column at once).
fn read_sides(
    split: &LogSplit,
    columns: Option<&[String]>,
    cohort: Option<&Cohort>,
) -> Result<(Table, Table), ForensicsError> {
    let wanted: Option<Vec<String>> = columns.map(|columns| {
        let mut wanted = columns.to_vec();
        let mut extra: Vec<String> = cohort.map(Cohort::columns).unwrap_or_default();
        if let LogSplit::Cohorts {
            reference, current, ..
        } = split
        {
            extra.extend(reference.columns());
            extra.extend(current.columns());
        }
        for name in extra {
            if !wanted.contains(&name) {
                wanted.push(name);
            }
        }
        wanted
    });
    let read = |path: &Path| {
        read_log(
            path,
            &ReadOptions {
                columns: wanted.clone(),
                window: None,
            },
        )
    };
    let (reference, current) = match split {
        LogSplit::Files { reference, current } => (read(reference)?, read(current)?),
        LogSplit::TimeWindows {
            path,
            timestamp,
            reference,
            current,
        } => read_split(path, wanted.as_deref(), timestamp, *reference, *current)?,
        LogSplit::Cohorts {
            path,
            reference,
            current,
        } => {
            let table = read(path)?;
            (reference.select(&table)?, current.select(&table)?)
        }
    };
    match cohort {
        Some(cohort) => Ok((cohort.select(&reference)?, cohort.select(&current)?)),
        None => Ok((reference, current)),
    }
}

fn describe_split(split: &LogSplit) -> (String, String) {
    match split {
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
                window_text(reference)
            ),
            format!("{} {timestamp} in {}", path.display(), window_text(current)),
        ),
        LogSplit::Cohorts { path, .. } => (
            format!("{} (--reference-where)", path.display()),
            format!("{} (--current-where)", path.display()),
        ),
    }
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

// ---------------------------------------------------------------------------------------------
// Fairness

fn fairness(args: FairnessArgs) -> Result<()> {
    if args.group.is_empty() || args.group.len() > 2 {
        return Err(InputError(
            "--group takes one protected attribute, or two comma-separated for their intersection"
                .into(),
        )
        .into());
    }
    let cohort = parse_cohort(args.cohort.as_deref())?;
    let refused = refusal_in(&args.log);
    let mut wanted: Vec<String> = args.group.clone();
    wanted.push(args.label.clone());
    wanted.push(args.prediction.clone());
    wanted.extend(args.score.iter().cloned());
    wanted.extend(cohort.iter().flat_map(Cohort::columns));
    let progress = Progress::start("fairness");
    let table = read_cohort(&args.log, wanted, cohort.as_ref()).map_err(&refused)?;
    refuse_empty_cohort(&table, &args.log, args.cohort.as_deref())?;
    let options = FairnessOptions {
        group_columns: args.group.clone(),
        label: args.label.clone(),
        prediction: args.prediction.clone(),
        score: args.score.clone(),
        reference_group: args.reference_group.clone(),
    };
    let report = firebreak_forensics::fairness(&table, &options).map_err(refused)?;
    drop(progress);
    let text = match format_of(&args.output) {
        ReportFormat::Json => to_json(&report)?,
        format => {
            let source = format!(
                "{}: decisions `{}` against outcomes `{}`",
                args.log.display(),
                args.prediction,
                args.label
            );
            render(&fairness_document(&report, &source), format)
        }
    };
    emit(&args.output, &text)
}

/// Reads the named columns (each once) and keeps the cohort's rows.
fn read_cohort(
    path: &Path,
    columns: Vec<String>,
    cohort: Option<&Cohort>,
) -> Result<Table, ForensicsError> {
    let mut unique: Vec<String> = Vec::with_capacity(columns.len());
    for name in columns {
        if !unique.contains(&name) {
            unique.push(name);
        }
    }
    let table = read_log(
        path,
        &ReadOptions {
            columns: Some(unique),
            window: None,
        },
    )?;
    match cohort {
        Some(cohort) => cohort.select(&table),
        None => Ok(table),
    }
}

/// A cohort that selects nothing is almost always a typo in `--where`; refuse it rather than
/// print rates of nobody.
fn refuse_empty_cohort(table: &Table, path: &Path, cohort: Option<&str>) -> Result<()> {
    match cohort {
        Some(expression) if table.row_count == 0 => Err(InputError(format!(
            "--where `{expression}` selects no rows of {}",
            path.display()
        ))
        .into()),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Profile

fn profile(args: ProfileArgs) -> Result<()> {
    let cohort = parse_cohort(args.cohort.as_deref())?;
    let progress = Progress::start("profile");
    let read = |path: &Path| -> Result<Table> {
        let table = read_log(path, &ReadOptions::default()).map_err(refusal_in(path))?;
        let table = match &cohort {
            Some(cohort) => cohort.select(&table).map_err(refusal_in(path))?,
            None => table,
        };
        refuse_empty_cohort(&table, path, args.cohort.as_deref())?;
        Ok(table)
    };
    let current = read(&args.log)?;
    let reference = args.reference.as_deref().map(read).transpose()?;
    let report = firebreak_forensics::profile(&current, reference.as_ref());
    drop(progress);
    let text = match format_of(&args.output) {
        ReportFormat::Json => to_json(&report)?,
        format => render(&profile_document(&report), format),
    };
    emit(&args.output, &text)
}

fn abbreviated(items: &[String], shown: usize) -> String {
    if items.len() <= shown {
        items.join(", ")
    } else {
        format!(
            "{}, … ({} more)",
            items[..shown].join(", "),
            items.len() - shown
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Time series

fn timeseries(args: TimeseriesArgs) -> Result<()> {
    let cohort = parse_cohort(args.cohort.as_deref())?;
    let refused = refusal_in(&args.log);
    let mut wanted = vec![args.timestamp.clone()];
    wanted.extend(
        [&args.label, &args.prediction, &args.score, &args.group]
            .into_iter()
            .flatten()
            .cloned(),
    );
    wanted.extend(cohort.iter().flat_map(Cohort::columns));
    let progress = Progress::start("time series");
    let table = read_cohort(&args.log, wanted, cohort.as_ref()).map_err(&refused)?;
    refuse_empty_cohort(&table, &args.log, args.cohort.as_deref())?;
    let options = TimeseriesOptions {
        timestamp: args.timestamp.clone(),
        granularity: match args.bucket {
            BucketArg::Hour => Granularity::Hour,
            BucketArg::Day => Granularity::Day,
            BucketArg::Week => Granularity::Week,
        },
        label: args.label.clone(),
        prediction: args.prediction.clone(),
        score: args.score.clone(),
        group: args.group.clone(),
    };
    let report = firebreak_forensics::timeseries(&table, &options).map_err(refused)?;
    drop(progress);
    let text = match format_of(&args.output) {
        ReportFormat::Json => to_json(&report)?,
        format => {
            let source = format!("{} by `{}`", args.log.display(), args.timestamp);
            render(&timeseries_document(&report, &source), format)
        }
    };
    emit(&args.output, &text)
}

// ---------------------------------------------------------------------------------------------
// One decision

fn decision(args: DecisionArgs) -> Result<()> {
    let record = find_decision(&args.log, &args.id_column, &args.decision_id)
        .map_err(refusal_in(&args.log))?
        .ok_or_else(|| {
            InputError(format!(
                "{} has no row whose `{}` is `{}`",
                args.log.display(),
                args.id_column,
                args.decision_id
            ))
        })?;
    let text = match format_of(&args.output) {
        ReportFormat::Json => to_json(&record)?,
        format => render(&decision_document(&record), format),
    };
    emit(&args.output, &text)
}

// ---------------------------------------------------------------------------------------------
// Shared by the offline commands (`analyze`, `rca`)

/// Turns a refusal of the library into bad input (exit 2), with the file's columns as a hint
/// when a column is missing. Only a failure of the machine to open an existing file stays a
/// runtime error (exit 1).
fn refusal_in(path: &Path) -> impl Fn(ForensicsError) -> anyhow::Error + '_ {
    move |error| match &error {
        ForensicsError::Open { source, .. } if !is_users_path_error(source) => {
            anyhow::Error::new(error)
        }
        // Only the file named in the message gets its columns listed (drift reads two).
        ForensicsError::MissingColumn { source_name, .. }
            if source_name.starts_with(&path.display().to_string()) =>
        {
            let hint = log_columns(path)
                .map(|columns| {
                    let names: Vec<String> = columns.into_iter().map(|(name, _)| name).collect();
                    format!(
                        "\nhint: {} has the columns {}",
                        path.display(),
                        abbreviated(&names, 30)
                    )
                })
                .unwrap_or_default();
            InputError(format!("{error}{hint}")).into()
        }
        _ => InputError(error.to_string()).into(),
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
