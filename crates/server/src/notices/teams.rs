//! Microsoft Teams incoming webhooks: a message carrying one Adaptive Card
//! (schema 1.4) per notice, posted to the webhook URL, which is the
//! channel's credential.

use super::Notice;
use serde_json::{Value, json};

/// The Adaptive Card of a notice.
fn card(notice: &Notice, public_url: Option<&str>) -> Value {
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            { "type": "TextBlock", "text": notice.heading(), "weight": "Bolder", "size": "Medium", "wrap": true },
            { "type": "FactSet", "facts": [
                { "title": "Severity", "value": notice.severity.as_str().to_uppercase() },
                { "title": "Status", "value": notice.status.as_str() },
                { "title": "Systems", "value": notice.systems.join(", ") },
            ]},
        ],
    });
    if !notice.summary.trim().is_empty()
        && let Some(body) = card["body"].as_array_mut()
    {
        body.push(json!({ "type": "TextBlock", "text": notice.summary, "wrap": true }));
    }
    if let Some(link) = notice.link(public_url) {
        card["actions"] =
            json!([{ "type": "Action.OpenUrl", "title": "Open in Firebreak", "url": link }]);
    }
    card
}

pub(super) fn request(
    http: &reqwest::Client,
    webhook_url: &str,
    notice: &Notice,
    public_url: Option<&str>,
) -> Option<reqwest::RequestBuilder> {
    let body = json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card(notice, public_url),
        }],
    });
    Some(http.post(webhook_url).json(&body))
}
