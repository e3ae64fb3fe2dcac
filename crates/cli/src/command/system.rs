//! `firebreak system register|list|show|update`.

use crate::InputError;
use crate::cli::{SystemCommand, SystemFields};
use crate::client::{Client, encode};
use crate::output::{self, text};
use anyhow::Result;
use reqwest::Method;
use serde_json::{Map, Value, json};

/// The flags that were given, as the JSON fields the API takes.
fn fields_json(fields: SystemFields) -> Result<Map<String, Value>> {
    let mut map = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            map.insert(key.to_string(), value);
        }
    };
    let list = |items: Vec<String>| (!items.is_empty()).then(|| json!(items));
    put("name", fields.name.map(Value::from));
    put("description", fields.description.map(Value::from));
    put("business_purpose", fields.purpose.map(Value::from));
    put("owner_team", fields.owner_team.map(Value::from));
    put("owner_person", fields.owner_person.map(Value::from));
    put("data_sources", list(fields.data_sources));
    put("depends_on", list(fields.depends_on));
    put("eu_risk_category", fields.eu_risk.map(Value::from));
    put("internal_impact", fields.impact.map(Value::from));
    put("lifecycle", fields.lifecycle.map(Value::from));
    put("org_role", fields.org_role.map(Value::from));
    put("eu_database_id", fields.eu_database_id.map(Value::from));
    if fields.not_ai {
        put("is_ai", Some(json!(false)));
    }
    if !fields.model_versions.is_empty() {
        let versions: Vec<Value> = fields
            .model_versions
            .iter()
            .map(|v| match v.split_once(':') {
                Some((version, "known-good")) => json!({ "version": version, "known_good": true }),
                Some((_, other)) => json!({ "error": other }),
                None => json!({ "version": v, "known_good": false }),
            })
            .collect();
        if let Some(bad) = versions.iter().find_map(|v| v["error"].as_str()) {
            return Err(
                InputError(format!("--model-version: `:{bad}` should be `:known-good`")).into(),
            );
        }
        put("model_versions", Some(json!(versions)));
    }
    if !fields.documentation.is_empty() {
        let mut docs = Vec::new();
        for doc in &fields.documentation {
            let (title, url) = doc
                .split_once('=')
                .ok_or_else(|| InputError(format!("--doc `{doc}` should be TITLE=URL")))?;
            docs.push(json!({ "title": title, "url": url }));
        }
        put("documentation", Some(json!(docs)));
    }
    Ok(map)
}

fn print_system(system: &Value) {
    let versions: Vec<String> = system["model_versions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let good = if m["known_good"].as_bool() == Some(true) {
                " (known good)"
            } else {
                ""
            };
            format!("{}{good}", text(&m["version"]))
        })
        .collect();
    output::fields(&[
        ("slug", text(&system["slug"])),
        ("name", text(&system["name"])),
        ("purpose", text(&system["business_purpose"])),
        (
            "owner",
            format!(
                "{} {}",
                text(&system["owner_team"]),
                text(&system["owner_person"])
            ),
        ),
        ("eu ai act", text(&system["eu_risk_category"])),
        ("impact", text(&system["internal_impact"])),
        ("lifecycle", text(&system["lifecycle"])),
        ("model versions", versions.join(", ")),
        ("depends on", text(&system["depends_on"])),
        ("dependents", text(&system["dependents"])),
    ]);
}

pub async fn run(command: SystemCommand) -> Result<()> {
    let client = Client::from_environment()?;
    match command {
        SystemCommand::Register { slug, fields, json } => {
            if fields.name.is_none() {
                return Err(InputError("--name is required to register a system".into()).into());
            }
            let mut body = fields_json(fields)?;
            body.insert("slug".into(), json!(slug));
            let system = client.post("/api/v1/systems", Value::Object(body)).await?;
            if json {
                output::json(&system)
            } else {
                println!("registered {}", text(&system["slug"]))
            }
        }
        SystemCommand::List(flag) => {
            let systems = client.get("/api/v1/systems").await?;
            if flag.json {
                output::json(&systems);
            } else {
                let rows: Vec<_> = systems
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| {
                        vec![
                            text(&s["slug"]),
                            text(&s["name"]),
                            text(&s["eu_risk_category"]),
                            text(&s["internal_impact"]),
                            text(&s["lifecycle"]),
                            text(&s["depends_on"]),
                        ]
                    })
                    .collect();
                output::table(
                    &[
                        "SLUG",
                        "NAME",
                        "EU AI ACT",
                        "IMPACT",
                        "LIFECYCLE",
                        "DEPENDS ON",
                    ],
                    &rows,
                );
            }
        }
        SystemCommand::Show { slug, json } => {
            let system = client
                .get(&format!("/api/v1/systems/{}", encode(&slug)))
                .await?;
            if json {
                output::json(&system)
            } else {
                print_system(&system)
            }
        }
        SystemCommand::Update { slug, fields, json } => {
            let body = fields_json(fields)?;
            if body.is_empty() {
                return Err(
                    InputError("nothing to update: give at least one field flag".into()).into(),
                );
            }
            let system = client
                .send(
                    Method::PATCH,
                    &format!("/api/v1/systems/{}", encode(&slug)),
                    Some(Value::Object(body)),
                )
                .await?;
            if json {
                output::json(&system)
            } else {
                println!("updated {}", text(&system["slug"]))
            }
        }
    }
    Ok(())
}
