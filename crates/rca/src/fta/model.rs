//! The fault-tree model as the Open-PSA Model Exchange Format describes it:
//! fault trees with nested components, gates whose formulas reference events
//! by name, basic events with probability expressions, house events and
//! parameters. References stay names here; [`crate::fta::compile`] resolves
//! them, so a model read from a file can be written back unchanged.

use serde::{Deserialize, Serialize};

/// A whole MEF model: what one or more input files define together.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Model {
    pub name: Option<String>,
    pub fault_trees: Vec<Container>,
    /// Definitions outside any fault tree (`<model-data>`); always public.
    pub model_data: Definitions,
    /// Event trees and what starts them: an initiating event names the tree
    /// it triggers, whose sequences are analysed like top events.
    #[serde(default)]
    pub initiating_events: Vec<InitiatingEvent>,
    #[serde(default)]
    pub event_trees: Vec<EventTree>,
    /// Named instruction lists that sequences and branches call (`<rule>`).
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Hypotheses that rewrite the failure combinations (`define-substitution`).
    #[serde(default)]
    pub substitutions: Vec<Substitution>,
    /// Mission phases: each alignment splits the mission time among its
    /// phases, and each phase may set house events.
    #[serde(default)]
    pub alignments: Vec<Alignment>,
}

impl Model {
    /// The initiating event that starts an event tree, when the model has
    /// exactly one: such a model reads as that one tree.
    pub fn sole_initiating_event(&self) -> Option<&str> {
        let mut started = self
            .initiating_events
            .iter()
            .filter(|event| event.event_tree.is_some());
        match (started.next(), started.next()) {
            (Some(only), None) => Some(only.name.as_str()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitiatingEvent {
    pub name: String,
    pub label: Option<String>,
    /// The event tree it triggers; without one it is only declared.
    pub event_tree: Option<String>,
}

/// An event tree: functional events forked on from an initial state, down to
/// sequences. Paths collect formulas (failure logic of the functional events)
/// or expressions (split fractions), never both in one tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventTree {
    pub name: String,
    pub label: Option<String>,
    pub functional_events: Vec<NamedElement>,
    pub sequences: Vec<Sequence>,
    /// Named sub-trees that paths continue into (`define-branch`).
    pub branches: Vec<NamedBranch>,
    pub initial_state: Branch,
}

/// A name with an optional label: functional events have nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedElement {
    pub name: String,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: String,
    pub label: Option<String>,
    /// Run when a path ends here, e.g. a link to another event tree.
    pub instructions: Vec<Instruction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedBranch {
    pub name: String,
    pub label: Option<String>,
    pub branch: Branch,
}

/// Instructions, then where the path goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Branch {
    pub instructions: Vec<Instruction>,
    pub target: BranchTarget,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchTarget {
    Fork(Fork),
    /// Ends the path in the named sequence.
    Sequence(String),
    /// Continues with the named branch of the same tree.
    Branch(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fork {
    pub functional_event: String,
    pub paths: Vec<ForkPath>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForkPath {
    /// The functional event's state on this path, e.g. success or failure.
    pub state: String,
    pub branch: Branch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Instruction {
    /// ANDs a formula into the path's logic.
    CollectFormula(Formula),
    /// Multiplies a value into the path's frequency.
    CollectExpression(Expression),
    /// Sets a house event for the formulas collected after it on the path.
    SetHouseEvent {
        name: String,
        state: bool,
    },
    /// Runs the named rule's instructions.
    Rule(String),
    /// Continues the path into another event tree (a sequence's link).
    EventTree(String),
    Block(Vec<Instruction>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub label: Option<String>,
    pub instructions: Vec<Instruction>,
}

/// A MEF substitution. Without a source it is declarative: wherever the
/// hypothesis holds, the target must hold too (`false`: the hypothesis is
/// impossible). With a source it rewrites each minimal cut set that contains
/// the hypothesis, replacing the source events by the target, which only
/// approximate quantification can use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Substitution {
    pub name: String,
    pub label: Option<String>,
    /// The `type` attribute as written (delete-terms, recovery-rule,
    /// exchange-event); checked against the substitution's shape.
    pub declared_type: Option<String>,
    /// A basic event, or an AND, OR or at-least of basic events.
    pub hypothesis: Formula,
    pub source: Vec<String>,
    pub target: SubstitutionTarget,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubstitutionTarget {
    BasicEvent(String),
    Constant(bool),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alignment {
    pub name: String,
    pub label: Option<String>,
    pub phases: Vec<Phase>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    pub label: Option<String>,
    /// The share of the mission time spent in this phase; an alignment's
    /// phases add up to one.
    pub time_fraction: f64,
    /// House events this phase sets, by name.
    pub house_events: Vec<(String, bool)>,
}

/// A fault tree or one of its components: a named scope of definitions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Container {
    pub name: String,
    pub label: Option<String>,
    /// `None` inherits the role of the enclosing container (public at the top).
    pub role: Option<Role>,
    pub definitions: Definitions,
    pub components: Vec<Container>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Definitions {
    pub gates: Vec<Gate>,
    pub basic_events: Vec<BasicEvent>,
    pub house_events: Vec<HouseEvent>,
    pub parameters: Vec<Parameter>,
    /// Common-cause failure groups; their members are basic events that
    /// the group itself defines.
    #[serde(default)]
    pub ccf_groups: Vec<CcfGroup>,
}

/// Private elements are named by their container's path from outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Public,
    Private,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gate {
    pub name: String,
    pub label: Option<String>,
    pub role: Option<Role>,
    pub formula: Formula,
}

/// The Boolean formula of a gate. Nested formulas are anonymous gates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op", content = "args")]
pub enum Formula {
    Event(EventRef),
    Constant(bool),
    And(Vec<Formula>),
    Or(Vec<Formula>),
    /// True when at least `min` of the arguments are (k-of-n voting).
    AtLeast {
        min: u32,
        args: Vec<Formula>,
    },
    Not(Box<Formula>),
    /// True when an odd number of arguments are (MEF `xor`).
    Xor(Vec<Formula>),
    Nand(Vec<Formula>),
    Nor(Vec<Formula>),
    /// An AND of an input and the condition that lets it through. MEF has no
    /// inhibit connective; it is written as `and` with the gate attribute
    /// `flavor="inhibit"`, the convention SCRAM and OpenFTA use.
    Inhibit {
        input: Box<Formula>,
        condition: Box<Formula>,
    },
}

/// A reference to a gate, basic event or house event by name. `kind` is
/// `None` for MEF's untyped `<event name="…"/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRef {
    pub kind: Option<EventKind>,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Gate,
    BasicEvent,
    HouseEvent,
}

impl EventKind {
    pub fn mef_tag(self) -> &'static str {
        match self {
            EventKind::Gate => "gate",
            EventKind::BasicEvent => "basic-event",
            EventKind::HouseEvent => "house-event",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasicEvent {
    pub name: String,
    pub label: Option<String>,
    pub role: Option<Role>,
    /// The probability; `None` when the model leaves it undefined, which
    /// qualitative analysis accepts and quantitative analysis refuses.
    pub expression: Option<Expression>,
}

/// A MEF common-cause failure group (`define-CCF-group`). Analysis replaces
/// each member by the OR of the CCF events that fail it, as SCRAM does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CcfGroup {
    pub name: String,
    pub label: Option<String>,
    pub role: Option<Role>,
    pub model: CcfModel,
    /// Member basic event names, in the order the group lists them, which
    /// is the order of members in the names of the CCF events.
    pub members: Vec<String>,
    /// The total failure probability of each member.
    pub distribution: Expression,
    /// Factors by ascending level.
    pub factors: Vec<CcfFactor>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CcfFactor {
    pub level: u32,
    pub expression: Expression,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CcfModel {
    BetaFactor,
    Mgl,
    AlphaFactor,
    PhiFactor,
}

impl CcfModel {
    pub const ALL: [CcfModel; 4] = [
        CcfModel::BetaFactor,
        CcfModel::Mgl,
        CcfModel::AlphaFactor,
        CcfModel::PhiFactor,
    ];

    pub fn mef_name(self) -> &'static str {
        match self {
            CcfModel::BetaFactor => "beta-factor",
            CcfModel::Mgl => "MGL",
            CcfModel::AlphaFactor => "alpha-factor",
            CcfModel::PhiFactor => "phi-factor",
        }
    }

    pub fn from_mef_name(name: &str) -> Option<CcfModel> {
        CcfModel::ALL
            .into_iter()
            .find(|model| model.mef_name() == name)
    }

    /// The level of the first factor: the beta factor is the failure of all
    /// `members`, MGL starts at two failures, alpha and phi at one.
    pub fn min_level(self, members: usize) -> u32 {
        match self {
            CcfModel::BetaFactor => members as u32,
            CcfModel::Mgl => 2,
            CcfModel::AlphaFactor | CcfModel::PhiFactor => 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseEvent {
    pub name: String,
    pub label: Option<String>,
    pub role: Option<Role>,
    pub state: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub label: Option<String>,
    pub role: Option<Role>,
    pub unit: Option<String>,
    pub expression: Expression,
}

/// A numeric MEF expression. Random deviates contribute their mean, as in
/// SCRAM's point-estimate analysis; sampling them is uncertainty analysis,
/// which this crate leaves out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expression {
    Float(f64),
    Int(i64),
    Bool(bool),
    Parameter(String),
    MissionTime,
    Apply {
        function: Function,
        args: Vec<Expression>,
    },
}

/// Built-in MEF functions this crate evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Function {
    /// `1 - exp(-λ t)` with arguments (λ, t).
    Exponential,
    /// Gamma-lambda-mu model with arguments (γ, λ, μ, t).
    Glm,
    /// Periodically tested component: (λ, τ, θ, t) with instant repair or
    /// (λ, μ, τ, θ, t) with instant test.
    PeriodicTest,
    Weibull,
    Add,
    Sub,
    Mul,
    Div,
    Neg,
    /// Point value is the first argument (the mean).
    NormalDeviate,
    /// Point value is the first argument (the mean).
    LognormalDeviate,
    /// Point value is the midpoint of (min, max).
    UniformDeviate,
}

impl Function {
    pub const ALL: [Function; 12] = [
        Function::Exponential,
        Function::Glm,
        Function::PeriodicTest,
        Function::Weibull,
        Function::Add,
        Function::Sub,
        Function::Mul,
        Function::Div,
        Function::Neg,
        Function::NormalDeviate,
        Function::LognormalDeviate,
        Function::UniformDeviate,
    ];

    pub fn mef_tag(self) -> &'static str {
        match self {
            Function::Exponential => "exponential",
            Function::Glm => "GLM",
            Function::PeriodicTest => "periodic-test",
            Function::Weibull => "Weibull",
            Function::Add => "add",
            Function::Sub => "sub",
            Function::Mul => "mul",
            Function::Div => "div",
            Function::Neg => "neg",
            Function::NormalDeviate => "normal-deviate",
            Function::LognormalDeviate => "lognormal-deviate",
            Function::UniformDeviate => "uniform-deviate",
        }
    }

    pub fn from_mef_tag(tag: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.mef_tag() == tag)
    }

    /// The argument counts MEF allows for this function.
    pub fn accepts_arity(self, count: usize) -> bool {
        match self {
            Function::Exponential => count == 2,
            Function::Glm | Function::Weibull => count == 4,
            Function::PeriodicTest => count == 4 || count == 5,
            Function::Add | Function::Sub | Function::Mul | Function::Div => count >= 2,
            Function::Neg => count == 1,
            Function::NormalDeviate | Function::UniformDeviate => count == 2,
            Function::LognormalDeviate => count == 2 || count == 3,
        }
    }
}
