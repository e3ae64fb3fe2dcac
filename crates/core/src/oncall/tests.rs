//! Tests of on-call, by theme: daylight saving, layers and overrides,
//! validation and bounds, escalation, iCalendar, and properties over random
//! schedules.

mod dst;
mod escalation;
mod ical;
mod layers;
mod page;
mod props;
mod validation;

use super::*;
use serde_json::{Value, json};

pub(super) fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// A schedule from its JSON, so the tests also pin the wire format.
pub(super) fn schedule(time_zone: &str, layers: Value, overrides: Value) -> Schedule {
    serde_json::from_value(json!({
        "slug": "ml-primary",
        "name": "ML primary",
        "time_zone": time_zone,
        "layers": layers,
        "overrides": overrides,
    }))
    .unwrap()
}

/// One unrestricted layer.
pub(super) fn layer(rotation: Value, handoff: &str, start: &str, participants: &[&str]) -> Value {
    json!({
        "rotation": rotation,
        "handoff": handoff,
        "start": start,
        "participants": participants,
    })
}

pub(super) fn daily() -> Value {
    json!({"kind": "daily"})
}

/// The shifts over the range as `user start end`, instants in UTC.
pub(super) fn view(schedule: &Schedule, from: &str, to: &str) -> Vec<String> {
    final_shifts(schedule, at(from), at(to))
        .unwrap()
        .iter()
        .map(|s| format!("{} {} {}", s.user, s.start, s.end))
        .collect()
}

/// Who is on call at an instant, by name.
pub(super) fn who(schedule: &Schedule, instant: &str) -> Option<String> {
    on_call_at(schedule, at(instant)).unwrap().map(|o| o.user)
}

/// The length of each shift in hours.
pub(super) fn hours(shifts: &[Shift]) -> Vec<f64> {
    shifts
        .iter()
        .map(|s| s.end.duration_since(s.start).as_secs_f64() / 3600.0)
        .collect()
}
