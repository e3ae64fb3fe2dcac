//! CommonMark (with pipe tables) out of a [`Document`].
//!
//! Figures are written as a caption line and a fenced `svg` code block holding the whole
//! drawing, so one Markdown file carries everything and two renders of the same document are
//! byte for byte the same; a viewer that does not draw SVG shows the source, the caption stays
//! readable. To-do markers are written as a paragraph `TODO: text`, which [`crate::from_markdown`]
//! reads back as a marker.

use crate::document::{Block, Document, Inline, padded, table_width};

/// Renders `document` as Markdown.
pub fn to_markdown(document: &Document) -> String {
    let mut out = String::new();
    out.push_str(&format!("# {}\n", escape_line(&document.title)));
    if let Some(subtitle) = &document.subtitle {
        out.push_str(&format!("\n*{}*\n", escape_inline(subtitle)));
    }
    if !document.metadata.is_empty() {
        out.push('\n');
        let lines: Vec<String> = document
            .metadata
            .iter()
            .map(|line| escape_line(line))
            .collect();
        // A backslash at the end of a line is CommonMark's hard line break.
        out.push_str(&lines.join("\\\n"));
        out.push('\n');
    }
    let mut figure = 0;
    for section in &document.sections {
        if !section.heading.is_empty() {
            let level = usize::from(section.level.clamp(1, 5)) + 1;
            out.push_str(&format!(
                "\n{} {}\n",
                "#".repeat(level),
                escape_line(&section.heading)
            ));
        }
        for block in &section.blocks {
            out.push('\n');
            match block {
                Block::Paragraph(inlines) => {
                    out.push_str(&inline_markdown(inlines, true));
                    out.push('\n');
                }
                Block::List { ordered, items } => {
                    for (index, item) in items.iter().enumerate() {
                        let marker = if *ordered {
                            format!("{}.", index + 1)
                        } else {
                            "-".to_string()
                        };
                        out.push_str(&format!("{marker} {}\n", inline_markdown(item, false)));
                    }
                }
                Block::Table { header, rows } => {
                    let width = table_width(header, rows).max(1);
                    let line = |cells: Vec<&str>| {
                        let cells: Vec<String> = cells.into_iter().map(escape_inline).collect();
                        format!("| {} |\n", cells.join(" | "))
                    };
                    out.push_str(&line(padded(header, width)));
                    out.push_str(&format!("|{}\n", " --- |".repeat(width)));
                    for row in rows {
                        out.push_str(&line(padded(row, width)));
                    }
                }
                Block::Figure { svg, caption } => {
                    figure += 1;
                    out.push_str(&format!(
                        "*Figure {figure}. {}*\n\n{}",
                        escape_inline(caption),
                        fenced(svg, Some("svg"))
                    ));
                }
                Block::Code { language, text } => out.push_str(&fenced(text, language.as_deref())),
                Block::Todo(text) => {
                    out.push_str(&format!("TODO: {}\n", escape_inline(text)));
                }
            }
        }
    }
    out
}

fn inline_markdown(inlines: &[Inline], paragraph_start: bool) -> String {
    let mut out = String::new();
    for inline in inlines {
        match inline {
            Inline::Text(text) => out.push_str(&escape_inline(text)),
            Inline::Strong(text) => out.push_str(&format!("**{}**", escape_inline(text))),
            Inline::Emphasis(text) => out.push_str(&format!("*{}*", escape_inline(text))),
            Inline::Code(text) => out.push_str(&code_span(text)),
            // Only web, mail and relative links: a `javascript:` link from user
            // text would run in whatever renders the Markdown.
            Inline::Link { text, url } => out.push_str(&format!(
                "[{}](<{}>)",
                escape_inline(text),
                crate::html::safe_url(url).replace(['<', '>', '\n'], "")
            )),
        }
    }
    if paragraph_start {
        escape_block_start(&out)
    } else {
        out
    }
}

/// A code span whose delimiters are longer than any backtick run inside.
fn code_span(text: &str) -> String {
    let text = text.replace('\n', " ");
    let ticks = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

fn fenced(text: &str, language: Option<&str>) -> String {
    let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
    let language = language.unwrap_or("").replace(['`', '\n'], "");
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{language}\n{text}{newline}{fence}\n")
}

fn longest_run(text: &str, character: char) -> usize {
    text.split(|c| c != character)
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// Escapes what would otherwise start emphasis, links, HTML or code. An underscore between two
/// letters or digits cannot start emphasis in CommonMark, so `num_0` stays readable.
pub(crate) fn escape_inline(text: &str) -> String {
    let characters: Vec<char> = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(text.len());
    for (index, &character) in characters.iter().enumerate() {
        let escape = match character {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '&' | '|' | '~' => true,
            // A `!` ending a text run would make a link after it an image.
            '!' => index + 1 == characters.len(),
            '_' => {
                let before = index
                    .checked_sub(1)
                    .and_then(|i| characters.get(i))
                    .is_some_and(|c| c.is_alphanumeric());
                let after = characters
                    .get(index + 1)
                    .is_some_and(|c| c.is_alphanumeric());
                !(before && after)
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(character);
    }
    out
}

/// A line of text that must not turn into a heading, list, quote or rule at its start.
fn escape_line(text: &str) -> String {
    escape_block_start(&escape_inline(text))
}

fn escape_block_start(line: &str) -> String {
    let trimmed = line.trim_start();
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    let after_digits = trimmed[digits..].chars().next();
    let starts_block = matches!(trimmed.chars().next(), Some('#' | '-' | '+' | '=' | '>'))
        || (digits > 0 && matches!(after_digits, Some('.' | ')')));
    if let Some(rest) = trimmed.strip_prefix("TODO:") {
        // An escaped colon renders the same but is not read back as a to-do marker.
        return format!("TODO\\:{rest}");
    }
    if !starts_block {
        return trimmed.to_string();
    }
    if digits > 0 {
        let (number, rest) = trimmed.split_at(digits);
        format!("{number}\\{rest}")
    } else {
        format!("\\{trimmed}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing: the text `!` before a link was written as `![…](…)`
    /// and read back as a figure (here an unknown one, so the export failed).
    #[test]
    fn a_bang_before_a_link_stays_text() {
        let source = "# T\n\n## S\n\n\\![x](https://example.org/figure)";
        let document = crate::from_markdown(source, &Default::default()).unwrap();
        let written = to_markdown(&document);
        assert!(written.contains("\\![x]("), "{written}");
        assert_eq!(
            crate::from_markdown(&written, &Default::default()).unwrap(),
            document
        );
    }

    #[test]
    fn user_html_and_script_links_stay_text() {
        use crate::document::{Document, Section};
        let document = Document {
            title: "<script>alert(1)</script>".into(),
            sections: vec![Section {
                level: 1,
                heading: String::new(),
                blocks: vec![Block::Paragraph(vec![
                    Inline::Text("a <img src=x onerror=alert(1)> & more".into()),
                    Inline::Link {
                        text: "click".into(),
                        url: "javascript:alert(1)".into(),
                    },
                ])],
            }],
            ..Document::default()
        };
        let markdown = to_markdown(&document);
        assert!(
            markdown.starts_with("# \\<script\\>alert(1)\\</script\\>"),
            "{markdown}"
        );
        assert!(
            markdown.contains("a \\<img src=x onerror=alert(1)\\> \\& more"),
            "{markdown}"
        );
        assert!(!markdown.contains("javascript:"), "{markdown}");
    }

    #[test]
    fn markup_characters_are_escaped_but_identifiers_stay_readable() {
        assert_eq!(
            escape_inline("num_0 *x* [a](b)"),
            "num_0 \\*x\\* \\[a\\](b)"
        );
        assert_eq!(escape_inline("_lead and trail_"), "\\_lead and trail\\_");
        assert_eq!(escape_line("# not a heading"), "\\# not a heading");
        assert_eq!(escape_line("1. not a list"), "1\\. not a list");
        assert_eq!(escape_line("TODO: literal"), "TODO\\: literal");
        assert_eq!(escape_inline("a|b"), "a\\|b");
    }

    #[test]
    fn code_spans_and_fences_outgrow_backticks_inside() {
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(fenced("```\n", None), "````\n```\n````\n");
    }
}
