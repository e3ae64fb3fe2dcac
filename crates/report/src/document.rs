//! The document model every renderer reads: a plain tree of a title, metadata lines and
//! sections of blocks. Forensics reports, post-mortem templates and RCA write-ups are all built
//! as a `Document`, so Markdown, HTML and PDF show the same content.

use serde::{Deserialize, Serialize};

/// A whole document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub title: String,
    #[serde(default)]
    pub subtitle: Option<String>,
    /// Short lines under the title (sources, dates, authors), one per line.
    #[serde(default)]
    pub metadata: Vec<String>,
    #[serde(default)]
    pub sections: Vec<Section>,
}

/// A heading and the blocks under it. `level` 1 is a top section under the title; deeper
/// levels nest (renderers cap the depth at what their format has).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub level: u8,
    pub heading: String,
    #[serde(default)]
    pub blocks: Vec<Block>,
}

/// A unit of content inside a section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    Paragraph(Vec<Inline>),
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    /// Plain-text cells; rows shorter than the widest row are padded with empty cells.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A self-contained SVG document and its caption; figures are numbered in order.
    Figure {
        svg: String,
        caption: String,
    },
    Code {
        #[serde(default)]
        language: Option<String>,
        text: String,
    },
    /// A visible placeholder for content that still has to be written (post-mortem drafts).
    Todo(String),
}

/// A run of text inside a paragraph or list item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inline {
    Text(String),
    Strong(String),
    Emphasis(String),
    Code(String),
    Link { text: String, url: String },
}

impl Document {
    pub fn new(title: impl Into<String>) -> Document {
        Document {
            title: title.into(),
            ..Document::default()
        }
    }

    /// Adds a section and returns it, so a builder can fill it in place.
    pub fn section(&mut self, level: u8, heading: impl Into<String>) -> &mut Section {
        self.sections.push(Section {
            level,
            heading: heading.into(),
            blocks: Vec::new(),
        });
        let last = self.sections.len() - 1;
        &mut self.sections[last]
    }

    /// The figures in document order, numbered from 1 as every renderer numbers them.
    pub fn figures(&self) -> impl Iterator<Item = (usize, &str, &str)> {
        self.sections
            .iter()
            .flat_map(|section| &section.blocks)
            .filter_map(|block| match block {
                Block::Figure { svg, caption } => Some((svg.as_str(), caption.as_str())),
                _ => None,
            })
            .enumerate()
            .map(|(index, (svg, caption))| (index + 1, svg, caption))
    }
}

impl Section {
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Section {
        self.blocks
            .push(Block::Paragraph(vec![Inline::Text(text.into())]));
        self
    }

    pub fn list(&mut self, ordered: bool, items: Vec<Vec<Inline>>) -> &mut Section {
        self.blocks.push(Block::List { ordered, items });
        self
    }

    pub fn table(&mut self, header: Vec<String>, rows: Vec<Vec<String>>) -> &mut Section {
        self.blocks.push(Block::Table { header, rows });
        self
    }

    pub fn figure(&mut self, svg: String, caption: impl Into<String>) -> &mut Section {
        self.blocks.push(Block::Figure {
            svg,
            caption: caption.into(),
        });
        self
    }
}

/// The number of columns a table needs: its header or its widest row.
pub(crate) fn table_width(header: &[String], rows: &[Vec<String>]) -> usize {
    rows.iter().map(Vec::len).fold(header.len(), usize::max)
}

/// Cells padded to `width` with empty strings.
pub(crate) fn padded(cells: &[String], width: usize) -> Vec<&str> {
    (0..width)
        .map(|index| cells.get(index).map_or("", String::as_str))
        .collect()
}

/// The plain text of inline runs, without markup.
pub(crate) fn plain_text(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|inline| match inline {
            Inline::Text(text)
            | Inline::Strong(text)
            | Inline::Emphasis(text)
            | Inline::Code(text) => text.as_str(),
            Inline::Link { text, .. } => text.as_str(),
        })
        .collect()
}
