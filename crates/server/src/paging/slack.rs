//! Pages and role notifications as Slack direct messages through the Web API's
//! `chat.postMessage`: the user's member id as `channel`, a bot token as
//! bearer. Slack answers 200 with `ok: false` and an `error` for refusals,
//! and 429 with `Retry-After` when rate limited; both are failed attempts,
//! retried by the outbox.

use firebreak_store::OutboxMessage;
use serde::Deserialize;
use serde_json::json;

/// Slack's Web API and the bot token (`--slack-token` or
/// `FIREBREAK_SLACK_TOKEN`, never stored in the database).
#[derive(Clone)]
pub struct SlackSettings {
    /// `https://slack.com/api` unless a test or proxy says otherwise.
    pub api_url: String,
    pub token: String,
}

impl std::fmt::Debug for SlackSettings {
    /// Leaves the token out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackSettings")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct SlackAnswer {
    ok: bool,
    #[serde(default)]
    error: Option<String>,
}

pub(super) async fn send(
    http: &reqwest::Client,
    slack: &SlackSettings,
    message: &OutboxMessage,
    subject: &str,
    text: &str,
) -> Result<(), String> {
    let body = json!({
        "channel": message.target,
        "text": format!("*{subject}*\n{text}"),
    });
    let url = format!("{}/chat.postMessage", slack.api_url.trim_end_matches('/'));
    let response = http
        .post(&url)
        .bearer_auth(&slack.token)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("Slack: request failed: {e}"))?;
    let status = response.status();
    if status.as_u16() == 429 {
        let wait = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?");
        return Err(format!("Slack: rate limited, retry after {wait} s"));
    }
    if !status.is_success() {
        return Err(format!("Slack: answered {status}"));
    }
    let answer: SlackAnswer = response
        .json()
        .await
        .map_err(|e| format!("Slack: unreadable answer: {e}"))?;
    match answer {
        SlackAnswer { ok: true, .. } => Ok(()),
        SlackAnswer { error, .. } => Err(format!(
            "Slack: ok false ({})",
            error.as_deref().unwrap_or("no error given")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

    /// What the receiver saw: request line, headers, body.
    type Seen = (String, Vec<String>, serde_json::Value);

    /// A loopback stand-in for Slack's Web API that answers each request
    /// with the next of `answers` (status line and JSON body).
    async fn slack_receiver(
        answers: Vec<(&'static str, &'static str)>,
    ) -> (String, tokio::task::JoinHandle<Vec<Seen>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api", listener.local_addr().unwrap());
        let handle = tokio::spawn(async move {
            let mut seen = Vec::new();
            for (status, body) in answers {
                let (stream, _) = listener.accept().await.unwrap();
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                reader.read_line(&mut request_line).await.unwrap();
                let mut headers = Vec::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).await.unwrap();
                    let line = line.trim_end().to_ascii_lowercase();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("content-length: ") {
                        length = value.parse().unwrap();
                    }
                    headers.push(line);
                }
                let mut content = vec![0; length];
                reader.read_exact(&mut content).await.unwrap();
                seen.push((
                    request_line.trim_end().to_string(),
                    headers,
                    serde_json::from_slice(&content).unwrap(),
                ));
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nretry-after: 30\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                reader
                    .into_inner()
                    .write_all(answer.as_bytes())
                    .await
                    .unwrap();
            }
            seen
        });
        (url, handle)
    }

    fn page() -> (OutboxMessage, crate::paging::PagePayload) {
        let payload = serde_json::json!({
            "incident": "INC-4", "title": "Scores all zero", "severity": "sev1",
            "systems": ["scoring"], "step": {"round": 0, "level": 1},
            "notification": {"user": "alice", "contact": "slack", "address": "U024BE7LH",
                             "due": "2026-03-01T10:00:00Z", "rule": 0},
        });
        let message = OutboxMessage {
            id: 1,
            channel: "page:slack".into(),
            target: "U024BE7LH".into(),
            payload: payload.to_string(),
            idempotency_key: "page:INC-4:0.1:alice:0@U024BE7LH".into(),
            created_at: firebreak_core::Timestamp::UNIX_EPOCH,
            attempts: 0,
            delivered_at: None,
            last_error: None,
            incident: Some(4),
        };
        (message, serde_json::from_value(payload).unwrap())
    }

    #[tokio::test]
    async fn pages_post_a_direct_message_and_take_slack_s_refusals_as_failures() {
        let (url, receiver) = slack_receiver(vec![
            ("200 OK", r#"{"ok": true, "channel": "D1", "ts": "1.2"}"#),
            ("200 OK", r#"{"ok": false, "error": "channel_not_found"}"#),
            (
                "429 Too Many Requests",
                r#"{"ok": false, "error": "ratelimited"}"#,
            ),
        ])
        .await;
        let slack = SlackSettings {
            api_url: url,
            token: "xoxb-test".into(),
        };
        let http = reqwest::Client::new();
        let (message, payload) = page();
        let sent = payload.text(
            Some("https://firebreak.example"),
            Some("https://firebreak.example/ack/4.0.1.1772445600.alice.ab"),
        );
        assert_eq!(
            send(&http, &slack, &message, &payload.subject(), &sent).await,
            Ok(())
        );
        let refused = send(&http, &slack, &message, &payload.subject(), &sent).await;
        assert_eq!(refused, Err("Slack: ok false (channel_not_found)".into()));
        let limited = send(&http, &slack, &message, &payload.subject(), &sent).await;
        assert_eq!(limited, Err("Slack: rate limited, retry after 30 s".into()));
        let seen = receiver.await.unwrap();
        let (request_line, headers, body) = &seen[0];
        assert_eq!(request_line, "POST /api/chat.postMessage HTTP/1.1");
        assert!(
            headers.contains(&"authorization: bearer xoxb-test".to_string()),
            "{headers:?}"
        );
        assert!(
            headers.contains(&"content-type: application/json".to_string()),
            "{headers:?}"
        );
        assert_eq!(body["channel"], "U024BE7LH");
        let text = body["text"].as_str().unwrap();
        assert!(
            text.starts_with("*[Firebreak] INC-4 SEV1: Scores all zero*"),
            "{text}"
        );
        assert!(text.contains("escalation level 2"), "{text}");
        assert!(
            text.contains("https://firebreak.example/incidents/INC-4"),
            "{text}"
        );
        assert!(
            text.contains("one-time link: https://firebreak.example/ack/4.0.1.1772445600.alice.ab"),
            "{text}"
        );
    }
}
