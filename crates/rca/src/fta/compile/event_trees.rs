//! Event trees as SCRAM 0.16 analyses them: every path from the initial
//! state collects formulas (ANDed) or expressions (multiplied) down to a
//! sequence; a sequence is the OR of its paths' formulas, or the sum of their
//! products. A `set-house-event` on a path changes the house events of the
//! formulas collected after it; a sequence that links to another event tree
//! hands its path on to that tree's initial state.

use std::collections::{BTreeMap, HashMap};

use super::{Compiler, Node, NodeId};
use crate::error::RcaError;
use crate::fta::model::{Branch, BranchTarget, EventTree, Instruction, Model, Rule, Sequence};

/// One sequence of an initiating event's event tree, ready for analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledSequence {
    pub initiating_event: String,
    pub name: String,
    pub logic: SequenceLogic,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SequenceLogic {
    /// The sequence's failure logic, analysed like a top event.
    Formula(NodeId),
    /// Paths that collect expressions only: the sum over the paths of the
    /// product of their values.
    Frequency(f64),
}

/// What a path has collected so far.
#[derive(Clone, Default)]
struct PathState {
    formulas: Vec<NodeId>,
    expressions: Vec<f64>,
    house_events: BTreeMap<String, bool>,
}

/// The model's event-tree definitions, by name.
struct Definitions<'m> {
    trees: HashMap<&'m str, &'m EventTree>,
    /// Sequence names are global; the tree that defines each.
    sequences: HashMap<&'m str, &'m Sequence>,
    rules: HashMap<&'m str, &'m Rule>,
}

/// Walks the paths of one initiating event's tree (and the trees it links).
struct Walk<'d, 'm> {
    definitions: &'d Definitions<'m>,
    /// Sequences in the order first reached, with the paths that end there.
    reached: Vec<(&'m str, Vec<PathState>)>,
    /// Links and branches being followed, to refuse cycles with their path.
    stack: Vec<String>,
}

impl Compiler<'_, '_> {
    /// Compiles the sequences of every initiating event, and checks every
    /// event tree, including those no initiating event starts (as SCRAM does).
    pub(super) fn event_trees(&mut self, model: &Model) -> Result<Vec<CompiledSequence>, RcaError> {
        let definitions = Definitions::collect(model)?;
        let mut sequences = Vec::new();
        let mut started = Vec::new();
        for initiating_event in &model.initiating_events {
            let Some(tree_name) = &initiating_event.event_tree else {
                continue;
            };
            let referrer = format!("initiating event `{}`", initiating_event.name);
            let tree = definitions.tree(tree_name, &referrer)?;
            started.push(tree.name.as_str());
            let walk = self.walk(&definitions, tree)?;
            for (name, paths) in walk.reached {
                let logic = self.sequence_logic(&tree.name, name, paths)?;
                sequences.push(CompiledSequence {
                    initiating_event: initiating_event.name.clone(),
                    name: name.to_string(),
                    logic,
                });
            }
        }
        for tree in &model.event_trees {
            if !started.contains(&tree.name.as_str()) {
                let walk = self.walk(&definitions, tree)?;
                for (name, paths) in walk.reached {
                    self.sequence_logic(&tree.name, name, paths)?;
                }
            }
        }
        Ok(sequences)
    }

    fn walk<'d, 'm>(
        &mut self,
        definitions: &'d Definitions<'m>,
        tree: &'m EventTree,
    ) -> Result<Walk<'d, 'm>, RcaError> {
        let mut walk = Walk {
            definitions,
            reached: Vec::new(),
            stack: vec![format!("event tree {}", tree.name)],
        };
        self.follow(
            &mut walk,
            tree,
            &tree.initial_state,
            PathState::default(),
            &mut Vec::new(),
        )?;
        Ok(walk)
    }

    /// Follows `branch` of `tree` with the path collected so far; `forked`
    /// holds the functional events already forked on along the path.
    fn follow<'m>(
        &mut self,
        walk: &mut Walk<'_, 'm>,
        tree: &'m EventTree,
        branch: &'m Branch,
        mut path: PathState,
        forked: &mut Vec<&'m str>,
    ) -> Result<(), RcaError> {
        let referrer = format!("event tree `{}`", tree.name);
        let mut linked = false;
        self.run(
            walk,
            &branch.instructions,
            &mut path,
            &referrer,
            &mut linked,
        )?;
        if linked {
            return Err(RcaError::InvalidEventTree {
                name: tree.name.clone(),
                reason: "only a sequence may link to another event tree".into(),
            });
        }
        match &branch.target {
            BranchTarget::Fork(fork) => {
                let event = fork.functional_event.as_str();
                if !tree.functional_events.iter().any(|f| f.name == event) {
                    return Err(RcaError::UndefinedReference {
                        referrer,
                        kind: "functional event",
                        name: event.to_string(),
                        location: None,
                    });
                }
                if forked.contains(&event) {
                    return Err(RcaError::InvalidEventTree {
                        name: tree.name.clone(),
                        reason: format!("a path forks on functional event `{event}` twice"),
                    });
                }
                let mut states: Vec<&str> = Vec::new();
                for fork_path in &fork.paths {
                    if states.contains(&fork_path.state.as_str()) {
                        return Err(RcaError::InvalidEventTree {
                            name: tree.name.clone(),
                            reason: format!(
                                "functional event `{event}` has two paths in state `{}`",
                                fork_path.state
                            ),
                        });
                    }
                    states.push(&fork_path.state);
                    forked.push(event);
                    self.follow(walk, tree, &fork_path.branch, path.clone(), forked)?;
                    forked.pop();
                }
                Ok(())
            }
            BranchTarget::Branch(name) => {
                let Some(named) = tree.branches.iter().find(|b| &b.name == name) else {
                    return Err(RcaError::UndefinedReference {
                        referrer,
                        kind: "branch",
                        name: name.clone(),
                        location: None,
                    });
                };
                let entry = format!("branch {name}");
                walk.enter(entry)?;
                self.follow(walk, tree, &named.branch, path, forked)?;
                walk.stack.pop();
                Ok(())
            }
            BranchTarget::Sequence(name) => {
                let Some(&sequence) = walk.definitions.sequences.get(name.as_str()) else {
                    return Err(RcaError::UndefinedReference {
                        referrer,
                        kind: "sequence",
                        name: name.clone(),
                        location: None,
                    });
                };
                let mut linked = false;
                self.run(
                    walk,
                    &sequence.instructions,
                    &mut path,
                    &referrer,
                    &mut linked,
                )?;
                if !linked {
                    match walk.reached.iter_mut().find(|(n, _)| *n == sequence.name) {
                        Some((_, paths)) => paths.push(path),
                        None => walk.reached.push((&sequence.name, vec![path])),
                    }
                }
                Ok(())
            }
        }
    }

    /// Runs instructions on the path; a link to an event tree continues the
    /// path there at once and sets `linked`.
    fn run<'m>(
        &mut self,
        walk: &mut Walk<'_, 'm>,
        instructions: &'m [Instruction],
        path: &mut PathState,
        referrer: &str,
        linked: &mut bool,
    ) -> Result<(), RcaError> {
        for instruction in instructions {
            match instruction {
                Instruction::CollectFormula(formula) => {
                    let overrides = self.override_set(&path.house_events);
                    let previous = std::mem::replace(&mut self.overrides, overrides);
                    let node = self.formula(formula, 0, referrer);
                    self.overrides = previous;
                    path.formulas.push(node?);
                }
                Instruction::CollectExpression(expression) => {
                    let value = self.evaluate(expression, 0, referrer)?;
                    path.expressions.push(value);
                }
                Instruction::SetHouseEvent { name, state } => {
                    let key = self.house_event_key(name, referrer)?;
                    path.house_events.insert(key, *state);
                }
                Instruction::Rule(name) => {
                    let Some(&rule) = walk.definitions.rules.get(name.as_str()) else {
                        return Err(RcaError::UndefinedReference {
                            referrer: referrer.to_string(),
                            kind: "rule",
                            name: name.clone(),
                            location: None,
                        });
                    };
                    walk.enter(format!("rule {name}"))?;
                    self.run(walk, &rule.instructions, path, referrer, linked)?;
                    walk.stack.pop();
                }
                Instruction::EventTree(name) => {
                    let tree = walk.definitions.tree(name, referrer)?;
                    walk.enter(format!("event tree {name}"))?;
                    // The linked tree forks on its own functional events.
                    self.follow(
                        walk,
                        tree,
                        &tree.initial_state,
                        path.clone(),
                        &mut Vec::new(),
                    )?;
                    walk.stack.pop();
                    *linked = true;
                }
                Instruction::Block(instructions) => {
                    self.run(walk, instructions, path, referrer, linked)?
                }
            }
        }
        Ok(())
    }

    /// The index of the override set that is the phase's with `house_events`
    /// on top, added if new.
    fn override_set(&mut self, house_events: &BTreeMap<String, bool>) -> usize {
        if house_events.is_empty() {
            return 0;
        }
        let mut set = self.override_sets[0].clone();
        set.extend(
            house_events
                .iter()
                .map(|(key, state)| (key.clone(), *state)),
        );
        match self
            .override_sets
            .iter()
            .position(|existing| *existing == set)
        {
            Some(index) => index,
            None => {
                self.override_sets.push(set);
                self.override_sets.len() - 1
            }
        }
    }

    /// SCRAM's sequence: the OR over paths of the AND of their formulas; with
    /// expressions only, the sum over paths of their product; with neither,
    /// certain (true). A path without formulas adds nothing to the OR.
    fn sequence_logic(
        &mut self,
        tree: &str,
        sequence: &str,
        paths: Vec<PathState>,
    ) -> Result<SequenceLogic, RcaError> {
        let with_formulas = paths.iter().any(|path| !path.formulas.is_empty());
        let with_expressions = paths.iter().any(|path| !path.expressions.is_empty());
        if with_formulas && with_expressions {
            return Err(RcaError::InvalidEventTree {
                name: tree.to_string(),
                reason: format!(
                    "paths to sequence `{sequence}` collect both formulas and expressions; an event tree collects one kind"
                ),
            });
        }
        if with_expressions {
            let frequency = paths
                .iter()
                .filter(|path| !path.expressions.is_empty())
                .map(|path| path.expressions.iter().product::<f64>())
                .sum();
            return Ok(SequenceLogic::Frequency(frequency));
        }
        let mut alternatives: Vec<NodeId> = Vec::new();
        for path in paths {
            match path.formulas.as_slice() {
                [] => {}
                [single] => alternatives.push(*single),
                _ => alternatives.push(self.push(Node::And(path.formulas))),
            }
        }
        Ok(SequenceLogic::Formula(match alternatives.as_slice() {
            [] => self.push(Node::Constant(true)),
            [single] => *single,
            _ => self.push(Node::Or(alternatives)),
        }))
    }
}

impl<'m> Definitions<'m> {
    fn collect(model: &'m Model) -> Result<Definitions<'m>, RcaError> {
        let mut definitions = Definitions {
            trees: HashMap::new(),
            sequences: HashMap::new(),
            rules: HashMap::new(),
        };
        let duplicate = |kind, name: &str| RcaError::DuplicateDefinition {
            kind,
            name: name.to_string(),
            location: None,
        };
        for tree in &model.event_trees {
            if definitions.trees.insert(&tree.name, tree).is_some() {
                return Err(duplicate("event tree", &tree.name));
            }
            for sequence in &tree.sequences {
                if definitions
                    .sequences
                    .insert(&sequence.name, sequence)
                    .is_some()
                {
                    return Err(duplicate("sequence", &sequence.name));
                }
            }
            let mut seen: Vec<&str> = Vec::new();
            for name in tree
                .functional_events
                .iter()
                .map(|event| event.name.as_str())
                .chain(tree.branches.iter().map(|branch| branch.name.as_str()))
            {
                if seen.contains(&name) {
                    return Err(duplicate("event-tree element", name));
                }
                seen.push(name);
            }
        }
        for rule in &model.rules {
            if definitions.rules.insert(&rule.name, rule).is_some() {
                return Err(duplicate("rule", &rule.name));
            }
        }
        let mut initiating: Vec<&str> = Vec::new();
        for event in &model.initiating_events {
            if initiating.contains(&event.name.as_str()) {
                return Err(duplicate("initiating event", &event.name));
            }
            initiating.push(&event.name);
        }
        Ok(definitions)
    }

    fn tree(&self, name: &str, referrer: &str) -> Result<&'m EventTree, RcaError> {
        self.trees
            .get(name)
            .copied()
            .ok_or_else(|| RcaError::UndefinedReference {
                referrer: referrer.to_string(),
                kind: "event tree",
                name: name.to_string(),
                location: None,
            })
    }
}

impl Walk<'_, '_> {
    /// Notes that a branch, rule or link is being followed, refusing one
    /// that is already: a cycle would never end.
    fn enter(&mut self, entry: String) -> Result<(), RcaError> {
        if let Some(start) = self.stack.iter().position(|open| *open == entry) {
            let mut path = self.stack[start..].to_vec();
            path.push(entry);
            return Err(RcaError::CyclicDefinition { path });
        }
        self.stack.push(entry);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::fta::{AnalysisSettings, MefSource, analyze, read_mef};

    fn refusal(body: &str) -> String {
        let text = format!(
            "<opsa-mef>\n<define-initiating-event name=\"I\" event-tree=\"T\"/>\n{body}\n<model-data><define-basic-event name=\"a\"><float value=\"0.1\"/></define-basic-event></model-data>\n</opsa-mef>"
        );
        let error = read_mef(&[MefSource {
            name: "t.xml",
            text: &text,
        }])
        .and_then(|model| analyze(&model, None, &AnalysisSettings::default()))
        .unwrap_err();
        error.to_string()
    }

    #[test]
    fn malformed_event_trees_are_refused_with_the_reason() {
        assert_eq!(
            refusal(
                "<define-event-tree name=\"T\"><define-sequence name=\"S\"><event-tree name=\"T\"/></define-sequence><initial-state><sequence name=\"S\"/></initial-state></define-event-tree>"
            ),
            "cyclic definition: event tree T -> event tree T"
        );
        assert_eq!(
            refusal(
                "<define-event-tree name=\"T\"><define-functional-event name=\"F\"/><define-sequence name=\"S\"/><initial-state><fork functional-event=\"F\"><path state=\"up\"><collect-expression><float value=\"0.5\"/></collect-expression><sequence name=\"S\"/></path><path state=\"down\"><collect-formula><basic-event name=\"a\"/></collect-formula><sequence name=\"S\"/></path></fork></initial-state></define-event-tree>"
            ),
            "event tree `T`: paths to sequence `S` collect both formulas and expressions; an event tree collects one kind"
        );
        assert_eq!(
            refusal(
                "<define-event-tree name=\"T\"><define-functional-event name=\"F\"/><define-sequence name=\"S\"/><initial-state><fork functional-event=\"F\"><path state=\"up\"><fork functional-event=\"F\"><path state=\"up\"><sequence name=\"S\"/></path></fork></path></fork></initial-state></define-event-tree>"
            ),
            "event tree `T`: a path forks on functional event `F` twice"
        );
        assert_eq!(
            refusal(
                "<define-event-tree name=\"T\"><define-sequence name=\"S\"/><initial-state><fork functional-event=\"G\"><path state=\"up\"><sequence name=\"S\"/></path></fork></initial-state></define-event-tree>"
            ),
            "event tree `T` refers to undefined functional event `G` at t.xml:3:71"
        );
        assert_eq!(
            refusal(
                "<define-event-tree name=\"T\"><define-sequence name=\"S\"/><initial-state><branch name=\"B\"/></initial-state></define-event-tree>"
            ),
            "event tree `T` refers to undefined branch `B` at t.xml:3:71"
        );
    }

    #[test]
    fn house_events_set_on_a_path_change_only_the_formulas_after_them() {
        let text = r#"<opsa-mef>
  <define-initiating-event name="I" event-tree="T"/>
  <define-event-tree name="T">
    <define-sequence name="Both"/>
    <initial-state>
      <collect-formula><gate name="g"/></collect-formula>
      <set-house-event name="h"><constant value="true"/></set-house-event>
      <collect-formula><gate name="g"/></collect-formula>
      <sequence name="Both"/>
    </initial-state>
  </define-event-tree>
  <define-fault-tree name="F">
    <define-gate name="g"><or><basic-event name="a"/><house-event name="h"/></or></define-gate>
    <define-house-event name="h"><constant value="false"/></define-house-event>
    <define-basic-event name="a"><float value="0.25"/></define-basic-event>
  </define-fault-tree>
</opsa-mef>"#;
        let model = read_mef(&[MefSource {
            name: "t.xml",
            text,
        }])
        .unwrap();
        let results = analyze(&model, None, &AnalysisSettings::default()).unwrap();
        let sequence = &results[0];
        assert_eq!(sequence.initiating_event.as_deref(), Some("I"));
        // g AND (g with h set) = a AND true.
        assert_eq!(sequence.probability.unwrap().exact, Some(0.25));
        // The gate itself, outside the tree, keeps h false.
        assert_eq!(results[1].top_event, "g");
        assert_eq!(results[1].probability.unwrap().exact, Some(0.25));
        assert_eq!(results[1].minimal_cut_sets[0].events, ["a"]);
    }
}
