//! Slack's Web API with a bot token (`Authorization: Bearer xoxb-…`): one
//! outbox message per step ([`SlackStep`]). `conversations.create` makes
//! the incident's channel, trying a numbered name while Slack answers
//! `name_taken`; the channel's id goes onto the incident's timeline with
//! that attempt, and the invites (`conversations.invite`) and posts
//! (`chat.postMessage`) after it read it from there. The outbox keeps the
//! steps to one workspace about one incident in order, so the channel
//! exists before anything is sent to it.
//!
//! Slack answers HTTP 200 with `{"ok": false, "error": …}` when it refuses:
//! rate limits and Slack's own faults are retried, anything else (a bad
//! token, a missing scope, an archived channel) is final.

use super::{Failure, refusal, without_url};
use crate::state::AppState;
use firebreak_core::oncall::{SlackStep, numbered_name};
use firebreak_core::timeline::EventKind;
use firebreak_store::{OutboxMessage, StoredChannel};
use serde::Deserialize;
use serde_json::{Value, json};

/// How many names `conversations.create` tries before giving up.
const MAX_NAME_TRIES: u32 = 20;

/// Slack's errors that are worth another try.
const TRANSIENT: [&str; 5] = [
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

/// Invite errors that leave the channel as wanted.
const ALREADY_THERE: [&str; 2] = ["already_in_channel", "cant_invite_self"];

/// What the store put in a Slack step's payload.
#[derive(Debug, Deserialize)]
struct Payload {
    incident: String,
    #[serde(flatten)]
    step: SlackStep,
}

/// Why Slack refused a call.
enum Refused {
    /// Slack's own error code, from an HTTP 200 answer.
    Said(String),
    Failed(Failure),
}

pub(super) async fn deliver(
    state: &AppState,
    stored: &StoredChannel,
    token: &str,
    message: &OutboxMessage,
    public_url: Option<&str>,
) -> Result<Option<Value>, Failure> {
    let payload: Payload = serde_json::from_str(&message.payload)
        .map_err(|e| Failure::final_(format!("the stored Slack step cannot be read: {e}")))?;
    let api = Api {
        http: &state.http,
        stored,
        token,
    };
    match payload.step {
        SlackStep::Create { name } => {
            for attempt in 1..=MAX_NAME_TRIES {
                let name = numbered_name(&name, attempt);
                let body = json!({ "name": name, "is_private": false });
                match api.call("conversations.create", &body).await {
                    Ok(answer) => {
                        let channel = &answer["channel"];
                        let id = channel["id"].as_str().filter(|id| !id.is_empty());
                        let Some(id) = id else {
                            return Err(Failure::final_("Slack created a channel but named no id"));
                        };
                        let name = channel["name"].as_str().unwrap_or(&name);
                        return Ok(Some(json!({ "slack_channel": { "id": id, "name": name } })));
                    }
                    Err(Refused::Said(error)) if error == "name_taken" => continue,
                    Err(refused) => return Err(failure(refused)),
                }
            }
            Err(Failure::final_(format!(
                "Slack: the names {name} to {} are all taken",
                numbered_name(&name, MAX_NAME_TRIES)
            )))
        }
        SlackStep::Invite { users } => {
            let channel = created_channel(state, &payload.incident, &stored.channel.slug).await?;
            let body = json!({ "channel": channel, "users": users.join(",") });
            match api.call("conversations.invite", &body).await {
                Ok(_) => Ok(None),
                Err(Refused::Said(error)) if ALREADY_THERE.contains(&error.as_str()) => Ok(None),
                Err(refused) => Err(failure(refused)),
            }
        }
        SlackStep::Post { text, link } => {
            let channel = created_channel(state, &payload.incident, &stored.channel.slug).await?;
            let text = match public_url.filter(|_| link) {
                Some(url) => format!(
                    "{text}\n{}/incidents/{}",
                    url.trim_end_matches('/'),
                    payload.incident
                ),
                None => text,
            };
            let body = json!({ "channel": channel, "text": text });
            match api.call("chat.postMessage", &body).await {
                Ok(_) => Ok(None),
                Err(refused) => Err(failure(refused)),
            }
        }
    }
}

/// The id of the Slack channel created for `incident` on the outbound
/// channel `slug`, as its creation was recorded on the incident's timeline.
async fn created_channel(state: &AppState, incident: &str, slug: &str) -> Result<String, Failure> {
    let stream = incident.to_string();
    let events = state
        .run(move |store| store.events(&stream))
        .await
        .map_err(|e| Failure::transient(format!("the incident's timeline cannot be read: {e}")))?;
    events
        .iter()
        .rev()
        .filter(|e| e.kind == EventKind::NoticeAttempt && e.body["channel"] == slug)
        .find_map(|e| e.body["slack_channel"]["id"].as_str().map(str::to_string))
        .ok_or_else(|| {
            Failure::final_(format!(
                "no Slack channel was created for {incident} on {slug}"
            ))
        })
}

/// One workspace's Web API.
struct Api<'a> {
    http: &'a reqwest::Client,
    stored: &'a StoredChannel,
    token: &'a str,
}

impl Api<'_> {
    /// Calls `method`; answers Slack's answer when it says `ok`.
    async fn call(&self, method: &str, body: &Value) -> Result<Value, Refused> {
        let base = self.stored.channel.endpoint().unwrap_or_default();
        let url = format!("{}/{method}", base.trim_end_matches('/'));
        let response = self
            .http
            .post(url)
            .bearer_auth(self.token)
            .json(body)
            .send()
            .await
            .map_err(|e| {
                Refused::Failed(Failure::transient(format!("Slack: {}", without_url(&e))))
            })?;
        if !response.status().is_success() {
            return Err(Refused::Failed(refusal(self.stored, response).await));
        }
        let answer: Value = response.json().await.map_err(|e| {
            Refused::Failed(Failure::transient(format!(
                "Slack's answer to {method} cannot be read: {e}"
            )))
        })?;
        if answer["ok"] == true {
            return Ok(answer);
        }
        let error = answer["error"].as_str().unwrap_or("no error named");
        Err(Refused::Said(error.to_string()))
    }
}

/// Whether Slack's refusal is worth another try: its rate limit and its own
/// faults are; a bad token, a missing scope or an unknown channel is not.
fn failure(refused: Refused) -> Failure {
    match refused {
        Refused::Said(error) if TRANSIENT.contains(&error.as_str()) => {
            Failure::transient(format!("Slack answered {error}"))
        }
        Refused::Said(error) => Failure::final_(format!("Slack answered {error}")),
        Refused::Failed(failure) => failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_errors_are_retried_only_for_rate_limits_and_slacks_own_faults() {
        for error in ["ratelimited", "internal_error", "service_unavailable"] {
            let failure = failure(Refused::Said(error.into()));
            assert!(failure.retry, "{error}");
            assert_eq!(failure.reason, format!("Slack answered {error}"));
        }
        for error in [
            "invalid_auth",
            "not_authed",
            "channel_not_found",
            "missing_scope",
            "is_archived",
        ] {
            assert!(!failure(Refused::Said(error.into())).retry, "{error}");
        }
    }
}
