//! Containment as serving code sees it: a real HTTP client following the
//! control stream, and control hooks called on a local receiver that records
//! what it got.

use crate::support::{
    Server, assert_success, contain_for_review, server_with_incident, start_receiver,
};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

pub fn control_read_token(server: &Server) -> String {
    let created = server.json(&[
        "token",
        "create",
        "--description",
        "serving code",
        "--scope",
        "control_read",
    ]);
    created["secret"].as_str().unwrap().to_string()
}

/// Reads Server-Sent Events `data:` lines from a blocking response.
pub struct EventReader {
    lines: std::io::Lines<BufReader<reqwest::blocking::Response>>,
}

impl EventReader {
    pub fn new(response: reqwest::blocking::Response) -> EventReader {
        EventReader {
            lines: BufReader::new(response).lines(),
        }
    }

    pub fn next_data(&mut self) -> serde_json::Value {
        for line in self.lines.by_ref() {
            let line = line.unwrap();
            if let Some(data) = line.strip_prefix("data: ") {
                return serde_json::from_str(data).unwrap();
            }
        }
        panic!("the event stream ended");
    }
}

#[test]
fn a_streaming_client_sees_a_containment_change() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    let token = control_read_token(&server);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let response = client
        .get(format!(
            "{}/api/v1/systems/scoring/control/stream",
            server.url
        ))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut events = EventReader::new(response);
    assert_eq!(events.next_data()["mode"], "normal");

    let contained = contain_for_review(&server);
    let acknowledged = Instant::now();
    let change = events.next_data();
    let latency = acknowledged.elapsed();
    assert_eq!(change["mode"], "human_review");
    assert_eq!(change["version"], 1);
    assert_eq!(change["incident"], "INC-1");
    assert_eq!(
        contained["incident"]["status"], "contained",
        "containment from triage contains (D5)"
    );
    assert!(
        latency < Duration::from_millis(100),
        "the change arrived {latency:?} after the write was acknowledged"
    );

    // A control-read token reads control states and nothing else.
    let other = client
        .get(format!("{}/api/v1/incidents", server.url))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(other.status(), 403);
}

#[test]
fn control_hooks_are_signed_retried_and_recorded_on_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    let (url, received) = start_receiver(true);
    let hook = server.json(&["control", "hook", "add", "scoring", &url]);
    let secret = hook["secret"].as_str().unwrap().to_string();
    // Shown once, sealed at rest (D28).
    let database = std::fs::read(dir.path().join("data").join("firebreak.db")).unwrap_or_default();
    assert!(
        !database
            .windows(secret.len())
            .any(|w| w == secret.as_bytes()),
        "the hook's secret is stored in the clear"
    );
    assert_success(
        &server.cli(&[
            "incident",
            "contain",
            "INC-1",
            "--system",
            "scoring",
            "--action",
            "disable",
            "--reason",
            "harmful output",
        ]),
        &["contain"],
    );
    let started = Instant::now();
    while received.lock().unwrap().len() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the hook was not retried"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    for request in received.lock().unwrap().iter() {
        let header = |name: &str| request.header(name);
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{}.{}", header("x-firebreak-timestamp"), request.body).as_bytes());
        let expected: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            header("x-firebreak-signature"),
            format!("sha256={expected}")
        );
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body["state"]["mode"], "disabled");
    }
    let started = Instant::now();
    loop {
        let shown = server.json(&["incident", "show", "INC-1", "--timeline"]);
        let attempts: Vec<String> = shown["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "hook_attempt")
            .map(|e| e["body"]["result"].as_str().unwrap().to_string())
            .collect();
        if attempts.len() == 2 {
            assert!(attempts[0].contains("500"), "{attempts:?}");
            assert!(attempts[1].starts_with("delivered"), "{attempts:?}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "attempts on the timeline: {attempts:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
