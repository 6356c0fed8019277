//! One provider's blocks over a span: the cached all-history fold, or a fold of what can reach
//! into the span, cut to the span; and its longer official windows (docs/live.md).

use super::blocks::{BLOCK_MS, Block, LongWindow, Span, fold, is_stale, merge_windows};
use super::blocks_cache;
use crate::error::Result;
use crate::record::ProviderId;
use crate::store::Store;

/// A provider's blocks overlapping the span, oldest first, and its longer windows.
pub(crate) fn provider_blocks(
    store: &Store,
    provider: ProviderId,
    span: &Span,
) -> Result<(Vec<Block>, Vec<LongWindow>)> {
    // Blocks before the span can reach into it: start where no block can reach across
    // (a gap of five hours before a request), found by reading back from the span's start.
    let load_from = if span.from_ms == i64::MIN {
        i64::MIN
    } else {
        store
            .block_anchor(provider, span.from_ms, BLOCK_MS)?
            .map_or(span.from_ms, |a| a.min(span.from_ms))
    };
    // A block starting before the span's end can hold requests up to five hours after it.
    let load_to = span.to_ms.saturating_add(BLOCK_MS);
    let snapshots = store.rate_limit_windows(provider, load_from, load_to)?;
    let (five_hour, longer): (Vec<_>, Vec<_>) =
        snapshots.into_iter().partition(|s| s.is_five_hour());
    let official = merge_windows(five_hour);
    let blocks = if load_from == i64::MIN && load_to == i64::MAX {
        // All history: the costly case (every request read), and the one the cache serves.
        blocks_cache::all_history(store, provider, official, span)?
    } else {
        fold(
            store,
            provider,
            official,
            span.floor_hour,
            load_from,
            load_to,
        )?
        .into_iter()
        .map(|o| o.close(provider, span.now_ms))
        .collect()
    };
    let blocks = blocks
        .into_iter()
        .filter(|b: &Block| b.end_ms > span.from_ms && b.start_ms < span.to_ms)
        .collect();
    let mut windows: Vec<LongWindow> = Vec::new();
    let mut kinds: Vec<String> = longer.iter().map(|s| s.kind.clone()).collect();
    kinds.dedup();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let of_kind = longer.iter().filter(|s| s.kind == kind).cloned().collect();
        for snapshot in merge_windows(of_kind) {
            if snapshot.resets_at_ms > span.from_ms && snapshot.starts_at_ms() < span.to_ms {
                let stale = is_stale(&snapshot, span.now_ms);
                windows.push(LongWindow { snapshot, stale });
            }
        }
    }
    windows.sort_by_key(|w| (w.snapshot.resets_at_ms, w.snapshot.kind.clone()));
    Ok((blocks, windows))
}
