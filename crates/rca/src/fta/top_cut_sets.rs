//! The most probable minimal cut sets, found on their ZBDD by best-first
//! search, for families too large to list.
//!
//! Each node gets the largest probability of a set below it (bottom-up:
//! the larger of its low branch's and its event's probability times its high
//! branch's). The search keeps partial paths from the root in a priority
//! queue, ordered by their probability so far times that bound, which is
//! the probability of the best set they can still reach: the first complete
//! path out of the queue is the most probable set, the next the second, and
//! so on, each found after at most a path's length of steps.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::fta::cut_sets::{BASE, EMPTY, Family, ZbddRef};

/// The bound and the set's own product are rounded differently (bottom-up
/// and top-down); sets within this relative distance of the k-th are taken
/// too, so that sorting them by their own products gives the exact order.
const SLACK: f64 = 1e-12;

/// Sets beyond k taken because they tie with the k-th (or lie within the
/// slack): past this many, the ones left out of a tie are those the search
/// meets last, which is deterministic but not by name.
pub const TIE_CAP: usize = 1 << 16;

/// A partial path of the search.
struct Candidate {
    bound: f64,
    /// Order of creation: ties in the bound go first-in, first-out, so the
    /// search is deterministic.
    sequence: u64,
    node: ZbddRef,
    probability: f64,
    /// The path's last high edge in the trail arena, or `NO_TRAIL`.
    trail: u32,
}

const NO_TRAIL: u32 = u32::MAX;

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bound
            .total_cmp(&other.bound)
            .then_with(|| other.sequence.cmp(&self.sequence))
    }
}

impl Family {
    /// At least the `k` most probable sets (fewer if the family has fewer),
    /// each as its probability (the product of `probability_of_level` over
    /// its events, in increasing level, as listing computes it) and its
    /// levels in increasing order; most probable first. Sets that tie with
    /// the k-th, or lie within rounding of it, come too (up to [`TIE_CAP`]),
    /// so that the caller can order ties by name and cut at k.
    pub fn most_probable(&self, probability_of_level: &[f64], k: usize) -> Vec<(f64, Vec<u32>)> {
        if k == 0 || self.root == EMPTY {
            return Vec::new();
        }
        // The largest probability of a set below each node; the empty family
        // (reached only as a low branch) has none.
        let mut best = vec![-1.0; self.nodes.len()];
        best[BASE as usize] = 1.0;
        for (index, node) in self.nodes.iter().enumerate().skip(2) {
            let with_event = probability_of_level[node.level as usize] * best[node.high as usize];
            best[index] = f64::max(best[node.low as usize], with_event);
        }
        // (level, previous entry) of every high edge taken by some path.
        let mut trails: Vec<(u32, u32)> = Vec::new();
        let mut queue = BinaryHeap::new();
        let mut sequence = 0;
        let mut push = |queue: &mut BinaryHeap<Candidate>, node, probability: f64, trail| {
            queue.push(Candidate {
                bound: probability * best[node as usize],
                sequence,
                node,
                probability,
                trail,
            });
            sequence += 1;
        };
        push(&mut queue, self.root, 1.0, NO_TRAIL);
        let mut found: Vec<(f64, Vec<u32>)> = Vec::new();
        let mut kth = f64::INFINITY;
        while let Some(candidate) = queue.pop() {
            if found.len() >= k
                && (candidate.bound < kth * (1.0 - SLACK) || found.len() >= k + TIE_CAP)
            {
                break;
            }
            if candidate.node == BASE {
                let mut levels = Vec::new();
                let mut trail = candidate.trail;
                while trail != NO_TRAIL {
                    let (level, previous) = trails[trail as usize];
                    levels.push(level);
                    trail = previous;
                }
                levels.reverse();
                found.push((candidate.probability, levels));
                if found.len() == k {
                    kth = found
                        .iter()
                        .map(|(probability, _)| *probability)
                        .fold(f64::INFINITY, f64::min);
                }
                continue;
            }
            let node = self.nodes[candidate.node as usize];
            if node.low != EMPTY {
                push(&mut queue, node.low, candidate.probability, candidate.trail);
            }
            trails.push((node.level, candidate.trail));
            let trail = (trails.len() - 1) as u32;
            let probability = candidate.probability * probability_of_level[node.level as usize];
            push(&mut queue, node.high, probability, trail);
        }
        found.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.1.len().cmp(&b.1.len()))
                .then_with(|| a.1.cmp(&b.1))
        });
        found
    }
}

#[cfg(test)]
mod tests {
    use crate::fta::zbdd_stats::tests::family_of;

    /// Every family of up to 12 random sets of 8 events, with probabilities
    /// that tie often: the search returns the listing's k most probable,
    /// in the same order, with the same products.
    #[test]
    fn most_probable_sets_are_the_listings_first() {
        let p = [0.1, 0.2, 0.1, 0.5, 0.2, 1e-3, 0.25, 0.05];
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        for round in 0..2000 {
            let count = next() % 13;
            let mut sets: Vec<Vec<u32>> = (0..count)
                .map(|_| {
                    let mask = next() % 256;
                    (0..8).filter(|e| mask >> e & 1 == 1).collect()
                })
                .collect();
            sets.sort();
            sets.dedup();
            let family = family_of(&sets);
            let mut listed: Vec<(f64, Vec<u32>)> = sets
                .iter()
                .map(|set| {
                    let mut product = 1.0;
                    for &e in set {
                        product *= p[e as usize];
                    }
                    (product, set.clone())
                })
                .collect();
            listed.sort_by(|a, b| {
                b.0.total_cmp(&a.0)
                    .then_with(|| a.1.len().cmp(&b.1.len()))
                    .then_with(|| a.1.cmp(&b.1))
            });
            let k = (next() % 6) as usize;
            let mut ours = family.most_probable(&p, k);
            assert!(ours.len() >= k.min(listed.len()), "round {round}");
            // What came beyond k ties with the k-th (within rounding).
            for extra in ours.iter().skip(k) {
                assert!(extra.0 >= ours[k - 1].0 * (1.0 - 1e-12), "round {round}");
            }
            ours.truncate(k);
            listed.truncate(k);
            assert_eq!(ours, listed, "round {round}");
        }
    }
}
