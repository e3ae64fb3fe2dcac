//! The input formats: every file the CLI and the web UI take, each with a
//! JSON Schema made from the types its parser fills (`crate::schema`),
//! served at `/api/v1/schemas/{format}` and documented with an example in
//! `docs/input-formats.md`.

use crate::api::ingest::MAPPABLE;
use crate::api::page::{PageQuery, Paged};
use crate::api::postmortems::CONTROLLED;
use crate::api::rca::FmeaBody;
use crate::api::regulatory::AssessRequest;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiQuery, Problem};
use crate::schema::Schema;
use axum::extract::Path;
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use firebreak_core::alert::RoutingRule;
use firebreak_core::postmortem::PostMortem;
use firebreak_rca::cause_statement::CauseStatement;
use firebreak_rca::fishbone::Fishbone;
use firebreak_rca::fmea::{CSV_COLUMNS, DERIVED_CSV_COLUMNS, REQUIRED_CSV_COLUMNS};
use firebreak_rca::swiss_cheese::SwissCheese;
use firebreak_rca::whys::WhysAnalysis;
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// The media type of a served schema.
pub const SCHEMA_JSON: &str = "application/schema+json";

/// A format Firebreak reads from a file or a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    Fishbone,
    FiveWhys,
    SwissCheese,
    CauseStatement,
    Fmea,
    FmeaCsv,
    Postmortem,
    Questionnaire,
    RoutingRules,
    GenericMapping,
}

impl InputFormat {
    pub const ALL: [InputFormat; 10] = [
        InputFormat::Fishbone,
        InputFormat::FiveWhys,
        InputFormat::SwissCheese,
        InputFormat::CauseStatement,
        InputFormat::Fmea,
        InputFormat::FmeaCsv,
        InputFormat::Postmortem,
        InputFormat::Questionnaire,
        InputFormat::RoutingRules,
        InputFormat::GenericMapping,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Fishbone => "fishbone",
            InputFormat::FiveWhys => "five_whys",
            InputFormat::SwissCheese => "swiss_cheese",
            InputFormat::CauseStatement => "cause_statement",
            InputFormat::Fmea => "fmea",
            InputFormat::FmeaCsv => "fmea_csv",
            InputFormat::Postmortem => "postmortem",
            InputFormat::Questionnaire => "questionnaire",
            InputFormat::RoutingRules => "routing_rules",
            InputFormat::GenericMapping => "generic_mapping",
        }
    }

    pub fn parse(text: &str) -> Option<InputFormat> {
        InputFormat::ALL
            .into_iter()
            .find(|format| format.as_str() == text)
    }

    pub fn title(self) -> &'static str {
        match self {
            InputFormat::Fishbone => "Fishbone diagram",
            InputFormat::FiveWhys => "5 Whys",
            InputFormat::SwissCheese => "Swiss Cheese model",
            InputFormat::CauseStatement => "Cause statement",
            InputFormat::Fmea => "FMEA worksheet (JSON)",
            InputFormat::FmeaCsv => "FMEA worksheet (CSV), one row",
            InputFormat::Postmortem => "Post-mortem sections",
            InputFormat::Questionnaire => "Regulatory questionnaire answers",
            InputFormat::RoutingRules => "Alert routing rules",
            InputFormat::GenericMapping => "Generic ingest mapping",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            InputFormat::Fishbone => {
                "An incident's Fishbone artifact: `firebreak rca put INC-n fishbone NAME --file`, PUT /api/v1/incidents/{id}/rca/fishbone/{name}"
            }
            InputFormat::FiveWhys => {
                "An incident's 5 Whys artifact: `firebreak rca put INC-n five_whys NAME --file`, PUT /api/v1/incidents/{id}/rca/five_whys/{name}"
            }
            InputFormat::SwissCheese => {
                "An incident's Swiss Cheese artifact: `firebreak rca put INC-n swiss_cheese NAME --file`, PUT /api/v1/incidents/{id}/rca/swiss_cheese/{name}"
            }
            InputFormat::CauseStatement => {
                "An incident's cause statement: `firebreak rca put INC-n cause_statement NAME --file`, PUT /api/v1/incidents/{id}/rca/cause_statement/{name}"
            }
            InputFormat::Fmea => {
                "A system's FMEA worksheet as JSON: `firebreak rca fmea put SYSTEM NAME --file F.json`, PUT /api/v1/systems/{slug}/fmea/{name}"
            }
            InputFormat::FmeaCsv => {
                "A row of a system's FMEA worksheet as CSV, columns by header name in any order: `firebreak rca fmea put SYSTEM NAME --file F.csv`, the system page's import, PUT /api/v1/systems/{slug}/fmea/{name} as text/csv. rpn and action_priority are computed by Firebreak and ignored when present"
            }
            InputFormat::Postmortem => {
                "Sections of a draft post-mortem to replace, as `firebreak postmortem show --json` prints them: `firebreak postmortem edit INC-n --file`, PUT /api/v1/incidents/{id}/postmortem. Fields left out keep their text; incident, status, review_round, sign_offs and approval_override are ignored"
            }
            InputFormat::Questionnaire => {
                "Answers to the regulatory applicability questionnaire and extra clock triggers: `firebreak regulatory assess INC-n --file`, PUT /api/v1/incidents/{id}/regulatory"
            }
            InputFormat::RoutingRules => {
                "An integration's alert routing rules, checked in order: `firebreak integration create --rules-file` (a list, or the `rules` member), POST /api/v1/integrations"
            }
            InputFormat::GenericMapping => {
                "Where a generic JSON source's alerts keep their fields, as JSON pointers: the `mapping` member of `firebreak integration create --rules-file`, POST /api/v1/integrations"
            }
        }
    }

    /// The media type of the files in this format.
    pub fn media_type(self) -> &'static str {
        match self {
            InputFormat::FmeaCsv => "text/csv",
            _ => "application/json",
        }
    }

    /// The schema the format's parser holds a value to.
    pub fn schema(self) -> Schema {
        match self {
            InputFormat::Fishbone => Schema::of::<Fishbone>(),
            InputFormat::FiveWhys => Schema::of::<WhysAnalysis>(),
            InputFormat::SwissCheese => Schema::of::<SwissCheese>(),
            InputFormat::CauseStatement => Schema::of::<CauseStatement>(),
            InputFormat::Fmea => Schema::of::<FmeaBody>(),
            InputFormat::FmeaCsv => Schema::new(fmea_csv_row(), Map::new()),
            InputFormat::Postmortem => Schema::of::<PostMortem>().map_root(|root| {
                root.remove("required");
                if let Some(Value::Object(properties)) = root.get_mut("properties") {
                    for controlled in CONTROLLED {
                        properties.remove(controlled);
                    }
                }
                root.insert("additionalProperties".into(), json!(false));
            }),
            InputFormat::Questionnaire => Schema::of::<AssessRequest>(),
            InputFormat::RoutingRules => Schema::of::<Vec<RoutingRule>>(),
            InputFormat::GenericMapping => Schema::new(generic_mapping(), Map::new()),
        }
    }

    /// The served JSON Schema document.
    pub fn document(self) -> Value {
        self.schema()
            .document(&self.url(), self.title(), self.description())
    }

    pub fn url(self) -> String {
        format!("/api/v1/schemas/{}", self.as_str())
    }
}

/// One CSV row as an object keyed by column name: every cell is text as
/// written; ratings are whole numbers from 1 to 10, several actions are
/// one per line in each action column.
fn fmea_csv_row() -> Value {
    let describe = |column: &str| -> Value {
        let text = |description: &str| json!({ "type": "string", "description": description });
        let rating = |description: &str| json!({ "type": "string", "pattern": "^\\s*(10|[1-9])\\s*$", "description": description });
        match column {
            "item" => text("The item or function that can fail"),
            "failure_mode" => text("How it fails"),
            "effect" => text("What the failure does"),
            "cause" => text("Why it fails"),
            "prevention_controls" => text("What keeps the cause from happening"),
            "detection_controls" => text("What finds the failure before it does harm"),
            "severity" => rating("Severity, 1 to 10"),
            "occurrence" => rating("Occurrence, 1 to 10"),
            "detection" => rating("Detection, 1 (sure to be found) to 10"),
            derived if DERIVED_CSV_COLUMNS.contains(&derived) => json!({
                "type": "string",
                "readOnly": true,
                "description": "Computed by Firebreak from the ratings; ignored when present"
            }),
            "recommended_action" => text("Action titles, one per line"),
            "action_owner" => text("Each action's owner, one per line"),
            "action_due" => text("Each action's due date YYYY-MM-DD, one per line"),
            "action_id" => text("Each action's id, one per line; by position when absent"),
            _ => text("Each action's status (open, in_progress, done, wont_do), one per line"),
        }
    };
    let properties: Map<String, Value> = CSV_COLUMNS
        .iter()
        .map(|column| (column.to_string(), describe(column)))
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": REQUIRED_CSV_COLUMNS,
        "additionalProperties": { "type": "string", "description": "Other columns are ignored" },
    })
}

fn generic_mapping() -> Value {
    let properties: Map<String, Value> = MAPPABLE
        .iter()
        .map(|field| {
            (
                field.to_string(),
                json!({
                    "type": "string",
                    "pattern": "^(/.*)?$",
                    "description": format!("JSON pointer to the alert's {field}; default /{field}")
                }),
            )
        })
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    })
}

/// The anchor a Markdown renderer gives a heading: lower case, words joined
/// by `-`, other punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// A format as the list names it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormatSummary {
    pub format: InputFormat,
    pub title: String,
    pub description: String,
    /// The media type of files in this format.
    pub media_type: String,
    /// Where its JSON Schema is served.
    pub schema: String,
    /// Its section in the documentation.
    pub docs: String,
}

#[utoipa::path(get, path = "/api/v1/schemas", tag = "meta", params(PageQuery),
    responses((status = 200, body = Vec<FormatSummary>, description = "Every input format with its schema's URL"), (status = 400, body = Problem)))]
pub async fn list_schemas(
    _caller: Viewer,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<FormatSummary>, ApiError> {
    let formats = InputFormat::ALL
        .into_iter()
        .map(|format| FormatSummary {
            format,
            title: format.title().into(),
            description: format.description().into(),
            media_type: format.media_type().into(),
            schema: format.url(),
            docs: format!("docs/input-formats.md#{}", anchor(format.title())),
        })
        .collect();
    page.page(formats, &uri)
}

#[utoipa::path(get, path = "/api/v1/schemas/{format}", tag = "meta",
    params(("format" = InputFormat, Path)),
    responses((status = 200, description = "The format's JSON Schema (draft 2020-12)", content_type = "application/schema+json"),
        (status = 404, body = Problem)))]
pub async fn show_schema(
    _caller: Viewer,
    Path(format): Path<String>,
) -> Result<Response, ApiError> {
    let format = InputFormat::parse(&format).ok_or_else(|| {
        let known: Vec<&str> = InputFormat::ALL.iter().map(|f| f.as_str()).collect();
        ApiError::NotFound(format!(
            "no input format `{format}`; the formats are {}",
            known.join(", ")
        ))
    })?;
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(SCHEMA_JSON))],
        format.document().to_string(),
    )
        .into_response())
}

#[cfg(test)]
mod tests;
