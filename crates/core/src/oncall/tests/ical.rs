//! iCalendar export: a snapshot of a small calendar, and the folding and
//! escaping rules on their own.

use super::super::ical::{escape, fold};
use super::*;

fn calendars() -> Vec<Schedule> {
    let mut primary = schedule(
        "Europe/London",
        json!([layer(
            daily(),
            "09:00",
            "2026-03-02T09:00",
            &["alice", "bob"]
        )]),
        json!([{"user": "carol", "start": "2026-03-06T12:00:00Z", "end": "2026-03-06T14:00:00Z"}]),
    );
    primary.name = "ML primary, EU; nights \\ weekends".into();
    primary.layers[0].name = "Primary".into();
    let mut secondary = schedule(
        "America/New_York",
        json!([layer(
            json!({"kind": "weekly"}),
            "10:00",
            "2026-03-02T10:00",
            &["dave", "alice"]
        )]),
        json!([]),
    );
    secondary.slug = "ml-secondary".into();
    secondary.name = "ML secondary".into();
    vec![primary, secondary]
}

fn export(from: &str, to: &str) -> String {
    ical_for_user(
        &calendars(),
        "alice",
        at(from),
        at(to),
        at("2026-03-05T12:00Z"),
    )
    .unwrap()
}

/// Lines as RFC 5545 wants them: CRLF-terminated, at most 75 octets.
fn assert_well_formed(ical: &str) {
    assert!(ical.ends_with("\r\n"));
    for line in ical.split_terminator("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
}

#[test]
fn small_calendar_snapshot() {
    let ical = export("2026-03-06T00:00Z", "2026-03-16T00:00Z");
    assert_well_formed(&ical);
    insta::assert_snapshot!(ical.replace("\r\n", "\n"));
}

/// An event cut by the range keeps the start (and so the UID) it had when
/// the whole shift was in range.
#[test]
fn uids_are_stable_across_exports() {
    let uids = |ical: &str| -> Vec<String> {
        ical.split("\r\n")
            .filter(|l| l.starts_with("UID:"))
            .map(str::to_string)
            .collect()
    };
    let wide = uids(&export("2026-03-06T00:00Z", "2026-03-16T00:00Z"));
    let late = uids(&export("2026-03-10T12:00Z", "2026-03-16T00:00Z"));
    assert!(!late.is_empty());
    for uid in &late {
        assert!(wide.contains(uid), "{uid} not in {wide:?}");
    }
}

#[test]
fn nothing_to_export_is_an_empty_calendar() {
    let ical = ical_for_user(
        &calendars(),
        "nobody",
        at("2026-03-06T00:00Z"),
        at("2026-03-07T00:00Z"),
        at("2026-03-05T12:00Z"),
    )
    .unwrap();
    assert!(!ical.contains("BEGIN:VEVENT"));
    assert!(ical.starts_with("BEGIN:VCALENDAR\r\n") && ical.ends_with("END:VCALENDAR\r\n"));
    // An odd user name is percent-encoded in the UID, escaped in the name.
    let mut s = calendars();
    s[0].layers[0].participants = vec!["ann é;x".into()];
    let ical = ical_for_user(
        &s[..1],
        "ann é;x",
        at("2026-03-06T00:00Z"),
        at("2026-03-07T00:00Z"),
        at("2026-03-05T12:00Z"),
    )
    .unwrap();
    assert!(
        ical.contains("UID:ml-primary-20260302T090000Z-ann%20%C3%A9%3Bx@firebreak\r\n"),
        "{ical}"
    );
    assert!(
        ical.contains("X-WR-CALNAME:On call: ann é\\;x\r\n"),
        "{ical}"
    );
}

#[test]
fn escaping_of_text_values() {
    assert_eq!(escape("a\\b;c,d"), "a\\\\b\\;c\\,d");
    assert_eq!(
        escape("one\ntwo\r\nthree\rfour"),
        "one\\ntwo\\nthree\\nfour"
    );
    assert_eq!(escape("tab\tbell\u{7}"), "tab\tbell");
    assert_eq!(escape("plain: text é"), "plain: text é");
}

/// Physical lines of a folded line.
fn physical(folded: &str) -> Vec<&str> {
    folded.split("\r\n").collect()
}

fn unfold(folded: &str) -> String {
    folded.replace("\r\n ", "")
}

#[test]
fn folding_at_75_octets() {
    let exactly = "X".repeat(75);
    assert_eq!(fold(&exactly), exactly);
    let one_more = "X".repeat(76);
    assert_eq!(physical(&fold(&one_more)), [&"X".repeat(75)[..], " X"]);

    let long = format!("DESCRIPTION:{}", "abcdefghij".repeat(30));
    let folded = fold(&long);
    let lines = physical(&folded);
    assert_eq!(lines[0].len(), 75);
    for line in &lines[1..] {
        assert!(line.starts_with(' '));
        assert!(line.len() <= 75);
    }
    assert_eq!(lines[1].len(), 75);
    assert_eq!(unfold(&folded), long);
}

/// A character of several octets is never split across lines.
#[test]
fn folding_keeps_utf8_characters_whole() {
    for text in [
        "é".repeat(100),
        "🔥".repeat(50),
        format!("a{}", "€".repeat(60)),
    ] {
        let line = format!("SUMMARY:{text}");
        let folded = fold(&line);
        for physical_line in physical(&folded) {
            assert!(physical_line.len() <= 75, "{physical_line}");
        }
        assert_eq!(unfold(&folded), line);
    }
    // "SUMMARY:" is 8 octets; 33 two-octet characters fill 74, the 34th
    // would make 76 and goes to the next line.
    let folded = fold(&format!("SUMMARY:{}", "é".repeat(40)));
    let lines = physical(&folded);
    assert_eq!(lines[0].len(), 74);
    assert_eq!(lines[1], format!(" {}", "é".repeat(7)));
}

#[test]
fn export_refuses_bad_ranges_and_schedules() {
    assert!(matches!(
        ical_for_user(
            &calendars(),
            "alice",
            at("2026-03-06T00:00Z"),
            at("2028-03-06T00:00Z"),
            at("2026-03-05T12:00Z")
        ),
        Err(OncallError::RangeTooLong { .. })
    ));
    let mut bad = calendars();
    bad[1].time_zone = "Nowhere".into();
    let error = ical_for_user(
        &bad,
        "alice",
        at("2026-03-06T00:00Z"),
        at("2026-03-07T00:00Z"),
        at("2026-03-05T12:00Z"),
    )
    .unwrap_err();
    assert!(error.to_string().contains("time_zone"), "{error}");
}
