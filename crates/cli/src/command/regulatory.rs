//! `firebreak deadlines`, `regulatory show|assess` and `report …`: regulatory
//! clocks and reports through the API.

use crate::InputError;
use crate::cli::{RegulatoryCommand, ReportCommand};
use crate::client::{Client, encode};
use crate::output::{self, text};
use anyhow::Result;
use firebreak_core::incident::{parse_public_id, public_id};
use firebreak_core::regulatory::{ClockStatus, RegimeTable};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;

fn incident_id(id: &str) -> Result<String> {
    Ok(public_id(parse_public_id(id).map_err(InputError)?))
}

fn read_json(file: &Path) -> Result<Value> {
    let content = std::fs::read_to_string(file)
        .map_err(|e| InputError(format!("cannot read {}: {e}", file.display())))?;
    serde_json::from_str(&content)
        .map_err(|e| InputError(format!("{}: not JSON: {e}", file.display())).into())
}

/// The clocks' columns in the words core gives each clock, the same the
/// board and the incident page show.
const CLOCK_HEADINGS: [&str; 6] = ["REGIME", "REPORT", "DUE", "STATE", "LEVEL", "BASIS"];

fn clock_rows<'v>(
    clocks: impl Iterator<Item = &'v Value>,
    with_incident: bool,
) -> Result<Vec<Vec<String>>> {
    clocks
        .map(|c| {
            let clock: ClockStatus = serde_json::from_value(c.clone()).map_err(|e| {
                anyhow::anyhow!("the server sent a clock this CLI cannot read: {e}")
            })?;
            let mut row = Vec::new();
            if with_incident {
                row.push(text(&c["incident"]));
            }
            row.extend([
                RegimeTable::builtin()
                    .regime_name(&clock.deadline.regime)
                    .to_string(),
                clock.deadline.report_name.clone(),
                clock.due_text(),
                clock.summary.clone(),
                clock.level.label().to_string(),
                clock.basis().to_string(),
            ]);
            Ok(row)
        })
        .collect()
}

pub async fn deadlines(incident: Option<String>, all: bool, json: bool) -> Result<()> {
    let mut query = vec![];
    if let Some(id) = &incident {
        query.push(format!("incident={}", encode(&incident_id(id)?)));
    }
    if all {
        query.push("all=true".to_string());
    }
    let path = if query.is_empty() {
        "/api/v1/deadlines".to_string()
    } else {
        format!("/api/v1/deadlines?{}", query.join("&"))
    };
    let board = Client::from_environment()?.get(&path).await?;
    if json {
        output::json(&board);
        return Ok(());
    }
    let clocks = board.as_array().into_iter().flatten();
    let headings: Vec<&str> = std::iter::once("INCIDENT").chain(CLOCK_HEADINGS).collect();
    output::table(&headings, &clock_rows(clocks, true)?);
    Ok(())
}

fn print_regulatory(view: &Value) -> Result<()> {
    let assessment = &view["assessment"];
    println!(
        "{}: reportable {}",
        text(&view["incident"]),
        text(&assessment["reportable"])
    );
    let decisions: Vec<Vec<String>> = assessment["decisions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            vec![
                text(&d["regime"]),
                text(&d["applies"]),
                d["unanswered"]
                    .as_array()
                    .map(|u| u.iter().map(text).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    output::table(&["REGIME", "APPLIES", "UNANSWERED"], &decisions);
    println!();
    let clocks = assessment["clocks"].as_array().into_iter().flatten();
    output::table(&CLOCK_HEADINGS, &clock_rows(clocks, false)?);
    Ok(())
}

pub async fn run(command: RegulatoryCommand) -> Result<()> {
    let client = Client::from_environment()?;
    let (view, json) = match command {
        RegulatoryCommand::Show { incident, json } => {
            let id = incident_id(&incident)?;
            (
                client
                    .get(&format!("/api/v1/incidents/{id}/regulatory"))
                    .await?,
                json,
            )
        }
        RegulatoryCommand::Assess {
            incident,
            file,
            json,
        } => {
            let id = incident_id(&incident)?;
            let body = read_json(&file)?;
            super::check_format(
                &file,
                firebreak_server::api::schemas::InputFormat::Questionnaire,
                &body,
            )?;
            let path = format!("/api/v1/incidents/{id}/regulatory");
            (client.send(Method::PUT, &path, Some(body)).await?, json)
        }
    };
    if json {
        output::json(&view);
        Ok(())
    } else {
        print_regulatory(&view)
    }
}

fn print_report(report: &Value, json: bool) {
    if json {
        output::json(report);
        return;
    }
    println!(
        "{} {} ({})",
        text(&report["id"]),
        text(&report["title"]),
        text(&report["status"])
    );
    if let Some(reason) = report["drafted_although_not_applicable"].as_str() {
        println!("Drafted although its regime does not apply: {reason}");
    }
    for section in report["sections"].as_array().into_iter().flatten() {
        println!(
            "\n## {}\n\n{}",
            text(&section["heading"]),
            text(&section["text"])
        );
    }
}

pub async fn report(command: ReportCommand) -> Result<()> {
    let client = Client::from_environment()?;
    match command {
        ReportCommand::Draft {
            incident,
            regime,
            report,
            override_reason,
            json,
        } => {
            let id = incident_id(&incident)?;
            let body =
                json!({ "regime": regime, "report": report, "override_reason": override_reason });
            let created = client
                .post(&format!("/api/v1/incidents/{id}/reports"), body)
                .await?;
            print_report(&created, json);
        }
        ReportCommand::Show {
            incident,
            report,
            json,
        } => {
            let id = incident_id(&incident)?;
            let path = format!("/api/v1/incidents/{id}/reports/{}", encode(&report));
            print_report(&client.get(&path).await?, json);
        }
        ReportCommand::Edit {
            incident,
            report,
            file,
            json,
        } => {
            let id = incident_id(&incident)?;
            let body = json!({ "sections": read_json(&file)? });
            let path = format!("/api/v1/incidents/{id}/reports/{}", encode(&report));
            print_report(&client.send(Method::PUT, &path, Some(body)).await?, json);
        }
        ReportCommand::Export {
            incident,
            report,
            format,
            output,
        } => {
            let id = incident_id(&incident)?;
            let path = format!(
                "/api/v1/incidents/{id}/reports/{}/export?format={}",
                encode(&report),
                format.as_str()
            );
            let bytes = client.download(Method::GET, &path, None, &output).await?;
            eprintln!(
                "{id} {report}: {bytes} bytes written to {}",
                output.display()
            );
        }
        ReportCommand::Submit {
            incident,
            report,
            recipient,
            reference,
            json,
        } => {
            let id = incident_id(&incident)?;
            let body = json!({ "recipient": recipient, "reference": reference });
            let path = format!(
                "/api/v1/incidents/{id}/reports/{}/submission",
                encode(&report)
            );
            print_report(&client.post(&path, body).await?, json);
        }
    }
    Ok(())
}
