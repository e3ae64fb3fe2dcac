//! `firebreak incident recurrence`: link an incident as a recurrence of an
//! earlier one, remove the link, or show it with the earlier post-mortem's
//! action items and the suggested earlier incidents.

use super::incident::done;
use crate::client::Client;
use crate::output::{self, text};
use anyhow::Result;
use reqwest::Method;
use serde_json::{Value, json};

/// With `change`, links incident `id` to `Some(earlier)` or unlinks it
/// (`None`); without, prints the recurrence view.
pub async fn run(
    client: &Client,
    id: &str,
    change: Option<Option<String>>,
    reason: Option<String>,
    json: bool,
) -> Result<()> {
    let path = format!("/api/v1/incidents/{id}/recurrence");
    let Some(of) = change else {
        let view = client.get(&path).await?;
        if json {
            output::json(&view);
        } else {
            print_view(&view);
        }
        return Ok(());
    };
    let body = json!({ "of": of, "reason": reason });
    let incident = client.send(Method::PUT, &path, Some(body)).await?;
    done(json, &incident, || match of {
        Some(earlier) => format!("{id} is a recurrence of {earlier}"),
        None => format!("{id} is no longer linked as a recurrence"),
    });
    Ok(())
}

fn print_view(view: &Value) {
    let id = text(&view["incident"]);
    match view["recurrence_of"].as_object() {
        Some(earlier) => {
            println!(
                "{id} is a recurrence of {}: {} ({})",
                text(&earlier["incident"]),
                text(&earlier["title"]),
                text(&earlier["status"])
            );
            let items = earlier["action_items"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if items.is_empty() {
                println!("Its post-mortem has no action items.");
            } else {
                println!("Its post-mortem's action items:");
                let rows: Vec<Vec<String>> = items
                    .iter()
                    .map(|item| {
                        ["id", "title", "owner", "due", "status"]
                            .map(|field| text(&item[field]))
                            .to_vec()
                    })
                    .collect();
                output::table(&["ID", "TITLE", "OWNER", "DUE", "STATUS"], &rows);
            }
        }
        None => println!("{id} is not linked as a recurrence."),
    }
    let later: Vec<String> = view["recurred_as"]
        .as_array()
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    if !later.is_empty() {
        println!("Recurred as: {}", later.join(", "));
    }
    let candidates = view["candidates"].as_array().cloned().unwrap_or_default();
    if !candidates.is_empty() {
        println!("Maybe a recurrence of:");
        let rows: Vec<Vec<String>> = candidates
            .iter()
            .map(|c| {
                vec![
                    text(&c["incident"]),
                    text(&c["title"]),
                    format!("{:.2}", c["score"].as_f64().unwrap_or(0.0)),
                    text(&c["shared_systems"]),
                    text(&c["shared_causes"]),
                    text(&c["shared_harms"]),
                ]
            })
            .collect();
        output::table(
            &["INCIDENT", "TITLE", "SCORE", "SYSTEMS", "CAUSES", "HARMS"],
            &rows,
        );
    }
}
