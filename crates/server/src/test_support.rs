//! Records the unit tests render, check and change.

use firebreak_core::cause::CauseCategory;
use firebreak_core::incident::{DeclareIncident, Incident, declare};
use firebreak_core::postmortem::{
    Appendix, Detection, Impact, PostMortem, PostMortemStatus, Response, RootCause,
};
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

/// A draft post-mortem of incident 1 with one root cause, `rc-1`, and
/// nothing else written.
pub fn postmortem() -> PostMortem {
    PostMortem {
        incident: 1,
        template: "default".into(),
        status: PostMortemStatus::Draft,
        summary: None,
        impact: Impact::default(),
        timeline: vec![],
        detection: Detection::default(),
        changes_before: vec![],
        response: Response::default(),
        metrics: Default::default(),
        proximate_cause: None,
        root_causes: vec![RootCause {
            id: "rc-1".into(),
            statement: "No fairness gate".into(),
            category: CauseCategory::Process,
        }],
        contributing_factors: vec![],
        went_well: None,
        went_wrong: None,
        got_lucky: None,
        action_items: vec![],
        lessons: None,
        appendix: Appendix::default(),
        review_round: 0,
        sign_offs: vec![],
        approval_override: None,
    }
}
