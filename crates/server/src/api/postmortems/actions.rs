//! Action items across incidents: every post-mortem's and every FMEA
//! worksheet's (D1), listed by due date and exported for Jira or GitHub.

use super::postmortem_of;
use crate::api::page::{PageQuery, Paged};
use crate::api::rca::FmeaBody;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiQuery, Problem};
use crate::state::{AppState, now};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use firebreak_core::action::{
    CauseLink, SourcedAction, export_csv, export_github_jsonl, export_jira_csv,
};
use firebreak_core::rca::ArtifactKind;
use firebreak_store::DocumentKind;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionsQuery {
    /// Only pending items past their due date.
    #[serde(default)]
    pub overdue: bool,
}

/// Every action item of every post-mortem and of every FMEA worksheet (D1),
/// with its source: `INC-n`, or `system:<slug>` for a worksheet's row.
pub async fn all_actions(state: &AppState, overdue: bool) -> Result<Vec<SourcedAction>, ApiError> {
    let documents = state
        .run(|store| store.documents(DocumentKind::Postmortem))
        .await?;
    let today = now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut actions = Vec::new();
    for (incident, document) in documents {
        let Some(postmortem) = postmortem_of(Some(&document))? else {
            continue;
        };
        for item in postmortem.action_items {
            if !overdue || item.is_overdue(today) {
                actions.push(SourcedAction {
                    source: incident.public_id(),
                    item,
                });
            }
        }
    }
    let worksheets = state
        .run(|store| {
            let mut worksheets = Vec::new();
            for system in store.list_systems()? {
                let artifacts = store.artifacts(&format!("system:{}", system.slug))?;
                worksheets.extend(
                    artifacts
                        .into_iter()
                        .filter(|artifact| artifact.kind == ArtifactKind::Fmea),
                );
            }
            Ok(worksheets)
        })
        .await?;
    for worksheet in worksheets {
        let sheet: FmeaBody = serde_json::from_value(worksheet.body).map_err(|e| {
            ApiError::Internal(format!(
                "FMEA {} of {} is not a worksheet: {e}",
                worksheet.name, worksheet.owner
            ))
        })?;
        for (row, fmea_row) in sheet.rows.into_iter().enumerate() {
            for mut item in fmea_row.actions {
                if !overdue || item.is_overdue(today) {
                    item.addresses = Some(CauseLink::FmeaRow {
                        owner: worksheet.owner.clone(),
                        worksheet: worksheet.name.clone(),
                        row,
                    });
                    actions.push(SourcedAction {
                        source: worksheet.owner.clone(),
                        item,
                    });
                }
            }
        }
    }
    actions.sort_by(|a, b| a.item.due.cmp(&b.item.due).then(a.source.cmp(&b.source)));
    Ok(actions)
}

#[utoipa::path(get, path = "/api/v1/actions", tag = "postmortems", params(ActionsQuery, PageQuery),
    responses((status = 200, body = Vec<SourcedAction>, description = "By due date"), (status = 400, body = Problem)))]
pub async fn actions(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ActionsQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: axum::http::Uri,
) -> Result<Paged<SourcedAction>, ApiError> {
    page.page(all_actions(&state, query.overdue).await?, &uri)
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ActionsFormat {
    #[default]
    Csv,
    Jira,
    Github,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionsExportQuery {
    /// csv (default), jira (CSV for Jira's CSV importer) or github (JSON
    /// Lines for GitHub issue import).
    #[serde(default)]
    pub format: ActionsFormat,
    #[serde(default)]
    pub overdue: bool,
}

#[utoipa::path(get, path = "/api/v1/actions/export", tag = "postmortems", params(ActionsExportQuery),
    responses((status = 200, description = "CSV, CSV for Jira's CSV importer, or JSON Lines for GitHub issue import")))]
pub async fn export_actions(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ActionsExportQuery>,
) -> Result<Response, ApiError> {
    let actions = all_actions(&state, query.overdue).await?;
    let (body, content_type) = match query.format {
        ActionsFormat::Csv => (export_csv(&actions), "text/csv; charset=utf-8"),
        ActionsFormat::Jira => (export_jira_csv(&actions), "text/csv; charset=utf-8"),
        ActionsFormat::Github => (export_github_jsonl(&actions), "application/x-ndjson"),
    };
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}
