//! Stalls: a request whose body stops arriving, or a response nobody reads,
//! would keep its connection "in flight" for ever, beyond the reach of the
//! connection cap's displacement. Both end after `limit` without progress.
//! (Only stalls are timed: a multi-GiB upload that keeps moving, a long
//! export being computed, or a quiet SSE stream are not.)

use axum::body::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

/// A timer started at the first `Pending` and cleared on progress; its
/// `Sleep` is kept and re-armed, as uploads go `Pending` often.
struct StallTimer {
    limit: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
    armed: bool,
}

impl StallTimer {
    fn new(limit: Duration) -> Self {
        StallTimer {
            limit,
            sleep: None,
            armed: false,
        }
    }

    /// Whether the wait that just returned `Pending` has lasted too long.
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        let deadline = tokio::time::Instant::now() + self.limit;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if !self.armed {
            sleep.as_mut().reset(deadline);
            self.armed = true;
        }
        sleep.as_mut().poll(cx).is_ready()
    }

    fn progressed(&mut self) {
        self.armed = false;
    }
}

fn stalled(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("{what} stalled"))
}

/// A request body that fails once no frame has arrived for the limit.
pub struct StallGuardedBody {
    inner: Incoming,
    timer: StallTimer,
}

impl StallGuardedBody {
    pub fn new(inner: Incoming, limit: Duration) -> Self {
        StallGuardedBody {
            inner,
            timer: StallTimer::new(limit),
        }
    }
}

impl http_body::Body for StallGuardedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Pending if self.timer.expired(cx) => {
                Poll::Ready(Some(Err(stalled("the request body").into())))
            }
            Poll::Pending => Poll::Pending,
            Poll::Ready(frame) => {
                self.timer.progressed();
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A connection whose writes fail once the client has read nothing for the
/// limit.
pub struct StallGuardedStream<S = TcpStream> {
    inner: S,
    timer: StallTimer,
}

impl<S> StallGuardedStream<S> {
    pub fn new(inner: S, limit: Duration) -> Self {
        StallGuardedStream {
            inner,
            timer: StallTimer::new(limit),
        }
    }

    fn guard<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match poll {
            Poll::Pending if self.timer.expired(cx) => {
                Poll::Ready(Err(stalled("reading the response")))
            }
            Poll::Pending => Poll::Pending,
            ready => {
                self.timer.progressed();
                ready
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for StallGuardedStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for StallGuardedStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.guard(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.guard(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.guard(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_response_nobody_reads_fails_after_the_limit() {
        let (server_side, mut client_side) = tokio::io::duplex(64);
        let mut guarded = StallGuardedStream::new(server_side, Duration::from_millis(200));
        let started = std::time::Instant::now();
        let error = guarded.write_all(&[0u8; 4096]).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(200));
        let mut first = [0u8; 64];
        client_side.read_exact(&mut first).await.unwrap();
    }

    #[tokio::test]
    async fn a_slow_reader_that_keeps_reading_is_not_cut_off() {
        let (server_side, mut client_side) = tokio::io::duplex(64);
        let mut guarded = StallGuardedStream::new(server_side, Duration::from_millis(300));
        let reader = tokio::spawn(async move {
            let mut received = Vec::new();
            let mut chunk = [0u8; 64];
            while received.len() < 1024 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                let read = client_side.read(&mut chunk).await.unwrap();
                received.extend_from_slice(&chunk[..read]);
            }
            received.len()
        });
        guarded.write_all(&[1u8; 1024]).await.unwrap();
        assert_eq!(reader.await.unwrap(), 1024);
    }
}
