//! The blameless lint held to issue #18's targets on labelled sentences
//! (D34): the design parts the rules were written against, and the held-out
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

/// The first held-out part, measured once (2026-12-03) and folded into the
/// design for the second round of rules.
#[test]
fn lint_meets_targets_on_second_design_corpus() {
    let text = include_str!("../../../../bench/lint/design-2.tsv");
    assert!(parse(text).unwrap().sentences.len() >= 200);
    assert_meets_targets("design-2.tsv", text);
}

/// Read at run time and required: a missing held-out part is a failure, not
/// a skip, so the measure cannot silently disappear.
///
/// The first and only measurement on this part (2026-12-04, rules frozen in
/// commit 1ec0475 before the file was read) missed issue #18's recall
/// targets: blame 41 of 57 (71.9 %) and hindsight 38 of 46 (82.6 %),
/// lenient, against 90 %. Of 115 blameless sentences it flagged one (0.9 %,
/// within the 5 % target), but as a blocking error ("The embeddings
/// vendor's error rate…"), which the issue allows none of. So this test holds
/// what was measured: the flagged share to the target, blocking errors and
/// recall to the measure, as floors the next round must not fall below.
/// Tuning the rules on these sentences spends them (`bench/lint/RESULTS.md`).
#[test]
fn lint_on_held_out_corpus_keeps_its_first_measure() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../bench/lint/held-out-2.tsv"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the held-out corpus {path} must exist: {e}"));
    let corpus = parse(&text).unwrap_or_else(|e| panic!("held-out-2.tsv: {e}"));
    let evaluation = evaluate(&corpus, &LintConfig::default());
    println!("held-out-2.tsv\n{evaluation}");
    assert!(
        evaluation.blameless_flagged_share() <= MAXIMUM_BLAMELESS_FLAGGED,
        "{evaluation}"
    );
    assert!(evaluation.blameless_blocking <= 1, "{evaluation}");
    for (name, score, found) in [
        ("blame", evaluation.blame_lenient, 41),
        ("hindsight", evaluation.hindsight_lenient, 38),
        ("vague", evaluation.vague, 31),
    ] {
        assert!(
            score.found >= found,
            "{name}: {} of {} found, fewer than the {found} first measured\n{evaluation}\n{}",
            score.found,
            score.relevant,
            evaluation.misses.join("\n")
        );
    }
}
