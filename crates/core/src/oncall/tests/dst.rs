//! Daylight saving: hand-offs at local wall-clock time, 23- and 25-hour
//! days, hand-offs inside the skipped hour and the repeated one, north and
//! south.

use super::*;

/// alice and bob alternate daily; with a Monday start bob has the Saturday
/// and alice the Sunday of the same week.
fn alternating(time_zone: &str, handoff: &str, start: &str) -> Schedule {
    schedule(
        time_zone,
        json!([layer(daily(), handoff, start, &["alice", "bob"])]),
        json!([]),
    )
}

#[test]
fn london_spring_forward_day_is_23_hours() {
    let s = alternating("Europe/London", "09:00", "2026-03-23T09:00");
    let shifts = final_shifts(&s, at("2026-03-28T09:00Z"), at("2026-03-30T08:00Z")).unwrap();
    assert_eq!(
        view(&s, "2026-03-28T09:00Z", "2026-03-30T08:00Z"),
        [
            "bob 2026-03-28T09:00:00Z 2026-03-29T08:00:00Z",
            "alice 2026-03-29T08:00:00Z 2026-03-30T08:00:00Z",
        ]
    );
    assert_eq!(hours(&shifts), [23.0, 24.0]);
}

#[test]
fn london_fall_back_day_is_25_hours() {
    let s = alternating("Europe/London", "09:00", "2026-10-19T09:00");
    let shifts = final_shifts(&s, at("2026-10-24T08:00Z"), at("2026-10-26T09:00Z")).unwrap();
    assert_eq!(
        view(&s, "2026-10-24T08:00Z", "2026-10-26T09:00Z"),
        [
            "bob 2026-10-24T08:00:00Z 2026-10-25T09:00:00Z",
            "alice 2026-10-25T09:00:00Z 2026-10-26T09:00:00Z",
        ]
    );
    assert_eq!(hours(&shifts), [25.0, 24.0]);
}

#[test]
fn new_york_spring_forward_and_fall_back_at_nine() {
    let spring = alternating("America/New_York", "09:00", "2026-03-02T09:00");
    let shifts = final_shifts(&spring, at("2026-03-07T14:00Z"), at("2026-03-09T13:00Z")).unwrap();
    assert_eq!(
        view(&spring, "2026-03-07T14:00Z", "2026-03-09T13:00Z"),
        [
            "bob 2026-03-07T14:00:00Z 2026-03-08T13:00:00Z",
            "alice 2026-03-08T13:00:00Z 2026-03-09T13:00:00Z",
        ]
    );
    assert_eq!(hours(&shifts), [23.0, 24.0]);
    // 08:59 EDT on the short day is still bob's, 09:00 EDT alice's.
    assert_eq!(who(&spring, "2026-03-08T12:59:59Z").as_deref(), Some("bob"));
    assert_eq!(
        who(&spring, "2026-03-08T13:00:00Z").as_deref(),
        Some("alice")
    );

    let fall = alternating("America/New_York", "09:00", "2026-10-26T09:00");
    let shifts = final_shifts(&fall, at("2026-10-31T13:00Z"), at("2026-11-02T14:00Z")).unwrap();
    assert_eq!(
        view(&fall, "2026-10-31T13:00Z", "2026-11-02T14:00Z"),
        [
            "bob 2026-10-31T13:00:00Z 2026-11-01T14:00:00Z",
            "alice 2026-11-01T14:00:00Z 2026-11-02T14:00:00Z",
        ]
    );
    assert_eq!(hours(&shifts), [25.0, 24.0]);
    let on_call = on_call_at(&fall, at("2026-11-01T13:30Z")).unwrap().unwrap();
    assert_eq!(
        (on_call.user.as_str(), on_call.start, on_call.end),
        ("bob", at("2026-10-31T13:00Z"), at("2026-11-01T14:00Z"))
    );
}

/// 02:30 does not exist in New York on 2026-03-08: the hand-off happens at
/// the first instant after the gap, 03:00 EDT.
#[test]
fn handoff_inside_the_skipped_hour_moves_to_the_end_of_the_gap() {
    let s = alternating("America/New_York", "02:30", "2026-03-02T02:30");
    let shifts = final_shifts(&s, at("2026-03-07T07:30Z"), at("2026-03-09T06:30Z")).unwrap();
    assert_eq!(
        view(&s, "2026-03-07T07:30Z", "2026-03-09T06:30Z"),
        [
            "bob 2026-03-07T07:30:00Z 2026-03-08T07:00:00Z",
            "alice 2026-03-08T07:00:00Z 2026-03-09T06:30:00Z",
        ]
    );
    assert_eq!(hours(&shifts), [23.5, 23.5]);
    assert_eq!(who(&s, "2026-03-08T06:59:59Z").as_deref(), Some("bob"));
    assert_eq!(who(&s, "2026-03-08T07:00:00Z").as_deref(), Some("alice"));

    // In London the gap is 01:00–02:00 GMT; a 01:30 hand-off is at 02:00 BST.
    let london = alternating("Europe/London", "01:30", "2026-03-23T01:30");
    assert_eq!(
        view(&london, "2026-03-28T01:30Z", "2026-03-30T00:30Z"),
        [
            "bob 2026-03-28T01:30:00Z 2026-03-29T01:00:00Z",
            "alice 2026-03-29T01:00:00Z 2026-03-30T00:30:00Z",
        ]
    );
}

/// 01:30 happens twice in New York on 2026-11-01: the hand-off is at the
/// first, 01:30 EDT, and the second 01:30 (EST) is already alice's.
#[test]
fn handoff_inside_the_repeated_hour_happens_at_the_earlier_instant() {
    let s = alternating("America/New_York", "01:30", "2026-10-26T01:30");
    let shifts = final_shifts(&s, at("2026-10-31T05:30Z"), at("2026-11-02T06:30Z")).unwrap();
    assert_eq!(
        view(&s, "2026-10-31T05:30Z", "2026-11-02T06:30Z"),
        [
            "bob 2026-10-31T05:30:00Z 2026-11-01T05:30:00Z",
            "alice 2026-11-01T05:30:00Z 2026-11-02T06:30:00Z",
        ]
    );
    assert_eq!(hours(&shifts), [24.0, 25.0]);
    assert_eq!(who(&s, "2026-11-01T06:30:00Z").as_deref(), Some("alice"));
}

/// Sydney falls back in April and springs forward in October.
#[test]
fn sydney_in_the_southern_hemisphere() {
    let s = alternating("Australia/Sydney", "09:00", "2026-03-30T09:00");
    let shifts = final_shifts(&s, at("2026-04-03T22:00Z"), at("2026-04-05T23:00Z")).unwrap();
    assert_eq!(
        view(&s, "2026-04-03T22:00Z", "2026-04-05T23:00Z"),
        [
            "bob 2026-04-03T22:00:00Z 2026-04-04T23:00:00Z",
            "alice 2026-04-04T23:00:00Z 2026-04-05T23:00:00Z",
        ]
    );
    assert_eq!(hours(&shifts), [25.0, 24.0]);
    // 2026-09-28 is a Monday, so bob has Saturday 3 October again.
    let s = alternating("Australia/Sydney", "09:00", "2026-09-28T09:00");
    let shifts = final_shifts(&s, at("2026-10-02T23:00Z"), at("2026-10-04T22:00Z")).unwrap();
    assert_eq!(
        view(&s, "2026-10-02T23:00Z", "2026-10-04T22:00Z"),
        [
            "bob 2026-10-02T23:00:00Z 2026-10-03T22:00:00Z",
            "alice 2026-10-03T22:00:00Z 2026-10-04T22:00:00Z",
        ]
    );
    assert_eq!(hours(&shifts), [23.0, 24.0]);
}

/// Hand-offs every hour: the two that fall in the skipped hour collapse
/// onto one instant, so one turn has no length and its participant is
/// skipped; the rotation order carries on. No shift is empty.
#[test]
fn hourly_rotation_across_the_skipped_hour_skips_an_empty_turn() {
    let s = schedule(
        "America/New_York",
        json!([layer(
            json!({"kind": "custom", "length": 1, "unit": "hours"}),
            "00:00",
            "2026-03-08T00:00",
            &["a", "b", "c"]
        )]),
        json!([]),
    );
    // Local 00:00 a, 01:00 b, 02:00 (skipped) c, 03:00 a, 04:00 b.
    assert_eq!(
        view(&s, "2026-03-08T05:00Z", "2026-03-08T09:00Z"),
        [
            "a 2026-03-08T05:00:00Z 2026-03-08T06:00:00Z",
            "b 2026-03-08T06:00:00Z 2026-03-08T07:00:00Z",
            "a 2026-03-08T07:00:00Z 2026-03-08T08:00:00Z",
            "b 2026-03-08T08:00:00Z 2026-03-08T09:00:00Z",
        ]
    );
    let on_call = on_call_at(&s, at("2026-03-08T07:30Z")).unwrap().unwrap();
    assert_eq!(on_call.source, Source::Layer { index: 0, turn: 3 });
}

/// The acceptance case of issue 14: the on-call answer across a DST change
/// and an override, with fixed dates.
#[test]
fn on_call_answer_across_a_dst_change_and_an_override() {
    let s = schedule(
        "America/New_York",
        json!([layer(
            daily(),
            "09:00",
            "2026-03-02T09:00",
            &["alice", "bob"]
        )]),
        // carol covers 10:00–12:00 EDT on the short day.
        json!([{"user": "carol", "start": "2026-03-08T14:00:00Z", "end": "2026-03-08T16:00:00Z"}]),
    );
    // 08:30 EDT is still Saturday's shift (bob), though 08:30 EST would not be.
    assert_eq!(who(&s, "2026-03-08T12:30Z").as_deref(), Some("bob"));
    assert_eq!(who(&s, "2026-03-08T13:30Z").as_deref(), Some("alice"));
    let carol = on_call_at(&s, at("2026-03-08T15:00Z")).unwrap().unwrap();
    assert_eq!(
        carol,
        OnCall {
            user: "carol".into(),
            source: Source::Override { index: 0 },
            start: at("2026-03-08T14:00Z"),
            end: at("2026-03-08T16:00Z"),
        }
    );
    let alice = on_call_at(&s, at("2026-03-08T17:00Z")).unwrap().unwrap();
    assert_eq!(
        (alice.start, alice.end),
        (at("2026-03-08T16:00Z"), at("2026-03-09T13:00Z"))
    );
    assert_eq!(
        view(&s, "2026-03-08T12:00Z", "2026-03-09T14:00Z"),
        [
            "bob 2026-03-08T12:00:00Z 2026-03-08T13:00:00Z",
            "alice 2026-03-08T13:00:00Z 2026-03-08T14:00:00Z",
            "carol 2026-03-08T14:00:00Z 2026-03-08T16:00:00Z",
            "alice 2026-03-08T16:00:00Z 2026-03-09T13:00:00Z",
            "bob 2026-03-09T13:00:00Z 2026-03-09T14:00:00Z",
        ]
    );
}
