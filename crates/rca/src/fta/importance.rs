//! The importance measures of one basic event, as SCRAM defines and names
//! them, from what the BDD says about the event.

use serde::{Deserialize, Serialize};

use crate::fta::bdd::Sensitivity;

/// Importance of one basic event, as SCRAM defines and names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Importance {
    pub event: String,
    /// Number of minimal cut sets the event occurs in.
    pub occurrence: usize,
    pub probability: f64,
    /// Birnbaum (SCRAM's MIF): ∂P(top)/∂p = P(top | event) − P(top | not
    /// event), computed without cancellation (see `Bdd::sensitivities`).
    pub birnbaum: f64,
    /// Criticality (CIF): p · Birnbaum / P(top); 0 when P(top) is 0.
    pub criticality: f64,
    /// Fussell–Vesely as SCRAM computes it, the diagnosis importance (DIF):
    /// P(event | top) = p · P(top | event) / P(top); 0 when P(top) is 0.
    pub fussell_vesely: f64,
    /// Fussell–Vesely from the minimal cut sets, as PSA codes define it: the
    /// share of the rare-event sum Σ P(cut set) held by the sets that
    /// contain the event; 0 when the sum is 0.
    #[serde(default)]
    pub fussell_vesely_cut_sets: f64,
    /// Risk achievement worth: P(top | event) / P(top). +∞ when only P(top)
    /// is 0, 1 when both are; JSON writes +∞ as the string `"inf"`.
    #[serde(with = "worth_serde")]
    pub risk_achievement_worth: f64,
    /// Risk reduction worth: P(top) / P(top | not event). +∞ where the event
    /// is in every failure, so that removing it removes the risk (SCRAM
    /// prints rounding residue or 0 there); JSON writes it as the string
    /// `"inf"`.
    #[serde(with = "worth_serde")]
    pub risk_reduction_worth: f64,
}

/// The importance measures of one event from what the diagram says about
/// it. SCRAM's definitions, but not its formulas: SCRAM derives RAW and RRW
/// from the Birnbaum importance by subtraction (RRW = P / (P − p·MIF)), which
/// leaves rounding residue (±1e15, even negative values) where P(top | ¬x) is
/// 0. Here both conditionals come from the diagram directly, and a worth
/// whose denominator is exactly 0 is +∞.
pub(crate) fn importance_of(
    event: &str,
    occurrence: usize,
    p: f64,
    sensitivity: Sensitivity,
    total: f64,
) -> Importance {
    let Sensitivity { birnbaum, on, off } = sensitivity;
    let (criticality, fussell_vesely) = if total > 0.0 {
        (p * birnbaum / total, p * on / total)
    } else {
        (0.0, 0.0)
    };
    Importance {
        event: event.to_string(),
        occurrence,
        probability: p,
        birnbaum,
        criticality,
        fussell_vesely,
        // Set by the caller, which has the cut sets.
        fussell_vesely_cut_sets: 0.0,
        risk_achievement_worth: worth(on, total),
        risk_reduction_worth: worth(total, off),
    }
}

/// `numerator / denominator` for probabilities: +∞ when only the
/// denominator is 0, and 1 (no change) when both are.
fn worth(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else if numerator > 0.0 {
        f64::INFINITY
    } else {
        1.0
    }
}

/// Serde for a risk worth: a JSON number, or the string `"inf"` for +∞,
/// which JSON numbers cannot express.
mod worth_serde {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if *value == f64::INFINITY {
            serializer.serialize_str("inf")
        } else {
            serializer.serialize_f64(*value)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Worth {
            Number(f64),
            Text(String),
        }
        match Worth::deserialize(deserializer)? {
            Worth::Number(value) => Ok(value),
            Worth::Text(text) if text == "inf" => Ok(f64::INFINITY),
            Worth::Text(text) => Err(D::Error::custom(format!(
                "a risk worth is a number or \"inf\", not \"{text}\""
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_infinite_worth_is_the_string_inf_in_json() {
        let row = Importance {
            event: "pump".into(),
            occurrence: 3,
            probability: 0.1,
            birnbaum: 0.5,
            criticality: 1.0,
            fussell_vesely: 1.0,
            fussell_vesely_cut_sets: 0.5,
            risk_achievement_worth: 10.0,
            risk_reduction_worth: f64::INFINITY,
        };
        let json = serde_json::to_value(&row).unwrap();
        assert_eq!(json["risk_reduction_worth"], "inf");
        assert_eq!(json["risk_achievement_worth"], 10.0);
        assert_eq!(serde_json::from_value::<Importance>(json).unwrap(), row);
        let mut wrong = serde_json::to_value(&row).unwrap();
        wrong["risk_reduction_worth"] = "infinite".into();
        assert!(serde_json::from_value::<Importance>(wrong).is_err());
    }

    #[test]
    fn worths_of_zero_probabilities() {
        assert_eq!(worth(0.5, 0.25), 2.0);
        assert_eq!(worth(0.5, 0.0), f64::INFINITY);
        assert_eq!(worth(0.0, 0.0), 1.0);
    }
}
