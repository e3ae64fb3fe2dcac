//! The analysis of one root (a top event or a sequence): its BDD, the ZBDD
//! of its minimal cut sets, and what is read from them. The cut sets are
//! listed when the list fits in the memory budget; otherwise they are counted
//! and summed on the ZBDD (`zbdd_stats.rs`) and only the most probable are
//! written (`top_cut_sets.rs`), and the result says so.

use crate::error::RcaError;
use crate::fta::analysis::{
    AnalysisSettings, CutSet, CutSetCount, MemoryBudget, TopEventAnalysis, TopEventProbability,
};
use crate::fta::bdd::{Bdd, FALSE, TRUE};
use crate::fta::budget::Exhausted;
use crate::fta::compile::{CompiledModel, CutSetRewrite, Node, NodeId};
use crate::fta::cut_sets::{CUT_SET_BYTES, Family, minimal_cut_set_family};
use crate::fta::importance::{Importance, importance_of};
use crate::fta::zbdd_stats::SetCount;

/// Bytes per BDD node that quantification allocates: node probabilities in
/// float and double-double, the path length and the reach of each node.
const QUANTIFICATION_BYTES_PER_NODE: u64 = 8 + 24 + 8;

/// Bytes per ZBDD node that counting and summing the sets allocate: two
/// counts, two counts per order, two sums and a bound.
const COUNTING_BYTES_PER_NODE: u64 = 4 * 16 + 3 * 8;

/// Bytes a result holds, roughly: its cut sets and importance rows.
pub(crate) fn result_bytes(result: &TopEventAnalysis) -> u64 {
    let strings =
        |names: &[String]| -> u64 { names.iter().map(|name| 24 + name.len() as u64).sum() };
    let sets: u64 = result
        .minimal_cut_sets
        .iter()
        .chain(&result.most_probable_cut_sets)
        .map(|set| CUT_SET_BYTES + strings(&set.events))
        .sum();
    sets + result.importance.len() as u64 * (size_of::<Importance>() as u64 + 32)
}

/// The sets counted on the ZBDD, and how many contain each level's event.
struct Counted {
    count: CutSetCount,
    occurrence_of_level: Vec<SetCount>,
}

/// Counts the sets bottom-up and top-down, which must agree, and by order.
fn count(family: &Family, levels: usize, top_event: &str) -> Result<Counted, RcaError> {
    let below = family.counts_below();
    let paths = family.paths_from_root();
    let bottom_up = below[family.root as usize];
    let top_down = paths[crate::fta::cut_sets::BASE as usize];
    let by_order = family.counts_by_order();
    let summed = by_order.iter().fold(SetCount(0), |sum, count| {
        SetCount(sum.0.saturating_add(count.0))
    });
    if bottom_up != top_down || (summed != bottom_up && !bottom_up.is_saturated()) {
        return Err(RcaError::CutSetCountMismatch {
            top_event: top_event.to_string(),
            bottom_up: bottom_up.to_string(),
            top_down: top_down.to_string(),
            by_order: summed.to_string(),
        });
    }
    Ok(Counted {
        occurrence_of_level: family.occurrences(&below, &paths, levels),
        count: CutSetCount {
            total: bottom_up,
            by_order,
        },
    })
}

/// Whether a test asked for the unlisted path.
#[cfg(test)]
fn never_list() -> bool {
    tests::never_list()
}

#[cfg(not(test))]
fn never_list() -> bool {
    false
}

pub(crate) fn analyze_root(
    compiled: &CompiledModel,
    root_node: NodeId,
    name: &str,
    settings: &AnalysisSettings,
    budget: &MemoryBudget,
) -> Result<TopEventAnalysis, RcaError> {
    // Declarative substitutions constrain every root.
    let extended;
    let (nodes, root_node) = match compiled.constraint {
        None => (compiled.nodes.as_slice(), root_node),
        Some(constraint) => {
            let mut nodes = compiled.nodes.clone();
            nodes.push(Node::And(vec![root_node, constraint]));
            extended = nodes;
            (extended.as_slice(), extended.len() - 1)
        }
    };
    let exceeded = |exhausted| budget.exceeded(name, exhausted);
    let (bdd, root) = Bdd::build(
        nodes,
        root_node,
        compiled.basic_events.len(),
        budget.available,
    )
    .map_err(exceeded)?;
    // A set's events as levels, variables and names.
    let cost_of_level: Vec<u64> = bdd
        .variable_of_level
        .iter()
        .map(|&variable| 4 + 8 + 24 + compiled.basic_events[variable].name.len() as u64)
        .collect();
    let quantification = if settings.probability {
        bdd.nodes.len() as u64 * QUANTIFICATION_BYTES_PER_NODE
    } else {
        0
    };
    let available = budget
        .available
        .saturating_sub(bdd.bytes() + quantification);
    let family =
        minimal_cut_set_family(&bdd, root, settings.limit_order, available).map_err(exceeded)?;
    let levels = bdd.variable_of_level.len();
    if family.bytes() + family.nodes.len() as u64 * COUNTING_BYTES_PER_NODE > available {
        return Err(exceeded(Exhausted {
            phase: "counting the minimal cut sets",
        }));
    }
    let counted = count(&family, levels, name)?;
    // What the list would take: each set's own cost and its events'.
    let list_bytes = counted.occurrence_of_level.iter().zip(&cost_of_level).fold(
        counted
            .count
            .total
            .0
            .saturating_mul(u128::from(CUT_SET_BYTES + 24)),
        |bytes, (occurrence, &cost)| {
            bytes.saturating_add(occurrence.0.saturating_mul(u128::from(cost)))
        },
    );
    // Cut-set rewrites work on the list, which must then fit; otherwise a
    // list that turns out larger than estimated (its vector's growth) falls
    // back to the unlisted results rather than failing.
    let must_list = !compiled.rewrites.is_empty();
    let fits = u128::from(family.bytes()).saturating_add(list_bytes) <= u128::from(available)
        && !never_list();
    let listing = if must_list || fits {
        match family.list(available, &cost_of_level) {
            Ok(sets) => Some(sets),
            Err(exhausted) if must_list => return Err(exceeded(exhausted)),
            Err(_) => None,
        }
    } else {
        None
    };
    let listed = listing.is_some();

    let probability_of = |variable: usize| -> Result<f64, RcaError> {
        let event = &compiled.basic_events[variable];
        event
            .probability
            .ok_or_else(|| RcaError::MissingProbability {
                name: event.name.clone(),
            })
    };
    let names = |levels: &[u32]| -> Vec<String> {
        let mut events: Vec<String> = levels
            .iter()
            .map(|&level| {
                compiled.basic_events[bdd.variable_of_level[level as usize]]
                    .name
                    .clone()
            })
            .collect();
        events.sort_unstable();
        events
    };
    let mut occurrence = vec![0usize; compiled.basic_events.len()];
    // Per event, Σ P(cut set) over the sets that contain it.
    let mut probability_through = vec![0.0; compiled.basic_events.len()];
    let mut minimal_cut_sets = Vec::new();
    let mut most_probable_cut_sets = Vec::new();
    let mut approximations = None;
    let cut_set_count;
    if let Some(listing) = listing {
        let mut sets: Vec<Vec<usize>> = listing
            .into_iter()
            .map(|levels| {
                levels
                    .iter()
                    .map(|&level| bdd.variable_of_level[level as usize])
                    .collect()
            })
            .collect();
        drop(family);
        if compiled.rewrites.is_empty() {
            // A third count, free here: the list's length.
            if sets.len() as u128 != counted.count.total.0 {
                return Err(RcaError::CutSetCountMismatch {
                    top_event: name.to_string(),
                    bottom_up: counted.count.total.to_string(),
                    top_down: counted.count.total.to_string(),
                    by_order: sets.len().to_string(),
                });
            }
            cut_set_count = counted.count;
        } else {
            sets = rewrite_cut_sets(sets, &compiled.rewrites, settings.limit_order);
            cut_set_count = CutSetCount::of_lengths(sets.iter().map(Vec::len));
        }
        minimal_cut_sets.reserve_exact(sets.len());
        for set in sets {
            for &variable in &set {
                occurrence[variable] += 1;
            }
            let probability = if settings.probability {
                let mut product = 1.0;
                for &variable in &set {
                    product *= probability_of(variable)?;
                }
                for &variable in &set {
                    probability_through[variable] += product;
                }
                Some(product)
            } else {
                None
            };
            let mut events: Vec<String> = set
                .iter()
                .map(|&variable| compiled.basic_events[variable].name.clone())
                .collect();
            events.sort_unstable();
            minimal_cut_sets.push(CutSet {
                events,
                probability,
            });
        }
        minimal_cut_sets.sort_by(|a, b| {
            a.events
                .len()
                .cmp(&b.events.len())
                .then_with(|| a.events.cmp(&b.events))
        });
        if settings.probability {
            let cut_set_probabilities = minimal_cut_sets.iter().filter_map(|set| set.probability);
            let sum = cut_set_probabilities.clone().sum::<f64>();
            let min_cut_upper_bound = 1.0 - cut_set_probabilities.map(|q| 1.0 - q).product::<f64>();
            approximations = Some((sum, min_cut_upper_bound));
        }
    } else {
        for (level, count) in counted.occurrence_of_level.iter().enumerate() {
            occurrence[bdd.variable_of_level[level]] =
                usize::try_from(count.0).unwrap_or(usize::MAX);
        }
        cut_set_count = counted.count;
        if settings.probability {
            let p_of_level = bdd
                .variable_of_level
                .iter()
                .map(|&variable| probability_of(variable))
                .collect::<Result<Vec<f64>, RcaError>>()?;
            let sum = family.product_sum(&p_of_level);
            let min_cut_upper_bound = family.min_cut_upper_bound(&p_of_level);
            approximations = Some((sum, min_cut_upper_bound));
            let through = family.product_sums_through(&p_of_level);
            for (level, &variable) in bdd.variable_of_level.iter().enumerate() {
                probability_through[variable] = through[level];
            }
            // The search holds, per set kept, the set and a path's worth of
            // queue entries and trail; more than the budget is refused.
            let top_k = usize::try_from(cut_set_count.total.0)
                .unwrap_or(usize::MAX)
                .min(settings.top_k);
            let longest = cut_set_count.by_order.len() as u64;
            let per_set = CUT_SET_BYTES
                + longest * (cost_of_level.iter().copied().max().unwrap_or(0) + 2 * 48);
            if (top_k as u64).saturating_mul(per_set) > available.saturating_sub(family.bytes()) {
                return Err(exceeded(Exhausted {
                    phase: "keeping the --top-k most probable cut sets",
                }));
            }
            let mut found: Vec<CutSet> = family
                .most_probable(&p_of_level, top_k)
                .into_iter()
                .map(|(probability, levels)| CutSet {
                    events: names(&levels),
                    probability: Some(probability),
                })
                .collect();
            // Ties (found in full, see `most_probable`) go by order, then name.
            found.sort_by(|a, b| {
                b.probability
                    .unwrap_or(0.0)
                    .total_cmp(&a.probability.unwrap_or(0.0))
                    .then_with(|| a.events.len().cmp(&b.events.len()))
                    .then_with(|| a.events.cmp(&b.events))
            });
            found.truncate(settings.top_k);
            most_probable_cut_sets = found;
        }
        drop(family);
    }

    let mut probability = None;
    let mut importance = Vec::new();
    // The rare-event sum, uncapped (Fussell–Vesely divides by it).
    if let Some((cut_set_sum, min_cut_upper_bound)) = approximations {
        let rare_event = cut_set_sum.min(1.0);
        let mut p = vec![0.0; compiled.basic_events.len()];
        for &variable in &bdd.variable_of_level {
            p[variable] = probability_of(variable)?;
        }
        // Rewritten cut sets no longer describe the diagram's function, so
        // only the approximations from them hold.
        let from_diagram = compiled.rewrites.is_empty();
        let order = bdd.reachable(root);
        let node_probability = bdd.node_probabilities(&order, &p);
        let exact = node_probability[root as usize];
        probability = Some(TopEventProbability {
            exact: from_diagram.then_some(exact),
            rare_event,
            min_cut_upper_bound,
        });
        if settings.importance && from_diagram && root != FALSE && root != TRUE {
            let sensitivities = bdd.sensitivities(root, &order, &node_probability, &p);
            for &variable in &bdd.variable_of_level {
                if occurrence[variable] == 0 {
                    continue;
                }
                let mut row = importance_of(
                    &compiled.basic_events[variable].name,
                    occurrence[variable],
                    p[variable],
                    sensitivities[variable],
                    exact,
                );
                if cut_set_sum > 0.0 {
                    row.fussell_vesely_cut_sets = probability_through[variable] / cut_set_sum;
                }
                importance.push(row);
            }
            importance.sort_by(|a, b| a.event.cmp(&b.event));
        }
    }
    Ok(TopEventAnalysis {
        top_event: name.to_string(),
        initiating_event: None,
        phase: None,
        expression_only: false,
        basic_event_count: bdd.variable_of_level.len(),
        minimal_cut_sets,
        cut_set_count,
        cut_sets_listed: listed,
        most_probable_cut_sets,
        probability,
        importance,
    })
}

/// SCRAM's `Zbdd::ApplySubstitutions`: each set loses the sources and gains
/// the targets of every rewrite whose hypothesis it contains; sets over the
/// order limit are dropped, and the family is minimised again.
fn rewrite_cut_sets(
    sets: Vec<Vec<usize>>,
    rewrites: &[CutSetRewrite],
    limit_order: usize,
) -> Vec<Vec<usize>> {
    let mut rewritten: Vec<Vec<usize>> = sets
        .into_iter()
        .filter_map(|set| {
            let mut removed = Vec::new();
            let mut added = Vec::new();
            for rewrite in rewrites {
                if rewrite.hypothesis.iter().all(|event| set.contains(event)) {
                    removed.extend(&rewrite.source);
                    added.extend(rewrite.target);
                }
            }
            let mut set: Vec<usize> = set
                .into_iter()
                .filter(|event| !removed.contains(event))
                .chain(added)
                .collect();
            set.sort_unstable();
            set.dedup();
            (set.len() <= limit_order).then_some(set)
        })
        .collect();
    rewritten.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    rewritten.dedup();
    let mut minimal: Vec<Vec<usize>> = Vec::with_capacity(rewritten.len());
    for set in rewritten {
        let subsumed = minimal
            .iter()
            .any(|kept| kept.iter().all(|event| set.binary_search(event).is_ok()));
        if !subsumed {
            minimal.push(set);
        }
    }
    minimal
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::Cell;

    use crate::fta::{
        AnalysisSettings, Importance, MefSource, TopEventAnalysis, analyze, read_mef,
    };

    thread_local! {
        /// Makes this thread's analyses take the path of a family too large
        /// to list, whatever its size.
        static NEVER_LIST: Cell<bool> = const { Cell::new(false) };
    }

    pub(crate) fn never_list() -> bool {
        NEVER_LIST.get()
    }

    /// A random tree as MEF: AND, OR and at-least gates over earlier gates
    /// and events whose probabilities tie often.
    fn random_model(seed: u64) -> String {
        let mut state = seed;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        let events = 3 + next(12);
        let gates = 1 + next(8);
        let mut xml = String::from("<opsa-mef><define-fault-tree name=\"ft\">");
        for gate in 0..gates {
            let arity = 2 + next(3);
            let args: String = (0..arity)
                .map(|_| {
                    if gate > 0 && next(3) == 0 {
                        format!("<gate name=\"g{}\"/>", next(gate))
                    } else {
                        format!("<basic-event name=\"e{}\"/>", next(events))
                    }
                })
                .collect();
            let (open, close) = match next(3) {
                0 => ("<and>".to_string(), "</and>"),
                2 if arity > 2 => ("<atleast min=\"2\">".to_string(), "</atleast>"),
                _ => ("<or>".to_string(), "</or>"),
            };
            xml += &format!("<define-gate name=\"g{gate}\">{open}{args}{close}</define-gate>");
        }
        xml += "</define-fault-tree><model-data>";
        let probabilities = [0.1, 0.2, 0.01, 0.5, 0.05, 0.9];
        for event in 0..events {
            let p = probabilities[next(6) as usize];
            xml += &format!(
                "<define-basic-event name=\"e{event}\"><float value=\"{p}\"/></define-basic-event>"
            );
        }
        xml + "</model-data></opsa-mef>"
    }

    fn run(
        xml: &str,
        top: &str,
        never_list: bool,
        settings: &AnalysisSettings,
    ) -> TopEventAnalysis {
        let model = read_mef(&[MefSource {
            name: "random.xml",
            text: xml,
        }])
        .unwrap();
        NEVER_LIST.set(never_list);
        let result = analyze(&model, Some(top), settings);
        NEVER_LIST.set(false);
        result.unwrap().remove(0)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
    }

    /// On random trees, the unlisted path (counts, approximations,
    /// importance and most probable sets from the ZBDD) agrees with the
    /// listed one.
    #[test]
    fn unlisted_results_agree_with_the_list() {
        for seed in 0..300 {
            let xml = random_model(seed);
            let top = format!("g{}", xml.matches("<define-gate").count() - 1);
            let settings = AnalysisSettings {
                limit_order: 1 + (seed % 5) as usize,
                top_k: (seed % 7) as usize,
                ..AnalysisSettings::default()
            };
            let listed = run(&xml, &top, false, &settings);
            let counted = run(&xml, &top, true, &settings);
            assert!(listed.cut_sets_listed && !counted.cut_sets_listed);
            assert!(counted.minimal_cut_sets.is_empty());
            assert!(listed.most_probable_cut_sets.is_empty());
            assert_eq!(counted.cut_set_count, listed.cut_set_count, "seed {seed}");
            assert_eq!(
                listed.cut_set_count.total.0,
                listed.minimal_cut_sets.len() as u128
            );
            assert_eq!(counted.order_distribution(), listed.order_distribution());
            let (a, b) = (listed.probability.unwrap(), counted.probability.unwrap());
            assert_eq!(a.exact, b.exact);
            assert!(
                close(a.rare_event, b.rare_event),
                "seed {seed}: {a:?} {b:?}"
            );
            // The listing's 1 − ∏(1 − q) loses digits to cancellation.
            assert!(
                (a.min_cut_upper_bound - b.min_cut_upper_bound).abs() <= 1e-14,
                "seed {seed}: {a:?} {b:?}"
            );
            assert_eq!(counted.importance.len(), listed.importance.len());
            for (ours, theirs) in counted.importance.iter().zip(&listed.importance) {
                // Summed in another order, the cut-set share may differ in
                // its last bits; everything else comes from the same BDD.
                assert!(
                    close(ours.fussell_vesely_cut_sets, theirs.fussell_vesely_cut_sets),
                    "seed {seed}: {ours:?} {theirs:?}"
                );
                let same = Importance {
                    fussell_vesely_cut_sets: theirs.fussell_vesely_cut_sets,
                    ..ours.clone()
                };
                assert_eq!(&same, theirs, "seed {seed}");
            }
            let mut by_probability = listed.minimal_cut_sets.clone();
            by_probability.sort_by(|a, b| {
                b.probability
                    .unwrap()
                    .total_cmp(&a.probability.unwrap())
                    .then_with(|| a.events.len().cmp(&b.events.len()))
                    .then_with(|| a.events.cmp(&b.events))
            });
            by_probability.truncate(settings.top_k);
            assert_eq!(
                counted.most_probable_cut_sets, by_probability,
                "seed {seed}"
            );
        }
    }
}
