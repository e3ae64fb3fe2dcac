//! `firebreak metrics` and `firebreak checkpoint`.

use crate::cli::MetricsArgs;
use crate::client::{Client, encode, timestamp_flag};
use crate::output::{self, text};
use anyhow::Result;
use firebreak_core::metrics::{GroupBy, METRICS, TIME_TO_NOTIFY};
use serde_json::{Value, json};

fn duration(seconds: &Value) -> String {
    let Some(s) = seconds.as_f64() else {
        return "-".into();
    };
    if s < 3600.0 {
        format!("{:.0}m", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1}h", s / 3600.0)
    } else {
        format!("{:.1}d", s / 86_400.0)
    }
}

/// `EUR 21007, USD 500`: totals per currency, never added across them.
fn cost(by_currency: &Value) -> String {
    let totals: Vec<String> = by_currency
        .as_object()
        .into_iter()
        .flatten()
        .map(|(currency, c)| format!("{currency} {}", text(&c["total"])))
        .collect();
    if totals.is_empty() {
        "-".into()
    } else {
        totals.join(", ")
    }
}

pub async fn run(args: MetricsArgs) -> Result<()> {
    let mut query = Vec::new();
    for (key, value) in [
        ("from", timestamp_flag("from", &args.from)?),
        ("to", timestamp_flag("to", &args.to)?),
        ("severity", args.severity),
        ("system", args.system),
    ] {
        if let Some(value) = value {
            query.push(format!("{key}={}", encode(&value)));
        }
    }
    let client = Client::from_environment()?;
    if args.export {
        let path = format!("/api/v1/metrics/register?{}", query.join("&"));
        if args.json {
            output::json(&client.get(&path).await?);
        } else {
            print!("{}", client.get_accepting(&path, "text/csv").await?);
        }
        return Ok(());
    }
    let group_by: GroupBy = super::parse_flag("group-by", &args.group_by)?;
    query.push(format!(
        "group_by={}",
        json!(group_by).as_str().unwrap_or("all")
    ));
    let report = client
        .get(&format!("/api/v1/metrics?{}", query.join("&")))
        .await?;
    if args.json {
        output::json(&report);
        return Ok(());
    }
    let names: Vec<&str> = METRICS
        .iter()
        .map(|m| m.name)
        .chain([TIME_TO_NOTIFY])
        .collect();
    let mut headers = vec!["GROUP", "N"];
    headers.extend(names.iter().copied());
    headers.extend(["PEOPLE", "DOWNTIME", "COST"]);
    let rows: Vec<Vec<String>> = report["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let mut row = vec![text(&g["group"]), text(&g["incidents"])];
            row.extend(names.iter().map(|name| {
                let s = &g["metrics"][*name];
                format!(
                    "{}/{}/{}",
                    duration(&s["mean_seconds"]),
                    duration(&s["median_seconds"]),
                    duration(&s["p90_seconds"])
                )
            }));
            let impact = &g["impact"];
            row.push(text(&impact["people_affected"]));
            row.push(format!("{}m", text(&impact["downtime_minutes"])));
            row.push(cost(&impact["cost"]));
            row
        })
        .collect();
    output::table(&headers, &rows);
    println!("(mean/median/p90; real incidents only)");
    let found_by: Vec<String> = report["found_by"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(by, n)| format!("{by} {n}"))
        .collect();
    if !found_by.is_empty() {
        println!("found by: {}", found_by.join(", "));
    }
    Ok(())
}

pub async fn checkpoint(json: bool) -> Result<()> {
    let client = Client::from_environment()?;
    let checkpoint = client.post("/api/v1/checkpoints", json!({})).await?;
    if json {
        output::json(&checkpoint);
    } else {
        println!(
            "checkpoint #{} over {} chains, signed by {}",
            text(&checkpoint["body"]["number"]),
            checkpoint["body"]["heads"].as_array().map_or(0, Vec::len),
            text(&checkpoint["body"]["signer"])
        );
    }
    Ok(())
}
