//! README "First steps", run as written: the code blocks marked
//! `<!-- first-steps -->` are read from README.md itself, so the README and
//! this test cannot drift apart. Only what a reader changes is changed: the
//! server's address (a free port instead of 8080), the fingerprint `serve`
//! printed where the README says so, and `firebreak` put on the PATH.

use crate::support::{BIN, Server, database_flag};
use std::path::Path;
use std::process::Command;

const MARK: &str = "<!-- first-steps -->";

/// The shell commands of the marked blocks, in order: continuation lines
/// (after `\\` or inside single quotes) joined, comments and blank lines
/// left out.
fn first_steps(readme: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.trim() != MARK {
            continue;
        }
        let fence = lines.next().expect("a code block follows the mark");
        assert!(fence.starts_with("```"), "{MARK} must precede a code block");
        let mut command = String::new();
        for line in lines.by_ref().take_while(|l| !l.starts_with("```")) {
            let line = line.trim();
            if command.is_empty() && (line.is_empty() || line.starts_with('#')) {
                continue;
            }
            match line.strip_suffix('\\') {
                Some(part) => command.push_str(part),
                None => {
                    command.push_str(line);
                    if command.matches('\'').count().is_multiple_of(2) {
                        commands.push(std::mem::take(&mut command));
                    } else {
                        command.push('\n');
                    }
                }
            }
        }
    }
    commands
}

/// Quotes `text` for a POSIX shell.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[test]
fn the_readme_first_steps_run_as_written() {
    // Its own database is the README's: an SQLite file in the data directory.
    if !database_flag(Path::new("firebreak-data")).is_empty() {
        eprintln!("skipped: the README's first steps use SQLite");
        return;
    }
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let commands = first_steps(&readme);
    assert!(commands.len() > 10, "the marked blocks hold {commands:?}");

    let home = tempfile::tempdir().unwrap();
    let work = home.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let server = Server::start(&work.join("firebreak-data"));
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut script = String::from("set -o pipefail\n");
    for (n, command) in commands.iter().enumerate() {
        let command = command
            .replace("http://127.0.0.1:8080", &server.url)
            .replace("<the fingerprint serve printed>", &server.fingerprint);
        script.push_str(&format!(
            "printf '%s\\n' {} >&2\n{command} || {{ echo 'README command {n} failed' >&2; exit 97; }}\n",
            quoted(&format!("$ {command}"))
        ));
    }
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(&work)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home.path())
        .env("FIREBREAK_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let failed = stderr
        .lines()
        .find_map(|l| l.strip_prefix("README command ")?.strip_suffix(" failed"))
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(n) = failed {
        panic!(
            "README First steps: `{}` failed\n--- stdout\n{}\n--- stderr\n{stderr}",
            commands[n],
            String::from_utf8_lossy(&output.stdout)
        );
    }
    assert!(
        output.status.success(),
        "README First steps: {}\n{stderr}",
        output.status
    );
}

#[test]
fn first_steps_join_continued_lines_and_skip_comments() {
    let readme = "x\n<!-- first-steps -->\n```sh\n# comment\n\na --b \\\n    c\necho '{\n  1}' > f\nd # kept\n```\n```sh\nnot marked\n```\n";
    assert_eq!(
        first_steps(readme),
        ["a --b c", "echo '{\n1}' > f", "d # kept"]
    );
}
