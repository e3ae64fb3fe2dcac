//! The one outbound notifier (D1): webhooks signed with HMAC-SHA256, retried
//! with exponential backoff, each attempt and its result recorded on the
//! incident's timeline. Used for control hooks now; clock warnings and paging
//! will use it too.
//!
//! The signature header is `X-Firebreak-Signature: sha256=<hex>` over
//! `<timestamp>.<body>`, with the Unix timestamp in `X-Firebreak-Timestamp`, so
//! a receiver can reject replays.

use crate::state::{AppState, now};
use firebreak_core::control::{ControlState, Namespace};
use firebreak_core::incident::parse_public_id;
use firebreak_core::timeline::{EventKind, hex};
use firebreak_store::ControlHook;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

pub const MAX_ATTEMPTS: u32 = 5;

pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// Announces a committed control change to stream readers and, in production
/// only (D11), to the system's hooks in the background.
pub fn control_changed(state: &AppState, change: ControlState) {
    state.caches.remember_control(change.clone());
    // No stream reader listening is not an error.
    let _ = state.control_changes.send(change.clone());
    if change.namespace != Namespace::Production {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let system = change.system.clone();
        match state
            .run(move |store| store.control_hooks(Some(&system)))
            .await
        {
            Ok(hooks) => {
                for hook in hooks {
                    tokio::spawn(deliver(state.clone(), hook, change.clone()));
                }
            }
            Err(error) => tracing::error!(%error, "cannot load control hooks"),
        }
    });
}

async fn deliver(state: AppState, hook: ControlHook, change: ControlState) {
    let body = json!({ "event": "control_changed", "hook": hook.id, "state": change }).to_string();
    let mut delay = state.hook_backoff;
    for attempt in 1..=MAX_ATTEMPTS {
        let timestamp = now().as_second();
        let sent = state
            .http
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("x-firebreak-timestamp", timestamp.to_string())
            .header(
                "x-firebreak-signature",
                signature(&hook.secret, timestamp, &body),
            )
            .body(body.clone())
            .send()
            .await;
        let (delivered, result) = match sent {
            Ok(response) if response.status().is_success() => {
                (true, format!("delivered ({})", response.status()))
            }
            Ok(response) => (
                false,
                format!("failed: receiver answered {}", response.status()),
            ),
            Err(error) => (false, format!("failed: {error}")),
        };
        record_attempt(&state, &hook, &change, attempt, &result).await;
        if delivered {
            return;
        }
        if attempt < MAX_ATTEMPTS {
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
    }
    tracing::warn!(hook = %hook.id, url = %hook.url, "control hook gave up after {MAX_ATTEMPTS} attempts");
}

async fn record_attempt(
    state: &AppState,
    hook: &ControlHook,
    change: &ControlState,
    attempt: u32,
    result: &str,
) {
    let Some(number) = change
        .incident
        .as_deref()
        .and_then(|id| parse_public_id(id).ok())
    else {
        tracing::info!(hook = %hook.id, attempt, result, "control hook attempt");
        return;
    };
    let body = json!({
        "hook": hook.id, "url": hook.url, "system": change.system, "control_version": change.version,
        "attempt": attempt, "of": MAX_ATTEMPTS, "result": result,
    });
    let recorded = state
        .run(move |store| {
            let at = now();
            store.change_incident(
                number,
                &mut |i, _| {
                    Ok(i.record_event(EventKind::HookAttempt, body.clone(), "firebreak", at))
                },
                at,
            )
        })
        .await;
    if let Err(error) = recorded {
        tracing::error!(%error, "cannot record a hook attempt");
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
