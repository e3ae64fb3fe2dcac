//! PagerDuty Events API v2: `POST /v2/enqueue` with the integration's
//! routing key. Declared and severity changes `trigger` (PagerDuty folds a
//! repeat with the same `dedup_key` into the open alert); acknowledgement
//! and recovery `acknowledge` and `resolve` it.

use super::Notice;
use firebreak_core::incident::Severity;
use firebreak_core::oncall::NoticeAction;
use firebreak_store::{OutboxMessage, StoredChannel};
use serde_json::json;

/// PagerDuty cuts summaries at this length.
const MAX_SUMMARY: usize = 1024;

/// The alert's key in PagerDuty: one per incident.
pub fn dedup_key(incident: &str) -> String {
    format!("firebreak-{incident}")
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Sev1 => "critical",
        Severity::Sev2 => "error",
        Severity::Sev3 => "warning",
        Severity::Sev4 => "info",
    }
}

pub(super) fn request(
    http: &reqwest::Client,
    stored: &StoredChannel,
    routing_key: &str,
    notice: &Notice,
    message: &OutboxMessage,
    public_url: Option<&str>,
) -> Option<reqwest::RequestBuilder> {
    let endpoint = stored.channel.endpoint()?;
    let event_action = match notice.action {
        NoticeAction::Trigger | NoticeAction::Update => "trigger",
        NoticeAction::Acknowledge => "acknowledge",
        NoticeAction::Resolve => "resolve",
    };
    let mut body = json!({
        "routing_key": routing_key,
        "event_action": event_action,
        "dedup_key": dedup_key(&notice.incident),
    });
    if event_action == "trigger" {
        let summary: String = notice.headline().chars().take(MAX_SUMMARY).collect();
        body["payload"] = json!({
            "summary": summary,
            "source": format!("firebreak: {}", notice.systems.join(", ")),
            "severity": severity(notice.severity),
            "component": notice.systems.first(),
            "class": "ai-incident",
            "custom_details": {
                "incident": notice.incident,
                "status": notice.status,
                "systems": notice.systems,
                "summary": notice.summary,
            },
        });
        if let Some(link) = notice.link(public_url) {
            body["links"] =
                json!([{ "href": link, "text": format!("{} in Firebreak", notice.incident) }]);
        }
    }
    Some(
        http.post(endpoint)
            .header("content-type", "application/json")
            // Not read by PagerDuty; lets a proxy or log tie repeats together.
            .header("idempotency-key", &message.idempotency_key)
            .json(&body),
    )
}
