//! Public holiday calendars, shipped as data (`calendar/calendars.json`).
//!
//! A calendar is a list of rules rather than of dates, so it does not run out
//! at the end of a year: fixed dates, days counted from Western or Orthodox
//! Easter, the nth or last weekday of a month, the first weekday on or after a
//! date, and one-off days a law or proclamation adds for one year. A rule may
//! start or end in a year, skip years it was moved in, move by weekday (Irish
//! St Brigid's Day) and have an observed day when it falls on a weekend (US
//! federal: Saturday to Friday, Sunday to Monday; UK and others: the next
//! weekday that is not already a holiday, so Christmas and Boxing Day on a
//! weekend cascade to Monday and Tuesday).
//!
//! Regulatory clocks count working days with the calendar their regime names
//! (or the deployment chooses) plus the organisation's own closures.

mod easter;

use crate::error::{DomainError, Problems};
// The days of the week as on-call schedules spell them, in the data too.
use crate::oncall::Day;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use std::sync::LazyLock;

pub use easter::{easter, orthodox_easter};

/// The years calendars answer for; outside them no day is a holiday, so a
/// date far off still counts its weekends and nothing panics.
pub const YEARS: RangeInclusive<i16> = 1970..=2199;

/// The versioned set of calendars.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarTable {
    pub version: String,
    /// The last year whose one-off days (proclamations, moved holidays,
    /// days a year's decision adds) were checked against the sources. Rules
    /// keep computing later years; only such one-off days may be missing.
    pub reviewed_through: i16,
    pub notes: String,
    pub calendars: Vec<Calendar>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// ISO 3166-1 alpha-2 code (`DE`), `EU` for the EU institutions, or an
    /// ISO 3166-2 code for part of a country (`GB-SCT`).
    pub id: String,
    pub name: String,
    /// The laws the rules follow.
    pub source: String,
    /// What is left out (regional days, days off by agreement) and why.
    pub notes: String,
    pub holidays: Vec<HolidayRule>,
}

/// One holiday of a calendar and the years it is kept.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayRule {
    pub name: String,
    pub on: Rule,
    /// First year kept.
    #[serde(default)]
    pub from: Option<i16>,
    /// Last year kept.
    #[serde(default)]
    pub until: Option<i16>,
    /// Years it was not kept, usually because it was moved (a `once` rule
    /// then gives that year's date).
    #[serde(default)]
    pub except: Vec<i16>,
    /// Days to move by when the date falls on a weekday, e.g. Ireland's St
    /// Brigid's Day: 1 February if a Friday, else the first Monday after.
    #[serde(default, rename = "move")]
    pub moves: BTreeMap<Day, i8>,
    #[serde(default)]
    pub observed: Option<Observance>,
}

/// When a holiday falls in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// The same month and day every year, `"12-25"`.
    Date(MonthDay),
    /// Only in the year of this date, `"2023-05-08"`.
    Once(Date),
    /// Days after (or, negative, before) Western Easter Sunday.
    Easter(i16),
    /// Days after Orthodox Easter Sunday (Greece, Cyprus, Bulgaria, Romania).
    OrthodoxEaster(i16),
    /// The nth weekday of a month; `nth: -1` is the last.
    NthWeekday { month: i8, weekday: Day, nth: i8 },
    /// The first such weekday on or after a date (Midsummer Eve: the Friday
    /// from 19 June).
    WeekdayFrom { weekday: Day, date: MonthDay },
}

/// What replaces a holiday that falls on a weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observance {
    /// Saturday's holiday is observed on Friday, Sunday's on Monday
    /// (5 U.S.C. 6103(b)); a Saturday 1 January moves into December.
    NearestWeekday,
    /// The next weekday that is not already a holiday or substitute day.
    Substitute,
}

/// A month and day, written `MM-DD`. 29 February is refused: it is not a date
/// every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct MonthDay {
    month: i8,
    day: i8,
}

impl TryFrom<String> for MonthDay {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a month and day written MM-DD");
        let (month, day) = text.split_once('-').ok_or_else(bad)?;
        let (month, day): (i8, i8) = (
            month.parse().map_err(|_| bad())?,
            day.parse().map_err(|_| bad())?,
        );
        // 2001 has no 29 February, so it refuses that day too.
        Date::new(2001, month, day).map_err(|_| bad())?;
        Ok(MonthDay { month, day })
    }
}

impl MonthDay {
    fn in_year(self, year: i16) -> Option<Date> {
        Date::new(year, self.month, self.day).ok()
    }
}

/// Why a day is a holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolidayKind {
    /// The holiday itself.
    Day,
    /// A weekday observed for a holiday on a weekend.
    Observed,
}

/// One holiday on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holiday<'a> {
    pub date: Date,
    pub name: &'a str,
    pub kind: HolidayKind,
}

/// A calendar id the table does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown calendar `{id}`, expected one of {}", known.join(", "))]
pub struct UnknownCalendar {
    pub id: String,
    pub known: Vec<String>,
}

static BUILTIN: LazyLock<CalendarTable> = LazyLock::new(|| {
    // The file is part of the source and checked by the tests, so a failure
    // here is a build defect, not a runtime condition.
    CalendarTable::from_json(include_str!("calendar/calendars.json"))
        .unwrap_or_else(|e| panic!("calendar/calendars.json is invalid: {e}"))
});

impl CalendarTable {
    /// The calendars shipped with this build.
    pub fn builtin() -> &'static CalendarTable {
        &BUILTIN
    }

    /// Parses and checks a table: unique ids, rules that can give a date.
    pub fn from_json(text: &str) -> Result<CalendarTable, DomainError> {
        let table: CalendarTable = serde_json::from_str(text)
            .map_err(|e| DomainError::field("calendars", e.to_string()))?;
        let mut problems = Problems::default();
        let mut ids = BTreeSet::new();
        for (c, calendar) in table.calendars.iter().enumerate() {
            if !ids.insert(calendar.id.as_str()) {
                problems.push(format!("calendars[{c}].id"), "duplicate calendar id");
            }
            for (h, rule) in calendar.holidays.iter().enumerate() {
                if let Err(message) = rule.check() {
                    problems.push(format!("calendars[{c}].holidays[{h}]"), message);
                }
            }
        }
        problems.into_result()?;
        Ok(table)
    }

    pub fn calendar(&self, id: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|c| c.id == id)
    }

    /// The calendar `id`, or an error that lists the known ones.
    pub fn find(&self, id: &str) -> Result<&Calendar, UnknownCalendar> {
        self.calendar(id).ok_or_else(|| UnknownCalendar {
            id: id.to_string(),
            known: self.ids().map(str::to_string).collect(),
        })
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.calendars.iter().map(|c| c.id.as_str())
    }
}

impl HolidayRule {
    fn check(&self) -> Result<(), String> {
        if let (Some(from), Some(until)) = (self.from, self.until)
            && from > until
        {
            return Err(format!(
                "`{}`: from {from} is after until {until}",
                self.name
            ));
        }
        match self.on {
            Rule::Easter(days) | Rule::OrthodoxEaster(days) if days.abs() > 100 => Err(format!(
                "`{}`: {days} days from Easter is not a feast of that season",
                self.name
            )),
            Rule::NthWeekday { month, nth, .. }
                if !(1..=12).contains(&month) || !matches!(nth, -1 | 1..=4) =>
            {
                Err(format!(
                    "`{}`: month must be 1 to 12 and nth 1 to 4, or -1 for the last",
                    self.name
                ))
            }
            _ if self.moves.values().any(|days| days.abs() > 7) => {
                Err(format!("`{}`: a move is at most 7 days", self.name))
            }
            _ => Ok(()),
        }
    }

    fn kept_in(&self, year: i16) -> bool {
        self.from.is_none_or(|from| year >= from)
            && self.until.is_none_or(|until| year <= until)
            && !self.except.contains(&year)
    }

    /// The rule's date in `year`, before any observed day.
    fn date_in(&self, year: i16) -> Option<Date> {
        if !self.kept_in(year) {
            return None;
        }
        let date = match self.on {
            Rule::Date(day) => day.in_year(year)?,
            Rule::Once(date) => Some(date).filter(|d| d.year() == year)?,
            Rule::Easter(days) => easter(year)?.checked_add(i64::from(days).days()).ok()?,
            Rule::OrthodoxEaster(days) => orthodox_easter(year)?
                .checked_add(i64::from(days).days())
                .ok()?,
            Rule::NthWeekday {
                month,
                weekday,
                nth,
            } => {
                let first = Date::new(year, month, 1).ok()?;
                first.nth_weekday_of_month(nth, weekday.weekday()).ok()?
            }
            Rule::WeekdayFrom { weekday, date } => {
                let start = date.in_year(year)?;
                let wanted = weekday.weekday();
                if start.weekday() == wanted {
                    start
                } else {
                    start.nth_weekday(1, wanted).ok()?
                }
            }
        };
        let shift = self
            .moves
            .iter()
            .find(|(day, _)| day.weekday() == date.weekday())
            .map_or(0, |(_, days)| *days);
        date.checked_add(i64::from(shift).days()).ok()
    }
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

static NO_CALENDAR: Calendar = Calendar {
    id: String::new(),
    name: String::new(),
    source: String::new(),
    notes: String::new(),
    holidays: Vec::new(),
};

impl Calendar {
    /// A shipped calendar by id.
    pub fn named(id: &str) -> Option<&'static Calendar> {
        CalendarTable::builtin().calendar(id)
    }

    /// A calendar without holidays: only weekends are not working days.
    pub fn none() -> &'static Calendar {
        &NO_CALENDAR
    }

    /// The holidays and observed days in `year`, by date; none outside
    /// [`YEARS`].
    pub fn holidays_in(&self, year: i16) -> Vec<Holiday<'_>> {
        if !YEARS.contains(&year) {
            return vec![];
        }
        // Observed days cross year ends (a Saturday 1 January is observed on
        // 31 December), so the neighbouring years are worked out too.
        let mut days: Vec<(Holiday<'_>, Option<Observance>)> = (year - 1..=year + 1)
            .flat_map(|y| {
                self.holidays.iter().filter_map(move |rule| {
                    let date = rule.date_in(y)?;
                    let day = Holiday {
                        date,
                        name: &rule.name,
                        kind: HolidayKind::Day,
                    };
                    Some((day, rule.observed))
                })
            })
            .collect();
        days.sort_by_key(|(day, _)| day.date);
        let mut taken: BTreeSet<Date> = days.iter().map(|(day, _)| day.date).collect();
        let mut observed = Vec::new();
        // In date order, so Christmas takes the Monday before Boxing Day does.
        for (day, observance) in &days {
            let Some(observance) = observance.filter(|_| is_weekend(day.date)) else {
                continue;
            };
            let Some(date) = observed_date(day.date, observance, &taken) else {
                continue;
            };
            taken.insert(date);
            observed.push(Holiday {
                date,
                kind: HolidayKind::Observed,
                ..*day
            });
        }
        let mut found: Vec<Holiday<'_>> = days
            .into_iter()
            .map(|(day, _)| day)
            .chain(observed)
            .filter(|day| day.date.year() == year)
            .collect();
        found.sort_by_key(|day| day.date);
        found
    }

    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays_in(date.year())
            .iter()
            .any(|day| day.date == date)
    }
}

/// The weekday observed for a holiday on `date`, a weekend day.
fn observed_date(date: Date, observance: Observance, taken: &BTreeSet<Date>) -> Option<Date> {
    match observance {
        Observance::NearestWeekday => match date.weekday() {
            Weekday::Saturday => date.yesterday().ok(),
            _ => date.tomorrow().ok(),
        },
        Observance::Substitute => {
            let mut next = date.tomorrow().ok()?;
            while is_weekend(next) || taken.contains(&next) {
                next = next.tomorrow().ok()?;
            }
            Some(next)
        }
    }
}

#[cfg(test)]
mod tests;
