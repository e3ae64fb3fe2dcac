//! The built-in post-mortem templates over a fixed post-mortem: the Markdown
//! and HTML they produce are pinned, and the PDF holds the sections' text.

use firebreak_report::postmortem::{TEMPLATES, render_template};
use firebreak_report::{from_markdown, to_html, to_markdown};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(crate) const FIGURE: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"20\" viewBox=\"0 0 40 20\" role=\"img\"><title>why</title><rect width=\"40\" height=\"20\"/></svg>\n";

pub(crate) fn context() -> Value {
    json!({
        "incident": {"id": "INC-7", "title": "Approval rate for group C fell", "severity": "sev2", "kind": "real", "status": "recovered"},
        "pm": {
            "incident": 7, "template": "default", "status": "approved",
            "summary": "Model v2 approved far fewer applicants from group C for six days.",
            "impact": {"people_affected": 1840, "decisions_affected": 5210, "duration_seconds": 518400,
                       "harms": ["discrimination_bias"], "description": "Applicants in group C were declined more often."},
            "timeline": [{"seq": 1, "hash": "ab12"}, {"seq": 4, "hash": "cd34"}],
            "detection": {"how": "Alert `SelectionRateGap` from Alertmanager", "time_to_detect_seconds": 3600},
            "response": {"narrative": null, "containment": [{"event_seq": 4, "at": "2026-03-01T10:00:00Z", "actor": "ana", "description": "scoring production: normal → disabled"}], "time_to_contain_seconds": 3600},
            "metrics": {"time_to_detect": 3600, "time_to_contain": 3600},
            "proximate_cause": {"statement": "Model v2 down-weighted the postcode feature", "category": "model"},
            "root_causes": [{"id": "rc-1", "statement": "No fairness gate in the release pipeline", "category": "process"}],
            "contributing_factors": [{"statement": "Drift alert thresholds were never tuned", "category": "technology"}],
            "went_well": "The kill switch took effect within a minute.",
            "went_wrong": null, "got_lucky": null,
            "action_items": [],
            "lessons": "Fairness needs a gate of its own.",
            "appendix": {"evidence": [{"reference": "EV-1", "description": "decisions.parquet — decision log", "sha256": "9f86d081"}],
                         "analyses": [{"title": "fairness (timeline #5)", "summary": "selection-rate ratio 0.61", "input_sha256": "9f86d081"}]},
            "review_round": 1,
            "sign_offs": [{"user": "ana", "role": "commander", "decision": "approve", "comment": null, "round": 1, "at": "2026-03-09T09:00:00Z"}],
            "approval_override": null
        },
        "timeline": [
            {"seq": 1, "hash": "ab12", "text": "declared SEV2 \"Approval rate for group C fell\" on scoring", "at": "2026-03-01 09:00", "actor": "ana"},
            {"seq": 4, "hash": "cd34", "text": "scoring production: normal → disabled", "at": "2026-03-01 10:00", "actor": "ana"}
        ],
        "durations": {"time_to_detect": "1 h 0 min", "time_to_contain": "1 h 0 min", "impact": "144 h 0 min"},
        "actions": [{"id": "act-1", "title": "Add a fairness gate to the release pipeline", "kind": "preventive", "owner": "ana",
                     "due": "2026-04-15", "priority": "P1", "addresses": "root cause rc-1",
                     "success_criterion": "every release blocked when the selection-rate ratio is below 0.8", "status": "open", "ticket_url": null}],
        "figures": [{"name": "five_whys-main", "caption": "five whys main (version 1)"}]
    })
}

fn rendered(name: &str) -> firebreak_report::Document {
    let template = TEMPLATES.iter().find(|(n, _)| *n == name).unwrap().1;
    let markdown = render_template(name, template, &context()).unwrap();
    let figures = BTreeMap::from([("five_whys-main".to_string(), FIGURE.to_string())]);
    from_markdown(&markdown, &figures).unwrap()
}

#[test]
fn the_default_template_is_pinned_as_markdown_and_html() {
    let document = rendered("default");
    insta::assert_snapshot!("postmortem_default_md", to_markdown(&document));
    insta::assert_snapshot!("postmortem_default_html", to_html(&document));
}

#[test]
fn every_template_fills_its_sections_from_the_record() {
    for (name, _) in TEMPLATES {
        let markdown = to_markdown(&rendered(name));
        assert!(
            markdown.contains("No fairness gate in the release pipeline"),
            "{name}"
        );
        assert!(
            markdown.contains("Add a fairness gate to the release pipeline"),
            "{name}"
        );
    }
}

#[test]
fn the_pdf_holds_the_sections_text() {
    let pdf = firebreak_report::to_pdf(&rendered("default")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postmortem.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for section in [
        "Summary",
        "Impact",
        "Timeline",
        "Detection",
        "Response and containment",
        "Proximate cause",
        "Root causes",
        "Contributing factors",
        "What went well",
        "Action items",
        "Lessons",
        "Appendix",
    ] {
        assert!(text.contains(section), "PDF lacks {section}: {text}");
    }
    assert!(
        text.contains("Model v2 down-weighted the postcode feature"),
        "{text}"
    );
}
