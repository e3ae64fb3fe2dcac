//! `firebreak oncall [SYSTEM] [--at TIME] | schedule … | escalation … |
//! team FILE | contact USER FILE | channel add|list|remove | ack INC-n`
//! (`stakeholders` and `update` are in `updates.rs`). Definitions are read from
//! JSON or, for files ending `.toml`, TOML (quote times such as
//! `handoff = "09:00"`: TOML's own date-times are not schedule times).

use super::definition;
use crate::cli::{
    ChannelCommand, EscalationCommand, OncallArgs, OncallCommand, RangeFlags, ScheduleCommand,
};
use crate::client::{Client, encode, timestamp_flag};
use crate::output::{self, text};
use anyhow::Result;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;

/// PUTs a definition file to `collection/<slug>`.
async fn put_definition(client: &Client, collection: &str, file: &Path) -> Result<()> {
    let slug = definition::put(client, collection, definition::read(file)?, file).await?;
    println!("saved {slug}");
    Ok(())
}

fn range_query(range: &RangeFlags) -> Result<String> {
    let mut parts = Vec::new();
    if let Some(from) = timestamp_flag("from", &range.from)? {
        parts.push(format!("from={}", encode(&from)));
    }
    if let Some(to) = timestamp_flag("to", &range.to)? {
        parts.push(format!("to={}", encode(&to)));
    }
    Ok(if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    })
}

fn print_list(items: &Value, json: bool) {
    if json {
        output::json(items);
        return;
    }
    let rows: Vec<Vec<String>> = items
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| vec![text(&item["slug"]), text(&item["name"])])
        .collect();
    output::table(&["SLUG", "NAME"], &rows);
}

fn print_now(answer: &Value) {
    if let Some(policy) = answer["policy"].as_str() {
        let users: Vec<String> = answer["first_level"]["users"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|u| text(&u["user"]))
            .collect();
        println!("policy {policy} pages first: {}", users.join(", "));
        for missed in answer["first_level"]["unresolved"]
            .as_array()
            .into_iter()
            .flatten()
        {
            println!("  reaches nobody: {}", text(&missed["reason"]));
        }
    } else if let Some(system) = answer["system"].as_str() {
        println!("system {system} has no escalation policy: its incidents page nobody");
    }
    let rows: Vec<Vec<String>> = answer["schedules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            let who = &s["on_call"];
            vec![
                text(&s["schedule"]),
                who["user"].as_str().unwrap_or("nobody").to_string(),
                who["end"].as_str().unwrap_or("").to_string(),
            ]
        })
        .collect();
    output::table(&["SCHEDULE", "ON CALL", "UNTIL"], &rows);
}

async fn schedule(client: &Client, command: ScheduleCommand) -> Result<()> {
    const SCHEDULES: &str = "/api/v1/oncall/schedules";
    match command {
        ScheduleCommand::Add { file } => put_definition(client, SCHEDULES, &file).await,
        ScheduleCommand::List { json } => {
            print_list(&client.get(SCHEDULES).await?, json);
            Ok(())
        }
        ScheduleCommand::Show { slug } => {
            output::json(
                &client
                    .get(&format!("{SCHEDULES}/{}", encode(&slug)))
                    .await?,
            );
            Ok(())
        }
        ScheduleCommand::Shifts { slug, range, json } => {
            let path = format!(
                "{SCHEDULES}/{}/shifts{}",
                encode(&slug),
                range_query(&range)?
            );
            let shifts = client.get(&path).await?;
            if json {
                output::json(&shifts);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = shifts
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| vec![text(&s["user"]), text(&s["start"]), text(&s["end"])])
                .collect();
            output::table(&["USER", "FROM", "TO"], &rows);
            Ok(())
        }
        ScheduleCommand::Ical { user, range } => {
            let path = format!(
                "/api/v1/users/{}/oncall.ics{}",
                encode(&user),
                range_query(&range)?
            );
            print!("{}", client.get_accepting(&path, "text/calendar").await?);
            Ok(())
        }
    }
}

async fn escalation(client: &Client, command: EscalationCommand) -> Result<()> {
    const POLICIES: &str = "/api/v1/oncall/policies";
    match command {
        EscalationCommand::Add { file } => put_definition(client, POLICIES, &file).await,
        EscalationCommand::List { json } => {
            print_list(&client.get(POLICIES).await?, json);
            Ok(())
        }
        EscalationCommand::Show { slug } => {
            output::json(&client.get(&format!("{POLICIES}/{}", encode(&slug))).await?);
            Ok(())
        }
        EscalationCommand::Attach { system, policy } => {
            let path = format!("/api/v1/systems/{}/escalation-policy", encode(&system));
            client
                .send(Method::PUT, &path, Some(json!({ "policy": policy })))
                .await?;
            println!("{system}'s incidents now page with {policy}");
            Ok(())
        }
    }
}

async fn channel(client: &Client, command: ChannelCommand) -> Result<()> {
    const CHANNELS: &str = "/api/v1/oncall/channels";
    match command {
        ChannelCommand::Add { file } => {
            let mut channel = definition::read(&file)?;
            definition::secret_from_stdin(&mut channel, &file, "credential")?;
            if matches!(channel["kind"].as_str(), Some("github" | "jira")) {
                definition::optional_secret_from_stdin(&mut channel, &file, "webhook_secret")?;
            }
            let slug = definition::put(client, CHANNELS, channel, &file).await?;
            println!("saved channel {slug}; its credential is stored sealed");
            Ok(())
        }
        ChannelCommand::List { json } => {
            let channels = client.get(CHANNELS).await?;
            if json {
                output::json(&channels);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = channels
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let systems: Vec<String> = c["systems"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(text)
                        .collect();
                    vec![
                        text(&c["slug"]),
                        text(&c["kind"]),
                        if systems.is_empty() {
                            "every system".into()
                        } else {
                            systems.join(", ")
                        },
                        format!("{} and above", text(&c["min_severity"]).to_uppercase()),
                    ]
                })
                .collect();
            output::table(&["SLUG", "KIND", "SYSTEMS", "SEVERITY"], &rows);
            Ok(())
        }
        ChannelCommand::Remove { slug } => {
            client
                .send(
                    Method::DELETE,
                    &format!("{CHANNELS}/{}", encode(&slug)),
                    None,
                )
                .await?;
            println!("removed channel {slug}");
            Ok(())
        }
    }
}

pub async fn run(args: OncallArgs) -> Result<()> {
    let client = Client::from_environment()?;
    let Some(command) = args.command else {
        let mut query = Vec::new();
        if let Some(system) = &args.system {
            query.push(format!("system={}", encode(system)));
        }
        if let Some(at) = timestamp_flag("at", &args.at)? {
            query.push(format!("at={}", encode(&at)));
        }
        let answer = client
            .get(&format!("/api/v1/oncall?{}", query.join("&")))
            .await?;
        if args.json {
            output::json(&answer);
        } else {
            print_now(&answer);
        }
        return Ok(());
    };
    match command {
        OncallCommand::Schedule(command) => schedule(&client, command).await,
        OncallCommand::Escalation(command) => escalation(&client, command).await,
        OncallCommand::Channel(command) => channel(&client, command).await,
        OncallCommand::Team { file } => {
            put_definition(&client, "/api/v1/oncall/teams", &file).await
        }
        OncallCommand::Contact { user, file } => {
            let methods = definition::read(&file)?;
            let path = format!("/api/v1/users/{}/contact", encode(&user));
            client.send(Method::PUT, &path, Some(methods)).await?;
            println!("contact methods of {user} saved");
            Ok(())
        }
        OncallCommand::Stakeholders { system, file, json } => {
            super::updates::stakeholders(&client, &system, file, json).await
        }
        OncallCommand::Update(command) => super::updates::run(&client, command).await,
        OncallCommand::Ack { incident, json } => {
            let path = format!("/api/v1/incidents/{}/acknowledge", encode(&incident));
            let acknowledged = client.post(&path, json!({})).await?;
            if json {
                output::json(&acknowledged);
            } else {
                println!(
                    "{incident} acknowledged at {}: escalation stopped",
                    text(&acknowledged["times"]["acknowledged_at"])
                );
            }
            Ok(())
        }
    }
}
