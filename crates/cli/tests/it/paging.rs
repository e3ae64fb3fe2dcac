//! Issue 14's acceptance, end to end with a real SMTP server (Debian's
//! OpenSMTPD, which `scripts/test` starts with `scripts/smtp.sh` and whose
//! Maildir these tests read): an alert declares a SEV1 whose escalation
//! policy pages a schedule; the on-call user's email arrives; nobody
//! acknowledges and level 2 is paged on time; the signed one-time link in
//! the delivered email (GET shows, POST takes) stops escalation; the
//! timeline shows every step and the metrics the time to acknowledge. And a
//! server killed with SIGKILL between level 1 and level 2 pages level 2
//! once after its restart, and nobody twice.
//!
//! Skipped without `FIREBREAK_TEST_SMTP`, failed then under
//! `FIREBREAK_REQUIRE_SMTP` (as CI sets it).

use crate::support::{Server, assert_success, test_service};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The test SMTP server and the Maildir it delivers every message to.
pub(super) struct Smtp {
    url: String,
    maildir: PathBuf,
}

pub(super) fn smtp() -> Option<Smtp> {
    let address = test_service("FIREBREAK_TEST_SMTP", "FIREBREAK_REQUIRE_SMTP")?;
    let maildir = std::env::var("FIREBREAK_TEST_MAILDIR")
        .expect("scripts/smtp.sh prints FIREBREAK_TEST_MAILDIR with FIREBREAK_TEST_SMTP");
    Some(Smtp {
        url: format!("smtp://{address}"),
        maildir: maildir.into(),
    })
}

impl Smtp {
    /// The `--smtp-url` that reaches it.
    pub(super) fn url(&self) -> &str {
        &self.url
    }

    /// Every message delivered to `address`, oldest first, as text.
    pub(super) fn mails_to(&self, address: &str) -> Vec<String> {
        let delivered_to = format!("Delivered-To: {address}\n");
        let mut found: Vec<(std::time::SystemTime, String)> = ["new", "cur"]
            .iter()
            .filter_map(|sub| std::fs::read_dir(self.maildir.join(sub)).ok())
            .flatten()
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let text = std::fs::read_to_string(entry.path())
                    .ok()?
                    .replace("\r\n", "\n");
                let modified = entry.metadata().ok()?.modified().ok()?;
                text.contains(&delivered_to)
                    .then(|| (modified, decode_quoted_printable(&text)))
            })
            .collect();
        found.sort();
        found.into_iter().map(|(_, text)| text).collect()
    }

    /// Waits until `address` has `count` messages; returns them.
    pub(super) fn wait_for(&self, address: &str, count: usize, within: Duration) -> Vec<String> {
        let start = Instant::now();
        loop {
            let mails = self.mails_to(address);
            if mails.len() >= count {
                return mails;
            }
            assert!(
                start.elapsed() < within,
                "{address} got {} of {count} emails within {within:?}",
                mails.len()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A message as a mail client shows it: a quoted-printable body (lettre's
/// choice for lines longer than 76 characters) decoded.
fn decode_quoted_printable(message: &str) -> String {
    if !message.contains("Content-Transfer-Encoding: quoted-printable") {
        return message.to_string();
    }
    let joined = message.replace("=\n", "");
    let mut decoded = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=')
            .then(|| joined.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// The acknowledgement link in an email, which must point at `public_url`.
fn ack_link(mail: &str, public_url: &str) -> String {
    let start = mail
        .find(&format!("{public_url}/ack/"))
        .unwrap_or_else(|| panic!("no acknowledgement link in:\n{mail}"));
    mail[start..].split_whitespace().next().unwrap().to_string()
}

pub(super) const PUBLIC_URL: &str = "http://firebreak.test";

pub(super) fn ok(server: &Server, args: &[&str]) {
    assert_success(&server.cli(args), args);
}

/// alice and bob (addresses unique to this run, the Maildir is shared), a
/// schedule with alice on call, a policy paging it and then bob after
/// `first` seconds, and round two after `second` more, with the fields of
/// `policy` added (urgencies, working hours); attached to `scoring`, whose
/// critical alerts declare incidents. Answers the addresses and the generic
/// integration's key.
fn configure(
    server: &Server,
    dir: &Path,
    first: u32,
    second: u32,
    policy: Value,
) -> ([String; 2], String) {
    let run = dir.file_name().unwrap().to_string_lossy().to_lowercase();
    let run: String = run.chars().filter(char::is_ascii_alphanumeric).collect();
    let addresses = ["alice", "bob"].map(|name| format!("{name}+{run}@example.org"));
    for (name, address) in ["alice", "bob"].iter().zip(&addresses) {
        ok(server, &["user", "add", name, "--role", "responder"]);
        let contact = format!("email = \"{address}\"\n[[rules]]\ncontact = \"email\"\n");
        let file = dir.join(format!("{name}.toml"));
        std::fs::write(&file, contact).unwrap();
        ok(server, &["oncall", "contact", name, file.to_str().unwrap()]);
    }
    ok(
        server,
        &["system", "register", "scoring", "--name", "Credit scoring"],
    );
    let mut entries = [
        (
            "schedule",
            json!({
                "slug": "ml-primary", "name": "ML primary", "time_zone": "Europe/Berlin",
                "layers": [{"rotation": {"kind": "weekly"}, "handoff": "09:00",
                            "start": "2026-01-05T09:00", "participants": ["alice"]}],
            }),
        ),
        (
            "escalation",
            json!({
                "slug": "scoring-policy", "name": "Credit scoring", "repeat": 1,
                "levels": [
                    {"targets": [{"kind": "schedule", "schedule": "ml-primary"}], "timeout_seconds": first},
                    {"targets": [{"kind": "user", "user": "bob"}], "timeout_seconds": second},
                ],
            }),
        ),
    ];
    if let (Some(entry), Some(extra)) = (entries[1].1.as_object_mut(), policy.as_object()) {
        entry.extend(extra.clone());
    }
    for (kind, entry) in entries {
        let file = dir.join(format!("{kind}.json"));
        std::fs::write(&file, entry.to_string()).unwrap();
        ok(server, &["oncall", kind, "add", file.to_str().unwrap()]);
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
    let rules = json!([{ "matchers": [{ "label": "model", "op": "=~", "value": "scoring-.*" }],
                         "system": "scoring", "action": "declare" }]);
    let file = dir.join("rules.json");
    std::fs::write(&file, rules.to_string()).unwrap();
    let integration = server.json(&[
        "integration",
        "create",
        "--name",
        "monitoring",
        "--source",
        "generic",
        "--rules-file",
        file.to_str().unwrap(),
    ]);
    (addresses, integration["key"].as_str().unwrap().to_string())
}

/// A critical alert on the scoring model, through generic ingest.
fn fire_alert(server: &Server, key: &str) {
    let alert = json!({
        "summary": "Approval rate for group C fell below 20%",
        "severity": "critical",
        "labels": {"model": "scoring-v2"},
    });
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/ingest/generic", server.url))
        .bearer_auth(key)
        .json(&alert)
        .send()
        .unwrap();
    assert!(answer.status().is_success(), "{}", answer.status());
}

pub(super) fn start(dir: &Path, smtp: &Smtp) -> Server {
    Server::start_with(
        &dir.join("data"),
        &["--smtp-url", &smtp.url, "--public-url", PUBLIC_URL],
    )
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

pub(super) fn timeline(server: &Server) -> Vec<Value> {
    let shown = server.json(&["incident", "show", "INC-1", "--timeline"]);
    shown["timeline"].as_array().cloned().unwrap_or_default()
}

pub(super) fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["kind"] == kind).collect()
}

fn time(value: &Value) -> Timestamp {
    value.as_str().unwrap().parse().unwrap()
}

/// Follows `link` on `server` (whose address the public URL stands for).
fn follow(server: &Server, link: &str, post: bool) -> (u16, String) {
    let url = link.replacen(PUBLIC_URL, &server.url, 1);
    let http = reqwest::blocking::Client::new();
    let answer = if post { http.post(url) } else { http.get(url) }
        .send()
        .unwrap();
    (answer.status().as_u16(), answer.text().unwrap())
}

#[test]
fn an_alert_pages_by_real_email_escalates_on_time_and_the_link_in_the_email_stops_it() {
    let Some(smtp) = smtp() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &smtp);
    let ([alice, bob], key) = configure(&server, dir.path(), 6, 15, json!({}));
    fire_alert(&server, &key);

    let first = smtp.wait_for(&alice, 1, Duration::from_secs(15));
    assert!(
        first[0]
            .contains("Subject: [Firebreak] INC-1 SEV1: Approval rate for group C fell below 20%"),
        "{}",
        first[0]
    );
    assert!(
        first[0].contains(&format!("{PUBLIC_URL}/incidents/INC-1")),
        "{}",
        first[0]
    );
    let alices_link = ack_link(&first[0], PUBLIC_URL);
    assert!(smtp.mails_to(&bob).is_empty(), "bob is level 2");

    // Nobody acknowledges: level 2 goes out on time.
    let second = smtp.wait_for(&bob, 1, Duration::from_secs(20));
    let plan = escalation(&server);
    let steps = plan["plan"]["steps"].as_array().unwrap();
    let sent = of_kind(&timeline(&server), "page_sent")
        .into_iter()
        .map(|e| (e["body"]["step"].clone(), time(&e["occurred_at"])))
        .collect::<Vec<_>>();
    assert_eq!(sent.len(), 2, "{sent:?}");
    for (step, (key, at)) in steps.iter().zip(&sent) {
        assert_eq!(&step["key"], key);
        let lateness = at.duration_since(time(&step["due"]));
        assert!(
            lateness >= SignedDuration::ZERO && lateness < SignedDuration::from_secs(5),
            "step {key} was {lateness:?} late"
        );
        eprintln!("measured: step {key} paged {lateness:?} after it was due");
    }
    assert_eq!(
        time(&steps[1]["due"]).duration_since(time(&steps[0]["due"])),
        SignedDuration::from_secs(6)
    );

    // Bob follows the link in his email: GET only shows (a scanner
    // prefetching it acknowledges nothing), POST takes the page as bob.
    let link = ack_link(&second[0], PUBLIC_URL);
    assert_ne!(link, alices_link, "each person gets a link of their own");
    let (status, page) = follow(&server, &link, false);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Acknowledge INC-1"), "{page}");
    assert_eq!(escalation(&server)["acknowledged_at"], Value::Null);
    let (status, page) = follow(&server, &link, true);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("escalation has stopped"), "{page}");

    // Used, forged and malformed links are refused with a page saying why.
    for (link, post) in [(&link, true), (&link, false), (&alices_link, true)] {
        let (status, page) = follow(&server, link, post);
        assert_eq!(status, 409, "{page}");
        assert!(page.contains("already acknowledged"), "{page}");
    }
    let as_alice = link.replacen(".bob.", ".alice.", 1);
    assert_ne!(as_alice, link);
    let (status, page) = follow(&server, &as_alice, true);
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("not signed by this server"), "{page}");
    assert_eq!(
        follow(&server, &format!("{PUBLIC_URL}/ack/nonsense"), true).0,
        400
    );

    // Escalation has stopped: round two (alice again, 15 s after bob) never
    // comes.
    let round_two = time(&steps[2]["due"]);
    while Timestamp::now() < round_two + SignedDuration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(smtp.mails_to(&alice).len(), 1, "alice was paged once");
    assert_eq!(smtp.mails_to(&bob).len(), 1, "bob was paged once");
    let state = escalation(&server);
    assert_eq!(state["sent"].as_array().unwrap().len(), 2, "{state}");
    assert_eq!(state["next_due"], Value::Null, "{state}");

    // The timeline tells every step: the page planned, each step sent, each
    // delivery attempt, the acknowledgement by bob through the link.
    let events = timeline(&server);
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in ["declared", "alert_linked", "page_planned"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert_eq!(of_kind(&events, "page_sent").len(), 2, "{kinds:?}");
    assert_eq!(of_kind(&events, "page_attempt").len(), 2, "{kinds:?}");
    let acknowledged = of_kind(&events, "page_acknowledged");
    assert_eq!(acknowledged.len(), 1, "{kinds:?}");
    assert_eq!(acknowledged[0]["actor"], "bob");
    assert_eq!(acknowledged[0]["body"]["via"], "link");

    // Time to acknowledge runs from the first page to the acknowledgement.
    let acknowledged_at = time(&state["acknowledged_at"]);
    let expected = acknowledged_at
        .duration_since(time(&steps[0]["due"]))
        .as_secs_f64();
    let metrics = server.json(&["metrics"]);
    let mtta = metrics["groups"][0]["metrics"]["time_to_acknowledge"]["mean_seconds"]
        .as_f64()
        .unwrap_or_else(|| panic!("no time to acknowledge in {metrics}"));
    assert!(
        (mtta - expected).abs() < 1.0,
        "MTTA {mtta} s, expected {expected} s"
    );
    assert!(mtta >= 6.0, "acknowledged after level 2, at {mtta} s");
    eprintln!("measured: MTTA {mtta:.1} s");
    assert_success(
        &crate::support::verify(&dir.path().join("data"), &[]),
        &["verify"],
    );
}

#[test]
fn a_server_killed_between_levels_pages_level_two_once_after_restart() {
    let Some(smtp) = smtp() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &smtp);
    let ([alice, bob], key) = configure(&server, dir.path(), 8, 60, json!({}));
    fire_alert(&server, &key);
    smtp.wait_for(&alice, 1, Duration::from_secs(15));
    // Level 1's delivery is recorded (else its retry after the restart would
    // rightly send it again, with the same Message-ID); level 2 is not due.
    let started = Instant::now();
    while of_kind(&timeline(&server), "page_attempt").is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no attempt recorded"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(escalation(&server)["sent"].as_array().unwrap().len(), 1);
    server.stop(); // SIGKILL

    let server = start(dir.path(), &smtp);
    let bobs = smtp.wait_for(&bob, 1, Duration::from_secs(30));
    let state = escalation(&server);
    let steps = state["plan"]["steps"].as_array().unwrap();
    // Let a repeat show itself if there were one.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(smtp.mails_to(&alice).len(), 1, "alice was paged once");
    assert_eq!(smtp.mails_to(&bob).len(), 1, "bob was paged once: {bobs:?}");
    let events = timeline(&server);
    let sent: Vec<&Value> = of_kind(&events, "page_sent");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1]["body"]["step"], steps[1]["key"]);
    let lateness = time(&sent[1]["occurred_at"]).duration_since(time(&steps[1]["due"]));
    eprintln!("measured: level 2 paged {lateness:?} after it was due, across a SIGKILL");
    assert!(lateness >= SignedDuration::ZERO && lateness < SignedDuration::from_secs(5));
    assert_eq!(of_kind(&events, "page_attempt").len(), 2);
    assert_eq!(state["sent"].as_array().unwrap().len(), 2, "{state}");
}

/// Waits up to `within` for INC-1's timeline to hold `count` events of `kind`.
fn wait_for_events(server: &Server, kind: &str, count: usize, within: Duration) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let events = timeline(server);
        if of_kind(&events, kind).len() >= count {
            return events;
        }
        assert!(
            started.elapsed() < within,
            "fewer than {count} {kind} events after {within:?}: {events:#?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A policy that pages SEV1 and SEV2 at once and lets SEV3 wait for working
/// hours (set three days ahead, so never now): a SEV3 incident is planned
/// but not paged; raised to SEV1 through the CLI, it is re-planned from now
/// and level 1 is paged at once. Needs no SMTP: the page is read off the
/// timeline, not a mailbox.
#[test]
fn raising_an_incident_s_severity_re_pages_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"));
    let later =
        Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date() + jiff::Span::new().days(3);
    let day = format!("{:?}", later.weekday()).to_lowercase();
    let urgency = json!({
        "urgency": {"sev1": "high", "sev2": "high", "sev3": "low", "sev4": "low"},
        "working_hours": {"time_zone": "UTC",
                          "windows": [{"days": [day], "start": "00:00", "end": "00:01"}]},
    });
    configure(&server, dir.path(), 60, 60, urgency);
    let declared = server.json(&[
        "incident",
        "declare",
        "--title",
        "Scores drift for group C",
        "--severity",
        "sev3",
        "--rationale",
        "a few applicants",
        "--system",
        "scoring",
    ]);
    assert_eq!(declared["id"], "INC-1");
    let plan = escalation(&server)["plan"].clone();
    assert_eq!(plan["urgency"], "low", "{plan}");
    let first_due = time(&plan["steps"][0]["due"]);
    assert!(
        first_due > Timestamp::now() + SignedDuration::from_hours(24),
        "SEV3 waits for working hours: {plan}"
    );
    // Long enough for the scheduler to page a step that were due.
    std::thread::sleep(Duration::from_secs(2));
    assert!(of_kind(&timeline(&server), "page_sent").is_empty());

    let raised = Timestamp::now();
    ok(
        &server,
        &[
            "incident",
            "set",
            "INC-1",
            "--severity",
            "sev1",
            "--rationale",
            "every applicant",
        ],
    );
    let events = wait_for_events(&server, "page_sent", 1, Duration::from_secs(15));
    let plans = of_kind(&events, "page_planned");
    assert_eq!(plans.len(), 2, "{plans:?}");
    assert_eq!(
        plans[1]["body"]["reason"], "severity raised from sev3 to sev1",
        "{:?}",
        plans[1]
    );
    assert_eq!(plans[1]["body"]["plan"]["urgency"], "high");
    let sent = of_kind(&events, "page_sent");
    assert_eq!(sent[0]["body"]["step"], json!({"round": 0, "level": 0}));
    assert_eq!(sent[0]["body"]["notifications"][0]["user"], "alice");
    let lateness = time(&sent[0]["occurred_at"]).duration_since(raised);
    eprintln!("measured: level 1 paged {lateness:?} after the raise to SEV1");
    assert!(lateness < SignedDuration::from_secs(10), "{lateness:?}");
    // Without SMTP the message is attempted and fails: still on the record.
    let events = wait_for_events(&server, "page_attempt", 1, Duration::from_secs(15));
    assert_eq!(of_kind(&events, "page_attempt")[0]["body"]["user"], "alice");
}
