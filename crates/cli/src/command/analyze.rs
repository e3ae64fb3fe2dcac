//! `firebreak analyze`: prediction-log forensics on local files, without a server. The numbers
//! come from `firebreak-forensics`; this module turns flags into its options, prints tables,
//! JSON (the library's serde output, see `crates/forensics/SCHEMA.md`) or a short Markdown
//! summary, and reports refusals of the input as bad input (exit 2, D17).

use crate::InputError;
use crate::cli::{
    AnalyzeCommand, BucketArg, DecisionArgs, DriftArgs, DriftPresetArg, FairnessArgs, ProfileArgs,
    ReportFormat, ReportOutput, TimeseriesArgs,
};
use anyhow::{Context, Result};
use firebreak_forensics::drift::{ColumnKind, DriftMethod};
use firebreak_forensics::nannyml::Period;
use firebreak_forensics::timeseries::Granularity;
use firebreak_forensics::{
    Cohort, DriftOptions, DriftReport, FairnessOptions, FairnessReport, ForensicsError, LogSplit,
    NannyMlOptions, NannyMlReport, Preset, ProfileReport, ReadOptions, Table, TimeWindow,
    TimeseriesOptions, TimeseriesReport, drift_log, find_decision, log_columns, nannyml_drift,
    read_log, read_split,
};
use std::collections::BTreeMap;
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
                _ => drift_text(&report, &split, format == ReportFormat::Md),
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
                _ => nannyml_text(&report, &split, format == ReportFormat::Md),
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

fn method_name(method: DriftMethod) -> String {
    match method {
        DriftMethod::Wasserstein => "wasserstein".into(),
        DriftMethod::JensenShannon { base: None } => "jensen_shannon".into(),
        DriftMethod::JensenShannon { base: Some(base) } => format!("jensen_shannon (base {base})"),
        DriftMethod::Psi => "psi".into(),
        DriftMethod::KlDivergence => "kl_divergence".into(),
        DriftMethod::KolmogorovSmirnov => "kolmogorov_smirnov".into(),
        DriftMethod::ChiSquare => "chi_square".into(),
        DriftMethod::ChiSquareContingency => "chi_square_contingency".into(),
        DriftMethod::ZTest => "z_test".into(),
        DriftMethod::Hellinger => "hellinger".into(),
    }
}

fn kind_name(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Numerical => "numerical",
        ColumnKind::Categorical => "categorical",
        ColumnKind::Text => "text",
        ColumnKind::Datetime => "datetime",
    }
}

fn drift_text(report: &DriftReport, split: &LogSplit, markdown: bool) -> String {
    let mut out = Text::new(markdown);
    let (reference, current) = describe_split(split);
    out.heading("Drift (Evidently preset)");
    out.line(&format!(
        "reference: {reference}, {} rows",
        report.reference_rows
    ));
    out.line(&format!(
        "current:   {current}, {} rows",
        report.current_rows
    ));
    out.blank();
    let rows: Vec<Vec<String>> = report
        .columns
        .iter()
        .map(|column| {
            let verdict = match &column.skipped {
                Some(reason) => format!("skipped: {reason}"),
                None if column.drift_detected => "DRIFT".into(),
                None => "no drift".into(),
            };
            vec![
                column.column.clone(),
                kind_name(column.kind).into(),
                column.method.map_or_else(|| "-".into(), method_name),
                optional(column.score),
                optional(column.test_statistic),
                number(column.threshold),
                optional(column.p_value),
                verdict,
            ]
        })
        .collect();
    out.table(
        &[
            "column",
            "kind",
            "method",
            "score",
            "statistic",
            "threshold",
            "p-value",
            "verdict",
        ],
        &rows,
    );
    let unseen: Vec<String> = report
        .columns
        .iter()
        .filter(|column| column.unseen_category_count > 0)
        .map(|column| {
            format!(
                "{} ({}: {})",
                column.column,
                column.unseen_category_count,
                column.unseen_categories.join(", ")
            )
        })
        .collect();
    if !unseen.is_empty() {
        out.blank();
        out.line(&format!(
            "categories unseen in the reference: {}",
            unseen.join("; ")
        ));
    }
    out.blank();
    out.line(&format!(
        "dataset: {} ({} of {} tested columns drifted, {:.1} %; dataset drift at {:.0} %)",
        if report.dataset_drift {
            "DRIFT"
        } else {
            "no drift"
        },
        report.drifted_columns,
        report.tested_columns,
        report.share_of_drifted_columns * 100.0,
        report.drift_share * 100.0
    ));
    out.finish()
}

fn nannyml_text(report: &NannyMlReport, split: &LogSplit, markdown: bool) -> String {
    let mut out = Text::new(markdown);
    let (reference, current) = describe_split(split);
    out.heading("Drift (NannyML preset)");
    out.line(&format!("method: {}", report.method));
    out.line(&format!("reference: {reference}"));
    out.line(&format!("analysis:  {current}"));
    out.blank();
    let rows: Vec<Vec<String>> = report
        .columns
        .iter()
        .map(|column| {
            let analysis: Vec<f64> = column
                .chunks
                .iter()
                .filter(|chunk| chunk.period == Period::Analysis)
                .filter_map(|chunk| chunk.value)
                .collect();
            let chunks = column
                .chunks
                .iter()
                .filter(|chunk| chunk.period == Period::Analysis)
                .count();
            let highest = analysis.iter().copied().fold(None, |top: Option<f64>, v| {
                Some(top.map_or(v, |top| top.max(v)))
            });
            vec![
                column.column.clone(),
                column.kind.clone(),
                optional(column.upper_threshold),
                optional(highest),
                format!("{} of {chunks}", column.analysis_alerts),
                if column.analysis_alerts > 0 {
                    "DRIFT".into()
                } else {
                    "no drift".into()
                },
            ]
        })
        .collect();
    out.table(
        &[
            "column",
            "kind",
            "threshold",
            "highest distance",
            "chunks alerting",
            "verdict",
        ],
        &rows,
    );
    let alerting = report
        .columns
        .iter()
        .filter(|column| column.analysis_alerts > 0)
        .count();
    out.blank();
    out.line(&format!(
        "dataset: {alerting} of {} columns alert in at least one analysis chunk",
        report.columns.len()
    ));
    out.finish()
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
        format => fairness_text(&report, &args, format == ReportFormat::Md),
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

fn fairness_text(report: &FairnessReport, args: &FairnessArgs, markdown: bool) -> String {
    let mut out = Text::new(markdown);
    out.heading("Fairness");
    out.line(&format!(
        "{}: decisions `{}` against outcomes `{}` by {}, {} rows",
        args.log.display(),
        args.prediction,
        args.label,
        report.group_columns.join(" × "),
        report.rows
    ));
    out.blank();
    let with_score = args.score.is_some();
    let mut headers = vec![
        "group",
        "count",
        "base rate",
        "selection rate",
        "TPR",
        "FPR",
        "FNR",
        "precision",
        "accuracy",
    ];
    if with_score {
        headers.extend(["AUC", "ECE"]);
    }
    let rows: Vec<Vec<String>> = report
        .groups
        .iter()
        .chain(std::iter::once(&report.overall))
        .enumerate()
        .map(|(index, group)| {
            let mut row = vec![
                if index == report.groups.len() {
                    "(all)".to_string()
                } else {
                    group.group.clone()
                },
                group.count.to_string(),
                number(group.base_rate),
                number(group.selection_rate),
                number(group.true_positive_rate),
                number(group.false_positive_rate),
                number(group.false_negative_rate),
                number(group.precision),
                number(group.accuracy),
            ];
            if with_score {
                row.push(optional(group.auc));
                row.push(optional(group.expected_calibration_error));
            }
            row
        })
        .collect();
    out.table(&headers, &rows);
    out.blank();
    out.subheading("Gaps between groups (difference = max − min, ratio = min / max)");
    let gaps = &report.gaps;
    out.table(
        &["metric", "difference", "ratio"],
        &[
            vec![
                "demographic parity".into(),
                number(gaps.demographic_parity_difference),
                number(gaps.demographic_parity_ratio),
            ],
            vec![
                "equalized odds".into(),
                number(gaps.equalized_odds_difference),
                number(gaps.equalized_odds_ratio),
            ],
            vec![
                "equal opportunity".into(),
                number(gaps.equal_opportunity_difference),
                number(gaps.equal_opportunity_ratio),
            ],
        ],
    );
    out.blank();
    out.subheading(&format!(
        "Aequitas disparities against group {} (fair within 0.8–1.25; * marks a disparity outside)",
        report.reference_group
    ));
    let mut metrics: Vec<&str> = Vec::new();
    let mut by_group: BTreeMap<&str, BTreeMap<&str, String>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for disparity in &report.disparities {
        if !metrics.contains(&disparity.metric.as_str()) {
            metrics.push(&disparity.metric);
        }
        if !order.contains(&disparity.group.as_str()) {
            order.push(&disparity.group);
        }
        let mark = if disparity.fair { "" } else { "*" };
        by_group.entry(&disparity.group).or_default().insert(
            &disparity.metric,
            format!("{}{mark}", number(disparity.disparity)),
        );
    }
    let mut headers = vec!["group"];
    headers.extend(&metrics);
    let rows: Vec<Vec<String>> = order
        .iter()
        .map(|group| {
            let cells = &by_group[group];
            std::iter::once(group.to_string())
                .chain(
                    metrics
                        .iter()
                        .map(|metric| cells.get(metric).cloned().unwrap_or_else(|| "-".into())),
                )
                .collect()
        })
        .collect();
    out.table(&headers, &rows);
    out.blank();
    let unfair: Vec<String> = report
        .disparities
        .iter()
        .filter(|disparity| !disparity.fair)
        .map(|disparity| format!("{} {}", disparity.group, disparity.metric))
        .collect();
    if unfair.is_empty() {
        out.line(&format!(
            "verdict: all {} disparities within 0.8–1.25",
            report.disparities.len()
        ));
    } else {
        out.line(&format!(
            "verdict: UNFAIR, {} of {} disparities outside 0.8–1.25: {}",
            unfair.len(),
            report.disparities.len(),
            abbreviated(&unfair, 10)
        ));
    }
    out.finish()
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
        format => profile_text(&report, format == ReportFormat::Md),
    };
    emit(&args.output, &text)
}

fn profile_text(report: &ProfileReport, markdown: bool) -> String {
    let mut out = Text::new(markdown);
    out.heading("Data quality profile");
    out.line(&format!("{}: {} rows", report.source, report.rows));
    out.blank();
    let value = |kind: &str, value: Option<f64>| match value {
        // Timestamps come as nanoseconds since the epoch.
        Some(nanos) if kind == "timestamp" => jiff::Timestamp::from_nanosecond(nanos as i128)
            .map_or_else(|_| number(nanos), |at| at.to_string()),
        other => optional(other),
    };
    let rows: Vec<Vec<String>> = report
        .columns
        .iter()
        .map(|column| {
            let median = column
                .quantiles
                .iter()
                .find(|(probability, _)| *probability == 0.5)
                .map(|(_, value)| *value);
            let new_categories = match column.new_category_rows {
                None => "-".to_string(),
                Some(rows) if column.new_categories.is_empty() => rows.to_string(),
                Some(rows) => format!("{rows} rows: {}", abbreviated(&column.new_categories, 5)),
            };
            vec![
                column.column.clone(),
                column.kind.clone(),
                column.missing.to_string(),
                column.nan.to_string(),
                (column.positive_infinity + column.negative_infinity).to_string(),
                column.distinct.to_string(),
                value(&column.kind, column.minimum),
                value(&column.kind, column.maximum),
                optional(column.mean),
                optional(column.std),
                optional(median),
                new_categories,
                column
                    .out_of_reference_range
                    .map_or_else(|| "-".into(), |rows| rows.to_string()),
            ]
        })
        .collect();
    out.table(
        &[
            "column",
            "kind",
            "missing",
            "NaN",
            "inf",
            "distinct",
            "min",
            "max",
            "mean",
            "std",
            "median",
            "new categories",
            "out of ref. range",
        ],
        &rows,
    );
    if let Some(diff) = &report.schema_diff {
        out.blank();
        let mut parts = Vec::new();
        if !diff.only_in_reference.is_empty() {
            parts.push(format!(
                "only in the reference: {}",
                diff.only_in_reference.join(", ")
            ));
        }
        if !diff.only_in_current.is_empty() {
            parts.push(format!(
                "only in the current file: {}",
                diff.only_in_current.join(", ")
            ));
        }
        for change in &diff.type_changed {
            parts.push(format!(
                "{} changed type from {} to {}",
                change.column, change.reference, change.current
            ));
        }
        if parts.is_empty() {
            out.line("schema: same columns and types as the reference");
        } else {
            out.line(&format!("schema: {}", parts.join("; ")));
        }
    }
    out.finish()
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
        format => timeseries_text(&report, &args, format == ReportFormat::Md),
    };
    emit(&args.output, &text)
}

fn timeseries_text(report: &TimeseriesReport, args: &TimeseriesArgs, markdown: bool) -> String {
    let mut out = Text::new(markdown);
    out.heading("Time series");
    out.line(&format!(
        "{}: {} buckets by {} of `{}`",
        args.log.display(),
        report.buckets.len(),
        match args.bucket {
            BucketArg::Hour => "hour",
            BucketArg::Day => "day",
            BucketArg::Week => "week",
        },
        args.timestamp
    ));
    out.blank();
    let mut groups: Vec<&String> = report
        .buckets
        .iter()
        .flat_map(|bucket| bucket.selection_rate_by_group.keys())
        .collect();
    groups.sort();
    groups.dedup();
    let group_headers: Vec<String> = groups
        .iter()
        .map(|group| format!("selection rate [{group}]"))
        .collect();
    let mut headers = vec!["bucket", "rows", "accuracy", "selection rate", "score mean"];
    headers.extend(group_headers.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = report
        .buckets
        .iter()
        .map(|bucket| {
            let mut row = vec![
                bucket.start.clone(),
                bucket.rows.to_string(),
                optional(bucket.accuracy),
                optional(bucket.selection_rate),
                optional(bucket.score_mean),
            ];
            row.extend(groups.iter().map(|group| {
                bucket
                    .selection_rate_by_group
                    .get(*group)
                    .map_or_else(|| "-".into(), |rate| number(*rate))
            }));
            row
        })
        .collect();
    out.table(&headers, &rows);
    out.blank();
    if report.change_points.is_empty() {
        out.line(&format!("no change points ({})", report.detector));
    } else {
        out.subheading(&format!("Change points ({})", report.detector));
        let rows: Vec<Vec<String>> = report
            .change_points
            .iter()
            .map(|point| {
                vec![
                    point.series.clone(),
                    point.bucket_start.clone(),
                    number(point.mean_before),
                    number(point.mean_after),
                ]
            })
            .collect();
        out.table(
            &["series", "shifted at", "mean before", "mean after"],
            &rows,
        );
    }
    out.finish()
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
        format => {
            let mut out = Text::new(format == ReportFormat::Md);
            out.heading(&format!("Decision {}", record.decision_id));
            let located = if record.row_groups_total > 0 {
                format!(
                    "{}, row {} (read {} of {} row groups)",
                    record.source, record.row, record.row_groups_read, record.row_groups_total
                )
            } else {
                format!("{}, row {}", record.source, record.row)
            };
            out.line(&located);
            out.blank();
            let rows: Vec<Vec<String>> = record
                .values
                .iter()
                .map(|(column, value)| vec![column.clone(), crate::output::text(value)])
                .collect();
            out.table(&["column", "value"], &rows);
            out.finish()
        }
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

pub(super) fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), number)
}

pub(super) fn significant(value: f64, digits: usize) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.into();
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i64;
    if !(-4..6).contains(&magnitude) {
        let text = format!("{value:.*e}", digits.saturating_sub(1));
        return match text.split_once('e') {
            Some((mantissa, exponent)) if mantissa.contains('.') => format!(
                "{}e{exponent}",
                mantissa.trim_end_matches('0').trim_end_matches('.')
            ),
            _ => text,
        };
    }
    let decimals = (digits as i64 - 1 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
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
