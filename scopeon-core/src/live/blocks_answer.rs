//! `scopeon blocks` as a request and its answer: [`BlocksRequest`] in the command's words,
//! [`BlocksAnswer`] with its `scopeon.blocks.v1` document (docs/live.md, docs/documents.md).

use jiff::Timestamp;
use serde_json::{Value, json};

use super::blocks::{Block, LongWindow, Span, against_limit, instant, max_completed, with_gaps};
use super::provider_blocks::provider_blocks;
use crate::error::{Error, Result};
use crate::record::ProviderId;
use crate::store::Store;

/// `--recent`: the last three days.
const RECENT_MS: i64 = 3 * 24 * 3_600_000;

/// What `scopeon blocks` asks for, in the words of its flags. Values are checked when the
/// blocks are computed: an unknown provider or zone, a malformed time or token limit is an
/// [`Error::InvalidQuery`] saying what is accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlocksRequest {
    /// Only these providers; `claude_code` and `codex` when empty.
    pub providers: Vec<String>,
    /// Only blocks (and windows) that contain now.
    pub active: bool,
    /// Only blocks of the last three days (the active one included).
    pub recent: bool,
    /// Blocks that end after this day or instant (`--since` forms, docs/windows.md).
    pub since: Option<String>,
    /// Blocks that start before this day (included) or instant.
    pub until: Option<String>,
    /// `N` (total tokens) or `max` (the largest completed block of the provider).
    pub token_limit: Option<String>,
    /// Estimated blocks start at the hour (UTC) of their first request, as ccusage does.
    pub floor_hour: bool,
    /// List the gaps between blocks too (`is_gap`).
    pub gaps: bool,
    /// The zone `since` and `until` dates are read in (the environment's when `None`).
    pub tz: Option<String>,
    /// "Now" (the clock, or `$SCOPEON_NOW`, when `None`).
    pub now: Option<Timestamp>,
}

impl BlocksRequest {
    /// Every block of `claude_code` and `codex`.
    pub fn new() -> BlocksRequest {
        BlocksRequest::default()
    }

    /// Only these providers (comma lists are split).
    pub fn providers<S: AsRef<str>>(mut self, ids: impl IntoIterator<Item = S>) -> BlocksRequest {
        self.providers = crate::comma_list::split_commas(ids);
        self
    }

    /// Only blocks that contain now.
    pub fn active(mut self, active: bool) -> BlocksRequest {
        self.active = active;
        self
    }

    /// Only blocks of the last three days.
    pub fn recent(mut self, recent: bool) -> BlocksRequest {
        self.recent = recent;
        self
    }

    /// Blocks that end after this day or instant.
    pub fn since(mut self, spec: impl Into<String>) -> BlocksRequest {
        self.since = Some(spec.into());
        self
    }

    /// Blocks that start before this day (included) or instant.
    pub fn until(mut self, spec: impl Into<String>) -> BlocksRequest {
        self.until = Some(spec.into());
        self
    }

    /// A token limit: `"N"` or `"max"`.
    pub fn token_limit(mut self, limit: impl Into<String>) -> BlocksRequest {
        self.token_limit = Some(limit.into());
        self
    }

    /// Start estimated blocks at the UTC hour of their first request.
    pub fn floor_hour(mut self, floor: bool) -> BlocksRequest {
        self.floor_hour = floor;
        self
    }

    /// List the gaps between blocks.
    pub fn gaps(mut self, gaps: bool) -> BlocksRequest {
        self.gaps = gaps;
        self
    }

    /// Reads `since` and `until` in this IANA zone.
    pub fn tz(mut self, zone: impl Into<String>) -> BlocksRequest {
        self.tz = Some(zone.into());
        self
    }

    /// Computes as if it were `now` (for tests and replays).
    pub fn now(mut self, now: Timestamp) -> BlocksRequest {
        self.now = Some(now);
        self
    }
}

/// A token limit as asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LimitSpec {
    Tokens(u64),
    Max,
}

impl LimitSpec {
    fn parse(s: &str) -> Result<LimitSpec> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("max") {
            return Ok(LimitSpec::Max);
        }
        match s.replace('_', "").parse::<u64>() {
            Ok(n) if n > 0 => Ok(LimitSpec::Tokens(n)),
            _ => Err(Error::InvalidQuery(format!(
                "invalid token limit {s:?}: use a number of tokens such as 500000, or max"
            ))),
        }
    }
}

/// The blocks and longer windows asked for, with the metadata of `scopeon.blocks.v1`.
#[derive(Debug, Clone)]
pub struct BlocksAnswer {
    blocks: Vec<Block>,
    windows: Vec<LongWindow>,
    generated_at: Timestamp,
    hint: Option<String>,
}

impl BlocksAnswer {
    /// The blocks (and gaps, when asked), by provider then time.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Official windows longer than five hours.
    pub fn windows(&self) -> &[LongWindow] {
        &self.windows
    }

    /// "Now" as the answer was computed.
    pub fn generated_at(&self) -> Timestamp {
        self.generated_at
    }

    /// When there is no block: why, and what to try.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The `scopeon.blocks.v1` document (docs/documents.md).
    pub fn to_document(&self) -> Value {
        json!({
            "schema": "scopeon.blocks.v1",
            "generated_at": self.generated_at.to_string(),
            "blocks": self.blocks.iter().map(Block::to_json).collect::<Vec<_>>(),
            "windows": self.windows.iter().map(LongWindow::to_json).collect::<Vec<_>>(),
        })
    }
}

/// A request with its values resolved by the front door.
pub(crate) struct Resolved {
    pub providers: Vec<ProviderId>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub now: Timestamp,
}

/// Checks the values only the computation reads (the token limit).
pub(crate) fn check(req: &BlocksRequest) -> Result<()> {
    req.token_limit
        .as_deref()
        .map(LimitSpec::parse)
        .transpose()
        .map(|_| ())
}

/// Computes the answer (docs/live.md, "Blocks").
pub(crate) fn answer(store: &Store, req: &BlocksRequest, r: &Resolved) -> Result<BlocksAnswer> {
    let now_ms = r.now.as_millisecond();
    let limit = req
        .token_limit
        .as_deref()
        .map(LimitSpec::parse)
        .transpose()?;
    let mut from_ms = r.since_ms.unwrap_or(i64::MIN);
    if req.recent {
        from_ms = from_ms.max(now_ms - RECENT_MS);
    }
    if req.active {
        // A block that contains now started at most five hours ago.
        from_ms = from_ms.max(now_ms - super::blocks::BLOCK_MS);
    }
    let to_ms = r.until_ms.unwrap_or(i64::MAX);
    let span = Span {
        from_ms,
        to_ms,
        now_ms,
        floor_hour: req.floor_hour,
    };
    let mut blocks = Vec::new();
    let mut windows = Vec::new();
    for &provider in &r.providers {
        let (mut mine, long) = provider_blocks(store, provider, &span)?;
        let limit = match limit {
            None => None,
            Some(LimitSpec::Tokens(n)) => Some(n),
            // Of all the provider's history, before --active and --recent narrow the list:
            // one more pass over its requests unless this one already covered them all.
            Some(LimitSpec::Max) if from_ms == i64::MIN && to_ms == i64::MAX => {
                max_completed(&mine)
            }
            Some(LimitSpec::Max) => {
                let all = Span {
                    from_ms: i64::MIN,
                    to_ms: i64::MAX,
                    ..span
                };
                max_completed(&provider_blocks(store, provider, &all)?.0)
            }
        };
        if req.active {
            mine.retain(|b| b.is_active);
        }
        for b in &mut mine {
            b.token_limit = limit.and_then(|l| against_limit(b, l));
        }
        if req.gaps && !req.active {
            mine = with_gaps(mine);
        }
        blocks.extend(mine);
        windows.extend(long.into_iter().filter(|w| {
            !req.active || (w.snapshot.starts_at_ms() <= now_ms && now_ms < w.snapshot.resets_at_ms)
        }));
    }
    let hint = if blocks.is_empty() {
        Some(empty_hint(store, &r.providers)?)
    } else {
        None
    };
    Ok(BlocksAnswer {
        blocks,
        windows,
        generated_at: r.now,
        hint,
    })
}

/// Why there is no block, and what to try: no usage stored at all, or none in the window.
fn empty_hint(store: &Store, providers: &[ProviderId]) -> Result<String> {
    let names: Vec<&str> = providers.iter().map(|p| p.as_str()).collect();
    let mut spans = Vec::new();
    for &p in providers {
        if let Some((first, last)) = store.request_span(p)? {
            spans.push(format!(
                "{} has requests from {} to {}",
                p.as_str(),
                instant(first).as_str().unwrap_or("?"),
                instant(last).as_str().unwrap_or("?")
            ));
        }
    }
    Ok(if spans.is_empty() {
        format!(
            "no usage is stored for {}: `scopeon providers` shows where their logs are looked for, and `scopeon report --demo` shows Scopeon on sample data",
            names.join(", ")
        )
    } else {
        format!(
            "no block in this window; {}: widen or drop --since/--until, --active or --recent",
            spans.join("; ")
        )
    })
}
