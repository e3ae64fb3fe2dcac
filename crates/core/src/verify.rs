//! Recomputes every chain and checkpoint and names the first thing that does not
//! hold. Works on what a store hands over, so it runs offline on the files alone
//! (D19): the audited system does not vouch for itself.

use crate::checkpoint::{Checkpoint, verify_signature};
use crate::timeline::{Event, GENESIS};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Everything the store holds that integrity depends on.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Events per stream, in stored sequence order.
    pub streams: BTreeMap<String, Vec<Event>>,
    /// The state hash of each stream's current record (incident or system row).
    pub records: BTreeMap<String, String>,
    /// In checkpoint-number order.
    pub checkpoints: Vec<Checkpoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct IntegrityProblem {
    /// The stream (e.g. `INC-3`) or `checkpoint #n`.
    pub place: String,
    /// The event position concerned, when there is one.
    pub seq: Option<u64>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct VerifyReport {
    pub streams: usize,
    pub events: usize,
    pub checkpoints: usize,
    /// Fingerprints of the keys that signed the checkpoints.
    pub signers: Vec<String>,
    /// Whether the signer was checked against a key obtained elsewhere.
    pub signer_pinned: bool,
    pub problems: Vec<IntegrityProblem>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks `ledger`. With `pinned_fingerprint`, every checkpoint must be signed by
/// that key; without it, signatures are checked against the keys they name.
pub fn verify(ledger: &Ledger, pinned_fingerprint: Option<&str>) -> VerifyReport {
    let mut problems = Vec::new();
    for (stream, events) in &ledger.streams {
        if let Some(problem) = first_broken_link(stream, events) {
            problems.push(problem);
        } else if let Some(last) = events.last() {
            match ledger.records.get(stream) {
                None => problems.push(problem(stream, None, "the record of this stream is missing")),
                Some(state) if *state != last.state_hash => problems.push(problem(
                    stream,
                    Some(last.seq),
                    "the stored record differs from the state its last event sealed (record altered)",
                )),
                Some(_) => {}
            }
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
    let mut signers: Vec<String> = Vec::new();
    let mut previous: Option<&Checkpoint> = None;
    for checkpoint in &ledger.checkpoints {
        let place = format!("checkpoint #{}", checkpoint.body.number);
        if !signers.contains(&checkpoint.body.signer) {
            signers.push(checkpoint.body.signer.clone());
        }
        if let Err(why) = verify_signature(checkpoint) {
            problems.push(problem(&place, None, &why));
            previous = Some(checkpoint);
            continue;
        }
        if let Some(pinned) = pinned_fingerprint
            && !checkpoint.body.signer.eq_ignore_ascii_case(pinned)
        {
            problems.push(problem(
                &place,
                None,
                &format!(
                    "signed by {}, not by the pinned key {pinned}",
                    checkpoint.body.signer
                ),
            ));
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
        for head in &checkpoint.body.heads {
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
        previous = Some(checkpoint);
    }
    problems.dedup();
    VerifyReport {
        streams: ledger.streams.len(),
        events: ledger.streams.values().map(Vec::len).sum(),
        checkpoints: ledger.checkpoints.len(),
        signers,
        signer_pinned: pinned_fingerprint.is_some(),
        problems,
    }
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
    use crate::checkpoint::{ChainHead, CheckpointSigner};
    use crate::timeline::{EventDraft, EventKind};
    use jiff::Timestamp;
    use serde_json::json;

    fn ledger(notes: usize) -> Ledger {
        let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut events: Vec<Event> = Vec::new();
        for i in 0..notes {
            let draft = EventDraft {
                kind: EventKind::Note,
                occurred_at: at,
                actor: "alice".into(),
                body: json!({ "text": format!("note {i}") }),
            };
            let previous = events.last().map(|e| (e.seq, e.hash.as_str()));
            let event = Event::seal("INC-1", previous, draft, at, format!("state{i}"));
            events.push(event);
        }
        let mut ledger = Ledger::default();
        ledger
            .records
            .insert("INC-1".into(), format!("state{}", notes - 1));
        let head = ChainHead {
            stream: "INC-1".into(),
            seq: notes as u64,
            hash: events.last().unwrap().hash.clone(),
        };
        ledger.streams.insert("INC-1".into(), events);
        ledger
            .checkpoints
            .push(CheckpointSigner::from_secret([1; 32]).sign(None, vec![head], "t", at));
        ledger
    }

    fn first_problem(ledger: &Ledger) -> String {
        let report = verify(ledger, None);
        let p = &report.problems[0];
        format!("{} {:?}: {}", p.place, p.seq, p.message)
    }

    #[test]
    fn an_intact_ledger_verifies() {
        let report = verify(&ledger(3), None);
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!(
            (report.streams, report.events, report.checkpoints),
            (1, 3, 1)
        );
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
        l.records.insert("INC-1".into(), "state1".into());
        assert_eq!(
            first_problem(&l),
            "INC-1 Some(3): checkpoint #1 saw 3 events, only 2 remain (events deleted)"
        );
    }

    #[test]
    fn a_pinned_key_rejects_another_signer() {
        let report = verify(&ledger(2), Some("00ff"));
        assert!(report.problems[0].message.starts_with("signed by "));
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
}
