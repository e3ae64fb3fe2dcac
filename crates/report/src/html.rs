//! One self-contained HTML page out of a [`Document`]: inline CSS, figures' SVG inlined, no
//! script and nothing fetched, so the file can be mailed, archived as evidence or printed.

use crate::document::{Block, Document, Inline, padded, table_width};
use crate::svg::escape;

const STYLE: &str = "\
body{margin:0;background:#f5f7fa;color:#1f2933;font:16px/1.5 Arial,'Liberation Sans',Helvetica,sans-serif}
main{max-width:60rem;margin:0 auto;padding:2rem 1.5rem;background:#fff}
h1{font-size:1.8rem;margin:0 0 .25rem}h2{font-size:1.35rem;margin:2rem 0 .5rem;border-bottom:1px solid #cbd2d9}
h3{font-size:1.15rem;margin:1.5rem 0 .5rem}h4,h5,h6{font-size:1rem;margin:1.25rem 0 .5rem}
.subtitle{font-size:1.15rem;color:#52606d;margin:0 0 .5rem}.meta{color:#52606d;margin:0 0 1rem}
table{border-collapse:collapse;margin:.75rem 0;font-size:.875rem;display:block;overflow-x:auto}
th,td{border:1px solid #cbd2d9;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f7}tbody tr:nth-child(even){background:#f8fafc}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
figcaption{color:#52606d;font-size:.875rem;margin-top:.25rem}
pre{background:#f5f7fa;border:1px solid #cbd2d9;padding:.75rem;overflow-x:auto;font-size:.85rem}
code{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace}
.todo{border:2px dashed #c77c02;background:#fff4dc;padding:.75rem 1rem;margin:1rem 0}
@media print{body{background:#fff}main{max-width:none;padding:0}
h2,h3{break-after:avoid}figure,table,.todo{break-inside:avoid}a{color:inherit}
table{display:table}}
";

/// Renders `document` as one HTML page.
pub fn to_html(document: &Document) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape(&document.title)));
    out.push_str(&format!(
        "<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n"
    ));
    out.push_str(&format!("<header>\n<h1>{}</h1>\n", escape(&document.title)));
    if let Some(subtitle) = &document.subtitle {
        out.push_str(&format!("<p class=\"subtitle\">{}</p>\n", escape(subtitle)));
    }
    if !document.metadata.is_empty() {
        let lines: Vec<String> = document.metadata.iter().map(|line| escape(line)).collect();
        out.push_str(&format!("<p class=\"meta\">{}</p>\n", lines.join("<br>\n")));
    }
    out.push_str("</header>\n");
    let mut figure = 0;
    for section in &document.sections {
        out.push_str("<section>\n");
        if !section.heading.is_empty() {
            let level = section.level.clamp(1, 5) + 1;
            out.push_str(&format!(
                "<h{level}>{}</h{level}>\n",
                escape(&section.heading)
            ));
        }
        for block in &section.blocks {
            match block {
                Block::Paragraph(inlines) => {
                    out.push_str(&format!("<p>{}</p>\n", inline_html(inlines)));
                }
                Block::List { ordered, items } => {
                    let tag = if *ordered { "ol" } else { "ul" };
                    out.push_str(&format!("<{tag}>\n"));
                    for item in items {
                        out.push_str(&format!("<li>{}</li>\n", inline_html(item)));
                    }
                    out.push_str(&format!("</{tag}>\n"));
                }
                Block::Table { header, rows } => {
                    let width = table_width(header, rows);
                    out.push_str("<table>\n<thead><tr>");
                    for cell in padded(header, width) {
                        out.push_str(&format!("<th>{}</th>", escape(cell)));
                    }
                    out.push_str("</tr></thead>\n<tbody>\n");
                    for row in rows {
                        out.push_str("<tr>");
                        for cell in padded(row, width) {
                            out.push_str(&format!("<td>{}</td>", escape(cell)));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
                Block::Figure { svg, caption } => {
                    figure += 1;
                    out.push_str(&format!(
                        "<figure>\n{}<figcaption>Figure {figure}. {}</figcaption>\n</figure>\n",
                        unique_ids(svg, &format!("figure-{figure}")),
                        escape(caption)
                    ));
                }
                Block::Code { language, text } => {
                    let class = language
                        .as_deref()
                        .map(|language| format!(" class=\"language-{}\"", escape(language)))
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "<pre><code{class}>{}</code></pre>\n",
                        escape(text)
                    ));
                }
                Block::Todo(text) => {
                    out.push_str(&format!(
                        "<div class=\"todo\" role=\"note\"><strong>To do:</strong> {}</div>\n",
                        escape(text)
                    ));
                }
            }
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn inline_html(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|inline| match inline {
            Inline::Text(text) => escape(text),
            Inline::Strong(text) => format!("<strong>{}</strong>", escape(text)),
            Inline::Emphasis(text) => format!("<em>{}</em>", escape(text)),
            Inline::Code(text) => format!("<code>{}</code>", escape(text)),
            Inline::Link { text, url } => {
                format!(
                    "<a href=\"{}\">{}</a>",
                    escape(&safe_url(url)),
                    escape(text)
                )
            }
        })
        .collect()
}

/// Keeps links to the web, mail and in-page anchors; anything else (`javascript:`, `data:`)
/// could run or smuggle content, so it becomes an inert anchor.
pub(crate) fn safe_url(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    let scheme_free = !lower
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .contains(':');
    if scheme_free
        || lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
    {
        url.trim().to_string()
    } else {
        "#".to_string()
    }
}

/// Our diagrams all label themselves with `id="title"` and `id="desc"`; on one page those ids
/// would clash and every figure would announce the first one's title. This gives the diagram
/// `prefix-title` and `prefix-desc` instead, `prefix` unique on the page.
pub fn unique_ids(svg: &str, prefix: &str) -> String {
    svg.replacen(
        "aria-labelledby=\"title desc\"",
        &format!("aria-labelledby=\"{prefix}-title {prefix}-desc\""),
        1,
    )
    .replacen(
        "<title id=\"title\">",
        &format!("<title id=\"{prefix}-title\">"),
        1,
    )
    .replacen(
        "<desc id=\"desc\">",
        &format!("<desc id=\"{prefix}-desc\">"),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_harmless_links_survive() {
        assert_eq!(safe_url("https://example.org/a"), "https://example.org/a");
        assert_eq!(safe_url("#section"), "#section");
        assert_eq!(safe_url("runbook.html"), "runbook.html");
        assert_eq!(safe_url("JavaScript:alert(1)"), "#");
        assert_eq!(safe_url("data:text/html,x"), "#");
    }
}
