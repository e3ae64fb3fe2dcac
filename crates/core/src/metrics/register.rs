//! The governance export: one row per counted incident (the same incidents
//! the metrics count) with its severity, who or what found it, its moments
//! and durations, and its impact and cost, then the totals. JSON for
//! programs, CSV for the spreadsheets risk committees read.

use super::{
    CostTotals, ImpactTotals, METRICS, MetricsFilter, NotificationDelays, TIME_TO_NOTIFY, counts,
    found_by_key,
};
use crate::csv;
use crate::incident::{DetectionSource, Incident, Severity, Status, Timestamps};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One incident as the governance export lists it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RegisterEntry {
    /// `INC-<n>`.
    pub incident: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub systems: Vec<String>,
    pub detection_source: Option<DetectionSource>,
    /// `monitoring`, `people` or `unknown`.
    pub found_by: String,
    /// The earlier incident (`INC-<n>`) this one is a recurrence of.
    pub recurrence_of: Option<String>,
    pub times: Timestamps,
    /// Each metric the incident has both moments for, in seconds; and
    /// `time_to_notify.<regime>` for each regime it reported to.
    pub durations_seconds: BTreeMap<String, i64>,
    pub people_affected_estimated: Option<u64>,
    pub people_affected_confirmed: Option<u64>,
    pub decisions_affected: Option<u64>,
    /// Over every system.
    pub downtime_minutes: u64,
    pub currency: Option<String>,
    pub remediation_cost: Option<u64>,
    pub refunds: Option<u64>,
    pub penalties: Option<u64>,
    /// Remediation, refunds and penalties; absent without any amount.
    pub total_cost: Option<u64>,
}

/// Every counted incident, by number, and their totals.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IncidentRegister {
    pub incidents: Vec<RegisterEntry>,
    pub totals: ImpactTotals,
    /// How many monitoring found, how many people, how many nobody said.
    pub found_by: BTreeMap<String, usize>,
}

/// The register of the real incidents `filter` counts, by incident number.
pub fn register(
    incidents: &[Incident],
    notifications: &NotificationDelays,
    filter: &MetricsFilter,
) -> IncidentRegister {
    let mut counted: Vec<&Incident> = incidents.iter().filter(|i| counts(i, filter)).collect();
    counted.sort_by_key(|i| i.number);
    let mut totals = ImpactTotals::default();
    let mut found_by: BTreeMap<String, usize> = BTreeMap::new();
    let incidents = counted
        .into_iter()
        .map(|incident| {
            totals.add(incident);
            *found_by.entry(found_by_key(incident).into()).or_default() += 1;
            entry(incident, notifications.get(&incident.number))
        })
        .collect();
    IncidentRegister {
        incidents,
        totals,
        found_by,
    }
}

fn entry(incident: &Incident, delays: Option<&Vec<(String, f64)>>) -> RegisterEntry {
    let impact = &incident.impact;
    let mut durations_seconds = super::incident_durations(incident);
    for (regime, seconds) in delays.into_iter().flatten() {
        durations_seconds.insert(format!("{TIME_TO_NOTIFY}.{regime}"), *seconds as i64);
    }
    RegisterEntry {
        incident: incident.public_id(),
        title: incident.title.clone(),
        severity: incident.severity,
        status: incident.status,
        systems: incident.systems.clone(),
        detection_source: incident.detection_source,
        found_by: found_by_key(incident).into(),
        recurrence_of: incident.recurrence_of.map(crate::incident::public_id),
        times: incident.times.clone(),
        durations_seconds,
        people_affected_estimated: incident.people_affected,
        people_affected_confirmed: impact.people_affected_confirmed,
        decisions_affected: impact.decisions_affected,
        downtime_minutes: impact.downtime_minutes.values().sum(),
        currency: impact.currency.clone(),
        remediation_cost: impact.remediation_cost,
        refunds: impact.refunds,
        penalties: impact.penalties,
        total_cost: impact.has_cost().then(|| impact.total_cost()),
    }
}

type Moment = fn(&Timestamps) -> Option<jiff::Timestamp>;

/// The moments the CSV has a column for.
const MOMENTS: [(&str, Moment); 6] = [
    ("impact_started_at", |t| t.impact_started_at),
    ("detected_at", |t| t.detected_at),
    ("declared_at", |t| t.declared_at),
    ("contained_at", |t| t.contained_at),
    ("recovered_at", |t| t.recovered_at),
    ("closed_at", |t| t.closed_at),
];

/// The columns before the moments.
const LEADING: [&str; 8] = [
    "incident",
    "title",
    "severity",
    "status",
    "systems",
    "detection_source",
    "found_by",
    "recurrence_of",
];

/// The columns after the durations.
const IMPACT: [&str; 10] = [
    "people_affected_estimated",
    "people_affected_confirmed",
    "people_affected",
    "decisions_affected",
    "downtime_minutes",
    "currency",
    "remediation_cost",
    "refunds",
    "penalties",
    "total_cost",
];

fn count(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

impl IncidentRegister {
    /// A header, a row per incident, then a `TOTAL` row per currency (one
    /// without a currency when no incident has a cost): amounts are never
    /// added across currencies. People, decisions and downtime repeat on
    /// every total row, since they have no currency.
    pub fn to_csv(&self) -> String {
        let mut header: Vec<String> = LEADING.map(String::from).to_vec();
        header.extend(MOMENTS.iter().map(|(name, _)| name.to_string()));
        header.extend(METRICS.iter().map(|m| format!("{}_seconds", m.name)));
        header.push(format!("{TIME_TO_NOTIFY}_seconds"));
        header.extend(IMPACT.map(String::from));
        let mut out = csv::record(&header);
        for entry in &self.incidents {
            out.push_str(&csv::record(&entry.csv_row()));
        }
        let totals = &self.totals;
        let costs: Vec<(&str, Option<&CostTotals>)> = if totals.cost.is_empty() {
            vec![("", None)]
        } else {
            totals
                .cost
                .iter()
                .map(|(currency, cost)| (currency.as_str(), Some(cost)))
                .collect()
        };
        let blanks = LEADING.len() - 1 + MOMENTS.len() + METRICS.len() + 1;
        for (currency, cost) in costs {
            let mut row = vec!["TOTAL".to_string()];
            row.extend(std::iter::repeat_n(String::new(), blanks));
            row.extend([
                String::new(),
                String::new(),
                totals.people_affected.to_string(),
                totals.decisions_affected.to_string(),
                totals.downtime_minutes.to_string(),
                csv::field(currency),
            ]);
            row.extend(match cost {
                Some(cost) => [cost.remediation, cost.refunds, cost.penalties, cost.total]
                    .map(|n| n.to_string()),
                None => std::array::from_fn(|_| String::new()),
            });
            out.push_str(&csv::record(&row));
        }
        out
    }
}

impl RegisterEntry {
    fn csv_row(&self) -> Vec<String> {
        let mut row = vec![
            self.incident.clone(),
            csv::text_field(&self.title),
            self.severity.as_str().into(),
            self.status.as_str().into(),
            csv::field(&self.systems.join(";")),
            self.detection_source
                .map(|d| d.as_str().to_string())
                .unwrap_or_default(),
            self.found_by.clone(),
            self.recurrence_of.clone().unwrap_or_default(),
        ];
        row.extend(MOMENTS.iter().map(|(_, moment)| {
            moment(&self.times)
                .map(|t| t.to_string())
                .unwrap_or_default()
        }));
        row.extend(METRICS.iter().map(|m| {
            self.durations_seconds
                .get(m.name)
                .map(|s| s.to_string())
                .unwrap_or_default()
        }));
        // `regime=seconds` pairs: a regime's name holds no `;` or `=`.
        let notified: Vec<String> = self
            .durations_seconds
            .iter()
            .filter_map(|(name, s)| {
                let regime = name.strip_prefix(TIME_TO_NOTIFY)?.strip_prefix('.')?;
                Some(format!("{regime}={s}"))
            })
            .collect();
        row.push(csv::field(&notified.join(";")));
        row.extend([
            count(self.people_affected_estimated),
            count(self.people_affected_confirmed),
            count(
                self.people_affected_confirmed
                    .or(self.people_affected_estimated),
            ),
            count(self.decisions_affected),
            self.downtime_minutes.to_string(),
            csv::field(self.currency.as_deref().unwrap_or_default()),
            count(self.remediation_cost),
            count(self.refunds),
            count(self.penalties),
            count(self.total_cost),
        ]);
        row
    }
}
