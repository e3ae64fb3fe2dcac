//! The incident page's evidence section: upload a file with a description
//! (multipart, streamed into the vault by the API's own upload code), put
//! an item under legal hold or release it, record a transfer of custody,
//! download an item, and make and download the signed evidence bundle that
//! `firebreak evidence verify` checks offline. Each form goes through the
//! API's workflows (`api::evidence`), and a refusal comes back in place.

use super::rejected::{Rejected, in_place, or_in_place};
use super::{CsrfForm, csrf_field, format_time};
use crate::api::evidence::{
    LegalHoldRequest, TransferRequest, Upload, read_upload, record_custody, signed_bundle,
    store_upload,
};
use crate::api::incidents::incident_number;
use crate::auth::{Caller, Commander, Responder};
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::Response;
use firebreak_core::auth::Role;
use firebreak_core::evidence::Evidence;
use maud::{Markup, html};

const UPLOAD: &str = "evidence:upload";
const BUNDLE: &str = "evidence:bundle";

fn hold_key(ev: &str) -> String {
    format!("evidence:{ev}:hold")
}

fn transfer_key(ev: &str) -> String {
    format!("evidence:{ev}:transfer")
}

fn size_text(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b if b < 1024 * 1024 * 1024 => format!("{:.1} MiB", b as f64 / 1048576.0),
        b => format!("{:.2} GiB", b as f64 / 1073741824.0),
    }
}

/// The section on the incident page.
pub fn section(
    caller: &Caller,
    path: &str,
    items: &[Evidence],
    rejected: Option<&Rejected>,
) -> Markup {
    html! {
        section aria-label="Evidence" id="evidence" {
            h2 { "Evidence" }
            @if items.is_empty() { p { "Nothing collected yet." } }
            @for item in items { (item_card(caller, path, item, rejected)) }
            h3 { "Add evidence" }
            form method="post" action={ (path) "/evidence" } enctype="multipart/form-data" id="evidence-upload" {
                (csrf_field(caller))
                label { "What it is and why it was collected "
                    input type="text" name="description" required value=[Rejected::kept(rejected, UPLOAD, "description")]; }
                label { "File " input type="file" name="file" required; }
                button type="submit" { "Upload" }
                (Rejected::messages(rejected, UPLOAD))
            }
            @if !items.is_empty() {
                h3 { "Evidence bundle" }
                form method="post" action={ (path) "/evidence/bundle" } id="evidence-bundle" {
                    (csrf_field(caller))
                    p.muted { "A tar archive of every item not disposed of, with the incident's timeline, each item's custody log and a signed manifest; `firebreak evidence verify` checks it offline. Each item records the export." }
                    label { "What the bundle is for "
                        input type="text" name="purpose" required value=[Rejected::kept(rejected, BUNDLE, "purpose")]; }
                    button type="submit" { "Download the signed bundle" }
                    (Rejected::messages(rejected, BUNDLE))
                }
            }
        }
    }
}

fn item_card(caller: &Caller, path: &str, item: &Evidence, rejected: Option<&Rejected>) -> Markup {
    let (hold, transfer) = (hold_key(&item.id), transfer_key(&item.id));
    html! {
        article.evidence id={ "evidence-" (item.id) } data-legal-hold=(item.legal_hold) {
            h4 { (item.id) ": " (item.filename) }
            p { (item.description) }
            p.muted {
                (size_text(item.size)) " · collected by " (item.collected_by) " " (format_time(Some(item.collected_at)))
                " · SHA-256 " code title=(item.sha256) { (&item.sha256[..16]) "…" }
            }
            p {
                @if item.legal_hold { span.badge.sev2 { "Under legal hold" } " " }
                @if let Some(at) = item.disposed_at { span.badge { "Disposed of " (format_time(Some(at))) } }
                @else { a href={ "/api/v1/evidence/" (item.id) "/content" } download=(item.filename) { "Download " (item.filename) } }
                " · " a href={ "/api/v1/evidence/" (item.id) } { "custody log (JSON)" }
            }
            @if item.disposed_at.is_none() {
                details open[Rejected::is_for(rejected, &hold) || Rejected::is_for(rejected, &transfer)] {
                    summary { "Custody of " (item.id) }
                    @if caller.user.role >= Role::Commander {
                        form method="post" action={ (path) "/evidence/" (item.id) "/legal-hold" } data-legal-hold-form=(item.id) {
                            (csrf_field(caller))
                            input type="hidden" name="on" value=(!item.legal_hold);
                            label { @if item.legal_hold { "Why the hold is released " } @else { "Why it is put under legal hold " }
                                input type="text" name="reason" required value=[Rejected::kept(rejected, &hold, "reason")]; }
                            button type="submit" { @if item.legal_hold { "Release the legal hold" } @else { "Put under legal hold" } }
                            (Rejected::messages(rejected, &hold))
                        }
                    } @else {
                        p.muted { "A commander puts evidence under legal hold or releases it." }
                    }
                    form method="post" action={ (path) "/evidence/" (item.id) "/transfers" } data-transfer-form=(item.id) {
                        (csrf_field(caller))
                        label { "Handed to (person or organisation) "
                            input type="text" name="recipient" required value=[Rejected::kept(rejected, &transfer, "recipient")]; }
                        label { "Note (how, why) "
                            input type="text" name="note" value=[Rejected::kept(rejected, &transfer, "note")]; }
                        button type="submit" { "Record the transfer" }
                        (Rejected::messages(rejected, &transfer))
                    }
                }
            }
        }
    }
}

/// An upload from the incident page. A body that is not multipart still
/// has its CSRF token checked first (a forged form is refused as such),
/// then is refused for its encoding.
pub async fn upload(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let number = incident_number(&id)?;
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        // The route has no body limit for uploads; this body gets the usual one.
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, crate::limits::BODY_LIMIT_BYTES)
            .await
            .map_err(|e| ApiError::bad_request(None, format!("unreadable form: {e}")))?;
        CsrfForm::from_request(Request::from_parts(parts, Body::from(bytes)), &state).await?;
        return Err(ApiError::bad_request(
            None,
            "send the upload as multipart/form-data",
        ));
    }
    let mut form = Multipart::from_request(request, &state)
        .await
        .map_err(|e| ApiError::bad_request(None, e.body_text()))?;
    let expected = caller.csrf_token.clone().ok_or_else(|| {
        ApiError::Forbidden("the form's CSRF token is missing or stale; reload the page".into())
    })?;
    let mut upload = Upload::default();
    let read = read_upload(&state, &mut form, Some(&expected), &mut upload).await;
    let kept = CsrfForm(
        upload
            .description
            .iter()
            .map(|d| ("description".to_string(), d.clone()))
            .collect(),
    );
    let stored = async {
        read?;
        store_upload(&state, caller.name(), number, upload).await
    }
    .await;
    let to_item = |item: Evidence| format!("/incidents/{id}#evidence-{}", item.id);
    or_in_place(
        stored,
        to_item,
        (&state, &caller, &id),
        UPLOAD.into(),
        &kept,
    )
    .await
}

/// The item `ev` of incident `id`, or 404: the forms act on an incident's
/// own items only.
async fn own_item(state: &AppState, id: &str, ev: &str) -> Result<(), ApiError> {
    let number = incident_number(id)?;
    let wanted = ev.to_string();
    let item = state.run(move |store| store.evidence(&wanted)).await?;
    if item.incident != firebreak_core::incident::public_id(number) {
        return Err(ApiError::NotFound(format!("{id} has no evidence {ev}")));
    }
    Ok(())
}

pub async fn legal_hold(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path((id, ev)): Path<(String, String)>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    own_item(&state, &id, &ev).await?;
    let held = async {
        let request = LegalHoldRequest {
            on: form.required("on")? == "true",
            reason: form.get("reason").unwrap_or_default().to_string(),
        };
        record_custody(&state, caller.name(), ev.clone(), request.step()).await
    }
    .await;
    let to_item = |item: Evidence| format!("/incidents/{id}#evidence-{}", item.id);
    let key = hold_key(&ev);
    or_in_place(held, to_item, (&state, &caller, &id), key, &form).await
}

pub async fn transfer(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path((id, ev)): Path<(String, String)>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    own_item(&state, &id, &ev).await?;
    let request = TransferRequest {
        recipient: form.get("recipient").unwrap_or_default().to_string(),
        note: form.get("note").unwrap_or_default().to_string(),
    };
    let moved = record_custody(&state, caller.name(), ev.clone(), request.step()).await;
    let to_item = |item: Evidence| format!("/incidents/{id}#evidence-{}", item.id);
    let key = transfer_key(&ev);
    or_in_place(moved, to_item, (&state, &caller, &id), key, &form).await
}

/// The signed bundle as a download, or the page with the refusal in place.
pub async fn bundle(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: CsrfForm,
) -> Result<Response, ApiError> {
    let made = async {
        let number = incident_number(&id)?;
        signed_bundle(
            &state,
            caller.name(),
            number,
            form.get("purpose").unwrap_or_default(),
        )
        .await
    }
    .await;
    match made {
        Ok(archive) => Ok(archive),
        Err(error) => in_place(error, (&state, &caller, &id), BUNDLE.into(), &form).await,
    }
}
