//! Two versions or periods of a conversation log compared: the flagged rate of B against A (a
//! two-proportion z test and Cohen's h), the n-grams over-represented in B's texts
//! ([`over_represented`]), the drift of output length, and the change of the refusal rate
//! ([`super::refusal`]).

use super::rates::{version_column, version_text};
use super::{ConversationLog, FlagRule, Interval, NgramOptions, OverRepresented, ProportionTest};
use super::{TextSide, over_represented, refusal};
use crate::ForensicsError;
use crate::cohort::Cohort;
use crate::load::TimeWindow;
use crate::stats::proportion::{two_proportion_test, wilson_interval};
use crate::stats::{ks_statistic_sorted, ks_two_sample_pvalue, quantile_sorted, sort_values};

pub const COMPARE_SCHEMA_VERSION: u32 = 1;

/// Which turns form one side of a comparison.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Turns whose timestamp falls in the window.
    Window(TimeWindow),
    /// Turns answered by this model version.
    ModelVersion(String),
    /// Turns under this prompt version.
    PromptVersion(String),
    /// Turns where the cohort expression holds.
    Cohort(Cohort),
}

impl Selection {
    /// Reads a side as the command line gives it: `model=V`, `prompt=V`, or a time window
    /// `A..B` ([`TimeWindow::parse`]).
    pub fn parse(text: &str) -> Result<Self, ForensicsError> {
        if let Some(version) = text.strip_prefix("model=") {
            return Ok(Self::ModelVersion(version.to_string()));
        }
        if let Some(version) = text.strip_prefix("prompt=") {
            return Ok(Self::PromptVersion(version.to_string()));
        }
        TimeWindow::parse(text).map(Self::Window)
    }

    fn label(&self) -> String {
        match self {
            Self::Window(window) => format!(
                "{}..{}",
                window
                    .start
                    .map(crate::table::format_timestamp)
                    .unwrap_or_default(),
                window
                    .end
                    .map(crate::table::format_timestamp)
                    .unwrap_or_default()
            ),
            Self::ModelVersion(version) => format!("model {version}"),
            Self::PromptVersion(version) => format!("prompt {version}"),
            Self::Cohort(cohort) => format!("cohort on {}", cohort.columns().join(", ")),
        }
    }

    /// Whether each turn of `log` is on this side.
    fn rows(&self, log: &ConversationLog) -> Result<Vec<bool>, ForensicsError> {
        let by_version = |column: &Option<String>, role: &'static str, version: &str| {
            let Some(values) = version_column(log, column)? else {
                return Err(ForensicsError::MissingRoleColumn {
                    source_name: log.table.source.clone(),
                    column: column.clone().unwrap_or_else(|| format!("{role}_version")),
                    role: if role == "model" {
                        "model version"
                    } else {
                        "prompt version"
                    },
                });
            };
            Ok((0..log.turns())
                .map(|row| version_text(values, row).is_some_and(|seen| seen == version))
                .collect())
        };
        match self {
            Self::Window(window) => Ok(log
                .timestamps()?
                .iter()
                .map(|&stamp| stamp != crate::table::NULL_TIMESTAMP && window.contains(stamp))
                .collect()),
            Self::ModelVersion(version) => by_version(&log.mapping.model_version, "model", version),
            Self::PromptVersion(version) => {
                by_version(&log.mapping.prompt_version, "prompt", version)
            }
            Self::Cohort(cohort) => cohort.matches(&log.table),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CompareOptions {
    pub confidence: f64,
    pub ngrams: NgramOptions,
    /// Whose words the n-grams count: the model's outputs by default.
    pub ngram_text: TextSide,
    /// Count n-grams over the flagged turns of each side only (what the flagged outputs say),
    /// rather than over all of them.
    pub ngrams_of_flagged_only: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            confidence: 0.95,
            ngrams: NgramOptions::default(),
            ngram_text: TextSide::Output,
            ngrams_of_flagged_only: false,
        }
    }
}

/// A share with its interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rate {
    pub count: u64,
    pub turns: u64,
    /// `None` for a side without turns.
    pub rate: Option<f64>,
    pub interval: Option<Interval>,
}

/// Output length in characters (Unicode code points) over one side's turns with an output.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lengths {
    pub outputs: u64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Side {
    /// The selection in words (`model v4`, a window).
    pub label: String,
    pub flagged: Rate,
    pub refusals: Rate,
    pub output_length: Lengths,
}

/// How output length moved from A to B.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LengthDrift {
    /// `mean_b / mean_a − 1`.
    pub relative_change_of_mean: Option<f64>,
    /// Two-sample Kolmogorov–Smirnov statistic and p-value (as SciPy's `ks_2samp`).
    pub ks_statistic: Option<f64>,
    pub ks_p_value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CompareReport {
    pub schema_version: u32,
    pub flagged_by: String,
    pub confidence: f64,
    pub a: Side,
    pub b: Side,
    /// B's flagged rate against A's.
    pub flagged_rate: ProportionTest,
    /// B's refusal rate against A's.
    pub refusal_rate: ProportionTest,
    /// Which refusal lexicon counted refusals.
    pub refusal_lexicon_version: u32,
    pub output_length: LengthDrift,
    /// N-grams more frequent in B than in A, strongest first.
    pub over_represented_in_b: Vec<OverRepresented>,
    /// Turns skipped while reading (not UTF-8).
    pub skipped_turns: u64,
}

/// Compares side `b` of `log` with side `a`.
pub fn compare(
    log: &ConversationLog,
    rule: &FlagRule,
    a: &Selection,
    b: &Selection,
    options: &CompareOptions,
) -> Result<CompareReport, ForensicsError> {
    let flags = rule.flags(log)?;
    compare_flags(log, &flags, rule.describe(), a, b, options)
}

/// [`compare`] of flags already decided.
pub fn compare_flags(
    log: &ConversationLog,
    flags: &[bool],
    flagged_by: String,
    a: &Selection,
    b: &Selection,
    options: &CompareOptions,
) -> Result<CompareReport, ForensicsError> {
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return Err(ForensicsError::InvalidOptions(format!(
            "confidence {} is not between 0 and 1",
            options.confidence
        )));
    }
    log.check_flags(flags)?;
    let refusals = FlagRule {
        detector: Some(refusal::NAME.to_string()),
        scan: TextSide::Output,
        cohort: None,
    }
    .flags_with(log, Some(&refusal::detector()))?;
    let outputs = log.texts(&log.mapping.output)?;
    let (rows_a, rows_b) = (a.rows(log)?, b.rows(log)?);
    let side = |selection: &Selection, rows: &[bool]| -> (Side, Vec<f64>) {
        let count = |marks: &[bool]| {
            let turns = rows.iter().filter(|&&inside| inside).count() as u64;
            let hits = rows
                .iter()
                .zip(marks)
                .filter(|&(&inside, &mark)| inside && mark)
                .count() as u64;
            Rate {
                count: hits,
                turns,
                rate: (turns > 0).then(|| hits as f64 / turns as f64),
                interval: wilson_interval(hits, turns, options.confidence),
            }
        };
        let mut lengths: Vec<f64> = rows
            .iter()
            .enumerate()
            .filter(|&(_, &inside)| inside)
            .filter_map(|(row, _)| outputs.get(row).map(|text| text.chars().count() as f64))
            .collect();
        sort_values(&mut lengths);
        let summary = Lengths {
            outputs: lengths.len() as u64,
            mean: (!lengths.is_empty()).then(|| lengths.iter().sum::<f64>() / lengths.len() as f64),
            median: (!lengths.is_empty()).then(|| quantile_sorted(&lengths, 0.5)),
            p90: (!lengths.is_empty()).then(|| quantile_sorted(&lengths, 0.9)),
        };
        let side = Side {
            label: selection.label(),
            flagged: count(flags),
            refusals: count(&refusals),
            output_length: summary,
        };
        (side, lengths)
    };
    let (side_a, lengths_a) = side(a, &rows_a);
    let (side_b, lengths_b) = side(b, &rows_b);
    let ks = (!lengths_a.is_empty() && !lengths_b.is_empty()).then(|| {
        let statistic = ks_statistic_sorted(&lengths_a, &lengths_b);
        (
            statistic,
            ks_two_sample_pvalue(statistic, lengths_a.len(), lengths_b.len()).0,
        )
    });
    let output_length = LengthDrift {
        relative_change_of_mean: match (side_a.output_length.mean, side_b.output_length.mean) {
            (Some(mean_a), Some(mean_b)) if mean_a > 0.0 => Some(mean_b / mean_a - 1.0),
            _ => None,
        },
        ks_statistic: ks.map(|(statistic, _)| statistic),
        ks_p_value: ks.map(|(_, p_value)| p_value),
    };
    let texts = |rows: &[bool]| -> Result<Vec<&str>, ForensicsError> {
        let columns = match options.ngram_text {
            TextSide::Input => vec![&log.mapping.input],
            TextSide::Output => vec![&log.mapping.output],
            TextSide::Both => vec![&log.mapping.input, &log.mapping.output],
        };
        let mut texts = Vec::new();
        for column in columns {
            let column = log.texts(column)?;
            texts.extend(
                (0..log.turns())
                    .filter(|&row| rows[row] && (!options.ngrams_of_flagged_only || flags[row]))
                    .filter_map(|row| column.get(row)),
            );
        }
        Ok(texts)
    };
    let over_represented_in_b = over_represented(
        texts(&rows_a)?.into_iter(),
        texts(&rows_b)?.into_iter(),
        &options.ngrams,
    );
    Ok(CompareReport {
        schema_version: COMPARE_SCHEMA_VERSION,
        flagged_by,
        confidence: options.confidence,
        flagged_rate: two_proportion_test(
            side_a.flagged.count,
            side_a.flagged.turns,
            side_b.flagged.count,
            side_b.flagged.turns,
        ),
        refusal_rate: two_proportion_test(
            side_a.refusals.count,
            side_a.refusals.turns,
            side_b.refusals.count,
            side_b.refusals.turns,
        ),
        refusal_lexicon_version: refusal::VERSION,
        output_length,
        over_represented_in_b,
        skipped_turns: log.skipped_turns,
        a: side_a,
        b: side_b,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::fixture::{dosage, release_log};

    #[test]
    fn v4_against_v3_shows_more_dosage_advice_fewer_refusals_and_what_v4_says() {
        let log = release_log(15);
        let (v3, v4) = (
            Selection::parse("model=v3").unwrap(),
            Selection::parse("model=v4").unwrap(),
        );
        let report = compare(&log, &dosage(), &v3, &v4, &CompareOptions::default()).unwrap();
        assert_eq!(report.a.label, "model v3");
        assert_eq!(
            report.a.flagged.turns + report.b.flagged.turns,
            log.turns() as u64
        );
        let (rate_a, rate_b) = (
            report.a.flagged.rate.unwrap(),
            report.b.flagged.rate.unwrap(),
        );
        assert!((0.03..0.05).contains(&rate_a) && (0.13..0.17).contains(&rate_b));
        let interval_b = report.b.flagged.interval.unwrap();
        assert!(interval_b.low < rate_b && rate_b < interval_b.high);
        assert!(report.a.flagged.interval.unwrap().high < interval_b.low);
        let test = report.flagged_rate;
        assert!(
            test.z.unwrap() > 10.0 && test.p_value.unwrap() < 1e-20,
            "{test:?}"
        );
        // Cohen's h of 4 % against 15 %: 2·asin√0.15 − 2·asin√0.04 ≈ 0.39.
        assert!((0.3..0.5).contains(&test.cohens_h.unwrap()), "{test:?}");
        assert!(
            report.refusal_rate.difference.unwrap() < -0.04
                && report.refusal_rate.p_value.unwrap() < 1e-6
        );
        assert!(report.output_length.ks_p_value.unwrap() < 0.05);
        let top: Vec<&str> = report
            .over_represented_in_b
            .iter()
            .take(8)
            .map(|found| found.ngram.as_str())
            .collect();
        assert!(top.contains(&"dose") && top.contains(&"4 g"), "{top:?}");
        assert!(
            !report
                .over_represented_in_b
                .iter()
                .any(|found| found.ngram.contains("consult")),
            "refusal words are rarer in v4"
        );
    }

    #[test]
    fn periods_compare_by_time_window_and_a_missing_version_column_is_named() {
        let log = release_log(15);
        let before = Selection::parse("2026-03-01..2026-03-21").unwrap();
        let after = Selection::parse("2026-03-21..").unwrap();
        let by_time =
            compare(&log, &dosage(), &before, &after, &CompareOptions::default()).unwrap();
        let by_model = compare(
            &log,
            &dosage(),
            &Selection::ModelVersion("v3".to_string()),
            &Selection::ModelVersion("v4".to_string()),
            &CompareOptions::default(),
        )
        .unwrap();
        assert_eq!(by_time.flagged_rate, by_model.flagged_rate);
        let mut without = log.clone();
        without.mapping.prompt_version = None;
        let error = compare(
            &without,
            &dosage(),
            &Selection::PromptVersion("p7".to_string()),
            &Selection::PromptVersion("p8".to_string()),
            &CompareOptions::default(),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("for the prompt version"),
            "{error}"
        );
        assert!(Selection::parse("last week").is_err());
    }
}
