//! One [`Document`] per forensics analysis: the statistics as tables, the verdict in words, and
//! the charts. The CLI renders these to text, Markdown or HTML; the server and the post-mortem
//! can embed them. The callers say where the data came from (paths, windows), which the
//! reports themselves do not record.

use std::collections::BTreeMap;

use firebreak_forensics::drift::{ColumnKind, Distribution};
use firebreak_forensics::nannyml::Period;
use firebreak_forensics::{
    DecisionRecord, DriftMethod, DriftReport, FairnessReport, NannyMlReport, Preset, ProfileReport,
};

use crate::chart::{Band, PALETTE, ReferenceLine, Series, bars_svg, histogram_svg, lines_svg};
use crate::{Document, significant};

mod conversations;
mod timeseries;

pub use conversations::{conversations_document, rates_svg};
pub use timeseries::{timeseries_document, timeseries_svgs};

/// Four significant digits: enough to compare with a peer tool, short enough for a table.
fn number(value: f64) -> String {
    significant(value, 4)
}

fn optional(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), number)
}

fn strings<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|cell| cell.to_string()).collect()
}

/// The first `shown` items, comma-separated, and how many more there are.
pub fn abbreviated(items: &[String], shown: usize) -> String {
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

/// The name a method has in the JSON, with the base where one was chosen.
pub fn method_name(method: DriftMethod) -> String {
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
        ColumnKind::Untyped => "untyped",
    }
}

fn shares(counts: &[u64]) -> Vec<Option<f64>> {
    let total: u64 = counts.iter().sum();
    counts
        .iter()
        .map(|&count| {
            Some(if total == 0 {
                0.0
            } else {
                count as f64 / total as f64
            })
        })
        .collect()
}

/// Reference against current for one column: a histogram over shared bins, or bars per
/// category. Shares rather than counts, so samples of different sizes compare.
pub fn drift_distribution_svg(column: &str, distribution: &Distribution) -> String {
    match distribution {
        Distribution::Bins {
            edges,
            reference,
            current,
        } => histogram_svg(
            &format!("{column}: share of values per bin"),
            &format!(
                "Histogram of {column} over {} bins, reference against current, as shares of each sample.",
                reference.len()
            ),
            edges,
            &[
                Series {
                    name: "reference",
                    colour: PALETTE[0],
                    values: shares(reference),
                },
                Series {
                    name: "current",
                    colour: PALETTE[1],
                    values: shares(current),
                },
            ],
        ),
        Distribution::Categories {
            categories,
            reference,
            current,
            other_reference,
            other_current,
        } => {
            let mut rows = categories.clone();
            let mut reference = reference.clone();
            let mut current = current.clone();
            if other_reference + other_current > 0 {
                rows.push("(other categories)".into());
                reference.push(*other_reference);
                current.push(*other_current);
            }
            bars_svg(
                &format!("{column}: share of values per category"),
                &format!(
                    "Bar chart of {column} over {} categories, reference against current, as shares of each sample.",
                    rows.len()
                ),
                &rows,
                &[
                    Series {
                        name: "reference",
                        colour: PALETTE[0],
                        values: shares(&reference),
                    },
                    Series {
                        name: "current",
                        colour: PALETTE[1],
                        values: shares(&current),
                    },
                ],
                None,
                None,
            )
        }
    }
}

/// The drift report: a row per column, the dataset verdict, and a chart per tested column.
/// `reference` and `current` describe the two sides (files, windows or cohorts).
pub fn drift_document(report: &DriftReport, reference: &str, current: &str) -> Document {
    let preset = match report.preset {
        Preset::Evidently => "Evidently preset",
        Preset::Custom { .. } => "custom preset",
    };
    let mut document = Document::new(format!("Drift ({preset})"));
    document.metadata = vec![
        format!("reference: {reference}, {} rows", report.reference_rows),
        format!("current:   {current}, {} rows", report.current_rows),
    ];
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
    let section = document.section(1, "Columns");
    section.table(
        strings([
            "column",
            "kind",
            "method",
            "score",
            "statistic",
            "threshold",
            "p-value",
            "verdict",
        ]),
        rows,
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
        section.paragraph(format!(
            "categories unseen in the reference: {}",
            unseen.join("; ")
        ));
    }
    section.paragraph(format!(
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
    let charts: Vec<_> = report
        .columns
        .iter()
        .filter_map(|column| Some((column, column.distribution.as_ref()?)))
        .collect();
    if !charts.is_empty() {
        let section = document.section(1, "Distributions");
        for (column, distribution) in charts {
            let verdict = if column.drift_detected {
                "drift"
            } else {
                "no drift"
            };
            section.figure(
                drift_distribution_svg(&column.column, distribution),
                format!(
                    "{}: reference against current ({}, {verdict})",
                    column.column,
                    column.method.map_or_else(|| "-".into(), method_name)
                ),
            );
        }
    }
    document
}

/// NannyML-style chunked drift: a row per column, and the distance per chunk over time with
/// the alert threshold.
pub fn nannyml_document(report: &NannyMlReport, reference: &str, analysis: &str) -> Document {
    let mut document = Document::new("Drift (NannyML preset)");
    document.metadata = vec![
        format!("method: {}", report.method),
        format!("reference: {reference}"),
        format!("analysis:  {analysis}"),
    ];
    let rows: Vec<Vec<String>> = report
        .columns
        .iter()
        .map(|column| {
            let analysis = column
                .chunks
                .iter()
                .filter(|chunk| chunk.period == Period::Analysis);
            let chunks = analysis.clone().count();
            let highest = analysis
                .filter_map(|chunk| chunk.value)
                .fold(None, |top: Option<f64>, value| {
                    Some(top.map_or(value, |top| top.max(value)))
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
    let alerting = report
        .columns
        .iter()
        .filter(|column| column.analysis_alerts > 0)
        .count();
    document
        .section(1, "Columns")
        .table(
            strings([
                "column",
                "kind",
                "threshold",
                "highest distance",
                "chunks alerting",
                "verdict",
            ]),
            rows,
        )
        .paragraph(format!(
            "dataset: {alerting} of {} columns alert in at least one analysis chunk",
            report.columns.len()
        ));
    let section = document.section(1, "Distance per chunk");
    for column in &report.columns {
        let labels: Vec<String> = column
            .chunks
            .iter()
            .map(|chunk| match chunk.period {
                Period::Reference => format!("ref {}", chunk.start_row),
                Period::Analysis => format!("{}", chunk.start_row),
            })
            .collect();
        let mut series = vec![Series {
            name: "Jensen–Shannon distance",
            colour: PALETTE[1],
            values: column.chunks.iter().map(|chunk| chunk.value).collect(),
        }];
        if let Some(threshold) = column.upper_threshold {
            series.push(Series {
                name: "alert threshold",
                colour: PALETTE[2],
                values: vec![Some(threshold); column.chunks.len()],
            });
        }
        section.figure(
            lines_svg(
                &format!("{}: distance per chunk", column.column),
                &format!(
                    "Jensen–Shannon distance of {} per chunk of rows, with {} alerting analysis chunks.",
                    column.column, column.analysis_alerts
                ),
                &labels,
                &series,
                &[],
            ),
            format!(
                "{}: distance per chunk against the alert threshold, {} analysis chunks alerting \
                 (labels are first rows; \"ref\" marks reference chunks)",
                column.column, column.analysis_alerts
            ),
        );
    }
    document
}

/// Group metrics, the gaps between groups, Aequitas disparities against the reference group,
/// and charts of the selection-rate ratio (with the 0.8–1.25 band) and of the error rates.
/// `source` says what was compared (file, decision and outcome columns).
pub fn fairness_document(report: &FairnessReport, source: &str) -> Document {
    let mut document = Document::new("Fairness");
    document.metadata = vec![format!(
        "{source} by {}, {} rows",
        report.group_columns.join(" × "),
        report.rows
    )];
    let with_score = report
        .groups
        .iter()
        .any(|group| group.auc.is_some() || group.expected_calibration_error.is_some());
    let mut header = strings([
        "group",
        "count",
        "base rate",
        "selection rate",
        "TPR",
        "FPR",
        "FNR",
        "precision",
        "accuracy",
    ]);
    if with_score {
        header.extend(strings(["AUC", "ECE"]));
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
    document.section(1, "Groups").table(header, rows);
    let gaps = &report.gaps;
    document
        .section(
            1,
            "Gaps between groups (difference = max − min, ratio = min / max)",
        )
        .table(
            strings(["metric", "difference", "ratio"]),
            vec![
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
    let mut header = vec!["group".to_string()];
    header.extend(metrics.iter().map(|metric| metric.to_string()));
    let rows: Vec<Vec<String>> = order
        .iter()
        .map(|group| {
            std::iter::once(group.to_string())
                .chain(metrics.iter().map(|metric| {
                    by_group
                        .get(group)
                        .and_then(|cells| cells.get(metric))
                        .cloned()
                        .unwrap_or_else(|| "-".into())
                }))
                .collect()
        })
        .collect();
    let unfair: Vec<String> = report
        .disparities
        .iter()
        .filter(|disparity| !disparity.fair)
        .map(|disparity| format!("{} {}", disparity.group, disparity.metric))
        .collect();
    let verdict = if unfair.is_empty() {
        format!(
            "verdict: all {} disparities within 0.8–1.25",
            report.disparities.len()
        )
    } else {
        format!(
            "verdict: UNFAIR, {} of {} disparities outside 0.8–1.25: {}",
            unfair.len(),
            report.disparities.len(),
            abbreviated(&unfair, 10)
        )
    };
    document
        .section(
            1,
            format!(
                "Aequitas disparities against group {} (fair within 0.8–1.25; * marks a disparity outside)",
                report.reference_group
            ),
        )
        .table(header, rows)
        .paragraph(verdict);
    let (ratio, rates) = fairness_svgs(report);
    document
        .section(1, "Charts")
        .figure(
            ratio,
            format!(
                "Selection rate of each group divided by that of group {}; the shaded band is 0.8–1.25",
                report.reference_group
            ),
        )
        .figure(
            rates,
            "Selection rate, true and false positive rates per group; the dashed line is the overall selection rate",
        );
    document
}

/// The selection-rate ratio per group against the reference group with the 0.8–1.25 band, and
/// the rates behind the difference metrics per group.
pub fn fairness_svgs(report: &FairnessReport) -> (String, String) {
    let groups: Vec<String> = report
        .groups
        .iter()
        .map(|group| group.group.clone())
        .collect();
    let reference_rate = report
        .groups
        .iter()
        .find(|group| group.group == report.reference_group)
        .map(|group| group.selection_rate);
    let ratios: Vec<Option<f64>> = report
        .groups
        .iter()
        .map(|group| {
            reference_rate
                .filter(|rate| *rate > 0.0)
                .map(|rate| group.selection_rate / rate)
        })
        .collect();
    let ratio = bars_svg(
        &format!(
            "Selection-rate ratio against group {}",
            report.reference_group
        ),
        &format!(
            "Selection rate of each of {} groups divided by that of group {}, with the 0.8–1.25 band in which a ratio counts as fair.",
            groups.len(),
            report.reference_group
        ),
        &groups,
        &[Series {
            name: "selection-rate ratio",
            colour: PALETTE[1],
            values: ratios,
        }],
        Some(Band {
            low: 0.8,
            high: 1.25,
            label: "fair: 0.8–1.25",
        }),
        Some(ReferenceLine {
            value: 1.0,
            label: "parity",
        }),
    );
    let rate = |pick: fn(&firebreak_forensics::fairness::GroupMetrics) -> f64| {
        report
            .groups
            .iter()
            .map(|group| Some(pick(group)))
            .collect()
    };
    let rates = bars_svg(
        "Rates per group",
        &format!(
            "Selection rate, true positive rate and false positive rate of each of {} groups; demographic parity difference {}, equalized odds difference {}.",
            groups.len(),
            number(report.gaps.demographic_parity_difference),
            number(report.gaps.equalized_odds_difference)
        ),
        &groups,
        &[
            Series {
                name: "selection rate",
                colour: PALETTE[1],
                values: rate(|group| group.selection_rate),
            },
            Series {
                name: "true positive rate",
                colour: PALETTE[3],
                values: rate(|group| group.true_positive_rate),
            },
            Series {
                name: "false positive rate",
                colour: PALETTE[2],
                values: rate(|group| group.false_positive_rate),
            },
        ],
        None,
        Some(ReferenceLine {
            value: report.overall.selection_rate,
            label: "overall selection rate",
        }),
    );
    (ratio, rates)
}

/// The data-quality profile: a row per column and the schema difference to a reference.
pub fn profile_document(report: &ProfileReport) -> Document {
    let mut document = Document::new("Data quality profile");
    document.metadata = vec![format!("{}: {} rows", report.source, report.rows)];
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
    let section = document.section(1, "Columns");
    section.table(
        strings([
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
        ]),
        rows,
    );
    if let Some(diff) = &report.schema_diff {
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
            section.paragraph("schema: same columns and types as the reference");
        } else {
            section.paragraph(format!("schema: {}", parts.join("; ")));
        }
    }
    if report.rows > 0 && !report.columns.is_empty() {
        document.section(1, "Charts").figure(
            profile_svg(report),
            "Share of rows per column that are missing, NaN or infinite",
        );
    }
    document
}

/// Missing, NaN and infinite values per column as shares of the rows.
pub fn profile_svg(report: &ProfileReport) -> String {
    let columns: Vec<String> = report
        .columns
        .iter()
        .map(|column| column.column.clone())
        .collect();
    let share = |pick: fn(&firebreak_forensics::profile::ColumnProfile) -> u64| {
        report
            .columns
            .iter()
            .map(|column| Some(pick(column) as f64 / column.rows.max(1) as f64))
            .collect()
    };
    bars_svg(
        "Missing and invalid values",
        &format!(
            "Share of the {} rows of each of {} columns that are missing, NaN or infinite.",
            report.rows,
            columns.len()
        ),
        &columns,
        &[
            Series {
                name: "missing",
                colour: PALETTE[0],
                values: share(|column| column.missing),
            },
            Series {
                name: "NaN",
                colour: PALETTE[4],
                values: share(|column| column.nan),
            },
            Series {
                name: "infinite",
                colour: PALETTE[2],
                values: share(|column| column.positive_infinity + column.negative_infinity),
            },
        ],
        None,
        None,
    )
}

/// One logged decision, every column of its row.
pub fn decision_document(record: &DecisionRecord) -> Document {
    let mut document = Document::new(format!("Decision {}", record.decision_id));
    document.metadata = vec![if record.row_groups_total > 0 {
        format!(
            "{}, row {} (read {} of {} row groups)",
            record.source, record.row, record.row_groups_read, record.row_groups_total
        )
    } else {
        format!("{}, row {}", record.source, record.row)
    }];
    let rows: Vec<Vec<String>> = record
        .values
        .iter()
        .map(|(column, value)| vec![column.clone(), value_text(value)])
        .collect();
    document
        .section(1, "Values")
        .table(strings(["column", "value"]), rows);
    document
}

fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "-".into(),
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The charts of one analysis result, each with its caption: what a
/// finding keeps so documents can show it later without the data.
pub fn result_figures(result: &firebreak_forensics::AnalysisResult) -> Vec<(String, String)> {
    use firebreak_forensics::AnalysisResult;
    match result {
        AnalysisResult::Fairness(report) => {
            let (ratios, rates) = fairness_svgs(report);
            vec![
                (
                    "Selection-rate ratio per group, 0.8–1.25 band".to_string(),
                    ratios,
                ),
                ("Selection rate, TPR and FPR per group".to_string(), rates),
            ]
        }
        AnalysisResult::Drift(report) => report
            .columns
            .iter()
            .filter(|column| column.drift_detected)
            .filter_map(|column| {
                let distribution = column.distribution.as_ref()?;
                Some((
                    format!("Reference vs current: {}", column.column),
                    drift_distribution_svg(&column.column, distribution),
                ))
            })
            .collect(),
        AnalysisResult::Timeseries(report) => timeseries_svgs(report)
            .into_iter()
            .map(|(svg, caption)| (caption, svg))
            .collect(),
        AnalysisResult::Profile(report) => vec![(
            "Missing, NaN and infinite values per column".to_string(),
            profile_svg(report),
        )],
        AnalysisResult::Conversations(report) => {
            let (svg, caption) = rates_svg(&report.rates);
            vec![(caption, svg)]
        }
        AnalysisResult::NannyMl(_) | AnalysisResult::Decision(_) => Vec::new(),
    }
}
