//! Live pages (D32): an incident page names an event stream that says
//! `changed` whenever the incident's timeline grows, whoever changed it (the
//! CLI, the API, another browser, the scheduler, another server on the same
//! database), and `live.js`, our one small script, fetches the page again
//! and swaps in what differs. Without JavaScript the page is the same and
//! current on reload.

use crate::api::incidents::incident_number;
use crate::auth::Viewer;
use crate::error::{ApiError, ApiQuery};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::wrappers::ReceiverStream;

/// How often a stream looks for new events of its incident: the most a
/// change waits before open pages hear of it.
const POLL: Duration = Duration::from_millis(400);

const SCRIPT: &str = include_str!("live.js");

/// The script, for signed-in pages only (as every route but sign-in).
pub async fn script(_viewer: Viewer) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        SCRIPT,
    )
        .into_response()
}

/// The stream a page at timeline position `seq` of incident `id` listens to.
pub fn stream_url(id: &str, seq: u64) -> String {
    format!("/incidents/{id}/live?after={seq}")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct After {
    after: Option<u64>,
}

/// `changed` (its id the newest timeline position) each time the incident's
/// timeline grows past `after`, or past the `Last-Event-ID` a reconnecting
/// browser sends.
pub async fn incident_stream(
    _viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<After>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let number = incident_number(&id)?;
    let stream = state
        .run(move |store| Ok(store.get_incident(number)?.public_id()))
        .await?;
    let resumed = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let mut seen = resumed.or(query.after).unwrap_or(0);
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(4);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = sender.closed() => return,
                () = tokio::time::sleep(POLL) => {}
            }
            let (lookup, after) = (stream.clone(), seen);
            let newer = match state
                .run(move |store| store.events_page(&lookup, Some(after), 1000))
                .await
            {
                Ok(events) => events,
                Err(_) => continue,
            };
            let Some(newest) = newer.last() else { continue };
            seen = newest.seq;
            let event = Event::default()
                .event("changed")
                .id(seen.to_string())
                .data(seen.to_string());
            if sender.send(Ok(event)).await.is_err() {
                return;
            }
        }
    });
    Ok(Sse::new(ReceiverStream::new(receiver)).keep_alive(KeepAlive::default()))
}
