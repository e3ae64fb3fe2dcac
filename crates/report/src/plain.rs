//! Plain text for a terminal out of a [`Document`]: headings as lines, tables as aligned
//! columns. Figures are left out (a terminal cannot show them); `--format html` has them.

use crate::document::{Block, Document, padded, plain_text, table_width};

/// Renders `document` as plain text.
pub fn to_text(document: &Document) -> String {
    let mut out = String::new();
    out.push_str(&document.title);
    out.push('\n');
    if let Some(subtitle) = &document.subtitle {
        out.push_str(subtitle);
        out.push('\n');
    }
    for line in &document.metadata {
        out.push_str(line);
        out.push('\n');
    }
    for section in &document.sections {
        // A section of figures only would be a heading over nothing.
        let figures_only = !section.blocks.is_empty()
            && section
                .blocks
                .iter()
                .all(|block| matches!(block, Block::Figure { .. }));
        if figures_only {
            continue;
        }
        out.push('\n');
        if !section.heading.is_empty() {
            out.push_str(&section.heading);
            out.push('\n');
        }
        for (index, block) in section.blocks.iter().enumerate() {
            if index > 0 && !matches!(block, Block::Figure { .. }) {
                out.push('\n');
            }
            match block {
                Block::Paragraph(inlines) => {
                    out.push_str(&plain_text(inlines));
                    out.push('\n');
                }
                Block::List { ordered, items } => {
                    for (index, item) in items.iter().enumerate() {
                        let marker = if *ordered {
                            format!("{}.", index + 1)
                        } else {
                            "-".to_string()
                        };
                        out.push_str(&format!("{marker} {}\n", plain_text(item)));
                    }
                }
                Block::Table { header, rows } => table(&mut out, header, rows),
                Block::Figure { .. } => continue,
                Block::Code { text, .. } => {
                    for line in text.lines() {
                        out.push_str(&format!("    {line}\n"));
                    }
                }
                Block::Todo(text) => out.push_str(&format!("TODO: {text}\n")),
            }
        }
    }
    out
}

fn table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    let columns = table_width(header, rows);
    let mut widths = vec![0; columns];
    for cells in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        for (width, cell) in widths.iter_mut().zip(padded(cells, columns)) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for cells in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let line: Vec<String> = padded(cells, columns)
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
}
