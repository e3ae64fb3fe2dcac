//! The one action item (D1): what a post-mortem or an FMEA row commits
//! someone to do, the SMART check that keeps it doable, and the exports to
//! trackers.
//!
//! Priority comes from impact × effort (rows impact, columns effort):
//!
//! | impact \ effort | low | medium | high |
//! |-----------------|-----|--------|------|
//! | high            | P1  | P1     | P2   |
//! | medium          | P2  | P3     | P3   |
//! | low             | P3  | P4     | P4   |
//!
//! High-impact work comes first unless it is a large project; cheap fixes of
//! medium impact come next; low-impact work never outranks medium impact.

use crate::error::{DomainError, Problems};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

pub mod smart;
pub mod ticket;
pub mod verification;
pub use smart::{SmartFinding, SmartRule, smart_check, smart_check_with};
pub use ticket::{Ticket, TicketDraft, TicketReading, TicketState};
pub use verification::{
    Check, FindingCheck, Limit, Outcome, Verification, VerificationResult, bounds_text,
    finding_verdict, monitor_verdict,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Fixes the cause of this incident.
    Corrective,
    /// Stops the class of incident from recurring.
    Preventive,
    /// Finds it sooner next time.
    Detective,
    /// Limits the harm when it happens.
    Mitigating,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Corrective => "corrective",
            ActionKind::Preventive => "preventive",
            ActionKind::Detective => "detective",
            ActionKind::Mitigating => "mitigating",
        }
    }
}

/// Impact or effort, 1–3.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Low,
    Medium,
    High,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl Priority {
    /// The impact × effort matrix of the module documentation.
    pub fn from_impact_effort(impact: Level, effort: Level) -> Priority {
        use Level::*;
        match (impact, effort) {
            (High, Low | Medium) => Priority::P1,
            (High, High) | (Medium, Low) => Priority::P2,
            (Medium, Medium | High) | (Low, Low) => Priority::P3,
            (Low, Medium | High) => Priority::P4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P1 => "p1",
            Priority::P2 => "p2",
            Priority::P3 => "p3",
            Priority::P4 => "p4",
        }
    }

    /// Jira's default priority scheme.
    pub fn jira_name(self) -> &'static str {
        match self {
            Priority::P1 => "Highest",
            Priority::P2 => "High",
            Priority::P3 => "Medium",
            Priority::P4 => "Low",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    /// Decided against; needs `status_reason`.
    WontDo,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
            ActionStatus::WontDo => "wont_do",
        }
    }

    pub fn is_pending(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }
}

/// What an action item addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CauseLink {
    /// A root cause of the post-mortem holding the item, by its stable id.
    RootCause { id: String },
    /// A row of an FMEA worksheet of an inventory system (D13): `owner` is
    /// `system:<slug>`, `worksheet` the artifact name, `row` the row's index
    /// as in the rca crate's `ArtifactLink::FmeaRow`.
    FmeaRow {
        owner: String,
        worksheet: String,
        row: usize,
    },
}

impl CauseLink {
    pub fn describe(&self) -> String {
        match self {
            CauseLink::RootCause { id } => format!("root cause {id}"),
            CauseLink::FmeaRow {
                owner,
                worksheet,
                row,
            } => format!("FMEA {owner} {worksheet} row {row}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActionItem {
    /// Unique within its post-mortem or FMEA worksheet, e.g. `act-3`.
    pub id: String,
    pub title: String,
    pub kind: ActionKind,
    /// Exactly one user name. A draft may lack it; the SMART check flags it.
    pub owner: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<Date>,
    pub impact: Level,
    pub effort: Level,
    pub addresses: Option<CauseLink>,
    /// How everyone will know it worked: "alert fires within 5 minutes".
    pub success_criterion: Option<String>,
    pub status: ActionStatus,
    /// Why it will not be done; required for `wont_do`.
    #[serde(default)]
    pub status_reason: Option<String>,
    #[serde(default)]
    pub ticket_url: Option<String>,
    /// How the fix is proven, and what each proof found.
    #[serde(default)]
    pub verification: Verification,
    /// The tracker's ticket for it, once asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<Ticket>,
}

pub(crate) fn filled(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

impl ActionItem {
    pub fn priority(&self) -> Priority {
        Priority::from_impact_effort(self.impact, self.effort)
    }

    /// Past its due date and not finished. An item is due through the whole
    /// of its due date.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status.is_pending() && self.due.is_some_and(|due| due < today)
    }

    /// The rules every saved item keeps, SMART or not; fields are named with
    /// `path` in front, e.g. `action_items[2].`.
    pub fn check_fields(&self, path: &str, problems: &mut Problems) {
        if self.id.trim().is_empty() {
            problems.push(format!("{path}id"), "must not be empty");
        }
        if self.title.trim().is_empty() {
            problems.push(format!("{path}title"), "must not be empty");
        }
        if self.owner.as_ref().is_some_and(|o| o.trim().is_empty()) {
            problems.push(format!("{path}owner"), "name one user or leave it unset");
        }
        if self.status == ActionStatus::WontDo && filled(&self.status_reason).is_none() {
            problems.push(
                format!("{path}status_reason"),
                "say why the item will not be done",
            );
        }
        if let Some(url) = &self.ticket_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            problems.push(format!("{path}ticket_url"), "must be an http(s) URL");
        }
        self.verification
            .check_fields(&format!("{path}verification."), problems);
    }

    /// Moves the item to `status`; marking it done starts its check.
    pub fn progress(
        &mut self,
        status: ActionStatus,
        reason: Option<String>,
        now: jiff::Timestamp,
    ) -> Result<(), DomainError> {
        let was_done = self.status == ActionStatus::Done;
        self.status = status;
        self.status_reason = reason.filter(|r| !r.trim().is_empty());
        if status == ActionStatus::Done && !was_done {
            self.verification.done_at = Some(now);
        } else if status != ActionStatus::Done {
            self.verification.done_at = None;
        }
        self.validate()
    }

    /// Records a verification; a failed one reopens the item.
    pub fn record_verification(&mut self, result: VerificationResult) {
        if result.outcome == Outcome::Failed {
            self.status = ActionStatus::Open;
            self.verification.done_at = None;
        }
        self.verification.results.push(result);
    }

    pub fn validate(&self) -> Result<(), DomainError> {
        let mut problems = Problems::default();
        self.check_fields("", &mut problems);
        problems.into_result()
    }
}

/// An action item with where it comes from (`INC-7`, `system:scoring`), as
/// `firebreak actions` lists and exports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SourcedAction {
    pub source: String,
    #[serde(flatten)]
    pub item: ActionItem,
}

fn description(action: &SourcedAction) -> String {
    let item = &action.item;
    let mut lines = vec![
        format!(
            "Success criterion: {}",
            item.success_criterion.as_deref().unwrap_or("(none)")
        ),
        format!(
            "Addresses: {}",
            item.addresses
                .as_ref()
                .map_or("(none)".to_string(), CauseLink::describe)
        ),
        format!(
            "Kind: {}; priority {} (impact {}, effort {})",
            item.kind.as_str(),
            item.priority().as_str().to_uppercase(),
            item.impact.as_str(),
            item.effort.as_str()
        ),
    ];
    lines.push(format!("Firebreak action {} of {}", item.id, action.source));
    lines.join("\n")
}

fn labels(action: &SourcedAction) -> Vec<String> {
    vec![
        "firebreak".into(),
        action.source.clone(),
        format!("action-{}", action.item.kind.as_str()),
    ]
}

/// CSV with a header row, quoted per RFC 4180: fields with a comma, quote
/// or line break are quoted, quotes doubled, records end in CRLF.
pub fn export_csv(actions: &[SourcedAction]) -> String {
    let header = [
        "source",
        "id",
        "title",
        "kind",
        "owner",
        "due",
        "priority",
        "status",
        "addresses",
        "success_criterion",
        "ticket_url",
    ];
    let mut out = header.join(",") + "\r\n";
    for action in actions {
        let item = &action.item;
        let fields = [
            action.source.clone(),
            item.id.clone(),
            item.title.clone(),
            item.kind.as_str().into(),
            item.owner.clone().unwrap_or_default(),
            item.due.map(|d| d.to_string()).unwrap_or_default(),
            item.priority().as_str().into(),
            item.status.as_str().into(),
            item.addresses
                .as_ref()
                .map(CauseLink::describe)
                .unwrap_or_default(),
            item.success_criterion.clone().unwrap_or_default(),
            item.ticket_url.clone().unwrap_or_default(),
        ];
        let row: Vec<String> = fields.iter().map(|f| crate::csv::field(f)).collect();
        out.push_str(&crate::csv::record(&row));
    }
    out
}

/// CSV for Jira's CSV importer, as Atlassian documents it: a header row
/// with a `Summary` column and no punctuation in any header; a value for
/// every column, even an empty one; a multi-valued field (`Labels`) as one
/// column per value under the same header, so rows with fewer labels leave
/// the rest empty; labels without spaces, which Jira refuses. `Due Date` is
/// `yyyy-MM-dd`, the date format to give the import wizard; `Assignee` is
/// the Firebreak user, to map to a Jira account in the wizard.
pub fn export_jira_csv(actions: &[SourcedAction]) -> String {
    let labels: Vec<Vec<String>> = actions
        .iter()
        .map(|action| {
            labels(action)
                .into_iter()
                .map(|label| label.split_whitespace().collect::<Vec<_>>().join("-"))
                .collect()
        })
        .collect();
    let label_columns = labels.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let mut header: Vec<String> = [
        "Summary",
        "Issue Type",
        "Description",
        "Assignee",
        "Due Date",
        "Priority",
    ]
    .map(String::from)
    .to_vec();
    header.extend(std::iter::repeat_n("Labels".to_string(), label_columns));
    let mut out = crate::csv::record(&header);
    for (action, labels) in actions.iter().zip(labels) {
        let item = &action.item;
        let mut row = vec![
            crate::csv::text_field(&item.title),
            "Task".to_string(),
            crate::csv::text_field(&description(action)),
            crate::csv::field(item.owner.as_deref().unwrap_or_default()),
            item.due.map(|d| d.to_string()).unwrap_or_default(),
            item.priority().jira_name().to_string(),
        ];
        let count = labels.len();
        row.extend(labels.iter().map(|label| crate::csv::field(label)));
        row.extend(std::iter::repeat_n(String::new(), label_columns - count));
        out.push_str(&crate::csv::record(&row));
    }
    out
}

/// JSON Lines for GitHub issue import: `title`, `body`, `assignees`,
/// `labels`; no milestone.
pub fn export_github_jsonl(actions: &[SourcedAction]) -> String {
    actions
        .iter()
        .map(|action| {
            let item = &action.item;
            let mut labels = labels(action);
            labels.push(format!("priority-{}", item.priority().as_str()));
            let mut body = description(action);
            if let Some(due) = item.due {
                body.push_str(&format!("\nDue: {due}"));
            }
            json!({
                "title": item.title,
                "body": body,
                "assignees": item.owner.iter().collect::<Vec<_>>(),
                "labels": labels,
            })
            .to_string()
                + "\n"
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use jiff::civil::date;

    pub(crate) fn item() -> ActionItem {
        ActionItem {
            id: "act-1".into(),
            title: "Add a contract test on the income column".into(),
            kind: ActionKind::Preventive,
            owner: Some("carol".into()),
            due: Some(date(2026, 4, 1)),
            impact: Level::High,
            effort: Level::Low,
            addresses: Some(CauseLink::RootCause { id: "rc-1".into() }),
            success_criterion: Some("100% of pipeline runs check the unit".into()),
            status: ActionStatus::Open,
            status_reason: None,
            ticket_url: None,
            verification: Default::default(),
            ticket: None,
        }
    }

    #[test]
    fn priority_follows_the_matrix() {
        use Level::*;
        let table = [
            (High, Low, Priority::P1),
            (High, Medium, Priority::P1),
            (High, High, Priority::P2),
            (Medium, Low, Priority::P2),
            (Medium, Medium, Priority::P3),
            (Medium, High, Priority::P3),
            (Low, Low, Priority::P3),
            (Low, Medium, Priority::P4),
            (Low, High, Priority::P4),
        ];
        for (impact, effort, expected) in table {
            assert_eq!(Priority::from_impact_effort(impact, effort), expected);
        }
    }

    #[test]
    fn overdue_only_when_pending_and_past_due() {
        let today = date(2026, 4, 2);
        assert!(item().is_overdue(today));
        assert!(!item().is_overdue(date(2026, 4, 1)));
        let done = ActionItem {
            status: ActionStatus::Done,
            ..item()
        };
        assert!(!done.is_overdue(today));
    }

    #[test]
    fn wont_do_needs_a_reason_and_tickets_a_url() {
        let refused = ActionItem {
            status: ActionStatus::WontDo,
            ticket_url: Some("JIRA-1".into()),
            verification: Default::default(),
            ticket: None,
            ..item()
        };
        let DomainError::Invalid(errors) = refused.validate().unwrap_err() else {
            panic!("expected field errors");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["status_reason", "ticket_url"]);
        assert!(item().validate().is_ok());
    }

    fn sourced() -> Vec<SourcedAction> {
        let quoted = ActionItem {
            id: "act-2".into(),
            title: "Page on \"PSI\", not email".into(),
            owner: None,
            due: None,
            impact: Level::Low,
            effort: Level::High,
            ..item()
        };
        vec![
            SourcedAction {
                source: "INC-7".into(),
                item: item(),
            },
            SourcedAction {
                source: "INC-7".into(),
                item: quoted,
            },
        ]
    }

    #[test]
    fn csv_quotes_per_rfc_4180() {
        let csv = export_csv(&sourced());
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "source,id,title,kind,owner,due,priority,status,addresses,success_criterion,ticket_url"
        );
        assert_eq!(
            lines[1],
            "INC-7,act-1,Add a contract test on the income column,preventive,carol,2026-04-01,p1,open,root cause rc-1,100% of pipeline runs check the unit,"
        );
        assert_eq!(
            lines[2],
            "INC-7,act-2,\"Page on \"\"PSI\"\", not email\",preventive,,,p4,open,root cause rc-1,100% of pipeline runs check the unit,"
        );
        assert_eq!(lines[3], "");
    }

    #[test]
    fn jira_csv_follows_the_importers_rules() {
        let mut actions = sourced();
        actions[1].source = "system:scoring fmea".into();
        let out = export_jira_csv(&actions);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "Summary,Issue Type,Description,Assignee,Due Date,Priority,Labels,Labels,Labels"
        );
        assert!(
            lines[1]
                .starts_with("Add a contract test on the income column,Task,\"Success criterion:"),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].ends_with(",carol,2026-04-01,Highest,firebreak,INC-7,action-preventive"),
            "{}",
            lines[1]
        );
        assert!(lines[2].contains(",system:scoring-fmea,"), "{}", lines[2]);
        assert_eq!(lines[3], "");
    }

    #[test]
    fn github_lines_carry_issue_fields() {
        let out = export_github_jsonl(&sourced());
        let rows: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows[0]["title"], "Add a contract test on the income column");
        assert_eq!(rows[0]["assignees"], json!(["carol"]));
        assert_eq!(rows[1]["assignees"], json!([]));
        assert!(
            rows[0]["body"]
                .as_str()
                .unwrap()
                .ends_with("Due: 2026-04-01")
        );
        assert!(rows[0].get("milestone").is_none());
        assert_eq!(rows[1]["labels"][3], "priority-p4");
    }
}
