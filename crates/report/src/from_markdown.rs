//! Markdown in: templates written in Markdown (post-mortem templates filled in elsewhere) become
//! a [`Document`], so they render to HTML and PDF through the same renderers as everything else.
//!
//! The mapping: the first heading is the title; an emphasised line right under it is the
//! subtitle, and the paragraph after holds the metadata lines (one per line); later headings open sections one level below their Markdown level
//! (`##` is a top section). `![caption](figure:NAME)` is the figure NAME from the caller's map.
//! A paragraph starting `TODO:` is a to-do marker. Nested lists are flattened into their parent,
//! block quotes keep their content without the quote, raw HTML is kept as text, and inline
//! styles in table cells are dropped (cells are plain text).

use std::collections::BTreeMap;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::ReportError;
use crate::document::{Block, Document, Inline, Section, plain_text};

/// Parses `source`; figures named `figure:NAME` are looked up in `figures` (name → SVG).
pub fn from_markdown(
    source: &str,
    figures: &BTreeMap<String, String>,
) -> Result<Document, ReportError> {
    let mut builder = Builder {
        figures,
        document: Document::default(),
        titled: false,
        inlines: Vec::new(),
        styles: Vec::new(),
        link: None,
        image: None,
        paragraph_is_todo: false,
        list: None,
        table: None,
        code: None,
    };
    let parser = Parser::new_ext(source, Options::ENABLE_TABLES).into_offset_iter();
    for (event, range) in parser {
        builder.event(event, &source[range])?;
    }
    if !builder.titled {
        return Err(ReportError::MissingTitle);
    }
    Ok(builder.document)
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Strong,
    Emphasis,
}

struct ListState {
    ordered: bool,
    depth: usize,
    items: Vec<Vec<Inline>>,
}

struct TableState {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    in_head: bool,
}

struct Builder<'a> {
    figures: &'a BTreeMap<String, String>,
    document: Document,
    titled: bool,
    /// Inline runs of the paragraph, heading, list item or table cell being read.
    inlines: Vec<Inline>,
    styles: Vec<Style>,
    /// Text and target of the link being read.
    link: Option<(String, String)>,
    /// Alt text and target of the image being read.
    image: Option<(String, String)>,
    paragraph_is_todo: bool,
    list: Option<ListState>,
    table: Option<TableState>,
    code: Option<(Option<String>, String)>,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, source: &str) -> Result<(), ReportError> {
        match event {
            Event::Start(tag) => self.start(tag, source),
            Event::End(tag) => return self.end(tag),
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => self.text(&text),
            Event::Code(text) => self.push(Inline::Code(text.into_string())),
            Event::SoftBreak | Event::HardBreak => self.text("\n"),
            _ => {}
        }
        Ok(())
    }

    fn start(&mut self, tag: Tag<'_>, source: &str) {
        match tag {
            Tag::Paragraph => {
                self.paragraph_is_todo = self.list.is_none() && source.starts_with("TODO:");
            }
            Tag::Strong => self.styles.push(Style::Strong),
            Tag::Emphasis => self.styles.push(Style::Emphasis),
            Tag::Link { dest_url, .. } => self.link = Some((String::new(), dest_url.into_string())),
            Tag::Image { dest_url, .. } => {
                self.image = Some((String::new(), dest_url.into_string()));
            }
            Tag::List(first) => match &mut self.list {
                Some(list) => list.depth += 1,
                None => {
                    self.list = Some(ListState {
                        ordered: first.is_some(),
                        depth: 1,
                        items: Vec::new(),
                    })
                }
            },
            Tag::Item => self.finish_item(),
            Tag::Table(_) => {
                self.table = Some(TableState {
                    header: Vec::new(),
                    rows: Vec::new(),
                    in_head: false,
                });
            }
            Tag::TableHead => {
                if let Some(table) = &mut self.table {
                    table.in_head = true;
                }
            }
            Tag::TableRow => {
                if let Some(table) = &mut self.table {
                    table.rows.push(Vec::new());
                }
            }
            Tag::CodeBlock(kind) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .map(str::to_string)
                        .filter(|language| !language.is_empty()),
                    CodeBlockKind::Indented => None,
                };
                self.code = Some((language, String::new()));
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) -> Result<(), ReportError> {
        match tag {
            TagEnd::Heading(level) => {
                let heading = plain_text(&std::mem::take(&mut self.inlines))
                    .trim()
                    .to_string();
                if self.titled {
                    let level = match level {
                        HeadingLevel::H1 | HeadingLevel::H2 => 1,
                        HeadingLevel::H3 => 2,
                        HeadingLevel::H4 => 3,
                        HeadingLevel::H5 => 4,
                        HeadingLevel::H6 => 5,
                    };
                    self.document.section(level, heading);
                } else {
                    self.document.title = heading;
                    self.titled = true;
                }
            }
            TagEnd::Paragraph => {
                if self.list.is_some() {
                    // Paragraphs of a loose list item join the item.
                    self.text(" ");
                    return Ok(());
                }
                let inlines = std::mem::take(&mut self.inlines);
                if self.paragraph_is_todo {
                    let text = plain_text(&inlines);
                    let text = text.strip_prefix("TODO:").unwrap_or(&text);
                    self.block(Block::Todo(one_line(text)));
                } else if self.titled
                    && self.document.sections.is_empty()
                    && self.document.subtitle.is_none()
                    && self.document.metadata.is_empty()
                    && matches!(inlines.as_slice(), [Inline::Emphasis(_)])
                {
                    // An emphasised line right under the title is its subtitle.
                    self.document.subtitle = Some(one_line(&plain_text(&inlines)));
                } else if self.titled && self.document.sections.is_empty() {
                    // Lines right under the title are its metadata.
                    self.document.metadata.extend(
                        plain_text(&inlines)
                            .lines()
                            .map(|line| line.trim().to_string())
                            .filter(|line| !line.is_empty()),
                    );
                } else if !inlines.is_empty() {
                    self.block(Block::Paragraph(tidy(inlines)));
                }
            }
            TagEnd::Strong | TagEnd::Emphasis => {
                self.styles.pop();
            }
            TagEnd::Link => {
                if let Some((text, url)) = self.link.take() {
                    self.inlines.push(Inline::Link { text, url });
                }
            }
            TagEnd::Image => {
                if let Some((caption, url)) = self.image.take() {
                    self.image_end(caption, url)?;
                }
            }
            TagEnd::List(_) => {
                if let Some(list) = &mut self.list {
                    list.depth -= 1;
                    if list.depth == 0 {
                        self.finish_item();
                        if let Some(list) = self.list.take() {
                            self.block(Block::List {
                                ordered: list.ordered,
                                items: list.items,
                            });
                        }
                    }
                }
            }
            TagEnd::TableCell => {
                let cell = one_line(&plain_text(&std::mem::take(&mut self.inlines)));
                if let Some(table) = &mut self.table {
                    match (table.in_head, table.rows.last_mut()) {
                        (false, Some(row)) => row.push(cell),
                        _ => table.header.push(cell),
                    }
                }
            }
            TagEnd::TableHead => {
                if let Some(table) = &mut self.table {
                    table.in_head = false;
                }
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    self.block(Block::Table {
                        header: table.header,
                        rows: table.rows,
                    });
                }
            }
            TagEnd::CodeBlock => {
                if let Some((language, text)) = self.code.take() {
                    self.block(Block::Code { language, text });
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A `figure:` image is a block of its own: the paragraph read so far ends before it.
    fn image_end(&mut self, caption: String, url: String) -> Result<(), ReportError> {
        let Some(name) = url.strip_prefix("figure:") else {
            self.inlines.push(Inline::Link { text: caption, url });
            return Ok(());
        };
        let svg = self
            .figures
            .get(name)
            .ok_or_else(|| ReportError::UnknownFigure {
                name: name.to_string(),
                known: if self.figures.is_empty() {
                    "none".to_string()
                } else {
                    self.figures.keys().cloned().collect::<Vec<_>>().join(", ")
                },
            })?;
        let before = std::mem::take(&mut self.inlines);
        if !plain_text(&before).trim().is_empty() {
            self.block(Block::Paragraph(tidy(before)));
        }
        self.block(Block::Figure {
            svg: svg.clone(),
            caption: one_line(&caption),
        });
        Ok(())
    }

    fn finish_item(&mut self) {
        let inlines = std::mem::take(&mut self.inlines);
        if let Some(list) = &mut self.list
            && !plain_text(&inlines).trim().is_empty()
        {
            list.items.push(tidy(inlines));
        }
    }

    fn text(&mut self, text: &str) {
        if self.code.is_some() {
            if let Some((_, code)) = &mut self.code {
                code.push_str(text);
            }
        } else if let Some((caption, _)) = &mut self.image {
            caption.push_str(text);
        } else if let Some((link_text, _)) = &mut self.link {
            link_text.push_str(text);
        } else {
            let inline = match self.styles.last() {
                _ if text == "\n" => Inline::Text(text.to_string()),
                Some(Style::Strong) => Inline::Strong(text.to_string()),
                Some(Style::Emphasis) => Inline::Emphasis(text.to_string()),
                None => Inline::Text(text.to_string()),
            };
            self.push(inline);
        }
    }

    fn push(&mut self, inline: Inline) {
        if let Some((link_text, _)) = &mut self.link {
            link_text.push_str(&plain_text(&[inline]));
            return;
        }
        // Neighbouring runs of one kind merge, so a paragraph is as short as it reads.
        match (self.inlines.last_mut(), &inline) {
            (Some(Inline::Text(last)), Inline::Text(next))
            | (Some(Inline::Strong(last)), Inline::Strong(next))
            | (Some(Inline::Emphasis(last)), Inline::Emphasis(next)) => last.push_str(next),
            _ => self.inlines.push(inline),
        }
    }

    /// Adds a block to the last section, or to an untitled one when none has begun.
    fn block(&mut self, block: Block) {
        if self.document.sections.is_empty() {
            self.document.sections.push(Section {
                level: 1,
                heading: String::new(),
                blocks: Vec::new(),
            });
        }
        if let Some(section) = self.document.sections.last_mut() {
            section.blocks.push(block);
        }
    }
}

/// Line breaks inside a paragraph become spaces: renderers wrap paragraphs themselves.
fn tidy(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut tidied: Vec<Inline> = Vec::with_capacity(inlines.len());
    for inline in inlines {
        let inline = match inline {
            Inline::Text(text) => Inline::Text(text.replace('\n', " ")),
            other => other,
        };
        match (tidied.last_mut(), &inline) {
            (Some(Inline::Text(last)), Inline::Text(next)) => last.push_str(next),
            _ => tidied.push(inline),
        }
    }
    if let Some(Inline::Text(last)) = tidied.last_mut() {
        *last = last.trim_end().to_string();
    }
    tidied
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
