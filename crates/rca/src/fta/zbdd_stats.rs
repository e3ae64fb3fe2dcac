//! What the minimal cut sets add up to, read from their ZBDD without listing
//! them: how many there are (in total and per order), how many contain each
//! event, what listing them would take, and the sums of their probabilities
//! that the rare-event approximation and the min-cut upper bound need.
//!
//! A family's sets are its ZBDD's paths from the root to the `BASE`
//! terminal, a set's events the levels of the nodes whose high edge the path
//! takes. Every quantity here is a sum over those paths, computed per node
//! in one pass over the nodes (children come before parents), so the cost is
//! linear in the diagram, however many sets it holds.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::fta::cut_sets::{BASE, EMPTY, Family, ZbddNode};

/// A number of sets: exact below `u128::MAX`, where it saturates (and then
/// means "at least this many"). JSON writes it as a number when it fits in
/// 64 bits, else as a string of its decimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct SetCount(pub u128);

impl SetCount {
    pub fn is_saturated(self) -> bool {
        self.0 == u128::MAX
    }

    fn add(self, other: SetCount) -> SetCount {
        SetCount(self.0.saturating_add(other.0))
    }

    fn mul(self, other: SetCount) -> SetCount {
        SetCount(self.0.saturating_mul(other.0))
    }
}

impl fmt::Display for SetCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_saturated() {
            write!(f, "at least {}", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl Serialize for SetCount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match u64::try_from(self.0) {
            Ok(small) => serializer.serialize_u64(small),
            Err(_) => serializer.serialize_str(&self.0.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for SetCount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SetCount, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(u64),
            Text(String),
        }
        match Written::deserialize(deserializer)? {
            Written::Number(count) => Ok(SetCount(u128::from(count))),
            Written::Text(text) => text
                .parse()
                .map(SetCount)
                .map_err(|_| D::Error::custom(format!("a set count is a number, not \"{text}\""))),
        }
    }
}

impl Family {
    /// The number of sets below each node, bottom-up: a node has the sets
    /// of its low branch and, with its event added, those of its high one.
    pub fn counts_below(&self) -> Vec<SetCount> {
        let mut count = vec![SetCount(0); self.nodes.len()];
        count[BASE as usize] = SetCount(1);
        for (index, node) in self.nodes.iter().enumerate().skip(2) {
            count[index] = count[node.low as usize].add(count[node.high as usize]);
        }
        count
    }

    /// The number of paths from the root to each node, top-down: the second,
    /// independent way of counting the sets, which are the paths to `BASE`.
    pub fn paths_from_root(&self) -> Vec<SetCount> {
        let mut paths = vec![SetCount(0); self.nodes.len()];
        paths[self.root as usize] = SetCount(1);
        for index in (2..self.nodes.len()).rev() {
            let here = paths[index];
            let ZbddNode { low, high, .. } = self.nodes[index];
            paths[low as usize] = paths[low as usize].add(here);
            paths[high as usize] = paths[high as usize].add(here);
        }
        paths
    }

    /// How many sets have 0, 1, 2, … events, trailing zeros dropped: one
    /// pass per order, the sets of k events below a node being those of k
    /// events below its low branch and of k − 1 below its high one.
    pub fn counts_by_order(&self) -> Vec<SetCount> {
        let mut by_order = Vec::new();
        // The sets of the previous order below each node.
        let mut previous = vec![SetCount(0); self.nodes.len()];
        let mut current = vec![SetCount(0); self.nodes.len()];
        // No set is longer than the longest path.
        for order in 0..=self.height() {
            current[EMPTY as usize] = SetCount(0);
            current[BASE as usize] = SetCount(u128::from(order == 0));
            for (index, node) in self.nodes.iter().enumerate().skip(2) {
                current[index] = current[node.low as usize].add(previous[node.high as usize]);
            }
            by_order.push(current[self.root as usize]);
            std::mem::swap(&mut previous, &mut current);
        }
        while by_order.last() == Some(&SetCount(0)) {
            by_order.pop();
        }
        by_order
    }

    /// The largest number of high edges on a path from the root.
    fn height(&self) -> usize {
        let mut height = vec![0usize; self.nodes.len()];
        for (index, node) in self.nodes.iter().enumerate().skip(2) {
            height[index] = height[node.low as usize].max(1 + height[node.high as usize]);
        }
        height[self.root as usize]
    }

    /// For each level, the number of sets that contain its event: the paths
    /// through a node of that level's high edge, paths to the node times sets
    /// below the high child.
    pub fn occurrences(
        &self,
        counts_below: &[SetCount],
        paths_from_root: &[SetCount],
        levels: usize,
    ) -> Vec<SetCount> {
        let mut occurrence = vec![SetCount(0); levels];
        for (index, node) in self.nodes.iter().enumerate().skip(2) {
            let through = paths_from_root[index].mul(counts_below[node.high as usize]);
            let slot = &mut occurrence[node.level as usize];
            *slot = slot.add(through);
        }
        occurrence
    }

    /// Σ over the sets of the product of `weight_of_level` over their
    /// events: with probabilities, the rare-event sum; with probabilities to
    /// the j-th power, the sum of the sets' probabilities to that power.
    /// Every term is non-negative, so there is no cancellation.
    pub fn product_sum(&self, weight_of_level: &[f64]) -> f64 {
        let mut sum = vec![0.0; self.nodes.len()];
        sum[BASE as usize] = 1.0;
        for (index, node) in self.nodes.iter().enumerate().skip(2) {
            sum[index] = sum[node.low as usize]
                + weight_of_level[node.level as usize] * sum[node.high as usize];
        }
        sum[self.root as usize]
    }

    /// For each level, Σ P(set) over the sets that contain its event: the
    /// probability of reaching each node from the root, top-down, times its
    /// event's probability and the rare-event sum below its high child.
    /// Sums of non-negative terms, like [`product_sum`](Family::product_sum).
    pub fn product_sums_through(&self, probability_of_level: &[f64]) -> Vec<f64> {
        let mut below = vec![0.0; self.nodes.len()];
        below[BASE as usize] = 1.0;
        for (index, node) in self.nodes.iter().enumerate().skip(2) {
            below[index] = below[node.low as usize]
                + probability_of_level[node.level as usize] * below[node.high as usize];
        }
        let mut reach = vec![0.0; self.nodes.len()];
        reach[self.root as usize] = 1.0;
        let mut through = vec![0.0; probability_of_level.len()];
        for index in (2..self.nodes.len()).rev() {
            let ZbddNode { level, low, high } = self.nodes[index];
            let p = probability_of_level[level as usize];
            through[level as usize] += reach[index] * p * below[high as usize];
            reach[low as usize] += reach[index];
            reach[high as usize] += reach[index] * p;
        }
        through
    }

    /// Min-cut upper bound, 1 − ∏(1 − P(set)), without listing the sets.
    ///
    /// ln ∏(1 − q) = −Σⱼ Sⱼ/j with Sⱼ = Σ P(set)ʲ, each Sⱼ a
    /// [`product_sum`](Family::product_sum) of the probabilities to the j-th
    /// power. The series converges slowly for sets of probability near 1, so
    /// the sets of probability ≥ 1/2 are taken out of it: they are the first
    /// of [`most_probable`](Family::most_probable), and their logarithms are
    /// added one by one (54 of them already put ∏ below 2⁻⁵⁴, where the bound
    /// rounds to 1). For the rest every set has q < 1/2, so Sⱼ₊₁ ≤ Sⱼ/2 and
    /// the terms after the j-th add less than Sⱼ: the series stops once that
    /// is below 1e-17 of the sum, within about 60 passes.
    pub fn min_cut_upper_bound(&self, probability_of_level: &[f64]) -> f64 {
        /// Past this many sets of probability ≥ 1/2 the bound is 1 in floats.
        const ROUNDS_TO_ONE: usize = 54;
        if self.root == EMPTY {
            return 0.0;
        }
        let likely: Vec<f64> = self
            .most_probable(probability_of_level, ROUNDS_TO_ONE)
            .into_iter()
            .map(|(probability, _)| probability)
            .filter(|&probability| probability >= 0.5)
            .collect();
        if likely.len() >= ROUNDS_TO_ONE {
            return 1.0;
        }
        let mut log_of_product: f64 = likely.iter().map(|&q| (-q).ln_1p()).sum();
        if log_of_product == f64::NEG_INFINITY {
            return 1.0;
        }
        let mut powers = probability_of_level.to_vec();
        for j in 1..=2000 {
            let likely_part: f64 = likely.iter().map(|&q| q.powi(j)).sum();
            let s_j = (self.product_sum(&powers) - likely_part).max(0.0);
            log_of_product -= s_j / f64::from(j);
            if s_j <= 1e-17 * -log_of_product {
                break;
            }
            for (power, &p) in powers.iter_mut().zip(probability_of_level) {
                *power *= p;
            }
        }
        // 1 − e^x without cancellation for small x.
        -log_of_product.exp_m1()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Families of random sets over up to 8 events, and the same family as
    /// a ZBDD built by union of singletons' products.
    fn random_family(seed: u64) -> (Vec<Vec<u32>>, Family) {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        let events = 1 + next() % 8;
        let set_count = next() % 12;
        let mut sets: Vec<Vec<u32>> = (0..set_count)
            .map(|_| {
                let mask = next() % (1 << events);
                (0..events as u32).filter(|e| mask >> e & 1 == 1).collect()
            })
            .collect();
        sets.sort();
        sets.dedup();
        (sets.clone(), family_of(&sets))
    }

    /// The ZBDD of a list of sets (levels increasing), with shared nodes.
    pub(crate) fn family_of(sets: &[Vec<u32>]) -> Family {
        let terminal = ZbddNode {
            level: u32::MAX,
            low: EMPTY,
            high: EMPTY,
        };
        let mut nodes = vec![terminal, terminal];
        let root = build(&mut nodes, sets);
        Family { nodes, root }
    }

    fn build(nodes: &mut Vec<ZbddNode>, sets: &[Vec<u32>]) -> u32 {
        // The smallest event of any set; none left means only the empty set.
        let Some(level) = sets.iter().filter_map(|set| set.first().copied()).min() else {
            return if sets.is_empty() { EMPTY } else { BASE };
        };
        let (with, without): (Vec<Vec<u32>>, Vec<Vec<u32>>) = sets
            .iter()
            .cloned()
            .partition(|set| set.first() == Some(&level));
        let with: Vec<Vec<u32>> = with.into_iter().map(|set| set[1..].to_vec()).collect();
        let high = build(nodes, &with);
        let low = build(nodes, &without);
        let node = ZbddNode { level, low, high };
        if let Some(found) = nodes.iter().skip(2).position(|other| *other == node) {
            return found as u32 + 2;
        }
        nodes.push(node);
        (nodes.len() - 1) as u32
    }

    #[test]
    fn counts_agree_with_listing_two_ways() {
        for seed in 0..2000 {
            let (sets, family) = random_family(seed);
            let listed = family.list(u64::MAX, &[0; 8]).unwrap();
            let mut sorted = listed.clone();
            sorted.sort();
            assert_eq!(sorted, sets, "seed {seed}");
            let below = family.counts_below();
            let paths = family.paths_from_root();
            let total = SetCount(sets.len() as u128);
            assert_eq!(below[family.root as usize], total, "seed {seed}");
            assert_eq!(paths[BASE as usize], total, "seed {seed}");
            let mut by_order = vec![SetCount(0); 9];
            let mut occurrence = vec![SetCount(0); 8];
            for set in &sets {
                by_order[set.len()].0 += 1;
                for &event in set {
                    occurrence[event as usize].0 += 1;
                }
            }
            while by_order.last() == Some(&SetCount(0)) {
                by_order.pop();
            }
            assert_eq!(family.counts_by_order(), by_order, "seed {seed}");
            assert_eq!(family.occurrences(&below, &paths, 8), occurrence);
        }
    }

    #[test]
    fn probability_sums_agree_with_listing() {
        let p = [0.1, 0.02, 0.3, 0.5, 0.9, 1e-3, 0.25, 0.7];
        for seed in 0..2000 {
            let (sets, family) = random_family(seed);
            let products: Vec<f64> = sets
                .iter()
                .map(|set| set.iter().map(|&e| p[e as usize]).product())
                .collect();
            let rare_event: f64 = products.iter().sum();
            let ours = family.product_sum(&p);
            assert!((ours - rare_event).abs() <= 1e-14 * rare_event.max(1e-300));
            let through = family.product_sums_through(&p);
            for (event, &ours) in through.iter().enumerate() {
                let listed: f64 = sets
                    .iter()
                    .zip(&products)
                    .filter(|(set, _)| set.contains(&(event as u32)))
                    .map(|(_, q)| q)
                    .sum();
                assert!(
                    (ours - listed).abs() <= 1e-14 * listed.max(1e-300),
                    "seed {seed}, event {event}: {ours} vs {listed}"
                );
            }
            // The listing's formula loses digits to cancellation; this one not.
            let mcub = -products.iter().map(|q| (-q).ln_1p()).sum::<f64>().exp_m1();
            let ours = family.min_cut_upper_bound(&p);
            assert!(
                (ours - mcub).abs() <= 1e-13 * mcub.max(1e-300),
                "seed {seed}: {ours} vs {mcub}"
            );
        }
    }

    #[test]
    fn counts_saturate_and_serialize_past_64_bits() {
        assert_eq!(SetCount(u128::MAX).add(SetCount(1)), SetCount(u128::MAX));
        assert_eq!(serde_json::to_string(&SetCount(7)).unwrap(), "7");
        let big = SetCount(u128::from(u64::MAX) + 1);
        let json = serde_json::to_string(&big).unwrap();
        assert_eq!(json, "\"18446744073709551616\"");
        assert_eq!(serde_json::from_str::<SetCount>(&json).unwrap(), big);
        assert!(serde_json::from_str::<SetCount>("\"many\"").is_err());
        assert_eq!(
            SetCount(u128::MAX).to_string(),
            format!("at least {}", u128::MAX)
        );
    }
}
