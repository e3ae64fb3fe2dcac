//! Paths through the dependency graph from an incident's systems: upstream
//! (what they depend on, where a change may have come from) and downstream
//! (what depends on them, the blast radius).

use std::collections::{BTreeMap, VecDeque};

/// Every system reachable from `start` by `next`, with the shortest path
/// from a start to it (ties broken by the starts' and edges' order, which
/// are sorted, so the answer is stable). The starts are in it, each with a
/// path of one.
fn reach<'a>(
    start: &[String],
    next: impl Fn(&str) -> Vec<&'a String>,
) -> BTreeMap<String, Vec<String>> {
    let mut starts: Vec<&String> = start.iter().collect();
    starts.sort();
    starts.dedup();
    let mut paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut queue = VecDeque::new();
    for s in starts {
        paths.insert(s.clone(), vec![s.clone()]);
        queue.push_back(s.clone());
    }
    while let Some(current) = queue.pop_front() {
        let path = paths[&current].clone();
        let mut neighbours = next(&current);
        neighbours.sort();
        for n in neighbours {
            if !paths.contains_key(n) {
                let mut longer = path.clone();
                longer.push(n.clone());
                paths.insert(n.clone(), longer);
                queue.push_back(n.clone());
            }
        }
    }
    paths
}

/// The `systems` and everything they depend on, directly or through others,
/// each with the path from an affected system to it.
pub fn upstream_paths(
    systems: &[String],
    graph: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    reach(systems, |s| {
        graph
            .get(s)
            .map(|deps| deps.iter().collect())
            .unwrap_or_default()
    })
}

/// The blast radius: every system that depends on one of `systems`, directly
/// or through others, with the path from the affected system to it
/// (`[feature-store, credit-scoring, loan-offers]`). The affected systems
/// themselves are left out.
pub fn dependant_paths(
    systems: &[String],
    graph: &BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    let mut paths = reach(systems, |s| {
        graph
            .iter()
            .filter(|(_, deps)| deps.iter().any(|d| d == s))
            .map(|(dependant, _)| dependant)
            .collect()
    });
    paths.retain(|_, path| path.len() > 1);
    paths
}
