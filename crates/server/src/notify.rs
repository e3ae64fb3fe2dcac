//! The one outbound notifier (D1): webhooks signed with HMAC-SHA256, retried
//! with exponential backoff, each attempt and its result recorded on the
//! incident's timeline. Used for control hooks and regulatory clock warnings.
//!
//! The signature header is `X-Firebreak-Signature: sha256=<hex>` over
//! `<timestamp>.<body>`, with the Unix timestamp in `X-Firebreak-Timestamp`, so
//! a receiver can reject replays.

use crate::state::{AppState, Caches, now};
use firebreak_core::control::{ControlState, Namespace};
use firebreak_core::incident::parse_public_id;
use firebreak_core::timeline::{EventKind, hex};
use firebreak_store::ControlHook;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use tokio::sync::broadcast;

pub const MAX_ATTEMPTS: u32 = 5;

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

/// Announces a committed control change to stream readers and, in production
/// only (D11), to the system's hooks in the background.
pub fn control_changed(state: &AppState, change: ControlState) {
    control_seen(&state.caches, &state.control_changes, change.clone());
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

/// One webhook call to make: where, signed with what, about which incident.
struct Delivery {
    hook: String,
    url: String,
    secret: String,
    body: String,
    /// The incident whose timeline records each attempt.
    incident: Option<u64>,
    /// What the attempt record says the call was about.
    about: serde_json::Value,
}

async fn deliver(state: AppState, hook: ControlHook, change: ControlState) {
    let body = json!({ "event": "control_changed", "hook": hook.id, "state": change }).to_string();
    let delivery = Delivery {
        about: json!({ "system": change.system, "control_version": change.version }),
        incident: change
            .incident
            .as_deref()
            .and_then(|id| parse_public_id(id).ok()),
        hook: hook.id,
        url: hook.url,
        secret: hook.secret,
        body,
    };
    send(state, delivery).await;
}

/// Sends a clock warning to every clock webhook, as `clock_warning`.
pub async fn clock_warning(state: AppState, incident: u64, warning: serde_json::Value) {
    for (index, hook) in state.clock_hooks.iter().enumerate() {
        let body = json!({ "event": "clock_warning", "warning": warning }).to_string();
        let delivery = Delivery {
            hook: format!("clock-webhook-{}", index + 1),
            url: hook.url.clone(),
            secret: hook.secret.clone(),
            body,
            incident: Some(incident),
            about: json!({ "regime": warning["regime"], "report": warning["report"], "level": warning["level"] }),
        };
        tokio::spawn(send(state.clone(), delivery));
    }
}

async fn send(state: AppState, delivery: Delivery) {
    let mut delay = state.hook_backoff;
    for attempt in 1..=MAX_ATTEMPTS {
        let timestamp = now().as_second();
        let sent = state
            .http
            .post(&delivery.url)
            .header("content-type", "application/json")
            .header("x-firebreak-timestamp", timestamp.to_string())
            .header(
                "x-firebreak-signature",
                signature(&delivery.secret, timestamp, &delivery.body),
            )
            .body(delivery.body.clone())
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
        record_attempt(&state, &delivery, attempt, &result).await;
        if delivered {
            return;
        }
        if attempt < MAX_ATTEMPTS {
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
    }
    tracing::warn!(hook = %delivery.hook, url = %delivery.url, "webhook gave up after {MAX_ATTEMPTS} attempts");
}

async fn record_attempt(state: &AppState, delivery: &Delivery, attempt: u32, result: &str) {
    let Some(number) = delivery.incident else {
        tracing::info!(hook = %delivery.hook, attempt, result, "webhook attempt");
        return;
    };
    let mut body = json!({
        "hook": delivery.hook, "url": delivery.url,
        "attempt": attempt, "of": MAX_ATTEMPTS, "result": result,
    });
    if let (Some(body), Some(about)) = (body.as_object_mut(), delivery.about.as_object()) {
        body.extend(about.clone());
    }
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
        tracing::error!(%error, "cannot record a webhook attempt");
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
