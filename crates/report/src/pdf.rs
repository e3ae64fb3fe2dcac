//! PDF through Typst as a library: the document becomes Typst markup, figures become virtual
//! files the markup loads as SVG images, and Typst lays out and writes the PDF. Fonts are the
//! ones bundled with `typst-assets`; nothing is read from the system or the network, so the
//! same document gives the same PDF on every machine.
//!
//! Every piece of text enters the markup as a Typst string literal (`#"…"`), where only `\` and
//! `"` need escaping, so no character of a title or table cell can turn into markup.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::ReportError;
use crate::document::{Block, Document, Inline, padded, table_width};

/// A4 width less both margins of the preamble, in points.
const TEXT_WIDTH_PT: f64 = 595.28 - 2.0 * 56.69;

/// The `width` attribute of the root `<svg>` element, in user units.
fn svg_width(svg: &str) -> Option<f64> {
    let start = svg.find("<svg")?;
    let tag = &svg[start..start + svg[start..].find('>')?];
    let value = tag.split(" width=\"").nth(1)?.split('"').next()?;
    value.trim_end_matches("px").parse().ok()
}

/// Renders `document` as a PDF.
pub fn to_pdf(document: &Document) -> Result<Vec<u8>, ReportError> {
    let world = PdfWorld::new(document);
    let compiled = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errors| ReportError::Pdf(messages(&errors)))?;
    typst_pdf::pdf(&compiled, &typst_pdf::PdfOptions::default())
        .map_err(|errors| ReportError::Pdf(messages(&errors)))
}

fn messages(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|error| error.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The bundled fonts, parsed once per process.
fn fonts() -> &'static (LazyHash<FontBook>, Vec<Font>) {
    static FONTS: OnceLock<(LazyHash<FontBook>, Vec<Font>)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(<Library as LibraryExt>::default()))
}

/// A world of one main file and one SVG file per figure.
struct PdfWorld {
    main: Source,
    figures: Vec<(FileId, Bytes)>,
}

impl PdfWorld {
    fn new(document: &Document) -> PdfWorld {
        let figures = document
            .figures()
            .map(|(number, svg, _)| {
                let id = FileId::new(None, VirtualPath::new(figure_path(number)));
                (id, Bytes::new(svg.as_bytes().to_vec()))
            })
            .collect();
        let main = FileId::new(None, VirtualPath::new("/main.typ"));
        PdfWorld {
            main: Source::new(main, typst_markup(document)),
            figures,
        }
    }
}

impl World for PdfWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.figures
            .iter()
            .find(|(figure, _)| *figure == id)
            .map(|(_, bytes)| bytes.clone())
            .ok_or_else(|| FileError::NotFound(id.vpath().as_rootless_path().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().1.get(index).cloned()
    }

    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        // The markup never asks for the date: the same document gives the same PDF.
        None
    }
}

fn figure_path(number: usize) -> String {
    format!("/figure-{number}.svg")
}

const PREAMBLE: &str = r##"#set page(paper: "a4", margin: (x: 2cm, y: 2.2cm), numbering: "1 / 1")
#set text(font: "Libertinus Serif", size: 10.5pt, lang: "en")
#set par(justify: false)
#show heading: set block(above: 1.4em, below: 0.8em)
#show raw: set text(font: "DejaVu Sans Mono", size: 8.5pt)
#set table(stroke: 0.5pt + rgb("#cbd2d9"), inset: 4pt)
#show table: set text(size: 8.5pt)
#show figure: set block(breakable: false)
"##;

/// The Typst markup of `document`.
pub(crate) fn typst_markup(document: &Document) -> String {
    let mut out = String::from(PREAMBLE);
    out.push_str(&format!(
        "#set document(title: {})\n",
        string(&document.title)
    ));
    out.push_str(&format!(
        "#text(size: 20pt, weight: \"bold\", {})\n\n",
        string(&document.title)
    ));
    if let Some(subtitle) = &document.subtitle {
        out.push_str(&format!(
            "#text(size: 13pt, fill: rgb(\"#52606d\"), {})\n\n",
            string(subtitle)
        ));
    }
    if !document.metadata.is_empty() {
        let lines: Vec<String> = document.metadata.iter().map(|line| string(line)).collect();
        out.push_str(&format!(
            "#text(fill: rgb(\"#52606d\"))[{}]\n\n",
            lines
                .iter()
                .map(|line| format!("#{line}"))
                .collect::<Vec<_>>()
                .join(" \\\n")
        ));
    }
    let mut figure = 0;
    for section in &document.sections {
        if !section.heading.is_empty() {
            out.push_str(&format!(
                "#heading(level: {}, {})\n\n",
                section.level.clamp(1, 5),
                string(&section.heading)
            ));
        }
        for block in &section.blocks {
            match block {
                Block::Paragraph(inlines) => {
                    out.push_str(&format!("#par[{}]\n\n", inlines_markup(inlines)));
                }
                Block::List { ordered, items } => {
                    let function = if *ordered { "enum" } else { "list" };
                    let items: Vec<String> = items
                        .iter()
                        .map(|item| format!("[{}]", inlines_markup(item)))
                        .collect();
                    out.push_str(&format!("#{function}({})\n\n", items.join(", ")));
                }
                Block::Table { header, rows } => {
                    let width = table_width(header, rows).max(1);
                    let cells = |cells: &[String]| -> String {
                        padded(cells, width)
                            .into_iter()
                            .map(|cell| format!("[#{}]", string(cell)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let mut body = vec![format!(
                        "table.header({})",
                        padded(header, width)
                            .into_iter()
                            .map(|cell| format!("[*#{}*]", string(cell)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )];
                    body.extend(rows.iter().map(|row| cells(row)));
                    out.push_str(&format!(
                        "#table(columns: {width}, align: left, {})\n\n",
                        body.join(",\n  ")
                    ));
                }
                Block::Figure { svg, caption } => {
                    figure += 1;
                    // Natural size when it fits (Typst reads SVG units as points), shrunk to
                    // the text width when not: small charts are not blown up.
                    let width = match svg_width(svg) {
                        Some(width) if width <= TEXT_WIDTH_PT => "",
                        _ => ", width: 100%",
                    };
                    out.push_str(&format!(
                        "#figure(image({}, format: \"svg\"{width}), caption: [#{}])\n\n",
                        string(&figure_path(figure)),
                        string(caption)
                    ));
                }
                Block::Code { language, text } => {
                    let language = language
                        .as_deref()
                        .map(|language| format!("lang: {}, ", string(language)))
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "#raw(block: true, {language}{})\n\n",
                        string(text)
                    ));
                }
                Block::Todo(text) => {
                    out.push_str(&format!(
                        "#block(width: 100%, inset: 8pt, fill: rgb(\"#fff4dc\"), \
                         stroke: (paint: rgb(\"#c77c02\"), thickness: 1.5pt, dash: \"dashed\"))\
                         [#strong(\"To do:\") #{}]\n\n",
                        string(text)
                    ));
                }
            }
        }
    }
    out
}

fn inlines_markup(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|inline| match inline {
            Inline::Text(text) => format!("#{}", string(text)),
            Inline::Strong(text) => format!("#strong({})", string(text)),
            Inline::Emphasis(text) => format!("#emph({})", string(text)),
            Inline::Code(text) => format!("#raw({})", string(text)),
            Inline::Link { text, url } => format!("#link({})[#{}]", string(url), string(text)),
        })
        .collect()
}

/// A Typst string literal holding `text` exactly.
fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_width_comes_from_the_root_element() {
        assert_eq!(
            svg_width("<svg xmlns=\"x\" width=\"612\" height=\"9\"><rect width=\"1\"/></svg>"),
            Some(612.0)
        );
        assert_eq!(
            svg_width("<svg viewBox=\"0 0 1 1\"><rect width=\"1\"/></svg>"),
            None
        );
        assert_eq!(svg_width("no svg"), None);
    }

    #[test]
    fn strings_hold_markup_characters_literally() {
        assert_eq!(
            string(r#"a "b" \ #c *d* $e$"#),
            r#""a \"b\" \\ #c *d* $e$""#
        );
        assert_eq!(string("x\ny\u{7}"), r#""x\ny\u{7}""#);
    }
}
