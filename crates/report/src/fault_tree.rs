//! The fault tree of one top event as a top-down diagram with the standard
//! symbols: each event is a text box (name, label, probability) over its
//! symbol — the gate's connective, a circle for a basic event, a house for a
//! house event. A gate used in several places is drawn once; its other uses
//! are transfer triangles that name it.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use firebreak_rca::RcaError;
use firebreak_rca::fta::compile::{EvaluationSettings, compile};
use firebreak_rca::fta::model::{
    BasicEvent, Container, Definitions, EventKind, EventRef, Formula, Gate, HouseEvent, Model, Role,
};
use firebreak_rca::fta::{CutSet, TopEventAnalysis};

use crate::layout::{Rect, TreeNode, TreeSpacing, tidy_tree};
use crate::svg::{self, Anchor, LegendEntry, TextBlock};
use crate::text::{Font, truncate, wrap};

/// What to show besides the tree itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct FaultTreeOptions<'a> {
    /// Basic-event probabilities are evaluated at this mission time.
    pub evaluation: EvaluationSettings,
    /// Adds the top event's probability to its box.
    pub analysis: Option<&'a TopEventAnalysis>,
    /// The basic events of this cut set are highlighted.
    pub highlighted_cut_set: Option<&'a CutSet>,
}

/// Draws the fault tree of `top_event` (a gate name as the analysis names
/// it). Fails when the model does not resolve or has no such gate.
pub fn fault_tree_svg(
    model: &Model,
    top_event: &str,
    options: &FaultTreeOptions<'_>,
) -> Result<String, RcaError> {
    let diagram = FaultTreeDiagram::build(model, top_event, options)?;
    Ok(diagram.render(top_event, options))
}

const BOX_WIDTH: f64 = 150.0;
const BOX_PADDING: f64 = 6.0;
const NAME_FONT: Font = Font::bold(11.0);
const LABEL_FONT: Font = Font::regular(10.0);
const LABEL_LINES: usize = 4;
/// Room under the text box for the connector and the symbol.
const SYMBOL_AREA: f64 = 46.0;
const SYMBOL_WIDTH: f64 = 36.0;
const SYMBOL_HEIGHT: f64 = 32.0;
const MARGIN: f64 = 16.0;
const SPACING: TreeSpacing = TreeSpacing {
    sibling_gap: 14.0,
    level_gap: 26.0,
};

#[derive(Debug, Clone, PartialEq)]
enum Symbol {
    And,
    Or,
    AtLeast {
        min: u32,
        count: usize,
    },
    Not,
    Xor,
    Nand,
    Nor,
    Inhibit,
    /// A gate that is just another event: a straight line.
    PassThrough,
    BasicEvent,
    HouseEvent,
    Transfer,
}

#[derive(Debug, Clone)]
struct DrawnNode {
    symbol: Symbol,
    /// Bold first line; `None` for the anonymous gates of nested formulas.
    name: Option<String>,
    label: Option<String>,
    /// The last line of the box: a probability, a house event's state, …
    detail: Option<String>,
    highlighted: bool,
    /// Drawn once here and referenced elsewhere by transfer triangles.
    transferred_out: bool,
    /// The connector from the parent is dashed: an inhibit gate's condition.
    condition: bool,
    children: Vec<usize>,
}

struct FaultTreeDiagram {
    nodes: Vec<DrawnNode>,
}

impl FaultTreeDiagram {
    fn build(
        model: &Model,
        top_event: &str,
        options: &FaultTreeOptions<'_>,
    ) -> Result<FaultTreeDiagram, RcaError> {
        let compiled = compile(model, options.evaluation)?;
        let names = NameTable::collect(model);
        let Some(&(top_gate, top_scope)) = names.gates.get(top_event) else {
            return Err(RcaError::UnknownTopEvent(top_event.to_string()));
        };
        let probabilities: HashMap<&str, f64> = compiled
            .basic_events
            .iter()
            .filter_map(|event| Some((event.name.as_str(), event.probability?)))
            .collect();
        let highlighted: HashSet<&str> = options
            .highlighted_cut_set
            .map(|set| set.events.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let mut builder = Builder {
            names: &names,
            probabilities,
            highlighted,
            nodes: Vec::new(),
            drawn_gates: HashMap::new(),
        };
        let top = builder.gate(top_event, top_gate, top_scope)?;
        // Exact where it exists; after cut-set rewrites, the min-cut upper bound.
        if let Some(probability) = options
            .analysis
            .and_then(|analysis| analysis.probability.as_ref())
        {
            builder.nodes[top].detail = Some(match probability.exact {
                Some(exact) => format!("P(top) = {}", svg::probability(exact)),
                None => format!(
                    "P(top) ≤ {}",
                    svg::probability(probability.min_cut_upper_bound)
                ),
            });
        }
        Ok(FaultTreeDiagram {
            nodes: builder.nodes,
        })
    }

    fn render(&self, top_event: &str, options: &FaultTreeOptions<'_>) -> String {
        let texts: Vec<BoxText> = self.nodes.iter().map(BoxText::new).collect();
        let tree: Vec<TreeNode> = self
            .nodes
            .iter()
            .zip(&texts)
            .map(|(node, text)| TreeNode {
                breadth: BOX_WIDTH,
                depth: text.height() + SYMBOL_AREA,
                children: node.children.clone(),
            })
            .collect();
        let layout = tidy_tree(&tree, SPACING);
        let boxes: Vec<Rect> = layout
            .boxes
            .iter()
            .map(|rect| Rect {
                x: rect.x + MARGIN,
                y: rect.y + MARGIN,
                ..*rect
            })
            .collect();

        let mut body = String::new();
        for (index, node) in self.nodes.iter().enumerate() {
            let parent = boxes[index];
            let bus_y = node
                .children
                .first()
                .map(|&child| boxes[child].y - SPACING.level_gap / 2.0);
            for &child in &node.children {
                let child_box = boxes[child];
                let Some(bus_y) = bus_y else { continue };
                let dash = if self.nodes[child].condition {
                    " stroke-dasharray=\"5 3\""
                } else {
                    ""
                };
                let _ = writeln!(
                    body,
                    "<path d=\"M{} {}V{}H{}V{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.2\"{dash}/>",
                    svg::number(parent.center_x()),
                    svg::number(symbol_bottom(&parent, &texts[index], &node.symbol)),
                    svg::number(bus_y),
                    svg::number(child_box.center_x()),
                    svg::number(child_box.y),
                    svg::LINE,
                );
            }
        }
        for ((node, text), rect) in self.nodes.iter().zip(&texts).zip(&boxes) {
            draw_node(&mut body, node, text, rect);
        }

        let mut legend_entries = Vec::new();
        let cut_set_text;
        if let Some(cut_set) = options.highlighted_cut_set {
            cut_set_text = format!("Minimal cut set {{{}}}", cut_set.events.join(", "));
            legend_entries.push(LegendEntry {
                stroke: svg::HIGHLIGHT,
                fill: svg::HIGHLIGHT_FILL,
                dashed: false,
                text: &cut_set_text,
            });
        }
        if self
            .nodes
            .iter()
            .any(|node| node.symbol == Symbol::Transfer)
        {
            legend_entries.push(LegendEntry {
                stroke: svg::INK,
                fill: "#ffffff",
                dashed: false,
                text: "Triangle: transfer to a gate drawn in full elsewhere in this tree",
            });
        }
        if self.nodes.iter().any(|node| node.condition) {
            legend_entries.push(LegendEntry {
                stroke: svg::LINE,
                fill: "#ffffff",
                dashed: true,
                text: "Dashed: the condition of an inhibit gate",
            });
        }
        let legend_top = MARGIN + layout.size.1 + 16.0;
        svg::legend(&mut body, MARGIN, legend_top, &legend_entries);
        let legend_height = legend_entries.len() as f64 * svg::LEGEND_ROW_HEIGHT;
        let width = layout
            .size
            .0
            .max(svg::legend_width(&legend_entries))
            .max(NAME_FONT.width(top_event))
            + 2.0 * MARGIN;
        let height = legend_top + legend_height + MARGIN;

        let gates = self
            .nodes
            .iter()
            .filter(|node| !matches!(node.symbol, Symbol::BasicEvent | Symbol::HouseEvent))
            .count();
        let description = format!(
            "Fault tree of top event {top_event}: {} drawn events, {gates} of them gates.",
            self.nodes.len()
        );
        svg::document(
            width,
            height,
            &format!("Fault tree: {top_event}"),
            &description,
            &body,
        )
    }
}

/// The wrapped text of a node's box.
struct BoxText {
    name: Option<String>,
    label: Vec<String>,
    detail: Option<String>,
    /// The full text, set when something was shortened.
    tooltip: Option<String>,
}

impl BoxText {
    fn new(node: &DrawnNode) -> BoxText {
        let inner = BOX_WIDTH - 2.0 * BOX_PADDING;
        let (name, name_cut) = match &node.name {
            Some(name) => {
                let (line, cut) = truncate(name, NAME_FONT, inner);
                (Some(line), cut)
            }
            None => (None, false),
        };
        let (label, label_cut) = match &node.label {
            Some(label) => wrap(label, LABEL_FONT, inner, LABEL_LINES),
            None => (Vec::new(), false),
        };
        let tooltip = (name_cut || label_cut).then(|| {
            [node.name.as_deref(), node.label.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ")
        });
        BoxText {
            name,
            label,
            detail: node.detail.clone(),
            tooltip,
        }
    }

    /// Anonymous gates of nested formulas have no text and no box.
    fn is_empty(&self) -> bool {
        self.name.is_none() && self.label.is_empty() && self.detail.is_none()
    }

    fn height(&self) -> f64 {
        if self.is_empty() {
            return 0.0;
        }
        let lines = self.label.len() + usize::from(self.detail.is_some());
        let name = if self.name.is_some() {
            NAME_FONT.line_height()
        } else {
            0.0
        };
        (2.0 * BOX_PADDING + name + lines as f64 * LABEL_FONT.line_height()).max(22.0)
    }
}

/// Where the connectors to a node's children start.
fn symbol_bottom(rect: &Rect, text: &BoxText, symbol: &Symbol) -> f64 {
    let top = rect.y + text.height() + (SYMBOL_AREA - SYMBOL_HEIGHT);
    match symbol {
        Symbol::Xor => top + SYMBOL_HEIGHT + 5.0,
        // The shield's bottom curves up; start at its lowest point.
        Symbol::Or | Symbol::Nor | Symbol::AtLeast { .. } => top + SYMBOL_HEIGHT - 5.0,
        _ => top + SYMBOL_HEIGHT,
    }
}

fn draw_node(out: &mut String, node: &DrawnNode, text: &BoxText, rect: &Rect) {
    let (stroke, fill) = if node.highlighted {
        (svg::HIGHLIGHT, svg::HIGHLIGHT_FILL)
    } else {
        (svg::INK, "#ffffff")
    };
    let box_height = text.height();
    out.push_str("<g>\n");
    if !text.is_empty() {
        draw_text_box(out, text, rect, node.highlighted);
    }
    let cx = rect.center_x();
    let symbol_top = rect.y + box_height + (SYMBOL_AREA - SYMBOL_HEIGHT);
    let _ = writeln!(
        out,
        "<path d=\"M{} {}V{}\" stroke=\"{}\" stroke-width=\"1.2\"/>",
        svg::number(cx),
        svg::number(rect.y + box_height),
        svg::number(symbol_top + symbol_connector_offset(&node.symbol)),
        svg::LINE,
    );
    draw_symbol(out, &node.symbol, cx, symbol_top, stroke, fill);
    if node.transferred_out {
        // A transfer-out triangle beside the symbol: this gate is referenced
        // elsewhere by transfer-in triangles carrying its name.
        let x = cx + SYMBOL_WIDTH / 2.0 + 6.0;
        let y = symbol_top + 6.0;
        let _ = writeln!(
            out,
            "<path d=\"M{} {}H{}L{} {}Z\" fill=\"#ffffff\" stroke=\"{}\" stroke-width=\"1.2\"/>",
            svg::number(x + 8.0),
            svg::number(y + 14.0),
            svg::number(x + 24.0),
            svg::number(x + 16.0),
            svg::number(y),
            svg::INK,
        );
        let _ = writeln!(
            out,
            "<path d=\"M{} {}H{}\" stroke=\"{}\" stroke-width=\"1.2\"/>",
            svg::number(cx + SYMBOL_WIDTH / 2.0 - 4.0),
            svg::number(y + 10.0),
            svg::number(x + 12.0),
            svg::INK,
        );
    }
    out.push_str("</g>\n");
}

/// The event's box: its name, wrapped label and detail line.
fn draw_text_box(out: &mut String, text: &BoxText, rect: &Rect, highlighted: bool) {
    let (stroke, fill) = if highlighted {
        (svg::HIGHLIGHT, svg::HIGHLIGHT_FILL)
    } else {
        (svg::INK, "#ffffff")
    };
    if let Some(tooltip) = &text.tooltip {
        svg::tooltip(out, tooltip, true);
    }
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"/>",
        svg::number(rect.x),
        svg::number(rect.y),
        svg::number(BOX_WIDTH),
        svg::number(text.height()),
        if highlighted { "2" } else { "1" },
    );
    let mut y = rect.y + BOX_PADDING + NAME_FONT.size;
    if let Some(name) = &text.name {
        TextBlock {
            lines: std::slice::from_ref(name),
            x: rect.center_x(),
            y,
            font: NAME_FONT,
            anchor: Anchor::Middle,
            fill: svg::INK,
        }
        .write(out);
        y += NAME_FONT.line_height() - NAME_FONT.size + LABEL_FONT.size;
    } else {
        y += LABEL_FONT.size - NAME_FONT.size;
    }
    TextBlock {
        lines: &text.label,
        x: rect.center_x(),
        y,
        font: LABEL_FONT,
        anchor: Anchor::Middle,
        fill: svg::INK,
    }
    .write(out);
    y += text.label.len() as f64 * LABEL_FONT.line_height();
    if let Some(detail) = &text.detail {
        TextBlock {
            lines: std::slice::from_ref(detail),
            x: rect.center_x(),
            y,
            font: LABEL_FONT,
            anchor: Anchor::Middle,
            fill: svg::MUTED,
        }
        .write(out);
    }
}

/// How far below the symbol area's top the symbol's outline begins.
fn symbol_connector_offset(symbol: &Symbol) -> f64 {
    match symbol {
        Symbol::PassThrough => SYMBOL_HEIGHT,
        _ => 0.0,
    }
}

fn draw_symbol(out: &mut String, symbol: &Symbol, cx: f64, top: f64, stroke: &str, fill: &str) {
    let n = svg::number;
    let left = cx - SYMBOL_WIDTH / 2.0;
    let right = cx + SYMBOL_WIDTH / 2.0;
    let bottom = top + SYMBOL_HEIGHT;
    let style = format!("fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"");
    // Inverting gates carry a bubble on top and their body below it.
    let bubble = 8.0;
    let and_shape = |top: f64| {
        format!(
            "<path d=\"M{} {}V{}A{} {} 0 0 1 {} {}V{}Z\" {style}/>",
            n(left),
            n(bottom),
            n(top + (bottom - top) / 2.0),
            n(SYMBOL_WIDTH / 2.0),
            n((bottom - top) / 2.0),
            n(right),
            n(top + (bottom - top) / 2.0),
            n(bottom),
        )
    };
    let or_shape = |top: f64| {
        format!(
            "<path d=\"M{} {}Q{} {} {} {}Q{} {} {} {}Q{} {} {} {}Z\" {style}/>",
            n(left),
            n(bottom),
            n(left + 2.0),
            n(top + (bottom - top) * 0.4),
            n(cx),
            n(top),
            n(right - 2.0),
            n(top + (bottom - top) * 0.4),
            n(right),
            n(bottom),
            n(cx),
            n(bottom - 10.0),
            n(left),
            n(bottom),
        )
    };
    let bubble_circle = format!(
        "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" {style}/>",
        n(cx),
        n(top + bubble / 2.0),
        n(bubble / 2.0),
    );
    let shape = match symbol {
        Symbol::And => and_shape(top),
        Symbol::Or => or_shape(top),
        Symbol::AtLeast { min, count } => format!(
            "{}\n<text x=\"{}\" y=\"{}\" font-size=\"10\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"{}\">{min}/{count}</text>",
            or_shape(top),
            n(cx),
            n(bottom - 9.0),
            svg::INK,
        ),
        Symbol::Xor => format!(
            "{}\n<path d=\"M{} {}Q{} {} {} {}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>",
            or_shape(top),
            n(left),
            n(bottom + 5.0),
            n(cx),
            n(bottom - 5.0),
            n(right),
            n(bottom + 5.0),
        ),
        Symbol::Nand => format!("{}\n{bubble_circle}", and_shape(top + bubble)),
        Symbol::Nor => format!("{}\n{bubble_circle}", or_shape(top + bubble)),
        Symbol::Not => format!(
            "<path d=\"M{} {}L{} {}L{} {}Z\" {style}/>\n{bubble_circle}",
            n(left + 4.0),
            n(bottom),
            n(cx),
            n(top + bubble),
            n(right - 4.0),
            n(bottom),
        ),
        Symbol::Inhibit => format!(
            "<path d=\"M{} {}L{} {}V{}L{} {}L{} {}V{}Z\" {style}/>",
            n(cx),
            n(top),
            n(right),
            n(top + 8.0),
            n(bottom - 8.0),
            n(cx),
            n(bottom),
            n(left),
            n(bottom - 8.0),
            n(top + 8.0),
        ),
        Symbol::PassThrough => String::new(),
        Symbol::BasicEvent => format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" {style}/>",
            n(cx),
            n(top + SYMBOL_HEIGHT / 2.0),
            n(SYMBOL_HEIGHT / 2.0),
        ),
        Symbol::HouseEvent => format!(
            "<path d=\"M{} {}L{} {}L{} {}V{}H{}Z\" {style}/>",
            n(left + 2.0),
            n(top + 12.0),
            n(cx),
            n(top),
            n(right - 2.0),
            n(top + 12.0),
            n(bottom),
            n(left + 2.0),
        ),
        Symbol::Transfer => format!(
            "<path d=\"M{} {}L{} {}L{} {}Z\" {style}/>",
            n(cx),
            n(top),
            n(right),
            n(bottom),
            n(left),
            n(bottom),
        ),
    };
    out.push_str(&shape);
    out.push('\n');
}

/// Where each definition lives, keyed as the analysis names events: public
/// names as they are, private ones by their container path.
struct NameTable<'m> {
    scopes: Vec<Vec<String>>,
    gates: HashMap<String, (&'m Gate, usize)>,
    basic_events: HashMap<String, &'m BasicEvent>,
    house_events: HashMap<String, &'m HouseEvent>,
}

impl<'m> NameTable<'m> {
    fn collect(model: &'m Model) -> NameTable<'m> {
        let mut table = NameTable {
            scopes: vec![Vec::new()],
            gates: HashMap::new(),
            basic_events: HashMap::new(),
            house_events: HashMap::new(),
        };
        table.add_definitions(&model.model_data, 0, Role::Public);
        for tree in &model.fault_trees {
            table.add_container(tree, &[], Role::Public);
        }
        table
    }

    fn add_container(&mut self, container: &'m Container, parent_path: &[String], role: Role) {
        let mut path = parent_path.to_vec();
        path.push(container.name.clone());
        let role = container.role.unwrap_or(role);
        self.scopes.push(path.clone());
        let scope = self.scopes.len() - 1;
        self.add_definitions(&container.definitions, scope, role);
        for component in &container.components {
            self.add_container(component, &path, role);
        }
    }

    fn key(&self, scope: usize, name: &str, role: Role) -> String {
        match role {
            Role::Public => name.to_string(),
            Role::Private => format!("{}.{name}", self.scopes[scope].join(".")),
        }
    }

    fn add_definitions(&mut self, definitions: &'m Definitions, scope: usize, role: Role) {
        for gate in &definitions.gates {
            let key = self.key(scope, &gate.name, gate.role.unwrap_or(role));
            self.gates.insert(key, (gate, scope));
        }
        for event in &definitions.basic_events {
            let key = self.key(scope, &event.name, event.role.unwrap_or(role));
            self.basic_events.insert(key, event);
        }
        for event in &definitions.house_events {
            let key = self.key(scope, &event.name, event.role.unwrap_or(role));
            self.house_events.insert(key, event);
        }
    }

    /// The key `reference` resolves to from `scope`, with MEF's rule: the
    /// innermost enclosing private scope first, the public name last.
    fn resolve(&self, scope: usize, reference: &EventRef) -> Option<(String, EventKind)> {
        let path = &self.scopes[scope];
        let candidates = (1..=path.len())
            .rev()
            .map(|depth| format!("{}.{}", path[..depth].join("."), reference.name))
            .chain(std::iter::once(reference.name.clone()));
        for key in candidates {
            let kind = if self.gates.contains_key(&key) {
                EventKind::Gate
            } else if self.basic_events.contains_key(&key) {
                EventKind::BasicEvent
            } else if self.house_events.contains_key(&key) {
                EventKind::HouseEvent
            } else {
                continue;
            };
            if reference.kind.is_none_or(|wanted| wanted == kind) {
                return Some((key, kind));
            }
        }
        None
    }
}

struct Builder<'t, 'm> {
    names: &'t NameTable<'m>,
    probabilities: HashMap<&'t str, f64>,
    highlighted: HashSet<&'t str>,
    nodes: Vec<DrawnNode>,
    /// Gates already drawn, by key, and the node that draws them.
    drawn_gates: HashMap<String, usize>,
}

impl Builder<'_, '_> {
    fn push(&mut self, node: DrawnNode) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn gate(&mut self, key: &str, gate: &Gate, scope: usize) -> Result<usize, RcaError> {
        if let Some(&drawn) = self.drawn_gates.get(key) {
            self.nodes[drawn].transferred_out = true;
            return Ok(self.push(DrawnNode {
                symbol: Symbol::Transfer,
                name: Some(key.to_string()),
                label: Some("transfer: drawn in full elsewhere".to_string()),
                detail: None,
                highlighted: false,
                transferred_out: false,
                condition: false,
                children: Vec::new(),
            }));
        }
        let node = self.formula(&gate.formula, scope, key)?;
        self.nodes[node].name = Some(key.to_string());
        self.nodes[node].label = gate.label.clone();
        self.drawn_gates.insert(key.to_string(), node);
        Ok(node)
    }

    /// Draws a formula as an anonymous gate, or as the event it names.
    fn formula(&mut self, formula: &Formula, scope: usize, owner: &str) -> Result<usize, RcaError> {
        let (symbol, arguments): (Symbol, Vec<&Formula>) = match formula {
            Formula::Event(reference) => {
                let node = self.event(reference, scope, owner)?;
                return Ok(self.pass_through(node));
            }
            Formula::Constant(state) => {
                let node = self.push(DrawnNode {
                    symbol: Symbol::HouseEvent,
                    name: Some(if *state { "TRUE" } else { "FALSE" }.to_string()),
                    label: Some("constant".to_string()),
                    detail: None,
                    highlighted: false,
                    transferred_out: false,
                    condition: false,
                    children: Vec::new(),
                });
                return Ok(self.pass_through(node));
            }
            Formula::And(args) => (Symbol::And, args.iter().collect()),
            Formula::Or(args) => (Symbol::Or, args.iter().collect()),
            Formula::AtLeast { min, args } => (
                Symbol::AtLeast {
                    min: *min,
                    count: args.len(),
                },
                args.iter().collect(),
            ),
            Formula::Not(arg) => (Symbol::Not, vec![arg.as_ref()]),
            Formula::Xor(args) => (Symbol::Xor, args.iter().collect()),
            Formula::Nand(args) => (Symbol::Nand, args.iter().collect()),
            Formula::Nor(args) => (Symbol::Nor, args.iter().collect()),
            Formula::Inhibit { input, condition } => {
                (Symbol::Inhibit, vec![input.as_ref(), condition.as_ref()])
            }
        };
        let node = self.push(DrawnNode {
            symbol: symbol.clone(),
            name: None,
            label: None,
            detail: None,
            highlighted: false,
            transferred_out: false,
            condition: false,
            children: Vec::new(),
        });
        let mut children = Vec::with_capacity(arguments.len());
        for (position, argument) in arguments.into_iter().enumerate() {
            let child = match argument {
                Formula::Event(reference) => self.event(reference, scope, owner)?,
                nested => self.formula(nested, scope, owner)?,
            };
            if symbol == Symbol::Inhibit && position == 1 {
                self.nodes[child].condition = true;
            }
            children.push(child);
        }
        self.nodes[node].children = children;
        Ok(node)
    }

    /// A gate whose formula is a single event still gets its own box, joined
    /// to the event by a plain line.
    fn pass_through(&mut self, child: usize) -> usize {
        self.push(DrawnNode {
            symbol: Symbol::PassThrough,
            name: None,
            label: None,
            detail: None,
            highlighted: false,
            transferred_out: false,
            condition: false,
            children: vec![child],
        })
    }

    fn event(
        &mut self,
        reference: &EventRef,
        scope: usize,
        owner: &str,
    ) -> Result<usize, RcaError> {
        let names = self.names;
        let Some((key, kind)) = names.resolve(scope, reference) else {
            return Err(RcaError::UndefinedReference {
                referrer: format!("gate `{owner}`"),
                kind: reference.kind.map_or("event", EventKind::mef_tag),
                name: reference.name.clone(),
                location: None,
            });
        };
        let (symbol, label, detail) = match kind {
            EventKind::Gate => {
                let (gate, gate_scope) = names.gates[&key];
                return self.gate(&key, gate, gate_scope);
            }
            EventKind::BasicEvent => (
                Symbol::BasicEvent,
                names.basic_events[&key].label.clone(),
                self.probabilities
                    .get(key.as_str())
                    .map(|p| format!("p = {}", svg::probability(*p))),
            ),
            EventKind::HouseEvent => {
                let event = names.house_events[&key];
                (
                    Symbol::HouseEvent,
                    event.label.clone(),
                    Some(format!("house event: {}", event.state)),
                )
            }
        };
        let highlighted = self.highlighted.contains(key.as_str());
        Ok(self.push(DrawnNode {
            symbol,
            name: Some(key),
            label,
            detail,
            highlighted,
            transferred_out: false,
            condition: false,
            children: Vec::new(),
        }))
    }
}
