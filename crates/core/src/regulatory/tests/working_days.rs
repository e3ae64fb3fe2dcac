//! Working days against the regime's holiday calendar, a configured
//! calendar and the organisation's closures; due days worked out by hand.

use super::*;

fn fda_five_working_days(aware_at: &str, config: Value) -> Case {
    let mut case = Case::new(
        fda_device(json!({"remedial_action_needed": "yes"})),
        aware_at,
    );
    case.config = config;
    case
}

fn due(expected: &str) -> String {
    format!(
        "
        reportable: yes
        fda_21cfr803: yes because jurisdictions=US, sectors=medical_device, roles=provider, serious_harm_to_health=yes
          mdr_report: due {expected}, 5 working days after clock start
        "
    )
}

#[test]
fn fda_work_days_skip_thanksgiving() {
    // Wednesday 25 November 2026, 10:00 EST. Thursday 26 is Thanksgiving, so:
    // Fri 27, Mon 30, Tue 1, Wed 2, Thu 3 December at 10:00 EST.
    check(
        fda_five_working_days(
            "2026-11-25T15:00:00Z",
            json!({"regimes": {"fda_21cfr803": {"time_zone": "America/New_York"}}}),
        ),
        &due("2026-12-03T15:00:00Z"),
    );
}

#[test]
fn fda_work_days_keep_the_wall_clock_across_new_york_autumn_change() {
    // Thursday 29 October 2026, 09:00 EDT (13:00Z). Clocks go back on Sunday
    // 1 November; Election Day (Tue 3) is not a federal holiday: Fri 30,
    // Mon 2, Tue 3, Wed 4, Thu 5 November at 09:00 EST (14:00Z).
    check(
        fda_five_working_days(
            "2026-10-29T13:00:00Z",
            json!({"regimes": {"fda_21cfr803": {"time_zone": "America/New_York"}}}),
        ),
        &due("2026-11-05T14:00:00Z"),
    );
}

#[test]
fn an_organisation_closure_adds_a_day_on_top_of_the_calendar() {
    // As for Thanksgiving, with the day after closed too: Mon 30, Tue 1,
    // Wed 2, Thu 3, Fri 4 December.
    check(
        fda_five_working_days(
            "2026-11-25T15:00:00Z",
            json!({"regimes": {"fda_21cfr803": {
                "time_zone": "America/New_York",
                "holidays": ["2026-11-27"],
            }}}),
        ),
        &due("2026-12-04T15:00:00Z"),
    );
}

#[test]
fn a_configured_calendar_replaces_the_regimes_own() {
    // Thursday 24 December 2026, 09:00 in London. With England's bank
    // holidays: Christmas (Fri 25), Boxing Day's substitute (Mon 28) and New
    // Year's Day (Fri 1) are skipped: Tue 29, Wed 30, Thu 31, Mon 4, Tue 5.
    check(
        fda_five_working_days(
            "2026-12-24T09:00:00Z",
            json!({"regimes": {"fda_21cfr803": {"time_zone": "Europe/London", "calendar": "GB"}}}),
        ),
        &due("2027-01-05T09:00:00Z"),
    );
    // The US calendar has no 28 December: Mon 28, Tue 29, Wed 30, Thu 31,
    // Mon 4.
    check(
        fda_five_working_days(
            "2026-12-24T09:00:00Z",
            json!({"regimes": {"fda_21cfr803": {"time_zone": "Europe/London"}}}),
        ),
        &due("2027-01-04T09:00:00Z"),
    );
}

#[test]
fn an_unknown_calendar_is_refused_by_field() {
    let config: RegulatoryConfig = serde_json::from_value(json!({"regimes": {
        "gdpr_art33": {"calendar": "XX"},
        "fda_21cfr803": {"calendar": "US"},
    }}))
    .unwrap();
    let error = config
        .check(RegimeTable::builtin())
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(
            "regimes.gdpr_art33.calendar: unknown calendar `XX`, expected one of US, EU, GB, GB-SCT, GB-NIR, AT,"
        ),
        "{error}"
    );
}

#[test]
fn every_regime_names_a_calendar_and_an_unknown_one_fails_the_table() {
    let table = RegimeTable::builtin();
    for regime in &table.regimes {
        assert!(regime.calendar.is_some(), "{} names no calendar", regime.id);
    }
    assert_eq!(
        table.regime("fda_21cfr803").unwrap().calendar.as_deref(),
        Some("US")
    );
    let mut text: Value = serde_json::to_value(table).unwrap();
    text["regimes"][1]["calendar"] = json!("Atlantis");
    let error = RegimeTable::from_json(&text.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("regimes[1].calendar: unknown calendar `Atlantis`, expected one of US,"),
        "{error}"
    );
}
