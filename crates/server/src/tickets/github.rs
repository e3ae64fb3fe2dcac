//! GitHub Issues through the REST API (`Authorization: Bearer <token>`,
//! `X-GitHub-Api-Version: 2022-11-28`): an item's ticket is an issue
//! (`POST /repos/{owner}/{repo}/issues`), read back with
//! `GET /repos/{owner}/{repo}/issues/{number}`; a retried delivery first
//! lists the issues changed since it was queued and takes the one whose
//! body names the item. The `issues` webhook tells of closing and
//! reopening, signed with `X-Hub-Signature-256`.

use super::{Heard, Made, Tracker};
use crate::notices::{Failure, refusal, without_url};
use firebreak_core::Timestamp;
use firebreak_core::action::{TicketDraft, TicketReading, TicketState};
use serde::Deserialize;
use serde_json::{Value, json};

const API_VERSION: &str = "2022-11-28";
/// Pages of recently changed issues a retried delivery looks through.
const LOOKUP_PAGES: usize = 5;

#[derive(Debug, Deserialize)]
struct Issue {
    number: u64,
    html_url: String,
    state: String,
    #[serde(default)]
    state_reason: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    pull_request: Option<Value>,
}

impl Issue {
    fn made(&self) -> Made {
        Made {
            key: self.number.to_string(),
            url: self.html_url.clone(),
        }
    }
}

/// What GitHub's `state` and `state_reason` say, in an item's terms.
fn reading(state: &str, reason: Option<&str>) -> Result<TicketReading, String> {
    let (state, words) = match (state, reason) {
        ("open", _) => (TicketState::Open, "open".to_string()),
        ("closed", Some(why @ ("not_planned" | "duplicate"))) => {
            (TicketState::Dismissed, format!("closed ({why})"))
        }
        ("closed", why) => (
            TicketState::Done,
            format!("closed ({})", why.unwrap_or("completed")),
        ),
        (other, _) => return Err(format!("issue state `{other}` is neither open nor closed")),
    };
    Ok(TicketReading {
        state,
        remote_status: words,
    })
}

fn get(tracker: &Tracker, url: String) -> reqwest::RequestBuilder {
    authorised(tracker, tracker.http.get(url))
}

fn authorised(tracker: &Tracker, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request
        .bearer_auth(tracker.credential)
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", API_VERSION)
}

fn repository(tracker: &Tracker) -> String {
    format!(
        "{}/repos/{}",
        tracker.endpoint(),
        tracker
            .stored
            .channel
            .project
            .as_deref()
            .unwrap_or_default()
    )
}

async fn send<T: serde::de::DeserializeOwned>(
    tracker: &Tracker<'_>,
    request: reqwest::RequestBuilder,
) -> Result<(T, reqwest::header::HeaderMap), Failure> {
    let response = request
        .send()
        .await
        .map_err(|e| Failure::transient(format!("GitHub: {}", without_url(&e))))?;
    if !response.status().is_success() {
        return Err(refusal(tracker.stored, response).await);
    }
    let headers = response.headers().clone();
    let body = response
        .json()
        .await
        .map_err(|e| Failure::transient(format!("GitHub answered what is not an issue: {e}")))?;
    Ok((body, headers))
}

/// The issue an earlier attempt made for `draft`, if any: issues changed
/// since `since`, newest first, whose body names the item.
pub(super) async fn find(
    tracker: &Tracker<'_>,
    draft: &TicketDraft,
    since: Timestamp,
) -> Result<Option<Made>, Failure> {
    for page in 1..=LOOKUP_PAGES {
        let url = format!(
            "{}/issues?state=all&since={}&sort=created&direction=desc&per_page=100&page={page}",
            repository(tracker),
            since.strftime("%Y-%m-%dT%H:%M:%SZ")
        );
        let (issues, headers): (Vec<Issue>, _) = send(tracker, get(tracker, url)).await?;
        let found = issues.iter().find(|issue| {
            issue.pull_request.is_none()
                && issue
                    .body
                    .as_deref()
                    .is_some_and(|body| draft.is_named_in(body))
        });
        if let Some(issue) = found {
            return Ok(Some(issue.made()));
        }
        let more = headers
            .get("link")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|link| link.contains("rel=\"next\""));
        if !more {
            break;
        }
    }
    Ok(None)
}

pub(super) async fn create(tracker: &Tracker<'_>, draft: &TicketDraft) -> Result<Made, Failure> {
    let body = json!({
        "title": draft.title,
        "body": draft.description,
        "labels": draft.labels,
    });
    let request = authorised(
        tracker,
        tracker
            .http
            .post(format!("{}/issues", repository(tracker)))
            .json(&body),
    );
    let (issue, _): (Issue, _) = send(tracker, request).await?;
    Ok(issue.made())
}

/// Opens the issue again (`PATCH … {"state": "open"}`, which a retry may
/// repeat) and says why in a comment.
pub(super) async fn reopen(tracker: &Tracker<'_>, key: &str, reason: &str) -> Result<(), Failure> {
    let issue = format!("{}/issues/{key}", repository(tracker));
    let request = authorised(
        tracker,
        tracker
            .http
            .patch(&issue)
            .json(&json!({"state": "open", "state_reason": "reopened"})),
    );
    let _: (Issue, _) = send(tracker, request).await?;
    let comment = authorised(
        tracker,
        tracker
            .http
            .post(format!("{issue}/comments"))
            .json(&json!({"body": super::reopen_comment(reason)})),
    );
    let _: (Value, _) = send(tracker, comment).await?;
    Ok(())
}

pub(super) async fn read(tracker: &Tracker<'_>, key: &str) -> Result<TicketReading, Failure> {
    let url = format!("{}/issues/{key}", repository(tracker));
    let (issue, _): (Issue, _) = send(tracker, get(tracker, url)).await?;
    reading(&issue.state, issue.state_reason.as_deref()).map_err(Failure::final_)
}

/// What an `issues` delivery says: the issue's new state, for the
/// channel's repository; other events and repositories are heard and
/// ignored.
pub(super) fn heard(event: &str, payload: &Value, project: &str) -> Result<Heard, String> {
    if event != "issues" {
        return Ok(Heard::Ignored(format!(
            "a `{event}` event tells of no issue"
        )));
    }
    let repository = payload["repository"]["full_name"]
        .as_str()
        .unwrap_or_default();
    if !repository.eq_ignore_ascii_case(project) {
        return Ok(Heard::Ignored(format!(
            "the issue is in {repository}, not {project}"
        )));
    }
    let issue = &payload["issue"];
    let number = issue["number"]
        .as_u64()
        .ok_or("issue.number: a number is required")?;
    let state = issue["state"]
        .as_str()
        .ok_or("issue.state: a string is required")?;
    let reading =
        reading(state, issue["state_reason"].as_str()).map_err(|e| format!("issue.state: {e}"))?;
    Ok(Heard::Ticket {
        key: number.to_string(),
        reading,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_reasons_read_as_done_or_dismissed() {
        let done = reading("closed", Some("completed")).unwrap();
        assert_eq!(done.state, TicketState::Done);
        assert_eq!(reading("closed", None).unwrap().state, TicketState::Done);
        let dismissed = reading("closed", Some("not_planned")).unwrap();
        assert_eq!(dismissed.state, TicketState::Dismissed);
        assert_eq!(dismissed.remote_status, "closed (not_planned)");
        assert_eq!(
            reading("open", Some("reopened")).unwrap().state,
            TicketState::Open
        );
        assert!(reading("merged", None).is_err());
    }

    #[test]
    fn a_delivery_names_the_issue_or_is_ignored() {
        let payload = json!({
            "action": "closed",
            "issue": {"number": 42, "state": "closed", "state_reason": "completed"},
            "repository": {"full_name": "acme/ml-fixes"},
        });
        let Heard::Ticket { key, reading } = heard("issues", &payload, "acme/ml-fixes").unwrap()
        else {
            panic!("an issue event names its issue");
        };
        assert_eq!((key.as_str(), reading.state), ("42", TicketState::Done));
        assert!(matches!(
            heard("issues", &payload, "acme/other").unwrap(),
            Heard::Ignored(_)
        ));
        assert!(matches!(
            heard("ping", &json!({}), "acme/ml-fixes").unwrap(),
            Heard::Ignored(_)
        ));
        let broken =
            json!({"issue": {"state": "closed"}, "repository": {"full_name": "acme/ml-fixes"}});
        assert_eq!(
            heard("issues", &broken, "acme/ml-fixes").unwrap_err(),
            "issue.number: a number is required"
        );
    }
}
