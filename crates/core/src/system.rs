//! The AI system inventory: what each system is for, who owns it, its model
//! versions, its risk tier and what it depends on.
//!
//! Dependencies form a directed acyclic graph whose nodes may also be non-AI
//! systems (a stock database, a robot cell, D10); registering or updating a system
//! so that the graph gains a cycle is refused with the cycle's path.

use crate::error::{DomainError, Problems};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum EuRiskCategory {
    Prohibited,
    High,
    Limited,
    #[default]
    Minimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ImpactLevel {
    High,
    #[default]
    Medium,
    Low,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum SystemLifecycle {
    Development,
    #[default]
    Production,
    Deprecated,
    Retired,
}

/// The organisation's role for the system under the EU AI Act (D10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    Provider,
    #[default]
    Deployer,
    Both,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ModelVersion {
    pub version: String,
    /// A version responders may roll back to.
    #[serde(default)]
    pub known_good: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentationLink {
    /// What the document is, e.g. "model card" or "datasheet".
    pub title: String,
    pub url: String,
}

/// One inventory entry as stored and returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AiSystem {
    pub slug: String,
    #[serde(flatten)]
    pub details: SystemDetails,
}

/// Everything about a system that its owners describe; the slug is its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SystemDetails {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub business_purpose: String,
    #[serde(default)]
    pub owner_team: String,
    #[serde(default)]
    pub owner_person: String,
    #[serde(default)]
    pub data_sources: Vec<String>,
    #[serde(default)]
    pub model_versions: Vec<ModelVersion>,
    #[serde(default)]
    pub eu_risk_category: EuRiskCategory,
    #[serde(default)]
    pub internal_impact: ImpactLevel,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub lifecycle: SystemLifecycle,
    /// False for non-AI nodes of the dependency graph.
    #[serde(default = "yes")]
    pub is_ai: bool,
    #[serde(default)]
    pub org_role: OrgRole,
    #[serde(default)]
    pub documentation: Vec<DocumentationLink>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eu_database_id: Option<String>,
}

fn yes() -> bool {
    true
}

/// A partial update: absent fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub business_purpose: Option<String>,
    pub owner_team: Option<String>,
    pub owner_person: Option<String>,
    pub data_sources: Option<Vec<String>>,
    pub model_versions: Option<Vec<ModelVersion>>,
    pub eu_risk_category: Option<EuRiskCategory>,
    pub internal_impact: Option<ImpactLevel>,
    pub depends_on: Option<Vec<String>>,
    pub lifecycle: Option<SystemLifecycle>,
    pub is_ai: Option<bool>,
    pub org_role: Option<OrgRole>,
    pub documentation: Option<Vec<DocumentationLink>>,
    pub eu_database_id: Option<String>,
}

impl SystemPatch {
    pub fn apply(self, details: &SystemDetails) -> SystemDetails {
        let d = details.clone();
        SystemDetails {
            name: self.name.unwrap_or(d.name),
            description: self.description.unwrap_or(d.description),
            business_purpose: self.business_purpose.unwrap_or(d.business_purpose),
            owner_team: self.owner_team.unwrap_or(d.owner_team),
            owner_person: self.owner_person.unwrap_or(d.owner_person),
            data_sources: self.data_sources.unwrap_or(d.data_sources),
            model_versions: self.model_versions.unwrap_or(d.model_versions),
            eu_risk_category: self.eu_risk_category.unwrap_or(d.eu_risk_category),
            internal_impact: self.internal_impact.unwrap_or(d.internal_impact),
            depends_on: self.depends_on.unwrap_or(d.depends_on),
            lifecycle: self.lifecycle.unwrap_or(d.lifecycle),
            is_ai: self.is_ai.unwrap_or(d.is_ai),
            org_role: self.org_role.unwrap_or(d.org_role),
            documentation: self.documentation.unwrap_or(d.documentation),
            eu_database_id: self.eu_database_id.or(d.eu_database_id),
        }
    }
}

pub fn validate_slug(slug: &str) -> Result<(), String> {
    let ok = !slug.is_empty()
        && slug.len() <= 63
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err("must be 1 to 63 lowercase letters, digits or inner '-', e.g. credit-scoring".into())
    }
}

/// Checks a system's own fields. `graph` maps every other registered slug to its
/// dependencies, so that unknown dependencies and cycles can be named.
pub fn validate_system(
    slug: &str,
    details: &SystemDetails,
    graph: &BTreeMap<String, Vec<String>>,
) -> Result<(), DomainError> {
    let mut problems = Problems::default();
    if let Err(message) = validate_slug(slug) {
        problems.push("slug", message);
    }
    if details.name.trim().is_empty() {
        problems.push("name", "must not be empty");
    }
    let mut seen = BTreeSet::new();
    for (i, model) in details.model_versions.iter().enumerate() {
        if model.version.trim().is_empty() {
            problems.push(format!("model_versions[{i}].version"), "must not be empty");
        } else if !seen.insert(model.version.as_str()) {
            problems.push(
                format!("model_versions[{i}].version"),
                format!("version `{}` is listed twice", model.version),
            );
        }
    }
    for (i, link) in details.documentation.iter().enumerate() {
        if !(link.url.starts_with("https://") || link.url.starts_with("http://")) {
            problems.push(format!("documentation[{i}].url"), "must be an http(s) URL");
        }
    }
    for (i, dependency) in details.depends_on.iter().enumerate() {
        if dependency == slug {
            problems.push(
                format!("depends_on[{i}]"),
                "a system cannot depend on itself",
            );
        } else if !graph.contains_key(dependency) {
            problems.push(
                format!("depends_on[{i}]"),
                format!("unknown system `{dependency}`"),
            );
        }
    }
    problems.into_result()?;
    let mut with_this = graph.clone();
    with_this.insert(slug.to_string(), details.depends_on.clone());
    if let Some(cycle) = find_cycle_from(slug, &with_this) {
        return Err(DomainError::field(
            "depends_on",
            format!("dependency cycle: {}", cycle.join(" -> ")),
        ));
    }
    Ok(())
}

/// A path from `start` back to itself, if the graph has one.
fn find_cycle_from(start: &str, graph: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    fn walk(
        node: &str,
        start: &str,
        graph: &BTreeMap<String, Vec<String>>,
        path: &mut Vec<String>,
        visited: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(node).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if visited.insert(next.clone()) {
                path.push(next.clone());
                if walk(next, start, graph, path, visited) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    let mut visited = BTreeSet::new();
    walk(start, start, graph, &mut path, &mut visited).then_some(path)
}

/// Every system that depends on `slug`, directly or through others: the blast
/// radius of an incident on it. Sorted, without `slug` itself.
pub fn dependents(slug: &str, graph: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let mut found = BTreeSet::new();
    let mut frontier = vec![slug.to_string()];
    while let Some(current) = frontier.pop() {
        for (system, deps) in graph {
            if deps.contains(&current) && system != slug && found.insert(system.clone()) {
                frontier.push(system.clone());
            }
        }
    }
    found.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(name: &str, deps: &[&str]) -> SystemDetails {
        SystemDetails {
            name: name.into(),
            description: String::new(),
            business_purpose: String::new(),
            owner_team: String::new(),
            owner_person: String::new(),
            data_sources: vec![],
            model_versions: vec![],
            eu_risk_category: EuRiskCategory::High,
            internal_impact: ImpactLevel::High,
            depends_on: deps.iter().map(|s| s.to_string()).collect(),
            lifecycle: SystemLifecycle::Production,
            is_ai: true,
            org_role: OrgRole::Provider,
            documentation: vec![],
            eu_database_id: None,
        }
    }

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        edges
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn a_cycle_is_refused_with_its_path() {
        let g = graph(&[("features", &["scoring"]), ("scoring", &[])]);
        let err = validate_system("scoring", &details("Scoring", &["features"]), &g).unwrap_err();
        assert_eq!(
            err.to_string(),
            "depends_on: dependency cycle: scoring -> features -> scoring"
        );
    }

    #[test]
    fn unknown_dependency_and_bad_slug_are_both_named() {
        let err =
            validate_system("Bad Slug", &details("", &["nowhere"]), &BTreeMap::new()).unwrap_err();
        let DomainError::Invalid(fields) = err else {
            panic!("expected field errors")
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["slug", "name", "depends_on[0]"]);
    }

    #[test]
    fn blast_radius_follows_dependents_transitively() {
        let g = graph(&[
            ("db", &[]),
            ("features", &["db"]),
            ("scoring", &["features"]),
            ("chatbot", &[]),
        ]);
        assert_eq!(dependents("db", &g), ["features", "scoring"]);
        assert!(dependents("chatbot", &g).is_empty());
    }
}
