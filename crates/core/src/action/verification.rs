//! Whether a finished action achieved what it was for. An action may name
//! its check: a monitor that must stay within its thresholds for a number
//! of runs after the action is done, a forensics analysis whose metric must
//! be within a bound, or a manual check that a person records with
//! evidence. A failed check reopens the action.

use super::ActionStatus;
use crate::error::Problems;
use crate::monitor::{MonitorRun, MonitorState};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The most runs a monitor check may ask for.
pub const MAX_RUNS: u32 = 100;

/// How an action is verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum Check {
    /// The monitor's next `runs` runs after the action is done stay within
    /// its thresholds; one breach fails it.
    Monitor { monitor: String, runs: u32 },
    /// A person checks by hand and records the outcome with evidence.
    Manual { check: String },
    /// A forensics analysis of the incident's evidence (the log after the
    /// fix), run once the action is done: the metric it reads must be
    /// within the bound.
    Finding {
        /// The analysis as `POST /incidents/{id}/findings` takes it, its
        /// inputs named by evidence id.
        #[schema(value_type = Object)]
        request: serde_json::Value,
        /// Where the metric is in the result, as a JSON pointer
        /// (`/groups/2/selection_rate`).
        metric: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_most: Option<Limit>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_least: Option<Limit>,
    },
}

/// A finding check's parts, borrowed from the item that waits on it.
#[derive(Debug, Clone, Copy)]
pub struct FindingCheck<'a> {
    pub request: &'a serde_json::Value,
    pub metric: &'a str,
    pub at_most: Option<Limit>,
    pub at_least: Option<Limit>,
}

/// A finite bound of a metric; a check with any other is refused, so two
/// bounds are equal exactly when their numbers are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct Limit(pub f64);

impl Eq for Limit {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
        }
    }
}

/// One verification of a finished action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerificationResult {
    pub outcome: Outcome,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// A user, or `monitor:<name>` for a monitor check.
    pub by: String,
    pub detail: String,
    /// The monitor runs that decided it, by number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<u64>,
    /// Evidence ids (`E-3`) a manual check rests on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// An action's check, when it was done, and what each verification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Verification {
    pub check: Option<Check>,
    /// When the action was last marked done; the check looks after it.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub done_at: Option<Timestamp>,
    /// Every verification, oldest first.
    pub results: Vec<VerificationResult>,
}

impl Verification {
    /// The newest result that speaks of the latest time the action was done.
    pub fn current(&self) -> Option<&VerificationResult> {
        let done_at = self.done_at?;
        self.results.last().filter(|r| r.at >= done_at)
    }

    /// Refuses an empty monitor name or check, and a run count out of range,
    /// fields named with `path` in front.
    pub fn check_fields(&self, path: &str, problems: &mut Problems) {
        match &self.check {
            Some(Check::Monitor { monitor, runs }) => {
                if monitor.trim().is_empty() {
                    problems.push(format!("{path}check.monitor"), "name the monitor");
                }
                if !(1..=MAX_RUNS).contains(runs) {
                    problems.push(
                        format!("{path}check.runs"),
                        format!("between 1 and {MAX_RUNS} runs"),
                    );
                }
            }
            Some(Check::Manual { check }) if check.trim().is_empty() => {
                problems.push(format!("{path}check.check"), "say what is checked");
            }
            Some(Check::Finding {
                request,
                metric,
                at_most,
                at_least,
            }) => {
                if !request.is_object() {
                    problems.push(
                        format!("{path}check.request"),
                        "an analysis request: {\"analysis\": …, \"log\": \"EV-3\", …}",
                    );
                }
                if !metric.starts_with('/') {
                    problems.push(
                        format!("{path}check.metric"),
                        "a JSON pointer into the analysis result, e.g. /groups/2/selection_rate",
                    );
                }
                let bounds = [at_most, at_least];
                if bounds.iter().all(|b| b.is_none()) {
                    problems.push(
                        format!("{path}check.at_most"),
                        "give at_most or at_least (or both)",
                    );
                }
                for (name, bound) in [("at_most", at_most), ("at_least", at_least)] {
                    if bound.is_some_and(|b| !b.0.is_finite()) {
                        problems.push(format!("{path}check.{name}"), "a finite number");
                    }
                }
            }
            _ => {}
        }
    }
}

/// Which automatic check a done item still waits on.
impl super::ActionItem {
    /// Done, with a finding check not yet decided for this time it was done.
    pub fn awaits_finding(&self) -> Option<FindingCheck<'_>> {
        match &self.verification.check {
            Some(Check::Finding {
                request,
                metric,
                at_most,
                at_least,
            }) if self.status == ActionStatus::Done
                && self.verification.done_at.is_some()
                && self.verification.current().is_none() =>
            {
                Some(FindingCheck {
                    request,
                    metric,
                    at_most: *at_most,
                    at_least: *at_least,
                })
            }
            _ => None,
        }
    }

    /// Done, with a monitor check not yet decided for this time it was done.
    pub fn awaits_monitor(&self) -> Option<(&str, u32, jiff::Timestamp)> {
        match (&self.verification.check, self.verification.done_at) {
            (Some(Check::Monitor { monitor, runs }), Some(done_at))
                if self.status == ActionStatus::Done && self.verification.current().is_none() =>
            {
                Some((monitor.as_str(), *runs, done_at))
            }
            _ => None,
        }
    }
}

/// What a monitor's runs say of an action done at `done_at`: passed once
/// `needed` runs that started after it were all within thresholds, failed
/// at the first breach among them, undecided before. Runs whose data was
/// insufficient or that failed to run count neither way.
pub fn monitor_verdict(
    monitor: &str,
    needed: u32,
    done_at: Timestamp,
    runs: &[MonitorRun],
    now: Timestamp,
) -> Option<VerificationResult> {
    let mut after: Vec<&MonitorRun> = runs.iter().filter(|r| r.started_at >= done_at).collect();
    after.sort_by_key(|r| r.seq);
    let mut within = Vec::new();
    for run in after {
        match run.state {
            MonitorState::Ok => within.push(run.seq),
            MonitorState::Breached => {
                let breaches: Vec<String> = run.breaches.iter().map(|b| b.metric.clone()).collect();
                within.push(run.seq);
                return Some(VerificationResult {
                    outcome: Outcome::Failed,
                    at: now,
                    by: format!("monitor:{monitor}"),
                    detail: format!(
                        "run {} of monitor {monitor} breached {} after the action was done",
                        run.seq,
                        breaches.join(", ")
                    ),
                    runs: within,
                    evidence: vec![],
                });
            }
            _ => {}
        }
        if within.len() >= needed as usize {
            return Some(VerificationResult {
                outcome: Outcome::Passed,
                at: now,
                by: format!("monitor:{monitor}"),
                detail: format!(
                    "monitor {monitor} stayed within its thresholds for {needed} runs after the action was done"
                ),
                runs: within,
                evidence: vec![],
            });
        }
    }
    None
}

/// "at most 0.1", "at most 1.25 and at least 0.8".
pub fn bounds_text(at_most: Option<Limit>, at_least: Option<Limit>) -> String {
    [("at most", at_most), ("at least", at_least)]
        .into_iter()
        .filter_map(|(words, bound)| bound.map(|b| format!("{words} {}", b.0)))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// What an analysis result says of an action: the metric at `pointer`
/// within its bounds passes it; out of them, or not a number, fails it.
pub fn finding_verdict(
    pointer: &str,
    at_most: Option<Limit>,
    at_least: Option<Limit>,
    result: &serde_json::Value,
    finding: u64,
    now: Timestamp,
) -> VerificationResult {
    let value = result.pointer(pointer).and_then(serde_json::Value::as_f64);
    let (outcome, detail) = match value {
        None => (
            Outcome::Failed,
            format!("finding {finding} has no number at {pointer}"),
        ),
        Some(value) => {
            let within =
                at_most.is_none_or(|b| value <= b.0) && at_least.is_none_or(|b| value >= b.0);
            let outcome = if within {
                Outcome::Passed
            } else {
                Outcome::Failed
            };
            (
                outcome,
                format!(
                    "{pointer} = {value} in finding {finding}, {} {}",
                    if within { "within" } else { "outside" },
                    bounds_text(at_most, at_least)
                ),
            )
        }
    };
    VerificationResult {
        outcome,
        at: now,
        by: "finding".into(),
        detail,
        runs: vec![],
        evidence: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::Breach;
    use std::collections::BTreeMap;

    fn run(seq: u64, started: &str, state: MonitorState) -> MonitorRun {
        let started_at: Timestamp = started.parse().unwrap();
        MonitorRun {
            seq,
            monitor: "approvals".into(),
            started_at,
            finished_at: started_at,
            window: Some(format!("w{seq}")),
            watermark: None,
            state,
            metrics: BTreeMap::new(),
            reference_metrics: BTreeMap::new(),
            breaches: if state == MonitorState::Breached {
                vec![Breach {
                    metric: "approval_rate_gap".into(),
                    value: 0.2,
                    threshold: "> 0.1".into(),
                    reference: None,
                }]
            } else {
                vec![]
            },
            note: None,
            inputs: vec![],
            alert: None,
            incident: None,
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn passes_after_enough_runs_within_thresholds_after_the_fix() {
        let done = at("2026-05-01T12:00:00Z");
        let runs = [
            run(1, "2026-05-01T11:00:00Z", MonitorState::Breached),
            run(2, "2026-05-01T13:00:00Z", MonitorState::Ok),
            run(3, "2026-05-01T14:00:00Z", MonitorState::InsufficientData),
            run(4, "2026-05-01T15:00:00Z", MonitorState::Ok),
        ];
        let now = at("2026-05-02T00:00:00Z");
        assert_eq!(monitor_verdict("approvals", 3, done, &runs, now), None);
        let passed = monitor_verdict("approvals", 2, done, &runs, now).unwrap();
        assert_eq!(passed.outcome, Outcome::Passed);
        assert_eq!(passed.runs, [2, 4]);
        assert_eq!(passed.by, "monitor:approvals");
    }

    #[test]
    fn fails_at_the_first_breach_after_the_fix() {
        let done = at("2026-05-01T12:00:00Z");
        let runs = [
            run(2, "2026-05-01T13:00:00Z", MonitorState::Ok),
            run(3, "2026-05-01T14:00:00Z", MonitorState::Breached),
            run(4, "2026-05-01T15:00:00Z", MonitorState::Ok),
        ];
        let failed =
            monitor_verdict("approvals", 3, done, &runs, at("2026-05-02T00:00:00Z")).unwrap();
        assert_eq!(failed.outcome, Outcome::Failed);
        assert_eq!(failed.runs, [2, 3]);
        assert!(failed.detail.contains("run 3"), "{}", failed.detail);
        assert!(
            failed.detail.contains("approval_rate_gap"),
            "{}",
            failed.detail
        );
    }

    #[test]
    fn a_result_from_before_the_action_was_done_again_is_not_current() {
        let mut verification = Verification {
            check: Some(Check::Monitor {
                monitor: "approvals".into(),
                runs: 2,
            }),
            done_at: Some(at("2026-05-01T12:00:00Z")),
            results: vec![],
        };
        verification.results.push(VerificationResult {
            outcome: Outcome::Failed,
            at: at("2026-05-01T16:00:00Z"),
            by: "monitor:approvals".into(),
            detail: String::new(),
            runs: vec![3],
            evidence: vec![],
        });
        assert!(verification.current().is_some());
        verification.done_at = Some(at("2026-05-03T09:00:00Z"));
        assert!(verification.current().is_none());
    }

    #[test]
    fn a_finding_passes_within_its_bounds_and_fails_outside_or_without_a_number() {
        let result =
            serde_json::json!({"groups": [{"selection_rate": 0.41}, {"selection_rate": 0.18}]});
        let now = at("2026-05-02T00:00:00Z");
        let passed = finding_verdict(
            "/groups/0/selection_rate",
            None,
            Some(Limit(0.3)),
            &result,
            7,
            now,
        );
        assert_eq!(passed.outcome, Outcome::Passed);
        assert_eq!(
            passed.detail,
            "/groups/0/selection_rate = 0.41 in finding 7, within at least 0.3"
        );
        let failed = finding_verdict(
            "/groups/1/selection_rate",
            Some(Limit(0.5)),
            Some(Limit(0.3)),
            &result,
            7,
            now,
        );
        assert_eq!(failed.outcome, Outcome::Failed);
        assert!(
            failed
                .detail
                .contains("outside at most 0.5 and at least 0.3"),
            "{}",
            failed.detail
        );
        let missing = finding_verdict(
            "/groups/9/selection_rate",
            Some(Limit(1.0)),
            None,
            &result,
            7,
            now,
        );
        assert_eq!(missing.outcome, Outcome::Failed);
        assert!(missing.detail.contains("no number"), "{}", missing.detail);
    }

    #[test]
    fn a_finding_check_needs_a_request_a_pointer_and_a_finite_bound() {
        let verification = Verification {
            check: Some(Check::Finding {
                request: serde_json::json!("fairness"),
                metric: "groups.1".into(),
                at_most: Some(Limit(f64::NAN)),
                at_least: None,
            }),
            ..Verification::default()
        };
        let mut problems = Problems::default();
        verification.check_fields("", &mut problems);
        let error = problems.into_result().unwrap_err().to_string();
        for field in ["check.request", "check.metric", "check.at_most"] {
            assert!(error.contains(field), "{field}: {error}");
        }
    }

    #[test]
    fn refuses_an_empty_monitor_and_runs_out_of_range_by_field() {
        let verification = Verification {
            check: Some(Check::Monitor {
                monitor: " ".into(),
                runs: 0,
            }),
            ..Verification::default()
        };
        let mut problems = Problems::default();
        verification.check_fields("verification.", &mut problems);
        let error = problems.into_result().unwrap_err().to_string();
        assert!(error.contains("verification.check.monitor"), "{error}");
        assert!(error.contains("verification.check.runs"), "{error}");
    }
}
