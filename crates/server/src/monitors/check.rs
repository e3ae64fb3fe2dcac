//! A monitor's check on one window: the forensics analysis it runs and the
//! metrics its thresholds read.

use super::source::SourceError;
use firebreak_core::monitor::CheckSpec;
use firebreak_forensics::{
    AnalysisResult, DriftOptions, FairnessOptions, Preset, Table, drift, fairness, performance,
    profile,
};
use std::collections::BTreeMap;

pub type Metrics = BTreeMap<String, f64>;

/// The metrics of `current` (and the analysis behind them, kept with a
/// finding). Drift and quality compare with `reference`; the other checks
/// are computed on each side alone, so a deviation can be measured.
pub fn run(
    check: &CheckSpec,
    current: &Table,
    reference: Option<&Table>,
) -> Result<(Metrics, Option<AnalysisResult>), SourceError> {
    let mut metrics = Metrics::new();
    metrics.insert("rows".into(), current.row_count as f64);
    if current.row_count == 0 {
        return Ok((metrics, None));
    }
    let analysis = match check {
        CheckSpec::Drift {
            columns, exclude, ..
        } => {
            let reference = reference.ok_or_else(|| no_reference("drift"))?;
            let report = drift(
                reference,
                current,
                &DriftOptions {
                    preset: Preset::Evidently,
                    columns: (!columns.is_empty()).then(|| columns.clone()),
                    exclude: exclude.clone(),
                    ..DriftOptions::default()
                },
            )?;
            metrics.insert(
                "share_of_drifted_columns".into(),
                report.share_of_drifted_columns,
            );
            metrics.insert("drifted_columns".into(), report.drifted_columns as f64);
            for column in &report.columns {
                if let Some(score) = column.score {
                    metrics.insert(format!("drift_score.{}", column.column), score);
                }
            }
            Some(AnalysisResult::Drift(report))
        }
        CheckSpec::Fairness {
            group,
            label,
            prediction,
            score,
        } => {
            let report = fairness(
                current,
                &FairnessOptions {
                    group_columns: group.clone(),
                    label: label.clone(),
                    prediction: prediction.clone(),
                    score: score.clone(),
                    reference_group: None,
                },
            )?;
            let gaps = &report.gaps;
            for (name, value) in [
                (
                    "demographic_parity_difference",
                    gaps.demographic_parity_difference,
                ),
                ("demographic_parity_ratio", gaps.demographic_parity_ratio),
                ("equalized_odds_difference", gaps.equalized_odds_difference),
                ("equalized_odds_ratio", gaps.equalized_odds_ratio),
                (
                    "equal_opportunity_difference",
                    gaps.equal_opportunity_difference,
                ),
                ("equal_opportunity_ratio", gaps.equal_opportunity_ratio),
            ] {
                metrics.insert(name.into(), value);
            }
            for group in &report.groups {
                metrics.insert(
                    format!("selection_rate.{}", group.group),
                    group.selection_rate,
                );
                metrics.insert(format!("accuracy.{}", group.group), group.accuracy);
            }
            Some(AnalysisResult::Fairness(report))
        }
        CheckSpec::Quality { columns } => {
            let reference = reference.ok_or_else(|| no_reference("quality"))?;
            let report = profile(current, Some(reference));
            let checked = |name: &str| columns.is_empty() || columns.iter().any(|c| c == name);
            let mut worst: f64 = 0.0;
            let (mut new_categories, mut out_of_range) = (0u64, 0u64);
            for column in report.columns.iter().filter(|c| checked(&c.column)) {
                let rate = if column.rows == 0 {
                    0.0
                } else {
                    column.missing as f64 / column.rows as f64
                };
                worst = worst.max(rate);
                metrics.insert(format!("missing_rate.{}", column.column), rate);
                new_categories += column.new_category_rows.unwrap_or(0);
                out_of_range += column.out_of_reference_range.unwrap_or(0);
            }
            metrics.insert("missing_rate".into(), worst);
            metrics.insert("new_category_rows".into(), new_categories as f64);
            metrics.insert("out_of_range_rows".into(), out_of_range as f64);
            let changes = report.schema_diff.as_ref().map_or(0, |d| {
                d.only_in_current.len() + d.only_in_reference.len() + d.type_changed.len()
            });
            metrics.insert("schema_changes".into(), changes as f64);
            Some(AnalysisResult::Profile(report))
        }
        CheckSpec::Performance {
            label,
            prediction,
            score,
        } => {
            let overall = performance(current, label, prediction, score.as_deref())?;
            metrics.insert("accuracy".into(), overall.accuracy);
            metrics.insert("precision".into(), overall.precision);
            metrics.insert("recall".into(), overall.true_positive_rate);
            if let Some(auc) = overall.auc {
                metrics.insert("auc".into(), auc);
            }
            if let Some(ece) = overall.expected_calibration_error {
                metrics.insert("calibration_error".into(), ece);
            }
            None
        }
        CheckSpec::Volume => None,
    };
    // An undefined metric (a ratio of two zero rates) is left out, so a
    // threshold on it reads "insufficient data" rather than a number.
    metrics.retain(|_, value| value.is_finite());
    Ok((metrics, analysis))
}

fn no_reference(check: &str) -> SourceError {
    SourceError::Definition(format!("a {check} check needs a reference"))
}

/// Whether the metrics of the reference alone mean anything for this check
/// (for deviations): not for drift and quality, which already compare.
pub fn compares_alone(check: &CheckSpec) -> bool {
    !matches!(check, CheckSpec::Drift { .. } | CheckSpec::Quality { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use firebreak_forensics::table::{Column, ColumnValues, NumericOrigin};

    fn numbers(name: &str, values: Vec<f64>) -> Column {
        Column {
            name: name.into(),
            values: ColumnValues::Numeric {
                values,
                nulls: None,
                origin: NumericOrigin::Integer,
            },
        }
    }

    #[test]
    fn undefined_metrics_are_left_out_not_stored_as_nan() {
        let table = Table {
            source: "t".into(),
            row_count: 4,
            columns: vec![
                Column {
                    name: "group".into(),
                    values: ColumnValues::Categorical {
                        codes: vec![0, 0, 1, 1],
                        dictionary: vec!["A".into(), "B".into()],
                    },
                },
                numbers("label", vec![1.0, 0.0, 1.0, 0.0]),
                numbers("approved", vec![0.0, 0.0, 0.0, 0.0]),
            ],
        };
        let check = CheckSpec::Fairness {
            group: vec!["group".into()],
            label: "label".into(),
            prediction: "approved".into(),
            score: None,
        };
        let (metrics, _) = run(&check, &table, None).unwrap();
        assert_eq!(metrics["demographic_parity_difference"], 0.0);
        assert!(!metrics.contains_key("demographic_parity_ratio"), "0 / 0");
        assert!(metrics.values().all(|v| v.is_finite()));
        assert_eq!(metrics["rows"], 4.0);
    }
}
