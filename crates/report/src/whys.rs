//! The 5-Whys analysis as a left-to-right tree of boxes: the symptom, then
//! each answer to "why?", branching where a why has several causes. The
//! last why of a chain that the checks flagged is coloured by its finding.

use std::fmt::Write;

use firebreak_rca::whys::{Why, WhysAnalysis, WhysFinding};

use crate::layout::{Rect, TreeNode, TreeSpacing, tidy_tree};
use crate::svg::{self, Anchor, LegendEntry, TextBlock};
use crate::text::{Font, wrap};

/// Draws `analysis` with `findings` (from `firebreak_rca::whys::check_whys`)
/// marked on the chains they concern.
pub fn whys_svg(analysis: &WhysAnalysis, findings: &[WhysFinding]) -> String {
    let nodes = collect_nodes(analysis, findings);
    let tree: Vec<TreeNode> = nodes
        .iter()
        .map(|node| TreeNode {
            breadth: node.height(),
            depth: BOX_WIDTH,
            children: node.children.clone(),
        })
        .collect();
    let layout = tidy_tree(&tree, SPACING);
    // The layout grows downwards; turn it so chains read left to right.
    let boxes: Vec<Rect> = layout
        .boxes
        .iter()
        .map(|rect| Rect {
            x: MARGIN + rect.y,
            y: MARGIN + rect.x,
            width: rect.height,
            height: rect.width,
        })
        .collect();

    let mut body = String::new();
    for (node, rect) in nodes.iter().zip(&boxes) {
        for &child in &node.children {
            draw_connector(&mut body, rect, &boxes[child]);
        }
    }
    for (node, rect) in nodes.iter().zip(&boxes) {
        draw_box(&mut body, node, rect);
    }

    let legend_entries = [
        LegendEntry {
            stroke: svg::HIGHLIGHT,
            fill: svg::HIGHLIGHT_FILL,
            dashed: false,
            text: "Ends on a person (blame): ask why the system allowed it",
        },
        LegendEntry {
            stroke: svg::WARNING,
            fill: svg::WARNING_FILL,
            dashed: false,
            text: "Stopped early: fewer than three whys",
        },
        LegendEntry {
            stroke: svg::NOTICE,
            fill: svg::NOTICE_FILL,
            dashed: false,
            text: "Circular: ends on the symptom or an earlier why",
        },
    ];
    let legend_top = MARGIN + layout.size.0 + 16.0;
    svg::legend(&mut body, MARGIN, legend_top, &legend_entries);
    let width = layout.size.1.max(svg::legend_width(&legend_entries)) + 2.0 * MARGIN;
    let height = legend_top + legend_entries.len() as f64 * svg::LEGEND_ROW_HEIGHT + MARGIN;

    let chains = nodes.iter().filter(|node| node.children.is_empty()).count();
    let description = format!(
        "5 Whys from the symptom \"{}\": {} whys in {chains} chains, {} findings.",
        analysis.symptom,
        nodes.len() - 1,
        findings.len(),
    );
    svg::document(
        width,
        height,
        &format!("5 Whys: {}", analysis.symptom),
        &description,
        &body,
    )
}

const MARGIN: f64 = 16.0;
const BOX_WIDTH: f64 = 200.0;
const BOX_PADDING: f64 = 8.0;
const HEADER_FONT: Font = Font::bold(9.0);
const STATEMENT_FONT: Font = Font::regular(11.0);
const FINDING_FONT: Font = Font::bold(10.0);
const STATEMENT_LINES: usize = 5;
const SPACING: TreeSpacing = TreeSpacing {
    sibling_gap: 14.0,
    level_gap: 44.0,
};

#[derive(Debug, Clone, Copy, PartialEq)]
enum FindingKind {
    Blame,
    StoppedEarly,
    Circular,
}

impl FindingKind {
    fn colors(self) -> (&'static str, &'static str) {
        match self {
            FindingKind::Blame => (svg::HIGHLIGHT, svg::HIGHLIGHT_FILL),
            FindingKind::StoppedEarly => (svg::WARNING, svg::WARNING_FILL),
            FindingKind::Circular => (svg::NOTICE, svg::NOTICE_FILL),
        }
    }
}

struct WhyNode {
    header: String,
    statement: Vec<String>,
    /// The full statement, when the box shows less.
    tooltip: Option<String>,
    findings: Vec<(FindingKind, String)>,
    symptom: bool,
    children: Vec<usize>,
}

impl WhyNode {
    fn height(&self) -> f64 {
        2.0 * BOX_PADDING
            + HEADER_FONT.line_height()
            + self.statement.len() as f64 * STATEMENT_FONT.line_height()
            + self.findings.len() as f64 * FINDING_FONT.line_height()
    }
}

fn collect_nodes(analysis: &WhysAnalysis, findings: &[WhysFinding]) -> Vec<WhyNode> {
    let inner = BOX_WIDTH - 2.0 * BOX_PADDING;
    let (statement, shortened) = wrap(&analysis.symptom, STATEMENT_FONT, inner, STATEMENT_LINES);
    let mut nodes = vec![WhyNode {
        header: "SYMPTOM".to_string(),
        statement,
        tooltip: shortened.then(|| analysis.symptom.clone()),
        findings: Vec::new(),
        symptom: true,
        children: Vec::new(),
    }];
    let mut path = Vec::new();
    for (index, why) in analysis.whys.iter().enumerate() {
        path.push(index);
        let child = collect_why(why, &mut path, findings, &mut nodes);
        nodes[0].children.push(child);
        path.pop();
    }
    nodes
}

fn collect_why(
    why: &Why,
    path: &mut Vec<usize>,
    findings: &[WhysFinding],
    nodes: &mut Vec<WhyNode>,
) -> usize {
    let inner = BOX_WIDTH - 2.0 * BOX_PADDING;
    let (statement, shortened) = wrap(&why.statement, STATEMENT_FONT, inner, STATEMENT_LINES);
    let evidence = match why.evidence.len() {
        0 => String::new(),
        1 => " · 1 evidence link".to_string(),
        count => format!(" · {count} evidence links"),
    };
    let header = format!(
        "WHY {} · {}{evidence}",
        path.len(),
        why.category.as_str().to_uppercase()
    );
    let node_findings = findings
        .iter()
        .filter_map(|finding| finding_on(finding, path))
        .collect();
    nodes.push(WhyNode {
        header,
        statement,
        tooltip: shortened.then(|| why.statement.clone()),
        findings: node_findings,
        symptom: false,
        children: Vec::new(),
    });
    let node = nodes.len() - 1;
    for (index, cause) in why.causes.iter().enumerate() {
        path.push(index);
        let child = collect_why(cause, path, findings, nodes);
        nodes[node].children.push(child);
        path.pop();
    }
    node
}

/// The finding's kind and one-line text when it concerns the chain ending
/// at `path`.
fn finding_on(finding: &WhysFinding, path: &[usize]) -> Option<(FindingKind, String)> {
    match finding {
        WhysFinding::Blame { chain, matched } if chain == path => {
            Some((FindingKind::Blame, format!("Blame: “{matched}”")))
        }
        WhysFinding::StoppedEarly { chain, depth } if chain == path => Some((
            FindingKind::StoppedEarly,
            format!(
                "Stopped early: {depth} why{}",
                if *depth == 1 { "" } else { "s" }
            ),
        )),
        WhysFinding::EndsOnSymptom { chain } if chain == path => Some((
            FindingKind::Circular,
            "Circular: restates the symptom".into(),
        )),
        _ => None,
    }
}

fn draw_connector(out: &mut String, parent: &Rect, child: &Rect) {
    let middle = parent.right() + SPACING.level_gap / 2.0;
    let end = child.x - 6.0;
    let _ = writeln!(
        out,
        "<path d=\"M{} {}H{}V{}H{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.2\"/>",
        svg::number(parent.right()),
        svg::number(parent.center_y()),
        svg::number(middle),
        svg::number(child.center_y()),
        svg::number(end),
        svg::LINE,
    );
    let _ = writeln!(
        out,
        "<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{}\"/>",
        svg::number(end),
        svg::number(child.center_y() - 4.0),
        svg::number(child.x),
        svg::number(child.center_y()),
        svg::number(end),
        svg::number(child.center_y() + 4.0),
        svg::LINE,
    );
}

fn draw_box(out: &mut String, node: &WhyNode, rect: &Rect) {
    let (stroke, fill) = match node.findings.first() {
        Some((kind, _)) => kind.colors(),
        None if node.symptom => (svg::INK, "#e4ecf7"),
        None => (svg::LINE, "#ffffff"),
    };
    out.push_str("<g>\n");
    if let Some(tooltip) = &node.tooltip {
        svg::tooltip(out, tooltip, true);
    }
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"/>",
        svg::number(rect.x),
        svg::number(rect.y),
        svg::number(rect.width),
        svg::number(rect.height),
        if node.findings.is_empty() {
            "1.2"
        } else {
            "2.5"
        },
    );
    let x = rect.x + BOX_PADDING;
    let mut y = rect.y + BOX_PADDING + HEADER_FONT.size;
    let (header, _) =
        crate::text::truncate(&node.header, HEADER_FONT, rect.width - 2.0 * BOX_PADDING);
    TextBlock {
        lines: &[header],
        x,
        y,
        font: HEADER_FONT,
        anchor: Anchor::Start,
        fill: svg::MUTED,
    }
    .write(out);
    y += HEADER_FONT.line_height() - HEADER_FONT.size + STATEMENT_FONT.size;
    TextBlock {
        lines: &node.statement,
        x,
        y,
        font: STATEMENT_FONT,
        anchor: Anchor::Start,
        fill: svg::INK,
    }
    .write(out);
    y += node.statement.len() as f64 * STATEMENT_FONT.line_height();
    for (kind, text) in &node.findings {
        let (color, _) = kind.colors();
        TextBlock {
            lines: std::slice::from_ref(text),
            x,
            y: y - STATEMENT_FONT.size + FINDING_FONT.size,
            font: FINDING_FONT,
            anchor: Anchor::Start,
            fill: color,
        }
        .write(out);
        y += FINDING_FONT.line_height();
    }
    out.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::overlapping_pairs;
    use firebreak_rca::CauseCategory;

    fn why(statement: String, causes: Vec<Why>) -> Why {
        Why {
            statement,
            category: CauseCategory::Data,
            evidence: Vec::new(),
            causes,
        }
    }

    /// A branching analysis with about `size` whys.
    fn generated_analysis(size: usize) -> WhysAnalysis {
        fn grow(depth: usize, budget: &mut usize, width: usize) -> Vec<Why> {
            let mut whys = Vec::new();
            for branch in 0..width {
                if *budget == 0 {
                    break;
                }
                *budget -= 1;
                let statement = "because of a longer reason ".repeat(branch % 3 + 1);
                let causes = grow(depth + 1, budget, (depth + branch) % 3 + 1);
                whys.push(why(format!("{depth}.{branch} {statement}"), causes));
            }
            whys
        }
        let mut budget = size;
        WhysAnalysis {
            symptom: "Loan model rejected most applicants on 3 May".into(),
            whys: grow(1, &mut budget, 2),
        }
    }

    #[test]
    fn no_boxes_overlap_in_generated_analyses() {
        for size in 0..=60 {
            let analysis = generated_analysis(size);
            let nodes = collect_nodes(&analysis, &[]);
            assert_eq!(nodes.len(), size + 1);
            let tree: Vec<TreeNode> = nodes
                .iter()
                .map(|node| TreeNode {
                    breadth: node.height(),
                    depth: BOX_WIDTH,
                    children: node.children.clone(),
                })
                .collect();
            let layout = tidy_tree(&tree, SPACING);
            assert_eq!(overlapping_pairs(&layout.boxes), [], "{size} whys");
        }
    }

    #[test]
    fn findings_mark_the_last_why_of_their_chain() {
        let analysis = WhysAnalysis {
            symptom: "Scores shifted".into(),
            whys: vec![why(
                "Deploy went wrong".into(),
                vec![why("Human error".into(), vec![])],
            )],
        };
        let findings = [
            WhysFinding::Blame {
                chain: vec![0, 0],
                matched: "human error".into(),
            },
            WhysFinding::StoppedEarly {
                chain: vec![0, 0],
                depth: 2,
            },
        ];
        let nodes = collect_nodes(&analysis, &findings);
        let kinds: Vec<Vec<FindingKind>> = nodes
            .iter()
            .map(|node| node.findings.iter().map(|(kind, _)| *kind).collect())
            .collect();
        assert_eq!(
            kinds,
            [
                vec![],
                vec![],
                vec![FindingKind::Blame, FindingKind::StoppedEarly]
            ]
        );
    }
}
