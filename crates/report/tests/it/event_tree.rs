use std::path::PathBuf;

use firebreak_rca::fta::{AnalysisSettings, MefSource, analyze, read_mef};
use firebreak_report::event_tree_svg;

use crate::assert_svg_document;

/// SCRAM's gas-leak event tree (Andrews and Dunnett): three functional
/// events with long names, forks that skip columns, and the sequence
/// probabilities the analysis finds.
#[test]
fn event_tree() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../rca/tests/fixtures/scram/models/EventTrees/gas_leak/gas_leak_reactive.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let model = read_mef(&[MefSource {
        name: "gas_leak_reactive.xml",
        text: &text,
    }])
    .unwrap();
    let results = analyze(&model, None, &AnalysisSettings::default()).unwrap();
    let values: Vec<(&str, f64)> = results
        .iter()
        .filter(|result| result.initiating_event.as_deref() == Some("Gas-Leak-Detection"))
        .map(|result| {
            (
                result.top_event.as_str(),
                result.probability.unwrap().exact.unwrap(),
            )
        })
        .collect();
    assert_eq!(values.len(), 8);
    let svg = event_tree_svg(&model, "Gas-Leak-Detection", &values).unwrap();
    assert_svg_document(&svg);
    insta::assert_snapshot!(svg);
}

/// Named branches are drawn where they are used, and expression values
/// (split fractions) label the sequences.
#[test]
fn event_tree_with_named_branches() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../rca/tests/fixtures/scram/models/EventTrees/bcd.xml");
    let text = std::fs::read_to_string(&path).unwrap();
    let model = read_mef(&[MefSource {
        name: "bcd.xml",
        text: &text,
    }])
    .unwrap();
    let svg = event_tree_svg(&model, "I", &[("Success", 0.594), ("Failure", 0.406)]).unwrap();
    assert_svg_document(&svg);
    assert_eq!(svg.matches(">Success</text>").count(), 4);
    assert_eq!(svg.matches(">Failure</text>").count(), 4);
    let error = event_tree_svg(&model, "Nope", &[]).unwrap_err();
    assert!(error.to_string().contains("`Nope`"), "{error}");
}
