//! What an incident cost and how it was found: people and decisions
//! affected, money by kind, downtime per system, what was done for
//! customers, and the detection source that the "found by monitoring or by
//! people" breakdown counts.

use crate::error::Problems;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Larger amounts are typing mistakes, not incidents.
pub const MAX_AMOUNT: u64 = 1_000_000_000_000_000;

/// Who or what found the incident.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DetectionSource {
    /// One of Firebreak's own monitors.
    Monitor,
    /// An alert from outside (Alertmanager, PagerDuty, a generic webhook).
    ExternalAlert,
    /// Someone inside the organisation noticed.
    Employee,
    /// A customer or affected person complained.
    Complaint,
    Audit,
    /// Press or social media.
    Media,
    Regulator,
    Partner,
}

impl DetectionSource {
    pub const ALL: [DetectionSource; 8] = [
        DetectionSource::Monitor,
        DetectionSource::ExternalAlert,
        DetectionSource::Employee,
        DetectionSource::Complaint,
        DetectionSource::Audit,
        DetectionSource::Media,
        DetectionSource::Regulator,
        DetectionSource::Partner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DetectionSource::Monitor => "monitor",
            DetectionSource::ExternalAlert => "external_alert",
            DetectionSource::Employee => "employee",
            DetectionSource::Complaint => "complaint",
            DetectionSource::Audit => "audit",
            DetectionSource::Media => "media",
            DetectionSource::Regulator => "regulator",
            DetectionSource::Partner => "partner",
        }
    }

    /// `monitoring` when a machine found it, `people` otherwise.
    pub fn found_by(self) -> &'static str {
        match self {
            DetectionSource::Monitor | DetectionSource::ExternalAlert => "monitoring",
            _ => "people",
        }
    }
}

impl std::str::FromStr for DetectionSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DetectionSource::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown detection source `{s}`, expected one of {}",
                    DetectionSource::ALL.map(|d| d.as_str()).join(", ")
                )
            })
    }
}

/// An incident's impact and cost. Amounts are whole units of `currency`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentImpact {
    /// Confirmed count; the incident's `people_affected` is the estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people_affected_confirmed: Option<u64>,
    /// Automated decisions the fault touched (loans scored, CVs ranked…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decisions_affected: Option<u64>,
    /// ISO 4217 code of every amount, e.g. `EUR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation_cost: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalties: Option<u64>,
    /// Minutes each system was down or switched off, by system slug.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub downtime_minutes: BTreeMap<String, u64>,
    /// What was done for the customers affected.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub customer_remediation: String,
}

impl IncidentImpact {
    pub fn is_empty(&self) -> bool {
        self == &IncidentImpact::default()
    }

    /// Remediation, refunds and penalties together.
    pub fn total_cost(&self) -> u64 {
        [self.remediation_cost, self.refunds, self.penalties]
            .into_iter()
            .flatten()
            .sum()
    }

    pub fn has_cost(&self) -> bool {
        self.remediation_cost.is_some() || self.refunds.is_some() || self.penalties.is_some()
    }
}

/// A partial edit of the impact: fields left out stay as they are; a
/// system's downtime of 0 removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactPatch {
    pub people_affected_confirmed: Option<u64>,
    pub decisions_affected: Option<u64>,
    pub currency: Option<String>,
    pub remediation_cost: Option<u64>,
    pub refunds: Option<u64>,
    pub penalties: Option<u64>,
    pub downtime_minutes: Option<BTreeMap<String, u64>>,
    pub customer_remediation: Option<String>,
}

impl ImpactPatch {
    /// The impact after this edit, or the problems that refuse it.
    /// `is_system` says whether a slug names a registered system.
    pub fn apply(
        &self,
        current: &IncidentImpact,
        is_system: &dyn Fn(&str) -> bool,
        problems: &mut Problems,
    ) -> IncidentImpact {
        let mut next = current.clone();
        let mut amount = |name: &str, value: Option<u64>, slot: &mut Option<u64>| {
            if let Some(v) = value {
                if v > MAX_AMOUNT {
                    problems.push(
                        format!("impact.{name}"),
                        format!("{v} is beyond {MAX_AMOUNT}"),
                    );
                }
                *slot = Some(v);
            }
        };
        amount(
            "people_affected_confirmed",
            self.people_affected_confirmed,
            &mut next.people_affected_confirmed,
        );
        amount(
            "decisions_affected",
            self.decisions_affected,
            &mut next.decisions_affected,
        );
        amount(
            "remediation_cost",
            self.remediation_cost,
            &mut next.remediation_cost,
        );
        amount("refunds", self.refunds, &mut next.refunds);
        amount("penalties", self.penalties, &mut next.penalties);
        if let Some(code) = &self.currency {
            let code = code.trim().to_ascii_uppercase();
            if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
                next.currency = Some(code);
            } else {
                problems.push(
                    "impact.currency",
                    format!("`{code}` is not an ISO 4217 code such as EUR or USD"),
                );
            }
        }
        if next.has_cost() && next.currency.is_none() {
            problems.push(
                "impact.currency",
                "name the currency of the amounts (ISO 4217, e.g. EUR)",
            );
        }
        for (system, minutes) in self.downtime_minutes.iter().flatten() {
            if !is_system(system) {
                problems.push(
                    format!("impact.downtime_minutes.{system}"),
                    format!("unknown system `{system}`"),
                );
            } else if *minutes > MAX_AMOUNT {
                problems.push(
                    format!("impact.downtime_minutes.{system}"),
                    format!("{minutes} is beyond {MAX_AMOUNT}"),
                );
            } else if *minutes == 0 {
                next.downtime_minutes.remove(system);
            } else {
                next.downtime_minutes.insert(system.clone(), *minutes);
            }
        }
        if let Some(text) = &self.customer_remediation {
            next.customer_remediation = text.trim().to_string();
        }
        next
    }
}
