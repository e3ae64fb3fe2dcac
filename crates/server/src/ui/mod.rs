//! The server-rendered web UI. Pages read without JavaScript; every form posts
//! a CSRF token bound to the browser session. Errors from the shared handlers
//! (problem+json) are turned into HTML pages here, so the UI and the API answer
//! the same rules with the same statuses.

mod ack_link;
mod alerts;
mod assessment;
mod containment;
mod evidence;
mod findings;
mod fmea;
mod incident_head;
mod incident_list;
mod incident_page;
mod incident_record;
mod incidents;
mod live;
mod login;
mod metrics;
mod monitors;
mod oncall;
mod oncall_labels;
mod oncall_now;
mod pages_log;
mod policies;
mod postmortem;
mod rca_steps;
mod recurrence;
mod regulatory;
mod rejected;
mod schedules;
mod systems;
mod tokens;
mod triage;
mod updates;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use firebreak_core::rca::Artifact;
use maud::{DOCTYPE, Markup, PreEscaped, html};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::page).post(login::sign_in))
        .route("/logout", post(login::sign_out))
        .route("/", get(incident_list::list))
        .route("/incidents/new", get(incidents::declare_form))
        .route("/incidents", post(incidents::declare))
        .route("/incidents/{id}", get(incident_page::show))
        .route("/incidents/{id}/live", get(live::incident_stream))
        .route("/assets/live.js", get(live::script))
        .route("/incidents/{id}/transition", post(incidents::transition))
        .route("/incidents/{id}/entries", post(incidents::add_entry))
        .route("/incidents/{id}/roles", post(incident_record::assign))
        .route("/incidents/{id}/times", post(incident_record::set_time))
        .route(
            "/incidents/{id}/summary",
            post(incident_head::update_summary),
        )
        .route(
            "/incidents/{id}/recurrence",
            post(recurrence::link_recurrence),
        )
        .route("/incidents/{id}/findings", post(findings::attach))
        .route("/incidents/{id}/containment", post(containment::contain))
        .route("/incidents/{id}/affected", post(triage::add_affected))
        .route("/incidents/{id}/alerts", post(triage::link_alert))
        .route(
            "/incidents/{id}/severity-assessment",
            post(assessment::assess),
        )
        .route("/incidents/{id}/impact", post(assessment::save_impact))
        .route("/incidents/{id}/acknowledge", post(oncall::acknowledge))
        .route("/ack/{token}", get(ack_link::confirm).post(ack_link::take))
        .route("/incidents/{id}/rca", post(incidents::save_rca))
        .route("/incidents/{id}/rca/step", post(rca_steps::add_step))
        .route("/incidents/{id}/postmortem/draft", post(postmortem::draft))
        .route(
            "/incidents/{id}/postmortem/actions",
            post(postmortem::add_action_item),
        )
        .route(
            "/incidents/{id}/postmortem/actions/{action_id}/ticket",
            post(postmortem::ask_ticket),
        )
        .route(
            "/incidents/{id}/postmortem/sections",
            post(postmortem::save_section),
        )
        .route(
            "/incidents/{id}/postmortem/transitions",
            post(postmortem::transition),
        )
        .route(
            "/incidents/{id}/postmortem/sign-offs",
            post(postmortem::sign_off),
        )
        .route("/incidents/{id}/updates", post(updates::draft))
        .route("/incidents/{id}/updates/{update}", post(updates::edit))
        .route(
            "/incidents/{id}/updates/{update}/approve",
            post(updates::approve),
        )
        .route("/incidents/{id}/updates/{update}/send", post(updates::send))
        .route(
            "/incidents/{id}/regulatory",
            post(regulatory::questionnaire::assess),
        )
        .route("/incidents/{id}/reports", post(regulatory::reports::draft))
        .route(
            "/incidents/{id}/reports/{report}",
            post(regulatory::reports::edit),
        )
        .route(
            "/incidents/{id}/reports/{report}/submission",
            post(regulatory::reports::submit),
        )
        .route(
            "/incidents/{id}/inquiries",
            post(regulatory::inquiries::open),
        )
        .route(
            "/incidents/{id}/inquiries/{inquiry}/questions/{n}",
            post(regulatory::inquiries::answer),
        )
        .route(
            "/incidents/{id}/inquiries/{inquiry}/submission",
            post(regulatory::inquiries::submit),
        )
        .route(
            "/incidents/{id}/inquiries/{inquiry}/bundle",
            post(regulatory::inquiries::bundle),
        )
        .route(
            "/incidents/{id}/evidence/{ev}/legal-hold",
            post(evidence::legal_hold),
        )
        .route(
            "/incidents/{id}/evidence/{ev}/transfers",
            post(evidence::transfer),
        )
        .route("/incidents/{id}/evidence/bundle", post(evidence::bundle))
        .route("/alerts", get(alerts::alerts))
        .route("/alerts/{id}/acknowledge", post(alerts::acknowledge))
        .route("/alerts/{id}/resolve", post(alerts::resolve))
        .route("/alerts/{id}/declare", post(alerts::declare))
        .route("/alerts/{id}/link", post(alerts::link))
        .route("/systems", get(systems::list).post(systems::register))
        .route("/systems/new", get(systems::register_form))
        .route("/systems/{slug}", get(systems::show))
        .route("/systems/{slug}/fmea", post(fmea::change))
        .route("/oncall", get(oncall_now::show))
        .route("/oncall/schedules/{slug}", get(schedules::week))
        .route("/oncall/policies", get(policies::list))
        .route("/oncall/policies/{slug}", get(policies::show))
        .route("/oncall/pages", get(pages_log::list))
        .route("/metrics", get(monitors::metrics))
        .route("/metrics/register.csv", get(metrics::register))
        .route("/monitors/{monitor}/pause", post(monitors::pause))
        .route("/deadlines", get(regulatory::board))
        .route("/actions", get(regulatory::actions))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
        .layer(axum::middleware::map_response(problems_as_pages))
}

/// The evidence upload form's route: like the API's, without the body
/// limit, so a file of any size streams through to the vault.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route("/incidents/{id}/evidence", post(evidence::upload))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::map_response(problems_as_pages))
}

/// A page answer: HTML, or an error shown as a page.
pub type PageResult = Result<Html<String>, ApiError>;

async fn problems_as_pages(response: Response) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !is_problem {
        return response;
    }
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let problem: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let detail = problem["detail"]
        .as_str()
        .unwrap_or("something went wrong")
        .to_string();
    let page = if status == StatusCode::UNAUTHORIZED {
        bare_page(
            "Sign in",
            html! {
                h1 { "Sign in required" }
                p { "Your session has ended or you have not signed in. " a href="/login" { "Sign in" } }
            },
        )
    } else {
        bare_page(
            "Error",
            html! {
                h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("Error")) }
                p role="alert" class="error" { (detail) }
                @if let Some(fields) = problem["errors"].as_array() {
                    ul { @for f in fields { li { code { (f["field"].as_str().unwrap_or("")) } ": " (f["message"].as_str().unwrap_or("")) } } }
                }
                p { a href="/" { "Incidents" } }
            },
        )
    };
    (status, page).into_response()
}

/// The one stylesheet. Narrow screens (down to 400 px) never scroll
/// sideways: the header wraps, long words break, and wide tables and
/// diagrams scroll inside their own box. Focus is always visible.
const STYLE: &str = r#"
*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
a{color:#0b57b8}
:focus-visible{outline:3px solid #0b57b8;outline-offset:2px}
.skip{position:absolute;left:.5rem;top:-3rem;background:#fff;color:#0b57b8;padding:.4rem .8rem;z-index:10}
.skip:focus{top:.5rem}
header{background:#1b1f24;color:#fff;padding:.6rem 1.2rem;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center}
header a{color:#fff;text-decoration:none}header a:hover{text-decoration:underline}header .brand{font-weight:700;margin-right:1rem}
header :focus-visible{outline-color:#ffd33d}
header nav{display:flex;flex-wrap:wrap;gap:.2rem .9rem}
header form{margin-left:auto}main{padding:1.2rem;max-width:72rem;overflow-wrap:anywhere}
main:focus{outline:none}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #dde}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:.6rem;font-size:.85em;background:#e4e7eb}
.sev1{background:#b42318;color:#fff}.sev2{background:#b93d0a;color:#fff}.sev3{background:#f5c518}.sev4{background:#d0ebff}
.error{color:#b42318;font-weight:600}fieldset{border:1px solid #ccd;margin:.6rem 0;background:#fff;min-width:0}
label{display:block;margin:.3rem 0}input[type=text],input[type=password],textarea,select{font:inherit;padding:.25rem;min-width:18rem;max-width:100%}
.actions form{display:inline-block;margin-right:.4rem}button{font:inherit;padding:.25rem .7rem;cursor:pointer}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(20rem,100%),1fr));gap:1rem}
code.hash{font-size:.8em;color:#5a5f6b}figure.artifact{margin:.8rem 0;background:#fff;padding:.5rem;border:1px solid #dde}
figure{margin:.8rem 0}.diagram,figure.chart{overflow-x:auto}main svg{max-width:100%;height:auto}ol.timeline li{margin:.3rem 0}
nav.onpage{display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:.6rem 0;font-size:.9em}
kbd{font:inherit;font-size:.85em;border:1px solid #aab;border-radius:.2rem;padding:0 .25rem;background:#fff}
.scroll{overflow-x:auto;max-width:100%}table.week{min-width:56rem;table-layout:fixed}table.week td{vertical-align:top}
ul.blocks{list-style:none;margin:0;padding:0}ul.blocks li{margin:.2rem 0;padding:.2rem .3rem;border-left:3px solid #3b6fd8;background:#eef3ff}
ul.blocks li.nobody{border-left-color:#b42318;background:#fff}caption{text-align:left;font-weight:600;padding:.3rem 0}
.muted{color:#555;font-size:.9em}form.inline{display:inline}
header.incident-head{position:static;display:block;background:#f6f7f9;color:inherit;padding:.3rem 0;margin:0 0 .4rem;border-bottom:1px solid #ccd}
header.incident-head h1{margin:.2rem 0}header.incident-head a{color:#0b57b8}header.incident-head :focus-visible{outline-color:#0b57b8}
p.glance{display:flex;flex-wrap:wrap;gap:.3rem .8rem;align-items:center;margin:.3rem 0}
p.banner{margin:.3rem 0;padding:.3rem .6rem;background:#fdecea;border-left:4px solid #b42318}
details.fold{margin:.5rem 0;background:#fff;border:1px solid #dde;padding:0 .6rem}details.fold>summary{cursor:pointer}
details.fold>summary h2{display:inline;font-size:1.2rem;margin:.4rem 0}
details.fold>section>h2:first-child{display:none}
@media (min-width:40rem){header.incident-head{position:sticky;top:0;z-index:5}}
@media (max-width:40rem){
header,main{padding:.6rem}h1{font-size:1.5rem}
input[type=text],input[type=password],textarea,select{min-width:0;width:100%}
table{display:block;overflow-x:auto}
}
"#;

pub(crate) fn bare_page(title: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · Firebreak" }
                    style { (PreEscaped(STYLE)) }
                }
                body { (skip_link()) main id="main" tabindex="-1" { (body) } }
            }
        }
        .into_string(),
    )
}

/// The signed-in layout with navigation and a sign-out form.
pub fn page(caller: &Caller, title: &str, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · Firebreak" }
                    style { (PreEscaped(STYLE)) }
                }
                body {
                    (skip_link())
                    header {
                        a.brand href="/" { "Firebreak" }
                        nav aria-label="Main" {
                            a href="/" { "Incidents" }
                            a href="/incidents/new" { "Declare" }
                            a href="/systems" { "Inventory" }
                            a href="/alerts" { "Alerts" }
                            a href="/oncall" { "On call" }
                            a href="/metrics" { "Metrics" }
                            a href="/deadlines" { "Deadlines" }
                            a href="/actions" { "Actions" }
                            a href="/tokens" { "Tokens" }
                        }
                        form method="post" action="/logout" {
                            (csrf_field(caller))
                            span { (caller.user.name) " (" (caller.user.role) ") " }
                            button type="submit" { "Sign out" }
                        }
                    }
                    main id="main" tabindex="-1" { (body) }
                }
            }
        }
        .into_string(),
    )
}

/// The first stop of the keyboard: past the header to the page's content.
fn skip_link() -> Markup {
    html! { a.skip href="#main" { "Skip to main content" } }
}

pub fn csrf_field(caller: &Caller) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(caller.csrf_token.as_deref().unwrap_or_default()); }
}

/// A submitted form whose CSRF token matched the caller's session. Put it after
/// a role extractor, which authenticates the caller first.
pub struct CsrfForm(pub Vec<(String, String)>);

impl CsrfForm {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The field's value, or a 422 naming it.
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name)
            .ok_or_else(|| ApiError::invalid(name, "is required"))
    }

    /// Refuses a change made on a page older than `current`: the form's
    /// `version` field says which version it extends.
    pub fn check_extends(&self, current: &Artifact) -> Result<(), ApiError> {
        let version = self.required("version")?;
        if version == current.version.to_string() {
            return Ok(());
        }
        Err(ApiError::Conflict {
            message: format!(
                "{} `{}` is at version {} now, not {version}: reload the page and make the change again",
                current.kind.as_str().replace('_', " "),
                current.name,
                current.version
            ),
            allowed: Vec::new(),
        })
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

impl FromRequest<AppState> for CsrfForm {
    type Rejection = ApiError;
    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = request
            .extensions()
            .get::<Caller>()
            .and_then(|c| c.csrf_token.clone());
        let bytes = Bytes::from_request(request, state).await?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| ApiError::bad_request(None, format!("unreadable form: {e}")))?;
        for (name, value) in &fields {
            crate::limits::check_text(name, value)?;
        }
        let sent = fields
            .iter()
            .find(|(k, _)| k == "csrf_token")
            .map(|(_, v)| v.as_str());
        match expected {
            Some(expected) if sent == Some(expected.as_str()) => Ok(CsrfForm(fields)),
            _ => Err(ApiError::Forbidden(
                "the form's CSRF token is missing or stale; reload the page".into(),
            )),
        }
    }
}

pub fn format_time(at: Option<firebreak_core::Timestamp>) -> String {
    at.map_or_else(
        || "—".to_string(),
        |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}
