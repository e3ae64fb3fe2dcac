//! Minimal cut sets from the BDD, held in a zero-suppressed decision diagram
//! (ZBDD) so that families sharing events share nodes.
//!
//! A path of the BDD to `true` gives the basic events that are failed on it;
//! complemented events (from NOT, XOR, NAND, NOR) are dropped, as SCRAM does
//! when it is not asked for prime implicants. The minimal families of these
//! sets are the minimal cut sets; for a coherent tree they are the classic
//! ones, for a non-coherent tree the minimal failure combinations.

use crate::fta::bdd::{Bdd, BddRef};
use crate::fta::budget::{CHECK_EVERY, Exhausted, table_bytes, vec_bytes};
use crate::fta::hash::NodeMap;

pub(crate) type ZbddRef = u32;
/// The empty family.
pub(crate) const EMPTY: ZbddRef = 0;
/// The family of the empty set alone.
pub(crate) const BASE: ZbddRef = 1;

/// A node of the ZBDD: the sets of `low`, and those of `high` with the event
/// at `level` added. Children always have smaller indices than their parents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ZbddNode {
    pub level: u32,
    pub low: ZbddRef,
    pub high: ZbddRef,
}

/// Bytes a cut set of these events will take once returned, beyond the
/// events' own costs: its vectors of levels, of variables and of names, and
/// the probability.
pub const CUT_SET_BYTES: u64 = 3 * 24 + 16;

/// The minimal cut sets of a top event as a ZBDD: only the nodes reachable
/// from `root`, children before parents, terminals at 0 and 1.
pub(crate) struct Family {
    pub nodes: Vec<ZbddNode>,
    pub root: ZbddRef,
}

/// The ZBDD of the minimal cut sets of the BDD rooted at `root` with at most
/// `limit_order` events, their events as levels of the BDD's variable order.
/// Stops when the ZBDD and its tables would take more than `budget` bytes.
pub(crate) fn minimal_cut_set_family(
    bdd: &Bdd,
    root: BddRef,
    limit_order: usize,
    budget: u64,
) -> Result<Family, Exhausted> {
    let terminal = ZbddNode {
        level: u32::MAX,
        low: EMPTY,
        high: EMPTY,
    };
    let mut zbdd = Zbdd {
        nodes: vec![terminal, terminal],
        unique: NodeMap::default(),
        converted: NodeMap::default(),
        without: NodeMap::default(),
        budget,
        exhausted: false,
    };
    let limit = u32::try_from(limit_order).unwrap_or(u32::MAX);
    let family = zbdd.minimal(bdd, root, limit);
    if zbdd.exhausted || zbdd.bytes() > budget {
        return Err(Exhausted {
            phase: "building the ZBDD of minimal cut sets",
        });
    }
    // Only the nodes are needed from here on; free the tables first.
    let nodes = std::mem::take(&mut zbdd.nodes);
    drop(zbdd);
    Ok(Family::reachable(nodes, family))
}

impl Family {
    /// Keeps the nodes reachable from `root`, renumbered in their order: the
    /// operations leave many intermediate nodes no set goes through.
    fn reachable(mut nodes: Vec<ZbddNode>, root: ZbddRef) -> Family {
        let mut renumbered = vec![u32::MAX; nodes.len()];
        renumbered[EMPTY as usize] = EMPTY;
        renumbered[BASE as usize] = BASE;
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if renumbered[node as usize] == u32::MAX {
                // Marked as reached; numbered below.
                renumbered[node as usize] = u32::MAX - 1;
                let ZbddNode { low, high, .. } = nodes[node as usize];
                stack.push(low);
                stack.push(high);
            }
        }
        let mut kept = 2;
        for index in 2..nodes.len() {
            if renumbered[index] == u32::MAX - 1 {
                let ZbddNode { level, low, high } = nodes[index];
                nodes[kept] = ZbddNode {
                    level,
                    low: renumbered[low as usize],
                    high: renumbered[high as usize],
                };
                renumbered[index] = kept as ZbddRef;
                kept += 1;
            }
        }
        nodes.truncate(kept);
        nodes.shrink_to_fit();
        Family {
            root: renumbered[root as usize],
            nodes,
        }
    }

    /// Bytes the nodes take.
    pub fn bytes(&self) -> u64 {
        vec_bytes(&self.nodes)
    }

    /// Lists the sets, each as its levels in increasing order; stops when
    /// they would take more than `budget` bytes with the diagram, a set
    /// costing [`CUT_SET_BYTES`] plus `cost_of_level` for each of its events.
    pub fn list(&self, budget: u64, cost_of_level: &[u64]) -> Result<Vec<Vec<u32>>, Exhausted> {
        let mut collector = Collector {
            sets: Vec::new(),
            current: Vec::new(),
            bytes: self.bytes(),
            budget,
            cost_of_level,
        };
        if self.collect(self.root, &mut collector) {
            Ok(collector.sets)
        } else {
            Err(Exhausted {
                phase: "listing the minimal cut sets",
            })
        }
    }

    /// Lists the sets of `family`; false when they would pass the budget.
    fn collect(&self, family: ZbddRef, collector: &mut Collector) -> bool {
        match family {
            EMPTY => true,
            BASE => {
                let set = collector.current.clone();
                collector.bytes += CUT_SET_BYTES
                    + set
                        .iter()
                        .map(|&level| collector.cost_of_level[level as usize])
                        .sum::<u64>();
                collector.sets.push(set);
                collector.bytes + vec_bytes(&collector.sets) <= collector.budget
            }
            _ => {
                let node = self.nodes[family as usize];
                collector.current.push(node.level);
                let within = self.collect(node.high, collector);
                collector.current.pop();
                within && self.collect(node.low, collector)
            }
        }
    }
}

/// The sets listed so far and what they will cost.
struct Collector<'c> {
    sets: Vec<Vec<u32>>,
    current: Vec<u32>,
    bytes: u64,
    budget: u64,
    cost_of_level: &'c [u64],
}

struct Zbdd {
    nodes: Vec<ZbddNode>,
    unique: NodeMap<(u32, ZbddRef, ZbddRef), ZbddRef>,
    converted: NodeMap<(BddRef, u32), ZbddRef>,
    without: NodeMap<(ZbddRef, ZbddRef), ZbddRef>,
    budget: u64,
    /// Set when the tables would pass the budget: every operation then
    /// returns at once.
    exhausted: bool,
}

impl Zbdd {
    fn bytes(&self) -> u64 {
        vec_bytes(&self.nodes)
            + table_bytes(&self.unique)
            + table_bytes(&self.converted)
            + table_bytes(&self.without)
    }

    fn check_budget(&mut self, entries: usize) {
        if entries.is_multiple_of(CHECK_EVERY) && self.bytes() > self.budget {
            self.exhausted = true;
        }
    }

    fn make(&mut self, level: u32, low: ZbddRef, high: ZbddRef) -> ZbddRef {
        if high == EMPTY || self.exhausted {
            return low;
        }
        let next = self.nodes.len() as ZbddRef;
        let node = *self.unique.entry((level, low, high)).or_insert_with(|| {
            self.nodes.push(ZbddNode { level, low, high });
            next
        });
        self.check_budget(self.nodes.len());
        node
    }

    /// The minimal sets of at most `limit` events among the failure sets of
    /// `node`: those without the node's variable come from the low branch,
    /// those with it from the high branch, minus any that contain a set of
    /// the low branch.
    fn minimal(&mut self, bdd: &Bdd, node: BddRef, limit: u32) -> ZbddRef {
        if node <= 1 {
            return node;
        }
        if self.exhausted {
            return EMPTY;
        }
        if let Some(&result) = self.converted.get(&(node, limit)) {
            return result;
        }
        let bdd_node = bdd.nodes[node as usize];
        let low = self.minimal(bdd, bdd_node.low, limit);
        let result = if limit == 0 {
            low
        } else {
            let high = self.minimal(bdd, bdd_node.high, limit - 1);
            let high = self.without(high, low);
            self.make(bdd_node.level, low, high)
        };
        self.converted.insert((node, limit), result);
        self.check_budget(self.converted.len());
        result
    }

    fn contains_empty_set(&self, mut family: ZbddRef) -> bool {
        while family > BASE {
            family = self.nodes[family as usize].low;
        }
        family == BASE
    }

    /// The sets of `family` that contain no set of `subsumers`.
    fn without(&mut self, family: ZbddRef, subsumers: ZbddRef) -> ZbddRef {
        if family == EMPTY || family == subsumers || self.contains_empty_set(subsumers) {
            return EMPTY;
        }
        if subsumers == EMPTY || family == BASE || self.exhausted {
            return family;
        }
        if let Some(&result) = self.without.get(&(family, subsumers)) {
            return result;
        }
        let f = self.nodes[family as usize];
        let g = self.nodes[subsumers as usize];
        let result = if f.level < g.level {
            let low = self.without(f.low, subsumers);
            let high = self.without(f.high, subsumers);
            self.make(f.level, low, high)
        } else if g.level < f.level {
            self.without(family, g.low)
        } else {
            let low = self.without(f.low, g.low);
            let high = self.without(f.high, g.high);
            let high = self.without(high, g.low);
            self.make(f.level, low, high)
        };
        self.without.insert((family, subsumers), result);
        self.check_budget(self.without.len());
        result
    }
}
