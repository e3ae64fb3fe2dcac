//! The incident's record on its page: the timestamps, each correctable with
//! a reason, and the incident-command roles, assigned to the signed-in user
//! unless another is chosen.

use super::incidents::parse_field;
use super::rejected::{Rejected, or_in_place};
use super::{CsrfForm, csrf_field, format_time};
use crate::api::incidents::{AssignRequest, apply_assignment, incident_number};
use crate::auth::{Caller, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use firebreak_core::Timestamp;
use firebreak_core::incident::{CommandRole, Incident, TimeField};
use firebreak_store::User;
use maud::{Markup, html};

/// The form keys.
const TIMES: &str = "times";
const ROLES: &str = "roles";

pub fn section(
    caller: &Caller,
    path: &str,
    incident: &Incident,
    users: &[User],
    rejected: Option<&Rejected>,
) -> Markup {
    // The roles form names the signed-in user unless a refused form chose
    // someone else.
    let chosen_user = Rejected::kept(rejected, ROLES, "user").unwrap_or(caller.name());
    html! {
        div.grid aria-label="Record" id="record" {
            section aria-label="Timestamps" {
                h3 { "Timestamps" }
                table { tbody {
                    @for field in TimeField::ALL {
                        tr { th { (field.label()) } td { (format_time(incident.times.get(field))) } }
                    }
                } }
                form method="post" action={ (path) "/times" } {
                    (csrf_field(caller))
                    label { "Moment "
                        select name="field" {
                            @for field in TimeField::ALL {
                                option value=(field.as_str()) selected[Rejected::chose(rejected, TIMES, "field", field.as_str())] { (field.label()) }
                            }
                        }
                    }
                    label { "When (UTC, e.g. 2026-03-01 08:00, or with an offset; empty clears it) "
                        input type="text" name="value" value=[Rejected::kept(rejected, TIMES, "value")]; }
                    label { "Why it changes " input type="text" name="reason" value=[Rejected::kept(rejected, TIMES, "reason")]; }
                    button type="submit" { "Correct the time" }
                    (Rejected::messages(rejected, TIMES))
                }
            }
            section aria-label="Roles" {
                h3 { "Roles" }
                table { tbody {
                    @for role in CommandRole::ALL {
                        tr { th { (role.as_str().replace('_', " ")) }
                            td { (incident.roles.iter().filter(|a| a.role == role).map(|a| a.user.as_str()).collect::<Vec<_>>().join(", ")) } }
                    }
                } }
                form method="post" action={ (path) "/roles" } {
                    (csrf_field(caller))
                    select name="role" aria-label="Role" { @for role in CommandRole::ALL {
                        option value=(role.as_str()) selected[Rejected::chose(rejected, ROLES, "role", role.as_str())] { (role.as_str().replace('_', " ")) }
                    } }
                    " "
                    select name="user" aria-label="User" { @for user in users {
                        option value=(user.name) selected[user.name == chosen_user] { (user.name) }
                    } }
                    " "
                    button type="submit" { "Assign" }
                    (Rejected::messages(rejected, ROLES))
                }
            }
        }
    }
}

/// A moment as people type it: RFC 3339 with an offset, or `YYYY-MM-DD
/// HH:MM[:SS]` read as UTC (with or without a trailing `UTC`, as the page
/// shows times).
pub(super) fn parse_moment(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    let bare = text.strip_suffix("UTC").unwrap_or(text).trim();
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| jiff::civil::DateTime::strptime(format, bare).ok())
        .and_then(|civil| civil.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|zoned| zoned.timestamp())
        .ok_or_else(|| {
            format!("`{text}` is not a moment: write 2026-03-01 08:00 (UTC) or 2026-03-01T08:00:00+01:00")
        })
}

pub async fn set_time(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let changed = async {
        let field = parse_field::<TimeField>(&form, "field", "a moment")?
            .ok_or_else(|| ApiError::invalid("field", "choose a moment"))?;
        let value = form
            .get("value")
            .filter(|v| !v.trim().is_empty())
            .map(|v| parse_moment(v).map_err(|e| ApiError::invalid("value", e)))
            .transpose()?;
        let reason = form
            .get("reason")
            .filter(|r| !r.trim().is_empty())
            .map(str::to_string);
        let number = incident_number(&id)?;
        let actor = caller.name().to_string();
        let config = state.regulatory.clone();
        state
            .run(move |store| {
                crate::api::regulatory::set_time_with_clocks(
                    store, number, field, value, reason, &actor, &config,
                )
            })
            .await
    }
    .await;
    let to_page = |incident: Incident| format!("/incidents/{}#fold-record", incident.public_id());
    or_in_place(
        changed,
        to_page,
        (&state, &caller, &id),
        TIMES.into(),
        &form,
    )
    .await
}

pub async fn assign(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let assigned = async {
        let role = parse_field::<CommandRole>(&form, "role", "an incident role")?
            .ok_or_else(|| ApiError::invalid("role", "choose a role"))?;
        let request = AssignRequest {
            role,
            user: form.get("user").map(str::to_string),
            remove: false,
        };
        apply_assignment(&state, &id, caller.name(), request).await
    }
    .await;
    let to_page = |incident: Incident| format!("/incidents/{}", incident.public_id());
    or_in_place(
        assigned,
        to_page,
        (&state, &caller, &id),
        ROLES.into(),
        &form,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_is_read_with_an_offset_or_as_utc_as_the_page_shows_it() {
        let expected: Timestamp = "2026-03-01T08:00:00Z".parse().unwrap();
        for text in [
            "2026-03-01T09:00:00+01:00",
            "2026-03-01 08:00",
            "2026-03-01 08:00:00 UTC",
            " 2026-03-01T08:00 ",
        ] {
            assert_eq!(parse_moment(text), Ok(expected), "{text}");
        }
        let refused = parse_moment("yesterday").unwrap_err();
        assert!(refused.contains("`yesterday` is not a moment"), "{refused}");
    }
}
