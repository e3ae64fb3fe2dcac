//! Sign-in rate limits: token buckets per user name and per client address,
//! in memory (one server per store). Every attempt takes a token from both
//! buckets before any password is checked, so a flood is turned away with 429
//! before it costs an argon2 hash.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::state::AppState;

/// A bucket of `burst` tokens, one more every `refill`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub burst: u32,
    pub refill: Duration,
}

/// Buckets kept at most; beyond it, full buckets are forgotten first.
const MAX_BUCKETS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`, or says how long until one is there.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let burst = f64::from(self.limit.burst.max(1));
        let per_second = 1.0 / self.limit.refill.as_secs_f64().max(f64::EPSILON);
        let refilled = |bucket: &Bucket| {
            let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
            (bucket.tokens + elapsed * per_second).min(burst)
        };
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            buckets.retain(|_, bucket| refilled(bucket) < burst);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let tokens = refilled(bucket);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                updated: now,
            };
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - tokens) / per_second))
        }
    }
}

/// The sign-in limits of a server.
pub struct LoginLimits {
    per_user: RateLimiter,
    per_address: RateLimiter,
}

impl Default for LoginLimits {
    /// Ten attempts per user name and thirty per address at once, then one
    /// every six (user) or two (address) seconds.
    fn default() -> Self {
        LoginLimits::new(
            RateLimit {
                burst: 10,
                refill: Duration::from_secs(6),
            },
            RateLimit {
                burst: 30,
                refill: Duration::from_secs(2),
            },
        )
    }
}

impl LoginLimits {
    pub fn new(per_user: RateLimit, per_address: RateLimit) -> Self {
        LoginLimits {
            per_user: RateLimiter::new(per_user),
            per_address: RateLimiter::new(per_address),
        }
    }

    /// Counts one attempt; `Err` holds the wait the client is told
    /// (`Retry-After`, whole seconds, at least one).
    pub fn attempt(&self, user: &str, address: Option<IpAddr>) -> Result<(), u64> {
        let now = Instant::now();
        let round_up = |wait: Duration| wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let address = address.map_or_else(|| "unknown".to_string(), |a| a.to_string());
        self.per_address.take(&address, now).map_err(round_up)?;
        self.per_user
            .take(&user.to_lowercase(), now)
            .map_err(round_up)
    }
}

/// The client's address: the socket's peer, or with `serve
/// --trust-forwarded-for` the address the reverse proxy appended last to
/// `X-Forwarded-For`. None in tests that run without a socket.
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let forwarded = state
            .web
            .trust_forwarded_for
            .then(|| {
                parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .next_back()
                    .and_then(|a| a.trim().parse::<IpAddr>().ok())
            })
            .flatten();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip());
        Ok(ClientAddress(forwarded.or(peer)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_then_refills() {
        let limiter = RateLimiter::new(RateLimit {
            burst: 2,
            refill: Duration::from_secs(10),
        });
        let start = Instant::now();
        assert!(limiter.take("alice", start).is_ok());
        assert!(limiter.take("alice", start).is_ok());
        let wait = limiter.take("alice", start).unwrap_err();
        assert_eq!(wait, Duration::from_secs(10));
        assert!(limiter.take("bob", start).is_ok(), "buckets are per key");
        assert!(
            limiter
                .take("alice", start + Duration::from_secs(10))
                .is_ok()
        );
    }

    #[test]
    fn an_address_flood_is_refused_before_the_user_bucket_is_spent() {
        let limits = LoginLimits::new(
            RateLimit {
                burst: 3,
                refill: Duration::from_secs(60),
            },
            RateLimit {
                burst: 1,
                refill: Duration::from_secs(60),
            },
        );
        let attacker = Some(IpAddr::from([10, 0, 0, 1]));
        assert!(limits.attempt("admin", attacker).is_ok());
        assert_eq!(limits.attempt("admin", attacker), Err(60));
        assert_eq!(limits.attempt("Admin", attacker), Err(60));
        let elsewhere = Some(IpAddr::from([10, 0, 0, 2]));
        assert!(limits.attempt("admin", elsewhere).is_ok());
        assert!(
            limits
                .attempt("ADMIN", Some(IpAddr::from([10, 0, 0, 3])))
                .is_ok()
        );
        assert!(
            limits
                .attempt("admin", Some(IpAddr::from([10, 0, 0, 4])))
                .is_err()
        );
    }
}
