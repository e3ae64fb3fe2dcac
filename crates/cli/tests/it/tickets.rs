//! Action items tracked in GitHub Issues and Jira, end to end. Both are
//! SaaS, so loopback stand-ins answer as their REST documentation says
//! (headers, paths, required fields, error bodies) and keep the issues.
//!
//! GitHub: the first create's answer is lost (502 after the issue was
//! made), and the retry finds the issue instead of making a second. The
//! issue is closed at GitHub and its signed `issues` webhook marks the
//! item done (polling is held off, so the webhook alone tells); the item's
//! monitor check then passes, on the timeline. Unsigned, mis-signed and
//! malformed deliveries change nothing.
//!
//! Jira: the issue is made through REST API v3 with Basic credentials and
//! read back by polling; an outage is shown on the item once, and the
//! item follows the issue to Done when Jira answers again.

use crate::action_checks::{declare_by_monitor, draft_with_items, item_of, open_item};
use crate::changes::{github_signature, post_webhook};
use crate::channels::{Answer, Call, add_channel, start_provider};
use crate::monitors::{partition, wait_for};
use crate::regulatory::timeline_kinds;
use crate::support::Server;
use base64::Engine;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::{Arc, Mutex};

pub(crate) const GITHUB_TOKEN: &str = "github_pat_11AAAAAAA0test0token0for0firebreak";
const WEBHOOK_SECRET: &str = "whsec-firebreak-tracker-0123456789";
const JIRA_CREDENTIAL: &str = "ana@example.org:ATATT3xFfGF0-test-token";

pub(crate) type Issues = Arc<Mutex<Vec<Value>>>;

fn error(status: u16, message: &str) -> Answer {
    (status, vec![], json!({"message": message}).to_string())
}

/// The issue `/repos/acme/ml-fixes/issues/{number}` names.
fn issue_at<'a>(issues: &'a mut [Value], path: &str) -> Option<&'a mut Value> {
    let number: u64 = path
        .strip_prefix("/repos/acme/ml-fixes/issues/")?
        .parse()
        .ok()?;
    issues.iter_mut().find(|issue| issue["number"] == number)
}

/// GitHub's REST API for issues of `acme/ml-fixes`, as documented: a
/// bearer token, the JSON media type and the API version on every call.
pub(crate) fn github(issues: Issues) -> impl FnMut(&Call, usize) -> Answer + Send + 'static {
    let mut creates = 0;
    move |call, _| {
        if call.header("authorization") != format!("Bearer {GITHUB_TOKEN}") {
            return error(401, "Bad credentials");
        }
        if call.header("accept") != "application/vnd.github+json"
            || call.header("x-github-api-version") != "2022-11-28"
            || call.header("user-agent").is_empty()
        {
            return error(400, "missing the media type, API version or User-Agent");
        }
        let (path, query) = call.path.split_once('?').unwrap_or((&call.path, ""));
        let mut issues = issues.lock().unwrap();
        match (call.method.as_str(), path) {
            ("POST", "/repos/acme/ml-fixes/issues") => {
                let body = &call.body;
                let labels_ok = body["labels"]
                    .as_array()
                    .is_some_and(|l| l.iter().all(Value::is_string));
                if body["title"].as_str().is_none_or(|t| t.is_empty())
                    || !body["body"].is_string()
                    || !labels_ok
                {
                    return error(422, "Validation Failed");
                }
                let number = issues.len() + 1;
                let issue = json!({
                    "number": number,
                    "html_url": format!("https://github.test/acme/ml-fixes/issues/{number}"),
                    "state": "open", "state_reason": null,
                    "title": body["title"], "body": body["body"],
                    "labels": body["labels"].as_array().unwrap().iter()
                        .map(|name| json!({"name": name})).collect::<Vec<_>>(),
                });
                issues.push(issue.clone());
                creates += 1;
                if creates == 1 {
                    // Made, but the answer is lost on the way back.
                    return error(502, "Server Error");
                }
                (201, vec![], issue.to_string())
            }
            ("GET", "/repos/acme/ml-fixes/issues") => {
                if !query.contains("state=all") || !query.contains("since=20") {
                    return error(422, "Validation Failed");
                }
                (200, vec![], Value::Array(issues.clone()).to_string())
            }
            ("PATCH", _) => {
                let Some(issue) = issue_at(&mut issues, path) else {
                    return error(404, "Not Found");
                };
                if !matches!(call.body["state"].as_str(), Some("open" | "closed")) {
                    return error(422, "Validation Failed");
                }
                issue["state"] = call.body["state"].clone();
                issue["state_reason"] = call.body["state_reason"].clone();
                (200, vec![], issue.to_string())
            }
            ("POST", _) if path.ends_with("/comments") => {
                let Some(text) = call.body["body"].as_str() else {
                    return error(422, "Validation Failed");
                };
                let Some(issue) = issue_at(&mut issues, path.trim_end_matches("/comments")) else {
                    return error(404, "Not Found");
                };
                issue["comments"] = json!([text]);
                (201, vec![], json!({"id": 1, "body": text}).to_string())
            }
            ("GET", _) => match issue_at(&mut issues, path) {
                Some(issue) => (200, vec![], issue.to_string()),
                None => error(404, "Not Found"),
            },
            _ => error(404, "Not Found"),
        }
    }
}

/// The steps of the item's ticket on the timeline: requested, linked,
/// seen, unreachable, reachable.
fn ticket_steps(server: &Server) -> Vec<String> {
    timeline_kinds(server, "action_ticket")
        .iter()
        .map(|e| e["body"]["step"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn deliver(server: &Server, tracker: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    post_webhook(
        server,
        &format!("trackers/{tracker}/webhook"),
        headers,
        body,
    )
}

/// A declared incident (a breached monitor) with a drafted post-mortem
/// and one action item, `act-1`.
fn incident_with_action(server: &Server, dir: &Path, logs: &Path) {
    declare_by_monitor(server, dir, logs);
    draft_with_items(
        server,
        dir,
        json!([open_item(
            "act-1",
            "Reweight group B in the training data",
            "demographic parity difference at most 0.2"
        )]),
    );
}

#[test]
fn a_github_issue_closed_at_github_marks_the_action_done_and_its_check_then_passes() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    partition(&logs, "2026-11-01", false);
    let issues: Issues = Arc::default();
    let (api, calls) = start_provider(github(issues.clone()));
    // Tickets are read at start and then not for an hour: what changes
    // comes by webhook.
    let server = Server::start_with(
        &dir.path().join("data"),
        &["--clock-interval", "1", "--ticket-interval", "3600"],
    );
    incident_with_action(&server, dir.path(), &logs);
    add_channel(
        &server,
        dir.path(),
        json!({"slug": "gh", "kind": "github", "project": "acme/ml-fixes", "endpoint": api}),
        &format!("{GITHUB_TOKEN}\n{WEBHOOK_SECRET}"),
    );
    let listed = server.json(&["oncall", "channel", "list"]);
    assert_eq!(listed[0]["webhook_secret_sealed"], true, "{listed:#}");
    for file in ["firebreak.db", "firebreak.db-wal"] {
        let stored = std::fs::read(dir.path().join("data").join(file)).unwrap_or_default();
        let stored = String::from_utf8_lossy(&stored);
        assert!(!stored.contains(GITHUB_TOKEN) && !stored.contains(WEBHOOK_SECRET));
    }

    server.json(&[
        "actions",
        "check",
        "INC-1",
        "act-1",
        "--monitor",
        "approvals",
        "--runs",
        "2",
    ]);
    // A tracker that does not exist is refused by field.
    let refused = server.cli(&["actions", "ticket", "INC-1", "act-1", "--tracker", "nope"]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("channel"));

    let asked = server.json(&["actions", "ticket", "INC-1", "act-1", "--tracker", "gh"]);
    assert_eq!(
        asked["postmortem"]["action_items"][0]["ticket"]["channel"],
        "gh"
    );
    wait_for("the ticket to be linked", 20, || {
        item_of(&server, "act-1")["ticket"]["key"] == "1"
    });
    // The lost answer was retried by looking first: one issue, not two.
    let made = issues.lock().unwrap().clone();
    assert_eq!(made.len(), 1, "{made:#?}");
    let body = made[0]["body"].as_str().unwrap();
    assert!(body.contains("Firebreak action act-1 of INC-1"), "{body}");
    assert!(
        body.contains("Success criterion: demographic parity"),
        "{body}"
    );
    let labels: Vec<&str> = made[0]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert!(
        labels.contains(&"firebreak") && labels.contains(&"INC-1"),
        "{labels:?}"
    );
    let act_1 = item_of(&server, "act-1");
    assert_eq!(
        act_1["ticket_url"],
        "https://github.test/acme/ml-fixes/issues/1"
    );
    let posts = calls
        .lock()
        .unwrap()
        .iter()
        .filter(|c| c.method == "POST")
        .count();
    assert_eq!(posts, 1, "the retry looked the issue up instead of posting");
    let attempts = timeline_kinds(&server, "notice_attempt");
    assert!(
        attempts.len() >= 2
            && attempts.iter().any(|a| a["body"]["result"]
                .as_str()
                .unwrap_or_default()
                .contains("502")),
        "{attempts:#?}"
    );
    assert_eq!(item_of(&server, "act-1")["status"], "open");

    // GitHub closes the issue and says so; only a signed delivery counts.
    {
        let mut issues = issues.lock().unwrap();
        issues[0]["state"] = json!("closed");
        issues[0]["state_reason"] = json!("completed");
    }
    let closed = json!({
        "action": "closed",
        "issue": {"number": 1, "html_url": "https://github.test/acme/ml-fixes/issues/1",
                  "state": "closed", "state_reason": "completed", "title": "Reweight group B"},
        "repository": {"full_name": "acme/ml-fixes"},
        "sender": {"login": "octocat"},
    })
    .to_string();
    let signed = github_signature(WEBHOOK_SECRET, &closed);
    let wrong = github_signature("another-secret-0123456789", &closed);
    let event = ("x-github-event", "issues");
    assert_eq!(deliver(&server, "gh", &[event], &closed).0, 401);
    assert_eq!(
        deliver(
            &server,
            "gh",
            &[event, ("x-hub-signature-256", &wrong)],
            &closed
        )
        .0,
        401
    );
    assert_eq!(
        deliver(
            &server,
            "nope",
            &[event, ("x-hub-signature-256", &signed)],
            &closed
        )
        .0,
        401
    );
    let broken = "{\"issue\": ";
    let broken_signature = github_signature(WEBHOOK_SECRET, broken);
    assert_eq!(
        deliver(
            &server,
            "gh",
            &[event, ("x-hub-signature-256", &broken_signature)],
            broken
        )
        .0,
        400
    );
    let numberless = json!({"action": "closed", "issue": {"state": "closed"},
        "repository": {"full_name": "acme/ml-fixes"}})
    .to_string();
    let numberless_signature = github_signature(WEBHOOK_SECRET, &numberless);
    assert_eq!(
        deliver(
            &server,
            "gh",
            &[event, ("x-hub-signature-256", &numberless_signature)],
            &numberless
        )
        .0,
        400
    );
    assert_eq!(
        item_of(&server, "act-1")["status"],
        "open",
        "nothing changed"
    );
    let (status, answer) = deliver(
        &server,
        "gh",
        &[event, ("x-hub-signature-256", &signed)],
        &closed,
    );
    assert_eq!(
        (status, &answer["outcome"]),
        (200, &json!("followed")),
        "{answer}"
    );
    let act_1 = item_of(&server, "act-1");
    assert_eq!(act_1["status"], "done", "{act_1:#}");
    assert_eq!(act_1["ticket"]["remote_status"], "closed (completed)");
    let progressed = timeline_kinds(&server, "action_progressed");
    let closing = progressed.last().unwrap();
    assert_eq!(closing["actor"], "tracker:gh", "{closing:#}");

    // The fix holds for two runs of the monitor: the check passes.
    partition(&logs, "2026-11-03", false);
    partition(&logs, "2026-11-04", false);
    wait_for("the check to pass", 20, || {
        !timeline_kinds(&server, "action_verified").is_empty()
    });
    let act_1 = item_of(&server, "act-1");
    assert_eq!(act_1["verification"]["results"][0]["outcome"], "passed");
    assert_eq!(act_1["status"], "done");
    let steps = ticket_steps(&server);
    // The lost answer shows as the tracker out of reach until the retry.
    assert_eq!(steps, ["requested", "unreachable", "linked"], "{steps:#?}");
    // The bias comes back: a failed verification reopens the item and,
    // through the outbox, its issue, saying why.
    server.json(&[
        "actions",
        "verify",
        "INC-1",
        "act-1",
        "--failed",
        "--detail",
        "parity difference back at 0.31 on the audit sample",
    ]);
    assert_eq!(item_of(&server, "act-1")["status"], "open");
    wait_for("the issue to be reopened", 20, || {
        issues.lock().unwrap()[0]["state"] == "open"
    });
    let comments = issues.lock().unwrap()[0]["comments"].to_string();
    assert!(
        comments.contains("verification failed") && comments.contains("0.31"),
        "{comments}"
    );
    // Asking again for a tracked item is refused.
    let again = server.cli(&["actions", "ticket", "INC-1", "act-1", "--tracker", "gh"]);
    assert_eq!(again.status.code(), Some(2), "{again:?}");
}

/// Jira Cloud's REST API v3 for project ML, with Basic credentials.
fn jira(state: Arc<Mutex<(Vec<Value>, bool)>>) -> impl FnMut(&Call, usize) -> Answer + Send {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(JIRA_CREDENTIAL)
    );
    move |call, _| {
        if call.header("authorization") != basic {
            return (
                401,
                vec![],
                json!({"errorMessages": ["You are not authenticated."]}).to_string(),
            );
        }
        let (path, query) = call.path.split_once('?').unwrap_or((&call.path, ""));
        let mut state = state.lock().unwrap();
        let (issues, down) = &mut *state;
        match (call.method.as_str(), path) {
            ("POST", "/rest/api/3/issue") => {
                let fields = &call.body["fields"];
                let labels_ok = fields["labels"].as_array().is_some_and(|l| {
                    l.iter()
                        .all(|x| x.as_str().is_some_and(|s| !s.contains(' ')))
                });
                if fields["project"]["key"] != "ML"
                    || fields["issuetype"]["name"] != "Task"
                    || fields["summary"].as_str().is_none_or(|s| s.is_empty())
                    || fields["description"]["type"] != "doc"
                    || fields["description"]["version"] != 1
                    || !labels_ok
                {
                    return (
                        400,
                        vec![],
                        json!({"errorMessages": [], "errors": {"fields": "invalid"}}).to_string(),
                    );
                }
                let key = format!("ML-{}", issues.len() + 1);
                issues.push(json!({
                    "key": key, "labels": fields["labels"],
                    "fields": {"status": {"name": "To Do", "statusCategory": {"key": "new"}},
                               "resolution": null},
                }));
                (
                    201,
                    vec![],
                    json!({"id": "10001", "key": key, "self": "https://jira.test/rest/api/3/issue/10001"})
                        .to_string(),
                )
            }
            ("GET", "/rest/api/3/search/jql") => {
                let found: Vec<Value> = issues
                    .iter()
                    .filter(|i| {
                        i["labels"].as_array().unwrap().iter().any(|l| {
                            l.as_str()
                                .is_some_and(|l| l.starts_with("firebreak-") && query.contains(l))
                        })
                    })
                    .map(|i| json!({"id": "10001", "key": i["key"]}))
                    .collect();
                (
                    200,
                    vec![],
                    json!({"issues": found, "isLast": true}).to_string(),
                )
            }
            ("GET", _) if *down => (503, vec![], "Service Unavailable".into()),
            ("GET", _) if path.ends_with("/transitions") => (
                200,
                vec![],
                json!({"transitions": [
                    {"id": "31", "name": "Done", "to": {"name": "Done", "statusCategory": {"key": "done"}}},
                    {"id": "11", "name": "Back to do", "to": {"name": "To Do", "statusCategory": {"key": "new"}}},
                ]})
                .to_string(),
            ),
            ("POST", _) if path.ends_with("/transitions") => {
                let key = path
                    .trim_end_matches("/transitions")
                    .strip_prefix("/rest/api/3/issue/")
                    .unwrap_or_default();
                let comment = &call.body["update"]["comment"][0]["add"]["body"];
                if call.body["transition"]["id"] != "11" || comment["type"] != "doc" {
                    return (400, vec![], json!({"errorMessages": ["bad transition"]}).to_string());
                }
                let Some(issue) = issues.iter_mut().find(|i| i["key"] == key) else {
                    return (404, vec![], "{}".into());
                };
                issue["fields"] = json!({
                    "status": {"name": "To Do", "statusCategory": {"key": "new"}},
                    "resolution": null,
                });
                issue["comment"] = comment.clone();
                (204, vec![], String::new())
            }
            ("GET", _) => {
                let key = path.strip_prefix("/rest/api/3/issue/").unwrap_or_default();
                match issues.iter().find(|i| i["key"] == key) {
                    Some(issue) => (200, vec![], issue.to_string()),
                    None => (
                        404,
                        vec![],
                        json!({"errorMessages": ["Issue does not exist"]}).to_string(),
                    ),
                }
            }
            _ => (404, vec![], "{}".into()),
        }
    }
}

#[test]
fn a_jira_issue_is_polled_an_outage_is_shown_once_and_done_follows() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    partition(&logs, "2026-11-01", false);
    let state = Arc::new(Mutex::new((Vec::new(), false)));
    let (api, _calls) = start_provider(jira(state.clone()));
    let server = Server::start_with(&dir.path().join("data"), &["--ticket-interval", "1"]);
    incident_with_action(&server, dir.path(), &logs);
    add_channel(
        &server,
        dir.path(),
        json!({"slug": "jira", "kind": "jira", "project": "ML", "endpoint": api}),
        JIRA_CREDENTIAL,
    );
    server.json(&["actions", "ticket", "INC-1", "act-1", "--tracker", "jira"]);
    wait_for("the issue to be linked", 20, || {
        item_of(&server, "act-1")["ticket"]["key"] == "ML-1"
    });
    assert_eq!(
        item_of(&server, "act-1")["ticket_url"],
        format!("{api}/browse/ML-1")
    );

    state.lock().unwrap().1 = true;
    wait_for("the outage to show", 10, || {
        item_of(&server, "act-1")["ticket"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("503"))
    });
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    let outages = ticket_steps(&server)
        .iter()
        .filter(|step| *step == "unreachable")
        .count();
    assert_eq!(outages, 1, "one event an outage, not one a try");

    {
        let mut state = state.lock().unwrap();
        state.1 = false;
        state.0[0]["fields"] = json!({
            "status": {"name": "Done", "statusCategory": {"key": "done"}},
            "resolution": {"name": "Done"},
        });
    }
    wait_for("the item to follow the issue", 10, || {
        item_of(&server, "act-1")["status"] == "done"
    });
    let act_1 = item_of(&server, "act-1");
    assert!(act_1["ticket"]["error"].is_null(), "{act_1:#}");
    assert_eq!(act_1["ticket"]["remote_status"], "Done (Done)");
    let steps = ticket_steps(&server);
    assert!(steps.contains(&"reachable".to_string()), "{steps:#?}");

    // A failed verification moves the issue back through its workflow.
    server.json(&[
        "actions",
        "verify",
        "INC-1",
        "act-1",
        "--failed",
        "--detail",
        "group B approvals still 11 points lower",
    ]);
    wait_for("the issue back to do", 20, || {
        state.lock().unwrap().0[0]["fields"]["status"]["name"] == "To Do"
    });
    let comment = state.lock().unwrap().0[0]["comment"].to_string();
    assert!(comment.contains("11 points lower"), "{comment}");
}
