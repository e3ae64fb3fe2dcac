//! The evidence vault end to end: upload, custody, legal hold, signed bundles
//! checked offline (and each kind of tampering named), and a 2 GiB artifact
//! streamed through upload and bundling with bounded memory.

use crate::support::{BIN, Server, assert_success, server_with_incident, stderr, verify};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

/// `firebreak evidence verify BUNDLE`, offline, with extra flags.
pub(crate) fn verify_bundle(bundle: &Path, extra: &[&str]) -> Output {
    Command::new(BIN)
        .args(["evidence", "verify"])
        .arg(bundle)
        .args(extra)
        .output()
        .unwrap()
}

/// Rewrites a tar archive member by member: `change` gets each path and
/// content and returns the new content, or None to leave the member out.
fn rewrite(from: &Path, to: &Path, change: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) {
    let mut archive = tar::Archive::new(std::fs::File::open(from).unwrap());
    let mut builder = tar::Builder::new(std::fs::File::create(to).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
        if let Some(content) = change(&path, content) {
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o444);
            builder
                .append_data(&mut header, &path, &content[..])
                .unwrap();
        }
    }
    builder.finish().unwrap();
}

fn broken_at(output: &Output, place: &str, words: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}{}", stderr(output));
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with(&format!("BROKEN {place}")) && l.contains(words)),
        "expected BROKEN {place} … {words}, got:\n{stdout}"
    );
}

#[test]
fn custody_is_on_the_timeline_and_bundles_name_every_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = server_with_incident(&data);
    let log = write(
        &dir.path().join("decisions.csv"),
        b"id,score\n1,0.3\n2,0.9\n",
    );
    let shot = write(
        &dir.path().join("screen shot.png"),
        &[0x89, b'P', b'N', b'G', 0, 1, 2, 3],
    );

    let first = server.json(&[
        "evidence",
        "add",
        "INC-1",
        log.to_str().unwrap(),
        "--description",
        "decision log, March",
    ]);
    assert_eq!(first["id"], "EV-1");
    let expected = firebreak_core::timeline::sha256_hex(&std::fs::read(&log).unwrap());
    assert_eq!(first["sha256"], expected.as_str());
    assert!(
        data.join("blobs/sha256")
            .join(&expected[..2])
            .join(&expected)
            .is_file(),
        "content is stored under its hash"
    );
    let second = server.json(&[
        "evidence",
        "add",
        "INC-1",
        shot.to_str().unwrap(),
        "--description",
        "dashboard at 09:10",
    ]);
    assert_eq!(second["filename"], "screen shot.png");

    // Bad input: a missing description, an unknown incident, a missing file.
    let refused = server.cli(&[
        "evidence",
        "add",
        "INC-1",
        log.to_str().unwrap(),
        "--description",
        " ",
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("description"),
        "{}",
        stderr(&refused)
    );
    let refused = server.cli(&[
        "evidence",
        "add",
        "INC-9",
        log.to_str().unwrap(),
        "--description",
        "x",
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let refused = server.cli(&[
        "evidence",
        "add",
        "INC-1",
        "/no/such/file",
        "--description",
        "x",
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));

    assert_success(
        &server.cli(&[
            "evidence",
            "transfer",
            "EV-1",
            "--to",
            "Data Protection Authority",
        ]),
        &["transfer"],
    );
    assert_success(
        &server.cli(&["evidence", "hold", "EV-1", "--reason", "regulator inquiry"]),
        &["hold"],
    );
    let refused = server.cli(&["evidence", "dispose", "EV-1", "--reason", "retention"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("legal hold"),
        "{}",
        stderr(&refused)
    );
    let fetched = dir.path().join("fetched.csv");
    assert_success(
        &server.cli(&["evidence", "get", "EV-1", "-o", fetched.to_str().unwrap()]),
        &["get"],
    );
    assert_eq!(
        std::fs::read(&fetched).unwrap(),
        std::fs::read(&log).unwrap()
    );

    let shown = server.json(&["evidence", "show", "EV-1"]);
    let steps: Vec<_> = shown["custody"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["body"]["step"]["action"]
                .as_str()
                .unwrap_or("collected")
                .to_string()
        })
        .collect();
    assert_eq!(
        steps,
        ["collected", "transferred", "legal_hold_on", "viewed"]
    );
    let timeline = server.json(&["incident", "show", "INC-1", "--timeline"]);
    let kinds: Vec<_> = timeline["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .filter(|k| k.starts_with("evidence"))
        .collect();
    assert_eq!(kinds.len(), 5, "{kinds:?}");

    let bundle = dir.path().join("bundle.tar");
    assert_success(
        &server.cli(&[
            "evidence",
            "bundle",
            "INC-1",
            "-o",
            bundle.to_str().unwrap(),
            "--purpose",
            "regulator inquiry",
        ]),
        &["bundle"],
    );
    let intact = verify_bundle(&bundle, &[]);
    assert_success(&intact, &["evidence verify"]);
    assert!(String::from_utf8_lossy(&intact.stdout).contains("bundle verified, signer not pinned"));
    let public_key = data.join("signing-key.pub");
    let pinned = verify_bundle(&bundle, &["--public-key", public_key.to_str().unwrap()]);
    assert_success(&pinned, &["evidence verify --public-key"]);
    assert!(String::from_utf8_lossy(&pinned.stdout).contains("signed by the pinned key"));
    broken_at(
        &verify_bundle(&bundle, &["--fingerprint", &"ab".repeat(32)]),
        "manifest.json",
        "not by the pinned key",
    );
    // The export is itself on the record, and the server's own chains still verify.
    let after = server.json(&["evidence", "show", "EV-2"]);
    assert_eq!(after["custody"].as_array().unwrap().len(), 2);
    server.stop();
    assert_success(&verify(&data, &[]), &["verify"]);

    let tampered = dir.path().join("tampered.tar");
    rewrite(&bundle, &tampered, |path, mut content| {
        if path == "artifacts/EV-1/decisions.csv" {
            content[3] ^= 1;
        }
        Some(content)
    });
    broken_at(
        &verify_bundle(&tampered, &[]),
        "artifacts/EV-1/decisions.csv",
        "file altered",
    );

    rewrite(&bundle, &tampered, |path, content| {
        (path != "artifacts/EV-2/screen_shot.png").then_some(content)
    });
    broken_at(
        &verify_bundle(&tampered, &[]),
        "artifacts/EV-2/screen_shot.png",
        "missing",
    );

    rewrite(&bundle, &tampered, |path, content| {
        if path == "manifest.json" {
            let text = String::from_utf8(content).unwrap();
            return Some(
                text.replacen("regulator inquiry", "internal review", 1)
                    .into_bytes(),
            );
        }
        Some(content)
    });
    broken_at(
        &verify_bundle(&tampered, &[]),
        "manifest.json",
        "signature does not match",
    );

    rewrite(&bundle, &tampered, |path, content| {
        if path == "manifest.json.sig" {
            let mut signature = content;
            signature[0] = if signature[0] == b'0' { b'1' } else { b'0' };
            return Some(signature);
        }
        Some(content)
    });
    broken_at(
        &verify_bundle(&tampered, &[]),
        "manifest.json",
        "signature does not match",
    );

    let padded = dir.path().join("padded.tar");
    rewrite(&bundle, &padded, |_, content| Some(content));
    let mut archive = tar::Archive::new(std::fs::File::open(&padded).unwrap());
    let mut builder = tar::Builder::new(std::fs::File::create(&tampered).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let mut header = entry.header().clone();
        let path = entry.path().unwrap().into_owned();
        builder.append_data(&mut header, path, &mut entry).unwrap();
    }
    let mut header = tar::Header::new_gnu();
    header.set_size(4);
    builder
        .append_data(&mut header, "artifacts/planted.txt", &b"oops"[..])
        .unwrap();
    builder.finish().unwrap();
    broken_at(
        &verify_bundle(&tampered, &[]),
        "artifacts/planted.txt",
        "not listed",
    );

    let not_a_tar = write(&dir.path().join("not.tar"), b"hello");
    let refused = verify_bundle(&not_a_tar, &[]);
    assert_ne!(refused.status.code(), Some(0));
}

/// Peak resident memory of a finished child, from the kernel (`wait4`).
fn run_measured(command: &mut Command) -> (Output, u64) {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let reader = std::thread::spawn(move || {
        let mut child = child;
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        std::io::Read::read_to_end(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
        std::io::Read::read_to_end(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        (child, stdout, stderr)
    });
    let (child, stdout, stderr) = reader.join().unwrap();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unreaped child; status and usage are valid out-pointers.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid);
    std::mem::forget(child);
    let output = Output {
        status: std::os::unix::process::ExitStatusExt::from_raw(status),
        stdout,
        stderr,
    };
    (output, usage.ru_maxrss as u64 * 1024)
}

fn peak_rss_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

const LIMIT: u64 = 200 * 1024 * 1024;

#[test]
fn a_two_gib_artifact_is_added_and_bundled_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server: Server = server_with_incident(&data);
    let big = dir.path().join("snapshot.bin");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(2 << 30).unwrap();
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut file = file;
        file.seek(SeekFrom::Start(123_456_789)).unwrap();
        file.write_all(b"not all zeros").unwrap();
    }
    let client = |args: &[&str]| {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env("FIREBREAK_URL", &server.url)
            .env("FIREBREAK_TOKEN", &server.token)
            .env("FIREBREAK_CONFIG", data.join("no-such-config.json"));
        command
    };
    let (added, add_rss) = run_measured(&mut client(&[
        "evidence",
        "add",
        "INC-1",
        big.to_str().unwrap(),
        "--description",
        "feature store snapshot",
        "--json",
    ]));
    assert_success(&added, &["evidence add"]);
    let item: serde_json::Value = serde_json::from_slice(&added.stdout).unwrap();
    assert_eq!(item["size"], 2u64 << 30);
    let bundle = dir.path().join("bundle.tar");
    let (bundled, bundle_rss) = run_measured(&mut client(&[
        "evidence",
        "bundle",
        "INC-1",
        "-o",
        bundle.to_str().unwrap(),
        "--purpose",
        "archive",
    ]));
    assert_success(&bundled, &["evidence bundle"]);
    let server_rss = peak_rss_of(server.child.id());
    let (checked, verify_rss) =
        run_measured(Command::new(BIN).args(["evidence", "verify"]).arg(&bundle));
    assert_success(&checked, &["evidence verify"]);
    eprintln!(
        "peak RSS: server {} MiB, add {} MiB, bundle {} MiB, verify {} MiB",
        server_rss >> 20,
        add_rss >> 20,
        bundle_rss >> 20,
        verify_rss >> 20
    );
    for (what, rss) in [
        ("server", server_rss),
        ("evidence add", add_rss),
        ("evidence bundle", bundle_rss),
        ("evidence verify", verify_rss),
    ] {
        assert!(rss < LIMIT, "{what} peaked at {} MiB", rss >> 20);
    }
}
