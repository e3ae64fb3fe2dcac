use std::path::PathBuf;

use firebreak_rca::fta::{AnalysisSettings, MefSource, Model, analyze, read_mef};
use firebreak_report::{FaultTreeOptions, fault_tree_svg};

use crate::assert_svg_document;

fn read_model(path: PathBuf) -> Model {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.display().to_string();
    read_mef(&[MefSource {
        name: &name,
        text: &text,
    }])
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// SCRAM's three-motor model (from OpenFTA): house events, a private
/// component reached through a transfer, long labels. The first cut set of
/// the highest order is highlighted.
#[test]
fn fault_tree() {
    let model = read_model(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../rca/tests/fixtures/scram/models/ThreeMotor/three_motor.xml"),
    );
    let settings = AnalysisSettings::default();
    let analyses = analyze(&model, None, &settings).expect("three-motor analyses");
    let analysis = &analyses[0];
    let highlighted = analysis
        .minimal_cut_sets
        .iter()
        .max_by_key(|set| set.events.len())
        .expect("a cut set");
    let svg = fault_tree_svg(
        &model,
        &analysis.top_event,
        &FaultTreeOptions {
            evaluation: Default::default(),
            analysis: Some(analysis),
            highlighted_cut_set: Some(highlighted),
        },
    )
    .expect("three-motor draws");
    assert_svg_document(&svg);
    insta::assert_snapshot!("fault_tree", svg);
}

/// Every gate symbol, a house event, an inhibit condition and a gate used
/// twice, which is drawn once and then referenced by a transfer triangle.
#[test]
fn fault_tree_gate_symbols() {
    let model = read_model(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/gate_symbols.xml"),
    );
    let svg = fault_tree_svg(&model, "Top", &FaultTreeOptions::default()).expect("draws");
    assert_svg_document(&svg);
    assert_eq!(
        svg.matches(">NoAlert</text>").count(),
        2,
        "drawn once, then transferred"
    );
    insta::assert_snapshot!("fault_tree_gate_symbols", svg);
}

#[test]
fn unknown_top_event_is_refused() {
    let model = read_model(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/gate_symbols.xml"),
    );
    let error = fault_tree_svg(&model, "Nope", &FaultTreeOptions::default()).unwrap_err();
    assert_eq!(
        error,
        firebreak_rca::RcaError::UnknownTopEvent("Nope".into())
    );
}
