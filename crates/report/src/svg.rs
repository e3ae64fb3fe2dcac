//! The few SVG pieces every diagram shares: escaping, number formatting that
//! does not change between platforms, multi-line text, and the document
//! frame with its accessibility title and description.

use std::fmt::Write;

use crate::text::Font;

/// Arial first because the width table measures Arial; the rest share its
/// metrics or come close.
pub const FONT_FAMILY: &str = "Arial, 'Liberation Sans', Helvetica, 'Nimbus Sans', sans-serif";

pub const INK: &str = "#1f2933";
pub const MUTED: &str = "#52606d";
pub const LINE: &str = "#7b8794";
pub const HIGHLIGHT: &str = "#d64545";
pub const HIGHLIGHT_FILL: &str = "#fde8e8";
pub const WARNING: &str = "#c77c02";
pub const WARNING_FILL: &str = "#fff4dc";
pub const NOTICE: &str = "#7c3aed";
pub const NOTICE_FILL: &str = "#f3ecff";

/// Escapes text for element content and attribute values alike.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && c != '\n' && c != '\t' => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}

/// A coordinate with at most two decimals and no trailing zeros, so output
/// is stable and compact.
pub fn number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded == 0.0 {
        return "0".to_string();
    }
    let text = format!("{rounded:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A probability in the short scientific form fault-tree tools print.
pub fn probability(value: f64) -> String {
    if value == 0.0 || value == 1.0 {
        return format!("{value:.0}");
    }
    if value >= 0.01 {
        return number_with(value, 3);
    }
    let text = format!("{value:.2e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) => format!("{mantissa}e{exponent}"),
        None => text,
    }
}

fn number_with(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn attribute(&self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// Text lines whose first baseline sits at `y`.
pub struct TextBlock<'a> {
    pub lines: &'a [String],
    pub x: f64,
    pub y: f64,
    pub font: Font,
    pub anchor: Anchor,
    pub fill: &'a str,
}

impl TextBlock<'_> {
    pub fn write(&self, out: &mut String) {
        for (index, line) in self.lines.iter().enumerate() {
            let y = self.y + index as f64 * self.font.line_height();
            let weight = if self.font.bold {
                " font-weight=\"bold\""
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{weight} text-anchor=\"{}\" fill=\"{}\">{}</text>",
                number(self.x),
                number(y),
                number(self.font.size),
                self.anchor.attribute(),
                self.fill,
                escape(line),
            );
        }
    }
}

/// Writes `<title>` with the full text when a label was shortened, so the
/// whole statement is one hover away.
pub fn tooltip(out: &mut String, full_text: &str, shortened: bool) {
    if shortened {
        let _ = writeln!(out, "<title>{}</title>", escape(full_text));
    }
}

/// Wraps a diagram body in a self-contained SVG document: a viewBox that
/// fits the content, inline styles only, and a title and description that
/// screen readers announce.
pub fn document(width: f64, height: f64, title: &str, description: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    let width = number(width.ceil());
    let height = number(height.ceil());
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"title desc\" font-family=\"{}\">",
        escape(FONT_FAMILY),
    );
    let _ = writeln!(out, "<title id=\"title\">{}</title>", escape(title));
    let _ = writeln!(out, "<desc id=\"desc\">{}</desc>", escape(description));
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    out.push_str(body);
    out.push_str("</svg>\n");
    out
}

/// One entry of a legend: a swatch drawn by the caller's style, and a text.
pub struct LegendEntry<'a> {
    pub stroke: &'a str,
    pub fill: &'a str,
    pub dashed: bool,
    pub text: &'a str,
}

pub const LEGEND_ROW_HEIGHT: f64 = 18.0;
const LEGEND_FONT: Font = Font::regular(11.0);

/// The width a legend needs, so callers can reserve room for it.
pub fn legend_width(entries: &[LegendEntry<'_>]) -> f64 {
    entries
        .iter()
        .map(|entry| 22.0 + LEGEND_FONT.width(entry.text))
        .fold(0.0, f64::max)
}

/// Draws a legend with its top-left corner at (`x`, `y`), one row per entry.
pub fn legend(out: &mut String, x: f64, y: f64, entries: &[LegendEntry<'_>]) {
    for (index, entry) in entries.iter().enumerate() {
        let row_y = y + index as f64 * LEGEND_ROW_HEIGHT;
        let dash = if entry.dashed {
            " stroke-dasharray=\"4 2\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"12\" rx=\"2\" fill=\"{}\" stroke=\"{}\" stroke-width=\"2\"{dash}/>",
            number(x),
            number(row_y),
            entry.fill,
            entry.stroke,
        );
        TextBlock {
            lines: &[entry.text.to_string()],
            x: x + 22.0,
            y: row_y + 10.0,
            font: LEGEND_FONT,
            anchor: Anchor::Start,
            fill: INK,
        }
        .write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(
            escape("a < b & \"c\" > 'd'\u{7}"),
            "a &lt; b &amp; &quot;c&quot; &gt; &#39;d&#39; "
        );
    }

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(1.256), "1.26");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(probability(0.05), "0.05");
        assert_eq!(probability(0.0015), "1.50e-3");
        assert_eq!(probability(1.0), "1");
    }
}
