//! Failure Mode and Effects Analysis worksheets: rows rated for severity,
//! occurrence and detection, their risk priority number and AIAG-VDA 2019
//! action priority, a starting library of AI failure modes, and CSV import
//! and export whose errors name the row and column. Recommended actions are
//! core's one `ActionItem` (D1), so they are tracked with the post-mortems'.

use firebreak_core::action::{ActionItem, ActionKind, ActionStatus, Level};
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::category::CauseCategory;
use crate::error::RcaError;

mod csv;
pub use csv::{CSV_COLUMNS, DERIVED_CSV_COLUMNS, REQUIRED_CSV_COLUMNS, fmea_from_csv, fmea_to_csv};

/// A rating from 1 to 10; the only way to make one is to validate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct Rating(u8);

impl Rating {
    pub fn new(field: &'static str, value: i64) -> Result<Rating, RcaError> {
        if (1..=10).contains(&value) {
            Ok(Rating(value as u8))
        } else {
            Err(RcaError::RatingOutOfRange { field, value })
        }
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Rating {
    type Error = RcaError;

    fn try_from(value: i64) -> Result<Rating, RcaError> {
        Rating::new("rating", value)
    }
}

impl From<Rating> for u8 {
    fn from(rating: Rating) -> u8 {
        rating.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ActionPriority {
    #[serde(rename = "L")]
    Low,
    #[serde(rename = "M")]
    Medium,
    #[serde(rename = "H")]
    High,
}

impl ActionPriority {
    pub fn letter(self) -> char {
        match self {
            ActionPriority::High => 'H',
            ActionPriority::Medium => 'M',
            ActionPriority::Low => 'L',
        }
    }
}

/// The AIAG-VDA FMEA Handbook (2019) action priority table for design and
/// process FMEA. Severity is banded 9–10, 7–8, 4–6, 2–3, 1; occurrence
/// 8–10, 6–7, 4–5, 2–3, 1; detection 7–10, 5–6, 2–4, 1.
pub fn action_priority(severity: Rating, occurrence: Rating, detection: Rating) -> ActionPriority {
    use ActionPriority::{High as H, Low as L, Medium as M};
    let occurrence_band = match occurrence.0 {
        8..=10 => 0,
        6..=7 => 1,
        4..=5 => 2,
        2..=3 => 3,
        _ => 4,
    };
    let detection_band = match detection.0 {
        7..=10 => 0,
        5..=6 => 1,
        2..=4 => 2,
        _ => 3,
    };
    // Rows: occurrence bands; columns: detection bands.
    const SEVERITY_9_10: [[ActionPriority; 4]; 5] = [
        [H, H, H, H],
        [H, H, H, H],
        [H, H, H, M],
        [H, M, L, L],
        [L, L, L, L],
    ];
    const SEVERITY_7_8: [[ActionPriority; 4]; 5] = [
        [H, H, H, H],
        [H, H, H, M],
        [H, M, M, M],
        [M, M, L, L],
        [L, L, L, L],
    ];
    const SEVERITY_4_6: [[ActionPriority; 4]; 5] = [
        [H, H, M, M],
        [M, M, M, L],
        [M, L, L, L],
        [L, L, L, L],
        [L, L, L, L],
    ];
    const SEVERITY_2_3: [[ActionPriority; 4]; 5] = [
        [M, M, L, L],
        [L, L, L, L],
        [L, L, L, L],
        [L, L, L, L],
        [L, L, L, L],
    ];
    let table = match severity.0 {
        9..=10 => &SEVERITY_9_10,
        7..=8 => &SEVERITY_7_8,
        4..=6 => &SEVERITY_4_6,
        2..=3 => &SEVERITY_2_3,
        _ => return L,
    };
    table[occurrence_band][detection_band]
}

/// A recommended action: an action item, or the form worksheets saved
/// before actions were `ActionItem`s wrote them in.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = FmeaAction)]
enum StoredAction {
    Item(Box<ActionItem>),
    Legacy {
        description: String,
        owner: String,
        #[schema(value_type = Option<String>, format = Date)]
        due: Option<Date>,
    },
}

/// Reads a row's actions in either form; a legacy action becomes an open
/// preventive item with the id its position gives it.
fn actions_of_any_age<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ActionItem>, D::Error> {
    let stored = Vec::<StoredAction>::deserialize(deserializer)?;
    Ok(stored
        .into_iter()
        .enumerate()
        .map(|(index, action)| match action {
            StoredAction::Item(item) => *item,
            StoredAction::Legacy {
                description,
                owner,
                due,
            } => recommended_action(
                format!("act-{}", index + 1),
                description,
                owner,
                due,
                Level::Medium,
            ),
        })
        .collect())
}

/// A new recommended action: open and preventive, as FMEA actions lower a
/// failure mode's occurrence or raise its detection before it happens.
pub fn recommended_action(
    id: String,
    title: String,
    owner: String,
    due: Option<Date>,
    impact: Level,
) -> ActionItem {
    ActionItem {
        id,
        title,
        kind: ActionKind::Preventive,
        owner: Some(owner).filter(|owner| !owner.trim().is_empty()),
        due,
        impact,
        effort: Level::Medium,
        addresses: None,
        success_criterion: None,
        status: ActionStatus::Open,
        status_reason: None,
        ticket_url: None,
        verification: Default::default(),
        ticket: None,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FmeaRow {
    /// The item or function that can fail.
    pub item: String,
    pub failure_mode: String,
    pub effect: String,
    pub cause: String,
    pub prevention_controls: String,
    pub detection_controls: String,
    #[schema(value_type = u8, minimum = 1, maximum = 10)]
    pub severity: Rating,
    #[schema(value_type = u8, minimum = 1, maximum = 10)]
    pub occurrence: Rating,
    #[schema(value_type = u8, minimum = 1, maximum = 10)]
    pub detection: Rating,
    /// Each with an id unique in the worksheet; what they address is the
    /// row, which `firebreak actions` names as a `CauseLink::FmeaRow`.
    #[serde(deserialize_with = "actions_of_any_age")]
    #[schema(value_type = Vec<StoredAction>)]
    pub actions: Vec<ActionItem>,
}

impl FmeaRow {
    /// Risk priority number S × O × D, from 1 to 1000.
    pub fn risk_priority_number(&self) -> u16 {
        u16::from(self.severity.0) * u16::from(self.occurrence.0) * u16::from(self.detection.0)
    }

    pub fn action_priority(&self) -> ActionPriority {
        action_priority(self.severity, self.occurrence, self.detection)
    }

    /// The impact of acting on this row: its action priority.
    pub fn action_impact(&self) -> Level {
        match self.action_priority() {
            ActionPriority::High => Level::High,
            ActionPriority::Medium => Level::Medium,
            ActionPriority::Low => Level::Low,
        }
    }
}

/// Orders rows for review: action priority first, then RPN, then severity.
pub fn sort_by_priority(rows: &mut [FmeaRow]) {
    rows.sort_by(review_order);
}

/// The order of [`sort_by_priority`]: the row to review first is less.
pub fn review_order(a: &FmeaRow, b: &FmeaRow) -> std::cmp::Ordering {
    b.action_priority()
        .cmp(&a.action_priority())
        .then_with(|| b.risk_priority_number().cmp(&a.risk_priority_number()))
        .then_with(|| b.severity.cmp(&a.severity))
}

/// A failure mode known to hit AI systems, to start a worksheet from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureModeTemplate {
    pub failure_mode: &'static str,
    pub typical_effect: &'static str,
    pub typical_cause: &'static str,
    pub typical_detection: &'static str,
    pub category: CauseCategory,
}

/// The starting library the issue lists.
pub fn ai_failure_mode_library() -> Vec<FailureModeTemplate> {
    let template = |failure_mode, typical_effect, typical_cause, typical_detection, category| {
        FailureModeTemplate {
            failure_mode,
            typical_effect,
            typical_cause,
            typical_detection,
            category,
        }
    };
    vec![
        template(
            "Data drift",
            "Accuracy degrades silently on current traffic",
            "Input distribution moves away from the training data",
            "Drift tests on feature distributions against a reference window",
            CauseCategory::Data,
        ),
        template(
            "Training-serving skew",
            "Predictions in production differ from validated behaviour",
            "Features computed differently in training and serving pipelines",
            "Compare logged serving features with offline recomputation",
            CauseCategory::Data,
        ),
        template(
            "Label leakage",
            "Offline metrics overstate real performance",
            "A feature encodes the label or information from after the prediction time",
            "Feature audit against prediction time; holdout by time",
            CauseCategory::Data,
        ),
        template(
            "Bias against a group",
            "Unfair outcomes for a protected group",
            "Unrepresentative data or proxy features",
            "Fairness metrics per group before release and in monitoring",
            CauseCategory::Model,
        ),
        template(
            "Feedback loop",
            "The model reinforces its own past decisions",
            "Training on outcomes the model influenced",
            "Track exposure and outcome rates over retraining cycles",
            CauseCategory::Model,
        ),
        template(
            "Upstream schema change",
            "Features arrive wrong, missing or in other units",
            "A producer changes a field without a contract",
            "Schema and range validation at ingestion",
            CauseCategory::Technology,
        ),
        template(
            "Prompt injection",
            "The model follows instructions hidden in untrusted input",
            "Untrusted content mixed with instructions",
            "Adversarial test suites and output policy filters",
            CauseCategory::Technology,
        ),
        template(
            "Hallucination",
            "Confident, false statements reach users",
            "Generation without grounding or verification",
            "Grounding checks and sampled human review",
            CauseCategory::Model,
        ),
        template(
            "Monitoring gap",
            "Failures go unnoticed until users report them",
            "No alert on the metric that moved",
            "Alert coverage review against known failure modes",
            CauseCategory::Process,
        ),
        template(
            "Missing human oversight",
            "Harmful automated decisions are not stopped",
            "No review step or kill switch for high-impact decisions",
            "Oversight drills and audit of override rates",
            CauseCategory::Governance,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn rating(value: i64) -> Rating {
        Rating::new("rating", value).unwrap()
    }

    fn check(severity: i64, occurrence: i64, detection: i64, expected: char) {
        let priority = action_priority(rating(severity), rating(occurrence), rating(detection));
        assert_eq!(
            priority.letter(),
            expected,
            "S{severity} O{occurrence} D{detection}"
        );
    }

    #[test]
    fn action_priority_follows_the_aiag_vda_table() {
        // One case per cell corner of the table, low and high ends of bands.
        for (s, o, d, ap) in [
            (10, 10, 10, 'H'),
            (9, 8, 1, 'H'),
            (9, 6, 1, 'H'),
            (9, 4, 2, 'H'),
            (9, 5, 1, 'M'),
            (10, 3, 7, 'H'),
            (10, 2, 5, 'M'),
            (10, 3, 4, 'L'),
            (10, 1, 10, 'L'),
            (8, 8, 1, 'H'),
            (7, 7, 2, 'H'),
            (7, 6, 1, 'M'),
            (8, 5, 7, 'H'),
            (8, 4, 6, 'M'),
            (7, 4, 1, 'M'),
            (8, 3, 7, 'M'),
            (8, 2, 5, 'M'),
            (8, 2, 4, 'L'),
            (7, 1, 10, 'L'),
            (6, 8, 7, 'H'),
            (4, 10, 5, 'H'),
            (6, 9, 4, 'M'),
            (4, 8, 1, 'M'),
            (6, 7, 10, 'M'),
            (5, 6, 2, 'M'),
            (4, 6, 1, 'L'),
            (6, 5, 7, 'M'),
            (6, 4, 6, 'L'),
            (6, 3, 10, 'L'),
            (6, 1, 10, 'L'),
            (3, 10, 10, 'M'),
            (2, 8, 5, 'M'),
            (3, 8, 4, 'L'),
            (3, 7, 10, 'L'),
            (1, 10, 10, 'L'),
        ] {
            check(s, o, d, ap);
        }
    }

    #[test]
    fn ratings_outside_one_to_ten_are_refused() {
        assert_eq!(
            Rating::new("severity", 11).unwrap_err().to_string(),
            "severity must be between 1 and 10, got 11"
        );
        assert!(Rating::new("severity", 0).is_err());
        assert!(serde_json::from_str::<Rating>("0").is_err());
    }

    pub(super) fn sample_row() -> FmeaRow {
        FmeaRow {
            item: "Credit scoring model".into(),
            failure_mode: "Data drift".into(),
            effect: "Applicants wrongly rejected, \"silently\"".into(),
            cause: "Income field, now in cents".into(),
            prevention_controls: "Schema contract".into(),
            detection_controls: "Weekly PSI".into(),
            severity: rating(8),
            occurrence: rating(5),
            detection: rating(6),
            actions: vec![
                recommended_action(
                    "act-1".into(),
                    "Daily drift test".into(),
                    "ml-platform".into(),
                    Some(jiff::civil::date(2026, 1, 15)),
                    Level::Medium,
                ),
                ActionItem {
                    status: ActionStatus::InProgress,
                    ..recommended_action(
                        "act-2".into(),
                        "Range check at ingest".into(),
                        String::new(),
                        None,
                        Level::Medium,
                    )
                },
            ],
        }
    }

    #[test]
    fn library_has_the_ai_failure_modes_and_rows_sort_by_priority() {
        let modes: Vec<&str> = ai_failure_mode_library()
            .iter()
            .map(|t| t.failure_mode)
            .collect();
        assert_eq!(modes.len(), 10);
        assert!(modes.contains(&"Prompt injection") && modes.contains(&"Missing human oversight"));
        let mut low = sample_row();
        low.severity = rating(2);
        let mut rows = vec![low, sample_row()];
        sort_by_priority(&mut rows);
        assert_eq!(rows[0].severity, rating(8));
    }
}
