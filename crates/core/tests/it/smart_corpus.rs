//! The SMART check held to labelled action-item fields (D34): the design
//! part the rules were written against, and the held-out part measured once
//! after they were frozen (`bench/smart/RESULTS.md`).

use firebreak_core::action::smart::corpus::{Evaluation, Field, evaluate, parse};
use firebreak_core::lint::LintConfig;

fn measure(name: &str, text: &str) -> Evaluation {
    let corpus = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let evaluation = evaluate(&corpus, &LintConfig::default());
    println!("{name}\n{evaluation}\n{}", evaluation.misses.join("\n"));
    evaluation
}

/// Asserts each field's recall and false-positive rate against
/// `(field, minimum recall, maximum false-positive rate)`.
fn hold(name: &str, evaluation: &Evaluation, floors: &[(Field, f64, f64)]) {
    for &(field, recall, false_positives) in floors {
        let score = evaluation.score(field);
        assert!(
            score.recall() >= recall - 1e-9
                && score.false_positive_rate() <= false_positives + 1e-9,
            "{name} {field:?}: recall {:.3} (at least {recall}), false positives {:.3} (at most {false_positives})\n{evaluation}\n{}",
            score.recall(),
            score.false_positive_rate(),
            evaluation.misses.join("\n")
        );
    }
}

#[test]
fn smart_check_on_the_design_corpus() {
    let text = include_str!("../../../../bench/smart/design.tsv");
    let evaluation = measure("design.tsv", text);
    hold(
        "design.tsv",
        &evaluation,
        &[
            (Field::Title, 0.95, 0.05),
            (Field::Criterion, 0.95, 0.05),
            (Field::Owner, 1.0, 0.0),
        ],
    );
}

/// Read at run time and required: a missing held-out part is a failure, not
/// a skip, so the measure cannot silently disappear.
///
/// Measured once, on 2026-12-04, after the rules were frozen (commit
/// e82a6d3): title recall 64.3 % with 2.4 % of specific titles flagged;
/// criterion recall 97.6 % with 26.2 % of measurable criteria flagged; owner
/// 100 % and 0 %. With the blameless lint's second round merged after it
/// (its vague-action rule is the title check's fallback; written without
/// this file) title recall is 69.0 %, which the floor now holds. Tuning the
/// rules on these lines would spend them, so the next round needs a fresh
/// held-out part (`bench/smart/RESULTS.md`).
#[test]
fn smart_check_on_the_held_out_corpus_keeps_its_first_measure() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../bench/smart/held-out.tsv"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the held-out corpus {path} must exist: {e}"));
    let evaluation = measure("held-out.tsv", &text);
    hold(
        "held-out.tsv",
        &evaluation,
        &[
            (Field::Title, 0.69, 0.025),
            (Field::Criterion, 0.975, 0.263),
            (Field::Owner, 1.0, 0.0),
        ],
    );
}
