//! The memory budget of a fault-tree analysis. The analysis counts what its
//! decision diagrams and cut sets hold (node vectors, hash tables by their
//! capacity, cut sets as they will be returned) and stops with
//! [`RcaError::MemoryBudgetExceeded`](crate::RcaError::MemoryBudgetExceeded)
//! before passing the budget, rather than being killed by the kernel. A list
//! of minimal cut sets that would pass it is not made: the sets are counted
//! and ranked on their ZBDD instead (`top_event.rs`).

use std::collections::HashMap;

/// The share of the machine's memory an analysis may use by default.
pub const DEFAULT_SHARE_OF_MEMORY: u64 = 4;

/// Used where the machine's memory cannot be read: 2 GiB.
const FALLBACK_BUDGET: u64 = 2 << 30;

/// A quarter of the machine's memory (`MemTotal` in /proc/meminfo), or
/// 2 GiB where that cannot be read.
pub fn default_memory_budget() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_total(&text))
        .map_or(FALLBACK_BUDGET, |total| total / DEFAULT_SHARE_OF_MEMORY)
}

/// `MemTotal` of a /proc/meminfo text, in bytes.
fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|line| line.starts_with("MemTotal:"))?;
    let mut fields = line["MemTotal:".len()..].split_whitespace();
    let kilobytes: u64 = fields.next()?.parse().ok()?;
    (fields.next() == Some("kB")).then(|| kilobytes * 1024)
}

/// The phase of an analysis that ran out of budget, and how much it held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted {
    pub phase: &'static str,
}

/// Bytes a hash table's buckets take: entries and one control byte each,
/// at hashbrown's maximum load of 7/8.
pub fn table_bytes<K, V, S>(table: &HashMap<K, V, S>) -> u64 {
    let entry = (size_of::<(K, V)>() + 1) as u64;
    table.capacity() as u64 * entry * 8 / 7
}

/// Bytes a vector's buffer takes.
pub fn vec_bytes<T>(vector: &Vec<T>) -> u64 {
    (vector.capacity() * size_of::<T>()) as u64
}

/// How often (in insertions) the diagrams compare their size with the
/// budget: often enough to stop within a few percent of it.
pub const CHECK_EVERY: usize = 1 << 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mem_total() {
        let text = "MemTotal:       24567890 kB\nMemFree:        1000 kB\n";
        assert_eq!(mem_total(text), Some(24_567_890 * 1024));
        assert_eq!(mem_total("MemFree: 1 kB\n"), None);
        assert_eq!(mem_total("MemTotal: many kB\n"), None);
        assert!(default_memory_budget() > 0);
    }
}
