//! `firebreak control list|show|set|hook` and the mode words shared with
//! `incident contain`.

use crate::InputError;
use crate::cli::{ControlCommand, HookCommand};
use crate::client::{Client, encode};
use crate::output::{self, text};
use anyhow::Result;
use reqwest::Method;
use serde_json::{Map, Value, json};

/// The JSON of a control mode from CLI words: `disable`/`disabled`,
/// `human-review`, `fallback NAME`, `rollback`/`pinned-version VERSION`,
/// `restore`/`normal`.
pub fn mode_json(
    word: &str,
    fallback: Option<String>,
    version: Option<String>,
) -> Result<Map<String, Value>> {
    let mut mode = Map::new();
    let name = match word {
        "disable" | "disabled" => "disabled",
        "human-review" | "human_review" => "human_review",
        "restore" | "normal" => "normal",
        "fallback" => {
            let fallback = fallback
                .ok_or_else(|| InputError("--fallback NAME is required for a fallback".into()))?;
            mode.insert("fallback".into(), json!(fallback));
            "fallback"
        }
        "rollback" | "pinned-version" | "pinned_version" => {
            let version = version.ok_or_else(|| {
                InputError("--version VERSION (a known-good one) is required to roll back".into())
            })?;
            mode.insert("model_version".into(), json!(version));
            "pinned_version"
        }
        other => {
            return Err(InputError(format!(
                "unknown action `{other}`, expected disable, human-review, fallback, rollback or restore"
            ))
            .into());
        }
    };
    mode.insert("mode".into(), json!(name));
    Ok(mode)
}

pub fn describe(state: &Value) -> String {
    match state["mode"].as_str() {
        Some("fallback") => format!("fallback {}", text(&state["fallback"])),
        Some("pinned_version") => format!("pinned to {}", text(&state["model_version"])),
        _ => text(&state["mode"]),
    }
}

fn row(state: &Value) -> Vec<String> {
    vec![
        text(&state["system"]),
        describe(state),
        text(&state["reason"]),
        text(&state["incident"]),
        text(&state["changed_by"]),
        text(&state["changed_at"]),
        text(&state["version"]),
    ]
}

const HEADERS: [&str; 7] = [
    "SYSTEM", "MODE", "REASON", "INCIDENT", "BY", "AT", "VERSION",
];

fn namespace(word: &str) -> Result<&str> {
    match word {
        "production" | "drill" => Ok(word),
        other => Err(InputError(format!(
            "--namespace `{other}`: expected production or drill"
        ))
        .into()),
    }
}

pub async fn run(command: ControlCommand) -> Result<()> {
    let client = Client::from_environment()?;
    match command {
        ControlCommand::List {
            namespace: ns,
            json,
        } => {
            let states = client
                .get(&format!("/api/v1/control?namespace={}", namespace(&ns)?))
                .await?;
            if json {
                output::json(&states);
            } else {
                let rows: Vec<_> = states.as_array().into_iter().flatten().map(row).collect();
                output::table(&HEADERS, &rows);
            }
        }
        ControlCommand::Show {
            system,
            namespace: ns,
            json,
        } => {
            let state = client
                .get(&format!(
                    "/api/v1/systems/{}/control?namespace={}",
                    encode(&system),
                    namespace(&ns)?
                ))
                .await?;
            if json {
                output::json(&state)
            } else {
                output::table(&HEADERS, &[row(&state)])
            }
        }
        ControlCommand::Set {
            system,
            mode,
            fallback,
            version,
            reason,
            namespace: ns,
            json,
        } => {
            let mut body = mode_json(&mode, fallback, version)?;
            body.insert("reason".into(), json!(reason));
            body.insert("namespace".into(), json!(namespace(&ns)?));
            let state = client
                .send(
                    Method::PUT,
                    &format!("/api/v1/systems/{}/control", encode(&system)),
                    Some(Value::Object(body)),
                )
                .await?;
            if json {
                output::json(&state);
            } else {
                println!(
                    "{system} is now {} (version {})",
                    describe(&state),
                    text(&state["version"])
                );
            }
        }
        ControlCommand::Hook(HookCommand::Add { system, url, json }) => {
            let hook = client
                .post(
                    &format!("/api/v1/systems/{}/hooks", encode(&system)),
                    json!({ "url": url }),
                )
                .await?;
            if json {
                output::json(&hook);
            } else {
                println!("added hook {} for {system}", text(&hook["id"]));
                println!("signing secret (shown once): {}", text(&hook["secret"]));
            }
        }
        ControlCommand::Hook(HookCommand::List { system, json }) => {
            let hooks = client
                .get(&format!("/api/v1/systems/{}/hooks", encode(&system)))
                .await?;
            if json {
                output::json(&hooks);
            } else {
                let rows: Vec<_> = hooks
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|h| vec![text(&h["id"]), text(&h["url"]), text(&h["created_at"])])
                    .collect();
                output::table(&["ID", "URL", "CREATED"], &rows);
            }
        }
        ControlCommand::Hook(HookCommand::Remove { id }) => {
            client
                .send(
                    Method::DELETE,
                    &format!("/api/v1/hooks/{}", encode(&id)),
                    None,
                )
                .await?;
            println!("removed hook {id}");
        }
    }
    Ok(())
}
