//! What a schedule is made of, and the rules every saved schedule keeps.

use super::zone::{TimeWindow, lookup};
use super::{Faults, MAX_RANGE_DAYS, OncallError};
use crate::system::validate_slug;
use jiff::Timestamp;
use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// At most this many layers in a schedule.
pub const MAX_LAYERS: usize = 32;
/// At most this many participants in a layer.
pub const MAX_PARTICIPANTS: usize = 500;
/// At most this many restriction windows on a layer.
pub const MAX_WINDOWS: usize = 64;
/// At most this many overrides on a schedule; past ones can be removed.
pub const MAX_OVERRIDES: usize = 1_000;
/// The longest custom rotation, in days (hours: this times 24).
pub const MAX_ROTATION_DAYS: u32 = 366;
/// Layer starts lie within these years.
pub const LAYER_YEARS: std::ops::RangeInclusive<i16> = 1900..=2999;

/// Who is on call for something, in one time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Lowercase letters, digits and inner `-`, e.g. `ml-primary`.
    pub slug: String,
    pub name: String,
    /// IANA zone in which hand-offs and restrictions are read, e.g.
    /// `Europe/London`.
    pub time_zone: String,
    /// From bottom to top: where two layers have someone, the later one in
    /// the list wins.
    pub layers: Vec<Layer>,
    /// In the order they were made: where two overlap, the later one wins.
    /// Any override beats every layer.
    #[serde(default)]
    pub overrides: Vec<Override>,
}

/// One rotation of people through the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    #[serde(default)]
    pub name: String,
    pub rotation: Rotation,
    /// Local wall-clock time of each hand-off.
    #[schema(value_type = String, example = "09:00")]
    pub handoff: Time,
    /// Local date-time, in the schedule's zone, from which the layer has
    /// someone. The first participant's turn runs from here to the first
    /// hand-off after it; hand-offs fall at `handoff` on the start's date and
    /// every rotation length from there.
    #[schema(value_type = String, example = "2026-03-02T09:00")]
    pub start: DateTime,
    /// User names in rotation order; a name may appear more than once.
    pub participants: Vec<String>,
    /// When not empty, the layer has someone only inside these windows (the
    /// rotation goes on outside them); lower layers fill the rest.
    #[serde(default)]
    pub restrictions: Vec<TimeWindow>,
}

/// How often a layer hands off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rotation {
    Daily,
    Weekly,
    /// Every `length` hours or days of local wall-clock time.
    Custom {
        length: u32,
        unit: RotationUnit,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RotationUnit {
    Hours,
    Days,
}

impl Rotation {
    /// The rotation's length in seconds of wall-clock time, if it is valid.
    pub(crate) fn seconds(self) -> Option<i64> {
        match self {
            Rotation::Daily => Some(86_400),
            Rotation::Weekly => Some(7 * 86_400),
            Rotation::Custom { length, unit } => {
                let max = match unit {
                    RotationUnit::Hours => MAX_ROTATION_DAYS * 24,
                    RotationUnit::Days => MAX_ROTATION_DAYS,
                };
                let unit = match unit {
                    RotationUnit::Hours => 3_600,
                    RotationUnit::Days => 86_400,
                };
                (1..=max)
                    .contains(&length)
                    .then(|| i64::from(length) * unit)
            }
        }
    }
}

/// Someone covering the schedule for `[start, end)`, whatever the layers say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub user: String,
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

impl Schedule {
    /// Every rule a saved schedule keeps, each broken one named by its field.
    pub fn validate(&self) -> Result<(), OncallError> {
        self.zone().map(|_| ())
    }

    /// Validates and looks the time zone up.
    pub(crate) fn zone(&self) -> Result<TimeZone, OncallError> {
        let mut faults = Faults::default();
        if let Err(message) = validate_slug(&self.slug) {
            faults.push("slug", message);
        }
        if blank(&self.name) {
            faults.push("name", "must not be empty");
        }
        let zone = lookup(&self.time_zone, "time_zone", &mut faults);
        if self.layers.is_empty() {
            faults.push("layers", "a schedule needs at least one layer");
        }
        if self.layers.len() > MAX_LAYERS {
            faults.push("layers", format!("at most {MAX_LAYERS} layers"));
        }
        for (i, layer) in self.layers.iter().enumerate() {
            layer.check(&format!("layers[{i}]"), &mut faults);
        }
        if self.overrides.len() > MAX_OVERRIDES {
            faults.push(
                "overrides",
                format!("at most {MAX_OVERRIDES} overrides; remove past ones"),
            );
        }
        let longest = jiff::SignedDuration::from_hours(MAX_RANGE_DAYS * 24);
        for (i, o) in self.overrides.iter().enumerate() {
            if blank(&o.user) {
                faults.push(format!("overrides[{i}].user"), "name the user who covers");
            }
            if o.end <= o.start {
                faults.push(format!("overrides[{i}].end"), "must be after start");
            } else if o.end.duration_since(o.start) > longest {
                faults.push(
                    format!("overrides[{i}].end"),
                    format!("an override lasts at most {MAX_RANGE_DAYS} days"),
                );
            }
        }
        faults.into_result()?;
        // Only missing when a fault was recorded above.
        zone.ok_or_else(|| OncallError::Invalid(vec![]))
    }
}

impl Layer {
    fn check(&self, path: &str, faults: &mut Faults) {
        if self.rotation.seconds().is_none() {
            let unit = match self.rotation {
                Rotation::Custom {
                    unit: RotationUnit::Hours,
                    ..
                } => format!("{} hours", MAX_ROTATION_DAYS * 24),
                _ => format!("{MAX_ROTATION_DAYS} days"),
            };
            faults.push(
                format!("{path}.rotation.length"),
                format!("must be at least 1 and at most {unit}"),
            );
        }
        if !LAYER_YEARS.contains(&self.start.year()) {
            faults.push(
                format!("{path}.start"),
                format!(
                    "must lie in the years {} to {}",
                    LAYER_YEARS.start(),
                    LAYER_YEARS.end()
                ),
            );
        }
        if self.participants.is_empty() {
            faults.push(
                format!("{path}.participants"),
                "empty: name at least one user",
            );
        }
        if self.participants.len() > MAX_PARTICIPANTS {
            faults.push(
                format!("{path}.participants"),
                format!("at most {MAX_PARTICIPANTS} participants"),
            );
        }
        for (j, user) in self.participants.iter().enumerate() {
            if blank(user) {
                faults.push(format!("{path}.participants[{j}]"), "must not be empty");
            }
        }
        if self.restrictions.len() > MAX_WINDOWS {
            faults.push(
                format!("{path}.restrictions"),
                format!("at most {MAX_WINDOWS} windows"),
            );
        }
        for (j, window) in self.restrictions.iter().enumerate() {
            window.check(&format!("{path}.restrictions[{j}]"), faults);
        }
    }
}
