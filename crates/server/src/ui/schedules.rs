//! A schedule's week: seven local days of its final shifts
//! (`oncall::final_shifts`, never worked out here, D31), the days cut at
//! local midnight in the schedule's zone, so a day the clocks change on is
//! 23 or 25 hours long; overrides marked; the layers and the week's
//! overrides beneath, and each person's calendar export.

use super::oncall_labels::{clock, duration, layer_name, local, offset, rotation, window};
use super::{PageResult, page};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiQuery};
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use firebreak_core::oncall::{self, Schedule, Shift, Source};
use firebreak_core::{DomainError, Timestamp};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use maud::{Markup, html};
use serde::Deserialize;

/// One column of the week: a local date and the instants it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayColumn {
    pub date: Date,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// The week (Monday to Sunday) holding `date`, each day from its first
/// instant in `tz` to the next day's.
pub fn week_of(tz: &TimeZone, date: Date) -> Result<Vec<DayColumn>, ApiError> {
    let out_of_range = || ApiError::invalid("week", "is out of the range of dates shown");
    let back = i64::from(date.weekday().to_monday_zero_offset());
    let monday = date
        .checked_sub(jiff::Span::new().days(back))
        .map_err(|_| out_of_range())?;
    let starts = (0..=7)
        .map(|n| {
            let day = monday
                .checked_add(jiff::Span::new().days(n))
                .map_err(|_| out_of_range())?;
            let start = tz
                .to_ambiguous_timestamp(day.to_datetime(Time::midnight()))
                .compatible()
                .map_err(|_| out_of_range())?;
            Ok((day, start))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(starts
        .windows(2)
        .map(|pair| DayColumn {
            date: pair[0].0,
            start: pair[0].1,
            end: pair[1].1,
        })
        .collect())
}

/// A stretch of one day: who (nobody when `None`) and whether an override
/// put them there.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    user: Option<String>,
    overridden: bool,
    start: Timestamp,
    end: Timestamp,
}

/// The blocks of `day`: each shift's parts cut to the day, the same person
/// through the same kind of source joined, and the gaps shown as nobody.
fn blocks(day: &DayColumn, shifts: &[Shift]) -> Vec<Block> {
    let mut found: Vec<Block> = Vec::new();
    let mut cursor = day.start;
    let parts = shifts.iter().flat_map(|shift| {
        shift.parts.iter().map(move |part| {
            (
                shift,
                part.source,
                part.start.max(shift.start),
                part.end.min(shift.end),
            )
        })
    });
    for (shift, source, start, end) in parts {
        let (start, end) = (start.max(day.start), end.min(day.end));
        if start >= end {
            continue;
        }
        if start > cursor {
            found.push(Block {
                user: None,
                overridden: false,
                start: cursor,
                end: start,
            });
        }
        let overridden = matches!(source, Source::Override { .. });
        match found.last_mut() {
            Some(last)
                if last.end == start
                    && last.user.as_deref() == Some(shift.user.as_str())
                    && last.overridden == overridden =>
            {
                last.end = end;
            }
            _ => found.push(Block {
                user: Some(shift.user.clone()),
                overridden,
                start,
                end,
            }),
        }
        cursor = end;
    }
    if cursor < day.end {
        found.push(Block {
            user: None,
            overridden: false,
            start: cursor,
            end: day.end,
        });
    }
    found
}

/// The end of a block as a clock time: `24:00` when it runs to the day's end.
fn block_end(tz: &TimeZone, day: &DayColumn, end: Timestamp) -> String {
    if end == day.end {
        "24:00".to_string()
    } else {
        clock(tz, end)
    }
}

/// Everyone the schedule may put on call: its layers' participants and its
/// overrides' users, each once, in order of first mention.
fn people(schedule: &Schedule) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    let named = schedule
        .layers
        .iter()
        .flat_map(|l| l.participants.iter())
        .chain(schedule.overrides.iter().map(|o| &o.user));
    for user in named {
        if !found.contains(&user.as_str()) {
            found.push(user);
        }
    }
    found
}

/// The week view of `schedule` over `days` (from [`week_of`]) with its
/// final `shifts` over them; `now` marks today.
pub fn render_week(
    schedule: &Schedule,
    tz: &TimeZone,
    days: &[DayColumn],
    shifts: &[Shift],
    now: Timestamp,
) -> Markup {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return html! {};
    };
    let week_link = |date: Option<Date>| date.map(|d| format!("?week={d}"));
    let previous = week_link(first.date.checked_sub(jiff::Span::new().days(7)).ok());
    let next = week_link(last.date.checked_add(jiff::Span::new().days(1)).ok());
    let overrides: Vec<_> = schedule
        .overrides
        .iter()
        .filter(|o| o.start < last.end && o.end > first.start)
        .collect();
    html! {
        h1 { "Schedule " (schedule.name) }
        p {
            "Week of " (first.date.strftime("%A %-d %B %Y")) ". Every time is in the schedule's time zone, "
            strong { (schedule.time_zone) } "; each day says its offset from UTC, so you can "
            "compare with your own clock. A day on which the clocks change is shown with its real length."
        }
        nav aria-label="Weeks" {
            @if let Some(link) = &previous { a href=(link) { "← Previous week" } } " · "
            a href="?" { "This week" } " · "
            @if let Some(link) = &next { a href=(link) { "Next week →" } }
        }
        div.scroll tabindex="0" role="region" aria-label="The week" {
            table.week {
                caption { "Who is on call, day by day" }
                thead { tr {
                    @for day in days {
                        th scope="col" {
                            (day.date.strftime("%a %-d %b"))
                            @if day.start <= now && now < day.end { " (today)" }
                            br;
                            small {
                                (duration(day.end.duration_since(day.start)))
                                " · " (offset(tz, day.start))
                                @if offset(tz, day.start) != offset(tz, day.end) { " → " (offset(tz, day.end)) }
                            }
                        }
                    }
                } }
                tbody { tr {
                    @for day in days {
                        td {
                            ul.blocks {
                                @for block in blocks(day, shifts) {
                                    li class=[block.user.is_none().then_some("nobody")] {
                                        @match &block.user {
                                            Some(user) => strong { (user) },
                                            None => em { "Nobody on call" },
                                        }
                                        @if block.overridden { " " span.badge { "override" } }
                                        br;
                                        (clock(tz, block.start)) "–" (block_end(tz, day, block.end))
                                        @if block.start <= now && now < block.end { " " span.badge { "now" } }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
        }
        h2 { "Layers" }
        p { "From bottom to top: where two layers have someone, the later one wins; any override beats every layer." }
        div.scroll tabindex="0" { table {
            thead { tr { th scope="col" { "Layer" } th scope="col" { "Hands off" } th scope="col" { "From" } th scope="col" { "In turn" } th scope="col" { "Only during" } } }
            tbody { @for (i, layer) in schedule.layers.iter().enumerate() {
                tr {
                    th scope="row" { (layer_name(schedule, i)) }
                    td { (rotation(layer.rotation)) " at " (layer.handoff.strftime("%H:%M")) }
                    td { (layer.start.strftime("%a %-d %b %Y %H:%M")) }
                    td { (layer.participants.join(", ")) }
                    td { @if layer.restrictions.is_empty() { "Always" }
                         @for w in &layer.restrictions { (window(w)) br; } }
                }
            } }
        } }
        h2 { "Overrides this week" }
        @if overrides.is_empty() { p { "None." } } @else {
            div.scroll tabindex="0" { table {
                thead { tr { th scope="col" { "Covered by" } th scope="col" { "From" } th scope="col" { "Until" } } }
                tbody { @for o in &overrides {
                    tr { td { (o.user) } td { (local(tz, o.start)) } td { (local(tz, o.end)) } }
                } }
            } }
        }
        h2 { "Calendars" }
        p { "Each person's shifts in all schedules as an iCalendar file (the next 28 days), to subscribe to in a calendar program:" }
        ul { @for user in people(schedule) {
            li { a href={ "/api/v1/users/" (user) "/oncall.ics" } { (user) "'s on-call shifts (.ics)" } }
        } }
        p { a href="/oncall" { "Who is on call now" } " · " a href="/oncall/policies" { "Escalation policies" } }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct WeekQuery {
    /// Any local date of the week to show; this week by default.
    week: Option<String>,
}

pub async fn week(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiQuery(query): ApiQuery<WeekQuery>,
) -> PageResult {
    let schedule = state
        .run(|store| store.oncall())
        .await?
        .schedules
        .into_iter()
        .find(|s| s.slug == slug)
        .ok_or_else(|| ApiError::NotFound(format!("schedule {slug} not found")))?;
    let tz = firebreak_core::time_zone::find(&schedule.time_zone)
        .ok_or_else(|| ApiError::Internal(format!("schedule {slug} has an unknown time zone")))?;
    let at = now();
    let date = match query
        .week
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        Some(text) => text
            .parse::<Date>()
            .map_err(|_| ApiError::invalid("week", "must be a date such as 2026-03-02"))?,
        None => at.to_zoned(tz.clone()).date(),
    };
    let days = week_of(&tz, date)?;
    let (from, to) = match (days.first(), days.last()) {
        (Some(first), Some(last)) => (first.start, last.end),
        _ => return Err(ApiError::Internal("a week of no days".into())),
    };
    let (schedule, shifts) = tokio::task::spawn_blocking(move || {
        let shifts = oncall::final_shifts(&schedule, from, to);
        (schedule, shifts)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the shifts were not computed: {e}")))?;
    let shifts = shifts.map_err(DomainError::from)?;
    Ok(page(
        &caller,
        &schedule.name,
        render_week(&schedule, &tz, &days, &shifts, at),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// London, daily hand-offs at 09:00 between alice and bob, and carol
    /// covering Saturday night: the week the clocks go forward (Sunday
    /// 29 March 2026, 01:00 GMT becomes 02:00 BST).
    fn schedule() -> Schedule {
        serde_json::from_value(json!({
            "slug": "ml-primary", "name": "ML primary", "time_zone": "Europe/London",
            "layers": [{
                "name": "Primary", "rotation": {"kind": "daily"}, "handoff": "09:00",
                "start": "2026-03-01T09:00", "participants": ["alice", "bob"],
            }],
            "overrides": [{"user": "carol", "start": "2026-03-28T20:00:00Z", "end": "2026-03-29T06:00:00Z"}],
        }))
        .unwrap()
    }

    fn render(date: &str, now: &str) -> String {
        let schedule = schedule();
        let tz = firebreak_core::time_zone::find(&schedule.time_zone).unwrap();
        let days = week_of(&tz, date.parse().unwrap()).unwrap();
        let shifts = oncall::final_shifts(&schedule, days[0].start, days[6].end).unwrap();
        render_week(&schedule, &tz, &days, &shifts, now.parse().unwrap()).into_string()
    }

    #[test]
    fn a_week_is_cut_at_local_midnight_and_its_dst_day_has_23_hours() {
        let tz = firebreak_core::time_zone::find("Europe/London").unwrap();
        let days = week_of(&tz, "2026-03-26".parse().unwrap()).unwrap();
        let lengths: Vec<i64> = days
            .iter()
            .map(|d| d.end.duration_since(d.start).as_hours())
            .collect();
        assert_eq!(lengths, [24, 24, 24, 24, 24, 24, 23]);
        assert_eq!(days[0].date.to_string(), "2026-03-23");
        let autumn = week_of(&tz, "2026-10-25".parse().unwrap()).unwrap();
        assert_eq!(autumn[6].end.duration_since(autumn[6].start).as_hours(), 25);
    }

    #[test]
    fn the_week_of_the_spring_change_shows_the_short_day_and_the_override() {
        let page = render("2026-03-25", "2026-03-29T10:00:00Z");
        assert!(page.contains("23 hours"), "{page}");
        assert!(page.contains("override"), "{page}");
        insta::assert_snapshot!(pretty(&page));
    }

    #[test]
    fn the_week_of_the_autumn_change_shows_the_long_day() {
        let page = render("2026-10-25", "2026-10-20T10:00:00Z");
        assert!(page.contains("25 hours"), "{page}");
        insta::assert_snapshot!(pretty(&page));
    }

    /// One element or line of text a line, so that a snapshot's diff shows
    /// what changed.
    fn pretty(html: &str) -> String {
        html.replace('>', ">\n").replace("</", "\n</")
    }
}
