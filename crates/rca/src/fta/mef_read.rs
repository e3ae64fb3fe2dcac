//! Reads Open-PSA MEF XML into a [`Model`]. Several files may make one model
//! (SCRAM's examples keep the tree and its basic events apart). Every error
//! names the source, line and column; undefined references and cycles are
//! found by resolving the model right after reading it.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::{Location, RcaError};
use crate::fta::compile::{EvaluationSettings, MAX_NESTING, compile};
use crate::fta::model::{
    Alignment, BasicEvent, Branch, BranchTarget, CcfFactor, CcfGroup, CcfModel, Container,
    Definitions, EventKind, EventRef, EventTree, Expression, Fork, ForkPath, Formula, Function,
    Gate, HouseEvent, InitiatingEvent, Instruction, Model, NamedBranch, NamedElement, Parameter,
    Phase, Role, Rule, Sequence, Substitution, SubstitutionTarget,
};

/// The key under which the location of one reference of `referrer` is kept.
pub(crate) fn reference_key(referrer: &str, kind: &str, name: &str) -> String {
    format!("{referrer}: {kind} {name}")
}

/// One MEF text and the name its errors should carry (usually the path).
#[derive(Debug, Clone, Copy)]
pub struct MefSource<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// Reads and validates a model made of one or more MEF texts.
pub fn read_mef(sources: &[MefSource<'_>]) -> Result<Model, RcaError> {
    let mut model = Model::default();
    let mut locations = HashMap::new();
    for source in sources {
        let root = parse_xml(source)?;
        let reader = ElementReader {
            source_name: source.name,
        };
        reader.model(&root, &mut model, &mut locations)?;
    }
    match compile(&model, EvaluationSettings::default()) {
        Ok(_) => Ok(model),
        Err(error) => Err(locate(error, &locations)),
    }
}

/// Adds the location of the offending definition, which the resolver does
/// not know because the model keeps no positions.
fn locate(error: RcaError, locations: &HashMap<String, Location>) -> RcaError {
    let find = |name: &str| {
        locations
            .get(name)
            .or_else(|| {
                name.rsplit('.')
                    .next()
                    .and_then(|short| locations.get(short))
            })
            .cloned()
    };
    match error {
        RcaError::UndefinedReference {
            referrer,
            kind,
            name,
            location: None,
        } => {
            let owner = referrer.trim_start_matches("gate ").trim_matches('`');
            RcaError::UndefinedReference {
                location: locations
                    .get(&reference_key(&referrer, kind, &name))
                    .or_else(|| locations.get(&referrer))
                    .cloned()
                    .or_else(|| find(owner)),
                referrer,
                kind,
                name,
            }
        }
        RcaError::DuplicateDefinition {
            kind,
            name,
            location: None,
        } => RcaError::DuplicateDefinition {
            location: find(&name),
            kind,
            name,
        },
        other => other,
    }
}

/// A parsed XML element with the position of its start tag.
#[derive(Debug)]
struct XmlElement {
    tag: String,
    attributes: Vec<(String, String)>,
    children: Vec<XmlElement>,
    text: String,
    line: usize,
    column: usize,
}

impl XmlElement {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Turns byte offsets into 1-based line and column numbers.
struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(offset, _)| offset + 1));
        LineIndex { line_starts }
    }

    fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let end = offset.min(text.len());
        let column = text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count())
            + 1;
        (line + 1, column)
    }
}

/// How deep XML elements may nest: twice [`MAX_NESTING`], room for event
/// trees' forks and paths, so that reading (recursive over the elements)
/// cannot overflow the stack; formulas are held to [`MAX_NESTING`] later.
const MAX_ELEMENT_DEPTH: usize = 2 * MAX_NESTING;

fn parse_xml(source: &MefSource<'_>) -> Result<XmlElement, RcaError> {
    // A byte-order mark is no content; offsets count from after it, where
    // quick-xml starts, so that they always fall on a character boundary.
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(source.text);
    let index = LineIndex::new(text);
    let location_at = |offset: usize| {
        let (line, column) = index.position(text, offset);
        Location {
            source_name: source.name.to_string(),
            line,
            column,
        }
    };
    let syntax = |offset: usize, message: String| RcaError::MefSyntax {
        location: location_at(offset),
        message,
    };
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<XmlElement> = Vec::new();
    let mut root = None;
    loop {
        let offset = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|error| syntax(reader.error_position() as usize, error.to_string()))?;
        // The start of a tag is the `<` after any whitespace that was trimmed.
        let tag_offset = text
            .get(offset..)
            .and_then(|rest| rest.find('<'))
            .map_or(offset, |distance| offset + distance);
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                let _ = start;
                return Err(syntax(tag_offset, "content after the root element".into()));
            }
            Event::Start(_) if stack.len() >= MAX_ELEMENT_DEPTH => {
                return Err(syntax(
                    tag_offset,
                    format!("elements nest deeper than {MAX_ELEMENT_DEPTH} levels"),
                ));
            }
            Event::Start(start) => {
                let (line, column) = index.position(text, tag_offset);
                stack.push(element_from(&start, line, column).map_err(|m| syntax(tag_offset, m))?);
            }
            Event::Empty(start) => {
                let (line, column) = index.position(text, tag_offset);
                let element =
                    element_from(&start, line, column).map_err(|m| syntax(tag_offset, m))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let element = stack.pop().expect("quick-xml checks that end tags match");
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                let text = text
                    .unescape()
                    .map_err(|error| syntax(offset, error.to_string()))?;
                if let Some(element) = stack.last_mut() {
                    element.text.push_str(&text);
                }
            }
            Event::CData(data) => {
                if let Some(element) = stack.last_mut() {
                    element.text.push_str(&String::from_utf8_lossy(&data));
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(RcaError::MefSyntax {
            location: Location {
                source_name: source.name.to_string(),
                line: open.line,
                column: open.column,
            },
            message: format!("element <{}> is not closed", open.tag),
        });
    }
    root.ok_or_else(|| syntax(text.len(), "no root element".into()))
}

fn element_from(start: &BytesStart<'_>, line: usize, column: usize) -> Result<XmlElement, String> {
    let tag = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| error.to_string())?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = attribute
            .unescape_value()
            .map_err(|error| error.to_string())?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(XmlElement {
        tag,
        attributes,
        children: Vec::new(),
        text: String::new(),
        line,
        column,
    })
}

/// Converts the XML tree into model types, with errors at element positions.
struct ElementReader<'s> {
    source_name: &'s str,
}

impl ElementReader<'_> {
    fn error(&self, element: &XmlElement, message: impl Into<String>) -> RcaError {
        RcaError::MefSyntax {
            location: self.location(element),
            message: message.into(),
        }
    }

    fn location(&self, element: &XmlElement) -> Location {
        Location {
            source_name: self.source_name.to_string(),
            line: element.line,
            column: element.column,
        }
    }

    fn required<'e>(&self, element: &'e XmlElement, attribute: &str) -> Result<&'e str, RcaError> {
        element.attribute(attribute).ok_or_else(|| {
            self.error(
                element,
                format!("<{}> needs the attribute `{attribute}`", element.tag),
            )
        })
    }

    fn model(
        &self,
        root: &XmlElement,
        model: &mut Model,
        locations: &mut HashMap<String, Location>,
    ) -> Result<(), RcaError> {
        if root.tag != "opsa-mef" {
            return Err(self.error(root, format!("expected <opsa-mef>, found <{}>", root.tag)));
        }
        if model.name.is_none() {
            model.name = root.attribute("name").map(str::to_string);
        }
        for child in &root.children {
            match child.tag.as_str() {
                "define-fault-tree" => {
                    let tree = self.container(child, locations)?;
                    model.fault_trees.push(tree);
                }
                // MEF defines CCF groups at the top level too; they are
                // public, like the contents of <model-data>.
                "define-CCF-group" => self.definition(child, &mut model.model_data, locations)?,
                "model-data" => {
                    for definition in &child.children {
                        self.definition(definition, &mut model.model_data, locations)?;
                    }
                }
                "define-initiating-event" => {
                    locations
                        .entry(format!(
                            "initiating event `{}`",
                            self.required(child, "name")?
                        ))
                        .or_insert_with(|| self.location(child));
                    model.initiating_events.push(InitiatingEvent {
                        name: self.required(child, "name")?.to_string(),
                        label: Self::label(child),
                        event_tree: child.attribute("event-tree").map(str::to_string),
                    });
                }
                "define-event-tree" => {
                    let tree = self.event_tree(child, locations)?;
                    model.event_trees.push(tree);
                }
                "define-rule" => {
                    let name = self.required(child, "name")?.to_string();
                    let referrer = format!("rule `{name}`");
                    locations
                        .entry(referrer.clone())
                        .or_insert_with(|| self.location(child));
                    let instructions =
                        self.instructions(&Self::body(child), &referrer, locations)?;
                    model.rules.push(Rule {
                        name,
                        label: Self::label(child),
                        instructions,
                    });
                }
                "define-substitution" => {
                    let substitution = self.substitution(child, locations)?;
                    model.substitutions.push(substitution);
                }
                "define-alignment" => model.alignments.push(self.alignment(child)?),
                "label" | "attributes" => {}
                other => {
                    return Err(self.error(child, format!("unsupported MEF element <{other}>")));
                }
            }
        }
        Ok(())
    }

    /// The children that are not a label or attributes.
    fn body(element: &XmlElement) -> Vec<&XmlElement> {
        element
            .children
            .iter()
            .filter(|child| child.tag != "label" && child.tag != "attributes")
            .collect()
    }

    fn event_tree(
        &self,
        element: &XmlElement,
        locations: &mut HashMap<String, Location>,
    ) -> Result<EventTree, RcaError> {
        let name = self.required(element, "name")?.to_string();
        let referrer = format!("event tree `{name}`");
        locations
            .entry(referrer.clone())
            .or_insert_with(|| self.location(element));
        let mut functional_events = Vec::new();
        let mut sequences = Vec::new();
        let mut branches = Vec::new();
        let mut initial_state = None;
        for child in Self::body(element) {
            match child.tag.as_str() {
                "define-functional-event" => functional_events.push(NamedElement {
                    name: self.required(child, "name")?.to_string(),
                    label: Self::label(child),
                }),
                "define-sequence" => sequences.push(Sequence {
                    name: self.required(child, "name")?.to_string(),
                    label: Self::label(child),
                    instructions: self.instructions(&Self::body(child), &referrer, locations)?,
                }),
                "define-branch" => branches.push(NamedBranch {
                    name: self.required(child, "name")?.to_string(),
                    label: Self::label(child),
                    branch: self.branch(child, &referrer, locations)?,
                }),
                "initial-state" => {
                    if initial_state.is_some() {
                        return Err(self.error(child, "an event tree has one <initial-state>"));
                    }
                    initial_state = Some(self.branch(child, &referrer, locations)?);
                }
                other => {
                    return Err(self.error(child, format!("unexpected <{other}> in an event tree")));
                }
            }
        }
        let initial_state = initial_state.ok_or_else(|| {
            self.error(
                element,
                format!("event tree `{name}` needs an <initial-state>"),
            )
        })?;
        Ok(EventTree {
            name,
            label: Self::label(element),
            functional_events,
            sequences,
            branches,
            initial_state,
        })
    }

    /// Instructions followed by one target: a fork, a sequence or a branch.
    fn branch(
        &self,
        element: &XmlElement,
        referrer: &str,
        locations: &mut HashMap<String, Location>,
    ) -> Result<Branch, RcaError> {
        let body = Self::body(element);
        let Some((last, instructions)) = body.split_last() else {
            return Err(self.error(
                element,
                format!("<{}> needs a fork, a sequence or a branch", element.tag),
            ));
        };
        let target = match last.tag.as_str() {
            "fork" => {
                let mut paths = Vec::new();
                for path in Self::body(last) {
                    if path.tag != "path" {
                        return Err(self.error(path, "a fork holds <path> elements"));
                    }
                    paths.push(ForkPath {
                        state: self.required(path, "state")?.to_string(),
                        branch: self.branch(path, referrer, locations)?,
                    });
                }
                if paths.is_empty() {
                    return Err(self.error(last, "a fork needs at least one <path>"));
                }
                let event = self.required(last, "functional-event")?;
                self.record_reference(last, referrer, "functional event", event, locations);
                BranchTarget::Fork(Fork {
                    functional_event: event.to_string(),
                    paths,
                })
            }
            "sequence" => {
                let name = self.required(last, "name")?;
                self.record_reference(last, referrer, "sequence", name, locations);
                BranchTarget::Sequence(name.to_string())
            }
            "branch" => {
                let name = self.required(last, "name")?;
                self.record_reference(last, referrer, "branch", name, locations);
                BranchTarget::Branch(name.to_string())
            }
            other => {
                return Err(self.error(
                    last,
                    format!(
                        "<{}> must end in a fork, a sequence or a branch, not <{other}>",
                        element.tag
                    ),
                ));
            }
        };
        Ok(Branch {
            instructions: self.instructions(instructions, referrer, locations)?,
            target,
        })
    }

    fn instructions(
        &self,
        elements: &[&XmlElement],
        referrer: &str,
        locations: &mut HashMap<String, Location>,
    ) -> Result<Vec<Instruction>, RcaError> {
        elements
            .iter()
            .map(|element| self.instruction(element, referrer, locations))
            .collect()
    }

    fn instruction(
        &self,
        element: &XmlElement,
        referrer: &str,
        locations: &mut HashMap<String, Location>,
    ) -> Result<Instruction, RcaError> {
        let only_child = |what: &str| -> Result<&XmlElement, RcaError> {
            match Self::body(element).as_slice() {
                [child] => Ok(*child),
                _ => Err(self.error(element, format!("<{}> takes one {what}", element.tag))),
            }
        };
        Ok(match element.tag.as_str() {
            "collect-formula" => {
                let formula = only_child("formula")?;
                self.record_references(formula, referrer, locations);
                Instruction::CollectFormula(self.formula(formula)?)
            }
            "collect-expression" => {
                Instruction::CollectExpression(self.expression(only_child("expression")?)?)
            }
            "set-house-event" => {
                let constant = only_child("<constant value=\"true|false\"/>")?;
                if constant.tag != "constant" {
                    return Err(self.error(constant, "<set-house-event> takes a <constant>"));
                }
                Instruction::SetHouseEvent {
                    name: self.required(element, "name")?.to_string(),
                    state: self.boolean(constant, self.required(constant, "value")?)?,
                }
            }
            "rule" => {
                let name = self.required(element, "name")?;
                self.record_reference(element, referrer, "rule", name, locations);
                Instruction::Rule(name.to_string())
            }
            "event-tree" => {
                let name = self.required(element, "name")?;
                self.record_reference(element, referrer, "event tree", name, locations);
                Instruction::EventTree(name.to_string())
            }
            "block" => {
                Instruction::Block(self.instructions(&Self::body(element), referrer, locations)?)
            }
            other => {
                return Err(self.error(element, format!("unsupported instruction <{other}>")));
            }
        })
    }

    /// Remembers where each event a collected formula names is written, so
    /// that an undefined one is reported at its own line.
    fn record_references(
        &self,
        element: &XmlElement,
        referrer: &str,
        locations: &mut HashMap<String, Location>,
    ) {
        let kind = match element.tag.as_str() {
            "event" => Some("event"),
            "gate" | "basic-event" | "house-event" => Some(element.tag.as_str()),
            _ => None,
        };
        if let (Some(kind), Some(name)) = (kind, element.attribute("name")) {
            self.record_reference(element, referrer, kind, name, locations);
        }
        for child in &element.children {
            self.record_references(child, referrer, locations);
        }
    }

    fn record_reference(
        &self,
        element: &XmlElement,
        referrer: &str,
        kind: &str,
        name: &str,
        locations: &mut HashMap<String, Location>,
    ) {
        locations
            .entry(reference_key(referrer, kind, name))
            .or_insert_with(|| self.location(element));
    }

    fn substitution(
        &self,
        element: &XmlElement,
        locations: &mut HashMap<String, Location>,
    ) -> Result<Substitution, RcaError> {
        let name = self.required(element, "name")?.to_string();
        locations
            .entry(format!("substitution `{name}`"))
            .or_insert_with(|| self.location(element));
        let mut hypothesis = None;
        let mut source = Vec::new();
        let mut target = None;
        for child in Self::body(element) {
            let body = Self::body(child);
            match child.tag.as_str() {
                "hypothesis" => {
                    let [formula] = body.as_slice() else {
                        return Err(self.error(child, "<hypothesis> takes one formula"));
                    };
                    hypothesis = Some(self.formula(formula)?);
                }
                "source" => {
                    for event in body {
                        if event.tag != "basic-event" {
                            return Err(self.error(event, "<source> lists <basic-event> elements"));
                        }
                        source.push(self.required(event, "name")?.to_string());
                    }
                }
                "target" => {
                    target = Some(match body.as_slice() {
                        [event] if event.tag == "basic-event" => SubstitutionTarget::BasicEvent(
                            self.required(event, "name")?.to_string(),
                        ),
                        [constant] if constant.tag == "constant" => SubstitutionTarget::Constant(
                            self.boolean(constant, self.required(constant, "value")?)?,
                        ),
                        _ => {
                            return Err(
                                self.error(child, "<target> takes one <basic-event> or <constant>")
                            );
                        }
                    });
                }
                other => {
                    return Err(
                        self.error(child, format!("unexpected <{other}> in a substitution"))
                    );
                }
            }
        }
        Ok(Substitution {
            hypothesis: hypothesis.ok_or_else(|| {
                self.error(
                    element,
                    format!("substitution `{name}` needs a <hypothesis>"),
                )
            })?,
            target: target.ok_or_else(|| {
                self.error(element, format!("substitution `{name}` needs a <target>"))
            })?,
            label: Self::label(element),
            declared_type: element.attribute("type").map(str::to_string),
            name,
            source,
        })
    }

    fn alignment(&self, element: &XmlElement) -> Result<Alignment, RcaError> {
        let mut phases = Vec::new();
        for phase in Self::body(element) {
            if phase.tag != "define-phase" {
                return Err(self.error(phase, "an alignment holds <define-phase> elements"));
            }
            let fraction = self.required(phase, "time-fraction")?;
            let time_fraction: f64 = fraction.trim().parse().map_err(|_| {
                self.error(
                    phase,
                    format!("`time-fraction` must be a number, not `{fraction}`"),
                )
            })?;
            let mut house_events = Vec::new();
            for instruction in Self::body(phase) {
                match self.instruction(instruction, "", &mut HashMap::new())? {
                    Instruction::SetHouseEvent { name, state } => house_events.push((name, state)),
                    _ => {
                        return Err(self.error(
                            instruction,
                            "a phase only sets house events (<set-house-event>)",
                        ));
                    }
                }
            }
            phases.push(Phase {
                name: self.required(phase, "name")?.to_string(),
                label: Self::label(phase),
                time_fraction,
                house_events,
            });
        }
        Ok(Alignment {
            name: self.required(element, "name")?.to_string(),
            label: Self::label(element),
            phases,
        })
    }

    fn role(&self, element: &XmlElement) -> Result<Option<Role>, RcaError> {
        match element.attribute("role") {
            None => Ok(None),
            Some("public") => Ok(Some(Role::Public)),
            Some("private") => Ok(Some(Role::Private)),
            Some(other) => Err(self.error(
                element,
                format!("role must be public or private, not `{other}`"),
            )),
        }
    }

    fn label(element: &XmlElement) -> Option<String> {
        element
            .children
            .iter()
            .find(|child| child.tag == "label")
            .map(|label| label.text.trim().to_string())
    }

    fn container(
        &self,
        element: &XmlElement,
        locations: &mut HashMap<String, Location>,
    ) -> Result<Container, RcaError> {
        let mut container = Container {
            name: self.required(element, "name")?.to_string(),
            label: Self::label(element),
            role: self.role(element)?,
            ..Container::default()
        };
        for child in &element.children {
            match child.tag.as_str() {
                "define-component" => {
                    let component = self.container(child, locations)?;
                    container.components.push(component);
                }
                "label" | "attributes" => {}
                _ => self.definition(child, &mut container.definitions, locations)?,
            }
        }
        Ok(container)
    }

    fn definition(
        &self,
        element: &XmlElement,
        definitions: &mut Definitions,
        locations: &mut HashMap<String, Location>,
    ) -> Result<(), RcaError> {
        let name = self.required(element, "name")?.to_string();
        locations
            .entry(name.clone())
            .or_insert_with(|| self.location(element));
        let label = Self::label(element);
        let role = self.role(element)?;
        let body: Vec<&XmlElement> = element
            .children
            .iter()
            .filter(|child| child.tag != "label" && child.tag != "attributes")
            .collect();
        match element.tag.as_str() {
            "define-gate" => {
                let [formula] = body.as_slice() else {
                    return Err(
                        self.error(element, format!("gate `{name}` needs exactly one formula"))
                    );
                };
                let mut formula = self.formula(formula)?;
                if has_flavor(element, "inhibit") {
                    formula = match formula {
                        Formula::And(mut args) if args.len() == 2 => {
                            let condition = args.pop().expect("two arguments");
                            let input = args.pop().expect("two arguments");
                            Formula::Inhibit {
                                input: Box::new(input),
                                condition: Box::new(condition),
                            }
                        }
                        _ => {
                            return Err(self.error(
                                element,
                                "an inhibit gate needs an `and` of an input and a condition",
                            ));
                        }
                    };
                }
                definitions.gates.push(Gate {
                    name,
                    label,
                    role,
                    formula,
                });
            }
            "define-basic-event" => {
                let expression = match body.as_slice() {
                    [] => None,
                    [expression] => Some(self.expression(expression)?),
                    _ => {
                        return Err(self.error(element, "a basic event has at most one expression"));
                    }
                };
                definitions.basic_events.push(BasicEvent {
                    name,
                    label,
                    role,
                    expression,
                });
            }
            "define-house-event" => {
                let state = match body.as_slice() {
                    [] => false,
                    [constant] if constant.tag == "constant" => {
                        self.boolean(constant, self.required(constant, "value")?)?
                    }
                    _ => {
                        return Err(self.error(
                            element,
                            "a house event takes one <constant value=\"true|false\"/>",
                        ));
                    }
                };
                definitions.house_events.push(HouseEvent {
                    name,
                    label,
                    role,
                    state,
                });
            }
            "define-parameter" => {
                let [expression] = body.as_slice() else {
                    return Err(self.error(
                        element,
                        format!("parameter `{name}` needs exactly one expression"),
                    ));
                };
                definitions.parameters.push(Parameter {
                    name,
                    label,
                    role,
                    unit: element.attribute("unit").map(str::to_string),
                    expression: self.expression(expression)?,
                });
            }
            "define-CCF-group" => {
                let group = self.ccf_group(element, name, label, role, &body, locations)?;
                definitions.ccf_groups.push(group);
            }
            other => return Err(self.error(element, format!("unsupported MEF element <{other}>"))),
        }
        Ok(())
    }

    fn ccf_group(
        &self,
        element: &XmlElement,
        name: String,
        label: Option<String>,
        role: Option<Role>,
        body: &[&XmlElement],
        locations: &mut HashMap<String, Location>,
    ) -> Result<CcfGroup, RcaError> {
        let model_name = self.required(element, "model")?;
        let model = CcfModel::from_mef_name(model_name).ok_or_else(|| {
            self.error(
                element,
                format!("unknown CCF model `{model_name}`; expected beta-factor, MGL, alpha-factor or phi-factor"),
            )
        })?;
        let mut members = Vec::new();
        let mut distribution = None;
        let mut factor_elements = Vec::new();
        for child in body {
            match child.tag.as_str() {
                "members" => {
                    for member in &child.children {
                        if member.tag != "basic-event" {
                            return Err(
                                self.error(member, "CCF members are <basic-event> elements")
                            );
                        }
                        let member_name = self.required(member, "name")?.to_string();
                        locations
                            .entry(member_name.clone())
                            .or_insert_with(|| self.location(member));
                        members.push(member_name);
                    }
                }
                "distribution" => {
                    let [expression] = child.children.as_slice() else {
                        return Err(self.error(child, "<distribution> takes one expression"));
                    };
                    distribution = Some(self.expression(expression)?);
                }
                "factor" => factor_elements.push(*child),
                "factors" => factor_elements.extend(&child.children),
                other => {
                    return Err(self.error(child, format!("unexpected <{other}> in a CCF group")));
                }
            }
        }
        let distribution = distribution.ok_or_else(|| {
            self.error(
                element,
                format!("CCF group `{name}` needs a <distribution>"),
            )
        })?;
        // As in SCRAM, a factor without a level follows the previous one, and
        // the first defaults to the model's lowest level.
        let mut factors: Vec<CcfFactor> = Vec::new();
        for factor in factor_elements {
            if factor.tag != "factor" {
                return Err(self.error(factor, "<factors> holds <factor> elements"));
            }
            let level = match factor.attribute("level") {
                Some(level) => level.trim().parse().map_err(|_| {
                    self.error(
                        factor,
                        format!("`level` must be a whole number, not `{level}`"),
                    )
                })?,
                None => factors
                    .last()
                    .map_or(model.min_level(members.len()), |previous| {
                        previous.level + 1
                    }),
            };
            let [expression] = factor.children.as_slice() else {
                return Err(self.error(factor, "<factor> takes one expression"));
            };
            factors.push(CcfFactor {
                level,
                expression: self.expression(expression)?,
            });
        }
        factors.sort_by_key(|factor| factor.level);
        Ok(CcfGroup {
            name,
            label,
            role,
            model,
            members,
            distribution,
            factors,
        })
    }

    fn boolean(&self, element: &XmlElement, value: &str) -> Result<bool, RcaError> {
        match value {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(self.error(element, format!("expected true or false, found `{other}`"))),
        }
    }

    fn formula(&self, element: &XmlElement) -> Result<Formula, RcaError> {
        let args = || -> Result<Vec<Formula>, RcaError> {
            element
                .children
                .iter()
                .map(|child| self.formula(child))
                .collect()
        };
        let at_least_two = |args: Vec<Formula>| {
            if args.len() < 2 {
                Err(self.error(
                    element,
                    format!("<{}> needs at least two arguments", element.tag),
                ))
            } else {
                Ok(args)
            }
        };
        let reference = |kind| -> Result<Formula, RcaError> {
            Ok(Formula::Event(EventRef {
                kind,
                name: self.required(element, "name")?.to_string(),
            }))
        };
        Ok(match element.tag.as_str() {
            "event" => reference(None)?,
            "gate" => reference(Some(EventKind::Gate))?,
            "basic-event" => reference(Some(EventKind::BasicEvent))?,
            "house-event" => reference(Some(EventKind::HouseEvent))?,
            "constant" => {
                Formula::Constant(self.boolean(element, self.required(element, "value")?)?)
            }
            "and" => Formula::And(at_least_two(args()?)?),
            "or" => Formula::Or(at_least_two(args()?)?),
            "xor" => Formula::Xor(at_least_two(args()?)?),
            "nand" => Formula::Nand(at_least_two(args()?)?),
            "nor" => Formula::Nor(at_least_two(args()?)?),
            "not" => match args()?.as_slice() {
                [arg] => Formula::Not(Box::new(arg.clone())),
                _ => return Err(self.error(element, "<not> takes exactly one argument")),
            },
            "atleast" => {
                let min = self.required(element, "min")?;
                let min: u32 = min.parse().map_err(|_| {
                    self.error(
                        element,
                        format!("`min` must be a whole number, not `{min}`"),
                    )
                })?;
                let args = args()?;
                if min < 1 || min as usize >= args.len() {
                    return Err(self.error(
                        element,
                        format!(
                            "atleast needs 1 <= min < number of arguments ({}), got {min}",
                            args.len()
                        ),
                    ));
                }
                Formula::AtLeast { min, args }
            }
            other => return Err(self.error(element, format!("unsupported formula <{other}>"))),
        })
    }

    fn expression(&self, element: &XmlElement) -> Result<Expression, RcaError> {
        let number =
            |attribute: &str| -> Result<&str, RcaError> { self.required(element, attribute) };
        Ok(match element.tag.as_str() {
            "float" => {
                let value = number("value")?;
                Expression::Float(
                    value
                        .trim()
                        .parse()
                        .map_err(|_| self.error(element, format!("`{value}` is not a number")))?,
                )
            }
            "int" => {
                let value = number("value")?;
                Expression::Int(
                    value.trim().parse().map_err(|_| {
                        self.error(element, format!("`{value}` is not a whole number"))
                    })?,
                )
            }
            "bool" => Expression::Bool(self.boolean(element, number("value")?)?),
            "parameter" => Expression::Parameter(number("name")?.to_string()),
            "system-mission-time" => Expression::MissionTime,
            tag => {
                let Some(function) = Function::from_mef_tag(tag) else {
                    return Err(self.error(element, format!("unsupported expression <{tag}>")));
                };
                let args = element
                    .children
                    .iter()
                    .map(|child| self.expression(child))
                    .collect::<Result<Vec<_>, _>>()?;
                if !function.accepts_arity(args.len()) {
                    return Err(self.error(
                        element,
                        format!("<{tag}> does not take {} arguments", args.len()),
                    ));
                }
                Expression::Apply { function, args }
            }
        })
    }
}

fn has_flavor(element: &XmlElement, flavor: &str) -> bool {
    element
        .children
        .iter()
        .filter(|child| child.tag == "attributes")
        .flat_map(|attributes| &attributes.children)
        .any(|attribute| {
            attribute.attribute("name") == Some("flavor")
                && attribute.attribute("value") == Some(flavor)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected_error: &str) {
        let error = read_mef(&[MefSource {
            name: "m.xml",
            text,
        }])
        .unwrap_err();
        assert_eq!(error.to_string(), expected_error);
    }

    const HEAD: &str = "<?xml version=\"1.0\"?>\n<opsa-mef>\n<define-fault-tree name=\"ft\">\n";

    /// Found by fuzzing: a text starting with a byte-order mark made an
    /// offset fall inside it, and slicing there panicked.
    #[test]
    fn a_byte_order_mark_is_skipped() {
        check("\u{feff}d", "m.xml:1:2: no root element");
        let text = format!(
            "\u{feff}{HEAD}<define-gate name=\"top\"><or><basic-event name=\"a\"/><basic-event name=\"b\"/></or></define-gate><define-basic-event name=\"a\"/><define-basic-event name=\"b\"/></define-fault-tree></opsa-mef>"
        );
        read_mef(&[MefSource {
            name: "m.xml",
            text: &text,
        }])
        .unwrap();
    }

    /// Found by fuzzing: 200 nested `<or>` elements overflowed the stack of
    /// a 2 MiB thread (the server's blocking pool) and aborted the process.
    #[test]
    fn deeply_nested_elements_are_refused_before_they_overflow_the_stack() {
        let depth = 10_000;
        let text = format!(
            "{HEAD}<define-gate name=\"top\">{}<basic-event name=\"a\"/>{}</define-gate></define-fault-tree></opsa-mef>",
            "<or><basic-event name=\"a\"/>".repeat(depth),
            "</or>".repeat(depth)
        );
        check(&text, "m.xml:4:3400: elements nest deeper than 128 levels");
    }

    /// Found by fuzzing: a chain of 200 gates, each reading the next,
    /// overflowed the stack of the recursive compiler.
    #[test]
    fn long_gate_chains_are_refused_before_they_overflow_the_stack() {
        let gates: String = (0..5_000)
            .map(|i| {
                format!(
                    "<define-gate name=\"g{i}\"><or><gate name=\"g{}\"/><basic-event name=\"a\"/></or></define-gate>\n",
                    i + 1
                )
            })
            .collect();
        check(
            &format!(
                "{HEAD}{gates}<define-gate name=\"g5000\"><and><basic-event name=\"a\"/><basic-event name=\"b\"/></and></define-gate><define-basic-event name=\"a\"/><define-basic-event name=\"b\"/></define-fault-tree></opsa-mef>"
            ),
            "gate `g64` nests gates and formulas deeper than 64 levels",
        );
    }

    #[test]
    fn errors_name_where_and_what() {
        check(
            &format!(
                "{HEAD}<define-gate name=\"top\"><and><event name=\"a\"/></and></define-gate></define-fault-tree></opsa-mef>"
            ),
            "m.xml:4:25: <and> needs at least two arguments",
        );
        check(
            &format!(
                "{HEAD}<define-gate name=\"top\">\n  <or><basic-event name=\"a\"/><basic-event name=\"b\"/></or>\n</define-gate>\n<define-basic-event name=\"a\"/>\n</define-fault-tree></opsa-mef>"
            ),
            "gate `top` refers to undefined basic-event `b` at m.xml:4:1",
        );
        check(
            &format!(
                "{HEAD}<define-gate name=\"top\"><or><gate name=\"g\"/><basic-event name=\"a\"/></or></define-gate>\n<define-gate name=\"g\"><and><gate name=\"top\"/><basic-event name=\"a\"/></and></define-gate><define-basic-event name=\"a\"/></define-fault-tree></opsa-mef>"
            ),
            "cyclic definition: top -> g -> top",
        );
        check(
            &format!("{HEAD}<define-gate name=\"top\">\n <or>"),
            "m.xml:5:2: element <or> is not closed",
        );
        check(
            &format!("{HEAD}<define-gate name=\"top\"><or></and></define-gate>"),
            "m.xml:4:29: ill-formed document: expected `</or>`, but `</and>` was found",
        );
    }
}
