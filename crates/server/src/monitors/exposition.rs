//! Each monitor's latest values and state in the Prometheus text exposition
//! format (version 0.0.4), for a Prometheus already in place to scrape.

use firebreak_core::monitor::{Monitor, MonitorRun, MonitorState};
use std::fmt::Write;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A sample value as Prometheus writes it.
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{value}")
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// The exposition of every monitor with its newest run.
pub fn render(monitors: &[(Monitor, Option<MonitorRun>)]) -> String {
    let mut out = String::new();
    let labels = |m: &Monitor| {
        format!(
            "monitor=\"{}\",system=\"{}\",check=\"{}\"",
            escape(&m.definition.name),
            escape(&m.definition.system),
            m.definition.check.name()
        )
    };
    header(
        &mut out,
        "firebreak_monitor_value",
        "gauge",
        "The newest checked window's value of each metric of a monitor.",
    );
    for (monitor, run) in monitors {
        for (metric, value) in run.iter().flat_map(|r| &r.metrics) {
            let _ = writeln!(
                out,
                "firebreak_monitor_value{{{},metric=\"{}\"}} {}",
                labels(monitor),
                escape(metric),
                number(*value)
            );
        }
    }
    header(
        &mut out,
        "firebreak_monitor_state",
        "gauge",
        "1 for the state a monitor is in (ok, breached, insufficient_data, silent, failing, pending), 0 for the others.",
    );
    for (monitor, _) in monitors {
        for state in MonitorState::ALL {
            let _ = writeln!(
                out,
                "firebreak_monitor_state{{{},state=\"{}\"}} {}",
                labels(monitor),
                state.as_str(),
                u8::from(monitor.status.state == state)
            );
        }
    }
    header(
        &mut out,
        "firebreak_monitor_paused",
        "gauge",
        "1 while a monitor is paused.",
    );
    for (monitor, _) in monitors {
        let _ = writeln!(
            out,
            "firebreak_monitor_paused{{{}}} {}",
            labels(monitor),
            u8::from(monitor.status.paused)
        );
    }
    header(
        &mut out,
        "firebreak_monitor_runs",
        "gauge",
        "Runs stored for a monitor.",
    );
    for (monitor, _) in monitors {
        let _ = writeln!(
            out,
            "firebreak_monitor_runs{{{}}} {}",
            labels(monitor),
            monitor.status.runs
        );
    }
    header(
        &mut out,
        "firebreak_monitor_last_run_timestamp_seconds",
        "gauge",
        "When the newest stored run finished (Unix time).",
    );
    for (monitor, run) in monitors {
        if let Some(run) = run {
            let _ = writeln!(
                out,
                "firebreak_monitor_last_run_timestamp_seconds{{{}}} {}",
                labels(monitor),
                run.finished_at.as_second()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use firebreak_core::Timestamp;
    use firebreak_core::monitor::MonitorStatus;
    use std::collections::BTreeMap;

    #[test]
    fn values_and_states_are_labelled_and_escaped() {
        let at = Timestamp::from_second(1_800_000_000).unwrap();
        let definition = serde_json::from_value(serde_json::json!({
            "name": "fair", "system": "credit", "source": {"path": "/logs"},
            "check": {"kind": "volume"}, "schedule": "1m", "thresholds": ["rows < 10"],
        }))
        .unwrap();
        let mut status = MonitorStatus::new(at);
        status.state = MonitorState::Breached;
        let monitor = Monitor {
            definition,
            status,
            created_at: at,
        };
        let run = MonitorRun {
            seq: 1,
            monitor: "fair".into(),
            started_at: at,
            finished_at: at,
            window: Some("date=2027-01-15".into()),
            watermark: None,
            state: MonitorState::Breached,
            metrics: BTreeMap::from([
                ("rows".to_string(), 5.0),
                ("selection_rate.a\"b".to_string(), f64::NAN),
            ]),
            reference_metrics: BTreeMap::new(),
            breaches: vec![],
            note: None,
            inputs: vec![],
            alert: None,
            incident: None,
        };
        let text = render(&[(monitor, Some(run))]);
        assert!(text.contains("firebreak_monitor_value{monitor=\"fair\",system=\"credit\",check=\"volume\",metric=\"rows\"} 5\n"), "{text}");
        assert!(text.contains("metric=\"selection_rate.a\\\"b\"} NaN\n"));
        assert!(text.contains("firebreak_monitor_state{monitor=\"fair\",system=\"credit\",check=\"volume\",state=\"breached\"} 1\n"));
        assert!(text.contains("state=\"ok\"} 0\n"));
        assert!(text.contains("firebreak_monitor_last_run_timestamp_seconds{monitor=\"fair\",system=\"credit\",check=\"volume\"} 1800000000\n"));
    }
}
