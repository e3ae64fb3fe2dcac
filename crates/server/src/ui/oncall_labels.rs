//! Human words for on-call values on the on-call pages: local times in a
//! schedule's zone, days, windows, rotations, targets, contacts and
//! urgencies. No page shows a field name or a Rust enum name.

use firebreak_core::Timestamp;
use firebreak_core::oncall::{
    AckVia, ContactKind, Day, Rotation, RotationUnit, Schedule, Source, Target, TimeWindow, Urgency,
};
use jiff::SignedDuration;
use jiff::tz::TimeZone;
use maud::{Markup, html};

/// `t` as a date and time in `tz`, with the zone's abbreviation and offset,
/// e.g. `Sun 29 Mar 2026 03:00 BST (UTC+01:00)`.
pub fn local(tz: &TimeZone, t: Timestamp) -> String {
    if t == Timestamp::MAX {
        return "never".to_string();
    }
    t.to_zoned(tz.clone())
        .strftime("%a %-d %b %Y %H:%M %Z (UTC%:z)")
        .to_string()
}

/// The local clock time of `t` in `tz`, e.g. `09:00`.
pub fn clock(tz: &TimeZone, t: Timestamp) -> String {
    t.to_zoned(tz.clone()).strftime("%H:%M").to_string()
}

/// `tz`'s offset from UTC at `t`, e.g. `UTC+01:00`.
pub fn offset(tz: &TimeZone, t: Timestamp) -> String {
    t.to_zoned(tz.clone()).strftime("UTC%:z").to_string()
}

/// A length of time in words: `25 hours`, `23 hours 30 minutes`, `45 seconds`.
pub fn duration(length: SignedDuration) -> String {
    let seconds = length.as_secs();
    let (hours, minutes, rest) = (seconds / 3_600, seconds % 3_600 / 60, seconds % 60);
    let mut parts = Vec::new();
    for (n, unit) in [(hours, "hour"), (minutes, "minute"), (rest, "second")] {
        match n {
            0 => {}
            1 => parts.push(format!("1 {unit}")),
            n => parts.push(format!("{n} {unit}s")),
        }
    }
    if parts.is_empty() {
        "no time".to_string()
    } else {
        parts.join(" ")
    }
}

pub fn day(day: Day) -> &'static str {
    match day {
        Day::Monday => "Monday",
        Day::Tuesday => "Tuesday",
        Day::Wednesday => "Wednesday",
        Day::Thursday => "Thursday",
        Day::Friday => "Friday",
        Day::Saturday => "Saturday",
        Day::Sunday => "Sunday",
    }
}

/// `Monday, Tuesday 09:00–17:00`; a window ending at or before its start
/// runs into the next day.
pub fn window(window: &TimeWindow) -> String {
    let days: Vec<&str> = window.days.iter().map(|d| day(*d)).collect();
    let next_day = if window.end <= window.start {
        " (next day)"
    } else {
        ""
    };
    format!(
        "{} {}–{}{next_day}",
        days.join(", "),
        window.start.strftime("%H:%M"),
        window.end.strftime("%H:%M")
    )
}

pub fn rotation(rotation: Rotation) -> String {
    match rotation {
        Rotation::Daily => "Every day".to_string(),
        Rotation::Weekly => "Every week".to_string(),
        Rotation::Custom { length: 1, unit } => match unit {
            RotationUnit::Hours => "Every hour".to_string(),
            RotationUnit::Days => "Every day".to_string(),
        },
        Rotation::Custom { length, unit } => match unit {
            RotationUnit::Hours => format!("Every {length} hours"),
            RotationUnit::Days => format!("Every {length} days"),
        },
    }
}

/// A layer's name, or its place when it has none (`Layer 2`).
pub fn layer_name(schedule: &Schedule, index: usize) -> String {
    match schedule.layers.get(index) {
        Some(layer) if !layer.name.trim().is_empty() => layer.name.clone(),
        _ => format!("Layer {}", index + 1),
    }
}

/// What put someone on call: a layer by name, or an override.
pub fn source(schedule: &Schedule, source: Source) -> String {
    match source {
        Source::Layer { index, .. } => layer_name(schedule, index),
        Source::Override { .. } => "Override".to_string(),
    }
}

/// A level's target, linked to its schedule's page.
pub fn target(target: &Target, schedules: &[Schedule]) -> Markup {
    html! {
        @match target {
            Target::Schedule { schedule } => {
                "Whoever is on call in "
                a href={ "/oncall/schedules/" (schedule) } {
                    (schedules.iter().find(|s| &s.slug == schedule).map_or(schedule.as_str(), |s| s.name.as_str()))
                }
            }
            Target::User { user } => { "User " strong { (user) } }
            Target::Team { team } => { "Every member of team " strong { (team) } }
        }
    }
}

pub fn contact(kind: ContactKind) -> &'static str {
    match kind {
        ContactKind::Email => "Email",
        ContactKind::Slack => "Slack message",
        ContactKind::SmsWebhook => "Text message",
        ContactKind::Webhook => "Webhook",
    }
}

pub fn urgency(urgency: Urgency) -> &'static str {
    match urgency {
        Urgency::High => "Pages at once, at any hour",
        Urgency::Low => "Waits for working hours",
    }
}

pub fn via(via: AckVia) -> &'static str {
    match via {
        AckVia::Api => "through the API or command line",
        AckVia::Web => "on the web page",
        AckVia::Link => "by the link in the page message",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_rotations_read_as_words() {
        assert_eq!(duration(SignedDuration::from_hours(25)), "25 hours");
        assert_eq!(
            duration(SignedDuration::from_secs(23 * 3_600 + 1_800)),
            "23 hours 30 minutes"
        );
        assert_eq!(duration(SignedDuration::from_secs(60)), "1 minute");
        let custom = Rotation::Custom {
            length: 12,
            unit: RotationUnit::Hours,
        };
        assert_eq!(rotation(custom), "Every 12 hours");
        assert_eq!(
            window(&TimeWindow::office_hours()),
            "Monday, Tuesday, Wednesday, Thursday, Friday 09:00–17:00"
        );
    }
}
