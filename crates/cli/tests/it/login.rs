//! `firebreak login --user`: someone with a password and no token yet gets
//! a CLI token of their own, so the commander acts as the commander.

use crate::support::{BIN, assert_success, server_with_incident, stderr};
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs the CLI with only the login file (no token in the environment).
fn cli_with_config(config: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("FIREBREAK_URL")
        .env_remove("FIREBREAK_TOKEN")
        .env("FIREBREAK_CONFIG", config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_user_with_a_password_logs_in_and_acts_as_themself() {
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    let password = "a long passphrase here\n";
    assert_success(
        &server.cli_as(
            &server.token,
            &[
                "user",
                "add",
                "alice",
                "--role",
                "commander",
                "--password-stdin",
            ],
            Some(password),
        ),
        &["user add"],
    );
    let config = dir.path().join("alice.json");
    let login = [
        "login",
        "--url",
        &server.url,
        "--user",
        "alice",
        "--password-stdin",
    ];

    let refused = cli_with_config(&config, &login, "not her password\n");
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("wrong user name or password"),
        "{}",
        stderr(&refused)
    );
    assert!(!config.exists(), "a refused login saves nothing");
    let unknown = cli_with_config(
        &config,
        &[
            "login",
            "--url",
            &server.url,
            "--user",
            "mallory",
            "--password-stdin",
        ],
        password,
    );
    assert_eq!(
        stderr(&unknown),
        stderr(&refused),
        "no hint that a name exists"
    );

    let logged_in = cli_with_config(&config, &login, password);
    assert_success(&logged_in, &["login"]);
    let said = String::from_utf8_lossy(&logged_in.stdout);
    assert!(said.contains("as alice (commander)"), "{said}");

    let assigned = cli_with_config(
        &config,
        &["incident", "assign", "INC-1", "commander", "alice"],
        "",
    );
    assert_success(&assigned, &["incident assign"]);
    let timeline = server.json(&["incident", "show", "INC-1", "--timeline"]);
    let actors: Vec<&str> = timeline["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["actor"].as_str())
        .collect();
    assert!(actors.contains(&"alice"), "{actors:?}");

    let tokens = cli_with_config(&config, &["token", "list", "--json"], "");
    assert_success(&tokens, &["token list"]);
    let tokens: serde_json::Value = serde_json::from_slice(&tokens.stdout).unwrap();
    let token = &tokens.as_array().unwrap()[0];
    assert_eq!(token["user"], "alice");
    assert!(
        token["description"]
            .as_str()
            .unwrap()
            .starts_with("firebreak CLI on "),
        "{token}"
    );
    assert!(token["expires_at"].is_string(), "{token}");
}

/// On a terminal (a pseudo-terminal from util-linux `script`) `login --user`
/// asks for the password with echo off; from a pipe it asks for
/// `--password-stdin` instead of reading what may not be meant as one.
#[test]
fn login_asks_for_the_password_on_a_terminal_without_echo() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let server = server_with_incident(&dir.path().join("data"));
    let password = "a long passphrase here";
    assert_success(
        &server.cli_as(
            &server.token,
            &[
                "user",
                "add",
                "bob",
                "--role",
                "responder",
                "--password-stdin",
            ],
            Some(password),
        ),
        &["user add"],
    );
    let config = dir.path().join("bob.json");

    let piped = cli_with_config(
        &config,
        &["login", "--url", &server.url, "--user", "bob"],
        password,
    );
    assert_eq!(piped.status.code(), Some(2), "{}", stderr(&piped));
    assert!(
        stderr(&piped).contains("--password-stdin"),
        "{}",
        stderr(&piped)
    );

    let command = format!("{BIN} login --url {} --user bob", server.url);
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .env_remove("FIREBREAK_URL")
        .env_remove("FIREBREAK_TOKEN")
        .env("FIREBREAK_CONFIG", &config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux script runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0];
    // Type only once the prompt shows, as a person would: echo is off by then.
    while !String::from_utf8_lossy(&seen).contains("password: ") {
        assert_eq!(stdout.read(&mut byte).unwrap(), 1, "no prompt: {seen:?}");
        seen.push(byte[0]);
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{password}\n").as_bytes()).unwrap();
    stdout.read_to_end(&mut seen).unwrap();
    let status = child.wait().unwrap();
    let shown = String::from_utf8_lossy(&seen);
    assert!(status.success(), "{shown}");
    assert!(shown.contains("as bob (responder)"), "{shown}");
    assert!(
        !shown.contains(password),
        "the password was echoed: {shown}"
    );
    drop(stdin);
}
