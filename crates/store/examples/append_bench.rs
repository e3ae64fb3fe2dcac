//! Append latency against timeline length: 8 writers append notes to one
//! incident whose timeline already holds 1k, 10k and 100k events, and the
//! time of a checkpoint and of a full verification at each length.
//! Run by `bench/integrity/run.sh` (release build); prints a Markdown table.

use firebreak_core::checkpoint::CheckpointSigner;
use firebreak_core::incident::DeclareIncident;
use firebreak_core::timeline::EventKind;
use firebreak_core::verify::{Anchors, verify};
use firebreak_core::{Timestamp, system::SystemDetails};
use firebreak_store::{CheckpointRequest, SqliteStore, Store};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const WRITERS: usize = 8;
const MEASURED_PER_WRITER: usize = 50;

fn note(store: &SqliteStore, text: &str) -> Duration {
    let started = Instant::now();
    let now = Timestamp::now();
    let (_, events) = store
        .change_incident(
            1,
            &mut |i, _| i.add_entry(EventKind::Note, text, None, "bench", now),
            now,
        )
        .expect("a note is appended");
    assert_eq!(
        events[0].body["text"], text,
        "each writer gets its own event"
    );
    started.elapsed()
}

/// Appends from `WRITERS` threads, `per_writer` each; answers every latency.
fn appends(store: &Arc<SqliteStore>, per_writer: usize, tag: &str) -> Vec<Duration> {
    let threads: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let store = store.clone();
            let tag = tag.to_string();
            std::thread::spawn(move || {
                (0..per_writer)
                    .map(|n| note(&store, &format!("{tag} writer {writer} note {n}")))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|t| t.join().expect("writer finished"))
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Arc::new(SqliteStore::open(&dir.path().join("firebreak.db")).expect("store"));
    let details: SystemDetails =
        serde_json::from_value(json!({"name": "Scoring"})).expect("details");
    store
        .register_system("scoring", details, "bench", Timestamp::now())
        .expect("system");
    let declare: DeclareIncident = serde_json::from_value(json!({
        "title": "bench", "severity": "sev3", "severity_rationale": "bench",
        "systems": ["scoring"],
    }))
    .expect("declaration");
    store
        .declare_incident(declare, "bench", Timestamp::now())
        .expect("incident");
    let signer = CheckpointSigner::from_secret([7; 32]);
    println!(
        "| timeline events | append p50 ms | append p99 ms | appends/s (8 writers) | re-reading the timeline ms (what each append cost before) | checkpoint ms | verify s |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut length = store.events("INC-1").expect("events").len();
    for target in [1_000usize, 10_000, 100_000] {
        let fill = target.saturating_sub(length).div_ceil(WRITERS);
        appends(&store, fill, "fill");
        store
            .write_checkpoint(&signer, request(), Timestamp::now())
            .expect("checkpoint");
        let started = Instant::now();
        let mut latencies = appends(&store, MEASURED_PER_WRITER, "measured");
        let rate = latencies.len() as f64 / started.elapsed().as_secs_f64();
        latencies.sort();
        let started = Instant::now();
        length = store.events("INC-1").expect("events").len();
        let reread = started.elapsed().as_secs_f64() * 1000.0;
        let checkpoint = median_checkpoint_ms(&store, &signer);
        let started = Instant::now();
        let report = verify(&store.ledger().expect("ledger"), Anchors::default());
        assert!(report.is_intact(), "{:?}", report.problems);
        let verified = started.elapsed().as_secs_f64();
        println!(
            "| {length} | {:.2} | {:.2} | {rate:.0} | {reread:.1} | {checkpoint:.2} | {verified:.2} |",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
        );
    }
}

/// A checkpoint after a few new events, as the scheduler writes them: the
/// median of five, so one WAL flush does not decide the figure.
fn median_checkpoint_ms(store: &Arc<SqliteStore>, signer: &CheckpointSigner) -> f64 {
    let mut times: Vec<f64> = (0..5)
        .map(|round| {
            appends(store, 1, &format!("round {round}"));
            let started = Instant::now();
            store
                .write_checkpoint(signer, request(), Timestamp::now())
                .expect("checkpoint");
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[2]
}

fn request() -> CheckpointRequest<'static> {
    CheckpointRequest {
        reason: "bench",
        force: false,
        witnesses: &[],
        rotation: None,
    }
}
