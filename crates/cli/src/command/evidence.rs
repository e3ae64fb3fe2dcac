//! `firebreak evidence …`: the evidence vault through the API, and
//! `evidence verify`, which checks a bundle offline on the file alone.

use crate::InputError;
use crate::cli::EvidenceCommand;
use crate::client::{Client, encode};
use crate::command::verify::pinned_fingerprint;
use crate::output::{self, text};
use anyhow::{Context, Result};
use firebreak_core::bundle::{FoundFile, MANIFEST_PATH, SIGNATURE_PATH, verify_bundle};
use firebreak_core::incident::{parse_public_id, public_id};
use firebreak_core::timeline::hex;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

/// The manifest of a bundle is read whole; anything larger is not ours.
const MAX_MANIFEST: u64 = 512 * 1024 * 1024;

fn incident_id(id: &str) -> Result<String> {
    Ok(public_id(parse_public_id(id).map_err(InputError)?))
}

fn evidence_row(e: &Value) -> Vec<String> {
    let mut state = Vec::new();
    if e["legal_hold"].as_bool() == Some(true) {
        state.push("legal hold");
    }
    if !e["disposed_at"].is_null() {
        state.push("disposed");
    }
    vec![
        text(&e["id"]),
        text(&e["filename"]),
        text(&e["size"]),
        text(&e["sha256"]).chars().take(16).collect(),
        text(&e["collected_by"]),
        state.join(", "),
        text(&e["description"]),
    ]
}

/// The columns of `evidence_row`.
const EVIDENCE_COLUMNS: [&str; 7] = [
    "ID",
    "FILE",
    "BYTES",
    "SHA-256",
    "BY",
    "STATE",
    "DESCRIPTION",
];

fn print_item(item: &Value, json: bool) {
    if json {
        output::json(item);
    } else {
        output::table(&EVIDENCE_COLUMNS, &[evidence_row(item)]);
    }
}

pub async fn run(command: EvidenceCommand) -> Result<ExitCode> {
    let client = Client::from_environment;
    match command {
        EvidenceCommand::Verify { bundle, pin, json } => {
            let pinned = pinned_fingerprint(&pin)?;
            return verify(&bundle, pinned.as_deref(), json);
        }
        EvidenceCommand::Add {
            incident,
            file,
            description,
            json,
        } => {
            let id = incident_id(&incident)?;
            let fields = [("description", description)];
            let item = client()?
                .upload(&format!("/api/v1/incidents/{id}/evidence"), &file, &fields)
                .await?;
            print_item(&item, json);
        }
        EvidenceCommand::List { incident, json } => {
            let id = incident_id(&incident)?;
            let items = client()?
                .get(&format!("/api/v1/incidents/{id}/evidence"))
                .await?;
            if json {
                output::json(&items);
            } else {
                let rows: Vec<_> = items
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(evidence_row)
                    .collect();
                output::table(&EVIDENCE_COLUMNS, &rows);
            }
        }
        EvidenceCommand::Show { id, json } => {
            let item = client()?
                .get(&format!("/api/v1/evidence/{}", encode(&id)))
                .await?;
            if json {
                output::json(&item);
            } else {
                print_item(&item, false);
                println!();
                let rows: Vec<_> = item["custody"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| {
                        vec![
                            text(&e["seq"]),
                            text(&e["recorded_at"]),
                            text(&e["actor"]),
                            custody_step(e),
                        ]
                    })
                    .collect();
                output::table(&["#", "AT", "BY", "CUSTODY"], &rows);
            }
        }
        EvidenceCommand::Get { id, output } => {
            let path = format!("/api/v1/evidence/{}/content", encode(&id));
            let bytes = client()?
                .download(Method::GET, &path, None, &output)
                .await?;
            eprintln!("{id}: {bytes} bytes written to {}", output.display());
        }
        EvidenceCommand::Transfer { id, to, note, json } => {
            let path = format!("/api/v1/evidence/{}/transfers", encode(&id));
            let item = client()?
                .post(&path, json!({ "recipient": to, "note": note }))
                .await?;
            print_item(&item, json);
        }
        EvidenceCommand::Hold {
            id,
            off,
            reason,
            json,
        } => {
            let path = format!("/api/v1/evidence/{}/legal-hold", encode(&id));
            let body = json!({ "on": !off, "reason": reason });
            let item = client()?.send(Method::PUT, &path, Some(body)).await?;
            print_item(&item, json);
        }
        EvidenceCommand::Dispose { id, reason, json } => {
            let path = format!("/api/v1/evidence/{}", encode(&id));
            let item = client()?
                .send(Method::DELETE, &path, Some(json!({ "reason": reason })))
                .await?;
            print_item(&item, json);
        }
        EvidenceCommand::Bundle {
            incident,
            output,
            purpose,
        } => {
            let id = incident_id(&incident)?;
            let path = format!("/api/v1/incidents/{id}/evidence/bundle");
            let bytes = client()?
                .download(
                    Method::POST,
                    &path,
                    Some(json!({ "purpose": purpose })),
                    &output,
                )
                .await?;
            eprintln!(
                "{id}: bundle of {bytes} bytes written to {}",
                output.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn custody_step(event: &Value) -> String {
    let body = &event["body"];
    let step = &body["step"];
    if step.is_null() {
        return format!("collected ({})", text(&body["evidence"]["description"]));
    }
    let detail: Vec<String> = ["recipient", "purpose", "reason", "note"]
        .iter()
        .filter_map(|key| step[*key].as_str().filter(|v| !v.is_empty()))
        .map(str::to_string)
        .collect();
    let action = text(&step["action"]).replace('_', " ");
    if detail.is_empty() {
        action
    } else {
        format!("{action}: {}", detail.join("; "))
    }
}

/// Reads the archive once, hashing every member as it streams past.
fn verify(bundle: &Path, pinned: Option<&str>, json: bool) -> Result<ExitCode> {
    let file = std::fs::File::open(bundle)
        .map_err(|e| InputError(format!("cannot read {}: {e}", bundle.display())))?;
    let mut archive = tar::Archive::new(std::io::BufReader::with_capacity(1 << 20, file));
    let mut found = Vec::new();
    let mut manifest = None;
    let mut signature = None;
    let not_a_bundle = |e: std::io::Error| {
        InputError(format!(
            "{} is not a readable tar archive: {e}",
            bundle.display()
        ))
    };
    for entry in archive.entries().map_err(not_a_bundle)? {
        let mut entry = entry.map_err(not_a_bundle)?;
        let path = entry
            .path()
            .map_err(not_a_bundle)?
            .to_string_lossy()
            .into_owned();
        let regular = entry.header().entry_type().is_file();
        let wanted = regular
            && (path == MANIFEST_PATH || path == SIGNATURE_PATH)
            && entry.size() <= MAX_MANIFEST;
        let mut kept = Vec::new();
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let n = entry
                .read(&mut buffer)
                .with_context(|| format!("cannot read {path} in {}", bundle.display()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            size += n as u64;
            if wanted {
                kept.extend_from_slice(&buffer[..n]);
            }
        }
        let sha256 = if regular {
            hex(&hasher.finalize())
        } else {
            "not a regular file".to_string()
        };
        if wanted && path == MANIFEST_PATH && manifest.is_none() {
            manifest = Some(kept);
        } else if wanted && path == SIGNATURE_PATH && signature.is_none() {
            signature = Some(String::from_utf8_lossy(&kept).into_owned());
        }
        found.push((path, FoundFile { sha256, size }));
    }
    let report = verify_bundle(manifest.as_deref(), signature.as_deref(), &found, pinned);
    if json {
        output::json(&serde_json::to_value(&report)?);
    } else {
        println!(
            "{}: {} artifacts, {} events",
            report.incident.as_deref().unwrap_or("(unknown incident)"),
            report.artifacts,
            report.events
        );
        for problem in &report.problems {
            println!("BROKEN {}: {}", problem.place, problem.message);
        }
        if report.is_intact() {
            if report.signer_pinned {
                println!("bundle verified, signed by the pinned key");
            } else {
                println!(
                    "bundle verified, signer not pinned (signer: {})",
                    report.signer.as_deref().unwrap_or("unknown")
                );
            }
        }
    }
    if report.is_intact() {
        return Ok(ExitCode::SUCCESS);
    }
    let first = &report.problems[0];
    eprintln!(
        "error: bundle check failed at {}: {}",
        first.place, first.message
    );
    Ok(ExitCode::from(1))
}
