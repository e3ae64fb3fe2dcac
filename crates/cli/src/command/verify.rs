//! `firebreak verify`: recomputes every chain and signature from the files of a
//! data directory, without a server (D19).

use crate::InputError;
use crate::cli::{SignerPin, VerifyArgs};
use crate::output;
use anyhow::{Context, Result};
use firebreak_core::checkpoint::{fingerprint, parse_hex};
use firebreak_core::verify::verify;
use firebreak_store::{SqliteStore, Store};
use std::process::ExitCode;

/// The fingerprint the signer is pinned to, if any.
pub fn pinned_fingerprint(pin: &SignerPin) -> Result<Option<String>> {
    if let Some(hex) = &pin.fingerprint {
        if parse_hex(hex).is_none_or(|b| b.len() != 32) {
            return Err(
                InputError(format!("--fingerprint `{hex}` is not 64 hex characters")).into(),
            );
        }
        return Ok(Some(hex.to_lowercase()));
    }
    let Some(path) = &pin.public_key else {
        return Ok(None);
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let key = parse_hex(text.trim())
        .filter(|b| b.len() == 32)
        .ok_or_else(|| {
            InputError(format!(
                "{} is not an ed25519 public key (64 hex characters)",
                path.display()
            ))
        })?;
    Ok(Some(fingerprint(&key)))
}

pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let pinned = pinned_fingerprint(&args.pin)?;
    let path = args.data_dir.data_dir.join(firebreak_server::DATABASE_FILE);
    let store = SqliteStore::open_existing(&path).map_err(|e| {
        InputError(format!(
            "cannot verify {}: {e}",
            args.data_dir.data_dir.display()
        ))
    })?;
    let ledger = store.ledger().context("cannot read the timeline")?;
    let report = verify(&ledger, pinned.as_deref());
    if args.json {
        output::json(&serde_json::to_value(&report)?);
    } else {
        println!(
            "{} streams, {} events, {} checkpoints",
            report.streams, report.events, report.checkpoints
        );
        for problem in &report.problems {
            let at = problem
                .seq
                .map(|s| format!(" event {s}"))
                .unwrap_or_default();
            println!("BROKEN {}{at}: {}", problem.place, problem.message);
        }
        if report.is_intact() {
            if report.signer_pinned {
                println!("integrity verified, signed by the pinned key");
            } else {
                println!(
                    "integrity verified, signer not pinned (signers: {})",
                    report.signers.join(", ")
                );
            }
        }
    }
    if report.is_intact() {
        Ok(ExitCode::SUCCESS)
    } else {
        let first = &report.problems[0];
        let at = first.seq.map(|s| format!(" event {s}")).unwrap_or_default();
        eprintln!(
            "error: integrity check failed at {}{at}: {}",
            first.place, first.message
        );
        Ok(ExitCode::from(1))
    }
}
