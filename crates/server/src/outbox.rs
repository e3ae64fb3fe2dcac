//! Delivers the durable outbox (D26): every due message, whatever its
//! channel, goes out here on the scheduler's tick, and each attempt is
//! recorded with the store (on the incident's timeline for pages,
//! notices, role notifications and stakeholder updates). Witness
//! copies are retried until they arrive; a page gives up after
//! [`MAX_ATTEMPTS`], and the failure is on the incident.

use crate::notices::Failure;
use crate::state::{AppState, now};
use firebreak_store::{
    HOOK_CHANNEL_PREFIX, MAX_ATTEMPTS, NOTICE_CHANNEL_PREFIX, OutboxMessage, PAGE_CHANNEL_PREFIX,
    ROLE_CHANNEL_PREFIX, UPDATE_CHANNEL_PREFIX, WITNESS_CHANNEL,
};
use futures_util::StreamExt;
use std::time::Duration;

/// How many due messages one tick takes.
const BATCH: usize = 100;
/// How many of them are sent at once.
const IN_FLIGHT: usize = 16;
/// How many reads one tick makes at most, so a backlog drains in one tick
/// while the other jobs still get their turn.
const MAX_BATCHES: usize = 20;

/// The wait before attempt `attempts + 1`: doubling from a second, at most
/// five minutes.
pub fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(1u64 << attempts.min(8)).min(Duration::from_secs(300))
}

/// One attempt at `message`, and when to try again after a failure (None:
/// not again).
async fn attempt(
    state: &AppState,
    message: &OutboxMessage,
) -> (Result<Option<serde_json::Value>, String>, Option<Duration>) {
    let wait = backoff(message.attempts);
    let more_allowed = message.attempts + 1 < MAX_ATTEMPTS;
    if message.channel == WITNESS_CHANNEL {
        let outcome = crate::witness::deliver(state, message).await;
        return (outcome.map(|()| None), Some(wait));
    }
    if let Some(contact) = message.channel.strip_prefix(PAGE_CHANNEL_PREFIX) {
        let outcome = crate::paging::deliver(state, contact, message)
            .await
            .map(|()| None);
        return retried(outcome, wait, more_allowed);
    }
    if let Some(contact) = message.channel.strip_prefix(ROLE_CHANNEL_PREFIX) {
        let outcome = crate::paging::deliver_role(state, contact, message)
            .await
            .map(|()| None);
        return retried(outcome, wait, more_allowed);
    }
    if let Some(contact) = message.channel.strip_prefix(UPDATE_CHANNEL_PREFIX) {
        let outcome = crate::paging::deliver_update(state, contact, message)
            .await
            .map(|()| None);
        return retried(outcome, wait, more_allowed);
    }
    if message.channel.starts_with(HOOK_CHANNEL_PREFIX) {
        let outcome = crate::notify::deliver(state, message).await;
        return (outcome.map(|()| None), more_allowed.then_some(wait));
    }
    if message.channel.starts_with(NOTICE_CHANNEL_PREFIX) {
        let outcome = crate::notices::deliver(state, message).await;
        return retried(outcome, wait, more_allowed);
    }
    (Err(format!("unknown channel `{}`", message.channel)), None)
}

/// An attempt's outcome and when to try again: after the service's own
/// wait when it gave one (never sooner than the backoff), not at all when
/// the failure is final or the attempts are spent.
fn retried(
    outcome: Result<Option<serde_json::Value>, Failure>,
    wait: Duration,
    more_allowed: bool,
) -> (Result<Option<serde_json::Value>, String>, Option<Duration>) {
    match outcome {
        Ok(kept) => (Ok(kept), None),
        Err(failure) => {
            let again = (failure.retry && more_allowed)
                .then(|| failure.retry_after.map_or(wait, |after| after.max(wait)));
            (Err(failure.reason), again)
        }
    }
}

/// Sends every message that is due, several at once so that one slow
/// receiver does not hold up the pages behind it, and records each attempt.
/// Order holds where it matters: the store hands out a notice only once the
/// ones before it to the same channel about the same incident are done.
pub async fn deliver_due(state: &AppState) {
    for _ in 0..MAX_BATCHES {
        let due = match state.run(|store| store.due_messages(now(), BATCH)).await {
            Ok(due) => due,
            Err(error) => {
                tracing::error!(%error, "cannot read the outbox");
                return;
            }
        };
        if due.is_empty() {
            return;
        }
        // Read again even after a short batch: a message held back behind an
        // earlier one to the same receiver may be free now.
        futures_util::stream::iter(due)
            .for_each_concurrent(IN_FLIGHT, |message| deliver_one(state, message))
            .await;
    }
}

async fn deliver_one(state: &AppState, message: OutboxMessage) {
    let (outcome, again) = attempt(state, &message).await;
    if let Err(error) = &outcome {
        tracing::warn!(channel = %message.channel, %error, again = again.is_some(), "an outbox message was not delivered");
    }
    let retry_at = again.filter(|_| outcome.is_err()).map(|wait| {
        now() + jiff::SignedDuration::try_from(wait).unwrap_or(jiff::SignedDuration::from_secs(300))
    });
    let id = message.id;
    if let Err(error) = state
        .run(move |store| store.message_attempted(id, outcome, retry_at, now()))
        .await
    {
        tracing::error!(%error, "cannot record an outbox delivery");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_five_minutes() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(20), Duration::from_secs(256));
        assert!(backoff(20) <= Duration::from_secs(300));
    }
}
