use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};

pub const BIN: &str = env!("CARGO_BIN_EXE_firebreak");

/// A `firebreak serve` child process on a free loopback port.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub token: String,
    pub data_dir: PathBuf,
    /// The checkpoint signing key's fingerprint, as `serve` printed it.
    pub fingerprint: String,
}

impl Server {
    pub fn start(data_dir: &Path) -> Server {
        Server::start_with(data_dir, &[])
    }

    /// Starts with extra `serve` flags.
    pub fn start_with(data_dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--checkpoint-interval",
                "1",
                "--data-dir",
            ])
            .arg(data_dir)
            .args(database_flag(data_dir))
            .args(extra)
            .env("FIREBREAK_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("firebreak serve starts");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("serve prints its address").unwrap();
        let url = first
            .strip_prefix("Firebreak listening on ")
            .expect("address line")
            .to_string();
        let fingerprint = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                line.strip_prefix("checkpoint signing key fingerprint: ")
                    .map(str::to_string)
            })
            .expect("serve prints its key's fingerprint");
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let token = std::fs::read_to_string(data_dir.join("admin-token"))
            .unwrap()
            .trim()
            .to_string();
        Server {
            child,
            url,
            token,
            data_dir: data_dir.to_path_buf(),
            fingerprint,
        }
    }

    /// Runs a client command against this server as admin.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_as(&self.token, args, None)
    }

    pub fn cli_as(&self, token: &str, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env("FIREBREAK_URL", &self.url)
            .env("FIREBREAK_TOKEN", token)
            .env(
                "FIREBREAK_CONFIG",
                self.data_dir.join("no-such-config.json"),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        if let Some(input) = stdin {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    }

    /// Runs a command that must succeed and returns its JSON output.
    /// Adds a user with a password, as the admin.
    pub fn add_user(&self, name: &str, role: &str, password: &str) {
        let added = self.cli_as(
            &self.token,
            &["user", "add", name, "--role", role, "--password-stdin"],
            Some(&format!("{password}\n")),
        );
        assert_success(&added, &["user add", name]);
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let output = self.cli(&with_json);
        assert_success(&output, args);
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{args:?} printed no JSON: {e}"))
    }

    /// GETs `path` as admin, which must succeed, and answers the body.
    pub fn get_text(&self, path: &str) -> String {
        let response = reqwest::blocking::Client::new()
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.text().unwrap()
    }

    pub fn stop(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Stops as an operator would (SIGTERM): the server signs what is left
    /// and delivers its witness copies before it exits.
    pub fn stop_gracefully(mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: signalling our own child process, which has not been reaped.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "serve exited with {status}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn assert_success(output: &Output, what: &[&str]) {
    assert!(
        output.status.success(),
        "{what:?} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// With `FIREBREAK_IT_DATABASE` (a PostgreSQL superuser URL) set, every data
/// directory keeps its records in a database of its own there, so the same
/// end-to-end tests run against PostgreSQL (`scripts/test` runs them so,
/// skipping those that edit the SQLite file itself). Answers the `--database`
/// flag for `serve` and `verify`, or nothing.
pub fn database_flag(data_dir: &Path) -> Vec<String> {
    use std::hash::{Hash, Hasher};
    let Some(admin) = std::env::var("FIREBREAK_IT_DATABASE")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        return Vec::new();
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut hasher);
    let name = format!("firebreak_it_{:016x}", hasher.finish());
    vec!["--database".to_string(), postgres_database(&admin, &name)]
}

/// The test service `variable` names (`scripts/test` starts each), or None
/// to skip; a missing one fails the test instead when `required` is set, as
/// CI sets it.
pub fn test_service(variable: &str, required: &str) -> Option<String> {
    let found = std::env::var(variable).ok().filter(|v| !v.is_empty());
    if found.is_none() {
        assert!(
            std::env::var_os(required).is_none(),
            "{required} is set but {variable} is not"
        );
        eprintln!("skipped: {variable} is not set");
    }
    found
}

/// The URL of database `name` on the PostgreSQL server `admin` (a superuser
/// URL) points at, created if it does not exist.
pub fn postgres_database(admin: &str, name: &str) -> String {
    let mut client = postgres::Client::connect(admin, postgres::NoTls).unwrap();
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .unwrap()
        .is_some();
    if !exists {
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
    }
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    format!("{base}/{name}")
}

/// `firebreak verify --data-dir DIR` plus extra flags.
pub fn verify(data_dir: &Path, extra: &[&str]) -> Output {
    Command::new(BIN)
        .arg("verify")
        .arg("--data-dir")
        .arg(data_dir)
        .args(database_flag(data_dir))
        .args(extra)
        .output()
        .unwrap()
}

/// The kinds of an incident's timeline events, oldest first.
pub fn timeline_kinds(server: &Server, id: &str) -> Vec<String> {
    server.json(&["incident", "show", id, "--timeline"])["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Registers `scoring` and declares one incident on it; returns the server.
pub fn server_with_incident(data_dir: &Path) -> Server {
    server_with_incident_and(data_dir, &[])
}

/// As [`server_with_incident`], with extra `serve` flags.
pub fn server_with_incident_and(data_dir: &Path, extra: &[&str]) -> Server {
    let server = Server::start_with(data_dir, extra);
    assert_success(
        &server.cli(&[
            "system",
            "register",
            "scoring",
            "--name",
            "Credit scoring",
            "--model-version",
            "v1:known-good",
        ]),
        &["system register"],
    );
    let incident = server.json(&[
        "incident",
        "declare",
        "--title",
        "Approval rate for group C fell",
        "--severity",
        "sev2",
        "--rationale",
        "thousands of applicants",
        "--system",
        "scoring",
        "--harm",
        "discrimination_bias",
        "--impact-started",
        "2026-03-01T08:00:00Z",
        "--detected",
        "2026-03-01T09:00:00Z",
    ]);
    assert_eq!(incident["id"], "INC-1");
    server
}

/// Sends INC-1's `scoring` to human review through the CLI; answers the
/// containment as the server acknowledged it.
pub fn contain_for_review(server: &Server) -> Value {
    server.json(&[
        "incident",
        "contain",
        "INC-1",
        "--system",
        "scoring",
        "--action",
        "human-review",
        "--reason",
        "bias against group C",
    ])
}

/// Copies a data directory with its subdirectories (`blobs/`).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A loopback HTTP receiver that records what it gets and answers 200, or
/// 500 to the first request when `fail_first`.
pub fn start_receiver(fail_first: bool) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/flags", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(": ") {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.parse().unwrap();
                    }
                    headers.push((name.to_ascii_lowercase(), value.to_string()));
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let mut log = log.lock().unwrap();
            log.push(Received {
                headers,
                body: String::from_utf8(body).unwrap(),
            });
            let status = if fail_first && log.len() == 1 {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            .unwrap();
        }
    });
    (url, received)
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}
