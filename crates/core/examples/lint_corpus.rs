//! Prints the blameless lint's precision/recall table for each labelled
//! corpus given as an argument (`bench/lint/run.sh`), with `--misses` the
//! sentences it got wrong, with `--cross` each built-in design part measured
//! by a learned model trained on the others, and with `--threshold P` the
//! learned reading's threshold instead of the default.

use std::process::ExitCode;

use firebreak_core::lint::LintConfig;
use firebreak_core::lint::corpus::{Evaluation, cross_validate, evaluate, parse};

fn main() -> ExitCode {
    let mut show_misses = false;
    let mut config = LintConfig::default();
    let mut status = ExitCode::SUCCESS;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--misses" => show_misses = true,
            "--threshold" => {
                let parsed = args
                    .next()
                    .ok_or_else(|| "--threshold needs a value".to_string())
                    .and_then(|v| {
                        v.parse::<f64>()
                            .map_err(|e| format!("--threshold {v}: {e}"))
                    })
                    .and_then(|v| v.try_into());
                match parsed {
                    Ok(threshold) => config.learned_threshold = Some(threshold),
                    Err(error) => {
                        eprintln!("{error}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            "--cross" => {
                for (name, evaluation) in cross_validate(&config) {
                    report(
                        &format!("{name} (learned reading trained on the other parts)"),
                        &evaluation,
                        show_misses,
                    );
                }
            }
            path => match std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|text| parse(&text).map_err(|e| e.to_string()))
            {
                Ok(corpus) => report(path, &evaluate(&corpus, &config), show_misses),
                Err(error) => {
                    eprintln!("{path}: {error}");
                    status = ExitCode::FAILURE;
                }
            },
        }
    }
    status
}

fn report(name: &str, evaluation: &Evaluation, show_misses: bool) {
    println!("## {name}\n\n{evaluation}");
    let unmet = evaluation.unmet_targets();
    if unmet.is_empty() {
        println!("targets: met\n");
    } else {
        println!("targets: NOT met: {}\n", unmet.join("; "));
    }
    if show_misses {
        for miss in &evaluation.misses {
            println!("    {miss}");
        }
        println!();
    }
}
