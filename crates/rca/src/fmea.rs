//! Failure Mode and Effects Analysis worksheets: rows rated for severity,
//! occurrence and detection, their risk priority number and AIAG-VDA 2019
//! action priority, a starting library of AI failure modes, and CSV import
//! and export whose errors name the row and column. Recommended actions are
//! core's one `ActionItem` (D1), so they are tracked with the post-mortems'.

use firebreak_core::action::{ActionItem, ActionKind, ActionStatus, Level};
use firebreak_core::csv;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::category::CauseCategory;
use crate::error::RcaError;

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
    Item(ActionItem),
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
            StoredAction::Item(item) => item,
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

/// The CSV columns, in order, as [`fmea_to_csv`] writes them;
/// [`fmea_from_csv`] finds them by name in any order.
pub const CSV_COLUMNS: [&str; 16] = [
    "item",
    "failure_mode",
    "effect",
    "cause",
    "prevention_controls",
    "detection_controls",
    "severity",
    "occurrence",
    "detection",
    "rpn",
    "action_priority",
    "recommended_action",
    "action_owner",
    "action_due",
    "action_id",
    "action_status",
];

/// The columns a file must have: what a row is made of. The others may be
/// left out: `rpn` and `action_priority` are derived (and ignored when
/// present), a worksheet without actions needs no action columns, and
/// without `action_id` and `action_status` ids are given by position and
/// every action is open.
pub const REQUIRED_CSV_COLUMNS: [&str; 9] = [
    "item",
    "failure_mode",
    "effect",
    "cause",
    "prevention_controls",
    "detection_controls",
    "severity",
    "occurrence",
    "detection",
];

/// Columns Firebreak computes from the ratings; a value in the file is ignored.
pub const DERIVED_CSV_COLUMNS: [&str; 2] = ["rpn", "action_priority"];

/// Columns that describe the lines of `recommended_action`, one per action.
const ACTION_DETAIL_COLUMNS: [&str; 4] =
    ["action_owner", "action_due", "action_id", "action_status"];

/// Writes rows as CSV with a header. Several recommended actions share their
/// row's cells, one per line, so a spreadsheet shows them together. The CSV
/// keeps an action's title, owner, due date, id and status; reading it back
/// makes the rest an FMEA action's defaults (preventive, impact from the
/// row's action priority), so edit other fields in the JSON form.
pub fn fmea_to_csv(rows: &[FmeaRow]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for row in rows {
        let joined = |field: fn(&ActionItem) -> String| {
            row.actions.iter().map(field).collect::<Vec<_>>().join("\n")
        };
        let cells = [
            row.item.clone(),
            row.failure_mode.clone(),
            row.effect.clone(),
            row.cause.clone(),
            row.prevention_controls.clone(),
            row.detection_controls.clone(),
            row.severity.0.to_string(),
            row.occurrence.0.to_string(),
            row.detection.0.to_string(),
            row.risk_priority_number().to_string(),
            row.action_priority().letter().to_string(),
            joined(|action| action.title.clone()),
            joined(|action| action.owner.clone().unwrap_or_default()),
            joined(|action| action.due.map(|due| due.to_string()).unwrap_or_default()),
            joined(|action| action.id.clone()),
            joined(|action| action.status.as_str().to_string()),
        ];
        let quoted: Vec<String> = cells.iter().map(|cell| csv::field(cell)).collect();
        out.push_str(&csv::record(&quoted));
    }
    out
}

/// Reads rows written by [`fmea_to_csv`] or by a spreadsheet with the same
/// header. `rpn` and `action_priority` are derived, so they are ignored.
pub fn fmea_from_csv(text: &str) -> Result<Vec<FmeaRow>, RcaError> {
    let records = parse_csv(text)?;
    let Some((header, body)) = records.split_first() else {
        return Err(RcaError::Csv {
            row: 1,
            column: 1,
            message: "the file is empty".into(),
        });
    };
    let index: Vec<Option<usize>> = CSV_COLUMNS
        .iter()
        .map(|expected| header.iter().position(|name| name.trim() == *expected))
        .collect();
    let present = |name: &str| {
        CSV_COLUMNS
            .iter()
            .zip(&index)
            .any(|(column, found)| *column == name && found.is_some())
    };
    let missing: Vec<String> = REQUIRED_CSV_COLUMNS
        .iter()
        .filter(|name| !present(name))
        .map(|name| name.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(RcaError::CsvMissingColumns(missing));
    }
    if !present("recommended_action")
        && let Some(detail) = ACTION_DETAIL_COLUMNS.iter().find(|name| present(name))
    {
        let column = header
            .iter()
            .position(|name| name.trim() == *detail)
            .map_or(1, |column| column + 1);
        return Err(RcaError::Csv {
            row: 1,
            column,
            message: format!(
                "column `{detail}` describes actions, but there is no `recommended_action` column"
            ),
        });
    }
    body.iter()
        .enumerate()
        .filter(|(_, record)| !(record.len() == 1 && record[0].trim().is_empty()))
        .map(|(offset, record)| row_from_record(record, &index, offset + 2))
        .collect()
}

fn row_from_record(
    record: &[String],
    index: &[Option<usize>],
    row: usize,
) -> Result<FmeaRow, RcaError> {
    let column_of = |name: &str| {
        let position = CSV_COLUMNS
            .iter()
            .position(|column| *column == name)
            .expect("known column");
        index[position]
    };
    let cell = |name: &str| -> Result<&str, RcaError> {
        let Some(column) = column_of(name) else {
            return Ok("");
        };
        record
            .get(column)
            .map(|value| value.trim())
            .ok_or_else(|| RcaError::Csv {
                row,
                column: column + 1,
                message: format!("the row ends before column `{name}`"),
            })
    };
    let rating = |name: &'static str| -> Result<Rating, RcaError> {
        let column = column_of(name).expect("a required column") + 1;
        let text = cell(name)?;
        let value: i64 = text.parse().map_err(|_| RcaError::Csv {
            row,
            column,
            message: format!("{name} must be a whole number from 1 to 10, got `{text}`"),
        })?;
        Rating::new(name, value).map_err(|error| RcaError::Csv {
            row,
            column,
            message: error.to_string(),
        })
    };
    let lines = |name: &str| -> Result<Vec<String>, RcaError> {
        Ok(cell(name)?
            .lines()
            .map(|line| line.trim().to_string())
            .collect())
    };
    let titles = lines("recommended_action")?;
    let owners = lines("action_owner")?;
    let dues = lines("action_due")?;
    let ids = lines("action_id")?;
    let statuses = lines("action_status")?;
    let invalid = |name: &str, message: String| RcaError::Csv {
        row,
        column: column_of(name).map_or(0, |column| column + 1),
        message,
    };
    let mut actions: Vec<ActionItem> = Vec::new();
    for (number, title) in titles.into_iter().enumerate() {
        let due = match dues.get(number).filter(|due| !due.is_empty()) {
            None => None,
            Some(due) => Some(due.parse::<Date>().map_err(|_| {
                invalid(
                    "action_due",
                    format!("action_due must be a date YYYY-MM-DD, got `{due}`"),
                )
            })?),
        };
        let id = ids
            .get(number)
            .filter(|id| !id.is_empty())
            .cloned()
            .unwrap_or_else(|| format!("act-{}.{}", row - 1, number + 1));
        if actions.iter().any(|action| action.id == id) {
            return Err(invalid(
                "action_id",
                format!("action id `{id}` is used twice"),
            ));
        }
        let mut action = recommended_action(
            id,
            title,
            owners.get(number).cloned().unwrap_or_default(),
            due,
            Level::Medium,
        );
        if let Some(status) = statuses.get(number).filter(|status| !status.is_empty()) {
            action.status = serde_plain_status(status).ok_or_else(|| {
                invalid(
                    "action_status",
                    format!(
                        "action_status must be open, in_progress, done or wont_do, got `{status}`"
                    ),
                )
            })?;
        }
        actions.push(action);
    }
    let mut fmea_row = FmeaRow {
        item: cell("item")?.to_string(),
        failure_mode: cell("failure_mode")?.to_string(),
        effect: cell("effect")?.to_string(),
        cause: cell("cause")?.to_string(),
        prevention_controls: cell("prevention_controls")?.to_string(),
        detection_controls: cell("detection_controls")?.to_string(),
        severity: rating("severity")?,
        occurrence: rating("occurrence")?,
        detection: rating("detection")?,
        actions,
    };
    // A new action weighs as much as the row it answers.
    let impact = fmea_row.action_impact();
    for action in &mut fmea_row.actions {
        action.impact = impact;
    }
    Ok(fmea_row)
}

fn serde_plain_status(text: &str) -> Option<ActionStatus> {
    [
        ActionStatus::Open,
        ActionStatus::InProgress,
        ActionStatus::Done,
        ActionStatus::WontDo,
    ]
    .into_iter()
    .find(|status| status.as_str() == text)
}

/// RFC 4180 records: quoted fields may hold commas, quotes ("") and newlines.
fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, RcaError> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut field_was_quoted = false;
    let mut quote_start_row = 1;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !field_was_quoted => {
                in_quotes = true;
                field_was_quoted = true;
                quote_start_row = records.len() + 1;
            }
            '"' => {
                return Err(RcaError::Csv {
                    row: records.len() + 1,
                    column: record.len() + 1,
                    message: "a quote inside an unquoted field".into(),
                });
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                field_was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                field_was_quoted = false;
            }
            _ if field_was_quoted => {
                return Err(RcaError::Csv {
                    row: records.len() + 1,
                    column: record.len() + 1,
                    message: "text after the closing quote".into(),
                });
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(RcaError::Csv {
            row: quote_start_row,
            column: record.len() + 1,
            message: "a quoted field is not closed".into(),
        });
    }
    if !field.is_empty() || !record.is_empty() || field_was_quoted {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(value: i64) -> Rating {
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

    fn sample_row() -> FmeaRow {
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
    fn csv_round_trips_and_errors_name_row_and_column() {
        let rows = vec![sample_row()];
        let csv = fmea_to_csv(&rows);
        assert_eq!(fmea_from_csv(&csv).unwrap(), rows);
        assert_eq!(rows[0].risk_priority_number(), 240);

        let header = CSV_COLUMNS.join(",");
        let error = fmea_from_csv(&format!("{header}\nm,f,e,c,p,d,8,11,3,,,,,,,\n")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "CSV row 2, column 8: occurrence must be between 1 and 10, got 11"
        );
        let error = fmea_from_csv(&format!("{header}\nm,f,e,c,p,d,8,x,3,,,,,,,\n")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "CSV row 2, column 8: occurrence must be a whole number from 1 to 10, got `x`"
        );
        let error = fmea_from_csv("item,effect\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "CSV row 1 (the header): missing columns `failure_mode`, `cause`, \
             `prevention_controls`, `detection_controls`, `severity`, `occurrence`, `detection`"
        );
        let error = fmea_from_csv(&format!("{}\n", CSV_COLUMNS[1..].join(","))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "CSV row 1 (the header): missing column `item`"
        );
        let error = fmea_from_csv(&format!(
            "{},action_owner\n",
            REQUIRED_CSV_COLUMNS.join(",")
        ))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "CSV row 1, column 10: column `action_owner` describes actions, but there is no \
             `recommended_action` column"
        );
        let error = fmea_from_csv(&format!("{header}\n\"open,f\n")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "CSV row 2, column 1: a quoted field is not closed"
        );
        let error = fmea_from_csv(&format!("{header}\nm,f,e,c,p,d,8,2,3,,,a,o,15/01/2026,,\n"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "CSV row 2, column 14: action_due must be a date YYYY-MM-DD, got `15/01/2026`"
        );
    }

    #[test]
    fn older_files_and_worksheets_still_read() {
        let header = CSV_COLUMNS[..14].join(",");
        let rows = fmea_from_csv(&format!(
            "{header}\nm,f,e,c,p,d,8,2,3,,,\"Drift test\nRange check\",ml-platform,2026-01-15\n"
        ))
        .unwrap();
        let actions = &rows[0].actions;
        assert_eq!(
            actions
                .iter()
                .map(|a| (a.id.as_str(), a.owner.as_deref(), a.status))
                .collect::<Vec<_>>(),
            [
                ("act-1.1", Some("ml-platform"), ActionStatus::Open),
                ("act-1.2", None, ActionStatus::Open)
            ]
        );
        let saved: FmeaRow = serde_json::from_value(serde_json::json!({
            "item": "m", "failure_mode": "f", "effect": "e", "cause": "c",
            "prevention_controls": "p", "detection_controls": "d",
            "severity": 8, "occurrence": 2, "detection": 3,
            "actions": [{"description": "Drift test", "owner": "ml-platform", "due": "2026-01-15"}]
        }))
        .unwrap();
        assert_eq!(saved.actions[0].title, "Drift test");
        assert_eq!(saved.actions[0].due, Some(jiff::civil::date(2026, 1, 15)));
    }

    #[test]
    fn derived_and_action_columns_may_be_left_out_and_are_ignored_when_present() {
        let only_required = format!(
            "detection,{}\n4,m,f,e,c,p,d,8,5\n",
            REQUIRED_CSV_COLUMNS[..8].join(",")
        );
        let rows = fmea_from_csv(&only_required).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].detection, rating(4));
        assert_eq!(rows[0].risk_priority_number(), 160);
        assert!(rows[0].actions.is_empty());
        // A wrong RPN or action priority in the file changes nothing.
        let stated = format!(
            "{},rpn,action_priority\nm,f,e,c,p,d,8,5,4,1,L\n",
            REQUIRED_CSV_COLUMNS.join(",")
        );
        assert_eq!(fmea_from_csv(&stated).unwrap(), rows);
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
