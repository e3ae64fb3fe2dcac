//! Recorded changes set against a time series: each drawn at the bucket it took effect in, and
//! each change point named after the change it is likeliest owed to, so "when did this start"
//! reads next to "what changed then" (the same rule as a monitor's series, [`preceding`]).

use super::{Granularity, TimeseriesReport};
use firebreak_core::change::{ChangeEvent, DEFAULT_WINDOW, placed_in_windows, preceding};
use jiff::{SignedDuration, Timestamp};

/// A recorded change at the bucket it took effect in.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MarkedChange {
    pub bucket_index: usize,
    pub change: ChangeEvent,
}

impl Granularity {
    fn length(self) -> SignedDuration {
        match self {
            Self::Hour => SignedDuration::from_hours(1),
            Self::Day => SignedDuration::from_hours(24),
            Self::Week => SignedDuration::from_hours(7 * 24),
        }
    }
}

impl TimeseriesReport {
    /// The instants whose changes can matter to this series: from [`DEFAULT_WINDOW`] before
    /// its first bucket to the end of its last; none for an empty series.
    pub fn change_span(&self) -> Option<(Timestamp, Timestamp)> {
        let starts = self.bucket_starts();
        let first = starts.iter().flatten().next()?;
        let last = starts.iter().flatten().next_back()?;
        let from = first.saturating_sub(DEFAULT_WINDOW).unwrap_or(*first);
        Some((from, self.bucket_end(*last)))
    }

    /// Marks `changes` (any order, any systems the caller chose) on the buckets they took
    /// effect in, and names for each change point the change that took effect last before its
    /// bucket ended, at most [`DEFAULT_WINDOW`] before the bucket began. Marking again
    /// replaces the earlier marks.
    pub fn mark_changes(&mut self, changes: &[ChangeEvent]) {
        let starts = self.bucket_starts();
        let open_end = starts
            .iter()
            .flatten()
            .next_back()
            .map(|last| self.bucket_end(*last));
        self.changes = match open_end {
            Some(open_end) => placed_in_windows(changes, &starts, open_end)
                .into_iter()
                .map(|(bucket_index, change)| MarkedChange {
                    bucket_index,
                    change,
                })
                .collect(),
            None => Vec::new(),
        };
        let length = self.granularity.length();
        for point in &mut self.change_points {
            point.preceded_by =
                starts
                    .get(point.bucket_index)
                    .copied()
                    .flatten()
                    .and_then(|start| {
                        let end = start.checked_add(length).unwrap_or(start);
                        preceding(changes, start, end).cloned()
                    });
        }
    }

    fn bucket_starts(&self) -> Vec<Option<Timestamp>> {
        self.buckets
            .iter()
            .map(|bucket| bucket.start.parse().ok())
            .collect()
    }

    fn bucket_end(&self, start: Timestamp) -> Timestamp {
        start
            .checked_add(self.granularity.length())
            .unwrap_or(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeseries::{Bucket, ChangePoint};
    use firebreak_core::change::{ChangeKind, ChangeOrigin, NewChange};

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn promotion(number: u64, when: &str) -> ChangeEvent {
        NewChange {
            system: "credit-scoring".into(),
            kind: ChangeKind::ModelPromoted,
            version_from: Some(format!("{}", number - 1)),
            version_to: Some(format!("{number}")),
            by: None,
            at: Some(at(when)),
            link: None,
            description: String::new(),
            external_id: None,
        }
        .record(number, ChangeOrigin::Api, "ci", at("2026-12-20T00:00:00Z"))
    }

    fn daily(days: u32, shifted_from: usize) -> TimeseriesReport {
        TimeseriesReport {
            schema_version: 1,
            granularity: Granularity::Day,
            buckets: (1..=days)
                .map(|d| Bucket {
                    start: format!("2026-12-{d:02}T00:00:00Z"),
                    rows: 100,
                    accuracy: None,
                    selection_rate: None,
                    score_mean: None,
                    selection_rate_by_group: Default::default(),
                })
                .collect(),
            change_points: vec![ChangePoint {
                series: "selection_rate".into(),
                bucket_start: format!("2026-12-{:02}T00:00:00Z", shifted_from + 1),
                bucket_index: shifted_from,
                mean_before: 0.45,
                mean_after: 0.3,
                size_in_noise_sd: Some(6.0),
                preceded_by: None,
            }],
            detector: "PELT".into(),
            changes: Vec::new(),
        }
    }

    #[test]
    fn a_change_point_is_named_after_the_promotion_in_or_before_its_bucket() {
        let mut report = daily(10, 6);
        let changes = [
            promotion(3, "2026-11-25T09:00:00Z"), // before the series
            promotion(4, "2026-12-07T15:00:00Z"), // in the shifted bucket
            promotion(5, "2026-12-12T00:00:00Z"), // after the series
        ];
        report.mark_changes(&changes);
        let marked: Vec<(usize, &str)> = report
            .changes
            .iter()
            .map(|m| (m.bucket_index, m.change.id.as_str()))
            .collect();
        assert_eq!(marked, [(6, "CH-4")]);
        let cause = report.change_points[0].preceded_by.as_ref();
        assert_eq!(cause.map(|c| c.id.as_str()), Some("CH-4"));
        assert_eq!(
            report.change_span(),
            Some((at("2026-11-28T00:00:00Z"), at("2026-12-11T00:00:00Z")))
        );
    }

    #[test]
    fn a_shift_long_after_every_change_is_left_unnamed() {
        let mut report = daily(10, 8);
        report.mark_changes(&[promotion(4, "2026-12-02T15:00:00Z")]);
        assert_eq!(report.changes.len(), 1);
        assert_eq!(report.change_points[0].preceded_by, None);
        // Marking again replaces the marks.
        report.mark_changes(&[]);
        assert!(report.changes.is_empty());
    }
}
