//! Measuring the SMART check on labelled action-item fields (D34): the
//! corpus format and the per-field recall and false-positive rate. Shared by
//! the test that holds the check to its measure and by `bench/smart`.
//!
//! A corpus is text: `#` comment lines, one `# users: A, B` line naming the
//! user directory, and lines `field<TAB>label<TAB>text`: a `title` labelled
//! `specific` or `vague`, a `criterion` labelled `measurable` or
//! `unmeasurable`, an `owner` labelled `one_user` or `not_one_user`.
//!
//! Each line is judged through the real check: a well-formed item with only
//! that field replaced, and whether the check then flags that field.

use super::{SmartRule, smart_check_with};
use crate::action::{ActionItem, ActionKind, ActionStatus, CauseLink, Level};
use crate::lint::LintConfig;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Criterion,
    Owner,
}

impl Field {
    pub const ALL: [Field; 3] = [Field::Title, Field::Criterion, Field::Owner];

    fn name(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Criterion => "criterion",
            Field::Owner => "owner",
        }
    }

    /// The labels for a good and a failing value.
    fn labels(self) -> (&'static str, &'static str) {
        match self {
            Field::Title => ("specific", "vague"),
            Field::Criterion => ("measurable", "unmeasurable"),
            Field::Owner => ("one_user", "not_one_user"),
        }
    }

    fn rule(self) -> SmartRule {
        match self {
            Field::Title => SmartRule::VagueTitle,
            Field::Criterion => SmartRule::NotMeasurable,
            Field::Owner => SmartRule::MissingOwner,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CorpusError {
    #[error("line {line}: expected field<TAB>label<TAB>text")]
    MissingTab { line: usize },
    #[error("line {line}: unknown field {field:?} (title, criterion, owner)")]
    UnknownField { line: usize, field: String },
    #[error("line {line}: {field} takes {good} or {bad}, not {label:?}")]
    UnknownLabel {
        line: usize,
        field: &'static str,
        good: &'static str,
        bad: &'static str,
        label: String,
    },
}

/// One labelled value: its field, whether it should fail the check, the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub field: Field,
    pub fails: bool,
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corpus {
    pub users: Vec<String>,
    pub examples: Vec<Example>,
}

pub fn parse(text: &str) -> Result<Corpus, CorpusError> {
    let mut corpus = Corpus::default();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(names) = comment.trim().strip_prefix("users:") {
                corpus.users.extend(
                    names
                        .split(',')
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(String::from),
                );
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        let (Some(field), Some(label), Some(text)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CorpusError::MissingTab { line: line_number });
        };
        let field = match field.trim() {
            "title" => Field::Title,
            "criterion" => Field::Criterion,
            "owner" => Field::Owner,
            other => {
                return Err(CorpusError::UnknownField {
                    line: line_number,
                    field: other.to_string(),
                });
            }
        };
        let (good, bad) = field.labels();
        let fails = match label.trim() {
            l if l == good => false,
            l if l == bad => true,
            other => {
                return Err(CorpusError::UnknownLabel {
                    line: line_number,
                    field: field.name(),
                    good,
                    bad,
                    label: other.to_string(),
                });
            }
        };
        corpus.examples.push(Example {
            field,
            fails,
            text: text.trim().to_string(),
        });
    }
    Ok(corpus)
}

/// How the check did on one field: of `failing` values that should fail,
/// `caught` were flagged; of `passing` values that should pass, `flagged`
/// were flagged all the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldScore {
    pub field: Field,
    pub failing: usize,
    pub caught: usize,
    pub passing: usize,
    pub flagged: usize,
}

impl FieldScore {
    /// Of the values that should fail, the share flagged.
    pub fn recall(&self) -> f64 {
        ratio(self.caught, self.failing)
    }
    /// Of the values flagged, the share that should fail.
    pub fn precision(&self) -> f64 {
        ratio(self.caught, self.caught + self.flagged)
    }
    /// Of the values that should pass, the share flagged.
    pub fn false_positive_rate(&self) -> f64 {
        match self.passing {
            0 => 0.0,
            n => self.flagged as f64 / n as f64,
        }
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub scores: Vec<FieldScore>,
    /// The values the check got wrong, for reading: field, label, text, what
    /// it said.
    pub misses: Vec<String>,
}

impl Evaluation {
    pub fn score(&self, field: Field) -> FieldScore {
        self.scores
            .iter()
            .copied()
            .find(|s| s.field == field)
            .unwrap_or(FieldScore {
                field,
                failing: 0,
                caught: 0,
                passing: 0,
                flagged: 0,
            })
    }
}

/// An item the check passes, whose one field under test is then replaced.
fn well_formed_item(users: &[String]) -> ActionItem {
    ActionItem {
        id: "act-1".into(),
        title: "Add a contract test on the income column".into(),
        kind: ActionKind::Preventive,
        owner: Some(users.first().cloned().unwrap_or_else(|| "owner".into())),
        due: Some(jiff::civil::date(2027, 1, 15)),
        impact: Level::High,
        effort: Level::Low,
        addresses: Some(CauseLink::RootCause { id: "rc-1".into() }),
        success_criterion: Some(
            "every pipeline run fails when the income column changes unit".into(),
        ),
        status: ActionStatus::Open,
        status_reason: None,
        ticket_url: None,
        verification: Default::default(),
        ticket: None,
    }
}

pub fn evaluate(corpus: &Corpus, config: &LintConfig) -> Evaluation {
    let mut scores: Vec<FieldScore> = Field::ALL
        .iter()
        .map(|&field| FieldScore {
            field,
            failing: 0,
            caught: 0,
            passing: 0,
            flagged: 0,
        })
        .collect();
    let mut misses = Vec::new();
    for example in &corpus.examples {
        let mut item = well_formed_item(&corpus.users);
        match example.field {
            Field::Title => item.title = example.text.clone(),
            Field::Criterion => item.success_criterion = Some(example.text.clone()),
            Field::Owner => item.owner = Some(example.text.clone()),
        }
        let said: Vec<String> = smart_check_with(&item, config, &corpus.users)
            .into_iter()
            .filter(|f| f.rule == example.field.rule())
            .map(|f| f.message)
            .collect();
        let flagged = !said.is_empty();
        let score = scores
            .iter_mut()
            .find(|s| s.field == example.field)
            .expect("every field has a score");
        if example.fails {
            score.failing += 1;
            score.caught += usize::from(flagged);
        } else {
            score.passing += 1;
            score.flagged += usize::from(flagged);
        }
        if flagged != example.fails {
            let (good, bad) = example.field.labels();
            misses.push(format!(
                "{}\t{}\t{}\t[{}]",
                example.field.name(),
                if example.fails { bad } else { good },
                example.text,
                said.join("; ")
            ));
        }
    }
    Evaluation { scores, misses }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| field | should fail | caught | recall | should pass | flagged | false positives | precision |"
        )?;
        writeln!(f, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
        for s in &self.scores {
            writeln!(
                f,
                "| {} | {} | {} | {:.1} % | {} | {} | {:.1} % | {:.1} % |",
                s.field.name(),
                s.failing,
                s.caught,
                100.0 * s.recall(),
                s.passing,
                s.flagged,
                100.0 * s.false_positive_rate(),
                100.0 * s.precision()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corpus_reads_users_and_labelled_fields_and_names_bad_lines() {
        let corpus = parse(
            "# users: alice, bob\n# comment\ntitle\tvague\tEnhance monitoring\n\ncriterion\tmeasurable\tp99 under 300 ms\nowner\tnot_one_user\tthe data team\n",
        )
        .unwrap();
        assert_eq!(corpus.users, ["alice", "bob"]);
        assert_eq!(
            corpus.examples[1],
            Example {
                field: Field::Criterion,
                fails: false,
                text: "p99 under 300 ms".into()
            }
        );
        assert_eq!(
            parse("title\tspecific").unwrap_err(),
            CorpusError::MissingTab { line: 1 }
        );
        assert_eq!(
            parse("\ncriterion\tvague\tx").unwrap_err().to_string(),
            "line 2: criterion takes measurable or unmeasurable, not \"vague\""
        );
    }
}
