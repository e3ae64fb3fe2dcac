//! Resolves the names of a [`Model`] into a graph of Boolean nodes ready for
//! analysis: references are looked up through the MEF scoping rules, cycles
//! and undefined names are refused with the path that shows them, and each
//! basic event's expression is evaluated to a probability at the mission time.
//! Common-cause failure groups are expanded as SCRAM does with `--ccf true`:
//! each member becomes the OR of the CCF events that fail it. Event-tree
//! sequences become nodes too (`event_trees`), and substitutions a constraint
//! or cut-set rewrites (`substitutions`).

mod event_trees;
mod substitutions;

use std::collections::{BTreeMap, HashMap};

use crate::error::RcaError;
use crate::fta::model::{
    BasicEvent, CcfGroup, CcfModel, Container, Definitions, EventKind, EventRef, Expression,
    Formula, Function, Gate, HouseEvent, Model, Parameter, Phase, Role,
};

pub use event_trees::{CompiledSequence, SequenceLogic};
pub use substitutions::CutSetRewrite;

/// Index of a node in [`CompiledModel::nodes`].
pub type NodeId = usize;

/// A Boolean node. Variables index [`CompiledModel::basic_events`].
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Variable(usize),
    Constant(bool),
    And(Vec<NodeId>),
    Or(Vec<NodeId>),
    AtLeast(u32, Vec<NodeId>),
    Not(NodeId),
    Xor(Vec<NodeId>),
    Nand(Vec<NodeId>),
    Nor(Vec<NodeId>),
}

/// A basic event as analysis sees it: its reference name and probability.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledBasicEvent {
    pub name: String,
    /// `None` when the model gives no expression.
    pub probability: Option<f64>,
}

/// The resolved model: every gate as a node, and the gates no other gate uses,
/// which are the candidate top events.
#[derive(Debug, Clone)]
pub struct CompiledModel {
    pub nodes: Vec<Node>,
    pub basic_events: Vec<CompiledBasicEvent>,
    pub gates: Vec<(String, NodeId)>,
    pub top_events: Vec<String>,
    /// The sequences of every initiating event's event tree, in the order
    /// paths first reach them.
    pub sequences: Vec<CompiledSequence>,
    /// What the declarative substitutions demand; every analysed root is
    /// ANDed with it. `None` without any.
    pub constraint: Option<NodeId>,
    /// The non-declarative substitutions, applied to minimal cut sets.
    pub rewrites: Vec<CutSetRewrite>,
}

impl CompiledModel {
    pub fn gate_node(&self, name: &str) -> Option<NodeId> {
        self.gates
            .iter()
            .find(|(gate, _)| gate == name)
            .map(|(_, node)| *node)
    }
}

/// What the evaluation of expressions depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvaluationSettings {
    /// Hours; SCRAM's default is one year, 8760 h.
    pub mission_time: f64,
}

impl Default for EvaluationSettings {
    fn default() -> Self {
        EvaluationSettings {
            mission_time: 8760.0,
        }
    }
}

/// Resolves and evaluates `model`.
pub fn compile(model: &Model, settings: EvaluationSettings) -> Result<CompiledModel, RcaError> {
    compile_in_phase(model, settings, None)
}

/// Resolves and evaluates `model` during `phase` of a mission: the phase's
/// share of the mission time, with the house events it sets.
pub fn compile_in_phase(
    model: &Model,
    settings: EvaluationSettings,
    phase: Option<&Phase>,
) -> Result<CompiledModel, RcaError> {
    let tables = Tables::collect(model)?;
    let settings = EvaluationSettings {
        mission_time: settings.mission_time * phase.map_or(1.0, |phase| phase.time_fraction),
    };
    let mut compiler = Compiler {
        tables: &tables,
        settings,
        nodes: Vec::new(),
        override_sets: vec![BTreeMap::new()],
        overrides: 0,
        gate_nodes: HashMap::new(),
        gate_stack: Vec::new(),
        basic_event_variables: HashMap::new(),
        basic_events: Vec::new(),
        ccf_probabilities: HashMap::new(),
        ccf_event_variables: HashMap::new(),
        parameter_values: HashMap::new(),
        parameter_stack: Vec::new(),
        referenced_gates: Vec::new(),
        formula_depth: 0,
    };
    if let Some(phase) = phase {
        let mut phase_overrides = BTreeMap::new();
        for (name, state) in &phase.house_events {
            let key = compiler.house_event_key(name, &format!("phase `{}`", phase.name))?;
            phase_overrides.insert(key, *state);
        }
        compiler.override_sets[0] = phase_overrides;
    }
    let mut gates = Vec::new();
    for key in &tables.gate_order {
        let node = compiler.gate(key)?;
        gates.push((key.clone(), node));
    }
    let top_events = tables
        .gate_order
        .iter()
        .filter(|key| !compiler.referenced_gates.contains(key))
        .cloned()
        .collect();
    let sequences = compiler.event_trees(model)?;
    let (constraint, rewrites) = compiler.substitutions(model)?;
    Ok(CompiledModel {
        nodes: compiler.nodes,
        basic_events: compiler.basic_events,
        gates,
        top_events,
        sequences,
        constraint,
        rewrites,
    })
}

/// A definition found while collecting: which kind, its scope path, and
/// where in the model it lives.
#[derive(Clone, Copy)]
struct Definition<'m> {
    element: Element<'m>,
    scope: usize,
}

#[derive(Clone, Copy)]
enum Element<'m> {
    Gate(&'m Gate),
    BasicEvent(&'m BasicEvent),
    HouseEvent(&'m HouseEvent),
    /// Member `member` of the CCF group at index `group` of
    /// [`Tables::ccf_groups`].
    CcfMember {
        group: usize,
        member: usize,
    },
}

impl Element<'_> {
    fn kind(self) -> EventKind {
        match self {
            Element::Gate(_) => EventKind::Gate,
            Element::BasicEvent(_) | Element::CcfMember { .. } => EventKind::BasicEvent,
            Element::HouseEvent(_) => EventKind::HouseEvent,
        }
    }
}

/// Name tables. Public names are global; private ones are keyed by the full
/// path of their container, `tree.component.name`.
struct Tables<'m> {
    scopes: Vec<Vec<String>>,
    events: HashMap<String, Definition<'m>>,
    parameters: HashMap<String, (&'m Parameter, usize)>,
    gate_order: Vec<String>,
    /// Each group with its key and scope.
    ccf_groups: Vec<(String, &'m CcfGroup, usize)>,
}

impl<'m> Tables<'m> {
    fn collect(model: &'m Model) -> Result<Tables<'m>, RcaError> {
        let mut tables = Tables {
            scopes: vec![Vec::new()],
            events: HashMap::new(),
            parameters: HashMap::new(),
            gate_order: Vec::new(),
            ccf_groups: Vec::new(),
        };
        tables.add_definitions(&model.model_data, 0, Role::Public)?;
        for tree in &model.fault_trees {
            tables.add_container(tree, &[], Role::Public)?;
        }
        Ok(tables)
    }

    fn add_container(
        &mut self,
        container: &'m Container,
        parent_path: &[String],
        parent_role: Role,
    ) -> Result<(), RcaError> {
        let mut path = parent_path.to_vec();
        path.push(container.name.clone());
        let role = container.role.unwrap_or(parent_role);
        self.scopes.push(path.clone());
        let scope = self.scopes.len() - 1;
        self.add_definitions(&container.definitions, scope, role)?;
        for component in &container.components {
            self.add_container(component, &path, role)?;
        }
        Ok(())
    }

    fn key(&self, scope: usize, name: &str, role: Role) -> String {
        match role {
            Role::Public => name.to_string(),
            Role::Private => format!("{}.{name}", self.scopes[scope].join(".")),
        }
    }

    fn add_definitions(
        &mut self,
        definitions: &'m Definitions,
        scope: usize,
        role: Role,
    ) -> Result<(), RcaError> {
        let elements = definitions
            .gates
            .iter()
            .map(|gate| (Element::Gate(gate), &gate.name, gate.role))
            .chain(
                definitions
                    .basic_events
                    .iter()
                    .map(|event| (Element::BasicEvent(event), &event.name, event.role)),
            )
            .chain(
                definitions
                    .house_events
                    .iter()
                    .map(|event| (Element::HouseEvent(event), &event.name, event.role)),
            );
        let first_group = self.ccf_groups.len();
        for group in &definitions.ccf_groups {
            let key = self.key(scope, &group.name, group.role.unwrap_or(role));
            if self
                .ccf_groups
                .iter()
                .any(|(existing, ..)| *existing == key)
            {
                return Err(RcaError::DuplicateDefinition {
                    kind: "CCF group",
                    name: key,
                    location: None,
                });
            }
            self.ccf_groups.push((key, group, scope));
        }
        // Members take the role of their group.
        let members = definitions
            .ccf_groups
            .iter()
            .enumerate()
            .flat_map(|(index, group)| {
                group.members.iter().enumerate().map(move |(member, name)| {
                    let element = Element::CcfMember {
                        group: first_group + index,
                        member,
                    };
                    (element, name, group.role)
                })
            });
        for (element, name, own_role) in elements.chain(members) {
            let key = self.key(scope, name, own_role.unwrap_or(role));
            if self.events.contains_key(&key) {
                return Err(RcaError::DuplicateDefinition {
                    kind: "event",
                    name: key,
                    location: None,
                });
            }
            if let Element::Gate(_) = element {
                self.gate_order.push(key.clone());
            }
            self.events.insert(key, Definition { element, scope });
        }
        for parameter in &definitions.parameters {
            let key = self.key(scope, &parameter.name, parameter.role.unwrap_or(role));
            if self
                .parameters
                .insert(key.clone(), (parameter, scope))
                .is_some()
            {
                return Err(RcaError::DuplicateDefinition {
                    kind: "parameter",
                    name: key,
                    location: None,
                });
            }
        }
        Ok(())
    }

    /// Candidate keys for `name` seen from `scope`: innermost private scope
    /// first, the public name last.
    fn candidates(&self, scope: usize, name: &str) -> Vec<String> {
        let path = &self.scopes[scope];
        let mut keys: Vec<String> = (1..=path.len())
            .rev()
            .map(|depth| format!("{}.{name}", path[..depth].join(".")))
            .collect();
        keys.push(name.to_string());
        keys
    }

    fn find_event(&self, scope: usize, reference: &EventRef) -> Option<(String, Definition<'m>)> {
        self.candidates(scope, &reference.name)
            .into_iter()
            .find_map(|key| {
                let definition = *self.events.get(&key)?;
                let kind_matches = reference
                    .kind
                    .is_none_or(|kind| kind == definition.element.kind());
                kind_matches.then_some((key, definition))
            })
    }

    fn find_parameter(&self, scope: usize, name: &str) -> Option<(String, &'m Parameter, usize)> {
        self.candidates(scope, name).into_iter().find_map(|key| {
            let (parameter, parameter_scope) = *self.parameters.get(&key)?;
            Some((key, parameter, parameter_scope))
        })
    }
}

/// How deep gates and formulas (counted together along one path from a top
/// event), and parameters, may nest. Real models stay within a few dozen
/// levels; deeper input is refused with [`RcaError::NestedTooDeep`] instead
/// of overflowing the stack of the recursive compiler and analysis.
pub const MAX_NESTING: usize = 64;

struct Compiler<'t, 'm> {
    tables: &'t Tables<'m>,
    settings: EvaluationSettings,
    nodes: Vec<Node>,
    /// House-event states that differ from the definitions, by event key:
    /// the phase's at index 0, then those event-tree paths set.
    override_sets: Vec<BTreeMap<String, bool>>,
    /// Which of `override_sets` formulas are compiled under now.
    overrides: usize,
    /// Per gate and override set: its node.
    gate_nodes: HashMap<(String, usize), NodeId>,
    gate_stack: Vec<String>,
    basic_event_variables: HashMap<String, NodeId>,
    basic_events: Vec<CompiledBasicEvent>,
    /// Per CCF group: the probability of a CCF event of each level.
    ccf_probabilities: HashMap<usize, Vec<(usize, f64)>>,
    /// Per CCF group and set of failed members (indices): its variable.
    ccf_event_variables: HashMap<(usize, Vec<usize>), NodeId>,
    parameter_values: HashMap<String, f64>,
    parameter_stack: Vec<String>,
    referenced_gates: Vec<String>,
    /// Formulas being compiled, from the top event down (see [`MAX_NESTING`]).
    formula_depth: usize,
}

impl Compiler<'_, '_> {
    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn gate(&mut self, key: &str) -> Result<NodeId, RcaError> {
        if let Some(&node) = self.gate_nodes.get(&(key.to_string(), self.overrides)) {
            return Ok(node);
        }
        if let Some(start) = self.gate_stack.iter().position(|gate| gate == key) {
            let mut path = self.gate_stack[start..].to_vec();
            path.push(key.to_string());
            return Err(RcaError::CyclicDefinition { path });
        }
        let definition = self.tables.events[key];
        let Element::Gate(gate) = definition.element else {
            unreachable!("gate keys come from the gate table")
        };
        self.gate_stack.push(key.to_string());
        let node = self.formula(&gate.formula, definition.scope, &format!("gate `{key}`"))?;
        self.gate_stack.pop();
        self.gate_nodes
            .insert((key.to_string(), self.overrides), node);
        Ok(node)
    }

    /// The key of the house event `name` names from the top level.
    fn house_event_key(&self, name: &str, referrer: &str) -> Result<String, RcaError> {
        let reference = EventRef {
            kind: Some(EventKind::HouseEvent),
            name: name.to_string(),
        };
        self.tables
            .find_event(0, &reference)
            .map(|(key, _)| key)
            .ok_or_else(|| RcaError::UndefinedReference {
                referrer: referrer.to_string(),
                kind: EventKind::HouseEvent.mef_tag(),
                name: name.to_string(),
                location: None,
            })
    }

    fn formula(
        &mut self,
        formula: &Formula,
        scope: usize,
        referrer: &str,
    ) -> Result<NodeId, RcaError> {
        if let Formula::Event(reference) = formula {
            return self.event(reference, scope, referrer);
        }
        if self.formula_depth >= MAX_NESTING {
            return Err(RcaError::NestedTooDeep {
                referrer: referrer.to_string(),
                what: "gates and formulas",
                limit: MAX_NESTING,
            });
        }
        self.formula_depth += 1;
        let node = self.formula_at_depth(formula, scope, referrer);
        self.formula_depth -= 1;
        node
    }

    fn formula_at_depth(
        &mut self,
        formula: &Formula,
        scope: usize,
        referrer: &str,
    ) -> Result<NodeId, RcaError> {
        let all = |compiler: &mut Self, args: &[Formula]| -> Result<Vec<NodeId>, RcaError> {
            args.iter()
                .map(|arg| compiler.formula(arg, scope, referrer))
                .collect()
        };
        let node = match formula {
            Formula::Event(reference) => return self.event(reference, scope, referrer),
            Formula::Constant(value) => Node::Constant(*value),
            Formula::And(args) => Node::And(all(self, args)?),
            Formula::Or(args) => Node::Or(all(self, args)?),
            Formula::AtLeast { min, args } => Node::AtLeast(*min, all(self, args)?),
            Formula::Not(arg) => Node::Not(self.formula(arg, scope, referrer)?),
            Formula::Xor(args) => Node::Xor(all(self, args)?),
            Formula::Nand(args) => Node::Nand(all(self, args)?),
            Formula::Nor(args) => Node::Nor(all(self, args)?),
            Formula::Inhibit { input, condition } => {
                let input = self.formula(input, scope, referrer)?;
                let condition = self.formula(condition, scope, referrer)?;
                Node::And(vec![input, condition])
            }
        };
        Ok(self.push(node))
    }

    fn event(
        &mut self,
        reference: &EventRef,
        scope: usize,
        referrer: &str,
    ) -> Result<NodeId, RcaError> {
        let Some((key, definition)) = self.tables.find_event(scope, reference) else {
            return Err(RcaError::UndefinedReference {
                referrer: referrer.to_string(),
                kind: reference.kind.map_or("event", EventKind::mef_tag),
                name: reference.name.clone(),
                location: None,
            });
        };
        match definition.element {
            Element::Gate(_) => {
                if !self.referenced_gates.contains(&key) {
                    self.referenced_gates.push(key.clone());
                }
                self.gate(&key)
            }
            Element::HouseEvent(house) => {
                let state = self.override_sets[self.overrides]
                    .get(&key)
                    .copied()
                    .unwrap_or(house.state);
                Ok(self.push(Node::Constant(state)))
            }
            Element::CcfMember { group, member } => {
                if let Some(&node) = self.basic_event_variables.get(&key) {
                    return Ok(node);
                }
                let node = self.ccf_member(group, member)?;
                self.basic_event_variables.insert(key, node);
                Ok(node)
            }
            Element::BasicEvent(event) => {
                if let Some(&node) = self.basic_event_variables.get(&key) {
                    return Ok(node);
                }
                let probability = match &event.expression {
                    Some(expression) => {
                        let value = self.evaluate(expression, definition.scope, &key)?;
                        if !(0.0..=1.0).contains(&value) {
                            return Err(RcaError::ProbabilityOutOfRange { name: key, value });
                        }
                        Some(value)
                    }
                    None => None,
                };
                self.basic_events.push(CompiledBasicEvent {
                    name: key.clone(),
                    probability,
                });
                let node = self.push(Node::Variable(self.basic_events.len() - 1));
                self.basic_event_variables.insert(key, node);
                Ok(node)
            }
        }
    }

    /// The OR of the CCF events of `group` that include `member`: every set
    /// of members of each level that has a probability, as SCRAM builds them.
    fn ccf_member(&mut self, group: usize, member: usize) -> Result<NodeId, RcaError> {
        let levels = match self.ccf_probabilities.get(&group) {
            Some(levels) => levels.clone(),
            None => {
                let levels = self.ccf_levels(group)?;
                self.ccf_probabilities.insert(group, levels.clone());
                levels
            }
        };
        let tables = self.tables;
        let (_, definition, _) = &tables.ccf_groups[group];
        let size = definition.members.len();
        let mut events = Vec::new();
        for (level, probability) in levels {
            for failed in combinations(size, level) {
                if !failed.contains(&member) {
                    continue;
                }
                let variable_key = (group, failed);
                if let Some(&node) = self.ccf_event_variables.get(&variable_key) {
                    events.push(node);
                    continue;
                }
                let names: Vec<&str> = variable_key
                    .1
                    .iter()
                    .map(|&index| definition.members[index].as_str())
                    .collect();
                // SCRAM's name of a CCF event, which its reports print.
                self.basic_events.push(CompiledBasicEvent {
                    name: format!("[{}]", names.join(" ")),
                    probability: Some(probability),
                });
                let node = self.push(Node::Variable(self.basic_events.len() - 1));
                self.ccf_event_variables.insert(variable_key, node);
                events.push(node);
            }
        }
        Ok(match events.as_slice() {
            [single] => *single,
            _ => self.push(Node::Or(events)),
        })
    }

    /// The probability of one CCF event of each level, by SCRAM 0.16's
    /// formulas for the group's model, after SCRAM's validation of the group.
    fn ccf_levels(&mut self, group: usize) -> Result<Vec<(usize, f64)>, RcaError> {
        let tables = self.tables;
        let (key, definition, scope) = &tables.ccf_groups[group];
        let scope = *scope;
        let invalid = |reason: String| RcaError::InvalidCcfGroup {
            name: key.clone(),
            reason,
        };
        let size = definition.members.len();
        if size < 2 {
            return Err(invalid("a CCF group needs at least two members".into()));
        }
        let min_level = definition.model.min_level(size) as usize;
        if definition.factors.is_empty() {
            return Err(invalid("no factors".into()));
        }
        for (index, factor) in definition.factors.iter().enumerate() {
            let level = factor.level as usize;
            if level != min_level + index || level > size {
                return Err(invalid(format!(
                    "the {} model needs factors of consecutive levels from {min_level} to at most {size}, found level {level}",
                    definition.model.mef_name()
                )));
            }
        }
        if definition.model == CcfModel::BetaFactor && definition.factors.len() != 1 {
            return Err(invalid(
                "the beta-factor model has exactly one factor".into(),
            ));
        }
        let total = self.evaluate(&definition.distribution, scope, key)?;
        if !(0.0..=1.0).contains(&total) {
            return Err(invalid(format!("distribution {total} is outside [0, 1]")));
        }
        let mut factors = Vec::new();
        for factor in &definition.factors {
            let value = self.evaluate(&factor.expression, scope, key)?;
            if !(0.0..=1.0).contains(&value) {
                return Err(invalid(format!(
                    "factor of level {} is {value}, outside [0, 1]",
                    factor.level
                )));
            }
            factors.push(value);
        }
        let max_level = definition.factors.last().expect("checked non-empty").level as usize;
        Ok(match definition.model {
            CcfModel::BetaFactor => {
                let beta = factors[0];
                vec![(1, (1.0 - beta) * total), (size, beta * total)]
            }
            // Q_k = ρ_2 … ρ_k (1 - ρ_{k+1}) Q / C(n-1, k-1), with no
            // (1 - ρ) term at the highest level.
            CcfModel::Mgl => (0..max_level)
                .map(|i| {
                    let mut probability = total / binomial(size - 1, i);
                    probability *= factors[..i].iter().product::<f64>();
                    if i + 1 < max_level {
                        probability *= 1.0 - factors[i];
                    }
                    (i + 1, probability)
                })
                .collect(),
            // Q_k = k α_k Q / (C(n-1, k-1) Σ_j j α_j).
            CcfModel::AlphaFactor => {
                let sum: f64 = factors
                    .iter()
                    .enumerate()
                    .map(|(i, alpha)| (i + 1) as f64 * alpha)
                    .sum();
                factors
                    .iter()
                    .enumerate()
                    .map(|(i, alpha)| {
                        let level = i + 1;
                        let probability =
                            level as f64 / binomial(size - 1, i) * (alpha / sum) * total;
                        (level, probability)
                    })
                    .collect()
            }
            CcfModel::PhiFactor => {
                let sum: f64 = factors.iter().sum();
                // SCRAM's tolerance for the phi factors summing to one.
                if (sum - 1.0).abs() > 1e-4 {
                    return Err(invalid(format!("the phi factors sum to {sum}, not 1")));
                }
                factors
                    .iter()
                    .enumerate()
                    .map(|(i, phi)| (i + 1, phi * total))
                    .collect()
            }
        })
    }

    fn evaluate(
        &mut self,
        expression: &Expression,
        scope: usize,
        owner: &str,
    ) -> Result<f64, RcaError> {
        Ok(match expression {
            Expression::Float(value) => *value,
            Expression::Int(value) => *value as f64,
            Expression::Bool(value) => f64::from(u8::from(*value)),
            Expression::MissionTime => self.settings.mission_time,
            Expression::Parameter(name) => self.parameter(name, scope, owner)?,
            Expression::Apply { function, args } => {
                let values = args
                    .iter()
                    .map(|arg| self.evaluate(arg, scope, owner))
                    .collect::<Result<Vec<_>, _>>()?;
                apply(*function, &values).map_err(|reason| RcaError::InvalidExpression {
                    name: owner.to_string(),
                    reason,
                })?
            }
        })
    }

    fn parameter(&mut self, name: &str, scope: usize, owner: &str) -> Result<f64, RcaError> {
        let Some((key, parameter, parameter_scope)) = self.tables.find_parameter(scope, name)
        else {
            return Err(RcaError::UndefinedReference {
                referrer: format!("`{owner}`"),
                kind: "parameter",
                name: name.to_string(),
                location: None,
            });
        };
        if let Some(&value) = self.parameter_values.get(&key) {
            return Ok(value);
        }
        if let Some(start) = self.parameter_stack.iter().position(|p| *p == key) {
            let mut path = self.parameter_stack[start..].to_vec();
            path.push(key);
            return Err(RcaError::CyclicDefinition { path });
        }
        if self.parameter_stack.len() >= MAX_NESTING {
            return Err(RcaError::NestedTooDeep {
                referrer: format!("parameter `{key}`"),
                what: "parameters",
                limit: MAX_NESTING,
            });
        }
        self.parameter_stack.push(key.clone());
        let value = self.evaluate(&parameter.expression, parameter_scope, &key)?;
        self.parameter_stack.pop();
        self.parameter_values.insert(key, value);
        Ok(value)
    }
}

/// The number of ways to choose `k` of `n`, as a float like SCRAM's.
fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Every `k`-element subset of `0..n`, as ascending indices, in
/// lexicographic order.
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut all = Vec::new();
    let mut current: Vec<usize> = (0..k).collect();
    if k > n {
        return all;
    }
    loop {
        all.push(current.clone());
        // Advance the rightmost index that can still move right.
        let Some(position) = (0..k).rev().find(|&i| current[i] < n - k + i) else {
            return all;
        };
        current[position] += 1;
        let start = current[position];
        for (offset, index) in current[position..].iter_mut().enumerate() {
            *index = start + offset;
        }
    }
}

/// `1 - exp(-λ t)`: the probability that a Poisson process with rate λ
/// has produced a failure by time t.
fn exponential_failure(lambda: f64, time: f64) -> f64 {
    1.0 - (-lambda * time).exp()
}

/// Evaluates a MEF function the way SCRAM 0.16 does for point estimates.
fn apply(function: Function, args: &[f64]) -> Result<f64, String> {
    let first = args[0];
    Ok(match function {
        Function::Exponential => exponential_failure(first, args[1]),
        Function::Glm => {
            let (gamma, lambda, mu, time) = (args[0], args[1], args[2], args[3]);
            let rate = lambda + mu;
            if rate <= 0.0 {
                return Err("GLM needs a positive failure plus repair rate".into());
            }
            (lambda - (lambda - gamma * rate) * (-rate * time).exp()) / rate
        }
        Function::PeriodicTest if args.len() == 4 => {
            periodic_test_instant_repair(args[0], args[1], args[2], args[3])?
        }
        Function::PeriodicTest => {
            periodic_test_instant_test(args[0], args[1], args[2], args[3], args[4])?
        }
        Function::Weibull => {
            let (alpha, beta, shift, time) = (args[0], args[1], args[2], args[3]);
            if time <= shift {
                0.0
            } else {
                1.0 - (-((time - shift) / alpha).powf(beta)).exp()
            }
        }
        Function::Add => args.iter().sum(),
        Function::Sub => args[1..].iter().fold(first, |acc, value| acc - value),
        Function::Mul => args.iter().product(),
        Function::Div => args[1..].iter().fold(first, |acc, value| acc / value),
        Function::Neg => -first,
        Function::NormalDeviate => first,
        Function::LognormalDeviate if args.len() == 3 => first,
        // With (μ, σ) of the underlying normal distribution the mean is
        // exp(μ + σ²/2).
        Function::LognormalDeviate => (first + args[1] * args[1] / 2.0).exp(),
        Function::UniformDeviate => (first + args[1]) / 2.0,
    })
}

/// Unavailability of a component tested every τ hours after a first test at
/// θ, repaired instantly when found failed.
fn periodic_test_instant_repair(
    lambda: f64,
    tau: f64,
    theta: f64,
    time: f64,
) -> Result<f64, String> {
    if tau <= 0.0 {
        return Err("the time between tests must be positive".into());
    }
    if time <= theta {
        return Ok(exponential_failure(lambda, time));
    }
    let since_first_test = time - theta;
    let since_last_test = since_first_test - (since_first_test / tau).trunc() * tau;
    // At the instant of a test SCRAM counts the whole period, not zero.
    let exposure = if since_last_test != 0.0 {
        since_last_test
    } else {
        tau
    };
    Ok(exponential_failure(lambda, exposure))
}

/// The same with a repair of rate μ after a failure is found.
fn periodic_test_instant_test(
    lambda: f64,
    mu: f64,
    tau: f64,
    theta: f64,
    time: f64,
) -> Result<f64, String> {
    if tau <= 0.0 {
        return Err("the time between tests must be positive".into());
    }
    if time <= theta {
        return Ok(exponential_failure(lambda, time));
    }
    // Probability of being failed after repair and refailure within t.
    let repaired_then_failed = |p_lambda: f64, p_mu: f64, t: f64| {
        if lambda == mu {
            p_lambda - (1.0 - p_lambda) * lambda * t
        } else {
            (lambda * p_mu - mu * p_lambda) / (lambda - mu)
        }
    };
    let carry = |p_lambda: f64, p_mu: f64, t: f64| {
        1.0 - p_mu + repaired_then_failed(p_lambda, p_mu, t) - p_lambda
    };
    let mut probability = exponential_failure(lambda, theta);
    let delta = time - theta;
    let periods = (delta / tau).trunc();
    let fraction = carry(
        exponential_failure(lambda, tau),
        exponential_failure(mu, tau),
        tau,
    );
    let compound = fraction.powf(periods);
    probability = probability * compound
        + exponential_failure(lambda, tau) * (compound - 1.0) / (fraction - 1.0);
    let remainder = delta - periods * tau;
    let p_lambda = exponential_failure(lambda, remainder);
    let p_mu = exponential_failure(mu, remainder);
    Ok(probability * carry(p_lambda, p_mu, remainder) + p_lambda)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(function: Function, args: &[f64], expected: f64) {
        let value = apply(function, args).unwrap();
        assert!(
            (value - expected).abs() <= 1e-12 * expected.abs().max(1.0),
            "{function:?}{args:?} = {value}, expected {expected}"
        );
    }

    #[test]
    fn functions_match_their_closed_forms() {
        check(
            Function::Exponential,
            &[1e-3, 1000.0],
            1.0 - (-1.0f64).exp(),
        );
        check(
            Function::Glm,
            &[0.0, 1e-6, 0.1, 8760.0],
            1e-6 / 0.100001 * (1.0 - (-0.100001f64 * 8760.0).exp()),
        );
        check(
            Function::PeriodicTest,
            &[7e-7, 720.0, 0.0, 8760.0],
            exponential_failure(7e-7, 8760.0 - 12.0 * 720.0),
        );
        check(
            Function::PeriodicTest,
            &[7e-7, 720.0, 0.0, 1440.0],
            exponential_failure(7e-7, 720.0),
        );
        check(Function::Sub, &[1.0, 0.25, 0.25], 0.5);
        check(Function::Mul, &[2.0, 3.0, 4.0], 24.0);
        check(Function::LognormalDeviate, &[2e-5, 3.0, 0.95], 2e-5);
        check(Function::UniformDeviate, &[0.2, 0.4], 0.3);
        check(
            Function::Weibull,
            &[100.0, 1.0, 0.0, 100.0],
            1.0 - (-1.0f64).exp(),
        );
    }
}
