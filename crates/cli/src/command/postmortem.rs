//! `firebreak postmortem …` and `firebreak actions`: blameless post-mortems
//! and their action items through the API.

use crate::InputError;
use crate::cli::{
    ActionStatusArg, ActionsArgs, ActionsCommand, ActionsExportFormat, PostmortemCommand,
};
use crate::client::{Client, encode};
use crate::output::{self, text};
use anyhow::Result;
use firebreak_core::incident::{parse_public_id, public_id};
use reqwest::Method;
use serde_json::{Value, json};
use std::process::ExitCode;

fn incident_id(id: &str) -> Result<String> {
    Ok(public_id(parse_public_id(id).map_err(InputError)?))
}

fn print_findings(view: &Value) -> usize {
    let mut count = 0;
    for finding in view["lint"].as_array().into_iter().flatten() {
        count += 1;
        println!(
            "{} {}:{}:{} {} `{}`: {}\n    suggestion: {}",
            text(&finding["severity"]).to_uppercase(),
            text(&finding["field"]),
            text(&finding["line"]),
            text(&finding["column"]),
            text(&finding["rule"]),
            text(&finding["matched"]),
            text(&finding["message"]),
            text(&finding["suggestion"]),
        );
    }
    for entry in view["smart"].as_array().into_iter().flatten() {
        count += 1;
        println!(
            "SMART {}.{}: {}",
            text(&entry["item"]),
            text(&entry["field"]),
            text(&entry["message"])
        );
    }
    count
}

fn print_view(view: &Value, json: bool) {
    if json {
        output::json(view);
        return;
    }
    let postmortem = &view["postmortem"];
    println!(
        "{}: post-mortem ({}), template {}, review round {}",
        text(&view["incident"]),
        text(&postmortem["status"]),
        text(&postmortem["template"]),
        text(&postmortem["review_round"])
    );
    let missing: Vec<String> = view["missing_sections"]
        .as_array()
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    if !missing.is_empty() {
        println!("to write: {}", missing.join(", "));
    }
    print_findings(view);
    for blocker in view["blockers"].as_array().into_iter().flatten() {
        println!(
            "blocks approval: {}: {}",
            text(&blocker["field"]),
            text(&blocker["message"])
        );
    }
}

pub async fn run(command: PostmortemCommand) -> Result<ExitCode> {
    let client = Client::from_environment()?;
    let base = |incident: &str| -> Result<String> {
        Ok(format!(
            "/api/v1/incidents/{}/postmortem",
            incident_id(incident)?
        ))
    };
    let transition = |incident: &str, body: Value| -> Result<(String, Value)> {
        Ok((format!("{}/transitions", base(incident)?), body))
    };
    match command {
        PostmortemCommand::Draft {
            incident,
            template,
            json,
        } => {
            let view = client
                .post(
                    &format!("{}/draft", base(&incident)?),
                    json!({ "template": template }),
                )
                .await?;
            print_view(&view, json);
        }
        PostmortemCommand::Show { incident, json } => {
            print_view(&client.get(&base(&incident)?).await?, json);
        }
        PostmortemCommand::Edit {
            incident,
            file,
            json,
        } => {
            let content = std::fs::read_to_string(&file)
                .map_err(|e| InputError(format!("cannot read {}: {e}", file.display())))?;
            let body: Value = serde_json::from_str(&content)
                .map_err(|e| InputError(format!("{}: not JSON: {e}", file.display())))?;
            super::check_format(
                &file,
                firebreak_server::api::schemas::InputFormat::Postmortem,
                &body,
            )?;
            let view = client
                .send(Method::PUT, &base(&incident)?, Some(body))
                .await?;
            print_view(&view, json);
        }
        PostmortemCommand::Lint { incident, json } => {
            let view = client.get(&base(&incident)?).await?;
            let found = if json {
                output::json(&json!({ "lint": view["lint"], "smart": view["smart"] }));
                view["lint"].as_array().map_or(0, Vec::len)
                    + view["smart"].as_array().map_or(0, Vec::len)
            } else {
                let found = print_findings(&view);
                if found == 0 {
                    println!("no findings: blameless and SMART");
                }
                found
            };
            return Ok(if found == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        PostmortemCommand::Review { incident } => {
            let (path, body) = transition(&incident, json!({ "to": "in_review" }))?;
            print_view(&client.post(&path, body).await?, false);
        }
        PostmortemCommand::SignOff {
            incident,
            role,
            request_changes,
            comment,
        } => {
            let decision = if request_changes {
                "request_changes"
            } else {
                "approve"
            };
            let body = json!({ "role": role, "decision": decision, "comment": comment });
            let path = format!("{}/sign-offs", base(&incident)?);
            print_view(&client.post(&path, body).await?, false);
        }
        PostmortemCommand::Approve {
            incident,
            override_reason,
        } => {
            let (path, body) = transition(
                &incident,
                json!({ "to": "approved", "override_reason": override_reason }),
            )?;
            print_view(&client.post(&path, body).await?, false);
        }
        PostmortemCommand::Publish { incident } => {
            let (path, body) = transition(&incident, json!({ "to": "published" }))?;
            print_view(&client.post(&path, body).await?, false);
        }
        PostmortemCommand::Reopen { incident, reason } => {
            let (path, body) = transition(&incident, json!({ "to": "draft", "reason": reason }))?;
            print_view(&client.post(&path, body).await?, false);
        }
        PostmortemCommand::Export {
            incident,
            format,
            output,
        } => {
            let path = format!("{}/export?format={}", base(&incident)?, format.as_str());
            let bytes = client.download(Method::GET, &path, None, &output).await?;
            eprintln!("{incident}: {bytes} bytes written to {}", output.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One action item of a post-mortem as the server answers after a change.
fn print_item(view: &Value, action: &str, json: bool) {
    if json {
        output::json(view);
        return;
    }
    let Some(item) = view["postmortem"]["action_items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["id"] == action)
    else {
        return;
    };
    println!(
        "{} {}: {}",
        text(&item["id"]),
        text(&item["title"]),
        text(&item["status"])
    );
    let check = &item["verification"]["check"];
    match check["kind"].as_str() {
        Some("monitor") => println!(
            "check: monitor {} within its thresholds for {} runs",
            text(&check["monitor"]),
            text(&check["runs"])
        ),
        Some(_) => println!("check: {}", text(&check["check"])),
        None => {}
    }
    let ticket = &item["ticket"];
    if ticket.is_object() {
        let state = match (ticket["key"].as_str(), ticket["remote_status"].as_str()) {
            (None, _) => "asked for".to_string(),
            (Some(key), None) => format!("{key} {}", text(&ticket["url"])),
            (Some(key), Some(status)) => format!("{key} {status} {}", text(&ticket["url"])),
        };
        println!("ticket in {}: {state}", text(&ticket["channel"]));
        if let Some(error) = ticket["error"].as_str() {
            println!("ticket cannot be read: {error}");
        }
    }
    for result in item["verification"]["results"]
        .as_array()
        .into_iter()
        .flatten()
    {
        println!(
            "verified {} {} by {}: {}",
            text(&result["at"]),
            text(&result["outcome"]),
            text(&result["by"]),
            text(&result["detail"])
        );
    }
}

fn action_path(incident: &str, action: &str, tail: &str) -> Result<String> {
    Ok(format!(
        "/api/v1/incidents/{}/postmortem/actions/{}/{tail}",
        incident_id(incident)?,
        encode(action)
    ))
}

pub async fn actions(args: ActionsArgs) -> Result<()> {
    let client = Client::from_environment()?;
    match args.command {
        Some(ActionsCommand::Status {
            incident,
            action,
            status,
            reason,
            json,
        }) => {
            let status = match status {
                ActionStatusArg::Open => "open",
                ActionStatusArg::InProgress => "in_progress",
                ActionStatusArg::Done => "done",
                ActionStatusArg::WontDo => "wont_do",
            };
            let path = action_path(&incident, &action, "status")?;
            let view = client
                .post(&path, json!({"status": status, "reason": reason}))
                .await?;
            print_item(&view, &action, json);
            return Ok(());
        }
        Some(ActionsCommand::Check {
            incident,
            action,
            monitor,
            runs,
            manual,
            finding,
            clear,
            json,
        }) => {
            let check = match (monitor, runs, manual, finding) {
                (Some(monitor), Some(runs), _, _) => {
                    json!({"kind": "monitor", "monitor": monitor, "runs": runs})
                }
                (_, _, Some(check), _) => json!({"kind": "manual", "check": check}),
                (_, _, _, Some(file)) => {
                    let mut check = super::definition::read(&file)?;
                    if !check.is_object() {
                        return Err(InputError(format!(
                            "{}: a JSON object with request, metric and at_most or at_least",
                            file.display()
                        ))
                        .into());
                    }
                    check["kind"] = json!("finding");
                    check
                }
                _ if clear => Value::Null,
                _ => {
                    return Err(InputError(
                        "give --monitor M --runs N, --manual TEXT, --finding FILE or --clear"
                            .into(),
                    )
                    .into());
                }
            };
            let path = action_path(&incident, &action, "check")?;
            let view = client
                .send(Method::PUT, &path, Some(json!({"check": check})))
                .await?;
            print_item(&view, &action, json);
            return Ok(());
        }
        Some(ActionsCommand::Verify {
            incident,
            action,
            passed,
            failed: _,
            detail,
            evidence,
            json,
        }) => {
            let outcome = if passed { "passed" } else { "failed" };
            let path = action_path(&incident, &action, "verifications")?;
            let view = client
                .post(
                    &path,
                    json!({"outcome": outcome, "detail": detail, "evidence": evidence}),
                )
                .await?;
            print_item(&view, &action, json);
            return Ok(());
        }
        Some(ActionsCommand::Ticket {
            incident,
            action,
            tracker,
            json,
        }) => {
            let path = action_path(&incident, &action, "ticket")?;
            let view = client.post(&path, json!({"channel": tracker})).await?;
            print_item(&view, &action, json);
            return Ok(());
        }
        Some(ActionsCommand::Export { .. }) | None => {}
    }
    if let Some(ActionsCommand::Export {
        format,
        overdue,
        output,
    }) = args.command
    {
        let format = match format {
            ActionsExportFormat::Csv => "csv",
            ActionsExportFormat::Jira => "jira",
            ActionsExportFormat::Github => "github",
        };
        let path = format!(
            "/api/v1/actions/export?format={}&overdue={overdue}",
            encode(format)
        );
        let bytes = client.download(Method::GET, &path, None, &output).await?;
        eprintln!("{bytes} bytes written to {}", output.display());
        return Ok(());
    }
    let items = client
        .get(&format!("/api/v1/actions?overdue={}", args.overdue))
        .await?;
    if args.json {
        output::json(&items);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = items
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            vec![
                text(&a["source"]),
                text(&a["id"]),
                text(&a["title"]),
                text(&a["owner"]),
                text(&a["due"]),
                text(&a["status"]),
            ]
        })
        .collect();
    output::table(&["SOURCE", "ID", "ACTION", "OWNER", "DUE", "STATUS"], &rows);
    Ok(())
}
