//! Group fairness of binary decisions: per-group rates, Fairlearn's between-group differences
//! and ratios, Aequitas' disparities against a reference group, and, given a score, per-group
//! AUC and expected calibration error.
//!
//! Conventions (Fairlearn 0.15): difference = max − min over groups, ratio = min / max; a rate
//! whose denominator is empty (TPR of a group without positives) is 0. ECE (decision D22): 10
//! equal-width bins on [0, 1] as scikit-learn's `calibration_curve(strategy="uniform")`, weighted
//! by bin size.
//!
//! Aequitas (1.1, checked against the installed package): the ten metrics of
//! `Bias.all_group_metrics` per group, a metric with an empty denominator undefined (NaN) rather
//! than Fairlearn's 0; disparity = group metric / reference-group metric, where a positive metric
//! over a reference of 0 gives [`DIVIDED_BY_ZERO_DISPARITY`] (Aequitas' `fill_divbyzero`) and 0 / 0
//! stays undefined; fair when τ ≤ disparity ≤ 1/τ with τ = 0.8, both ends included. The
//! reference group is the largest (ties to the first in sorted order, as `idxmax` over Aequitas'
//! sorted crosstab) unless named. Two documented differences: Aequitas leaves the verdict of an
//! undefined disparity undefined, Firebreak reports `fair: false` with a null disparity; and
//! Aequitas drops rows whose attribute is missing from its groups (they still count in ppr's
//! total of predicted positives), Firebreak keeps them as the group [`MISSING_GROUP`].

use crate::ForensicsError;
use crate::table::{ColumnValues, NULL_CODE, NumericOrigin, Table};

pub const FAIRNESS_SCHEMA_VERSION: u32 = 1;
/// Aequitas' default fairness band is [τ, 1/τ] with τ = 0.8.
pub const DISPARITY_TOLERANCE: f64 = 0.8;
/// Disparity of a positive metric against a reference group whose metric is 0: Aequitas replaces
/// the infinite ratio with its `Bias(fill_divbyzero=...)` default, 10.
pub const DIVIDED_BY_ZERO_DISPARITY: f64 = 10.0;
/// Name given to rows whose protected attribute is missing.
pub const MISSING_GROUP: &str = "(missing)";

/// Which columns hold what.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FairnessOptions {
    /// One protected attribute, or two for their intersection.
    pub group_columns: Vec<String>,
    pub label: String,
    pub prediction: String,
    pub score: Option<String>,
    /// Aequitas reference group (for two attributes, `a|b`); the largest group by default.
    pub reference_group: Option<String>,
}

/// Confusion counts and rates of one group.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupMetrics {
    /// The group's value; for two attributes the values joined by `|`.
    pub group: String,
    pub count: u64,
    pub true_positives: u64,
    pub false_positives: u64,
    pub true_negatives: u64,
    pub false_negatives: u64,
    pub base_rate: f64,
    pub selection_rate: f64,
    pub true_positive_rate: f64,
    pub false_positive_rate: f64,
    pub false_negative_rate: f64,
    pub precision: f64,
    pub accuracy: f64,
    /// ROC AUC of the score; `None` without a score or when the group has one class only.
    pub auc: Option<f64>,
    pub expected_calibration_error: Option<f64>,
}

/// Fairlearn's between-group summaries.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupGaps {
    pub demographic_parity_difference: f64,
    pub demographic_parity_ratio: f64,
    pub equalized_odds_difference: f64,
    pub equalized_odds_ratio: f64,
    pub equal_opportunity_difference: f64,
    pub equal_opportunity_ratio: f64,
}

/// One Aequitas disparity of one group.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Disparity {
    pub group: String,
    /// Aequitas metric name: ppr, pprev, precision, fdr, for, fpr, fnr, tpr, tnr, npv.
    pub metric: String,
    pub value: f64,
    pub reference_value: f64,
    /// `value / reference_value`; [`DIVIDED_BY_ZERO_DISPARITY`] when only the reference value is
    /// 0, NaN (null in JSON) when either value is undefined or both are 0.
    pub disparity: f64,
    /// Within [0.8, 1.25]; `false` also when the disparity is undefined (Aequitas: no verdict).
    pub fair: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FairnessReport {
    pub schema_version: u32,
    pub group_columns: Vec<String>,
    pub rows: u64,
    pub overall: GroupMetrics,
    pub groups: Vec<GroupMetrics>,
    pub gaps: GroupGaps,
    pub reference_group: String,
    pub disparities: Vec<Disparity>,
    pub conventions: String,
}

/// Fairness of the decisions in `table` across the groups of one or two protected attributes.
pub fn fairness(
    table: &Table,
    options: &FairnessOptions,
) -> Result<FairnessReport, ForensicsError> {
    if options.group_columns.is_empty() || options.group_columns.len() > 2 {
        return Err(ForensicsError::InvalidOptions(
            "fairness takes one protected attribute, or two for their intersection".to_string(),
        ));
    }
    let labels = binary_column(table, &options.label)?;
    let predictions = binary_column(table, &options.prediction)?;
    let scores = match &options.score {
        Some(name) => Some(score_column(table, name)?),
        None => None,
    };
    let (group_of_row, group_names) = group_index(table, &options.group_columns)?;

    // One pass over the rows fills every group's confusion cells; rows are gathered per group
    // only when a score needs them (AUC and ECE).
    let mut cells = vec![[0u64; 4]; group_names.len()];
    for (row, &group) in group_of_row.iter().enumerate() {
        cells[group as usize][usize::from(labels[row]) * 2 + usize::from(predictions[row])] += 1;
    }
    let mut rows_of_group: Vec<Vec<usize>> = vec![
        Vec::new();
        if scores.is_some() {
            group_names.len()
        } else {
            0
        }
    ];
    if scores.is_some() {
        for (row, &group) in group_of_row.iter().enumerate() {
            rows_of_group[group as usize].push(row);
        }
    }
    let mut order: Vec<usize> = (0..group_names.len())
        .filter(|&group| cells[group].iter().sum::<u64>() > 0)
        .collect();
    order.sort_by(|&a, &b| group_names[a].cmp(&group_names[b]));
    let score_pairs = |rows: &[usize]| -> Option<Vec<(f64, bool)>> {
        scores
            .as_ref()
            .map(|scores| rows.iter().map(|&row| (scores[row], labels[row])).collect())
    };
    let all_rows: Vec<usize> = if scores.is_some() {
        (0..table.row_count).collect()
    } else {
        Vec::new()
    };
    let total_cells = cells.iter().fold([0u64; 4], |mut total, group| {
        for (sum, cell) in total.iter_mut().zip(group) {
            *sum += cell;
        }
        total
    });
    let overall = group_metrics("overall", total_cells, score_pairs(&all_rows));
    let groups: Vec<GroupMetrics> = order
        .iter()
        .map(|&group| {
            let pairs = rows_of_group.get(group).and_then(|rows| score_pairs(rows));
            group_metrics(&group_names[group], cells[group], pairs)
        })
        .collect();
    let group_exists = |name: &str| groups.iter().any(|group| group.group == name);

    let spread = |rate: fn(&GroupMetrics) -> f64| {
        let minimum = groups.iter().map(rate).fold(f64::INFINITY, f64::min);
        let maximum = groups.iter().map(rate).fold(f64::NEG_INFINITY, f64::max);
        (maximum - minimum, minimum / maximum)
    };
    let (selection_difference, selection_ratio) = spread(|group| group.selection_rate);
    let (tpr_difference, tpr_ratio) = spread(|group| group.true_positive_rate);
    let (fpr_difference, fpr_ratio) = spread(|group| group.false_positive_rate);
    let gaps = GroupGaps {
        demographic_parity_difference: selection_difference,
        demographic_parity_ratio: selection_ratio,
        equalized_odds_difference: tpr_difference.max(fpr_difference),
        equalized_odds_ratio: tpr_ratio.min(fpr_ratio),
        equal_opportunity_difference: tpr_difference,
        equal_opportunity_ratio: tpr_ratio,
    };

    let reference_group = match &options.reference_group {
        Some(name) => {
            if !group_exists(name) {
                return Err(ForensicsError::InvalidOptions(format!(
                    "reference group `{name}` does not occur in {}",
                    options.group_columns.join(" × ")
                )));
            }
            name.clone()
        }
        // Largest group; ties go to the first in sorted order.
        None => groups
            .iter()
            .fold(None::<&GroupMetrics>, |best, group| match best {
                Some(best) if best.count >= group.count => Some(best),
                _ => Some(group),
            })
            .map(|group| group.group.clone())
            .unwrap_or_default(),
    };
    let disparities = aequitas_disparities(&groups, &reference_group);
    Ok(FairnessReport {
        schema_version: FAIRNESS_SCHEMA_VERSION,
        group_columns: options.group_columns.clone(),
        rows: table.row_count as u64,
        overall,
        groups,
        gaps,
        reference_group,
        disparities,
        conventions: "Fairlearn 0.15 (difference = max - min, ratio = min / max, empty-denominator rates = 0); \
                      Aequitas 1.1 disparities vs the reference group (x / 0 = 10, 0 / 0 undefined), \
                      fair within [0.8, 1.25]; \
                      ECE over 10 uniform bins on [0, 1] weighted by bin size"
            .to_string(),
    })
}

/// The model's performance over every row, with no groups: the `overall` metrics of
/// [`fairness`] (accuracy, precision, recall as the true-positive rate, and with a score ROC AUC
/// and calibration error).
pub fn performance(
    table: &Table,
    label: &str,
    prediction: &str,
    score: Option<&str>,
) -> Result<GroupMetrics, ForensicsError> {
    let labels = binary_column(table, label)?;
    let predictions = binary_column(table, prediction)?;
    let mut cells = [0u64; 4];
    for (label, prediction) in labels.iter().zip(&predictions) {
        cells[usize::from(*label) * 2 + usize::from(*prediction)] += 1;
    }
    let pairs = match score {
        Some(name) => Some(
            score_column(table, name)?
                .into_iter()
                .zip(labels.iter().copied())
                .collect(),
        ),
        None => None,
    };
    Ok(group_metrics("overall", cells, pairs))
}

fn binary_column(table: &Table, name: &str) -> Result<Vec<bool>, ForensicsError> {
    let column = table.column(name)?;
    match &column.values {
        ColumnValues::Numeric { values, nulls, .. } => values
            .iter()
            .enumerate()
            .map(|(row, &value)| {
                let missing = nulls.as_ref().is_some_and(|nulls| nulls[row]);
                match value {
                    0.0 if !missing => Ok(false),
                    1.0 if !missing => Ok(true),
                    _ => Err(ForensicsError::NotBinary {
                        source_name: table.source.clone(),
                        column: name.to_string(),
                        row,
                        value: if missing {
                            "null".to_string()
                        } else {
                            value.to_string()
                        },
                    }),
                }
            })
            .collect(),
        other => Err(ForensicsError::WrongType {
            source_name: table.source.clone(),
            column: name.to_string(),
            found: other.kind_name().to_string(),
            expected: "0/1 integers or booleans".to_string(),
        }),
    }
}

fn score_column(table: &Table, name: &str) -> Result<Vec<f64>, ForensicsError> {
    match &table.column(name)?.values {
        ColumnValues::Numeric {
            values,
            origin: NumericOrigin::Float | NumericOrigin::Integer,
            ..
        } => {
            if let Some(row) = values.iter().position(|value| !(0.0..=1.0).contains(value)) {
                return Err(ForensicsError::BadValue {
                    source_name: table.source.clone(),
                    column: name.to_string(),
                    row,
                    message: format!("score {} is not a probability in [0, 1]", values[row]),
                });
            }
            Ok(values.clone())
        }
        other => Err(ForensicsError::WrongType {
            source_name: table.source.clone(),
            column: name.to_string(),
            found: other.kind_name().to_string(),
            expected: "a probability score".to_string(),
        }),
    }
}

/// Each row's group as an index into the returned names; two attributes combine into
/// `a|b` names. Text columns reuse their dictionary codes, so no per-row strings are built.
fn group_index(
    table: &Table,
    columns: &[String],
) -> Result<(Vec<u32>, Vec<String>), ForensicsError> {
    let mut indices = vec![0u32; table.row_count];
    let mut names = vec![String::new()];
    for name in columns {
        let values = &table.column(name)?.values;
        let (local, local_names) = attribute_codes(values);
        let width = local_names.len() as u32;
        let mut combined_names = Vec::with_capacity(names.len() * local_names.len());
        for prefix in &names {
            for value in &local_names {
                combined_names.push(if prefix.is_empty() {
                    value.clone()
                } else {
                    format!("{prefix}|{value}")
                });
            }
        }
        for (index, code) in indices.iter_mut().zip(local) {
            *index = *index * width + code;
        }
        names = combined_names;
    }
    Ok((indices, names))
}

fn attribute_codes(values: &ColumnValues) -> (Vec<u32>, Vec<String>) {
    match values {
        ColumnValues::Categorical { codes, dictionary } => {
            let missing = dictionary.len() as u32;
            let mut names = dictionary.clone();
            names.push(MISSING_GROUP.to_string());
            (
                codes
                    .iter()
                    .map(|&code| if code == NULL_CODE { missing } else { code })
                    .collect(),
                names,
            )
        }
        other => {
            let mut lookup: std::collections::HashMap<String, u32> =
                std::collections::HashMap::new();
            let mut names = Vec::new();
            let codes = (0..other.len())
                .map(|row| {
                    let text = match other.json_value(row) {
                        serde_json::Value::Null => MISSING_GROUP.to_string(),
                        serde_json::Value::String(text) => text,
                        value => value.to_string(),
                    };
                    *lookup.entry(text.clone()).or_insert_with(|| {
                        names.push(text);
                        (names.len() - 1) as u32
                    })
                })
                .collect();
            (codes, names)
        }
    }
}

fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

/// Metrics from confusion cells indexed `label * 2 + prediction`, and (score, label) pairs.
fn group_metrics(
    group: &str,
    cells: [u64; 4],
    score_pairs: Option<Vec<(f64, bool)>>,
) -> GroupMetrics {
    let [
        true_negatives,
        false_positives,
        false_negatives,
        true_positives,
    ] = cells;
    let count = cells.iter().sum();
    let (auc, expected_calibration_error) = match score_pairs {
        Some(pairs) => (roc_auc(&pairs), Some(expected_calibration_error(&pairs))),
        None => (None, None),
    };
    GroupMetrics {
        group: group.to_string(),
        count,
        true_positives,
        false_positives,
        true_negatives,
        false_negatives,
        base_rate: ratio(true_positives + false_negatives, count),
        selection_rate: ratio(true_positives + false_positives, count),
        true_positive_rate: ratio(true_positives, true_positives + false_negatives),
        false_positive_rate: ratio(false_positives, false_positives + true_negatives),
        false_negative_rate: ratio(false_negatives, true_positives + false_negatives),
        precision: ratio(true_positives, true_positives + false_positives),
        accuracy: ratio(true_positives + true_negatives, count),
        auc,
        expected_calibration_error,
    }
}

/// ROC AUC with tied scores sharing their average rank (Mann–Whitney), as scikit-learn.
fn roc_auc(pairs: &[(f64, bool)]) -> Option<f64> {
    let positives = pairs.iter().filter(|(_, label)| *label).count() as f64;
    let negatives = pairs.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    let mut sorted = pairs.to_vec();
    sorted.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut positive_rank_sum = 0.0;
    let mut start = 0;
    while start < sorted.len() {
        let mut end = start;
        while end < sorted.len() && sorted[end].0 == sorted[start].0 {
            end += 1;
        }
        let average_rank = (start + 1 + end) as f64 / 2.0;
        positive_rank_sum += average_rank
            * sorted[start..end]
                .iter()
                .filter(|(_, label)| *label)
                .count() as f64;
        start = end;
    }
    Some((positive_rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// ECE over 10 uniform bins; a score on an inner edge goes to the lower bin, as NumPy's
/// `searchsorted(edges[1:-1], score)` in scikit-learn's `calibration_curve`.
fn expected_calibration_error(pairs: &[(f64, bool)]) -> f64 {
    const BINS: usize = 10;
    let edges = crate::stats::linspace(0.0, 1.0, BINS + 1);
    let mut count = [0u64; BINS];
    let mut score_sum = [0.0f64; BINS];
    let mut positive_sum = [0.0f64; BINS];
    for &(score, label) in pairs {
        let bin = edges[1..BINS].partition_point(|&edge| edge < score);
        count[bin] += 1;
        score_sum[bin] += score;
        positive_sum[bin] += f64::from(u8::from(label));
    }
    let total = pairs.len() as f64;
    (0..BINS)
        .filter(|&bin| count[bin] > 0)
        .map(|bin| {
            let size = count[bin] as f64;
            size / total * (positive_sum[bin] / size - score_sum[bin] / size).abs()
        })
        .sum()
}

fn aequitas_disparities(groups: &[GroupMetrics], reference_group: &str) -> Vec<Disparity> {
    let all_predicted_positive: u64 = groups
        .iter()
        .map(|group| group.true_positives + group.false_positives)
        .sum();
    let metrics = |group: &GroupMetrics| -> [(&'static str, f64); 10] {
        let (tp, fp, tn, fn_) = (
            group.true_positives,
            group.false_positives,
            group.true_negatives,
            group.false_negatives,
        );
        let undefined_if_empty = |numerator: u64, denominator: u64| {
            if denominator == 0 {
                f64::NAN
            } else {
                numerator as f64 / denominator as f64
            }
        };
        [
            ("ppr", undefined_if_empty(tp + fp, all_predicted_positive)),
            ("pprev", undefined_if_empty(tp + fp, group.count)),
            ("precision", undefined_if_empty(tp, tp + fp)),
            ("fdr", undefined_if_empty(fp, tp + fp)),
            ("for", undefined_if_empty(fn_, fn_ + tn)),
            ("fpr", undefined_if_empty(fp, fp + tn)),
            ("fnr", undefined_if_empty(fn_, fn_ + tp)),
            ("tpr", undefined_if_empty(tp, tp + fn_)),
            ("tnr", undefined_if_empty(tn, tn + fp)),
            ("npv", undefined_if_empty(tn, tn + fn_)),
        ]
    };
    let Some(reference) = groups.iter().find(|group| group.group == reference_group) else {
        return Vec::new();
    };
    let reference_metrics = metrics(reference);
    groups
        .iter()
        .flat_map(|group| {
            metrics(group)
                .into_iter()
                .zip(reference_metrics)
                .map(|((metric, value), (_, reference_value))| {
                    let ratio = value / reference_value;
                    let disparity = if ratio == f64::INFINITY {
                        DIVIDED_BY_ZERO_DISPARITY
                    } else {
                        ratio
                    };
                    Disparity {
                        group: group.group.clone(),
                        metric: metric.to_string(),
                        value,
                        reference_value,
                        disparity,
                        fair: (DISPARITY_TOLERANCE..=1.0 / DISPARITY_TOLERANCE)
                            .contains(&disparity),
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_averages_tied_ranks() {
        // Every positive outscores every negative.
        let pairs = [(0.1, false), (0.4, true), (0.35, false), (0.8, true)];
        assert_eq!(roc_auc(&pairs), Some(1.0));
        let tied = [(0.5, false), (0.5, true)];
        assert_eq!(roc_auc(&tied), Some(0.5));
        assert_eq!(roc_auc(&[(0.2, true)]), None);
    }

    #[test]
    fn ece_puts_edge_scores_in_the_lower_bin() {
        // Score 0.1 falls in bin 0 with 0.05: |mean label - mean score| = |0.5 - 0.075|.
        let pairs = [(0.05, false), (0.1, true)];
        assert!((expected_calibration_error(&pairs) - 0.425).abs() < 1e-12);
    }
}
