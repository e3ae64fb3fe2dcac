//! Measuring the lint on labelled sentences (D34): the corpus format, the
//! per-category precision and recall, and the targets of issue #18. Shared
//! by the test that holds the lint to its targets and by `bench/lint`.
//!
//! A corpus is text: `#` comment lines, one `# people: A, B` line naming the
//! people the lint knows (participants and user directory), and lines
//! `label<TAB>sentence` with label `blame`, `hindsight`, `vague` or
//! `blameless`.

use std::fmt;

use super::learned::{self, Model};
use super::{LintConfig, LintRule, LintSeverity, lint_text_with};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Blame,
    Hindsight,
    Vague,
    Blameless,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CorpusError {
    #[error("line {line}: expected label<TAB>sentence")]
    MissingTab { line: usize },
    #[error("line {line}: unknown label {label:?} (blame, hindsight, vague, blameless)")]
    UnknownLabel { line: usize, label: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corpus {
    pub people: Vec<String>,
    pub sentences: Vec<(Label, String)>,
}

pub fn parse(text: &str) -> Result<Corpus, CorpusError> {
    let mut corpus = Corpus::default();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(names) = comment.trim().strip_prefix("people:") {
                corpus.people.extend(
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
        let (label, sentence) = line
            .split_once('\t')
            .ok_or(CorpusError::MissingTab { line: line_number })?;
        let label = match label.trim() {
            "blame" => Label::Blame,
            "hindsight" => Label::Hindsight,
            "vague" => Label::Vague,
            "blameless" => Label::Blameless,
            other => {
                return Err(CorpusError::UnknownLabel {
                    line: line_number,
                    label: other.to_string(),
                });
            }
        };
        corpus.sentences.push((label, sentence.trim().to_string()));
    }
    Ok(corpus)
}

/// What the lint said of one sentence.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    blame: bool,
    hindsight: bool,
    learned: bool,
    vague: bool,
    blocking: bool,
}

impl Flags {
    fn judging(self) -> bool {
        self.blame || self.hindsight || self.learned
    }

    fn any(self) -> bool {
        self.judging() || self.vague
    }
}

/// Hits over a category: `found` of `relevant` labelled sentences were
/// flagged, and `correct` of `flagged` flagged sentences carry the label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    pub found: usize,
    pub relevant: usize,
    pub correct: usize,
    pub flagged: usize,
}

impl Score {
    pub fn recall(&self) -> f64 {
        ratio(self.found, self.relevant)
    }
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.flagged)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// Precision and recall per category. *Strict* counts a sentence as found
/// only by its own rule; *lenient* counts blame and hindsight as one family,
/// so a hindsight sentence about a person flagged as blame is found (both are
/// judgements the lint must not let through), and so is one the learned
/// reading flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evaluation {
    pub blame_strict: Score,
    pub blame_lenient: Score,
    pub hindsight_strict: Score,
    pub hindsight_lenient: Score,
    pub vague: Score,
    /// What the learned reading added to the rules: judging (blame or
    /// hindsight) sentences it found, and its precision on them.
    pub learned: Score,
    pub blameless: usize,
    pub blameless_flagged: usize,
    pub blameless_blocking: usize,
    /// Sentences the lint got wrong, for reading: label, sentence, what it said.
    pub misses: Vec<String>,
}

/// The lint with its built-in learned model on `corpus`.
pub fn evaluate(corpus: &Corpus, config: &LintConfig) -> Evaluation {
    evaluate_with(corpus, config, learned::builtin())
}

/// The lint with `model` as its learned reading on `corpus`.
pub fn evaluate_with(corpus: &Corpus, config: &LintConfig, model: &Model) -> Evaluation {
    let mut evaluation = Evaluation::default();
    for (label, sentence) in &corpus.sentences {
        let findings = lint_text_with("sentence", sentence, config, &corpus.people, model);
        let mut flags = Flags::default();
        for finding in &findings {
            match finding.rule {
                LintRule::Blame | LintRule::PersonAsCause => flags.blame = true,
                LintRule::Hindsight => flags.hindsight = true,
                LintRule::LearnedJudgement => flags.learned = true,
                LintRule::VagueAction => flags.vague = true,
            }
            flags.blocking |= finding.severity == LintSeverity::Error;
        }
        let is = |wanted: Label| *label == wanted;
        let judging = is(Label::Blame) || is(Label::Hindsight);
        let either = flags.judging();
        let e = &mut evaluation;
        tally(
            &mut e.blame_strict,
            is(Label::Blame),
            flags.blame,
            flags.blame,
            is(Label::Blame),
        );
        tally(
            &mut e.blame_lenient,
            is(Label::Blame),
            either,
            flags.blame,
            judging,
        );
        tally(
            &mut e.hindsight_strict,
            is(Label::Hindsight),
            flags.hindsight,
            flags.hindsight,
            is(Label::Hindsight),
        );
        tally(
            &mut e.hindsight_lenient,
            is(Label::Hindsight),
            either,
            flags.hindsight,
            judging,
        );
        tally(
            &mut e.vague,
            is(Label::Vague),
            flags.vague,
            flags.vague,
            is(Label::Vague),
        );
        tally(
            &mut e.learned,
            judging,
            flags.learned,
            flags.learned,
            judging,
        );
        if *label == Label::Blameless {
            evaluation.blameless += 1;
            evaluation.blameless_flagged += usize::from(flags.any());
            evaluation.blameless_blocking += usize::from(flags.blocking);
        }
        let wrong = match label {
            Label::Blame | Label::Hindsight => !flags.judging(),
            Label::Vague => !flags.vague,
            Label::Blameless => flags.any(),
        };
        if wrong {
            let said: Vec<String> = findings
                .iter()
                .map(|f| format!("{}:{:?}", f.rule.as_str(), f.matched))
                .collect();
            evaluation
                .misses
                .push(format!("{label:?}\t{sentence}\t[{}]", said.join(", ")));
        }
    }
    evaluation
}

/// Each design part measured by a model trained on the others: how the
/// learned reading does on an author it has not read (leave one part out).
pub fn cross_validate(config: &LintConfig) -> Vec<(&'static str, Evaluation)> {
    let parts: Vec<(&str, Corpus)> = learned::design_parts()
        .map(|(name, text)| {
            let corpus = parse(text).unwrap_or_else(|e| panic!("built-in corpus {name}: {e}"));
            (name, corpus)
        })
        .collect();
    parts
        .iter()
        .map(|(name, corpus)| {
            let others: Vec<&Corpus> = parts
                .iter()
                .filter(|(other, _)| other != name)
                .map(|(_, c)| c)
                .collect();
            (*name, evaluate_with(corpus, config, &Model::train(&others)))
        })
        .collect()
}

/// Counts one sentence into `score`: `labelled` with the category, `found`
/// by the rules recall reads, `flagged` by the rule precision reads, and
/// whether its label is `right` for that flag.
fn tally(score: &mut Score, labelled: bool, found: bool, flagged: bool, right: bool) {
    score.relevant += usize::from(labelled);
    score.found += usize::from(labelled && found);
    score.flagged += usize::from(flagged);
    score.correct += usize::from(flagged && right);
}

/// Issue #18's targets: blame and hindsight recall (lenient) at least 90 %.
pub const MINIMUM_JUDGEMENT_RECALL: f64 = 0.90;
/// At most 5 % of blameless sentences flagged at all.
pub const MAXIMUM_BLAMELESS_FLAGGED: f64 = 0.05;

impl Evaluation {
    pub fn blameless_flagged_share(&self) -> f64 {
        match self.blameless {
            0 => 0.0,
            n => self.blameless_flagged as f64 / n as f64,
        }
    }

    /// The targets this evaluation misses, each said in words; empty when it
    /// meets them all.
    pub fn unmet_targets(&self) -> Vec<String> {
        let mut unmet = Vec::new();
        for (name, score) in [
            ("blame", self.blame_lenient),
            ("hindsight", self.hindsight_lenient),
        ] {
            if score.recall() < MINIMUM_JUDGEMENT_RECALL {
                unmet.push(format!(
                    "{name} recall {} below {}",
                    percent(score.recall()),
                    percent(MINIMUM_JUDGEMENT_RECALL)
                ));
            }
        }
        if self.blameless_flagged_share() > MAXIMUM_BLAMELESS_FLAGGED {
            unmet.push(format!(
                "{} of blameless sentences flagged, above {}",
                percent(self.blameless_flagged_share()),
                percent(MAXIMUM_BLAMELESS_FLAGGED)
            ));
        }
        if self.blameless_blocking > 0 {
            unmet.push(format!(
                "{} blameless sentences flagged as a blocking error",
                self.blameless_blocking
            ));
        }
        unmet
    }
}

fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

/// The table as Markdown.
impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| category | n | recall strict | recall lenient | precision strict | precision lenient |"
        )?;
        writeln!(f, "|---|---:|---:|---:|---:|---:|")?;
        let rows = [
            ("blame", self.blame_strict, self.blame_lenient),
            ("hindsight", self.hindsight_strict, self.hindsight_lenient),
            ("vague", self.vague, self.vague),
        ];
        for (name, strict, lenient) in rows {
            writeln!(
                f,
                "| {name} | {} | {} | {} | {} | {} |",
                strict.relevant,
                percent(strict.recall()),
                percent(lenient.recall()),
                percent(strict.precision()),
                percent(lenient.precision()),
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "blameless: n = {}, flagged {} ({}), blocking errors {} ({})",
            self.blameless,
            self.blameless_flagged,
            percent(self.blameless_flagged_share()),
            self.blameless_blocking,
            percent(ratio(self.blameless_blocking, self.blameless)),
        )?;
        writeln!(
            f,
            "learned reading: flagged {} sentences the rules let through, {} of them judging",
            self.learned.flagged, self.learned.correct,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_people_labels_and_comments() {
        let corpus = parse("# a comment\n# people: Ann Lee, Bob\nblame\tBob forgot to rotate the key.\n\nblameless\tThe job failed.\n").unwrap();
        assert_eq!(corpus.people, ["Ann Lee", "Bob"]);
        assert_eq!(
            corpus.sentences,
            [
                (Label::Blame, "Bob forgot to rotate the key.".to_string()),
                (Label::Blameless, "The job failed.".to_string()),
            ]
        );
        assert_eq!(parse("blame Bob"), Err(CorpusError::MissingTab { line: 1 }));
        assert_eq!(
            parse("#\nblam\tx"),
            Err(CorpusError::UnknownLabel {
                line: 2,
                label: "blam".into()
            })
        );
    }

    #[test]
    fn scores_strictly_and_leniently() {
        let corpus = parse(
            "# people: Bob\nhindsight\tBob should have checked the schema.\nblame\tBob ignored the alert.\nblameless\tBob deployed the fix.\nvague\tImprove monitoring.\n",
        )
        .unwrap();
        let evaluation = evaluate(&corpus, &LintConfig::default());
        assert_eq!(evaluation.hindsight_strict.found, 0);
        assert_eq!(evaluation.hindsight_lenient.found, 1);
        assert_eq!(evaluation.blame_strict.precision(), 0.5);
        assert_eq!(evaluation.blame_lenient.precision(), 1.0);
        assert_eq!(evaluation.vague.recall(), 1.0);
        assert_eq!((evaluation.blameless, evaluation.blameless_flagged), (1, 0));
        assert!(evaluation.unmet_targets().is_empty(), "{evaluation}");
    }
}
