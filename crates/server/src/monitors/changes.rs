//! Change points in a monitor's metric series ("when did this start"): the
//! windows of a backfill, or the runs a chart draws, searched by the
//! calibrated detector of forensics, all metrics of one monitor as one
//! family so that a series without a change rarely gets one.

use firebreak_core::Timestamp;
use firebreak_core::change::{ChangeEvent, preceding};
use firebreak_forensics::ForensicsError;
use firebreak_forensics::timeseries::changepoints::{Measure, Series, find_shifts};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Metrics not searched: freshness grows with the age of a past window.
const UNSEARCHED: [&str; 1] = ["freshness_seconds"];

/// Where one metric's level changed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ChangePoint {
    pub metric: String,
    /// The first window of the new level.
    pub window: String,
    /// That window's position in the series searched (the backfill's points).
    pub index: usize,
    /// The metric's mean over the level before.
    pub before: f64,
    /// The metric's mean over the new level.
    pub after: f64,
    /// The shift over the series' typical noise standard deviation.
    pub size_in_noise_sd: f64,
    /// The change on the monitor's system or upstream of it that took
    /// effect last before this window ended (within 72 hours before the
    /// window): the likeliest cause to look at first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preceded_by: Option<ChangeEvent>,
}

/// Names, for each change point, the change that took effect last before
/// its window ended. `ends` gives each window's end (the next window's
/// time, the last one's being `open_end`); a window without a time is left
/// unnamed.
pub fn name_preceding_changes(
    points: &mut [ChangePoint],
    times: &[(String, Option<Timestamp>)],
    open_end: Timestamp,
    changes: &[ChangeEvent],
) {
    for point in points {
        let Some(position) = times.iter().position(|(name, _)| *name == point.window) else {
            continue;
        };
        let Some(start) = times[position].1 else {
            continue;
        };
        let end = times
            .get(position + 1)
            .and_then(|(_, t)| *t)
            .unwrap_or(open_end);
        point.preceded_by = preceding(changes, start, end).cloned();
    }
}

/// The change points in every metric of `windows` (name and metrics, in
/// time order), ordered by window then metric. A window without a metric
/// (a failed run, an undefined value) is left out of that metric's series.
pub fn change_points<'a>(
    windows: &[(&'a str, &'a BTreeMap<String, f64>)],
) -> Result<Vec<ChangePoint>, ForensicsError> {
    let mut positions: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, (_, metrics)) in windows.iter().enumerate() {
        for (metric, value) in *metrics {
            if value.is_finite() && !UNSEARCHED.contains(&metric.as_str()) {
                positions.entry(metric).or_default().push(index);
            }
        }
    }
    let family: Vec<Series> = positions
        .iter()
        .map(|(metric, at)| {
            let values = at.iter().map(|&i| windows[i].1[*metric]);
            Series {
                name: (*metric).to_string(),
                measure: if *metric == "rows" {
                    Measure::Counts(values.map(|v| v as u64).collect())
                } else {
                    Measure::Values(values.collect())
                },
            }
        })
        .collect();
    let scans = find_shifts(&family)?;
    let mut found: Vec<ChangePoint> = positions
        .iter()
        .zip(scans)
        .flat_map(|((metric, at), scan)| {
            scan.shifts.into_iter().map(move |shift| ChangePoint {
                metric: (*metric).to_string(),
                window: windows[at[shift.index]].0.to_string(),
                index: at[shift.index],
                before: shift.mean_before,
                after: shift.mean_after,
                size_in_noise_sd: shift.size_in_noise_sd,
                preceded_by: None,
            })
        })
        .collect();
    found.sort_by(|a, b| (a.index, &a.metric).cmp(&(b.index, &b.metric)));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(dpd: f64, rows: f64, freshness: f64) -> BTreeMap<String, f64> {
        BTreeMap::from([
            ("dpd".to_string(), dpd),
            ("rows".to_string(), rows),
            ("freshness_seconds".to_string(), freshness),
        ])
    }

    #[test]
    fn a_bias_that_starts_at_a_window_is_a_change_point_there_and_nowhere_else() {
        // A small wobble around 0.02, then 0.3 from the ninth window on;
        // rows steady; freshness falling as windows get younger.
        let wobble = [0.01, 0.03, 0.02, 0.025, 0.015, 0.02, 0.03, 0.01];
        let series: Vec<(String, BTreeMap<String, f64>)> = (0..14)
            .map(|day| {
                let dpd = if day < 8 {
                    wobble[day]
                } else {
                    0.3 + wobble[day - 8] / 2.0
                };
                let rows = 1000.0 + (day % 3) as f64;
                let freshness = (14 - day) as f64 * 86_400.0;
                (
                    format!("date=2026-12-{:02}", day + 1),
                    metrics(dpd, rows, freshness),
                )
            })
            .collect();
        let windows: Vec<(&str, &BTreeMap<String, f64>)> =
            series.iter().map(|(w, m)| (w.as_str(), m)).collect();
        let found = change_points(&windows).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (
                found[0].metric.as_str(),
                found[0].window.as_str(),
                found[0].index
            ),
            ("dpd", "date=2026-12-09", 8)
        );
        assert!(found[0].before < 0.05 && found[0].after > 0.25, "{found:?}");
    }

    #[test]
    fn windows_without_a_metric_are_left_out_of_its_series() {
        let empty = BTreeMap::new();
        let steady = metrics(0.02, 1000.0, 0.0);
        let mut windows = vec![("failed", &empty)];
        windows.extend((0..6).map(|_| ("w", &steady)));
        assert!(change_points(&windows).unwrap().is_empty());
        assert!(change_points(&[]).unwrap().is_empty());
    }

    #[test]
    fn a_change_point_is_named_after_the_last_change_before_its_window_ended() {
        use firebreak_core::change::{ChangeKind, ChangeOrigin, NewChange};
        let at = |t: &str| t.parse::<Timestamp>().unwrap();
        let change = |n: u64, when: &str| {
            NewChange {
                system: "scoring".into(),
                kind: ChangeKind::ModelPromoted,
                version_from: None,
                version_to: Some(format!("v{n}")),
                by: None,
                at: Some(at(when)),
                link: None,
                description: String::new(),
                external_id: None,
            }
            .record(n, ChangeOrigin::Api, "ci", at("2026-12-20T00:00:00Z"))
        };
        let changes = [
            change(1, "2026-12-01T10:00:00Z"),
            change(2, "2026-12-09T15:00:00Z"), // during the window of the change
            change(3, "2026-12-10T01:00:00Z"), // after it
        ];
        let point = |window: &str| ChangePoint {
            metric: "dpd".into(),
            window: window.into(),
            index: 0,
            before: 0.0,
            after: 1.0,
            size_in_noise_sd: 5.0,
            preceded_by: None,
        };
        let times: Vec<(String, Option<Timestamp>)> = (1..=12)
            .map(|d| {
                let name = format!("date=2026-12-{d:02}");
                (name, Some(at(&format!("2026-12-{d:02}T00:00:00Z"))))
            })
            .collect();
        let mut points = [
            point("date=2026-12-09"),
            point("date=2026-12-05"),
            point("nope"),
        ];
        name_preceding_changes(&mut points, &times, at("2026-12-20T00:00:00Z"), &changes);
        assert_eq!(
            points[0].preceded_by.as_ref().map(|c| c.id.as_str()),
            Some("CH-2")
        );
        // Nothing in the 72 hours before 2026-12-06.
        assert_eq!(points[1].preceded_by, None);
        assert_eq!(points[2].preceded_by, None);
    }
}
