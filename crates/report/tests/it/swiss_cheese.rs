use firebreak_rca::swiss_cheese::{Hole, HoleKind, SwissCheese};
use firebreak_report::swiss_cheese_svg;

use crate::assert_svg_document;

fn hole(description: &str, kind: HoleKind, on_trajectory: bool) -> Hole {
    Hole {
        description: description.into(),
        kind,
        findings: Vec::new(),
        on_trajectory,
    }
}

/// The AI default layers: four breached, the kill switch held.
#[test]
fn swiss_cheese() {
    let mut model = SwissCheese::with_ai_default_layers(
        "A retrained credit model penalises applicants from one postcode",
    );
    let holes = [
        vec![
            hole(
                "Postcode allowed as a feature without a proxy check",
                HoleKind::LatentCondition,
                true,
            ),
            hole("Null rate checks only", HoleKind::LatentCondition, false),
        ],
        vec![hole(
            "Fairness review waived for a 'minor' retrain",
            HoleKind::ActiveFailure,
            true,
        )],
        vec![
            hole(
                "Canary ran on one region only",
                HoleKind::LatentCondition,
                true,
            ),
            hole(
                "Canary metrics were accuracy only",
                HoleKind::LatentCondition,
                false,
            ),
            hole(
                "Canary window shortened to two hours",
                HoleKind::ActiveFailure,
                false,
            ),
        ],
        vec![hole(
            "Group-level approval rates not monitored",
            HoleKind::LatentCondition,
            true,
        )],
        vec![hole(
            "Reviewers see single decisions, never group statistics, so a pattern across applicants is invisible to them",
            HoleKind::LatentCondition,
            true,
        )],
        vec![hole(
            "Kill switch requires a director's approval",
            HoleKind::LatentCondition,
            false,
        )],
    ];
    for (layer, holes) in model.layers.iter_mut().zip(holes) {
        layer.holes = holes;
    }
    let trajectory = model.trajectory();
    assert_eq!(trajectory.held_layers, [5]);
    let svg = swiss_cheese_svg(&model);
    assert_svg_document(&svg);
    insta::assert_snapshot!("swiss_cheese", svg);
}
