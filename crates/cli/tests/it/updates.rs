//! Stakeholder updates end to end through the binary: a system's lists, a
//! SEV1 incident, an executives board brief drafted from its template,
//! sending refused until the communications lead approves, then sent with
//! its recipients on the timeline; with a real OpenSMTPD (see `paging`),
//! the email is read back from the Maildir.

use crate::paging::{of_kind, ok, smtp, timeline};
use crate::support::{Server, assert_success, stderr};
use serde_json::{Value, json};
use std::time::Duration;

/// A token of `user` (who has `password`), through the password sign-in.
fn token_of(server: &Server, user: &str, password: &str) -> String {
    let created: Value = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/sessions/token", server.url))
        .json(&json!({"user": user, "password": password, "description": "updates test"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    created["secret"].as_str().unwrap().to_string()
}

#[test]
fn a_sev1_board_brief_waits_for_the_communications_lead_and_reaches_the_executives() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = smtp();
    let run: String = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let ceo = format!("ceo+{run}@example.org");
    let mut flags: Vec<&str> = Vec::new();
    if let Some(smtp) = &smtp {
        flags.extend(["--smtp-url", smtp.url()]);
    }
    let server = Server::start_with(&dir.path().join("data"), &flags);
    ok(
        &server,
        &["system", "register", "scoring", "--name", "Credit scoring"],
    );
    let lists = dir.path().join("stakeholders.toml");
    std::fs::write(
        &lists,
        format!("[executives]\nemail = [\"{ceo}\"]\nslack = [\"U024BE7LH\"]\n"),
    )
    .unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"executives": {"email": ["ceo at example"]}}"#).unwrap();
    let refused = server.cli(&[
        "oncall",
        "stakeholders",
        "scoring",
        "--file",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("executives.email[0]"),
        "{}",
        stderr(&refused)
    );
    ok(
        &server,
        &[
            "oncall",
            "stakeholders",
            "scoring",
            "--file",
            lists.to_str().unwrap(),
        ],
    );
    let declared = server.json(&[
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
        "--detected",
        "2026-03-01T09:00:00Z",
    ]);
    assert_eq!(declared["id"], "INC-1");
    server.add_user("carol", "responder", "carol-password-1");
    ok(
        &server,
        &["incident", "assign", "INC-1", "commander", "admin"],
    );
    ok(
        &server,
        &[
            "incident",
            "assign",
            "INC-1",
            "communications_lead",
            "carol",
        ],
    );

    let unknown = server.cli(&[
        "oncall",
        "update",
        "draft",
        "INC-1",
        "--audience",
        "executives",
        "--template",
        "press_release",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("board_brief"),
        "the known templates are listed: {}",
        stderr(&unknown)
    );
    let draft = server.json(&[
        "oncall",
        "update",
        "draft",
        "INC-1",
        "--audience",
        "executives",
    ]);
    assert_eq!(
        draft["template"], "board_brief",
        "the executives' own template"
    );
    assert_eq!(draft["status"], "drafted");
    assert_eq!(
        draft["subject"],
        "Board brief: INC-1 Scores all zero (SEV1)"
    );
    let body = draft["body"].as_str().unwrap();
    assert!(body.contains("Incident commander: admin"), "{body}");
    assert!(body.contains("Detected: 2026-03-01 09:00 UTC"), "{body}");

    let early = server.cli(&["oncall", "update", "send", "INC-1", "1"]);
    assert!(!early.status.success());
    assert!(
        stderr(&early).contains("needs the communications lead's approval (carol)"),
        "{}",
        stderr(&early)
    );
    let by_carol = server.cli_as(
        &token_of(&server, "carol", "carol-password-1"),
        &["oncall", "update", "approve", "INC-1", "1"],
        None,
    );
    assert_success(&by_carol, &["update approve as carol"]);
    let sent = server.cli(&["oncall", "update", "send", "INC-1", "1"]);
    assert_success(&sent, &["update send"]);
    let printed = String::from_utf8_lossy(&sent.stdout);
    assert!(
        printed.contains(&ceo) && printed.contains("U024BE7LH"),
        "{printed}"
    );

    let listed = server.json(&["oncall", "update", "list", "INC-1"]);
    assert_eq!(listed["updates"][0]["status"], "sent");
    assert_eq!(listed["updates"][0]["approved"]["by"], "carol");
    assert_eq!(listed["approver"], "carol");
    let events = timeline(&server);
    let actions: Vec<&Value> = of_kind(&events, "stakeholder_update")
        .iter()
        .map(|e| &e["body"]["action"])
        .collect();
    assert_eq!(actions, ["drafted", "approved", "sent"]);
    let sent_event = of_kind(&events, "stakeholder_update")[2];
    let recipients: Vec<&Value> = sent_event["body"]["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["address"])
        .collect();
    assert_eq!(recipients, [&json!(ceo), &json!("U024BE7LH")]);

    if let Some(smtp) = &smtp {
        let mails = smtp.wait_for(&ceo, 1, Duration::from_secs(15));
        assert!(
            mails[0].contains("Subject: Board brief: INC-1 Scores all zero (SEV1)"),
            "{}",
            mails[0]
        );
        assert!(
            mails[0].contains("Incident commander: admin"),
            "{}",
            mails[0]
        );
        let start = std::time::Instant::now();
        loop {
            let events = timeline(&server);
            let delivered = of_kind(&events, "update_attempt")
                .iter()
                .any(|e| e["body"]["address"] == json!(ceo) && e["body"]["result"] == "delivered");
            if delivered {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "no delivered attempt on the timeline"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    server.stop();
}
