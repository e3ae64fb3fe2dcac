//! Firebreak's fault-tree results against SCRAM 0.16's on the models SCRAM
//! ships. SCRAM prints six significant digits, so numbers are compared to
//! half a unit of the sixth digit; exactness beyond that is checked against
//! brute-force enumeration of every state for the smaller models.

use std::collections::BTreeMap;

use firebreak_rca::fta::compile::{EvaluationSettings, Node, compile};
use firebreak_rca::fta::{AnalysisSettings, TopEventAnalysis, analyze};
use serde::Deserialize;

use crate::{ScramCase, fixtures, read_fixture_model, scram_cases};

#[derive(Deserialize)]
struct ScramDigest {
    top_event: String,
    basic_events: usize,
    products: usize,
    distribution: Vec<usize>,
    probability: String,
    approximation: Option<String>,
    importance: BTreeMap<String, BTreeMap<String, String>>,
}

/// Equal to what SCRAM printed with six significant digits.
fn same_as_printed(ours: f64, printed: &str) -> bool {
    let theirs: f64 = printed.parse().expect("SCRAM prints numbers");
    (ours - theirs).abs() <= 5.000_001e-6 * theirs.abs().max(ours.abs()) + 1e-300
}

struct Settings {
    analysis: AnalysisSettings,
    approximation: Option<&'static str>,
}

fn settings_of(case: &ScramCase) -> Settings {
    let mut analysis = AnalysisSettings::default();
    let mut approximation = None;
    let mut flags = case.flags.iter();
    while let Some(flag) = flags.next() {
        match flag.as_str() {
            "--limit-order" => analysis.limit_order = flags.next().unwrap().parse().unwrap(),
            "--mission-time" => analysis.mission_time = flags.next().unwrap().parse().unwrap(),
            "--rare-event" => approximation = Some("rare-event"),
            "--mcub" => approximation = Some("mcub"),
            // Firebreak always expands CCF groups, as SCRAM does with
            // `--ccf true`; the fixtures are made that way.
            "--ccf" => assert_eq!(flags.next().map(String::as_str), Some("true")),
            // MOCUS gives SCRAM the same minimal cut sets as its BDD, and
            // no BDD for the probability, which it then approximates.
            "--mocus" => approximation = approximation.or(Some("rare-event")),
            other => panic!("{}: flag {other} not understood", case.name),
        }
    }
    Settings {
        analysis,
        approximation,
    }
}

fn compare(case: &ScramCase) -> Vec<String> {
    let settings = settings_of(case);
    let files: Vec<&str> = case.files.iter().map(String::as_str).collect();
    let model = read_fixture_model(&files);
    let reports = fixtures().join("reports");
    let digest: ScramDigest = serde_json::from_str(
        &std::fs::read_to_string(reports.join(format!("{}.json", case.name))).unwrap(),
    )
    .unwrap();
    let scram_products =
        std::fs::read_to_string(reports.join(format!("{}.products.txt", case.name))).unwrap();
    let results = analyze(&model, Some(&digest.top_event), &settings.analysis).unwrap();
    let result: &TopEventAnalysis = &results[0];
    let mut problems = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            problems.push(format!("{}: {what}", case.name));
        }
    };

    // SCRAM counts the basic events that occur in the cut sets.
    let in_cut_sets: std::collections::BTreeSet<&String> = result
        .minimal_cut_sets
        .iter()
        .flat_map(|set| &set.events)
        .collect();
    expect(
        in_cut_sets.len() == digest.basic_events,
        format!(
            "basic events {} vs {}",
            in_cut_sets.len(),
            digest.basic_events
        ),
    );
    expect(
        result.minimal_cut_sets.len() == digest.products,
        format!(
            "products {} vs {}",
            result.minimal_cut_sets.len(),
            digest.products
        ),
    );
    expect(
        result.order_distribution() == digest.distribution,
        format!(
            "distribution {:?} vs {:?}",
            result.order_distribution(),
            digest.distribution
        ),
    );
    let mut ours: Vec<String> = result
        .minimal_cut_sets
        .iter()
        .map(|set| set.events.join(" "))
        .collect();
    ours.sort();
    let theirs: Vec<&str> = scram_products.lines().collect();
    expect(ours == theirs, "minimal cut sets differ".to_string());

    let probability = result.probability.expect("probability was asked");
    let expected_approximation = settings.approximation.unwrap_or("none");
    expect(
        digest.approximation.as_deref() == Some(expected_approximation),
        format!("SCRAM used approximation {:?}", digest.approximation),
    );
    let ours = match settings.approximation {
        None => probability.exact,
        Some("rare-event") => probability.rare_event,
        Some(_) => probability.min_cut_upper_bound,
    };
    expect(
        same_as_printed(ours, &digest.probability),
        format!("probability {ours:e} vs {}", digest.probability),
    );

    // Under an approximation SCRAM also derives importance from the cut sets;
    // we always derive it from the exact BDD, so only exact runs compare it.
    if settings.approximation.is_none() {
        let names: Vec<&str> = result
            .importance
            .iter()
            .map(|row| row.event.as_str())
            .collect();
        let scram_names: Vec<&str> = digest.importance.keys().map(String::as_str).collect();
        expect(
            names == scram_names,
            format!("importance rows {names:?} vs {scram_names:?}"),
        );
        for row in &result.importance {
            let Some(scram) = digest.importance.get(&row.event) else {
                continue;
            };
            let field = |key: &str| scram[key].as_str();
            expect(
                row.occurrence.to_string() == field("occurrence"),
                format!("{} occurrence", row.event),
            );
            for (key, value) in [
                ("probability", row.probability),
                ("MIF", row.birnbaum),
                ("CIF", row.criticality),
                ("DIF", row.fussell_vesely),
                ("RAW", row.risk_achievement_worth),
            ] {
                expect(
                    same_as_printed(value, field(key)),
                    format!("{} {key} {value:e} vs {}", row.event, field(key)),
                );
            }
            let rrw_ok = match row.risk_reduction_worth {
                Some(value) => same_as_printed(value, field("RRW")),
                None => field("RRW") == "0",
            };
            expect(
                rrw_ok,
                format!(
                    "{} RRW {:?} vs {}",
                    row.event,
                    row.risk_reduction_worth,
                    field("RRW")
                ),
            );
        }
    }
    problems
}

#[test]
fn results_equal_scram_on_every_shipped_fault_tree() {
    let cases = scram_cases();
    assert!(cases.len() >= 16, "cases.txt lists the shipped models");
    let problems: Vec<String> = cases.iter().flat_map(compare).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Evaluates a compiled node for one assignment of the basic events.
fn evaluate(nodes: &[Node], node: usize, state: u64) -> bool {
    let all = |ids: &[usize]| {
        ids.iter()
            .map(|&id| evaluate(nodes, id, state))
            .collect::<Vec<_>>()
    };
    match &nodes[node] {
        Node::Variable(variable) => state >> variable & 1 == 1,
        Node::Constant(value) => *value,
        Node::And(ids) => all(ids).into_iter().all(|v| v),
        Node::Or(ids) => all(ids).into_iter().any(|v| v),
        Node::AtLeast(min, ids) => all(ids).into_iter().filter(|&v| v).count() >= *min as usize,
        Node::Not(id) => !evaluate(nodes, *id, state),
        Node::Xor(ids) => all(ids).into_iter().filter(|&v| v).count() % 2 == 1,
        Node::Nand(ids) => !all(ids).into_iter().all(|v| v),
        Node::Nor(ids) => !all(ids).into_iter().any(|v| v),
    }
}

#[test]
fn exact_probability_equals_enumeration_of_all_states_to_1e_12() {
    for case in scram_cases().iter().filter(|case| case.flags.is_empty()) {
        let files: Vec<&str> = case.files.iter().map(String::as_str).collect();
        let model = read_fixture_model(&files);
        let compiled = compile(&model, EvaluationSettings::default()).unwrap();
        if compiled.basic_events.len() > 16 {
            continue;
        }
        let p: Vec<f64> = compiled
            .basic_events
            .iter()
            .map(|e| e.probability.unwrap())
            .collect();
        for result in analyze(&model, None, &AnalysisSettings::default()).unwrap() {
            let root = compiled.gate_node(&result.top_event).unwrap();
            let enumerated: f64 = (0..1u64 << p.len())
                .filter(|&state| evaluate(&compiled.nodes, root, state))
                .map(|state| {
                    (0..p.len())
                        .map(|i| {
                            if state >> i & 1 == 1 {
                                p[i]
                            } else {
                                1.0 - p[i]
                            }
                        })
                        .product::<f64>()
                })
                .sum();
            let exact = result.probability.unwrap().exact;
            assert!(
                (exact - enumerated).abs() <= 1e-12 * enumerated,
                "{}: BDD {exact:e} vs enumeration {enumerated:e}",
                case.name
            );
        }
    }
}
