//! `firebreak analyze conversations LOG [--where EXPR] [--detector NAME] [--compare A..B C..D]`
//! described as data and run, shaped like the other requests of [`crate::request`] so that it
//! joins [`crate::AnalysisRequest`] as one more variant.
//!
//! `where` means what it means in every analysis, the turns looked at (decision D20), when a
//! detector flags them; given alone, it is what flags turns (`output contains 'dosage'`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::compare::{CompareOptions, CompareReport, Selection, compare_flags};
use super::rates::{RatesOptions, RatesReport, rates_of_flags};
use super::sample::{ReviewSample, SampleOptions, review_sample};
use super::triggers::{TriggerOptions, TriggerReport, triggers};
use super::{
    ConversationMapping, FlagRule, LogFormat, NgramOptions, SkippedTurn, TextSide,
    read_conversations,
};
use crate::ForensicsError;
use crate::cohort::KeywordFileReader;
use crate::request::{parse_cohort, refuse_empty_cohort};
use crate::timeseries::Granularity;

pub const CONVERSATIONS_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConversationsRequest {
    pub log: String,
    #[serde(default)]
    pub mapping: ConversationMapping,
    /// Detected from the file when absent.
    #[serde(default)]
    pub format: Option<LogFormat>,
    #[serde(default)]
    pub detector: Option<String>,
    #[serde(default)]
    pub scan: TextSide,
    #[serde(default, rename = "where")]
    pub cohort: Option<String>,
    #[serde(default = "default_bucket")]
    pub bucket: Granularity,
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    /// Two sides to compare, each as [`Selection::parse`] reads it: `A..B`, `model=V`,
    /// `prompt=V`.
    #[serde(default)]
    pub compare: Option<[String; 2]>,
    #[serde(default)]
    pub ngrams: NgramOptions,
    #[serde(default)]
    pub triggers: TriggerOptions,
    /// A masked sample of flagged turns for review; none unless a size is given.
    #[serde(default)]
    pub sample: SampleOptions,
}

fn default_bucket() -> Granularity {
    Granularity::Day
}

fn default_confidence() -> f64 {
    0.95
}

/// Rates over time, and the comparison when one was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationsReport {
    pub schema_version: u32,
    pub rates: RatesReport,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<CompareReport>,
    /// What the flagged turns' users wrote, and the conversations up to the first of them.
    pub triggers: TriggerReport,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<ReviewSample>,
    /// The first turns skipped while reading, with their lines (all are counted in
    /// `rates.skipped_turns`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedTurn>,
}

impl ConversationsReport {
    /// One line for the timeline: how many turns were flagged, where the
    /// share shifted and near which release, and the comparison.
    pub fn summary(&self) -> String {
        let rates = &self.rates;
        let share = |count: u64, of: u64| {
            if of == 0 {
                0.0
            } else {
                100.0 * count as f64 / of as f64
            }
        };
        let mut line = format!(
            "conversations: {} of {} turns flagged ({:.1} %) by {}",
            rates.flagged,
            rates.turns,
            share(rates.flagged, rates.turns),
            rates.flagged_by
        );
        for point in &rates.change_points {
            let near: Vec<String> = point
                .versions_released_near
                .iter()
                .map(|seen| seen.version.clone())
                .collect();
            line.push_str(&format!(
                "; shifted at {} from {:.1} % to {:.1} %",
                point.bucket_start,
                100.0 * point.rate_before,
                100.0 * point.rate_after
            ));
            if !near.is_empty() {
                line.push_str(&format!(" (released near it: {})", near.join(", ")));
            }
        }
        if let Some(compare) = &self.compare
            && let (Some(difference), Some(p)) = (
                compare.flagged_rate.difference,
                compare.flagged_rate.p_value,
            )
        {
            line.push_str(&format!(
                "; {} against {}: {:+.1} points (p {p:.2e})",
                compare.b.label,
                compare.a.label,
                100.0 * difference
            ));
        }
        line
    }
}

/// Runs `request` on the log at `path`; refusals of a field name it as the request does
/// (`where`, `detector`, `compare`).
pub fn run_conversations(
    request: &ConversationsRequest,
    path: &Path,
    keyword_files: &KeywordFileReader<'_>,
) -> Result<ConversationsReport, ForensicsError> {
    let cohort = parse_cohort(request.cohort.as_deref(), keyword_files)?;
    let sides = match &request.compare {
        Some([a, b]) => Some((
            Selection::parse(a).map_err(|e| e.in_field("compare"))?,
            Selection::parse(b).map_err(|e| e.in_field("compare"))?,
        )),
        None => None,
    };
    let log = read_conversations(path, &request.mapping, request.format)?;
    let (log, rule) = match (&request.detector, cohort) {
        (Some(detector), Some(cohort)) => {
            let within = log.within(&cohort)?;
            refuse_empty_cohort(&within.table, path, request.cohort.as_deref())?;
            (within, FlagRule::detector(detector, request.scan))
        }
        (Some(detector), None) => (log, FlagRule::detector(detector, request.scan)),
        (None, Some(cohort)) => (
            log,
            FlagRule {
                cohort: Some(cohort),
                ..FlagRule::default()
            },
        ),
        (None, None) => {
            return Err(ForensicsError::InvalidOptions(
                "say which turns are flagged: a detector, or a cohort expression".to_string(),
            )
            .in_field("detector"));
        }
    };
    let flags = rule.flags(&log).map_err(|error| match error {
        ForensicsError::UnknownDetector { .. } => error.in_field("detector"),
        other => other,
    })?;
    let flagged_by = match &request.cohort {
        Some(expression) if request.detector.is_some() => {
            format!("{} (among turns where {expression})", rule.describe())
        }
        Some(expression) => format!("{expression} holds"),
        None => rule.describe(),
    };
    let rates = rates_of_flags(
        &log,
        &flags,
        flagged_by.clone(),
        &RatesOptions {
            granularity: request.bucket,
            confidence: request.confidence,
        },
    )?;
    let compare = match sides {
        Some((a, b)) => Some(compare_flags(
            &log,
            &flags,
            flagged_by,
            &a,
            &b,
            &CompareOptions {
                confidence: request.confidence,
                ngrams: request.ngrams,
                ..CompareOptions::default()
            },
        )?),
        None => None,
    };
    let triggers = triggers(&log, &flags, &request.triggers)?;
    let sample = match request.sample.size {
        0 => None,
        _ => Some(review_sample(&log, &flags, &request.sample)?),
    };
    Ok(ConversationsReport {
        schema_version: CONVERSATIONS_SCHEMA_VERSION,
        rates,
        compare,
        triggers,
        sample,
        skipped: log.skipped.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cohort::refuse_keyword_files;

    const LOG: &str = "conversation_id,timestamp,input,output,model_version,segment\n\
        c1,2026-03-01T10:00:00Z,q,The maximum dose is 4 g,v3,pharmacy\n\
        c2,2026-03-01T11:00:00Z,q,Rest well,v3,consumer\n\
        c3,2026-03-02T10:00:00Z,q,Take a double dose,v4,pharmacy\n\
        c4,2026-03-02T11:00:00Z,q,The maximum dose is 4 g,v4,consumer\n";

    fn request(json: serde_json::Value) -> ConversationsRequest {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn where_narrows_the_turns_a_detector_flags_or_flags_them_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        std::fs::write(&path, LOG).unwrap();
        let run = |json| run_conversations(&request(json), &path, &refuse_keyword_files);
        let all = run(serde_json::json!({"log": "x", "detector": "medical_dosage"})).unwrap();
        assert_eq!((all.rates.turns, all.rates.flagged), (4, 3));
        let pharmacy = run(serde_json::json!({
            "log": "x", "detector": "medical_dosage", "where": "segment == 'pharmacy'",
            "compare": ["model=v3", "model=v4"]
        }))
        .unwrap();
        assert_eq!((pharmacy.rates.turns, pharmacy.rates.flagged), (2, 2));
        assert!(
            pharmacy
                .rates
                .flagged_by
                .contains("among turns where segment")
        );
        let compared = pharmacy.compare.unwrap();
        assert_eq!((compared.a.flagged.turns, compared.b.flagged.turns), (1, 1));
        let by_cohort =
            run(serde_json::json!({"log": "x", "where": "output contains 'rest'"})).unwrap();
        assert_eq!((by_cohort.rates.turns, by_cohort.rates.flagged), (4, 1));
    }

    #[test]
    fn refusals_name_the_request_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        std::fs::write(&path, LOG).unwrap();
        let run = |json| {
            run_conversations(&request(json), &path, &refuse_keyword_files)
                .unwrap_err()
                .to_string()
        };
        assert!(run(serde_json::json!({"log": "x"})).starts_with("detector: "));
        assert!(run(serde_json::json!({"log": "x", "detector": "dose"})).starts_with("detector: "));
        let error =
            run(serde_json::json!({"log": "x", "where": "segment == 'vip'", "detector": "pii"}));
        assert!(
            error.starts_with("where: ") && error.contains("selects no rows"),
            "{error}"
        );
        let error =
            run(serde_json::json!({"log": "x", "detector": "pii", "compare": ["last week", ".."]}));
        assert!(error.starts_with("compare: "), "{error}");
        assert!(
            serde_json::from_value::<ConversationsRequest>(
                serde_json::json!({"log": "x", "detectors": "pii"})
            )
            .is_err()
        );
    }
}
