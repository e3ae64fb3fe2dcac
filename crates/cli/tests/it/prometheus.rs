//! A real Prometheus (Debian's `prometheus`) scrapes `/metrics` with a
//! viewer token and holds each monitor's latest values and state. Skipped
//! when the binary is absent, unless `FIREBREAK_REQUIRE_PROMETHEUS` is set
//! (as `scripts/test` sets it).

use crate::support::{Server, assert_success};
use serde_json::Value;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Prometheus(Child);

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn installed() -> bool {
    let found = Command::new("prometheus")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("FIREBREAK_REQUIRE_PROMETHEUS").is_none(),
            "FIREBREAK_REQUIRE_PROMETHEUS is set but `prometheus` is not installed"
        );
        eprintln!("skipped: Debian's `prometheus` is not installed (apt-get install prometheus)");
    }
    found
}

fn query(url: &str, expression: &str) -> Vec<Value> {
    reqwest::blocking::Client::new()
        .get(format!("{url}/api/v1/query"))
        .query(&[("query", expression)])
        .send()
        .ok()
        .and_then(|r| r.json::<Value>().ok())
        .and_then(|v| v["data"]["result"].as_array().cloned())
        .unwrap_or_default()
}

#[test]
fn prometheus_scrapes_each_monitor_s_latest_values_and_state() {
    if !installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs/date=2026-12-01");
    std::fs::create_dir_all(&logs).unwrap();
    let mut csv = String::from("timestamp,group,label,approved\n");
    for i in 0..50 {
        csv.push_str(&format!(
            "2026-12-01T00:{:02}:00Z,{},1,{}\n",
            i,
            ["A", "B"][i % 2],
            (i / 2) % 2
        ));
    }
    std::fs::write(logs.join("part-0.csv"), csv).unwrap();
    let server = Server::start(&dir.path().join("data"));
    assert_success(
        &server.cli(&["system", "register", "credit", "--name", "Credit scoring"]),
        &["system register"],
    );
    let definition = dir.path().join("m.toml");
    std::fs::write(
        &definition,
        "name = \"scraped\"\nsystem = \"credit\"\nschedule = \"1s\"\nsilent_after = \"1h\"\nthresholds = [\"dpd > 0.5\"]\n\
         [source]\npath = \"logs\"\n\
         [check]\nkind = \"fairness\"\ngroup = [\"group\"]\nlabel = \"label\"\nprediction = \"approved\"\n",
    )
    .unwrap();
    assert_success(
        &server.cli(&["monitor", "add", definition.to_str().unwrap()]),
        &["monitor add"],
    );

    let viewer = server.json(&["token", "create", "--description", "prometheus"]);
    let token = viewer["secret"].as_str().unwrap().to_string();
    let target = server.url.trim_start_matches("http://");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
         scrape_configs:\n  - job_name: firebreak\n    metrics_path: /metrics\n\
         \x20   authorization:\n      type: Bearer\n      credentials: {token}\n\
         \x20   static_configs:\n      - targets: ['{target}']\n"
    );
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _prometheus = Prometheus(
        Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts"),
    );
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let expression = "firebreak_monitor_state{monitor=\"scraped\",state=\"ok\"}";
    loop {
        let found = query(&url, expression);
        if found.first().is_some_and(|r| r["value"][1] == "1") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "Prometheus did not scrape the monitor's state; last answer {found:?}, targets {:?}",
            reqwest::blocking::get(format!("{url}/api/v1/targets"))
                .and_then(|r| r.text())
                .ok()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let rows = query(
        &url,
        "firebreak_monitor_value{monitor=\"scraped\",metric=\"rows\"}",
    );
    assert_eq!(rows[0]["value"][1], "50", "{rows:?}");
    let up = query(&url, "up{job=\"firebreak\"}");
    assert_eq!(up[0]["value"][1], "1");
}
