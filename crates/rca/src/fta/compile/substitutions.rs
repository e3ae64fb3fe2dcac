//! MEF substitutions as SCRAM 0.16 applies them. A declarative one (no
//! source) is an implication every analysed root must satisfy: hypothesis
//! implies target, or, with target `false`, the hypothesis never holds. A
//! non-declarative one rewrites minimal cut sets after they are found.

use super::{Compiler, Node, NodeId};
use crate::error::RcaError;
use crate::fta::model::{EventKind, EventRef, Formula, Model, Substitution, SubstitutionTarget};

/// A non-declarative substitution on basic-event indices: in each minimal
/// cut set that contains every `hypothesis` event, the `source` events are
/// removed and the `target` event, if any, added.
#[derive(Debug, Clone, PartialEq)]
pub struct CutSetRewrite {
    pub hypothesis: Vec<usize>,
    pub source: Vec<usize>,
    pub target: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Connective {
    /// A single basic event.
    Null,
    And,
    Or,
    AtLeast(u32),
}

/// The kinds MEF names in a substitution's `type` attribute.
const DELETE_TERMS: &str = "delete-terms";
const RECOVERY_RULE: &str = "recovery-rule";
const EXCHANGE_EVENT: &str = "exchange-event";

impl Compiler<'_, '_> {
    pub(super) fn substitutions(
        &mut self,
        model: &Model,
    ) -> Result<(Option<NodeId>, Vec<CutSetRewrite>), RcaError> {
        let mut implications = Vec::new();
        let mut rewrites: Vec<(&str, CutSetRewrite)> = Vec::new();
        for (index, substitution) in model.substitutions.iter().enumerate() {
            if model.substitutions[..index]
                .iter()
                .any(|earlier| earlier.name == substitution.name)
            {
                return Err(RcaError::DuplicateDefinition {
                    kind: "substitution",
                    name: substitution.name.clone(),
                    location: None,
                });
            }
            let invalid = |reason: &str| RcaError::InvalidSubstitution {
                name: substitution.name.clone(),
                reason: reason.to_string(),
            };
            let referrer = format!("substitution `{}`", substitution.name);
            let (connective, arguments) = hypothesis_shape(&substitution.hypothesis)
                .ok_or_else(|| {
                    invalid("the hypothesis must be a basic event, or an and, or, atleast of basic events")
                })?;
            let mut hypothesis = Vec::new();
            for argument in &arguments {
                hypothesis.push(self.substitution_event(argument, &referrer)?);
            }
            if let Some(declared) = &substitution.declared_type {
                let deduced = deduced_type(substitution, connective, arguments.len());
                if deduced != Some(declared.as_str()) {
                    return Err(invalid(&format!(
                        "it is declared {declared}, but its hypothesis, source and target make it {}",
                        deduced.unwrap_or("none of delete-terms, recovery-rule, exchange-event")
                    )));
                }
            }
            if substitution.source.is_empty() {
                if substitution.target == SubstitutionTarget::Constant(true) {
                    return Err(invalid("a target of true has no effect"));
                }
                let condition = self.formula(&substitution.hypothesis, 0, &referrer)?;
                let excluded = self.push(Node::Not(condition));
                implications.push(match &substitution.target {
                    SubstitutionTarget::BasicEvent(target) => {
                        let target = self.substitution_event(target, &referrer)?;
                        self.push(Node::Or(vec![excluded, target]))
                    }
                    SubstitutionTarget::Constant(_) => excluded,
                });
                continue;
            }
            if matches!(connective, Connective::AtLeast(_)) {
                return Err(invalid(
                    "a substitution with a source takes a hypothesis of and, or or one basic event",
                ));
            }
            let variable = |compiler: &Self, node: NodeId| match compiler.nodes[node] {
                Node::Variable(variable) => Ok(variable),
                _ => Err(invalid(
                    "events of a substitution with a source cannot be in a CCF group",
                )),
            };
            let hypothesis = hypothesis
                .into_iter()
                .map(|node| variable(self, node))
                .collect::<Result<Vec<_>, _>>()?;
            let mut source = Vec::new();
            for name in &substitution.source {
                let node = self.substitution_event(name, &referrer)?;
                source.push(variable(self, node)?);
            }
            let target = match &substitution.target {
                SubstitutionTarget::BasicEvent(name) => {
                    let node = self.substitution_event(name, &referrer)?;
                    Some(variable(self, node)?)
                }
                SubstitutionTarget::Constant(true) => None,
                SubstitutionTarget::Constant(false) => {
                    return Err(invalid("with a target of false the source is irrelevant"));
                }
            };
            // An OR hypothesis is one rewrite per alternative.
            let hypotheses = match connective {
                Connective::Or => hypothesis.into_iter().map(|event| vec![event]).collect(),
                _ => vec![hypothesis],
            };
            for hypothesis in hypotheses {
                rewrites.push((
                    &substitution.name,
                    CutSetRewrite {
                        hypothesis,
                        source: source.clone(),
                        target,
                    },
                ));
            }
        }
        check_conflicts(&rewrites)?;
        let constraint = match implications.as_slice() {
            [] => None,
            [single] => Some(*single),
            _ => Some(self.push(Node::And(implications))),
        };
        Ok((
            constraint,
            rewrites.into_iter().map(|(_, rewrite)| rewrite).collect(),
        ))
    }

    /// The node of a basic event a substitution names.
    fn substitution_event(&mut self, name: &str, referrer: &str) -> Result<NodeId, RcaError> {
        let reference = EventRef {
            kind: Some(EventKind::BasicEvent),
            name: name.to_string(),
        };
        self.event(&reference, 0, referrer)
    }
}

/// The connective of a hypothesis and the basic events it names, or `None`
/// when it is not built over basic events alone (SCRAM's coherence rule).
fn hypothesis_shape(formula: &Formula) -> Option<(Connective, Vec<&str>)> {
    fn events(args: &[Formula]) -> Option<Vec<&str>> {
        args.iter()
            .map(|arg| match arg {
                Formula::Event(reference)
                    if reference
                        .kind
                        .is_none_or(|kind| kind == EventKind::BasicEvent) =>
                {
                    Some(reference.name.as_str())
                }
                _ => None,
            })
            .collect()
    }
    match formula {
        Formula::Event(_) => Some((Connective::Null, events(std::slice::from_ref(formula))?)),
        Formula::And(args) => Some((Connective::And, events(args)?)),
        Formula::Or(args) => Some((Connective::Or, events(args)?)),
        Formula::AtLeast { min, args } => Some((Connective::AtLeast(*min), events(args)?)),
        _ => None,
    }
}

/// SCRAM's `Substitution::type`: the kind the shape of a substitution makes.
fn deduced_type(
    substitution: &Substitution,
    connective: Connective,
    hypothesis_size: usize,
) -> Option<&'static str> {
    let names = hypothesis_shape(&substitution.hypothesis)
        .map(|(_, names)| names)
        .unwrap_or_default();
    let in_hypothesis = |event: &String| names.contains(&event.as_str());
    if substitution.source.is_empty() {
        return match (&substitution.target, connective) {
            (SubstitutionTarget::Constant(false), Connective::AtLeast(2)) => Some(DELETE_TERMS),
            (SubstitutionTarget::Constant(false), Connective::And) if hypothesis_size == 2 => {
                Some(DELETE_TERMS)
            }
            (SubstitutionTarget::BasicEvent(_), Connective::And) => Some(RECOVERY_RULE),
            _ => None,
        };
    }
    if !matches!(substitution.target, SubstitutionTarget::BasicEvent(_))
        || !matches!(connective, Connective::And | Connective::Null)
    {
        return None;
    }
    if substitution.source.len() == hypothesis_size {
        substitution
            .source
            .iter()
            .all(in_hypothesis)
            .then_some(RECOVERY_RULE)
    } else if substitution.source.len() == 1 && in_hypothesis(&substitution.source[0]) {
        Some(EXCHANGE_EVENT)
    } else {
        None
    }
}

/// SCRAM's rule that rewrites cannot feed one another: a target must not be
/// another rewrite's source or hypothesis, nor a source another's hypothesis.
fn check_conflicts(rewrites: &[(&str, CutSetRewrite)]) -> Result<(), RcaError> {
    for (index, (name, origin)) in rewrites.iter().enumerate() {
        let conflict = |reason: &str| RcaError::InvalidSubstitution {
            name: name.to_string(),
            reason: reason.to_string(),
        };
        for (other_index, (other_name, other)) in rewrites.iter().enumerate() {
            if let Some(target) = origin.target
                && other.source.contains(&target)
            {
                return Err(conflict(
                    "its target is the source of a substitution, so rewrites would chain",
                ));
            }
            if other_index == index || other_name == name {
                continue;
            }
            if let Some(target) = origin.target
                && other.hypothesis.contains(&target)
            {
                return Err(conflict(
                    "its target is in the hypothesis of another substitution",
                ));
            }
            if origin
                .source
                .iter()
                .any(|event| other.hypothesis.contains(event))
            {
                return Err(conflict(
                    "its source is in the hypothesis of another substitution",
                ));
            }
        }
    }
    Ok(())
}
