//! Fault-tree analysis of a top event: minimal cut sets, top-event
//! probability (exact through the BDD, plus the rare-event and min-cut upper
//! bound approximations) and importance measures, with SCRAM's definitions so
//! that results can be compared with it number for number.

use serde::{Deserialize, Serialize};

use crate::error::RcaError;
use crate::fta::bdd::{Bdd, FALSE, TRUE};
use crate::fta::compile::{CompiledModel, EvaluationSettings, compile};
use crate::fta::cut_sets::minimal_cut_sets;
use crate::fta::model::Model;

/// What to compute. The defaults are SCRAM's: product order limited to 20,
/// mission time 8760 h.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSettings {
    /// Cut sets with more events than this are not generated.
    pub limit_order: usize,
    pub mission_time: f64,
    pub probability: bool,
    /// Importance measures; they need `probability`.
    pub importance: bool,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings {
            limit_order: 20,
            mission_time: EvaluationSettings::default().mission_time,
            probability: true,
            importance: true,
        }
    }
}

/// The results for one top event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopEventAnalysis {
    pub top_event: String,
    /// Basic events the top event depends on.
    pub basic_event_count: usize,
    /// Sorted: by order, then by event names.
    pub minimal_cut_sets: Vec<CutSet>,
    pub probability: Option<TopEventProbability>,
    /// For the basic events that occur in a minimal cut set, sorted by name.
    pub importance: Vec<Importance>,
}

impl TopEventAnalysis {
    /// How many minimal cut sets have 1, 2, … events (index 0 is order 1).
    pub fn order_distribution(&self) -> Vec<usize> {
        let highest = self
            .minimal_cut_sets
            .iter()
            .map(|set| set.events.len())
            .max()
            .unwrap_or(0);
        let mut counts = vec![0; highest];
        for set in &self.minimal_cut_sets {
            if let Some(count) = set
                .events
                .len()
                .checked_sub(1)
                .map(|index| &mut counts[index])
            {
                *count += 1;
            }
        }
        counts
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutSet {
    /// Names of the basic events, sorted.
    pub events: Vec<String>,
    /// Product of the events' probabilities, when probabilities were asked.
    pub probability: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TopEventProbability {
    /// Exact, from the BDD.
    pub exact: f64,
    /// Sum of the minimal cut sets' probabilities, capped at 1.
    pub rare_event: f64,
    /// Min-cut upper bound: 1 − ∏(1 − P(cut set)).
    pub min_cut_upper_bound: f64,
}

/// Importance of one basic event, as SCRAM defines and names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Importance {
    pub event: String,
    /// Number of minimal cut sets the event occurs in.
    pub occurrence: usize,
    pub probability: f64,
    /// Birnbaum (SCRAM's MIF): P(top | event) − P(top | not event).
    pub birnbaum: f64,
    /// Criticality (CIF): p · Birnbaum / P(top).
    pub criticality: f64,
    /// Fussell–Vesely as SCRAM computes it, the diagnosis importance (DIF):
    /// P(event | top) = p · RAW.
    pub fussell_vesely: f64,
    /// Risk achievement worth: P(top | event) / P(top).
    pub risk_achievement_worth: f64,
    /// Risk reduction worth: P(top) / P(top | not event); `None` where the
    /// event is in every failure, so removing it removes the risk (SCRAM
    /// prints 0 there).
    pub risk_reduction_worth: Option<f64>,
}

/// Analyses `top_event`, or every top event of the model (gates no other gate
/// uses) when it is `None`.
pub fn analyze(
    model: &Model,
    top_event: Option<&str>,
    settings: &AnalysisSettings,
) -> Result<Vec<TopEventAnalysis>, RcaError> {
    let compiled = compile(
        model,
        EvaluationSettings {
            mission_time: settings.mission_time,
        },
    )?;
    let tops: Vec<String> = match top_event {
        Some(name) => {
            compiled
                .gate_node(name)
                .ok_or_else(|| RcaError::UnknownTopEvent(name.to_string()))?;
            vec![name.to_string()]
        }
        None if compiled.top_events.is_empty() => return Err(RcaError::NoTopEvent),
        None => compiled.top_events.clone(),
    };
    tops.iter()
        .map(|top| analyze_top_event(&compiled, top, settings))
        .collect()
}

fn analyze_top_event(
    compiled: &CompiledModel,
    top_event: &str,
    settings: &AnalysisSettings,
) -> Result<TopEventAnalysis, RcaError> {
    let root_node = compiled
        .gate_node(top_event)
        .expect("checked by the caller");
    let (bdd, root) = Bdd::build(&compiled.nodes, root_node, compiled.basic_events.len());
    let name_of_level = |level: u32| {
        compiled.basic_events[bdd.variable_of_level[level as usize]]
            .name
            .as_str()
    };

    let variable_probability: Option<Vec<f64>> = if settings.probability {
        let mut probabilities = vec![0.0; compiled.basic_events.len()];
        for &variable in &bdd.variable_of_level {
            let event = &compiled.basic_events[variable];
            probabilities[variable] =
                event
                    .probability
                    .ok_or_else(|| RcaError::MissingProbability {
                        name: event.name.clone(),
                    })?;
        }
        Some(probabilities)
    } else {
        None
    };

    let mut occurrence = vec![0usize; compiled.basic_events.len()];
    let mut minimal_cut_sets: Vec<CutSet> = minimal_cut_sets(&bdd, root, settings.limit_order)
        .into_iter()
        .map(|levels| {
            for &level in &levels {
                occurrence[bdd.variable_of_level[level as usize]] += 1;
            }
            let probability = variable_probability.as_ref().map(|p| {
                levels
                    .iter()
                    .map(|&level| p[bdd.variable_of_level[level as usize]])
                    .product()
            });
            let mut events: Vec<String> = levels
                .iter()
                .map(|&level| name_of_level(level).to_string())
                .collect();
            events.sort_unstable();
            CutSet {
                events,
                probability,
            }
        })
        .collect();
    minimal_cut_sets.sort_by(|a, b| {
        a.events
            .len()
            .cmp(&b.events.len())
            .then_with(|| a.events.cmp(&b.events))
    });

    let mut probability = None;
    let mut importance = Vec::new();
    if let Some(p) = &variable_probability {
        let order = bdd.reachable(root);
        let node_probability = bdd.node_probabilities(&order, p);
        let exact = node_probability[root as usize];
        let cut_set_probabilities = minimal_cut_sets.iter().filter_map(|set| set.probability);
        let rare_event = cut_set_probabilities.clone().sum::<f64>().min(1.0);
        let min_cut_upper_bound = 1.0 - cut_set_probabilities.map(|q| 1.0 - q).product::<f64>();
        probability = Some(TopEventProbability {
            exact,
            rare_event,
            min_cut_upper_bound,
        });
        if settings.importance && root != FALSE && root != TRUE {
            let birnbaum = bdd.birnbaum(root, &order, &node_probability, p);
            for &variable in &bdd.variable_of_level {
                if occurrence[variable] == 0 {
                    continue;
                }
                importance.push(importance_of(
                    &compiled.basic_events[variable].name,
                    occurrence[variable],
                    p[variable],
                    birnbaum[variable],
                    exact,
                ));
            }
            importance.sort_by(|a, b| a.event.cmp(&b.event));
        }
    }
    Ok(TopEventAnalysis {
        top_event: top_event.to_string(),
        basic_event_count: bdd.variable_of_level.len(),
        minimal_cut_sets,
        probability,
        importance,
    })
}

/// SCRAM's `ImportanceAnalysis::Analyze`, formula for formula.
fn importance_of(event: &str, occurrence: usize, p: f64, birnbaum: f64, total: f64) -> Importance {
    let (criticality, risk_achievement_worth, risk_reduction_worth) = if total != 0.0 {
        let reduced = total - p * birnbaum;
        (
            p * birnbaum / total,
            1.0 + (1.0 - p) * birnbaum / total,
            (reduced != 0.0).then(|| total / reduced),
        )
    } else {
        (0.0, 0.0, None)
    };
    Importance {
        event: event.to_string(),
        occurrence,
        probability: p,
        birnbaum,
        criticality,
        fussell_vesely: p * risk_achievement_worth,
        risk_achievement_worth,
        risk_reduction_worth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fta::compile::Node;
    use crate::fta::{MefSource, read_mef, write_mef};

    /// A model with every gate type, a house event, a private component and
    /// an inhibit gate; none of SCRAM's shipped models has them all.
    const EVERY_GATE: &str = r#"<?xml version="1.0"?>
<opsa-mef>
  <define-fault-tree name="ft">
    <define-gate name="top">
      <or><gate name="voting"/><gate name="parity"/><gate name="guarded"/><gate name="c.inner"/></or>
    </define-gate>
    <define-gate name="voting">
      <atleast min="2"><basic-event name="a"/><basic-event name="b"/><basic-event name="c"/></atleast>
    </define-gate>
    <define-gate name="parity">
      <and><xor><basic-event name="a"/><basic-event name="d"/></xor><nand><basic-event name="b"/><house-event name="on"/></nand></and>
    </define-gate>
    <define-gate name="guarded">
      <attributes><attribute name="flavor" value="inhibit"/></attributes>
      <and><nor><basic-event name="c"/><basic-event name="d"/></nor><basic-event name="e"/></and>
    </define-gate>
    <define-component name="c" role="private">
      <define-gate name="inner"><and><not><basic-event name="a"/></not><basic-event name="e"/><house-event name="on"/></and></define-gate>
    </define-component>
    <define-house-event name="on"><constant value="true"/></define-house-event>
  </define-fault-tree>
  <model-data>
    <define-basic-event name="a"><float value="0.1"/></define-basic-event>
    <define-basic-event name="b"><float value="0.2"/></define-basic-event>
    <define-basic-event name="c"><exponential><float value="1e-4"/><system-mission-time/></exponential></define-basic-event>
    <define-basic-event name="d"><float value="0.4"/></define-basic-event>
    <define-basic-event name="e"><float value="0.5"/></define-basic-event>
  </model-data>
</opsa-mef>"#;

    fn evaluate(nodes: &[Node], node: usize, state: u32) -> bool {
        let count = |ids: &[usize]| ids.iter().filter(|&&id| evaluate(nodes, id, state)).count();
        match &nodes[node] {
            Node::Variable(variable) => state >> variable & 1 == 1,
            Node::Constant(value) => *value,
            Node::And(ids) => count(ids) == ids.len(),
            Node::Or(ids) => count(ids) > 0,
            Node::AtLeast(min, ids) => count(ids) >= *min as usize,
            Node::Not(id) => !evaluate(nodes, *id, state),
            Node::Xor(ids) => count(ids) % 2 == 1,
            Node::Nand(ids) => count(ids) < ids.len(),
            Node::Nor(ids) => count(ids) == 0,
        }
    }

    #[test]
    fn every_gate_type_matches_enumeration_and_survives_a_round_trip() {
        let model = read_mef(&[MefSource {
            name: "every-gate.xml",
            text: EVERY_GATE,
        }])
        .unwrap();
        let again = read_mef(&[MefSource {
            name: "written.xml",
            text: &write_mef(&model),
        }])
        .unwrap();
        assert_eq!(again, model);

        let compiled = compile(&model, EvaluationSettings::default()).unwrap();
        assert_eq!(compiled.top_events, ["top"]);
        let p: Vec<f64> = compiled
            .basic_events
            .iter()
            .map(|e| e.probability.unwrap())
            .collect();
        let root = compiled.gate_node("top").unwrap();
        let mut enumerated = 0.0;
        let mut failure_states = Vec::new();
        for state in 0..1u32 << p.len() {
            if evaluate(&compiled.nodes, root, state) {
                failure_states.push(state);
                enumerated += (0..p.len())
                    .map(|i| {
                        if state >> i & 1 == 1 {
                            p[i]
                        } else {
                            1.0 - p[i]
                        }
                    })
                    .product::<f64>();
            }
        }
        let result = &analyze(&model, None, &AnalysisSettings::default()).unwrap()[0];
        let exact = result.probability.unwrap().exact;
        assert!(
            (exact - enumerated).abs() <= 1e-15,
            "{exact} vs {enumerated}"
        );

        // Minimal cut sets are the minimal failure states, complements dropped.
        let events = |state: u32| -> Vec<String> {
            let mut names: Vec<String> = (0..p.len())
                .filter(|i| state >> i & 1 == 1)
                .map(|i| compiled.basic_events[i].name.clone())
                .collect();
            names.sort();
            names
        };
        let mut minimal: Vec<Vec<String>> = failure_states
            .iter()
            .filter(|&&state| {
                !failure_states
                    .iter()
                    .any(|&other| other != state && other & state == other)
            })
            .map(|&state| events(state))
            .collect();
        minimal.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        let ours: Vec<Vec<String>> = result
            .minimal_cut_sets
            .iter()
            .map(|set| set.events.clone())
            .collect();
        assert_eq!(ours, minimal);
    }
}
