//! The PDF through Typst, checked with Poppler's `pdfinfo` and `pdftotext` (Debian
//! `poppler-utils`, installed by `.ci/run`): the text must be extractable and the pages counted.

use std::process::Command;

use firebreak_report::{Block, Inline, to_pdf};

use crate::document::sample;

fn run(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{tool} (poppler-utils) must be installed: {error}"));
    assert!(
        output.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn two_pages_with_a_figure_and_escaped_text() {
    let mut document = sample();
    let long = document.section(1, "Timeline");
    for minute in 0..30 {
        long.blocks.push(Block::Paragraph(vec![
            Inline::Strong(format!("09:{minute:02}")),
            Inline::Text(format!(
                " step {minute}: #set $x$ *not bold* [brackets] \\ \"quoted\" <tag> @label"
            )),
        ]));
    }
    long.figure(
        firebreak_report::forensics::fairness_svgs(&crate::forensics::fairness_report()).0,
        "Selection-rate ratio per group",
    );
    let pdf = to_pdf(&document).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(to_pdf(&document).unwrap(), pdf, "same document, same bytes");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let path = path.to_str().unwrap();
    let info = run("pdfinfo", &[path]);
    let pages: u32 = info
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .map(|pages| pages.trim().parse().unwrap())
        .unwrap();
    assert_eq!(pages, 2, "{info}");
    let text = run("pdftotext", &["-layout", path, "-"]);
    for needle in [
        "INC-7: credit model <declines> \"postcode\" applicants",
        "step 29: #set $x$ *not bold* [brackets] \\ \"quoted\" <tag> @label",
        "To do: Name the contributing factors",
        "Figure 1: A box & its caption",
        "select * from decisions where zip like '12%';",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
}
