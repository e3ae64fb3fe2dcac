//! Escalation policies in the browser: the list, and one policy's levels,
//! repeats, severity rules, working hours and the systems it pages for.

use super::oncall_labels::{duration, target, urgency, window};
use super::{PageResult, page};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use firebreak_core::incident::Severity;
use firebreak_core::oncall::{EscalationPolicy, Schedule, Target, Team};
use firebreak_store::OncallConfig;
use maud::{Markup, html};

/// The systems whose incidents `policy` pages for, in slug order.
fn systems_of<'c>(config: &'c OncallConfig, policy: &str) -> Vec<&'c str> {
    config
        .system_policies
        .iter()
        .filter(|(_, p)| p.as_str() == policy)
        .map(|(system, _)| system.as_str())
        .collect()
}

fn system_links(systems: &[&str]) -> Markup {
    html! {
        @if systems.is_empty() { "None" }
        @for (i, system) in systems.iter().enumerate() {
            @if i > 0 { ", " }
            a href={ "/systems/" (system) } { (system) }
        }
    }
}

fn repeats(repeat: u32) -> String {
    match repeat {
        0 => "Each level is paged once".to_string(),
        1 => "The whole list is paged once more when nobody acknowledges".to_string(),
        n => format!("The whole list is paged {n} more times when nobody acknowledges"),
    }
}

pub async fn list(Viewer(caller): Viewer, State(state): State<AppState>) -> PageResult {
    let config = state.run(|store| store.oncall()).await?;
    Ok(page(
        &caller,
        "Escalation policies",
        html! {
            h1 { "Escalation policies" }
            p { "Who is paged for a system's incidents, in which order. " a href="/oncall" { "Who is on call now" } }
            @if config.policies.is_empty() {
                p { "No escalation policy yet: incidents page nobody. Add one with " code { "firebreak oncall escalation add" } "." }
            } @else {
                div.scroll tabindex="0" { table {
                    thead { tr { th scope="col" { "Policy" } th scope="col" { "Levels" } th scope="col" { "Repeats" } th scope="col" { "Pages for" } } }
                    tbody { @for policy in &config.policies {
                        tr {
                            th scope="row" { a href={ "/oncall/policies/" (policy.slug) } { (policy.name) } }
                            td { (policy.levels.len()) }
                            td { (repeats(policy.repeat)) }
                            td { (system_links(&systems_of(&config, &policy.slug))) }
                        }
                    } }
                } }
            }
        },
    ))
}

/// The members of a team target, as a list of names.
fn members(target: &Target, teams: &[Team]) -> Option<String> {
    let Target::Team { team } = target else {
        return None;
    };
    let found = teams.iter().find(|t| &t.slug == team)?;
    Some(found.members.join(", "))
}

/// One policy's page.
pub fn render_policy(
    policy: &EscalationPolicy,
    schedules: &[Schedule],
    teams: &[Team],
    systems: &[&str],
) -> Markup {
    let hours = policy.working_hours();
    html! {
        h1 { "Escalation policy " (policy.name) }
        p { "Pages for: " (system_links(systems)) }
        h2 { "Levels" }
        div.scroll tabindex="0" { table {
            thead { tr { th scope="col" { "Level" } th scope="col" { "Pages" } th scope="col" { "Waits for an acknowledgement" } } }
            tbody { @for (i, level) in policy.levels.iter().enumerate() {
                tr {
                    th scope="row" { (i + 1) }
                    td { ul { @for t in &level.targets {
                        li {
                            (target(t, schedules))
                            @if let Some(members) = members(t, teams) { " (" (members) ")" }
                        }
                    } } }
                    td { (level.timeout().map_or_else(|| "—".to_string(), duration)) }
                }
            } }
        } }
        p { (repeats(policy.repeat)) "." }
        h2 { "By severity" }
        div.scroll tabindex="0" { table {
            thead { tr { th scope="col" { "Severity" } th scope="col" { "Paging" } } }
            tbody { @for severity in Severity::ALL {
                tr { th scope="row" { (severity.as_str().to_uppercase()) } td { (urgency(policy.urgency.of(severity))) } }
            } }
        } }
        h2 { "Working hours" }
        p {
            "Pages that wait for working hours go out within these times, in " strong { (hours.time_zone) }
            @if policy.working_hours.is_none() { " (the default)" } ":"
        }
        ul { @for w in &hours.windows { li { (window(w)) } } }
        p { a href="/oncall/policies" { "All escalation policies" } }
    }
}

pub async fn show(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> PageResult {
    let config = state.run(|store| store.oncall()).await?;
    let policy = config
        .policies
        .iter()
        .find(|p| p.slug == slug)
        .ok_or_else(|| ApiError::NotFound(format!("escalation policy {slug} not found")))?;
    let systems = systems_of(&config, &slug);
    Ok(page(
        &caller,
        &policy.name,
        render_policy(policy, &config.schedules, &config.teams, &systems),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_policy_reads_in_words() {
        let policy: EscalationPolicy = serde_json::from_value(json!({
            "slug": "scoring", "name": "Scoring", "repeat": 2,
            "urgency": {"sev3": "low", "sev4": "low"},
            "levels": [
                {"targets": [{"kind": "schedule", "schedule": "ml-primary"}], "timeout_minutes": 5},
                {"targets": [{"kind": "team", "team": "leads"}, {"kind": "user", "user": "dave"}], "timeout_seconds": 90},
            ],
        }))
        .unwrap();
        let teams = [Team {
            slug: "leads".into(),
            members: vec!["carol".into(), "erin".into()],
        }];
        let page = render_policy(&policy, &[], &teams, &["scoring"]).into_string();
        for words in [
            "5 minutes",
            "1 minute 30 seconds",
            "(carol, erin)",
            "paged 2 more times",
            "Waits for working hours",
            "Pages at once, at any hour",
            "href=\"/oncall/schedules/ml-primary\"",
            "href=\"/systems/scoring\"",
            "(the default)",
        ] {
            assert!(page.contains(words), "{words} in {page}");
        }
        assert!(!page.contains("timeout"), "{page}");
    }
}
