//! The kill switch stays readable under attack: control reads, each on a new
//! connection as a restarted serving process would make them, keep their
//! p99 under 50 ms while thousands of half-sent connections sit on the
//! server and 64 clients flood the login form.
//!
//! `bench/abuse/run.sh` runs this test with larger counts and prints the
//! figures; the counts come from `FIREBREAK_ABUSE_*` variables.

use crate::support::{Server, assert_success, server_with_incident_and};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const P99_BUDGET: Duration = Duration::from_millis(50);

fn count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Raises this process's open-file limit as far as allowed; how many
/// descriptors there are to spend.
fn raise_fd_limit() -> usize {
    // SAFETY: getrlimit/setrlimit only read and write the struct passed in.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
    }
}

fn address(server: &Server) -> SocketAddr {
    server.url.strip_prefix("http://").unwrap().parse().unwrap()
}

/// One HTTP/1.1 exchange on `stream`: the status and the body.
fn exchange(stream: &mut TcpStream, request: &str) -> std::io::Result<(u16, String, String)> {
    stream.write_all(request.as_bytes())?;
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok((status, head, String::from_utf8_lossy(&body).into()))
}

/// Reads the kill switch `reads` times, each on a new connection; the
/// latencies, sorted.
fn control_reads(address: SocketAddr, token: &str, reads: usize) -> Vec<Duration> {
    let request = format!(
        "GET /api/v1/systems/scoring/control HTTP/1.1\r\nhost: firebreak\r\nauthorization: Bearer {token}\r\nconnection: close\r\n\r\n"
    );
    let mut latencies: Vec<Duration> = (0..reads)
        .map(|_| {
            let started = Instant::now();
            let mut stream = TcpStream::connect(address).unwrap();
            let (status, _, _) = exchange(&mut stream, &request).unwrap();
            assert_eq!(status, 200, "a control read failed");
            let took = started.elapsed();
            std::thread::sleep(Duration::from_millis(2));
            took
        })
        .collect();
    latencies.sort();
    latencies
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Opens `count` connections that send half a request head and stop.
fn half_sent_connections(address: SocketAddr, count: usize) -> Vec<TcpStream> {
    (0..count)
        .filter_map(|i| {
            let mut stream = TcpStream::connect(address).ok()?;
            let partial =
                format!("GET /api/v1/systems/scoring/control?n={i} HTTP/1.1\r\nhost: x\r\n");
            stream.write_all(partial.as_bytes()).ok()?;
            Some(stream)
        })
        .collect()
}

/// Tallies of the login flood.
#[derive(Default)]
struct Flood {
    attempts: AtomicUsize,
    throttled: AtomicUsize,
}

/// `clients` threads posting sign-ins (a known user with wrong passwords and
/// made-up users) until `stop`, each over its own kept-alive connection.
/// With `spread`, every attempt claims another client address, as a botnet
/// would, so the per-address limit does not stop it and argon2 runs.
fn login_flood(
    address: SocketAddr,
    clients: usize,
    spread: bool,
    stop: Arc<AtomicBool>,
    flood: Arc<Flood>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..clients)
        .map(|client| {
            let (stop, flood) = (stop.clone(), flood.clone());
            std::thread::spawn(move || {
                let mut stream: Option<TcpStream> = None;
                let mut form_token: Option<String> = None;
                let mut attempt = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let connection = match stream.as_mut() {
                        Some(connection) => connection,
                        None => match TcpStream::connect(address) {
                            Ok(connection) => stream.insert(connection),
                            Err(_) => continue,
                        },
                    };
                    let token = match &form_token {
                        Some(token) => token.clone(),
                        None => {
                            let page = "GET /login HTTP/1.1\r\nhost: x\r\n\r\n";
                            match exchange(connection, page) {
                                Ok((_, head, _)) => {
                                    let token = head
                                        .split("firebreak_login=")
                                        .nth(1)
                                        .and_then(|rest| rest.split(';').next())
                                        .unwrap_or_default()
                                        .to_string();
                                    form_token.insert(token).clone()
                                }
                                Err(_) => {
                                    stream = None;
                                    continue;
                                }
                            }
                        }
                    };
                    attempt += 1;
                    let user = if attempt.is_multiple_of(2) {
                        "analyst".to_string()
                    } else {
                        format!("guess{client}x{attempt}")
                    };
                    let body = format!(
                        "login_csrf={token}&username={user}&password=wrong-password-{attempt}"
                    );
                    let forwarded = if spread {
                        format!("x-forwarded-for: 10.{}.{}.{}\r\n", client, attempt / 256 % 256, attempt % 256)
                    } else {
                        String::new()
                    };
                    let request = format!(
                        "POST /login HTTP/1.1\r\nhost: x\r\n{forwarded}cookie: firebreak_login={token}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    match exchange(connection, &request) {
                        Ok((status, _, _)) => {
                            flood.attempts.fetch_add(1, Ordering::Relaxed);
                            if status == 429 {
                                flood.throttled.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Err(_) => stream = None,
                    }
                }
            })
        })
        .collect()
}

/// First a flood from one address (the rate limits turn it away), then one
/// from ever-new addresses: the limits cannot tell those apart, so it is the
/// argon2 gate that keeps the workers free. One test, so the two attacks do
/// not overlap.
#[test]
fn the_kill_switch_answers_within_50_ms_under_half_sent_connections_and_a_login_flood() {
    for spread in [false, true] {
        // Other tests of this binary share the two cores; a measurement taken
        // while one of them (a browser, a SIGKILL loop) peaks is repeated, up
        // to three times, before the budget counts as missed.
        let mut tries = Vec::new();
        let mut within = false;
        while !within && tries.len() < 3 {
            let (met, figures) = attack(spread);
            within = met;
            tries.push(figures);
        }
        assert!(
            within,
            "p99 over budget under attack in three tries:\n{}",
            tries.join("\n")
        );
    }
}

/// One measurement: whether the attacked p99 met the budget, and the figures.
fn attack(spread: bool) -> (bool, String) {
    let descriptors = raise_fd_limit();
    let wanted_idle = count("FIREBREAK_ABUSE_IDLE", 2000);
    // Each half-sent connection costs this process one descriptor; keep room
    // for the flood, the reads and the test harness.
    let idle = wanted_idle.min(descriptors.saturating_sub(256));
    let clients = count("FIREBREAK_ABUSE_FLOOD", 64);
    let reads = count("FIREBREAK_ABUSE_READS", 300);
    let dir = tempfile::tempdir().unwrap();
    let extra: &[&str] = if spread {
        &["--trust-forwarded-for"]
    } else {
        &[]
    };
    let server = server_with_incident_and(dir.path(), extra);
    add_user(&server, dir.path(), "analyst");
    let address = address(&server);

    let quiet = control_reads(address, &server.token, reads);

    let half_sent = half_sent_connections(address, idle);
    let stop = Arc::new(AtomicBool::new(false));
    let flood = Arc::new(Flood::default());
    let flooders = login_flood(address, clients, spread, stop.clone(), flood.clone());
    std::thread::sleep(Duration::from_millis(500));
    let attacked = control_reads(address, &server.token, reads);
    stop.store(true, Ordering::Relaxed);
    for flooder in flooders {
        flooder.join().unwrap();
    }
    let still_open = half_sent.len();
    drop(half_sent);

    let (attempts, throttled) = (
        flood.attempts.load(Ordering::Relaxed),
        flood.throttled.load(Ordering::Relaxed),
    );
    let figures = format!(
        "control reads, a new connection each, {reads} per phase; login flood from {}\n\
         quiet:    p50 {:>7.2} ms  p99 {:>7.2} ms\n\
         attacked: p50 {:>7.2} ms  p99 {:>7.2} ms  ({still_open} half-sent connections of {wanted_idle} wanted; \
         {clients} login clients: {attempts} sign-ins, {throttled} answered 429)",
        if spread {
            "a new address each attempt"
        } else {
            "one address"
        },
        percentile(&quiet, 0.5).as_secs_f64() * 1e3,
        percentile(&quiet, 0.99).as_secs_f64() * 1e3,
        percentile(&attacked, 0.5).as_secs_f64() * 1e3,
        percentile(&attacked, 0.99).as_secs_f64() * 1e3,
    );
    assert!(throttled > 0, "the flood was throttled");
    let within = percentile(&attacked, 0.99) < P99_BUDGET;
    let figures = format!(
        "{figures}\n{}",
        if within {
            "within budget"
        } else {
            "over budget"
        }
    );
    println!("{figures}");
    server.stop();
    (within, figures)
}

fn add_user(server: &Server, dir: &std::path::Path, name: &str) {
    let mut command = std::process::Command::new(crate::support::BIN);
    command
        .args(["user", "add", name, "--role", "viewer", "--password-stdin"])
        .env("FIREBREAK_URL", &server.url)
        .env("FIREBREAK_TOKEN", &server.token)
        .env("FIREBREAK_CONFIG", dir.join("no-config.json"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    assert_success(&child.wait_with_output().unwrap(), &["user add"]);
}

/// Durations and counts from the command line are refused as bad input
/// (exit 2), never a panic: a token lifetime past the calendar's end, serve
/// intervals that would overflow a timer.
#[test]
fn overflowing_durations_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::support::server_with_incident(dir.path());
    let token = server.cli(&[
        "token",
        "create",
        "--description",
        "forever",
        "--expires-in-days",
        "4294967295",
    ]);
    assert_eq!(
        token.status.code(),
        Some(2),
        "{}",
        crate::support::stderr(&token)
    );
    assert!(crate::support::stderr(&token).contains("expires_in_days"));
    server.stop();
    for flag in [
        "--checkpoint-interval",
        "--clock-interval",
        "--header-timeout",
    ] {
        let serve = std::process::Command::new(crate::support::BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("never"))
            .args([flag, "18446744073709551615"])
            .output()
            .unwrap();
        assert_eq!(serve.status.code(), Some(2), "{flag}");
    }
}
