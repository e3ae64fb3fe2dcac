//! Post-mortem templates: Markdown with minijinja placeholders, rendered over
//! the post-mortem's data, then read into a [`crate::Document`] by
//! [`crate::from_markdown`] so that Markdown, HTML and PDF come from one text.
//! Three are built in; a deployment overrides or adds templates by file.

use crate::error::ReportError;
use minijinja::Environment;

/// The built-in templates by name: a blameless default, the Google SRE
/// book's layout, and a short one for minor incidents.
pub const TEMPLATES: [(&str, &str); 3] = [
    (
        "default",
        include_str!("../templates/postmortem-default.md.j2"),
    ),
    (
        "google-sre",
        include_str!("../templates/postmortem-google-sre.md.j2"),
    ),
    (
        "lightweight",
        include_str!("../templates/postmortem-lightweight.md.j2"),
    ),
];

pub fn builtin_template(name: &str) -> Option<&'static str> {
    TEMPLATES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Renders `template` (minijinja syntax) over `context` to Markdown.
/// `name` says which template failed, e.g. a file an admin wrote.
pub fn render_template(
    name: &str,
    template: &str,
    context: &serde_json::Value,
) -> Result<String, ReportError> {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    let template_error = |error: minijinja::Error| ReportError::Template {
        name: name.to_string(),
        message: match error.line() {
            Some(line) => format!("line {line}: {error}"),
            None => error.to_string(),
        },
    };
    environment
        .add_template(name, template)
        .map_err(template_error)?;
    environment
        .get_template(name)
        .and_then(|t| t.render(context))
        .map_err(template_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_builtin_template_renders_an_empty_draft_with_to_do_markers() {
        let context = json!({
            "incident": {"id": "INC-1", "title": "t", "severity": "sev2", "kind": "real"},
            "pm": {"status": "draft", "template": "default", "impact": {}, "detection": {}, "response": {},
                   "root_causes": [], "contributing_factors": [], "appendix": {}, "sign_offs": []},
            "timeline": [], "actions": [], "durations": {}, "figures": [],
        });
        for (name, template) in TEMPLATES {
            let markdown = render_template(name, template, &context).unwrap();
            assert!(markdown.starts_with("# "), "{name}");
            assert!(markdown.contains("TODO:"), "{name}");
            crate::from_markdown(&markdown, &Default::default()).unwrap();
        }
    }

    #[test]
    fn template_errors_name_the_template_and_line() {
        let error = render_template("mine", "# x\n\n{% if %}", &json!({})).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("mine") && message.contains("line"),
            "{message}"
        );
    }
}
