//! Evidence content in an S3-compatible bucket: the one named by
//! `FIREBREAK_TEST_S3` (`s3://bucket`, with `AWS_ENDPOINT` and keys in the
//! environment; `scripts/test` starts a SeaweedFS server). Needs
//! PostgreSQL too: a bucket is for instances that share a database but no
//! filesystem. Skipped without both, unless `FIREBREAK_REQUIRE_S3` is set.

use crate::postgres::Database;
use crate::support::{
    Server, assert_success, server_with_incident_and, stderr, test_service, verify,
};
use std::process::Command;

fn bucket_prefix() -> Option<String> {
    let bucket = test_service("FIREBREAK_TEST_S3", "FIREBREAK_REQUIRE_S3")?;
    Some(format!(
        "{}/it-{}-{}",
        bucket.trim_end_matches('/'),
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ))
}

/// Replaces an object as someone with write access to the bucket would.
fn overwrite_object(location: &str, key: &str, bytes: &[u8]) {
    use object_store::ObjectStore;
    let (bucket, prefix) = location
        .strip_prefix("s3://")
        .unwrap()
        .split_once('/')
        .unwrap();
    let store = object_store::aws::AmazonS3Builder::from_env()
        .with_url(format!("s3://{bucket}"))
        .with_region("us-east-1")
        .build()
        .unwrap();
    let path = object_store::path::Path::from(format!("{prefix}/{key}"));
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(store.put(&path, bytes.to_vec().into()))
        .unwrap();
}

#[test]
fn a_migration_to_a_bucket_serves_evidence_to_an_instance_without_the_data_directory() {
    let (Some(database), Some(bucket)) = (Database::fresh(), bucket_prefix()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let content = "applicant,group,approved\n1,C,0\n2,A,1\n";
    let server = server_with_incident_and(&data, &[]);
    let log = dir.path().join("decisions.csv");
    std::fs::write(&log, content).unwrap();
    server.json(&[
        "evidence",
        "add",
        "INC-1",
        log.to_str().unwrap(),
        "--description",
        "decision log",
    ]);
    server.stop_gracefully();

    let migrated = Command::new(crate::support::BIN)
        .args(["migrate", "--from"])
        .arg(&data)
        .args(["--to", &database.url, "--blob-store", &bucket])
        .output()
        .unwrap();
    assert_success(&migrated, &["migrate"]);
    assert!(
        stderr(&migrated).contains("uploading evidence content: 1/1"),
        "{}",
        stderr(&migrated)
    );

    // Another host: the same database, key and bucket, none of the first
    // host's files but the key it signs with.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::copy(data.join("admin-token"), elsewhere.join("admin-token")).unwrap();
    let key = data.join("signing-key");
    let key = key.to_str().unwrap();
    let flags = [
        "--database",
        &database.url,
        "--blob-store",
        &bucket,
        "--signing-key",
        key,
    ];
    let second = Server::start_with(&elsewhere, &flags);
    let fetched = dir.path().join("fetched.csv");
    assert_success(
        &second.cli(&["evidence", "get", "EV-1", "-o", fetched.to_str().unwrap()]),
        &["evidence get"],
    );
    assert_eq!(std::fs::read_to_string(&fetched).unwrap(), content);

    // New evidence through this host is in the bucket, not only here.
    let note = dir.path().join("note.txt");
    std::fs::write(&note, "rollback approved by the model owner").unwrap();
    let added = second.json(&[
        "evidence",
        "add",
        "INC-1",
        note.to_str().unwrap(),
        "--description",
        "approval",
    ]);
    let sha256 = added["sha256"].as_str().unwrap().to_string();
    second.stop_gracefully();
    std::fs::remove_dir_all(elsewhere.join("blobs")).unwrap();
    let checked = ["--database", &database.url, "--blob-store", &bucket];
    assert_success(&verify(&elsewhere, &checked), &["verify"]);

    // Content altered in the bucket is caught, by evidence id.
    overwrite_object(
        &bucket,
        &format!("sha256/{}/{sha256}", &sha256[..2]),
        b"rollback refused",
    );
    let caught = verify(&elsewhere, &checked);
    assert_eq!(caught.status.code(), Some(1));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&caught.stdout),
        stderr(&caught)
    );
    assert!(
        said.contains("EV-2") && said.contains("no longer hashes"),
        "{said}"
    );
}

#[test]
fn a_bucket_that_cannot_be_used_stops_the_start_with_a_clear_error() {
    let Some(bucket) = bucket_prefix() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (url, secret, expected) in [
        (
            bucket.as_str(),
            "not-the-key",
            "evidence store is unavailable",
        ),
        ("https://bucket.example/x", "", "only s3://bucket/prefix"),
    ] {
        let mut command = Command::new(crate::support::BIN);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--blob-store", url])
            .arg("--data-dir")
            .arg(dir.path().join("data"));
        if !secret.is_empty() {
            command.env("AWS_SECRET_ACCESS_KEY", secret);
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{url}");
        let error = stderr(&output);
        assert!(error.contains(expected), "{url}: {error}");
        assert!(!error.contains(secret) || secret.is_empty(), "{error}");
        assert!(!error.contains("panicked"), "{error}");
    }
}
