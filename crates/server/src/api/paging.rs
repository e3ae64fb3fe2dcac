//! Who is on call (per system through its policy's first level, and per
//! schedule), a schedule's final shifts, a person's shifts as iCalendar,
//! an incident's escalation, and acknowledging its page. Every answer is
//! computed by `firebreak_core::oncall`.

use crate::api::incidents::{IncidentView, incident_number};
use crate::api::page::{PageQuery, Paged};
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::state::{AppState, now};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use firebreak_core::Timestamp;
use firebreak_core::oncall::{
    self, AckVia, EscalationPlan, OnCall, Recipients, Schedule, Shift, StepKey, Target,
};
use firebreak_core::{DomainError, FieldError};
use firebreak_store::OncallConfig;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OncallQuery {
    /// Only this system: whom its escalation policy's first level reaches.
    pub system: Option<String>,
    /// The instant asked about (RFC 3339 with an offset); now by default.
    #[param(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
}

/// Who is on call in one schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleOnCall {
    pub schedule: String,
    /// Nobody when no layer or override covers the instant.
    pub on_call: Option<OnCall>,
}

/// Who is on call at an instant.
#[derive(Debug, Serialize, ToSchema)]
pub struct OncallNow {
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub system: Option<String>,
    /// The system's escalation policy, when a system was asked about.
    pub policy: Option<String>,
    /// Whom the policy's first level pages at `at`.
    pub first_level: Option<Recipients>,
    /// Each schedule (for a system: those its first level names).
    pub schedules: Vec<ScheduleOnCall>,
}

fn schedule_answer(schedule: &Schedule, at: Timestamp) -> Result<ScheduleOnCall, ApiError> {
    Ok(ScheduleOnCall {
        schedule: schedule.slug.clone(),
        on_call: oncall::on_call_at(schedule, at).map_err(DomainError::from)?,
    })
}

#[utoipa::path(get, path = "/api/v1/oncall", tag = "oncall", params(OncallQuery),
    responses((status = 200, body = OncallNow), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn on_call(
    _caller: Viewer,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<OncallQuery>,
) -> Result<ApiJson<OncallNow>, ApiError> {
    let at = query.at.unwrap_or_else(now);
    Ok(ApiJson(oncall_now(&state, query.system, at).await?))
}

/// Who is on call at `at`: in every schedule, or for `system` through its
/// policy's first level.
pub async fn oncall_now(
    state: &AppState,
    system: Option<String>,
    at: Timestamp,
) -> Result<OncallNow, ApiError> {
    let (config, systems) = state
        .run(|store| Ok((store.oncall()?, store.list_systems()?)))
        .await?;
    let Some(system) = system else {
        let schedules = config
            .schedules
            .iter()
            .map(|s| schedule_answer(s, at))
            .collect::<Result<_, _>>()?;
        return Ok(OncallNow {
            at,
            system: None,
            policy: None,
            first_level: None,
            schedules,
        });
    };
    if !systems.iter().any(|s| s.slug == system) {
        return Err(ApiError::NotFound(format!("system {system} not found")));
    }
    system_on_call(&config, system, at)
}

/// Who `system`'s policy's first level pages at `at`, and who is on call
/// then in the schedules that level names.
pub fn system_on_call(
    config: &OncallConfig,
    system: String,
    at: Timestamp,
) -> Result<OncallNow, ApiError> {
    let policy = config
        .system_policies
        .get(&system)
        .and_then(|slug| config.policies.iter().find(|p| &p.slug == slug));
    let first = policy.and_then(|p| p.levels.first());
    let named: Vec<&String> = first
        .into_iter()
        .flat_map(|level| &level.targets)
        .filter_map(|t| match t {
            Target::Schedule { schedule } => Some(schedule),
            _ => None,
        })
        .collect();
    let schedules = config
        .schedules
        .iter()
        .filter(|s| named.contains(&&s.slug))
        .map(|s| schedule_answer(s, at))
        .collect::<Result<_, _>>()?;
    Ok(OncallNow {
        at,
        first_level: first.map(|level| {
            oncall::resolve_targets(&level.targets, at, &config.schedules, &config.teams)
        }),
        policy: policy.map(|p| p.slug.clone()),
        system: Some(system),
        schedules,
    })
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// Start of the range (RFC 3339); now by default.
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<Timestamp>,
    /// End of the range; `from` plus 28 days by default, at most 400 days
    /// after `from`.
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<Timestamp>,
}

/// How far a range reaches when its end is not given.
const DEFAULT_RANGE_DAYS: i64 = 28;

impl RangeQuery {
    fn range(&self) -> Result<(Timestamp, Timestamp), ApiError> {
        let from = self.from.unwrap_or_else(now);
        let to = match self.to {
            Some(to) => to,
            None => from
                .checked_add(jiff::SignedDuration::from_hours(DEFAULT_RANGE_DAYS * 24))
                .map_err(|_| ApiError::Invalid(vec![FieldError::new("from", "too late")]))?,
        };
        Ok((from, to))
    }
}

async fn schedules(state: &AppState) -> Result<Vec<Schedule>, ApiError> {
    Ok(state.run(|store| store.oncall()).await?.schedules)
}

#[utoipa::path(get, path = "/api/v1/oncall/schedules/{schedule_slug}/shifts", tag = "oncall",
    params(("schedule_slug" = String, Path), RangeQuery, PageQuery),
    responses((status = 200, body = Vec<Shift>), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "A range that is empty or too long, named by `to`")))]
pub async fn shifts(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ApiQuery(query): ApiQuery<RangeQuery>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<Shift>, ApiError> {
    let (from, to) = query.range()?;
    let schedule = schedules(&state)
        .await?
        .into_iter()
        .find(|s| s.slug == slug)
        .ok_or_else(|| ApiError::NotFound(format!("schedule {slug} not found")))?;
    let shifts = tokio::task::spawn_blocking(move || oncall::final_shifts(&schedule, from, to))
        .await
        .map_err(|e| ApiError::Internal(format!("the shifts were not computed: {e}")))?
        .map_err(DomainError::from)?;
    page.page(shifts, &uri)
}

#[utoipa::path(get, path = "/api/v1/users/{name}/oncall.ics", tag = "oncall",
    params(("name" = String, Path), RangeQuery),
    responses((status = 200, content_type = "text/calendar", body = String, description = "RFC 5545, every time in UTC"),
        (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn ical(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> Result<Response, ApiError> {
    let (from, to) = query.range()?;
    let schedules = schedules(&state).await?;
    let stamp = now();
    let calendar = tokio::task::spawn_blocking(move || {
        oncall::ical_for_user(&schedules, &name, from, to, stamp)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the calendar was not computed: {e}")))?
    .map_err(DomainError::from)?;
    let mut response = calendar.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    Ok(response)
}

/// An incident's escalation: the plan, what was paged, what comes next.
#[derive(Debug, Serialize, ToSchema)]
pub struct EscalationView {
    pub plan: EscalationPlan,
    pub sent: Vec<StepKey>,
    /// When the next step is due; none once acknowledged, resolved or done.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_due: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<Timestamp>,
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/escalation", tag = "oncall",
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = EscalationView), (status = 404, body = Problem, description = "No such incident, or it paged nobody")))]
pub async fn escalation(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<EscalationView>, ApiError> {
    let number = incident_number(&id)?;
    let page = state
        .run(move |store| {
            store.get_incident(number)?;
            store.page(number)
        })
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("{id} paged nobody: no escalation")))?;
    Ok(ApiJson(EscalationView {
        acknowledged_at: page.incident.times.acknowledged_at,
        plan: page.plan,
        sent: page.sent,
        next_due: page.next_due,
    }))
}

/// Records that `actor` took the page of incident `number` by `via`.
pub async fn acknowledge_page(
    state: &AppState,
    actor: &str,
    via: AckVia,
    number: u64,
) -> Result<IncidentView, ApiError> {
    let actor = actor.to_string();
    let incident = state
        .run(move |store| store.acknowledge(number, &actor, via, now()))
        .await?;
    Ok(incident.into())
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/acknowledge", tag = "oncall",
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, body = IncidentView, description = "Acknowledged: escalation stops"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "Already acknowledged, or no longer open")))]
pub async fn acknowledge(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<IncidentView>, ApiError> {
    let number = incident_number(&id)?;
    Ok(ApiJson(
        acknowledge_page(&state, caller.name(), AckVia::Api, number).await?,
    ))
}
