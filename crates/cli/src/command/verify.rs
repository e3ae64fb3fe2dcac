//! `firebreak verify`: recomputes every chain and signature from the files of a
//! data directory, without a server (D19).

use crate::InputError;
use crate::cli::{SignerPin, VerifyArgs};
use crate::output;
use anyhow::{Context, Result};
use firebreak_core::Timestamp;
use firebreak_core::checkpoint::{Checkpoint, fingerprint, parse_hex};
use firebreak_core::verify::{Anchors, BlobState, VerifyReport, check_evidence, verify};
use firebreak_server::witness::parse_witnessed;
use firebreak_store::{BlobStore, PostgresStore, RemoteBlobs, SqliteStore, Store};
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

/// Every checkpoint the given witnesses hold.
fn witnessed(sources: &[String]) -> Result<Option<Vec<Checkpoint>>> {
    if sources.is_empty() {
        return Ok(None);
    }
    let mut all = Vec::new();
    for source in sources {
        let text = if source.starts_with("http://") || source.starts_with("https://") {
            fetch(source)?
        } else {
            std::fs::read_to_string(source)
                .map_err(|e| InputError(format!("--witness {source}: cannot read it: {e}")))?
        };
        let copies = parse_witnessed(&text)
            .map_err(|why| InputError(format!("--witness {source}: {why}")))?;
        all.extend(copies);
    }
    Ok(Some(all))
}

fn fetch(url: &str) -> Result<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the HTTP client")?;
    runtime.block_on(async {
        let response = reqwest::get(url)
            .await
            .with_context(|| format!("--witness {url}: cannot fetch it"))?;
        if !response.status().is_success() {
            anyhow::bail!("--witness {url}: answered {}", response.status());
        }
        response
            .text()
            .await
            .with_context(|| format!("--witness {url}: cannot read the answer"))
    })
}

pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let pinned = pinned_fingerprint(&args.pin)?;
    let witnessed = witnessed(&args.witness)?;
    let data_dir = &args.data_dir.data_dir;
    let store: Box<dyn Store> = match &args.database {
        Some(url) => Box::new(
            PostgresStore::connect_existing(url)
                .map_err(|e| InputError(format!("cannot verify the PostgreSQL database: {e}")))?,
        ),
        None => Box::new(
            SqliteStore::open_existing(&data_dir.join(firebreak_server::DATABASE_FILE))
                .map_err(|e| InputError(format!("cannot verify {}: {e}", data_dir.display())))?,
        ),
    };
    let ledger = store.ledger().context("cannot read the timeline")?;
    let anchors = Anchors {
        pinned_fingerprint: pinned.as_deref(),
        witnessed: witnessed.as_deref(),
    };
    let mut report = verify(&ledger, anchors);
    if !args.skip_blobs {
        match &args.blobs.blob_store {
            Some(url) => {
                let remote = RemoteBlobs::connect(url, &[])
                    .map_err(|e| InputError(format!("cannot check evidence content: {e}")))?;
                check_evidence(&ledger, &mut report, |sha256| remote.check(sha256));
            }
            None => {
                let blobs = BlobStore::open_existing(&data_dir.join(firebreak_server::BLOB_DIR));
                check_evidence(&ledger, &mut report, |sha256| match &blobs {
                    Some(blobs) => blobs.check(sha256),
                    None => BlobState::Missing,
                });
            }
        }
    }
    let stale_tail = report
        .unsigned
        .as_ref()
        .filter(|tail| args.strict && tail.is_stale(Timestamp::now(), args.max_unsigned_age));
    if args.json {
        output::json(&serde_json::to_value(&report)?);
    } else {
        print_report(&report);
    }
    if !report.is_intact() {
        let first = &report.problems[0];
        let at = first.seq.map(|s| format!(" event {s}")).unwrap_or_default();
        eprintln!(
            "error: integrity check failed at {}{at}: {}",
            first.place, first.message
        );
        return Ok(ExitCode::from(1));
    }
    if let Some(tail) = stale_tail {
        eprintln!(
            "error: {} events recorded since {} are covered by no checkpoint, longer than --max-unsigned-age allows or dated ahead of this clock (forged, or the server stopped before signing)",
            tail.events, tail.since
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn print_report(report: &VerifyReport) {
    println!(
        "{} streams, {} events, {} checkpoints",
        report.streams, report.events, report.checkpoints
    );
    if let Some(witnessed) = report.witnessed {
        println!("{witnessed} checkpoints compared with the witness copy");
    }
    if let Some(blobs) = report.blobs_checked {
        println!("{blobs} evidence items' content hashed");
    }
    for problem in &report.problems {
        let at = problem
            .seq
            .map(|s| format!(" event {s}"))
            .unwrap_or_default();
        println!("BROKEN {}{at}: {}", problem.place, problem.message);
    }
    if let Some(tail) = &report.unsigned {
        println!(
            "UNSIGNED {} events since {} are covered by no checkpoint yet (streams: {})",
            tail.events,
            tail.since,
            tail.streams.join(", ")
        );
    }
    if report.is_intact() {
        let scope = if report.unsigned.is_some() {
            "integrity verified up to the newest checkpoint"
        } else {
            "integrity verified"
        };
        if report.signer_pinned {
            println!("{scope}, signed by the pinned key");
        } else {
            println!(
                "{scope}, signer not pinned (signers: {})",
                report.signers.join(", ")
            );
        }
    }
}
