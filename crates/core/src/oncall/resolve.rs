//! The final view of a schedule: overrides win, then the highest layer that
//! has someone, then the layers below it.
//!
//! Who is on call changes only at an edge: a layer's start or hand-off, a
//! restriction window opening or closing, an override starting or ending.
//! Between two consecutive edges the answer is constant, so both
//! [`final_shifts`] and [`on_call_at`] walk from edge to edge and ask the one
//! function [`Compiled::winner`] at each; that is why they always agree.

use super::rotation::{Rota, Turn};
use super::schedule::{Layer, Schedule};
use super::zone::{in_windows, next_window_edge};
use super::{MAX_CHANGES, OncallError, check_range};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an on-call stretch comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// `layers[index]`, in its `turn`-th turn (0 is the one the layer starts
    /// with).
    Layer { index: usize, turn: u64 },
    /// `overrides[index]`.
    Override { index: usize },
}

/// Who is on call at an instant, through what, and the stretch `[start, end)`
/// around it during which that stays so: one turn of one layer (or one
/// override) where nothing above it takes over. The same person may go on
/// being on call after `end` through a next turn or another source;
/// [`final_shifts`] joins those. `end` is [`Timestamp::MAX`] when the turn
/// never ends within the representable range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OnCall {
    pub user: String,
    pub source: Source,
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
}

/// One person on call for `[start, end)` without a break, made of the
/// stretches (`parts`, in order, each an [`OnCall`]) that put them there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Shift {
    pub user: String,
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
    pub parts: Vec<OnCall>,
}

/// Who is on call at `at` in `schedule`, or `None` when nobody is; an invalid
/// schedule is refused.
pub fn on_call_at(schedule: &Schedule, at: Timestamp) -> Result<Option<OnCall>, OncallError> {
    Compiled::new(schedule)?.on_call_at(at)
}

/// The final view over `[from, to)`: who is on call, in order, without
/// overlaps, each shift cut to the range, adjacent stretches of one person
/// joined into one shift. Gaps are times when nobody is on call. The range
/// is at most [`super::MAX_RANGE_DAYS`] days.
pub fn final_shifts(
    schedule: &Schedule,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Shift>, OncallError> {
    check_range(from, to)?;
    let compiled = Compiled::new(schedule)?;
    Ok(join_shifts(compiled.parts(from, to)?))
}

/// Which edges a walk needs: all of them, or only those that can change
/// whether one given source wins.
#[derive(Debug, Clone, Copy)]
enum Scope {
    All,
    /// Overrides, and layers from this index up.
    LayersFrom(usize),
    Overrides,
}

struct CompiledLayer<'s> {
    layer: &'s Layer,
    rota: Rota,
}

pub(crate) struct Compiled<'s> {
    schedule: &'s Schedule,
    tz: TimeZone,
    layers: Vec<CompiledLayer<'s>>,
    /// Every override start and end, sorted.
    override_edges: Vec<Timestamp>,
}

impl<'s> Compiled<'s> {
    pub(crate) fn new(schedule: &'s Schedule) -> Result<Self, OncallError> {
        let tz = schedule.zone()?;
        let mut layers = Vec::with_capacity(schedule.layers.len());
        for (i, layer) in schedule.layers.iter().enumerate() {
            let rota = Rota::new(&tz, layer).ok_or_else(|| {
                OncallError::Invalid(vec![crate::error::FieldError::new(
                    format!("layers[{i}].start"),
                    "has no representable hand-off",
                )])
            })?;
            layers.push(CompiledLayer { layer, rota });
        }
        let mut override_edges: Vec<Timestamp> = schedule
            .overrides
            .iter()
            .flat_map(|o| [o.start, o.end])
            .collect();
        override_edges.sort_unstable();
        override_edges.dedup();
        Ok(Compiled {
            schedule,
            tz,
            layers,
            override_edges,
        })
    }

    /// Who wins at `t`: the last override covering it, else the highest
    /// layer with someone.
    fn winner(&self, t: Timestamp) -> Option<(&'s str, Source)> {
        let schedule: &'s Schedule = self.schedule;
        if let Some((index, o)) = schedule
            .overrides
            .iter()
            .enumerate()
            .rev()
            .find(|(_, o)| o.start <= t && t < o.end)
        {
            return Some((o.user.as_str(), Source::Override { index }));
        }
        self.layers.iter().enumerate().rev().find_map(|(index, l)| {
            let turn = self.layer_turn(l, t)?;
            let n = l.layer.participants.len() as u64;
            let user = l.layer.participants.get((turn.number % n) as usize)?;
            Some((
                user.as_str(),
                Source::Layer {
                    index,
                    turn: turn.number,
                },
            ))
        })
    }

    /// The layer's turn at `t` if the layer has someone then.
    fn layer_turn(&self, l: &CompiledLayer, t: Timestamp) -> Option<Turn> {
        let turn = l.rota.turn_at(t)?;
        let restrictions = &l.layer.restrictions;
        (restrictions.is_empty() || in_windows(&self.tz, restrictions, t)).then_some(turn)
    }

    /// The first edge strictly after `p` within `scope`.
    fn next_edge(&self, p: Timestamp, scope: Scope) -> Option<Timestamp> {
        let after = self.override_edges.partition_point(|e| *e <= p);
        let mut best = self.override_edges.get(after).copied();
        let lowest = match scope {
            Scope::All => 0,
            Scope::LayersFrom(i) => i,
            Scope::Overrides => self.layers.len(),
        };
        for l in self.layers.iter().skip(lowest) {
            let mut consider = |edge: Option<Timestamp>| {
                if let Some(edge) = edge
                    && best.is_none_or(|b| edge < b)
                {
                    best = Some(edge);
                }
            };
            consider(l.rota.next_edge(p));
            if !l.layer.restrictions.is_empty() {
                consider(next_window_edge(&self.tz, &l.layer.restrictions, p));
            }
        }
        best
    }

    /// The winner's stretches over `[from, to)`, adjacent equal ones joined,
    /// each cut to the range.
    pub(crate) fn parts(&self, from: Timestamp, to: Timestamp) -> Result<Vec<OnCall>, OncallError> {
        let mut parts: Vec<OnCall> = Vec::new();
        let mut p = from;
        let mut steps = 0;
        while p < to {
            steps += 1;
            if steps > MAX_CHANGES {
                return Err(OncallError::TooManyChanges { limit: MAX_CHANGES });
            }
            let q = self
                .next_edge(p, Scope::All)
                .filter(|q| *q < to)
                .unwrap_or(to);
            if let Some((user, source)) = self.winner(p) {
                match parts.last_mut() {
                    Some(last) if last.end == p && last.source == source && last.user == user => {
                        last.end = q;
                    }
                    _ => parts.push(OnCall {
                        user: user.to_string(),
                        source,
                        start: p,
                        end: q,
                    }),
                }
            }
            p = q;
        }
        Ok(parts)
    }

    pub(crate) fn on_call_at(&self, at: Timestamp) -> Result<Option<OnCall>, OncallError> {
        let Some((user, source)) = self.winner(at) else {
            return Ok(None);
        };
        let key = Some((user, source));
        // The stretch cannot outlast its turn or override.
        let (scope, low, high) = match source {
            Source::Override { index } => {
                let o = &self.schedule.overrides[index];
                (Scope::Overrides, o.start, o.end)
            }
            Source::Layer { index, .. } => {
                let l = &self.layers[index];
                let Some(turn) = l.rota.turn_at(at) else {
                    return Ok(None);
                };
                (Scope::LayersFrom(index), turn.start, turn.end)
            }
        };
        let mut steps = 0;
        let mut step = || {
            steps += 1;
            if steps > MAX_CHANGES {
                Err(OncallError::TooManyChanges { limit: MAX_CHANGES })
            } else {
                Ok(())
            }
        };
        // Walk from the turn's start to `at`: the stretch starts after the
        // last edge where someone else won.
        let mut start = low;
        let mut p = low;
        loop {
            step()?;
            let q = self
                .next_edge(p, scope)
                .filter(|q| *q < high)
                .unwrap_or(high);
            if self.winner(p) != key {
                start = q;
            }
            // `high` is `Timestamp::MAX` for a turn without end, which then
            // covers `at == Timestamp::MAX` too.
            if q > at || q >= high {
                break;
            }
            p = q;
        }
        // Walk on from `at` to the first edge where someone else wins.
        let mut end = high;
        let mut p = at;
        while let Some(q) = self.next_edge(p, scope).filter(|q| *q < high) {
            step()?;
            if self.winner(q) != key {
                end = q;
                break;
            }
            p = q;
        }
        Ok(Some(OnCall {
            user: user.to_string(),
            source,
            start,
            end,
        }))
    }
}

/// Joins adjacent stretches of one person into shifts.
pub(crate) fn join_shifts(parts: Vec<OnCall>) -> Vec<Shift> {
    let mut shifts: Vec<Shift> = Vec::new();
    for part in parts {
        match shifts.last_mut() {
            Some(last) if last.end == part.start && last.user == part.user => {
                last.end = part.end;
                last.parts.push(part);
            }
            _ => shifts.push(Shift {
                user: part.user.clone(),
                start: part.start,
                end: part.end,
                parts: vec![part],
            }),
        }
    }
    shifts
}
