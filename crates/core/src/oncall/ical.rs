//! One person's on-call shifts as an RFC 5545 iCalendar feed, written by
//! hand: CRLF line ends, lines folded at 75 octets without splitting a
//! UTF-8 character, TEXT values escaped, every time in UTC.

use super::resolve::{Compiled, Shift, Source, join_shifts};
use super::schedule::Schedule;
use super::{OncallError, check_range};
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};

/// How far beyond the asked range shifts are looked at, so that an event
/// keeps its real start (and so its UID) when the range cuts through it.
const MARGIN_DAYS: i64 = 31;

/// The shifts of `user` in `schedules` that overlap `[from, to)`, as an
/// iCalendar. Each event's UID is derived from the schedule's slug, the
/// shift's start and the user, so it stays the same from one export to the
/// next while the shift does (shifts longer than a month may start at the
/// export's horizon instead). `now` is the DTSTAMP.
pub fn ical_for_user(
    schedules: &[Schedule],
    user: &str,
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
) -> Result<String, OncallError> {
    check_range(from, to)?;
    let margin = SignedDuration::from_hours(MARGIN_DAYS * 24);
    let wide_from = from.checked_sub(margin).unwrap_or(from);
    let wide_to = to.checked_add(margin).unwrap_or(to);
    let mut events: Vec<(&Schedule, Shift)> = Vec::new();
    for schedule in schedules {
        let compiled = Compiled::new(schedule)?;
        let shifts = join_shifts(compiled.parts(wide_from, wide_to)?);
        events.extend(
            shifts
                .into_iter()
                .filter(|s| s.user == user && s.end > from && s.start < to)
                .map(|s| (schedule, s)),
        );
    }
    events.sort_by(|a, b| (a.1.start, &a.0.slug).cmp(&(b.1.start, &b.0.slug)));

    let mut out = String::new();
    let mut line = |text: &str| {
        out.push_str(&fold(text));
        out.push_str("\r\n");
    };
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//Firebreak//On-call//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!(
        "X-WR-CALNAME:{}",
        escape(&format!("On call: {user}"))
    ));
    let stamp = utc_basic(now);
    for (schedule, shift) in &events {
        let start = utc_basic(shift.start);
        line("BEGIN:VEVENT");
        line(&format!(
            "UID:{}-{start}-{}@firebreak",
            schedule.slug,
            uid_part(user)
        ));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!("DTSTART:{start}"));
        line(&format!("DTEND:{}", utc_basic(shift.end)));
        line(&format!(
            "SUMMARY:{}",
            escape(&format!("On call: {}", schedule.name))
        ));
        line(&format!(
            "DESCRIPTION:{}",
            escape(&format!(
                "Schedule: {} ({})\nThrough: {}",
                schedule.name,
                schedule.slug,
                through(schedule, shift)
            ))
        ));
        line("TRANSP:OPAQUE");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    Ok(out)
}

/// The layers and overrides that make up a shift, in order, each once in a
/// row: `Primary, override, Primary`.
fn through(schedule: &Schedule, shift: &Shift) -> String {
    let mut names: Vec<String> = Vec::new();
    for part in &shift.parts {
        let name = match part.source {
            Source::Layer { index, .. } => schedule
                .layers
                .get(index)
                .map(|l| l.name.trim())
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| format!("layer {index}")),
            Source::Override { .. } => "override".to_string(),
        };
        if names.last() != Some(&name) {
            names.push(name);
        }
    }
    names.join(", ")
}

/// A user name as it may appear in a UID: letters, digits, `.`, `_` and `-`
/// as they are, every other byte as `%XX`.
fn uid_part(user: &str) -> String {
    let mut out = String::new();
    for byte in user.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped,
/// each line break as `\n`, other control characters but tab dropped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded (RFC 5545 §3.1) so that no physical line exceeds
/// 75 octets, counting the space that starts each continuation, and no
/// UTF-8 character is split. The result has no final line break.
pub(crate) fn fold(line: &str) -> String {
    const LIMIT: usize = 75;
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut used = 0;
    for c in line.chars() {
        let width = c.len_utf8();
        if used + width > LIMIT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += width;
    }
    out
}

/// An instant as UTC text in the iCalendar basic form, `20260308T070000Z`.
fn utc_basic(t: Timestamp) -> String {
    let dt = Offset::UTC.to_datetime(t);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}
