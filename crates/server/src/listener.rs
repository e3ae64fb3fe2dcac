//! The accept loop. `axum::serve` has no header-read timeout and no cap on
//! connections, so a few hundred half-sent requests could starve the
//! kill-switch readers; this loop serves HTTP/1.1 with hyper directly:
//!
//! - a request's head must arrive within `header_read_timeout`, counted from
//!   when the server starts waiting for it, so a kept-alive connection idle
//!   that long is closed too;
//! - at most `max_connections` are open; at the cap a new connection displaces
//!   the connection that has waited longest without a request in flight (a
//!   half-sent or idle one), so attackers cannot lock out a serving client,
//!   and a request being answered (an SSE stream included) is never cut off.
//!   When every connection is busy the new one is closed at once;
//! - a request body that stops arriving, or a response the client stops
//!   reading, ends the connection after `stall_timeout` ([`crate::stall`]),
//!   so a busy connection is busy for real.

use crate::stall::{StallGuardedBody, StallGuardedStream};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

/// Connection-level limits of `serve` (`--max-connections`,
/// `--header-timeout`, `--stall-timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub stall_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(30),
        }
    }
}

/// How long open connections get to finish their requests on shutdown: SSE
/// streams never finish on their own.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` within `limits` until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let registry = Arc::new(Registry::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: back off, as axum does.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = registry.admit() else {
            tracing::warn!(%peer, "connection refused: every connection is busy");
            continue;
        };
        // Small JSON answers should not wait for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let service = connection_service(app.clone(), slot.clone(), peer, limits.stall_timeout);
        let stream = StallGuardedStream::new(stream, limits.stall_timeout);
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            tokio::select! {
                result = connection => if let Err(error) = result {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                },
                () = slot.evicted.notified() => {
                    tracing::debug!(%peer, "connection displaced at the connection cap");
                }
            }
            slot.release();
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::info!("closing connections still open after the shutdown grace period");
    }
    Ok(())
}

/// One connection's requests through the router, each counted in flight until
/// its response body is done, with the peer's address for the handlers.
fn connection_service(
    app: Router,
    slot: Arc<Slot>,
    peer: SocketAddr,
    stall_timeout: Duration,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response<TrackedBody>,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone {
    hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let in_flight = slot.request_started();
        request.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            let request = request.map(|body| Body::new(StallGuardedBody::new(body, stall_timeout)));
            let response = app.oneshot(request).await?;
            Ok(response.map(|body| TrackedBody {
                inner: body,
                _in_flight: in_flight,
            }))
        }
    })
}

/// A response body that keeps its request counted in flight until the body
/// is finished or dropped.
pub struct TrackedBody {
    inner: Body,
    _in_flight: InFlight,
}

impl http_body::Body for TrackedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// What the registry knows of one open connection.
struct Tracked {
    in_flight: usize,
    idle_since: Instant,
    evicted: Arc<Notify>,
}

/// The open connections, for the cap and for choosing whom to displace.
struct Registry {
    max_connections: usize,
    open: Mutex<RegistryState>,
}

#[derive(Default)]
struct RegistryState {
    next_id: u64,
    connections: HashMap<u64, Tracked>,
}

impl Registry {
    fn new(max_connections: usize) -> Self {
        Registry {
            max_connections: max_connections.max(1),
            open: Mutex::new(RegistryState::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, RegistryState> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A slot for a new connection, displacing the longest-idle one at the
    /// cap; none when every open connection has a request in flight.
    fn admit(self: &Arc<Self>) -> Option<Arc<Slot>> {
        let mut state = self.state();
        if state.connections.len() >= self.max_connections {
            let victim = state
                .connections
                .iter()
                .filter(|(_, c)| c.in_flight == 0)
                .min_by_key(|(_, c)| c.idle_since)
                .map(|(id, _)| *id)?;
            if let Some(displaced) = state.connections.remove(&victim) {
                displaced.evicted.notify_one();
            }
        }
        let id = state.next_id;
        state.next_id += 1;
        let evicted = Arc::new(Notify::new());
        state.connections.insert(
            id,
            Tracked {
                in_flight: 0,
                idle_since: Instant::now(),
                evicted: evicted.clone(),
            },
        );
        Some(Arc::new(Slot {
            id,
            registry: self.clone(),
            evicted,
        }))
    }
}

/// A connection's place in the registry.
struct Slot {
    id: u64,
    registry: Arc<Registry>,
    evicted: Arc<Notify>,
}

impl Slot {
    fn request_started(self: &Arc<Self>) -> InFlight {
        if let Some(tracked) = self.registry.state().connections.get_mut(&self.id) {
            tracked.in_flight += 1;
        }
        InFlight { slot: self.clone() }
    }

    fn release(&self) {
        self.registry.state().connections.remove(&self.id);
    }
}

/// One request in flight on a connection; dropping it marks the end.
struct InFlight {
    slot: Arc<Slot>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(tracked) = self
            .slot
            .registry
            .state()
            .connections
            .get_mut(&self.slot.id)
        {
            tracked.in_flight = tracked.in_flight.saturating_sub(1);
            tracked.idle_since = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_the_cap_the_longest_idle_connection_is_displaced() {
        let registry = Arc::new(Registry::new(2));
        let oldest = registry.admit().unwrap();
        let busy_since_start = registry.admit().unwrap();
        let _request = busy_since_start.request_started();
        let newcomer = registry
            .admit()
            .expect("an idle connection can be displaced");
        let open = registry.state().connections.len();
        assert_eq!(open, 2);
        assert!(!registry.state().connections.contains_key(&oldest.id));
        assert!(registry.state().connections.contains_key(&newcomer.id));
    }

    #[test]
    fn when_every_connection_is_busy_a_new_one_is_refused() {
        let registry = Arc::new(Registry::new(1));
        let only = registry.admit().unwrap();
        let request = only.request_started();
        assert!(registry.admit().is_none());
        drop(request);
        assert!(
            registry.admit().is_some(),
            "idle again once the answer is done"
        );
    }
}
