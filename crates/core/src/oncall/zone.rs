//! Local wall-clock time in a schedule's zone: looking zones up, turning local
//! times into instants by the DST rule of this module's parent, and weekly
//! windows of local time (layer restrictions, working hours).

use super::Faults;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The zone named `name`, or a fault on `field` naming it.
pub(crate) fn lookup(name: &str, field: &str, faults: &mut Faults) -> Option<TimeZone> {
    let found = crate::time_zone::find(name);
    if found.is_none() {
        faults.push(
            field,
            format!("unknown IANA time zone \"{name}\", e.g. Europe/London"),
        );
    }
    found
}

/// The instant of local time `dt` in `tz`. In a gap (clocks going forward)
/// it is the first instant after the gap; in a fold (clocks going back) the
/// earlier of the two. `None` only at the ends of the representable range.
pub(crate) fn instant(tz: &TimeZone, dt: DateTime) -> Option<Timestamp> {
    let ambiguous = tz.to_ambiguous_timestamp(dt);
    match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt).ok(),
        AmbiguousOffset::Fold { before, .. } => before.to_timestamp(dt).ok(),
        AmbiguousOffset::Gap { before, after } => {
            // Read with the offset after the gap, `dt` falls before the
            // transition; read with the offset before it, after. The
            // transition between the two is the first instant after the gap.
            let early = after.to_timestamp(dt).ok()?;
            let late = before.to_timestamp(dt).ok()?;
            let transition = tz
                .following(early)
                .map(|t| t.timestamp())
                .next()
                .filter(|t| *t <= late);
            Some(transition.unwrap_or(late))
        }
    }
}

/// Seconds of a local date-time counted as if it were UTC: wall-clock
/// arithmetic without any zone. Total over jiff's civil range.
pub(crate) fn naive_seconds(dt: DateTime) -> i64 {
    days_from_civil(dt.year().into(), dt.month().into(), dt.day().into()) * 86_400
        + i64::from(dt.hour()) * 3_600
        + i64::from(dt.minute()) * 60
        + i64::from(dt.second())
}

/// The local date-time `seconds` stands for (see [`naive_seconds`]), if it is
/// within jiff's civil range. Sub-second parts are dropped.
pub(crate) fn from_naive_seconds(seconds: i64) -> Option<DateTime> {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let year = i16::try_from(year).ok()?;
    DateTime::new(
        year,
        month as i8,
        day as i8,
        (rest / 3_600) as i8,
        (rest % 3_600 / 60) as i8,
        (rest % 60) as i8,
        0,
    )
    .ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The local date-time of an instant, as naive seconds.
pub(crate) fn local_seconds(tz: &TimeZone, t: Timestamp) -> i64 {
    naive_seconds(tz.to_datetime(t))
}

/// A day of the week.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Day {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Day {
    pub const WORKING_WEEK: [Day; 5] = [
        Day::Monday,
        Day::Tuesday,
        Day::Wednesday,
        Day::Thursday,
        Day::Friday,
    ];

    pub fn weekday(self) -> Weekday {
        match self {
            Day::Monday => Weekday::Monday,
            Day::Tuesday => Weekday::Tuesday,
            Day::Wednesday => Weekday::Wednesday,
            Day::Thursday => Weekday::Thursday,
            Day::Friday => Weekday::Friday,
            Day::Saturday => Weekday::Saturday,
            Day::Sunday => Weekday::Sunday,
        }
    }
}

/// A stretch of local time that starts on each of `days` at `start` and runs
/// to `end`: the same day when `end` is later than `start`, else the next day
/// (`22:00`–`06:00` is a night; `00:00`–`00:00` a whole day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    /// The days the window starts on.
    pub days: Vec<Day>,
    #[schema(value_type = String, example = "09:00")]
    pub start: Time,
    #[schema(value_type = String, example = "17:00")]
    pub end: Time,
}

impl TimeWindow {
    /// Monday to Friday, 09:00 to 17:00.
    pub fn office_hours() -> TimeWindow {
        TimeWindow {
            days: Day::WORKING_WEEK.to_vec(),
            start: Time::constant(9, 0, 0, 0),
            end: Time::constant(17, 0, 0, 0),
        }
    }

    /// Refuses a window on no day or on one day twice; fields start `path`.
    pub(crate) fn check(&self, path: &str, faults: &mut Faults) {
        if self.days.is_empty() {
            faults.push(format!("{path}.days"), "name at least one day");
        }
        for (i, day) in self.days.iter().enumerate() {
            if self.days[..i].contains(day) {
                faults.push(format!("{path}.days[{i}]"), "this day is listed twice");
            }
        }
    }

    /// The window's instants when it starts on `date`, if it does and is not
    /// empty (a window inside the skipped hour is).
    fn span_on(&self, tz: &TimeZone, date: Date) -> Option<(Timestamp, Timestamp)> {
        let weekday = date.weekday();
        if !self.days.iter().any(|d| d.weekday() == weekday) {
            return None;
        }
        let start = instant(tz, date.to_datetime(self.start))?;
        let end_date = if self.end <= self.start {
            date.tomorrow().ok()?
        } else {
            date
        };
        let end = instant(tz, end_date.to_datetime(self.end))?;
        (start < end).then_some((start, end))
    }
}

/// Every span of `windows` starting on `days` local dates from `first` on.
fn spans(
    tz: &TimeZone,
    windows: &[TimeWindow],
    first: Date,
    days: usize,
) -> impl Iterator<Item = (Date, Timestamp, Timestamp)> {
    std::iter::successors(Some(first), |d| d.tomorrow().ok())
        .take(days)
        .flat_map(move |date| {
            windows
                .iter()
                .filter_map(move |w| w.span_on(tz, date).map(|(s, e)| (date, s, e)))
        })
}

/// The local date two days before that of `t`, from where the windows that
/// may cover `t` start (a window lasts at most 25 hours).
fn first_date(tz: &TimeZone, t: Timestamp) -> Date {
    let date = tz.to_datetime(t).date();
    date.yesterday().and_then(|d| d.yesterday()).unwrap_or(date)
}

/// Whether `t` is inside one of `windows`.
pub(crate) fn in_windows(tz: &TimeZone, windows: &[TimeWindow], t: Timestamp) -> bool {
    spans(tz, windows, first_date(tz, t), 4).any(|(_, s, e)| s <= t && t < e)
}

/// The first start or end of one of `windows` strictly after `p`, looking at
/// most a fortnight ahead (windows recur every week).
pub(crate) fn next_window_edge(
    tz: &TimeZone,
    windows: &[TimeWindow],
    p: Timestamp,
) -> Option<Timestamp> {
    let mut best: Option<Timestamp> = None;
    let mut best_date: Option<Date> = None;
    for (date, start, end) in spans(tz, windows, first_date(tz, p), 17) {
        // Windows starting two days after the best one's start all begin
        // after it ends.
        if let Some(found) = best_date
            && found.tomorrow().is_ok_and(|next| date > next)
        {
            break;
        }
        for edge in [start, end] {
            if edge > p && best.is_none_or(|b| edge < b) {
                best = Some(edge);
                best_date = Some(date);
            }
        }
    }
    best
}

/// The first instant at or after `t` inside one of `windows`, looking at most
/// a fortnight ahead.
pub(crate) fn next_in_windows(
    tz: &TimeZone,
    windows: &[TimeWindow],
    t: Timestamp,
) -> Option<Timestamp> {
    spans(tz, windows, first_date(tz, t), 17)
        .filter(|(_, _, end)| *end > t)
        .map(|(_, start, _)| start.max(t))
        .min()
}
