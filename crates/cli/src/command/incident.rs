//! `firebreak incident declare|list|show|transition|note|assign|set-time|set|assess|rubric`.

use super::parse_flag;
use crate::InputError;
use crate::cli::{DeclareArgs, IncidentCommand};
use crate::client::{Client, encode, timestamp_flag};
use crate::output::{self, text};
use anyhow::Result;
use firebreak_core::incident::{TimeField, parse_public_id, public_id};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Accepts `INC-3` or `3` and gives the canonical id, or exits 2.
pub(super) fn incident_id(id: &str) -> Result<String> {
    Ok(public_id(parse_public_id(id).map_err(InputError)?))
}

fn print_incident(incident: &Value) {
    let times = &incident["times"];
    let mut pairs = vec![
        ("id", text(&incident["id"])),
        ("title", text(&incident["title"])),
        ("status", text(&incident["status"])),
        ("severity", text(&incident["severity"])),
        ("rationale", text(&incident["severity_rationale"])),
        ("kind", text(&incident["kind"])),
        ("systems", text(&incident["systems"])),
        ("harms", text(&incident["harms"])),
        ("people affected", text(&incident["people_affected"])),
        ("tags", text(&incident["tags"])),
        ("found by", text(&incident["detection_source"])),
    ];
    let impact = &incident["impact"];
    for (label, key) in [
        ("people confirmed", "people_affected_confirmed"),
        ("decisions affected", "decisions_affected"),
        ("remediation cost", "remediation_cost"),
        ("refunds", "refunds"),
        ("penalties", "penalties"),
        ("customer remediation", "customer_remediation"),
    ] {
        if !impact[key].is_null() {
            let amount = matches!(key, "remediation_cost" | "refunds" | "penalties");
            let value = if amount {
                format!("{} {}", text(&impact["currency"]), text(&impact[key]))
            } else {
                text(&impact[key])
            };
            pairs.push((label, value));
        }
    }
    if let Some(downtime) = impact["downtime_minutes"].as_object() {
        let parts: Vec<String> = downtime
            .iter()
            .map(|(system, minutes)| format!("{system} {}m", text(minutes)))
            .collect();
        pairs.push(("downtime", parts.join(", ")));
    }
    let roles: Vec<String> = incident["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| format!("{}={}", text(&r["role"]), text(&r["user"])))
        .collect();
    pairs.push((
        "roles",
        if roles.is_empty() {
            "-".into()
        } else {
            roles.join(", ")
        },
    ));
    for field in TimeField::ALL {
        pairs.push((field.as_str(), text(&times[field.as_str()])));
    }
    pairs.push(("allowed next", text(&incident["allowed_transitions"])));
    output::fields(&pairs);
}

fn print_timeline(events: &Value) {
    let rows: Vec<_> = events
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let event: Option<firebreak_core::timeline::Event> =
                serde_json::from_value(e.clone()).ok();
            vec![
                text(&e["seq"]),
                text(&e["occurred_at"]),
                text(&e["actor"]),
                text(&e["kind"]),
                event.map_or_else(|| "-".into(), |e| e.describe()),
            ]
        })
        .collect();
    output::table(&["SEQ", "OCCURRED", "ACTOR", "KIND", "WHAT"], &rows);
}

/// The body of `POST /api/v1/incidents` (and of declaring from an alert).
pub(super) fn declare_body(args: DeclareArgs) -> Result<Value> {
    Ok(json!({
        "detection_source": args.detection_source,
        "title": args.title,
        "severity": args.severity,
        "severity_rationale": args.rationale.unwrap_or_default(),
        "systems": args.systems,
        "summary": args.summary.unwrap_or_default(),
        "kind": args.kind,
        "harms": args.harms,
        "model_versions": args.model_versions,
        "people_affected": args.people_affected,
        "tags": args.tags,
        "impact_started_at": timestamp_flag("impact-started", &args.impact_started)?,
        "detected_at": timestamp_flag("detected", &args.detected)?,
        "aware_at": timestamp_flag("aware", &args.aware)?,
    }))
}

pub(super) fn done(json: bool, value: &Value, message: impl FnOnce() -> String) {
    if json {
        output::json(value)
    } else {
        println!("{}", message())
    }
}

pub async fn run(command: IncidentCommand) -> Result<()> {
    let client = Client::from_environment()?;
    match command {
        IncidentCommand::Declare { incident, json } => {
            let body = declare_body(incident)?;
            let incident = client.post("/api/v1/incidents", body).await?;
            done(json, &incident, || {
                format!(
                    "declared {}: {}",
                    text(&incident["id"]),
                    text(&incident["title"])
                )
            });
        }
        IncidentCommand::List {
            status,
            severity,
            system,
            kind,
            text: search,
            limit,
            json,
        } => {
            let mut query = vec![format!("limit={limit}")];
            for (key, value) in [
                ("status", status),
                ("severity", severity),
                ("system", system),
                ("kind", kind),
                ("q", search),
            ] {
                if let Some(value) = value {
                    query.push(format!("{key}={}", encode(&value)));
                }
            }
            let page = client
                .get(&format!("/api/v1/incidents?{}", query.join("&")))
                .await?;
            if json {
                output::json(&page);
            } else {
                let rows: Vec<_> = page["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|i| {
                        vec![
                            text(&i["id"]),
                            text(&i["severity"]),
                            text(&i["status"]),
                            text(&i["kind"]),
                            text(&i["systems"]),
                            text(&i["title"]),
                        ]
                    })
                    .collect();
                output::table(
                    &["ID", "SEVERITY", "STATUS", "KIND", "SYSTEMS", "TITLE"],
                    &rows,
                );
                if let Some(cursor) = page["next_cursor"].as_str() {
                    eprintln!("(more: older than INC-{cursor}; raise --limit)");
                }
            }
        }
        IncidentCommand::Show { id, timeline, json } => {
            let id = incident_id(&id)?;
            let mut incident = client.get(&format!("/api/v1/incidents/{id}")).await?;
            let events = if timeline {
                Some(whole_timeline(&client, &id).await?)
            } else {
                None
            };
            if json {
                if let (Some(events), Some(map)) = (events, incident.as_object_mut()) {
                    map.insert("timeline".into(), events);
                }
                output::json(&incident);
            } else {
                print_incident(&incident);
                if let Some(events) = events {
                    println!();
                    print_timeline(&events);
                }
            }
        }
        IncidentCommand::Transition {
            id,
            status,
            reason,
            at,
            merged_into,
            override_reason,
            json,
        } => {
            let id = incident_id(&id)?;
            let merged_into = merged_into
                .map(|m| parse_public_id(&m).map_err(InputError))
                .transpose()?;
            let body = json!({ "to": status, "reason": reason, "occurred_at": timestamp_flag("at", &at)?, "merged_into": merged_into, "override_reason": override_reason });
            let incident = client
                .post(&format!("/api/v1/incidents/{id}/transitions"), body)
                .await?;
            done(json, &incident, || {
                format!("{id} is now {}", text(&incident["status"]))
            });
        }
        IncidentCommand::Note {
            id,
            text: entry,
            kind,
            at,
            json,
        } => {
            let id = incident_id(&id)?;
            let body =
                json!({ "kind": kind, "text": entry, "occurred_at": timestamp_flag("at", &at)? });
            let event = client
                .post(&format!("/api/v1/incidents/{id}/entries"), body)
                .await?;
            done(json, &event, || {
                format!(
                    "added {} #{} to {id}",
                    text(&event["kind"]),
                    text(&event["seq"])
                )
            });
        }
        IncidentCommand::Assign {
            id,
            role,
            user,
            clear,
            remove,
            json,
        } => {
            let id = incident_id(&id)?;
            if user.is_none() && !clear {
                return Err(InputError(
                    "name a user, or pass --clear to take the role away".into(),
                )
                .into());
            }
            let body = json!({ "role": role, "user": if clear { None } else { user.clone() }, "remove": remove });
            let incident = client
                .post(&format!("/api/v1/incidents/{id}/roles"), body)
                .await?;
            done(json, &incident, || match (clear, remove) {
                (true, _) => format!("{id}: nobody holds {role} now"),
                (_, true) => format!("{id}: {} is no longer {role}", user.unwrap_or_default()),
                _ => format!("{id}: {} is {role}", user.unwrap_or_default()),
            });
        }
        IncidentCommand::Recurrence {
            id,
            of,
            clear,
            reason,
            json,
        } => {
            let id = incident_id(&id)?;
            let change = match (of, clear) {
                (Some(of), _) => Some(Some(incident_id(&of)?)),
                (None, true) => Some(None),
                (None, false) => None,
            };
            super::recurrence::run(&client, &id, change, reason, json).await?;
        }
        IncidentCommand::SetTime {
            id,
            field,
            value,
            reason,
            json,
        } => {
            let id = incident_id(&id)?;
            let field: TimeField = parse_flag("field", &field)?;
            let value = if value == "none" {
                None
            } else {
                timestamp_flag(field.as_str(), &Some(value))?
            };
            let incident = client
                .send(
                    Method::PUT,
                    &format!("/api/v1/incidents/{id}/times/{}", field.as_str()),
                    Some(json!({ "value": value, "reason": reason })),
                )
                .await?;
            done(json, &incident, || {
                format!(
                    "{id}: {} = {}",
                    field.as_str(),
                    text(&incident["times"][field.as_str()])
                )
            });
        }
        IncidentCommand::Contain {
            id,
            system,
            action,
            fallback,
            version,
            reason,
            evidence_preserved,
            evidence_not_preserved,
            json,
        } => {
            let id = incident_id(&id)?;
            let mut body = super::control::mode_json(&action, fallback, version)?;
            body.insert("system".into(), json!(system));
            body.insert("reason".into(), json!(reason));
            let evidence = match (evidence_preserved, evidence_not_preserved) {
                (Some(reference), _) => json!({ "decision": "preserved", "reference": reference }),
                (_, Some(reason)) => json!({ "decision": "not_preserved", "reason": reason }),
                _ => Value::Null,
            };
            body.insert("evidence".into(), evidence);
            let result = client
                .post(
                    &format!("/api/v1/incidents/{id}/containment"),
                    Value::Object(body),
                )
                .await?;
            done(json, &result, || {
                format!(
                    "{id}: {system} is now {} (control version {}); incident is {}",
                    super::control::describe(&result["control"]),
                    text(&result["control"]["version"]),
                    text(&result["incident"]["status"])
                )
            });
        }
        IncidentCommand::Set {
            id,
            title,
            summary,
            severity,
            rationale,
            harms,
            people_affected,
            tags,
            detection_source,
            impact,
            json,
        } => {
            let id = incident_id(&id)?;
            let mut patch = Map::new();
            let impact = impact_patch(impact)?;
            let pairs = [
                ("title", title.map(Value::from)),
                ("summary", summary.map(Value::from)),
                ("severity", severity.map(Value::from)),
                ("severity_rationale", rationale.map(Value::from)),
                ("harms", (!harms.is_empty()).then(|| json!(harms))),
                ("people_affected", people_affected.map(Value::from)),
                ("tags", (!tags.is_empty()).then(|| json!(tags))),
                ("detection_source", detection_source.map(Value::from)),
                (
                    "impact",
                    (!impact.is_empty()).then_some(Value::Object(impact)),
                ),
            ];
            for (key, value) in pairs {
                if let Some(value) = value {
                    patch.insert(key.into(), value);
                }
            }
            if patch.is_empty() {
                return Err(
                    InputError("nothing to change: give at least one field flag".into()).into(),
                );
            }
            let incident = client
                .send(
                    Method::PATCH,
                    &format!("/api/v1/incidents/{id}"),
                    Some(Value::Object(patch)),
                )
                .await?;
            done(json, &incident, || format!("updated {id}"));
        }
        IncidentCommand::Assess {
            id,
            answers,
            severity,
            rationale,
            json,
        } => {
            let id = incident_id(&id)?;
            let mut given = Map::new();
            for answer in &answers {
                let (dimension, level) = answer.split_once('=').ok_or_else(|| {
                    InputError(format!("--answer `{answer}` should be DIMENSION=LEVEL"))
                })?;
                given.insert(dimension.trim().into(), Value::from(level.trim()));
            }
            let incident = client
                .post(
                    &format!("/api/v1/incidents/{id}/severity-assessment"),
                    json!({ "answers": given, "severity": severity, "rationale": rationale }),
                )
                .await?;
            done(json, &incident, || {
                let assessment = &incident["severity_assessment"];
                format!(
                    "{id}: the rubric suggests {}; severity is {}",
                    text(&assessment["suggested"]).to_uppercase(),
                    text(&incident["severity"]).to_uppercase()
                )
            });
        }
        IncidentCommand::Rubric { json } => {
            let rubric = client.get("/api/v1/severity-rubric").await?;
            if json {
                output::json(&rubric);
                return Ok(());
            }
            println!("rubric {}", text(&rubric["version"]));
            for dimension in rubric["dimensions"].as_array().into_iter().flatten() {
                println!(
                    "\n{} — {}",
                    text(&dimension["key"]),
                    text(&dimension["question"])
                );
                for level in dimension["levels"].as_array().into_iter().flatten() {
                    println!(
                        "  {:<24} {}  {}",
                        text(&level["key"]),
                        text(&level["severity"]).to_uppercase(),
                        text(&level["label"])
                    );
                }
            }
        }
    }
    Ok(())
}

/// The `impact` object of a patch from `incident set`'s impact flags.
fn impact_patch(flags: crate::cli::ImpactFlags) -> Result<Map<String, Value>> {
    let mut impact = Map::new();
    let pairs = [
        (
            "people_affected_confirmed",
            flags.people_confirmed.map(Value::from),
        ),
        (
            "decisions_affected",
            flags.decisions_affected.map(Value::from),
        ),
        ("currency", flags.currency.map(Value::from)),
        ("remediation_cost", flags.remediation_cost.map(Value::from)),
        ("refunds", flags.refunds.map(Value::from)),
        ("penalties", flags.penalties.map(Value::from)),
        (
            "customer_remediation",
            flags.customer_remediation.map(Value::from),
        ),
    ];
    for (key, value) in pairs {
        if let Some(value) = value {
            impact.insert(key.into(), value);
        }
    }
    if !flags.downtime.is_empty() {
        let mut downtime = Map::new();
        for entry in &flags.downtime {
            let minutes = entry
                .split_once('=')
                .and_then(|(system, minutes)| Some((system, minutes.parse::<u64>().ok()?)));
            let (system, minutes) = minutes.ok_or_else(|| {
                InputError(format!(
                    "--downtime `{entry}` should be SYSTEM=MINUTES, minutes a whole number"
                ))
            })?;
            downtime.insert(system.into(), Value::from(minutes));
        }
        impact.insert("downtime_minutes".into(), Value::Object(downtime));
    }
    Ok(impact)
}

/// Every event of an incident, page after page.
async fn whole_timeline(client: &Client, id: &str) -> Result<Value> {
    const PAGE: usize = 1000;
    let mut events: Vec<Value> = Vec::new();
    loop {
        let after = events.last().and_then(|e| e["seq"].as_u64()).unwrap_or(0);
        let page = client
            .get(&format!(
                "/api/v1/incidents/{id}/timeline?after={after}&limit={PAGE}"
            ))
            .await?;
        let page = page.as_array().cloned().unwrap_or_default();
        let full = page.len() == PAGE;
        events.extend(page);
        if !full {
            return Ok(Value::Array(events));
        }
    }
}
