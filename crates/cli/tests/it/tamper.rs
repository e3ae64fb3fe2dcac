//! Each tampering with the SQLite file is caught by `firebreak verify`, which
//! exits non-zero and names the broken event.

use crate::support::{assert_success, copy_dir, server_with_incident, stderr, verify};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// A stopped data directory with two incidents: INC-1 walked to contained,
/// INC-2 left open with notes, and a checkpoint over everything.
fn prepared() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = server_with_incident(&data);
    for text in ["first", "second", "third"] {
        server.json(&["incident", "note", "INC-1", text]);
    }
    server.json(&["incident", "transition", "INC-1", "contained"]);
    server.json(&[
        "incident",
        "declare",
        "--title",
        "Chatbot advice",
        "--severity",
        "sev3",
        "--rationale",
        "r",
        "--system",
        "scoring",
    ]);
    server.json(&["incident", "note", "INC-2", "kept open"]);
    server.json(&["incident", "note", "INC-2", "newest note"]);
    assert_success(&server.cli(&["checkpoint"]), &["checkpoint"]);
    server.stop();
    assert_success(&verify(&data, &[]), &["verify before tampering"]);
    (dir, data)
}

fn tampered(data: &Path, name: &str, sql: &str) -> std::process::Output {
    let copy = data.parent().unwrap().join(name);
    copy_dir(data, &copy);
    let connection = Connection::open(copy.join("firebreak.db")).unwrap();
    connection.execute_batch(sql).unwrap();
    drop(connection);
    verify(&copy, &[])
}

fn check(data: &Path, name: &str, sql: &str, expected: &str) {
    let output = tampered(data, name, sql);
    assert_eq!(output.status.code(), Some(1), "{name}: verify should fail");
    let message = stderr(&output);
    assert!(
        message.contains(expected),
        "{name}: expected {expected:?} in {message:?}"
    );
}

#[test]
fn verify_catches_every_kind_of_tampering() {
    let (_dir, data) = prepared();
    check(
        &data,
        "edited-body",
        "UPDATE events SET body = '{\"text\":\"nothing happened\"}' WHERE stream = 'INC-1' AND seq = 3",
        "INC-1 event 3: the event's content does not match its hash",
    );
    check(
        &data,
        "deleted-event",
        "DELETE FROM events WHERE stream = 'INC-1' AND seq = 2",
        "INC-1 event 2: expected event 2, found event 3",
    );
    check(
        &data,
        "swapped-events",
        "UPDATE events SET seq = -1 WHERE stream = 'INC-1' AND seq = 2;
         UPDATE events SET seq = 2 WHERE stream = 'INC-1' AND seq = 3;
         UPDATE events SET seq = 3 WHERE stream = 'INC-1' AND seq = -1;",
        "INC-1 event 2",
    );
    check(
        &data,
        "forged-checkpoint",
        "UPDATE checkpoints SET body = replace(body, '\"reason\":\"', '\"reason\":\"forged ')
         WHERE number = (SELECT max(number) FROM checkpoints)",
        "its signature does not match its content",
    );
    check(
        &data,
        "cut-newest-events",
        "DELETE FROM events WHERE stream = 'INC-2' AND seq = (SELECT max(seq) FROM events WHERE stream = 'INC-2')",
        "INC-2 event",
    );
    check(
        &data,
        "edited-record",
        "UPDATE incidents SET record = json_set(record, '$.severity', 'sev4') WHERE number = 1",
        "INC-1 event",
    );
}

#[test]
fn cutting_events_and_rewriting_the_record_is_still_caught_by_the_checkpoint() {
    let (_dir, data) = prepared();
    // A note leaves the record as it was, so after cutting INC-2's newest note
    // the chain and the record still agree: only the signed checkpoint remembers.
    check(
        &data,
        "cut-and-cover",
        "DELETE FROM events WHERE stream = 'INC-2' AND seq = 3;",
        "INC-2 event 3",
    );
}

#[test]
fn a_pinned_key_refuses_checkpoints_signed_by_another() {
    let (_dir, data) = prepared();
    let wrong = "00".repeat(32);
    let output = verify(&data, &["--fingerprint", &wrong]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("not by the pinned key"),
        "{}",
        stderr(&output)
    );
    let bad_flag = verify(&data, &["--fingerprint", "xyz"]);
    assert_eq!(bad_flag.status.code(), Some(2));
    let missing = verify(&data.join("nowhere"), &[]);
    assert_eq!(missing.status.code(), Some(2));
}
