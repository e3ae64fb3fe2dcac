//! Root-cause analysis artifacts on incidents (5 Whys, Fishbone, fault trees,
//! Swiss Cheese, the cause statement) and FMEA worksheets on systems (D13):
//! saved as versions, checked by `firebreak-rca`, drawn by `firebreak-report`.

use crate::api::incidents::incident_number;
use crate::api::page::{PageQuery, Paged};
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::state::{AppState, now};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use firebreak_core::incident::public_id;
use firebreak_core::lint::LintConfig;
use firebreak_core::rca::{Artifact, ArtifactKind};
use firebreak_rca::RcaError;
use firebreak_rca::cause_statement::CauseStatement;
use firebreak_rca::fishbone::Fishbone;
use firebreak_rca::fmea::{FmeaRow, fmea_from_csv, fmea_to_csv};
use firebreak_rca::fta::{
    AnalysisSettings, Approximation, MefSource, analyze, read_mef, sequence_values,
};
use firebreak_rca::swiss_cheese::SwissCheese;
use firebreak_rca::whys::{WhysAnalysis, check_whys};
use firebreak_report::{
    FaultTreeOptions, event_tree_svg, fault_tree_svg, fishbone_svg, swiss_cheese_svg, whys_svg,
};
use firebreak_store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use utoipa::ToSchema;

/// A fault tree artifact's body: the model as Open-PSA MEF XML, and how to
/// analyse it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultTreeBody {
    pub mef: String,
    /// The top event; the model's only one when absent.
    #[serde(default)]
    pub top: Option<String>,
    /// Largest cut set order to generate (default 8; SCRAM's default is 20).
    #[serde(default)]
    pub limit_order: Option<usize>,
    /// Hours, for exponential failure rates (default 8760).
    #[serde(default)]
    pub mission_time: Option<f64>,
    /// `rare-event` or `mcub` to report an approximation instead of the
    /// exact probability; substitutions with a source need one.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub approximation: Option<Approximation>,
}

/// An FMEA worksheet's body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FmeaBody {
    pub rows: Vec<FmeaRow>,
}

/// An artifact with what its method derives from it: check findings, the
/// fault tree analysis, RPN and action priority.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArtifactView {
    #[serde(flatten)]
    pub artifact: Artifact,
    #[schema(value_type = Object)]
    pub derived: Value,
}

/// Reads a body as its method's type, naming every missing field at once.
fn parse<T: serde::de::DeserializeOwned + ToSchema>(body: &Value) -> Result<T, ApiError> {
    crate::schema::read(body).map_err(ApiError::Invalid)
}

const DEFAULT_LIMIT_ORDER: usize = 8;

fn fault_tree(
    body: &FaultTreeBody,
) -> Result<
    (
        firebreak_rca::fta::Model,
        Vec<firebreak_rca::fta::TopEventAnalysis>,
    ),
    ApiError,
> {
    let model = read_mef(&[MefSource {
        name: "mef",
        text: &body.mef,
    }])
    .map_err(|e| ApiError::invalid("mef", e.to_string()))?;
    let settings = AnalysisSettings {
        limit_order: body.limit_order.unwrap_or(DEFAULT_LIMIT_ORDER),
        mission_time: body
            .mission_time
            .unwrap_or(AnalysisSettings::default().mission_time),
        approximation: body.approximation,
        ..AnalysisSettings::default()
    };
    let results = analyze(&model, body.top.as_deref(), &settings).map_err(|e| {
        if let RcaError::CutSetCountMismatch { .. } = e {
            return ApiError::Internal(e.to_string());
        }
        let field = match e {
            RcaError::UnknownTopEvent(_) => "top",
            RcaError::RewritesNeedApproximation { .. } => "approximation",
            RcaError::MemoryBudgetExceeded { .. } => "limit_order",
            _ => "mef",
        };
        ApiError::invalid(field, e.to_string())
    })?;
    Ok((model, results))
}

/// What a 5-Whys chain is checked for blame with: the deployment's lint
/// configuration, the same the post-mortem lint uses, and the people involved.
#[derive(Clone)]
pub struct BlameCheck {
    lint: Arc<LintConfig>,
    people: Vec<String>,
}

impl BlameCheck {
    /// For the artifacts of `owner`: the user directory and, when the owner
    /// is an incident, its role holders.
    pub async fn of(state: &AppState, owner: &str) -> Result<Self, ApiError> {
        let owner = owner.to_string();
        let people = state
            .run(move |store| match incident_number(&owner) {
                Ok(number) => crate::api::postmortems::people(store, &store.get_incident(number)?),
                Err(_) => Ok(store.list_users()?.into_iter().map(|u| u.name).collect()),
            })
            .await?;
        Ok(BlameCheck {
            lint: state.lint.clone(),
            people,
        })
    }

    fn whys(&self, whys: &WhysAnalysis) -> Vec<firebreak_rca::whys::WhysFinding> {
        check_whys(whys, &self.lint, &self.people)
    }
}

/// Checks a body against its method and returns what the method derives.
fn derive(kind: ArtifactKind, body: &Value, blame: &BlameCheck) -> Result<Value, ApiError> {
    let value =
        |v: Result<Value, serde_json::Error>| v.map_err(|e| ApiError::Internal(e.to_string()));
    match kind {
        ArtifactKind::FiveWhys => {
            let whys: WhysAnalysis = parse(body)?;
            value(serde_json::to_value(
                json!({ "findings": blame.whys(&whys) }),
            ))
        }
        ArtifactKind::Fishbone => {
            let fishbone: Fishbone = parse(body)?;
            value(serde_json::to_value(json!({
                "findings": fishbone.check(), "ranked_causes": fishbone.ranked_causes(), "root_causes": fishbone.root_causes()
            })))
        }
        ArtifactKind::SwissCheese => {
            let model: SwissCheese = parse(body)?;
            value(serde_json::to_value(
                json!({ "trajectory": model.trajectory() }),
            ))
        }
        ArtifactKind::CauseStatement => {
            let statement: CauseStatement = parse(body)?;
            value(serde_json::to_value(
                json!({ "findings": statement.check() }),
            ))
        }
        ArtifactKind::FaultTree => {
            let tree: FaultTreeBody = parse(body)?;
            let (_, results) = fault_tree(&tree)?;
            value(serde_json::to_value(json!({ "analysis": results })))
        }
        ArtifactKind::Fmea => {
            let sheet: FmeaBody = parse(body)?;
            let rows: Vec<Value> = sheet
                .rows
                .iter()
                .map(|r| json!({ "rpn": r.risk_priority_number(), "action_priority": r.action_priority().letter().to_string() }))
                .collect();
            Ok(json!({ "rows": rows }))
        }
    }
}

/// The diagram of an artifact, when its method has one.
pub fn diagram(artifact: &Artifact, blame: &BlameCheck) -> Result<Option<String>, ApiError> {
    let body = &artifact.body;
    Ok(match artifact.kind {
        ArtifactKind::FiveWhys => {
            let whys: WhysAnalysis = parse(body)?;
            Some(whys_svg(&whys, &blame.whys(&whys)))
        }
        ArtifactKind::Fishbone => Some(fishbone_svg(&parse(body)?)),
        ArtifactKind::SwissCheese => Some(swiss_cheese_svg(&parse(body)?)),
        ArtifactKind::FaultTree => {
            let tree: FaultTreeBody = parse(body)?;
            let (model, results) = fault_tree(&tree)?;
            let drawn = match results.as_slice() {
                [only] if only.initiating_event.is_none() => {
                    let options = FaultTreeOptions {
                        analysis: Some(only),
                        ..FaultTreeOptions::default()
                    };
                    Some(fault_tree_svg(&model, &only.top_event, &options))
                }
                // A model that is one event tree is drawn as that tree.
                _ => match model.sole_initiating_event() {
                    Some(initiating_event) => {
                        let values =
                            sequence_values(&results, initiating_event, tree.approximation);
                        Some(event_tree_svg(&model, initiating_event, &values))
                    }
                    None => None,
                },
            };
            drawn
                .transpose()
                .map_err(|e| ApiError::invalid("mef", e.to_string()))?
        }
        ArtifactKind::CauseStatement | ArtifactKind::Fmea => None,
    })
}

pub async fn view(state: &AppState, artifact: Artifact) -> Result<ArtifactView, ApiError> {
    let blame = BlameCheck::of(state, &artifact.owner).await?;
    let derived = tokio::task::spawn_blocking({
        let (kind, body) = (artifact.kind, artifact.body.clone());
        move || derive(kind, &body, &blame)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(ArtifactView { artifact, derived })
}

fn kind_of(text: &str, on_system: bool) -> Result<ArtifactKind, ApiError> {
    let kind: ArtifactKind = text.parse().map_err(ApiError::NotFound)?;
    if kind.belongs_to_system() != on_system {
        let place = if on_system {
            "incidents"
        } else {
            "systems (FMEA worksheets belong to a system)"
        };
        return Err(ApiError::NotFound(format!(
            "{} artifacts live on {place}",
            kind.as_str()
        )));
    }
    Ok(kind)
}

/// The newest version of an artifact, or `None` when there is none yet.
pub async fn latest(
    state: &AppState,
    owner: String,
    kind: ArtifactKind,
    name: String,
) -> Result<Option<Artifact>, ApiError> {
    state
        .run(move |store| match store.artifact(&owner, kind, &name) {
            Ok(artifact) => Ok(Some(artifact)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(error) => Err(error),
        })
        .await
}

/// Checks and saves a new version; shared by the API and the web UI.
pub async fn save(
    state: &AppState,
    owner: String,
    kind: ArtifactKind,
    name: String,
    body: Value,
    actor: &str,
) -> Result<ArtifactView, ApiError> {
    let checked = body.clone();
    let blame = BlameCheck::of(state, &owner).await?;
    tokio::task::spawn_blocking(move || derive(kind, &checked, &blame))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let actor = actor.to_string();
    let artifact = state
        .run(move |store| store.save_artifact(&owner, kind, &name, body, &actor, now()))
        .await?;
    view(state, artifact).await
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/rca", tag = "rca", params(("id" = String, Path, description = "INC-<n>"), PageQuery),
    responses((status = 200, body = Vec<ArtifactView>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<ArtifactView>, ApiError> {
    let owner = public_id(incident_number(&id)?);
    let artifacts = state
        .run(move |store| {
            store.get_incident(
                incident_number(&owner)
                    .map_err(|_| firebreak_store::StoreError::NotFound(owner.clone()))?,
            )?;
            store.artifacts(&owner)
        })
        .await?;
    // Only the page's artifacts are drawn.
    let (artifacts, next) = page.page(artifacts, &uri)?.into_parts();
    let mut views = Vec::new();
    for artifact in artifacts {
        views.push(view(&state, artifact).await?);
    }
    Ok(Paged::from_parts(views, next))
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/rca/{kind}/{name}", tag = "rca",
    params(("id" = String, Path, description = "INC-<n>"), ("kind" = ArtifactKind, Path), ("name" = String, Path)),
    request_body(content = Object, description = "The method's data; for a fault tree a FaultTreeBody"),
    responses((status = 200, body = ArtifactView), (status = 422, body = Problem)))]
pub async fn put(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, kind, name)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<ApiJson<ArtifactView>, ApiError> {
    let owner = public_id(incident_number(&id)?);
    let kind = kind_of(&kind, false)?;
    Ok(ApiJson(
        save(&state, owner, kind, name, body, caller.name()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/rca/{kind}/{name}", tag = "rca",
    params(("id" = String, Path, description = "INC-<n>"), ("kind" = ArtifactKind, Path), ("name" = String, Path)),
    responses((status = 200, body = ArtifactView), (status = 404, body = Problem)))]
pub async fn show(
    _caller: Viewer,
    State(state): State<AppState>,
    Path((id, kind, name)): Path<(String, String, String)>,
) -> Result<ApiJson<ArtifactView>, ApiError> {
    let owner = public_id(incident_number(&id)?);
    let kind = kind_of(&kind, false)?;
    let artifact = state
        .run(move |store| store.artifact(&owner, kind, &name))
        .await?;
    Ok(ApiJson(view(&state, artifact).await?))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/rca/{kind}/{name}/svg", tag = "rca",
    params(("id" = String, Path, description = "INC-<n>"), ("kind" = ArtifactKind, Path), ("name" = String, Path)),
    responses((status = 200, description = "The diagram", content_type = "image/svg+xml"), (status = 404, body = Problem)))]
pub async fn svg(
    _caller: Viewer,
    State(state): State<AppState>,
    Path((id, kind, name)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let owner = public_id(incident_number(&id)?);
    let kind = kind_of(&kind, false)?;
    let artifact = state
        .run(move |store| store.artifact(&owner, kind, &name))
        .await?;
    let blame = BlameCheck::of(&state, &artifact.owner).await?;
    let drawn = tokio::task::spawn_blocking(move || diagram(&artifact, &blame))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??
        .ok_or_else(|| ApiError::NotFound(format!("{} has no diagram", kind.as_str())))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("image/svg+xml"),
        )],
        drawn,
    )
        .into_response())
}

#[utoipa::path(put, path = "/api/v1/systems/{slug}/fmea/{name}", tag = "rca",
    params(("slug" = String, Path), ("name" = String, Path)),
    request_body(content = FmeaBody, description = "JSON rows, or the worksheet as text/csv"),
    responses((status = 200, body = ArtifactView), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn put_fmea(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((slug, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<ApiJson<ArtifactView>, ApiError> {
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/csv"));
    let body: Value = if is_csv {
        let text = std::str::from_utf8(&body)
            .map_err(|_| ApiError::bad_request(None, "the CSV is not UTF-8"))?;
        let rows = fmea_from_csv(text).map_err(|e| ApiError::invalid("csv", e.to_string()))?;
        serde_json::to_value(FmeaBody { rows }).map_err(|e| ApiError::Internal(e.to_string()))?
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(None, format!("not JSON: {e}")))?
    };
    let lookup = slug.clone();
    state.run(move |store| store.get_system(&lookup)).await?;
    Ok(ApiJson(
        save(
            &state,
            format!("system:{slug}"),
            ArtifactKind::Fmea,
            name,
            body,
            caller.name(),
        )
        .await?,
    ))
}

/// How a worksheet is answered when the client cannot set `Accept` (a link).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FmeaShowQuery {
    /// `csv` for the worksheet as CSV.
    #[serde(default)]
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/systems/{slug}/fmea/{name}", tag = "rca",
    params(("slug" = String, Path), ("name" = String, Path), FmeaShowQuery),
    responses((status = 200, body = ArtifactView, description = "JSON, or CSV when the request accepts text/csv or asks format=csv"), (status = 404, body = Problem)))]
pub async fn show_fmea(
    _caller: Viewer,
    State(state): State<AppState>,
    Path((slug, name)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<FmeaShowQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = format!("system:{slug}");
    let artifact = state
        .run(move |store| store.artifact(&owner, ArtifactKind::Fmea, &name))
        .await?;
    let wants_csv = query.format.as_deref() == Some("csv")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"));
    if wants_csv {
        let sheet: FmeaBody = parse(&artifact.body)?;
        return Ok((
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            )],
            fmea_to_csv(&sheet.rows),
        )
            .into_response());
    }
    Ok(ApiJson(view(&state, artifact).await?).into_response())
}
