//! Fuzz tests (property-based, `FIREBREAK_FUZZ_CASES` cases per target): the
//! MEF reader on arbitrary text and on mutations of every shipped model, the
//! analysis on random small fault trees against brute-force enumeration, and
//! the artifact parsers (5 Whys, Fishbone, Swiss Cheese, cause statement,
//! FMEA JSON and CSV). Every input must give `Ok` or a typed error.

use std::collections::BTreeSet;

use firebreak_core::lint::LintConfig;
use firebreak_fuzz::{ByteEdit, apply_byte_edits, byte_edits, config, json, mutated_json, text};
use firebreak_rca::cause_statement::CauseStatement;
use firebreak_rca::fishbone::{Fishbone, FishbonePreset};
use firebreak_rca::fmea::{FmeaRow, fmea_from_csv, fmea_to_csv};
use firebreak_rca::fta::{AnalysisSettings, MefSource, analyze, read_mef};
use firebreak_rca::swiss_cheese::SwissCheese;
use firebreak_rca::whys::{WhysAnalysis, check_whys};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The file sets of every SCRAM parity case, read once: (case, [(file, text)]).
fn shipped_models() -> Vec<(String, Vec<(String, String)>)> {
    let mut seen = BTreeSet::new();
    crate::scram_cases()
        .into_iter()
        .filter(|case| seen.insert(case.files.clone()))
        .map(|case| {
            let texts = case
                .files
                .iter()
                .map(|file| {
                    let path = crate::fixtures().join("models").join(file);
                    let text = std::fs::read_to_string(&path)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    (file.clone(), text)
                })
                .collect();
            (case.name, texts)
        })
        .collect()
}

/// Models up to this size (all files together) are also analysed when a
/// mutation leaves them readable; bigger ones would make a case take seconds.
const ANALYSED_MODEL_BYTES: usize = 8_000;

fn read_and_analyse(files: &[(String, String)]) {
    let sources: Vec<MefSource<'_>> = files
        .iter()
        .map(|(name, text)| MefSource { name, text })
        .collect();
    let Ok(model) = read_mef(&sources) else {
        return;
    };
    let size: usize = files.iter().map(|(_, text)| text.len()).sum();
    if size <= ANALYSED_MODEL_BYTES {
        let settings = AnalysisSettings {
            limit_order: 4,
            ..AnalysisSettings::default()
        };
        if let Ok(results) = analyze(&model, None, &settings) {
            // An expression-only sequence reports the product of its
            // collected expressions, a frequency that need not be in [0, 1].
            for result in results.iter().filter(|result| !result.expression_only) {
                if let Some(probability) = result.probability {
                    for value in [probability.rare_event, probability.min_cut_upper_bound]
                        .into_iter()
                        .chain(probability.exact)
                    {
                        assert!(
                            (0.0..=1.0 + 1e-9).contains(&value),
                            "{}: probability {value} outside [0, 1]",
                            result.top_event
                        );
                    }
                }
            }
        }
    }
}

/// A change to a MEF text that keeps more of its structure than a byte edit:
/// whole lines (elements, mostly) deleted, duplicated or moved, or one
/// attribute value replaced.
#[derive(Debug, Clone)]
enum MefEdit {
    Bytes(Vec<ByteEdit>),
    DeleteLine(usize),
    DuplicateLine(usize),
    MoveLine { from: usize, to: usize },
    Attribute { nth: usize, value: String },
}

fn mef_edit() -> impl Strategy<Value = MefEdit> {
    let attribute_value = prop_oneof![
        Just("-1".to_string()),
        Just("0".to_string()),
        Just("1".to_string()),
        Just("2".to_string()),
        Just("1e400".to_string()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("18446744073709551616".to_string()),
        Just("top".to_string()),
        Just(String::new()),
        text(),
    ];
    prop_oneof![
        byte_edits().prop_map(MefEdit::Bytes),
        any::<usize>().prop_map(MefEdit::DeleteLine),
        any::<usize>().prop_map(MefEdit::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(from, to)| MefEdit::MoveLine { from, to }),
        (any::<usize>(), attribute_value)
            .prop_map(|(nth, value)| MefEdit::Attribute { nth, value }),
    ]
}

fn apply_mef_edit(text: &str, edit: &MefEdit) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let count = lines.len().max(1);
    match edit {
        MefEdit::Bytes(edits) => {
            return String::from_utf8_lossy(&apply_byte_edits(text.as_bytes(), edits)).into_owned();
        }
        MefEdit::DeleteLine(at) => {
            if !lines.is_empty() {
                lines.remove(at % count);
            }
        }
        MefEdit::DuplicateLine(at) => {
            if !lines.is_empty() {
                let line = lines[at % count];
                lines.insert(at % count, line);
            }
        }
        MefEdit::MoveLine { from, to } => {
            if !lines.is_empty() {
                let line = lines.remove(from % count);
                lines.insert(to % lines.len().max(1), line);
            }
        }
        MefEdit::Attribute { nth, value } => {
            let starts: Vec<usize> = text.match_indices("=\"").map(|(at, _)| at + 2).collect();
            if let Some(&start) = starts.get(nth % starts.len().max(1)) {
                let end = text[start..]
                    .find('"')
                    .map_or(text.len(), |end| start + end);
                let escaped = value.replace('&', "&amp;").replace('"', "&quot;");
                return format!("{}{escaped}{}", &text[..start], &text[end..]);
            }
        }
    }
    lines.join("\n")
}

/// One fault tree over `events` basic events: gate `i` reads basic events
/// and gates numbered above it, so the tree has no cycle.
#[derive(Debug, Clone)]
struct RandomTree {
    probabilities: Vec<f64>,
    gates: Vec<RandomGate>,
}

#[derive(Debug, Clone)]
struct RandomGate {
    kind: GateKind,
    /// Distinct child indexes: `0..events` are basic events, then gates.
    children: Vec<usize>,
}

#[derive(Debug, Clone, Copy)]
enum GateKind {
    And,
    Or,
    AtLeast(usize),
    Not,
    Xor,
    Nand,
    Nor,
}

fn random_tree() -> impl Strategy<Value = RandomTree> {
    let probability = prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64];
    let gate = (
        0..7u8,
        proptest::collection::vec(any::<usize>(), 1..5),
        any::<usize>(),
    );
    (
        proptest::collection::vec(probability, 2..7),
        proptest::collection::vec(gate, 1..7),
    )
        .prop_map(|(probabilities, raw_gates)| {
            let events = probabilities.len();
            let gate_count = raw_gates.len();
            let gates = raw_gates
                .into_iter()
                .enumerate()
                .map(|(index, (kind, picks, min))| {
                    // Basic events and the gates after this one.
                    let candidates: Vec<usize> = (0..events)
                        .chain(events + index + 1..events + gate_count)
                        .collect();
                    let mut children: Vec<usize> = Vec::new();
                    for pick in picks {
                        let child = candidates[pick % candidates.len()];
                        if !children.contains(&child) {
                            children.push(child);
                        }
                    }
                    let kind = match kind {
                        0 => GateKind::And,
                        1 => GateKind::Or,
                        2 => GateKind::AtLeast(min),
                        3 => GateKind::Not,
                        4 => GateKind::Xor,
                        5 => GateKind::Nand,
                        _ => GateKind::Nor,
                    };
                    let wanted = match kind {
                        GateKind::Not => 1,
                        GateKind::Xor => 2,
                        GateKind::AtLeast(_) => children.len().max(3),
                        _ => children.len().max(2),
                    };
                    children.truncate(wanted);
                    for candidate in &candidates {
                        if children.len() == wanted {
                            break;
                        }
                        if !children.contains(candidate) {
                            children.push(*candidate);
                        }
                    }
                    let kind = match kind {
                        GateKind::AtLeast(min) => GateKind::AtLeast(1 + min % (children.len() - 1)),
                        other => other,
                    };
                    RandomGate { kind, children }
                })
                .collect();
            RandomTree {
                probabilities,
                gates,
            }
        })
}

impl RandomTree {
    fn child_xml(&self, child: usize) -> String {
        let events = self.probabilities.len();
        if child < events {
            format!("<basic-event name=\"e{child}\"/>")
        } else {
            format!("<gate name=\"g{}\"/>", child - events)
        }
    }

    fn to_mef(&self) -> String {
        let mut xml = String::from(
            "<?xml version=\"1.0\"?>\n<opsa-mef>\n<define-fault-tree name=\"Random\">\n",
        );
        for (index, gate) in self.gates.iter().enumerate() {
            let children: String = gate.children.iter().map(|&c| self.child_xml(c)).collect();
            let formula = match gate.kind {
                GateKind::And => format!("<and>{children}</and>"),
                GateKind::Or => format!("<or>{children}</or>"),
                GateKind::AtLeast(min) => format!("<atleast min=\"{min}\">{children}</atleast>"),
                GateKind::Not => format!("<not>{children}</not>"),
                GateKind::Xor => format!("<xor>{children}</xor>"),
                GateKind::Nand => format!("<nand>{children}</nand>"),
                GateKind::Nor => format!("<nor>{children}</nor>"),
            };
            xml.push_str(&format!(
                "<define-gate name=\"g{index}\">{formula}</define-gate>\n"
            ));
        }
        xml.push_str("</define-fault-tree>\n<model-data>\n");
        for (index, probability) in self.probabilities.iter().enumerate() {
            xml.push_str(&format!(
                "<define-basic-event name=\"e{index}\"><float value=\"{probability:e}\"/></define-basic-event>\n"
            ));
        }
        xml.push_str("</model-data>\n</opsa-mef>\n");
        xml
    }

    fn value(&self, child: usize, state: &[bool]) -> bool {
        let events = self.probabilities.len();
        if child < events {
            return state[child];
        }
        let gate = &self.gates[child - events];
        let values: Vec<bool> = gate
            .children
            .iter()
            .map(|&c| self.value(c, state))
            .collect();
        let true_count = values.iter().filter(|v| **v).count();
        match gate.kind {
            GateKind::And => true_count == values.len(),
            GateKind::Or => true_count > 0,
            GateKind::AtLeast(min) => true_count >= min,
            GateKind::Not => !values[0],
            GateKind::Xor => true_count % 2 == 1,
            GateKind::Nand => true_count < values.len(),
            GateKind::Nor => true_count == 0,
        }
    }

    /// P(g0) by summing over every assignment of the basic events.
    fn brute_force_probability(&self) -> f64 {
        let events = self.probabilities.len();
        (0..1u32 << events)
            .map(|bits| {
                let state: Vec<bool> = (0..events).map(|e| bits & (1 << e) != 0).collect();
                if !self.value(events, &state) {
                    return 0.0;
                }
                state
                    .iter()
                    .zip(&self.probabilities)
                    .map(|(&on, &p)| if on { p } else { 1.0 - p })
                    .product::<f64>()
            })
            .sum()
    }
}

fn whys_sample() -> Value {
    json!({
        "symptom": "Approvals for group C fell",
        "whys": [{
            "statement": "Model v2 down-weighted the postcode feature",
            "category": "model",
            "evidence": ["EV-1"],
            "causes": [{
                "statement": "No fairness gate in the release pipeline",
                "category": "process",
                "evidence": [],
                "causes": [{"statement": "operator error", "category": {"custom": "people"}, "evidence": [], "causes": []}]
            }]
        }]
    })
}

fn fishbone_sample() -> Value {
    let mut fishbone = Fishbone::new("Approvals fell", FishbonePreset::Ai);
    let mut value = serde_json::to_value(&fishbone).unwrap();
    value["categories"][0]["causes"] = json!([{
        "statement": "Stale training data", "evidence": ["EV-2"], "votes": 3, "likelihood": 0.5,
        "chosen_as_root_cause": true,
        "sub_causes": [{"statement": "No refresh job", "evidence": [], "votes": 0, "likelihood": null,
                        "chosen_as_root_cause": false, "sub_causes": []}]
    }]);
    fishbone = serde_json::from_value(value.clone()).expect("the sample is a fishbone");
    assert!(!fishbone.ranked_causes().is_empty());
    value
}

fn swiss_cheese_sample() -> Value {
    let mut value =
        serde_json::to_value(SwissCheese::with_ai_default_layers("Biased decisions")).unwrap();
    value["layers"][1]["holes"] = json!([{
        "description": "No fairness review", "kind": "latent_condition", "findings": ["F-1"], "on_trajectory": true
    }]);
    value
}

fn cause_statement_sample() -> Value {
    json!({
        "proximate_cause": {"statement": "Model v2 released", "category": "model",
                            "supported_by": [{"kind": "why", "artifact": "w", "chain": [0, 1]}]},
        "root_causes": [{"statement": "No fairness gate", "category": "process", "supported_by": [
            {"kind": "fishbone_cause", "artifact": "f", "category": "Data", "path": ["a"]},
            {"kind": "cut_set", "artifact": "t", "events": ["e1"]},
            {"kind": "fmea_row", "artifact": "m", "row": 0},
            {"kind": "swiss_cheese_hole", "artifact": "s", "layer": 1, "hole": 0}
        ]}],
        "contributing_factors": []
    })
}

fn fmea_csv_sample() -> String {
    let header = firebreak_rca::fmea::CSV_COLUMNS.join(",");
    format!(
        "{header}\r\nScoring model,Biased output,Group C declined,\"Stale data, no refresh\",Review,Drift alert,8,4,6,192,H,\"Add gate\nRetrain\",\"ana\nbo\",\"2026-04-15\n\",\"act-1\nact-2\",\"open\nin_progress\"\r\n"
    )
}

fn fmea_json_sample() -> Value {
    let rows = fmea_from_csv(&fmea_csv_sample()).expect("the sample CSV reads");
    serde_json::to_value(rows).unwrap()
}

/// Checks every artifact kind a JSON value might be, as the server does
/// before saving one.
fn check_artifacts(value: &Value) {
    if let Ok(whys) = serde_json::from_value::<WhysAnalysis>(value.clone()) {
        check_whys(&whys, &LintConfig::default(), &["Bob".to_string()]);
    }
    if let Ok(fishbone) = serde_json::from_value::<Fishbone>(value.clone()) {
        fishbone.check();
        fishbone.root_causes();
    }
    if let Ok(swiss) = serde_json::from_value::<SwissCheese>(value.clone()) {
        let trajectory = swiss.trajectory();
        for (layer, hole) in trajectory.holes {
            assert!(swiss.layers[layer].holes[hole].on_trajectory);
        }
    }
    if let Ok(statement) = serde_json::from_value::<CauseStatement>(value.clone()) {
        statement.check();
    }
    if let Ok(rows) = serde_json::from_value::<Vec<FmeaRow>>(value.clone()) {
        for row in &rows {
            assert!((1..=1000).contains(&row.risk_priority_number()));
            row.action_priority();
        }
        fmea_round_trips(&rows);
    }
}

/// Rows written as CSV read back as the same rows once the CSV has been read
/// a first time (the CSV keeps fewer action fields than JSON).
fn fmea_round_trips(rows: &[FmeaRow]) {
    let Ok(once) = fmea_from_csv(&fmea_to_csv(rows)) else {
        return;
    };
    let twice = fmea_from_csv(&fmea_to_csv(&once)).expect("CSV we wrote reads back");
    assert_eq!(once, twice, "CSV round trip");
}

proptest! {
    #![proptest_config(config(1))]

    #[test]
    fn mef_reader_takes_arbitrary_text(text in text(), bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let lossy = String::from_utf8_lossy(&bytes);
        for text in [text.as_str(), &lossy, &format!("<opsa-mef>{text}</opsa-mef>")] {
            let _ = read_mef(&[MefSource { name: "fuzz.xml", text }]);
        }
    }

    #[test]
    fn artifact_parsers_take_arbitrary_json(value in json()) {
        check_artifacts(&value);
    }

    #[test]
    fn artifact_parsers_take_mutated_artifacts(value in mutated_json(vec![
        whys_sample(), fishbone_sample(), swiss_cheese_sample(), cause_statement_sample(), fmea_json_sample(),
    ])) {
        check_artifacts(&value);
    }

    #[test]
    fn fmea_csv_reader_takes_arbitrary_and_mutated_text(
        arbitrary in text(),
        edits in byte_edits(),
    ) {
        let _ = fmea_from_csv(&arbitrary);
        let mutated = String::from_utf8_lossy(&apply_byte_edits(fmea_csv_sample().as_bytes(), &edits)).into_owned();
        if let Ok(rows) = fmea_from_csv(&mutated) {
            fmea_round_trips(&rows);
        }
    }
}

proptest! {
    #![proptest_config(config(4))]

    #[test]
    fn mef_reader_and_analysis_take_mutated_models(
        (model, file, edits) in (0..shipped_models().len(), any::<usize>(), proptest::collection::vec(mef_edit(), 1..4)),
    ) {
        let (_, mut files) = shipped_models().swap_remove(model);
        let file = file % files.len();
        for edit in &edits {
            files[file].1 = apply_mef_edit(&files[file].1, edit);
        }
        read_and_analyse(&files);
    }

    #[test]
    fn analysis_of_random_fault_trees_matches_enumeration(tree in random_tree()) {
        let xml = tree.to_mef();
        let model = read_mef(&[MefSource { name: "random.xml", text: &xml }])
            .unwrap_or_else(|e| panic!("a valid tree is refused: {e}\n{xml}"));
        let results = analyze(&model, Some("g0"), &AnalysisSettings::default())
            .unwrap_or_else(|e| panic!("a valid tree is not analysed: {e}\n{xml}"));
        let exact = results[0].probability.and_then(|p| p.exact).expect("an exact probability");
        let expected = tree.brute_force_probability();
        prop_assert!((exact - expected).abs() <= 1e-9, "P(g0) = {exact}, enumeration gives {expected}\n{xml}");
    }

    #[test]
    fn deeply_nested_formulas_are_refused_or_read(depth in 1..20_000usize) {
        let mut xml = String::from("<opsa-mef><define-fault-tree name=\"Deep\"><define-gate name=\"top\">");
        for level in 0..depth {
            xml.push_str(&format!("<or><basic-event name=\"e{level}\"/>"));
        }
        xml.push_str("<basic-event name=\"last\"/>");
        xml.push_str(&"</or>".repeat(depth));
        xml.push_str("</define-gate></define-fault-tree></opsa-mef>");
        let _ = read_mef(&[MefSource { name: "deep.xml", text: &xml }]);
    }

    #[test]
    fn long_gate_chains_are_refused_or_analysed(length in 1..1_000usize) {
        let mut xml = String::from("<opsa-mef><define-fault-tree name=\"Chain\">");
        for index in 0..length {
            xml.push_str(&format!(
                "<define-gate name=\"g{index}\"><or><gate name=\"g{}\"/><basic-event name=\"e{index}\"/></or></define-gate>",
                index + 1
            ));
        }
        xml.push_str(&format!("<define-gate name=\"g{length}\"><and><basic-event name=\"a\"/><basic-event name=\"b\"/></and></define-gate>"));
        xml.push_str("</define-fault-tree></opsa-mef>");
        if let Ok(model) = read_mef(&[MefSource { name: "chain.xml", text: &xml }]) {
            let settings = AnalysisSettings { limit_order: 2, probability: false, importance: false, ..AnalysisSettings::default() };
            let _ = analyze(&model, Some("g0"), &settings);
        }
    }
}
