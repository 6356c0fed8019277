//! All-history blocks of a provider, cached for one data generation (docs/live.md, "Cost").
//!
//! Listing every block reads every request of the provider: about 60 ms for 78,000 requests,
//! most of it SQLite stepping through the `(provider, ts_ms)` index and the table. The fold of
//! requests into blocks depends only on the stored records, the official five-hour windows and
//! `--floor-hour`, never on "now", so it is cached in `report_cache` (as reports are) and used
//! again while the data generation (bumped by every commit that changes records) and the
//! windows' bounds are the same. "Now" is applied afresh on every call: a block that is not
//! active has a burn rate that does not depend on it, and the last block, the only one a
//! current "now" can be inside, is kept as it was folded (with its last hour of requests) and
//! closed again. A "now" inside an earlier block (a replay of the past) computes afresh.

use serde::{Deserialize, Serialize};

use super::blocks::{Block, BlockSource, BurnRate, Open, Span, fold};
use super::rate_limits::RateLimitSnapshot;
use crate::error::Result;
use crate::record::ProviderId;
use crate::store::{Store, Totals};

/// One block as folded, without what depends on "now".
#[derive(Debug, Serialize, Deserialize)]
struct Folded {
    /// The index of its official window in [`Entry::windows`]; `None` when estimated.
    official: Option<usize>,
    start_ms: i64,
    end_ms: i64,
    totals: Totals,
    last_ms: Option<i64>,
    /// Its burn rate while it is not active, as the bits of the two floats (tokens per
    /// minute, cost per hour) so they come back exactly as computed.
    burn: Option<(u64, Option<u64>)>,
}

/// A provider's blocks over all its history, as cached.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// The official five-hour windows (start, end) the requests were folded into.
    windows: Vec<(i64, i64)>,
    /// By start.
    blocks: Vec<Folded>,
    /// The last block's requests of its last hour: (time, total tokens, cost).
    last_recent: Vec<(i64, u64, Option<i64>)>,
}

/// The cache key: one entry per provider and `--floor-hour`, replaced when stale. The build's
/// version is part of it, so a build that folds differently never reads another's entry.
fn key(provider: ProviderId, floor_hour: bool) -> String {
    format!(
        "blocks {} {} floor_hour={floor_hour}",
        env!("CARGO_PKG_VERSION"),
        provider.as_str()
    )
}

/// Each official window's bounds, the part of it the fold depends on (a later report of a
/// window changes its percentage and capture time, which closing reads, not its bounds).
fn bounds(official: &[RateLimitSnapshot]) -> Vec<(i64, i64)> {
    official
        .iter()
        .map(|s| (s.starts_at_ms(), s.resets_at_ms))
        .collect()
}

/// A provider's blocks over all its history, closed at `span.now_ms`, by start: from the
/// cache when it holds this generation's fold, else folded from the requests and cached.
pub(super) fn all_history(
    store: &Store,
    provider: ProviderId,
    official: Vec<RateLimitSnapshot>,
    span: &Span,
) -> Result<Vec<Block>> {
    let now = span.now_ms;
    // Read before the fold: a commit in between then leaves an entry under the older
    // generation, which no later call asks for, rather than old blocks under the newer one.
    let generation = store.generation().map_err(|e| store.db_err(e))?;
    let key = key(provider, span.floor_hour);
    let windows = bounds(&official);
    if let Some(entry) = store.cached_result::<Entry>(&key, generation)
        && entry.windows == windows
        && let Some(blocks) = entry.close(provider, &official, now)
    {
        return Ok(blocks);
    }
    let folded = fold(
        store,
        provider,
        official.clone(),
        span.floor_hour,
        i64::MIN,
        i64::MAX,
    )?;
    store.cache_result(&key, generation, &Entry::of(&folded, windows));
    Ok(folded.into_iter().map(|o| o.close(provider, now)).collect())
}

impl Entry {
    fn of(folded: &[Open], windows: Vec<(i64, i64)>) -> Entry {
        let blocks = folded
            .iter()
            .map(|o| Folded {
                official: o.snapshot.as_ref().and_then(|s| {
                    windows
                        .iter()
                        .position(|w| *w == (s.starts_at_ms(), s.resets_at_ms))
                }),
                start_ms: o.start_ms,
                end_ms: o.end_ms,
                totals: o.totals,
                last_ms: o.last_ms,
                // Closed at its own start - 1, a time it is not active at.
                burn: o.burn_rate(o.start_ms.saturating_sub(1)).map(|b| {
                    (
                        b.tokens_per_minute.to_bits(),
                        b.cost_per_hour.map(f64::to_bits),
                    )
                }),
            })
            .collect();
        let last_recent = folded
            .last()
            .map(|o| o.recent.iter().copied().collect())
            .unwrap_or_default();
        Entry {
            windows,
            blocks,
            last_recent,
        }
    }

    /// The blocks closed at `now`, or `None` when `now` is inside a block before the last
    /// (whose last hour of requests is not kept) or the entry does not fit the windows.
    fn close(
        self,
        provider: ProviderId,
        official: &[RateLimitSnapshot],
        now: i64,
    ) -> Option<Vec<Block>> {
        let n = self.blocks.len();
        let mut out = Vec::with_capacity(n);
        let mut last_recent = Some(self.last_recent);
        for (i, f) in self.blocks.into_iter().enumerate() {
            let snapshot = match f.official {
                Some(w) => Some(official.get(w)?.clone()),
                None => None,
            };
            let open = Open {
                source: if snapshot.is_some() {
                    BlockSource::Official
                } else {
                    BlockSource::Estimated
                },
                start_ms: f.start_ms,
                end_ms: f.end_ms,
                snapshot,
                totals: f.totals,
                last_ms: f.last_ms,
                recent: Default::default(),
            };
            if i + 1 == n {
                let open = Open {
                    recent: last_recent.take()?.into(),
                    ..open
                };
                out.push(open.close(provider, now));
                continue;
            }
            if open.is_active(now) {
                return None;
            }
            let burn = f.burn.map(|(tokens, cost)| BurnRate {
                tokens_per_minute: f64::from_bits(tokens),
                cost_per_hour: cost.map(f64::from_bits),
            });
            // Not active: closing reads "now" only for `stale`, and the burn rate is the one
            // computed at the fold (the hour before its last request).
            let mut block = open.close(provider, now);
            block.burn_rate = burn;
            out.push(block);
        }
        Some(out)
    }
}
