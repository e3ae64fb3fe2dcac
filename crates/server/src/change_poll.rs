//! The scheduler's MLflow job: each MLflow change source is polled at its
//! own interval; what moved in its registry since the last poll is
//! recorded as changes, with the registry's new state, in one write
//! (`core::change::mlflow` decides). Polling is idempotent: a poll repeated
//! after a restart finds nothing new.

use crate::api::changes::secret_place;
use crate::state::{AppState, now};
use firebreak_core::change::mlflow::{self, RegisteredModel};
use firebreak_core::change::webhook::{DEFAULT_POLL_SECONDS, Provider};
use firebreak_store::StoredChangeSource;
use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// One request's limit: a registry that does not answer in time is tried
/// at the next poll.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Models per page, MLflow's own maximum for this call.
const PAGE_SIZE: u32 = 1_000;
/// The most pages one poll reads.
const MAX_PAGES: usize = 100;

#[derive(Deserialize)]
struct SearchPage {
    #[serde(default)]
    registered_models: Vec<RegisteredModel>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// Polls every MLflow source that is due; `due` holds when each is next.
pub async fn poll_due(state: &AppState, due: &mut HashMap<String, Instant>) {
    let sources = match state.run(|store| store.change_sources()).await {
        Ok(sources) => sources,
        Err(error) => {
            tracing::error!(%error, "cannot read the change sources");
            return;
        }
    };
    let at = Instant::now();
    due.retain(|slug, _| sources.iter().any(|s| &s.source.slug == slug));
    for stored in sources
        .into_iter()
        .filter(|s| s.source.provider == Provider::Mlflow)
    {
        let slug = stored.source.slug.clone();
        if due.get(&slug).is_some_and(|next| *next > at) {
            continue;
        }
        let every = stored.source.poll_seconds.unwrap_or(DEFAULT_POLL_SECONDS);
        due.insert(slug.clone(), at + Duration::from_secs(u64::from(every)));
        match poll(state, stored).await {
            Ok(0) => {}
            Ok(recorded) => tracing::info!(source = %slug, recorded, "MLflow changes recorded"),
            Err(error) => tracing::warn!(source = %slug, %error, "cannot poll the MLflow registry"),
        }
    }
}

/// Reads the whole registry and records what moved; answers how many
/// changes were recorded.
async fn poll(state: &AppState, stored: StoredChangeSource) -> Result<usize, String> {
    let slug = stored.source.slug.clone();
    let token = if stored.sealed_secret.is_empty() {
        None
    } else {
        Some(
            state
                .secrets
                .open(&stored.sealed_secret, &secret_place(&slug))
                .map_err(|e| format!("its token cannot be opened: {e}"))?,
        )
    };
    let base = stored
        .source
        .url
        .as_deref()
        .ok_or("no url")?
        .trim_end_matches('/')
        .to_string();
    let mut models = Vec::new();
    let mut page_token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut request = state
            .http
            .get(format!("{base}/api/2.0/mlflow/registered-models/search"))
            .query(&[("max_results", PAGE_SIZE.to_string())])
            .timeout(TIMEOUT);
        if let Some(next) = &page_token {
            request = request.query(&[("page_token", next)]);
        }
        if let Some(token) = &token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(format!(
                "the registry answered {status}: {}",
                body.chars().take(300).collect::<String>()
            ));
        }
        let page: SearchPage = response
            .json()
            .await
            .map_err(|e| format!("the registry's answer is not a model search: {e}"))?;
        models.extend(page.registered_models);
        page_token = page.next_page_token.filter(|t| !t.is_empty());
        if page_token.is_none() {
            break;
        }
    }
    let at = now();
    let (changes, registry) = mlflow::poll(&stored.source, &models, &stored.registry, at);
    if changes.is_empty() && registry == stored.registry {
        return Ok(0);
    }
    let recorded = state
        .run(move |store| store.record_poll(&slug, changes, registry, at))
        .await
        .map_err(|e| e.to_string())?;
    Ok(recorded.len())
}
