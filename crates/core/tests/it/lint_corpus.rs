//! The blameless lint held to issue #18's targets on labelled sentences
//! (D34): the design parts it was built from, each part read by a model
//! trained without it, and the held-out part written by someone who had seen
//! neither the rules nor the corpora, to what it measured.

use firebreak_core::lint::corpus::{cross_validate, evaluate, parse};
use firebreak_core::lint::{LintConfig, learned};

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

/// Every design part: the first written for the first round of rules, the
/// next three written blind and measured once as held-out parts before they
/// were folded in, the last two written for the learned reading
/// (`bench/lint/RESULTS.md`). The learned reading is trained on all of them,
/// so this says the lint does what it was built to do; the measure of unseen
/// writing is `lint_on_held_out_corpus_keeps_its_first_measure`.
#[test]
fn lint_meets_targets_on_every_design_part() {
    let parts: Vec<_> = learned::design_parts().collect();
    assert_eq!(parts.len(), 6);
    for (name, text) in parts {
        assert!(parse(text).unwrap().sentences.len() >= 200, "{name}");
        assert_meets_targets(name, text);
    }
}

/// The learned reading validated on each design part by a model trained on
/// the others (leave one part out): what it does for an author it has not
/// read. Held, as floors and ceilings, to what was measured when the
/// threshold was chosen (`bench/lint/RESULTS.md`, fourth round): judging
/// sentences found (lenient, rules and model) and blameless ones flagged.
/// The rules were written against the first three parts, so the last three
/// say how the lint does on new writing; `design.tsv`'s blameless sentences
/// are hard negatives written against the rules, which a model that has not
/// read them flags often.
#[test]
fn a_model_trained_without_a_part_keeps_its_measure_on_it() {
    let measured = [
        ("design.tsv", 151, 106, 28),
        ("design-2.tsv", 49, 40, 0),
        ("design-3.tsv", 57, 46, 1),
        ("design-4.tsv", 56, 53, 4),
        ("design-5.tsv", 62, 57, 3),
        ("design-6.tsv", 66, 54, 3),
    ];
    let evaluations = cross_validate(&LintConfig::default());
    assert_eq!(evaluations.len(), measured.len());
    for ((name, evaluation), (part, blame, hindsight, flagged)) in evaluations.iter().zip(measured)
    {
        println!("{name}\n{evaluation}");
        assert_eq!(*name, part);
        assert!(
            evaluation.blame_lenient.found >= blame,
            "{name} blame\n{evaluation}"
        );
        assert!(
            evaluation.hindsight_lenient.found >= hindsight,
            "{name} hindsight\n{evaluation}"
        );
        assert!(
            evaluation.blameless_flagged <= flagged,
            "{name} blameless\n{evaluation}"
        );
    }
}

/// Read at run time and required: a missing held-out part is a failure, not
/// a skip, so the measure cannot silently disappear.
///
/// The first and only measurement on this part (2026-12-04; rules and
/// learned reading frozen in commit e2e7f44 before the file entered the
/// repository) met issue #18's targets: blame 72 of 78 (92.3 % lenient),
/// hindsight 59 of 62 (95.2 %), 4 of 146 blameless flagged (2.7 %), none as
/// a blocking error; vague 35 of 42. This test holds what was measured, as
/// floors and ceilings. Tuning on these sentences spends them
/// (`bench/lint/RESULTS.md`).
#[test]
fn lint_on_held_out_corpus_keeps_its_first_measure() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../bench/lint/held-out-4.tsv"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the held-out corpus {path} must exist: {e}"));
    let corpus = parse(&text).unwrap_or_else(|e| panic!("held-out-4.tsv: {e}"));
    let evaluation = evaluate(&corpus, &LintConfig::default());
    println!("held-out-4.tsv\n{evaluation}");
    assert!(
        evaluation.unmet_targets().is_empty(),
        "{}\n{evaluation}",
        evaluation.unmet_targets().join("; ")
    );
    assert!(evaluation.blameless_flagged <= 4, "{evaluation}");
    for (name, score, found) in [
        ("blame", evaluation.blame_lenient, 72),
        ("hindsight", evaluation.hindsight_lenient, 59),
        ("vague", evaluation.vague, 35),
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
