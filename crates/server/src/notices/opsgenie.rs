//! Opsgenie's Alert API with an API integration key
//! (`Authorization: GenieKey …`): a declared incident creates an alert
//! (`POST /v2/alerts`) whose alias is the incident, so later calls name it
//! by alias: a severity change sets its priority, an acknowledgement
//! acknowledges it and recovery closes it.

use super::Notice;
use firebreak_core::incident::Severity;
use firebreak_core::oncall::NoticeAction;
use firebreak_store::StoredChannel;
use serde_json::json;

/// Opsgenie's limits on an alert's message and description.
const MAX_MESSAGE: usize = 130;
const MAX_DESCRIPTION: usize = 15_000;
const SOURCE: &str = "Firebreak";

fn priority(severity: Severity) -> &'static str {
    match severity {
        Severity::Sev1 => "P1",
        Severity::Sev2 => "P2",
        Severity::Sev3 => "P3",
        Severity::Sev4 => "P4",
    }
}

/// The alias Firebreak gives an incident's alert.
pub fn alias(incident: &str) -> String {
    format!("firebreak-{incident}")
}

pub(super) fn request(
    http: &reqwest::Client,
    stored: &StoredChannel,
    api_key: &str,
    notice: &Notice,
    public_url: Option<&str>,
) -> Option<reqwest::RequestBuilder> {
    let base = stored.channel.endpoint()?.trim_end_matches('/');
    let alias = alias(&notice.incident);
    let by_alias = |action: &str| format!("{base}/v2/alerts/{alias}/{action}?identifierType=alias");
    let (method, url, body) = match notice.action {
        NoticeAction::Trigger => {
            let mut description = notice.summary.clone();
            if let Some(link) = notice.link(public_url) {
                description = format!("{description}\n\n{link}");
            }
            let body = json!({
                "message": notice.headline().chars().take(MAX_MESSAGE).collect::<String>(),
                "alias": alias,
                "description": description.chars().take(MAX_DESCRIPTION).collect::<String>(),
                "priority": priority(notice.severity),
                "source": SOURCE,
                "entity": notice.systems.join(", "),
                "tags": ["firebreak", "ai-incident"],
                "details": {
                    "incident": notice.incident,
                    "status": notice.status,
                    "systems": notice.systems.join(", "),
                },
            });
            (reqwest::Method::POST, format!("{base}/v2/alerts"), body)
        }
        NoticeAction::Update => (
            reqwest::Method::PUT,
            by_alias("priority"),
            json!({ "priority": priority(notice.severity) }),
        ),
        NoticeAction::Acknowledge => (
            reqwest::Method::POST,
            by_alias("acknowledge"),
            json!({ "source": SOURCE, "note": "Acknowledged in Firebreak" }),
        ),
        NoticeAction::Resolve => (
            reqwest::Method::POST,
            by_alias("close"),
            json!({ "source": SOURCE, "note": format!("{} is {}", notice.incident, notice.status.as_str()) }),
        ),
    };
    Some(
        http.request(method, url)
            .header("authorization", format!("GenieKey {api_key}"))
            .json(&body),
    )
}
