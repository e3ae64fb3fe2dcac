//! The one copy of the IANA time-zone database the domain reads: compiled into
//! the binary, so every host gives the same answers and the core never reads
//! `/usr/share/zoneinfo`.

use jiff::tz::{TimeZone, TimeZoneDatabase};
use std::sync::LazyLock;

static TIME_ZONES: LazyLock<TimeZoneDatabase> = LazyLock::new(TimeZoneDatabase::bundled);

/// The zone named `name` (e.g. `Europe/London`), if the database knows it.
pub fn find(name: &str) -> Option<TimeZone> {
    if name.trim().is_empty() {
        return None;
    }
    TIME_ZONES.get(name).ok()
}
