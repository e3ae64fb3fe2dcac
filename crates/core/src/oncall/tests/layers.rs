//! Rotations, layers, restrictions and overrides.

use super::*;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;

fn local(time_zone: &str, t: Timestamp) -> jiff::civil::DateTime {
    TimeZone::get(time_zone).unwrap().to_datetime(t)
}

#[test]
fn weekly_rotation_across_a_year_hands_off_on_monday_at_nine_local() {
    let s = schedule(
        "Europe/London",
        json!([layer(
            json!({"kind": "weekly"}),
            "09:00",
            "2026-01-05T09:00",
            &["a", "b", "c", "d"]
        )]),
        json!([]),
    );
    let shifts = final_shifts(&s, at("2026-01-05T09:00Z"), at("2027-01-04T09:00Z")).unwrap();
    assert_eq!(shifts.len(), 52);
    for (i, shift) in shifts.iter().enumerate() {
        let start = local("Europe/London", shift.start);
        assert_eq!(
            (start.weekday(), start.time()),
            (Weekday::Monday, Time::constant(9, 0, 0, 0))
        );
        assert_eq!(shift.user, ["a", "b", "c", "d"][i % 4]);
        assert_eq!(shift.parts.len(), 1);
    }
    let lengths = hours(&shifts);
    // The weeks of 23 March (clocks forward) and 19 October (back).
    assert_eq!(lengths[11], 167.0);
    assert_eq!(lengths[41], 169.0);
    assert_eq!(lengths.iter().filter(|h| **h == 168.0).count(), 50);
}

#[test]
fn twelve_hour_rotation_keeps_eight_and_eight_local() {
    let s = schedule(
        "America/New_York",
        json!([layer(
            json!({"kind": "custom", "length": 12, "unit": "hours"}),
            "08:00",
            "2026-03-02T08:00",
            &["a", "b", "c"]
        )]),
        json!([]),
    );
    let shifts = final_shifts(&s, at("2026-03-06T13:00Z"), at("2026-03-10T12:00Z")).unwrap();
    assert_eq!(shifts.len(), 8);
    for shift in &shifts {
        let start = local("America/New_York", shift.start).time();
        assert!(start == Time::constant(8, 0, 0, 0) || start == Time::constant(20, 0, 0, 0));
    }
    // The night of the spring-forward is 11 hours.
    assert_eq!(
        hours(&shifts),
        [12.0, 12.0, 12.0, 11.0, 12.0, 12.0, 12.0, 12.0]
    );
    // Turn 0 starts 2026-03-02 08:00; turn 8 (Friday 08:00) is c's.
    assert_eq!(shifts[0].user, "c");
}

#[test]
fn custom_rotation_in_days() {
    let s = schedule(
        "UTC",
        json!([layer(
            json!({"kind": "custom", "length": 3, "unit": "days"}),
            "09:00",
            "2026-03-02T09:00",
            &["a", "b"]
        )]),
        json!([]),
    );
    assert_eq!(
        view(&s, "2026-03-02T09:00Z", "2026-03-11T09:00Z"),
        [
            "a 2026-03-02T09:00:00Z 2026-03-05T09:00:00Z",
            "b 2026-03-05T09:00:00Z 2026-03-08T09:00:00Z",
            "a 2026-03-08T09:00:00Z 2026-03-11T09:00:00Z",
        ]
    );
}

/// A start before the day's hand-off gives the first participant a short
/// first turn; before the start the layer has nobody.
#[test]
fn the_first_turn_runs_from_the_start_to_the_first_handoff() {
    let s = schedule(
        "UTC",
        json!([layer(daily(), "09:00", "2026-03-02T00:00", &["a", "b"])]),
        json!([]),
    );
    assert_eq!(
        view(&s, "2026-03-01T00:00Z", "2026-03-03T12:00Z"),
        [
            "a 2026-03-02T00:00:00Z 2026-03-02T09:00:00Z",
            "b 2026-03-02T09:00:00Z 2026-03-03T09:00:00Z",
            "a 2026-03-03T09:00:00Z 2026-03-03T12:00:00Z",
        ]
    );
    assert_eq!(who(&s, "2026-03-01T23:59:59Z"), None);
    assert_eq!(on_call_at(&s, Timestamp::MIN).unwrap(), None);
}

/// Business hours on top, nights and weekends from the layer below.
fn business_hours_over_nights(with_lower: bool) -> Schedule {
    let mut day = layer(daily(), "09:00", "2026-01-05T09:00", &["bob", "carol"]);
    day["restrictions"] = json!([{
        "days": ["monday", "tuesday", "wednesday", "thursday", "friday"],
        "start": "09:00",
        "end": "17:00",
    }]);
    let night = layer(
        json!({"kind": "weekly"}),
        "09:00",
        "2026-01-05T09:00",
        &["night"],
    );
    let layers = if with_lower {
        json!([night, day])
    } else {
        json!([day])
    };
    schedule("Europe/London", layers, json!([]))
}

#[test]
fn restrictions_leave_gaps_that_lower_layers_fill() {
    let s = business_hours_over_nights(true);
    assert_eq!(
        view(&s, "2026-01-09T00:00Z", "2026-01-13T00:00Z"),
        [
            "night 2026-01-09T00:00:00Z 2026-01-09T09:00:00Z",
            "bob 2026-01-09T09:00:00Z 2026-01-09T17:00:00Z",
            "night 2026-01-09T17:00:00Z 2026-01-12T09:00:00Z",
            "carol 2026-01-12T09:00:00Z 2026-01-12T17:00:00Z",
            "night 2026-01-12T17:00:00Z 2026-01-13T00:00:00Z",
        ]
    );
    // Saturday 03:00: the weekend is the lower layer's.
    let saturday = on_call_at(&s, at("2026-01-10T03:00Z")).unwrap().unwrap();
    assert_eq!(saturday.source, Source::Layer { index: 0, turn: 0 });
    assert_eq!(
        (saturday.start, saturday.end),
        (at("2026-01-09T17:00Z"), at("2026-01-12T09:00Z"))
    );
    let friday = on_call_at(&s, at("2026-01-09T12:00Z")).unwrap().unwrap();
    assert_eq!(friday.source, Source::Layer { index: 1, turn: 4 });
    assert_eq!(
        (friday.start, friday.end),
        (at("2026-01-09T09:00Z"), at("2026-01-09T17:00Z"))
    );

    // Without the layer below, nobody is on call outside business hours.
    let alone = business_hours_over_nights(false);
    assert_eq!(who(&alone, "2026-01-10T03:00Z"), None);
    assert_eq!(
        view(&alone, "2026-01-09T00:00Z", "2026-01-13T00:00Z"),
        [
            "bob 2026-01-09T09:00:00Z 2026-01-09T17:00:00Z",
            "carol 2026-01-12T09:00:00Z 2026-01-12T17:00:00Z",
        ]
    );
}

#[test]
fn a_window_ending_before_it_starts_runs_into_the_next_day() {
    let mut owl = layer(daily(), "09:00", "2026-01-05T09:00", &["owl"]);
    owl["restrictions"] = json!([{"days": ["friday"], "start": "22:00", "end": "06:00"}]);
    let s = schedule("UTC", json!([owl]), json!([]));
    assert_eq!(who(&s, "2026-01-09T21:59:59Z"), None);
    assert_eq!(who(&s, "2026-01-09T22:00Z").as_deref(), Some("owl"));
    assert_eq!(who(&s, "2026-01-10T05:59:59Z").as_deref(), Some("owl"));
    assert_eq!(who(&s, "2026-01-10T06:00Z"), None);
    // The hand-off at 09:00 does not fall inside the window; the stretch is
    // the window, split at no hand-off.
    let on_call = on_call_at(&s, at("2026-01-10T01:00Z")).unwrap().unwrap();
    assert_eq!(
        (on_call.start, on_call.end),
        (at("2026-01-09T22:00Z"), at("2026-01-10T06:00Z"))
    );
}

#[test]
fn the_higher_layer_wins_where_both_have_someone() {
    let s = schedule(
        "UTC",
        json!([
            layer(daily(), "09:00", "2026-03-02T09:00", &["low"]),
            layer(daily(), "09:00", "2026-03-04T09:00", &["high"]),
        ]),
        json!([]),
    );
    assert_eq!(who(&s, "2026-03-03T12:00Z").as_deref(), Some("low"));
    assert_eq!(who(&s, "2026-03-04T09:00Z").as_deref(), Some("high"));
}

fn alice_daily(overrides: Value) -> Schedule {
    schedule(
        "UTC",
        json!([layer(daily(), "09:00", "2026-03-02T09:00", &["alice"])]),
        overrides,
    )
}

#[test]
fn an_override_splits_a_shift() {
    let s = alice_daily(json!([
        {"user": "dave", "start": "2026-03-02T12:00:00Z", "end": "2026-03-02T14:00:00Z"}
    ]));
    assert_eq!(
        view(&s, "2026-03-02T09:00Z", "2026-03-04T09:00Z"),
        [
            "alice 2026-03-02T09:00:00Z 2026-03-02T12:00:00Z",
            "dave 2026-03-02T12:00:00Z 2026-03-02T14:00:00Z",
            "alice 2026-03-02T14:00:00Z 2026-03-04T09:00:00Z",
        ]
    );
    let shifts = final_shifts(&s, at("2026-03-02T09:00Z"), at("2026-03-04T09:00Z")).unwrap();
    // alice's last shift joins two turns of the layer.
    let sources: Vec<Source> = shifts[2].parts.iter().map(|p| p.source).collect();
    assert_eq!(
        sources,
        [
            Source::Layer { index: 0, turn: 0 },
            Source::Layer { index: 0, turn: 1 }
        ]
    );
    let before = on_call_at(&s, at("2026-03-02T10:00Z")).unwrap().unwrap();
    assert_eq!(
        (before.start, before.end),
        (at("2026-03-02T09:00Z"), at("2026-03-02T12:00Z"))
    );
}

/// Overlapping overrides: the later in the list (made later) wins where they
/// overlap.
#[test]
fn of_overlapping_overrides_the_later_one_wins() {
    let s = alice_daily(json!([
        {"user": "dave", "start": "2026-03-02T12:00:00Z", "end": "2026-03-02T16:00:00Z"},
        {"user": "erin", "start": "2026-03-02T14:00:00Z", "end": "2026-03-02T18:00:00Z"},
    ]));
    assert_eq!(
        view(&s, "2026-03-02T11:00Z", "2026-03-02T19:00Z"),
        [
            "alice 2026-03-02T11:00:00Z 2026-03-02T12:00:00Z",
            "dave 2026-03-02T12:00:00Z 2026-03-02T14:00:00Z",
            "erin 2026-03-02T14:00:00Z 2026-03-02T18:00:00Z",
            "alice 2026-03-02T18:00:00Z 2026-03-02T19:00:00Z",
        ]
    );
    let dave = on_call_at(&s, at("2026-03-02T13:00Z")).unwrap().unwrap();
    assert_eq!(
        (dave.source, dave.start, dave.end),
        (
            Source::Override { index: 0 },
            at("2026-03-02T12:00Z"),
            at("2026-03-02T14:00Z")
        )
    );
    // An override inside an earlier one splits it in two.
    let s = alice_daily(json!([
        {"user": "dave", "start": "2026-03-02T12:00:00Z", "end": "2026-03-02T18:00:00Z"},
        {"user": "erin", "start": "2026-03-02T14:00:00Z", "end": "2026-03-02T15:00:00Z"},
    ]));
    let dave = on_call_at(&s, at("2026-03-02T16:00Z")).unwrap().unwrap();
    assert_eq!(
        (dave.start, dave.end),
        (at("2026-03-02T15:00Z"), at("2026-03-02T18:00Z"))
    );
}

/// An override by the person already on call changes who arranged it, not
/// who is on call: one shift of three stretches.
#[test]
fn adjacent_stretches_of_one_person_join_into_one_shift() {
    let s = alice_daily(json!([
        {"user": "alice", "start": "2026-03-02T12:00:00Z", "end": "2026-03-02T14:00:00Z"}
    ]));
    let shifts = final_shifts(&s, at("2026-03-02T09:00Z"), at("2026-03-03T09:00Z")).unwrap();
    assert_eq!(shifts.len(), 1);
    let sources: Vec<Source> = shifts[0].parts.iter().map(|p| p.source).collect();
    assert_eq!(
        sources,
        [
            Source::Layer { index: 0, turn: 0 },
            Source::Override { index: 0 },
            Source::Layer { index: 0, turn: 0 }
        ]
    );
}

#[test]
fn shifts_are_cut_to_the_range() {
    let s = alice_daily(json!([]));
    assert_eq!(
        view(&s, "2026-03-05T00:00Z", "2026-03-05T01:00Z"),
        ["alice 2026-03-05T00:00:00Z 2026-03-05T01:00:00Z"]
    );
}
