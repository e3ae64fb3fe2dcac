//! Alerts from monitoring, and the routing rules that decide what an alert
//! does: declare an incident on a system, attach to its open incident, or only
//! be recorded.
//!
//! Matchers follow Prometheus: `=`, `!=`, `=~` and `!~`, with regular
//! expressions anchored at both ends.

use crate::error::{DomainError, Problems};
use crate::incident::{DeclareIncident, DetectionSource, Severity};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertSource {
    Alertmanager,
    Pagerduty,
    Generic,
    /// Firebreak's own monitors (D27).
    Monitor,
}

impl AlertSource {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertSource::Alertmanager => "alertmanager",
            AlertSource::Pagerduty => "pagerduty",
            AlertSource::Generic => "generic",
            AlertSource::Monitor => "monitor",
        }
    }
}

impl std::str::FromStr for AlertSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "alertmanager" => Ok(AlertSource::Alertmanager),
            "pagerduty" => Ok(AlertSource::Pagerduty),
            "generic" => Ok(AlertSource::Generic),
            "monitor" => Ok(AlertSource::Monitor),
            _ => Err(format!(
                "unknown alert source `{s}`, expected alertmanager, pagerduty, generic or monitor"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Firing,
    Acknowledged,
    Resolved,
}

impl AlertStatus {
    pub fn is_open(self) -> bool {
        self != AlertStatus::Resolved
    }

    /// The words a person reads.
    pub fn label(self) -> &'static str {
        match self {
            AlertStatus::Firing => "firing",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Resolved => "resolved",
        }
    }

    /// Whether a person may move an alert from `self` to `next`: acknowledge
    /// one that fires, resolve one still open. Upstream may still change it
    /// afterwards (a repeat that fires again reopens it).
    pub fn set_by_hand(self, next: AlertStatus) -> Result<AlertStatus, DomainError> {
        let allowed = match self {
            AlertStatus::Firing => vec![AlertStatus::Acknowledged, AlertStatus::Resolved],
            AlertStatus::Acknowledged => vec![AlertStatus::Resolved],
            AlertStatus::Resolved => vec![],
        };
        if allowed.contains(&next) {
            return Ok(next);
        }
        Err(DomainError::Conflict {
            message: format!(
                "the alert is {}: it cannot be {} now",
                self.label(),
                next.label()
            ),
            allowed: allowed.iter().map(|s| s.label().to_string()).collect(),
        })
    }
}

/// The severity an alert asks for (D7): critical → SEV1, error → SEV2,
/// warning → SEV3, info → SEV4. Unknown words map to SEV3.
pub fn severity_from_alert(word: Option<&str>) -> Severity {
    match word.map(str::to_ascii_lowercase).as_deref() {
        Some("critical") | Some("sev1") | Some("page") => Severity::Sev1,
        Some("error") | Some("sev2") | Some("major") => Severity::Sev2,
        Some("info") | Some("sev4") | Some("low") => Severity::Sev4,
        _ => Severity::Sev3,
    }
}

/// An alert as received, before routing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IncomingAlert {
    pub source: AlertSource,
    /// Identifies repeats of the same alert within its integration.
    pub dedup_key: String,
    pub status: AlertStatus,
    pub summary: String,
    pub severity: Severity,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<Timestamp>,
    pub generator_url: Option<String>,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    pub id: u64,
    pub integration: String,
    #[serde(flatten)]
    pub alert: IncomingAlert,
    /// The system a routing rule tied it to.
    pub system: Option<String>,
    /// The incident it declared or was attached to, `INC-<n>`.
    pub incident: Option<String>,
    pub occurrences: u64,
    #[schema(value_type = String, format = DateTime)]
    pub first_seen: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen: Timestamp,
}

impl Alert {
    /// What a declaration from this alert leaves empty, taken from the
    /// alert: detected when it first arrived, impact started when it began
    /// (unless that is still to come), found by an alert from outside or by
    /// a monitor.
    pub fn complete_declaration(&self, input: &mut DeclareIncident, now: Timestamp) {
        input.detected_at = input.detected_at.or(Some(self.first_seen));
        input.impact_started_at = input
            .impact_started_at
            .or(self.alert.starts_at.filter(|s| *s <= now));
        input.detection_source = input.detection_source.or(Some(match self.alert.source {
            AlertSource::Monitor => DetectionSource::Monitor,
            _ => DetectionSource::ExternalAlert,
        }));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum MatchOp {
    #[serde(rename = "=")]
    Equal,
    #[serde(rename = "!=")]
    NotEqual,
    #[serde(rename = "=~")]
    Regex,
    #[serde(rename = "!~")]
    NotRegex,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Matcher {
    pub label: String,
    pub op: MatchOp,
    pub value: String,
}

impl Matcher {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.label).map_or("", String::as_str);
        match self.op {
            MatchOp::Equal => value == self.value,
            MatchOp::NotEqual => value != self.value,
            MatchOp::Regex => anchored(&self.value).is_ok_and(|r| r.is_match(value)),
            MatchOp::NotRegex => anchored(&self.value).is_ok_and(|r| !r.is_match(value)),
        }
    }
}

fn anchored(pattern: &str) -> Result<regex_lite::Regex, regex_lite::Error> {
    regex_lite::Regex::new(&format!("^(?:{pattern})$"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum RouteAction {
    /// Attach to the system's open incident, or declare one if there is none.
    Declare,
    /// Attach to the system's open incident; record only if there is none.
    Attach,
    /// Keep the alert without touching incidents.
    #[default]
    Record,
}

/// The first rule whose matchers all hold decides (an empty list matches all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoutingRule {
    #[serde(default)]
    pub matchers: Vec<Matcher>,
    pub system: String,
    /// Overrides the severity the alert asks for.
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub action: RouteAction,
}

pub fn route<'a>(
    rules: &'a [RoutingRule],
    labels: &BTreeMap<String, String>,
) -> Option<&'a RoutingRule> {
    rules
        .iter()
        .find(|rule| rule.matchers.iter().all(|m| m.matches(labels)))
}

/// Checks rules when an integration is configured: regexes compile, systems
/// exist.
pub fn validate_rules(rules: &[RoutingRule], known_systems: &[String]) -> Result<(), DomainError> {
    let mut problems = Problems::default();
    for (i, rule) in rules.iter().enumerate() {
        if !known_systems.contains(&rule.system) {
            problems.push(
                format!("rules[{i}].system"),
                format!("unknown system `{}`", rule.system),
            );
        }
        check_matchers(&mut problems, &format!("rules[{i}]"), &rule.matchers);
    }
    problems.into_result()
}

/// Refuses matchers whose regular expressions do not compile, naming each
/// under `rule` (e.g. `rules[2]`).
pub(crate) fn check_matchers(problems: &mut Problems, rule: &str, matchers: &[Matcher]) {
    for (j, matcher) in matchers.iter().enumerate() {
        if matches!(matcher.op, MatchOp::Regex | MatchOp::NotRegex)
            && let Err(error) = anchored(&matcher.value)
        {
            problems.push(
                format!("{rule}.matchers[{j}].value"),
                format!("not a regular expression: {error}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn rule(matchers: &[(&str, MatchOp, &str)], system: &str) -> RoutingRule {
        RoutingRule {
            matchers: matchers
                .iter()
                .map(|(l, op, v)| Matcher {
                    label: l.to_string(),
                    op: *op,
                    value: v.to_string(),
                })
                .collect(),
            system: system.into(),
            severity: None,
            action: RouteAction::Declare,
        }
    }

    #[test]
    fn the_first_matching_rule_wins_with_anchored_regexes() {
        let rules = [
            rule(
                &[
                    ("model", MatchOp::Regex, "credit-.*"),
                    ("env", MatchOp::NotEqual, "staging"),
                ],
                "scoring",
            ),
            rule(&[("model", MatchOp::Equal, "chat")], "chatbot"),
            rule(&[], "catch-all"),
        ];
        let system =
            |pairs: &[(&str, &str)]| route(&rules, &labels(pairs)).map(|r| r.system.as_str());
        assert_eq!(
            system(&[("model", "credit-v2"), ("env", "prod")]),
            Some("scoring")
        );
        assert_eq!(
            system(&[("model", "credit-v2"), ("env", "staging")]),
            Some("catch-all")
        );
        assert_eq!(system(&[("model", "xcredit-v2")]), Some("catch-all"));
        assert_eq!(system(&[("model", "chat")]), Some("chatbot"));
    }

    #[test]
    fn severities_follow_d7() {
        assert_eq!(severity_from_alert(Some("critical")), Severity::Sev1);
        assert_eq!(severity_from_alert(Some("ERROR")), Severity::Sev2);
        assert_eq!(severity_from_alert(Some("warning")), Severity::Sev3);
        assert_eq!(severity_from_alert(Some("info")), Severity::Sev4);
        assert_eq!(severity_from_alert(None), Severity::Sev3);
    }

    #[test]
    fn bad_rules_are_named() {
        let rules = [rule(&[("a", MatchOp::Regex, "(")], "nowhere")];
        let err = validate_rules(&rules, &["scoring".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("rules[0].system: unknown system `nowhere`"),
            "{err}"
        );
        assert!(err.contains("rules[0].matchers[0].value"), "{err}");
    }

    #[test]
    fn a_person_acknowledges_a_firing_alert_and_resolves_an_open_one() {
        use AlertStatus::*;
        assert_eq!(Firing.set_by_hand(Acknowledged), Ok(Acknowledged));
        assert_eq!(Firing.set_by_hand(Resolved), Ok(Resolved));
        assert_eq!(Acknowledged.set_by_hand(Resolved), Ok(Resolved));
        for (from, to) in [
            (Acknowledged, Acknowledged),
            (Resolved, Acknowledged),
            (Resolved, Resolved),
            (Firing, Firing),
        ] {
            let err = from.set_by_hand(to).unwrap_err().to_string();
            assert!(
                err.contains(&format!("the alert is {}", from.label())),
                "{err}"
            );
        }
    }
}
