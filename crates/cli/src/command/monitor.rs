//! `firebreak monitor add FILE|list|show|run|backfill|pause|resume|delete`.

use crate::cli::MonitorCommand;
use crate::client::{Client, encode};
use crate::output::{self, text};
use anyhow::{Context, Result};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;

/// A definition file as JSON: TOML by its `.toml` extension, else JSON.
/// Relative `source.path` and `reference.file` are made absolute against
/// the file's directory, so a definition can live beside the model.
pub fn read_definition(path: &Path) -> Result<Value> {
    let mut value = super::definition::read(path)?;
    let base = std::path::absolute(path)
        .with_context(|| format!("cannot resolve {}", path.display()))?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let absolute = |slot: Option<&mut Value>| {
        if let Some(Value::String(text)) = slot
            && Path::new(text.as_str()).is_relative()
        {
            *text = base.join(text.as_str()).display().to_string();
        }
    };
    absolute(value.pointer_mut("/source/path"));
    absolute(value.pointer_mut("/reference/file"));
    Ok(value)
}

fn row(m: &Value) -> Vec<String> {
    let d = &m["definition"];
    let s = &m["status"];
    let state = if s["paused"] == json!(true) {
        format!("{} (paused)", text(&s["state"]))
    } else {
        text(&s["state"])
    };
    vec![
        text(&d["name"]),
        text(&d["system"]),
        text(&d["check"]["kind"]),
        text(&d["schedule"]),
        state,
        text(&s["watermark"]),
        text(&s["runs"]),
    ]
}

const HEADERS: [&str; 7] = [
    "NAME",
    "SYSTEM",
    "CHECK",
    "SCHEDULE",
    "STATE",
    "LAST WINDOW",
    "RUNS",
];

/// The metrics named by thresholds, for a narrow table.
fn threshold_metrics(definition: &Value) -> Vec<String> {
    definition["thresholds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str())
        .filter_map(|t| firebreak_core::monitor::Threshold::parse(t).ok())
        .map(|t| t.metric)
        .fold(Vec::new(), |mut all, m| {
            if !all.contains(&m) {
                all.push(m);
            }
            all
        })
}

fn number(value: &Value) -> String {
    value
        .as_f64()
        .map_or_else(String::new, |v| firebreak_report::significant(v, 4))
}

fn series_table(points: &[Value], metrics: &[String], window: &str) {
    let mut headers = vec!["WINDOW", "STATE", "ROWS"];
    headers.extend(metrics.iter().map(String::as_str));
    headers.push("NOTE");
    let rows: Vec<Vec<String>> = points
        .iter()
        .map(|p| {
            let mut row = vec![
                text(&p[window]),
                text(&p["state"]),
                number(&p["metrics"]["rows"]),
            ];
            row.extend(metrics.iter().map(|m| number(&p["metrics"][m])));
            row.push(text(&p["note"]));
            row
        })
        .collect();
    output::table(&headers, &rows);
}

/// One line per change point: metric, first window of the new level, the
/// means before and after, and the shift in noise SDs.
fn change_lines(change_points: &Value) {
    let all = change_points.as_array().cloned().unwrap_or_default();
    if all.is_empty() {
        println!("no change points");
    }
    for change in &all {
        println!(
            "change point: {} from {}: {} -> {} ({} noise SD)",
            text(&change["metric"]),
            text(&change["window"]),
            number(&change["before"]),
            number(&change["after"]),
            number(&change["size_in_noise_sd"])
        );
        let cause = &change["preceded_by"];
        if cause.is_object() {
            println!(
                "  preceded by {} at {}: {} on {} by {}",
                text(&cause["id"]),
                text(&cause["at"]),
                text(&cause["kind"]).replace('_', " "),
                text(&cause["system"]),
                text(&cause["by"])
            );
        }
    }
}

pub async fn run(command: MonitorCommand) -> Result<()> {
    let client = Client::from_environment()?;
    let path = |name: &str, tail: &str| format!("/api/v1/monitors/{}{tail}", encode(name));
    match command {
        MonitorCommand::Add { file, json } => {
            let definition = read_definition(&file)?;
            let created = client.post("/api/v1/monitors", definition).await?;
            if json {
                output::json(&created);
            } else {
                println!(
                    "monitor {} watches {} ({} check, schedule {})",
                    text(&created["definition"]["name"]),
                    text(&created["definition"]["source"]["path"]),
                    text(&created["definition"]["check"]["kind"]),
                    text(&created["definition"]["schedule"])
                );
            }
        }
        MonitorCommand::List { system, json } => {
            let query = system.map_or_else(String::new, |s| format!("?system={}", encode(&s)));
            let all = client.get(&format!("/api/v1/monitors{query}")).await?;
            if json {
                output::json(&all);
            } else {
                let rows: Vec<_> = all.as_array().into_iter().flatten().map(row).collect();
                output::table(&HEADERS, &rows);
            }
        }
        MonitorCommand::Show { name, json } => {
            let detail = client.get(&path(&name, "")).await?;
            if json {
                output::json(&detail);
            } else {
                output::table(&HEADERS, &[row(&detail)]);
                println!();
                let runs: Vec<Value> = detail["runs"].as_array().cloned().unwrap_or_default();
                series_table(&runs, &threshold_metrics(&detail["definition"]), "window");
            }
        }
        MonitorCommand::Run { name, json } => {
            let answer = client.post(&path(&name, "/run"), json!({})).await?;
            if json {
                output::json(&answer);
            } else {
                match answer["run"].as_object() {
                    Some(_) => println!(
                        "checked {}: {}{}",
                        text(&answer["run"]["window"]),
                        text(&answer["run"]["state"]),
                        answer["run"]["note"]
                            .as_str()
                            .map_or_else(String::new, |n| format!(" ({n})"))
                    ),
                    None => println!(
                        "nothing new to check; state {}",
                        text(&answer["status"]["state"])
                    ),
                }
                for declared in answer["declared"].as_array().into_iter().flatten() {
                    println!("declared {}", text(declared));
                }
            }
        }
        MonitorCommand::Backfill {
            name,
            from,
            to,
            json,
        } => {
            let detail = client.get(&path(&name, "")).await?;
            let backfill = client
                .post(&path(&name, "/backfill"), json!({ "from": from, "to": to }))
                .await?;
            if json {
                output::json(&backfill);
            } else {
                let points: Vec<Value> = backfill["points"].as_array().cloned().unwrap_or_default();
                series_table(&points, &threshold_metrics(&detail["definition"]), "window");
                if let Some(first) = points.iter().find(|p| p["state"] == json!("breached")) {
                    println!("first breach: {}", text(&first["window"]));
                }
                change_lines(&backfill["change_points"]);
            }
        }
        MonitorCommand::Pause { name } => {
            client.post(&path(&name, "/pause"), json!({})).await?;
            println!("paused monitor {name}");
        }
        MonitorCommand::Resume { name } => {
            client.post(&path(&name, "/resume"), json!({})).await?;
            println!("resumed monitor {name}");
        }
        MonitorCommand::Delete { name } => {
            client.send(Method::DELETE, &path(&name, ""), None).await?;
            println!("deleted monitor {name}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_definitions_read_as_json_with_paths_made_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("monitor.toml");
        std::fs::write(
            &file,
            "name = \"fair\"\nsystem = \"credit\"\nschedule = \"1h\"\nthresholds = [\"dpd > 0.1\"]\n\
             [source]\npath = \"logs\"\n[reference]\nfile = \"/abs/ref.parquet\"\n\
             [check]\nkind = \"volume\"\n",
        )
        .unwrap();
        let value = read_definition(&file).unwrap();
        assert_eq!(
            value["source"]["path"],
            json!(dir.path().join("logs").display().to_string())
        );
        assert_eq!(value["reference"]["file"], json!("/abs/ref.parquet"));
        assert_eq!(value["check"]["kind"], json!("volume"));
        std::fs::write(&file, "name = ").unwrap();
        let error = read_definition(&file).unwrap_err().to_string();
        assert!(error.contains("not TOML"), "{error}");
    }
}
