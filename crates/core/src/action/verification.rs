//! Whether a finished action achieved what it was for. An action may name
//! its check: a monitor that must stay within its thresholds for a number
//! of runs after the action is done, or a manual check that a person
//! records with evidence. A failed check reopens the action.

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
}

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
            _ => {}
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
