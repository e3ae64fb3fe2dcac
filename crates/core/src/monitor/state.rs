//! What a run does to a monitor: its state, its watermark, its next due
//! time, and the alerts it fires or resolves. Pure: the caller stores the new
//! status with the run and sends the alert intents through ingest in the same
//! transaction.

use super::threshold::{Breach, Threshold};
use super::{Checked, MonitorDefinition};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Failed attempts retried before the monitor is reported failing.
pub const RETRIES: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonitorState {
    /// Not run yet.
    Pending,
    Ok,
    Breached,
    InsufficientData,
    /// The source stopped producing data.
    Silent,
    /// Runs keep failing.
    Failing,
}

impl MonitorState {
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorState::Pending => "pending",
            MonitorState::Ok => "ok",
            MonitorState::Breached => "breached",
            MonitorState::InsufficientData => "insufficient_data",
            MonitorState::Silent => "silent",
            MonitorState::Failing => "failing",
        }
    }

    pub const ALL: [MonitorState; 6] = [
        MonitorState::Pending,
        MonitorState::Ok,
        MonitorState::Breached,
        MonitorState::InsufficientData,
        MonitorState::Silent,
        MonitorState::Failing,
    ];
}

/// Where a monitor stands, stored with it and changed only with a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MonitorStatus {
    pub state: MonitorState,
    pub paused: bool,
    /// The last window checked: a partition's name, or a growing file's
    /// newest timestamp checked (RFC 3339). Nothing at or before it is read
    /// again.
    pub watermark: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub next_due: Timestamp,
    /// When a window last had rows (or the monitor was created).
    #[schema(value_type = String, format = DateTime)]
    pub last_data_at: Timestamp,
    pub failures: u32,
    /// Clean windows since the open breach alert's last breach.
    pub clean_runs: u32,
    /// The dedup key of the open breach alert, and of the open silence alert.
    pub open_breach: Option<String>,
    pub open_silence: Option<String>,
    /// How many runs are stored.
    pub runs: u64,
}

impl MonitorStatus {
    pub fn new(now: Timestamp) -> MonitorStatus {
        MonitorStatus {
            state: MonitorState::Pending,
            paused: false,
            watermark: None,
            next_due: now,
            last_data_at: now,
            failures: 0,
            clean_runs: 0,
            open_breach: None,
            open_silence: None,
            runs: 0,
        }
    }
}

/// What one window's metrics say.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Ok,
    Breached(Vec<Breach>),
    /// Too few rows, or a metric the thresholds need is undefined here.
    InsufficientData(String),
}

/// Holds the metrics of a window to the thresholds.
pub fn evaluate(
    thresholds: &[Threshold],
    min_rows: u64,
    rows: u64,
    metrics: &BTreeMap<String, f64>,
    reference: &BTreeMap<String, f64>,
) -> Verdict {
    if rows < min_rows {
        return Verdict::InsufficientData(format!(
            "{rows} rows in the window, fewer than min_rows = {min_rows}"
        ));
    }
    let mut breaches = Vec::new();
    for threshold in thresholds {
        let Some(&value) = metrics.get(&threshold.metric) else {
            return Verdict::InsufficientData(format!(
                "`{}` is not defined on this window",
                threshold.metric
            ));
        };
        let reference_value = reference.get(&threshold.metric).copied();
        if threshold.holds(value, reference_value) {
            breaches.push(Breach {
                threshold: threshold.text.clone(),
                metric: threshold.metric.clone(),
                value,
                reference: reference_value,
            });
        }
    }
    if breaches.is_empty() {
        Verdict::Ok
    } else {
        Verdict::Breached(breaches)
    }
}

/// What happened when the monitor came due.
#[derive(Debug, Clone, PartialEq)]
pub enum RunResult {
    /// A window was checked; the watermark moves to `watermark`.
    Window {
        window: String,
        watermark: String,
        verdict: Verdict,
    },
    /// Nothing new since the watermark.
    NoNewData,
    /// The attempt failed (a corrupt file, a missing column).
    Failed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Breach,
    /// The source stopped producing data, or runs keep failing.
    Silent,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Breach => "breach",
            AlertKind::Silent => "silent",
        }
    }
}

/// An alert to send through ingest (source `monitor`).
#[derive(Debug, Clone, PartialEq)]
pub enum AlertIntent {
    Fire {
        kind: AlertKind,
        dedup_key: String,
        summary: String,
        description: String,
    },
    Resolve {
        kind: AlertKind,
        dedup_key: String,
        description: String,
    },
}

fn dedup_key(definition: &MonitorDefinition, kind: AlertKind, since: &str) -> String {
    format!("monitor:{}:{}@{since}", definition.name, kind.as_str())
}

fn describe(breaches: &[Breach]) -> String {
    breaches
        .iter()
        .map(|b| match b.reference {
            Some(r) => format!(
                "{} ({} = {:.4}, reference {:.4})",
                b.threshold, b.metric, b.value, r
            ),
            None => format!("{} ({} = {:.4})", b.threshold, b.metric, b.value),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The monitor's status after `result`, and the alerts to fire or resolve.
pub fn advance(
    definition: &MonitorDefinition,
    checked: &Checked,
    status: &MonitorStatus,
    result: &RunResult,
    now: Timestamp,
) -> (MonitorStatus, Vec<AlertIntent>) {
    let mut next = status.clone();
    let mut intents = Vec::new();
    next.next_due = checked.schedule.next_after(now);
    let mut end_silence = |next: &mut MonitorStatus, why: &str| {
        if let Some(key) = next.open_silence.take() {
            intents.push(AlertIntent::Resolve {
                kind: AlertKind::Silent,
                dedup_key: key,
                description: why.to_string(),
            });
        }
    };
    match result {
        RunResult::Window {
            window,
            watermark,
            verdict,
        } => {
            next.watermark = Some(watermark.clone());
            next.failures = 0;
            next.last_data_at = now;
            // More windows may be waiting: come back at once.
            next.next_due = now;
            end_silence(&mut next, &format!("new data in {window}"));
            match verdict {
                Verdict::Breached(breaches) => {
                    next.state = MonitorState::Breached;
                    next.clean_runs = 0;
                    let key = next
                        .open_breach
                        .get_or_insert_with(|| dedup_key(definition, AlertKind::Breach, window))
                        .clone();
                    intents.push(AlertIntent::Fire {
                        kind: AlertKind::Breach,
                        dedup_key: key,
                        summary: format!(
                            "Monitor {} breached on {}: {}",
                            definition.name,
                            window,
                            breaches
                                .iter()
                                .map(|b| b.threshold.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        description: format!("window {window}: {}", describe(breaches)),
                    });
                }
                Verdict::Ok => match next.open_breach.clone() {
                    Some(key) => {
                        next.clean_runs += 1;
                        if next.clean_runs >= definition.recover_after {
                            next.open_breach = None;
                            next.clean_runs = 0;
                            next.state = MonitorState::Ok;
                            intents.push(AlertIntent::Resolve {
                                kind: AlertKind::Breach,
                                dedup_key: key,
                                description: format!(
                                    "recovered: {} clean window(s) in a row, the last {window}",
                                    definition.recover_after
                                ),
                            });
                        } else {
                            next.state = MonitorState::Breached;
                        }
                    }
                    None => next.state = MonitorState::Ok,
                },
                Verdict::InsufficientData(_) => next.state = MonitorState::InsufficientData,
            }
        }
        RunResult::NoNewData => {
            if next.state == MonitorState::Failing {
                // Nothing to read means nothing failed this time.
                next.failures = 0;
                next.state = MonitorState::Pending;
                end_silence(&mut next, "the source reads again");
            }
            let quiet = now.duration_since(next.last_data_at);
            if quiet >= checked.silent_after && next.open_silence.is_none() {
                next.state = MonitorState::Silent;
                let since = next.last_data_at.to_string();
                let key = dedup_key(definition, AlertKind::Silent, &since);
                next.open_silence = Some(key.clone());
                intents.push(AlertIntent::Fire {
                    kind: AlertKind::Silent,
                    dedup_key: key,
                    summary: format!(
                        "Silent monitor {}: no new data since {since}",
                        definition.name
                    ),
                    description: format!(
                        "the source {} produced no new data for {:#}, longer than silent_after",
                        definition.source.path, quiet
                    ),
                });
            }
        }
        RunResult::Failed(error) => {
            next.failures += 1;
            if next.failures <= RETRIES {
                // Retried soon, before the schedule's next time.
                let retry = now
                    .saturating_add(jiff::SignedDuration::from_secs(i64::from(next.failures)))
                    .unwrap_or(now);
                next.next_due = retry.min(next.next_due);
            } else {
                next.state = MonitorState::Failing;
                if next.open_silence.is_none() {
                    let key = dedup_key(definition, AlertKind::Silent, &now.to_string());
                    next.open_silence = Some(key.clone());
                    intents.push(AlertIntent::Fire {
                        kind: AlertKind::Silent,
                        dedup_key: key,
                        summary: format!("Silent monitor {}: its runs fail", definition.name),
                        description: format!(
                            "{} attempts failed; the last: {error}",
                            next.failures
                        ),
                    });
                }
            }
        }
    }
    (next, intents)
}
