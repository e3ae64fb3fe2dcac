//! The blameless lint held to issue #18's targets on labelled sentences
//! (D34): the design part the rules were written against, and the held-out
//! part written by someone who had not seen them.

use firebreak_core::lint::LintConfig;
use firebreak_core::lint::corpus::{MAXIMUM_BLAMELESS_FLAGGED, evaluate, parse};

fn assert_meets_targets(name: &str, text: &str) {
    let corpus = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let evaluation = evaluate(&corpus, &LintConfig::default());
    println!("{name}\n{evaluation}");
    let unmet = evaluation.unmet_targets();
    assert!(
        unmet.is_empty(),
        "{name} misses targets: {}\n{evaluation}\n{}",
        unmet.join("; "),
        evaluation.misses.join("\n")
    );
}

#[test]
fn lint_meets_targets_on_design_corpus() {
    let text = include_str!("../../../../bench/lint/design.tsv");
    assert!(parse(text).unwrap().sentences.len() >= 160);
    assert_meets_targets("design.tsv", text);
}

/// Read at run time and required: a missing held-out part is a failure, not
/// a skip, so the measure cannot silently disappear.
///
/// The first and only measurement on this part (2026-12-03, rules frozen
/// before the file was read) missed issue #18's recall targets: blame 67.3 %
/// and hindsight 85.0 % (lenient), against 90 %. It met the false-positive
/// targets (0 of 91 blameless sentences flagged). So this test holds the
/// false-positive targets and the recall as first measured, as a floor;
/// tuning the rules on these sentences would spend them, so the next round
/// of rules needs a fresh held-out part (`bench/lint/RESULTS.md`).
#[test]
fn lint_on_held_out_corpus_keeps_its_first_measure() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/lint/held-out.tsv");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the held-out corpus {path} must exist: {e}"));
    let corpus = parse(&text).unwrap_or_else(|e| panic!("held-out.tsv: {e}"));
    let evaluation = evaluate(&corpus, &LintConfig::default());
    println!("held-out.tsv\n{evaluation}");
    assert_eq!(evaluation.blameless_blocking, 0, "{evaluation}");
    assert!(
        evaluation.blameless_flagged_share() <= MAXIMUM_BLAMELESS_FLAGGED,
        "{evaluation}"
    );
    for (name, score, floor) in [
        ("blame", evaluation.blame_lenient, 0.673),
        ("hindsight", evaluation.hindsight_lenient, 0.85),
        ("vague", evaluation.vague, 0.90),
    ] {
        assert!(
            score.recall() >= floor - 1e-9,
            "{name} recall {:.3} fell below {floor}\n{evaluation}\n{}",
            score.recall(),
            evaluation.misses.join("\n")
        );
    }
}
