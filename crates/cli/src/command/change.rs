//! `firebreak change record|list|source …`.

use super::{definition, parse_flag};
use crate::cli::{ChangeCommand, ChangeSourceCommand};
use crate::client::{Client, encode, timestamp_flag};
use crate::output::{self, text};
use anyhow::Result;
use firebreak_core::change::ChangeKind;
use reqwest::Method;
use serde_json::{Map, Value, json};

const SOURCES: &str = "/api/v1/change-sources";

/// "v3 → v4", "→ v4", or nothing.
fn versions(change: &Value) -> String {
    firebreak_core::change::versions(
        change["version_from"].as_str(),
        change["version_to"].as_str(),
    )
}

fn change_row(change: &Value) -> Vec<String> {
    vec![
        text(&change["id"]),
        text(&change["at"]),
        text(&change["system"]),
        text(&change["kind"]).replace('_', " "),
        versions(change),
        text(&change["by"]),
    ]
}

const CHANGE_HEADERS: [&str; 6] = ["ID", "AT", "SYSTEM", "KIND", "VERSIONS", "BY"];

pub async fn run(command: ChangeCommand) -> Result<()> {
    let client = Client::from_environment()?;
    match command {
        ChangeCommand::Record {
            system,
            kind,
            version_from,
            version_to,
            by,
            at,
            link,
            description,
            external_id,
            json,
        } => {
            let kind: ChangeKind = parse_flag("kind", &kind)?;
            let mut body = Map::new();
            body.insert("system".into(), json!(system));
            body.insert("kind".into(), json!(kind));
            body.insert("description".into(), json!(description));
            for (field, value) in [
                ("version_from", version_from),
                ("version_to", version_to),
                ("by", by),
                ("at", timestamp_flag("at", &at)?),
                ("link", link),
                ("external_id", external_id),
            ] {
                if let Some(value) = value {
                    body.insert(field.into(), json!(value));
                }
            }
            let change = client.post("/api/v1/changes", Value::Object(body)).await?;
            if json {
                output::json(&change);
            } else {
                println!(
                    "recorded {}: {} {} on {}",
                    text(&change["id"]),
                    text(&change["kind"]).replace('_', " "),
                    versions(&change),
                    text(&change["system"])
                );
            }
            Ok(())
        }
        ChangeCommand::List {
            incident: Some(incident),
            window_hours,
            json,
            ..
        } => {
            let path = format!(
                "/api/v1/incidents/{}/context?window_hours={window_hours}",
                encode(&incident)
            );
            let context = client.get(&path).await?;
            if json {
                output::json(&context);
            } else {
                print_context(&incident, &context);
            }
            Ok(())
        }
        ChangeCommand::List {
            system,
            since,
            until,
            limit,
            json,
            ..
        } => {
            let mut query = vec![format!("limit={limit}")];
            if let Some(system) = system {
                query.push(format!("system={}", encode(&system)));
            }
            for (flag, value) in [("since", since), ("until", until)] {
                if let Some(at) = timestamp_flag(flag, &value)? {
                    query.push(format!("{flag}={}", encode(&at)));
                }
            }
            let changes = client
                .get(&format!("/api/v1/changes?{}", query.join("&")))
                .await?;
            if json {
                output::json(&changes);
            } else {
                let rows: Vec<Vec<String>> = changes
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(change_row)
                    .collect();
                output::table(&CHANGE_HEADERS, &rows);
            }
            Ok(())
        }
        ChangeCommand::Source(command) => source(&client, command).await,
    }
}

fn print_context(incident: &str, context: &Value) {
    println!(
        "What changed in the {} hours before {incident} ({} to {}), nearest first:",
        text(&context["window_hours"]),
        text(&context["since"]),
        text(&context["until"])
    );
    let rows: Vec<Vec<String>> = context["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let mut row = change_row(c);
            let path: Vec<String> = c["path"]
                .as_array()
                .into_iter()
                .flatten()
                .map(text)
                .collect();
            row.push(if path.len() > 1 {
                format!("upstream: {}", path.join(" → "))
            } else {
                "affected".into()
            });
            row
        })
        .collect();
    if rows.is_empty() {
        println!("  no recorded change");
    } else {
        let mut headers = CHANGE_HEADERS.to_vec();
        headers.push("HOW");
        output::table(&headers, &rows);
    }
    if context["truncated"] == json!(true) {
        println!("  (only the nearest are listed)");
    }
    let controls = context["control_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !controls.is_empty() {
        println!("\nFirebreak's own control changes:");
        let rows: Vec<Vec<String>> = controls
            .iter()
            .map(|c| {
                vec![
                    text(&c["at"]),
                    text(&c["system"]),
                    text(&c["by"]),
                    text(&c["description"]),
                ]
            })
            .collect();
        output::table(&["AT", "SYSTEM", "BY", "WHAT"], &rows);
    }
    let radius = context["blast_radius"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    println!("\nBlast radius (systems that depend on the affected ones):");
    if radius.is_empty() {
        println!("  none");
    }
    for dependant in radius {
        let path: Vec<String> = dependant["path"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        println!("  {}  via {}", text(&dependant["system"]), path.join(" → "));
    }
}

async fn source(client: &Client, command: ChangeSourceCommand) -> Result<()> {
    match command {
        ChangeSourceCommand::Add { file } => {
            let mut source = definition::read(&file)?;
            definition::secret_from_stdin(&mut source, &file, "secret")?;
            let slug = definition::put(client, SOURCES, source, &file).await?;
            println!(
                "saved change source {slug}; its secret is stored sealed; deliveries go to /api/v1/changes/webhooks/{slug}"
            );
            Ok(())
        }
        ChangeSourceCommand::List { json } => {
            let sources = client.get(SOURCES).await?;
            if json {
                output::json(&sources);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = sources
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    let systems: Vec<String> = s["rules"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|r| text(&r["system"]))
                        .collect();
                    vec![
                        text(&s["slug"]),
                        text(&s["provider"]),
                        systems.join(", "),
                        text(&s["webhook_path"]),
                    ]
                })
                .collect();
            output::table(&["SLUG", "PROVIDER", "SYSTEMS", "WEBHOOK"], &rows);
            Ok(())
        }
        ChangeSourceCommand::Remove { slug } => {
            client
                .send(
                    Method::DELETE,
                    &format!("{SOURCES}/{}", encode(&slug)),
                    None,
                )
                .await?;
            println!("removed change source {slug}");
            Ok(())
        }
    }
}
