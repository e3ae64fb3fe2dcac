//! `firebreak migrate`: copies a data directory's SQLite records into an
//! empty PostgreSQL database, row for row, and verifies every chain and
//! checkpoint on the copy before saying it is done.

use crate::InputError;
use crate::cli::MigrateArgs;
use crate::command::verify::{pinned_fingerprint, print_report};
use anyhow::{Context, Result};
use firebreak_core::verify::{Anchors, VerifyReport, check_evidence, verify};
use firebreak_store::{BlobStore, PostgresStore, RemoteBlobs, SqliteStore, Store, StoreError};
use std::process::ExitCode;
use std::sync::Arc;

pub fn run(args: MigrateArgs) -> Result<ExitCode> {
    let pinned = pinned_fingerprint(&args.pin)?;
    let anchors = Anchors {
        pinned_fingerprint: pinned.as_deref(),
        witnessed: None,
    };
    let path = args.from.join(firebreak_server::DATABASE_FILE);
    let source = SqliteStore::open_existing(&path)
        .map_err(|e| InputError(format!("cannot read {}: {e}", args.from.display())))?;
    // A broken record is not carried somewhere it would look fresh.
    let before = verify(&source.ledger().context("cannot read the source")?, anchors);
    if !before.is_intact() {
        print_report(&before);
        eprintln!(
            "error: {} does not verify; nothing was copied",
            args.from.display()
        );
        return Ok(ExitCode::from(1));
    }
    let target = PostgresStore::connect(&args.to)
        .map_err(|e| InputError(format!("cannot open the target database: {e}")))?;
    let copied = source.copy_into(&target).map_err(|e| match e {
        StoreError::AlreadyExists(what) => InputError(format!("the target holds {what}")),
        other => InputError(format!("the copy failed and was rolled back: {other}")),
    })?;
    let ledger = target.ledger().context("cannot read the copy")?;
    let mut after = verify(&ledger, anchors);
    let same = same_counts(&before, &after);
    if let Some(url) = &args.blobs.blob_store {
        let remote = RemoteBlobs::connect(url, &[])
            .map_err(|e| InputError(format!("cannot open the evidence store: {e}")))?;
        let remote = Arc::new(remote);
        let local = BlobStore::open_existing(&args.from.join(firebreak_server::BLOB_DIR));
        if let Some(local) = local {
            let uploaded = local
                .with_remote(remote.clone())
                .upload_local(|done, total| eprint!("\ruploading evidence content: {done}/{total}"))
                .context("cannot upload the evidence content")?;
            if uploaded > 0 {
                eprintln!();
            }
        }
        check_evidence(&ledger, &mut after, |sha256| remote.check(sha256));
    }
    if args.json {
        crate::output::json(&serde_json::json!({
            "copied": copied.iter().map(|(table, rows)| (table.to_string(), *rows)).collect::<std::collections::BTreeMap<_, _>>(),
            "verify": after,
        }));
    } else {
        for (table, rows) in &copied {
            println!("{table}: {rows} rows");
        }
        print_report(&after);
    }
    if !after.is_intact() || !same {
        eprintln!("error: the copy does not verify as the source did; do not serve from it");
        return Ok(ExitCode::from(1));
    }
    if !args.json {
        match &args.blobs.blob_store {
            Some(url) => println!(
                "migrated: serve with --database, --blob-store {url} and the same signing key"
            ),
            None => println!(
                "migrated: serve with --database and the same data directory (keys, evidence content)"
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn same_counts(before: &VerifyReport, after: &VerifyReport) -> bool {
    (before.streams, before.events, before.checkpoints)
        == (after.streams, after.events, after.checkpoints)
}
