//! Password hashing and checking with argon2id. Each hash costs tens of
//! milliseconds of CPU and 19 MiB, so it runs on the blocking pool behind a
//! small semaphore: a login flood queues here instead of stalling the async
//! workers that answer kill-switch reads. A sign-in for a user that does not
//! exist (or has no password) checks against a fixed dummy hash, so the answer
//! takes as long as for a real user and timing reveals no user names.

use crate::error::ApiError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// An argon2id hash with the default parameters (m=19456, t=2, p=1) of a
/// password nobody knows: checked when the user does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Vy63vwaW3xITNZOlRQJeTg$blUNNshzq0v9YAUmrXpl6z5tK/dZkamHFWxNrTMJ13o";

pub const PASSWORD_MIN_CHARS: usize = 12;
/// Long enough for any passphrase; bounds the work one request can ask for.
pub const PASSWORD_MAX_CHARS: usize = 1024;

/// How many hash jobs may wait for a permit per permit, before new ones are
/// refused with 429: past that, a caller would wait seconds anyway.
const QUEUE_PER_PERMIT: usize = 16;

/// The argon2 gate shared by every request.
pub struct Passwords {
    permits: Semaphore,
    max_waiting: usize,
    waiting: AtomicUsize,
}

impl Passwords {
    pub fn new(permits: usize) -> Self {
        let permits = permits.max(1);
        Passwords {
            permits: Semaphore::new(permits),
            max_waiting: permits * QUEUE_PER_PERMIT,
            waiting: AtomicUsize::new(0),
        }
    }

    /// One permit per core but one: a core stays free for the serving path.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Passwords::new(cores.saturating_sub(1))
    }

    /// Hashes a new password (checked with [`validate_password`] first).
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.gated(move || hash_password(&password)).await?
    }

    /// Whether `password` matches `stored`; with no stored hash, the same work
    /// is done against the dummy hash and the answer is no.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        self.gated(move || {
            let matches = password_matches(&password, stored.as_deref().unwrap_or(DUMMY_HASH));
            matches && stored.is_some()
        })
        .await
    }

    async fn gated<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let queued = self.waiting.fetch_add(1, Ordering::SeqCst);
        if queued >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(ApiError::TooManyRequests {
                message: "too many sign-ins at once; try again shortly".into(),
                retry_after: Duration::from_secs(1),
            });
        }
        let permit = self.permits.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let _permit = permit.map_err(|e| ApiError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::Internal(format!("password task failed: {e}")))
    }
}

pub fn validate_password(password: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(ApiError::invalid(
            "password",
            format!("must be at least {PASSWORD_MIN_CHARS} characters"),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(ApiError::invalid(
            "password",
            format!("must be at most {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| ApiError::Internal(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ApiError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(e.to_string()))
}

fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_and_no_stored_hash_never_does() {
        let passwords = Passwords::new(1);
        let hash = passwords
            .hash("correct horse battery".into())
            .await
            .unwrap();
        assert!(
            passwords
                .verify("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("wrong horse battery".into(), Some(hash))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("anything at all".into(), None)
                .await
                .unwrap()
        );
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let real = hash_password("some password here").unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(
            dummy.params.iter().collect::<Vec<_>>(),
            real.params.iter().collect::<Vec<_>>()
        );
    }

    #[test]
    fn passwords_have_a_floor_and_a_ceiling() {
        assert!(validate_password("short").is_err());
        assert!(validate_password(&"x".repeat(PASSWORD_MAX_CHARS + 1)).is_err());
        assert!(validate_password("twelve chars").is_ok());
    }
}
