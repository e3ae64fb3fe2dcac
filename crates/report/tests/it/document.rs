use std::collections::BTreeMap;

use firebreak_report::{
    Block, Document, Inline, ReportError, from_markdown, to_html, to_markdown, to_text,
};

/// A small document with every kind of block, and text that needs escaping in each format.
pub fn sample() -> Document {
    let mut document = Document::new("INC-7: credit model <declines> \"postcode\" applicants");
    document.subtitle = Some("Post-mortem draft".into());
    document.metadata = vec![
        "commander: R. Okafor".into(),
        "# not a heading, * not emphasis".into(),
    ];
    let summary = document.section(1, "Summary");
    summary.blocks.push(Block::Paragraph(vec![
        Inline::Text("The model ".into()),
        Inline::Strong("approved fewer".into()),
        Inline::Text(" applicants from one ".into()),
        Inline::Emphasis("postcode".into()),
        Inline::Text(" after retrain `v2` & a <script>; see ".into()),
        Inline::Link {
            text: "the runbook".into(),
            url: "https://example.org/runbook?a=1&b=2".into(),
        },
        Inline::Text(". Column ".into()),
        Inline::Code("zip_3".into()),
        Inline::Text(" was used.".into()),
    ]));
    summary.blocks.push(Block::List {
        ordered: true,
        items: vec![
            vec![Inline::Text("Disable the model".into())],
            vec![Inline::Text("Re-score | appeal".into())],
        ],
    });
    summary.table(
        vec!["group".into(), "selection rate".into()],
        vec![
            vec!["A".into(), "0.52".into()],
            vec!["B|C".into(), "0.31".into(), "extra".into()],
        ],
    );
    let evidence = document.section(2, "Evidence");
    evidence.figure(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\" role=\"img\" aria-labelledby=\"title desc\"><title id=\"title\">Box</title><desc id=\"desc\">A box.</desc><rect width=\"10\" height=\"10\"/></svg>\n".into(),
        "A box & its caption",
    );
    evidence.blocks.push(Block::Code {
        language: Some("sql".into()),
        text: "select * from decisions where zip like '12%';\n```\n".into(),
    });
    evidence
        .blocks
        .push(Block::Todo("Name the contributing factors".into()));
    document
}

#[test]
fn markdown_of_a_small_document() {
    insta::assert_snapshot!("document_markdown", to_markdown(&sample()));
}

#[test]
fn html_of_a_small_document() {
    let html = to_html(&sample());
    assert!(!html.contains("<script>"), "text is escaped");
    assert!(html.contains("aria-labelledby=\"figure-1-title figure-1-desc\""));
    assert!(!html.contains("src=") && !html.contains("href=\"http://") && !html.contains("<link"));
    insta::assert_snapshot!("document_html", html);
}

#[test]
fn text_of_a_small_document() {
    let text = to_text(&sample());
    assert!(
        text.contains("group  selection rate\nA      0.52\nB|C    0.31            extra\n"),
        "{text}"
    );
    assert!(text.contains("TODO: Name the contributing factors"));
    assert!(!text.contains("<svg"));
}

#[test]
fn serde_round_trip() {
    let document = sample();
    let json = serde_json::to_string(&document).unwrap();
    assert_eq!(serde_json::from_str::<Document>(&json).unwrap(), document);
}

#[test]
fn markdown_in_becomes_the_same_tree() {
    let figures = BTreeMap::from([("drift".to_string(), "<svg/>".to_string())]);
    let source = "# Post-mortem INC-7\n\nIncident commander: R. Okafor\nSeverity: SEV2\n\n\
## Summary\n\nThe model **approved fewer** applicants, *see* `zip_3` and [runbook](https://example.org).\n\n\
TODO: describe the impact\n\n\
### Timeline\n\n- 09:00 alert\n- 09:05 page\n  - nested note\n\n1. first\n2. second\n\n\
| when | what |\n| --- | --- |\n| 09:00 | *alert* |\n\n\
![Drift of zip_3](figure:drift)\n\n```sql\nselect 1;\n```\n";
    let document = from_markdown(source, &figures).unwrap();
    assert_eq!(document.title, "Post-mortem INC-7");
    assert_eq!(
        document.metadata,
        ["Incident commander: R. Okafor", "Severity: SEV2"]
    );
    assert_eq!(document.sections.len(), 2);
    let summary = &document.sections[0];
    assert_eq!((summary.level, summary.heading.as_str()), (1, "Summary"));
    assert_eq!(
        summary.blocks,
        [
            Block::Paragraph(vec![
                Inline::Text("The model ".into()),
                Inline::Strong("approved fewer".into()),
                Inline::Text(" applicants, ".into()),
                Inline::Emphasis("see".into()),
                Inline::Text(" ".into()),
                Inline::Code("zip_3".into()),
                Inline::Text(" and ".into()),
                Inline::Link {
                    text: "runbook".into(),
                    url: "https://example.org".into()
                },
                Inline::Text(".".into()),
            ]),
            Block::Todo("describe the impact".into()),
        ]
    );
    let timeline = &document.sections[1];
    assert_eq!(timeline.level, 2);
    assert_eq!(
        timeline.blocks,
        [
            Block::List {
                ordered: false,
                items: vec![
                    vec![Inline::Text("09:00 alert".into())],
                    vec![Inline::Text("09:05 page".into())],
                    vec![Inline::Text("nested note".into())],
                ]
            },
            Block::List {
                ordered: true,
                items: vec![
                    vec![Inline::Text("first".into())],
                    vec![Inline::Text("second".into())],
                ]
            },
            Block::Table {
                header: vec!["when".into(), "what".into()],
                rows: vec![vec!["09:00".into(), "alert".into()]],
            },
            Block::Figure {
                svg: "<svg/>".into(),
                caption: "Drift of zip_3".into()
            },
            Block::Code {
                language: Some("sql".into()),
                text: "select 1;\n".into()
            },
        ]
    );
}

#[test]
fn rendered_markdown_reads_back() {
    let document = sample();
    let figures = BTreeMap::new();
    let again = from_markdown(&to_markdown(&document), &figures).unwrap();
    assert_eq!(again.title, document.title);
    assert_eq!(again.metadata, document.metadata);
    assert_eq!(again.sections[0].blocks[0], document.sections[0].blocks[0]);
    assert_eq!(
        again.sections[1].blocks.last(),
        document.sections[1].blocks.last()
    );
}

#[test]
fn unknown_figures_and_missing_titles_are_refused() {
    let figures = BTreeMap::from([("a".to_string(), "<svg/>".to_string())]);
    let error = from_markdown("# T\n\n![x](figure:b)\n", &figures).unwrap_err();
    assert_eq!(
        error,
        ReportError::UnknownFigure {
            name: "b".into(),
            known: "a".into()
        }
    );
    assert!(error.to_string().contains("`b`"));
    assert_eq!(
        from_markdown("just text\n", &figures).unwrap_err(),
        ReportError::MissingTitle
    );
}

#[test]
fn hostile_markdown_does_not_panic() {
    let figures = BTreeMap::new();
    for source in [
        "",
        "#",
        "# T\n\n> TODO: quoted\n\n<div>raw</div>\n\n- [ ] x\n\n|a|\n|-|\n",
        "# T\n\n![](figure:)",
        "# T\n\n**unclosed *nested",
        "# T\n\n[link](javascript:alert(1))",
    ] {
        if let Ok(document) = from_markdown(source, &figures) {
            let html = to_html(&document);
            assert!(!html.contains("javascript:"), "{html}");
            to_markdown(&document);
        }
    }
}
