//! The conversations document and chart: the flagged share of turns per bucket with its
//! interval, the change points with the versions released near them, and, when two sides were
//! compared, their rates, the test between them, refusals, output length and the n-grams
//! over-represented in the second side.

use firebreak_forensics::conversation::Interval;
use firebreak_forensics::conversation::compare::{CompareReport, Side};
use firebreak_forensics::conversation::rates::{RatesReport, VersionRole};
use firebreak_forensics::conversation::request::ConversationsReport;
use firebreak_forensics::conversation::sample::ReviewSample;
use firebreak_forensics::conversation::triggers::TriggerReport;

use super::timeseries::{bucket_labels, granularity_name};
use super::{number, optional, strings};
use crate::Document;
use crate::Inline;
use crate::chart::{Marker, PALETTE, Series, lines_svg};

fn percent(value: f64) -> String {
    format!("{} %", number(100.0 * value))
}

fn interval(interval: &Interval) -> String {
    format!("{} – {}", percent(interval.low), percent(interval.high))
}

/// The versions first seen near a change point, e.g. "model v4".
fn released_near(report: &RatesReport, index: usize) -> String {
    let versions: Vec<String> = report.change_points[index]
        .versions_released_near
        .iter()
        .map(|seen| {
            let role = match seen.role {
                VersionRole::Model => "model",
                VersionRole::Prompt => "prompt",
            };
            format!("{role} {} (first seen {})", seen.version, seen.first_seen)
        })
        .collect();
    if versions.is_empty() {
        "-".into()
    } else {
        versions.join(", ")
    }
}

/// `source` names the log.
pub fn conversations_document(report: &ConversationsReport, source: &str) -> Document {
    let rates = &report.rates;
    let mut document = Document::new("Conversations");
    document.metadata = vec![
        format!(
            "{source}: {} turns, {} flagged ({}), by {}",
            rates.turns,
            rates.flagged,
            percent(ratio(rates.flagged, rates.turns)),
            granularity_name(rates.granularity)
        ),
        format!("flagged: {}", rates.flagged_by),
    ];
    if rates.skipped_turns > 0 {
        document.metadata.push(format!(
            "{} turns skipped while reading (invalid text)",
            rates.skipped_turns
        ));
    }
    let level = number(100.0 * rates.confidence);
    let rows: Vec<Vec<String>> = rates
        .buckets
        .iter()
        .map(|bucket| {
            vec![
                bucket.start.clone(),
                bucket.turns.to_string(),
                bucket.flagged.to_string(),
                percent(bucket.rate),
                interval(&bucket.interval),
                bucket
                    .model_versions
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                bucket
                    .prompt_versions
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    document.section(1, "Flagged share per bucket").table(
        vec![
            "bucket".into(),
            "turns".into(),
            "flagged".into(),
            "share".into(),
            format!("{level} % interval (Wilson)"),
            "model versions".into(),
            "prompt versions".into(),
        ],
        rows,
    );
    let section = document.section(1, format!("Change points ({})", rates.detector));
    if rates.change_points.is_empty() {
        section.paragraph(format!("no change points ({})", rates.detector));
    } else {
        let rows: Vec<Vec<String>> = rates
            .change_points
            .iter()
            .enumerate()
            .map(|(index, point)| {
                vec![
                    point.bucket_start.clone(),
                    percent(point.rate_before),
                    percent(point.rate_after),
                    released_near(rates, index),
                ]
            })
            .collect();
        section.table(
            strings([
                "shifted at",
                "share before",
                "share after",
                "released near it",
            ]),
            rows,
        );
    }
    if let Some(compare) = &report.compare {
        compare_sections(&mut document, compare);
    }
    trigger_sections(&mut document, &report.triggers);
    if let Some(sample) = &report.sample {
        sample_section(&mut document, sample);
    }
    let section = document.section(1, "Chart");
    let (svg, caption) = rates_svg(rates);
    section.figure(svg, caption);
    document
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn side_row(side: &Side) -> Vec<String> {
    vec![
        side.label.clone(),
        side.flagged.turns.to_string(),
        side.flagged.count.to_string(),
        side.flagged.rate.map_or_else(|| "-".into(), percent),
        side.flagged
            .interval
            .as_ref()
            .map_or_else(|| "-".into(), interval),
        side.refusals.rate.map_or_else(|| "-".into(), percent),
        optional(side.output_length.mean),
    ]
}

fn compare_sections(document: &mut Document, compare: &CompareReport) {
    let level = number(100.0 * compare.confidence);
    let test = &compare.flagged_rate;
    let section = document.section(1, "A against B");
    section.table(
        vec![
            "side".into(),
            "turns".into(),
            "flagged".into(),
            "share".into(),
            format!("{level} % interval"),
            "refusals".into(),
            "mean output length".into(),
        ],
        vec![side_row(&compare.a), side_row(&compare.b)],
    );
    section.paragraph(format!(
        "Flagged share B − A: {} (z {}, p {}, Cohen's h {}); refusal share B − A: {} (p {}); \
         mean output length {} (KS p {}).",
        test.difference.map_or_else(|| "-".into(), percent),
        optional(test.z),
        optional(test.p_value),
        optional(test.cohens_h),
        compare
            .refusal_rate
            .difference
            .map_or_else(|| "-".into(), percent),
        optional(compare.refusal_rate.p_value),
        compare.output_length.relative_change_of_mean.map_or_else(
            || "-".into(),
            |change| format!("{:+} %", number(100.0 * change))
        ),
        optional(compare.output_length.ks_p_value),
    ));
    if !compare.over_represented_in_b.is_empty() {
        let rows: Vec<Vec<String>> = compare
            .over_represented_in_b
            .iter()
            .map(|gram| {
                vec![
                    gram.ngram.clone(),
                    gram.count_a.to_string(),
                    gram.count_b.to_string(),
                    number(gram.log_odds_ratio),
                    number(gram.z),
                ]
            })
            .collect();
        document
            .section(2, "Words and phrases over-represented in B")
            .table(
                strings(["n-gram", "in A", "in B", "log-odds ratio", "z"]),
                rows,
            );
    }
}

fn sample_section(document: &mut Document, sample: &ReviewSample) {
    let strata: Vec<String> = sample
        .strata
        .iter()
        .map(|s| format!("{}: {} of {}", s.stratum, s.drawn, s.flagged))
        .collect();
    let rows: Vec<Vec<String>> = sample
        .turns
        .iter()
        .map(|turn| {
            vec![
                turn.stratum.clone(),
                turn.conversation_id.clone(),
                turn.timestamp.clone().unwrap_or_else(|| "-".into()),
                turn.input.clone().unwrap_or_else(|| "-".into()),
                turn.output.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    document
        .section(1, "Sample for review (masked)")
        .paragraph(format!(
            "{} flagged turns drawn at random within each model version ({}; seed {}), \
             masked with {}.",
            sample.turns.len(),
            strata.join(", "),
            sample.seed,
            sample.masked_with.join(", ")
        ))
        .table(
            strings(["version", "conversation", "at", "input", "output"]),
            rows,
        );
}

fn trigger_sections(document: &mut Document, triggers: &TriggerReport) {
    document.section(1, "What set it off");
    if !triggers.input_ngrams.is_empty() {
        let rows: Vec<Vec<String>> = triggers
            .input_ngrams
            .iter()
            .map(|gram| {
                vec![
                    gram.ngram.clone(),
                    gram.count_b.to_string(),
                    gram.count_a.to_string(),
                    number(gram.z),
                ]
            })
            .collect();
        document
            .section(
                2,
                "Words and phrases of the input over-represented in flagged turns",
            )
            .table(
                strings(["n-gram", "in flagged turns", "in the others", "z"]),
                rows,
            );
    }
    if !triggers.frequent_inputs.is_empty() {
        let rows: Vec<Vec<String>> = triggers
            .frequent_inputs
            .iter()
            .map(|input| {
                vec![
                    input.input.clone(),
                    input.flagged.to_string(),
                    input.turns.to_string(),
                ]
            })
            .collect();
        document
            .section(2, "Inputs most often answered with a flagged output")
            .table(strings(["input", "flagged", "turns"]), rows);
    }
    for excerpt in &triggers.excerpts {
        let items: Vec<Vec<Inline>> = excerpt
            .turns
            .iter()
            .map(|turn| {
                let said = Inline::Text(format!(
                    "{} — user: {} — model: {}",
                    turn.timestamp.as_deref().unwrap_or("-"),
                    turn.input.as_deref().unwrap_or("-"),
                    turn.output.as_deref().unwrap_or("-")
                ));
                if turn.flagged {
                    vec![
                        Inline::Strong("flagged".into()),
                        Inline::Text(" ".into()),
                        said,
                    ]
                } else {
                    vec![said]
                }
            })
            .collect();
        document
            .section(
                2,
                format!(
                    "Conversation {} up to its flagged turn",
                    excerpt.conversation_id
                ),
            )
            .list(true, items);
    }
}

/// The flagged share per bucket with its interval's bounds, change points numbered.
pub fn rates_svg(report: &RatesReport) -> (String, String) {
    let labels = bucket_labels(
        report.granularity,
        report.buckets.iter().map(|bucket| bucket.start.as_str()),
    );
    let series = [
        Series {
            name: "flagged share",
            colour: PALETTE[1],
            values: report.buckets.iter().map(|b| Some(b.rate)).collect(),
        },
        Series {
            name: "interval low",
            colour: PALETTE[3],
            values: report
                .buckets
                .iter()
                .map(|b| Some(b.interval.low))
                .collect(),
        },
        Series {
            name: "interval high",
            colour: PALETTE[3],
            values: report
                .buckets
                .iter()
                .map(|b| Some(b.interval.high))
                .collect(),
        },
    ];
    let markers: Vec<Marker> = report
        .change_points
        .iter()
        .enumerate()
        .map(|(index, point)| Marker {
            index: point.bucket_index,
            label: (index + 1).to_string(),
        })
        .collect();
    let explained: Vec<String> = report
        .change_points
        .iter()
        .enumerate()
        .map(|(index, point)| {
            format!(
                "{} at {}: {} → {}, released near it: {}",
                index + 1,
                point.bucket_start,
                percent(point.rate_before),
                percent(point.rate_after),
                released_near(report, index)
            )
        })
        .collect();
    let period = granularity_name(report.granularity);
    let caption = if explained.is_empty() {
        format!(
            "Share of turns flagged ({}) per {period}, with its interval; no change points",
            report.flagged_by
        )
    } else {
        format!(
            "Share of turns flagged ({}) per {period}, with its interval; change points: {}",
            report.flagged_by,
            explained.join("; ")
        )
    };
    let svg = lines_svg(
        "Flagged share of turns",
        &caption,
        &labels,
        &series,
        &markers,
    );
    (svg, caption)
}
