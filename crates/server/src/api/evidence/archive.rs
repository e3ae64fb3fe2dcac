//! The signed evidence bundle: each item's export recorded, a checkpoint
//! signed, and the tar archive (manifest, detached signature, artifacts)
//! streamed straight from the blob store with bounded memory.

use super::{Chunk, Sent, byte_channel, record_damage_blocking, send_all};
use crate::error::ApiError;
use crate::state::{AppState, now};
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use firebreak_core::bundle::{
    BundledArtifact, FORMAT, MANIFEST_PATH, Manifest, SIGNATURE_DOMAIN, SIGNATURE_PATH, Signer,
    artifact_path,
};
use firebreak_core::evidence::{CustodyAction, evidence_stream};
use firebreak_store::VerifiedRead;
use std::collections::BTreeMap;
use std::io::Read;
use tokio::sync::mpsc;

/// Records each item's export for `purpose`, signs a checkpoint and streams
/// the signed bundle: the workflow behind the API's bundle and the incident
/// page's bundle download.
pub async fn signed_bundle(
    state: &AppState,
    actor: &str,
    number: u64,
    purpose: &str,
) -> Result<Response, ApiError> {
    if purpose.trim().is_empty() {
        return Err(ApiError::invalid("purpose", "say what the bundle is for"));
    }
    let actor = actor.to_string();
    let purpose = purpose.trim().to_string();
    let (exported_actor, exported_purpose) = (actor.clone(), purpose.clone());
    state
        .run(move |store| {
            for item in store.incident_evidence(number)? {
                if item.disposed_at.is_none() {
                    let step = CustodyAction::Exported {
                        purpose: exported_purpose.clone(),
                    };
                    store.evidence_custody(&item.id, step, &exported_actor, now())?;
                }
            }
            Ok(())
        })
        .await?;
    // The newest events are vouched for by a checkpoint inside the bundle.
    state
        .checkpoint(format!("evidence bundle INC-{number}"), true)
        .await?;
    let manifest = state
        .run(move |store| {
            let incident = store.get_incident(number)?;
            let timeline = store.events(&incident.public_id())?;
            let mut artifacts = Vec::new();
            let mut custody = BTreeMap::new();
            for item in store.incident_evidence(number)? {
                custody.insert(item.id.clone(), store.events(&evidence_stream(&item.id))?);
                if item.disposed_at.is_none() {
                    artifacts.push(BundledArtifact {
                        path: artifact_path(&item),
                        evidence: item,
                    });
                }
            }
            let checkpoint = store.checkpoints()?.pop();
            let mut heads: Vec<(String, u64)> = timeline
                .last()
                .map(|e| (e.stream.clone(), e.seq))
                .into_iter()
                .collect();
            heads.extend(
                custody
                    .values()
                    .filter_map(|events| events.last().map(|e| (e.stream.clone(), e.seq))),
            );
            let inclusion = match checkpoint.as_ref().and_then(|c| c.body.log.as_ref()) {
                Some(log) => store.inclusion_proofs(log.size, &heads)?,
                None => Vec::new(),
            };
            Ok((
                incident, timeline, artifacts, custody, checkpoint, inclusion,
            ))
        })
        .await?;
    let (incident, timeline, artifacts, custody, checkpoint, inclusion) = manifest;
    let manifest = Manifest {
        format: FORMAT.to_string(),
        created_at: now(),
        created_by: actor,
        purpose,
        signer: Signer {
            public_key: state.signer.public_key_hex(),
            fingerprint: state.signer.fingerprint(),
        },
        incident,
        artifacts,
        timeline,
        custody,
        checkpoint,
        inclusion,
    };
    let manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| ApiError::Internal(format!("the manifest does not serialize: {e}")))?;
    let signature = state
        .signer
        .sign_detached(SIGNATURE_DOMAIN, &manifest_bytes)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut sources = Vec::new();
    for artifact in &manifest.artifacts {
        let item = &artifact.evidence;
        let reader = state.blobs.open_verified(&item.sha256, item.size)?;
        sources.push(BundleSource {
            path: artifact.path.clone(),
            sha256: item.sha256.clone(),
            size: item.size,
            reader,
        });
    }
    let (sender, body) = byte_channel();
    let watcher = state.clone();
    tokio::task::spawn_blocking(move || {
        if let Some((sha256, problem)) = write_bundle(&sender, &manifest_bytes, &signature, sources)
        {
            record_damage_blocking(&watcher, &sha256, &problem);
        }
    });
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-tar"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!(
        "attachment; filename=\"INC-{number}-evidence.tar\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

/// One artifact of a bundle, read through its hash check.
struct BundleSource {
    path: String,
    sha256: String,
    size: u64,
    reader: VerifiedRead<std::fs::File>,
}

/// Writes the archive: manifest, signature, then each artifact, as ustar
/// members with their headers built here so content streams straight from
/// the blob store.
/// Answers the content found damaged, if the archive was cut off for it.
fn write_bundle(
    sender: &mpsc::Sender<Chunk>,
    manifest: &[u8],
    signature: &str,
    sources: Vec<BundleSource>,
) -> Option<(String, String)> {
    let small = [
        (MANIFEST_PATH, manifest),
        (SIGNATURE_PATH, signature.as_bytes()),
    ];
    for (path, bytes) in small {
        if !matches!(
            send_member(sender, path, bytes.len() as u64, &mut &bytes[..]),
            Sent::All(_)
        ) {
            return None;
        }
    }
    for mut source in sources {
        match send_member(sender, &source.path, source.size, &mut source.reader) {
            Sent::All(_) => {}
            Sent::Stopped => return None,
            Sent::Damaged(problem) => return Some((source.sha256, problem)),
        }
    }
    // Two zero blocks end a tar archive.
    let _ = sender.blocking_send(Ok(Bytes::from(vec![0u8; 1024])));
    None
}

fn send_member(
    sender: &mpsc::Sender<Chunk>,
    path: &str,
    size: u64,
    reader: &mut impl Read,
) -> Sent {
    let mut header = tar::Header::new_gnu();
    if let Err(error) = header.set_path(path) {
        let _ = sender.blocking_send(Err(error));
        return Sent::Stopped;
    }
    header.set_size(size);
    header.set_mode(0o444);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_cksum();
    if sender
        .blocking_send(Ok(Bytes::copy_from_slice(header.as_bytes())))
        .is_err()
    {
        return Sent::Stopped;
    }
    match send_all(sender, reader) {
        Sent::All(sent) if sent == size => {}
        Sent::All(sent) => {
            let short = format!("{path}: the stored content has {sent} bytes, expected {size}");
            let _ = sender.blocking_send(Err(std::io::Error::other(short)));
            return Sent::Stopped;
        }
        stopped => return stopped,
    }
    let padding = (512 - (size % 512) as usize) % 512;
    if padding == 0
        || sender
            .blocking_send(Ok(Bytes::from(vec![0u8; padding])))
            .is_ok()
    {
        Sent::All(size)
    } else {
        Sent::Stopped
    }
}
