//! Fault-tree analysis of a top event: minimal cut sets, top-event
//! probability (exact through the BDD, plus the rare-event and min-cut upper
//! bound approximations) and importance measures, with SCRAM's definitions so
//! that results can be compared with it number for number.

use serde::{Deserialize, Serialize};

use crate::error::RcaError;
use crate::fta::bdd::{Bdd, FALSE, Sensitivity, TRUE};
use crate::fta::budget::{Exhausted, default_memory_budget};
use crate::fta::compile::{
    CompiledModel, CompiledSequence, CutSetRewrite, EvaluationSettings, Node, NodeId,
    SequenceLogic, compile_in_phase,
};
use crate::fta::cut_sets::{CUT_SET_BYTES, minimal_cut_sets};
use crate::fta::model::{Alignment, Model, Phase};

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
    /// Bytes the analysis may hold in decision diagrams and cut sets; past
    /// it the analysis stops with [`RcaError::MemoryBudgetExceeded`].
    /// `None` is a quarter of the machine's memory
    /// ([`default_memory_budget`](crate::fta::budget::default_memory_budget)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_budget: Option<u64>,
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
struct MemoryBudget {
    model: String,
    /// The whole analysis's budget, in bytes.
    total: u64,
    /// What the results so far leave of it.
    available: u64,
}

impl MemoryBudget {
    fn exceeded(&self, top_event: &str, exhausted: Exhausted) -> RcaError {
        RcaError::MemoryBudgetExceeded {
            model: self.model.clone(),
            top_event: top_event.to_string(),
            budget: self.total,
            phase: exhausted.phase,
        }
    }
}

/// Bytes per BDD node that quantification allocates: node probabilities in
/// float and double-double, the path length and the reach of each node.
const QUANTIFICATION_BYTES_PER_NODE: u64 = 8 + 24 + 8;

/// Bytes a result holds, roughly: its cut sets and importance rows.
fn result_bytes(result: &TopEventAnalysis) -> u64 {
    let strings =
        |names: &[String]| -> u64 { names.iter().map(|name| 24 + name.len() as u64).sum() };
    let sets: u64 = result
        .minimal_cut_sets
        .iter()
        .map(|set| CUT_SET_BYTES + strings(&set.events))
        .sum();
    sets + result.importance.len() as u64 * (size_of::<Importance>() as u64 + 32)
}

fn analyze_root(
    compiled: &CompiledModel,
    root_node: NodeId,
    name: &str,
    settings: &AnalysisSettings,
    budget: &MemoryBudget,
) -> Result<TopEventAnalysis, RcaError> {
    // Declarative substitutions constrain every root.
    let extended;
    let (nodes, root_node) = match compiled.constraint {
        None => (compiled.nodes.as_slice(), root_node),
        Some(constraint) => {
            let mut nodes = compiled.nodes.clone();
            nodes.push(Node::And(vec![root_node, constraint]));
            extended = nodes;
            (extended.as_slice(), extended.len() - 1)
        }
    };
    let exceeded = |exhausted| budget.exceeded(name, exhausted);
    let (bdd, root) = Bdd::build(
        nodes,
        root_node,
        compiled.basic_events.len(),
        budget.available,
    )
    .map_err(exceeded)?;
    // A set's events as levels, variables and names.
    let cost_of_level: Vec<u64> = bdd
        .variable_of_level
        .iter()
        .map(|&variable| 4 + 8 + 24 + compiled.basic_events[variable].name.len() as u64)
        .collect();
    let quantification = if settings.probability {
        bdd.nodes.len() as u64 * QUANTIFICATION_BYTES_PER_NODE
    } else {
        0
    };
    let available = budget
        .available
        .saturating_sub(bdd.bytes() + quantification);
    let mut sets: Vec<Vec<usize>> =
        minimal_cut_sets(&bdd, root, settings.limit_order, available, &cost_of_level)
            .map_err(exceeded)?
            .into_iter()
            .map(|levels| {
                levels
                    .iter()
                    .map(|&level| bdd.variable_of_level[level as usize])
                    .collect()
            })
            .collect();
    if !compiled.rewrites.is_empty() {
        sets = rewrite_cut_sets(sets, &compiled.rewrites, settings.limit_order);
    }

    let probability_of = |variable: usize| -> Result<f64, RcaError> {
        let event = &compiled.basic_events[variable];
        event
            .probability
            .ok_or_else(|| RcaError::MissingProbability {
                name: event.name.clone(),
            })
    };
    let mut occurrence = vec![0usize; compiled.basic_events.len()];
    let mut minimal_cut_sets = Vec::with_capacity(sets.len());
    for set in sets {
        for &variable in &set {
            occurrence[variable] += 1;
        }
        let probability = if settings.probability {
            let mut product = 1.0;
            for &variable in &set {
                product *= probability_of(variable)?;
            }
            Some(product)
        } else {
            None
        };
        let mut events: Vec<String> = set
            .iter()
            .map(|&variable| compiled.basic_events[variable].name.clone())
            .collect();
        events.sort_unstable();
        minimal_cut_sets.push(CutSet {
            events,
            probability,
        });
    }
    minimal_cut_sets.sort_by(|a, b| {
        a.events
            .len()
            .cmp(&b.events.len())
            .then_with(|| a.events.cmp(&b.events))
    });

    let mut probability = None;
    let mut importance = Vec::new();
    if settings.probability {
        let mut p = vec![0.0; compiled.basic_events.len()];
        for &variable in &bdd.variable_of_level {
            p[variable] = probability_of(variable)?;
        }
        let cut_set_probabilities = minimal_cut_sets.iter().filter_map(|set| set.probability);
        let rare_event = cut_set_probabilities.clone().sum::<f64>().min(1.0);
        let min_cut_upper_bound = 1.0 - cut_set_probabilities.map(|q| 1.0 - q).product::<f64>();
        // Rewritten cut sets no longer describe the diagram's function, so
        // only the approximations from them hold.
        let from_diagram = compiled.rewrites.is_empty();
        let order = bdd.reachable(root);
        let node_probability = bdd.node_probabilities(&order, &p);
        let exact = node_probability[root as usize];
        probability = Some(TopEventProbability {
            exact: from_diagram.then_some(exact),
            rare_event,
            min_cut_upper_bound,
        });
        if settings.importance && from_diagram && root != FALSE && root != TRUE {
            let sensitivities = bdd.sensitivities(root, &order, &node_probability, &p);
            for &variable in &bdd.variable_of_level {
                if occurrence[variable] == 0 {
                    continue;
                }
                importance.push(importance_of(
                    &compiled.basic_events[variable].name,
                    occurrence[variable],
                    p[variable],
                    sensitivities[variable],
                    exact,
                ));
            }
            importance.sort_by(|a, b| a.event.cmp(&b.event));
        }
    }
    Ok(TopEventAnalysis {
        top_event: name.to_string(),
        initiating_event: None,
        phase: None,
        expression_only: false,
        basic_event_count: bdd.variable_of_level.len(),
        minimal_cut_sets,
        probability,
        importance,
    })
}

/// SCRAM's `Zbdd::ApplySubstitutions`: each set loses the sources and gains
/// the targets of every rewrite whose hypothesis it contains; sets over the
/// order limit are dropped, and the family is minimised again.
fn rewrite_cut_sets(
    sets: Vec<Vec<usize>>,
    rewrites: &[CutSetRewrite],
    limit_order: usize,
) -> Vec<Vec<usize>> {
    let mut rewritten: Vec<Vec<usize>> = sets
        .into_iter()
        .filter_map(|set| {
            let mut removed = Vec::new();
            let mut added = Vec::new();
            for rewrite in rewrites {
                if rewrite.hypothesis.iter().all(|event| set.contains(event)) {
                    removed.extend(&rewrite.source);
                    added.extend(rewrite.target);
                }
            }
            let mut set: Vec<usize> = set
                .into_iter()
                .filter(|event| !removed.contains(event))
                .chain(added)
                .collect();
            set.sort_unstable();
            set.dedup();
            (set.len() <= limit_order).then_some(set)
        })
        .collect();
    rewritten.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    rewritten.dedup();
    let mut minimal: Vec<Vec<usize>> = Vec::with_capacity(rewritten.len());
    for set in rewritten {
        let subsumed = minimal
            .iter()
            .any(|kept| kept.iter().all(|event| set.binary_search(event).is_ok()));
        if !subsumed {
            minimal.push(set);
        }
    }
    minimal
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
    fn an_infinite_worth_is_the_string_inf_in_json() {
        let row = Importance {
            event: "pump".into(),
            occurrence: 3,
            probability: 0.1,
            birnbaum: 0.5,
            criticality: 1.0,
            fussell_vesely: 1.0,
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
