//! FMEA worksheets on a system's page (D13): each worksheet's rows by
//! action priority, then RPN, filtered by priority or text, with their
//! recommended actions; plain forms add a failure mode (from scratch or from
//! the AI library), add an action to a row, or import a CSV. Every change
//! saves a new version through the API's checks, and a form made on a stale
//! page is refused (409), not applied over someone else's change.

use axum::extract::{Path, State};
use axum::response::Redirect;
use firebreak_core::rca::{Artifact, ArtifactKind};
use firebreak_rca::fmea::{
    ActionPriority, FmeaRow, Rating, ai_failure_mode_library, fmea_from_csv, recommended_action,
    review_order,
};
use maud::{Markup, html};

use super::{CsrfForm, csrf_field};
use crate::api::rca::FmeaBody;
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;

/// What the page's filter asks for: the lowest action priority shown, and
/// text that a row's item, failure mode, effect or cause must contain.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FmeaFilter {
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

impl FmeaFilter {
    fn lowest(&self) -> ActionPriority {
        match self.priority.as_deref() {
            Some("H") => ActionPriority::High,
            Some("M") => ActionPriority::Medium,
            _ => ActionPriority::Low,
        }
    }

    fn keeps(&self, row: &FmeaRow) -> bool {
        let text = self.text.as_deref().unwrap_or("").trim().to_lowercase();
        row.action_priority() >= self.lowest()
            && (text.is_empty()
                || [&row.item, &row.failure_mode, &row.effect, &row.cause]
                    .iter()
                    .any(|field| field.to_lowercase().contains(&text)))
    }
}

/// The worksheets of the system `slug`, newest versions.
pub async fn worksheets(state: &AppState, slug: &str) -> Result<Vec<Artifact>, ApiError> {
    let owner = format!("system:{slug}");
    let artifacts = state.run(move |store| store.artifacts(&owner)).await?;
    Ok(artifacts
        .into_iter()
        .filter(|artifact| artifact.kind == ArtifactKind::Fmea)
        .collect())
}

pub fn section(caller: &Caller, slug: &str, sheets: &[Artifact], filter: &FmeaFilter) -> Markup {
    let action = format!("/systems/{slug}/fmea");
    html! {
        section id="fmea" aria-label="FMEA" {
            h2 { "FMEA" }
            form method="get" action={ "/systems/" (slug) "#fmea" } {
                label style="display:inline" { "Action priority at least "
                    select name="priority" {
                        @for (value, label) in [("L", "L (all)"), ("M", "M"), ("H", "H")] {
                            option value=(value) selected[filter.priority.as_deref() == Some(value)] { (label) }
                        }
                    }
                }
                " "
                label style="display:inline" { "containing " input type="text" name="text" value=(filter.text.clone().unwrap_or_default()); }
                " " button type="submit" { "Filter" }
            }
            @for sheet in sheets {
                @match serde_json::from_value::<FmeaBody>(sheet.body.clone()) {
                    Ok(body) => (worksheet(caller, slug, &action, sheet, body.rows, filter)),
                    Err(error) => p { "Worksheet " (sheet.name) " is not in the FMEA format: " (error) }
                }
            }
            details {
                summary { "Add a failure mode" }
                form method="post" action=(action) data-step="add-row" {
                    (csrf_field(caller))
                    input type="hidden" name="step" value="add_row";
                    label { "Worksheet " input type="text" name="name" value="main" required; }
                    label { "From the AI library (fills what you leave empty) "
                        select name="template" {
                            option value="" { "—" }
                            @for template in ai_failure_mode_library() {
                                option value=(template.failure_mode) { (template.failure_mode) }
                            }
                        }
                    }
                    label { "Item or function " input type="text" name="item" required; }
                    @for (field, label) in [("failure_mode", "Failure mode"), ("effect", "Effect"), ("cause", "Cause"), ("prevention_controls", "Prevention controls"), ("detection_controls", "Detection controls")] {
                        label { (label) " " input type="text" name=(field); }
                    }
                    @for (field, label) in [("severity", "Severity"), ("occurrence", "Occurrence"), ("detection", "Detection")] {
                        label style="display:inline" { (label) " (1–10) " input type="number" name=(field) min="1" max="10" required style="width:4rem"; }
                        " "
                    }
                    button type="submit" { "Add failure mode" }
                }
            }
            details {
                summary { "Import a worksheet as CSV (replaces it)" }
                form method="post" action=(action) data-step="import" {
                    (csrf_field(caller))
                    input type="hidden" name="step" value="import";
                    label { "Worksheet " input type="text" name="name" value="main" required; }
                    label { "CSV with the columns of the export (RPN, action priority and the action columns may be left out) " textarea name="csv" rows="6" style="width:100%" required {} }
                    button type="submit" { "Import" }
                }
            }
        }
    }
}

fn worksheet(
    caller: &Caller,
    slug: &str,
    action: &str,
    sheet: &Artifact,
    rows: Vec<FmeaRow>,
    filter: &FmeaFilter,
) -> Markup {
    // Each row keeps its position in the worksheet, which actions address.
    let mut ordered: Vec<(usize, FmeaRow)> = rows.into_iter().enumerate().collect();
    ordered.sort_by(|(_, a), (_, b)| review_order(a, b));
    let shown: Vec<&(usize, FmeaRow)> = ordered
        .iter()
        .filter(|(_, row)| filter.keeps(row))
        .collect();
    html! {
        h3 { "Worksheet " (sheet.name) " · version " (sheet.version) " · "
            a href={ "/api/v1/systems/" (slug) "/fmea/" (sheet.name) "?format=csv" } { "CSV" } }
        table.fmea data-worksheet=(sheet.name) {
            thead { tr { th { "#" } th { "Item" } th { "Failure mode" } th { "Effect" } th { "Cause" } th { "S" } th { "O" } th { "D" } th { "RPN" } th { "AP" } th { "Recommended actions" } } }
            tbody { @for (index, row) in &shown {
                tr {
                    td { (index + 1) } td { (row.item) } td { (row.failure_mode) } td { (row.effect) } td { (row.cause) }
                    td { (row.severity.value()) } td { (row.occurrence.value()) } td { (row.detection.value()) }
                    td { (row.risk_priority_number()) } td.ap { (row.action_priority().letter()) }
                    td { @for item in &row.actions {
                        div { (item.id) ": " (item.title) " · " (item.owner.as_deref().unwrap_or("no owner")) " · "
                            (item.due.map(|due| due.to_string()).unwrap_or_else(|| "no due date".into())) " · " (item.status.as_str().replace('_', " ")) }
                    } }
                }
            } }
        }
        @if shown.len() < ordered.len() { p { (ordered.len() - shown.len()) " rows hidden by the filter." } }
        details {
            summary { "Add a recommended action to worksheet " (sheet.name) }
            form method="post" action=(action) data-step="add-action" {
                (csrf_field(caller))
                input type="hidden" name="step" value="add_action";
                input type="hidden" name="name" value=(sheet.name);
                input type="hidden" name="version" value=(sheet.version);
                label { "Row "
                    select name="row" { @for (index, row) in &ordered { option value=(index + 1) { (index + 1) ": " (row.failure_mode) " (" (row.item) ")" } } }
                }
                label { "Action " input type="text" name="title" required; }
                label { "Owner (one person) " input type="text" name="owner"; }
                label { "Due " input type="date" name="due"; }
                label { "How we will know it worked " input type="text" name="success_criterion"; }
                button type="submit" { "Add action" }
            }
        }
    }
}

fn rating(form: &CsrfForm, field: &'static str) -> Result<Rating, ApiError> {
    let text = form.required(field)?;
    let value: i64 = text
        .parse()
        .map_err(|_| ApiError::invalid(field, format!("`{text}` is not a whole number")))?;
    Rating::new(field, value).map_err(|e| ApiError::invalid(field, e.to_string()))
}

pub async fn change(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    form: CsrfForm,
) -> Result<Redirect, ApiError> {
    let lookup = slug.clone();
    state.run(move |store| store.get_system(&lookup)).await?;
    let name = form.required("name")?.to_string();
    let owner = format!("system:{slug}");
    let current =
        crate::api::rca::latest(&state, owner.clone(), ArtifactKind::Fmea, name.clone()).await?;
    let mut rows: Vec<FmeaRow> = match &current {
        Some(artifact) => {
            serde_json::from_value::<FmeaBody>(artifact.body.clone())
                .map_err(|e| {
                    ApiError::bad_request(
                        Some("name"),
                        format!("worksheet `{name}` is not in the FMEA format: {e}"),
                    )
                })?
                .rows
        }
        None => Vec::new(),
    };
    match form.required("step")? {
        "import" => {
            rows = fmea_from_csv(form.required("csv")?)
                .map_err(|e| ApiError::invalid("csv", e.to_string()))?;
        }
        "add_row" => rows.push(new_row(&form)?),
        "add_action" => {
            let Some(current) = &current else {
                return Err(ApiError::NotFound(format!(
                    "no FMEA worksheet `{name}` on {slug}"
                )));
            };
            form.check_extends(current)?;
            add_action(&mut rows, &form)?;
        }
        other => {
            return Err(ApiError::invalid(
                "step",
                format!("`{other}` is not a worksheet change"),
            ));
        }
    }
    let body =
        serde_json::to_value(FmeaBody { rows }).map_err(|e| ApiError::Internal(e.to_string()))?;
    crate::api::rca::save(&state, owner, ArtifactKind::Fmea, name, body, caller.name()).await?;
    Ok(Redirect::to(&format!("/systems/{slug}#fmea")))
}

fn new_row(form: &CsrfForm) -> Result<FmeaRow, ApiError> {
    let template = match form.get("template") {
        None => None,
        Some(name) => Some(
            ai_failure_mode_library()
                .into_iter()
                .find(|template| template.failure_mode == name)
                .ok_or_else(|| {
                    ApiError::invalid("template", format!("`{name}` is not in the library"))
                })?,
        ),
    };
    let field = |name: &str, default: Option<&str>| -> Result<String, ApiError> {
        match (form.get(name), default) {
            (Some(value), _) => Ok(value.to_string()),
            (None, Some(value)) => Ok(value.to_string()),
            (None, None) if name == "prevention_controls" || name == "detection_controls" => {
                Ok(String::new())
            }
            (None, None) => Err(ApiError::invalid(
                name,
                "is required (or choose a library entry)",
            )),
        }
    };
    Ok(FmeaRow {
        item: form.required("item")?.to_string(),
        failure_mode: field("failure_mode", template.as_ref().map(|t| t.failure_mode))?,
        effect: field("effect", template.as_ref().map(|t| t.typical_effect))?,
        cause: field("cause", template.as_ref().map(|t| t.typical_cause))?,
        prevention_controls: field("prevention_controls", None)?,
        detection_controls: field(
            "detection_controls",
            template.as_ref().map(|t| t.typical_detection),
        )?,
        severity: rating(form, "severity")?,
        occurrence: rating(form, "occurrence")?,
        detection: rating(form, "detection")?,
        actions: Vec::new(),
    })
}

fn add_action(rows: &mut [FmeaRow], form: &CsrfForm) -> Result<(), ApiError> {
    let row_text = form.required("row")?;
    let index = row_text
        .parse::<usize>()
        .ok()
        .and_then(|number| number.checked_sub(1))
        .filter(|&index| index < rows.len())
        .ok_or_else(|| ApiError::invalid("row", format!("there is no row {row_text}")))?;
    let due =
        match form.get("due") {
            None => None,
            Some(due) => Some(due.parse().map_err(|_| {
                ApiError::invalid("due", format!("`{due}` is not a date YYYY-MM-DD"))
            })?),
        };
    // Ids are unique in the worksheet: the first free `act-<n>`.
    let taken = |id: &str| {
        rows.iter()
            .flat_map(|row| &row.actions)
            .any(|item| item.id == id)
    };
    let id = (1..)
        .map(|number| format!("act-{number}"))
        .find(|id| !taken(id))
        .expect("some number is free");
    let row = &mut rows[index];
    let mut action = recommended_action(
        id,
        form.required("title")?.to_string(),
        form.get("owner").unwrap_or_default().to_string(),
        due,
        row.action_impact(),
    );
    action.success_criterion = form.get("success_criterion").map(str::to_string);
    row.actions.push(action);
    Ok(())
}
