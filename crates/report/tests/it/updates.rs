//! A built-in stakeholder update template over a fixed incident record: the
//! text it produces is pinned.

use firebreak_report::postmortem::render_template;
use firebreak_report::update::builtin_template;
use serde_json::json;

#[test]
fn the_board_brief_is_filled_from_the_record() {
    let context = json!({
        "audience": "executives",
        "now": "2026-03-01 11:00 UTC",
        "incident": {
            "id": "INC-7", "title": "Approval rate for group C fell", "summary": "Model v2 declined group C far more often; v1 is back in service.",
            "kind": "real", "status": "contained", "severity": "SEV1", "severity_label": "SEV1 Critical",
            "systems": ["credit-scoring", "ranker"], "people_affected": 1840,
            "commander": "ana", "communications_lead": "carol",
            "impact_started_at": "2026-02-23 08:00 UTC", "detected_at": "2026-03-01 09:00 UTC",
            "declared_at": "2026-03-01 09:10 UTC", "acknowledged_at": "2026-03-01 09:12 UTC",
            "contained_at": "2026-03-01 10:00 UTC", "recovered_at": null, "closed_at": null,
        },
    });
    let template = builtin_template("board_brief").unwrap();
    let text = render_template("board_brief", template, &context).unwrap();
    insta::assert_snapshot!(text);
}
