//! Records the UI's unit tests render.

use firebreak_core::incident::{DeclareIncident, Incident, declare};
use firebreak_core::system::{AiSystem, SystemDetails};
use serde_json::json;

/// A declared SEV1 on `scoring`, detected 09:00 and declared 09:30 on
/// 2026-03-01.
pub fn incident() -> Incident {
    let details: SystemDetails = serde_json::from_value(json!({
        "name": "Scoring", "model_versions": [{"version": "v1", "known_good": true}]
    }))
    .unwrap();
    let systems = [AiSystem {
        slug: "scoring".into(),
        details,
    }];
    let input: DeclareIncident = serde_json::from_value(json!({
        "title": "Scores all zero", "severity": "sev1", "severity_rationale": "all refused",
        "systems": ["scoring"], "detected_at": "2026-03-01T09:00:00Z",
    }))
    .unwrap();
    declare(
        input,
        1,
        "alice",
        &systems,
        "2026-03-01T09:30:00Z".parse().unwrap(),
    )
    .unwrap()
    .incident
}
