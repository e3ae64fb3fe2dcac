//! The exactness property: on random coherent fault trees, the top-event
//! probability and every importance measure agree with exact rational
//! arithmetic to a relative error of 1e-12 wherever the exact value is
//! finite (and is infinite exactly where the exact value is).
//!
//! Every probability a float holds is a dyadic rational m·2⁻ᵉ, and so is
//! every sum and product of them, so the reference needs big integers only:
//! no fractions to reduce. The reference evaluates the same diagram with the
//! same path decomposition in exact arithmetic, and is itself checked on two
//! variables per tree against the conditionals obtained by evaluating the
//! diagram with the variable set to 1 and to 0.
//!
//! CI runs 1,000 trees. `bench/rca/exactness.sh` runs 100,000 or more in a
//! release build: `FIREBREAK_EXACTNESS_TREES` sets the count and
//! `FIREBREAK_EXACTNESS_SEED` the seed.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use crate::fta::bdd::{Bdd, BddRef, TRUE};
use crate::fta::compile::Node;
use crate::fta::importance::importance_of;

/// m / 2^e, exactly.
#[derive(Clone, Debug)]
struct Dyadic {
    numerator: BigInt,
    exponent: u64,
}

impl Dyadic {
    fn integer(value: i64) -> Dyadic {
        Dyadic {
            numerator: BigInt::from(value),
            exponent: 0,
        }
    }

    /// The exact value of a finite float.
    fn of(value: f64) -> Dyadic {
        assert!(value.is_finite());
        if value == 0.0 {
            return Dyadic::integer(0);
        }
        let bits = value.to_bits();
        let sign = if bits >> 63 == 1 { -1 } else { 1 };
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1 << 52) - 1);
        let (mantissa, power) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | 1 << 52, biased - 1075)
        };
        let numerator = BigInt::from(sign) * BigInt::from(mantissa);
        if power >= 0 {
            Dyadic {
                numerator: numerator << power as u64,
                exponent: 0,
            }
        } else {
            Dyadic {
                numerator,
                exponent: (-power) as u64,
            }
        }
    }

    fn scaled_to(&self, exponent: u64) -> BigInt {
        &self.numerator << (exponent - self.exponent)
    }

    fn add(&self, other: &Dyadic) -> Dyadic {
        let exponent = self.exponent.max(other.exponent);
        Dyadic {
            numerator: self.scaled_to(exponent) + other.scaled_to(exponent),
            exponent,
        }
    }

    fn sub(&self, other: &Dyadic) -> Dyadic {
        let exponent = self.exponent.max(other.exponent);
        Dyadic {
            numerator: self.scaled_to(exponent) - other.scaled_to(exponent),
            exponent,
        }
    }

    fn mul(&self, other: &Dyadic) -> Dyadic {
        Dyadic {
            numerator: &self.numerator * &other.numerator,
            exponent: self.exponent + other.exponent,
        }
    }

    fn is_zero(&self) -> bool {
        self.numerator.is_zero()
    }

    fn equals(&self, other: &Dyadic) -> bool {
        self.sub(other).is_zero()
    }

    /// log2 of the magnitude, roughly; −∞ for 0.
    fn log2(&self) -> f64 {
        if self.is_zero() {
            return f64::NEG_INFINITY;
        }
        let (top, shift) = top_bits(&self.numerator);
        top.log2() + shift as f64 - self.exponent as f64
    }
}

/// The leading 64 bits of |n| as a float and the power of two they stand at.
fn top_bits(n: &BigInt) -> (f64, i64) {
    let magnitude = n.abs();
    let shift = magnitude.bits().saturating_sub(64);
    let top = (magnitude >> shift).to_f64().expect("64 bits fit a float");
    (top, shift as i64)
}

/// |x − numerator/denominator| / |numerator/denominator|, for a non-zero
/// exact value.
fn relative_error(x: f64, numerator: &Dyadic, denominator: &Dyadic) -> f64 {
    let difference = Dyadic::of(x).mul(denominator).sub(numerator);
    if difference.is_zero() {
        return 0.0;
    }
    let (top_difference, shift_difference) = top_bits(&difference.numerator);
    let (top_exact, shift_exact) = top_bits(&numerator.numerator);
    let power =
        shift_difference - shift_exact + numerator.exponent as i64 - difference.exponent as i64;
    top_difference / top_exact * 2f64.powi(power.clamp(-2000, 2000) as i32)
}

/// A xorshift64* generator: fixed seeds, no dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A random coherent tree over `events` variables: gates of two to four
/// fresh arguments (AND, OR or at-least), one in six also taking an event
/// used elsewhere, so that events repeat.
fn random_tree(random: &mut Random, events: usize) -> (Vec<Node>, usize) {
    let mut nodes: Vec<Node> = (0..events).map(Node::Variable).collect();
    let mut open: Vec<usize> = (0..events).collect();
    while open.len() > 1 {
        let arity = (2 + random.below(3)).min(open.len());
        let mut args: Vec<usize> = (0..arity)
            .map(|_| open.swap_remove(random.below(open.len())))
            .collect();
        if random.below(6) == 0 {
            let shared = random.below(events);
            if !args.contains(&shared) {
                args.push(shared);
            }
        }
        let gate = match random.below(10) {
            0..=2 => Node::And(args),
            3..=7 => Node::Or(args),
            _ if args.len() >= 3 => {
                let min = 2 + random.below(args.len() - 2) as u32;
                Node::AtLeast(min, args)
            }
            _ => Node::Or(args),
        };
        nodes.push(gate);
        open.push(nodes.len() - 1);
    }
    let root = open[0];
    (nodes, root)
}

/// Exact probability of every reachable node, with `fixed` overriding one
/// variable's probability.
fn exact_probabilities(
    bdd: &Bdd,
    order: &[BddRef],
    p: &[Dyadic],
    fixed: Option<(usize, i64)>,
) -> Vec<Dyadic> {
    let one = Dyadic::integer(1);
    let mut probability = vec![Dyadic::integer(0); bdd.nodes.len()];
    probability[TRUE as usize] = one.clone();
    for &node in order.iter().filter(|&&node| node > TRUE) {
        let n = bdd.nodes[node as usize];
        let variable = bdd.variable_of_level[n.level as usize];
        let q = match fixed {
            Some((fixed, value)) if fixed == variable => Dyadic::integer(value),
            _ => p[variable].clone(),
        };
        probability[node as usize] = q
            .mul(&probability[n.high as usize])
            .add(&one.sub(&q).mul(&probability[n.low as usize]));
    }
    probability
}

/// Largest relative errors seen, per quantity.
#[derive(Default, Debug)]
struct Worst {
    probability: f64,
    birnbaum: f64,
    criticality: f64,
    diagnosis: f64,
    achievement: f64,
    reduction: f64,
    infinite_reductions: usize,
    skipped: usize,
    redrawn: usize,
}

/// Checks one random tree whose diagram has at most `max_nodes` nodes
/// (others are drawn again: exact arithmetic on large diagrams is slow in a
/// debug build); returns the count of its nodes in the diagram.
fn check_tree(
    random: &mut Random,
    max_events: usize,
    max_nodes: usize,
    worst: &mut Worst,
) -> usize {
    let (events, bdd, root) = loop {
        let events = 2 + random.below(max_events - 1);
        let (nodes, root_node) = random_tree(random, events);
        let (bdd, root) = Bdd::build(&nodes, root_node, events, u64::MAX).expect("no budget");
        // The built diagram keeps only what its root reaches.
        if root > TRUE {
            assert_eq!(bdd.reachable(root).len(), bdd.nodes.len());
        }
        if bdd.reachable(root).len() <= max_nodes {
            break (events, bdd, root);
        }
        worst.redrawn += 1;
    };
    // Probabilities from 1e-5 to 0.5, log-uniform, and a few certain-ish.
    let p: Vec<f64> = (0..events)
        .map(|_| match random.below(20) {
            0 => 0.9 + 0.1 * random.unit(),
            _ => 10f64.powf(-5.0 + (5.0 - 0.301) * random.unit()),
        })
        .collect();
    let order = bdd.reachable(root);
    let node_probability = bdd.node_probabilities(&order, &p);
    let total = node_probability[root as usize];
    let sensitivities = bdd.sensitivities(root, &order, &node_probability, &p);

    let exact_p: Vec<Dyadic> = p.iter().map(|&q| Dyadic::of(q)).collect();
    let exact = exact_probabilities(&bdd, &order, &exact_p, None);
    let exact_total = &exact[root as usize];
    // Exact reach and Birnbaum importance, by the same path decomposition.
    let one = Dyadic::integer(1);
    let mut reach = vec![Dyadic::integer(0); bdd.nodes.len()];
    reach[root as usize] = one.clone();
    let mut birnbaum = vec![Dyadic::integer(0); events];
    for &node in order.iter().rev().filter(|&&node| node > TRUE) {
        let n = bdd.nodes[node as usize];
        let variable = bdd.variable_of_level[n.level as usize];
        let q = &exact_p[variable];
        let here = reach[node as usize].clone();
        reach[n.high as usize] = reach[n.high as usize].add(&here.mul(q));
        reach[n.low as usize] = reach[n.low as usize].add(&here.mul(&one.sub(q)));
        let difference = exact[n.high as usize].sub(&exact[n.low as usize]);
        birnbaum[variable] = birnbaum[variable].add(&here.mul(&difference));
    }
    // The decomposition checked against restriction on two variables.
    for _ in 0..2 {
        let variable = random.below(events);
        let on = &exact_probabilities(&bdd, &order, &exact_p, Some((variable, 1)))[root as usize];
        let off = &exact_probabilities(&bdd, &order, &exact_p, Some((variable, 0)))[root as usize];
        assert!(
            on.sub(off).equals(&birnbaum[variable]),
            "exact Birnbaum of variable {variable} differs from restriction"
        );
    }

    // Quantities outside the normal float range are not compared.
    let representable = |value: &Dyadic| value.is_zero() || value.log2() > -960.0;
    if !representable(exact_total) {
        worst.skipped += 1;
        return order.len();
    }
    let compare = |x: f64, numerator: &Dyadic, denominator: &Dyadic, what: &str| -> f64 {
        if numerator.is_zero() {
            assert!(x == 0.0, "{what}: {x:e}, exactly 0");
            return 0.0;
        }
        let error = relative_error(x, numerator, denominator);
        assert!(
            error <= 1e-12,
            "{what}: relative error {error:e} on a tree of {events} events (x = {x:e})"
        );
        error
    };
    worst.probability = worst
        .probability
        .max(compare(total, exact_total, &one, "P(top)"));
    for variable in 0..events {
        let q = &exact_p[variable];
        let b = &birnbaum[variable];
        let on = exact_total.add(&one.sub(q).mul(b));
        let off = exact_total.sub(&q.mul(b));
        if ![b, &on, &off].into_iter().all(representable) {
            worst.skipped += 1;
            continue;
        }
        let row = importance_of("x", 1, p[variable], sensitivities[variable], total);
        let what = |measure: &str| format!("{measure} of variable {variable}");
        worst.birnbaum = worst
            .birnbaum
            .max(compare(row.birnbaum, b, &one, &what("Birnbaum")));
        worst.criticality = worst.criticality.max(compare(
            row.criticality,
            &q.mul(b),
            exact_total,
            &what("criticality"),
        ));
        worst.diagnosis = worst.diagnosis.max(compare(
            row.fussell_vesely,
            &q.mul(&on),
            exact_total,
            &what("DIF"),
        ));
        worst.achievement = worst.achievement.max(compare(
            row.risk_achievement_worth,
            &on,
            exact_total,
            &what("RAW"),
        ));
        match off.numerator.sign().cmp(&num_bigint::Sign::NoSign) {
            Ordering::Equal => {
                assert_eq!(
                    row.risk_reduction_worth,
                    f64::INFINITY,
                    "{}",
                    what("RRW, exactly infinite,")
                );
                worst.infinite_reductions += 1;
            }
            _ => {
                worst.reduction = worst.reduction.max(compare(
                    row.risk_reduction_worth,
                    exact_total,
                    &off,
                    &what("RRW"),
                ));
            }
        }
    }
    order.len()
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|value| value.parse().expect("a count"))
        .unwrap_or(default)
}

#[test]
fn probability_and_importance_equal_exact_arithmetic() {
    let trees = setting("FIREBREAK_EXACTNESS_TREES", 1000);
    let mut random = Random(setting("FIREBREAK_EXACTNESS_SEED", 0x9e37_79b9_7f4a_7c15) | 1);
    let mut worst = Worst::default();
    let started = std::time::Instant::now();
    let mut largest = 0;
    let max_nodes = setting("FIREBREAK_EXACTNESS_MAX_NODES", 5000) as usize;
    for _ in 0..trees {
        // Mostly small trees, every tenth up to 300 events.
        let max_events = if random.below(10) == 0 { 300 } else { 60 };
        largest = largest.max(check_tree(&mut random, max_events, max_nodes, &mut worst));
    }
    eprintln!(
        "{trees} trees in {:.1} s, largest diagram {largest} nodes: {worst:?}",
        started.elapsed().as_secs_f64()
    );
    assert!(worst.infinite_reductions > 0, "some RRW is infinite");
}

#[test]
fn branches_equal_to_many_digits_lose_no_digits() {
    // (b ∧ c) ∨ a with b first in the order: b's branches are c ∨ a and a,
    // whose probabilities agree to 13 digits, as in the tree, and
    // then to 30, beyond double-double precision, where the difference
    // recurses through the diagram.
    let nodes = vec![
        Node::Variable(0),
        Node::Variable(1),
        Node::Variable(2),
        Node::And(vec![1, 2]),
        Node::Or(vec![3, 0]),
    ];
    for p_c in [1e-13, 1e-30] {
        let p = [0.214_361_214_821_26, 0.3, p_c];
        let (bdd, root) = Bdd::build(&nodes, 4, 3, u64::MAX).expect("no budget");
        assert_eq!(bdd.variable_of_level, [1, 2, 0]);
        let order = bdd.reachable(root);
        let node_probability = bdd.node_probabilities(&order, &p);
        let sensitivities = bdd.sensitivities(root, &order, &node_probability, &p);
        let exact_p: Vec<Dyadic> = p.iter().map(|&q| Dyadic::of(q)).collect();
        // ∂P/∂p(b) = p(c)·(1 − p(a)).
        let expected = exact_p[2].mul(&Dyadic::integer(1).sub(&exact_p[0]));
        let birnbaum = sensitivities[1].birnbaum;
        let error = relative_error(birnbaum, &expected, &Dyadic::integer(1));
        assert!(error <= 1e-15, "{birnbaum:e}: relative error {error:e}");
    }
}
