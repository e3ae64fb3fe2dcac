//! The content-addressed blob store (D1): evidence artifacts and uploaded
//! prediction logs, stored under the data directory by their SHA-256.
//!
//! Content is streamed through a [`BlobWriter`] into a temporary file while it
//! is hashed, fsynced, and only then renamed to `sha256/<ab>/<hex>`; so a blob
//! at its address is always complete, a crash leaves at most a stray temporary
//! file (swept on open), and a file of several GiB never sits in memory.
//!
//! With a [`RemoteBlobs`] object store behind it, the directory is staging
//! and a read cache: content is acknowledged once the object store has it,
//! read back through the cache, and checked against the object store.

mod remote;

pub use remote::RemoteBlobs;

use crate::{StoreError, StoreResult};
use firebreak_core::verify::BlobState;
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The address and size of stored content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    remote: Option<Arc<RemoteBlobs>>,
}

/// Creates `path` and its missing parents readable by the owner only (0700):
/// evidence may hold personal data.
fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

impl BlobStore {
    /// Opens (creating) the store at `root`, e.g. `<data-dir>/blobs`, and
    /// removes temporary files a crash left behind.
    pub fn open(root: &Path) -> StoreResult<BlobStore> {
        let store = BlobStore {
            root: root.to_path_buf(),
            remote: None,
        };
        create_private_dir(&store.root.join("sha256")).map_err(|e| io_error(&store.root, e))?;
        let tmp = store.tmp_dir();
        create_private_dir(&tmp).map_err(|e| io_error(&tmp, e))?;
        for entry in fs::read_dir(&tmp).map_err(|e| io_error(&tmp, e))? {
            let path = entry.map_err(|e| io_error(&tmp, e))?.path();
            fs::remove_file(&path).map_err(|e| io_error(&path, e))?;
        }
        Ok(store)
    }

    /// The store at `root` as it is, changing nothing (for offline
    /// verification); None when there is no store there.
    pub fn open_existing(root: &Path) -> Option<BlobStore> {
        root.join("sha256").is_dir().then(|| BlobStore {
            root: root.to_path_buf(),
            remote: None,
        })
    }

    /// This store with `remote` holding the content, the directory only
    /// staging and caching it.
    pub fn with_remote(self, remote: Arc<RemoteBlobs>) -> BlobStore {
        BlobStore {
            remote: Some(remote),
            ..self
        }
    }

    /// The object store holding the content, if there is one.
    pub fn remote(&self) -> Option<&RemoteBlobs> {
        self.remote.as_deref()
    }

    /// A writer for new content; nothing is stored until [`BlobWriter::finish`].
    pub fn writer(&self) -> StoreResult<BlobWriter> {
        let mut random = [0u8; 16];
        getrandom::getrandom(&mut random).map_err(|e| StoreError::Backend(e.to_string()))?;
        let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let path = self.tmp_dir().join(name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|e| io_error(&path, e))?;
        Ok(BlobWriter {
            file: Some(file),
            path,
            hasher: Sha256::new(),
            size: 0,
            store: self.clone(),
        })
    }

    /// Streams `reader` into the store.
    pub fn put(&self, reader: &mut impl Read) -> StoreResult<BlobRef> {
        let mut writer = self.writer()?;
        io::copy(reader, &mut writer).map_err(|e| io_error(&writer.path, e))?;
        writer.finish()
    }

    /// The file holding `sha256`, and its size.
    pub fn open_blob(&self, sha256: &str) -> StoreResult<(File, u64)> {
        let path = self.path(sha256)?;
        let file = File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::NotFound(format!("content {sha256}")),
            _ => io_error(&path, e),
        })?;
        let size = file.metadata().map_err(|e| io_error(&path, e))?.len();
        Ok((file, size))
    }

    /// The content of `sha256`, checked as it is read: the read that would
    /// hand out its last bytes fails instead when the content is not the
    /// `size` bytes that hash to its address, so a reader never receives
    /// altered content whole.
    pub fn open_verified(&self, sha256: &str, size: u64) -> StoreResult<VerifiedRead<File>> {
        let (file, _) = self.open_blob(sha256)?;
        Ok(VerifiedRead {
            inner: file,
            hasher: Sha256::new(),
            expected: sha256.to_string(),
            remaining: size,
        })
    }

    /// Hashes the content of `sha256` and says whether it still matches;
    /// with an object store, the content there, which is the record.
    pub fn check(&self, sha256: &str) -> BlobState {
        if let Some(remote) = &self.remote {
            return remote.check(sha256);
        }
        let mut file = match self.open_blob(sha256) {
            Ok((file, _)) => file,
            Err(StoreError::NotFound(_)) => return BlobState::Missing,
            Err(error) => return BlobState::Unreadable(error.to_string()),
        };
        let mut hasher = Sha256::new();
        match io::copy(&mut file, &mut hasher) {
            Ok(_) => {
                let actual = firebreak_core::timeline::hex(&hasher.finalize());
                if actual == sha256 {
                    BlobState::Intact
                } else {
                    BlobState::Changed(actual)
                }
            }
            Err(error) => BlobState::Unreadable(error.to_string()),
        }
    }

    pub fn contains(&self, sha256: &str) -> bool {
        match &self.remote {
            Some(remote) => {
                firebreak_core::evidence::is_sha256_hex(sha256)
                    && matches!(remote.size(sha256), Ok(Some(_)))
            }
            None => self.local_path(sha256).is_ok_and(|path| path.is_file()),
        }
    }

    /// Removes content, from the object store too; a missing blob is not an
    /// error.
    pub fn remove(&self, sha256: &str) -> StoreResult<()> {
        let path = self.local_path(sha256)?;
        if let Some(remote) = &self.remote {
            remote.remove(sha256)?;
        }
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_error(&path, e)),
            _ => Ok(()),
        }
    }

    /// The local file holding `sha256`, fetched from the object store first
    /// when it is not cached here; refuses anything that is not a SHA-256 in
    /// hex, so an address can never name a path outside the store.
    pub fn path(&self, sha256: &str) -> StoreResult<PathBuf> {
        let path = self.local_path(sha256)?;
        if let Some(remote) = &self.remote
            && !path.is_file()
        {
            self.fetch(remote, sha256)?;
        }
        Ok(path)
    }

    /// Downloads `sha256` into the cache, keeping it only when it hashes to
    /// its address.
    fn fetch(&self, remote: &RemoteBlobs, sha256: &str) -> StoreResult<()> {
        let mut writer = self.writer()?;
        remote.download(sha256, &mut writer)?;
        writer.install(Some(sha256)).map(|_| ())
    }

    /// Uploads every blob held in the directory to the object store (what a
    /// move from a shared directory to a bucket needs), reporting
    /// `(done, total)` after each; answers how many there were.
    pub fn upload_local(&self, mut progress: impl FnMut(usize, usize)) -> StoreResult<usize> {
        let Some(remote) = &self.remote else {
            return Ok(0);
        };
        let mut held = Vec::new();
        let root = self.root.join("sha256");
        for shard in fs::read_dir(&root).map_err(|e| io_error(&root, e))? {
            let shard = shard.map_err(|e| io_error(&root, e))?.path();
            for entry in fs::read_dir(&shard).map_err(|e| io_error(&shard, e))? {
                let path = entry.map_err(|e| io_error(&shard, e))?.path();
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                if firebreak_core::evidence::is_sha256_hex(name) {
                    let size = fs::metadata(&path).map_err(|e| io_error(&path, e))?.len();
                    held.push((name.to_string(), path, size));
                }
            }
        }
        for (done, (sha256, path, size)) in held.iter().enumerate() {
            remote.upload(sha256, path, *size)?;
            progress(done + 1, held.len());
        }
        Ok(held.len())
    }

    fn local_path(&self, sha256: &str) -> StoreResult<PathBuf> {
        if !firebreak_core::evidence::is_sha256_hex(sha256) {
            return Err(StoreError::NotFound(format!(
                "content `{sha256}` (addresses are 64 lowercase hex digits)"
            )));
        }
        Ok(self.root.join("sha256").join(&sha256[..2]).join(sha256))
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }
}

/// A reader of stored content that fails rather than finish with content
/// that no longer matches its address (see [`BlobStore::open_verified`]).
pub struct VerifiedRead<R> {
    inner: R,
    hasher: Sha256,
    expected: String,
    remaining: u64,
}

/// The error a [`VerifiedRead`] fails with; its message says what is wrong.
pub fn is_damage(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::InvalidData
}

fn damaged(sha256: &str, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("content {sha256} {what}"),
    )
}

impl<R: Read> Read for VerifiedRead<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            let mut extra = [0u8; 1];
            return match self.inner.read(&mut extra)? {
                0 => Ok(0),
                _ => Err(damaged(&self.expected, "is longer than recorded (altered)")),
            };
        }
        let wanted = buffer.len().min(self.remaining as usize);
        let read = self.inner.read(&mut buffer[..wanted])?;
        if read == 0 {
            return Err(damaged(
                &self.expected,
                "is shorter than recorded (altered)",
            ));
        }
        self.hasher.update(&buffer[..read]);
        self.remaining -= read as u64;
        if self.remaining == 0 {
            let actual = firebreak_core::timeline::hex(&self.hasher.clone().finalize());
            if actual != self.expected {
                return Err(damaged(
                    &self.expected,
                    &format!("now hashes to {actual} (altered)"),
                ));
            }
        }
        Ok(read)
    }
}

/// Content on its way into the store, hashed as it is written.
pub struct BlobWriter {
    file: Option<File>,
    path: PathBuf,
    hasher: Sha256,
    size: u64,
    store: BlobStore,
}

impl BlobWriter {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Makes the content durable and moves it to its address, and with an
    /// object store, uploads it there before answering. Content that is
    /// already stored is kept as it is and the copy dropped.
    pub fn finish(self) -> StoreResult<BlobRef> {
        let store = self.store.clone();
        let blob = self.install(None)?;
        if let Some(remote) = &store.remote {
            remote.upload(&blob.sha256, &store.local_path(&blob.sha256)?, blob.size)?;
        }
        Ok(blob)
    }

    /// Moves the content to its address in the directory; refused when
    /// `expected` is given and the content hashes to something else.
    fn install(mut self, expected: Option<&str>) -> StoreResult<BlobRef> {
        let file = self.file.take().expect("a writer is finished once");
        file.sync_all().map_err(|e| io_error(&self.path, e))?;
        drop(file);
        let sha256 = firebreak_core::timeline::hex(&self.hasher.finalize_reset());
        if let Some(expected) = expected.filter(|expected| *expected != sha256) {
            fs::remove_file(&self.path).map_err(|e| io_error(&self.path, e))?;
            let place = self.store.remote().map_or("", RemoteBlobs::location);
            return Err(StoreError::Corrupt(format!(
                "content {expected} in {place} now hashes to {sha256} (altered)"
            )));
        }
        let target = self.store.local_path(&sha256)?;
        if target.is_file() {
            fs::remove_file(&self.path).map_err(|e| io_error(&self.path, e))?;
        } else {
            let dir = target.parent().expect("blob paths have a parent");
            create_private_dir(dir).map_err(|e| io_error(dir, e))?;
            fs::rename(&self.path, &target).map_err(|e| io_error(&target, e))?;
            let mut permissions = fs::metadata(&target)
                .map_err(|e| io_error(&target, e))?
                .permissions();
            permissions.set_readonly(true);
            fs::set_permissions(&target, permissions).map_err(|e| io_error(&target, e))?;
            // The rename is durable only once the directory entry is.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io_error(dir, e))?;
        }
        Ok(BlobRef {
            sha256,
            size: self.size,
        })
    }
}

impl Write for BlobWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let file = self.file.as_mut().expect("writes happen before finish");
        let written = file.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), File::flush)
    }
}

impl Drop for BlobWriter {
    /// An abandoned upload leaves nothing behind.
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn io_error(path: &Path, error: io::Error) -> StoreError {
    StoreError::Backend(format!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_stored_once_under_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let first = store.put(&mut &b"abc"[..]).unwrap();
        assert_eq!(
            first.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(first.size, 3);
        assert_eq!(store.put(&mut &b"abc"[..]).unwrap(), first);
        let (mut file, size) = store.open_blob(&first.sha256).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        assert_eq!((text.as_str(), size), ("abc", 3));
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn abandoned_writes_leave_nothing_and_bad_addresses_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let mut writer = store.writer().unwrap();
        writer.write_all(b"partial").unwrap();
        drop(writer);
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        assert!(matches!(
            store.open_blob("../../etc/passwd"),
            Err(StoreError::NotFound(_))
        ));
        assert!(!store.contains(&"0".repeat(64)));
    }
}
