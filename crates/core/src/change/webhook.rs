//! Deployment webhooks as changes: GitHub's `deployment_status` event and
//! GitLab's deployment event, routed to a system by rules over the labels
//! read from the payload (`repository`, `environment`, `ref`, `sha`,
//! `creator`), with the matchers alert routing uses. Checking the sender's
//! signature or token is the server's part; this reads a verified payload.

use super::{ChangeKind, ChangeOrigin, NewChange};
use crate::alert::{Matcher, check_matchers};
use crate::error::{DomainError, Problems};
use crate::system::validate_slug;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Who sends the webhooks of a change source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// GitHub: `deployment_status` events, signed with `X-Hub-Signature-256`.
    Github,
    /// GitLab: deployment events, authenticated by `X-Gitlab-Token`.
    Gitlab,
    /// MLflow's model registry, polled at `url` (`mlflow.rs`).
    Mlflow,
}

impl Provider {
    pub fn origin(self) -> ChangeOrigin {
        match self {
            Provider::Github => ChangeOrigin::Github,
            Provider::Gitlab => ChangeOrigin::Gitlab,
            Provider::Mlflow => ChangeOrigin::Mlflow,
        }
    }
}

/// The first rule whose matchers all hold says which system changed, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRule {
    #[serde(default)]
    pub matchers: Vec<Matcher>,
    pub system: String,
    #[serde(default = "deploy")]
    pub kind: ChangeKind,
}

fn deploy() -> ChangeKind {
    ChangeKind::Deploy
}

/// A GitHub or GitLab project whose deployments are recorded as changes,
/// or an MLflow registry whose promotions are. A secret (the webhook
/// secret, MLflow's token) is kept apart, sealed (D28).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeSource {
    pub slug: String,
    pub provider: Provider,
    /// MLflow: the tracking server's URL, e.g. `http://mlflow.internal:5000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// MLflow: seconds between polls (default 60, at least 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_seconds: Option<u32>,
    pub rules: Vec<ChangeRule>,
}

/// How often an MLflow registry is polled unless its source says.
pub const DEFAULT_POLL_SECONDS: u32 = 60;
const MIN_POLL_SECONDS: u32 = 5;
const MAX_POLL_SECONDS: u32 = 86_400;

impl ChangeSource {
    /// Refuses a bad slug, no rules, unknown systems and regular expressions
    /// that do not compile, all at once.
    pub fn validate(&self, known_systems: &[String]) -> Result<(), DomainError> {
        let mut problems = Problems::default();
        if let Err(message) = validate_slug(&self.slug) {
            problems.push("slug", message);
        }
        if self.rules.is_empty() {
            problems.push(
                "rules",
                "empty: name at least one rule, or nothing is recorded",
            );
        }
        match (self.provider, &self.url) {
            (Provider::Mlflow, None) => {
                problems.push("url", "the MLflow tracking server's URL is required")
            }
            (Provider::Mlflow, Some(url))
                if !(url.starts_with("http://") || url.starts_with("https://"))
                    || url.len() > 2_000
                    || url.chars().any(char::is_whitespace) =>
            {
                problems.push("url", "not an http(s) URL");
            }
            (Provider::Github | Provider::Gitlab, Some(_)) => {
                problems.push("url", "only an MLflow source is polled at a URL")
            }
            _ => {}
        }
        match (self.provider, self.poll_seconds) {
            (Provider::Mlflow, Some(s)) if !(MIN_POLL_SECONDS..=MAX_POLL_SECONDS).contains(&s) => {
                problems.push(
                    "poll_seconds",
                    format!("between {MIN_POLL_SECONDS} and {MAX_POLL_SECONDS}"),
                );
            }
            (Provider::Github | Provider::Gitlab, Some(_)) => {
                problems.push("poll_seconds", "only an MLflow source is polled")
            }
            _ => {}
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if !known_systems.contains(&rule.system) {
                problems.push(
                    format!("rules[{i}].system"),
                    format!("unknown system \"{}\"", rule.system),
                );
            }
            check_matchers(&mut problems, &format!("rules[{i}]"), &rule.matchers);
        }
        problems.into_result()
    }
}

/// What a delivery amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Change(NewChange),
    /// A delivery that records nothing, and why (a ping, an unfinished
    /// deployment, no rule matching).
    Ignored(String),
}

/// A deployment as read from either provider, before routing.
struct Deployment {
    labels: BTreeMap<String, String>,
    at: Timestamp,
    link: Option<String>,
    description: String,
    external_id: String,
}

/// Reads one verified delivery of `source`: `event` is the provider's event
/// header (`X-GitHub-Event`, `X-Gitlab-Event`). A payload missing what a
/// deployment has is refused naming every missing field.
pub fn read_delivery(
    source: &ChangeSource,
    event: &str,
    payload: &Value,
) -> Result<Heard, DomainError> {
    let deployment = match source.provider {
        Provider::Github => match event {
            "deployment_status" => github(payload)?,
            other => {
                return Ok(Heard::Ignored(format!(
                    "GitHub event `{other}` is not a deployment status"
                )));
            }
        },
        Provider::Gitlab => match event {
            "Deployment Hook" => gitlab(payload)?,
            other => {
                return Ok(Heard::Ignored(format!(
                    "GitLab event `{other}` is not a deployment"
                )));
            }
        },
        Provider::Mlflow => {
            return Ok(Heard::Ignored(
                "an MLflow source is polled; it takes no deliveries".into(),
            ));
        }
    };
    let deployment = match deployment {
        Ok(d) => d,
        Err(ignored) => return Ok(Heard::Ignored(ignored)),
    };
    let Some(rule) = source
        .rules
        .iter()
        .find(|rule| rule.matchers.iter().all(|m| m.matches(&deployment.labels)))
    else {
        let labels: Vec<String> = deployment
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        return Ok(Heard::Ignored(format!(
            "no rule matches {}",
            labels.join(", ")
        )));
    };
    let sha = deployment.labels.get("sha").cloned().unwrap_or_default();
    Ok(Heard::Change(NewChange {
        system: rule.system.clone(),
        kind: rule.kind,
        version_from: None,
        version_to: Some(sha.chars().take(12).collect()),
        by: deployment
            .labels
            .get("creator")
            .filter(|c| !c.is_empty())
            .cloned(),
        at: Some(deployment.at),
        link: deployment.link,
        description: deployment.description,
        external_id: Some(deployment.external_id),
    }))
}

/// Reads required strings at JSON pointers, collecting what is missing.
struct Fields<'a> {
    payload: &'a Value,
    problems: Problems,
}

impl<'a> Fields<'a> {
    fn new(payload: &'a Value) -> Self {
        Fields {
            payload,
            problems: Problems::default(),
        }
    }

    fn required(&mut self, pointer: &str) -> String {
        match self.optional(pointer) {
            Some(v) => v,
            None => {
                self.problems
                    .push(pointer.trim_start_matches('/').replace('/', "."), "missing");
                String::new()
            }
        }
    }

    fn optional(&self, pointer: &str) -> Option<String> {
        match self.payload.pointer(pointer)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

fn link(text: Option<String>) -> Option<String> {
    text.filter(|l| l.starts_with("https://") || l.starts_with("http://"))
}

/// GitHub's `deployment_status` event
/// (docs.github.com, "Webhook events and payloads"): only a `success` is a
/// change; `queued`, `pending`, `in_progress`, `failure`, `error` and
/// `inactive` are ignored.
fn github(payload: &Value) -> Result<Result<Deployment, String>, DomainError> {
    let mut f = Fields::new(payload);
    let state = f.required("/deployment_status/state");
    let id = f.required("/deployment_status/id");
    let created = f.required("/deployment_status/created_at");
    let sha = f.required("/deployment/sha");
    let repository = f.required("/repository/full_name");
    let environment = f
        .optional("/deployment_status/environment")
        .or_else(|| f.optional("/deployment/environment"))
        .unwrap_or_else(|| f.required("/deployment/environment"));
    let at = created.parse::<Timestamp>().ok();
    if !created.is_empty() && at.is_none() {
        f.problems.push(
            "deployment_status.created_at",
            format!("`{created}` is not an RFC 3339 time"),
        );
    }
    std::mem::take(&mut f.problems).into_result()?;
    let Some(at) = at else {
        return Err(DomainError::field(
            "deployment_status.created_at",
            "missing",
        ));
    };
    if state != "success" {
        return Ok(Err(format!(
            "deployment state `{state}` is not a finished deploy"
        )));
    }
    let reference = f.optional("/deployment/ref").unwrap_or_default();
    let creator = f
        .optional("/deployment_status/creator/login")
        .or_else(|| f.optional("/deployment/creator/login"))
        .unwrap_or_default();
    let mut description = format!(
        "{repository} {reference}@{} deployed to {environment}",
        sha.chars().take(12).collect::<String>()
    );
    if let Some(text) = f.optional("/deployment/description") {
        description.push_str(": ");
        description.push_str(&text);
    }
    let labels = BTreeMap::from([
        ("repository".to_string(), repository),
        ("environment".to_string(), environment),
        ("ref".to_string(), reference),
        ("sha".to_string(), sha),
        ("creator".to_string(), creator),
        (
            "task".to_string(),
            f.optional("/deployment/task").unwrap_or_default(),
        ),
    ]);
    Ok(Ok(Deployment {
        labels,
        at,
        link: link(
            f.optional("/deployment_status/target_url")
                .or_else(|| f.optional("/deployment_status/log_url"))
                .or_else(|| f.optional("/deployment_status/environment_url")),
        ),
        description,
        external_id: format!("github:deployment_status:{id}"),
    }))
}

/// GitLab's deployment event (docs.gitlab.com, "Webhook events",
/// deployment events): only `success` is a change.
fn gitlab(payload: &Value) -> Result<Result<Deployment, String>, DomainError> {
    let mut f = Fields::new(payload);
    let status = f.required("/status");
    let id = f.required("/deployment_id");
    let changed = f.required("/status_changed_at");
    let repository = f.required("/project/path_with_namespace");
    let environment = f.required("/environment");
    let sha = f.required("/short_sha");
    // "2021-04-28 21:50:00 +0200"
    let at = jiff::fmt::strtime::parse("%Y-%m-%d %H:%M:%S %z", &changed)
        .and_then(|parsed| parsed.to_timestamp())
        .ok();
    if !changed.is_empty() && at.is_none() {
        f.problems.push(
            "status_changed_at",
            format!("`{changed}` is not a time like 2021-04-28 21:50:00 +0200"),
        );
    }
    std::mem::take(&mut f.problems).into_result()?;
    let Some(at) = at else {
        return Err(DomainError::field("status_changed_at", "missing"));
    };
    if status != "success" {
        return Ok(Err(format!(
            "deployment status `{status}` is not a finished deploy"
        )));
    }
    let creator = f.optional("/user/username").unwrap_or_default();
    let mut description = format!("{repository} {sha} deployed to {environment}");
    if let Some(title) = f.optional("/commit_title") {
        description.push_str(": ");
        description.push_str(&title);
    }
    let labels = BTreeMap::from([
        ("repository".to_string(), repository),
        ("environment".to_string(), environment),
        ("ref".to_string(), f.optional("/ref").unwrap_or_default()),
        ("sha".to_string(), sha),
        ("creator".to_string(), creator),
        (
            "environment_tier".to_string(),
            f.optional("/environment_tier").unwrap_or_default(),
        ),
    ]);
    Ok(Ok(Deployment {
        labels,
        at,
        link: link(
            f.optional("/deployable_url")
                .or_else(|| f.optional("/commit_url")),
        ),
        description,
        external_id: format!("gitlab:deployment:{id}"),
    }))
}
