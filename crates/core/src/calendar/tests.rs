//! The shipped calendars against dates worked out by hand from the laws and
//! published lists, not by the rules under test.

use super::*;
use jiff::civil::date;

fn listed(id: &str, year: i16) -> Vec<String> {
    let calendar = Calendar::named(id).unwrap();
    calendar
        .holidays_in(year)
        .iter()
        .map(|day| match day.kind {
            HolidayKind::Day => day.date.to_string(),
            HolidayKind::Observed => format!("{} observed", day.date),
        })
        .collect()
}

#[test]
fn western_easter_matches_the_published_dates() {
    let known = [
        (1970, "1970-03-29"),
        (1981, "1981-04-19"),
        (2000, "2000-04-23"),
        (2008, "2008-03-23"),
        (2011, "2011-04-24"),
        (2019, "2019-04-21"),
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2026, "2026-04-05"),
        (2027, "2027-03-28"),
        (2028, "2028-04-16"),
        (2038, "2038-04-25"),
        // The earliest possible Easter, outside the calendars' years.
        (1818, "1818-03-22"),
        (2285, "2285-03-22"),
    ];
    for (year, expected) in known {
        assert_eq!(easter(year).unwrap().to_string(), expected, "{year}");
    }
}

#[test]
fn orthodox_easter_matches_the_published_dates() {
    let known = [
        (2017, "2017-04-16"),
        (2021, "2021-05-02"),
        (2023, "2023-04-16"),
        (2024, "2024-05-05"),
        (2025, "2025-04-20"),
        (2026, "2026-04-12"),
        (2027, "2027-05-02"),
        (2028, "2028-04-16"),
        (2030, "2030-04-28"),
    ];
    for (year, expected) in known {
        assert_eq!(
            orthodox_easter(year).unwrap().to_string(),
            expected,
            "{year}"
        );
    }
}

#[test]
fn us_federal_holidays_with_their_observed_days() {
    // 2025 has no weekend holiday and 1 January 2026 is a Thursday.
    assert_eq!(
        listed("US", 2025),
        [
            "2025-01-01",
            "2025-01-20",
            "2025-02-17",
            "2025-05-26",
            "2025-06-19",
            "2025-07-04",
            "2025-09-01",
            "2025-10-13",
            "2025-11-11",
            "2025-11-27",
            "2025-12-25",
        ]
    );
    // 4 July 2026 is a Saturday: observed on Friday 3 July.
    assert_eq!(
        listed("US", 2026),
        [
            "2026-01-01",
            "2026-01-19",
            "2026-02-16",
            "2026-05-25",
            "2026-06-19",
            "2026-07-03 observed",
            "2026-07-04",
            "2026-09-07",
            "2026-10-12",
            "2026-11-11",
            "2026-11-26",
            "2026-12-25",
        ]
    );
    // Juneteenth on Saturday, Independence Day on Sunday, Christmas on
    // Saturday, and 1 January 2028 a Saturday observed on Friday 31 December.
    assert_eq!(
        listed("US", 2027),
        [
            "2027-01-01",
            "2027-01-18",
            "2027-02-15",
            "2027-05-31",
            "2027-06-18 observed",
            "2027-06-19",
            "2027-07-04",
            "2027-07-05 observed",
            "2027-09-06",
            "2027-10-11",
            "2027-11-11",
            "2027-11-25",
            "2027-12-24 observed",
            "2027-12-25",
            "2027-12-31 observed",
        ]
    );
    // Juneteenth is a holiday from 2021 only.
    let us = Calendar::named("US").unwrap();
    assert!(!us.is_holiday(date(2020, 6, 19)));
    assert!(us.is_holiday(date(2021, 6, 18)));
}

#[test]
fn england_and_wales_bank_holidays_with_substitute_days() {
    // Boxing Day 2026 is a Saturday: Monday 28 December.
    assert_eq!(
        listed("GB", 2026),
        [
            "2026-01-01",
            "2026-04-03",
            "2026-04-06",
            "2026-05-04",
            "2026-05-25",
            "2026-08-31",
            "2026-12-25",
            "2026-12-26",
            "2026-12-28 observed",
        ]
    );
    // Christmas on Saturday and Boxing Day on Sunday: Monday 27, Tuesday 28.
    assert_eq!(
        listed("GB", 2027),
        [
            "2027-01-01",
            "2027-03-26",
            "2027-03-29",
            "2027-05-03",
            "2027-05-31",
            "2027-08-30",
            "2027-12-25",
            "2027-12-26",
            "2027-12-27 observed",
            "2027-12-28 observed",
        ]
    );
    // 2022: New Year on Saturday, the Jubilee weekend moved the spring bank
    // holiday, the Queen's funeral, and Christmas on Sunday with Boxing Day
    // on Monday, so Christmas is kept on Tuesday 27.
    assert_eq!(
        listed("GB", 2022),
        [
            "2022-01-01",
            "2022-01-03 observed",
            "2022-04-15",
            "2022-04-18",
            "2022-05-02",
            "2022-06-02",
            "2022-06-03",
            "2022-08-29",
            "2022-09-19",
            "2022-12-25",
            "2022-12-26",
            "2022-12-27 observed",
        ]
    );
}

#[test]
fn scotland_keeps_two_new_year_days_and_st_andrews_day() {
    // 1 January 2022 a Saturday, 2 January a Sunday: Monday 3 and Tuesday 4.
    let scotland = listed("GB-SCT", 2022);
    assert_eq!(
        scotland[..4],
        [
            "2022-01-01",
            "2022-01-02",
            "2022-01-03 observed",
            "2022-01-04 observed"
        ]
    );
    let scotland = Calendar::named("GB-SCT").unwrap();
    // St Andrew's Day 2025 is a Sunday: Monday 1 December.
    assert!(scotland.is_holiday(date(2025, 12, 1)));
    assert!(scotland.is_holiday(date(2026, 6, 15)));
    assert!(!scotland.is_holiday(date(2026, 4, 6)), "no Easter Monday");
}

#[test]
fn germany_and_france_nationwide_holidays() {
    assert_eq!(
        listed("DE", 2026),
        [
            "2026-01-01",
            "2026-04-03",
            "2026-04-06",
            "2026-05-01",
            "2026-05-14",
            "2026-05-25",
            "2026-10-03",
            "2026-12-25",
            "2026-12-26",
        ]
    );
    assert_eq!(
        listed("FR", 2026),
        [
            "2026-01-01",
            "2026-04-06",
            "2026-05-01",
            "2026-05-08",
            "2026-05-14",
            "2026-05-25",
            "2026-07-14",
            "2026-08-15",
            "2026-11-01",
            "2026-11-11",
            "2026-12-25",
        ]
    );
    assert_eq!(
        listed("DE", 2027),
        [
            "2027-01-01",
            "2027-03-26",
            "2027-03-29",
            "2027-05-01",
            "2027-05-06",
            "2027-05-17",
            "2027-10-03",
            "2027-12-25",
            "2027-12-26",
        ]
    );
}

#[test]
fn ireland_keeps_st_brigids_day_on_the_first_monday_unless_1_february_is_a_friday() {
    assert_eq!(
        listed("IE", 2026),
        [
            "2026-01-01",
            "2026-02-02",
            "2026-03-17",
            "2026-04-06",
            "2026-05-04",
            "2026-06-01",
            "2026-08-03",
            "2026-10-26",
            "2026-12-25",
            "2026-12-26",
        ]
    );
    let ireland = Calendar::named("IE").unwrap();
    let brigid = |year| {
        ireland
            .holidays_in(year)
            .into_iter()
            .find(|day| day.name == "St Brigid's Day")
            .map(|day| day.date.to_string())
    };
    assert_eq!(brigid(2022), None, "a public holiday from 2023");
    assert_eq!(
        brigid(2023).as_deref(),
        Some("2023-02-06"),
        "1 Feb a Wednesday"
    );
    assert_eq!(
        brigid(2025).as_deref(),
        Some("2025-02-03"),
        "1 Feb a Saturday"
    );
    assert_eq!(
        brigid(2027).as_deref(),
        Some("2027-02-01"),
        "1 Feb a Monday"
    );
    assert_eq!(
        brigid(2030).as_deref(),
        Some("2030-02-01"),
        "1 Feb a Friday"
    );
}

#[test]
fn eu_institutions_holidays_for_2026() {
    assert_eq!(
        listed("EU", 2026),
        [
            "2026-01-01",
            "2026-01-02",
            "2026-04-02",
            "2026-04-03",
            "2026-04-06",
            "2026-05-01",
            "2026-05-09",
            "2026-05-14",
            "2026-05-15",
            "2026-05-25",
            "2026-07-21",
            "2026-08-15",
            "2026-11-01",
            "2026-11-02",
            "2026-12-24",
            "2026-12-25",
            "2026-12-26",
            "2026-12-27",
            "2026-12-28",
            "2026-12-29",
            "2026-12-30",
            "2026-12-31",
        ]
    );
}

#[test]
fn orthodox_countries_count_from_orthodox_easter() {
    // Orthodox Easter 2026 is 12 April: Clean Monday 23 February, Good
    // Friday 10 April, Easter Monday 13 April, Holy Spirit Monday 1 June.
    let greece = Calendar::named("GR").unwrap();
    for day in [
        date(2026, 2, 23),
        date(2026, 4, 10),
        date(2026, 4, 13),
        date(2026, 6, 1),
    ] {
        assert!(greece.is_holiday(day), "{day}");
    }
    assert!(
        !greece.is_holiday(date(2026, 4, 6)),
        "Western Easter Monday"
    );
    // Bulgaria's Unification Day, Sunday 6 September 2026, gives Monday 7.
    let bulgaria = Calendar::named("BG").unwrap();
    assert!(bulgaria.is_holiday(date(2026, 9, 7)));
    assert!(!bulgaria.is_holiday(date(2026, 4, 14)), "no day for Easter");
}

#[test]
fn rules_that_start_end_or_skip_a_year() {
    let holiday = |id: &str, day| Calendar::named(id).unwrap().is_holiday(day);
    assert!(holiday("DK", date(2023, 5, 5)), "Great Prayer Day 2023");
    assert!(!holiday("DK", date(2024, 4, 26)), "abolished from 2024");
    assert!(!holiday("PL", date(2024, 12, 24)));
    assert!(holiday("PL", date(2025, 12, 24)));
    assert!(!holiday("IT", date(2025, 10, 4)), "a Saturday, and not yet");
    assert!(holiday("IT", date(2027, 10, 4)));
    assert!(!holiday("SK", date(2026, 5, 8)));
    assert!(holiday("SK", date(2025, 5, 8)));
    assert!(!holiday("GB", date(2020, 5, 4)), "moved to VE Day");
    assert!(holiday("GB", date(2020, 5, 8)));
    // Midsummer Eve is the Friday from 19 June: 19 June 2026, 25 June 2027.
    assert!(holiday("SE", date(2026, 6, 19)));
    assert!(holiday("FI", date(2027, 6, 25)));
    // King's Day on Sunday 27 April 2025 was kept on Saturday 26 April.
    assert!(holiday("NL", date(2025, 4, 26)));
    assert!(!holiday("NL", date(2025, 4, 27)));
}

#[test]
fn every_eu_member_state_has_a_calendar_and_ids_are_listed() {
    let table = CalendarTable::builtin();
    let regimes = crate::regulatory::RegimeTable::builtin();
    for code in &regimes.jurisdiction_groups["EU"] {
        assert!(table.calendar(code).is_some(), "no calendar for {code}");
    }
    for id in ["US", "EU", "GB", "GB-SCT", "GB-NIR"] {
        assert!(table.calendar(id).is_some(), "no calendar {id}");
    }
    let error = table.find("XX").unwrap_err().to_string();
    assert!(
        error.starts_with("unknown calendar `XX`, expected one of US, EU, GB,"),
        "{error}"
    );
}

#[test]
fn years_outside_the_range_have_no_holidays_and_do_not_panic() {
    let us = Calendar::named("US").unwrap();
    assert!(us.holidays_in(1969).is_empty());
    assert!(us.holidays_in(2200).is_empty());
    assert!(us.holidays_in(i16::MIN).is_empty());
    assert!(us.holidays_in(i16::MAX).is_empty());
    assert!(!us.is_holiday(date(9999, 12, 25)));
    assert!(!listed("US", 2199).is_empty());
    assert!(!listed("GB", 1970).is_empty());
    assert!(Calendar::none().holidays_in(2026).is_empty());
}

#[test]
fn table_check_names_the_broken_rule() {
    let table = |holiday: &str| {
        CalendarTable::from_json(&format!(
            r#"{{"version": "t", "reviewed_through": 2026, "notes": "", "calendars": [
                {{"id": "X", "name": "", "source": "", "notes": "", "holidays": [{holiday}]}},
                {{"id": "X", "name": "", "source": "", "notes": "", "holidays": []}}]}}"#
        ))
        .unwrap_err()
        .to_string()
    };
    let leap = table(r#"{"name": "Leap", "on": {"date": "02-29"}}"#);
    assert!(
        leap.starts_with("calendars: `02-29` is not a month and day written MM-DD at line 2"),
        "{leap}"
    );
    assert_eq!(
        table(r#"{"name": "Odd", "on": {"easter": 1}, "from": 2030, "until": 2020}"#),
        "calendars[0].holidays[0]: `Odd`: from 2030 is after until 2020; \
         calendars[1].id: duplicate calendar id"
    );
    assert_eq!(
        table(
            r#"{"name": "Fifth", "on": {"nth_weekday": {"month": 5, "weekday": "monday", "nth": 5}}}"#
        ),
        "calendars[0].holidays[0]: `Fifth`: month must be 1 to 12 and nth 1 to 4, or -1 for the last; \
         calendars[1].id: duplicate calendar id"
    );
}
