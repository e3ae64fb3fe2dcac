//! Asking a person for a password on their terminal, without echo.

use super::read_secret_line;
use crate::InputError;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};

/// The `what` (a password) from standard input with `from_stdin` (scripts),
/// otherwise asked for on the terminal with echo off. Standard input that is
/// not a terminal without `from_stdin` is refused rather than read, so a
/// secret is only ever taken from a pipe on purpose.
pub fn ask_secret(what: &str, from_stdin: bool) -> Result<String> {
    if from_stdin {
        return read_secret_line(what);
    }
    if !std::io::stdin().is_terminal() {
        return Err(InputError(format!(
            "standard input is not a terminal to ask for the {what} on; \
             to read it from standard input, pass --password-stdin"
        ))
        .into());
    }
    let _quiet = EchoOff::new().context("cannot turn off echo on the terminal")?;
    eprint!("{what}: ");
    std::io::stderr().flush().ok();
    read_secret_line(what)
}

/// Echo off on standard input's terminal (the newline still shows) until
/// dropped.
struct EchoOff(libc::termios);

impl EchoOff {
    fn new() -> std::io::Result<EchoOff> {
        // SAFETY: termios is plain data that tcgetattr fills in for fd 0,
        // which stays open for the life of the process.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut saved) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        quiet.c_lflag |= libc::ECHONL;
        // SAFETY: as above; `quiet` is a valid termios derived from fd 0's.
        if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSAFLUSH, &quiet) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(EchoOff(saved))
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        // SAFETY: restores the settings tcgetattr read from fd 0.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.0) };
    }
}
