//! What `--incident` and `--system` ask of the server: the incident a result is attached to
//! (checked before anything is printed or uploaded), and the changes recorded on systems that a
//! time series is marked with.

use super::check_self_describing;
use crate::InputError;
use crate::client::{Client, encode};
use crate::output::text;
use anyhow::{Context, Result};
use firebreak_core::change::ChangeEvent;
use firebreak_forensics::request::{AnalysisRequest, AnalysisResult};
use firebreak_forensics::{Cohort, ForensicsError};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// Most changes read per system for marking a series (the API's most per answer).
const MAX_CHANGES: usize = 1_000;

/// The incident an analysis is attached to, as the server has it.
pub(super) struct Target {
    client: Client,
    incident: String,
    systems: Vec<String>,
}

impl Target {
    /// Checks that every input can be analysed again on the server and that the incident
    /// exists.
    pub(super) async fn of(incident: &str, request: &AnalysisRequest) -> Result<Target> {
        for input in request.inputs() {
            check_self_describing(Path::new(input)).map_err(|error| {
                InputError(format!(
                    "--incident: {error}; analyse it without --incident, or convert it to Parquet"
                ))
            })?;
        }
        // The server recomputes the finding and reads no keyword file a request names.
        for (field, expression) in request.cohorts() {
            if let Err(ForensicsError::KeywordFileRefused { path }) = Cohort::parse(expression) {
                return Err(InputError(format!(
                    "--incident: --{}: the server reads no keyword files; list the keywords of \
                     `@{path}` instead, as `contains any of ['a', 'b']`",
                    field.replace('_', "-")
                ))
                .into());
            }
        }
        let client = Client::from_environment()?;
        let found = client
            .get(&format!("/api/v1/incidents/{incident}"))
            .await
            .with_context(|| format!("--incident {incident}"))?;
        let systems = found["systems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect();
        Ok(Target {
            client,
            incident: incident.to_string(),
            systems,
        })
    }

    /// Uploads every input of `request` as evidence of the incident, then has the server run
    /// the same request on the vault copies and attach the result as a finding; says where on
    /// stderr.
    pub(super) async fn attach(
        &self,
        request: &AnalysisRequest,
        local: &AnalysisResult,
    ) -> Result<()> {
        let (client, incident) = (&self.client, &self.incident);
        let mut uploaded: Vec<(&str, Value)> = Vec::new();
        for input in request.inputs() {
            let description = format!(
                "prediction log analysed by firebreak analyze {}",
                request.name()
            );
            let item = client
                .upload(
                    &format!("/api/v1/incidents/{incident}/evidence"),
                    Path::new(input),
                    &[("description", description)],
                )
                .await
                .with_context(|| format!("cannot upload {input} to {incident}"))?;
            uploaded.push((input, item));
        }
        let evidence_id = |name: &str| -> String {
            uploaded
                .iter()
                .find(|(input, _)| *input == name)
                .and_then(|(_, item)| item["id"].as_str())
                .unwrap_or(name)
                .to_string()
        };
        let remote = request.with_inputs(&evidence_id);
        let finding = client
            .post(
                &format!("/api/v1/incidents/{incident}/findings"),
                json!({ "request": remote }),
            )
            .await
            .with_context(|| format!("cannot attach the finding to {incident}"))?;
        let event = &finding["event"];
        let summary = event["body"]["text"].as_str().unwrap_or_default();
        let inputs: Vec<String> = uploaded
            .iter()
            .map(|(input, item)| format!("{input} as {}", text(&item["id"])))
            .collect();
        eprintln!(
            "{incident}: finding #{} on the timeline ({}): {summary}",
            text(&event["seq"]),
            inputs.join(", ")
        );
        // The server names an input as `EV-n (file)` where this run names it by its path.
        let local_summary = uploaded
            .iter()
            .fold(local.summary(), |named, (input, item)| {
                named.replace(
                    input,
                    &format!("{} ({})", text(&item["id"]), text(&item["filename"])),
                )
            });
        if summary != local_summary {
            eprintln!(
                "warning: the server's result differs from the local one\n  server: {summary}\n  local:  {local_summary}"
            );
        }
        Ok(())
    }
}

/// A time series marked with the changes recorded on `systems` and everything upstream of them
/// over its span (the incident's systems when none are named and it is attached to one, as the
/// server marks the finding); other results, or no systems, as they are.
pub(super) async fn mark_changes(
    result: AnalysisResult,
    systems: &[String],
    target: Option<&Target>,
) -> Result<AnalysisResult> {
    let AnalysisResult::Timeseries(mut report) = result else {
        return Ok(result);
    };
    let systems = match (systems, target) {
        ([], Some(target)) => target.systems.clone(),
        (named, _) => named.to_vec(),
    };
    let Some((since, until)) = report.change_span().filter(|_| !systems.is_empty()) else {
        return Ok(AnalysisResult::Timeseries(report));
    };
    let own;
    let client = match target {
        Some(target) => &target.client,
        None => {
            own = Client::from_environment().context("--system reads changes from the server")?;
            &own
        }
    };
    let mut changes: BTreeMap<String, ChangeEvent> = BTreeMap::new();
    for system in &systems {
        let path = format!(
            "/api/v1/changes?system={}&upstream=true&since={}&until={}&limit={MAX_CHANGES}",
            encode(system),
            encode(&since.to_string()),
            encode(&until.to_string())
        );
        let found = client
            .get(&path)
            .await
            .with_context(|| format!("--system {system}"))?;
        let found: Vec<ChangeEvent> = serde_json::from_value(found)
            .with_context(|| format!("the server's changes of {system} do not parse"))?;
        changes.extend(found.into_iter().map(|c| (c.id.clone(), c)));
    }
    let changes: Vec<ChangeEvent> = changes.into_values().collect();
    report.mark_changes(&changes);
    Ok(AnalysisResult::Timeseries(report))
}
