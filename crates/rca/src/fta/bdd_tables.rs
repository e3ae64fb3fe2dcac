//! The hash tables that build a BDD: the unique table, which keeps each
//! node once, and the lossy computed cache of operation results.

use crate::fta::bdd::{BddNode, BddRef, Operation};

/// The unique table: an open-addressing set of node indices, hashed by the
/// node they stand for, four bytes a slot (a map from (level, low, high) to
/// the index would take seventeen). Slot 0 is free: terminals are never
/// stored.
#[derive(Default)]
pub(super) struct UniqueTable {
    pub slots: Vec<BddRef>,
    len: usize,
}

impl UniqueTable {
    /// The index of `node` in `nodes`, added there if it is new.
    pub fn find_or_add(&mut self, nodes: &mut Vec<BddNode>, node: BddNode) -> BddRef {
        // At most three quarters full.
        if 4 * (self.len + 1) > 3 * self.slots.len() {
            self.grow(nodes);
        }
        let mask = self.slots.len() - 1;
        let mut slot = node_hash(node) as usize & mask;
        loop {
            match self.slots[slot] {
                0 => {
                    let index = nodes.len() as BddRef;
                    nodes.push(node);
                    self.slots[slot] = index;
                    self.len += 1;
                    return index;
                }
                index if nodes[index as usize] == node => return index,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    fn grow(&mut self, nodes: &[BddNode]) {
        let size = (2 * self.slots.len()).max(1 << 10);
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        let mask = size - 1;
        for index in old.into_iter().filter(|&index| index != 0) {
            let mut slot = node_hash(nodes[index as usize]) as usize & mask;
            while self.slots[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = index;
        }
    }
}

fn node_hash(node: BddNode) -> u64 {
    let hash = u64::from(node.level).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ u64::from(node.low).wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
        ^ u64::from(node.high).wrapping_mul(0x1656_67b1_9e37_79f9);
    hash ^ hash >> 31
}

/// The computed table: a lossy cache of operation results, one entry per
/// slot, a new result overwriting what sat in its slot (as CUDD and BuDDy
/// do). Its size follows the diagram's, between a quarter and a half of the
/// node count, so that it never holds more than the diagram itself.
#[derive(Default)]
pub(super) struct ComputedCache {
    pub entries: Vec<CacheEntry>,
}

#[derive(Clone, Copy, Default)]
pub(super) struct CacheEntry {
    /// 0 for an empty slot, else 1 + the operation.
    operation: u8,
    f: BddRef,
    g: BddRef,
    result: BddRef,
}

impl ComputedCache {
    const SMALLEST: usize = 1 << 12;

    fn tag(operation: Operation) -> u8 {
        match operation {
            Operation::And => 1,
            Operation::Or => 2,
            Operation::Xor => 3,
        }
    }

    fn slot(&self, (operation, f, g): (Operation, BddRef, BddRef)) -> usize {
        let hash = u64::from(f).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ u64::from(g).wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
            ^ u64::from(Self::tag(operation));
        (hash ^ hash >> 29) as usize & (self.entries.len() - 1)
    }

    pub fn get(&self, key: (Operation, BddRef, BddRef)) -> Option<BddRef> {
        if self.entries.is_empty() {
            return None;
        }
        let entry = self.entries[self.slot(key)];
        (entry.operation == Self::tag(key.0) && entry.f == key.1 && entry.g == key.2)
            .then_some(entry.result)
    }

    pub fn insert(&mut self, key: (Operation, BddRef, BddRef), result: BddRef) {
        if self.entries.is_empty() {
            self.entries = vec![CacheEntry::default(); Self::SMALLEST];
        }
        let slot = self.slot(key);
        self.entries[slot] = CacheEntry {
            operation: Self::tag(key.0),
            f: key.1,
            g: key.2,
            result,
        };
    }

    /// Doubles the cache (emptied) once the diagram has four times its
    /// entries.
    pub fn fit(&mut self, nodes: usize) {
        if nodes >= 4 * self.entries.len().max(Self::SMALLEST) {
            self.entries = vec![CacheEntry::default(); 2 * self.entries.len().max(Self::SMALLEST)];
        }
    }
}
