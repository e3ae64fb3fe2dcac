//! The server on a real PostgreSQL: the one named by
//! `FIREBREAK_TEST_POSTGRES` (a superuser URL; `scripts/test` starts a
//! throwaway server). Without it these tests are skipped, unless
//! `FIREBREAK_REQUIRE_POSTGRES` is set, as CI sets it.

use crate::containment::{EventReader, control_read_token};
use crate::support::{
    Server, assert_success, contain_for_review, postgres_database, server_with_incident_and,
    stderr, test_service, verify,
};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A fresh database on the test server, dropped at the end of the test.
pub struct Database {
    pub url: String,
    admin: String,
    name: String,
}

impl Database {
    pub fn fresh() -> Option<Database> {
        let admin = test_service("FIREBREAK_TEST_POSTGRES", "FIREBREAK_REQUIRE_POSTGRES")?;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "firebreak_it_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let url = postgres_database(&admin, &name);
        Some(Database { admin, name, url })
    }

    /// Runs `sql` directly, as someone with database access but no
    /// Firebreak credentials would.
    fn behind_firebreak(&self, sql: &str) {
        let mut client = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
        client.batch_execute(sql).unwrap();
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

#[test]
fn an_incident_on_postgres_is_contained_signed_and_verified() {
    let Some(database) = Database::fresh() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = server_with_incident_and(&data, &["--database", &database.url]);
    let contained = contain_for_review(&server);
    assert_eq!(contained["control"]["mode"], "human_review", "{contained}");
    let listed = server.json(&["incident", "list"]);
    assert_eq!(listed["items"][0]["id"], "INC-1");
    server.stop_gracefully();
    // Nothing of the records went to the data directory's SQLite file.
    assert!(!data.join("firebreak.db").exists());

    let checked = verify(&data, &["--database", &database.url]);
    assert_success(&checked, &["verify --database"]);
    let report = String::from_utf8_lossy(&checked.stdout);
    assert!(report.contains("integrity verified"), "{report}");

    database
        .behind_firebreak("UPDATE incidents SET record = replace(record, 'group C', 'group D')");
    let checked = verify(&data, &["--database", &database.url]);
    assert!(!checked.status.success());
    let report = String::from_utf8_lossy(&checked.stdout);
    assert!(report.contains("INC-1"), "{report}");

    // A second start on the same database keeps the first admin and key.
    let again = Server::start_with(&data, &["--database", &database.url]);
    let listed = again.json(&["incident", "list"]);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[test]
fn a_database_that_cannot_be_reached_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    for (url, expected) in [
        ("postgres://firebreak@127.0.0.1:1/firebreak", "unavailable"),
        ("not a url", "not valid"),
    ] {
        let output = Command::new(crate::support::BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--database", url])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{url}");
        let error = stderr(&output);
        assert!(
            error.contains("PostgreSQL") && error.contains(expected),
            "{url}: {error}"
        );
        assert!(!error.contains("panicked"), "{error}");
    }
}

#[test]
fn two_servers_on_one_database_share_containment_revocation_and_the_periodic_work() {
    let Some(database) = Database::fresh() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The first to start leads the periodic work; both share the data
    // directory (signing key, evidence content), as deployments must.
    let first = server_with_incident_and(&data, &["--database", &database.url]);
    let second = Server::start_with(&data, &["--database", &database.url]);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    // A containment through the first reaches the second's stream readers.
    let token = control_read_token(&first);
    let stream = client
        .get(format!(
            "{}/api/v1/systems/scoring/control/stream",
            second.url
        ))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(stream.status(), 200);
    let mut events = EventReader::new(stream);
    assert_eq!(events.next_data()["mode"], "normal");
    contain_for_review(&first);
    let acknowledged = Instant::now();
    let change = events.next_data();
    let latency = acknowledged.elapsed();
    assert_eq!(change["mode"], "human_review");
    assert!(latency < Duration::from_secs(1), "seen after {latency:?}");

    // A token revoked through the first stops working on the second.
    let control = format!("{}/api/v1/systems/scoring/control", second.url);
    let read = |token: &str| {
        client
            .get(&control)
            .bearer_auth(token)
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(read(&token), 200);
    let tokens = first.json(&["token", "list"]);
    let id = tokens
        .as_array()
        .or_else(|| tokens["items"].as_array())
        .unwrap()
        .iter()
        .find(|t| t["scope"] == "control_read")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_success(&first.cli(&["token", "revoke", &id]), &["token revoke"]);
    let revoked = Instant::now();
    while read(&token) == 200 {
        assert!(revoked.elapsed() < Duration::from_secs(1), "still accepted");
        std::thread::sleep(Duration::from_millis(20));
    }

    // The leader dies; the second takes over signing what it records.
    first.stop();
    second.json(&[
        "incident",
        "note",
        "INC-1",
        "recorded after the leader died",
    ]);
    let died = Instant::now();
    let strict = [
        "--database",
        &database.url,
        "--strict",
        "--max-unsigned-age",
        "0s",
    ];
    while !verify(&data, &strict).status.success() {
        assert!(
            died.elapsed() < Duration::from_secs(30),
            "no checkpoint covered the new event: {}",
            String::from_utf8_lossy(&verify(&data, &strict).stdout)
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    second.stop_gracefully();
    assert_success(&verify(&data, &["--database", &database.url]), &["verify"]);
}

#[test]
fn a_sqlite_data_directory_migrates_to_postgres_and_reads_the_same() {
    let Some(database) = Database::fresh() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = server_with_incident_and(&data, &[]);
    let log = dir.path().join("decisions.csv");
    std::fs::write(&log, "applicant,group,approved\n1,C,0\n2,A,1\n").unwrap();
    let log = log.to_str().unwrap();
    server.json(&[
        "evidence",
        "add",
        "INC-1",
        log,
        "--description",
        "decision log",
    ]);
    let tree = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rca/tests/fixtures/scram/models/Theatre/theatre.xml");
    let tree = tree.to_str().unwrap();
    server.json(&["rca", "put", "INC-1", "fault_tree", "main", "--file", tree]);
    server.json(&["postmortem", "draft", "INC-1"]);
    let report = server.json(&[
        "report",
        "draft",
        "INC-1",
        "--regime",
        "gdpr_art33",
        "--type",
        "notification",
    ]);
    assert_eq!(report["id"], "R-1");
    let pages = [
        "/api/v1/incidents/INC-1",
        "/api/v1/incidents/INC-1/timeline?limit=1000",
        "/api/v1/incidents/INC-1/evidence",
        "/api/v1/incidents/INC-1/rca",
        "/api/v1/incidents/INC-1/rca/fault_tree/main",
        "/api/v1/incidents/INC-1/postmortem",
        "/api/v1/incidents/INC-1/regulatory",
        "/api/v1/incidents/INC-1/reports/R-1",
        "/api/v1/systems",
        "/api/v1/tokens",
        "/api/v1/users",
    ];
    // What the new server's own jobs add after its start (the regulatory
    // clocks' warnings and their events) is new work, not migrated content;
    // the clocks' elapsed share is computed as of each read.
    let stored_part = |mut page: serde_json::Value| {
        if let Some(object) = page.as_object_mut() {
            object.remove("assessment");
            if let Some(record) = object.get_mut("record").and_then(|r| r.as_object_mut()) {
                record.remove("warnings_sent");
            }
        }
        page
    };
    let read_all = |server: &Server| -> Vec<serde_json::Value> {
        let client = reqwest::blocking::Client::new();
        pages
            .iter()
            .map(|page| {
                let response = client
                    .get(format!("{}{page}", server.url))
                    .bearer_auth(&server.token)
                    .send()
                    .unwrap();
                assert_eq!(response.status(), 200, "{page}");
                stored_part(response.json().unwrap())
            })
            .collect()
    };
    // A start runs the clock checks at once: restart so their warnings are
    // written here, and the pages read after the migration are the same.
    server.stop_gracefully();
    let server = Server::start_with(&data, &[]);
    let before = read_all(&server);
    let pages_before = read_pages(&server);
    let incident_page = pages_before[1].join("\n");
    for shown in [
        "decision log",
        "Approval rate for group C fell",
        "gdpr_art33",
    ] {
        assert!(incident_page.contains(shown), "{shown}: {incident_page}");
    }
    server.stop_gracefully();

    let migrate = |to: &str| {
        Command::new(crate::support::BIN)
            .args(["migrate", "--from"])
            .arg(&data)
            .args(["--to", to])
            .output()
            .unwrap()
    };
    let migrated = migrate(&database.url);
    assert_success(&migrated, &["migrate"]);
    let printed = String::from_utf8_lossy(&migrated.stdout);
    assert!(printed.contains("integrity verified"), "{printed}");
    assert!(printed.contains("evidence: 1 rows"), "{printed}");

    // Never into a database that already holds records.
    let again = migrate(&database.url);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("empty database"),
        "{}",
        stderr(&again)
    );

    assert_success(&verify(&data, &["--database", &database.url]), &["verify"]);
    let on_postgres = Server::start_with(&data, &["--database", &database.url]);
    let after = read_all(&on_postgres);
    for ((page, before), after) in pages.iter().zip(&before).zip(&after) {
        match (before.as_array(), after.as_array()) {
            // A timeline: every event migrated, first and unchanged.
            (Some(before), Some(after)) if page.contains("timeline") => {
                assert_eq!(before, &after[..before.len()], "{page} differs");
            }
            _ => assert_eq!(before, after, "{page} differs after the migration"),
        }
    }
    for ((page, before), after) in WEB_PAGES
        .iter()
        .zip(&pages_before)
        .zip(read_pages(&on_postgres))
    {
        let changed: Vec<_> = before.iter().filter(|line| !after.contains(line)).collect();
        let added: Vec<_> = after.iter().filter(|line| !before.contains(line)).collect();
        assert!(
            changed.is_empty() && added.is_empty(),
            "{page}: before {changed:#?} after {added:#?}"
        );
    }
}

/// The web pages a user reads, compared across the migration by their text.
const WEB_PAGES: [&str; 8] = [
    "/",
    "/incidents/INC-1",
    "/systems",
    "/systems/scoring",
    "/alerts",
    "/deadlines",
    "/actions",
    "/metrics",
];

fn read_pages(server: &Server) -> Vec<Vec<String>> {
    let client = reqwest::blocking::Client::new();
    WEB_PAGES
        .iter()
        .map(|page| {
            let response = client
                .get(format!("{}{page}", server.url))
                .bearer_auth(&server.token)
                // As a browser asks: `/metrics` answers others in Prometheus' format.
                .header("accept", "text/html")
                .send()
                .unwrap();
            assert_eq!(response.status(), 200, "{page}");
            visible_text(&response.text().unwrap())
                .into_iter()
                .map(without_running_times)
                .collect()
        })
        .collect()
}

/// A clock's "due in 2 d 3 h" or "4 min elapsed" moves on while the test
/// migrates (59 min becomes 1 h 0 min): such a line is compared by kind
/// only, so what the record says is compared and the clock's ticking is not.
/// So is an open incident's age, a duration alone on its line.
fn without_running_times(line: String) -> String {
    if is_duration(&line) {
        return "(a duration)".to_string();
    }
    ["due in ", "overdue by ", " elapsed"]
        .iter()
        .find(|phrase| line.contains(**phrase))
        .map_or(line.clone(), |phrase| {
            format!("(a clock: {})", phrase.trim())
        })
}

/// `under a minute`, `45 min`, `3 h 20 min` or `2 d 3 h`: how every page
/// words a duration.
fn is_duration(line: &str) -> bool {
    let words: Vec<&str> = line.split(' ').collect();
    line == "under a minute"
        || (!words.is_empty()
            && words.len().is_multiple_of(2)
            && words
                .chunks(2)
                .all(|pair| pair[0].parse::<u64>().is_ok() && ["d", "h", "min"].contains(&pair[1])))
}

/// The text a reader sees, a line per element, without scripts and styles.
fn visible_text(html: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let text = rest[..start]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !text.is_empty() {
            lines.push(text);
        }
        let tag = &rest[start..];
        let skip_to = ["<script", "<style"]
            .iter()
            .find(|open| tag.starts_with(**open))
            .and_then(|open| tag.find(&format!("</{}>", &open[1..])));
        let end = skip_to.unwrap_or(0)
            + tag[skip_to.unwrap_or(0)..]
                .find('>')
                .map_or(tag.len(), |i| i + 1);
        rest = &tag[end..];
    }
    lines
}

/// A PostgreSQL server of this test's own, started and stopped by
/// `scripts/postgres.sh`, so restarting it disturbs no other test.
struct OwnServer {
    dir: tempfile::TempDir,
    url: String,
}

impl OwnServer {
    fn script(action: &str, dir: &std::path::Path) -> std::process::Output {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres.sh");
        let output = Command::new(script).arg(action).arg(dir).output().unwrap();
        assert_success(&output, &["scripts/postgres.sh", action]);
        output
    }

    fn start() -> OwnServer {
        let dir = tempfile::tempdir().unwrap();
        let started = OwnServer::script("start", dir.path());
        let url = String::from_utf8(started.stdout)
            .unwrap()
            .trim()
            .to_string();
        OwnServer { dir, url }
    }

    fn restart(&self) {
        OwnServer::script("restart", self.dir.path());
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = OwnServer::script("stop", self.dir.path());
    }
}

#[test]
fn a_database_restart_under_load_is_a_503_and_loses_no_acknowledged_write() {
    // Needs what the shared test server needs: PostgreSQL's programs.
    if Database::fresh().is_none() {
        return;
    }
    let postgres = OwnServer::start();
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident_and(&dir.path().join("data"), &["--database", &postgres.url]);
    let url = format!("{}/api/v1/incidents/INC-1/entries", server.url);
    let token = server.token.clone();
    let writer = std::thread::spawn(move || {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let started = Instant::now();
        let mut answers = Vec::new();
        let mut n = 0;
        while started.elapsed() < Duration::from_secs(6) {
            let text = format!("note {n}");
            let response = client
                .post(&url)
                .bearer_auth(&token)
                .json(&serde_json::json!({ "text": text }))
                .send()
                .unwrap();
            let retry_after = response.headers().contains_key("retry-after");
            answers.push((text, response.status().as_u16(), retry_after));
            n += 1;
        }
        answers
    });
    std::thread::sleep(Duration::from_secs(1));
    postgres.restart();
    let answers = writer.join().unwrap();

    let refused: Vec<_> = answers
        .iter()
        .filter(|(_, status, _)| *status != 201)
        .collect();
    for (text, status, retry_after) in &refused {
        assert_eq!(*status, 503, "{text}");
        assert!(retry_after, "{text}: 503 without Retry-After");
    }
    // The server reconnected: the writes after the restart went through.
    assert_eq!(
        answers.last().unwrap().1,
        201,
        "no write succeeded after the restart"
    );
    let timeline = server.json(&["incident", "show", "INC-1", "--timeline"]);
    let noted: Vec<String> = timeline["timeline"]
        .as_array()
        .or_else(|| timeline["events"].as_array())
        .expect("a timeline")
        .iter()
        .filter_map(|e| e["body"]["text"].as_str().map(str::to_string))
        .collect();
    for (text, status, _) in &answers {
        let times = noted.iter().filter(|n| *n == text).count();
        if *status == 201 {
            assert_eq!(times, 1, "{text} was acknowledged");
        } else {
            assert!(times <= 1, "{text} was recorded twice");
        }
    }
    eprintln!(
        "{} writes during a PostgreSQL restart: {} acknowledged, {} answered 503",
        answers.len(),
        answers.len() - refused.len(),
        refused.len()
    );
    server.stop_gracefully();
    let verified = verify(&dir.path().join("data"), &["--database", &postgres.url]);
    assert_success(&verified, &["verify"]);
}
