//! CSV records per RFC 4180, the one writer behind every CSV export: fields
//! with a comma, quote or line break are quoted with quotes doubled, and
//! records end in CRLF.

/// One field, quoted where RFC 4180 needs it.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A field of free text someone typed, made inert for spreadsheets: text
/// that begins like a formula (`=`, `+`, `-`, `@`, tab, carriage return)
/// gets a leading apostrophe so a spreadsheet opening the export shows it
/// rather than evaluating it (OWASP's CSV injection advice).
pub fn text_field(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        field(&format!("'{text}"))
    } else {
        field(text)
    }
}

/// One record of already-quoted fields, with its CRLF.
pub fn record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<&str>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_where_needed() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(record(&["a", "\"b,c\""]), "a,\"b,c\"\r\n");
    }

    #[test]
    fn text_that_looks_like_a_formula_is_inert() {
        assert_eq!(
            text_field("=HYPERLINK(\"x\")"),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(text_field("-1 approvals"), "'-1 approvals");
        assert_eq!(text_field("Bias in scoring"), "Bias in scoring");
    }
}
