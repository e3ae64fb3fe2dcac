//! Password hashing and checking with argon2id. Each hash costs tens of
//! milliseconds of CPU and 19 MiB, so it runs on a few dedicated worker
//! threads (one per core but one) at a lower scheduling priority, fed by a
//! bounded queue: a login flood queues here, or is refused with 429 when the
//! queue is full, instead of taking the cores from the async workers that
//! answer kill-switch reads. A sign-in for a user that does not exist (or has
//! no password) checks against a fixed dummy hash, so the answer takes as long
//! as for a real user and timing reveals no user names.

use crate::error::ApiError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// An argon2id hash with the default parameters (m=19456, t=2, p=1) of a
/// password nobody knows: checked when the user does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Vy63vwaW3xITNZOlRQJeTg$blUNNshzq0v9YAUmrXpl6z5tK/dZkamHFWxNrTMJ13o";

pub const PASSWORD_MIN_CHARS: usize = 12;
/// Long enough for any passphrase; bounds the work one request can ask for.
pub const PASSWORD_MAX_CHARS: usize = 1024;

/// Jobs that may wait per worker before new ones are refused with 429: past
/// that, a caller would wait seconds anyway.
const QUEUE_PER_WORKER: usize = 16;

type Job = Box<dyn FnOnce() + Send>;

/// The argon2 gate shared by every request. Dropping it ends its workers.
pub struct Passwords {
    jobs: SyncSender<Job>,
}

impl Passwords {
    pub fn new(workers: usize) -> Self {
        let workers = workers.max(1);
        let (jobs, queue) = sync_channel::<Job>(workers * QUEUE_PER_WORKER);
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..workers {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name("firebreak-argon2".into())
                .spawn(move || work(&queue));
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password worker");
            }
        }
        Passwords { jobs }
    }

    /// One worker per core but one: a core stays free for the serving path.
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
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(ApiError::TooManyRequests {
                    message: "too many sign-ins at once; try again shortly".into(),
                    retry_after: Duration::from_secs(1),
                });
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(ApiError::Internal("no password worker is running".into()));
            }
        }
        answered
            .await
            .map_err(|_| ApiError::Internal("a password worker stopped".into()))
    }
}

/// A worker: lowers its own priority, then runs jobs until the gate is gone.
fn work(queue: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match next {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// On Linux `setpriority(PRIO_PROCESS, 0, …)` sets the calling thread's nice
/// value, so only the argon2 workers yield to the async workers.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        /// How much nicer than the server the workers run.
        const NICENESS: i32 = 10;
        // SAFETY: setpriority takes plain integers and touches no memory of ours.
        unsafe {
            libc::setpriority(libc::PRIO_PROCESS, 0, NICENESS);
        }
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

/// Signs `username` in with `password`, for the web form and for `firebreak
/// login` alike: throttled per user name and per address (TooManyRequests),
/// the same answer for an unknown user as for a wrong password
/// (SignInRefused), and the hash checked off the request threads.
pub async fn check_sign_in(
    state: &crate::state::AppState,
    address: Option<std::net::IpAddr>,
    username: String,
    password: String,
) -> Result<firebreak_store::User, ApiError> {
    if let Err(seconds) = state.login_limits.attempt(&username, address) {
        return Err(ApiError::TooManyRequests {
            message: format!("Too many sign-in attempts; try again in {seconds} s."),
            retry_after: Duration::from_secs(seconds),
        });
    }
    let user = if username.chars().count() <= firebreak_core::auth::USERNAME_MAX_CHARS {
        state.run(move |store| store.find_user(&username)).await?
    } else {
        None
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = state.passwords.verify(password, stored).await?;
    user.filter(|_| verified).ok_or(ApiError::SignInRefused)
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

    #[tokio::test]
    async fn a_full_queue_is_refused_with_429_at_once() {
        let passwords = Arc::new(Passwords::new(1));
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let blocked = Arc::new(Mutex::new(blocked));
        let hold = |passwords: Arc<Passwords>, started: Option<oneshot::Sender<()>>| {
            let blocked = blocked.clone();
            tokio::spawn(async move {
                passwords
                    .gated(move || {
                        if let Some(started) = started {
                            let _ = started.send(());
                        }
                        let _ = blocked.lock().unwrap().recv();
                    })
                    .await
            })
        };
        // One job holds the worker; the queue then takes QUEUE_PER_WORKER more.
        let (started, running) = oneshot::channel();
        let mut waiting = vec![hold(passwords.clone(), Some(started))];
        running.await.unwrap();
        for _ in 0..QUEUE_PER_WORKER {
            waiting.push(hold(passwords.clone(), None));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = passwords.gated(|| ()).await;
        assert!(matches!(refused, Err(ApiError::TooManyRequests { .. })));
        for _ in 0..=QUEUE_PER_WORKER {
            release.send(()).unwrap();
        }
        for job in waiting {
            assert!(job.await.unwrap().is_ok());
        }
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
