//! When a monitor runs: every fixed interval, or at the instants of a cron
//! expression (UTC).

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    Every(SignedDuration),
    Cron(Box<croner::Cron>),
}

/// `30s`, `10m`, `2h`, `7d` (also `500ms`); at least one millisecond.
pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` has no unit; write e.g. `30s`, `10m`, `1h` or `7d`"))?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a whole number"))?;
    let millis = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        other => {
            return Err(format!("`{other}` is not a unit; use ms, s, m, h, d or w"));
        }
    };
    let total = n
        .checked_mul(millis)
        .filter(|t| *t > 0 && *t <= 366 * 86_400_000)
        .ok_or_else(|| format!("`{text}` is not between 1 ms and a year"))?;
    Ok(SignedDuration::from_millis(total))
}

impl Schedule {
    /// An interval (`30s`) or a cron expression of five or six fields.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        if text.split_whitespace().count() >= 5 {
            let cron: croner::Cron = text
                .parse()
                .map_err(|e| format!("`{text}` is not a cron expression: {e}"))?;
            return Ok(Schedule::Cron(Box::new(cron)));
        }
        parse_duration(text).map(Schedule::Every)
    }

    /// The first run time strictly after `at`.
    pub fn next_after(&self, at: Timestamp) -> Timestamp {
        match self {
            Schedule::Every(every) => at.saturating_add(*every).unwrap_or(at),
            Schedule::Cron(cron) => {
                let zoned = at.to_zoned(jiff::tz::TimeZone::UTC);
                cron.find_next_occurrence(&zoned, false)
                    .map(|z| z.timestamp())
                    // A pattern with no future instant (30 February) runs
                    // yearly rather than never.
                    .unwrap_or_else(|_| {
                        at.saturating_add(SignedDuration::from_hours(24 * 365))
                            .unwrap_or(at)
                    })
            }
        }
    }

    /// The usual time between runs: the interval, or the gap between a cron
    /// expression's next two instants after the epoch of 2026.
    pub fn period(&self) -> SignedDuration {
        match self {
            Schedule::Every(every) => *every,
            Schedule::Cron(_) => {
                let start = Timestamp::from_second(1_767_225_600).expect("2026-01-01 is valid");
                let first = self.next_after(start);
                first
                    .duration_since(start)
                    .max(self.next_after(first).duration_since(first))
            }
        }
    }
}
