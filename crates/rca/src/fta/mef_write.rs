//! Writes a [`Model`] as Open-PSA MEF XML that [`crate::fta::read_mef`]
//! reads back to the same model, and SCRAM reads as well.

use std::fmt::Write;

use crate::fta::model::{
    Alignment, Branch, BranchTarget, CcfGroup, Container, Definitions, EventTree, Expression,
    Formula, Instruction, Model, Role, Substitution, SubstitutionTarget,
};

/// The model as one MEF document.
pub fn write_mef(model: &Model) -> String {
    let mut out = Writer::default();
    out.line(0, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    match &model.name {
        Some(name) => out.line(0, &format!("<opsa-mef name=\"{}\">", escape(name))),
        None => out.line(0, "<opsa-mef>"),
    }
    for event in &model.initiating_events {
        let tree = event.event_tree.as_ref().map_or(String::new(), |tree| {
            format!(" event-tree=\"{}\"", escape(tree))
        });
        out.element(
            1,
            &format!(
                "define-initiating-event name=\"{}\"{tree}",
                escape(&event.name)
            ),
            &event.label,
            |_| {},
        );
    }
    for tree in &model.event_trees {
        out.event_tree(1, tree);
    }
    for rule in &model.rules {
        out.element(
            1,
            &format!("define-rule name=\"{}\"", escape(&rule.name)),
            &rule.label,
            |out| out.instructions(2, &rule.instructions),
        );
    }
    for alignment in &model.alignments {
        out.alignment(1, alignment);
    }
    for tree in &model.fault_trees {
        out.container(1, "define-fault-tree", tree);
    }
    for substitution in &model.substitutions {
        out.substitution(1, substitution);
    }
    // CCF groups go at the top level, where MEF puts them, not in
    // <model-data>, which holds events and parameters only.
    let model_data = Definitions {
        ccf_groups: Vec::new(),
        ..model.model_data.clone()
    };
    if model_data != Definitions::default() {
        out.line(1, "<model-data>");
        out.definitions(2, &model_data);
        out.line(1, "</model-data>");
    }
    out.ccf_groups(1, &model.model_data.ccf_groups);
    out.line(0, "</opsa-mef>");
    out.text
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn role_attribute(role: Option<Role>) -> &'static str {
    match role {
        None => "",
        Some(Role::Public) => " role=\"public\"",
        Some(Role::Private) => " role=\"private\"",
    }
}

/// Shortest text that reads back as the same `f64` (Rust's `Display`).
fn number(value: f64) -> String {
    format!("{value}")
}

#[derive(Default)]
struct Writer {
    text: String,
}

impl Writer {
    fn line(&mut self, depth: usize, content: &str) {
        for _ in 0..depth {
            self.text.push_str("  ");
        }
        self.text.push_str(content);
        self.text.push('\n');
    }

    fn label(&mut self, depth: usize, label: &Option<String>) {
        if let Some(label) = label {
            self.line(depth, &format!("<label>{}</label>", escape(label)));
        }
    }

    fn container(&mut self, depth: usize, tag: &str, container: &Container) {
        self.line(
            depth,
            &format!(
                "<{tag} name=\"{}\"{}>",
                escape(&container.name),
                role_attribute(container.role)
            ),
        );
        self.label(depth + 1, &container.label);
        self.definitions(depth + 1, &container.definitions);
        for component in &container.components {
            self.container(depth + 1, "define-component", component);
        }
        self.line(depth, &format!("</{tag}>"));
    }

    fn definitions(&mut self, depth: usize, definitions: &Definitions) {
        for gate in &definitions.gates {
            self.line(
                depth,
                &format!(
                    "<define-gate name=\"{}\"{}>",
                    escape(&gate.name),
                    role_attribute(gate.role)
                ),
            );
            self.label(depth + 1, &gate.label);
            if let Formula::Inhibit { .. } = gate.formula {
                self.line(
                    depth + 1,
                    "<attributes><attribute name=\"flavor\" value=\"inhibit\"/></attributes>",
                );
            }
            self.formula(depth + 1, &gate.formula);
            self.line(depth, "</define-gate>");
        }
        for event in &definitions.basic_events {
            let open = format!(
                "define-basic-event name=\"{}\"{}",
                escape(&event.name),
                role_attribute(event.role)
            );
            if event.label.is_none() && event.expression.is_none() {
                self.line(depth, &format!("<{open}/>"));
                continue;
            }
            self.line(depth, &format!("<{open}>"));
            self.label(depth + 1, &event.label);
            if let Some(expression) = &event.expression {
                self.expression(depth + 1, expression);
            }
            self.line(depth, "</define-basic-event>");
        }
        for event in &definitions.house_events {
            self.line(
                depth,
                &format!(
                    "<define-house-event name=\"{}\"{}>",
                    escape(&event.name),
                    role_attribute(event.role)
                ),
            );
            self.label(depth + 1, &event.label);
            self.line(depth + 1, &format!("<constant value=\"{}\"/>", event.state));
            self.line(depth, "</define-house-event>");
        }
        self.ccf_groups(depth, &definitions.ccf_groups);
        for parameter in &definitions.parameters {
            let mut open = format!(
                "<define-parameter name=\"{}\"{}",
                escape(&parameter.name),
                role_attribute(parameter.role)
            );
            if let Some(unit) = &parameter.unit {
                let _ = write!(open, " unit=\"{}\"", escape(unit));
            }
            open.push('>');
            self.line(depth, &open);
            self.label(depth + 1, &parameter.label);
            self.expression(depth + 1, &parameter.expression);
            self.line(depth, "</define-parameter>");
        }
    }

    /// `<tag …>` with its label and what `body` writes, or `<tag …/>` when
    /// there is neither.
    fn element(
        &mut self,
        depth: usize,
        start: &str,
        label: &Option<String>,
        body: impl FnOnce(&mut Writer),
    ) {
        let before = self.text.len();
        self.line(depth, &format!("<{start}>"));
        let opened = self.text.len();
        self.label(depth + 1, label);
        body(self);
        if self.text.len() == opened {
            self.text.truncate(before);
            self.line(depth, &format!("<{start}/>"));
        } else {
            let tag = start.split(' ').next().unwrap_or(start);
            self.line(depth, &format!("</{tag}>"));
        }
    }

    fn event_tree(&mut self, depth: usize, tree: &EventTree) {
        self.element(
            depth,
            &format!("define-event-tree name=\"{}\"", escape(&tree.name)),
            &tree.label,
            |out| {
                for event in &tree.functional_events {
                    out.element(
                        depth + 1,
                        &format!("define-functional-event name=\"{}\"", escape(&event.name)),
                        &event.label,
                        |_| {},
                    );
                }
                for sequence in &tree.sequences {
                    out.element(
                        depth + 1,
                        &format!("define-sequence name=\"{}\"", escape(&sequence.name)),
                        &sequence.label,
                        |out| out.instructions(depth + 2, &sequence.instructions),
                    );
                }
                for named in &tree.branches {
                    out.element(
                        depth + 1,
                        &format!("define-branch name=\"{}\"", escape(&named.name)),
                        &named.label,
                        |out| out.branch(depth + 2, &named.branch),
                    );
                }
                out.line(depth + 1, "<initial-state>");
                out.branch(depth + 2, &tree.initial_state);
                out.line(depth + 1, "</initial-state>");
            },
        );
    }

    fn branch(&mut self, depth: usize, branch: &Branch) {
        self.instructions(depth, &branch.instructions);
        match &branch.target {
            BranchTarget::Fork(fork) => {
                self.line(
                    depth,
                    &format!(
                        "<fork functional-event=\"{}\">",
                        escape(&fork.functional_event)
                    ),
                );
                for path in &fork.paths {
                    self.line(
                        depth + 1,
                        &format!("<path state=\"{}\">", escape(&path.state)),
                    );
                    self.branch(depth + 2, &path.branch);
                    self.line(depth + 1, "</path>");
                }
                self.line(depth, "</fork>");
            }
            BranchTarget::Sequence(name) => {
                self.line(depth, &format!("<sequence name=\"{}\"/>", escape(name)))
            }
            BranchTarget::Branch(name) => {
                self.line(depth, &format!("<branch name=\"{}\"/>", escape(name)))
            }
        }
    }

    fn instructions(&mut self, depth: usize, instructions: &[Instruction]) {
        for instruction in instructions {
            match instruction {
                Instruction::CollectFormula(formula) => {
                    self.line(depth, "<collect-formula>");
                    self.formula(depth + 1, formula);
                    self.line(depth, "</collect-formula>");
                }
                Instruction::CollectExpression(expression) => {
                    self.line(depth, "<collect-expression>");
                    self.expression(depth + 1, expression);
                    self.line(depth, "</collect-expression>");
                }
                Instruction::SetHouseEvent { name, state } => {
                    self.set_house_event(depth, name, *state)
                }
                Instruction::Rule(name) => {
                    self.line(depth, &format!("<rule name=\"{}\"/>", escape(name)))
                }
                Instruction::EventTree(name) => {
                    self.line(depth, &format!("<event-tree name=\"{}\"/>", escape(name)))
                }
                Instruction::Block(instructions) => {
                    self.line(depth, "<block>");
                    self.instructions(depth + 1, instructions);
                    self.line(depth, "</block>");
                }
            }
        }
    }

    fn set_house_event(&mut self, depth: usize, name: &str, state: bool) {
        self.line(
            depth,
            &format!("<set-house-event name=\"{}\">", escape(name)),
        );
        self.line(depth + 1, &format!("<constant value=\"{state}\"/>"));
        self.line(depth, "</set-house-event>");
    }

    fn alignment(&mut self, depth: usize, alignment: &Alignment) {
        self.element(
            depth,
            &format!("define-alignment name=\"{}\"", escape(&alignment.name)),
            &alignment.label,
            |out| {
                for phase in &alignment.phases {
                    out.element(
                        depth + 1,
                        &format!(
                            "define-phase name=\"{}\" time-fraction=\"{}\"",
                            escape(&phase.name),
                            number(phase.time_fraction)
                        ),
                        &phase.label,
                        |out| {
                            for (name, state) in &phase.house_events {
                                out.set_house_event(depth + 2, name, *state);
                            }
                        },
                    );
                }
            },
        );
    }

    fn substitution(&mut self, depth: usize, substitution: &Substitution) {
        let kind = substitution
            .declared_type
            .as_ref()
            .map_or(String::new(), |kind| format!(" type=\"{}\"", escape(kind)));
        self.element(
            depth,
            &format!(
                "define-substitution name=\"{}\"{kind}",
                escape(&substitution.name)
            ),
            &substitution.label,
            |out| {
                out.line(depth + 1, "<hypothesis>");
                out.formula(depth + 2, &substitution.hypothesis);
                out.line(depth + 1, "</hypothesis>");
                if !substitution.source.is_empty() {
                    out.line(depth + 1, "<source>");
                    for event in &substitution.source {
                        out.line(
                            depth + 2,
                            &format!("<basic-event name=\"{}\"/>", escape(event)),
                        );
                    }
                    out.line(depth + 1, "</source>");
                }
                out.line(depth + 1, "<target>");
                match &substitution.target {
                    SubstitutionTarget::BasicEvent(event) => out.line(
                        depth + 2,
                        &format!("<basic-event name=\"{}\"/>", escape(event)),
                    ),
                    SubstitutionTarget::Constant(value) => {
                        out.line(depth + 2, &format!("<constant value=\"{value}\"/>"))
                    }
                }
                out.line(depth + 1, "</target>");
            },
        );
    }

    fn ccf_groups(&mut self, depth: usize, groups: &[CcfGroup]) {
        for group in groups {
            self.line(
                depth,
                &format!(
                    "<define-CCF-group name=\"{}\" model=\"{}\"{}>",
                    escape(&group.name),
                    group.model.mef_name(),
                    role_attribute(group.role)
                ),
            );
            self.label(depth + 1, &group.label);
            self.line(depth + 1, "<members>");
            for member in &group.members {
                self.line(
                    depth + 2,
                    &format!("<basic-event name=\"{}\"/>", escape(member)),
                );
            }
            self.line(depth + 1, "</members>");
            self.line(depth + 1, "<distribution>");
            self.expression(depth + 2, &group.distribution);
            self.line(depth + 1, "</distribution>");
            self.line(depth + 1, "<factors>");
            for factor in &group.factors {
                self.line(depth + 2, &format!("<factor level=\"{}\">", factor.level));
                self.expression(depth + 3, &factor.expression);
                self.line(depth + 2, "</factor>");
            }
            self.line(depth + 1, "</factors>");
            self.line(depth, "</define-CCF-group>");
        }
    }

    fn formula(&mut self, depth: usize, formula: &Formula) {
        let (tag, args): (String, &[Formula]) = match formula {
            Formula::Event(reference) => {
                let tag = reference.kind.map_or("event", |kind| kind.mef_tag());
                self.line(
                    depth,
                    &format!("<{tag} name=\"{}\"/>", escape(&reference.name)),
                );
                return;
            }
            Formula::Constant(value) => {
                self.line(depth, &format!("<constant value=\"{value}\"/>"));
                return;
            }
            Formula::Not(arg) => ("not".into(), std::slice::from_ref(arg.as_ref())),
            Formula::Inhibit { input, condition } => {
                self.line(depth, "<and>");
                self.formula(depth + 1, input);
                self.formula(depth + 1, condition);
                self.line(depth, "</and>");
                return;
            }
            Formula::And(args) => ("and".into(), args),
            Formula::Or(args) => ("or".into(), args),
            Formula::Xor(args) => ("xor".into(), args),
            Formula::Nand(args) => ("nand".into(), args),
            Formula::Nor(args) => ("nor".into(), args),
            Formula::AtLeast { min, args } => (format!("atleast min=\"{min}\""), args),
        };
        self.line(depth, &format!("<{tag}>"));
        for arg in args {
            self.formula(depth + 1, arg);
        }
        let name = tag.split(' ').next().unwrap_or(&tag).to_string();
        self.line(depth, &format!("</{name}>"));
    }

    fn expression(&mut self, depth: usize, expression: &Expression) {
        match expression {
            Expression::Float(value) => {
                self.line(depth, &format!("<float value=\"{}\"/>", number(*value)))
            }
            Expression::Int(value) => self.line(depth, &format!("<int value=\"{value}\"/>")),
            Expression::Bool(value) => self.line(depth, &format!("<bool value=\"{value}\"/>")),
            Expression::Parameter(name) => {
                self.line(depth, &format!("<parameter name=\"{}\"/>", escape(name)))
            }
            Expression::MissionTime => self.line(depth, "<system-mission-time/>"),
            Expression::Apply { function, args } => {
                self.line(depth, &format!("<{}>", function.mef_tag()));
                for arg in args {
                    self.expression(depth + 1, arg);
                }
                self.line(depth, &format!("</{}>", function.mef_tag()));
            }
        }
    }
}
