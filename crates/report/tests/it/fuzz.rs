//! Fuzz tests (property-based, `FIREBREAK_FUZZ_CASES` cases per target):
//! Markdown in (`from_markdown`) on arbitrary and Markdown-rich text, every
//! renderer on what it reads, and post-mortem templates over hostile data
//! and as hostile text themselves.

use std::collections::BTreeMap;

use firebreak_fuzz::{config, mutated_json, text};
use firebreak_report::postmortem::{TEMPLATES, render_template};
use firebreak_report::{Document, ReportError, from_markdown, to_html, to_markdown, to_text};
use proptest::prelude::*;
use serde_json::Value;

use crate::postmortem::{FIGURE, context};

fn figures() -> BTreeMap<String, String> {
    BTreeMap::from([("five_whys-main".to_string(), FIGURE.to_string())])
}

/// Text built from Markdown's block and inline syntax, so that headings,
/// lists, tables, code, links, figures and raw HTML meet in odd ways.
fn markdown() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(vec![
            "# ", "## ", "###### ", "\n", "\n\n", "- ", "1. ", "   - ", "> ", "```\n", "```rust\n", "    ",
            "| a | b |\n", "|---|---|\n", "| x |", "*", "**", "_", "`", "[link](https://example.com)",
            "[js](javascript:alert(1))", "![caption](figure:five_whys-main)", "![x](figure:missing)",
            "<script>alert(1)</script>", "<b>", "&amp;", "TODO: ", "\\", "---\n", "<!-- c -->",
        ]).prop_map(str::to_string),
        2 => text(),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// Every renderer takes a document; HTML keeps user HTML as text.
fn render_all(document: &Document) {
    let html = to_html(document);
    assert!(
        !html.to_lowercase().contains("<script"),
        "user HTML reached the page:\n{html}"
    );
    to_text(document);
    let markdown = to_markdown(document);
    from_markdown(&markdown, &figures())
        .unwrap_or_else(|e| panic!("our own Markdown does not read back: {e}\n{markdown}"));
}

/// The post-mortem context with every string replaced by `replace(path)`.
fn replace_strings(value: &mut Value, replacement: &mut impl FnMut() -> String) {
    match value {
        Value::String(text) => *text = replacement(),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| replace_strings(item, replacement)),
        Value::Object(entries) => entries
            .values_mut()
            .for_each(|item| replace_strings(item, replacement)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(config(2))]

    #[test]
    fn markdown_reader_takes_arbitrary_text(source in text()) {
        if let Ok(document) = from_markdown(&source, &figures()) {
            render_all(&document);
        }
    }

    #[test]
    fn markdown_reader_takes_markdown_rich_text(source in markdown()) {
        let titled = format!("# Title\n\n{source}");
        for source in [source.as_str(), &titled] {
            if let Ok(document) = from_markdown(source, &figures()) {
                render_all(&document);
            }
        }
    }

    #[test]
    fn templates_take_arbitrary_template_text(template in markdown(), data in text()) {
        let template = format!("{template}{{{{ {data} }}}}{{% if {data} %}}{template}{{% endif %}}");
        if let Ok(markdown) = render_template("fuzz", &template, &context()) {
            let _ = from_markdown(&markdown, &figures());
        }
    }
}

proptest! {
    #![proptest_config(config(4))]

    /// Whatever people type into a post-mortem, every built-in template
    /// renders it into Markdown that reads back and renders.
    #[test]
    fn builtin_templates_render_any_user_text(strings in proptest::collection::vec(markdown(), 1..8), which in 0..TEMPLATES.len()) {
        let (name, template) = TEMPLATES[which];
        let mut data = context();
        let mut next = 0;
        replace_strings(&mut data, &mut || {
            next += 1;
            strings[next % strings.len()].clone()
        });
        let markdown = render_template(name, template, &data)
            .unwrap_or_else(|e| panic!("{name} refuses user text: {e}"));
        // User text is Markdown: a figure it names that the post-mortem does
        // not have is the one refusal it may cause (422 on export).
        match from_markdown(&markdown, &figures()) {
            Ok(document) => render_all(&document),
            Err(ReportError::UnknownFigure { .. }) => {}
            Err(e) => panic!("{name} with user text does not read: {e}\n{markdown}"),
        }
    }

    #[test]
    fn builtin_templates_take_mutated_data(data in mutated_json(vec![context()]), which in 0..TEMPLATES.len()) {
        let (name, template) = TEMPLATES[which];
        if let Ok(markdown) = render_template(name, template, &data)
            && let Ok(document) = from_markdown(&markdown, &figures())
        {
            render_all(&document);
        }
    }
}
