//! On call end to end: the on-call answer, the final shifts and the
//! iCalendar export across a daylight-saving change and an override, and a
//! schedule naming an unknown user refused with the field named. Paging by
//! email is in `paging.rs`, with a real SMTP server.

use crate::support::{Server, assert_success, stderr};
use serde_json::json;
use std::path::Path;

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

fn ok(server: &Server, args: &[&str]) {
    assert_success(&server.cli(args), args);
}

#[test]
fn the_on_call_answer_follows_local_hand_offs_across_dst_and_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    for name in ["alice", "bob"] {
        ok(&server, &["user", "add", name, "--role", "responder"]);
    }
    let mut schedule = json!({
        "slug": "london",
        "name": "London",
        "time_zone": "Europe/London",
        "layers": [{"rotation": {"kind": "daily"}, "handoff": "09:00",
                    "start": "2026-03-27T09:00", "participants": ["alice", "bob", "mallory"]}],
        "overrides": [{"user": "bob", "start": "2026-03-29T10:00:00Z", "end": "2026-03-29T12:00:00Z"}],
    });
    let file = write(dir.path(), "london.json", &schedule.to_string());
    let refused = server.cli(&["oncall", "schedule", "add", &file]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("layers[0].participants[2]"),
        "{}",
        stderr(&refused)
    );
    schedule["layers"][0]["participants"] = json!(["alice", "bob"]);
    let file = write(dir.path(), "london.json", &schedule.to_string());
    ok(&server, &["oncall", "schedule", "add", &file]);

    let who = |at: &str| {
        let answer = server.json(&["oncall", "--at", at]);
        answer["schedules"][0]["on_call"]["user"]
            .as_str()
            .unwrap_or("nobody")
            .to_string()
    };
    // Turns: alice from 27 March, bob from 28 March, alice from 29 March at
    // 09:00 local. Clocks go forward at 01:00 UTC on 29 March, so that
    // hand-off is at 08:00 UTC, not 09:00.
    assert_eq!(who("2026-03-28T08:30:00Z"), "alice");
    assert_eq!(who("2026-03-28T09:00:00Z"), "bob");
    assert_eq!(who("2026-03-29T07:59:59Z"), "bob");
    assert_eq!(who("2026-03-29T08:00:00Z"), "alice");
    assert_eq!(who("2026-03-29T11:00:00Z"), "bob", "the override covers");
    assert_eq!(who("2026-03-29T12:00:00Z"), "alice");

    let shifts = server.json(&[
        "oncall",
        "schedule",
        "shifts",
        "london",
        "--from",
        "2026-03-28T12:00:00Z",
        "--to",
        "2026-03-29T12:00:00Z",
    ]);
    let spans: Vec<(String, String)> = shifts
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["user"].as_str().unwrap().to_string(),
                s["start"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            ("bob".to_string(), "2026-03-28T12:00:00Z".to_string()),
            ("alice".to_string(), "2026-03-29T08:00:00Z".to_string()),
            ("bob".to_string(), "2026-03-29T10:00:00Z".to_string()),
        ]
    );

    let calendar = server.cli(&[
        "oncall",
        "schedule",
        "ical",
        "alice",
        "--from",
        "2026-03-26T00:00:00Z",
        "--to",
        "2026-04-02T00:00:00Z",
    ]);
    assert_success(&calendar, &["schedule ical"]);
    let text = String::from_utf8(calendar.stdout).unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    assert!(text.ends_with("END:VCALENDAR\r\n"), "{text}");
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "every line ends with CRLF"
    );
    assert!(
        text.split("\r\n").all(|line| line.len() <= 75),
        "lines are folded at 75 octets"
    );
    assert!(text.contains("DTSTART:20260329T080000Z"), "{text}");
    assert!(text.matches("BEGIN:VEVENT").count() >= 3, "{text}");

    let response = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/users/alice/oncall.ics", server.url))
        .bearer_auth(&server.token)
        .send()
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
}
