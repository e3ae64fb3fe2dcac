//! Whether a success criterion can be checked: a metric or observable with a
//! comparator and a target ("PSI on income stays below 0.2", "p99 under
//! 300 ms", "99.9 % or more"), a count that must be zero ("zero false
//! declines"), or a verifiable deliverable ("a drift monitor on income
//! exists and has run", "the pipeline fails a build without a fairness
//! report"). A date is a time bound, not a target; a version, a ticket or
//! an incident number is a reference; and a hedge ("where possible",
//! "somewhat") leaves nothing to check.

/// Why a criterion cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmeasurable {
    /// Nothing to compare against and nothing delivered.
    NoTarget,
    /// Its only numbers are dates, versions or references.
    OnlyReferences(String),
    /// A hedge makes it optional or a matter of opinion.
    Hedged(String),
}

impl Unmeasurable {
    pub fn explain(&self, criterion: &str) -> String {
        match self {
            Unmeasurable::NoTarget => format!(
                "\"{criterion}\" names no target to compare against and no deliverable to check; \
                 say what is measured and the value it must reach (\"PSI on income stays below 0.2\"), \
                 or what will exist or happen (\"a drift monitor on income exists and has run\")"
            ),
            Unmeasurable::OnlyReferences(what) => format!(
                "in \"{criterion}\", {what} is a date or a reference, not a target; \
                 add the value to reach, e.g. \"p99 latency under 300 ms\""
            ),
            Unmeasurable::Hedged(hedge) => format!(
                "\"{hedge}\" makes \"{criterion}\" a matter of opinion; state what must hold without it"
            ),
        }
    }
}

/// Phrases that make a criterion optional or a judgement call.
const HEDGES: &[&str] = &[
    "where possible",
    "wherever possible",
    "if possible",
    "when possible",
    "if feasible",
    "where feasible",
    "where practical",
    "as appropriate",
    "as needed",
    "as required",
    "as necessary",
    "ideally",
    "somewhat",
    "more or less",
    "best effort",
    "judgement",
    "judgment",
    "when time allows",
    "time permitting",
    "try to",
    "aim to",
    "hopefully",
    "reasonably",
    "reasonable",
    "appropriate",
    "adequate",
    "adequately",
    "sufficient",
    "sufficiently",
    "satisfactory",
    "generally",
    "mostly",
    "largely",
    "most of",
    "significantly",
    "acceptable",
    "manageable",
    "under control",
    "regularly",
    "right direction",
    "practicable",
    "tbd",
];

/// Comparators before a target ("below 0.2", "at least 95 %").
const COMPARATORS: &[&str] = &[
    "at least",
    "at most",
    "no more than",
    "no less than",
    "not more than",
    "not less than",
    "no fewer than",
    "fewer than",
    "less than",
    "more than",
    "greater than",
    "lower than",
    "higher than",
    "no longer than",
    "no higher than",
    "no lower than",
    "equal to",
    "up to",
    "below",
    "under",
    "above",
    "over",
    "within",
    "exceed",
    "exceeds",
    "exceeding",
    "reaches",
    "reach",
    "to",
    "of",
    "is",
    "are",
    "stays",
    "remains",
    "drops",
    "falls",
    "between",
    "maximum",
    "minimum",
    "max",
    "min",
    "every",
    "each",
    "all",
    "per",
    "beyond",
    "return",
    "returns",
    "reports",
    "shows",
    "reads",
];

/// Comparators after a target ("99.9 % or more").
const TRAILING_COMPARATORS: &[&str] = &[
    "or more",
    "or less",
    "or fewer",
    "or higher",
    "or lower",
    "or better",
    "or above",
    "or below",
    "or under",
    "or over",
    "and above",
    "and below",
    "or later",
    "or newer",
    "or earlier",
];

/// Words for counts.
const NUMBER_WORDS: &[&str] = &[
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "fifteen", "twenty", "thirty", "fifty", "hundred", "half", "once", "twice",
];

/// Words that make a number a date, a version or a reference.
const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];
const REFERENCE_NOUNS: &[&str] = &[
    "ticket", "tickets", "issue", "pr", "incident", "inc", "version", "release", "sprint", "step",
    "section", "page", "item", "row", "line", "rule", "jira", "case", "batch", "run", "build",
    "week", "q1", "q2", "q3", "q4", "h1", "h2", "fy", "phase", "stage", "tier", "v",
];

/// Things one can check exist or happen.
const DELIVERABLES: &[&str] = &[
    "monitor",
    "monitors",
    "alert",
    "alerts",
    "alarm",
    "dashboard",
    "runbook",
    "playbook",
    "test",
    "tests",
    "check",
    "checks",
    "gate",
    "policy",
    "document",
    "doc",
    "docs",
    "page",
    "report",
    "card",
    "datasheet",
    "pipeline",
    "job",
    "rule",
    "rules",
    "filter",
    "flag",
    "switch",
    "review",
    "sign-off",
    "training",
    "drill",
    "exercise",
    "contract",
    "schema",
    "validation",
    "validator",
    "backfill",
    "script",
    "key",
    "keys",
    "secret",
    "secrets",
    "token",
    "audit",
    "log",
    "logs",
    "logging",
    "canary",
    "rollback",
    "procedure",
    "checklist",
    "template",
    "field",
    "column",
    "label",
    "labels",
    "guardrail",
    "classifier",
    "model",
    "build",
    "release",
    "deploy",
    "deployment",
    "endpoint",
    "api",
    "config",
    "configuration",
    "setting",
    "threshold",
    "rota",
    "schedule",
    "escalation",
    "notice",
    "notification",
    "register",
    "inventory",
    "entry",
    "record",
    "assessment",
    "dpia",
    "contract",
    "agreement",
    "approval",
    "process",
    "workflow",
    "form",
    "ticket",
    "integration",
    "hook",
    "webhook",
    "banner",
    "message",
    "prompt",
    "retention",
    "access",
    "permission",
    "permissions",
    "role",
    "owner",
    "on-call",
    "runbooks",
    "dashboards",
    "pages",
    "reports",
    "gates",
    "pipelines",
];

/// Predicates a reviewer can see true or false.
const VERIFIABLE_STATES: &[&str] = &[
    "exists",
    "exist",
    "is in place",
    "are in place",
    "is published",
    "are published",
    "is merged",
    "is deployed",
    "are deployed",
    "is live",
    "is enabled",
    "are enabled",
    "is turned on",
    "has run",
    "have run",
    "runs",
    "run on",
    "ran",
    "fires",
    "fire",
    "pages",
    "blocks",
    "block",
    "fails",
    "fail",
    "rejects",
    "reject",
    "refuses",
    "refuse",
    "is rotated",
    "are rotated",
    "is revoked",
    "are revoked",
    "is removed",
    "are removed",
    "is deleted",
    "are deleted",
    "is signed",
    "are signed",
    "is approved",
    "is linked",
    "are linked",
    "is documented",
    "is completed",
    "is complete",
    "are completed",
    "is held",
    "was held",
    "is conducted",
    "is recorded",
    "are recorded",
    "is added",
    "are added",
    "is shipped",
    "is released",
    "is archived",
    "is scheduled",
    "is assigned",
    "are assigned",
    "is filed",
    "is submitted",
    "is sent",
    "is reviewed",
    "are reviewed",
    "is retrained",
    "is rolled back",
    "is restored",
    "is disabled",
    "are disabled",
    "is configured",
    "lists",
    "shows",
    "requires",
    "require",
    "includes",
    "include",
    "contains",
    "covers",
    "records",
    "logs",
    "alerts",
    "routes",
    "masks",
    "redacts",
    "stops",
    "prevents",
    "catches",
    "detects",
    "is tested",
    "are tested",
    "passes",
    "pass",
    "is installed",
    "is versioned",
    "is updated",
    "are updated",
    "is trained",
    "are trained",
    "have completed",
    "has completed",
    "attended",
    "is in",
    "are in",
    "is on",
    "is attached",
    "is stored",
    "is retained",
    "is encrypted",
    "is restricted",
    "goes live",
    "is live in",
    "is blocked",
    "are blocked",
    "is rejected",
    "are rejected",
    "reports",
    "is absent",
    "are absent",
    "is present",
    "are present",
    "appears",
    "no longer appears",
    "is visible",
    "are visible",
    "merged",
    "linked",
    "published",
    "deployed",
    "attached",
    "recorded",
    "signed off",
    "has a",
    "have a",
    "has an",
    "have an",
    "acknowledged",
    "has acknowledged",
];

/// Evaluative words that are no target on their own ("better", "improved").
const EVALUATIVE: &[&str] = &[
    "better",
    "improved",
    "improve",
    "improves",
    "enhanced",
    "stronger",
    "safer",
    "robust",
    "more robust",
    "happier",
    "happy",
    "good",
    "great",
    "fewer",
    "less",
    "more",
    "reduced",
    "increased",
    "higher",
    "lower",
    "faster",
    "cleaner",
    "clearer",
    "healthier",
    "smoother",
    "more careful",
    "aware",
    "awareness",
    "confident",
    "comfortable",
    "satisfied",
];

/// Splits into lower-case words, keeping numbers with their decimal point,
/// sign and unit ("0.2", "99.9%", "300ms", "≥") and hyphenated words.
pub(super) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let joins_number = (c == '.' || c == ',')
            && current.chars().last().is_some_and(|p| p.is_ascii_digit())
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() || c == '%' || c == '-' && !current.is_empty() || joins_number {
            current.extend(c.to_lowercase());
        } else {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            if "<>≤≥=≠".contains(c) {
                out.push(c.to_string());
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.into_iter()
        .map(|w| w.trim_end_matches('-').to_string())
        .collect()
}

/// Whether `words[at..]` starts with `phrase`.
pub(super) fn starts_with(words: &[String], at: usize, phrase: &str) -> bool {
    let parts: Vec<&str> = phrase.split(' ').collect();
    words.len() >= at + parts.len() && parts.iter().enumerate().all(|(k, p)| words[at + k] == *p)
}

pub(super) fn find_phrase(words: &[String], phrases: &[&str]) -> Option<String> {
    (0..words.len()).find_map(|at| {
        phrases
            .iter()
            .find(|p| starts_with(words, at, p))
            .map(|p| p.to_string())
    })
}

/// A number, with a unit or a range: "0.2", "99.9%", "300ms", "5-10".
fn is_number(word: &str) -> bool {
    let digits = word.trim_end_matches(|c: char| c.is_alphabetic() || c == '%');
    digits.starts_with(|c: char| c.is_ascii_digit())
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
}

/// A name with a number in it that points somewhere: "INC-7", "v2.3",
/// "Q3", "FY26", "JIRA-12". Percentile names ("p99") are metrics, not this.
fn is_reference_name(word: &str) -> bool {
    let letters: String = word.chars().take_while(|c| c.is_alphabetic()).collect();
    let rest = word[letters.len()..].trim_start_matches('-');
    !letters.is_empty()
        && letters != "p"
        && rest.starts_with(|c: char| c.is_ascii_digit())
        && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Why the number at `at` is a date or a reference rather than a target.
fn reference(words: &[String], at: usize) -> Option<String> {
    let word = &words[at];
    let before = at.checked_sub(1).map(|i| words[i].as_str());
    let after = words.get(at + 1).map(String::as_str);
    let year = word.len() == 4 && (word.starts_with("19") || word.starts_with("20"));
    let parts: Vec<&str> = word.split('-').collect();
    let iso_date = parts.len() >= 2 && parts[0].len() == 4 && parts[1].len() == 2;
    let month_near =
        before.is_some_and(|b| MONTHS.contains(&b)) || after.is_some_and(|a| MONTHS.contains(&a));
    // "the 5% sample", "the 3 dashboards": a number after "the" points at
    // something that exists, it is no target.
    let named = before.is_some_and(|b| REFERENCE_NOUNS.contains(&b) || b == "#" || b == "the");
    if year || iso_date || month_near {
        Some(format!("\"{word}\" (a date)"))
    } else if named {
        Some(format!("\"{word}\" (a reference)"))
    } else {
        None
    }
}

/// Numbers, and number words, that are not dates or references.
fn targets(words: &[String]) -> Vec<usize> {
    (0..words.len())
        .filter(|&i| {
            let w = words[i].as_str();
            (is_number(w) && reference(words, i).is_none()) || NUMBER_WORDS.contains(&w)
        })
        .collect()
}

/// Every date or reference, described.
fn references(words: &[String]) -> Vec<String> {
    (0..words.len())
        .filter_map(|i| {
            let w = words[i].as_str();
            if is_number(w) {
                reference(words, i)
            } else if is_reference_name(w) {
                Some(format!("\"{w}\" (a date or a reference)"))
            } else {
                None
            }
        })
        .collect()
}

/// Whether the target at `at` has a comparator before it (within four
/// words) or after it, or is a zero count.
fn compared(words: &[String], at: usize) -> bool {
    let symbol_before = (at.saturating_sub(3)..at).any(|i| "<>≤≥=≠".contains(words[i].as_str()));
    let word_before =
        (at.saturating_sub(4)..at).any(|i| COMPARATORS.iter().any(|c| starts_with(words, i, c)));
    let after = TRAILING_COMPARATORS
        .iter()
        .any(|c| starts_with(words, at + 1, c));
    // "zero false declines", "0 incidents": the target is the count itself.
    let zero = matches!(words[at].as_str(), "zero" | "0" | "0%");
    symbol_before || word_before || after || zero
}

/// Whether the number at `at` carries a unit: "5 minutes", "30 consecutive
/// days", "95%" measure even when the comparator is a verb ("alert fires in
/// 5 minutes").
fn with_unit(words: &[String], at: usize) -> bool {
    words[at].ends_with('%')
        || words[at].ends_with("ms")
        || words
            .get(at + 1)
            .is_some_and(|u| UNITS.contains(&u.as_str()))
}

/// Whether `words` state a target with a comparator: the test a title's
/// "raise X" or "reduce Y" passes only with a value to reach.
pub(super) fn has_compared_target(words: &[String]) -> bool {
    targets(words).into_iter().any(|at| compared(words, at))
}

/// Units that make a number a measure.
const UNITS: &[&str] = &[
    "%",
    "percent",
    "ms",
    "milliseconds",
    "seconds",
    "second",
    "s",
    "minutes",
    "minute",
    "min",
    "hours",
    "hour",
    "h",
    "days",
    "day",
    "consecutive",
    "weeks",
    "pp",
    "points",
    "x",
    "times",
    "requests",
    "runs",
    "releases",
    "pages",
    "alerts",
    "incidents",
    "errors",
    "complaints",
    "tickets",
    "rows",
    "records",
    "samples",
    "applicants",
    "users",
    "customers",
];

/// Whether a deliverable noun stands with a verifiable state.
fn delivered(words: &[String]) -> bool {
    words.iter().any(|w| DELIVERABLES.contains(&w.as_str()))
        && (0..words.len()).any(|i| VERIFIABLE_STATES.iter().any(|s| starts_with(words, i, s)))
}

/// Checks `criterion`; `Ok` when a reviewer could tell whether it holds.
pub fn check(criterion: &str) -> Result<(), Unmeasurable> {
    let words = words(criterion);
    if let Some(hedge) = find_phrase(&words, HEDGES) {
        return Err(Unmeasurable::Hedged(hedge));
    }
    let targets = targets(&words);
    if targets.iter().any(|&at| compared(&words, at)) {
        return Ok(());
    }
    // An opinion ("cleaner", "safer") is what a bare measure would then
    // judge, so a unit alone or a deliverable no longer makes it checkable.
    let evaluative = find_phrase(&words, EVALUATIVE).is_some();
    if !evaluative && (targets.iter().any(|&at| with_unit(&words, at)) || delivered(&words)) {
        return Ok(());
    }
    match references(&words).first() {
        Some(first) if targets.is_empty() => Err(Unmeasurable::OnlyReferences(first.clone())),
        _ => Err(Unmeasurable::NoTarget),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_numbers_with_their_units_and_symbols() {
        assert_eq!(
            words("PSI < 0.2; p99 under 300ms, 99.9% uptime"),
            [
                "psi", "<", "0.2", "p99", "under", "300ms", "99.9%", "uptime"
            ]
        );
    }

    #[test]
    fn a_comparator_and_target_or_a_deliverable_is_measurable() {
        for criterion in [
            "PSI on income stays below 0.2 for 30 consecutive days",
            "p99 latency under 300 ms",
            "selection-rate ratio ≥ 0.8 for every group",
            "no more than 1 false page per week",
            "zero declines without a human review",
            "uptime of 99.9% or more",
            "alert fires within 5 minutes of a breach",
            "a drift monitor on income exists and has run in production",
            "the release pipeline fails a build that lacks a fairness report",
        ] {
            assert_eq!(check(criterion), Ok(()), "{criterion}");
        }
    }

    #[test]
    fn dates_references_hedges_and_evaluations_are_not_targets() {
        for (criterion, why) in [
            ("monitoring improved by Q3", "reference"),
            ("per the team's judgement", "hedged"),
            ("at least somewhat safer", "hedged"),
            ("fewer incidents", "no target"),
            ("see ticket 4312", "reference"),
            ("follow-up to INC-7 done by 2027-01-15", "reference"),
            ("model v2 is good", "reference"),
        ] {
            let found = check(criterion).unwrap_err();
            let kind = match found {
                Unmeasurable::NoTarget => "no target",
                Unmeasurable::OnlyReferences(_) => "reference",
                Unmeasurable::Hedged(_) => "hedged",
            };
            assert_eq!(kind, why, "{criterion}: {found:?}");
        }
    }
}
