//! Thresholds: `METRIC OP NUMBER` (absolute) or `METRIC deviates N%`
//! (relative to the same metric on the reference).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Short names for the fairness gaps, as people write them.
const ALIASES: [(&str, &str); 6] = [
    ("dpd", "demographic_parity_difference"),
    ("dpr", "demographic_parity_ratio"),
    ("eod", "equalized_odds_difference"),
    ("eor", "equalized_odds_ratio"),
    ("eopd", "equal_opportunity_difference"),
    ("eopr", "equal_opportunity_ratio"),
];

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Above,
    AtLeast,
    Below,
    AtMost,
    /// |value − reference| / |reference| above this share.
    Deviates,
}

/// A parsed threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub text: String,
    /// The metric's full name (aliases expanded), with `.<column>` if any.
    pub metric: String,
    pub comparison: Comparison,
    /// The limit; for `Deviates` a share (5 % is 0.05).
    pub limit: f64,
}

/// A threshold that held, with the values that made it hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Breach {
    pub threshold: String,
    pub metric: String,
    pub value: f64,
    pub reference: Option<f64>,
}

impl Threshold {
    pub fn parse(text: &str) -> Result<Threshold, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let bad =
            || format!("`{text}` is not `METRIC > NUMBER` (or >=, <, <=) nor `METRIC deviates N%`");
        let (metric, comparison, limit) = match words.as_slice() {
            [metric, "deviates", rest @ ..] | [metric, "deviates", "by", rest @ ..]
                if !rest.is_empty() =>
            {
                let joined = rest.join("");
                let share = joined
                    .strip_suffix('%')
                    .and_then(|n| n.parse::<f64>().ok())
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .ok_or_else(|| format!("`{joined}` is not a percentage like `5%`"))?;
                (*metric, Comparison::Deviates, share / 100.0)
            }
            [metric, op, number] => {
                let comparison = match *op {
                    ">" => Comparison::Above,
                    ">=" => Comparison::AtLeast,
                    "<" => Comparison::Below,
                    "<=" => Comparison::AtMost,
                    _ => return Err(bad()),
                };
                let limit = number
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| format!("`{number}` is not a number"))?;
                (*metric, comparison, limit)
            }
            _ => return Err(bad()),
        };
        let valid = |c: char| c.is_ascii_alphanumeric() || "_.-|".contains(c);
        if metric.is_empty() || !metric.chars().all(valid) {
            return Err(format!("`{metric}` is not a metric name"));
        }
        let (base, rest) = metric
            .split_once('.')
            .map_or((metric, None), |(b, r)| (b, Some(r)));
        let base = ALIASES
            .iter()
            .find(|(alias, _)| *alias == base)
            .map_or(base, |(_, full)| *full);
        Ok(Threshold {
            text: text.trim().to_string(),
            metric: match rest {
                Some(rest) => format!("{base}.{rest}"),
                None => base.to_string(),
            },
            comparison,
            limit,
        })
    }

    pub fn is_relative(&self) -> bool {
        self.comparison == Comparison::Deviates
    }

    /// Whether `value` (and the reference's, for a deviation) breaks it. A
    /// NaN never does; a deviation from a reference of 0 does when the value
    /// is not 0.
    pub fn holds(&self, value: f64, reference: Option<f64>) -> bool {
        if value.is_nan() {
            return false;
        }
        match self.comparison {
            Comparison::Above => value > self.limit,
            Comparison::AtLeast => value >= self.limit,
            Comparison::Below => value < self.limit,
            Comparison::AtMost => value <= self.limit,
            Comparison::Deviates => match reference {
                Some(r) if r.is_nan() => false,
                Some(0.0) => value != 0.0,
                Some(r) => ((value - r) / r).abs() > self.limit,
                None => false,
            },
        }
    }
}
