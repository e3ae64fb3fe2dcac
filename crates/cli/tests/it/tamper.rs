//! The tamper suite: each way an insider with access to the database and the
//! files can alter a stopped data directory, and what `firebreak verify` says
//! when it holds what an auditor would hold: a witness's copy of the
//! checkpoints and the signer's fingerprint obtained elsewhere. Every case must
//! fail verification and be named in its output.

use crate::support::{Server, assert_success, copy_dir, server_with_incident_and, stderr, verify};
use firebreak_core::checkpoint::CheckpointSigner;
use firebreak_core::checkpoint::parse_hex;
use firebreak_core::timeline::{Event, EventDraft, EventKind};
use firebreak_store::{CheckpointRequest, SqliteStore, Store};
use rusqlite::{Connection, params};
use serde_json::json;
use std::path::{Path, PathBuf};

/// The secret in a key file.
fn parse_hex_secret(text: &str) -> Option<[u8; 32]> {
    parse_hex(text.trim())?.try_into().ok()
}

/// A stopped data directory with two incidents, a control change, evidence
/// and a second user, its checkpoints copied to a witness file, and its key
/// kept outside the data directory.
struct Prepared {
    _dir: tempfile::TempDir,
    data: PathBuf,
    key: PathBuf,
    witness: PathBuf,
    fingerprint: String,
}

fn prepared() -> Prepared {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key = dir.path().join("keys").join("signing-key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    let witness = dir.path().join("witness").join("checkpoints.jsonl");
    std::fs::create_dir_all(witness.parent().unwrap()).unwrap();
    let server = server_with_incident_and(
        &data,
        &[
            "--signing-key",
            key.to_str().unwrap(),
            "--witness",
            &format!("file:{}", witness.display()),
        ],
    );
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
    server.json(&[
        "control",
        "set",
        "scoring",
        "disabled",
        "--reason",
        "bias under investigation",
    ]);
    let log = dir.path().join("decisions.csv");
    std::fs::write(&log, b"id,score\n1,0.3\n2,0.9\n").unwrap();
    server.json(&[
        "evidence",
        "add",
        "INC-1",
        log.to_str().unwrap(),
        "--description",
        "decision log",
    ]);
    assert_success(
        &server.cli(&["user", "add", "mallory", "--role", "viewer"]),
        &["user add"],
    );
    assert_success(&server.cli(&["checkpoint"]), &["checkpoint"]);
    server.stop_gracefully();
    let secret = parse_hex_secret(&std::fs::read_to_string(&key).unwrap()).unwrap();
    let fingerprint = CheckpointSigner::from_secret(secret).fingerprint();
    let prepared = Prepared {
        _dir: dir,
        data,
        key,
        witness,
        fingerprint,
    };
    let intact = prepared.verify(&prepared.data);
    assert_success(&intact, &["verify before tampering"]);
    let out = String::from_utf8_lossy(&intact.stdout);
    assert!(
        out.contains("integrity verified, signed by the pinned key"),
        "{out}"
    );
    assert!(
        !out.contains("UNSIGNED"),
        "a clean stop leaves nothing unsigned: {out}"
    );
    prepared
}

impl Prepared {
    /// Verification as an auditor runs it.
    fn verify(&self, data: &Path) -> std::process::Output {
        verify(
            data,
            &[
                "--fingerprint",
                &self.fingerprint,
                "--witness",
                self.witness.to_str().unwrap(),
                "--strict",
                "--max-unsigned-age",
                "0s",
            ],
        )
    }

    /// A copy of the data directory named `name`, changed by `tamper`.
    fn tampered(&self, name: &str, tamper: impl FnOnce(&Path, &Connection)) -> PathBuf {
        let copy = self.data.parent().unwrap().join(name);
        copy_dir(&self.data, &copy);
        let connection = Connection::open(copy.join("firebreak.db")).unwrap();
        tamper(&copy, &connection);
        drop(connection);
        copy
    }

    /// Tampers, verifies, and checks that verification fails naming `expected`.
    fn check(&self, name: &str, tamper: impl FnOnce(&Path, &Connection), expected: &[&str]) {
        let copy = self.tampered(name, tamper);
        let output = self.verify(&copy);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            stderr(&output)
        );
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: verify should fail: {said}"
        );
        for phrase in expected {
            assert!(
                said.contains(phrase),
                "{name}: expected {phrase:?} in {said}"
            );
        }
    }
}

fn sql(statements: &'static str) -> impl FnOnce(&Path, &Connection) {
    move |_, connection| connection.execute_batch(statements).unwrap()
}

/// The blob file of the only evidence item.
fn blob_of(copy: &Path, connection: &Connection) -> PathBuf {
    let sha256: String = connection
        .query_row("SELECT sha256 FROM evidence WHERE number = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    copy.join("blobs/sha256").join(&sha256[..2]).join(&sha256)
}

/// Appends to `stream` a commander's decision "not to notify the regulator",
/// recorded at `at`, as Firebreak would, hashes and all, without any
/// checkpoint: what an insider with the database but not the key can do.
fn forge_decision(connection: &Connection, stream: &str, at: &str) {
    let draft = EventDraft::by(
        "commander",
        EventKind::Decision,
        at.parse().unwrap(),
        json!({ "text": "not to notify the regulator" }),
    );
    let (seq, hash, state): (i64, String, String) = connection
        .query_row(
            "SELECT seq, hash, state_hash FROM events WHERE stream = ?1 ORDER BY seq DESC LIMIT 1",
            [stream],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let recorded_at = draft.occurred_at;
    let event = Event::seal(stream, Some((seq as u64, &hash)), draft, recorded_at, state);
    connection
        .execute(
            "INSERT INTO events (org_id, stream, seq, kind, occurred_at, recorded_at, actor, body, state_hash, prev_hash, hash, position)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, (SELECT max(position) + 1 FROM events))",
            params![
                event.stream,
                event.seq as i64,
                event.kind.as_str(),
                event.occurred_at.to_string(),
                event.recorded_at.to_string(),
                event.actor,
                event.body.to_string(),
                event.state_hash,
                event.prev_hash,
                event.hash,
            ],
        )
        .unwrap();
    connection
        .execute(
            "UPDATE streams SET seq = ?2, hash = ?3 WHERE stream = ?1",
            params![stream, event.seq as i64, event.hash],
        )
        .unwrap();
}

/// An event row as read back: seq, kind, occurred, recorded, actor, body, state.
type StoredEvent = (i64, String, String, String, String, String, String);

/// Rewrites a note of INC-1, re-seals the whole chain after it, drops every
/// checkpoint and signs a fresh one with `key`: a full rewrite by someone who
/// holds the signing key.
fn rewrite_and_resign(copy: &Path, connection: &Connection, key: &Path) {
    let events: Vec<StoredEvent> = {
        let mut statement = connection
            .prepare(
                "SELECT seq, kind, occurred_at, recorded_at, actor, body, state_hash FROM events
                 WHERE stream = 'INC-1' ORDER BY seq",
            )
            .unwrap();
        statement
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let mut previous: Option<(u64, String)> = None;
    for (seq, kind, occurred_at, recorded_at, actor, body, state) in events {
        let mut body: serde_json::Value = serde_json::from_str(&body).unwrap();
        if seq == 3 {
            body = json!({ "text": "nothing unusual was seen" });
        }
        let draft = EventDraft::by(
            &actor,
            kind.parse::<EventKind>().unwrap(),
            occurred_at.parse().unwrap(),
            body,
        );
        let event = Event::seal(
            "INC-1",
            previous.as_ref().map(|(s, h)| (*s, h.as_str())),
            draft,
            recorded_at.parse().unwrap(),
            state,
        );
        connection
            .execute(
                "UPDATE events SET body = ?2, prev_hash = ?3, hash = ?4 WHERE stream = 'INC-1' AND seq = ?1",
                params![seq, event.body.to_string(), event.prev_hash, event.hash],
            )
            .unwrap();
        previous = Some((event.seq, event.hash));
    }
    let (seq, hash) = previous.unwrap();
    connection
        .execute(
            "UPDATE streams SET seq = ?1, hash = ?2 WHERE stream = 'INC-1'",
            params![seq as i64, hash],
        )
        .unwrap();
    connection.execute("DELETE FROM checkpoints", []).unwrap();
    let secret = parse_hex_secret(&std::fs::read_to_string(key).unwrap()).unwrap();
    let store = SqliteStore::open_existing(&copy.join("firebreak.db")).unwrap();
    let request = CheckpointRequest {
        reason: "periodic",
        force: true,
        witnesses: &[],
        rotation: None,
    };
    store
        .write_checkpoint(
            &CheckpointSigner::from_secret(secret),
            request,
            firebreak_core::Timestamp::now(),
        )
        .unwrap();
}

#[test]
fn verify_with_a_witness_and_a_pinned_key_catches_every_kind_of_tampering() {
    let p = prepared();
    p.check(
        "event-edited",
        sql("UPDATE events SET body = '{\"text\":\"nothing happened\"}' WHERE stream = 'INC-1' AND seq = 3"),
        &["INC-1 event 3: the event's content does not match its hash"],
    );
    p.check(
        "event-deleted",
        sql("DELETE FROM events WHERE stream = 'INC-1' AND seq = 2"),
        &["INC-1 event 2: expected event 2, found event 3"],
    );
    p.check(
        "events-reordered",
        sql(
            "UPDATE events SET seq = -1 WHERE stream = 'INC-1' AND seq = 2;
             UPDATE events SET seq = 2 WHERE stream = 'INC-1' AND seq = 3;
             UPDATE events SET seq = 3 WHERE stream = 'INC-1' AND seq = -1;",
        ),
        &["INC-1 event 2"],
    );
    p.check(
        "event-inserted",
        sql("UPDATE events SET seq = -seq WHERE stream = 'INC-1' AND seq >= 3;
             UPDATE events SET seq = 1 - seq WHERE stream = 'INC-1' AND seq < 0;
             INSERT INTO events (org_id, stream, seq, kind, occurred_at, recorded_at, actor, body, state_hash, prev_hash, hash, position)
                SELECT org_id, stream, 3, kind, occurred_at, recorded_at, actor, '{\"text\":\"planted\"}', state_hash, hash, hash,
                       (SELECT max(position) + 1 FROM events)
                FROM events WHERE stream = 'INC-1' AND seq = 2;"),
        &["INC-1 event 3"],
    );
    p.check(
        "record-edited",
        sql(
            "UPDATE incidents SET record = json_set(record, '$.severity', 'sev4') WHERE number = 1",
        ),
        &["INC-1", "record altered"],
    );
    p.check(
        "control-state-edited",
        sql("UPDATE control_states SET record = json_set(record, '$.mode', 'normal')"),
        &["control:production:scoring", "record altered"],
    );
    p.check(
        "control-state-deleted",
        sql("DELETE FROM control_states"),
        &["control:production:scoring: the record of this stream is missing"],
    );
    p.check(
        "every-checkpoint-deleted",
        sql("DELETE FROM checkpoints"),
        &[
            "no checkpoint is signed by the pinned key",
            "a witness holds it, but the store does not",
        ],
    );
    p.check(
        "newest-checkpoint-deleted",
        sql("DELETE FROM checkpoints WHERE number = (SELECT max(number) FROM checkpoints)"),
        &["a witness holds it, but the store does not"],
    );
    p.check(
        "tail-truncated",
        sql("DELETE FROM events WHERE position > (SELECT max(position) - 3 FROM events)"),
        &[
            "but the log holds only",
            "(events deleted or the log truncated)",
        ],
    );
    p.check(
        "forged-append",
        |_, connection| forge_decision(connection, "INC-2", "2026-03-01T10:00:00Z"),
        &[
            "UNSIGNED 1 events",
            "streams: INC-2",
            "covered by no checkpoint, longer than --max-unsigned-age allows",
        ],
    );
    p.check(
        "forged-append-dated-ahead",
        |_, connection| forge_decision(connection, "INC-2", "2036-03-01T10:00:00Z"),
        &["UNSIGNED 1 events", "dated ahead of this clock"],
    );
    let key = p.key.clone();
    p.check(
        "rewritten-and-re-signed",
        |copy, connection| rewrite_and_resign(copy, connection, &key),
        &["differs from the copy a witness holds (the record was rewritten and re-signed)"],
    );
    p.check(
        "blob-changed",
        |copy, connection| std::fs::write(blob_of(copy, connection), b"id,score\n1,0.9\n").unwrap(),
        &["evidence:EV-1", "no longer hashes to"],
    );
    p.check(
        "blob-deleted",
        |copy, connection| std::fs::remove_file(blob_of(copy, connection)).unwrap(),
        &["evidence:EV-1", "is missing (deleted)"],
    );
    p.check(
        "role-raised",
        sql("UPDATE users SET role = 'admin' WHERE name = 'mallory'"),
        &["user:mallory", "record altered"],
    );
    p.check(
        "token-planted",
        sql("INSERT INTO tokens (org_id, id, user_name, secret_hash, scope, description, created_at)
             VALUES (1, 'tok_planted', 'mallory', 'aa', 'write', 'planted', '2026-03-01T10:00:00Z')"),
        &["token:tok_planted: a record exists without any timeline event"],
    );
}

#[test]
fn without_anchors_verify_still_reports_what_it_cannot_vouch_for() {
    let p = prepared();
    // Without anchors, a forged event after the newest checkpoint cannot be
    // proven forged; verify says what it covers and what it does not.
    let copy = p.tampered("unanchored", |_, connection| {
        forge_decision(connection, "INC-2", "2026-03-01T10:00:00Z")
    });
    let output = verify(&copy, &[]);
    assert_eq!(output.status.code(), Some(0));
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("UNSIGNED 1 events"), "{out}");
    assert!(
        out.contains("integrity verified up to the newest checkpoint, signer not pinned"),
        "{out}"
    );
    let wrong = "00".repeat(32);
    let output = verify(&p.data, &["--fingerprint", &wrong]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no checkpoint is signed by the pinned key"),
        "{}",
        stderr(&output)
    );
    let bad_flag = verify(&p.data, &["--fingerprint", "xyz"]);
    assert_eq!(bad_flag.status.code(), Some(2));
    let missing = verify(&p.data.join("nowhere"), &[]);
    assert_eq!(missing.status.code(), Some(2));
    let bad_witness = p.data.parent().unwrap().join("not-a-witness.jsonl");
    std::fs::write(&bad_witness, "{}\n").unwrap();
    let output = verify(&p.data, &["--witness", bad_witness.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("line 1: not a checkpoint"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn altered_evidence_is_not_served_and_the_discovery_is_recorded() {
    let p = prepared();
    let secret_key = p.key.to_str().unwrap().to_string();
    let connection = Connection::open(p.data.join("firebreak.db")).unwrap();
    let blob = blob_of(&p.data, &connection);
    drop(connection);
    std::fs::write(&blob, b"id,score\n1,0.3\n2,0.1\n").unwrap();
    let server = Server::start_with(&p.data, &["--signing-key", &secret_key]);
    let target = p.data.parent().unwrap().join("downloaded.csv");
    let output = server.cli(&["evidence", "get", "EV-1", "-o", target.to_str().unwrap()]);
    assert_ne!(
        output.status.code(),
        Some(0),
        "altered content must not download whole"
    );
    let timeline = server.json(&["incident", "show", "INC-1", "--timeline"]);
    let text = timeline.to_string();
    assert!(text.contains("integrity_alert"), "{text}");
    let report: serde_json::Value = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/verify", server.url))
        .bearer_auth(&server.token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        report.to_string().contains("no longer hashes to"),
        "{report}"
    );
    server.stop_gracefully();
}

#[test]
fn a_new_key_needs_the_old_one_to_endorse_it_and_verify_follows_the_rotation() {
    let p = prepared();
    let new_key = p.data.parent().unwrap().join("keys").join("new-key");
    let started = std::process::Command::new(env!("CARGO_BIN_EXE_firebreak"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&p.data)
        .arg("--signing-key")
        .arg(&new_key)
        .output()
        .unwrap();
    assert_eq!(started.status.code(), Some(1));
    assert!(
        stderr(&started).contains("--previous-signing-key"),
        "{}",
        stderr(&started)
    );
    let server = Server::start_with(
        &p.data,
        &[
            "--signing-key",
            new_key.to_str().unwrap(),
            "--previous-signing-key",
            p.key.to_str().unwrap(),
            "--witness",
            &format!("file:{}", p.witness.display()),
        ],
    );
    server.json(&["incident", "note", "INC-2", "after the rotation"]);
    server.stop_gracefully();
    // Pinned to the old key (an auditor's earlier copy) or to the new one.
    assert_success(&p.verify(&p.data), &["verify pinned to the old key"]);
    let secret = parse_hex_secret(&std::fs::read_to_string(&new_key).unwrap()).unwrap();
    let new_fingerprint = CheckpointSigner::from_secret(secret).fingerprint();
    let output = verify(&p.data, &["--fingerprint", &new_fingerprint]);
    assert_success(&output, &["verify pinned to the new key"]);
}
