//! Data parallelism over the cores with the standard library's scoped threads: a slice cut into
//! one contiguous part per core, each part worked on by its own thread, the answers in the
//! slice's order. Used where one pass dominates an analysis (a detector or a cohort expression
//! over every distinct text of a log, n-gram counts over every input).

use std::num::NonZeroUsize;
use std::thread;

/// Below this many items a second thread costs more than it saves.
const MIN_PER_THREAD: usize = 4096;

/// `work(offset, part)` for contiguous parts of `items` (`offset` is where the part starts),
/// one per available core, in order.
pub(crate) fn per_part<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(usize, &[T]) -> R + Sync,
) -> Vec<R> {
    let cores = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let threads = cores.min(items.len() / MIN_PER_THREAD).max(1);
    if threads == 1 {
        return vec![work(0, items)];
    }
    let size = items.len().div_ceil(threads);
    let work = &work;
    thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(index, part)| scope.spawn(move || work(index * size, part)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_items_in_order() {
        let items: Vec<usize> = (0..3 * MIN_PER_THREAD + 7).collect();
        let parts = per_part(&items, |offset, part| {
            assert_eq!(part[0], offset);
            part.to_vec()
        });
        assert_eq!(parts.concat(), items);
        assert_eq!(per_part(&[1, 2, 3], |_, part| part.len()), [3]);
    }
}
