//! Escalation policies: who is paged, when, and when to stop.
//!
//! A policy's levels are paged in order, each after the previous one's
//! timeout, and the whole list again `repeat` more times. The plan is
//! computed once from the severity and the trigger time
//! ([`escalation_steps`]); what to send at a moment follows from the plan,
//! the acknowledgement and what was already sent ([`due_now`]), and who a
//! step reaches is decided at its due instant ([`resolve_targets`]), so a
//! schedule's hand-off between trigger and escalation pages the new person.

use super::resolve::on_call_at;
use super::schedule::Schedule;
use super::zone::{TimeWindow, lookup, next_in_windows};
use super::{Faults, OncallError};
use crate::incident::Severity;
use crate::system::validate_slug;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// At most this many levels in a policy.
pub const MAX_LEVELS: usize = 20;
/// At most this many targets on a level.
pub const MAX_TARGETS: usize = 20;
/// At most this many repeats of the whole policy (PagerDuty's limit too).
pub const MAX_REPEAT: u32 = 9;
/// The longest timeout of a level: a day.
pub const MAX_TIMEOUT_MINUTES: u32 = 1_440;

/// Whom to page for a system's incidents, in which order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationPolicy {
    pub slug: String,
    pub name: String,
    pub levels: Vec<EscalationLevel>,
    /// How many more times to page the whole list when nobody acknowledges:
    /// `0` pages each level once.
    #[serde(default)]
    pub repeat: u32,
    /// Which severities page at once and which wait for working hours.
    #[serde(default)]
    pub urgency: UrgencyBySeverity,
    /// When low-urgency pages may go out; without them, Monday to Friday
    /// 09:00–17:00 UTC ([`EscalationPolicy::working_hours`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationLevel {
    pub targets: Vec<Target>,
    /// Minutes to wait for an acknowledgement before the next level (after
    /// the last level: before the next round). Give this or
    /// `timeout_seconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<u32>,
    /// The same wait in seconds, for waits shorter than a minute (drills,
    /// tests) or not a whole number of minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
}

impl EscalationLevel {
    /// The wait for an acknowledgement; none when neither or both of
    /// `timeout_minutes` and `timeout_seconds` are given (refused by
    /// [`EscalationPolicy::validate`]).
    pub fn timeout(&self) -> Option<SignedDuration> {
        match (self.timeout_minutes, self.timeout_seconds) {
            (Some(minutes), None) => Some(SignedDuration::from_mins(i64::from(minutes))),
            (None, Some(seconds)) => Some(SignedDuration::from_secs(i64::from(seconds))),
            _ => None,
        }
    }
}

/// Whom a level pages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// Whoever is on call in the schedule at the step's due instant.
    Schedule {
        schedule: String,
    },
    User {
        user: String,
    },
    /// Every member of the team.
    Team {
        team: String,
    },
}

/// A named list of users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub slug: String,
    pub members: Vec<String>,
}

/// How soon people are disturbed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Page at once, at any hour.
    High,
    /// Notify only within working hours: a step due outside them waits for
    /// the next start of working hours.
    Low,
}

/// The urgency of each severity; by default SEV1 to SEV3 are high and SEV4
/// is low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct UrgencyBySeverity {
    pub sev1: Urgency,
    pub sev2: Urgency,
    pub sev3: Urgency,
    pub sev4: Urgency,
}

impl Default for UrgencyBySeverity {
    fn default() -> Self {
        UrgencyBySeverity {
            sev1: Urgency::High,
            sev2: Urgency::High,
            sev3: Urgency::High,
            sev4: Urgency::Low,
        }
    }
}

impl UrgencyBySeverity {
    pub fn of(&self, severity: Severity) -> Urgency {
        match severity {
            Severity::Sev1 => self.sev1,
            Severity::Sev2 => self.sev2,
            Severity::Sev3 => self.sev3,
            Severity::Sev4 => self.sev4,
        }
    }
}

/// When low-urgency pages may go out: weekly windows of local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    /// IANA zone of the windows.
    pub time_zone: String,
    pub windows: Vec<TimeWindow>,
}

impl WorkingHours {
    /// Names a zone that does not exist and windows that break a rule, with
    /// fields starting `path`; answers the zone when it exists.
    fn check(&self, path: &str, faults: &mut Faults) -> Option<jiff::tz::TimeZone> {
        let zone = lookup(&self.time_zone, &format!("{path}.time_zone"), faults);
        if self.windows.is_empty() {
            faults.push(format!("{path}.windows"), "name at least one window");
        }
        for (i, window) in self.windows.iter().enumerate() {
            window.check(&format!("{path}.windows[{i}]"), faults);
        }
        zone
    }

    /// Monday to Friday, 09:00 to 17:00 in `time_zone`.
    pub fn office(time_zone: &str) -> WorkingHours {
        WorkingHours {
            time_zone: time_zone.to_string(),
            windows: vec![TimeWindow::office_hours()],
        }
    }
}

/// Identifies a step of a plan: the `round`-th pass (from 0) over the
/// levels, at `levels[level]`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
pub struct StepKey {
    pub round: u32,
    pub level: usize,
}

/// One page the plan will send if nobody acknowledges first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlannedStep {
    pub key: StepKey,
    #[schema(value_type = String, format = DateTime)]
    pub due: Timestamp,
    pub targets: Vec<Target>,
}

/// Every page of an incident's escalation, in due order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EscalationPlan {
    pub policy: String,
    pub severity: Severity,
    pub urgency: Urgency,
    #[schema(value_type = String, format = DateTime)]
    pub triggered_at: Timestamp,
    pub steps: Vec<PlannedStep>,
    /// 0 for the plan made at declaration, one more for each re-plan after
    /// a raise in severity: its pages are new messages, not repeats.
    #[serde(default)]
    pub generation: u32,
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

impl EscalationPolicy {
    /// The policy's working hours, or office hours in UTC when it names none.
    pub fn working_hours(&self) -> WorkingHours {
        self.working_hours
            .clone()
            .unwrap_or_else(|| WorkingHours::office("UTC"))
    }

    /// Every rule a saved policy keeps, each broken one named by its field.
    pub fn validate(&self) -> Result<(), OncallError> {
        let mut faults = Faults::default();
        self.check(&mut faults);
        faults.into_result()
    }

    fn check(&self, faults: &mut Faults) {
        if let Err(message) = validate_slug(&self.slug) {
            faults.push("slug", message);
        }
        if blank(&self.name) {
            faults.push("name", "must not be empty");
        }
        if self.levels.is_empty() {
            faults.push("levels", "a policy needs at least one level");
        }
        if self.levels.len() > MAX_LEVELS {
            faults.push("levels", format!("at most {MAX_LEVELS} levels"));
        }
        if self.repeat > MAX_REPEAT {
            faults.push("repeat", format!("at most {MAX_REPEAT}"));
        }
        if let Some(hours) = &self.working_hours {
            hours.check("working_hours", faults);
        }
        for (i, level) in self.levels.iter().enumerate() {
            match (level.timeout_minutes, level.timeout_seconds) {
                (Some(minutes), None) if !(1..=MAX_TIMEOUT_MINUTES).contains(&minutes) => {
                    faults.push(
                        format!("levels[{i}].timeout_minutes"),
                        format!("must be at least 1 and at most {MAX_TIMEOUT_MINUTES}"),
                    );
                }
                (None, Some(seconds)) if !(1..=MAX_TIMEOUT_MINUTES * 60).contains(&seconds) => {
                    faults.push(
                        format!("levels[{i}].timeout_seconds"),
                        format!(
                            "must be at least 1 and at most {}",
                            MAX_TIMEOUT_MINUTES * 60
                        ),
                    );
                }
                (None, None) => faults.push(
                    format!("levels[{i}].timeout_minutes"),
                    "missing: give timeout_minutes or timeout_seconds",
                ),
                (Some(_), Some(_)) => faults.push(
                    format!("levels[{i}].timeout_seconds"),
                    "give timeout_minutes or timeout_seconds, not both",
                ),
                _ => {}
            }
            if level.targets.is_empty() {
                faults.push(
                    format!("levels[{i}].targets"),
                    "empty: name a schedule, a user or a team",
                );
            }
            if level.targets.len() > MAX_TARGETS {
                faults.push(
                    format!("levels[{i}].targets"),
                    format!("at most {MAX_TARGETS} targets"),
                );
            }
            for (j, target) in level.targets.iter().enumerate() {
                let (field, name) = target.field();
                if blank(name) {
                    faults.push(
                        format!("levels[{i}].targets[{j}].{field}"),
                        "must not be empty",
                    );
                }
            }
        }
    }

    /// Validates the policy and refuses targets that name a schedule or team
    /// not in `schedules` or `teams`, or a team without members.
    pub fn check_references(
        &self,
        schedules: &[Schedule],
        teams: &[Team],
    ) -> Result<(), OncallError> {
        let mut faults = Faults::default();
        self.check(&mut faults);
        for (i, level) in self.levels.iter().enumerate() {
            for (j, target) in level.targets.iter().enumerate() {
                let (field, name) = target.field();
                if !blank(name)
                    && let Some(problem) = reference_problem(target, schedules, teams)
                {
                    faults.push(format!("levels[{i}].targets[{j}].{field}"), problem);
                }
            }
        }
        faults.into_result()
    }
}

/// Why `target` reaches nobody at any time: a schedule or team that does
/// not exist, or a team without members.
fn reference_problem(target: &Target, schedules: &[Schedule], teams: &[Team]) -> Option<String> {
    match target {
        Target::User { .. } => None,
        Target::Schedule { schedule } => (!schedules.iter().any(|s| &s.slug == schedule))
            .then(|| format!("unknown schedule \"{schedule}\"")),
        Target::Team { team } => match teams.iter().find(|t| &t.slug == team) {
            None => Some(format!("unknown team \"{team}\"")),
            Some(t) if t.members.iter().all(|m| blank(m)) => {
                Some(format!("team \"{team}\" has no members"))
            }
            Some(_) => None,
        },
    }
}

impl Target {
    /// The field naming the target and its value.
    fn field(&self) -> (&'static str, &str) {
        match self {
            Target::Schedule { schedule } => ("schedule", schedule),
            Target::User { user } => ("user", user),
            Target::Team { team } => ("team", team),
        }
    }
}

/// The pages `policy` plans for an incident of `severity` triggered at
/// `triggered_at`. High urgency pages the first level at once and each next
/// one when the previous times out. Low urgency does the same on the clock
/// of `working_hours`: a step that would fall outside them waits for the
/// next start of working hours, and the next timeout counts from there (over
/// a weekend, Friday 16:50 plus 30 minutes is Monday 09:00). Steps that would
/// fall past the last representable instant are left out.
pub fn escalation_steps(
    policy: &EscalationPolicy,
    severity: Severity,
    triggered_at: Timestamp,
    working_hours: &WorkingHours,
) -> Result<EscalationPlan, OncallError> {
    let mut faults = Faults::default();
    policy.check(&mut faults);
    let zone = working_hours.check("working_hours", &mut faults);
    faults.into_result()?;
    let urgency = policy.urgency.of(severity);
    // A step outside working hours waits for them; should no window open
    // within a fortnight (every one inside a skipped hour), it goes out
    // rather than never.
    let when = |t: Timestamp| match (urgency, &zone) {
        (Urgency::Low, Some(zone)) => next_in_windows(zone, &working_hours.windows, t).unwrap_or(t),
        _ => t,
    };
    let mut steps = Vec::new();
    let mut due = Some(when(triggered_at));
    'rounds: for round in 0..=policy.repeat {
        for (level, l) in policy.levels.iter().enumerate() {
            let Some(at) = due else { break 'rounds };
            steps.push(PlannedStep {
                key: StepKey { round, level },
                due: at,
                targets: l.targets.clone(),
            });
            due = l
                .timeout()
                .and_then(|timeout| at.checked_add(timeout).ok())
                .map(when);
        }
    }
    Ok(EscalationPlan {
        policy: policy.slug.clone(),
        severity,
        urgency,
        triggered_at,
        steps,
        generation: 0,
    })
}

/// The plan that replaces `current` when the incident's severity is raised
/// to `severity` at `now`: the policy's escalation for the new severity
/// from `now` (a SEV4 waiting for working hours becomes a SEV1 paged at
/// once), as the next generation. None when `severity` is not more severe
/// than the plan's.
pub fn replan(
    current: &EscalationPlan,
    policy: &EscalationPolicy,
    severity: Severity,
    now: Timestamp,
    working_hours: &WorkingHours,
) -> Result<Option<EscalationPlan>, OncallError> {
    if severity >= current.severity {
        return Ok(None);
    }
    let mut plan = escalation_steps(policy, severity, now, working_hours)?;
    plan.generation = current.generation + 1;
    Ok(Some(plan))
}

/// The steps to send at `now`: due by then and not in `already_sent`. An
/// acknowledgement or a resolution at or before `now` stops everything,
/// including steps that fell due before it but were never sent: someone has
/// the page, or there is nothing left to page about. An acknowledgement or
/// resolution after `now` is not known yet at `now` and does not count, so
/// the function replays a recorded escalation at any past instant.
pub fn due_now(
    plan: &EscalationPlan,
    acknowledged_at: Option<Timestamp>,
    resolved_at: Option<Timestamp>,
    already_sent: &[StepKey],
    now: Timestamp,
) -> Vec<PlannedStep> {
    if stopped(acknowledged_at, resolved_at, now) {
        return Vec::new();
    }
    plan.steps
        .iter()
        .filter(|s| s.due <= now && !already_sent.contains(&s.key))
        .cloned()
        .collect()
}

/// When the scheduler should next look at this page: the earliest step not
/// yet sent and due after `now`, or `None` when nothing is left.
pub fn next_due(
    plan: &EscalationPlan,
    acknowledged_at: Option<Timestamp>,
    resolved_at: Option<Timestamp>,
    already_sent: &[StepKey],
    now: Timestamp,
) -> Option<Timestamp> {
    if stopped(acknowledged_at, resolved_at, now) {
        return None;
    }
    plan.steps
        .iter()
        .filter(|s| s.due > now && !already_sent.contains(&s.key))
        .map(|s| s.due)
        .min()
}

fn stopped(
    acknowledged_at: Option<Timestamp>,
    resolved_at: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    [acknowledged_at, resolved_at]
        .into_iter()
        .flatten()
        .any(|t| t <= now)
}

/// One person a step reaches, and the target that named them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Recipient {
    pub user: String,
    pub via: Target,
}

/// A target that reached nobody, and why: shown on the incident so that a
/// page to an empty schedule is not silent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Unresolved {
    pub target: Target,
    pub reason: String,
}

/// The people a step reaches at an instant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Recipients {
    /// Each user once, in the order of the targets that named them.
    pub users: Vec<Recipient>,
    pub unresolved: Vec<Unresolved>,
}

/// Who `targets` reach at `at`: a user themselves, a team each of its
/// members, a schedule whoever is on call in it then ([`on_call_at`]).
pub fn resolve_targets(
    targets: &[Target],
    at: Timestamp,
    schedules: &[Schedule],
    teams: &[Team],
) -> Recipients {
    let mut out = Recipients::default();
    for target in targets {
        let (_, name) = target.field();
        let reached: Result<Vec<String>, String> = if blank(name) {
            Err("no name given".to_string())
        } else if let Some(problem) = reference_problem(target, schedules, teams) {
            Err(problem)
        } else {
            match target {
                Target::User { user } => Ok(vec![user.clone()]),
                Target::Team { team } => Ok(teams
                    .iter()
                    .find(|t| &t.slug == team)
                    .map(|t| t.members.clone())
                    .unwrap_or_default()),
                Target::Schedule { schedule } => {
                    match schedules
                        .iter()
                        .find(|s| &s.slug == schedule)
                        .map(|s| on_call_at(s, at))
                    {
                        Some(Ok(Some(on_call))) => Ok(vec![on_call.user]),
                        Some(Ok(None)) | None => Err(format!(
                            "nobody is on call in schedule \"{schedule}\" at {at}"
                        )),
                        Some(Err(error)) => {
                            Err(format!("schedule \"{schedule}\" is invalid: {error}"))
                        }
                    }
                }
            }
        };
        match reached {
            Ok(users) => {
                for user in users {
                    if !blank(&user) && !out.users.iter().any(|r| r.user == user) {
                        out.users.push(Recipient {
                            user,
                            via: target.clone(),
                        });
                    }
                }
            }
            Err(reason) => out.unresolved.push(Unresolved {
                target: target.clone(),
                reason,
            }),
        }
    }
    out
}
