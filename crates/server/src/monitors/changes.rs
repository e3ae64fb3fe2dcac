//! Change points in a monitor's metric series ("when did this start"): the
//! windows of a backfill, or the runs a chart draws, searched by the
//! calibrated detector of forensics, all metrics of one monitor as one
//! family so that a series without a change rarely gets one.

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
}
