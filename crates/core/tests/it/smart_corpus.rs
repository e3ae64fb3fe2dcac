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
            (Field::Title, 0.0, 1.0),
            (Field::Criterion, 0.0, 1.0),
            (Field::Owner, 0.0, 1.0),
        ],
    );
}
