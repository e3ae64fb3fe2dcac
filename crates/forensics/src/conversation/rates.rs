//! The share of flagged turns per time bucket, with Wilson intervals, the change points of the
//! calibrated detector ([`crate::timeseries::changepoints`]) on that share, and the model and
//! prompt versions seen in each bucket, so a change can be read against a release.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use super::{ConversationLog, FlagRule, Interval};
use crate::ForensicsError;
use crate::stats::proportion::wilson_interval;
use crate::table::{ColumnValues, NULL_TIMESTAMP, format_timestamp};
use crate::timeseries::Granularity;
use crate::timeseries::changepoints::{
    self, FAMILY_FALSE_ALARM_RATE, MIN_SEGMENT, Measure, Series, Share,
};

pub const RATES_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RatesOptions {
    pub granularity: Granularity,
    /// Confidence level of the intervals, e.g. 0.95.
    pub confidence: f64,
}

impl Default for RatesOptions {
    fn default() -> Self {
        Self {
            granularity: Granularity::Day,
            confidence: 0.95,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RateBucket {
    pub start: String,
    pub turns: u64,
    pub flagged: u64,
    pub rate: f64,
    pub interval: Interval,
    /// Turns per model version in the bucket (empty when the log has no model version).
    pub model_versions: BTreeMap<String, u64>,
    pub prompt_versions: BTreeMap<String, u64>,
}

/// Whether a version is a model's or a prompt's.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum VersionRole {
    Model,
    Prompt,
}

/// When a version first answered in the log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VersionSeen {
    pub role: VersionRole,
    pub version: String,
    pub first_seen: String,
    /// The bucket of its first turn.
    pub first_bucket: usize,
    pub turns: u64,
}

/// A shift of the flagged rate: the mean rate differs before and after `bucket_start`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RateChangePoint {
    /// First bucket of the new regime.
    pub bucket_start: String,
    pub bucket_index: usize,
    pub rate_before: f64,
    pub rate_after: f64,
    /// The shift in noise SDs of a typical bucket, on the detector's variance-stabilised scale.
    pub size_in_noise_sd: f64,
    /// Versions first seen within one bucket of the change: the releases it may be owed to.
    pub versions_released_near: Vec<VersionSeen>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RatesReport {
    pub schema_version: u32,
    /// How turns were flagged, in words ([`FlagRule::describe`]).
    pub flagged_by: String,
    pub granularity: Granularity,
    pub confidence: f64,
    pub turns: u64,
    pub flagged: u64,
    /// Turns without a timestamp, left out of every bucket.
    pub turns_without_timestamp: u64,
    /// Turns skipped while reading (not UTF-8).
    pub skipped_turns: u64,
    pub buckets: Vec<RateBucket>,
    pub change_points: Vec<RateChangePoint>,
    /// Every model and prompt version, in order of first appearance.
    pub versions: Vec<VersionSeen>,
    /// How change points were found, in words.
    pub detector: String,
}

#[derive(Default)]
struct Accumulator {
    turns: u64,
    flagged: u64,
    models: BTreeMap<String, u64>,
    prompts: BTreeMap<String, u64>,
}

/// The flagged rate of `log` over time.
pub fn flagged_rates(
    log: &ConversationLog,
    rule: &FlagRule,
    options: &RatesOptions,
) -> Result<RatesReport, ForensicsError> {
    let flags = rule.flags(log)?;
    rates_of_flags(log, &flags, rule.describe(), options)
}

/// [`flagged_rates`] of flags already decided (by [`FlagRule::flags_with`], say).
pub fn rates_of_flags(
    log: &ConversationLog,
    flags: &[bool],
    flagged_by: String,
    options: &RatesOptions,
) -> Result<RatesReport, ForensicsError> {
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return Err(ForensicsError::InvalidOptions(format!(
            "confidence {} is not between 0 and 1",
            options.confidence
        )));
    }
    log.check_flags(flags)?;
    let stamps = log.timestamps()?;
    let models = version_column(log, &log.mapping.model_version)?;
    let prompts = version_column(log, &log.mapping.prompt_version)?;
    let mut buckets: BTreeMap<i64, Accumulator> = BTreeMap::new();
    let mut first_seen: HashMap<(VersionRole, String), (i64, u64)> = HashMap::new();
    let mut without_timestamp = 0;
    for (row, (&stamp, &flagged)) in stamps.iter().zip(flags).enumerate() {
        if stamp == NULL_TIMESTAMP {
            without_timestamp += 1;
            continue;
        }
        let bucket = buckets
            .entry(options.granularity.bucket_start(stamp))
            .or_default();
        bucket.turns += 1;
        bucket.flagged += u64::from(flagged);
        for (role, column, counts) in [
            (VersionRole::Model, models, &mut bucket.models),
            (VersionRole::Prompt, prompts, &mut bucket.prompts),
        ] {
            let Some(version) = column.and_then(|values| version_text(values, row)) else {
                continue;
            };
            match counts.get_mut(version.as_ref()) {
                Some(count) => *count += 1,
                None => {
                    counts.insert(version.to_string(), 1);
                }
            }
            let seen = first_seen
                .entry((role, version.into_owned()))
                .or_insert((stamp, 0));
            seen.0 = seen.0.min(stamp);
            seen.1 += 1;
        }
    }
    let starts: Vec<i64> = buckets.keys().copied().collect();
    let bucket_of = |stamp: i64| {
        starts.partition_point(|&start| start <= options.granularity.bucket_start(stamp)) - 1
    };
    let mut versions: Vec<VersionSeen> = first_seen
        .into_iter()
        .map(|((role, version), (stamp, turns))| VersionSeen {
            role,
            version,
            first_seen: format_timestamp(stamp),
            first_bucket: bucket_of(stamp),
            turns,
        })
        .collect();
    versions.sort_by(|a, b| {
        (&a.first_seen, a.role, &a.version).cmp(&(&b.first_seen, b.role, &b.version))
    });
    let accumulators: Vec<Accumulator> = buckets.into_values().collect();
    let series = Series {
        name: "flagged_rate".to_string(),
        measure: Measure::Shares(
            accumulators
                .iter()
                .map(|bucket| Share {
                    hits: bucket.flagged,
                    trials: bucket.turns,
                })
                .collect(),
        ),
    };
    let scan = changepoints::find_shifts(std::slice::from_ref(&series))?
        .pop()
        .expect("one scan per series");
    let change_points = scan
        .shifts
        .into_iter()
        .map(|shift| RateChangePoint {
            bucket_start: format_timestamp(starts[shift.index]),
            bucket_index: shift.index,
            rate_before: shift.mean_before,
            rate_after: shift.mean_after,
            size_in_noise_sd: shift.size_in_noise_sd,
            versions_released_near: versions
                .iter()
                .filter(|seen| {
                    seen.first_bucket > 0 && seen.first_bucket.abs_diff(shift.index) <= 1
                })
                .cloned()
                .collect(),
        })
        .collect();
    let buckets: Vec<RateBucket> = starts
        .iter()
        .zip(accumulators)
        .map(|(&start, bucket)| RateBucket {
            start: format_timestamp(start),
            turns: bucket.turns,
            flagged: bucket.flagged,
            rate: bucket.flagged as f64 / bucket.turns as f64,
            interval: wilson_interval(bucket.flagged, bucket.turns, options.confidence)
                .expect("a bucket holds at least one turn"),
            model_versions: bucket.models,
            prompt_versions: bucket.prompts,
        })
        .collect();
    Ok(RatesReport {
        schema_version: RATES_SCHEMA_VERSION,
        flagged_by,
        granularity: options.granularity,
        confidence: options.confidence,
        turns: log.turns() as u64,
        flagged: flags.iter().filter(|&&flagged| flagged).count() as u64,
        turns_without_timestamp: without_timestamp,
        skipped_turns: log.skipped_turns,
        buckets,
        change_points,
        versions,
        detector: format!(
            "PELT on the flagged share per bucket, each bucket weighted by its binomial noise \
             (variance-stabilised) plus the extra variation the series shows; penalty set so a \
             log without a shift gets a change point with probability at most {:.0} %; regimes \
             of at least {MIN_SEGMENT} buckets",
            100.0 * FAMILY_FALSE_ALARM_RATE
        ),
    })
}

/// The column of an optional version role, if the log has it.
pub(super) fn version_column<'a>(
    log: &'a ConversationLog,
    column: &Option<String>,
) -> Result<Option<&'a ColumnValues>, ForensicsError> {
    column
        .as_deref()
        .map(|name| log.table.column(name).map(|column| &column.values))
        .transpose()
}

/// A version as text: text as logged, a number or flag as JSON writes it.
pub(super) fn version_text(values: &ColumnValues, row: usize) -> Option<Cow<'_, str>> {
    if values.is_null(row) {
        return None;
    }
    match values {
        ColumnValues::Categorical { codes, dictionary } => {
            Some(Cow::Borrowed(&dictionary[codes[row] as usize]))
        }
        other => Some(Cow::Owned(match other.json_value(row) {
            serde_json::Value::String(text) => text,
            value => value.to_string(),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::fixture::{PROMPT_DAY, RELEASE_DAY, dosage, release_log};

    #[test]
    fn the_release_that_raised_dosage_advice_shows_as_a_change_point_with_its_versions() {
        let log = release_log(15);
        let report = flagged_rates(&log, &dosage(), &RatesOptions::default()).unwrap();
        assert_eq!(report.buckets.len(), 40);
        assert_eq!(report.turns, log.turns() as u64);
        for bucket in &report.buckets {
            assert!(bucket.interval.low <= bucket.rate && bucket.rate <= bucket.interval.high);
            assert_eq!(bucket.model_versions.values().sum::<u64>(), bucket.turns);
        }
        let before = &report.buckets[RELEASE_DAY - 1];
        let after = &report.buckets[RELEASE_DAY];
        assert_eq!(before.model_versions.keys().collect::<Vec<_>>(), ["v3"]);
        assert_eq!(after.model_versions.keys().collect::<Vec<_>>(), ["v4"]);
        // Day by day the intervals of about 200 turns are wide, but those of 4 % and 15 % do
        // not overlap on most days.
        assert!(
            before.interval.high < 0.12 && after.interval.low > 0.06,
            "{before:?} {after:?}"
        );
        assert_eq!(report.change_points.len(), 1, "{:?}", report.change_points);
        let change = &report.change_points[0];
        assert_eq!(change.bucket_index, RELEASE_DAY);
        assert_eq!(change.bucket_start, "2026-03-21T00:00:00Z");
        assert!((0.03..0.05).contains(&change.rate_before), "{change:?}");
        assert!((0.13..0.17).contains(&change.rate_after), "{change:?}");
        let near: Vec<(VersionRole, &str)> = change
            .versions_released_near
            .iter()
            .map(|seen| (seen.role, seen.version.as_str()))
            .collect();
        // The prompt change ten days later is not offered as a cause.
        assert_eq!(near, [(VersionRole::Model, "v4")]);
        let prompt = report
            .versions
            .iter()
            .find(|seen| seen.version == "p8")
            .unwrap();
        assert_eq!(prompt.first_bucket, PROMPT_DAY);
        assert_eq!(prompt.first_seen, "2026-03-31T00:00:00Z");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["change_points"][0]["versions_released_near"][0]["version"],
            "v4"
        );
    }

    #[test]
    fn a_rule_that_does_not_change_gets_no_change_point() {
        // The input never changes, so the dosage lexicon flags every input: no shift.
        let inputs = FlagRule {
            scan: crate::conversation::TextSide::Input,
            ..dosage()
        };
        let report = flagged_rates(&release_log(16), &inputs, &RatesOptions::default()).unwrap();
        assert_eq!(report.flagged, report.turns);
        assert_eq!(report.change_points, []);
        let pharmacy = FlagRule {
            detector: None,
            cohort: Some(crate::Cohort::parse("segment == 'pharmacy'").unwrap()),
            ..FlagRule::default()
        };
        let report = flagged_rates(&release_log(17), &pharmacy, &RatesOptions::default()).unwrap();
        assert_eq!(report.change_points, [], "{:?}", report.buckets);
    }

    #[test]
    fn flags_of_another_log_are_refused() {
        let error = rates_of_flags(
            &release_log(19),
            &[true],
            String::new(),
            &RatesOptions::default(),
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("1 flags for the "), "{error}");
    }

    #[test]
    fn a_confidence_outside_zero_and_one_is_refused() {
        let options = RatesOptions {
            confidence: 95.0,
            ..RatesOptions::default()
        };
        let error = flagged_rates(&release_log(18), &dosage(), &options).unwrap_err();
        assert!(error.to_string().contains("confidence 95"), "{error}");
    }
}
