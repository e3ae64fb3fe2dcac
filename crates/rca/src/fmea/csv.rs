//! FMEA worksheets as CSV: the columns, export, and an import whose errors
//! name the row and column, or every missing column at once.

use firebreak_core::action::{ActionItem, ActionStatus, Level};
use firebreak_core::csv;
use jiff::civil::Date;

use super::{FmeaRow, Rating, recommended_action};
use crate::error::RcaError;

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
/// every action is open. They are the first nine of [`CSV_COLUMNS`].
pub const REQUIRED_CSV_COLUMNS: &[&str] = CSV_COLUMNS.split_at(9).0;

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
    use super::super::tests::{rating, sample_row};
    use super::*;

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
}
