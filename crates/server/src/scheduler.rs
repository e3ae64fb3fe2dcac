//! The one scheduler (D25): every periodic job of a server runs here, on its
//! own cadence. Each job's progress lives in the store (the log size the
//! newest checkpoint covers, the clock warnings already sent, the outbox's
//! next attempts, each escalation's steps sent and next due time, each
//! monitor's watermark, each ticket's last seen state), so a restart neither skips nor repeats work. Of the
//! servers sharing one PostgreSQL database only the leader runs them
//! (`Store::lead`); another takes over within a tick of its death.

use crate::state::{AppState, now};
use firebreak_core::verify::BlobState;
use std::time::Duration;
use tokio::time::Instant;

/// How often each job runs.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// A checkpoint while anything was recorded since the last one.
    pub checkpoint: Duration,
    /// The regulatory clocks' 50 %, 80 % and overdue warnings, and the
    /// monitor checks of finished actions.
    pub clocks: Duration,
    /// Reading the tickets action items are tracked by.
    pub tickets: Duration,
    /// Re-hashing every evidence item's content; None never scrubs.
    pub scrub: Option<Duration>,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            checkpoint: Duration::from_secs(10),
            clocks: Duration::from_secs(30),
            tickets: Duration::from_secs(300),
            scrub: Some(Duration::from_secs(24 * 3600)),
        }
    }
}

/// The outbox is looked at this often; due messages go out at once.
const TICK: Duration = Duration::from_millis(500);

pub async fn run(state: AppState, schedule: Schedule) {
    let start = Instant::now();
    let mut next_checkpoint = start + schedule.checkpoint;
    let mut next_clocks = start;
    let mut next_tickets = start;
    let mut next_scrub = schedule.scrub.map(|every| start + every);
    let mut scrubbing: Option<tokio::task::JoinHandle<()>> = None;
    let mut tick = tokio::time::interval(TICK);
    let mut leading = false;
    let mut mlflow_due = std::collections::HashMap::new();
    loop {
        tick.tick().await;
        let leads = match state.run(|store| store.lead()).await {
            Ok(leads) => leads,
            Err(error) => {
                tracing::warn!(%error, "cannot tell whether this server leads periodic work");
                false
            }
        };
        if leads != leading {
            leading = leads;
            tracing::info!(leading, "periodic work leadership changed");
        }
        if !leading {
            continue;
        }
        let at = Instant::now();
        if at >= next_checkpoint {
            next_checkpoint = at + schedule.checkpoint;
            if let Err(error) = state.checkpoint("periodic".into(), false).await {
                tracing::error!(%error, "periodic checkpoint failed");
            }
        }
        if at >= next_clocks {
            next_clocks = at + schedule.clocks;
            if let Err(error) = crate::api::deadlines::check_clocks(&state).await {
                tracing::error!(%error, "checking regulatory clocks failed");
            }
            if let Err(error) = crate::api::postmortems::verify_due(&state).await {
                tracing::error!(%error, "verifying finished actions failed");
            }
        }
        if at >= next_tickets {
            next_tickets = at + schedule.tickets;
            crate::tickets::poll_due(&state).await;
        }
        crate::paging::escalate_due(&state).await;
        crate::outbox::deliver_due(&state).await;
        crate::monitors::run_due(&state).await;
        crate::change_poll::poll_due(&state, &mut mlflow_due).await;
        if let (Some(due), Some(every)) = (next_scrub, schedule.scrub)
            && at >= due
            && scrubbing.as_ref().is_none_or(|job| job.is_finished())
        {
            next_scrub = Some(at + every);
            scrubbing = Some(tokio::spawn(scrub(state.clone())));
        }
    }
}

/// Re-hashes every evidence item's content and records what no longer
/// matches on the items' chains and their incidents' timelines.
pub async fn scrub(state: AppState) {
    let contents = match state.run(|store| store.live_content()).await {
        Ok(contents) => contents,
        Err(error) => {
            tracing::error!(%error, "the evidence scrub cannot list content");
            return;
        }
    };
    for sha256 in contents {
        let blobs = state.blobs.clone();
        let address = sha256.clone();
        let verdict = tokio::task::spawn_blocking(move || blobs.check(&address)).await;
        // An object store out of reach says nothing about the content: stop
        // here and look again next round rather than mark every item damaged.
        if let (Ok(BlobState::Unreadable(why)), Some(remote)) = (&verdict, state.blobs.remote()) {
            tracing::warn!(location = remote.location(), %why, "evidence scrub stopped: the evidence store cannot be read");
            return;
        }
        let Some(problem) = verdict.ok().and_then(|v| crate::api::evidence::damage(&v)) else {
            continue;
        };
        tracing::error!(%sha256, %problem, "evidence content damaged");
        crate::api::evidence::record_damage(&state, sha256, problem).await;
    }
    tracing::info!(at = %now(), "evidence scrub finished");
}
