//! Firebreak's fault-tree results against SCRAM 0.16's on the models SCRAM
//! ships. SCRAM prints six significant digits, so numbers are compared to
//! half a unit of the sixth digit; exactness beyond that is checked against
//! brute-force enumeration of every state for the smaller models.

use std::collections::BTreeMap;

use firebreak_rca::fta::compile::{
    EvaluationSettings, Node, SequenceLogic, compile, compile_in_phase,
};
use firebreak_rca::fta::{
    AnalysisSettings, Approximation, MefSource, Model, TopEventAnalysis, analyze, read_mef,
};
use serde::Deserialize;

use crate::{ScramCase, fixtures, read_fixture_model, scram_cases};

#[derive(Deserialize)]
struct ScramDigest {
    approximation: Option<String>,
    /// By key, "initiating-event|name|alignment|phase".
    results: BTreeMap<String, ScramResult>,
    /// Each sequence's value as SCRAM printed it, by the same key.
    sequences: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct ScramResult {
    basic_events: usize,
    products: usize,
    distribution: Vec<usize>,
    probability: String,
    importance: BTreeMap<String, BTreeMap<String, String>>,
}

/// The digest's key of one of our results.
fn key_of(result: &TopEventAnalysis) -> String {
    let phase = result.phase.as_ref();
    format!(
        "{}|{}|{}|{}",
        result.initiating_event.as_deref().unwrap_or(""),
        result.top_event,
        phase.map_or("", |phase| phase.alignment.as_str()),
        phase.map_or("", |phase| phase.phase.as_str()),
    )
}

/// Equal to what SCRAM printed with six significant digits.
fn same_as_printed(ours: f64, printed: &str) -> bool {
    let theirs: f64 = printed.parse().expect("SCRAM prints numbers");
    (ours - theirs).abs() <= 5.000_001e-6 * theirs.abs().max(ours.abs()) + 1e-300
}

fn settings_of(case: &ScramCase) -> AnalysisSettings {
    let mut settings = AnalysisSettings::default();
    let mut flags = case.flags.iter();
    while let Some(flag) = flags.next() {
        match flag.as_str() {
            "--limit-order" => settings.limit_order = flags.next().unwrap().parse().unwrap(),
            "--mission-time" => settings.mission_time = flags.next().unwrap().parse().unwrap(),
            "--rare-event" => settings.approximation = Some(Approximation::RareEvent),
            "--mcub" => settings.approximation = Some(Approximation::Mcub),
            // Firebreak always expands CCF groups, as SCRAM does with
            // `--ccf true`; the fixtures are made that way.
            "--ccf" => assert_eq!(flags.next().map(String::as_str), Some("true")),
            // MOCUS gives SCRAM the same minimal cut sets as its BDD, and
            // no BDD for the probability, which it then approximates.
            "--mocus" => {
                settings.approximation = settings.approximation.or(Some(Approximation::RareEvent))
            }
            // SCRAM's configuration file: the limits it sets. Its cut-off
            // SCRAM 0.16 reads but does not apply.
            "--config-file" => {
                let path = fixtures().join("models").join(flags.next().unwrap());
                let config = std::fs::read_to_string(path).unwrap();
                let limit = |tag: &str| {
                    let start = config.find(&format!("<{tag}>"))? + tag.len() + 2;
                    let end = start + config[start..].find('<')?;
                    Some(config[start..end].trim().to_string())
                };
                if let Some(order) = limit("product-order") {
                    settings.limit_order = order.parse().unwrap();
                }
                if let Some(time) = limit("mission-time") {
                    settings.mission_time = time.parse().unwrap();
                }
            }
            other => panic!("{}: flag {other} not understood", case.name),
        }
    }
    settings
}

/// A model SCRAM refuses: Firebreak must refuse it too, naming the line
/// SCRAM names.
fn compare_refusal(case: &ScramCase, scram_error: &str) -> Vec<String> {
    let settings = settings_of(case);
    let texts: Vec<(String, String)> = case
        .files
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(fixtures().join("models").join(file)).unwrap();
            (file.clone(), text)
        })
        .collect();
    let sources: Vec<MefSource<'_>> = texts
        .iter()
        .map(|(name, text)| MefSource { name, text })
        .collect();
    let refusal = read_mef(&sources).and_then(|model| analyze(&model, None, &settings));
    let Err(error) = refusal else {
        return vec![format!(
            "{}: SCRAM refuses the model, we accept it",
            case.name
        )];
    };
    let field = |name: &str| {
        scram_error
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(str::trim)
    };
    match (field("File:"), field("Line:")) {
        (Some(file), Some(line)) if !error.to_string().contains(&format!("{file}:{line}:")) => {
            vec![format!(
                "{}: SCRAM refuses at {file}:{line}, we with \"{error}\"",
                case.name
            )]
        }
        _ => Vec::new(),
    }
}

fn compare(case: &ScramCase) -> Vec<String> {
    let reports = fixtures().join("reports");
    if let Ok(scram_error) =
        std::fs::read_to_string(reports.join(format!("{}.error.txt", case.name)))
    {
        return compare_refusal(case, &scram_error);
    }
    let settings = settings_of(case);
    let files: Vec<&str> = case.files.iter().map(String::as_str).collect();
    let model = read_fixture_model(&files);
    let digest: ScramDigest = serde_json::from_str(
        &std::fs::read_to_string(reports.join(format!("{}.json", case.name))).unwrap(),
    )
    .unwrap();
    let mut scram_products: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let products_text =
        std::fs::read_to_string(reports.join(format!("{}.products.txt", case.name))).unwrap();
    for line in products_text.lines() {
        let (key, events) = line.split_once('\t').expect("KEY<TAB>events");
        scram_products.entry(key).or_default().push(events);
    }
    let results = match analyze(&model, None, &settings) {
        Ok(results) => results,
        Err(error) => return vec![format!("{}: {error}", case.name)],
    };
    let mut problems = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            problems.push(format!("{}: {what}", case.name));
        }
    };
    let expected_approximation = match settings.approximation {
        None => "none",
        Some(Approximation::RareEvent) => "rare-event",
        Some(Approximation::Mcub) => "mcub",
    };
    expect(
        digest.approximation.as_deref() == Some(expected_approximation),
        format!("SCRAM used approximation {:?}", digest.approximation),
    );

    // SCRAM reports cut sets for every result but expression-only sequences.
    let ours: BTreeMap<String, &TopEventAnalysis> = results
        .iter()
        .map(|result| (key_of(result), result))
        .collect();
    let with_cut_sets: Vec<&String> = ours
        .iter()
        .filter(|(_, result)| !result.expression_only)
        .map(|(key, _)| key)
        .collect();
    let scram_keys: Vec<&String> = digest.results.keys().collect();
    expect(
        with_cut_sets == scram_keys,
        format!("results {with_cut_sets:?} vs {scram_keys:?}"),
    );
    for (key, value) in &digest.sequences {
        let value_ok = ours.get(key).is_some_and(|result| {
            let ours = result
                .probability
                .and_then(|p| p.value(settings.approximation));
            ours.is_some_and(|ours| same_as_printed(ours, value))
        });
        expect(value_ok, format!("sequence {key} vs {value}"));
    }
    for (key, scram) in &digest.results {
        let Some(result) = ours.get(key) else {
            continue;
        };
        let flipped =
            !result.importance.is_empty() && scram_flips_birnbaum(&model, result, &settings);
        compare_result(
            result,
            scram,
            &scram_products,
            key,
            &settings,
            flipped,
            &mut expect,
        );
    }
    problems
}

/// SCRAM 0.16 computes the Birnbaum importance (MIF) from its BDD's root
/// vertex and ignores the complement flag of the root edge
/// (`ImportanceAnalyzer<Bdd>::CalculateMif` in src/importance_analysis.cc).
/// Its BDD complements low edges only, so the root edge is complemented
/// exactly when the function is false with every basic event failed, which
/// only a non-coherent function can be. There SCRAM prints the MIF with the
/// wrong sign, and CIF, DIF, RAW and RRW derived from it. Firebreak keeps
/// the true sign; the parity test applies SCRAM's flip to compare.
fn scram_flips_birnbaum(
    model: &Model,
    result: &TopEventAnalysis,
    settings: &AnalysisSettings,
) -> bool {
    let phase = result.phase.as_ref().map(|of| {
        model
            .alignments
            .iter()
            .find(|alignment| alignment.name == of.alignment)
            .and_then(|alignment| alignment.phases.iter().find(|phase| phase.name == of.phase))
            .expect("the phase of a result")
    });
    let compiled = compile_in_phase(
        model,
        EvaluationSettings {
            mission_time: settings.mission_time,
        },
        phase,
    )
    .unwrap();
    let root = match &result.initiating_event {
        Some(initiating_event) => {
            let sequence = compiled
                .sequences
                .iter()
                .find(|s| &s.initiating_event == initiating_event && s.name == result.top_event)
                .expect("the sequence of a result");
            match sequence.logic {
                SequenceLogic::Formula(node) => node,
                SequenceLogic::Frequency(_) => return false,
            }
        }
        None => compiled.gate_node(&result.top_event).unwrap(),
    };
    let mut memo = vec![None; compiled.nodes.len()];
    let all_failed = evaluate_memo(&compiled.nodes, root, &mut memo)
        && compiled
            .constraint
            .is_none_or(|constraint| evaluate_memo(&compiled.nodes, constraint, &mut memo));
    !all_failed
}

/// A node's value with every basic event failed, each node computed once.
fn evaluate_memo(nodes: &[Node], node: usize, memo: &mut Vec<Option<bool>>) -> bool {
    if let Some(value) = memo[node] {
        return value;
    }
    let count = |ids: &[usize], memo: &mut Vec<Option<bool>>| {
        ids.iter()
            .filter(|&&id| evaluate_memo(nodes, id, memo))
            .count()
    };
    let value = match &nodes[node] {
        Node::Variable(_) => true,
        Node::Constant(value) => *value,
        Node::And(ids) => count(ids, memo) == ids.len(),
        Node::Or(ids) => count(ids, memo) > 0,
        Node::AtLeast(min, ids) => count(ids, memo) >= *min as usize,
        Node::Not(id) => !evaluate_memo(nodes, *id, memo),
        Node::Xor(ids) => count(ids, memo) % 2 == 1,
        Node::Nand(ids) => count(ids, memo) < ids.len(),
        Node::Nor(ids) => count(ids, memo) == 0,
    };
    memo[node] = Some(value);
    value
}

fn compare_result(
    result: &TopEventAnalysis,
    digest: &ScramResult,
    scram_products: &BTreeMap<&str, Vec<&str>>,
    key: &str,
    settings: &AnalysisSettings,
    scram_flips_birnbaum: bool,
    expect: &mut impl FnMut(bool, String),
) {
    // SCRAM counts the basic events that occur in the cut sets.
    let in_cut_sets: std::collections::BTreeSet<&String> = result
        .minimal_cut_sets
        .iter()
        .flat_map(|set| &set.events)
        .collect();
    expect(
        in_cut_sets.len() == digest.basic_events,
        format!(
            "{key}: basic events {} vs {}",
            in_cut_sets.len(),
            digest.basic_events
        ),
    );
    expect(
        result.minimal_cut_sets.len() == digest.products,
        format!(
            "{key}: products {} vs {}",
            result.minimal_cut_sets.len(),
            digest.products
        ),
    );
    // SCRAM counts the empty set of a certain result (UNITY) as order 1.
    let certain = matches!(result.minimal_cut_sets.as_slice(), [only] if only.events.is_empty());
    let distribution = if certain {
        vec![1]
    } else {
        result.order_distribution()
    };
    expect(
        distribution == digest.distribution,
        format!(
            "{key}: distribution {distribution:?} vs {:?}",
            digest.distribution
        ),
    );
    let mut ours: Vec<String> = result
        .minimal_cut_sets
        .iter()
        .map(|set| set.events.join(" "))
        .collect();
    ours.sort();
    let theirs = scram_products.get(key).cloned().unwrap_or_default();
    expect(ours == theirs, format!("{key}: minimal cut sets differ"));

    let probability = result.probability.expect("probability was asked");
    let value = probability.value(settings.approximation);
    expect(
        value.is_some_and(|value| same_as_printed(value, &digest.probability)),
        format!("{key}: probability {value:?} vs {}", digest.probability),
    );

    // Under an approximation SCRAM also derives importance from the cut sets;
    // we always derive it from the exact BDD, so only exact runs compare it.
    if settings.approximation.is_some() {
        return;
    }
    let names: Vec<&str> = result
        .importance
        .iter()
        .map(|row| row.event.as_str())
        .collect();
    let scram_names: Vec<&str> = digest.importance.keys().map(String::as_str).collect();
    expect(
        names == scram_names,
        format!("{key}: importance rows {names:?} vs {scram_names:?}"),
    );
    let total = probability.exact.expect("an exact run");
    for row in &result.importance {
        let Some(scram) = digest.importance.get(&row.event) else {
            continue;
        };
        let field = |name: &str| scram[name].as_str();
        let p = row.probability;
        expect(
            row.occurrence.to_string() == field("occurrence"),
            format!("{key}: {} occurrence", row.event),
        );
        let mut check = |name: &str, value: f64| {
            expect(
                same_as_printed(value, field(name)),
                format!("{key}: {} {name} {value:e} vs {}", row.event, field(name)),
            );
        };
        check("probability", p);
        if scram_flips_birnbaum {
            // SCRAM's formulas from its negated Birnbaum importance.
            let birnbaum = -row.birnbaum;
            let risk_achievement_worth = 1.0 + (1.0 - p) * birnbaum / total;
            check("MIF", birnbaum);
            check("CIF", p * birnbaum / total);
            check("DIF", p * risk_achievement_worth);
            check("RAW", risk_achievement_worth);
            check("RRW", total / (total - p * birnbaum));
            continue;
        }
        check("MIF", row.birnbaum);
        check("CIF", row.criticality);
        check("DIF", row.fussell_vesely);
        check("RAW", row.risk_achievement_worth);
        if row.risk_reduction_worth.is_finite() {
            check("RRW", row.risk_reduction_worth);
        } else {
            // The one deliberate difference: where the event is in every
            // failure, P(top | not event) is 0 and the worth infinite.
            // SCRAM computes total / (total − p·MIF), whose denominator is
            // rounding residue: it prints 0 (residue exactly 0) or a huge
            // number of either sign.
            let theirs: f64 = field("RRW").parse().expect("SCRAM prints numbers");
            expect(
                theirs == 0.0 || theirs.abs() >= 1e12,
                format!(
                    "{key}: {} RRW is infinite, SCRAM prints {theirs:e}",
                    row.event
                ),
            );
        }
    }
}

#[test]
fn results_equal_scram_on_every_shipped_model() {
    let cases = scram_cases();
    assert!(cases.len() >= 30, "cases.txt lists the shipped models");
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
    for case in scram_cases()
        .iter()
        .filter(|case| case.flags.is_empty() && !case.refused_by_scram())
    {
        let files: Vec<&str> = case.files.iter().map(String::as_str).collect();
        let model = read_fixture_model(&files);
        let compiled = compile(&model, EvaluationSettings::default()).unwrap();
        // Phases and substitutions change the function analysed.
        if compiled.basic_events.len() > 16
            || !model.alignments.is_empty()
            || compiled.constraint.is_some()
        {
            continue;
        }
        let p: Vec<f64> = compiled
            .basic_events
            .iter()
            .map(|e| e.probability.unwrap())
            .collect();
        for result in analyze(&model, None, &AnalysisSettings::default()).unwrap() {
            if result.initiating_event.is_some() {
                continue;
            }
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
            let exact = result.probability.unwrap().exact.unwrap();
            assert!(
                (exact - enumerated).abs() <= 1e-12 * enumerated,
                "{}: BDD {exact:e} vs enumeration {enumerated:e}",
                case.name
            );
        }
    }
}
