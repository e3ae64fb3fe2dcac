//! Web hardening: security headers on every answer, owner-only files in the
//! data directory, and the listener's connection limits on a real socket.

use crate::support::TestServer;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use firebreak_server::listener::ConnectionLimits;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let server = TestServer::with_incident().await;
    let token = format!("Bearer {}", server.admin_token);
    for path in [
        "/login",
        "/",
        "/api/v1/incidents",
        "/no-such-route",
        "/healthz",
    ] {
        let request = Request::get(path)
            .header(header::AUTHORIZATION, &token)
            .body(Body::empty())
            .unwrap();
        let response = server.raw(request).await;
        let headers = response.headers();
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self';"),
            "{path}: only our own script file may run"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{path}");
    }
}

/// No inline script and no `javascript:` anywhere; the one script a page may
/// load is our own `live.js` (D32).
#[tokio::test]
async fn the_pages_carry_no_script_but_our_own() {
    let server = TestServer::with_incident().await;
    let (cookie, _) = server.session(firebreak_core::auth::Role::Viewer);
    for path in [
        "/login",
        "/",
        "/incidents/INC-1",
        "/systems/scoring",
        "/oncall",
        "/oncall/policies",
        "/oncall/pages",
        "/no-such-page",
    ] {
        let request = Request::get(path)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        let page = server.call(request).await;
        let text = page.body.as_str().unwrap_or_default().to_lowercase();
        let ours = r#"<script src="/assets/live.js" defer></script>"#;
        assert!(
            !text.replace(ours, "").contains("<script") && !text.contains("javascript:"),
            "{path}"
        );
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let prepared = firebreak_server::prepare(&data, &Default::default()).unwrap();
    let mut writer = prepared.state.blobs.writer().unwrap();
    std::io::Write::write_all(&mut writer, b"evidence").unwrap();
    writer.finish().unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    for entry in walk(&data) {
        let kind = if entry.is_dir() { 0o700 } else { 0o600 };
        let actual = mode(&entry);
        assert_eq!(actual & !kind, 0, "{} is {actual:o}", entry.display());
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}

/// A server on a real loopback socket with these limits.
async fn listening(limits: ConnectionLimits) -> (std::net::SocketAddr, TestServer) {
    let mut server = TestServer::new();
    server.configure(|state| state.connection_limits = limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = server.state.clone();
    let schedule = firebreak_server::Schedule {
        checkpoint: Duration::from_secs(3600),
        clocks: Duration::from_secs(3600),
        tickets: Duration::from_secs(3600),
        scrub: None,
    };
    tokio::spawn(firebreak_server::serve(
        listener,
        state,
        schedule,
        std::future::pending(),
    ));
    (address, server)
}

/// Reads until the server closes the connection; how long that took.
async fn closed_after(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout(limit, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

async fn healthz(address: std::net::SocketAddr) -> StatusCode {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let code = answer.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

#[tokio::test]
async fn a_half_sent_request_and_an_idle_kept_alive_connection_are_closed() {
    let (address, _server) = listening(ConnectionLimits {
        max_connections: 16,
        header_read_timeout: Duration::from_secs(1),
        ..ConnectionLimits::default()
    })
    .await;
    let mut half_sent = TcpStream::connect(address).await.unwrap();
    half_sent
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let closed = closed_after(&mut half_sent, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|after| after < Duration::from_secs(3)),
        "{closed:?}"
    );

    let mut kept_alive = TcpStream::connect(address).await.unwrap();
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 512];
    let read = kept_alive.read(&mut first).await.unwrap();
    assert!(String::from_utf8_lossy(&first[..read]).starts_with("HTTP/1.1 200"));
    let closed = closed_after(&mut kept_alive, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|after| after < Duration::from_secs(3)),
        "{closed:?}"
    );
}

#[tokio::test]
async fn at_the_cap_idle_connections_make_room_for_a_real_request() {
    let (address, _server) = listening(ConnectionLimits {
        max_connections: 8,
        header_read_timeout: Duration::from_secs(30),
        ..ConnectionLimits::default()
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..8 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(b"GET /heal").await.unwrap();
        idle.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    assert_eq!(healthz(address).await, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(2));
    let mut displaced = 0;
    for stream in &mut idle {
        if closed_after(stream, Duration::from_millis(200))
            .await
            .is_some()
        {
            displaced += 1;
        }
    }
    assert!(displaced >= 1, "the oldest half-sent connection gave way");
}

#[tokio::test]
async fn a_request_body_that_stops_arriving_ends_its_connection() {
    let (address, _server) = listening(ConnectionLimits {
        max_connections: 16,
        header_read_timeout: Duration::from_secs(30),
        stall_timeout: Duration::from_secs(1),
    })
    .await;
    let mut stalled = TcpStream::connect(address).await.unwrap();
    stalled
        .write_all(
            b"POST /login HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\nusername=a",
        )
        .await
        .unwrap();
    let closed = closed_after(&mut stalled, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|after| after < Duration::from_secs(3)),
        "{closed:?}"
    );
}
