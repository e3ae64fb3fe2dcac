//! `firebreak inquiry …`: regulators' inquiries through the API, their
//! clocks in core's words as `deadlines` prints them.

use super::incident::incident_id;
use crate::InputError;
use crate::cli::InquiryCommand;
use crate::client::{Client, encode};
use crate::output::{self, text};
use anyhow::{Context, Result};
use firebreak_core::Timestamp;
use firebreak_core::regulatory::{ClockStatus, parse_within};
use reqwest::Method;
use serde_json::{Value, json};

fn moment(flag: &str, value: &str) -> Result<Timestamp> {
    value.trim().parse().map_err(|e| {
        InputError(format!(
            "--{flag}: `{value}` is not a moment with an offset, e.g. 2026-03-02T09:00:00Z ({e})"
        ))
        .into()
    })
}

fn clock(view: &Value) -> Result<ClockStatus> {
    serde_json::from_value(view["clock"].clone())
        .context("the server sent a clock this CLI cannot read")
}

fn answered(view: &Value) -> String {
    let questions = view["questions"].as_array().map_or(&[][..], Vec::as_slice);
    let done = questions.iter().filter(|q| !q["answer"].is_null()).count();
    format!("{done}/{}", questions.len())
}

fn print_list(views: &[Value]) -> Result<()> {
    let mut rows = Vec::new();
    for view in views {
        let clock = clock(view)?;
        rows.push(vec![
            text(&view["id"]),
            text(&view["regulator"]),
            text(&view["reference"]),
            clock.due_text(),
            clock.summary.clone(),
            clock.level.label().to_string(),
            answered(view),
        ]);
    }
    output::table(
        &[
            "ID",
            "REGULATOR",
            "REFERENCE",
            "DUE",
            "STATE",
            "LEVEL",
            "ANSWERED",
        ],
        &rows,
    );
    Ok(())
}

fn print_one(view: &Value, json: bool) -> Result<()> {
    if json {
        output::json(view);
        return Ok(());
    }
    print_list(std::slice::from_ref(view))?;
    if let Some(reference) = view["submitted_reference"].as_str() {
        println!(
            "\nSubmitted by {} at {} under reference {reference}",
            text(&view["submitted_by"]),
            text(&view["submitted_at"])
        );
    }
    for (i, question) in view["questions"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        println!("\n{}. {}", i + 1, text(&question["text"]));
        match question["answer"].as_str() {
            Some(answer) => println!("\n{answer}"),
            None => println!("\n(not answered yet)"),
        }
    }
    Ok(())
}

pub async fn run(command: InquiryCommand) -> Result<()> {
    let client = Client::from_environment()?;
    let base = |incident: &str| -> Result<String> {
        Ok(format!(
            "/api/v1/incidents/{}/inquiries",
            incident_id(incident)?
        ))
    };
    match command {
        InquiryCommand::Open {
            incident,
            regulator,
            reference,
            received,
            due,
            within,
            questions,
            json,
        } => {
            let received_at = moment("received", &received)?;
            let due_at = due.as_deref().map(|d| moment("due", d)).transpose()?;
            if let Some(period) = &within {
                parse_within(period).map_err(|e| InputError(format!("--within: {e}")))?;
            }
            let body = json!({
                "regulator": regulator, "reference": reference, "received_at": received_at,
                "due_at": due_at, "within": within, "questions": questions,
            });
            print_one(&client.post(&base(&incident)?, body).await?, json)?;
        }
        InquiryCommand::List { incident, json } => {
            let views = client.get(&base(&incident)?).await?;
            if json {
                output::json(&views);
            } else {
                print_list(views.as_array().map_or(&[][..], Vec::as_slice))?;
            }
        }
        InquiryCommand::Show {
            incident,
            inquiry,
            json,
        } => {
            let path = format!("{}/{}", base(&incident)?, encode(&inquiry));
            print_one(&client.get(&path).await?, json)?;
        }
        InquiryCommand::Answer {
            incident,
            inquiry,
            question,
            text,
            json,
        } => {
            let path = format!(
                "{}/{}/questions/{question}",
                base(&incident)?,
                encode(&inquiry)
            );
            let body = json!({ "answer": text });
            print_one(&client.send(Method::PUT, &path, Some(body)).await?, json)?;
        }
        InquiryCommand::Submit {
            incident,
            inquiry,
            reference,
            unanswered_reason,
            json,
        } => {
            let path = format!("{}/{}/submission", base(&incident)?, encode(&inquiry));
            let body = json!({ "reference": reference, "unanswered_reason": unanswered_reason });
            print_one(&client.post(&path, body).await?, json)?;
        }
        InquiryCommand::Pack {
            incident,
            inquiry,
            format,
            output,
        } => {
            let path = format!(
                "{}/{}/pack?format={}",
                base(&incident)?,
                encode(&inquiry),
                format.as_str()
            );
            let bytes = client.download(Method::GET, &path, None, &output).await?;
            eprintln!(
                "{incident} {inquiry}: response pack of {bytes} bytes written to {}",
                output.display()
            );
        }
        InquiryCommand::Bundle {
            incident,
            inquiry,
            output,
        } => {
            let path = format!("{}/{}/bundle", base(&incident)?, encode(&inquiry));
            let bytes = client.download(Method::POST, &path, None, &output).await?;
            eprintln!(
                "{incident} {inquiry}: signed bundle of {bytes} bytes written to {}",
                output.display()
            );
        }
    }
    Ok(())
}
