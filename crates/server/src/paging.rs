//! Paging (D26, D31): the scheduler's escalation job and the delivery of
//! page messages. Whom a due step reaches and by what is decided by
//! `firebreak_core::oncall` ([`oncall::due_now`], [`oncall::page_step`]);
//! this module passes `now` in, has the store record the step with its
//! messages in the outbox in one transaction (the store works out when to
//! look again from the plan it holds, [`oncall::next_due`]), and sends
//! those messages when the outbox hands them over: email over SMTP
//! (`email.rs`), Slack direct messages through `chat.postMessage`
//! (`slack.rs`), signed JSON to a user's webhook (`crate::notify::signed_post`) and text
//! messages through the deployment's SMS provider (`sms.rs`); role
//! notifications go out by the same four, stakeholder updates by email and
//! Slack.

mod email;
mod slack;
mod sms;

use crate::notices::Failure;
use crate::state::{AppState, now};
use firebreak_core::oncall;
use firebreak_store::{OutboxMessage, PageState};
use serde::Deserialize;
use serde_json::json;

pub use email::SmtpSettings;
pub use slack::SlackSettings;

/// Where pages go; a channel that is not set up fails each attempt with a
/// reason the incident's timeline shows.
#[derive(Debug, Clone, Default)]
pub struct PageChannels {
    pub smtp: Option<SmtpSettings>,
    pub slack: Option<SlackSettings>,
    /// How people reach this server, for the incident's link and the
    /// signed acknowledgement link in each message.
    pub public_url: Option<String>,
    /// The key pages to users' webhooks are signed with: the data
    /// directory's webhook secret, as for clock webhooks.
    pub webhook_secret: Option<String>,
}

impl PageChannels {
    /// The incident's page on this server, when it knows its public URL.
    fn incident_link(&self, incident: &str) -> Option<String> {
        self.public_url
            .as_deref()
            .map(|url| format!("{}/incidents/{incident}", url.trim_end_matches('/')))
    }
}

/// Why a page message of an acknowledged or resolved incident was not sent.
pub const WITHDRAWN: &str = "withdrawn: the page was acknowledged or resolved";

/// How many escalations one read takes.
const BATCH: usize = 100;
/// How many reads one tick makes at most: a thousand incidents due at once
/// are all paged in the same tick, not 100 every half second.
const MAX_BATCHES: usize = 50;

/// Pages every step that is due and records what is left.
pub async fn escalate_due(state: &AppState) {
    let at = now();
    let mut config = None;
    for _ in 0..MAX_BATCHES {
        let due = match state.run(move |store| store.due_pages(at, BATCH)).await {
            Ok(due) if due.is_empty() => return,
            Ok(due) => due,
            Err(error) => {
                tracing::error!(%error, "cannot read due escalations");
                return;
            }
        };
        if config.is_none() {
            match state.run(|store| store.oncall()).await {
                Ok(read) => config = Some(read),
                Err(error) => {
                    tracing::error!(%error, "cannot read the on-call configuration");
                    return;
                }
            }
        }
        let Some(config) = &config else { return };
        let full = due.len() == BATCH;
        for page in due {
            let number = page.incident.number;
            let steps = plan_now(&page, config, at);
            if let Err(error) = state
                .run(move |store| store.record_pages(number, &steps, at))
                .await
            {
                // Left due: the next tick tries again, this one stops here.
                tracing::error!(%error, incident = number, "cannot record a page");
                return;
            }
        }
        if !full {
            return;
        }
    }
}

/// The steps of `page` to send at `at`.
fn plan_now(
    page: &PageState,
    config: &firebreak_store::OncallConfig,
    at: firebreak_core::Timestamp,
) -> Vec<oncall::StepPage> {
    let acknowledged = page.incident.times.acknowledged_at;
    let over = oncall::escalation_over(&page.incident);
    oncall::due_now(&page.plan, acknowledged, over, &page.sent, at)
        .iter()
        .map(|step| oncall::page_step(step, &config.schedules, &config.teams, &config.contacts))
        .collect()
}

/// What the store put in a page message's payload.
#[derive(Debug, Deserialize)]
struct PagePayload {
    incident: String,
    title: String,
    severity: firebreak_core::incident::Severity,
    systems: Vec<String>,
    step: oncall::StepKey,
    notification: oncall::Notification,
}

impl PagePayload {
    fn subject(&self) -> String {
        format!(
            "[Firebreak] {} {}: {}",
            self.incident,
            self.severity.as_str().to_uppercase(),
            self.title
        )
    }

    /// The message's text: what, where, and how to take the page (the
    /// signed link `ack_link`, when the server knows its public URL).
    fn text(&self, public_url: Option<&str>, ack_link: Option<&str>) -> String {
        let open = public_url
            .map(|url| {
                format!(
                    "\nOpen it: {}/incidents/{}",
                    url.trim_end_matches('/'),
                    self.incident
                )
            })
            .unwrap_or_default();
        let by_link = ack_link
            .map(|link| format!("\nAcknowledge with this one-time link: {link}"))
            .unwrap_or_default();
        format!(
            "You are paged for {} ({}, systems: {}), escalation level {} round {}.\n\
             Acknowledge to stop escalation: firebreak oncall ack {}{by_link}{open}\n",
            self.incident,
            self.severity.as_str().to_uppercase(),
            self.systems.join(", "),
            self.step.level + 1,
            self.step.round + 1,
            self.incident,
        )
    }

    /// The page as a webhook's JSON body.
    fn json(&self, incident_link: Option<&str>, ack_link: Option<&str>) -> String {
        json!({
            "event": "page",
            "incident": self.incident,
            "title": self.title,
            "severity": self.severity,
            "systems": self.systems,
            "step": self.step,
            "user": self.notification.user,
            "rule": self.notification.rule,
            "url": incident_link,
            "ack_url": ack_link,
        })
        .to_string()
    }
}

/// The signed one-time acknowledgement link for the paged person of
/// `payload` (see [`oncall::AckClaim`]).
async fn ack_link(
    state: &AppState,
    public_url: &str,
    incident: u64,
    payload: &PagePayload,
) -> Result<String, String> {
    let claim = oncall::AckClaim::for_notification(incident, payload.step, &payload.notification);
    let signer = state.signer.clone();
    // A signing command may take its time: off the async workers.
    let token = tokio::task::spawn_blocking(move || claim.token(&signer))
        .await
        .map_err(|e| format!("the acknowledgement link cannot be signed: {e}"))?
        .map_err(|e| format!("the acknowledgement link cannot be signed: {e}"))?;
    Ok(format!("{}/ack/{token}", public_url.trim_end_matches('/')))
}

/// Sends one page message by `contact` (`email`, `slack`, `webhook`,
/// `sms_webhook`).
pub async fn deliver(
    state: &AppState,
    contact: &str,
    message: &OutboxMessage,
) -> Result<(), Failure> {
    let payload: PagePayload = serde_json::from_str(&message.payload)
        .map_err(|e| Failure::final_(format!("the stored page cannot be read: {e}")))?;
    if let Some(number) = message.incident {
        let incident = state
            .run(move |store| store.get_incident(number))
            .await
            .map_err(|e| Failure::transient(format!("the incident cannot be read: {e}")))?;
        if oncall::page_stopped(&incident, now()) {
            return Err(Failure::final_(WITHDRAWN));
        }
    }
    let channels = &state.page_channels;
    let public_url = channels.public_url.as_deref();
    let link = match (public_url, message.incident) {
        (Some(url), Some(number)) => Some(
            ack_link(state, url, number, &payload)
                .await
                .map_err(Failure::transient)?,
        ),
        _ => None,
    };
    let text = match contact {
        "webhook" => {
            let open = channels.incident_link(&payload.incident);
            Message::Json(payload.json(open.as_deref(), link.as_deref()))
        }
        "sms_webhook" => Message::Short(oncall::sms_text(
            &payload.incident,
            payload.severity,
            &payload.title,
            link.as_deref(),
        )),
        _ => Message::Text {
            subject: payload.subject(),
            text: payload.text(public_url, link.as_deref()),
        },
    };
    send(state, contact, message, text).await
}

/// What the store put in a role notification's payload.
#[derive(Debug, Deserialize)]
struct RolePayload {
    incident: String,
    title: String,
    severity: firebreak_core::incident::Severity,
    kind: firebreak_core::incident::IncidentKind,
    role: firebreak_core::incident::CommandRole,
    user: String,
}

impl RolePayload {
    fn role(&self) -> String {
        self.role.as_str().replace('_', " ")
    }

    fn subject(&self) -> String {
        use firebreak_core::incident::IncidentKind;
        let drill = match self.kind {
            IncidentKind::Real => "",
            IncidentKind::Drill => " (drill)",
            IncidentKind::Test => " (test)",
        };
        format!(
            "[Firebreak] You are {} of {}{drill}",
            self.role(),
            self.incident
        )
    }

    fn text(&self, public_url: Option<&str>) -> String {
        let open = public_url
            .map(|url| {
                format!(
                    " Open it: {}/incidents/{}",
                    url.trim_end_matches('/'),
                    self.incident
                )
            })
            .unwrap_or_default();
        format!(
            "You are now {} of {} ({}, {}).{open}\n",
            self.role(),
            self.incident,
            self.severity.as_str().to_uppercase(),
            self.title,
        )
    }
}

impl RolePayload {
    /// The notification as a webhook's JSON body.
    fn json(&self, incident_link: Option<&str>) -> String {
        json!({
            "event": "role",
            "incident": self.incident,
            "title": self.title,
            "severity": self.severity,
            "kind": self.kind,
            "role": self.role,
            "user": self.user,
            "url": incident_link,
        })
        .to_string()
    }
}

/// Tells someone of the role they were given, by `contact` (as pages go).
pub async fn deliver_role(
    state: &AppState,
    contact: &str,
    message: &OutboxMessage,
) -> Result<(), Failure> {
    let payload: RolePayload = serde_json::from_str(&message.payload).map_err(|e| {
        Failure::final_(format!("the stored role notification cannot be read: {e}"))
    })?;
    let channels = &state.page_channels;
    let open = channels.incident_link(&payload.incident);
    let text = match contact {
        "webhook" => Message::Json(payload.json(open.as_deref())),
        "sms_webhook" => Message::Short(oncall::sms_text(
            &payload.incident,
            payload.severity,
            &format!("you are {}. {}", payload.role(), payload.title),
            open.as_deref(),
        )),
        _ => Message::Text {
            subject: payload.subject(),
            text: payload.text(channels.public_url.as_deref()),
        },
    };
    send(state, contact, message, text).await
}

/// What the store put in a stakeholder update's message payload.
#[derive(Debug, Deserialize)]
struct UpdatePayload {
    subject: String,
    body: String,
}

/// Sends a stakeholder update to one recipient by `contact` (`email`,
/// `slack`), as it was approved: the text is the payload's, queued when it
/// was sent.
pub async fn deliver_update(
    state: &AppState,
    contact: &str,
    message: &OutboxMessage,
) -> Result<(), Failure> {
    let payload: UpdatePayload = serde_json::from_str(&message.payload).map_err(|e| {
        Failure::final_(format!("the stored stakeholder update cannot be read: {e}"))
    })?;
    let text = Message::Text {
        subject: payload.subject,
        text: payload.body,
    };
    send(state, contact, message, text).await
}

/// A message in the form its contact method takes.
enum Message {
    /// Email and Slack: a subject and a text.
    Text { subject: String, text: String },
    /// A webhook's JSON body.
    Json(String),
    /// A text message, kept short.
    Short(String),
}

/// Sends `text` to the message's target by `contact`. Email, Slack and
/// webhook failures are retried; an SMS provider's refusal of the request
/// is final (`sms.rs`).
async fn send(
    state: &AppState,
    contact: &str,
    message: &OutboxMessage,
    text: Message,
) -> Result<(), Failure> {
    let channels = &state.page_channels;
    match (contact, text) {
        ("email", Message::Text { subject, text }) => {
            let smtp = channels
                .smtp
                .as_ref()
                .ok_or_else(|| Failure::transient("no SMTP server is set up (serve --smtp-url)"))?;
            email::send(smtp, message, &subject, &text)
                .await
                .map_err(Failure::transient)
        }
        ("slack", Message::Text { subject, text }) => {
            let slack = channels
                .slack
                .as_ref()
                .ok_or_else(|| Failure::transient("Slack is not set up (serve --slack-token)"))?;
            slack::send(&state.http, slack, message, &subject, &text)
                .await
                .map_err(Failure::transient)
        }
        ("webhook", Message::Json(body)) => {
            let secret = channels
                .webhook_secret
                .as_deref()
                .ok_or_else(|| Failure::transient("no webhook secret is set up"))?;
            let sent = crate::notify::signed_post(
                &state.http,
                &message.target,
                secret,
                &body,
                &message.idempotency_key,
            )
            .await;
            sent.map_err(Failure::transient)
        }
        ("sms_webhook", Message::Short(text)) => sms::send(state, message, &text).await,
        (other, _) => Err(Failure::final_(format!("no page channel `{other}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(kind: &str) -> RolePayload {
        serde_json::from_value(serde_json::json!({
            "incident": "INC-4", "title": "Scores all zero", "severity": "sev1",
            "kind": kind, "role": "legal_liaison", "user": "dave", "contact": "email",
        }))
        .unwrap()
    }

    #[test]
    fn a_role_notification_names_the_role_the_incident_and_its_link() {
        let real = role("real");
        assert_eq!(real.subject(), "[Firebreak] You are legal liaison of INC-4");
        assert_eq!(
            real.text(Some("https://fb.example/")),
            "You are now legal liaison of INC-4 (SEV1, Scores all zero). \
             Open it: https://fb.example/incidents/INC-4\n"
        );
        assert!(!real.text(None).contains("Open it"));
        assert_eq!(
            role("drill").subject(),
            "[Firebreak] You are legal liaison of INC-4 (drill)"
        );
    }
}
