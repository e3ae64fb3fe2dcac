//! `firebreak integration …` and `firebreak alert list|link`.

use super::incident::{declare_body, done};
use crate::InputError;
use crate::cli::{AlertCommand, IntegrationCommand};
use crate::client::{Client, encode};
use crate::output::{self, text};
use anyhow::{Context, Result};
use firebreak_server::api::schemas::InputFormat;
use reqwest::Method;
use serde_json::{Value, json};

fn integration_row(i: &Value) -> Vec<String> {
    vec![
        text(&i["id"]),
        text(&i["name"]),
        text(&i["source"]),
        i["rules"].as_array().map_or(0, Vec::len).to_string(),
        text(&i["revoked_at"]),
    ]
}

pub async fn integration(command: IntegrationCommand) -> Result<()> {
    let client = Client::from_environment()?;
    match command {
        IntegrationCommand::Create {
            name,
            source,
            rules_file,
            json,
        } => {
            let (rules, mapping) = match rules_file {
                None => (json!([]), json!({})),
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    let value: Value = serde_json::from_str(&text)
                        .map_err(|e| InputError(format!("{}: not JSON: {e}", path.display())))?;
                    match value {
                        Value::Array(_) => {
                            super::check_format(&path, InputFormat::RoutingRules, &value)?;
                            (value, json!({}))
                        }
                        Value::Object(ref o) => {
                            let rules = o.get("rules").cloned().unwrap_or(json!([]));
                            super::check_format_within(
                                &path,
                                "rules",
                                InputFormat::RoutingRules,
                                &rules,
                            )?;
                            (rules, o.get("mapping").cloned().unwrap_or(json!({})))
                        }
                        _ => {
                            return Err(InputError(format!(
                                "{}: expected a list of rules or {{\"rules\", \"mapping\"}}",
                                path.display()
                            ))
                            .into());
                        }
                    }
                }
            };
            let created = client
                .post(
                    "/api/v1/integrations",
                    json!({ "name": name, "source": source, "rules": rules, "mapping": mapping }),
                )
                .await?;
            if json {
                output::json(&created);
            } else {
                println!(
                    "created integration {} ({})",
                    text(&created["id"]),
                    text(&created["source"])
                );
                println!("key (shown once): {}", text(&created["key"]));
            }
        }
        IntegrationCommand::List(flag) => {
            let all = client.get("/api/v1/integrations").await?;
            if flag.json {
                output::json(&all);
            } else {
                let rows: Vec<_> = all
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(integration_row)
                    .collect();
                output::table(&["ID", "NAME", "SOURCE", "RULES", "REVOKED"], &rows);
            }
        }
        IntegrationCommand::Revoke { id, json } => {
            let revoked = client
                .send(
                    Method::DELETE,
                    &format!("/api/v1/integrations/{}", encode(&id)),
                    None,
                )
                .await?;
            if json {
                output::json(&revoked)
            } else {
                println!("revoked integration {}", text(&revoked["id"]))
            }
        }
    }
    Ok(())
}

pub async fn alert(command: AlertCommand) -> Result<()> {
    let client = Client::from_environment()?;
    let (open, limit, json) = match command {
        AlertCommand::List { open, limit, json } => (open, limit, json),
        AlertCommand::Link {
            alert,
            incident,
            json,
        } => {
            let id = firebreak_core::incident::parse_public_id(&incident)
                .map(firebreak_core::incident::public_id)
                .map_err(InputError)?;
            let linked = client
                .post(
                    &format!("/api/v1/incidents/{id}/alerts"),
                    json!({ "alert_id": alert }),
                )
                .await?;
            if json {
                output::json(&linked);
            } else {
                println!("linked alert {alert} to {id}");
            }
            return Ok(());
        }
        AlertCommand::Acknowledge { alert, json } => {
            let acknowledged = client
                .post(&format!("/api/v1/alerts/{alert}/acknowledge"), json!({}))
                .await?;
            done(json, &acknowledged, || {
                format!("acknowledged alert {alert}")
            });
            return Ok(());
        }
        AlertCommand::Resolve { alert, json } => {
            let resolved = client
                .post(&format!("/api/v1/alerts/{alert}/resolve"), json!({}))
                .await?;
            done(json, &resolved, || format!("resolved alert {alert}"));
            return Ok(());
        }
        AlertCommand::Declare {
            alert,
            incident,
            json,
        } => {
            let declared = client
                .post(
                    &format!("/api/v1/alerts/{alert}/incident"),
                    declare_body(*incident)?,
                )
                .await?;
            done(json, &declared, || {
                format!(
                    "declared {} from alert {alert}: {}",
                    text(&declared["id"]),
                    text(&declared["title"])
                )
            });
            return Ok(());
        }
    };
    let alerts = client
        .get(&format!("/api/v1/alerts?open={open}&limit={limit}"))
        .await?;
    if json {
        output::json(&alerts);
    } else {
        let rows: Vec<_> = alerts
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                vec![
                    text(&a["id"]),
                    text(&a["status"]),
                    text(&a["source"]),
                    text(&a["system"]),
                    text(&a["incident"]),
                    text(&a["occurrences"]),
                    text(&a["summary"]),
                ]
            })
            .collect();
        output::table(
            &[
                "ID", "STATUS", "SOURCE", "SYSTEM", "INCIDENT", "SEEN", "SUMMARY",
            ],
            &rows,
        );
    }
    Ok(())
}
