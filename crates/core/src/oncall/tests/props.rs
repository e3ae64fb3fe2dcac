//! Properties over random schedules in zones with daylight saving (north,
//! south, half-hour and 45-minute offsets): the final view is sorted,
//! without overlaps and inside its range, and `on_call_at` agrees with it at
//! every instant sampled.

use super::*;
use firebreak_fuzz::config;
use jiff::SignedDuration;
use proptest::prelude::*;

const ZONES: [&str; 7] = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Santiago",
];
const PEOPLE: [&str; 5] = ["a", "b", "c", "d", "e"];
const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// 2026-01-01T00:00Z: the random schedules and ranges start from here and
/// span the March and April clock changes.
fn epoch() -> Timestamp {
    at("2026-01-01T00:00Z")
}

fn minutes(m: u32) -> SignedDuration {
    SignedDuration::from_mins(i64::from(m))
}

fn local_time() -> impl Strategy<Value = String> {
    (0..24u8, 0..4u8).prop_map(|(h, q)| format!("{h:02}:{:02}", q * 15))
}

fn rotation() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"kind": "daily"})),
        Just(json!({"kind": "weekly"})),
        (1..49u32).prop_map(|n| json!({"kind": "custom", "length": n, "unit": "hours"})),
        (1..10u32).prop_map(|n| json!({"kind": "custom", "length": n, "unit": "days"})),
    ]
}

fn window() -> impl Strategy<Value = Value> {
    (
        proptest::sample::subsequence(DAYS.to_vec(), 1..=7),
        local_time(),
        local_time(),
    )
        .prop_map(|(days, start, end)| json!({"days": days, "start": start, "end": end}))
}

fn a_layer() -> impl Strategy<Value = Value> {
    (
        rotation(),
        local_time(),
        0..120u32,
        local_time(),
        proptest::collection::vec(proptest::sample::select(PEOPLE.to_vec()), 1..4),
        prop_oneof![
            2 => Just(vec![]),
            1 => proptest::collection::vec(window(), 1..3),
        ],
    )
        .prop_map(|(rotation, handoff, day, time, people, windows)| {
            let date = jiff::civil::date(2026, 1, 1)
                .checked_add(jiff::Span::new().days(day))
                .unwrap();
            json!({
                "rotation": rotation,
                "handoff": handoff,
                "start": format!("{date}T{time}"),
                "participants": people,
                "restrictions": windows,
            })
        })
}

fn an_override() -> impl Strategy<Value = Value> {
    (
        proptest::sample::select(PEOPLE.to_vec()),
        0..(150 * 24 * 60u32),
        15..(3 * 24 * 60u32),
    )
        .prop_map(|(user, start, length)| {
            let start = epoch() + minutes(start);
            json!({"user": user, "start": start, "end": start + minutes(length)})
        })
}

fn a_schedule() -> impl Strategy<Value = Schedule> {
    (
        proptest::sample::select(ZONES.to_vec()),
        proptest::collection::vec(a_layer(), 1..4),
        proptest::collection::vec(an_override(), 0..4),
    )
        .prop_map(|(zone, layers, overrides)| schedule(zone, json!(layers), json!(overrides)))
}

/// The stretch of the final view covering `t`, if any.
fn covering(shifts: &[Shift], t: Timestamp) -> Option<&OnCall> {
    shifts
        .iter()
        .flat_map(|s| &s.parts)
        .find(|p| p.start <= t && t < p.end)
}

proptest! {
    #![proptest_config(config(8))]

    #[test]
    fn final_view_is_ordered_and_agrees_with_on_call_at(
        s in a_schedule(),
        start in 0..(140 * 24 * 60u32),
        length in 60..(20 * 24 * 60u32),
        samples in proptest::collection::vec(0..1_000_000u64, 16),
    ) {
        let from = epoch() + minutes(start);
        let to = from + minutes(length);
        let shifts = final_shifts(&s, from, to).unwrap();

        let mut previous: Option<&Shift> = None;
        for shift in &shifts {
            prop_assert!(from <= shift.start && shift.start < shift.end && shift.end <= to);
            if let Some(p) = previous {
                prop_assert!(p.end <= shift.start, "overlap: {p:?} {shift:?}");
                prop_assert!(p.end < shift.start || p.user != shift.user, "not joined: {p:?} {shift:?}");
            }
            prop_assert_eq!(shift.parts.first().unwrap().start, shift.start);
            prop_assert_eq!(shift.parts.last().unwrap().end, shift.end);
            for pair in shift.parts.windows(2) {
                prop_assert_eq!(pair[0].end, pair[1].start);
                prop_assert_ne!(pair[0].source, pair[1].source);
            }
            for part in &shift.parts {
                prop_assert_eq!(&part.user, &shift.user);
                prop_assert!(part.start < part.end);
            }
            previous = Some(shift);
        }

        // Sample at random, and at every edge of the view and just before.
        let span = to.duration_since(from).as_nanos() as u64;
        let mut instants: Vec<Timestamp> = samples
            .iter()
            .map(|x| from + SignedDuration::from_nanos((span / 1_000_000 * x) as i64))
            .collect();
        for part in shifts.iter().flat_map(|s| &s.parts) {
            instants.push(part.start);
            instants.push(part.end - SignedDuration::from_secs(1));
            instants.push(part.end);
        }
        for t in instants.into_iter().filter(|t| from <= *t && *t < to) {
            let here = on_call_at(&s, t).unwrap();
            match (covering(&shifts, t), here) {
                (None, None) => {}
                (Some(part), Some(here)) => {
                    prop_assert_eq!(&here.user, &part.user, "at {}", t);
                    prop_assert_eq!(here.source, part.source, "at {}", t);
                    prop_assert!(here.start <= t && t < here.end);
                    prop_assert_eq!(here.start.max(from), part.start, "at {}", t);
                    prop_assert_eq!(here.end.min(to), part.end, "at {}", t);
                }
                (view, here) => prop_assert!(false, "at {t}: view {view:?}, on_call_at {here:?}"),
            }
        }
    }
}
