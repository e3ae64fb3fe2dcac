//! The time-series document and charts: each metric per bucket, its change points numbered on
//! the chart, and the changes recorded over the series drawn where they took effect, each change
//! point naming the change it is likeliest owed to.

use std::collections::BTreeMap;

use firebreak_forensics::TimeseriesReport;
use firebreak_forensics::timeseries::{ChangePoint, Granularity};

use super::{number, optional, strings};
use crate::Document;
use crate::chart::{Marker, PALETTE, Series, lines_svg};

pub(super) fn granularity_name(granularity: Granularity) -> &'static str {
    match granularity {
        Granularity::Hour => "hour",
        Granularity::Day => "day",
        Granularity::Week => "week",
    }
}

/// The x labels of a chart over buckets starting at `starts` (RFC 3339):
/// "03-01 14:00" by the hour, the date otherwise.
pub(super) fn bucket_labels<'s>(
    granularity: Granularity,
    starts: impl Iterator<Item = &'s str>,
) -> Vec<String> {
    starts
        .map(|start| match granularity {
            Granularity::Hour => start.get(5..16).unwrap_or(start).replace('T', " "),
            Granularity::Day | Granularity::Week => start.get(..10).unwrap_or(start).to_string(),
        })
        .collect()
}

/// Metrics per time bucket, the change points found, and a chart per metric with its change
/// points marked. `source` names the log and its timestamp column.
pub fn timeseries_document(report: &TimeseriesReport, source: &str) -> Document {
    let mut document = Document::new("Time series");
    document.metadata = vec![format!(
        "{source}: {} buckets by {}",
        report.buckets.len(),
        granularity_name(report.granularity)
    )];
    let groups = timeseries_groups(report);
    let mut header = strings(["bucket", "rows", "accuracy", "selection rate", "score mean"]);
    header.extend(
        groups
            .iter()
            .map(|group| format!("selection rate [{group}]")),
    );
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
                    .get(group)
                    .map_or_else(|| "-".into(), |rate| number(*rate))
            }));
            row
        })
        .collect();
    document.section(1, "Buckets").table(header, rows);
    let section = document.section(1, format!("Change points ({})", report.detector));
    if report.change_points.is_empty() {
        section.paragraph(format!("no change points ({})", report.detector));
    } else {
        let named = report.change_points.iter().any(|p| p.preceded_by.is_some());
        let rows: Vec<Vec<String>> = report
            .change_points
            .iter()
            .map(|point| {
                let mut row = vec![
                    point.series.clone(),
                    point.bucket_start.clone(),
                    number(point.mean_before),
                    number(point.mean_after),
                ];
                if named {
                    row.push(cause(point));
                }
                row
            })
            .collect();
        let mut header = strings(["series", "shifted at", "mean before", "mean after"]);
        if named {
            header.push("after the change".into());
        }
        section.table(header, rows);
    }
    if !report.changes.is_empty() {
        let rows: Vec<Vec<String>> = report
            .changes
            .iter()
            .map(|marked| {
                let change = &marked.change;
                vec![
                    change.id.clone(),
                    change.at.to_string(),
                    change.system.clone(),
                    change.summary(),
                ]
            })
            .collect();
        document
            .section(1, "Changes recorded over the series")
            .table(strings(["change", "at", "system", "what"]), rows);
    }
    let charts = timeseries_svgs(report);
    if !charts.is_empty() {
        let section = document.section(1, "Charts");
        for (svg, caption) in charts {
            section.figure(svg, caption);
        }
    }
    document
}

fn timeseries_groups(report: &TimeseriesReport) -> Vec<String> {
    let mut groups: Vec<String> = report
        .buckets
        .iter()
        .flat_map(|bucket| bucket.selection_rate_by_group.keys().cloned())
        .collect();
    groups.sort();
    groups.dedup();
    groups
}

/// Reads one metric of a time bucket.
type BucketValue = fn(&firebreak_forensics::timeseries::Bucket) -> Option<f64>;

/// A chart per metric that has values (rows, accuracy, selection rate with one line per group,
/// score mean), each with the change points of its series marked; and a caption for each.
pub fn timeseries_svgs(report: &TimeseriesReport) -> Vec<(String, String)> {
    let labels = bucket_labels(
        report.granularity,
        report.buckets.iter().map(|bucket| bucket.start.as_str()),
    );
    let groups = timeseries_groups(report);
    let group_names: Vec<String> = groups
        .iter()
        .map(|group| format!("selection rate [{group}]"))
        .collect();
    let mut charts = Vec::new();
    let metrics: [(&str, &str, BucketValue); 4] = [
        ("rows", "Rows", |bucket| Some(bucket.rows as f64)),
        ("accuracy", "Accuracy", |bucket| bucket.accuracy),
        ("selection_rate", "Selection rate", |bucket| {
            bucket.selection_rate
        }),
        ("score_mean", "Score mean", |bucket| bucket.score_mean),
    ];
    for (key, name, value) in metrics {
        let values: Vec<Option<f64>> = report.buckets.iter().map(value).collect();
        if values.iter().all(Option::is_none) {
            continue;
        }
        let mut series = vec![Series {
            name,
            colour: PALETTE[1],
            values,
        }];
        let mut keys = vec![key.to_string()];
        if key == "selection_rate" {
            for (index, (group, series_name)) in groups.iter().zip(&group_names).enumerate() {
                series.push(Series {
                    name: series_name,
                    colour: PALETTE[2 + index % (PALETTE.len() - 2)],
                    values: report
                        .buckets
                        .iter()
                        .map(|bucket| bucket.selection_rate_by_group.get(group).copied())
                        .collect(),
                });
                keys.push(format!("selection_rate[{group}]"));
            }
        }
        let points: Vec<_> = report
            .change_points
            .iter()
            .filter(|point| keys.contains(&point.series))
            .collect();
        // Series often shift in the same bucket: one line, labelled with all their numbers.
        let mut numbers: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (index, point) in points.iter().enumerate() {
            numbers
                .entry(point.bucket_index)
                .or_default()
                .push((index + 1).to_string());
        }
        let markers: Vec<Marker> = numbers
            .into_iter()
            .map(|(index, numbers)| Marker {
                index,
                label: numbers.join(","),
            })
            .chain(report.changes.iter().map(|marked| Marker {
                index: marked.bucket_index,
                label: marked.change.id.clone(),
            }))
            .collect();
        let explained: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(index, point)| {
                let after = point
                    .preceded_by
                    .as_ref()
                    .map(|_| format!(", after {}", cause(point)))
                    .unwrap_or_default();
                format!(
                    "{} {} at {}: {} → {}{after}",
                    index + 1,
                    point.series,
                    point.bucket_start,
                    number(point.mean_before),
                    number(point.mean_after)
                )
            })
            .collect();
        let mut caption = if explained.is_empty() {
            format!(
                "{name} per {}; no change points",
                granularity_name(report.granularity)
            )
        } else {
            format!(
                "{name} per {}; change points: {}",
                granularity_name(report.granularity),
                explained.join("; ")
            )
        };
        if !report.changes.is_empty() {
            let changes: Vec<String> = report
                .changes
                .iter()
                .map(|marked| change_text(&marked.change))
                .collect();
            caption.push_str(&format!("; changes recorded: {}", changes.join("; ")));
        }
        let svg = lines_svg(
            &format!("{name} per {}", granularity_name(report.granularity)),
            &caption,
            &labels,
            &series,
            &markers,
        );
        charts.push((svg, caption));
    }
    charts
}

/// "CH-4 (credit-scoring: model promoted 3 → 4, 2026-12-07T15:00:00Z)".
fn change_text(change: &firebreak_core::change::ChangeEvent) -> String {
    format!(
        "{} ({}: {}, {})",
        change.id,
        change.system,
        change.summary(),
        change.at
    )
}

/// The change a change point is likeliest owed to, or "-".
fn cause(point: &ChangePoint) -> String {
    point
        .preceded_by
        .as_ref()
        .map_or_else(|| "-".into(), change_text)
}
