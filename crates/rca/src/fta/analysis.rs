//! Fault-tree analysis of a top event: minimal cut sets, top-event
//! probability (exact through the BDD, plus the rare-event and min-cut upper
//! bound approximations) and importance measures, with SCRAM's definitions so
//! that results can be compared with it number for number.

use serde::{Deserialize, Serialize};

use crate::error::RcaError;
use crate::fta::budget::{Exhausted, default_memory_budget};
use crate::fta::compile::{CompiledSequence, EvaluationSettings, SequenceLogic, compile_in_phase};
pub use crate::fta::importance::Importance;
use crate::fta::model::{Alignment, Model, Phase};
use crate::fta::top_event::{analyze_root, result_bytes};
pub use crate::fta::zbdd_stats::SetCount;

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
    /// The quantity the results report, as SCRAM's `--rare-event` and
    /// `--mcub` choose it; `None` is the exact probability. Every result
    /// carries all three where they exist; substitutions with a source allow
    /// only an approximation.
    #[serde(default)]
    pub approximation: Option<Approximation>,
    /// Bytes the analysis may hold in decision diagrams and cut sets. When
    /// only the list of minimal cut sets would pass it, the result has them
    /// counted rather than listed (`cut_sets_listed`); past it otherwise the
    /// analysis stops with [`RcaError::MemoryBudgetExceeded`].
    /// `None` is a quarter of the machine's memory
    /// ([`default_memory_budget`](crate::fta::budget::default_memory_budget)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_budget: Option<u64>,
    /// When the minimal cut sets are too many to list within the budget,
    /// how many of the most probable ones the result keeps.
    #[serde(default = "default_top_k")]
    pub top_k: usize,
}

/// The most probable cut sets kept when the list is not written.
pub const DEFAULT_TOP_K: usize = 1000;

fn default_top_k() -> usize {
    DEFAULT_TOP_K
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Approximation {
    RareEvent,
    /// Min-cut upper bound.
    Mcub,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings {
            limit_order: 20,
            mission_time: EvaluationSettings::default().mission_time,
            probability: true,
            importance: true,
            approximation: None,
            memory_budget: None,
            top_k: DEFAULT_TOP_K,
        }
    }
}

/// The results for one top event, or one event-tree sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopEventAnalysis {
    /// The gate, or the sequence when `initiating_event` is set.
    pub top_event: String,
    /// For a sequence: the initiating event whose event tree reaches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiating_event: Option<String>,
    /// The mission phase these results hold for, when the model has
    /// alignments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<PhaseOf>,
    /// A sequence whose paths collect expressions only: its probability is
    /// their value, and it has no cut sets or importance.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expression_only: bool,
    /// Basic events the top event depends on.
    pub basic_event_count: usize,
    /// Sorted: by order, then by event names. Empty when `cut_sets_listed`
    /// is false.
    pub minimal_cut_sets: Vec<CutSet>,
    /// How many minimal cut sets there are, counted on their ZBDD two ways
    /// (bottom-up and top-down, which must agree), or in the list after
    /// cut-set rewrites.
    #[serde(default)]
    pub cut_set_count: CutSetCount,
    /// False when listing the minimal cut sets would pass the memory budget:
    /// `minimal_cut_sets` is then empty, the count, the rare-event and MCUB
    /// values and the importance come from the ZBDD without listing it, and
    /// `most_probable_cut_sets` holds the most probable sets.
    #[serde(default = "listed")]
    pub cut_sets_listed: bool,
    /// Only when the cut sets are not listed: the `top_k` most probable,
    /// most probable first, ties by order, then by event names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub most_probable_cut_sets: Vec<CutSet>,
    pub probability: Option<TopEventProbability>,
    /// For the basic events that occur in a minimal cut set, sorted by name.
    pub importance: Vec<Importance>,
}

fn listed() -> bool {
    true
}

impl TopEventAnalysis {
    /// How many minimal cut sets have 1, 2, … events (index 0 is order 1),
    /// saturating at `usize::MAX`.
    pub fn order_distribution(&self) -> Vec<usize> {
        self.cut_set_count
            .by_order
            .iter()
            .skip(1)
            .map(|count| usize::try_from(count.0).unwrap_or(usize::MAX))
            .collect()
    }
}

/// The number of minimal cut sets, in all and per order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CutSetCount {
    pub total: SetCount,
    /// Index k: the sets of k events (index 0 is the empty set, the top
    /// event certain); trailing zeros dropped.
    pub by_order: Vec<SetCount>,
}

impl CutSetCount {
    /// The count of a list of sets of these lengths.
    pub fn of_lengths(lengths: impl Iterator<Item = usize>) -> CutSetCount {
        let mut by_order = Vec::new();
        let mut total = 0;
        for length in lengths {
            if by_order.len() <= length {
                by_order.resize(length + 1, SetCount(0));
            }
            by_order[length].0 += 1;
            total += 1;
        }
        CutSetCount {
            total: SetCount(total),
            by_order,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseOf {
    pub alignment: String,
    pub phase: String,
    pub time_fraction: f64,
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
    /// Exact, from the BDD; `None` where substitutions with a source
    /// rewrote the cut sets, which only the approximations follow.
    pub exact: Option<f64>,
    /// Sum of the minimal cut sets' probabilities, capped at 1.
    pub rare_event: f64,
    /// Min-cut upper bound: 1 − ∏(1 − P(cut set)).
    pub min_cut_upper_bound: f64,
}

impl TopEventProbability {
    /// The quantity `approximation` asks for.
    pub fn value(&self, approximation: Option<Approximation>) -> Option<f64> {
        match approximation {
            None => self.exact,
            Some(Approximation::RareEvent) => Some(self.rare_event),
            Some(Approximation::Mcub) => Some(self.min_cut_upper_bound),
        }
    }
}

/// Analyses `top_event` (a gate or an event-tree sequence), or every
/// sequence of every initiating event and every top event of the model (gates
/// no other gate uses) when it is `None`; sequences first, as SCRAM reports
/// them. With alignments, each phase of each is analysed in turn.
pub fn analyze(
    model: &Model,
    top_event: Option<&str>,
    settings: &AnalysisSettings,
) -> Result<Vec<TopEventAnalysis>, RcaError> {
    let mut contexts: Vec<Option<(&Alignment, &Phase)>> = Vec::new();
    for alignment in &model.alignments {
        check_alignment(alignment)?;
        contexts.extend(
            alignment
                .phases
                .iter()
                .map(|phase| Some((alignment, phase))),
        );
    }
    if contexts.is_empty() {
        contexts.push(None);
    }
    let total_budget = settings.memory_budget.unwrap_or_else(default_memory_budget);
    let mut retained = 0;
    let budget = |retained: u64| MemoryBudget {
        model: model
            .name
            .as_ref()
            .map_or_else(|| "the model".to_string(), |name| format!("model `{name}`")),
        total: total_budget,
        available: total_budget.saturating_sub(retained),
    };
    let mut results = Vec::new();
    for context in contexts {
        let compiled = compile_in_phase(
            model,
            EvaluationSettings {
                mission_time: settings.mission_time,
            },
            context.map(|(_, phase)| phase),
        )?;
        if !compiled.rewrites.is_empty() && settings.approximation.is_none() {
            return Err(RcaError::RewritesNeedApproximation {
                names: model
                    .substitutions
                    .iter()
                    .filter(|substitution| !substitution.source.is_empty())
                    .map(|substitution| substitution.name.clone())
                    .collect(),
            });
        }
        let phase = context.map(|(alignment, phase)| PhaseOf {
            alignment: alignment.name.clone(),
            phase: phase.name.clone(),
            time_fraction: phase.time_fraction,
        });
        let sequences: Vec<&CompiledSequence> = compiled
            .sequences
            .iter()
            .filter(|sequence| top_event.is_none_or(|name| name == sequence.name))
            .collect();
        let gates: Vec<String> = match top_event {
            Some(name) if compiled.gate_node(name).is_some() => vec![name.to_string()],
            Some(name) if sequences.is_empty() => {
                return Err(RcaError::UnknownTopEvent(name.to_string()));
            }
            Some(_) => Vec::new(),
            None if compiled.top_events.is_empty() && sequences.is_empty() => {
                return Err(RcaError::NoTopEvent);
            }
            None => compiled.top_events.clone(),
        };
        for sequence in sequences {
            let mut result = match sequence.logic {
                SequenceLogic::Formula(root) => {
                    analyze_root(&compiled, root, &sequence.name, settings, &budget(retained))?
                }
                SequenceLogic::Frequency(frequency) => TopEventAnalysis {
                    top_event: sequence.name.clone(),
                    initiating_event: None,
                    phase: None,
                    expression_only: true,
                    basic_event_count: 0,
                    minimal_cut_sets: Vec::new(),
                    cut_set_count: CutSetCount::default(),
                    cut_sets_listed: true,
                    most_probable_cut_sets: Vec::new(),
                    probability: settings.probability.then_some(TopEventProbability {
                        exact: Some(frequency),
                        rare_event: frequency,
                        min_cut_upper_bound: frequency,
                    }),
                    importance: Vec::new(),
                },
            };
            result.initiating_event = Some(sequence.initiating_event.clone());
            result.phase = phase.clone();
            retained += result_bytes(&result);
            results.push(result);
        }
        for gate in gates {
            let root = compiled.gate_node(&gate).expect("a gate of the model");
            let mut result = analyze_root(&compiled, root, &gate, settings, &budget(retained))?;
            result.phase = phase.clone();
            retained += result_bytes(&result);
            results.push(result);
        }
    }
    Ok(results)
}

/// Each sequence of `initiating_event` with the value `approximation` asks
/// for (the first phase's, when the model has phases), as a drawing labels
/// them.
pub fn sequence_values<'r>(
    results: &'r [TopEventAnalysis],
    initiating_event: &str,
    approximation: Option<Approximation>,
) -> Vec<(&'r str, f64)> {
    let mut values: Vec<(&str, f64)> = Vec::new();
    for result in results {
        if result.initiating_event.as_deref() != Some(initiating_event)
            || values.iter().any(|(name, _)| *name == result.top_event)
        {
            continue;
        }
        if let Some(value) = result.probability.and_then(|p| p.value(approximation)) {
            values.push((&result.top_event, value));
        }
    }
    values
}

/// SCRAM's checks of an alignment: each phase a share of the mission in
/// (0, 1], the shares adding up to one (to 1e-4).
fn check_alignment(alignment: &Alignment) -> Result<(), RcaError> {
    let invalid = |reason: String| RcaError::InvalidAlignment {
        name: alignment.name.clone(),
        reason,
    };
    if alignment.phases.is_empty() {
        return Err(invalid("it has no phases".into()));
    }
    for (index, phase) in alignment.phases.iter().enumerate() {
        if !(phase.time_fraction > 0.0 && phase.time_fraction <= 1.0) {
            return Err(invalid(format!(
                "phase `{}` has time fraction {}, outside (0, 1]",
                phase.name, phase.time_fraction
            )));
        }
        if alignment.phases[..index]
            .iter()
            .any(|p| p.name == phase.name)
        {
            return Err(invalid(format!("phase `{}` is defined twice", phase.name)));
        }
    }
    let sum: f64 = alignment
        .phases
        .iter()
        .map(|phase| phase.time_fraction)
        .sum();
    if (sum - 1.0).abs() > 1e-4 {
        return Err(invalid(format!(
            "the time fractions add up to {sum}, not 1"
        )));
    }
    Ok(())
}

/// What one top event's analysis may use, and whose it is.
pub(crate) struct MemoryBudget {
    model: String,
    /// The whole analysis's budget, in bytes.
    total: u64,
    /// What the results so far leave of it.
    pub available: u64,
}

impl MemoryBudget {
    pub fn exceeded(&self, top_event: &str, exhausted: Exhausted) -> RcaError {
        RcaError::MemoryBudgetExceeded {
            model: self.model.clone(),
            top_event: top_event.to_string(),
            budget: self.total,
            phase: exhausted.phase,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fta::compile::{Node, compile};
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
        let exact = result.probability.unwrap().exact.unwrap();
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
