//! Jira through REST API v3: an item's ticket is an issue of type Task in
//! the channel's project (`POST /rest/api/3/issue`) labelled with the
//! item's marker, by which a retried delivery finds it
//! (`GET /rest/api/3/search/jql`), and read back with
//! `GET /rest/api/3/issue/{key}`. Jira Cloud takes `email:api-token` as
//! Basic credentials; Jira Data Center a personal access token as Bearer.
//! An admin webhook with a secret signs its calls with `X-Hub-Signature`.

use super::{Heard, Made, Tracker};
use crate::notices::{Failure, refusal, without_url};
use base64::Engine;
use firebreak_core::action::{TicketDraft, TicketReading, TicketState};
use serde::Deserialize;
use serde_json::{Value, json};

/// Resolutions that close an issue without doing it.
const DISMISSING: [&str; 4] = ["won't do", "won't fix", "duplicate", "cannot reproduce"];

#[derive(Debug, Deserialize)]
struct Created {
    key: String,
}

#[derive(Debug, Deserialize)]
struct Found {
    #[serde(default)]
    issues: Vec<Created>,
}

fn authorised(tracker: &Tracker, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let request = request.header("Accept", "application/json");
    if tracker.credential.contains(':') {
        let basic = base64::engine::general_purpose::STANDARD.encode(tracker.credential);
        request.header("Authorization", format!("Basic {basic}"))
    } else {
        request.bearer_auth(tracker.credential)
    }
}

fn made(tracker: &Tracker, key: String) -> Made {
    Made {
        url: format!("{}/browse/{key}", tracker.endpoint()),
        key,
    }
}

/// Sends `request` and answers Jira's answer, a failure unless 2xx.
async fn answered(
    tracker: &Tracker<'_>,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, Failure> {
    let response = authorised(tracker, request)
        .send()
        .await
        .map_err(|e| Failure::transient(format!("Jira: {}", without_url(&e))))?;
    if !response.status().is_success() {
        return Err(refusal(tracker.stored, response).await);
    }
    Ok(response)
}

async fn send<T: serde::de::DeserializeOwned>(
    tracker: &Tracker<'_>,
    request: reqwest::RequestBuilder,
) -> Result<T, Failure> {
    answered(tracker, request)
        .await?
        .json()
        .await
        .map_err(|e| Failure::transient(format!("Jira answered what it does not document: {e}")))
}

/// Jira's status category and resolution, in an item's terms.
fn reading(fields: &Value) -> Result<TicketReading, String> {
    let status = &fields["status"];
    let name = status["name"].as_str().unwrap_or("?");
    let category = status["statusCategory"]["key"]
        .as_str()
        .ok_or("fields.status.statusCategory.key: a string is required")?;
    let resolution = fields["resolution"]["name"].as_str();
    let state = match category {
        "new" => TicketState::Open,
        "indeterminate" => TicketState::InProgress,
        "done"
            if resolution.is_some_and(|r| {
                DISMISSING.contains(&r.to_lowercase().replace('’', "'").as_str())
            }) =>
        {
            TicketState::Dismissed
        }
        "done" => TicketState::Done,
        other => {
            return Err(format!(
                "status category `{other}` is not one Jira documents"
            ));
        }
    };
    let remote_status = match resolution {
        Some(resolution) => format!("{name} ({resolution})"),
        None => name.to_string(),
    };
    Ok(TicketReading {
        state,
        remote_status,
    })
}

/// A description in the Atlassian Document Format: a paragraph a line.
fn document(text: &str) -> Value {
    let paragraphs: Vec<Value> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| json!({"type": "paragraph", "content": [{"type": "text", "text": line}]}))
        .collect();
    json!({"type": "doc", "version": 1, "content": paragraphs})
}

fn project(tracker: &Tracker) -> String {
    tracker.stored.channel.project.clone().unwrap_or_default()
}

pub(super) async fn find(
    tracker: &Tracker<'_>,
    draft: &TicketDraft,
) -> Result<Option<Made>, Failure> {
    let jql = format!(
        "project = \"{}\" AND labels = \"{}\"",
        project(tracker),
        draft.marker
    );
    let request = tracker
        .http
        .get(format!("{}/rest/api/3/search/jql", tracker.endpoint()))
        .query(&[
            ("jql", jql.as_str()),
            ("fields", "key"),
            ("maxResults", "1"),
        ]);
    let found: Found = send(tracker, request).await?;
    Ok(found
        .issues
        .into_iter()
        .next()
        .map(|issue| made(tracker, issue.key)))
}

pub(super) async fn create(tracker: &Tracker<'_>, draft: &TicketDraft) -> Result<Made, Failure> {
    let mut labels = draft.labels.clone();
    labels.push(draft.marker.clone());
    let mut fields = json!({
        "project": {"key": project(tracker)},
        "issuetype": {"name": "Task"},
        "summary": draft.title,
        "description": document(&draft.description),
        "labels": labels,
    });
    if let Some(due) = draft.due {
        fields["duedate"] = json!(due.to_string());
    }
    let request = tracker
        .http
        .post(format!("{}/rest/api/3/issue", tracker.endpoint()))
        .json(&json!({ "fields": fields }));
    let created: Created = send(tracker, request).await?;
    Ok(made(tracker, created.key))
}

/// Moves the issue back to a to-do (else an in-progress) status through
/// one of its workflow's transitions, with a comment saying why.
pub(super) async fn reopen(tracker: &Tracker<'_>, key: &str, reason: &str) -> Result<(), Failure> {
    let url = format!("{}/rest/api/3/issue/{key}/transitions", tracker.endpoint());
    let offered: Value = send(tracker, tracker.http.get(&url)).await?;
    let transitions = offered["transitions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let to = |category: &str| {
        transitions
            .iter()
            .find(|t| t["to"]["statusCategory"]["key"] == category)
            .and_then(|t| t["id"].as_str().map(str::to_string))
    };
    let Some(id) = to("new").or_else(|| to("indeterminate")) else {
        return Err(Failure::final_(format!(
            "{key}'s workflow offers no transition back to a to-do or in-progress status"
        )));
    };
    let body = json!({
        "transition": {"id": id},
        "update": {"comment": [{"add": {"body": document(&super::reopen_comment(reason))}}]},
    });
    answered(tracker, tracker.http.post(&url).json(&body)).await?;
    Ok(())
}

pub(super) async fn read(tracker: &Tracker<'_>, key: &str) -> Result<TicketReading, Failure> {
    let request = tracker
        .http
        .get(format!("{}/rest/api/3/issue/{key}", tracker.endpoint()))
        .query(&[("fields", "status,resolution")]);
    let issue: Value = send(tracker, request).await?;
    reading(&issue["fields"]).map_err(Failure::final_)
}

/// What a `jira:issue_*` delivery says of an issue of the channel's
/// project; other events and projects are heard and ignored.
pub(super) fn heard(payload: &Value, project: &str) -> Result<Heard, String> {
    let event = payload["webhookEvent"].as_str().unwrap_or_default();
    if !matches!(event, "jira:issue_updated" | "jira:issue_created") {
        return Ok(Heard::Ignored(format!(
            "a `{event}` event tells of no issue's status"
        )));
    }
    let key = payload["issue"]["key"]
        .as_str()
        .ok_or("issue.key: a string is required")?;
    if key.rsplit_once('-').map(|(p, _)| p) != Some(project) {
        return Ok(Heard::Ignored(format!("{key} is not in project {project}")));
    }
    let reading = reading(&payload["issue"]["fields"]).map_err(|e| format!("issue.{e}"))?;
    Ok(Heard::Ticket {
        key: key.to_string(),
        reading,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(category: &str, name: &str, resolution: Option<&str>) -> Value {
        json!({
            "status": {"name": name, "statusCategory": {"key": category}},
            "resolution": resolution.map(|r| json!({"name": r})),
        })
    }

    #[test]
    fn categories_and_resolutions_read_as_item_states() {
        let read = |f: Value| reading(&f).unwrap();
        assert_eq!(read(fields("new", "To Do", None)).state, TicketState::Open);
        assert_eq!(
            read(fields("indeterminate", "In Review", None)).state,
            TicketState::InProgress
        );
        let done = read(fields("done", "Done", Some("Done")));
        assert_eq!(
            (done.state, done.remote_status.as_str()),
            (TicketState::Done, "Done (Done)")
        );
        assert_eq!(
            read(fields("done", "Closed", Some("Won't Do"))).state,
            TicketState::Dismissed
        );
        assert_eq!(
            reading(&json!({"status": {"name": "x"}})).unwrap_err(),
            "fields.status.statusCategory.key: a string is required"
        );
    }

    #[test]
    fn descriptions_are_documents_of_paragraphs() {
        let doc = document("Due: 2026-12-31\n\nFirebreak action act-1 of INC-4");
        assert_eq!(doc["content"].as_array().unwrap().len(), 2);
        assert_eq!(
            doc["content"][1]["content"][0]["text"],
            "Firebreak action act-1 of INC-4"
        );
    }

    #[test]
    fn a_delivery_names_an_issue_of_the_project() {
        let payload = json!({
            "webhookEvent": "jira:issue_updated",
            "issue": {"key": "ML-7", "fields": {
                "status": {"name": "Done", "statusCategory": {"key": "done"}},
                "resolution": {"name": "Done"}}},
        });
        assert!(matches!(
            heard(&payload, "ML").unwrap(),
            Heard::Ticket { ref key, .. } if key == "ML-7"
        ));
        assert!(matches!(heard(&payload, "OPS").unwrap(), Heard::Ignored(_)));
        assert!(matches!(
            heard(&json!({"webhookEvent": "comment_created"}), "ML").unwrap(),
            Heard::Ignored(_)
        ));
    }
}
