//! Fuzz tests (property-based, `FIREBREAK_FUZZ_CASES` cases per target) of
//! core's parsers: public ids, hex, canonical JSON, the regulatory table and
//! questionnaire, the blame lexicon and lint on arbitrary text, and on-call
//! schedules and escalation policies.

use firebreak_core::blame::{find_phrases, words};
use firebreak_core::canonical::canonical_json;
use firebreak_core::checkpoint::parse_hex;
use firebreak_core::incident::{parse_public_id, public_id};
use firebreak_core::lint::{LintConfig, lint_text};
use firebreak_core::oncall::{
    EscalationPolicy, Schedule, WorkingHours, escalation_steps, final_shifts, ical_for_user,
    on_call_at,
};
use firebreak_core::regulatory::{
    Questionnaire, RegimeTable, RegulatoryConfig, decide_applicability,
};
use firebreak_core::timeline::hex;
use firebreak_fuzz::{apply_byte_edits, byte_edits, config, json, mutated_json, text};
use proptest::prelude::*;
use serde_json::Value;

const REGIMES: &str = include_str!("../../src/regulatory/regimes.json");

fn id_like() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        (
            proptest::sample::select(vec!["INC-", "inc-", "", "Inc-", "INC--"]),
            text()
        )
            .prop_map(|(prefix, rest)| format!("{prefix}{rest}")),
        (
            proptest::sample::select(vec!["INC-", "inc-", ""]),
            any::<u64>(),
            proptest::sample::select(vec!["", "+", "-", "0", " "])
        )
            .prop_map(|(prefix, n, sign)| format!("{prefix}{sign}{n}")),
    ]
}

proptest! {
    #![proptest_config(config(1))]

    /// An id that parses is one way of writing `INC-<n>`: the prefix (any
    /// case the doc allows) and the decimal digits of n, nothing else.
    #[test]
    fn public_ids_parse_only_their_own_spellings(id in id_like()) {
        if let Ok(number) = parse_public_id(&id) {
            let digits = id.strip_prefix("INC-").or_else(|| id.strip_prefix("inc-")).unwrap_or(&id);
            prop_assert!(number > 0);
            prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()), "`{id}` parsed as {}", public_id(number));
            prop_assert_eq!(parse_public_id(&public_id(number)), Ok(number));
        }
    }

    /// Hex that parses is hex: writing the bytes back gives the same text.
    #[test]
    fn hex_parses_only_hex(text in prop_oneof![text(), "[0-9a-fA-F+ -]{0,16}"]) {
        if let Some(bytes) = parse_hex(&text) {
            prop_assert_eq!(hex(&bytes), text.to_lowercase());
        }
    }

    /// Canonical JSON is JSON of the same value, and canonical once written.
    #[test]
    fn canonical_json_reads_back_and_is_stable(value in json()) {
        let canonical = canonical_json(&value);
        let read: Value = serde_json::from_str(&canonical).expect("canonical JSON is JSON");
        prop_assert_eq!(canonical_json(&read), canonical);
    }

    #[test]
    fn blame_lexicon_and_lint_take_arbitrary_text(
        text in text(),
        phrases in proptest::collection::vec(text(), 0..4),
        people in proptest::collection::vec(text(), 0..3),
    ) {
        let _ = (words(&text), find_phrases(&text, &phrases));
        for finding in lint_text("summary", &text, &LintConfig::default(), &people) {
            prop_assert!(finding.line >= 1 && finding.column >= 1);
        }
    }

    #[test]
    fn questionnaires_take_arbitrary_json(value in json()) {
        if let Ok(questionnaire) = serde_json::from_value::<Questionnaire>(value) {
            let _ = decide_applicability(RegimeTable::builtin(), &questionnaire, &RegulatoryConfig::default(), jiff::Timestamp::UNIX_EPOCH);
        }
    }
}

proptest! {
    #![proptest_config(config(4))]

    #[test]
    fn regime_tables_take_mutated_json(value in mutated_json(vec![serde_json::from_str(REGIMES).unwrap()])) {
        if let Ok(table) = RegimeTable::from_json(&value.to_string()) {
            let questionnaire = Questionnaire::default();
            let _ = decide_applicability(&table, &questionnaire, &RegulatoryConfig::default(), jiff::Timestamp::UNIX_EPOCH);
        }
    }

    #[test]
    fn regime_tables_take_mutated_text(edits in byte_edits()) {
        let text = String::from_utf8_lossy(&apply_byte_edits(REGIMES.as_bytes(), &edits)).into_owned();
        let _ = RegimeTable::from_json(&text);
    }
}

/// A schedule with every feature: two layers, restrictions, an override.
fn schedule_sample() -> Value {
    serde_json::json!({
        "slug": "ml-primary",
        "name": "ML primary",
        "time_zone": "America/New_York",
        "layers": [
            {"rotation": {"kind": "weekly"}, "handoff": "09:00", "start": "2026-03-02T09:00",
             "participants": ["alice", "bob"]},
            {"name": "day", "rotation": {"kind": "custom", "length": 12, "unit": "hours"},
             "handoff": "02:30", "start": "2026-03-02T02:30", "participants": ["carol"],
             "restrictions": [{"days": ["monday", "friday"], "start": "22:00", "end": "06:00"}]}
        ],
        "overrides": [{"user": "dave", "start": "2026-03-08T06:00:00Z", "end": "2026-03-08T08:00:00Z"}]
    })
}

fn policy_sample() -> Value {
    serde_json::json!({
        "slug": "scoring",
        "name": "Scoring",
        "levels": [
            {"targets": [{"kind": "schedule", "schedule": "ml-primary"}], "timeout_minutes": 10},
            {"targets": [{"kind": "team", "team": "ml"}, {"kind": "user", "user": "lead"}], "timeout_minutes": 1440}
        ],
        "repeat": 2,
        "urgency": {"sev4": "low"}
    })
}

proptest! {
    #![proptest_config(config(8))]

    /// A schedule that deserializes is answered or refused, never a panic,
    /// whatever its numbers, dates and zones.
    #[test]
    fn schedules_take_mutated_json(value in mutated_json(vec![schedule_sample()])) {
        if let Ok(schedule) = serde_json::from_value::<Schedule>(value) {
            let from: jiff::Timestamp = "2026-03-07T00:00:00Z".parse().unwrap();
            let to: jiff::Timestamp = "2026-03-10T00:00:00Z".parse().unwrap();
            let _ = on_call_at(&schedule, from);
            let _ = on_call_at(&schedule, jiff::Timestamp::MAX);
            let _ = final_shifts(&schedule, from, to);
            let _ = ical_for_user(std::slice::from_ref(&schedule), "alice", from, to, from);
        }
    }

    #[test]
    fn policies_take_mutated_json(value in mutated_json(vec![policy_sample()])) {
        if let Ok(policy) = serde_json::from_value::<EscalationPolicy>(value) {
            let at: jiff::Timestamp = "2026-03-07T00:00:00Z".parse().unwrap();
            for severity in firebreak_core::incident::Severity::ALL {
                let _ = escalation_steps(&policy, severity, at, &WorkingHours::office("Europe/London"));
            }
        }
    }
}
