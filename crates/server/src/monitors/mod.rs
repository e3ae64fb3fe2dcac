//! Running monitors on the one scheduler (D25): each due monitor reads its
//! next window past the stored watermark, checks it, and records the run
//! with its new status and alerts in one store transaction (D27). One run
//! at a time per monitor on this server (`Running`), a few monitors at once
//! (one per core), and the store refuses a run whose starting watermark
//! another run already moved, so no window is checked twice.

pub mod changes;
pub mod check;
pub mod exposition;
pub mod glob;
pub mod source;
mod validate;

pub use validate::check_files;

use crate::error::ApiError;
use crate::state::{AppState, now};
use firebreak_core::alert::{AlertStatus, IncomingAlert};
use firebreak_core::evidence::NewEvidence;
use firebreak_core::monitor::{
    AlertIntent, AlertKind, Checked, Monitor, MonitorRun, MonitorState, RETRIES, RunResult,
    Verdict, evaluate,
};
use firebreak_forensics::AnalysisResult;
use firebreak_store::{MonitorRecord, MonitorRecorded};
use jiff::Timestamp;
use serde_json::json;
use source::{Reader, Window};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// The monitors this server is running now, and how many may run at once.
pub struct Running {
    names: Mutex<HashSet<String>>,
    slots: Arc<Semaphore>,
}

impl Default for Running {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Running {
            names: Mutex::new(HashSet::new()),
            slots: Arc::new(Semaphore::new(cores)),
        }
    }
}

/// A monitor claimed for one run; released when dropped.
pub struct Claim {
    running: Arc<Running>,
    name: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut names = self.running.names.lock().unwrap_or_else(|p| p.into_inner());
        names.remove(&self.name);
    }
}

impl Running {
    /// Claims `name`, unless a run of it is under way.
    pub fn claim(self: &Arc<Self>, name: &str) -> Option<Claim> {
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        names.insert(name.to_string()).then(|| Claim {
            running: self.clone(),
            name: name.to_string(),
        })
    }
}

/// Starts a run of every monitor due now that is not already running.
pub async fn run_due(state: &AppState) {
    let monitors = match state.run(|store| store.monitors(None)).await {
        Ok(monitors) => monitors,
        Err(error) => {
            tracing::error!(%error, "cannot list monitors");
            return;
        }
    };
    let at = now();
    for monitor in monitors {
        if monitor.status.paused || monitor.status.next_due > at {
            continue;
        }
        let Some(claim) = state.monitor_runs.claim(&monitor.definition.name) else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let _claim = claim;
            let name = monitor.definition.name.clone();
            if let Err(error) = run_once(&state, monitor).await {
                tracing::error!(monitor = %name, %error, "monitor run not recorded");
            }
        });
    }
}

/// The known systems, for checking a definition's routing.
async fn systems(state: &AppState) -> Result<Vec<String>, ApiError> {
    let systems = state.run(|store| store.list_systems()).await?;
    Ok(systems.into_iter().map(|s| s.slug).collect())
}

/// What reading and checking the next window gave.
struct Checking {
    result: RunResult,
    window: Option<Window>,
    metrics: BTreeMap<String, f64>,
    reference_metrics: BTreeMap<String, f64>,
    analysis: Option<AnalysisResult>,
}

/// Reads and checks the next window of `monitor` (blocking work).
fn check_next(monitor: &Monitor, checked: &Checked, at: Timestamp) -> Checking {
    let definition = &monitor.definition;
    let reader = Reader {
        definition,
        label_delay: checked.label_delay,
        now: at,
    };
    let failed = |error: String| Checking {
        result: RunResult::Failed(error),
        window: None,
        metrics: BTreeMap::new(),
        reference_metrics: BTreeMap::new(),
        analysis: None,
    };
    let window = match reader.next_window(monitor.status.watermark.as_deref()) {
        Ok(Some(window)) => window,
        Ok(None) => {
            return Checking {
                result: RunResult::NoNewData,
                ..failed(String::new())
            };
        }
        Err(error) => return failed(error.to_string()),
    };
    match check_window(definition, checked, &window, at) {
        Ok((verdict, metrics, reference_metrics, analysis)) => Checking {
            result: RunResult::Window {
                window: window.name.clone(),
                watermark: window.watermark.clone(),
                verdict,
            },
            window: Some(window),
            metrics,
            reference_metrics,
            analysis,
        },
        Err(error) => failed(error.to_string()),
    }
}

/// A window's verdict, its metrics, the reference's, and the analysis.
pub type WindowCheck = (
    Verdict,
    BTreeMap<String, f64>,
    BTreeMap<String, f64>,
    Option<AnalysisResult>,
);

/// The verdict on one window, its metrics and the reference's.
pub fn check_window(
    definition: &firebreak_core::monitor::MonitorDefinition,
    checked: &Checked,
    window: &Window,
    at: Timestamp,
) -> Result<WindowCheck, source::SourceError> {
    if let Some(reference) = &window.reference
        && reference.row_count == 0
    {
        return Ok((
            Verdict::InsufficientData("the reference has no rows".into()),
            BTreeMap::from([("rows".to_string(), window.current.row_count as f64)]),
            BTreeMap::new(),
            None,
        ));
    }
    let (mut metrics, analysis) = check::run(
        &definition.check,
        &window.current,
        window.reference.as_ref(),
    )?;
    if let Some(newest) = window.newest {
        metrics.insert(
            "freshness_seconds".into(),
            at.duration_since(newest).as_secs_f64().max(0.0),
        );
    }
    let reference_metrics = match &window.reference {
        Some(reference) if check::compares_alone(&definition.check) => {
            check::run(&definition.check, reference, None)?.0
        }
        _ => BTreeMap::new(),
    };
    let verdict = evaluate(
        &checked.thresholds,
        definition.min_rows,
        window.current.row_count as u64,
        &metrics,
        &reference_metrics,
    );
    Ok((verdict, metrics, reference_metrics, analysis))
}

fn alert_of(monitor: &Monitor, intent: &AlertIntent, at: Timestamp) -> IncomingAlert {
    let definition = &monitor.definition;
    let (kind, dedup_key, status, summary, description) = match intent {
        AlertIntent::Fire {
            kind,
            dedup_key,
            summary,
            description,
        } => (
            *kind,
            dedup_key,
            AlertStatus::Firing,
            summary.clone(),
            description,
        ),
        AlertIntent::Resolve {
            kind,
            dedup_key,
            description,
        } => (
            *kind,
            dedup_key,
            AlertStatus::Resolved,
            format!("Monitor {} recovered", definition.name),
            description,
        ),
    };
    IncomingAlert {
        source: firebreak_core::alert::AlertSource::Monitor,
        dedup_key: dedup_key.clone(),
        status,
        summary,
        severity: definition.severity,
        labels: definition.labels(kind),
        annotations: BTreeMap::from([("description".to_string(), description.clone())]),
        starts_at: Some(at),
        ends_at: (status == AlertStatus::Resolved).then_some(at),
        generator_url: Some(format!("/api/v1/monitors/{}", definition.name)),
    }
}

/// Puts the window's files and the analysis in the blob store, for the
/// evidence and the finding of a new breach.
fn keep_inputs(
    state: &AppState,
    monitor: &Monitor,
    checking: &Checking,
    run: &MonitorRun,
) -> Result<(Vec<NewEvidence>, serde_json::Value), ApiError> {
    let window = checking.window.as_ref().expect("a breach has a window");
    let mut evidence = Vec::new();
    for (path, input) in &window.inputs {
        let mut file = std::fs::File::open(path)
            .map_err(|e| ApiError::Internal(format!("cannot read {}: {e}", path.display())))?;
        let stored = state.blobs.put(&mut file)?;
        let base = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let parent = path
            .parent()
            .and_then(|p| p.file_name())
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let filename = format!("{parent}_{base}")
            .trim_start_matches('_')
            .replace(['/', '\\'], "_");
        let media_type = if base.to_ascii_lowercase().ends_with(".csv") {
            "text/csv"
        } else {
            "application/vnd.apache.parquet"
        };
        evidence.push(NewEvidence {
            sha256: stored.sha256,
            size: stored.size,
            filename,
            media_type: media_type.to_string(),
            description: format!(
                "monitor {} {} input {} (window {})",
                monitor.definition.name, input.role, input.path, window.name
            ),
        });
    }
    let result = json!({
        "monitor": monitor.definition.name,
        "window": window.name,
        "metrics": run.metrics,
        "reference_metrics": run.reference_metrics,
        "breaches": run.breaches,
        "analysis": checking.analysis,
    });
    let bytes = serde_json::to_vec(&result)
        .map_err(|e| ApiError::Internal(format!("the result does not serialise: {e}")))?;
    let stored = state.blobs.put(&mut &bytes[..])?;
    let breaches: Vec<String> = run
        .breaches
        .iter()
        .map(|b| format!("{} = {:.4}", b.metric, b.value))
        .collect();
    let finding = json!({
        "text": format!(
            "Monitor {} breached on {}: {} ({} rows)",
            monitor.definition.name, window.name, breaches.join(", "),
            window.current.row_count
        ),
        "analysis": format!("monitor:{}", monitor.definition.check.name()),
        "monitor": monitor.definition.name,
        "window": window.name,
        "result_sha256": stored.sha256,
        "result_size": stored.size,
    });
    Ok((evidence, finding))
}

/// Runs `monitor` once if it has something to check, and records the run.
pub async fn run_once(state: &AppState, monitor: Monitor) -> Result<MonitorRecorded, ApiError> {
    let _slot = state
        .monitor_runs
        .slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let checked = monitor.definition.check(&systems(state).await?)?;
    let started_at = now();
    let (monitor, checked, checking) = {
        let monitor = monitor.clone();
        tokio::task::spawn_blocking(move || {
            let checking = check_next(&monitor, &checked, started_at);
            (monitor, checked, checking)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("the monitor run failed: {e}")))?
    };
    let at = now();
    let (status, intents) = firebreak_core::monitor::advance(
        &monitor.definition,
        &checked,
        &monitor.status,
        &checking.result,
        at,
    );
    let run = match &checking.result {
        RunResult::Window {
            window,
            watermark,
            verdict,
        } => Some(MonitorRun {
            seq: 0,
            monitor: monitor.definition.name.clone(),
            started_at,
            finished_at: at,
            window: Some(window.clone()),
            watermark: Some(watermark.clone()),
            state: match verdict {
                Verdict::Ok => MonitorState::Ok,
                Verdict::Breached(_) => MonitorState::Breached,
                Verdict::InsufficientData(_) => MonitorState::InsufficientData,
            },
            metrics: checking.metrics.clone(),
            reference_metrics: checking.reference_metrics.clone(),
            breaches: match verdict {
                Verdict::Breached(b) => b.clone(),
                _ => vec![],
            },
            note: match verdict {
                Verdict::InsufficientData(why) => Some(why.clone()),
                _ => None,
            },
            inputs: checking
                .window
                .as_ref()
                .map(|w| w.inputs.iter().map(|(_, i)| i.clone()).collect())
                .unwrap_or_default(),
            alert: None,
            incident: None,
        }),
        RunResult::Failed(error) => {
            tracing::warn!(monitor = %monitor.definition.name, attempt = status.failures, %error, "monitor run failed");
            (status.failures > RETRIES).then(|| MonitorRun {
                seq: 0,
                monitor: monitor.definition.name.clone(),
                started_at,
                finished_at: at,
                window: None,
                watermark: monitor.status.watermark.clone(),
                state: MonitorState::Failing,
                metrics: BTreeMap::new(),
                reference_metrics: BTreeMap::new(),
                breaches: vec![],
                note: Some(error.clone()),
                inputs: vec![],
                alert: None,
                incident: None,
            })
        }
        RunResult::NoNewData => None,
    };
    let new_breach = monitor.status.open_breach.is_none()
        && intents.iter().any(|i| {
            matches!(
                i,
                AlertIntent::Fire {
                    kind: AlertKind::Breach,
                    ..
                }
            )
        });
    let (evidence, finding) = match (&run, new_breach) {
        (Some(run), true) => {
            let (state2, monitor2, run2) = (state.clone(), monitor.clone(), run.clone());
            let kept = tokio::task::spawn_blocking(move || {
                keep_inputs(&state2, &monitor2, &checking, &run2)
            })
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
            (kept.0, Some(kept.1))
        }
        _ => (vec![], None),
    };
    let record = MonitorRecord {
        monitor: monitor.definition.name.clone(),
        expected: monitor.status.clone(),
        status,
        run,
        alerts: intents.iter().map(|i| alert_of(&monitor, i, at)).collect(),
        evidence,
        finding,
    };
    state
        .run(move |store| store.record_monitor_run(record, at))
        .await
}
