//! Text measurement without a font engine: a fixed advance-width table for
//! Arial and its metric twins (Liberation Sans, Helvetica), so layouts are
//! the same on every machine and labels can be wrapped before they are drawn.

/// Advance widths in thousandths of an em for printable ASCII from `' '`
/// (0x20) to `'~'` (0x7E), as Arial and Liberation Sans define them.
const ASCII_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '..'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // '0'..'9'
    278, 278, 584, 584, 584, 556, 1015, // ':'..'@'
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // 'A'..'M'
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // 'N'..'Z'
    278, 278, 278, 469, 556, 333, // '['..'`'
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // 'a'..'m'
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // 'n'..'z'
    334, 260, 334, 584, // '{'..'~'
];

/// Characters outside the table (accented letters, symbols) are counted as
/// wide as an `M`-ish average so estimates err on the roomy side; East Asian
/// scripts take a full em.
fn advance(character: char) -> u16 {
    match character {
        ' '..='~' => ASCII_WIDTHS[character as usize - 0x20],
        '…' => 1000,
        '·' | '’' | '‘' => 278,
        '–' => 556,
        '—' => 1000,
        '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{A4CF}' | '\u{AC00}'..='\u{D7A3}' => 1000,
        '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FF60}' => 1000,
        _ => 667,
    }
}

/// A font size and weight, the two things the width of a text depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Font {
    pub size: f64,
    pub bold: bool,
}

impl Font {
    pub const fn regular(size: f64) -> Font {
        Font { size, bold: false }
    }

    pub const fn bold(size: f64) -> Font {
        Font { size, bold: true }
    }

    /// The estimated width of `text` in user units.
    pub fn width(self, text: &str) -> f64 {
        let thousandths: u32 = text.chars().map(|c| u32::from(advance(c))).sum();
        // Bold Arial is about 8% wider on average than regular.
        let weight = if self.bold { 1.08 } else { 1.0 };
        f64::from(thousandths) / 1000.0 * self.size * weight
    }

    /// The distance between baselines of wrapped lines.
    pub fn line_height(self) -> f64 {
        (self.size * 1.25).round()
    }
}

/// `text` broken into lines no wider than `max_width`, at most `max_lines`
/// of them. The flag is true when words had to be cut or dropped, so the
/// caller can attach the full text as a tooltip.
pub fn wrap(text: &str, font: Font, max_width: f64, max_lines: usize) -> (Vec<String>, bool) {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if font.width(&candidate) <= max_width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        // A word longer than a whole line is split where it fills one.
        let mut rest = word;
        while font.width(rest) > max_width {
            let cut = longest_prefix(rest, font, max_width);
            lines.push(rest[..cut].to_string());
            rest = &rest[cut..];
        }
        current = rest.to_string();
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() <= max_lines.max(1) {
        return (lines, false);
    }
    lines.truncate(max_lines.max(1));
    if let Some(last) = lines.last_mut() {
        *last = with_ellipsis(last, font, max_width);
    }
    (lines, true)
}

/// `text` on one line, cut with an ellipsis when it is wider than
/// `max_width`; the flag says whether it was cut.
pub fn truncate(text: &str, font: Font, max_width: f64) -> (String, bool) {
    let (lines, truncated) = wrap(text, font, max_width, 1);
    let line = lines.into_iter().next().unwrap_or_default();
    let cut = truncated || text.split_whitespace().collect::<Vec<_>>().join(" ") != line;
    if cut && !line.ends_with('…') {
        (with_ellipsis(&line, font, max_width), true)
    } else {
        (line, cut)
    }
}

fn with_ellipsis(line: &str, font: Font, max_width: f64) -> String {
    let room = max_width - font.width("…");
    let cut = longest_prefix(line, font, room);
    format!("{}…", line[..cut].trim_end())
}

/// Byte length of the longest prefix of `text` that fits, at least one
/// character so that wrapping always makes progress.
fn longest_prefix(text: &str, font: Font, max_width: f64) -> usize {
    let mut width = 0.0;
    let mut end = 0;
    for (index, character) in text.char_indices() {
        width += font.width(character.encode_utf8(&mut [0; 4]));
        if width > max_width && index > 0 {
            return index;
        }
        end = index + character.len_utf8();
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    const FONT: Font = Font::regular(10.0);

    #[test]
    fn widths_follow_the_table() {
        assert_eq!(FONT.width(""), 0.0);
        assert!((FONT.width("il") - 4.44).abs() < 1e-9);
        assert!(FONT.width("WWW") > FONT.width("iii") * 3.0);
        assert!(Font::bold(10.0).width("abc") > FONT.width("abc"));
    }

    #[test]
    fn wrapping_keeps_lines_within_the_width() {
        let text = "The upstream schema changed without a contract test between teams";
        let (lines, truncated) = wrap(text, FONT, 100.0, 10);
        assert!(!truncated);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|line| FONT.width(line) <= 100.0));
        assert_eq!(lines.join(" "), text);

        let (lines, truncated) = wrap(text, FONT, 100.0, 2);
        assert!(truncated);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert!(lines.iter().all(|line| FONT.width(line) <= 100.0));

        let (lines, _) = wrap("Supercalifragilisticexpialidocious", FONT, 40.0, 10);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|line| FONT.width(line) <= 40.0));
    }

    #[test]
    fn truncation_marks_what_it_cuts() {
        assert_eq!(truncate("short", FONT, 100.0), ("short".to_string(), false));
        let (line, cut) = truncate("a rather long label that cannot fit", FONT, 60.0);
        assert!(cut);
        assert!(line.ends_with('…'));
        assert!(FONT.width(&line) <= 60.0);
    }
}
