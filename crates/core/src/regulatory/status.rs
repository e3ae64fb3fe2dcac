//! How far each clock has run at a given `now`, and the words every surface
//! (incident page, deadline board, CLI, API) shows it with, so a clock reads
//! the same wherever it appears.
//!
//! A clock is provisional while its regime's applicability is unknown: it is
//! the earliest moment the report could be due, shown so that nobody learns
//! too late that it applied, and flagged "assessment needed". It is overdue
//! only once its due moment has come. An "immediately" obligation has no
//! period to run out: it is shown as due immediately with the time elapsed
//! since its trigger, never as overdue at once. A submission stops a clock:
//! met when it came by the due moment, late otherwise.

use super::{Answer, Deadline, Period};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How far a clock has run, in the order a board sorts by urgency.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ClockLevel {
    OnTrack,
    /// Half the time is gone.
    HalfElapsed,
    /// 80 % of the time is gone.
    EightyPercentElapsed,
    /// An "immediately" obligation whose trigger has come: due now, with no
    /// period that could run out.
    Immediate,
    /// The due moment has come.
    Overdue,
}

impl ClockLevel {
    /// The words every surface shows for the level.
    pub fn label(self) -> &'static str {
        match self {
            ClockLevel::OnTrack => "on track",
            ClockLevel::HalfElapsed => "50 % elapsed",
            ClockLevel::EightyPercentElapsed => "80 % elapsed",
            ClockLevel::Immediate => "immediate",
            ClockLevel::Overdue => "overdue",
        }
    }
}

/// Where a clock stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Counting towards its due moment.
    Running,
    /// Due immediately (or without undue delay) from its trigger; shown with
    /// the time elapsed since, never overdue at once.
    Immediate,
    /// The due moment (for an immediate obligation, its `latest_at`) has come
    /// without a submission.
    Overdue,
    /// Stopped by a submission in time.
    Met,
    /// Stopped by a submission after the moment it became overdue.
    Late,
}

/// The moment a clock reaches a level, for a notifier to fire at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Crossing {
    pub level: ClockLevel,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// One clock of an incident as every surface shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClockStatus {
    pub deadline: Deadline,
    /// The regime's applicability is still unknown: `due_at` is the earliest
    /// it could be, until the questionnaire is answered ("assessment needed").
    pub provisional: bool,
    pub state: ClockState,
    /// Seconds from `started_at` to now, or to the submission.
    pub elapsed_seconds: i64,
    /// Share of the time from `started_at` to `due_at` that has gone, above 1
    /// once overdue; frozen at submission. Absent for an "immediately"
    /// obligation, which has no period.
    pub elapsed_fraction: Option<f64>,
    pub level: ClockLevel,
    pub crossings: Vec<Crossing>,
    /// The state in words, e.g. `due in 2 d 23 h` or `due immediately, 3 h
    /// 20 min elapsed`; the same on every surface.
    pub summary: String,
}

/// How a moment is shown on every surface.
pub fn moment_text(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// A duration in the largest two units that matter: `2 d 3 h`, `3 h 20 min`,
/// `45 min`, `under a minute`. Counted in whole minutes, rounded down.
pub fn duration_text(duration: SignedDuration) -> String {
    let minutes = duration.as_secs().max(0) / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => "under a minute".to_string(),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

impl ClockStatus {
    /// `provisional: assessment needed` or `assessed`.
    pub fn basis(&self) -> &'static str {
        if self.provisional {
            "provisional: assessment needed"
        } else {
            "assessed"
        }
    }

    /// The due moment in words: a date, or `immediately` (with the latest
    /// moment, if a fixed limit binds too) for an obligation without a period.
    pub fn due_text(&self) -> String {
        match (self.deadline.is_immediate(), self.deadline.latest_at) {
            (false, _) => moment_text(self.deadline.due_at),
            (true, None) => "immediately".to_string(),
            (true, Some(latest)) => format!("immediately, at the latest {}", moment_text(latest)),
        }
    }

    /// Whether a submission stopped the clock.
    pub fn stopped(&self) -> bool {
        matches!(self.state, ClockState::Met | ClockState::Late)
    }
}

impl Deadline {
    /// An obligation to report "immediately" or "without undue delay".
    pub fn is_immediate(&self) -> bool {
        self.rule.within == Period::Immediately
    }

    /// The moment the clock is overdue: its due moment, or for an immediate
    /// obligation the fixed limit that binds it too, if any.
    pub fn overdue_at(&self) -> Option<Timestamp> {
        if self.is_immediate() {
            self.latest_at
        } else {
            Some(self.due_at)
        }
    }

    /// The moments the clock reaches 50 %, 80 % and its due moment. An
    /// "immediately" obligation reaches `immediate` at its trigger and is
    /// overdue only after a fixed limit that binds it too; a clock with no
    /// time for another reason is overdue at once.
    pub fn crossings(&self) -> Vec<Crossing> {
        if self.is_immediate() {
            let mut crossings = vec![Crossing {
                level: ClockLevel::Immediate,
                at: self.started_at,
            }];
            crossings.extend(self.latest_at.map(|at| Crossing {
                level: ClockLevel::Overdue,
                at,
            }));
            return crossings;
        }
        let span = self.due_at.duration_since(self.started_at);
        let mut crossings = Vec::with_capacity(3);
        if span > SignedDuration::ZERO {
            crossings.push(Crossing {
                level: ClockLevel::HalfElapsed,
                at: self.started_at + span / 2,
            });
            crossings.push(Crossing {
                level: ClockLevel::EightyPercentElapsed,
                at: self.started_at + span * 4 / 5,
            });
        }
        crossings.push(Crossing {
            level: ClockLevel::Overdue,
            at: self.due_at,
        });
        crossings
    }

    /// The clock at `now`, or at its submission if that came first.
    pub fn status(&self, now: Timestamp) -> ClockStatus {
        let at = self.stopped_at(now);
        let immediate = self.is_immediate();
        let span = self.due_at.duration_since(self.started_at).as_secs_f64();
        let elapsed = at.duration_since(self.started_at).max(SignedDuration::ZERO);
        let elapsed_fraction = match (immediate, span > 0.0, at >= self.due_at) {
            (true, _, _) => None,
            (false, true, _) => Some(elapsed.as_secs_f64() / span),
            (false, false, true) => Some(1.0),
            (false, false, false) => Some(0.0),
        };
        let crossings = self.crossings();
        let level = crossings
            .iter()
            .filter(|c| c.at <= at)
            .map(|c| c.level)
            .max()
            .unwrap_or(ClockLevel::OnTrack);
        let overdue_at = self.overdue_at();
        let (state, summary) = match (self.submitted_at, overdue_at) {
            (Some(submitted), Some(overdue)) if submitted > overdue => (
                ClockState::Late,
                format!(
                    "late: submitted {}, {} after the due moment",
                    moment_text(submitted),
                    duration_text(submitted.duration_since(overdue))
                ),
            ),
            (Some(submitted), _) => (
                ClockState::Met,
                format!("met: submitted {}", moment_text(submitted)),
            ),
            (None, Some(overdue)) if now >= overdue => (
                ClockState::Overdue,
                format!("overdue by {}", duration_text(now.duration_since(overdue))),
            ),
            (None, _) if immediate => (
                ClockState::Immediate,
                format!("due immediately, {} elapsed", duration_text(elapsed)),
            ),
            (None, _) => (
                ClockState::Running,
                format!("due in {}", duration_text(self.due_at.duration_since(now))),
            ),
        };
        ClockStatus {
            deadline: self.clone(),
            provisional: self.applies == Answer::Unknown,
            state,
            elapsed_seconds: elapsed.as_secs(),
            elapsed_fraction,
            level,
            crossings,
            summary,
        }
    }

    /// The crossings reached in `(since, now]`, earliest first, so a notifier
    /// that last looked at `since` fires each exactly once. None after the
    /// report was submitted.
    pub fn crossed_between(&self, since: Timestamp, now: Timestamp) -> Vec<Crossing> {
        let until = self.stopped_at(now);
        self.crossings()
            .into_iter()
            .filter(|c| since < c.at && c.at <= until)
            .collect()
    }

    fn stopped_at(&self, now: Timestamp) -> Timestamp {
        self.submitted_at
            .map_or(now, |submitted| submitted.min(now))
    }
}

#[cfg(test)]
mod tests;
