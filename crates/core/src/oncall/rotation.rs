//! A layer's rotation as instants: its hand-offs and the turn that covers an
//! instant.
//!
//! Hand-offs are counted in local wall-clock time: the `j`-th falls `j`
//! rotation lengths after `handoff` on the start's date (`j` may be
//! negative), read as an instant by [`instant`]. That reading is monotone, so
//! hand-offs are in order, though two may fall on one instant (both inside a
//! skipped hour). Turn 0 runs from the layer's start to the first hand-off
//! after it; turn `n` then runs between consecutive hand-offs.

use super::schedule::Layer;
use super::zone::{from_naive_seconds, instant, local_seconds, naive_seconds};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// How far the estimate of a turn from local time may be off before giving
/// up; in practice it is off by at most a few hand-offs.
const MAX_ADJUST: usize = 10_000;

/// One participant's stretch of a rotation, before restrictions, overrides
/// and other layers. `end` is [`Timestamp::MAX`] when the next hand-off is
/// past the representable range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Turn {
    pub number: u64,
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Debug, Clone)]
pub(crate) struct Rota {
    tz: TimeZone,
    /// The layer's first instant.
    pub start: Timestamp,
    /// Local seconds of hand-off 0: `handoff` on the start's date.
    anchor: i64,
    /// Rotation length in seconds of local time.
    period: i64,
    /// The first hand-off strictly after `start`.
    first: i64,
}

impl Rota {
    /// `None` when the layer's start or first hand-off is not representable
    /// (validation keeps starts far from the ends of the range).
    pub(crate) fn new(tz: &TimeZone, layer: &Layer) -> Option<Rota> {
        let period = layer.rotation.seconds()?;
        let start = instant(tz, layer.start)?;
        let anchor = naive_seconds(layer.start.date().to_datetime(layer.handoff));
        let mut rota = Rota {
            tz: tz.clone(),
            start,
            anchor,
            period,
            first: 0,
        };
        let mut j = (naive_seconds(layer.start) - anchor).div_euclid(period) + 1;
        for _ in 0..MAX_ADJUST {
            match (rota.handoff(j - 1), rota.handoff(j)) {
                (Some(before), _) if before > start => j -= 1,
                (_, Some(at)) if at <= start => j += 1,
                (_, Some(_)) => {
                    rota.first = j;
                    return Some(rota);
                }
                (_, None) => return None,
            }
        }
        None
    }

    /// The instant of hand-off `j`, if representable.
    fn handoff(&self, j: i64) -> Option<Timestamp> {
        let local = self.anchor.checked_add(j.checked_mul(self.period)?)?;
        instant(&self.tz, from_naive_seconds(local)?)
    }

    /// The turn covering `t`, if the layer has started by then.
    pub(crate) fn turn_at(&self, t: Timestamp) -> Option<Turn> {
        if t < self.start {
            return None;
        }
        // The last hand-off at or before `t`, estimated from local time and
        // then corrected against the instants themselves.
        let mut j = (local_seconds(&self.tz, t) - self.anchor).div_euclid(self.period);
        let mut settled = false;
        for _ in 0..MAX_ADJUST {
            if self.handoff(j + 1).is_some_and(|h| h <= t) {
                j += 1;
            } else if j >= self.first && self.handoff(j).is_none_or(|h| h > t) {
                j -= 1;
            } else {
                settled = true;
                break;
            }
        }
        if !settled {
            return None;
        }
        if j < self.first {
            return Some(Turn {
                number: 0,
                start: self.start,
                end: self.handoff(self.first)?,
            });
        }
        Some(Turn {
            number: u64::try_from(j - self.first + 1).ok()?,
            start: self.handoff(j)?,
            end: self.handoff(j + 1).unwrap_or(Timestamp::MAX),
        })
    }

    /// The first hand-off strictly after `p`, or the start if `p` is before
    /// it.
    pub(crate) fn next_edge(&self, p: Timestamp) -> Option<Timestamp> {
        if p < self.start {
            return Some(self.start);
        }
        self.turn_at(p)
            .map(|turn| turn.end)
            .filter(|end| *end != Timestamp::MAX)
    }
}
