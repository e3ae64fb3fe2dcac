//! Stakeholder update templates: plain text with minijinja placeholders,
//! filled from the incident record (`firebreak_core::oncall::template_context`).
//! The first line is `Subject: …`, the rest the message's body. Five are
//! built in, one per kind of message; a deployment overrides or adds
//! templates by file (`update-<name>.txt.j2` in its templates directory).

/// The built-in templates by name.
pub const TEMPLATES: [(&str, &str); 5] = [
    (
        "holding_statement",
        include_str!("../templates/update-holding_statement.txt.j2"),
    ),
    (
        "internal_alert",
        include_str!("../templates/update-internal_alert.txt.j2"),
    ),
    (
        "partner_bulletin",
        include_str!("../templates/update-partner_bulletin.txt.j2"),
    ),
    (
        "board_brief",
        include_str!("../templates/update-board_brief.txt.j2"),
    ),
    (
        "public_statement",
        include_str!("../templates/update-public_statement.txt.j2"),
    ),
];

pub fn builtin_template(name: &str) -> Option<&'static str> {
    TEMPLATES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postmortem::render_template;
    use serde_json::json;

    #[test]
    fn every_builtin_template_fills_an_empty_record_with_a_subject_line() {
        let context = json!({
            "audience": "internal", "now": "2026-03-01 10:00 UTC",
            "incident": {"id": "INC-1", "title": "t", "severity": "SEV3", "systems": ["scoring"]},
        });
        for (name, template) in TEMPLATES {
            let text = render_template(name, template, &context).unwrap();
            assert!(text.starts_with("Subject: "), "{name}: {text}");
            assert!(!text.contains("{{"), "{name}");
        }
    }
}
