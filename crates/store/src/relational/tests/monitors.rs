//! Monitors and their runs, on every backend.

use super::*;
use crate::{MonitorRecord, StoreError};
use firebreak_core::alert::{AlertSource, AlertStatus, IncomingAlert};
use firebreak_core::evidence::NewEvidence;
use firebreak_core::monitor::{
    Monitor, MonitorDefinition, MonitorRun, MonitorState, MonitorStatus,
};
use std::collections::BTreeMap;

fn definition(name: &str) -> MonitorDefinition {
    serde_json::from_value(json!({
        "name": name,
        "system": "scoring",
        "source": {"path": "/logs"},
        "check": {"kind": "fairness", "group": ["g"], "label": "y", "prediction": "p"},
        "schedule": "1s",
        "thresholds": ["dpd > 0.1"],
    }))
    .unwrap()
}

fn with_monitor(under: Under) -> Fresh {
    let store = store(under);
    store
        .register_system(
            "scoring",
            details("Scoring", &[]),
            "admin",
            at("2026-03-01T08:00:00Z"),
        )
        .unwrap();
    let now = at("2026-03-01T08:30:00Z");
    for name in ["fairness", "volume"] {
        store
            .create_monitor(&Monitor {
                definition: definition(name),
                status: MonitorStatus::new(now),
                created_at: now,
            })
            .unwrap();
    }
    store
}

fn alert(dedup_key: &str, status: AlertStatus) -> IncomingAlert {
    let d = definition("fairness");
    IncomingAlert {
        source: AlertSource::Monitor,
        dedup_key: dedup_key.into(),
        status,
        summary: "Monitor fairness breached".into(),
        severity: firebreak_core::incident::Severity::Sev2,
        labels: d.labels(firebreak_core::monitor::AlertKind::Breach),
        annotations: BTreeMap::from([("description".to_string(), "dpd 0.3".to_string())]),
        starts_at: None,
        ends_at: None,
        generator_url: None,
    }
}

fn run(window: &str, state: MonitorState) -> MonitorRun {
    MonitorRun {
        seq: 0,
        monitor: "fairness".into(),
        started_at: at("2026-03-01T09:00:00Z"),
        finished_at: at("2026-03-01T09:00:01Z"),
        window: Some(window.into()),
        watermark: Some(window.into()),
        state,
        metrics: BTreeMap::from([("demographic_parity_difference".to_string(), 0.3)]),
        reference_metrics: BTreeMap::new(),
        breaches: vec![],
        note: None,
        inputs: vec![],
        alert: None,
        incident: None,
    }
}

fn record(
    store: &Fresh,
    expected: &MonitorStatus,
    window: &str,
    state: MonitorState,
    alerts: Vec<IncomingAlert>,
) -> Result<crate::MonitorRecorded, StoreError> {
    let mut status = expected.clone();
    status.state = state;
    status.watermark = Some(window.into());
    store.record_monitor_run(
        MonitorRecord {
            monitor: "fairness".into(),
            expected: expected.clone(),
            status,
            run: Some(run(window, state)),
            alerts,
            evidence: vec![NewEvidence {
                sha256: "ab".repeat(32),
                size: 10,
                filename: "part-0.parquet".into(),
                media_type: "application/vnd.apache.parquet".into(),
                description: "monitor input".into(),
            }],
            finding: Some(json!({"text": "dpd 0.3 > 0.1", "analysis": "monitor"})),
        },
        at("2026-03-01T09:00:01Z"),
    )
}

pub(in crate::relational) fn monitors_are_listed_paused_and_deleted(under: Under) {
    let store = with_monitor(under);
    let names: Vec<String> = store
        .monitors(Some("scoring"))
        .unwrap()
        .into_iter()
        .map(|m| m.definition.name)
        .collect();
    assert_eq!(names, ["fairness", "volume"]);
    assert!(store.monitors(Some("other")).unwrap().is_empty());
    let again = Monitor {
        definition: definition("volume"),
        status: MonitorStatus::new(at("2026-03-01T08:30:00Z")),
        created_at: at("2026-03-01T08:30:00Z"),
    };
    assert!(matches!(
        store.create_monitor(&again),
        Err(StoreError::AlreadyExists(_))
    ));
    let paused = store
        .set_monitor_paused("volume", true, at("2026-03-01T09:00:00Z"))
        .unwrap();
    assert!(paused.status.paused);
    let resumed = store
        .set_monitor_paused("volume", false, at("2026-03-01T10:00:00Z"))
        .unwrap();
    assert_eq!(
        (resumed.status.paused, resumed.status.next_due),
        (false, at("2026-03-01T10:00:00Z"))
    );
    store.delete_monitor("volume").unwrap();
    assert!(matches!(
        store.monitor("volume"),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.delete_monitor("volume"),
        Err(StoreError::NotFound(_))
    ));
}

pub(in crate::relational) fn a_breach_declares_with_evidence_and_finding_and_recovery_resolves(
    under: Under,
) {
    let store = with_monitor(under);
    let start = store.monitor("fairness").unwrap().status;
    let key = "monitor:fairness:breach@date=2026-03-01";
    let first = record(
        &store,
        &start,
        "date=2026-03-01",
        MonitorState::Breached,
        vec![alert(key, AlertStatus::Firing)],
    )
    .unwrap();
    assert_eq!(
        first.outcomes[0].declared.as_ref().unwrap().public_id(),
        "INC-1"
    );
    assert_eq!(
        first.outcomes[0]
            .declared
            .as_ref()
            .unwrap()
            .detection_source,
        Some(firebreak_core::incident::DetectionSource::Monitor)
    );
    let stored_run = first.run.clone().unwrap();
    assert_eq!(
        (stored_run.seq, stored_run.incident.as_deref()),
        (1, Some("INC-1"))
    );
    assert_eq!(store.incident_evidence(1).unwrap().len(), 1);
    let events = store.events("INC-1").unwrap();
    let finding = events
        .iter()
        .find(|e| e.kind == EventKind::Finding)
        .unwrap();
    assert_eq!(finding.body["inputs"][0]["evidence"], "EV-1");
    assert_eq!(finding.body["monitor_run"], 1);
    assert_eq!(finding.actor, "monitor:fairness");

    // The same start again is another server's or a restart's repeat: refused.
    let repeat = record(
        &store,
        &start,
        "date=2026-03-01",
        MonitorState::Breached,
        vec![],
    );
    assert!(matches!(
        repeat,
        Err(StoreError::Domain(DomainError::Conflict { .. }))
    ));
    assert_eq!(store.monitor_runs("fairness", 10).unwrap().len(), 1);

    // A second breaching window repeats the alert without new evidence.
    let second = record(
        &store,
        &first.status,
        "date=2026-03-02",
        MonitorState::Breached,
        vec![alert(key, AlertStatus::Firing)],
    )
    .unwrap();
    assert_eq!(second.outcomes[0].alert.as_ref().unwrap().occurrences, 2);
    assert_eq!(store.incident_evidence(1).unwrap().len(), 1);
    let recovered = record(
        &store,
        &second.status,
        "date=2026-03-03",
        MonitorState::Ok,
        vec![alert(key, AlertStatus::Resolved)],
    )
    .unwrap();
    assert_eq!(recovered.status.runs, 3);
    assert_eq!(
        store
            .monitor("fairness")
            .unwrap()
            .status
            .watermark
            .as_deref(),
        Some("date=2026-03-03")
    );
    let kinds: Vec<EventKind> = store
        .events("INC-1")
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds.last(), Some(&EventKind::AlertResolved));
    let runs = store.monitor_runs("fairness", 2).unwrap();
    assert_eq!(runs.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 3]);
    assert!(store.alerts(true, 10).unwrap().is_empty());
    assert!(verify(&store.ledger().unwrap(), Anchors::default()).is_intact());
}
