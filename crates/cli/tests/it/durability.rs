//! Kill the server with SIGKILL in the middle of a stream of appends: every
//! acknowledged event must be on disk and every chain must verify.

use crate::support::{Server, assert_success, verify};
use rusqlite::Connection;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WRITERS: usize = 4;

#[test]
fn acknowledged_appends_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = crate::support::server_with_incident(&data);
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (url, token, acknowledged) = (
                server.url.clone(),
                server.token.clone(),
                acknowledged.clone(),
            );
            runtime.spawn(async move {
                let client = reqwest::Client::new();
                let started = Instant::now();
                for i in 0.. {
                    if started.elapsed() > Duration::from_secs(20) {
                        break;
                    }
                    let text = format!("writer {writer} append {i}");
                    let sent = client
                        .post(format!("{url}/api/v1/incidents/INC-1/entries"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({ "text": text }))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status() == 201 => {
                            acknowledged.lock().unwrap().insert(text);
                        }
                        // Once the server is gone, every further append fails.
                        _ => break,
                    }
                }
            })
        })
        .collect();
    // Let the appends run, then kill mid-stream.
    while acknowledged.lock().unwrap().len() < 200 {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    for writer in writers {
        runtime.block_on(writer).unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 200);

    let connection = Connection::open(data.join("firebreak.db")).unwrap();
    let mut statement = connection
        .prepare("SELECT json_extract(body, '$.text') FROM events WHERE stream = 'INC-1' AND kind = 'note'")
        .unwrap();
    let stored: BTreeSet<String> = statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged appends lost, e.g. {:?}",
        lost.len(),
        lost.first()
    );
    drop(statement);
    drop(connection);
    assert_success(&verify(&data, &[]), &["verify after SIGKILL"]);

    // The server starts again on the same files and keeps appending.
    let restarted = Server::start(&data);
    restarted.json(&["incident", "note", "INC-1", "after the crash"]);
    restarted.stop();
    assert_success(&verify(&data, &[]), &["verify after restart"]);
}
