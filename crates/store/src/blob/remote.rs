//! Evidence content in an S3-compatible object store (AWS S3, MinIO,
//! Garage, SeaweedFS…), for instances that share a database but no
//! filesystem. Objects live at `<prefix>/sha256/<ab>/<hex>`, as on disk.
//!
//! The object store holds the record; the local blob directory is a staging
//! area and a read cache. A write is acknowledged only once the object store
//! has the content, and content fetched back is hashed before it is cached,
//! so neither a lost upload nor an altered object passes unseen.
//!
//! `object_store` is asynchronous; the blob store is called from blocking
//! code and from request handlers alike, so every call runs on a small
//! runtime of this store's own and is waited for here.

use crate::{StoreError, StoreResult};
use firebreak_core::verify::BlobState;
use futures_util::StreamExt;
use object_store::ClientConfigKey::{ConnectTimeout, Timeout};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload, RetryConfig, WriteMultipart};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Content up to this size goes up in one request; larger content in parts
/// of this size, a few at a time, so memory stays bounded.
const PART_SIZE: usize = 8 << 20;
const PARTS_IN_FLIGHT: usize = 2;

pub struct RemoteBlobs {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    location: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for RemoteBlobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteBlobs")
            .field("location", &self.location)
            .finish()
    }
}

impl RemoteBlobs {
    /// Connects to `url` (`s3://bucket/prefix`) with the credentials, region
    /// and endpoint in the standard `AWS_*` environment variables, then
    /// `settings` (object_store's configuration keys, e.g. `aws_endpoint`),
    /// and checks that the bucket can be listed, so a wrong endpoint, bucket
    /// or key stops a start rather than the first upload.
    pub fn connect(url: &str, settings: &[(&str, &str)]) -> StoreResult<RemoteBlobs> {
        let invalid = |what: String| StoreError::Setting(format!("blob store `{url}`: {what}"));
        let (bucket_url, prefix) = match url.strip_prefix("s3://") {
            Some(rest) => match rest.split_once('/') {
                Some((bucket, prefix)) => (format!("s3://{bucket}"), prefix.trim_matches('/')),
                None => (url.to_string(), ""),
            },
            None => return Err(invalid("only s3://bucket/prefix is supported".into())),
        };
        let mut builder = AmazonS3Builder::from_env()
            .with_url(&bucket_url)
            .with_config(AmazonS3ConfigKey::Client(Timeout), "600s")
            .with_config(AmazonS3ConfigKey::Client(ConnectTimeout), "5s")
            // A request waits for an outage of seconds, not minutes: the
            // caller is a person, answered 503 with Retry-After instead.
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(15),
                backoff: Default::default(),
            });
        for (key, value) in settings {
            let key: AmazonS3ConfigKey = key
                .parse()
                .map_err(|_| invalid(format!("unknown setting `{key}`")))?;
            builder = builder.with_config(key, *value);
        }
        if std::env::var_os("AWS_REGION").is_none()
            && std::env::var_os("AWS_DEFAULT_REGION").is_none()
            && !settings.iter().any(|(key, _)| key.ends_with("region"))
        {
            builder = builder.with_region("us-east-1");
        }
        let store = builder.build().map_err(|e| invalid(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("firebreak-blobs")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Backend(format!("blob store runtime: {e}")))?;
        let remote = RemoteBlobs {
            store: Arc::new(store),
            prefix: ObjectPath::from(prefix),
            location: url.trim_end_matches('/').to_string(),
            runtime: Some(runtime),
        };
        let store = remote.store.clone();
        let prefix = remote.prefix.clone();
        remote
            .run(async move { store.list_with_delimiter(Some(&prefix)).await })
            .map_err(|e| StoreError::BlobsUnavailable(format!("`{url}`: {}", describe(&e))))?;
        Ok(remote)
    }

    /// Where the content lives, for messages (no credentials).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Waits for `work` on this store's runtime; safe to call from async code.
    fn run<T: Send + 'static>(&self, work: impl Future<Output = T> + Send + 'static) -> T {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.runtime
            .as_ref()
            .expect("the runtime lives until drop")
            .spawn(async move {
                let _ = sender.send(work.await);
            });
        receiver
            .recv()
            .expect("the blob store runtime finishes what it starts")
    }

    fn key(&self, sha256: &str) -> ObjectPath {
        self.prefix
            .child("sha256")
            .child(sha256.get(..2).unwrap_or_default())
            .child(sha256)
    }

    fn failure(&self, sha256: &str, error: object_store::Error) -> StoreError {
        match error {
            object_store::Error::NotFound { .. } => {
                StoreError::NotFound(format!("content {sha256} in {}", self.location))
            }
            error => {
                StoreError::BlobsUnavailable(format!("{}: {}", self.location, describe(&error)))
            }
        }
    }

    /// The stored size of `sha256`, or None when it is not there.
    pub fn size(&self, sha256: &str) -> StoreResult<Option<u64>> {
        let (store, key) = (self.store.clone(), self.key(sha256));
        match self.run(async move { store.head(&key).await }) {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(self.failure(sha256, error)),
        }
    }

    /// Uploads the `size` bytes of `file` as `sha256`, unless they are
    /// already there; returns once the object store has them.
    pub fn upload(&self, sha256: &str, file: &Path, size: u64) -> StoreResult<()> {
        if self.size(sha256)? == Some(size) {
            return Ok(());
        }
        let (store, key) = (self.store.clone(), self.key(sha256));
        let file = file.to_path_buf();
        let uploaded: Result<(), object_store::Error> = self.run(async move {
            let mut source = std::fs::File::open(&file).map_err(|e| local_error(&file, e))?;
            if size <= PART_SIZE as u64 {
                let mut bytes = Vec::with_capacity(size as usize);
                source
                    .read_to_end(&mut bytes)
                    .map_err(|e| local_error(&file, e))?;
                store.put(&key, PutPayload::from(bytes)).await?;
                return Ok(());
            }
            let upload = store.put_multipart(&key).await?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
            let mut buffer = vec![0u8; PART_SIZE];
            loop {
                let read = match source.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(read) => read,
                    Err(error) => {
                        writer.abort().await?;
                        return Err(local_error(&file, error));
                    }
                };
                writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                writer.write(&buffer[..read]);
            }
            writer.finish().await?;
            Ok(())
        });
        uploaded.map_err(|e| self.failure(sha256, e))
    }

    /// Streams `sha256` into `into`, hashing it; answers its SHA-256 and size.
    pub fn download(&self, sha256: &str, into: &mut impl Write) -> StoreResult<(String, u64)> {
        let (store, key) = (self.store.clone(), self.key(sha256));
        // A few chunks in flight: the network and the writer overlap, and a
        // slow writer holds back the download rather than filling memory.
        let (sender, receiver) = std::sync::mpsc::sync_channel(4);
        self.runtime
            .as_ref()
            .expect("the runtime lives until drop")
            .spawn(async move {
                let mut stream = match store.get(&key).await {
                    Ok(found) => found.into_stream(),
                    Err(error) => {
                        let _ = sender.send(Err(error));
                        return;
                    }
                };
                while let Some(chunk) = stream.next().await {
                    let failed = chunk.is_err();
                    if sender.send(chunk).is_err() || failed {
                        break;
                    }
                }
            });
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        for chunk in receiver {
            let chunk = chunk.map_err(|e| self.failure(sha256, e))?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            into.write_all(&chunk)
                .map_err(|e| StoreError::Backend(format!("copying content {sha256}: {e}")))?;
        }
        Ok((firebreak_core::timeline::hex(&hasher.finalize()), size))
    }

    /// Hashes the stored object and says whether it still matches.
    pub fn check(&self, sha256: &str) -> BlobState {
        if !firebreak_core::evidence::is_sha256_hex(sha256) {
            return BlobState::Missing;
        }
        match self.download(sha256, &mut std::io::sink()) {
            Ok((actual, _)) if actual == sha256 => BlobState::Intact,
            Ok((actual, _)) => BlobState::Changed(actual),
            Err(StoreError::NotFound(_)) => BlobState::Missing,
            Err(error) => BlobState::Unreadable(error.to_string()),
        }
    }

    /// Removes `sha256`; a missing object is not an error.
    pub fn remove(&self, sha256: &str) -> StoreResult<()> {
        let (store, key) = (self.store.clone(), self.key(sha256));
        match self.run(async move { store.delete(&key).await }) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(self.failure(sha256, error)),
        }
    }

    /// Writes `bytes` as the object for `sha256` whatever they hash to: how a
    /// test plays someone with write access to the bucket.
    #[cfg(test)]
    fn overwrite(&self, sha256: &str, bytes: Vec<u8>) -> StoreResult<()> {
        let (store, key) = (self.store.clone(), self.key(sha256));
        self.run(async move { store.put(&key, PutPayload::from(bytes)).await })
            .map(|_| ())
            .map_err(|e| self.failure(sha256, e))
    }
}

/// An object store error without the XML body S3 answers with, keeping its
/// code and message (`SignatureDoesNotMatch: The request signature…`).
fn describe(error: &object_store::Error) -> String {
    let text = error.to_string();
    let Some(xml) = text.find("<?xml").or_else(|| text.find("<Error>")) else {
        return text;
    };
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = text[xml..].find(&open)? + xml + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].to_string())
    };
    let head = text[..xml].trim_end().trim_end_matches(':');
    match (element("Code"), element("Message")) {
        (Some(code), Some(message)) => format!("{head}: {code}: {message}"),
        (Some(code), None) => format!("{head}: {code}"),
        _ => head.to_string(),
    }
}

fn local_error(path: &Path, error: std::io::Error) -> object_store::Error {
    object_store::Error::Generic {
        store: "local staging",
        source: format!("{}: {error}", path.display()).into(),
    }
}

impl Drop for RemoteBlobs {
    /// A runtime may not be dropped in place inside another one (the server
    /// drops its state on a runtime thread); let it wind down on its own.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BlobStore;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh prefix in the bucket named by `FIREBREAK_TEST_S3`
    /// (`s3://bucket`, with the `AWS_*` endpoint and keys in the
    /// environment; `scripts/test` starts a SeaweedFS server); None skips,
    /// unless `FIREBREAK_REQUIRE_S3` is set, as CI sets it.
    fn test_location() -> Option<String> {
        let bucket = crate::test_backends::service("FIREBREAK_TEST_S3", "FIREBREAK_REQUIRE_S3")?;
        static NEXT: AtomicU32 = AtomicU32::new(0);
        Some(format!(
            "{}/unit-{}-{}",
            bucket.trim_end_matches('/'),
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ))
    }

    fn pseudo_random(len: usize) -> Vec<u8> {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    }

    #[test]
    fn content_round_trips_through_the_object_store_and_alterations_are_caught() {
        let Some(location) = test_location() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path())
            .unwrap()
            .with_remote(Arc::new(RemoteBlobs::connect(&location, &[]).unwrap()));
        // One part, and several (uploaded in parts, read back streamed).
        for content in [b"decision log".to_vec(), pseudo_random(PART_SIZE * 2 + 17)] {
            let stored = blobs.put(&mut &content[..]).unwrap();
            let remote = blobs.remote().unwrap();
            assert_eq!(remote.size(&stored.sha256).unwrap(), Some(stored.size));
            assert_eq!(blobs.check(&stored.sha256), BlobState::Intact);

            // Another instance, with an empty cache, reads it from the store.
            let elsewhere = tempfile::tempdir().unwrap();
            let other = BlobStore::open(elsewhere.path())
                .unwrap()
                .with_remote(Arc::new(RemoteBlobs::connect(&location, &[]).unwrap()));
            let mut read = Vec::new();
            other
                .open_verified(&stored.sha256, stored.size)
                .unwrap()
                .read_to_end(&mut read)
                .unwrap();
            assert!(read == content, "the content read back differs");
        }

        let stored = blobs.put(&mut &b"model card v3"[..]).unwrap();
        let remote = blobs.remote().unwrap();
        remote
            .overwrite(&stored.sha256, b"model card v4".to_vec())
            .unwrap();
        assert!(matches!(
            blobs.check(&stored.sha256),
            BlobState::Changed(actual) if actual != stored.sha256
        ));
        let fresh = tempfile::tempdir().unwrap();
        let other = BlobStore::open(fresh.path())
            .unwrap()
            .with_remote(Arc::new(RemoteBlobs::connect(&location, &[]).unwrap()));
        let refused = other.open_blob(&stored.sha256).unwrap_err();
        assert!(refused.to_string().contains("altered"), "{refused}");
        assert_eq!(
            std::fs::read_dir(fresh.path().join("tmp")).unwrap().count(),
            0
        );

        blobs.remove(&stored.sha256).unwrap();
        assert_eq!(blobs.check(&stored.sha256), BlobState::Missing);
        assert!(!blobs.contains(&stored.sha256));
        assert!(matches!(
            other.open_blob(&stored.sha256),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn wrong_keys_a_missing_bucket_and_a_bad_url_stop_the_connection_with_a_reason() {
        let Some(location) = test_location() else {
            return;
        };
        let wrong_key = RemoteBlobs::connect(&location, &[("aws_secret_access_key", "wrong")])
            .unwrap_err()
            .to_string();
        assert!(
            wrong_key.contains("evidence store is unavailable"),
            "{wrong_key}"
        );
        let no_bucket = RemoteBlobs::connect("s3://no-such-bucket-firebreak/x", &[])
            .unwrap_err()
            .to_string();
        assert!(
            no_bucket.contains("no-such-bucket-firebreak"),
            "{no_bucket}"
        );
        for url in ["https://example.org/bucket", "file:///tmp"] {
            let refused = RemoteBlobs::connect(url, &[]).unwrap_err();
            assert!(
                matches!(refused, StoreError::Setting(_)),
                "{url}: {refused}"
            );
        }
        let unknown = RemoteBlobs::connect(&location, &[("aws_colour", "blue")]).unwrap_err();
        assert!(unknown.to_string().contains("aws_colour"), "{unknown}");
    }
}
