//! `firebreak oncall stakeholders SYSTEM [--file F]` and `firebreak oncall
//! update draft|edit|approve|send|list INC-n`: stakeholder lists and
//! updates, through the API.

use crate::InputError;
use crate::cli::UpdateCommand;
use crate::client::{Client, encode};
use crate::output::{self, text};
use anyhow::Result;
use reqwest::Method;
use serde_json::{Map, Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Sets a system's lists from `file`, or prints them.
pub async fn stakeholders(
    client: &Client,
    system: &str,
    file: Option<PathBuf>,
    json: bool,
) -> Result<()> {
    let path = format!("/api/v1/systems/{}/stakeholders", encode(system));
    if let Some(file) = file {
        let lists = super::definition::read(&file)?;
        client.send(Method::PUT, &path, Some(lists)).await?;
        println!("stakeholder lists of {system} saved");
        return Ok(());
    }
    let lists = client.get(&path).await?;
    if json {
        output::json(&lists);
        return Ok(());
    }
    let mut rows = Vec::new();
    for (audience, list) in lists.as_object().into_iter().flatten() {
        for contact in ["email", "slack"] {
            for address in list[contact].as_array().into_iter().flatten() {
                rows.push(vec![audience.clone(), contact.to_string(), text(address)]);
            }
        }
    }
    output::table(&["AUDIENCE", "BY", "ADDRESS"], &rows);
    Ok(())
}

fn read_body(file: &Path) -> Result<String> {
    let mut body = String::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut body)
            .map_err(|e| InputError(format!("cannot read the body from standard input: {e}")))?;
    } else {
        body = std::fs::read_to_string(file)
            .map_err(|e| InputError(format!("cannot read {}: {e}", file.display())))?;
    }
    Ok(body)
}

fn recipients(update: &Value) -> String {
    let to: Vec<String> = update["recipients"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| text(&r["address"]))
        .collect();
    to.join(", ")
}

fn print_update(update: &Value) {
    println!(
        "update {} to {} ({}): {}",
        text(&update["id"]),
        text(&update["audience"]),
        text(&update["status"]),
        text(&update["subject"])
    );
}

pub async fn run(client: &Client, command: UpdateCommand) -> Result<()> {
    let updates = |incident: &str| format!("/api/v1/incidents/{}/updates", encode(incident));
    match command {
        UpdateCommand::Draft {
            incident,
            audience,
            template,
            json,
        } => {
            let mut request = json!({ "audience": audience });
            if let Some(template) = template {
                request["template"] = json!(template);
            }
            let update = client.post(&updates(&incident), request).await?;
            if json {
                output::json(&update);
            } else {
                print_update(&update);
                println!("\n{}", text(&update["body"]));
            }
            Ok(())
        }
        UpdateCommand::Edit {
            incident,
            id,
            subject,
            body,
        } => {
            let mut request = Map::new();
            if let Some(subject) = subject {
                request.insert("subject".into(), json!(subject));
            }
            if let Some(file) = body {
                request.insert("body".into(), json!(read_body(&file)?));
            }
            if request.is_empty() {
                return Err(InputError("give --subject or --body".into()).into());
            }
            let path = format!("{}/{id}", updates(&incident));
            let update = client
                .send(Method::PUT, &path, Some(Value::Object(request)))
                .await?;
            print_update(&update);
            Ok(())
        }
        UpdateCommand::Approve { incident, id } => {
            let path = format!("{}/{id}/approve", updates(&incident));
            print_update(&client.post(&path, json!({})).await?);
            Ok(())
        }
        UpdateCommand::Send { incident, id } => {
            let path = format!("{}/{id}/send", updates(&incident));
            let update = client.post(&path, json!({})).await?;
            print_update(&update);
            println!("to {}", recipients(&update));
            Ok(())
        }
        UpdateCommand::List { incident, json } => {
            let view = client.get(&updates(&incident)).await?;
            if json {
                output::json(&view);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = view["updates"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|u| {
                    vec![
                        text(&u["id"]),
                        text(&u["audience"]),
                        text(&u["status"]),
                        text(&u["subject"]),
                        recipients(u),
                    ]
                })
                .collect();
            output::table(&["ID", "AUDIENCE", "STATUS", "SUBJECT", "SENT TO"], &rows);
            if view["approval_required"] == true {
                println!(
                    "updates need approval by {} before they are sent",
                    view["approver"].as_str().unwrap_or("an admin")
                );
            }
            Ok(())
        }
    }
}
