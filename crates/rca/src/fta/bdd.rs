//! A reduced ordered binary decision diagram of a fault tree's top event,
//! and the exact quantities read from it: the top-event probability and the
//! Birnbaum importance of every variable. Nodes are numbered so that children
//! always come before parents, which lets every pass run as a loop.

use crate::fta::compile::{Node, NodeId};
use crate::fta::hash::NodeMap;

pub type BddRef = u32;
pub const FALSE: BddRef = 0;
pub const TRUE: BddRef = 1;

#[derive(Debug, Clone, Copy)]
pub struct BddNode {
    /// Position of the variable in the order; terminals sit below all.
    pub level: u32,
    pub low: BddRef,
    pub high: BddRef,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Operation {
    And,
    Or,
    Xor,
}

pub struct Bdd {
    pub nodes: Vec<BddNode>,
    /// The basic-event index of each level.
    pub variable_of_level: Vec<usize>,
    unique: NodeMap<(u32, BddRef, BddRef), BddRef>,
    computed: NodeMap<(Operation, BddRef, BddRef), BddRef>,
}

impl Bdd {
    /// Builds the diagram of `root`, ordering variables depth-first, left to
    /// right, as they are first met from the top: events that sit together in
    /// the tree stay together in the order, which keeps the diagram small.
    pub fn build(nodes: &[Node], root: NodeId, variable_count: usize) -> (Bdd, BddRef) {
        let variable_of_level = depth_first_variables(nodes, root, variable_count);
        let mut level_of_variable = vec![u32::MAX; variable_count];
        for (level, &variable) in variable_of_level.iter().enumerate() {
            level_of_variable[variable] = level as u32;
        }
        let terminal = BddNode {
            level: u32::MAX,
            low: FALSE,
            high: FALSE,
        };
        let mut bdd = Bdd {
            nodes: vec![terminal, terminal],
            variable_of_level,
            unique: NodeMap::default(),
            computed: NodeMap::default(),
        };
        let mut built: Vec<Option<BddRef>> = vec![None; nodes.len()];
        let result = bdd.convert(nodes, root, &level_of_variable, &mut built);
        // Analysis only reads the nodes; the tables would double peak memory.
        bdd.computed = NodeMap::default();
        bdd.unique = NodeMap::default();
        (bdd, result)
    }

    fn convert(
        &mut self,
        nodes: &[Node],
        node: NodeId,
        level_of_variable: &[u32],
        built: &mut Vec<Option<BddRef>>,
    ) -> BddRef {
        if let Some(result) = built[node] {
            return result;
        }
        let mut args = |bdd: &mut Bdd, ids: &[NodeId]| -> Vec<BddRef> {
            ids.iter()
                .map(|&id| bdd.convert(nodes, id, level_of_variable, built))
                .collect()
        };
        let result = match &nodes[node] {
            Node::Variable(variable) => self.make(level_of_variable[*variable], FALSE, TRUE),
            Node::Constant(value) => BddRef::from(*value),
            Node::And(ids) => {
                let args = args(self, ids);
                self.fold(Operation::And, args)
            }
            Node::Or(ids) => {
                let args = args(self, ids);
                self.fold(Operation::Or, args)
            }
            Node::Xor(ids) => {
                let args = args(self, ids);
                self.fold(Operation::Xor, args)
            }
            Node::Nand(ids) => {
                let args = args(self, ids);
                let and = self.fold(Operation::And, args);
                self.not(and)
            }
            Node::Nor(ids) => {
                let args = args(self, ids);
                let or = self.fold(Operation::Or, args);
                self.not(or)
            }
            Node::Not(id) => {
                let arg = self.convert(nodes, *id, level_of_variable, built);
                self.not(arg)
            }
            Node::AtLeast(min, ids) => {
                let args = args(self, ids);
                self.at_least(*min as usize, &args)
            }
        };
        built[node] = Some(result);
        result
    }

    fn fold(&mut self, operation: Operation, args: Vec<BddRef>) -> BddRef {
        let mut args = args.into_iter();
        let first = args.next().expect("gates have arguments");
        args.fold(first, |acc, arg| self.apply(operation, acc, arg))
    }

    /// At least `min` of `args`: counts[j] holds "at least j of the
    /// arguments seen so far", updated one argument at a time.
    fn at_least(&mut self, min: usize, args: &[BddRef]) -> BddRef {
        let mut counts = vec![FALSE; min + 1];
        counts[0] = TRUE;
        for &arg in args {
            for j in (1..=min).rev() {
                let with_arg = self.apply(Operation::And, arg, counts[j - 1]);
                counts[j] = self.apply(Operation::Or, counts[j], with_arg);
            }
        }
        counts[min]
    }

    fn not(&mut self, f: BddRef) -> BddRef {
        self.apply(Operation::Xor, f, TRUE)
    }

    fn make(&mut self, level: u32, low: BddRef, high: BddRef) -> BddRef {
        if low == high {
            return low;
        }
        let next = self.nodes.len() as BddRef;
        *self.unique.entry((level, low, high)).or_insert_with(|| {
            self.nodes.push(BddNode { level, low, high });
            next
        })
    }

    fn apply(&mut self, operation: Operation, f: BddRef, g: BddRef) -> BddRef {
        match operation {
            Operation::And => {
                if f == FALSE || g == FALSE {
                    return FALSE;
                }
                if f == TRUE || f == g {
                    return g;
                }
                if g == TRUE {
                    return f;
                }
            }
            Operation::Or => {
                if f == TRUE || g == TRUE {
                    return TRUE;
                }
                if f == FALSE || f == g {
                    return g;
                }
                if g == FALSE {
                    return f;
                }
            }
            Operation::Xor => {
                if f == g {
                    return FALSE;
                }
                if f == FALSE {
                    return g;
                }
                if g == FALSE {
                    return f;
                }
            }
        }
        let key = (operation, f.min(g), f.max(g));
        if let Some(&result) = self.computed.get(&key) {
            return result;
        }
        let (node_f, node_g) = (self.nodes[f as usize], self.nodes[g as usize]);
        let level = node_f.level.min(node_g.level);
        let (f_low, f_high) = if node_f.level == level {
            (node_f.low, node_f.high)
        } else {
            (f, f)
        };
        let (g_low, g_high) = if node_g.level == level {
            (node_g.low, node_g.high)
        } else {
            (g, g)
        };
        let low = self.apply(operation, f_low, g_low);
        let high = self.apply(operation, f_high, g_high);
        let result = self.make(level, low, high);
        self.computed.insert(key, result);
        result
    }

    /// Nodes reachable from `root`, in increasing index (children first).
    pub fn reachable(&self, root: BddRef) -> Vec<BddRef> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![root];
        let mut found = Vec::new();
        while let Some(node) = stack.pop() {
            if seen[node as usize] {
                continue;
            }
            seen[node as usize] = true;
            found.push(node);
            if node > TRUE {
                let BddNode { low, high, .. } = self.nodes[node as usize];
                stack.push(low);
                stack.push(high);
            }
        }
        found.sort_unstable();
        found
    }

    /// Probability of every reachable node given the variables' probabilities
    /// (indexed by basic event). Unreached entries stay zero.
    pub fn node_probabilities(&self, order: &[BddRef], variable_probability: &[f64]) -> Vec<f64> {
        let mut probability = vec![0.0; self.nodes.len()];
        probability[TRUE as usize] = 1.0;
        for &node in order.iter().filter(|&&node| node > TRUE) {
            let BddNode { level, low, high } = self.nodes[node as usize];
            let p = variable_probability[self.variable_of_level[level as usize]];
            probability[node as usize] =
                p * probability[high as usize] + (1.0 - p) * probability[low as usize];
        }
        probability
    }

    /// Birnbaum importance ∂P(top)/∂p(v) = P(top | v) − P(top | ¬v) of every
    /// variable, in one top-down pass: the chance of reaching each node times
    /// the difference its variable makes there.
    pub fn birnbaum(
        &self,
        root: BddRef,
        order: &[BddRef],
        node_probability: &[f64],
        variable_probability: &[f64],
    ) -> Vec<f64> {
        let mut importance = vec![0.0; variable_probability.len()];
        let mut reach = vec![0.0; self.nodes.len()];
        reach[root as usize] = 1.0;
        for &node in order.iter().rev().filter(|&&node| node > TRUE) {
            let BddNode { level, low, high } = self.nodes[node as usize];
            let variable = self.variable_of_level[level as usize];
            let p = variable_probability[variable];
            let here = reach[node as usize];
            reach[high as usize] += here * p;
            reach[low as usize] += here * (1.0 - p);
            importance[variable] +=
                here * (node_probability[high as usize] - node_probability[low as usize]);
        }
        importance
    }
}

fn depth_first_variables(nodes: &[Node], root: NodeId, variable_count: usize) -> Vec<usize> {
    let mut visited = vec![false; nodes.len()];
    let mut placed = vec![false; variable_count];
    let mut order = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if std::mem::replace(&mut visited[node], true) {
            continue;
        }
        let children: &[NodeId] = match &nodes[node] {
            Node::Variable(variable) => {
                if !std::mem::replace(&mut placed[*variable], true) {
                    order.push(*variable);
                }
                &[]
            }
            Node::Constant(_) => &[],
            Node::Not(child) => std::slice::from_ref(child),
            Node::And(ids)
            | Node::Or(ids)
            | Node::Xor(ids)
            | Node::Nand(ids)
            | Node::Nor(ids)
            | Node::AtLeast(_, ids) => ids,
        };
        stack.extend(children.iter().rev());
    }
    order
}
