//! Easter Sunday, from which the movable feasts are counted.

use jiff::ToSpan;
use jiff::civil::Date;

/// Western Easter Sunday in the Gregorian calendar (the anonymous Gregorian
/// computus of Meeus, Jones and Butcher). `None` before year 1.
pub fn easter(year: i16) -> Option<Date> {
    if year < 1 {
        return None;
    }
    let y = i32::from(year);
    let (a, b, c) = (y % 19, y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    Date::new(
        year,
        i8::try_from(n / 31).ok()?,
        i8::try_from(n % 31 + 1).ok()?,
    )
    .ok()
}

/// Orthodox Easter Sunday: the Julian computus (Meeus), its Julian date
/// carried to the Gregorian calendar. `None` before year 1.
pub fn orthodox_easter(year: i16) -> Option<Date> {
    if year < 1 {
        return None;
    }
    let y = i32::from(year);
    let d = (19 * (y % 19) + 15) % 30;
    let e = (2 * (y % 4) + 4 * (y % 7) - d + 34) % 7;
    let n = d + e + 114;
    // Read as a Gregorian date, then moved by the calendars' gap in March to
    // May: 13 days from 1900 to 2099, 14 in the 2100s.
    let julian = Date::new(
        year,
        i8::try_from(n / 31).ok()?,
        i8::try_from(n % 31 + 1).ok()?,
    )
    .ok()?;
    let gap = y / 100 - y / 400 - 2;
    julian.checked_add(i64::from(gap).days()).ok()
}
