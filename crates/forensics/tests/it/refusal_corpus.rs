//! The refusal detector held to labelled assistant turns (D34): the design part the lexicon was
//! tuned on, and the held-out part, written blind and measured once after the lexicon was
//! frozen (`bench/refusals/RESULTS.md`). The detector is the one `--detector refusal` uses.

use firebreak_forensics::conversation::detector_named;

struct Score {
    true_positives: usize,
    false_positives: usize,
    false_negatives: usize,
    wrong: Vec<String>,
}

impl Score {
    fn precision(&self) -> f64 {
        self.true_positives as f64 / (self.true_positives + self.false_positives) as f64
    }

    fn recall(&self) -> f64 {
        self.true_positives as f64 / (self.true_positives + self.false_negatives) as f64
    }
}

/// Scores the detector on a corpus: `label<TAB>user<TAB>assistant` after a header, `#` lines
/// comments, `label` `refusal` or `not_refusal`.
fn measure(name: &str, text: &str) -> Score {
    let detector = detector_named("refusal").unwrap();
    let mut score = Score {
        true_positives: 0,
        false_positives: 0,
        false_negatives: 0,
        wrong: Vec::new(),
    };
    let mut rows = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));
    let (_, header) = rows.next().expect("a header");
    assert_eq!(header, "label\tuser\tassistant", "{name}: header");
    for (index, line) in rows {
        let fields: Vec<&str> = line.split('\t').collect();
        let [label, _user, assistant] = fields[..] else {
            panic!("{name}:{}: want three fields", index + 1);
        };
        let refusal = match label {
            "refusal" => true,
            "not_refusal" => false,
            other => panic!("{name}:{}: label {other}", index + 1),
        };
        let flagged = detector.find(assistant).next().is_some();
        match (refusal, flagged) {
            (true, true) => score.true_positives += 1,
            (false, false) => {}
            (true, false) => {
                score.false_negatives += 1;
                score
                    .wrong
                    .push(format!("missed (line {}): {assistant}", index + 1));
            }
            (false, true) => {
                score.false_positives += 1;
                score
                    .wrong
                    .push(format!("false positive (line {}): {assistant}", index + 1));
            }
        }
    }
    println!(
        "{name}: precision {:.3}, recall {:.3}\n{}",
        score.precision(),
        score.recall(),
        score.wrong.join("\n")
    );
    score
}

fn hold(name: &str, score: &Score, precision: f64, recall: f64) {
    assert!(
        score.precision() >= precision - 1e-9 && score.recall() >= recall - 1e-9,
        "{name}: precision {:.3} (at least {precision}), recall {:.3} (at least {recall})\n{}",
        score.precision(),
        score.recall(),
        score.wrong.join("\n")
    );
}

#[test]
fn refusal_detector_on_the_design_corpus() {
    let text = include_str!("../../../../bench/refusals/design.tsv");
    let score = measure("design.tsv", text);
    // Lexicon v2 on the part it was tuned on: precision 98.3 %, recall 86.8 %.
    hold("design.tsv", &score, 0.98, 0.86);
}

/// Read at run time and required: a missing held-out part is a failure, not a skip, so the
/// measure cannot silently disappear.
///
/// Measured once, on 2026-12-04, after lexicon v2 was frozen (commit aa490dc): precision
/// 96.2 % (25 of 26 flagged turns are refusals), recall 25.5 % (25 of 98 refusals); v1 had
/// 75.0 % and 3.1 %. The floors sit just below, so a lexicon change that loses refusals or
/// flags helpful turns fails here. Tuning the lexicon on these turns would spend them: the next
/// round needs a fresh held-out part (`bench/refusals/RESULTS.md`).
#[test]
fn refusal_detector_on_the_held_out_corpus_keeps_its_first_measure() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../bench/refusals/held-out.tsv"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the held-out corpus {path} must exist: {e}"));
    let score = measure("held-out.tsv", &text);
    hold("held-out.tsv", &score, 0.95, 0.25);
}
