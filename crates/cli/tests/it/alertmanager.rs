//! A real Prometheus Alertmanager (Debian's prometheus-alertmanager) sends its
//! webhooks to Firebreak: the incident appears, deduplicated, and the resolve
//! lands on its timeline.

use crate::support::{Server, assert_success};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Alertmanager(Child);

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_alertmanager(dir: &Path, webhook: &str, key: &str) -> (Alertmanager, String) {
    let config = format!(
        "route:\n  receiver: firebreak\n  group_by: ['alertname']\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n\
         receivers:\n  - name: firebreak\n    webhook_configs:\n      - url: {webhook}\n        send_resolved: true\n\
         \x20       http_config:\n          authorization:\n            type: Bearer\n            credentials: {key}\n"
    );
    std::fs::write(dir.join("alertmanager.yml"), config).unwrap();
    let port = free_port();
    let child = Command::new("prometheus-alertmanager")
        .arg(format!(
            "--config.file={}",
            dir.join("alertmanager.yml").display()
        ))
        .arg(format!("--storage.path={}", dir.join("am-data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus-alertmanager is installed (.ci/run installs it)");
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::blocking::get(format!("{url}/-/ready"))
        .map_or(true, |r| !r.status().is_success())
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "Alertmanager did not become ready"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    (Alertmanager(child), url)
}

fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn alertmanager_alerts_declare_once_and_resolve_on_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"));
    assert_success(
        &server.cli(&["system", "register", "scoring", "--name", "Credit scoring"]),
        &["register"],
    );
    let rules = json!([{ "matchers": [{ "label": "model", "op": "=~", "value": "scoring-.*" }], "system": "scoring", "action": "declare" }]);
    std::fs::write(dir.path().join("rules.json"), rules.to_string()).unwrap();
    let integration = server.json(&[
        "integration",
        "create",
        "--name",
        "prometheus",
        "--source",
        "alertmanager",
        "--rules-file",
        dir.path().join("rules.json").to_str().unwrap(),
    ]);
    let key = integration["key"].as_str().unwrap();
    let (_alertmanager, am_url) = start_alertmanager(
        dir.path(),
        &format!("{}/api/v1/ingest/alertmanager", server.url),
        key,
    );

    let starts_at = jiff::Timestamp::now().to_string();
    let alert = |ends_at: Option<String>| {
        let mut alert = json!([{
            "labels": { "alertname": "ApprovalRateDrift", "model": "scoring-v2", "severity": "critical" },
            "annotations": { "summary": "Approval rate for group C fell below 20%" },
            "startsAt": starts_at,
            "generatorURL": "http://prometheus.local/graph",
        }]);
        if let Some(ends_at) = ends_at {
            alert[0]["endsAt"] = json!(ends_at);
        }
        alert
    };
    let http = reqwest::blocking::Client::new();
    for _ in 0..3 {
        let fired = http
            .post(format!("{am_url}/api/v2/alerts"))
            .json(&alert(None))
            .send()
            .unwrap();
        assert!(fired.status().is_success(), "{}", fired.status());
    }
    wait_for("the incident", || {
        server.json(&["incident", "list"])["items"]
            .as_array()
            .is_some_and(|i| !i.is_empty())
    });
    std::thread::sleep(Duration::from_secs(3));
    let incidents = server.json(&["incident", "list"]);
    assert_eq!(
        incidents["items"].as_array().unwrap().len(),
        1,
        "deduplicated: {incidents}"
    );
    let incident = &incidents["items"][0];
    assert_eq!(incident["severity"], "sev1");
    assert_eq!(
        incident["title"],
        "Approval rate for group C fell below 20%"
    );
    let alerts = server.json(&["alert", "list"]);
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");

    let resolved = http
        .post(format!("{am_url}/api/v2/alerts"))
        .json(&alert(Some(jiff::Timestamp::now().to_string())))
        .send()
        .unwrap();
    assert!(resolved.status().is_success());
    wait_for("the resolve", || {
        server.json(&["alert", "list"])[0]["status"] == "resolved"
    });
    let shown: Value = server.json(&["incident", "show", "INC-1", "--timeline"]);
    let kinds: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["declared", "alert_linked", "alert_resolved"]);
}
