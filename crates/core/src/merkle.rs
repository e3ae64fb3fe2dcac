//! The Merkle tree over the global event log that checkpoints sign.
//!
//! Every event, whatever its stream, takes the next position in one log. A
//! checkpoint signs the log's size and the root of the tree over its leaves
//! (RFC 6962's Merkle Tree Hash, as Certificate Transparency uses it), so a
//! checkpoint stays the same size however many streams there are, and any
//! event removed, rewritten or reordered before that size changes the root.
//! [`LogBuilder`] computes the root of every prefix in one pass; inclusion
//! proofs let a bundle show that one event is in a signed log without the
//! rest of it.

use crate::timeline::hex;
use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// The leaf of one event: its stream, position in the stream and hash.
pub fn leaf_hash(stream: &str, seq: u64, event_hash: &str) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(format!("{stream}\n{seq}\n{event_hash}").as_bytes());
    hasher.finalize().into()
}

fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of an empty log.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

pub fn root_hex(root: &Hash) -> String {
    hex(root)
}

/// Appends leaves one at a time and answers the root of the log so far in
/// O(log n), keeping only the roots of the perfect subtrees that cover it.
#[derive(Debug, Clone, Default)]
pub struct LogBuilder {
    /// (height, root) of perfect subtrees, largest (leftmost) first.
    frontier: Vec<(u32, Hash)>,
    size: u64,
}

impl LogBuilder {
    pub fn push(&mut self, leaf: Hash) {
        let mut carry = (0u32, leaf);
        while let Some(&(height, left)) = self.frontier.last() {
            if height != carry.0 {
                break;
            }
            self.frontier.pop();
            carry = (height + 1, node_hash(&left, &carry.1));
        }
        self.frontier.push(carry);
        self.size += 1;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The subtree roots that stand for the log so far (height, hex), so the
    /// next checkpoint can go on from here without reading old events.
    pub fn frontier(&self) -> Vec<(u32, String)> {
        self.frontier
            .iter()
            .map(|(h, root)| (*h, hex(root)))
            .collect()
    }

    /// Goes on from a saved [`LogBuilder::frontier`] of a log of `size`
    /// leaves; None when the frontier cannot be that log's.
    pub fn resume(size: u64, frontier: &[(u32, String)]) -> Option<LogBuilder> {
        let mut heights = Vec::new();
        for bit in (0..64).rev() {
            if size & (1 << bit) != 0 {
                heights.push(bit);
            }
        }
        if heights.len() != frontier.len() {
            return None;
        }
        let subtrees = frontier
            .iter()
            .zip(heights)
            .map(|((height, text), expected)| {
                let root: Hash = crate::checkpoint::parse_hex(text)?.try_into().ok()?;
                (*height == expected).then_some((expected, root))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(LogBuilder {
            frontier: subtrees,
            size,
        })
    }

    /// RFC 6962's MTH of the leaves pushed so far: the subtrees folded from
    /// the right, since each split takes the largest power of two on the left.
    pub fn root(&self) -> Hash {
        let mut subtrees = self.frontier.iter().rev();
        let Some(&(_, mut root)) = subtrees.next() else {
            return empty_root();
        };
        for (_, left) in subtrees {
            root = node_hash(left, &root);
        }
        root
    }
}

/// The root over `leaves`.
pub fn root_of(leaves: &[Hash]) -> Hash {
    let mut builder = LogBuilder::default();
    for leaf in leaves {
        builder.push(*leaf);
    }
    builder.root()
}

fn largest_power_of_two_below(n: usize) -> usize {
    debug_assert!(n > 1);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The audit path of leaf `index` in the tree over `leaves` (RFC 6962 §2.1.1),
/// or None when `index` is outside it.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    let (mut low, mut high, mut at) = (0usize, leaves.len(), index);
    let mut siblings = Vec::new();
    while high - low > 1 {
        let split = largest_power_of_two_below(high - low);
        if at < split {
            siblings.push((low + split, high));
            high = low + split;
        } else {
            siblings.push((low, low + split));
            low += split;
            at -= split;
        }
    }
    while let Some((from, to)) = siblings.pop() {
        proof.push(root_of(&leaves[from..to]));
    }
    Some(proof)
}

/// Whether `proof` shows `leaf` at `index` in a log of `size` with `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(leaf: Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut position, mut last) = (index, size - 1);
    let mut hash = leaf;
    for sibling in proof {
        if last == 0 {
            return false;
        }
        if position % 2 == 1 || position == last {
            hash = node_hash(sibling, &hash);
            while position % 2 == 0 && position != 0 {
                position >>= 1;
                last >>= 1;
            }
        } else {
            hash = node_hash(&hash, sibling);
        }
        position >>= 1;
        last >>= 1;
    }
    last == 0 && hash == *root
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962's recursive definition, written out as the RFC states it.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = largest_power_of_two_below(n);
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash("INC-1", i as u64 + 1, &format!("{i:064x}")))
            .collect()
    }

    #[test]
    fn every_prefix_root_matches_the_recursive_definition() {
        let all = leaves(70);
        let mut builder = LogBuilder::default();
        assert_eq!(builder.root(), empty_root());
        for (i, leaf) in all.iter().enumerate() {
            builder.push(*leaf);
            assert_eq!(builder.root(), reference_root(&all[..=i]), "size {}", i + 1);
        }
        assert_eq!(builder.size(), 70);
    }

    #[test]
    fn a_resumed_builder_goes_on_as_if_never_stopped() {
        let all = leaves(45);
        let mut builder = LogBuilder::default();
        for leaf in &all[..29] {
            builder.push(*leaf);
        }
        let mut resumed = LogBuilder::resume(29, &builder.frontier()).unwrap();
        for leaf in &all[29..] {
            resumed.push(*leaf);
        }
        assert_eq!(resumed.root(), root_of(&all));
        assert!(LogBuilder::resume(30, &builder.frontier()).is_none());
    }

    #[test]
    fn inclusion_proofs_verify_for_every_leaf_and_size() {
        let all = leaves(21);
        for size in 1..=all.len() {
            let root = root_of(&all[..size]);
            for index in 0..size {
                let proof = inclusion_proof(&all[..size], index).unwrap();
                assert!(
                    verify_inclusion(all[index], index as u64, size as u64, &proof, &root),
                    "leaf {index} of {size}"
                );
                let other = (index + 1) % size;
                if other != index {
                    assert!(!verify_inclusion(
                        all[other],
                        index as u64,
                        size as u64,
                        &proof,
                        &root
                    ));
                }
            }
        }
        assert_eq!(inclusion_proof(&all, 21), None);
    }

    #[test]
    fn the_leaf_names_its_stream_and_position() {
        assert_ne!(leaf_hash("INC-1", 1, "ab"), leaf_hash("INC-2", 1, "ab"));
        assert_ne!(leaf_hash("INC-1", 1, "ab"), leaf_hash("INC-1", 2, "ab"));
    }
}
