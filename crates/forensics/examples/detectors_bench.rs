//! Throughput of the text detectors on a million short conversation turns (one in twenty with
//! something to find), single-threaded: the budget `analyze conversations` has is 1M turns in
//! under 10 s. Build the regex crates optimised, as a release build would:
//!
//! cargo run --release -p firebreak-forensics --example detectors_bench

use firebreak_forensics::detect::{lexicon::Lexicon, pii, secrets};
use std::time::Instant;

fn main() {
    let clean = [
        "Can you summarise the attached report for the board meeting tomorrow?",
        "Wie spät ist es in Tokio, und wie wird das Wetter morgen?",
        "Write a haiku about autumn leaves falling on a quiet river.",
        "What were the main causes of the 1929 stock market crash?",
    ];
    let dirty = [
        "My card is 4111 1111 1111 1111 and my email is ana@example.com",
        "use AKIAIOSFODNN7EXAMPLE with api_key=9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "What is the maximum dose of ibuprofen per day?",
    ];
    let turns: Vec<&str> = (0..1_000_000)
        .map(|i| {
            if i % 20 == 0 {
                dirty[i % 3]
            } else {
                clean[i % 4]
            }
        })
        .collect();
    let bytes: usize = turns.iter().map(|t| t.len()).sum();
    let mut detectors = vec![pii::detector(), secrets::detector()];
    detectors.extend(Lexicon::ALL.map(Lexicon::detector));
    let started = Instant::now();
    let mut found = 0usize;
    for turn in &turns {
        for detector in &detectors {
            found += detector.find(turn).count();
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} turns, {:.1} MB, {} detectors: {found} matches in {seconds:.2} s ({:.0} turns/s)",
        turns.len(),
        bytes as f64 / 1e6,
        detectors.len(),
        turns.len() as f64 / seconds
    );
}
