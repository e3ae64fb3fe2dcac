//! Slack incident channels end to end: an outbound channel of kind `slack`
//! creates a Slack channel for a declared incident, invites the commander
//! by their Slack user id and posts the incident's key moments there. A
//! loopback receiver stands in for Slack's Web API: it checks each call's
//! documented shape (POST to `/<method>`, `Authorization: Bearer xoxb-…`,
//! a JSON body with the method's required arguments) and answers as Slack
//! does, `{"ok": false, "error": "name_taken"}` for the first name tried
//! and a 429 with `Retry-After` for the first post included.

use crate::channels::{Answer, Call, accepted, add_channel, start_provider, wait_for};
use crate::support::{Server, assert_success};
use serde_json::{Value, json};

const BOT_TOKEN: &str = "xoxb-17-42-S1ackB0tT0ken";
const CHANNEL_ID: &str = "C0INC0001";

fn is_channel_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 80
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn slack(call: &Call, calls_so_far: usize) -> Answer {
    let refused = |error: &str| {
        (
            200,
            vec![],
            json!({"ok": false, "error": error}).to_string(),
        )
    };
    if call.method != "POST" {
        return (405, vec![], String::new());
    }
    if call.header("authorization") != format!("Bearer {BOT_TOKEN}") {
        return refused("invalid_auth");
    }
    if !call.header("content-type").starts_with("application/json") {
        return refused("invalid_arguments");
    }
    let body = &call.body;
    let text = |field: &str| body[field].as_str().unwrap_or_default();
    match call.path.as_str() {
        "/conversations.create" => {
            if !is_channel_name(text("name")) || !body["is_private"].is_boolean() {
                return refused("invalid_name_specials");
            }
            if calls_so_far == 0 {
                return refused("name_taken");
            }
            let answer = json!({"ok": true, "channel": {"id": CHANNEL_ID, "name": text("name"), "is_channel": true}});
            (200, vec![], answer.to_string())
        }
        "/conversations.invite" => {
            let users_ok = text("users")
                .split(',')
                .all(|u| u.starts_with('U') && u.len() > 1);
            if text("channel") != CHANNEL_ID {
                return refused("channel_not_found");
            }
            if !users_ok {
                return refused("user_not_found");
            }
            let answer = json!({"ok": true, "channel": {"id": CHANNEL_ID}});
            (200, vec![], answer.to_string())
        }
        "/chat.postMessage" => {
            if text("channel") != CHANNEL_ID {
                return refused("channel_not_found");
            }
            if text("text").is_empty() {
                return refused("no_text");
            }
            // The first post is rate limited, as Slack does past its tier.
            if calls_so_far == 2 {
                return (429, vec![("retry-after", "1".into())], String::new());
            }
            let answer = json!({"ok": true, "channel": CHANNEL_ID, "ts": format!("1700000000.{calls_so_far:06}")});
            (200, vec![], answer.to_string())
        }
        _ => refused("unknown_method"),
    }
}

/// Calls to `path` that Slack answered with HTTP 200 (every refusal but
/// the taken name shows on the timeline, checked below).
fn succeeded(calls: &[Call], path: &str) -> usize {
    accepted(calls).iter().filter(|c| c.path == path).count()
}

#[test]
fn a_slack_channel_is_created_for_an_incident_its_commander_invited_and_its_changes_posted() {
    let dir = tempfile::tempdir().unwrap();
    let (api, calls) = start_provider(slack);
    let server = Server::start_with(dir.path(), &["--public-url", "http://firebreak.test"]);
    let run = |args: &[&str]| -> Value { server.json(args) };
    run(&["user", "add", "carol", "--role", "responder"]);
    let contact = dir.path().join("carol.toml");
    std::fs::write(
        &contact,
        "slack_user_id = \"U0CAROL\"\n[[rules]]\ncontact = \"slack\"\n",
    )
    .unwrap();
    assert_success(
        &server.cli(&["oncall", "contact", "carol", contact.to_str().unwrap()]),
        &["oncall contact"],
    );
    run(&["system", "register", "scoring", "--name", "Credit scoring"]);
    add_channel(
        &server,
        dir.path(),
        json!({"slug": "ops-slack", "kind": "slack", "min_severity": "sev2", "endpoint": api}),
        BOT_TOKEN,
    );

    run(&[
        "incident",
        "declare",
        "--title",
        "Scores all zero",
        "--severity",
        "sev2",
        "--rationale",
        "many refused",
        "--system",
        "scoring",
    ]);
    wait_for(&calls, "the declaration posted after a 429", |c| {
        succeeded(c, "/chat.postMessage") >= 1
    });
    run(&[
        "incident",
        "set",
        "INC-1",
        "--severity",
        "sev1",
        "--rationale",
        "everyone refused",
    ]);
    run(&["incident", "assign", "INC-1", "commander", "carol"]);
    let seen = wait_for(&calls, "the invite and three posts", |c| {
        succeeded(c, "/conversations.invite") >= 1 && succeeded(c, "/chat.postMessage") >= 3
    });

    // The first name was taken: the second try carries a number.
    let creates: Vec<&Call> = seen
        .iter()
        .filter(|c| c.path == "/conversations.create")
        .collect();
    assert_eq!(creates.len(), 2, "{seen:#?}");
    assert_eq!(creates[0].body["name"], "inc-1-scores-all-zero");
    assert_eq!(creates[1].body["name"], "inc-1-scores-all-zero-2");
    assert_eq!(creates[1].body["is_private"], false);
    // The channel exists before anything is sent to it.
    assert!(
        seen[..2].iter().all(|c| c.path == "/conversations.create"),
        "{seen:#?}"
    );
    assert!(
        seen.iter()
            .all(|c| c.body["channel"] == CHANNEL_ID || c.path == "/conversations.create"),
        "{seen:#?}"
    );
    // The first post was throttled and sent again after Retry-After.
    assert_eq!(seen[2].status, 429, "{seen:#?}");
    assert_eq!(seen[2].body["text"], seen[3].body["text"]);
    let posts: Vec<&str> = accepted(&seen)
        .iter()
        .filter(|c| c.path == "/chat.postMessage")
        .map(|c| c.body["text"].as_str().unwrap())
        .collect();
    assert!(
        posts[0].starts_with("INC-1 declared: SEV2 Scores all zero")
            && posts[0].ends_with("http://firebreak.test/incidents/INC-1"),
        "{posts:#?}"
    );
    assert!(posts[1].starts_with("Severity SEV2 → SEV1"), "{posts:#?}");
    assert!(posts[2].starts_with("carol is now commander"), "{posts:#?}");
    let invite = seen
        .iter()
        .find(|c| c.path == "/conversations.invite")
        .unwrap();
    assert_eq!(invite.body["users"], "U0CAROL");
    assert!(
        seen.iter().all(|c| c.status == 200 || c.status == 429),
        "every call was well formed: {seen:#?}"
    );

    // Every attempt is on the timeline, the refused name and the throttled
    // post too; the creation names the channel.
    let timeline = server.json(&["incident", "show", "INC-1", "--timeline"])["timeline"].clone();
    let attempts: Vec<&Value> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "notice_attempt" && e["body"]["channel"] == "ops-slack")
        .collect();
    let results: Vec<String> = attempts
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["body"]["action"].as_str().unwrap(),
                e["body"]["result"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(results.len(), 6, "{results:#?}");
    assert_eq!(results[0], "create delivered");
    assert!(
        results[1].starts_with("post failed, will retry: Slack answered 429"),
        "{results:#?}"
    );
    assert_eq!(
        results[2..],
        [
            "post delivered",
            "post delivered",
            "invite delivered",
            "post delivered"
        ],
        "{results:#?}"
    );
    assert_eq!(
        attempts[0]["body"]["slack_channel"],
        json!({"id": CHANNEL_ID, "name": "inc-1-scores-all-zero-2"})
    );

    // The bot token is sealed at rest.
    let listed = server.json(&["oncall", "channel", "list"]).to_string();
    assert!(!listed.contains(BOT_TOKEN), "{listed}");
    for file in ["firebreak.db", "firebreak.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(file)) {
            let found = bytes
                .windows(BOT_TOKEN.len())
                .any(|w| w == BOT_TOKEN.as_bytes());
            assert!(!found, "the bot token is stored in the clear in {file}");
        }
    }
    assert_success(&crate::support::verify(dir.path(), &[]), &["verify"]);
}
