//! Outbound channels end to end: Teams, PagerDuty and Opsgenie hear of an
//! incident's declaration, severity change, acknowledgement and recovery
//! through the outbox. The services are SaaS, so one loopback receiver
//! stands in for all three: it checks each request against the provider's
//! documented shape (method, path, headers, required fields) and answers as
//! the provider does, including a rate limit (429 with Retry-After). The
//! credentials are sealed at rest: not in the database file, not in any
//! answer.

use crate::support::{Server, assert_success, stderr};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROUTING_KEY: &str = "R0UTINGKEY0123456789abcdef012345";
const GENIE_KEY: &str = "eb243592-faa2-4ba2-a551q-1afdf565c889";
const TEAMS_PATH: &str = "/webhookb2/7d1a/IncomingWebhook/c0ffee/secret-signature";
const SLACK_HOOK_PATH: &str = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";

/// One request as the receiver saw it, and how it answered.
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) headers: Vec<(String, String)>,
    /// The body as JSON (null when it is not).
    pub(super) body: Value,
    /// The body as sent.
    pub(super) text: String,
    pub(super) status: u16,
}

impl Call {
    pub(super) fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// What a provider answers: status, extra headers, body.
pub(super) type Answer = (u16, Vec<(&'static str, String)>, String);

fn pagerduty(call: &Call, calls_so_far: usize) -> Answer {
    let body = &call.body;
    let mut errors = Vec::new();
    if call.method != "POST" || call.path != "/v2/enqueue" {
        return (404, vec![], String::new());
    }
    if !call.header("content-type").starts_with("application/json") {
        errors.push("Content-Type must be application/json".to_string());
    }
    if body["routing_key"].as_str().unwrap_or_default().is_empty() {
        errors.push("'routing_key' is missing or blank".into());
    }
    let action = body["event_action"].as_str().unwrap_or_default();
    if !["trigger", "acknowledge", "resolve"].contains(&action) {
        errors.push("'event_action' is invalid".into());
    }
    if action != "trigger" && body["dedup_key"].as_str().is_none() {
        errors.push("'dedup_key' is required for acknowledge and resolve".into());
    }
    if action == "trigger" {
        let payload = &body["payload"];
        for field in ["summary", "source", "severity"] {
            if payload[field].as_str().unwrap_or_default().is_empty() {
                errors.push(format!("'payload.{field}' is missing or blank"));
            }
        }
        if !["critical", "error", "warning", "info"]
            .contains(&payload["severity"].as_str().unwrap_or_default())
        {
            errors.push("'payload.severity' is invalid".into());
        }
    }
    if !errors.is_empty() {
        let answer = json!({"status": "invalid event", "message": "Event object is invalid", "errors": errors});
        return (400, vec![], answer.to_string());
    }
    // The first event is rate limited, as PagerDuty does past its quota.
    if calls_so_far == 0 {
        let answer = json!({"status": "throttle event", "message": "Requests for this service are arriving too quickly. Please retry later."});
        return (429, vec![("retry-after", "2".into())], answer.to_string());
    }
    let answer =
        json!({"status": "success", "message": "Event processed", "dedup_key": body["dedup_key"]});
    (202, vec![], answer.to_string())
}

fn opsgenie(call: &Call) -> Answer {
    let request_id = json!({"took": 0.01, "requestId": "43a29c5c-3dbf-4fa4-9c26-f4f71023e120"});
    if call.header("authorization") != format!("GenieKey {GENIE_KEY}") {
        let mut answer = request_id.clone();
        answer["message"] = json!("Could not authenticate");
        return (401, vec![], answer.to_string());
    }
    let (path, query) = call.path.split_once('?').unwrap_or((&call.path, ""));
    let by_alias = |action: &str| {
        path.strip_prefix("/v2/alerts/")
            .and_then(|rest| rest.strip_suffix(&format!("/{action}")))
            .is_some_and(|alias| alias.starts_with("firebreak-INC-"))
            && query == "identifierType=alias"
    };
    let valid = match call.method.as_str() {
        "POST" if path == "/v2/alerts" => {
            let message = call.body["message"].as_str().unwrap_or_default();
            !message.is_empty()
                && message.chars().count() <= 130
                && call.body["alias"].as_str().is_some_and(|a| a.len() <= 512)
                && ["P1", "P2", "P3", "P4", "P5"]
                    .contains(&call.body["priority"].as_str().unwrap_or_default())
        }
        "POST" => by_alias("acknowledge") || by_alias("close"),
        "PUT" => {
            by_alias("priority")
                && ["P1", "P2", "P3", "P4", "P5"]
                    .contains(&call.body["priority"].as_str().unwrap_or_default())
        }
        _ => false,
    };
    let mut answer = request_id;
    if !valid {
        answer["message"] = json!("Request body is not processable");
        return (422, vec![], answer.to_string());
    }
    answer["result"] = json!("Request will be processed");
    (202, vec![], answer.to_string())
}

fn teams(call: &Call) -> Answer {
    let attachment = &call.body["attachments"][0];
    let card = &attachment["content"];
    let valid = call.method == "POST"
        && call.path == TEAMS_PATH
        && call.header("content-type").starts_with("application/json")
        && call.body["type"] == "message"
        && attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        && card["type"] == "AdaptiveCard"
        && card["version"].as_str().is_some()
        && card["body"].as_array().is_some_and(|b| !b.is_empty());
    if valid {
        (200, vec![], "1".into())
    } else {
        (
            400,
            vec![],
            "Bad payload received by generic incoming webhook.".into(),
        )
    }
}

/// A Slack incoming webhook: a JSON body with `text` (and, here, Block Kit
/// `blocks`); Slack answers `ok`, or an error word with a 4xx.
fn slack_webhook(call: &Call) -> Answer {
    if call.method != "POST" || call.path != SLACK_HOOK_PATH {
        return (404, vec![], "no_service".into());
    }
    let valid = call.header("content-type").starts_with("application/json")
        && call.body["text"].as_str().is_some_and(|t| !t.is_empty())
        && call.body["blocks"].as_array().is_some_and(|blocks| {
            !blocks.is_empty()
                && blocks.iter().all(|b| {
                    ["section", "context", "actions"]
                        .contains(&b["type"].as_str().unwrap_or_default())
                })
        });
    if valid {
        (200, vec![], "ok".into())
    } else {
        (400, vec![], "invalid_payload".into())
    }
}

/// Reads one HTTP/1.1 request from `stream`.
fn read_call(stream: &std::net::TcpStream) -> Option<Call> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let (name, value) = (name.to_ascii_lowercase(), value.trim().to_string());
            if name == "content-length" {
                length = value.parse().ok()?;
            }
            headers.push((name, value));
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Call {
        method,
        path,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        text: String::from_utf8_lossy(&body).into_owned(),
        status: 0,
    })
}

/// A loopback stand-in for one provider; answers as `answer` says.
pub(super) fn start_provider(
    mut answer: impl FnMut(&Call, usize) -> Answer + Send + 'static,
) -> (String, Arc<Mutex<Vec<Call>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = calls.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some(mut call) = read_call(&stream) else {
                continue;
            };
            let mut log = log.lock().unwrap();
            let (status, headers, body) = answer(&call, log.len());
            call.status = status;
            log.push(call);
            let extra: String = headers
                .iter()
                .map(|(name, value)| format!("{name}: {value}\r\n"))
                .collect();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, calls)
}

pub(super) fn wait_for(
    calls: &Mutex<Vec<Call>>,
    what: &str,
    done: impl Fn(&[Call]) -> bool,
) -> Vec<Call> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = calls.lock().unwrap().clone();
        if done(&seen) {
            return seen;
        }
        assert!(Instant::now() < deadline, "{what}: only {seen:#?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(super) fn accepted(calls: &[Call]) -> Vec<&Call> {
    calls.iter().filter(|c| c.status < 300).collect()
}

pub(super) fn add_channel(server: &Server, dir: &Path, definition: Value, credential: &str) {
    let file = dir.join(format!("{}.toml", definition["slug"].as_str().unwrap()));
    std::fs::write(&file, toml::to_string(&definition).unwrap()).unwrap();
    let file = file.to_string_lossy().into_owned();
    let added = server.cli_as(
        &server.token,
        &["oncall", "channel", "add", &file],
        Some(&format!("{credential}\n")),
    );
    assert_success(&added, &["oncall channel add", &file]);
}

fn ok(server: &Server, args: &[&str]) -> Value {
    server.json(args)
}

#[test]
fn teams_pagerduty_and_opsgenie_hear_of_an_incident_with_sealed_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let (pd_url, pd_calls) = start_provider(pagerduty);
    let (og_url, og_calls) = start_provider(|call, _| opsgenie(call));
    let (teams_url, teams_calls) = start_provider(|call, _| teams(call));
    let (hook_url, hook_calls) = start_provider(|call, _| slack_webhook(call));
    let server = Server::start_with(dir.path(), &["--public-url", "http://firebreak.test"]);
    assert_success(
        &server.cli(&["system", "register", "scoring", "--name", "Credit scoring"]),
        &["system register"],
    );
    add_channel(
        &server,
        dir.path(),
        json!({"slug": "ops-teams", "kind": "teams", "systems": ["scoring"]}),
        &format!("{teams_url}{TEAMS_PATH}"),
    );
    add_channel(
        &server,
        dir.path(),
        json!({"slug": "pd", "kind": "pagerduty", "endpoint": format!("{pd_url}/v2/enqueue")}),
        ROUTING_KEY,
    );
    add_channel(
        &server,
        dir.path(),
        json!({"slug": "ops-slack", "kind": "slack_webhook"}),
        &format!("{hook_url}{SLACK_HOOK_PATH}"),
    );
    add_channel(
        &server,
        dir.path(),
        json!({"slug": "genie", "kind": "opsgenie", "min_severity": "sev1", "endpoint": og_url}),
        GENIE_KEY,
    );

    ok(
        &server,
        &[
            "incident",
            "declare",
            "--title",
            "Scores all zero",
            "--severity",
            "sev2",
            "--rationale",
            "many refused",
            "--system",
            "scoring",
        ],
    );
    // PagerDuty throttles the first event; it arrives after Retry-After.
    let pd = wait_for(&pd_calls, "PagerDuty trigger after 429", |c| {
        !accepted(c).is_empty()
    });
    assert_eq!(pd[0].status, 429);
    let trigger = accepted(&pd)[0];
    assert_eq!(trigger.body["event_action"], "trigger");
    assert_eq!(trigger.body["routing_key"], ROUTING_KEY);
    assert_eq!(trigger.body["dedup_key"], "firebreak-INC-1");
    assert_eq!(trigger.body["payload"]["severity"], "error");
    assert_eq!(
        trigger.body["links"][0]["href"],
        "http://firebreak.test/incidents/INC-1"
    );
    let teams = wait_for(&teams_calls, "Teams card", |c| !accepted(c).is_empty());
    let card = &teams[0].body["attachments"][0]["content"];
    assert!(
        card.to_string().contains("Incident declared: INC-1 SEV2"),
        "{card}"
    );
    let hook = wait_for(&hook_calls, "Slack webhook message", |c| {
        !accepted(c).is_empty()
    });
    let text = hook[0].body["text"].as_str().unwrap();
    assert!(
        text.contains("Incident declared: INC-1 SEV2: Scores all zero"),
        "{text}"
    );
    assert!(
        text.contains("http://firebreak.test/incidents/INC-1"),
        "{text}"
    );
    assert_eq!(
        hook[0].body["blocks"][2]["elements"][0]["url"],
        "http://firebreak.test/incidents/INC-1"
    );
    assert!(
        og_calls.lock().unwrap().is_empty(),
        "a SEV2 does not reach a SEV1 channel"
    );

    ok(
        &server,
        &[
            "incident",
            "set",
            "INC-1",
            "--severity",
            "sev1",
            "--rationale",
            "everyone refused",
        ],
    );
    // Opsgenie hears of it only now, as a SEV1: an alert is created.
    let og = wait_for(&og_calls, "Opsgenie alert", |c| !accepted(c).is_empty());
    assert_eq!(
        (og[0].method.as_str(), og[0].path.as_str()),
        ("POST", "/v2/alerts")
    );
    assert_eq!(og[0].body["priority"], "P1");
    assert_eq!(og[0].body["alias"], "firebreak-INC-1");

    assert_success(&server.cli(&["oncall", "ack", "INC-1"]), &["oncall ack"]);
    for status in ["contained", "recovered"] {
        ok(
            &server,
            &[
                "incident",
                "transition",
                "INC-1",
                status,
                "--reason",
                "fallback serves",
            ],
        );
    }
    let og = wait_for(&og_calls, "Opsgenie acknowledge and close", |c| {
        accepted(c).len() >= 3
    });
    let paths: Vec<&str> = og.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(
        paths[1].contains("/acknowledge?identifierType=alias"),
        "{paths:?}"
    );
    assert!(
        paths[2].contains("/close?identifierType=alias"),
        "{paths:?}"
    );
    let pd = wait_for(&pd_calls, "PagerDuty acknowledge and resolve", |c| {
        accepted(c)
            .iter()
            .any(|c| c.body["event_action"] == "resolve")
    });
    let actions: Vec<&str> = accepted(&pd)
        .iter()
        .map(|c| c.body["event_action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["trigger", "trigger", "acknowledge", "resolve"]);
    assert!(
        pd.iter().all(|c| c.status != 400),
        "every request was well formed: {pd:#?}"
    );
    let teams = wait_for(&teams_calls, "Teams resolution card", |c| {
        accepted(c).len() >= 4
    });
    assert!(teams.iter().all(|c| c.status == 200));
    let headings: Vec<String> = teams
        .iter()
        .map(|c| c.body["attachments"][0]["content"]["body"][0]["text"].to_string())
        .collect();
    for (heading, expected) in headings.iter().zip([
        "Incident declared",
        "Severity changed",
        "Page acknowledged",
        "Incident resolved",
    ]) {
        assert!(heading.contains(expected), "{headings:?}");
    }

    let hook = wait_for(&hook_calls, "Slack webhook messages", |c| {
        accepted(c).len() >= 4
    });
    assert!(hook.iter().all(|c| c.status == 200), "{hook:#?}");

    // Every attempt is on the timeline, the throttled one too.
    let timeline = server.json(&["incident", "show", "INC-1", "--timeline"])["timeline"].clone();
    let attempts: Vec<&Value> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "notice_attempt")
        .collect();
    assert!(
        attempts.iter().any(|e| e["body"]["channel"] == "pd"
            && e["body"]["result"].as_str().unwrap().contains("429")),
        "{attempts:#?}"
    );
    // PagerDuty 4 and a throttled one, Opsgenie 3, Teams 4, Slack 4.
    assert_eq!(attempts.len(), 16, "{attempts:#?}");

    // Sealed at rest: no credential in the database or any answer.
    let listed = server.json(&["oncall", "channel", "list"]).to_string();
    for secret in [
        ROUTING_KEY,
        GENIE_KEY,
        "secret-signature",
        "XXXXXXXXXXXXXXXXXXXXXXXX",
    ] {
        assert!(!listed.contains(secret), "{secret} in {listed}");
        for file in ["firebreak.db", "firebreak.db-wal"] {
            let path = dir.path().join(file);
            if let Ok(bytes) = std::fs::read(&path) {
                let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
                assert!(!found, "{secret} stored in the clear in {file}");
            }
        }
    }
    assert!(listed.contains("\"credential_sealed\":true"), "{listed}");
    assert_success(&crate::support::verify(dir.path(), &[]), &["verify"]);
}

#[test]
fn bad_channels_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let file = dir.path().join("bad.json");
    std::fs::write(
        &file,
        json!({"slug": "t", "kind": "teams", "endpoint": "https://x.example", "systems": ["nope"]})
            .to_string(),
    )
    .unwrap();
    let file = file.to_string_lossy().into_owned();
    let refused = server.cli_as(
        &server.token,
        &["oncall", "channel", "add", &file],
        Some("not-a-url\n"),
    );
    assert!(!refused.status.success());
    let said = stderr(&refused);
    for field in ["endpoint", "credential"] {
        assert!(said.contains(field), "{field} not named: {said}");
    }
    std::fs::write(
        &file,
        json!({"slug": "t", "kind": "pagerduty", "systems": ["nope"]}).to_string(),
    )
    .unwrap();
    let refused = server.cli_as(
        &server.token,
        &["oncall", "channel", "add", &file],
        Some("KEY\n"),
    );
    assert!(
        stderr(&refused).contains("systems[0]"),
        "{}",
        stderr(&refused)
    );
    std::fs::write(
        &file,
        json!({"slug": "t", "kind": "pagerduty", "credential": "KEY"}).to_string(),
    )
    .unwrap();
    let refused = server.cli_as(
        &server.token,
        &["oncall", "channel", "add", &file],
        Some(""),
    );
    assert!(
        stderr(&refused).contains("standard input"),
        "{}",
        stderr(&refused)
    );
}
