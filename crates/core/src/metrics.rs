//! Governance metrics as pure queries over incident timestamps (D12). Drills and
//! tests never count. Each metric reports mean, median and p90 over the incidents
//! that have both of its moments set, and how many those were.

use crate::incident::{Incident, IncidentKind, Severity, TimeField, Timestamps};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

mod register;

pub use register::{IncidentRegister, RegisterEntry, register};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    #[default]
    All,
    Severity,
    System,
    Month,
    Week,
    /// Who or what found each incident (`unknown` where nobody said).
    DetectionSource,
    /// `monitoring` (monitors, alerts) or `people` (everyone else).
    FoundBy,
}

impl std::str::FromStr for GroupBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
            format!(
                "unknown grouping `{s}`, expected all, severity, system, month, week, detection_source or found_by"
            )
        })
    }
}

/// One metric: the span from one moment to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricDefinition {
    pub name: &'static str,
    pub from: TimeField,
    pub to: TimeField,
}

impl MetricDefinition {
    /// The span for one incident, when both moments are set.
    pub fn seconds(&self, times: &Timestamps) -> Option<f64> {
        let from = times.get(self.from)?;
        let to = times.get(self.to)?;
        Some(to.duration_since(from).as_secs_f64())
    }
}

/// Every metric one incident has both moments for, in whole seconds, keyed
/// by metric name: the figures a post-mortem quotes.
pub fn incident_durations(incident: &Incident) -> BTreeMap<String, i64> {
    METRICS
        .iter()
        .filter_map(|m| Some((m.name.to_string(), m.seconds(&incident.times)? as i64)))
        .collect()
}

pub const METRICS: [MetricDefinition; 5] = [
    MetricDefinition {
        name: "time_to_detect",
        from: TimeField::ImpactStartedAt,
        to: TimeField::DetectedAt,
    },
    MetricDefinition {
        name: "time_to_acknowledge",
        from: TimeField::DetectedAt,
        to: TimeField::AcknowledgedAt,
    },
    MetricDefinition {
        name: "time_to_contain",
        from: TimeField::DetectedAt,
        to: TimeField::ContainedAt,
    },
    MetricDefinition {
        name: "time_to_remediate",
        from: TimeField::DetectedAt,
        to: TimeField::EradicatedAt,
    },
    MetricDefinition {
        name: "time_to_recover",
        from: TimeField::ImpactStartedAt,
        to: TimeField::RecoveredAt,
    },
];

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DurationStats {
    /// Incidents with both moments set.
    pub count: usize,
    pub mean_seconds: Option<f64>,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MetricsGroup {
    pub group: String,
    pub incidents: usize,
    /// Of `incidents`, those linked as a recurrence of an earlier one: a
    /// fix that did not hold.
    pub recurrences: usize,
    /// Keyed by metric name, e.g. `time_to_detect` (MTTD).
    pub metrics: BTreeMap<String, DurationStats>,
    pub impact: ImpactTotals,
}

/// The impact and cost of a group's incidents, summed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImpactTotals {
    /// Confirmed counts where known, else the estimates.
    pub people_affected: u64,
    pub decisions_affected: u64,
    pub downtime_minutes: u64,
    /// Keyed by ISO 4217 currency: amounts are never added across them.
    pub cost: BTreeMap<String, CostTotals>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CostTotals {
    pub remediation: u64,
    pub refunds: u64,
    pub penalties: u64,
    pub total: u64,
    /// Incidents with an amount in this currency.
    pub incidents: usize,
}

impl ImpactTotals {
    fn add(&mut self, incident: &Incident) {
        let impact = &incident.impact;
        self.people_affected += impact
            .people_affected_confirmed
            .or(incident.people_affected)
            .unwrap_or(0);
        self.decisions_affected += impact.decisions_affected.unwrap_or(0);
        self.downtime_minutes += impact.downtime_minutes.values().sum::<u64>();
        if let (true, Some(currency)) = (impact.has_cost(), &impact.currency) {
            let cost = self.cost.entry(currency.clone()).or_default();
            cost.remediation += impact.remediation_cost.unwrap_or(0);
            cost.refunds += impact.refunds.unwrap_or(0);
            cost.penalties += impact.penalties.unwrap_or(0);
            cost.total += impact.total_cost();
            cost.incidents += 1;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MetricsReport {
    pub group_by: GroupBy,
    pub groups: Vec<MetricsGroup>,
    /// How many of the counted incidents monitoring found, how many
    /// people, and how many nobody said (`unknown`).
    pub found_by: BTreeMap<String, usize>,
}

/// Which incidents count: real ones detected within `[from, to)`.
#[derive(Debug, Clone, Default)]
pub struct MetricsFilter {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub severity: Option<Severity>,
    pub system: Option<String>,
}

/// The time-to-notify samples of one incident (D12): per regime, seconds
/// from that regime's trigger to its first submitted report.
pub type NotificationDelays = BTreeMap<u64, Vec<(String, f64)>>;

pub const TIME_TO_NOTIFY: &str = "time_to_notify";

pub fn compute(
    incidents: &[Incident],
    notifications: &NotificationDelays,
    filter: &MetricsFilter,
    group_by: GroupBy,
) -> MetricsReport {
    let mut groups: BTreeMap<String, Vec<&Incident>> = BTreeMap::new();
    let mut found_by: BTreeMap<String, usize> = BTreeMap::new();
    for incident in incidents.iter().filter(|i| counts(i, filter)) {
        *found_by.entry(found_by_key(incident).into()).or_default() += 1;
        for key in group_keys(incident, group_by) {
            groups.entry(key).or_default().push(incident);
        }
    }
    let groups = groups
        .into_iter()
        .map(|(group, members)| {
            let mut metrics: BTreeMap<String, DurationStats> = METRICS
                .iter()
                .map(|m| {
                    (
                        m.name.to_string(),
                        stats_of(members.iter().filter_map(|i| m.seconds(&i.times)).collect()),
                    )
                })
                .collect();
            let delays: Vec<&(String, f64)> = members
                .iter()
                .flat_map(|i| notifications.get(&i.number).into_iter().flatten())
                .collect();
            metrics.insert(
                TIME_TO_NOTIFY.to_string(),
                stats_of(delays.iter().map(|(_, s)| *s).collect()),
            );
            let mut regimes: Vec<&str> = delays.iter().map(|(r, _)| r.as_str()).collect();
            regimes.dedup();
            for regime in regimes {
                let samples = delays
                    .iter()
                    .filter(|(r, _)| r == regime)
                    .map(|(_, s)| *s)
                    .collect();
                metrics.insert(format!("{TIME_TO_NOTIFY}.{regime}"), stats_of(samples));
            }
            let mut impact = ImpactTotals::default();
            for incident in &members {
                impact.add(incident);
            }
            MetricsGroup {
                group,
                incidents: members.len(),
                recurrences: members.iter().filter(|i| i.recurrence_of.is_some()).count(),
                metrics,
                impact,
            }
        })
        .collect();
    MetricsReport {
        group_by,
        groups,
        found_by,
    }
}

fn found_by_key(incident: &Incident) -> &'static str {
    incident
        .detection_source
        .map_or("unknown", |d| d.found_by())
}

fn counts(incident: &Incident, filter: &MetricsFilter) -> bool {
    if incident.kind != IncidentKind::Real {
        return false;
    }
    let detected = incident.times.detected_at;
    let in_window = filter
        .from
        .is_none_or(|from| detected.is_some_and(|d| d >= from))
        && filter.to.is_none_or(|to| detected.is_some_and(|d| d < to));
    in_window
        && filter.severity.is_none_or(|s| incident.severity == s)
        && filter
            .system
            .as_ref()
            .is_none_or(|s| incident.systems.contains(s))
}

fn group_keys(incident: &Incident, group_by: GroupBy) -> Vec<String> {
    let detected = incident
        .times
        .detected_at
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC));
    match group_by {
        GroupBy::All => vec!["all".into()],
        GroupBy::Severity => vec![incident.severity.as_str().into()],
        GroupBy::System => incident.systems.clone(),
        GroupBy::Month => vec![detected.map_or("undated".into(), |z| {
            format!("{:04}-{:02}", z.year(), z.month())
        })],
        GroupBy::Week => vec![detected.map_or("undated".into(), |z| {
            let week = z.date().iso_week_date();
            format!("{:04}-W{:02}", week.year(), week.week())
        })],
        GroupBy::DetectionSource => vec![
            incident
                .detection_source
                .map_or("unknown", |d| d.as_str())
                .into(),
        ],
        GroupBy::FoundBy => vec![found_by_key(incident).into()],
    }
}

fn stats_of(mut seconds: Vec<f64>) -> DurationStats {
    seconds.sort_by(f64::total_cmp);
    let mean = (!seconds.is_empty()).then(|| seconds.iter().sum::<f64>() / seconds.len() as f64);
    DurationStats {
        count: seconds.len(),
        mean_seconds: mean,
        median_seconds: quantile(&seconds, 0.5),
        p90_seconds: quantile(&seconds, 0.9),
    }
}

/// Linear interpolation between closest ranks, numpy's default, on sorted data.
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let position = q * last as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    Some(sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::{IncidentKind, Status};

    fn incident(kind: IncidentKind, severity: Severity, hours_to_detect: i64) -> Incident {
        let start: Timestamp = "2026-03-02T00:00:00Z".parse().unwrap();
        Incident {
            number: 1,
            title: "t".into(),
            summary: String::new(),
            kind,
            status: Status::Triage,
            severity,
            severity_rationale: String::new(),
            systems: vec!["scoring".into()],
            model_versions: vec![],
            harms: vec![],
            people_affected: None,
            tags: vec![],
            times: Timestamps {
                impact_started_at: Some(start),
                detected_at: Some(start + jiff::SignedDuration::from_hours(hours_to_detect)),
                ..Timestamps::default()
            },
            roles: vec![],
            merged_into: None,
            reportable: crate::incident::Reportable::Unknown,
            detection_source: None,
            impact: crate::incident::IncidentImpact::default(),
            severity_assessment: None,
            recurrence_of: None,
        }
    }

    #[test]
    fn the_register_lists_each_counted_incident_and_totals_per_currency() {
        use crate::incident::DetectionSource;
        let mut first = incident(IncidentKind::Real, Severity::Sev1, 1);
        first.title = "=cmd|' /C calc'!A0".into();
        first.detection_source = Some(DetectionSource::Complaint);
        first.people_affected = Some(100);
        first.impact.people_affected_confirmed = Some(40);
        first.impact.currency = Some("EUR".into());
        first.impact.refunds = Some(1_000);
        first.impact.downtime_minutes.insert("scoring".into(), 30);
        let mut second = incident(IncidentKind::Real, Severity::Sev2, 2);
        second.number = 2;
        second.title = "Bias, in scoring".into();
        second.people_affected = Some(7);
        second.impact.currency = Some("USD".into());
        second.impact.penalties = Some(500);
        let mut drill = incident(IncidentKind::Drill, Severity::Sev1, 1);
        drill.number = 3;
        drill.impact.currency = Some("EUR".into());
        drill.impact.refunds = Some(9);
        let notified = NotificationDelays::from([(2, vec![("gdpr".to_string(), 3600.0)])]);
        let register = register(
            &[second, drill, first],
            &notified,
            &MetricsFilter::default(),
        );
        let ids: Vec<&str> = register
            .incidents
            .iter()
            .map(|e| e.incident.as_str())
            .collect();
        assert_eq!(ids, ["INC-1", "INC-2"]);
        assert_eq!(register.incidents[0].total_cost, Some(1_000));
        assert_eq!(
            register.incidents[1].durations_seconds["time_to_notify.gdpr"],
            3600
        );
        assert_eq!(register.totals.people_affected, 47);
        assert_eq!(register.totals.cost["EUR"].total, 1_000);
        assert_eq!(register.found_by["unknown"], 1);

        let csv = register.to_csv();
        let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 5, "{csv}");
        let header: Vec<&str> = lines[0].split(',').collect();
        let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
        let cells = |line: &str| -> Vec<String> {
            // No cell of these rows but the title holds a comma.
            let (id, rest) = line.split_once(',').unwrap();
            let rest = rest.strip_prefix('"').map_or(rest.to_string(), |quoted| {
                let (title, after) = quoted.split_once("\",").unwrap();
                format!("{},{after}", title.replace(',', ";"))
            });
            std::iter::once(id.to_string())
                .chain(rest.split(',').map(str::to_string))
                .collect()
        };
        let first = cells(lines[1]);
        assert_eq!(first.len(), header.len(), "{}", lines[1]);
        assert_eq!(first[column("title")], "'=cmd|' /C calc'!A0");
        assert_eq!(first[column("people_affected")], "40");
        assert_eq!(first[column("downtime_minutes")], "30");
        assert_eq!(first[column("time_to_detect_seconds")], "3600");
        let second = cells(lines[2]);
        assert_eq!(second[column("title")], "Bias; in scoring");
        assert_eq!(second[column("time_to_notify_seconds")], "gdpr=3600");
        let eur = cells(lines[3]);
        assert_eq!(eur.len(), header.len(), "{}", lines[3]);
        assert_eq!(
            [
                &eur[0],
                &eur[column("people_affected")],
                &eur[column("currency")],
                &eur[column("total_cost")]
            ],
            ["TOTAL", "47", "EUR", "1000"]
        );
        let usd = cells(lines[4]);
        assert_eq!(
            [&usd[column("currency")], &usd[column("penalties")]],
            ["USD", "500"]
        );
    }

    #[test]
    fn grouping_by_who_found_it_totals_cost_per_currency() {
        use crate::incident::DetectionSource;
        let mut by_monitor = incident(IncidentKind::Real, Severity::Sev1, 1);
        by_monitor.detection_source = Some(DetectionSource::Monitor);
        by_monitor.people_affected = Some(100);
        by_monitor.impact.currency = Some("EUR".into());
        by_monitor.impact.refunds = Some(1_000);
        by_monitor.impact.penalties = Some(20_000);
        let mut by_complaint = incident(IncidentKind::Real, Severity::Sev2, 2);
        by_complaint.detection_source = Some(DetectionSource::Complaint);
        by_complaint.people_affected = Some(100);
        by_complaint.impact.people_affected_confirmed = Some(40);
        by_complaint.impact.currency = Some("USD".into());
        by_complaint.impact.remediation_cost = Some(500);
        by_complaint
            .impact
            .downtime_minutes
            .insert("scoring".into(), 30);
        let mut by_regulator = incident(IncidentKind::Real, Severity::Sev2, 2);
        by_regulator.detection_source = Some(DetectionSource::Regulator);
        by_regulator.impact.currency = Some("EUR".into());
        by_regulator.impact.remediation_cost = Some(7);
        let unknown = incident(IncidentKind::Real, Severity::Sev3, 3);
        let incidents = [by_monitor, by_complaint, by_regulator, unknown];
        let report = compute(
            &incidents,
            &NotificationDelays::new(),
            &MetricsFilter::default(),
            GroupBy::FoundBy,
        );
        let groups: Vec<(&str, usize)> = report
            .groups
            .iter()
            .map(|g| (g.group.as_str(), g.incidents))
            .collect();
        assert_eq!(groups, [("monitoring", 1), ("people", 2), ("unknown", 1)]);
        assert_eq!(report.found_by["people"], 2);
        let people = &report.groups[1].impact;
        assert_eq!(people.people_affected, 40);
        assert_eq!(people.downtime_minutes, 30);
        assert_eq!(people.cost["USD"].total, 500);
        assert_eq!(people.cost["EUR"].remediation, 7);

        let all = compute(
            &incidents,
            &NotificationDelays::new(),
            &MetricsFilter::default(),
            GroupBy::All,
        );
        let eur = &all.groups[0].impact.cost["EUR"];
        assert_eq!((eur.total, eur.incidents), (21_007, 2));
        assert_eq!(all.groups[0].impact.people_affected, 140);
        let by_source = compute(
            &incidents,
            &NotificationDelays::new(),
            &MetricsFilter::default(),
            GroupBy::DetectionSource,
        );
        let names: Vec<&str> = by_source.groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["complaint", "monitor", "regulator", "unknown"]);
    }

    #[test]
    fn drills_do_not_count_and_quantiles_interpolate() {
        let incidents = [
            incident(IncidentKind::Real, Severity::Sev1, 1),
            incident(IncidentKind::Real, Severity::Sev2, 2),
            incident(IncidentKind::Real, Severity::Sev2, 3),
            incident(IncidentKind::Real, Severity::Sev2, 10),
            incident(IncidentKind::Drill, Severity::Sev1, 100),
        ];
        let report = compute(
            &incidents,
            &NotificationDelays::new(),
            &MetricsFilter::default(),
            GroupBy::All,
        );
        let ttd = &report.groups[0].metrics["time_to_detect"];
        assert_eq!(report.groups[0].incidents, 4);
        assert_eq!(ttd.mean_seconds, Some(4.0 * 3600.0));
        assert_eq!(ttd.median_seconds, Some(2.5 * 3600.0));
        assert!((ttd.p90_seconds.unwrap() - 7.9 * 3600.0).abs() < 1e-6);
        assert_eq!(report.groups[0].metrics["time_to_contain"].count, 0);
        let one = incident_durations(&incidents[1]);
        assert_eq!(
            one.into_iter().collect::<Vec<_>>(),
            [("time_to_detect".to_string(), 7200)]
        );
    }

    #[test]
    fn grouping_by_severity_and_week() {
        let incidents = [
            incident(IncidentKind::Real, Severity::Sev1, 1),
            incident(IncidentKind::Real, Severity::Sev2, 2),
        ];
        let by_severity = compute(
            &incidents,
            &NotificationDelays::new(),
            &MetricsFilter::default(),
            GroupBy::Severity,
        );
        let names: Vec<_> = by_severity
            .groups
            .iter()
            .map(|g| g.group.as_str())
            .collect();
        assert_eq!(names, ["sev1", "sev2"]);
        let by_week = compute(
            &incidents,
            &NotificationDelays::new(),
            &MetricsFilter::default(),
            GroupBy::Week,
        );
        assert_eq!(by_week.groups[0].group, "2026-W10");
    }
}
