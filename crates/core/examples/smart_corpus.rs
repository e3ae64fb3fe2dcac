//! Prints the SMART check's recall and false-positive table for each
//! labelled corpus given as an argument (`bench/smart/run.sh`), with
//! `--misses` the values it got wrong.

use std::process::ExitCode;

use firebreak_core::action::smart::corpus::{evaluate, parse};
use firebreak_core::lint::LintConfig;

fn main() -> ExitCode {
    let mut show_misses = false;
    let mut status = ExitCode::SUCCESS;
    for arg in std::env::args().skip(1) {
        if arg == "--misses" {
            show_misses = true;
            continue;
        }
        let corpus = match std::fs::read_to_string(&arg)
            .map_err(|e| e.to_string())
            .and_then(|text| parse(&text).map_err(|e| e.to_string()))
        {
            Ok(corpus) => corpus,
            Err(error) => {
                eprintln!("{arg}: {error}");
                status = ExitCode::FAILURE;
                continue;
            }
        };
        let evaluation = evaluate(&corpus, &LintConfig::default());
        println!("## {arg}\n\n{evaluation}");
        if show_misses {
            for miss in &evaluation.misses {
                println!("    {miss}");
            }
            println!();
        }
    }
    status
}
