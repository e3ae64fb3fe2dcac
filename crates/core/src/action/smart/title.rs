//! Whether an action's title names a concrete change. A title that opens
//! with a direction ("Enhance", "Harden", "Look into", "Be more …"), or with
//! a comparative where the change should be ("Better communication", "Make
//! the model more robust"), says where to go but not what will be done;
//! "raise", "reduce" and "increase" are concrete only with the value to
//! reach ("Raise the memory limit to 8 GiB"); an investigation is concrete
//! when it asks one question ("Investigate why the monitor did not fire").

use super::measurable::{find_phrase, has_compared_target, starts_with, words};

/// Openers that name a direction rather than a change.
const DIRECTIONS: &[&str] = &[
    "improve",
    "enhance",
    "strengthen",
    "optimise",
    "optimize",
    "harden",
    "streamline",
    "revisit",
    "revamp",
    "rethink",
    "modernise",
    "modernize",
    "leverage",
    "ensure",
    "align",
    "drive",
    "mitigate",
    "address",
    "tighten",
    "boost",
    "bolster",
    "reinforce",
    "prioritise",
    "prioritize",
    "focus on",
    "work on",
    "look into",
    "explore",
    "consider",
    "discuss",
    "review",
    "continue",
    "keep an eye",
    "keep watching",
    "follow up",
    "take ownership",
    "raise awareness",
    "do a deep dive",
    "deep dive",
    "be",
    "get better",
    "evaluate",
    "assess",
    "reassess",
    "rework",
    "refine",
    "clean up",
    "invest in",
    "embed",
    "foster",
    "promote",
    "encourage",
    "champion",
    "socialise",
    "socialize",
    "formalise",
    "formalize",
    "operationalise",
    "operationalize",
    "maintain",
    "monitor",
];

/// Openers that are concrete only with a target ("to 8 GiB", "above 0.9").
const NEEDS_TARGET: &[&str] = &[
    "raise", "reduce", "increase", "decrease", "lower", "cut", "grow", "expand", "speed up",
    "shorten", "lift", "minimise", "minimize", "maximise", "maximize",
];

/// Openers that ask a question, concrete when one follows.
const INQUIRIES: &[&str] = &[
    "investigate",
    "understand",
    "find out",
    "analyse",
    "analyze",
];

/// Question words that bound an inquiry.
const QUESTIONS: &[&str] = &["why", "whether", "how", "which", "what", "when", "who"];

/// Comparatives and judgements that stand where the change should be.
const JUDGEMENTS: &[&str] = &[
    "better",
    "safer",
    "more",
    "less",
    "faster",
    "stronger",
    "robust",
    "cleaner",
    "clearer",
    "smoother",
    "healthier",
    "proactive",
    "careful",
    "reliable",
    "resilient",
];

/// Objects that name no particular thing.
const GENERIC_OBJECTS: &[&str] = &[
    "things",
    "stuff",
    "everything",
    "anything",
    "issues",
    "the situation",
    "the root cause",
    "further",
    "going forward",
];

/// Why `title` is not specific, or `None` when it names a concrete change.
pub fn vague(title: &str) -> Option<String> {
    let words = words(title);
    // "Holistically rethink …": a manner adverb comes before the verb.
    let start = words
        .iter()
        .position(|w| !(w.ends_with("ly") && w.len() > 4))
        .unwrap_or(0);
    let opens = |list: &[&str]| {
        list.iter()
            .find(|p| starts_with(&words, start, p))
            .map(|p| p.to_string())
    };
    if has_compared_target(&words) {
        return None;
    }
    if let Some(opener) = opens(INQUIRIES) {
        let asks = words[start..]
            .iter()
            .any(|w| QUESTIONS.contains(&w.as_str()));
        return (!asks).then(|| {
            format!("\"{opener}\" with no question to answer; ask one (\"Investigate why the drift monitor did not fire on 12 March\")")
        });
    }
    if let Some(opener) = opens(DIRECTIONS) {
        return Some(format!(
            "\"{opener}\" names a direction, not a change; say what will be added, removed or changed (\"Add a PSI drift monitor on income\")"
        ));
    }
    if let Some(opener) = opens(NEEDS_TARGET) {
        return Some(format!(
            "\"{opener}\" needs the value to reach (\"Raise the memory limit to 8 GiB\")"
        ));
    }
    let judged = find_phrase(&words, JUDGEMENTS);
    if let Some(judgement) = judged.filter(|_| {
        starts_with(&words, start, "make") || JUDGEMENTS.contains(&words[start].as_str())
    }) {
        return Some(format!(
            "\"{judgement}\" judges the outcome instead of naming the change; say what will be done to get there"
        ));
    }
    find_phrase(&words, GENERIC_OBJECTS)
        .map(|object| format!("\"{object}\" names no particular thing; name what will change"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_comparatives_and_open_inquiries_are_vague() {
        for title in [
            "Enhance monitoring",
            "Holistically rethink content moderation",
            "Make the chatbot safer",
            "Better communication between teams",
            "Reduce hallucinations",
            "Investigate further",
            "Fix things faster",
        ] {
            assert!(vague(title).is_some(), "{title}");
        }
    }

    #[test]
    fn a_concrete_change_a_target_or_a_question_is_specific() {
        for title in [
            "Add a PSI drift monitor on the income feature",
            "Raise the ingestion job's memory limit to 8 GiB",
            "Raise the fraud model's precision above 0.9 at the current recall",
            "Investigate why the drift monitor did not fire on 12 March",
            "Rotate the leaked API key",
            "Fix the timezone bug that shifted fraud labels by one day",
        ] {
            assert_eq!(vague(title), None, "{title}");
        }
    }
}
