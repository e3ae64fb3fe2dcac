//! Evidence bundles a regulator can check offline: an archive holding the
//! incident's artifacts, a manifest (their hashes, the custody log, the
//! incident's hash-chained timeline and the newest signed checkpoint) and a
//! detached ed25519 signature over the manifest.
//!
//! This module owns the manifest's shape and the verdict; reading and writing
//! the archive is the caller's job, so verification here sees only the
//! manifest bytes, the signature and the hash and size of every file found.

use crate::checkpoint::{Checkpoint, fingerprint, parse_hex, verify_detached, verify_signature};
use crate::evidence::{Evidence, evidence_stream};
use crate::incident::Incident;
use crate::merkle::{Hash, leaf_hash, verify_inclusion};
use crate::timeline::{Event, state_hash};
use crate::verify::{Anchors, Ledger, verify};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub const FORMAT: &str = "firebreak-evidence-bundle/1";
pub const MANIFEST_PATH: &str = "manifest.json";
pub const SIGNATURE_PATH: &str = "manifest.json.sig";
/// Signed with the manifest so its signature cannot pass for another kind.
pub const SIGNATURE_DOMAIN: &str = "firebreak-evidence-bundle-v1";
/// Archive member names stay well inside tar's 100-byte name field.
const MAX_NAME: usize = 80;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: Timestamp,
    pub created_by: String,
    pub purpose: String,
    pub signer: Signer,
    pub incident: Incident,
    pub artifacts: Vec<BundledArtifact>,
    /// The incident's timeline, every event with its chain hashes.
    pub timeline: Vec<Event>,
    /// Each artifact's own custody chain, by evidence id.
    pub custody: BTreeMap<String, Vec<Event>>,
    /// The newest checkpoint when the bundle was made: it ties the timeline
    /// to the server's signed history.
    pub checkpoint: Option<Checkpoint>,
    /// Proofs that the checkpoint's log holds each bundled stream's newest
    /// event it covers, so the bundle needs no other events to show it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inclusion: Vec<InclusionProof>,
}

/// An RFC 6962 audit path from one event's leaf to a checkpoint's root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub stream: String,
    pub seq: u64,
    /// The event's position in the global log, from 1.
    pub position: u64,
    /// Sibling hashes, hex, from the leaf up.
    pub path: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    pub public_key: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundledArtifact {
    /// Where the content is in the archive.
    pub path: String,
    pub evidence: Evidence,
}

/// Where an item's content goes in the archive.
pub fn artifact_path(item: &Evidence) -> String {
    let name: String = item
        .filename
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect();
    let mut cut = name.len().min(MAX_NAME - item.id.len() - 11);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("artifacts/{}/{}", item.id, &name[..cut])
}

/// A file found in the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BundleProblem {
    /// The archive member (e.g. `artifacts/EV-3/log.parquet`), `manifest.json`,
    /// or a timeline stream.
    pub place: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BundleReport {
    pub incident: Option<String>,
    pub artifacts: usize,
    pub events: usize,
    pub signer: Option<String>,
    /// Whether the signer was checked against a key obtained elsewhere.
    pub signer_pinned: bool,
    pub problems: Vec<BundleProblem>,
}

impl BundleReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks a bundle from what was found in its archive (every member,
/// hashed): the manifest's signature (and signer, when pinned), every
/// listed artifact's presence, size and hash, files the manifest does not
/// list, and the timeline and custody chains with the checkpoint.
pub fn verify_bundle(
    manifest_bytes: Option<&[u8]>,
    signature: Option<&str>,
    found: &[(String, FoundFile)],
    pinned_fingerprint: Option<&str>,
) -> BundleReport {
    let mut report = BundleReport {
        incident: None,
        artifacts: 0,
        events: 0,
        signer: None,
        signer_pinned: pinned_fingerprint.is_some(),
        problems: Vec::new(),
    };
    let mut complain = |place: &str, message: String| {
        report.problems.push(BundleProblem {
            place: place.to_string(),
            message,
        })
    };
    let mut files: BTreeMap<&str, &FoundFile> = BTreeMap::new();
    for (path, file) in found {
        if files.insert(path, file).is_some() {
            complain(path, "appears more than once in the archive".into());
        }
    }
    let Some(manifest_bytes) = manifest_bytes else {
        complain(MANIFEST_PATH, "is missing".into());
        return report;
    };
    let manifest: Manifest = match serde_json::from_slice(manifest_bytes) {
        Ok(manifest) => manifest,
        Err(error) => {
            complain(MANIFEST_PATH, format!("cannot be read: {error}"));
            return report;
        }
    };
    if manifest.format != FORMAT {
        complain(
            MANIFEST_PATH,
            format!("format `{}`, expected `{FORMAT}`", manifest.format),
        );
    }
    match signature {
        None => complain(SIGNATURE_PATH, "is missing".into()),
        Some(signature) => {
            if let Err(why) = verify_detached(
                &manifest.signer.public_key,
                SIGNATURE_DOMAIN,
                manifest_bytes,
                signature,
            ) {
                complain(
                    MANIFEST_PATH,
                    format!("{why} (the manifest was edited, or signed by another key)"),
                );
            }
        }
    }
    let key_fingerprint = parse_hex(&manifest.signer.public_key).map(|key| fingerprint(&key));
    if key_fingerprint.as_deref() != Some(manifest.signer.fingerprint.as_str()) {
        complain(
            MANIFEST_PATH,
            "the signer's public key does not match its fingerprint".into(),
        );
    }
    if let Some(pinned) = pinned_fingerprint
        && !manifest.signer.fingerprint.eq_ignore_ascii_case(pinned)
    {
        complain(
            MANIFEST_PATH,
            format!(
                "signed by {}, not by the pinned key {pinned}",
                manifest.signer.fingerprint
            ),
        );
    }

    let mut listed = vec![MANIFEST_PATH.to_string(), SIGNATURE_PATH.to_string()];
    for artifact in &manifest.artifacts {
        listed.push(artifact.path.clone());
        match files.get(artifact.path.as_str()) {
            None => complain(&artifact.path, "is missing from the bundle".into()),
            Some(found) if found.size != artifact.evidence.size => complain(
                &artifact.path,
                format!(
                    "has {} bytes, the manifest says {} (file altered)",
                    found.size, artifact.evidence.size
                ),
            ),
            Some(found) if found.sha256 != artifact.evidence.sha256 => complain(
                &artifact.path,
                format!(
                    "has SHA-256 {}, the manifest says {} (file altered)",
                    found.sha256, artifact.evidence.sha256
                ),
            ),
            Some(_) => {}
        }
    }
    for path in files.keys() {
        if !listed.iter().any(|l| l == path) {
            complain(path, "is not listed in the manifest".into());
        }
    }

    let incident_stream = manifest.incident.public_id();
    let mut ledger = Ledger::default();
    ledger
        .streams
        .insert(incident_stream.clone(), manifest.timeline.clone());
    ledger
        .records
        .insert(incident_stream.clone(), state_hash(&manifest.incident));
    for artifact in &manifest.artifacts {
        let stream = evidence_stream(&artifact.evidence.id);
        let events = manifest
            .custody
            .get(&artifact.evidence.id)
            .cloned()
            .unwrap_or_default();
        ledger.streams.insert(stream.clone(), events);
        ledger
            .records
            .insert(stream, state_hash(&artifact.evidence));
    }
    let chains = verify(&ledger, Anchors::default());
    for problem in chains.problems {
        let place = match problem.seq {
            Some(seq) => format!("{} event {seq}", problem.place),
            None => problem.place,
        };
        complain(&place, problem.message);
    }
    if let Some(checkpoint) = &manifest.checkpoint {
        let place = format!("checkpoint #{}", checkpoint.body.number);
        if let Err(why) = verify_signature(checkpoint) {
            complain(&place, why);
        } else if checkpoint.body.signer != manifest.signer.fingerprint {
            complain(&place, "is signed by another key than the manifest".into());
        }
        for proof in &manifest.inclusion {
            if let Some(why) = check_inclusion(checkpoint, proof, &ledger) {
                complain(&proof.stream, format!("event {}: {why}", proof.seq));
            }
        }
        for head in checkpoint.body.heads.iter().flatten() {
            let Some(events) = ledger.streams.get(&head.stream) else {
                continue;
            };
            match events.get((head.seq as usize).wrapping_sub(1)) {
                None => complain(
                    &head.stream,
                    format!(
                        "{place} saw {} events, the bundle holds {} (events left out)",
                        head.seq,
                        events.len()
                    ),
                ),
                Some(event) if event.hash != head.hash => complain(
                    &head.stream,
                    format!(
                        "event {} differs from the one {place} vouched for",
                        head.seq
                    ),
                ),
                Some(_) => {}
            }
        }
    }

    report.incident = Some(incident_stream);
    report.artifacts = manifest.artifacts.len();
    report.events = ledger.streams.values().map(Vec::len).sum();
    report.signer = Some(manifest.signer.fingerprint);
    report
}

/// Why `proof` does not tie its event to `checkpoint`, if it does not.
fn check_inclusion(
    checkpoint: &Checkpoint,
    proof: &InclusionProof,
    ledger: &Ledger,
) -> Option<String> {
    let Some(log) = &checkpoint.body.log else {
        return Some("the checkpoint has no event log to prove inclusion in".into());
    };
    let event = ledger
        .streams
        .get(&proof.stream)
        .and_then(|events| events.get((proof.seq as usize).wrapping_sub(1)))?;
    let decode = |text: &str| -> Option<Hash> { parse_hex(text)?.try_into().ok() };
    let path: Option<Vec<Hash>> = proof.path.iter().map(|h| decode(h)).collect();
    let (Some(path), Some(root)) = (path, decode(&log.root)) else {
        return Some("its inclusion proof is not hex hashes".into());
    };
    let leaf = leaf_hash(&event.stream, event.seq, &event.hash);
    let holds =
        proof.position >= 1 && verify_inclusion(leaf, proof.position - 1, log.size, &path, &root);
    (!holds).then(|| {
        format!(
            "is not in the log checkpoint #{} signed (event altered, or the proof forged)",
            checkpoint.body.number
        )
    })
}
