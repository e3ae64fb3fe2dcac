//! `firebreak rca put|show` and `rca fmea put|show`: RCA artifacts kept on the
//! server, versioned on incidents' and systems' timelines.

use crate::InputError;
use crate::cli::FmeaCommand;
use crate::client::{Client, encode};
use crate::output::{self, text};
use anyhow::{Context, Result};
use firebreak_core::incident::{parse_public_id, public_id};
use firebreak_core::rca::ArtifactKind;
use firebreak_server::api::schemas::InputFormat;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;

fn read(file: &Path) -> Result<String> {
    std::fs::read_to_string(file)
        .map_err(|e| InputError(format!("cannot read {}: {e}", file.display())).into())
}

fn artifact_row(a: &Value) -> Vec<String> {
    vec![
        text(&a["kind"]),
        text(&a["name"]),
        text(&a["version"]),
        text(&a["updated_by"]),
        text(&a["updated_at"]),
    ]
}

const HEADERS: [&str; 5] = ["KIND", "NAME", "VERSION", "BY", "AT"];

pub async fn put(id: &str, kind: &str, name: &str, file: &Path, json: bool) -> Result<()> {
    let id = public_id(parse_public_id(id).map_err(InputError)?);
    let kind: ArtifactKind = kind.parse().map_err(InputError)?;
    let content = read(file)?;
    let body = if kind == ArtifactKind::FaultTree && content.trim_start().starts_with('<') {
        json!({ "mef": content })
    } else {
        serde_json::from_str(&content)
            .map_err(|e| InputError(format!("{}: not JSON: {e}", file.display())))?
    };
    let format = match kind {
        ArtifactKind::FiveWhys => Some(InputFormat::FiveWhys),
        ArtifactKind::Fishbone => Some(InputFormat::Fishbone),
        ArtifactKind::SwissCheese => Some(InputFormat::SwissCheese),
        ArtifactKind::CauseStatement => Some(InputFormat::CauseStatement),
        ArtifactKind::FaultTree | ArtifactKind::Fmea => None,
    };
    if let Some(format) = format {
        super::check_format(file, format, &body)?;
    }
    let client = Client::from_environment()?;
    let saved = client
        .send(
            Method::PUT,
            &format!(
                "/api/v1/incidents/{id}/rca/{}/{}",
                kind.as_str(),
                encode(name)
            ),
            Some(body),
        )
        .await?;
    if json {
        output::json(&saved);
    } else {
        println!(
            "{id}: {} {name} is now version {}",
            kind.as_str(),
            text(&saved["version"])
        );
        print_findings(&saved["derived"]);
    }
    Ok(())
}

fn print_findings(derived: &Value) {
    for finding in derived["findings"].as_array().into_iter().flatten() {
        println!("finding: {finding}");
    }
}

pub async fn show(
    id: &str,
    kind: Option<String>,
    name: Option<String>,
    svg: Option<std::path::PathBuf>,
    json: bool,
) -> Result<()> {
    let id = public_id(parse_public_id(id).map_err(InputError)?);
    let client = Client::from_environment()?;
    let (Some(kind), Some(name)) = (kind, name) else {
        let all = client.get(&format!("/api/v1/incidents/{id}/rca")).await?;
        if json {
            output::json(&all);
        } else {
            let rows: Vec<_> = all
                .as_array()
                .into_iter()
                .flatten()
                .map(artifact_row)
                .collect();
            output::table(&HEADERS, &rows);
        }
        return Ok(());
    };
    let kind: ArtifactKind = kind.parse().map_err(InputError)?;
    let path = format!(
        "/api/v1/incidents/{id}/rca/{}/{}",
        kind.as_str(),
        encode(&name)
    );
    let artifact = client.get(&path).await?;
    if let Some(file) = svg {
        let drawn = client.get_text(&format!("{path}/svg")).await?;
        std::fs::write(&file, drawn).with_context(|| format!("cannot write {}", file.display()))?;
    }
    if json {
        output::json(&artifact);
    } else {
        output::table(&HEADERS, &[artifact_row(&artifact)]);
        print_findings(&artifact["derived"]);
        println!("{}", serde_json::to_string_pretty(&artifact["body"])?);
    }
    Ok(())
}

pub async fn fmea(command: FmeaCommand) -> Result<()> {
    let client = Client::from_environment()?;
    match command {
        FmeaCommand::Put {
            system,
            name,
            file,
            json,
        } => {
            let content = read(&file)?;
            let path = format!("/api/v1/systems/{}/fmea/{}", encode(&system), encode(&name));
            let is_csv = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            let saved = if is_csv {
                client
                    .send_raw(Method::PUT, &path, "text/csv", content)
                    .await?
            } else {
                let body: Value = serde_json::from_str(&content)
                    .map_err(|e| InputError(format!("{}: not JSON: {e}", file.display())))?;
                super::check_format(&file, InputFormat::Fmea, &body)?;
                client.send(Method::PUT, &path, Some(body)).await?
            };
            if json {
                output::json(&saved);
            } else {
                println!(
                    "{system}: FMEA {name} is now version {}",
                    text(&saved["version"])
                );
            }
        }
        FmeaCommand::Show {
            system,
            name,
            csv,
            json,
        } => {
            let path = format!("/api/v1/systems/{}/fmea/{}", encode(&system), encode(&name));
            if csv {
                print!("{}", client.get_accepting(&path, "text/csv").await?);
                return Ok(());
            }
            let sheet = client.get(&path).await?;
            if json {
                output::json(&sheet);
                return Ok(());
            }
            let derived = sheet["derived"]["rows"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let mut rows: Vec<(Value, Value)> = sheet["body"]["rows"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .zip(derived)
                .collect();
            let rank = |d: &Value| match d["action_priority"].as_str() {
                Some("H") => 0,
                Some("M") => 1,
                _ => 2,
            };
            rows.sort_by_key(|(_, d)| (rank(d), std::cmp::Reverse(d["rpn"].as_u64().unwrap_or(0))));
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|(r, d)| {
                    vec![
                        text(&d["action_priority"]),
                        text(&d["rpn"]),
                        text(&r["item"]),
                        text(&r["failure_mode"]),
                        format!(
                            "{}/{}/{}",
                            text(&r["severity"]),
                            text(&r["occurrence"]),
                            text(&r["detection"])
                        ),
                    ]
                })
                .collect();
            output::table(&["AP", "RPN", "ITEM", "FAILURE MODE", "S/O/D"], &table);
        }
    }
    Ok(())
}
