//! On call and paging end to end: definitions through the CLI, a SEV1 that
//! emails the on-call user over SMTP (a loopback SMTP sink in this process
//! stands in for a Debian MTA), escalation to level 2 after the level's
//! timeout across a SIGKILL and restart without a repeated page, the
//! acknowledgement that stops it, and the on-call answer and iCalendar
//! export across a daylight-saving change.

use crate::support::{Server, assert_success, stderr};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One email the sink accepted: its recipients and its text.
#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    data: String,
}

/// A loopback SMTP server that accepts every message (no TLS, no auth) and
/// keeps it: enough of RFC 5321 for a client's EHLO, MAIL, RCPT, DATA, QUIT.
fn start_smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let kept = mails.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let kept = kept.clone();
            std::thread::spawn(move || converse(stream, &kept));
        }
    });
    (port, mails)
}

fn converse(mut stream: std::net::TcpStream, kept: &Mutex<Vec<Mail>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let _ = stream.write_all(b"220 sink ESMTP\r\n");
    let mut to = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let answer: &[u8] = if command.starts_with("EHLO") {
            b"250-sink\r\n250 8BITMIME\r\n"
        } else if command.starts_with("RCPT TO:") {
            to.push(
                line.trim_end()[8..]
                    .trim_matches(['<', '>', ' '])
                    .to_string(),
            );
            b"250 OK\r\n"
        } else if command == "DATA" {
            let _ = stream.write_all(b"354 go on\r\n");
            let mut data = String::new();
            loop {
                let mut body_line = String::new();
                if reader.read_line(&mut body_line).unwrap_or(0) == 0 || body_line == ".\r\n" {
                    break;
                }
                data.push_str(&body_line);
            }
            kept.lock().unwrap().push(Mail {
                to: std::mem::take(&mut to),
                data,
            });
            b"250 queued\r\n"
        } else if command == "QUIT" {
            let _ = stream.write_all(b"221 bye\r\n");
            return;
        } else {
            b"250 OK\r\n"
        };
        let _ = stream.write_all(answer);
    }
}

fn mails_to(mails: &Mutex<Vec<Mail>>, address: &str) -> Vec<Mail> {
    mails
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .cloned()
        .collect()
}

/// Waits until `address` has received `count` emails.
fn wait_for_mail(mails: &Mutex<Vec<Mail>>, address: &str, count: usize, within: Duration) {
    let start = Instant::now();
    while mails_to(mails, address).len() < count {
        assert!(
            start.elapsed() < within,
            "{address} got {} of {count} emails within {within:?}",
            mails_to(mails, address).len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

fn ok(server: &Server, args: &[&str]) {
    assert_success(&server.cli(args), args);
}

fn timeline_kinds(server: &Server) -> Vec<String> {
    server.json(&["incident", "show", "INC-1", "--timeline"])["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn escalation(server: &Server) -> Value {
    reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/incidents/INC-1/escalation", server.url))
        .bearer_auth(&server.token)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

/// alice and bob, a schedule with alice on call, a policy paging the
/// schedule then bob after a minute each, attached to `scoring`.
fn configure(server: &Server, dir: &Path) {
    for name in ["alice", "bob"] {
        ok(server, &["user", "add", name, "--role", "responder"]);
    }
    ok(
        server,
        &["system", "register", "scoring", "--name", "Credit scoring"],
    );
    let schedule = json!({
        "slug": "ml-primary",
        "name": "ML primary",
        "time_zone": "Europe/Berlin",
        "layers": [{"rotation": {"kind": "weekly"}, "handoff": "09:00",
                    "start": "2026-01-05T09:00", "participants": ["alice"]}],
    });
    let file = write(dir, "schedule.json", &schedule.to_string());
    ok(server, &["oncall", "schedule", "add", &file]);
    let policy = json!({
        "slug": "scoring-policy",
        "name": "Credit scoring",
        "levels": [
            {"targets": [{"kind": "schedule", "schedule": "ml-primary"}], "timeout_minutes": 1},
            {"targets": [{"kind": "user", "user": "bob"}], "timeout_minutes": 1},
        ],
        "repeat": 1,
    });
    let file = write(dir, "policy.json", &policy.to_string());
    ok(server, &["oncall", "escalation", "add", &file]);
    for name in ["alice", "bob"] {
        let contact = format!("email = \"{name}@example.org\"\n[[rules]]\ncontact = \"email\"\n");
        let file = write(dir, &format!("{name}.toml"), &contact);
        ok(server, &["oncall", "contact", name, &file]);
    }
    ok(
        server,
        &[
            "oncall",
            "escalation",
            "attach",
            "scoring",
            "scoring-policy",
        ],
    );
}

#[test]
fn a_sev1_pages_by_email_escalates_once_across_a_restart_and_stops_at_ack() {
    let dir = tempfile::tempdir().unwrap();
    let (port, mails) = start_smtp_sink();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let flags = [
        "--smtp-url",
        smtp.as_str(),
        "--public-url",
        "http://firebreak.test",
    ];
    let server = Server::start_with(dir.path(), &flags);
    configure(&server, dir.path());
    let now = server.json(&["oncall", "scoring"]);
    assert_eq!(now["policy"], "scoring-policy");
    assert_eq!(now["first_level"]["users"][0]["user"], "alice");

    let declared = std::time::SystemTime::now();
    server.json(&[
        "incident",
        "declare",
        "--title",
        "Scores all zero",
        "--severity",
        "sev1",
        "--rationale",
        "every applicant refused",
        "--system",
        "scoring",
    ]);
    wait_for_mail(&mails, "alice@example.org", 1, Duration::from_secs(15));
    let page = &mails_to(&mails, "alice@example.org")[0];
    assert!(
        page.data
            .contains("Subject: [Firebreak] INC-1 SEV1: Scores all zero"),
        "{}",
        page.data
    );
    assert!(
        page.data.contains("firebreak oncall ack INC-1"),
        "{}",
        page.data
    );
    assert!(
        page.data.contains("http://firebreak.test/incidents/INC-1"),
        "{}",
        page.data
    );
    assert!(
        mails_to(&mails, "bob@example.org").is_empty(),
        "bob is level 2"
    );

    // Killed mid-escalation: the restarted server neither pages alice again
    // nor forgets bob.
    server.stop();
    let server = Server::start_with(dir.path(), &flags);
    wait_for_mail(&mails, "bob@example.org", 1, Duration::from_secs(90));
    let waited = declared.elapsed().unwrap();
    assert!(
        waited >= Duration::from_secs(60),
        "level 2 came after {waited:?}, before its timeout"
    );
    assert_eq!(
        mails_to(&mails, "alice@example.org").len(),
        1,
        "alice was paged once"
    );

    let acknowledged = server.cli(&["oncall", "ack", "INC-1"]);
    assert_success(&acknowledged, &["oncall ack"]);
    let again = server.cli(&["oncall", "ack", "INC-1"]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already acknowledged"),
        "{}",
        stderr(&again)
    );

    let state = escalation(&server);
    assert_eq!(
        state["plan"]["steps"].as_array().unwrap().len(),
        4,
        "{state}"
    );
    assert_eq!(state["sent"].as_array().unwrap().len(), 2, "{state}");
    assert_eq!(
        state["next_due"],
        Value::Null,
        "acknowledged: nothing more is due"
    );
    let kinds = timeline_kinds(&server);
    for kind in [
        "page_planned",
        "page_sent",
        "page_attempt",
        "page_acknowledged",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} missing from {kinds:?}"
        );
    }
    assert_eq!(kinds.iter().filter(|k| *k == "page_sent").count(), 2);
    let metrics = server.json(&["metrics"]);
    assert!(
        metrics.to_string().contains("time_to_acknowledge"),
        "{metrics}"
    );
    let verified = crate::support::verify(dir.path(), &[]);
    assert_success(&verified, &["verify"]);
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
