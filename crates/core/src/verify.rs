//! Recomputes every chain and checkpoint and names the first thing that does not
//! hold. Works on what a store hands over, so it runs offline on the files alone
//! (D19): the audited system does not vouch for itself.
//!
//! Three things are checked against each other: each stream's hash chain and
//! the record it seals; the global event log against the Merkle root every
//! checkpoint signed; and the checkpoints against the copies that witnesses
//! outside the operator's reach keep. Events after the newest checkpoint are
//! not yet signed: they are reported as such, never called verified.

use crate::checkpoint::{Checkpoint, verify_rotation, verify_signature};
use crate::merkle::{LogBuilder, leaf_hash, root_hex};
use crate::timeline::{ABSENT_STATE, Event, GENESIS};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One event's place in the global log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub position: u64,
    pub stream: String,
    pub seq: u64,
    pub hash: String,
    pub recorded_at: Timestamp,
}

/// Everything the store holds that integrity depends on.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Events per stream, in stored sequence order.
    pub streams: BTreeMap<String, Vec<Event>>,
    /// The state hash of each stream's current record (incident or system row).
    pub records: BTreeMap<String, String>,
    /// In checkpoint-number order.
    pub checkpoints: Vec<Checkpoint>,
    /// Every event in global log order.
    pub log: Vec<LogEntry>,
    /// Evidence items that still hold content: `EV-<n>` → SHA-256.
    pub evidence_content: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct IntegrityProblem {
    /// The stream (e.g. `INC-3`) or `checkpoint #n`.
    pub place: String,
    /// The event position concerned, when there is one.
    pub seq: Option<u64>,
    pub message: String,
}

/// Events no checkpoint covers yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnsignedTail {
    pub events: u64,
    /// When the oldest of them was recorded.
    #[schema(value_type = String, format = DateTime)]
    pub since: Timestamp,
    /// When the newest of them claims to have been recorded.
    #[schema(value_type = String, format = DateTime)]
    pub until: Timestamp,
    /// The streams they belong to (at most ten named).
    pub streams: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct VerifyReport {
    pub streams: usize,
    pub events: usize,
    pub checkpoints: usize,
    /// Fingerprints of the keys that signed the checkpoints, in order of use.
    pub signers: Vec<String>,
    /// Whether the signer was checked against a key obtained elsewhere.
    pub signer_pinned: bool,
    /// How many checkpoints a witness copy held, when one was given.
    pub witnessed: Option<usize>,
    /// How many evidence items had their content hashed.
    pub blobs_checked: Option<usize>,
    /// Events recorded after the newest checkpoint.
    pub unsigned: Option<UnsignedTail>,
    pub problems: Vec<IntegrityProblem>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// How far ahead of the verifier's clock an event may claim to be recorded.
const CLOCK_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

impl UnsignedTail {
    /// Whether this tail is more than a crash can leave behind at `now`:
    /// recorded longer than `max_age` ago, or claiming a time to come (a
    /// forged event dated ahead to look fresh).
    pub fn is_stale(&self, now: Timestamp, max_age: jiff::SignedDuration) -> bool {
        now.duration_since(self.since) > max_age || self.until.duration_since(now) > CLOCK_SKEW
    }
}

/// What verification is checked against besides the store itself.
#[derive(Debug, Default, Clone, Copy)]
pub struct Anchors<'a> {
    /// The signer's fingerprint, obtained elsewhere. Checkpoints must be
    /// signed by it or by keys it rotated to or from.
    pub pinned_fingerprint: Option<&'a str>,
    /// Checkpoints as a witness received them.
    pub witnessed: Option<&'a [Checkpoint]>,
}

/// What reading an evidence item's content found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobState {
    Intact,
    Missing,
    /// The content now hashes to this.
    Changed(String),
    Unreadable(String),
}

/// Checks `ledger` against `anchors`.
pub fn verify(ledger: &Ledger, anchors: Anchors<'_>) -> VerifyReport {
    let mut problems = Vec::new();
    check_streams(ledger, &mut problems);
    let signers = check_checkpoint_chain(ledger, anchors.pinned_fingerprint, &mut problems);
    let covered = check_log(ledger, &mut problems);
    if let Some(witnessed) = anchors.witnessed {
        check_witnessed(ledger, witnessed, &mut problems);
    }
    problems.dedup();
    VerifyReport {
        streams: ledger.streams.len(),
        events: ledger.streams.values().map(Vec::len).sum(),
        checkpoints: ledger.checkpoints.len(),
        signers,
        signer_pinned: anchors.pinned_fingerprint.is_some(),
        witnessed: anchors.witnessed.map(<[Checkpoint]>::len),
        blobs_checked: None,
        unsigned: unsigned_tail(ledger, covered),
        problems,
    }
}

/// Hashes every evidence item's content through `state` and adds what is
/// wrong to `report`.
pub fn check_evidence(
    ledger: &Ledger,
    report: &mut VerifyReport,
    mut state: impl FnMut(&str) -> BlobState,
) {
    for (item, sha256) in &ledger.evidence_content {
        let message = match state(sha256) {
            BlobState::Intact => continue,
            BlobState::Missing => format!("its content {sha256} is missing (deleted)"),
            BlobState::Changed(actual) => {
                format!("its content no longer hashes to {sha256} but to {actual} (altered)")
            }
            BlobState::Unreadable(why) => format!("its content cannot be read: {why}"),
        };
        report
            .problems
            .push(problem(&format!("evidence:{item}"), None, &message));
    }
    report.blobs_checked = Some(ledger.evidence_content.len());
}

fn check_streams(ledger: &Ledger, problems: &mut Vec<IntegrityProblem>) {
    for (stream, events) in &ledger.streams {
        if let Some(problem) = first_broken_link(stream, events) {
            problems.push(problem);
            continue;
        }
        let Some(last) = events.last() else { continue };
        let removed = last.state_hash == ABSENT_STATE;
        match ledger.records.get(stream) {
            None if removed => {}
            None => problems.push(problem(
                stream,
                None,
                "the record of this stream is missing",
            )),
            Some(_) if removed => problems.push(problem(
                stream,
                Some(last.seq),
                "a record exists that its last event removed (record restored)",
            )),
            Some(state) if *state != last.state_hash => problems.push(problem(
                stream,
                Some(last.seq),
                "the stored record differs from the state its last event sealed (record altered)",
            )),
            Some(_) => {}
        }
    }
    for stream in ledger.records.keys() {
        if !ledger.streams.contains_key(stream) {
            problems.push(problem(
                stream,
                None,
                "a record exists without any timeline event",
            ));
        }
    }
}

/// Signatures, numbering and key rotations; returns the signers in order.
fn check_checkpoint_chain(
    ledger: &Ledger,
    pinned: Option<&str>,
    problems: &mut Vec<IntegrityProblem>,
) -> Vec<String> {
    let mut signers: Vec<String> = Vec::new();
    let mut previous: Option<&Checkpoint> = None;
    for checkpoint in &ledger.checkpoints {
        let place = format!("checkpoint #{}", checkpoint.body.number);
        let signer = &checkpoint.body.signer;
        if let Err(why) = verify_signature(checkpoint) {
            problems.push(problem(&place, None, &why));
        }
        let expected_number = previous.map_or(1, |p| p.body.number + 1);
        let expected_prev = previous.map_or_else(|| GENESIS.to_string(), |p| p.body.hash());
        if checkpoint.body.number != expected_number || checkpoint.body.prev_hash != expected_prev {
            problems.push(problem(
                &place,
                None,
                &format!(
                    "does not follow checkpoint #{} (a checkpoint is missing or reordered)",
                    expected_number - 1
                ),
            ));
        }
        if let Some(before) = previous.map(|p| &p.body.signer).filter(|b| *b != signer) {
            let why = match &checkpoint.body.rotation {
                None => format!(
                    "signed by {signer}, but the checkpoints before by {before}, and the old key endorsed no rotation"
                ),
                Some(rotation) => match verify_rotation(rotation, signer) {
                    Ok(endorser) if endorser == *before => String::new(),
                    Ok(endorser) => format!(
                        "its rotation is endorsed by {endorser}, not by {before}, which signed the checkpoints before"
                    ),
                    Err(why) => format!("its key rotation does not hold: {why}"),
                },
            };
            if !why.is_empty() {
                problems.push(problem(&place, None, &why));
            }
        }
        if !signers.contains(signer) {
            signers.push(signer.clone());
        }
        previous = Some(checkpoint);
    }
    if let Some(pinned) = pinned
        && !signers.iter().any(|s| s.eq_ignore_ascii_case(pinned))
        && !ledger.log.is_empty()
    {
        let found = if signers.is_empty() {
            "there is no checkpoint at all (checkpoints deleted?)".to_string()
        } else {
            format!("they are signed by {}", signers.join(", "))
        };
        problems.push(problem(
            "checkpoints",
            None,
            &format!("no checkpoint is signed by the pinned key {pinned}: {found}"),
        ));
    }
    signers
}

/// Checks the log's positions and every checkpoint's root over it, and the
/// streams listed by checkpoints written before the log; returns how many
/// events the newest checkpoint covers.
fn check_log(ledger: &Ledger, problems: &mut Vec<IntegrityProblem>) -> u64 {
    for (index, entry) in ledger.log.iter().enumerate() {
        if entry.position != index as u64 + 1 {
            problems.push(problem(
                &entry.stream,
                Some(entry.seq),
                &format!(
                    "sits at log position {}, where position {} was expected (an event before it was deleted or inserted)",
                    entry.position,
                    index + 1
                ),
            ));
            break;
        }
    }
    let mut by_size: Vec<(u64, &Checkpoint)> = ledger
        .checkpoints
        .iter()
        .filter_map(|c| c.body.log.as_ref().map(|log| (log.size, c)))
        .collect();
    let mut covered = 0;
    let mut previous_size = 0;
    for (size, checkpoint) in &by_size {
        if *size < previous_size {
            problems.push(problem(
                &format!("checkpoint #{}", checkpoint.body.number),
                None,
                &format!(
                    "covers {size} events, fewer than the {previous_size} of a checkpoint before it"
                ),
            ));
        }
        previous_size = previous_size.max(*size);
        covered = covered.max(*size);
    }
    by_size.sort_by_key(|(size, _)| *size);
    let mut builder = LogBuilder::default();
    let mut entries = ledger.log.iter();
    for (size, checkpoint) in by_size {
        let place = format!("checkpoint #{}", checkpoint.body.number);
        while builder.size() < size {
            let Some(entry) = entries.next() else { break };
            builder.push(leaf_hash(&entry.stream, entry.seq, &entry.hash));
        }
        let log = checkpoint.body.log.as_ref().expect("filtered on log");
        if builder.size() < size {
            problems.push(problem(
                &place,
                None,
                &format!(
                    "covers {size} events, but the log holds only {} (events deleted or the log truncated)",
                    ledger.log.len()
                ),
            ));
        } else if root_hex(&builder.root()) != log.root {
            problems.push(problem(
                &place,
                None,
                &format!("the first {size} events no longer hash to the root it signed (an event was altered, deleted, inserted or reordered)"),
            ));
        }
    }
    for checkpoint in &ledger.checkpoints {
        for head in checkpoint.body.heads.iter().flatten() {
            check_listed_head(ledger, checkpoint, head, problems);
        }
    }
    covered
}

fn check_listed_head(
    ledger: &Ledger,
    checkpoint: &Checkpoint,
    head: &crate::checkpoint::ChainHead,
    problems: &mut Vec<IntegrityProblem>,
) {
    let place = format!("checkpoint #{}", checkpoint.body.number);
    let events = ledger
        .streams
        .get(&head.stream)
        .map_or(&[][..], Vec::as_slice);
    match events.get((head.seq as usize).wrapping_sub(1)) {
        None => problems.push(problem(
            &head.stream,
            Some(head.seq),
            &format!(
                "{place} saw {} events, only {} remain (events deleted)",
                head.seq,
                events.len()
            ),
        )),
        Some(event) if event.hash != head.hash => problems.push(problem(
            &head.stream,
            Some(head.seq),
            &format!("differs from the event {place} vouched for"),
        )),
        Some(_) => {}
    }
}

fn check_witnessed(
    ledger: &Ledger,
    witnessed: &[Checkpoint],
    problems: &mut Vec<IntegrityProblem>,
) {
    let stored: BTreeMap<u64, &Checkpoint> = ledger
        .checkpoints
        .iter()
        .map(|c| (c.body.number, c))
        .collect();
    for copy in witnessed {
        let place = format!("checkpoint #{}", copy.body.number);
        if let Err(why) = verify_signature(copy) {
            problems.push(problem(
                &place,
                None,
                &format!("the witness's copy does not verify: {why}"),
            ));
            continue;
        }
        match stored.get(&copy.body.number) {
            None => problems.push(problem(
                &place,
                None,
                "a witness holds it, but the store does not (checkpoints deleted or the log truncated)",
            )),
            Some(own) if own.body.hash() != copy.body.hash() || own.signature != copy.signature => {
                problems.push(problem(
                    &place,
                    None,
                    "differs from the copy a witness holds (the record was rewritten and re-signed)",
                ))
            }
            Some(_) => {}
        }
    }
}

fn unsigned_tail(ledger: &Ledger, covered: u64) -> Option<UnsignedTail> {
    let tail: Vec<&LogEntry> = ledger.log.iter().filter(|e| e.position > covered).collect();
    let since = tail.iter().map(|e| e.recorded_at).min()?;
    let until = tail.iter().map(|e| e.recorded_at).max()?;
    let mut streams: Vec<String> = Vec::new();
    for entry in &tail {
        if streams.len() < 10 && !streams.contains(&entry.stream) {
            streams.push(entry.stream.clone());
        }
    }
    Some(UnsignedTail {
        events: tail.len() as u64,
        since,
        until,
        streams,
    })
}

fn first_broken_link(stream: &str, events: &[Event]) -> Option<IntegrityProblem> {
    let mut prev_hash = GENESIS;
    for (position, event) in events.iter().enumerate() {
        let expected_seq = position as u64 + 1;
        if event.stream != stream {
            return Some(problem(
                stream,
                Some(event.seq),
                "the event names another stream",
            ));
        }
        if event.seq != expected_seq {
            return Some(problem(
                stream,
                Some(expected_seq),
                &format!(
                    "expected event {expected_seq}, found event {} (an event is missing or out of order)",
                    event.seq
                ),
            ));
        }
        if event.hash != event.compute_hash() {
            return Some(problem(
                stream,
                Some(event.seq),
                "the event's content does not match its hash (event altered)",
            ));
        }
        if event.prev_hash != prev_hash {
            return Some(problem(
                stream,
                Some(event.seq),
                "the event does not link to the one before it (events removed, inserted or swapped)",
            ));
        }
        prev_hash = &event.hash;
    }
    None
}

fn problem(place: &str, seq: Option<u64>, message: &str) -> IntegrityProblem {
    IntegrityProblem {
        place: place.to_string(),
        seq,
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::{CheckpointSigner, LogHead};
    use crate::merkle::root_of;
    use crate::timeline::{EventDraft, EventKind};
    use serde_json::json;

    fn at() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    fn signer() -> CheckpointSigner {
        CheckpointSigner::from_secret([1; 32])
    }

    fn note(events: &mut Vec<Event>, i: usize) {
        let draft = EventDraft::by(
            "alice",
            EventKind::Note,
            at(),
            json!({ "text": format!("note {i}") }),
        );
        let previous = events.last().map(|e| (e.seq, e.hash.as_str()));
        events.push(Event::seal(
            "INC-1",
            previous,
            draft,
            at(),
            format!("state{i}"),
        ));
    }

    fn log_of(events: &[Event]) -> Vec<LogEntry> {
        events
            .iter()
            .enumerate()
            .map(|(i, e)| LogEntry {
                position: i as u64 + 1,
                stream: e.stream.clone(),
                seq: e.seq,
                hash: e.hash.clone(),
                recorded_at: e.recorded_at,
            })
            .collect()
    }

    fn log_head(log: &[LogEntry]) -> LogHead {
        let leaves: Vec<_> = log
            .iter()
            .map(|e| leaf_hash(&e.stream, e.seq, &e.hash))
            .collect();
        LogHead {
            size: log.len() as u64,
            root: root_hex(&root_of(&leaves)),
        }
    }

    /// `notes` events on INC-1, all covered by one checkpoint.
    fn ledger(notes: usize) -> Ledger {
        let mut events: Vec<Event> = Vec::new();
        for i in 0..notes {
            note(&mut events, i);
        }
        let mut ledger = Ledger::default();
        ledger
            .records
            .insert("INC-1".into(), format!("state{}", notes - 1));
        ledger.log = log_of(&events);
        ledger.streams.insert("INC-1".into(), events);
        let checkpoint = signer()
            .sign(None, log_head(&ledger.log), "t", at())
            .unwrap();
        ledger.checkpoints.push(checkpoint);
        ledger
    }

    fn first_problem_with(ledger: &Ledger, anchors: Anchors<'_>) -> String {
        let report = verify(ledger, anchors);
        let p = &report.problems[0];
        format!("{} {:?}: {}", p.place, p.seq, p.message)
    }

    fn first_problem(ledger: &Ledger) -> String {
        first_problem_with(ledger, Anchors::default())
    }

    #[test]
    fn an_intact_ledger_verifies() {
        let report = verify(&ledger(3), Anchors::default());
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!(
            (report.streams, report.events, report.checkpoints),
            (1, 3, 1)
        );
        assert_eq!(report.unsigned, None);
    }

    #[test]
    fn an_edited_body_is_named() {
        let mut l = ledger(3);
        l.streams.get_mut("INC-1").unwrap()[1].body = json!({"text": "changed"});
        assert_eq!(
            first_problem(&l),
            "INC-1 Some(2): the event's content does not match its hash (event altered)"
        );
    }

    #[test]
    fn a_deleted_middle_event_is_named() {
        let mut l = ledger(3);
        l.streams.get_mut("INC-1").unwrap().remove(1);
        assert_eq!(
            first_problem(&l),
            "INC-1 Some(2): expected event 2, found event 3 (an event is missing or out of order)"
        );
    }

    #[test]
    fn deleting_the_newest_events_is_caught_by_the_checkpoint() {
        let mut l = ledger(3);
        l.streams.get_mut("INC-1").unwrap().pop();
        l.log.pop();
        l.records.insert("INC-1".into(), "state1".into());
        assert_eq!(
            first_problem(&l),
            "checkpoint #1 None: covers 3 events, but the log holds only 2 (events deleted or the log truncated)"
        );
    }

    #[test]
    fn a_rehashed_rewrite_is_caught_by_the_signed_root() {
        let mut l = ledger(3);
        let mut events = Vec::new();
        for i in 0..3 {
            note(&mut events, i + 10);
        }
        l.log = log_of(&events);
        l.streams.insert("INC-1".into(), events);
        l.records.insert("INC-1".into(), "state12".into());
        assert_eq!(
            first_problem(&l),
            "checkpoint #1 None: the first 3 events no longer hash to the root it signed (an event was altered, deleted, inserted or reordered)"
        );
    }

    #[test]
    fn events_after_the_newest_checkpoint_are_reported_as_unsigned() {
        let mut l = ledger(2);
        let events = l.streams.get_mut("INC-1").unwrap();
        note(events, 2);
        l.log = log_of(events);
        l.records.insert("INC-1".into(), "state2".into());
        let report = verify(&l, Anchors::default());
        assert!(report.is_intact(), "{:?}", report.problems);
        let tail = report.unsigned.unwrap();
        assert_eq!((tail.events, tail.streams), (1, vec!["INC-1".to_string()]));
    }

    #[test]
    fn an_unsigned_tail_is_stale_when_old_or_dated_ahead() {
        let tail = |since: &str, until: &str| UnsignedTail {
            events: 1,
            since: since.parse().unwrap(),
            until: until.parse().unwrap(),
            streams: vec!["INC-1".into()],
        };
        let now: Timestamp = "2026-01-01T00:10:00Z".parse().unwrap();
        let age = jiff::SignedDuration::from_secs(30);
        assert!(!tail("2026-01-01T00:09:50Z", "2026-01-01T00:09:55Z").is_stale(now, age));
        assert!(tail("2026-01-01T00:00:00Z", "2026-01-01T00:09:55Z").is_stale(now, age));
        assert!(tail("2026-01-01T00:09:50Z", "2027-01-01T00:00:00Z").is_stale(now, age));
    }

    #[test]
    fn with_every_checkpoint_deleted_a_pinned_key_finds_none() {
        let mut l = ledger(2);
        l.checkpoints.clear();
        let pinned = signer().fingerprint();
        let anchors = Anchors {
            pinned_fingerprint: Some(&pinned),
            witnessed: None,
        };
        assert!(
            first_problem_with(&l, anchors)
                .starts_with("checkpoints None: no checkpoint is signed by the pinned key")
        );
        assert_eq!(verify(&l, anchors).unsigned.unwrap().events, 2);
    }

    #[test]
    fn a_pinned_key_rejects_another_signer() {
        let anchors = Anchors {
            pinned_fingerprint: Some("00ff"),
            witnessed: None,
        };
        assert!(
            first_problem_with(&ledger(2), anchors)
                .contains("no checkpoint is signed by the pinned key 00ff")
        );
    }

    #[test]
    fn a_witness_catches_a_deleted_newest_checkpoint_and_a_re_signed_one() {
        let mut l = ledger(2);
        let events = l.streams.get_mut("INC-1").unwrap();
        note(events, 2);
        l.log = log_of(events);
        l.records.insert("INC-1".into(), "state2".into());
        let second = signer()
            .sign(l.checkpoints.first(), log_head(&l.log), "t", at())
            .unwrap();
        let witnessed = vec![l.checkpoints[0].clone(), second];
        let anchors = Anchors {
            pinned_fingerprint: None,
            witnessed: Some(&witnessed),
        };
        assert_eq!(
            first_problem_with(&l, anchors),
            "checkpoint #2 None: a witness holds it, but the store does not (checkpoints deleted or the log truncated)"
        );
        l.checkpoints[0] = signer()
            .sign(None, log_head(&l.log), "forged", at())
            .unwrap();
        assert!(first_problem_with(&l, anchors).contains("differs from the copy a witness holds"));
    }

    #[test]
    fn a_signer_change_needs_the_old_key_s_endorsement() {
        let mut l = ledger(2);
        let new = CheckpointSigner::from_secret([2; 32]);
        let head = log_head(&l.log);
        let unendorsed = new
            .sign(l.checkpoints.first(), head.clone(), "t", at())
            .unwrap();
        l.checkpoints.push(unendorsed);
        assert!(first_problem(&l).contains("the old key endorsed no rotation"));
        l.checkpoints.pop();
        let mut body = new
            .sign(l.checkpoints.first(), head, "rotation", at())
            .unwrap()
            .body;
        body.rotation = Some(signer().endorse(&new.fingerprint()).unwrap());
        l.checkpoints.push(new.sign_body(body).unwrap());
        let pinned = new.fingerprint();
        let report = verify(
            &l,
            Anchors {
                pinned_fingerprint: Some(&pinned),
                witnessed: None,
            },
        );
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!(report.signers.len(), 2);
    }

    #[test]
    fn an_altered_record_is_named() {
        let mut l = ledger(2);
        l.records.insert("INC-1".into(), "other".into());
        assert_eq!(
            first_problem(&l),
            "INC-1 Some(2): the stored record differs from the state its last event sealed (record altered)"
        );
    }

    #[test]
    fn changed_or_missing_evidence_content_is_named() {
        let mut l = ledger(1);
        l.evidence_content.insert("EV-1".into(), "aa".into());
        l.evidence_content.insert("EV-2".into(), "bb".into());
        let mut report = verify(&l, Anchors::default());
        check_evidence(&l, &mut report, |sha| match sha {
            "aa" => BlobState::Changed("cc".into()),
            _ => BlobState::Missing,
        });
        assert_eq!(report.blobs_checked, Some(2));
        assert_eq!(
            report.problems[0].message,
            "its content no longer hashes to aa but to cc (altered)"
        );
        assert_eq!(report.problems[1].place, "evidence:EV-2");
    }
}
