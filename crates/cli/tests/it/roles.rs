//! Role notifications end to end on the real OpenSMTPD of `paging`: a user
//! given a role on an incident gets an email with the incident's link, each
//! attempt is on the timeline, and a user with no contact method is noted
//! there as not told.

use crate::paging::{PUBLIC_URL, of_kind, ok, smtp, start, timeline};
use std::time::{Duration, Instant};

#[test]
fn a_user_given_a_role_is_told_by_email_with_a_link_and_the_timeline_shows_it() {
    let Some(smtp) = smtp() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), &smtp);
    let run = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_lowercase();
    let run: String = run.chars().filter(char::is_ascii_alphanumeric).collect();
    let address = format!("alice+{run}@example.org");
    ok(&server, &["user", "add", "alice", "--role", "responder"]);
    ok(&server, &["user", "add", "dave", "--role", "responder"]);
    let contact =
        format!("email = \"{address}\"\n[[rules]]\ncontact = \"email\"\ndelay_minutes = 30\n");
    let file = dir.path().join("alice.toml");
    std::fs::write(&file, contact).unwrap();
    ok(
        &server,
        &["oncall", "contact", "alice", file.to_str().unwrap()],
    );
    ok(
        &server,
        &["system", "register", "scoring", "--name", "Credit scoring"],
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
    ok(
        &server,
        &["incident", "assign", "INC-1", "ml_lead", "alice"],
    );
    ok(
        &server,
        &["incident", "assign", "INC-1", "legal_liaison", "dave"],
    );
    ok(
        &server,
        &["incident", "assign", "INC-1", "ml_lead", "--clear"],
    );

    // The rule's delay is for pages: the role is told at once.
    let mails = smtp.wait_for(&address, 1, Duration::from_secs(15));
    let mail = &mails[0];
    assert!(
        mail.contains("Subject: [Firebreak] You are ml lead of INC-1"),
        "{mail}"
    );
    assert!(
        mail.contains(&format!(
            "You are now ml lead of INC-1 (SEV2, Scores all zero). Open it: {PUBLIC_URL}/incidents/INC-1"
        )),
        "{mail}"
    );

    let start = Instant::now();
    let events = loop {
        let events = timeline(&server);
        if of_kind(&events, "role_notice").len() >= 2 {
            break events;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "{events:#?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let notices = of_kind(&events, "role_notice");
    assert_eq!(notices.len(), 2, "{notices:#?}");
    let told = notices
        .iter()
        .find(|e| e["body"]["user"] == "alice")
        .unwrap();
    assert_eq!(told["body"]["role"], "ml_lead");
    assert_eq!(told["body"]["contact"], "email");
    assert_eq!(told["body"]["attempt"], 1);
    assert_eq!(told["body"]["result"], "delivered");
    let untold = notices
        .iter()
        .find(|e| e["body"]["user"] == "dave")
        .unwrap();
    assert_eq!(untold["body"]["role"], "legal_liaison");
    assert!(untold["body"]["contact"].is_null(), "{untold:#?}");
    // Taking the role away tells nobody: still one email.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(smtp.mails_to(&address).len(), 1);
}
