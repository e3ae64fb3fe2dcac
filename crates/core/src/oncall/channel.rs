//! Outbound channels: where an organisation hears of incidents beyond the
//! people paged (a Microsoft Teams channel, a PagerDuty service, Opsgenie),
//! and which changes of an incident each channel is told of ([`notices`]).
//! The server seals the channel's credential (D28) and delivers through the
//! outbox (D26); deciding what to say is pure and lives here.

use super::{Faults, OncallError};
use crate::incident::{Incident, Severity};
use crate::system::validate_slug;
use crate::timeline::{EventDraft, EventKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The longest credential kept: webhook URLs with their signatures fit.
pub const MAX_CREDENTIAL: usize = 2_048;

/// The services a channel speaks to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// A Microsoft Teams incoming webhook; the credential is its URL.
    Teams,
    /// A Slack incoming webhook: notices are posted to the one Slack
    /// channel the webhook belongs to; the credential is its URL.
    SlackWebhook,
    /// A PagerDuty service through Events API v2; the credential is the
    /// integration's routing key.
    Pagerduty,
    /// Opsgenie's Alert API; the credential is an API integration key.
    Opsgenie,
    /// The deployment's SMS provider, speaking Twilio's Messages API: it
    /// texts pages to users' phones and hears of no incident itself. The
    /// credential is the account's auth token; `account` (the Account SID)
    /// and `from` (the sending number) go with it.
    Twilio,
    /// A Slack workspace through the Web API with a bot token (`xoxb-…`):
    /// each incident gets its own Slack channel, its role holders are
    /// invited and its key moments posted there ([`super::slack`]).
    Slack,
    /// A GitHub repository's issues, as a tracker for action items; the
    /// credential is a token that may write issues, `project` the
    /// repository (`owner/name`).
    Github,
    /// A Jira project, as a tracker for action items (REST API v3); the
    /// credential is `email:api-token` (Jira Cloud) or a personal access
    /// token, `project` the project key, `endpoint` the site.
    Jira,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Teams => "teams",
            ChannelKind::SlackWebhook => "slack_webhook",
            ChannelKind::Pagerduty => "pagerduty",
            ChannelKind::Opsgenie => "opsgenie",
            ChannelKind::Twilio => "twilio",
            ChannelKind::Slack => "slack",
            ChannelKind::Github => "github",
            ChannelKind::Jira => "jira",
        }
    }

    /// The service's endpoint when the channel names none.
    pub fn default_endpoint(self) -> Option<&'static str> {
        match self {
            ChannelKind::Teams | ChannelKind::SlackWebhook | ChannelKind::Jira => None,
            ChannelKind::Github => Some("https://api.github.com"),
            ChannelKind::Pagerduty => Some("https://events.pagerduty.com/v2/enqueue"),
            ChannelKind::Opsgenie => Some("https://api.opsgenie.com"),
            ChannelKind::Twilio => Some("https://api.twilio.com"),
            ChannelKind::Slack => Some("https://slack.com/api"),
        }
    }

    /// Whether the channel is told of incidents ([`notices`]); an SMS
    /// provider only carries pages, a tracker only action items.
    pub fn hears_incidents(self) -> bool {
        !matches!(self, ChannelKind::Twilio) && !self.is_tracker()
    }

    /// A ticket system action items are tracked in.
    pub fn is_tracker(self) -> bool {
        matches!(self, ChannelKind::Github | ChannelKind::Jira)
    }
}

/// A channel as configured, without its credential: what the API shows and
/// what decides which incidents it hears of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub slug: String,
    pub kind: ChannelKind,
    /// Systems whose incidents it hears of; empty for every system.
    #[serde(default)]
    pub systems: Vec<String>,
    /// The least severe incident it hears of (default: every severity).
    #[serde(default = "least_severe")]
    pub min_severity: Severity,
    /// The service's endpoint, for a regional or self-hosted one (e.g.
    /// `https://api.eu.opsgenie.com`); Teams takes it from the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The provider's account id (Twilio's Account SID, `AC…`); only for
    /// an SMS provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The number texts are sent from, in E.164 form; only for an SMS
    /// provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// A tracker's project: GitHub's `owner/name`, Jira's project key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

/// The longest account id kept (a Twilio Account SID has 34 characters).
const MAX_ACCOUNT: usize = 64;

fn least_severe() -> Severity {
    Severity::Sev4
}

impl Channel {
    /// Refuses a bad slug, an endpoint that is not http(s), a Teams
    /// channel with an endpoint, and an SMS provider without its account
    /// and sending number (or another kind with them), each named by its
    /// field.
    pub fn validate(&self) -> Result<(), OncallError> {
        let mut faults = Faults::default();
        if let Err(error) = validate_slug(&self.slug) {
            faults.push("slug", error.to_string());
        }
        for (i, system) in self.systems.iter().enumerate() {
            if validate_slug(system).is_err() {
                faults.push(format!("systems[{i}]"), "not a system slug");
            }
        }
        match (&self.endpoint, self.kind) {
            (Some(_), ChannelKind::Teams) => faults.push(
                "endpoint",
                "a Teams channel posts to its webhook URL, given as the credential",
            ),
            (Some(_), ChannelKind::SlackWebhook) => faults.push(
                "endpoint",
                "a Slack webhook channel posts to its webhook URL, given as the credential",
            ),
            (Some(url), _) if !is_http_url(url) => {
                faults.push("endpoint", "must be an http:// or https:// URL")
            }
            _ => {}
        }
        if self.kind == ChannelKind::Twilio {
            let account_ok = self.account.as_deref().is_some_and(|a| {
                !a.is_empty()
                    && a.len() <= MAX_ACCOUNT
                    && a.bytes().all(|b| b.is_ascii_alphanumeric())
            });
            if !account_ok {
                faults.push(
                    "account",
                    "an SMS provider needs its account id (Twilio's Account SID, AC…): letters and digits",
                );
            }
            if !self.from.as_deref().is_some_and(super::page::is_e164) {
                faults.push(
                    "from",
                    "an SMS provider needs the number it sends from, in E.164 form (+15005550006)",
                );
            }
        } else {
            for (field, value) in [("account", &self.account), ("from", &self.from)] {
                if value.is_some() {
                    faults.push(field, "only an SMS provider (kind twilio) takes it");
                }
            }
        }
        self.check_project(&mut faults);
        faults.into_result()
    }

    /// A tracker needs its project, in the tracker's form; no other kind
    /// takes one.
    fn check_project(&self, faults: &mut Faults) {
        let project = self.project.as_deref();
        match self.kind {
            ChannelKind::Github => {
                let repository = project.and_then(|p| p.split_once('/'));
                let part_ok = |part: &str| {
                    !part.is_empty()
                        && part.len() <= 100
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                };
                if !repository.is_some_and(|(owner, name)| part_ok(owner) && part_ok(name)) {
                    faults.push(
                        "project",
                        "a GitHub tracker needs its repository as owner/name (acme/ml-fixes)",
                    );
                }
            }
            ChannelKind::Jira => {
                let key_ok = project.is_some_and(|key| {
                    (2..=10).contains(&key.len())
                        && key.starts_with(|c: char| c.is_ascii_uppercase())
                        && key
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                });
                if !key_ok {
                    faults.push(
                        "project",
                        "a Jira tracker needs its project key: 2–10 capitals, digits or _ (ML)",
                    );
                }
                if self.endpoint.is_none() {
                    faults.push(
                        "endpoint",
                        "a Jira tracker needs its site (https://acme.atlassian.net)",
                    );
                }
            }
            _ if project.is_some() => {
                faults.push("project", "only a tracker (kind github or jira) takes it")
            }
            _ => {}
        }
    }

    /// Checks the credential for this kind of channel.
    pub fn validate_credential(&self, credential: &str) -> Result<(), OncallError> {
        let mut faults = Faults::default();
        let credential = credential.trim();
        if credential.is_empty() {
            faults.push("credential", "is required");
        } else if credential.len() > MAX_CREDENTIAL {
            faults.push("credential", format!("at most {MAX_CREDENTIAL} characters"));
        } else if self.kind == ChannelKind::Teams && !is_http_url(credential) {
            faults.push(
                "credential",
                "a Teams channel's credential is its incoming-webhook URL (https://…)",
            );
        } else if self.kind == ChannelKind::SlackWebhook && !is_http_url(credential) {
            faults.push(
                "credential",
                "a Slack webhook channel's credential is its incoming-webhook URL (https://hooks.slack.com/services/…)",
            );
        } else if self.kind == ChannelKind::Slack && !credential.starts_with("xoxb-") {
            faults.push(
                "credential",
                "a Slack channel's credential is a bot token (xoxb-…)",
            );
        } else if credential
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            faults.push("credential", "must not hold spaces or control characters");
        }
        faults.into_result()
    }

    /// Where requests go: the endpoint, or the kind's default.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint
            .as_deref()
            .or_else(|| self.kind.default_endpoint())
    }

    /// Whether the channel hears of `incident` at `severity`.
    pub(super) fn hears_of(&self, incident: &Incident, severity: Severity) -> bool {
        self.kind.hears_incidents()
            && severity <= self.min_severity
            && (self.systems.is_empty()
                || incident.systems.iter().any(|s| self.systems.contains(s)))
    }
}

pub(super) fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// What a channel is told of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeAction {
    /// Declared: open an alert.
    Trigger,
    /// The severity changed: update it.
    Update,
    /// Someone took the page.
    Acknowledge,
    /// Recovered or closed: resolve the alert.
    Resolve,
}

impl NoticeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeAction::Trigger => "trigger",
            NoticeAction::Update => "update",
            NoticeAction::Acknowledge => "acknowledge",
            NoticeAction::Resolve => "resolve",
        }
    }
}

/// One message to one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub channel: String,
    pub action: NoticeAction,
    /// Unique per incident, channel and occasion: the outbox sends each once.
    pub idempotency_key: String,
}

/// The severity an event changed the incident from, when it is a severity
/// change.
pub(super) fn severity_changed_from(kind: EventKind, body: &serde_json::Value) -> Option<Severity> {
    (kind == EventKind::FieldChanged && body["field"] == "severity")
        .then(|| serde_json::from_value(body["from"].clone()).ok())
        .flatten()
}

/// The notices a change of `incident` (now as `events` left it) gives the
/// channels that hear of it, in channel order. A severity change triggers
/// where the incident is heard of only now, and updates where it was heard
/// of before.
pub fn notices(channels: &[Channel], incident: &Incident, events: &[EventDraft]) -> Vec<Notice> {
    let id = &incident.public_id();
    let declared = events.iter().any(|e| e.kind == EventKind::Declared);
    let severity_before = events
        .iter()
        .find_map(|e| severity_changed_from(e.kind, &e.body));
    let acknowledged = events.iter().any(|e| e.kind == EventKind::PageAcknowledged);
    let ended = super::escalation_over(incident).is_some()
        && events
            .iter()
            .any(|e| matches!(e.kind, EventKind::StatusChanged | EventKind::TimeChanged));
    let mut found = Vec::new();
    // A Slack workspace hears of more than these actions ([`super::slack`]).
    for channel in channels.iter().filter(|c| c.kind != ChannelKind::Slack) {
        let heard_now = channel.hears_of(incident, incident.severity);
        let heard_before = severity_before.map(|before| channel.hears_of(incident, before));
        let mut actions = Vec::new();
        match heard_before {
            _ if declared && heard_now => actions.push(NoticeAction::Trigger),
            Some(false) if heard_now => actions.push(NoticeAction::Trigger),
            Some(true) => actions.push(NoticeAction::Update),
            _ => {}
        }
        let heard = heard_now || heard_before == Some(true);
        if acknowledged && heard {
            actions.push(NoticeAction::Acknowledge);
        }
        if ended && heard {
            actions.push(NoticeAction::Resolve);
        }
        let severity = incident.severity.as_str();
        found.extend(actions.into_iter().map(|action| {
            let occasion = match action {
                NoticeAction::Update => format!("update-{severity}"),
                other => other.as_str().to_string(),
            };
            Notice {
                channel: channel.slug.clone(),
                action,
                idempotency_key: format!("channel:{}:{id}:{occasion}", channel.slug),
            }
        }));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::{DeclareIncident, Status, declare};
    use crate::system::{AiSystem, SystemDetails};
    use serde_json::json;

    fn channel(slug: &str, systems: &[&str], min: Severity) -> Channel {
        Channel {
            slug: slug.into(),
            kind: ChannelKind::Pagerduty,
            systems: systems.iter().map(|s| s.to_string()).collect(),
            min_severity: min,
            endpoint: None,
            account: None,
            from: None,
            project: None,
        }
    }

    fn incident(severity: Severity) -> Incident {
        let details: SystemDetails = serde_json::from_value(json!({
            "name": "Credit", "model_versions": [{"version": "v1", "known_good": true}]
        }))
        .unwrap();
        let systems = [AiSystem {
            slug: "credit".into(),
            details,
        }];
        let input: DeclareIncident = serde_json::from_value(json!({
            "title": "Bias", "severity": severity, "severity_rationale": "harm",
            "systems": ["credit"], "detected_at": "2026-12-01T09:00:00Z",
        }))
        .unwrap();
        declare(
            input,
            7,
            "alice",
            &systems,
            "2026-12-01T10:00:00Z".parse().unwrap(),
        )
        .unwrap()
        .incident
    }

    fn event(kind: EventKind, body: serde_json::Value) -> EventDraft {
        EventDraft::by("alice", kind, "2026-12-01T10:00:00Z".parse().unwrap(), body)
    }

    #[test]
    fn a_declared_incident_triggers_the_channels_that_hear_of_it() {
        let channels = [
            channel("all", &[], Severity::Sev4),
            channel("credit-major", &["credit"], Severity::Sev2),
            channel("other", &["chat"], Severity::Sev4),
        ];
        let found = notices(
            &channels,
            &incident(Severity::Sev2),
            &[event(EventKind::Declared, json!({}))],
        );
        let keys: Vec<&str> = found.iter().map(|n| n.idempotency_key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "channel:all:INC-7:trigger",
                "channel:credit-major:INC-7:trigger"
            ]
        );
        let minor = notices(
            &channels,
            &incident(Severity::Sev3),
            &[event(EventKind::Declared, json!({}))],
        );
        assert_eq!(
            minor.len(),
            1,
            "a SEV3 does not reach a SEV2-and-above channel"
        );
    }

    #[test]
    fn notes_tell_no_channel() {
        let channels = [channel("all", &[], Severity::Sev4)];
        let found = notices(
            &channels,
            &incident(Severity::Sev1),
            &[event(EventKind::Note, json!({"text": "looking"}))],
        );
        assert!(found.is_empty());
    }

    #[test]
    fn a_raised_severity_triggers_where_it_is_heard_now_and_updates_elsewhere() {
        let channels = [
            channel("all", &[], Severity::Sev4),
            channel("major", &[], Severity::Sev2),
        ];
        let raised = event(
            EventKind::FieldChanged,
            json!({"field": "severity", "from": "sev3", "to": "sev1"}),
        );
        let found = notices(&channels, &incident(Severity::Sev1), &[raised]);
        let actions: Vec<(&str, NoticeAction)> = found
            .iter()
            .map(|n| (n.channel.as_str(), n.action))
            .collect();
        assert_eq!(
            actions,
            [
                ("all", NoticeAction::Update),
                ("major", NoticeAction::Trigger)
            ]
        );
        assert_eq!(found[0].idempotency_key, "channel:all:INC-7:update-sev1");
    }

    #[test]
    fn acknowledgement_and_recovery_are_told_once_each() {
        let channels = [channel("all", &[], Severity::Sev4)];
        let mut recovered = incident(Severity::Sev2);
        let found = notices(
            &channels,
            &recovered,
            &[event(EventKind::PageAcknowledged, json!({}))],
        );
        assert_eq!(found[0].action, NoticeAction::Acknowledge);
        recovered.status = Status::Recovered;
        recovered.times.recovered_at = Some("2026-12-01T12:00:00Z".parse().unwrap());
        let found = notices(
            &channels,
            &recovered,
            &[event(
                EventKind::StatusChanged,
                json!({"from": "contained", "to": "recovered"}),
            )],
        );
        assert_eq!(found[0].action, NoticeAction::Resolve);
        assert_eq!(found[0].idempotency_key, "channel:all:INC-7:resolve");
    }

    #[test]
    fn bad_channels_and_credentials_are_refused_by_field() {
        let mut teams = channel("Bad Slug", &["ok"], Severity::Sev4);
        teams.kind = ChannelKind::Teams;
        teams.endpoint = Some("https://example.org".into());
        let fields: Vec<String> = teams
            .validate()
            .unwrap_err()
            .fields()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["slug", "endpoint"]);
        teams.endpoint = None;
        assert!(teams.validate_credential("not a url").is_err());
        assert!(
            teams
                .validate_credential("https://example.webhook.office.com/webhookb2/x")
                .is_ok()
        );
        let mut pagerduty = channel("pd", &[], Severity::Sev4);
        assert!(pagerduty.validate_credential("").is_err());
        assert!(pagerduty.validate_credential("R0UT1NGKEY").is_ok());
        pagerduty.endpoint = Some("ftp://x".into());
        assert!(pagerduty.validate().is_err());
        pagerduty.endpoint = None;
        pagerduty.from = Some("+15005550006".into());
        assert!(pagerduty.validate().is_err());
        let mut slack = channel("ops-slack", &[], Severity::Sev4);
        slack.kind = ChannelKind::Slack;
        assert!(slack.validate_credential("xoxp-a-user-token").is_err());
        assert!(slack.validate_credential("xoxb-17-42-abc").is_ok());
        assert_eq!(slack.endpoint(), Some("https://slack.com/api"));
        let mut hook = channel("ops-hook", &[], Severity::Sev4);
        hook.kind = ChannelKind::SlackWebhook;
        assert!(hook.validate_credential("xoxb-17-42-abc").is_err());
        assert!(
            hook.validate_credential("https://hooks.slack.com/services/T0/B0/x")
                .is_ok()
        );
        assert_eq!(hook.endpoint(), None);
        hook.endpoint = Some("https://hooks.slack.com".into());
        assert!(hook.validate().is_err());
    }

    #[test]
    fn an_sms_provider_needs_its_account_and_number_and_hears_of_no_incident() {
        let mut twilio = channel("sms", &[], Severity::Sev4);
        twilio.kind = ChannelKind::Twilio;
        let fields = |c: &Channel| -> Vec<String> {
            c.validate()
                .err()
                .map(|e| e.fields().into_iter().map(|f| f.field).collect())
                .unwrap_or_default()
        };
        assert_eq!(fields(&twilio), ["account", "from"]);
        twilio.account = Some("AC0123456789abcdef0123456789abcdef".into());
        twilio.from = Some("015005550006".into());
        assert_eq!(fields(&twilio), ["from"]);
        twilio.from = Some("+15005550006".into());
        assert!(fields(&twilio).is_empty());
        assert_eq!(twilio.endpoint(), Some("https://api.twilio.com"));
        let declared = incident(Severity::Sev1);
        let events = [event(EventKind::Declared, json!({}))];
        assert!(notices(&[twilio], &declared, &events).is_empty());
    }
}
