//! Due moments of the reports of applicable regimes, and how far each clock
//! has run at a given `now`.
//!
//! Days are counted on the wall clock of the regime's configured IANA time
//! zone, so a calendar day across a daylight-saving change is 23 or 25 hours
//! and a working day skips weekends, the holidays of the regime's calendar
//! (`crate::calendar`) and the organisation's configured closures.
//! Hours are elapsed time. A period in days ends at the same wall-clock time as
//! it started: the conservative reading, earlier than counting to the end of
//! the last day as Regulation (EEC, Euratom) No 1182/71 would.

use super::{
    Anchor, Answer, DeadlineRule, Organisation, Period, Questionnaire, Regime, RegimeDecision,
    RegimeTable, ReportTemplate,
};
use crate::calendar::{Calendar, CalendarTable};
use crate::error::DomainError;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

/// The incident moments a regime's clock can start from (D9).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ClockTrigger {
    AwareAt,
    /// DORA: classified as a major ICT-related incident.
    ClassifiedMajorAt,
    /// AI Act Art. 73, EU MDR Art. 87: a causal link between the system and
    /// the incident, or its reasonable likelihood, was established.
    CausalLinkAt,
    /// GDPR: aware of a personal data breach.
    PersonalDataAwareAt,
}

/// The incident's recorded clock moments. Each but `aware_at` may be missing
/// and then defaults to `aware_at` (D9), the earlier and so safer start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClockTriggers {
    #[schema(value_type = String, format = DateTime)]
    pub aware_at: Timestamp,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub classified_major_at: Option<Timestamp>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub causal_link_at: Option<Timestamp>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub personal_data_aware_at: Option<Timestamp>,
}

impl ClockTriggers {
    /// The moment as recorded, without the D9 default.
    pub fn recorded(&self, trigger: ClockTrigger) -> Option<Timestamp> {
        match trigger {
            ClockTrigger::AwareAt => Some(self.aware_at),
            ClockTrigger::ClassifiedMajorAt => self.classified_major_at,
            ClockTrigger::CausalLinkAt => self.causal_link_at,
            ClockTrigger::PersonalDataAwareAt => self.personal_data_aware_at,
        }
    }

    /// The moment a clock starts from: as recorded, else `aware_at` (D9).
    pub fn moment(&self, trigger: ClockTrigger) -> Timestamp {
        self.recorded(trigger).unwrap_or(self.aware_at)
    }
}

/// A deployment's settings for one regime.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RegimeConfig {
    /// IANA time zone whose days count; the configuration-wide zone when absent.
    pub time_zone: Option<String>,
    /// Holiday calendar whose days are not working days (`US`, `EU`, `DE`,
    /// `GB` ...), replacing the regime's own, e.g. a member state's for its
    /// supervisory authority.
    pub calendar: Option<String>,
    /// The organisation's own closures: days that are not working days
    /// besides weekends and the calendar's holidays.
    #[schema(value_type = Vec<String>, format = Date)]
    pub holidays: Vec<Date>,
    /// Replaces the regime's applicability date, for when the law moves it.
    #[schema(value_type = Option<String>, format = Date)]
    pub applies_from: Option<Date>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RegulatoryConfig {
    /// IANA time zone for every regime without its own; UTC when absent.
    pub time_zone: Option<String>,
    /// Keyed by regime id.
    pub regimes: BTreeMap<String, RegimeConfig>,
    /// Who reports, filled into every report that asks for it.
    pub organisation: Organisation,
    /// Replace the shipped report templates of the reports they name.
    pub templates: Vec<ReportTemplate>,
}

pub(super) struct ResolvedConfig {
    pub(super) time_zone: TimeZone,
    holiday_calendar: &'static Calendar,
    holidays: BTreeSet<Date>,
    pub(super) applies_from: Option<Date>,
}

impl RegulatoryConfig {
    /// Refuses settings for unknown regimes, time zones and calendars, naming
    /// them.
    pub fn check(&self, table: &RegimeTable) -> Result<(), DomainError> {
        self.resolve(table)?;
        super::template::check(&self.templates, table, "templates", false)
    }

    /// Every regime of the table with its time zone and calendar looked up,
    /// refusing settings for regimes the table does not have and unknown
    /// zone or calendar names.
    pub(super) fn resolve<'t>(
        &self,
        table: &'t RegimeTable,
    ) -> Result<BTreeMap<&'t str, ResolvedConfig>, DomainError> {
        let mut problems = crate::error::Problems::default();
        for id in self.regimes.keys() {
            if table.regime(id).is_none() {
                let known: Vec<&str> = table.regimes.iter().map(|r| r.id.as_str()).collect();
                problems.push(
                    format!("regimes.{id}"),
                    format!("unknown regime, expected one of {}", known.join(", ")),
                );
            }
        }
        let default_zone = match &self.time_zone {
            None => Some(TimeZone::UTC),
            Some(name) => lookup_zone(name, "time_zone", &mut problems),
        };
        let mut resolved = BTreeMap::new();
        for regime in &table.regimes {
            let own = self.regimes.get(&regime.id);
            let zone = match own.and_then(|c| c.time_zone.as_ref()) {
                Some(name) => lookup_zone(
                    name,
                    &format!("regimes.{}.time_zone", regime.id),
                    &mut problems,
                ),
                None => default_zone.clone(),
            };
            let calendar = match own.and_then(|c| c.calendar.as_deref()) {
                Some(id) => CalendarTable::builtin().find(id).unwrap_or_else(|unknown| {
                    problems.push(
                        format!("regimes.{}.calendar", regime.id),
                        unknown.to_string(),
                    );
                    Calendar::none()
                }),
                // The table's calendars were checked when it loaded.
                None => regime
                    .calendar
                    .as_deref()
                    .and_then(Calendar::named)
                    .unwrap_or(Calendar::none()),
            };
            if let Some(time_zone) = zone {
                resolved.insert(
                    regime.id.as_str(),
                    ResolvedConfig {
                        time_zone,
                        holiday_calendar: calendar,
                        holidays: own
                            .map(|c| c.holidays.iter().copied().collect())
                            .unwrap_or_default(),
                        applies_from: own.and_then(|c| c.applies_from),
                    },
                );
            }
        }
        problems.into_result()?;
        Ok(resolved)
    }
}

fn lookup_zone(name: &str, field: &str, problems: &mut crate::error::Problems) -> Option<TimeZone> {
    let found = crate::time_zone::find(name);
    if found.is_none() {
        problems.push(field, format!("unknown IANA time zone `{name}`"));
    }
    found
}

/// A report already sent to its regulator; it stops that report's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Submission {
    pub regime: String,
    pub report: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// When one report of one regime is due, and which rule made it so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Deadline {
    pub regime: String,
    pub report: String,
    pub report_name: String,
    /// `unknown` while the questionnaire leaves the regime undecided: the clock
    /// runs anyway, since finding out late that it applied is worse.
    pub applies: Answer,
    pub incomplete_allowed: bool,
    /// The moment the binding rule counts from.
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub due_at: Timestamp,
    /// The earliest of the rules that apply.
    pub rule: DeadlineRule,
    /// Questions whose missing answers made `rule` bind; answering them no may
    /// give more time.
    pub assumed_unanswered: Vec<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<Timestamp>,
    /// For a report due immediately, the earliest fixed limit that binds it
    /// too ("immediately, at the latest 15 days after awareness"): the moment
    /// it becomes overdue. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub latest_at: Option<Timestamp>,
}

/// The due moment of every report with a fixed period, for each regime that
/// applies or may apply. Conditional rules (a death, remedial action) are read
/// from `questionnaire`; `submissions` stop clocks and anchor the reports that
/// count from an earlier one (NIS2's final report, DORA's chain).
pub fn compute_deadlines(
    table: &RegimeTable,
    decisions: &[RegimeDecision],
    questionnaire: &Questionnaire,
    triggers: &ClockTriggers,
    submissions: &[Submission],
    config: &RegulatoryConfig,
) -> Result<Vec<Deadline>, DomainError> {
    let settings = config.resolve(table)?;
    check_submissions(table, submissions)?;
    let mut deadlines = Vec::new();
    for decision in decisions.iter().filter(|d| d.applies != Answer::No) {
        let Some(regime) = table.regime(&decision.regime) else {
            return Err(DomainError::field(
                "decisions",
                format!("unknown regime `{}`", decision.regime),
            ));
        };
        let calendar = &settings[regime.id.as_str()];
        // Due moments of this regime's reports so far, for rules anchored on
        // an earlier report; the table guarantees anchors point backwards.
        let mut due_so_far: BTreeMap<&str, Timestamp> = BTreeMap::new();
        for report in &regime.reports {
            let submitted_at = submitted(regime, &report.id, submissions);
            // The earliest of the rules that bind sets the due moment; the
            // earliest with a fixed period is the latest an immediate one may come.
            let mut earliest: Option<Limit> = None;
            let mut earliest_fixed: Option<Timestamp> = None;
            for rule in &report.deadline {
                let assumed_unanswered = match &rule.when {
                    None => vec![],
                    Some(condition) => {
                        let verdict = condition.evaluate(questionnaire, table);
                        match verdict.answer {
                            Answer::No => continue,
                            Answer::Yes => vec![],
                            Answer::Unknown => verdict.unanswered,
                        }
                    }
                };
                let Some(started_at) =
                    anchor_moment(regime, rule, triggers, submissions, &due_so_far)
                else {
                    continue;
                };
                let due_at = due_after(started_at, rule.within, calendar)?;
                if rule.within != Period::Immediately {
                    earliest_fixed = Some(earliest_fixed.map_or(due_at, |e| e.min(due_at)));
                }
                if earliest.as_ref().is_none_or(|best| due_at < best.due_at) {
                    earliest = Some(Limit {
                        started_at,
                        due_at,
                        rule,
                        assumed_unanswered,
                    });
                }
            }
            let Some(Limit {
                started_at,
                due_at,
                rule,
                assumed_unanswered,
            }) = earliest
            else {
                continue;
            };
            due_so_far.insert(&report.id, due_at);
            deadlines.push(Deadline {
                regime: regime.id.clone(),
                report: report.id.clone(),
                report_name: report.name.clone(),
                applies: decision.applies,
                incomplete_allowed: report.incomplete_allowed,
                started_at,
                due_at,
                rule: rule.clone(),
                assumed_unanswered,
                submitted_at,
                latest_at: earliest_fixed.filter(|_| rule.within == Period::Immediately),
            });
        }
    }
    Ok(deadlines)
}

/// One rule that binds a report, with the moments it sets.
struct Limit<'a> {
    started_at: Timestamp,
    due_at: Timestamp,
    rule: &'a DeadlineRule,
    assumed_unanswered: Vec<String>,
}

fn check_submissions(table: &RegimeTable, submissions: &[Submission]) -> Result<(), DomainError> {
    let mut problems = crate::error::Problems::default();
    for (i, submission) in submissions.iter().enumerate() {
        match table.regime(&submission.regime) {
            None => problems.push(
                format!("submissions[{i}].regime"),
                format!("unknown regime `{}`", submission.regime),
            ),
            Some(regime) if regime.report(&submission.report).is_none() => problems.push(
                format!("submissions[{i}].report"),
                format!("`{}` has no report `{}`", regime.id, submission.report),
            ),
            Some(_) => {}
        }
    }
    problems.into_result()
}

/// The earliest submission of the report itself or of one that settles it.
fn submitted(regime: &Regime, report: &str, submissions: &[Submission]) -> Option<Timestamp> {
    submissions
        .iter()
        .filter(|s| s.regime == regime.id)
        .filter(|s| {
            s.report == report
                || regime
                    .report(&s.report)
                    .is_some_and(|other| other.satisfies.iter().any(|r| r == report))
        })
        .map(|s| s.at)
        .min()
}

/// What a rule counts from, or `None` while it cannot bind yet.
fn anchor_moment(
    regime: &Regime,
    rule: &DeadlineRule,
    triggers: &ClockTriggers,
    submissions: &[Submission],
    due_so_far: &BTreeMap<&str, Timestamp>,
) -> Option<Timestamp> {
    match rule.from.as_ref() {
        None if rule.once_recorded => triggers.recorded(regime.clock_start),
        None => Some(triggers.moment(regime.clock_start)),
        Some(Anchor::Trigger(trigger)) if rule.once_recorded => triggers.recorded(*trigger),
        Some(Anchor::Trigger(trigger)) => Some(triggers.moment(*trigger)),
        Some(Anchor::Report { report }) if rule.once_recorded => {
            submitted(regime, report, submissions)
        }
        // A submitted report anchors the next at its submission; until then at
        // its due moment, the latest it may lawfully come.
        Some(Anchor::Report { report }) => submitted(regime, report, submissions)
            .or_else(|| due_so_far.get(report.as_str()).copied()),
    }
}

fn due_after(
    start: Timestamp,
    period: Period,
    calendar: &ResolvedConfig,
) -> Result<Timestamp, DomainError> {
    let out_of_range =
        |e: jiff::Error| DomainError::field("aware_at", format!("deadline out of range: {e}"));
    let local = start.to_zoned(calendar.time_zone.clone());
    match period {
        Period::Immediately => Ok(start),
        Period::Hours(hours) => start
            .checked_add(SignedDuration::from_hours(i64::from(hours)))
            .map_err(out_of_range),
        Period::CalendarDays(days) => local
            .checked_add(Span::new().days(i64::from(days)))
            .map(|z| z.timestamp())
            .map_err(out_of_range),
        Period::Months(months) => local
            .checked_add(Span::new().months(i64::from(months)))
            .map(|z| z.timestamp())
            .map_err(out_of_range),
        Period::WorkingDays(days) => {
            let mut date = local.date();
            let mut left = days;
            while left > 0 {
                date = date.tomorrow().map_err(out_of_range)?;
                let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
                if !weekend
                    && !calendar.holidays.contains(&date)
                    && !calendar.holiday_calendar.is_holiday(date)
                {
                    left -= 1;
                }
            }
            // A wall-clock time skipped by a spring-forward change resolves to
            // the moment just after the gap (jiff's "compatible" rule).
            date.to_datetime(local.time())
                .to_zoned(calendar.time_zone.clone())
                .map(|z| z.timestamp())
                .map_err(out_of_range)
        }
    }
}

/// A report whose due moment moved, e.g. after `aware_at` was edited: the
/// payload of the event that records the recomputation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeadlineChange {
    pub regime: String,
    pub report: String,
    /// Absent when the report had no clock before.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub before: Option<Timestamp>,
    /// Absent when the report has no clock any more.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub after: Option<Timestamp>,
}

/// The reports whose due moment differs between two computations.
pub fn deadline_changes(before: &[Deadline], after: &[Deadline]) -> Vec<DeadlineChange> {
    let index = |deadlines: &[Deadline]| -> BTreeMap<(String, String), Timestamp> {
        deadlines
            .iter()
            .map(|d| ((d.regime.clone(), d.report.clone()), d.due_at))
            .collect()
    };
    let (before, after) = (index(before), index(after));
    let keys: BTreeSet<&(String, String)> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|key| before.get(*key) != after.get(*key))
        .map(|(regime, report)| {
            let key = (regime.clone(), report.clone());
            DeadlineChange {
                regime: regime.clone(),
                report: report.clone(),
                before: before.get(&key).copied(),
                after: after.get(&key).copied(),
            }
        })
        .collect()
}
