//! Who is on call at an instant: for each system, whom its policy's first
//! level pages; for each schedule, who and through what. The instant is a
//! form field read in a zone the viewer names (their own clock), each
//! schedule's answer shown in its own zone. Answers come from
//! `api::paging` (through `firebreak_core::oncall`), never worked out here.

use super::oncall_labels::{local, offset, source};
use super::{PageResult, page};
use crate::api::paging::{OncallNow, ScheduleOnCall, system_on_call};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiQuery};
use crate::state::{AppState, now};
use axum::extract::State;
use firebreak_core::Timestamp;
use firebreak_core::oncall::{self, Schedule};
use firebreak_core::{DomainError, system::AiSystem};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct AtQuery {
    /// A local date and time (`2026-03-08T09:00`), or an instant with an
    /// offset; now when empty.
    at: Option<String>,
    /// The IANA zone `at` is read in; UTC when empty.
    zone: Option<String>,
}

fn filled(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The instant asked about and the zone the viewer reads it in.
fn asked(query: &AtQuery, now: Timestamp) -> Result<(Timestamp, String, TimeZone), ApiError> {
    let zone = filled(query.zone.as_deref()).unwrap_or("UTC").to_string();
    let tz = firebreak_core::time_zone::find(&zone).ok_or_else(|| {
        ApiError::invalid(
            "zone",
            format!("unknown time zone \"{zone}\", e.g. Europe/London"),
        )
    })?;
    let at = match filled(query.at.as_deref()) {
        None => now,
        Some(text) => match text.parse::<Timestamp>() {
            Ok(at) => at,
            Err(_) => {
                let local = text.parse::<DateTime>().map_err(|_| {
                    ApiError::invalid("at", "must be a date and time such as 2026-03-08T09:00")
                })?;
                tz.to_ambiguous_timestamp(local)
                    .compatible()
                    .map_err(|_| ApiError::invalid("at", "is out of range"))?
            }
        },
    };
    Ok((at, zone, tz))
}

/// The page: the form, then each system and each schedule at `at`.
pub fn render_now(
    at: Timestamp,
    zone: &str,
    tz: &TimeZone,
    systems: &[(AiSystem, OncallNow)],
    schedules: &[(Schedule, ScheduleOnCall)],
) -> Markup {
    let utc = TimeZone::UTC;
    html! {
        h1 { "Who is on call" }
        p { a href="/oncall/policies" { "Escalation policies" } " · " a href="/oncall/pages" { "Page log" } }
        form method="get" action="/oncall" {
            label { "At (date and time on your clock) "
                input type="datetime-local" name="at" step="60"
                    value=(at.to_zoned(tz.clone()).strftime("%Y-%m-%dT%H:%M"));
            }
            label { "Your time zone (IANA name) "
                input type="text" name="zone" value=(zone) autocomplete="off";
            }
            button type="submit" { "Show" }
            " " a href="/oncall" { "Now" }
        }
        p {
            "Showing " strong { (local(tz, at)) } " in " (zone) ", which is " (local(&utc, at)) ". "
            "Your zone is " (offset(tz, at)) " then; each schedule's times below are in the schedule's own zone."
        }
        h2 { "Systems" }
        @if systems.is_empty() { p { "No systems registered." } } @else {
            div.scroll tabindex="0" { table {
                thead { tr { th scope="col" { "System" } th scope="col" { "Escalation policy" } th scope="col" { "Paged first" } } }
                tbody { @for (system, answer) in systems {
                    tr {
                        th scope="row" { a href={ "/systems/" (system.slug) } { (system.details.name) } }
                        td { @match &answer.policy {
                            Some(policy) => a href={ "/oncall/policies/" (policy) } { (policy) },
                            None => "None: its incidents page nobody",
                        } }
                        td { @if let Some(first) = &answer.first_level {
                            @if first.users.is_empty() { strong.error { "Nobody" } }
                            (first.users.iter().map(|u| u.user.as_str()).collect::<Vec<_>>().join(", "))
                            @for missed in &first.unresolved { br; span.error { "Reaches nobody: " (missed.reason) } }
                        } @else { "—" } }
                    }
                } }
            } }
        }
        h2 { "Schedules" }
        @if schedules.is_empty() { p { "No schedules yet." } } @else {
            div.scroll tabindex="0" { table {
                thead { tr { th scope="col" { "Schedule" } th scope="col" { "On call" } th scope="col" { "Through" }
                    th scope="col" { "Since" } th scope="col" { "Until" } } }
                tbody { @for (schedule, answer) in schedules {
                    @let zone = firebreak_core::time_zone::find(&schedule.time_zone).unwrap_or(TimeZone::UTC);
                    tr {
                        th scope="row" { a href={ "/oncall/schedules/" (schedule.slug) } { (schedule.name) } br; small { (schedule.time_zone) } }
                        @match &answer.on_call {
                            Some(on) => {
                                td { strong { (on.user) } }
                                td { (source(schedule, on.source)) }
                                td { (local(&zone, on.start)) }
                                td { (local(&zone, on.end)) }
                            }
                            None => { td colspan="4" { strong.error { "Nobody" } } }
                        }
                    }
                } }
            } }
        }
    }
}

pub async fn show(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<AtQuery>,
) -> PageResult {
    let (at, zone, tz) = asked(&query, now())?;
    let (config, systems) = state
        .run(|store| Ok((store.oncall()?, store.list_systems()?)))
        .await?;
    let answers = tokio::task::spawn_blocking(move || {
        let by_system = systems
            .into_iter()
            .map(|s| {
                let answer = system_on_call(&config, s.slug.clone(), at)?;
                Ok((s, answer))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let by_schedule = config
            .schedules
            .into_iter()
            .map(|s| {
                let on_call = oncall::on_call_at(&s, at).map_err(DomainError::from)?;
                let answer = ScheduleOnCall {
                    schedule: s.slug.clone(),
                    on_call,
                };
                Ok((s, answer))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok::<_, ApiError>((by_system, by_schedule))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("who is on call was not worked out: {e}")))?;
    let (by_system, by_schedule) = answers?;
    Ok(page(
        &caller,
        "On call",
        render_now(at, &zone, &tz, &by_system, &by_schedule),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(at: &str, zone: &str) -> AtQuery {
        AtQuery {
            at: Some(at.into()),
            zone: Some(zone.into()),
        }
    }

    #[test]
    fn the_instant_is_read_on_the_viewer_s_clock_or_refused_by_field() {
        let now: Timestamp = "2026-03-08T12:00:00Z".parse().unwrap();
        let (at, zone, _) = asked(&query("2026-03-08T09:00", "America/New_York"), now).unwrap();
        assert_eq!(at.to_string(), "2026-03-08T13:00:00Z", "EDT from 03:00");
        assert_eq!(zone, "America/New_York");
        let (at, _, _) = asked(&AtQuery::default(), now).unwrap();
        assert_eq!(at, now);
        let (at, _, _) = asked(&query("2026-03-08T09:00:00+01:00", ""), now).unwrap();
        assert_eq!(at.to_string(), "2026-03-08T08:00:00Z");
        for (bad, field) in [
            (query("soon", "UTC"), "at"),
            (query("", "Mars/Base"), "zone"),
        ] {
            match asked(&bad, now) {
                Err(ApiError::Invalid(fields)) => assert_eq!(fields[0].field, field),
                other => panic!("{other:?}"),
            }
        }
    }
}
