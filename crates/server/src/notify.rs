//! Signed webhooks (D1): control hooks, regulatory clock warnings, and
//! (through [`signed_post`]) pages to a user's webhook. Their
//! calls are queued in the outbox with the change that causes them (D26);
//! the outbox retries them with backoff and records each attempt on the
//! incident's timeline. This module says what a call carries and makes it,
//! signed with HMAC-SHA256.
//!
//! The signature header is `X-Firebreak-Signature: sha256=<hex>` over
//! `<timestamp>.<body>`, with the Unix timestamp in `X-Firebreak-Timestamp`, so
//! a receiver can reject replays.

use crate::state::{AppState, Caches, now};
use firebreak_core::control::ControlState;
use firebreak_core::timeline::hex;
use firebreak_store::{CLOCK_HOOK_CHANNEL, OutboxMessage, OutgoingMessage};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::broadcast;

pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// Keeps a committed control change, this server's or another's sharing the
/// database, in the cache and hands it to this server's stream readers.
/// Takes only those two, not the whole state: the store's listener holds it,
/// and the state holds the store.
pub fn control_seen(
    caches: &Caches,
    readers: &broadcast::Sender<ControlState>,
    change: ControlState,
) {
    caches.remember_control(change.clone());
    // No stream reader listening is not an error.
    let _ = readers.send(change);
}

/// Announces a committed control change to this server's stream readers.
/// The system's hooks were queued in the change's transaction (D26).
pub fn control_changed(state: &AppState, change: ControlState) {
    control_seen(&state.caches, &state.control_changes, change);
}

/// The clock webhooks' messages for `warnings` of incident `number`, one
/// per webhook and warning, queued with the warnings (D26).
pub fn clock_warnings(hooks: &[String], number: u64, warnings: &[Value]) -> Vec<OutgoingMessage> {
    hooks
        .iter()
        .flat_map(|url| {
            warnings.iter().map(move |warning| OutgoingMessage {
                channel: CLOCK_HOOK_CHANNEL.to_string(),
                target: url.clone(),
                payload: json!({ "event": "clock_warning", "warning": warning }).to_string(),
                idempotency_key: format!(
                    "clock:{}:{}:{}:{}",
                    text(&warning["incident"]),
                    text(&warning["regime"]),
                    text(&warning["report"]),
                    text(&warning["level"])
                ),
                incident: Some(number),
            })
        })
        .collect()
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

/// The place a control hook's secret is sealed for (D28).
pub fn hook_secret_place(id: &str) -> String {
    format!("hook:{id}")
}

/// Where a queued webhook call goes and the key it is signed with.
async fn destination(
    state: &AppState,
    message: &OutboxMessage,
) -> Result<(String, String), String> {
    if message.channel == CLOCK_HOOK_CHANNEL {
        return state
            .clock_hooks
            .iter()
            .find(|hook| hook.url == message.target)
            .map(|hook| (hook.url.clone(), hook.secret.clone()))
            .ok_or_else(|| {
                "this clock webhook is no longer configured (serve --clock-webhook)".into()
            });
    }
    let id = message.target.clone();
    let hooks = state
        .run(|store| store.control_hooks(None))
        .await
        .map_err(|e| format!("the hook cannot be read: {e}"))?;
    let hook = hooks
        .into_iter()
        .find(|hook| hook.id == id)
        .ok_or_else(|| format!("hook {id} was deleted before the call went out"))?;
    let secret = if hook.secret.starts_with("v1:") {
        state
            .secrets
            .open(&hook.secret, &hook_secret_place(&hook.id))
            .map_err(|e| e.to_string())?
    } else {
        // Made before secrets were sealed at rest.
        hook.secret
    };
    Ok((hook.url, secret))
}

/// Makes one signed call of a queued webhook message (`hook:control`,
/// `hook:clock`); the outbox retries and records it.
pub async fn deliver(state: &AppState, message: &OutboxMessage) -> Result<(), String> {
    let (url, secret) = destination(state, message).await?;
    signed_post(
        &state.http,
        &url,
        &secret,
        &message.payload,
        &message.idempotency_key,
    )
    .await
}

/// POSTs `body` (JSON) to `url`, signed with `secret` as every Firebreak
/// webhook is (the module's header), with the outbox message's
/// `Idempotency-Key`; a 2xx answer is delivered.
pub async fn signed_post(
    http: &reqwest::Client,
    url: &str,
    secret: &str,
    body: &str,
    idempotency_key: &str,
) -> Result<(), String> {
    let timestamp = now().as_second();
    let sent = http
        .post(url)
        .header("content-type", "application/json")
        .header("x-firebreak-timestamp", timestamp.to_string())
        .header("x-firebreak-signature", signature(secret, timestamp, body))
        .header("idempotency-key", idempotency_key)
        .body(body.to_string())
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(format!("receiver answered {}", response.status())),
        Err(error) => Err(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures_are_hmac_sha256_over_timestamp_and_body() {
        // Computed independently with Python: hmac.new(b"key", b"1700000000.{}", sha256).
        assert_eq!(
            super::signature("key", 1700000000, "{}"),
            "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
    }
}
