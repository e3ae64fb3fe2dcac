//! Reads MEF files, analyses every top event and prints a summary line per
//! top event: the benchmark's counterpart of `scram --probability true
//! --importance true`.
//!
//! Usage: fta_bench [--limit-order N] [--mission-time H] [--rare-event | --mcub]
//!        [--top-k N] [--memory-budget MIB] [--json] FILE...

use std::io::Write;
use std::process::ExitCode;

use firebreak_rca::fta::{AnalysisSettings, Approximation, MefSource, analyze, read_mef};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut settings = AnalysisSettings::default();
    let mut json = false;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--limit-order" => {
                settings.limit_order = value("--limit-order")?
                    .parse()
                    .map_err(|e| format!("--limit-order: {e}"))?
            }
            "--mission-time" => {
                settings.mission_time = value("--mission-time")?
                    .parse()
                    .map_err(|e| format!("--mission-time: {e}"))?
            }
            "--top-k" => {
                settings.top_k = value("--top-k")?
                    .parse()
                    .map_err(|e| format!("--top-k: {e}"))?
            }
            "--memory-budget" => {
                let mebibytes: u64 = value("--memory-budget")?
                    .parse()
                    .map_err(|e| format!("--memory-budget: {e}"))?;
                settings.memory_budget = Some(mebibytes << 20);
            }
            "--rare-event" => settings.approximation = Some(Approximation::RareEvent),
            "--mcub" => settings.approximation = Some(Approximation::Mcub),
            "--json" => json = true,
            _ => paths.push(arg),
        }
    }
    let texts = paths
        .iter()
        .map(|path| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let sources: Vec<MefSource<'_>> = paths
        .iter()
        .zip(&texts)
        .map(|(name, text)| MefSource { name, text })
        .collect();
    let model = read_mef(&sources).map_err(|e| e.to_string())?;
    let results = analyze(&model, None, &settings).map_err(|e| e.to_string())?;
    if json {
        // Streamed, as SCRAM streams its report, so that the text is never
        // held in memory next to the results.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, &results).map_err(|e| e.to_string())?;
        writeln!(out).map_err(|e| e.to_string())?;
        return Ok(());
    }
    for result in &results {
        let probability = result
            .probability
            .and_then(|p| p.value(settings.approximation))
            .unwrap_or(f64::NAN);
        let initiating_event = result
            .initiating_event
            .as_ref()
            .map_or(String::new(), |event| format!("{event} / "));
        let phase = result.phase.as_ref().map_or(String::new(), |phase| {
            format!(" [{} {}]", phase.alignment, phase.phase)
        });
        let listed = if result.cut_sets_listed {
            String::new()
        } else {
            format!(
                " (not listed: over the memory budget; the {} most probable kept)",
                result.most_probable_cut_sets.len()
            )
        };
        println!(
            "{initiating_event}{}{phase}: {} minimal cut sets {:?}{listed}, P = {probability:e}, {} importance rows",
            result.top_event,
            result.cut_set_count.total,
            result.order_distribution(),
            result.importance.len()
        );
    }
    Ok(())
}
