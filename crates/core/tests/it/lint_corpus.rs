//! The blameless lint held to issue #18's targets on labelled sentences
//! (D34): the design parts the rules were written against, and the held-out
//! part written by someone who had not seen them, to what it measured.

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

/// The second held-out part, measured once (2026-12-04: blame 71.9 % and
/// hindsight 82.6 % lenient, one blocking error) and folded into the design
/// for the third round of rules; the measure is now a fresh part by another
/// author (`bench/lint/RESULTS.md`).
#[test]
fn lint_meets_targets_on_third_design_corpus() {
    let text = include_str!("../../../../bench/lint/design-3.tsv");
    assert!(parse(text).unwrap().sentences.len() >= 250);
    assert_meets_targets("design-3.tsv", text);
}

/// Read at run time and required: a missing held-out part is a failure, not
/// a skip, so the measure cannot silently disappear.
///
/// The first and only measurement on this part (2026-12-04, rules frozen in
/// commit dbb847a before the file entered the repository) met the targets
/// for hindsight (52 of 56, 92.9 % lenient), the flagged share (3 of 135
/// blameless, 2.2 %) and blocking errors (none), and missed blame: 37 of 66
/// (56.1 %) against 90 %. So this test holds what was measured, as floors
/// the next round must not fall below. Tuning the rules on these sentences
/// spends them (`bench/lint/RESULTS.md`).
#[test]
fn lint_on_held_out_corpus_keeps_its_first_measure() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../bench/lint/held-out-3.tsv"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the held-out corpus {path} must exist: {e}"));
    let corpus = parse(&text).unwrap_or_else(|e| panic!("held-out-3.tsv: {e}"));
    let evaluation = evaluate(&corpus, &LintConfig::default());
    println!("held-out-3.tsv\n{evaluation}");
    assert!(
        evaluation.blameless_flagged_share() <= MAXIMUM_BLAMELESS_FLAGGED,
        "{evaluation}"
    );
    assert_eq!(evaluation.blameless_blocking, 0, "{evaluation}");
    for (name, score, found) in [
        ("blame", evaluation.blame_lenient, 37),
        ("hindsight", evaluation.hindsight_lenient, 52),
        ("vague", evaluation.vague, 33),
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
