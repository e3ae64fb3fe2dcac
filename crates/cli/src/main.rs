//! `firebreak`: starts the server (`serve`), talks to it over the HTTP API like
//! `gh` or `kubectl`, and verifies a data directory offline (`verify`).

mod cli;
mod client;
mod command;
mod output;

use std::process::ExitCode;

/// Bad usage or bad input: exit code 2 (D17). Everything else that fails is 1.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

fn main() -> ExitCode {
    match command::run(<cli::Cli as clap::Parser>::parse()) {
        Ok(code) => code,
        Err(error) => {
            if error.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {error:#}");
            if error.downcast_ref::<InputError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
