//! Event trees drawn the way PRA reports draw them: the initiating event and
//! the functional events as column headings, each fork splitting a path into
//! one branch per state (labelled), and each path ending at its sequence on
//! the right; the sequence's probability or frequency, which covers all its
//! paths, is written at the first of them. The first path of
//! a fork continues straight on; named branches are drawn where they are
//! used; a sequence that links to another tree says which.

use std::fmt::Write;

use firebreak_rca::RcaError;
use firebreak_rca::fta::model::{Branch, BranchTarget, EventTree, Instruction, Model};

use crate::svg::{self, Anchor, TextBlock};
use crate::text::{Font, wrap};

const HEADING_FONT: Font = Font::bold(12.0);
const STATE_FONT: Font = Font::regular(10.0);
const SEQUENCE_FONT: Font = Font::bold(12.0);
const VALUE_FONT: Font = Font::regular(11.0);
const MARGIN: f64 = 16.0;
const ROW_HEIGHT: f64 = 30.0;
const MIN_COLUMN_WIDTH: f64 = 96.0;
const MAX_COLUMN_WIDTH: f64 = 150.0;
const HEADING_LINES: usize = 3;

/// The tree as drawn: forks and the sequences paths end in.
enum Node {
    Fork {
        column: usize,
        paths: Vec<(String, Node)>,
    },
    End {
        sequence: String,
        /// The event tree a linking sequence continues in.
        link: Option<String>,
    },
}

/// Draws the event tree `initiating_event` starts. `values` gives each
/// sequence's probability or frequency, as the analysis found it.
pub fn event_tree_svg(
    model: &Model,
    initiating_event: &str,
    values: &[(&str, f64)],
) -> Result<String, RcaError> {
    let undefined =
        |kind: &'static str, name: &str, referrer: String| RcaError::UndefinedReference {
            referrer,
            kind,
            name: name.to_string(),
            location: None,
        };
    let tree_name = model
        .initiating_events
        .iter()
        .find(|event| event.name == initiating_event)
        .and_then(|event| event.event_tree.as_deref())
        .ok_or_else(|| {
            undefined(
                "initiating event with an event tree",
                initiating_event,
                "the drawing".into(),
            )
        })?;
    let tree = model
        .event_trees
        .iter()
        .find(|tree| tree.name == tree_name)
        .ok_or_else(|| {
            undefined(
                "event tree",
                tree_name,
                format!("initiating event `{initiating_event}`"),
            )
        })?;
    let root = expand(model, tree, &tree.initial_state, &mut Vec::new())?;

    // Columns: the initiating event, then each functional event.
    let mut headings = vec![initiating_event.to_string()];
    headings.extend(
        tree.functional_events
            .iter()
            .map(|event| match &event.label {
                Some(label) => format!("{}: {label}", event.name),
                None => event.name.clone(),
            }),
    );
    let widths: Vec<f64> = headings
        .iter()
        .map(|heading| {
            (HEADING_FONT.width(heading) + 16.0).clamp(MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH)
        })
        .collect();
    let mut column_x = vec![MARGIN];
    for width in &widths {
        column_x.push(column_x.last().expect("starts with the margin") + width);
    }
    let end_x = *column_x.last().expect("one column at least");
    let wrapped: Vec<(Vec<String>, bool)> = headings
        .iter()
        .zip(&widths)
        .map(|(heading, width)| wrap(heading, HEADING_FONT, width - 10.0, HEADING_LINES))
        .collect();
    let heading_lines = wrapped
        .iter()
        .map(|(lines, _)| lines.len())
        .max()
        .unwrap_or(1);
    let top = MARGIN + heading_lines as f64 * HEADING_FONT.line_height() + 12.0;

    let mut body = String::new();
    for (index, (heading, (lines, shortened))) in headings.iter().zip(&wrapped).enumerate() {
        let shortened = *shortened;
        let _ = writeln!(body, "<g>");
        svg::tooltip(&mut body, heading, shortened);
        TextBlock {
            lines,
            x: column_x[index] + widths[index] / 2.0,
            y: MARGIN + HEADING_FONT.size,
            font: HEADING_FONT,
            anchor: Anchor::Middle,
            fill: svg::INK,
        }
        .write(&mut body);
        let _ = writeln!(body, "</g>");
        let _ = writeln!(
            body,
            "<path d=\"M{x} {}V{}\" stroke=\"#e4e7eb\" stroke-width=\"1\"/>",
            svg::number(MARGIN),
            svg::number(top + rows(&root) as f64 * ROW_HEIGHT),
            x = svg::number(column_x[index]),
        );
    }

    let mut drawing = Drawing {
        body,
        column_x: &column_x,
        end_x,
        top,
        next_row: 0,
        values,
        labelled: Vec::new(),
        widest_end: 0.0,
    };
    let start_x = column_x[0] + 8.0;
    drawing.node(&root, start_x);
    let Drawing {
        body, widest_end, ..
    } = drawing;
    let width = end_x + 12.0 + widest_end + MARGIN;
    let height = top + rows(&root) as f64 * ROW_HEIGHT + MARGIN;
    Ok(svg::document(
        width,
        height,
        &format!(
            "Event tree {} of initiating event {initiating_event}",
            tree.name
        ),
        &format!(
            "{} functional events, {} paths",
            tree.functional_events.len(),
            rows(&root)
        ),
        &body,
    ))
}

/// The drawn tree of `branch`, with named branches drawn in place.
fn expand(
    model: &Model,
    tree: &EventTree,
    branch: &Branch,
    open_branches: &mut Vec<String>,
) -> Result<Node, RcaError> {
    Ok(match &branch.target {
        BranchTarget::Fork(fork) => {
            let column = tree
                .functional_events
                .iter()
                .position(|event| event.name == fork.functional_event)
                .ok_or_else(|| RcaError::UndefinedReference {
                    referrer: format!("event tree `{}`", tree.name),
                    kind: "functional event",
                    name: fork.functional_event.clone(),
                    location: None,
                })?;
            let mut paths = Vec::with_capacity(fork.paths.len());
            for path in &fork.paths {
                paths.push((
                    path.state.clone(),
                    expand(model, tree, &path.branch, open_branches)?,
                ));
            }
            // Column 0 is the initiating event's.
            Node::Fork {
                column: column + 1,
                paths,
            }
        }
        BranchTarget::Branch(name) => {
            if open_branches.contains(name) {
                let mut path = open_branches.clone();
                path.push(name.clone());
                return Err(RcaError::CyclicDefinition { path });
            }
            let named = tree
                .branches
                .iter()
                .find(|named| &named.name == name)
                .ok_or_else(|| RcaError::UndefinedReference {
                    referrer: format!("event tree `{}`", tree.name),
                    kind: "branch",
                    name: name.clone(),
                    location: None,
                })?;
            open_branches.push(name.clone());
            let node = expand(model, tree, &named.branch, open_branches)?;
            open_branches.pop();
            node
        }
        BranchTarget::Sequence(name) => {
            let link = model
                .event_trees
                .iter()
                .flat_map(|tree| &tree.sequences)
                .find(|sequence| &sequence.name == name)
                .and_then(|sequence| {
                    sequence
                        .instructions
                        .iter()
                        .find_map(|instruction| match instruction {
                            Instruction::EventTree(linked) => Some(linked.clone()),
                            _ => None,
                        })
                });
            Node::End {
                sequence: name.clone(),
                link,
            }
        }
    })
}

/// How many paths end under `node`: the rows it takes.
fn rows(node: &Node) -> usize {
    match node {
        Node::Fork { paths, .. } => paths.iter().map(|(_, node)| rows(node)).sum(),
        Node::End { .. } => 1,
    }
}

struct Drawing<'a> {
    body: String,
    column_x: &'a [f64],
    end_x: f64,
    top: f64,
    next_row: usize,
    values: &'a [(&'a str, f64)],
    /// Sequences whose value is already written.
    labelled: Vec<String>,
    widest_end: f64,
}

impl Drawing<'_> {
    fn line(&mut self, path: String) {
        let _ = writeln!(
            self.body,
            "<path d=\"{path}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>",
            svg::INK
        );
    }

    /// Draws `node`, whose incoming line starts at `from_x` on the node's
    /// row; returns that row's y.
    fn node(&mut self, node: &Node, from_x: f64) -> f64 {
        match node {
            Node::End { sequence, link } => {
                let y = self.top + (self.next_row as f64 + 0.5) * ROW_HEIGHT;
                self.next_row += 1;
                self.line(format!(
                    "M{} {}H{}",
                    svg::number(from_x),
                    svg::number(y),
                    svg::number(self.end_x)
                ));
                let name = match link {
                    Some(tree) => format!("{sequence} → {tree}"),
                    None => sequence.clone(),
                };
                // A sequence's value covers all its paths, so it is shown once,
                // at the first path that reaches it.
                let value = self
                    .values
                    .iter()
                    .find(|(name, _)| name == sequence)
                    .filter(|_| !self.labelled.contains(sequence))
                    .map(|(_, value)| svg::probability(*value));
                self.labelled.push(sequence.clone());
                let x = self.end_x + 8.0;
                TextBlock {
                    lines: std::slice::from_ref(&name),
                    x,
                    y: y + 4.0,
                    font: SEQUENCE_FONT,
                    anchor: Anchor::Start,
                    fill: svg::INK,
                }
                .write(&mut self.body);
                let mut width = SEQUENCE_FONT.width(&name);
                if let Some(value) = value {
                    let value_x = x + width + 8.0;
                    TextBlock {
                        lines: std::slice::from_ref(&value),
                        x: value_x,
                        y: y + 4.0,
                        font: VALUE_FONT,
                        anchor: Anchor::Start,
                        fill: svg::MUTED,
                    }
                    .write(&mut self.body);
                    width += 8.0 + VALUE_FONT.width(&value);
                }
                self.widest_end = self.widest_end.max(width);
                y
            }
            Node::Fork { column, paths } => {
                let fork_x = self.column_x[*column] + 10.0;
                let mut ys = Vec::with_capacity(paths.len());
                for (state, child) in paths {
                    let y = self.node(child, fork_x);
                    // The state sits just above its branch, right of the fork.
                    TextBlock {
                        lines: std::slice::from_ref(state),
                        x: fork_x + 4.0,
                        y: y - 4.0,
                        font: STATE_FONT,
                        anchor: Anchor::Start,
                        fill: svg::MUTED,
                    }
                    .write(&mut self.body);
                    ys.push(y);
                }
                let first = ys[0];
                let last = *ys.last().expect("a fork has paths");
                self.line(format!(
                    "M{} {}H{}",
                    svg::number(from_x),
                    svg::number(first),
                    svg::number(fork_x)
                ));
                if last > first {
                    self.line(format!(
                        "M{x} {}V{}",
                        svg::number(first),
                        svg::number(last),
                        x = svg::number(fork_x)
                    ));
                }
                first
            }
        }
    }
}
