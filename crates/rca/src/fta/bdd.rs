//! A reduced ordered binary decision diagram of a fault tree's top event,
//! and the exact quantities read from it: the top-event probability, and per
//! variable the Birnbaum importance and the probability of the top event with
//! the variable failed and with it working. Nodes are numbered so that children
//! always come before parents, which lets every pass run as a loop.

use crate::fta::bdd_tables::{ComputedCache, UniqueTable};
use crate::fta::budget::{CHECK_EVERY, Exhausted, vec_bytes};
use crate::fta::compile::{Node, NodeId};
use crate::fta::hash::NodeMap;

pub type BddRef = u32;
pub const FALSE: BddRef = 0;
pub const TRUE: BddRef = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BddNode {
    /// Position of the variable in the order; terminals sit below all.
    pub level: u32,
    pub low: BddRef,
    pub high: BddRef,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    And,
    Or,
    Xor,
}

pub struct Bdd {
    pub nodes: Vec<BddNode>,
    /// The basic-event index of each level.
    pub variable_of_level: Vec<usize>,
    unique: UniqueTable,
    computed: ComputedCache,
    /// Bytes the diagram and its tables may take while it is built.
    budget: u64,
    /// Set when they would take more: every operation then returns at once.
    exhausted: bool,
}

impl Bdd {
    /// Builds the diagram of `root`, ordering variables depth-first, left to
    /// right, as they are first met from the top: events that sit together in
    /// the tree stay together in the order, which keeps the diagram small.
    /// Stops when the diagram and its tables would take more than `budget`
    /// bytes.
    pub fn build(
        nodes: &[Node],
        root: NodeId,
        variable_count: usize,
        budget: u64,
    ) -> Result<(Bdd, BddRef), Exhausted> {
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
            unique: UniqueTable::default(),
            computed: ComputedCache::default(),
            budget,
            exhausted: false,
        };
        let mut built: Vec<Option<BddRef>> = vec![None; nodes.len()];
        let result = bdd.convert(nodes, root, &level_of_variable, &mut built);
        bdd.check_budget();
        // Analysis only reads the nodes; the tables would double peak memory.
        bdd.computed = ComputedCache::default();
        bdd.unique = UniqueTable::default();
        if bdd.exhausted {
            return Err(Exhausted {
                phase: "building the BDD",
            });
        }
        let root = bdd.keep_reachable(result);
        Ok((bdd, root))
    }

    /// Keeps only the nodes reachable from `root`, renumbered in their order
    /// (so children still come first), and returns the root's new number:
    /// the operations leave more intermediate nodes than the result has
    /// (on CEA9601 two thirds of six million), and every array of the
    /// analysis is indexed by node.
    fn keep_reachable(&mut self, root: BddRef) -> BddRef {
        const UNSEEN: BddRef = BddRef::MAX;
        let mut renumbered = vec![UNSEEN; self.nodes.len()];
        renumbered[FALSE as usize] = FALSE;
        renumbered[TRUE as usize] = TRUE;
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if renumbered[node as usize] == UNSEEN {
                // Reached; numbered below.
                renumbered[node as usize] = UNSEEN - 1;
                let BddNode { low, high, .. } = self.nodes[node as usize];
                stack.push(low);
                stack.push(high);
            }
        }
        let mut kept = 2;
        for index in 2..self.nodes.len() {
            if renumbered[index] == UNSEEN - 1 {
                let BddNode { level, low, high } = self.nodes[index];
                self.nodes[kept] = BddNode {
                    level,
                    low: renumbered[low as usize],
                    high: renumbered[high as usize],
                };
                renumbered[index] = kept as BddRef;
                kept += 1;
            }
        }
        self.nodes.truncate(kept);
        self.nodes.shrink_to_fit();
        renumbered[root as usize]
    }

    /// Bytes the nodes and tables take now.
    pub fn bytes(&self) -> u64 {
        vec_bytes(&self.nodes) + vec_bytes(&self.unique.slots) + vec_bytes(&self.computed.entries)
    }

    fn check_budget(&mut self) {
        if self.bytes() > self.budget {
            self.exhausted = true;
        }
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
        if low == high || self.exhausted {
            return low;
        }
        let node = self
            .unique
            .find_or_add(&mut self.nodes, BddNode { level, low, high });
        if self.nodes.len().is_multiple_of(CHECK_EVERY) {
            self.computed.fit(self.nodes.len());
            self.check_budget();
        }
        node
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
        if self.exhausted {
            return FALSE;
        }
        let key = (operation, f.min(g), f.max(g));
        if let Some(result) = self.computed.get(key) {
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

    /// What each variable does to the probability of `root`: the Birnbaum
    /// importance ∂P(top)/∂p(x), and P(top | x) and P(top | ¬x) for the risk
    /// worths, indexed by basic event (variables off the diagram get zero
    /// Birnbaum and both conditionals equal to P(top)).
    ///
    /// # Method
    ///
    /// No quantity is formed as the difference of two separately rounded
    /// totals. With reach(v) the probability of a path from the root to v:
    ///
    /// - Birnbaum(x) = Σ reach(v)·(P(high(v)) − P(low(v))) over the nodes v
    ///   of x. The differences are not taken from the float node
    ///   probabilities: `difference(a, b)` = P(a) − P(b) is taken from
    ///   double-double node probabilities (106 bits) where their rounding
    ///   error, bounded by the path length below each node, is under 2⁻⁴⁷
    ///   of the difference; otherwise it recurses through the two diagrams
    ///   together, q·difference(a₁, b₁) + (1 − q)·difference(a₀, b₀) at the
    ///   upper variable (probability q), down to such pairs, equal nodes (0)
    ///   or different terminals (±1): the probability of a ∧ ¬b minus that
    ///   of b ∧ ¬a, computed on the diagram.
    /// - P(top | x) and P(top | ¬x) are sums over the paths to `true`: those
    ///   through a node v of x contribute reach(v)·P(high(v)), respectively
    ///   reach(v)·P(low(v)), and those that skip x's level contribute to both.
    ///   The skipping mass is collected per level by adding reach(u)·q·P(w)
    ///   of every edge u → w to the levels strictly between them, in a
    ///   segment tree, so it too is a sum of non-negative terms.
    ///
    /// # Error bound
    ///
    /// For a coherent function (AND, OR, at-least gates) high(v) ⊇ low(v), so
    /// every cofactor pair of a difference is ordered too and every term of
    /// every sum above is a product of non-negative numbers. Each level of
    /// the diagram then adds at most three roundings (q·a, (1 − q)·b, the
    /// sum) and each addition of a sum one more, and each difference starts
    /// with a relative error of at most 2⁻⁴⁷, so every result has a relative
    /// error of at most 2⁻⁴⁷ + γₘ, γₘ = m·u/(1 − m·u), u = 2⁻⁵³, with m
    /// about 3·(number of levels) plus the largest number of parents a node
    /// has: below 1e-13 for a few hundred events (for probabilities above
    /// about 1e-290, where Dekker's product stays exact), and in practice far
    /// below that
    /// (the exactness test in `fta::exactness` measures it against rational
    /// arithmetic). For a non-coherent function the difference recursion may
    /// meet terms of both signs; the error is then bounded relative to
    /// P(f₁ ∧ ¬f₀) + P(f₀ ∧ ¬f₁) instead of to the Birnbaum value itself.
    pub fn sensitivities(
        &self,
        root: BddRef,
        order: &[BddRef],
        node_probability: &[f64],
        variable_probability: &[f64],
    ) -> Vec<Sensitivity> {
        let levels = self.variable_of_level.len();
        let level_of = |node: BddRef| -> usize {
            if node <= TRUE {
                levels
            } else {
                self.nodes[node as usize].level as usize
            }
        };
        let mut reach = vec![0.0; self.nodes.len()];
        reach[root as usize] = 1.0;
        let mut skipping = LevelSums::new(levels);
        skipping.add(0, level_of(root), node_probability[root as usize]);
        let mut through = vec![(0.0, 0.0, 0.0); levels];
        let mut differences = Differences::new(self, order, variable_probability);
        for &node in order.iter().rev().filter(|&&node| node > TRUE) {
            let BddNode { level, low, high } = self.nodes[node as usize];
            let p = variable_probability[self.variable_of_level[level as usize]];
            let here = reach[node as usize];
            reach[high as usize] += here * p;
            reach[low as usize] += here * (1.0 - p);
            let below = level as usize + 1;
            skipping.add(
                below,
                level_of(high),
                here * p * node_probability[high as usize],
            );
            skipping.add(
                below,
                level_of(low),
                here * (1.0 - p) * node_probability[low as usize],
            );
            let (birnbaum, on, off) = &mut through[level as usize];
            *birnbaum += here * differences.of(high, low);
            *on += here * node_probability[high as usize];
            *off += here * node_probability[low as usize];
        }
        let total = node_probability[root as usize];
        let mut sensitivities = vec![
            Sensitivity {
                birnbaum: 0.0,
                on: total,
                off: total,
            };
            variable_probability.len()
        ];
        for (level, &(birnbaum, on, off)) in through.iter().enumerate() {
            let skipped = skipping.at(level);
            sensitivities[self.variable_of_level[level]] = Sensitivity {
                birnbaum,
                on: skipped + on,
                off: skipped + off,
            };
        }
        sensitivities
    }
}

/// What one variable does to the top event's probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sensitivity {
    /// ∂P(top)/∂p = P(top | x) − P(top | ¬x).
    pub birnbaum: f64,
    /// P(top | x): the variable always failed.
    pub on: f64,
    /// P(top | ¬x): the variable never failed.
    pub off: f64,
}

/// P(a) − P(b) for pairs of nodes. Node probabilities are held in
/// double-double arithmetic (about 106 bits), which leaves the difference of
/// two nearly equal ones accurate unless they agree to some 14 digits; only
/// then does the difference recurse through both diagrams, one level at a
/// time, to pairs whose difference is accurate, or to terminals.
struct Differences<'b> {
    bdd: &'b Bdd,
    variable_probability: &'b [f64],
    /// Per node: its probability and the length of the longest path below
    /// it, which bounds the rounding error of that probability.
    double: Vec<(DoubleDouble, u32)>,
    memo: NodeMap<(BddRef, BddRef), f64>,
}

/// A relative error a difference may carry: 2⁻⁴⁷ ≈ 7e-15.
const DIFFERENCE_TOLERANCE: f64 = 1.0 / (1u64 << 47) as f64;
/// A bound on the relative rounding error one level of double-double
/// evaluation adds (two products and a sum of non-negative numbers, a few
/// units of 2⁻¹⁰⁶ each).
const LEVEL_ERROR: f64 = 16.0 / (1u128 << 106) as f64;

impl<'b> Differences<'b> {
    fn new(bdd: &'b Bdd, order: &[BddRef], variable_probability: &'b [f64]) -> Differences<'b> {
        let mut double = vec![(DoubleDouble::default(), 0); bdd.nodes.len()];
        double[TRUE as usize].0 = DoubleDouble::from(1.0);
        for &node in order.iter().filter(|&&node| node > TRUE) {
            let BddNode { level, low, high } = bdd.nodes[node as usize];
            let p = variable_probability[bdd.variable_of_level[level as usize]];
            let (high, high_length) = double[high as usize];
            let (low, low_length) = double[low as usize];
            let probability = DoubleDouble::from(p)
                .mul(high)
                .add(DoubleDouble::one_minus(p).mul(low));
            double[node as usize] = (probability, 1 + high_length.max(low_length));
        }
        Differences {
            bdd,
            variable_probability,
            double,
            memo: NodeMap::default(),
        }
    }

    fn of(&mut self, a: BddRef, b: BddRef) -> f64 {
        if a == b {
            return 0.0;
        }
        let ((p_a, length_a), (p_b, length_b)) = (self.double[a as usize], self.double[b as usize]);
        let difference = p_a.add(p_b.negated());
        let error = LEVEL_ERROR * (f64::from(length_a) * p_a.hi + f64::from(length_b) * p_b.hi);
        if error <= DIFFERENCE_TOLERANCE * difference.hi.abs() {
            return difference.hi + difference.lo;
        }
        if let Some(&difference) = self.memo.get(&(a, b)) {
            return difference;
        }
        let (node_a, node_b) = (self.bdd.nodes[a as usize], self.bdd.nodes[b as usize]);
        let level = node_a.level.min(node_b.level);
        let cofactors = |node: BddNode, of: BddRef| {
            if node.level == level {
                (node.low, node.high)
            } else {
                (of, of)
            }
        };
        let (a_low, a_high) = cofactors(node_a, a);
        let (b_low, b_high) = cofactors(node_b, b);
        let q = self.variable_probability[self.bdd.variable_of_level[level as usize]];
        let difference = q * self.of(a_high, b_high) + (1.0 - q) * self.of(a_low, b_low);
        self.memo.insert((a, b), difference);
        difference
    }
}

/// An unevaluated sum hi + lo of two floats, |lo| ≤ ulp(hi)/2: about 106
/// bits of precision, by the error-free transformations of Dekker and Knuth.
#[derive(Debug, Clone, Copy, Default)]
struct DoubleDouble {
    hi: f64,
    lo: f64,
}

impl From<f64> for DoubleDouble {
    fn from(value: f64) -> DoubleDouble {
        DoubleDouble { hi: value, lo: 0.0 }
    }
}

impl DoubleDouble {
    /// 1 − p, exactly.
    fn one_minus(p: f64) -> DoubleDouble {
        let (hi, lo) = two_sum(1.0, -p);
        DoubleDouble { hi, lo }
    }

    fn negated(self) -> DoubleDouble {
        DoubleDouble {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    fn add(self, other: DoubleDouble) -> DoubleDouble {
        let (sum, error) = two_sum(self.hi, other.hi);
        let (hi, lo) = fast_two_sum(sum, error + self.lo + other.lo);
        DoubleDouble { hi, lo }
    }

    fn mul(self, other: DoubleDouble) -> DoubleDouble {
        let (product, error) = two_product(self.hi, other.hi);
        let (hi, lo) = fast_two_sum(product, error + self.hi * other.lo + self.lo * other.hi);
        DoubleDouble { hi, lo }
    }
}

/// a + b = s + e exactly (Knuth).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let sum = a + b;
    let b_virtual = sum - a;
    let error = (a - (sum - b_virtual)) + (b - b_virtual);
    (sum, error)
}

/// a + b = s + e exactly, for |a| ≥ |b| (Dekker).
fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let sum = a + b;
    (sum, b - (sum - a))
}

/// a · b = p + e exactly (Dekker's product with Veltkamp's splitting), for
/// products far from the float range's ends, as probabilities are.
fn two_product(a: f64, b: f64) -> (f64, f64) {
    let split = |x: f64| {
        let scaled = 134_217_729.0 * x;
        let high = scaled - (scaled - x);
        (high, x - high)
    };
    let product = a * b;
    let ((a_high, a_low), (b_high, b_low)) = (split(a), split(b));
    let error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low;
    (product, error)
}

/// Sums over ranges of levels of non-negative amounts: `add` puts an amount
/// on every level of a range, `at` reads one level's total. A segment tree,
/// so that no total is ever formed by subtraction.
struct LevelSums {
    leaves: usize,
    tree: Vec<f64>,
}

impl LevelSums {
    fn new(levels: usize) -> LevelSums {
        let leaves = levels.max(1).next_power_of_two();
        LevelSums {
            leaves,
            tree: vec![0.0; 2 * leaves],
        }
    }

    /// Adds `amount` to the levels `start..end`.
    fn add(&mut self, start: usize, end: usize, amount: f64) {
        let (mut start, mut end) = (start + self.leaves, end + self.leaves);
        while start < end {
            if start & 1 == 1 {
                self.tree[start] += amount;
                start += 1;
            }
            if end & 1 == 1 {
                end -= 1;
                self.tree[end] += amount;
            }
            start >>= 1;
            end >>= 1;
        }
    }

    fn at(&self, level: usize) -> f64 {
        let mut index = level + self.leaves;
        let mut total = 0.0;
        while index > 0 {
            total += self.tree[index];
            index >>= 1;
        }
        total
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
