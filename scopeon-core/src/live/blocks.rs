//! Five-hour blocks: official windows where the agent reported one, estimated ones elsewhere
//! (docs/live.md, "Blocks").
//!
//! One provider at a time: its five-hour windows from the stored snapshots, then its requests
//! of the range, read once in time order through the `records (provider, ts_ms)` index, each
//! folded into the block it falls in. Memory holds the blocks, each with the time, tokens and
//! cost of its last hour of requests (its burn rate depends on "now", applied when it is
//! closed), never the range's requests.

use std::collections::VecDeque;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::rate_limits::RateLimitSnapshot;
use crate::error::Result;
use crate::record::ProviderId;
use crate::store::{Store, Totals};

/// A block's length: five hours.
pub const BLOCK_MS: i64 = 5 * 3_600_000;
/// The time burn rates are measured over: the last hour.
const BURN_WINDOW_MS: i64 = 3_600_000;
/// A snapshot older than this (at the window's end, or now) is stale.
pub const STALE_AFTER_MS: i64 = 10 * 60_000;
/// Above this share of its token limit, a block is in `warning`.
const WARNING_PERCENT: f64 = 80.0;

/// Where a block's window comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockSource {
    /// The agent reported the window (its reset time and usage).
    Official,
    /// Computed from the requests: five hours from the first request not in an earlier block.
    Estimated,
}

impl BlockSource {
    /// `official` or `estimated`, as in `scopeon.blocks.v1`.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockSource::Official => "official",
            BlockSource::Estimated => "estimated",
        }
    }
}

/// How fast a block was used over its last hour.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct BurnRate {
    /// Tokens per minute.
    pub tokens_per_minute: f64,
    /// Calculated cost per hour, USD (`None` when no request of the hour had a price).
    pub cost_per_hour: Option<f64>,
}

/// Where the active block ends up at its end if use goes on at its burn rate.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Projection {
    /// Total tokens at the block's end.
    pub total_tokens: u64,
    /// Calculated cost at the block's end, USD (`None` when nothing is priced).
    pub cost_usd: Option<f64>,
}

/// How a block stands against a token limit.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct TokenLimit {
    /// The limit, in total tokens.
    pub limit: u64,
    /// The block's projected total (its total when not active) as a percentage of the limit.
    pub projected_percent: f64,
    /// `ok`, `warning` (above 80 %) or `exceeds` (above 100 %).
    pub status: &'static str,
}

/// One block (or, with `gaps`, one gap between blocks).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Block {
    /// The provider whose window it is.
    pub provider: ProviderId,
    /// Official or estimated.
    pub source: BlockSource,
    /// Start, UTC milliseconds.
    pub start_ms: i64,
    /// End (exclusive), UTC milliseconds.
    pub end_ms: i64,
    /// The last request's time, if it has any.
    pub actual_end_ms: Option<i64>,
    /// Whether now is inside it.
    pub is_active: bool,
    /// Whether it is a gap between blocks rather than a block.
    pub is_gap: bool,
    /// Official only: whether its snapshot is older than 10 minutes at its end (or now).
    pub stale: Option<bool>,
    /// Official only: the percentage used the agent last reported.
    pub used_percentage: Option<f64>,
    /// Its requests' token fields, requests and calculated cost.
    pub totals: Totals,
    /// Over the last 60 minutes of the block; `None` under 2 requests or 1 minute.
    pub burn_rate: Option<BurnRate>,
    /// The active block only, when it has a burn rate.
    pub projection: Option<Projection>,
    /// When a token limit was asked for.
    pub token_limit: Option<TokenLimit>,
}

/// An official window longer than five hours (Claude's `seven_day`, Codex's `secondary`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LongWindow {
    /// The window as last reported.
    pub snapshot: RateLimitSnapshot,
    /// Whether the report is older than 10 minutes at the window's end (or now).
    pub stale: bool,
}

/// What one provider's blocks are computed over.
pub(crate) struct Span {
    /// Blocks overlapping `[from_ms, to_ms)` are listed.
    pub from_ms: i64,
    pub to_ms: i64,
    pub now_ms: i64,
    pub floor_hour: bool,
}

/// A provider's requests of `[load_from, load_to)` folded into its official windows and
/// estimated blocks, by start; nothing here depends on "now" (closing a block does).
pub(super) fn fold(
    store: &Store,
    provider: ProviderId,
    official: Vec<RateLimitSnapshot>,
    floor_hour: bool,
    load_from: i64,
    load_to: i64,
) -> Result<Vec<Open>> {
    let mut builder = Builder::new(official, floor_hour);
    store.each_request(provider, load_from, load_to, &mut |row| builder.push(row))?;
    Ok(builder.finish())
}

/// Whether a report was captured more than 10 minutes before its window ended (or before now,
/// for a window still running).
pub(super) fn is_stale(s: &RateLimitSnapshot, now_ms: i64) -> bool {
    s.captured_at_ms < s.resets_at_ms.min(now_ms) - STALE_AFTER_MS
}

/// One window per run of overlapping reports, the latest report winning: two windows of one
/// length cannot overlap, so overlapping ones are the same window whose reset time moved
/// (older Codex builds report the reset relative to the event, to the second).
pub(super) fn merge_windows(mut snapshots: Vec<RateLimitSnapshot>) -> Vec<RateLimitSnapshot> {
    snapshots.sort_by_key(|s| s.resets_at_ms);
    let mut merged: Vec<RateLimitSnapshot> = Vec::new();
    for s in snapshots {
        match merged.last_mut() {
            Some(last) if s.starts_at_ms() < last.resets_at_ms => {
                if (s.captured_at_ms, s.used_percentage)
                    > (last.captured_at_ms, last.used_percentage)
                {
                    *last = s;
                }
            }
            _ => merged.push(s),
        }
    }
    merged
}

/// A block being built: its window and what its requests add up to.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Open {
    pub(super) source: BlockSource,
    pub(super) start_ms: i64,
    pub(super) end_ms: i64,
    pub(super) snapshot: Option<RateLimitSnapshot>,
    pub(super) totals: Totals,
    pub(super) last_ms: Option<i64>,
    /// The requests of the last hour before the latest one: (time, total tokens, cost).
    pub(super) recent: VecDeque<(i64, u64, Option<i64>)>,
}

impl Open {
    fn new(source: BlockSource, start_ms: i64, end_ms: i64) -> Open {
        Open {
            source,
            start_ms,
            end_ms,
            snapshot: None,
            totals: Totals::default(),
            last_ms: None,
            recent: VecDeque::new(),
        }
    }

    fn add(&mut self, r: &crate::store::RequestRow) {
        let t = &mut self.totals;
        t.requests += r.requests;
        t.input_tokens += r.input;
        t.cache_creation_tokens += r.cache_creation;
        t.cache_read_tokens += r.cache_read;
        t.output_tokens += r.output;
        t.reasoning_tokens += r.reasoning;
        t.total_tokens += r.total;
        match r.cost_pusd {
            Some(c) => t.cost_pusd = Some(t.cost_pusd.unwrap_or(0) + i128::from(c)),
            None => t.unpriced_tokens += r.total,
        }
        self.last_ms = Some(r.ts_ms);
        self.recent.push_back((r.ts_ms, r.total, r.cost_pusd));
        while self
            .recent
            .front()
            .is_some_and(|(ts, ..)| *ts < r.ts_ms - BURN_WINDOW_MS)
        {
            self.recent.pop_front();
        }
    }

    /// Whether now is inside the block's window.
    pub(super) fn is_active(&self, now_ms: i64) -> bool {
        self.start_ms <= now_ms && now_ms < self.end_ms
    }

    /// The burn rate over the hour before its last request, or before now while it is
    /// active (an idle stretch slows the active block's rate).
    pub(super) fn burn_rate(&self, now_ms: i64) -> Option<BurnRate> {
        let last = self.last_ms?;
        let until = if self.is_active(now_ms) {
            now_ms.max(last)
        } else {
            last
        };
        let hour: Vec<_> = self
            .recent
            .iter()
            .filter(|(ts, ..)| *ts >= until - BURN_WINDOW_MS)
            .collect();
        let first = hour.first()?.0;
        let minutes = (until - first) as f64 / 60_000.0;
        if hour.len() < 2 || minutes < 1.0 {
            return None;
        }
        let tokens: u64 = hour.iter().map(|(_, t, _)| t).sum();
        let priced: Vec<i64> = hour.iter().filter_map(|(_, _, c)| *c).collect();
        let cost =
            (!priced.is_empty()).then(|| priced.iter().map(|c| *c as f64).sum::<f64>() / 1e12);
        Some(BurnRate {
            tokens_per_minute: tokens as f64 / minutes,
            cost_per_hour: cost.map(|c| c / minutes * 60.0),
        })
    }

    pub(super) fn close(self, provider: ProviderId, now_ms: i64) -> Block {
        let is_active = self.is_active(now_ms);
        let burn_rate = self.burn_rate(now_ms);
        let projection = match (is_active, burn_rate) {
            (true, Some(rate)) => {
                let left_min = (self.end_ms - now_ms).max(0) as f64 / 60_000.0;
                let cost_now = self.totals.cost_usd();
                Some(Projection {
                    total_tokens: self.totals.total_tokens
                        + (rate.tokens_per_minute * left_min).round() as u64,
                    cost_usd: match (cost_now, rate.cost_per_hour) {
                        (Some(c), Some(per_hour)) => Some(c + per_hour * left_min / 60.0),
                        (c, _) => c,
                    },
                })
            }
            _ => None,
        };
        Block {
            provider,
            source: self.source,
            start_ms: self.start_ms,
            end_ms: self.end_ms,
            actual_end_ms: self.last_ms,
            is_active,
            is_gap: false,
            stale: self.snapshot.as_ref().map(|s| is_stale(s, now_ms)),
            used_percentage: self.snapshot.as_ref().map(|s| s.used_percentage),
            totals: self.totals,
            burn_rate,
            projection,
            token_limit: None,
        }
    }
}

/// Folds requests, in time order, into official windows and estimated blocks.
struct Builder {
    floor_hour: bool,
    /// Official windows, by time, each with its totals so far.
    official: Vec<Open>,
    /// The first official window that has not ended before the latest request.
    next_official: usize,
    /// The estimated block being built.
    estimated: Option<Open>,
    done: Vec<Open>,
}

impl Builder {
    fn new(windows: Vec<RateLimitSnapshot>, floor_hour: bool) -> Builder {
        let official = windows
            .into_iter()
            .map(|s| {
                let mut open = Open::new(BlockSource::Official, s.starts_at_ms(), s.resets_at_ms);
                open.snapshot = Some(s);
                open
            })
            .collect();
        Builder {
            floor_hour,
            official,
            next_official: 0,
            estimated: None,
            done: Vec::new(),
        }
    }

    fn push(&mut self, r: crate::store::RequestRow) {
        while self
            .official
            .get(self.next_official)
            .is_some_and(|o| o.end_ms <= r.ts_ms)
        {
            self.next_official += 1;
        }
        let next = self.official.get_mut(self.next_official);
        if let Some(o) = next
            && o.start_ms <= r.ts_ms
        {
            o.add(&r);
            return;
        }
        if let Some(e) = &mut self.estimated
            && r.ts_ms < e.end_ms
        {
            e.add(&r);
            return;
        }
        if let Some(e) = self.estimated.take() {
            self.done.push(e);
        }
        // A new block at this request (its hour with --floor-hour), never reaching into an
        // official window before or after it.
        let mut start = if self.floor_hour {
            r.ts_ms - r.ts_ms.rem_euclid(3_600_000)
        } else {
            r.ts_ms
        };
        if let Some(before) = self.next_official.checked_sub(1) {
            start = start.max(self.official[before].end_ms);
        }
        let mut end = start.saturating_add(BLOCK_MS);
        if let Some(after) = self.official.get(self.next_official) {
            end = end.min(after.start_ms);
        }
        let mut block = Open::new(BlockSource::Estimated, start, end);
        block.add(&r);
        self.estimated = Some(block);
    }

    /// The blocks and official windows, by start.
    fn finish(mut self) -> Vec<Open> {
        if let Some(e) = self.estimated.take() {
            self.done.push(e);
        }
        self.done.extend(self.official);
        self.done.sort_by_key(|b| b.start_ms);
        self.done
    }
}

/// The gaps between consecutive blocks of one provider, as blocks with `is_gap`.
pub(crate) fn with_gaps(blocks: Vec<Block>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len() * 2);
    for b in blocks {
        if let Some(prev) = out.last()
            && prev.provider == b.provider
            && prev.end_ms < b.start_ms
        {
            out.push(Block {
                provider: b.provider,
                source: BlockSource::Estimated,
                start_ms: prev.end_ms,
                end_ms: b.start_ms,
                actual_end_ms: None,
                is_active: false,
                is_gap: true,
                stale: None,
                used_percentage: None,
                totals: Totals::default(),
                burn_rate: None,
                projection: None,
                token_limit: None,
            });
        }
        out.push(b);
    }
    out
}

/// The largest total of a provider's completed blocks (none active, no gap).
pub(crate) fn max_completed(blocks: &[Block]) -> Option<u64> {
    blocks
        .iter()
        .filter(|b| !b.is_gap && !b.is_active)
        .map(|b| b.totals.total_tokens)
        .max()
}

/// How a block stands against `limit`: its projection when active, else its total.
pub(crate) fn against_limit(block: &Block, limit: u64) -> Option<TokenLimit> {
    if block.is_gap || limit == 0 {
        return None;
    }
    let tokens = block
        .projection
        .map_or(block.totals.total_tokens, |p| p.total_tokens);
    let projected_percent = tokens as f64 * 100.0 / limit as f64;
    let status = if projected_percent > 100.0 {
        "exceeds"
    } else if projected_percent > WARNING_PERCENT {
        "warning"
    } else {
        "ok"
    };
    Some(TokenLimit {
        limit,
        projected_percent,
        status,
    })
}

/// RFC 3339 UTC of a time in milliseconds.
pub(crate) fn instant(ms: i64) -> Value {
    Timestamp::from_millisecond(ms).map_or(Value::Null, |t| json!(t.to_string()))
}

impl Block {
    /// The block as an entry of `scopeon.blocks.v1`'s `blocks` (docs/documents.md).
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "provider": self.provider.as_str(),
            "source": self.source.as_str(),
            "start": instant(self.start_ms),
            "end": instant(self.end_ms),
            "actual_end": self.actual_end_ms.map_or(Value::Null, instant),
            "is_active": self.is_active,
            "is_gap": self.is_gap,
            "stale": self.stale,
        });
        if let (Value::Object(obj), Value::Object(fields)) = (&mut v, self.totals.to_json(false)) {
            obj.extend(fields);
            obj.insert("used_percentage".into(), json!(self.used_percentage));
            obj.insert(
                "burn_rate".into(),
                self.burn_rate.map_or(Value::Null, |b| {
                    json!({"tokens_per_minute": b.tokens_per_minute, "cost_per_hour": b.cost_per_hour})
                }),
            );
            obj.insert(
                "projection".into(),
                self.projection.map_or(
                    Value::Null,
                    |p| json!({"total_tokens": p.total_tokens, "cost_usd": p.cost_usd}),
                ),
            );
            obj.insert(
                "token_limit".into(),
                self.token_limit.map_or(Value::Null, |t| {
                    json!({"limit": t.limit, "projected_percent": t.projected_percent, "status": t.status})
                }),
            );
        }
        v
    }
}

impl LongWindow {
    /// The window as an entry of `scopeon.blocks.v1`'s `windows`.
    pub fn to_json(&self) -> Value {
        let s = &self.snapshot;
        json!({
            "provider": s.provider.as_str(),
            "kind": s.kind,
            "window_minutes": s.window_minutes,
            "used_percentage": s.used_percentage,
            "resets_at": instant(s.resets_at_ms),
            "captured_at": instant(s.captured_at_ms),
            "stale": self.stale,
        })
    }
}
