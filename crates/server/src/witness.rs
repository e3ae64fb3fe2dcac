//! Witnesses: copies of every checkpoint kept outside the operator's reach,
//! so that deleting the newest checkpoints, truncating the log or re-signing
//! a rewritten history with a stolen key is caught by anyone holding an
//! earlier copy (`firebreak verify --witness`), as Certificate Transparency's
//! witnesses do for signed tree heads.
//!
//! A checkpoint's copies are queued in the outbox in the transaction that
//! writes it, and delivered here by the scheduler: appended as a JSON line to
//! a file (on another volume, a WORM mount, a synced directory), posted to a
//! URL (a SIEM collector, an object-lock bucket's gateway) with an
//! `Idempotency-Key` (by `crate::outbox`), or sent to a syslog collector as an RFC 5424 message
//! whose text is the checkpoint's JSON. Deliveries are retried with backoff until they succeed;
//! they are kept in the outbox, not on the timeline, since a timeline event
//! per copy would itself need a checkpoint, and so on without end.

use crate::state::{AppState, now};
use firebreak_core::checkpoint::Checkpoint;
use firebreak_store::OutboxMessage;
use std::io::Write;
use std::path::PathBuf;

/// Where copies of checkpoints go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessTarget {
    /// `file:PATH`: one JSON line per checkpoint, appended and fsynced.
    File(PathBuf),
    /// `http://…` or `https://…`: each checkpoint posted as JSON.
    Http(reqwest::Url),
    /// `syslog+udp://HOST:PORT` or `syslog+tcp://HOST:PORT`: an RFC 5424
    /// message per checkpoint (RFC 6587 octet counting over TCP).
    Syslog { tcp: bool, address: String },
}

/// Facility `local0` (16), severity `notice` (5): 16 × 8 + 5.
const SYSLOG_PRIORITY: u8 = 133;

impl WitnessTarget {
    pub fn parse(text: &str) -> Result<WitnessTarget, String> {
        if let Some(path) = text.strip_prefix("file:") {
            let path = PathBuf::from(path);
            if !path.is_absolute() {
                return Err("a file witness needs an absolute path, e.g. file:/mnt/witness/checkpoints.jsonl".into());
            }
            return Ok(WitnessTarget::File(path));
        }
        for (scheme, tcp) in [("syslog+udp://", false), ("syslog+tcp://", true)] {
            if let Some(address) = text.strip_prefix(scheme) {
                let valid = address
                    .rsplit_once(':')
                    .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
                if !valid {
                    return Err(format!("a syslog witness is {scheme}HOST:PORT"));
                }
                return Ok(WitnessTarget::Syslog {
                    tcp,
                    address: address.to_string(),
                });
            }
        }
        let url =
            reqwest::Url::parse(text).map_err(|e| format!("neither file:PATH nor a URL ({e})"))?;
        match url.scheme() {
            "http" | "https" => Ok(WitnessTarget::Http(url)),
            other => Err(format!(
                "unsupported scheme `{other}`: use file:, http(s)://, syslog+udp:// or syslog+tcp://"
            )),
        }
    }
}

/// One RFC 5424 message carrying `payload`, e.g.
/// `<133>1 2026-12-03T01:00:00Z - firebreak - checkpoint - {…}`.
fn syslog_message(payload: &str, at: firebreak_core::Timestamp) -> String {
    format!("<{SYSLOG_PRIORITY}>1 {at} - firebreak - checkpoint - {payload}")
}

async fn send_syslog(tcp: bool, address: &str, message: &str) -> Result<(), String> {
    use tokio::io::AsyncWriteExt;
    let failed = |e: std::io::Error| format!("syslog {address}: {e}");
    if tcp {
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .map_err(failed)?;
        let framed = format!("{} {message}", message.len());
        stream.write_all(framed.as_bytes()).await.map_err(failed)?;
        stream.shutdown().await.map_err(failed)
    } else {
        let socket = tokio::net::UdpSocket::bind(("0.0.0.0", 0))
            .await
            .map_err(failed)?;
        socket.connect(address).await.map_err(failed)?;
        socket.send(message.as_bytes()).await.map_err(failed)?;
        Ok(())
    }
}

/// Appends one line and waits for it to reach the disk.
fn append_line(path: &PathBuf, line: &str) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.write_all(format!("{line}\n").as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Delivers one witness copy.
pub(crate) async fn deliver(state: &AppState, message: &OutboxMessage) -> Result<(), String> {
    match WitnessTarget::parse(&message.target)? {
        WitnessTarget::File(path) => {
            let line = message.payload.clone();
            tokio::task::spawn_blocking(move || append_line(&path, &line))
                .await
                .map_err(|e| format!("the write did not finish: {e}"))?
        }
        WitnessTarget::Syslog { tcp, address } => {
            send_syslog(tcp, &address, &syslog_message(&message.payload, now())).await
        }
        WitnessTarget::Http(url) => {
            let response = state
                .http
                .post(url)
                .header("content-type", "application/json")
                .header("idempotency-key", &message.idempotency_key)
                .body(message.payload.clone())
                .send()
                .await
                .map_err(|e| format!("request failed: {e}"))?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(format!("answered {}", response.status()))
            }
        }
    }
}

/// Reads the checkpoints a witness holds: JSON lines (or one JSON array), as
/// a file witness writes them, or syslog lines as a collector stores them
/// (the checkpoint is the JSON from the line's first `{`). Repeated lines are
/// kept once.
pub fn parse_witnessed(text: &str) -> Result<Vec<Checkpoint>, String> {
    let trimmed = text.trim_start();
    let mut checkpoints: Vec<Checkpoint> = if trimmed.starts_with('[') {
        serde_json::from_str(trimmed)
            .map_err(|e| format!("not a JSON array of checkpoints: {e}"))?
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(number, line)| {
                let json = line.find('{').map_or(line, |start| &line[start..]);
                serde_json::from_str(json)
                    .map_err(|e| format!("line {}: not a checkpoint: {e}", number + 1))
            })
            .collect::<Result<_, _>>()?
    };
    checkpoints.dedup();
    Ok(checkpoints)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_absolute_files_or_http_urls() {
        assert_eq!(
            WitnessTarget::parse("file:/mnt/w.jsonl"),
            Ok(WitnessTarget::File("/mnt/w.jsonl".into()))
        );
        assert!(WitnessTarget::parse("file:relative.jsonl").is_err());
        assert!(WitnessTarget::parse("https://siem.example/checkpoints").is_ok());
        assert!(
            WitnessTarget::parse("ftp://x/y")
                .unwrap_err()
                .contains("unsupported scheme")
        );
    }

    #[test]
    fn syslog_targets_name_a_transport_host_and_port() {
        assert_eq!(
            WitnessTarget::parse("syslog+tcp://127.0.0.1:6514"),
            Ok(WitnessTarget::Syslog {
                tcp: true,
                address: "127.0.0.1:6514".into()
            })
        );
        assert!(WitnessTarget::parse("syslog+udp://siem").is_err());
        assert!(WitnessTarget::parse("syslog+udp://:514").is_err());
    }

    #[tokio::test]
    async fn a_checkpoint_reaches_a_syslog_collector_and_reads_back() {
        let checkpoint = firebreak_core::checkpoint::CheckpointSigner::from_secret([3; 32])
            .sign(
                None,
                firebreak_core::checkpoint::LogHead {
                    size: 1,
                    root: "ab".into(),
                },
                "test",
                now(),
            )
            .unwrap();
        let payload = serde_json::to_string(&checkpoint).unwrap();
        let message = syslog_message(&payload, now());
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let address = udp.local_addr().unwrap().to_string();
        send_syslog(false, &address, &message).await.unwrap();
        let mut buffer = vec![0u8; 65_536];
        let received = udp.recv(&mut buffer).await.unwrap();
        let line = String::from_utf8(buffer[..received].to_vec()).unwrap();
        assert!(line.starts_with("<133>1 "), "{line}");
        assert_eq!(parse_witnessed(&line).unwrap(), vec![checkpoint.clone()]);

        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = tcp.local_addr().unwrap().to_string();
        let reader = tokio::spawn(async move {
            let (mut stream, _) = tcp.accept().await.unwrap();
            let mut text = String::new();
            tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut text)
                .await
                .unwrap();
            text
        });
        send_syslog(true, &address, &message).await.unwrap();
        let framed = reader.await.unwrap();
        assert_eq!(framed, format!("{} {message}", message.len()));
    }

    #[test]
    fn a_line_that_is_not_a_checkpoint_is_named() {
        assert_eq!(
            parse_witnessed("\n{}\n").unwrap_err().split(':').next(),
            Some("line 2")
        );
    }
}
