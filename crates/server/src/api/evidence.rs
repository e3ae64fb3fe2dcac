//! The evidence vault: artifacts uploaded to an incident (multipart, streamed
//! into the content-addressed blob store), their chain of custody, and signed
//! bundles streamed as tar archives that `firebreak evidence verify` checks
//! offline (`archive.rs`).

use crate::api::incidents::incident_number;
use crate::api::page::{PageQuery, Paged};
use crate::auth::{Commander, Responder, Viewer};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::state::{AppState, now};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use firebreak_core::evidence::{CustodyAction, Evidence, NewEvidence, evidence_stream};
use firebreak_core::timeline::Event;
use firebreak_core::verify::BlobState;
use firebreak_store::BlobWriter;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use tokio::sync::mpsc;
use utoipa::ToSchema;

mod archive;
pub use archive::signed_bundle;

/// Uploads have no size limit of their own; the disk is the limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents/{id}/evidence", post(upload).get(list))
        .layer(DefaultBodyLimit::disable())
}

/// An item with its custody log (the events of its own chain).
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    #[serde(flatten)]
    pub evidence: Evidence,
    pub custody: Vec<Event>,
}

/// The multipart form of an upload.
#[derive(ToSchema)]
pub struct UploadForm {
    /// What this is and why it was collected.
    pub description: String,
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/evidence", tag = "evidence",
    params(("id" = String, Path, description = "INC-<n>")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Evidence), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    mut form: Multipart,
) -> Result<(StatusCode, ApiJson<Evidence>), ApiError> {
    let number = incident_number(&id)?;
    let mut upload = Upload::default();
    read_upload(&state, &mut form, None, &mut upload).await?;
    let item = store_upload(&state, caller.name(), number, upload).await?;
    Ok((StatusCode::CREATED, ApiJson(item)))
}

/// What an upload's parts held so far: its description, and its file
/// streamed into the blob store but not yet made durable.
#[derive(Default)]
pub struct Upload {
    pub description: Option<String>,
    content: Option<(BlobWriter, String, String)>,
}

/// Reads an upload's parts into `upload`, streaming the file into the blob
/// store chunk by chunk, so a file of any size is never held in memory.
/// With `csrf` (a browser form), a `csrf_token` part with that value must
/// come before the file, so nothing is stored for a forged form. The API's
/// upload and the incident page's share it.
pub async fn read_upload(
    state: &AppState,
    form: &mut Multipart,
    csrf: Option<&str>,
    upload: &mut Upload,
) -> Result<(), ApiError> {
    let forged =
        || ApiError::Forbidden("the form's CSRF token is missing or stale; reload the page".into());
    let mut checked = false;
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(None, format!("the multipart body is malformed: {e}")))?
    {
        match field.name() {
            Some("csrf_token") if csrf.is_some() => {
                let sent = crate::limits::read_text_part(&mut field, "csrf_token").await?;
                if Some(sent.as_str()) != csrf {
                    return Err(forged());
                }
                checked = true;
            }
            Some("description") => {
                upload.description =
                    Some(crate::limits::read_text_part(&mut field, "description").await?);
            }
            Some("file") => {
                if csrf.is_some() && !checked {
                    return Err(forged());
                }
                if upload.content.is_some() {
                    return Err(ApiError::invalid("file", "send one file per upload"));
                }
                let filename = field
                    .file_name()
                    .map(str::to_string)
                    .filter(|name| !name.is_empty())
                    .ok_or_else(|| {
                        ApiError::invalid("file", "the part has no file name: choose a file")
                    })?;
                crate::limits::check_text("filename", &filename)?;
                let media_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_string();
                let mut writer = state.blobs.writer()?;
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    ApiError::bad_request(Some("file"), format!("the upload broke off: {e}"))
                })? {
                    writer
                        .write_all(&chunk)
                        .map_err(|e| ApiError::Internal(format!("cannot write the upload: {e}")))?;
                }
                upload.content = Some((writer, filename, media_type));
            }
            Some(other) => {
                return Err(ApiError::invalid(
                    other,
                    "unknown part; send `file` and `description`",
                ));
            }
            None => return Err(ApiError::invalid("body", "a part has no name")),
        }
    }
    if csrf.is_some() && !checked {
        return Err(forged());
    }
    Ok(())
}

/// Makes a read upload durable and records it as the incident's evidence.
pub async fn store_upload(
    state: &AppState,
    actor: &str,
    number: u64,
    upload: Upload,
) -> Result<Evidence, ApiError> {
    let (writer, filename, media_type) = upload
        .content
        .ok_or_else(|| ApiError::invalid("file", "is required"))?;
    let description = upload
        .description
        .ok_or_else(|| ApiError::invalid("description", "is required"))?;
    // Durable before it is acknowledged: fsync and rename happen off the workers.
    let stored = tokio::task::spawn_blocking(move || writer.finish())
        .await
        .map_err(|e| ApiError::Internal(format!("storing the upload failed: {e}")))??;
    let actor = actor.to_string();
    state
        .run(move |store| {
            let new = NewEvidence {
                sha256: stored.sha256,
                size: stored.size,
                filename,
                media_type,
                description,
            };
            store.add_evidence(number, new, &actor, now())
        })
        .await
}

/// Records `bytes` Firebreak made itself (a rendered response pack) as the
/// incident's evidence, as an upload of them would be.
pub async fn store_bytes(
    state: &AppState,
    actor: &str,
    number: u64,
    (filename, media_type): (&str, &str),
    description: String,
    bytes: Vec<u8>,
) -> Result<Evidence, ApiError> {
    let mut writer = state.blobs.writer()?;
    writer
        .write_all(&bytes)
        .map_err(|e| ApiError::Internal(format!("cannot write {filename}: {e}")))?;
    let upload = Upload {
        description: Some(description),
        content: Some((writer, filename.to_string(), media_type.to_string())),
    };
    store_upload(state, actor, number, upload).await
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/evidence", tag = "evidence",
    params(("id" = String, Path, description = "INC-<n>")),
    params(PageQuery),
    responses((status = 200, body = Vec<Evidence>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<Evidence>, ApiError> {
    let number = incident_number(&id)?;
    let items = state
        .run(move |store| store.incident_evidence(number))
        .await?;
    page.page(items, &uri)
}

#[utoipa::path(get, path = "/api/v1/evidence/{ev}", tag = "evidence",
    params(("ev" = String, Path, description = "EV-<n>")),
    responses((status = 200, body = EvidenceView), (status = 404, body = Problem)))]
pub async fn show(
    _caller: Viewer,
    State(state): State<AppState>,
    Path(ev): Path<String>,
) -> Result<ApiJson<EvidenceView>, ApiError> {
    let view = state
        .run(move |store| {
            let evidence = store.evidence(&ev)?;
            let custody = store.events(&evidence_stream(&evidence.id))?;
            Ok(EvidenceView { evidence, custody })
        })
        .await?;
    Ok(ApiJson(view))
}

#[utoipa::path(get, path = "/api/v1/evidence/{ev}/content", tag = "evidence",
    params(("ev" = String, Path, description = "EV-<n>")),
    responses((status = 200, description = "The content, streamed; the access is a custody event", content_type = "application/octet-stream"),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn content(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    Path(ev): Path<String>,
) -> Result<Response, ApiError> {
    let actor = caller.name().to_string();
    let item = state
        .run(move |store| store.evidence_custody(&ev, CustodyAction::Viewed, &actor, now()))
        .await?;
    if item.disposed_at.is_some() {
        return Err(ApiError::Conflict {
            message: format!("{} was disposed of; its content is gone", item.id),
            allowed: Vec::new(),
        });
    }
    let mut reader = state.blobs.open_verified(&item.sha256, item.size)?;
    let (sender, body) = byte_channel();
    let (watcher, sha256) = (state.clone(), item.sha256.clone());
    tokio::task::spawn_blocking(move || {
        if let Sent::Damaged(problem) = send_all(&sender, &mut reader) {
            record_damage_blocking(&watcher, &sha256, &problem);
        }
    });
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(item.size));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&item.media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        item.filename.replace('"', "")
    )) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&format!("\"sha256:{}\"", item.sha256))
            .map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub recipient: String,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/evidence/{ev}/transfers", tag = "evidence", request_body = TransferRequest,
    params(("ev" = String, Path, description = "EV-<n>")),
    responses((status = 200, body = Evidence), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transfer(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(ev): Path<String>,
    ApiJson(request): ApiJson<TransferRequest>,
) -> Result<ApiJson<Evidence>, ApiError> {
    let item = record_custody(&state, caller.name(), ev, request.step()).await?;
    Ok(ApiJson(item))
}

impl TransferRequest {
    pub fn step(self) -> CustodyAction {
        CustodyAction::Transferred {
            recipient: self.recipient,
            note: self.note,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalHoldRequest {
    /// Whether the item is to be under legal hold.
    pub on: bool,
    pub reason: String,
}

#[utoipa::path(put, path = "/api/v1/evidence/{ev}/legal-hold", tag = "evidence", request_body = LegalHoldRequest,
    params(("ev" = String, Path, description = "EV-<n>")),
    responses((status = 200, body = Evidence), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn legal_hold(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path(ev): Path<String>,
    ApiJson(request): ApiJson<LegalHoldRequest>,
) -> Result<ApiJson<Evidence>, ApiError> {
    let item = record_custody(&state, caller.name(), ev, request.step()).await?;
    Ok(ApiJson(item))
}

impl LegalHoldRequest {
    pub fn step(self) -> CustodyAction {
        if self.on {
            CustodyAction::LegalHoldOn {
                reason: self.reason,
            }
        } else {
            CustodyAction::LegalHoldOff {
                reason: self.reason,
            }
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisposeRequest {
    pub reason: String,
}

#[utoipa::path(delete, path = "/api/v1/evidence/{ev}", tag = "evidence", request_body = DisposeRequest,
    params(("ev" = String, Path, description = "EV-<n>")),
    responses((status = 200, body = Evidence, description = "Disposed of: the content is removed once nothing else holds it; the record and custody log stay"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "Under legal hold")))]
pub async fn dispose(
    Commander(caller): Commander,
    State(state): State<AppState>,
    Path(ev): Path<String>,
    ApiJson(request): ApiJson<DisposeRequest>,
) -> Result<ApiJson<Evidence>, ApiError> {
    let step = CustodyAction::Disposed {
        reason: request.reason,
    };
    let item = record_custody(&state, caller.name(), ev, step).await?;
    let sha256 = item.sha256.clone();
    if !state
        .run(move |store| store.content_in_use(&sha256))
        .await?
    {
        state.blobs.remove(&item.sha256)?;
    }
    Ok(ApiJson(item))
}

/// Records one custody step of item `ev`: the workflow behind the API's
/// custody routes and the incident page's evidence forms.
pub async fn record_custody(
    state: &AppState,
    actor: &str,
    ev: String,
    step: CustodyAction,
) -> Result<Evidence, ApiError> {
    let actor = actor.to_string();
    state
        .run(move |store| store.evidence_custody(&ev, step, &actor, now()))
        .await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleRequest {
    /// Why the bundle is made, e.g. "response to the regulator's inquiry";
    /// recorded as each item's export.
    pub purpose: String,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/evidence/bundle", tag = "evidence", request_body = BundleRequest,
    params(("id" = String, Path, description = "INC-<n>")),
    responses((status = 200, description = "A tar archive: manifest.json, manifest.json.sig (ed25519, hex) and artifacts/…, streamed", content_type = "application/x-tar"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn bundle(
    Responder(caller): Responder,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<BundleRequest>,
) -> Result<Response, ApiError> {
    let number = incident_number(&id)?;
    signed_bundle(&state, caller.name(), number, &request.purpose).await
}

type Chunk = Result<Bytes, std::io::Error>;

/// A response body fed from a blocking task, a few chunks at a time, so a
/// file of several GiB streams with bounded memory.
fn byte_channel() -> (mpsc::Sender<Chunk>, Body) {
    let (sender, receiver) = mpsc::channel::<Chunk>(8);
    (
        sender,
        Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(receiver)),
    )
}

const CHUNK: usize = 256 * 1024;

/// How sending a reader ended.
enum Sent {
    All(u64),
    /// The client went away, or reading failed; the error ended the body.
    Stopped,
    /// The stored content no longer matches its address; the body was cut
    /// off before its last bytes.
    Damaged(String),
}

/// Sends `reader` in chunks.
fn send_all(sender: &mpsc::Sender<Chunk>, reader: &mut impl Read) -> Sent {
    let mut sent = 0;
    loop {
        let mut buffer = vec![0u8; CHUNK];
        match reader.read(&mut buffer) {
            Ok(0) => return Sent::All(sent),
            Ok(n) => {
                buffer.truncate(n);
                if sender.blocking_send(Ok(Bytes::from(buffer))).is_err() {
                    return Sent::Stopped;
                }
                sent += n as u64;
            }
            Err(error) => {
                let damage = firebreak_store::is_damage(&error).then(|| error.to_string());
                let _ = sender.blocking_send(Err(error));
                return damage.map_or(Sent::Stopped, Sent::Damaged);
            }
        }
    }
}

/// What a blob check found wrong, if anything.
pub fn damage(state: &BlobState) -> Option<String> {
    match state {
        BlobState::Intact => None,
        BlobState::Missing => Some("is missing".into()),
        BlobState::Changed(actual) => Some(format!("now hashes to {actual} (altered)")),
        BlobState::Unreadable(why) => Some(format!("cannot be read: {why}")),
    }
}

/// Records damaged content on its items' chains and incidents' timelines.
pub async fn record_damage(state: &AppState, sha256: String, problem: String) {
    let watcher = state.clone();
    let recorded =
        tokio::task::spawn_blocking(move || record_damage_blocking(&watcher, &sha256, &problem));
    let _ = recorded.await;
}

fn record_damage_blocking(state: &AppState, sha256: &str, problem: &str) {
    tracing::error!(%sha256, %problem, "stored evidence no longer matches its SHA-256");
    if let Err(error) = state.store.record_damaged_content(sha256, problem, now()) {
        tracing::error!(%error, "cannot record damaged evidence on the timeline");
    }
}
