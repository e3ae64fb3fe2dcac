use super::*;
use jiff::SignedDuration;

fn definition() -> MonitorDefinition {
    serde_json::from_value(serde_json::json!({
        "name": "approvals-fairness",
        "system": "credit",
        "source": {"path": "logs"},
        "check": {"kind": "fairness", "group": ["group"], "label": "y", "prediction": "p"},
        "schedule": "1s",
        "thresholds": ["dpd > 0.1"],
        "recover_after": 2,
        "silent_after": "10s",
    }))
    .unwrap()
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + seconds).unwrap()
}

fn window(name: &str, verdict: Verdict) -> RunResult {
    RunResult::Window {
        window: name.to_string(),
        watermark: name.to_string(),
        verdict,
    }
}

fn breach() -> Verdict {
    Verdict::Breached(vec![Breach {
        threshold: "dpd > 0.1".into(),
        metric: "demographic_parity_difference".into(),
        value: 0.3,
        reference: None,
    }])
}

#[test]
fn thresholds_parse_absolute_relative_and_aliases() {
    let t = Threshold::parse("dpd > 0.1").unwrap();
    assert_eq!(t.metric, "demographic_parity_difference");
    assert!(t.holds(0.2, None) && !t.holds(0.1, None) && !t.holds(f64::NAN, None));
    let t = Threshold::parse("selection_rate.B deviates 5%").unwrap();
    assert_eq!((t.metric.as_str(), t.limit), ("selection_rate.B", 0.05));
    assert!(t.holds(0.58, Some(0.5)) && !t.holds(0.51, Some(0.5)));
    assert!(
        Threshold::parse("accuracy <= 0.8")
            .unwrap()
            .holds(0.8, None)
    );
    for bad in [
        "dpd >",
        "dpd ~ 0.1",
        "dpd > x",
        "dpd deviates five",
        "d$d > 1",
    ] {
        assert!(Threshold::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn schedules_are_intervals_or_cron() {
    let every = Schedule::parse("10m").unwrap();
    assert_eq!(every.next_after(at(0)), at(600));
    let cron = Schedule::parse("0 6 * * *").unwrap();
    let next = cron.next_after(Timestamp::from_second(1_767_225_600).unwrap());
    assert_eq!(next.to_string(), "2026-01-01T06:00:00Z");
    assert_eq!(cron.period(), SignedDuration::from_hours(24));
    assert!(Schedule::parse("every tuesday").is_err());
    assert!(Schedule::parse("61 * * * *").is_err());
    assert!(parse_duration("0s").is_err() && parse_duration("5").is_err());
}

#[test]
fn a_definition_is_refused_naming_each_field() {
    let mut d = definition();
    d.name = "Bad Name".into();
    d.schedule = "sometimes".into();
    d.thresholds = vec!["dpd >> 1".into(), "auc > 0.5".into()];
    d.recover_after = 0;
    let Err(DomainError::Invalid(errors)) = d.check(&["other".into()]) else {
        panic!("accepted")
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "name",
            "system",
            "schedule",
            "thresholds[0]",
            "thresholds[1]",
            "recover_after"
        ]
    );
    let mut drift = definition();
    drift.check = CheckSpec::Drift {
        preset: "evidently".into(),
        columns: vec![],
        exclude: vec![],
    };
    drift.thresholds = vec!["share_of_drifted_columns > 0.5".into()];
    let Err(DomainError::Invalid(errors)) = drift.check(&["credit".into()]) else {
        panic!("drift without reference accepted")
    };
    assert_eq!(errors[0].field, "reference");
    let checked = definition().check(&["credit".into()]).unwrap();
    assert_eq!(checked.silent_after, SignedDuration::from_secs(10));
}

#[test]
fn evaluate_reports_insufficient_data_before_breaches() {
    let thresholds = vec![Threshold::parse("dpd > 0.1").unwrap()];
    let metrics = BTreeMap::from([("demographic_parity_difference".to_string(), 0.3)]);
    let none = BTreeMap::new();
    assert!(matches!(
        evaluate(&thresholds, 100, 10, &metrics, &none),
        Verdict::InsufficientData(_)
    ));
    assert!(matches!(
        evaluate(&thresholds, 1, 10, &none, &none),
        Verdict::InsufficientData(_)
    ));
    assert!(matches!(
        evaluate(&thresholds, 1, 10, &metrics, &none),
        Verdict::Breached(b) if b[0].value == 0.3
    ));
}

#[test]
fn a_breach_fires_once_per_episode_and_resolves_after_clean_windows() {
    let d = definition();
    let checked = d.check(&["credit".into()]).unwrap();
    let s0 = MonitorStatus::new(at(0));
    let (s1, i1) = advance(
        &d,
        &checked,
        &s0,
        &window("date=2026-12-02", breach()),
        at(1),
    );
    assert_eq!(s1.state, MonitorState::Breached);
    let key = "monitor:approvals-fairness:breach@date=2026-12-02";
    assert!(matches!(&i1[..], [AlertIntent::Fire { dedup_key, .. }] if dedup_key == key));
    let (s2, i2) = advance(
        &d,
        &checked,
        &s1,
        &window("date=2026-12-03", breach()),
        at(2),
    );
    assert!(matches!(&i2[..], [AlertIntent::Fire { dedup_key, .. }] if dedup_key == key));
    let (s3, i3) = advance(
        &d,
        &checked,
        &s2,
        &window("date=2026-12-04", Verdict::Ok),
        at(3),
    );
    assert!(i3.is_empty());
    assert_eq!((s3.state, s3.clean_runs), (MonitorState::Breached, 1));
    let (s4, i4) = advance(
        &d,
        &checked,
        &s3,
        &window("date=2026-12-05", Verdict::Ok),
        at(4),
    );
    assert!(matches!(&i4[..], [AlertIntent::Resolve { dedup_key, .. }] if dedup_key == key));
    assert_eq!(
        (s4.state, s4.open_breach.as_deref()),
        (MonitorState::Ok, None)
    );
    assert_eq!(s4.watermark.as_deref(), Some("date=2026-12-05"));
}

#[test]
fn silence_and_failures_raise_one_silent_alert_each_episode() {
    let d = definition();
    let checked = d.check(&["credit".into()]).unwrap();
    let s0 = MonitorStatus::new(at(0));
    let (s1, i1) = advance(&d, &checked, &s0, &RunResult::NoNewData, at(5));
    assert!(i1.is_empty() && s1.next_due == at(6));
    let (s2, i2) = advance(&d, &checked, &s1, &RunResult::NoNewData, at(10));
    assert_eq!(s2.state, MonitorState::Silent);
    assert!(matches!(
        &i2[..],
        [AlertIntent::Fire {
            kind: AlertKind::Silent,
            ..
        }]
    ));
    let (s3, i3) = advance(&d, &checked, &s2, &RunResult::NoNewData, at(11));
    assert!(i3.is_empty());
    let (s4, i4) = advance(
        &d,
        &checked,
        &s3,
        &window("date=2026-12-02", Verdict::Ok),
        at(12),
    );
    assert!(matches!(
        &i4[..],
        [AlertIntent::Resolve {
            kind: AlertKind::Silent,
            ..
        }]
    ));
    assert_eq!(s4.state, MonitorState::Ok);

    let mut status = s4;
    for attempt in 1..=RETRIES {
        let (next, intents) = advance(
            &d,
            &checked,
            &status,
            &RunResult::Failed("bad".into()),
            at(20),
        );
        assert!(intents.is_empty(), "attempt {attempt} is retried quietly");
        assert_eq!(next.next_due, at(20 + i64::from(attempt)).min(at(21)));
        status = next;
    }
    let (failing, intents) = advance(
        &d,
        &checked,
        &status,
        &RunResult::Failed("bad".into()),
        at(22),
    );
    assert_eq!(failing.state, MonitorState::Failing);
    assert!(
        matches!(&intents[..], [AlertIntent::Fire { kind: AlertKind::Silent, summary, .. }] if summary.contains("fail"))
    );
}
