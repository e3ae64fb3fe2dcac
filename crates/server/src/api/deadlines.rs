//! The clocks across incidents: the deadline board (every incident's clocks,
//! with or without a regulatory record, computed as its page computes them)
//! and `check_clocks`, which sends each clock warning once.

use crate::api::incidents::incident_number;
use crate::api::page::{PageQuery, Paged};
use crate::api::regulatory::{record_of, table};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiQuery, Problem};
use crate::state::{AppState, now};
use axum::extract::State;
use firebreak_core::Timestamp;
use firebreak_core::incident::{Incident, IncidentKind};
use firebreak_core::regulatory::{ClockStatus, assessment, due_warnings};
use firebreak_core::timeline::{EventDraft, EventKind};
use firebreak_store::{DocumentChange, DocumentKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

/// One clock on the board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardEntry {
    pub incident: String,
    pub title: String,
    pub drill: bool,
    #[serde(flatten)]
    pub clock: ClockStatus,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// Only this incident (`INC-<n>`).
    pub incident: Option<String>,
    /// Include clocks stopped by a submission.
    #[serde(default)]
    pub all: bool,
}

/// Every running clock across incidents, most urgent first: assessed ones
/// and the provisional ones of incidents not (fully) assessed yet, exactly
/// as each incident's page shows them.
pub async fn board_entries(
    state: &AppState,
    query: BoardQuery,
) -> Result<Vec<BoardEntry>, ApiError> {
    let only = query.incident.as_deref().map(incident_number).transpose()?;
    let (incidents, documents) = state
        .run(move |store| {
            let (incidents, documents) = match only {
                Some(number) => (
                    vec![store.get_incident(number)?],
                    store
                        .document(number, DocumentKind::Regulatory)?
                        .map(|document| (number, document))
                        .into_iter()
                        .collect(),
                ),
                None => (
                    store.all_incidents()?,
                    store
                        .documents(DocumentKind::Regulatory)?
                        .into_iter()
                        .map(|(incident, document)| (incident.number, document))
                        .collect::<std::collections::BTreeMap<u64, Value>>(),
                ),
            };
            Ok((incidents, documents))
        })
        .await?;
    let at = now();
    let mut entries = Vec::new();
    for incident in incidents {
        for clock in clocks_of(state, &incident, documents.get(&incident.number), at)? {
            if query.all || !clock.stopped() {
                entries.push(BoardEntry {
                    incident: incident.public_id(),
                    title: incident.title.clone(),
                    drill: incident.kind != IncidentKind::Real,
                    clock,
                });
            }
        }
    }
    entries.sort_by(|a, b| {
        b.clock
            .level
            .cmp(&a.clock.level)
            .then(a.clock.deadline.due_at.cmp(&b.clock.deadline.due_at))
    });
    Ok(entries)
}

/// Every clock of `incident` at `at`, from its regulatory record
/// `document` (if it has one): what the board and the incident list show.
pub fn clocks_of(
    state: &AppState,
    incident: &Incident,
    document: Option<&Value>,
    at: Timestamp,
) -> Result<Vec<ClockStatus>, ApiError> {
    let record = record_of(document)?;
    Ok(assessment(incident, Some(&record), table(), &state.regulatory, at)?.clocks)
}

#[utoipa::path(get, path = "/api/v1/deadlines", tag = "regulatory", params(BoardQuery, PageQuery),
    responses((status = 200, body = Vec<BoardEntry>, description = "Running clocks, most urgent first: overdue, then 80 %, then 50 %, then on track, each by due moment"),
        (status = 400, body = Problem)))]
pub async fn board(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<BoardQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: axum::http::Uri,
) -> Result<Paged<BoardEntry>, ApiError> {
    page.page(board_entries(&state, query).await?, &uri)
}

/// Finds clocks that crossed 50 %, 80 % or their due moment since they were
/// last looked at, records each warning on the incident's timeline and, for
/// real incidents, queues it for the clock webhooks in the same transaction. Drills warn only on their
/// own timeline, which is what their participants watch (D11).
pub async fn check_clocks(state: &AppState) -> Result<usize, ApiError> {
    let documents = state
        .run(|store| store.documents(DocumentKind::Regulatory))
        .await?;
    let at = now();
    let mut sent = 0;
    for (incident, document) in documents {
        let record = record_of(Some(&document))?;
        let assessment = record.assess(&incident, table(), &state.regulatory, at)?;
        let (_, due) = due_warnings(&record, &assessment, at);
        if due.is_empty() {
            continue;
        }
        let number = incident.number;
        let config = state.regulatory.clone();
        // Drills warn only on their own timeline (D11).
        let hooks: Vec<String> = match incident.kind {
            IncidentKind::Real => state.clock_hooks.iter().map(|h| h.url.clone()).collect(),
            _ => Vec::new(),
        };
        let warnings = state
            .run(move |store| {
                let mut warnings = Vec::new();
                store.change_document(
                    number,
                    DocumentKind::Regulatory,
                    &mut |incident, document| {
                        // Read again inside the transaction: another instance may have sent some.
                        let current = record_of(document)?;
                        let assessment = current.assess(incident, table(), &config, at)?;
                        let (record, due) = due_warnings(&current, &assessment, at);
                        warnings = due
                            .iter()
                            .map(|(clock, warning)| {
                                json!({
                                    "incident": incident.public_id(), "title": incident.title,
                                    "regime": warning.regime, "report": warning.report,
                                    "report_name": clock.deadline.report_name,
                                    "level": warning.level, "crossed_at": warning.at,
                                    "due_at": clock.deadline.due_at,
                                    "elapsed_fraction": clock.elapsed_fraction,
                                    "provisional": clock.provisional,
                                })
                            })
                            .collect();
                        let event = |body: Value| EventDraft {
                            kind: EventKind::ClockWarning,
                            occurred_at: at,
                            actor: "firebreak".to_string(),
                            body,
                        };
                        let messages = crate::notify::clock_warnings(&hooks, number, &warnings);
                        Ok(DocumentChange {
                            document: DocumentKind::encode(&record),
                            own: event(json!({ "warnings": warnings })),
                            announced: warnings.iter().cloned().map(event).collect(),
                            incident: None,
                            messages,
                        })
                    },
                    at,
                )?;
                Ok(warnings)
            })
            .await?;
        sent += warnings.len();
    }
    Ok(sent)
}
