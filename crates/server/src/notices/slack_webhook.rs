//! Slack incoming webhooks: one message per notice, with a plain `text`
//! (what notifications and old clients show) and Block Kit `blocks`,
//! posted to the webhook URL, which is the channel's credential. Slack
//! answers `ok`, or an error word (`invalid_payload`, `no_service`,
//! `channel_is_archived`) with a 4xx, or 429 when rate limited.

use super::Notice;
use serde_json::{Value, json};

fn message(notice: &Notice, public_url: Option<&str>) -> Value {
    let heading = notice.heading();
    let facts = format!(
        "Severity: {} · Status: {} · Systems: {}",
        notice.severity.as_str().to_uppercase(),
        notice.status.as_str(),
        notice.systems.join(", ")
    );
    let mut section = format!("*{heading}*");
    if !notice.summary.trim().is_empty() {
        section.push('\n');
        section.push_str(notice.summary.trim());
    }
    let mut blocks = vec![
        json!({ "type": "section", "text": { "type": "mrkdwn", "text": section } }),
        json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": facts }] }),
    ];
    let link = notice.link(public_url);
    if let Some(link) = &link {
        blocks.push(json!({ "type": "actions", "elements": [{
            "type": "button",
            "text": { "type": "plain_text", "text": "Open in Firebreak" },
            "url": link,
        }]}));
    }
    let text = match &link {
        Some(link) => format!("{heading} ({facts}) {link}"),
        None => format!("{heading} ({facts})"),
    };
    json!({ "text": text, "blocks": blocks })
}

pub(super) fn request(
    http: &reqwest::Client,
    webhook_url: &str,
    notice: &Notice,
    public_url: Option<&str>,
) -> Option<reqwest::RequestBuilder> {
    Some(http.post(webhook_url).json(&message(notice, public_url)))
}
