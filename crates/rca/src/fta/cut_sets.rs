//! Minimal cut sets from the BDD, held in a zero-suppressed decision diagram
//! (ZBDD) so that families sharing events share nodes.
//!
//! A path of the BDD to `true` gives the basic events that are failed on it;
//! complemented events (from NOT, XOR, NAND, NOR) are dropped, as SCRAM does
//! when it is not asked for prime implicants. The minimal families of these
//! sets are the minimal cut sets; for a coherent tree they are the classic
//! ones, for a non-coherent tree the minimal failure combinations.

use crate::fta::bdd::{Bdd, BddRef};
use crate::fta::hash::NodeMap;

type ZbddRef = u32;
const EMPTY: ZbddRef = 0;
const BASE: ZbddRef = 1;

#[derive(Clone, Copy)]
struct ZbddNode {
    level: u32,
    low: ZbddRef,
    high: ZbddRef,
}

/// Minimal cut sets of the BDD rooted at `root` with at most `limit_order`
/// events, each as a list of levels of the BDD's variable order.
pub fn minimal_cut_sets(bdd: &Bdd, root: BddRef, limit_order: usize) -> Vec<Vec<u32>> {
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
    };
    let family = zbdd.minimal(bdd, root, limit_order as u32);
    // Enumeration needs only the nodes; free the tables before the sets grow.
    zbdd.unique = NodeMap::default();
    zbdd.converted = NodeMap::default();
    zbdd.without = NodeMap::default();
    let mut sets = Vec::new();
    zbdd.collect(family, &mut Vec::new(), &mut sets);
    sets
}

struct Zbdd {
    nodes: Vec<ZbddNode>,
    unique: NodeMap<(u32, ZbddRef, ZbddRef), ZbddRef>,
    converted: NodeMap<(BddRef, u32), ZbddRef>,
    without: NodeMap<(ZbddRef, ZbddRef), ZbddRef>,
}

impl Zbdd {
    fn make(&mut self, level: u32, low: ZbddRef, high: ZbddRef) -> ZbddRef {
        if high == EMPTY {
            return low;
        }
        let next = self.nodes.len() as ZbddRef;
        *self.unique.entry((level, low, high)).or_insert_with(|| {
            self.nodes.push(ZbddNode { level, low, high });
            next
        })
    }

    /// The minimal sets of at most `limit` events among the failure sets of
    /// `node`: those without the node's variable come from the low branch,
    /// those with it from the high branch, minus any that contain a set of
    /// the low branch.
    fn minimal(&mut self, bdd: &Bdd, node: BddRef, limit: u32) -> ZbddRef {
        if node <= 1 {
            return node;
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
        if subsumers == EMPTY || family == BASE {
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
        result
    }

    fn collect(&self, family: ZbddRef, current: &mut Vec<u32>, sets: &mut Vec<Vec<u32>>) {
        match family {
            EMPTY => {}
            BASE => sets.push(current.clone()),
            _ => {
                let node = self.nodes[family as usize];
                current.push(node.level);
                self.collect(node.high, current, sets);
                current.pop();
                self.collect(node.low, current, sets);
            }
        }
    }
}
