//! Offline pricing of AI coding-agent requests, in exact integer picodollars.
//!
//! The compiled-in [`PriceTable`] maps a model id as logged (any of its Anthropic, OpenAI,
//! Google, Bedrock, Vertex, Azure or gateway spellings, and the other vendors' models common
//! in Aider, OpenCode and Copilot) to the list prices that applied at the request's timestamp,
//! and prices one request's [`TokenCounts`] by the rules of docs/pricing.md:
//!
//! - buckets: fresh input, 5-minute cache writes, 1-hour cache writes, unsplit cache writes
//!   (at the 5-minute rate), cache reads, output (reasoning is already part of output);
//! - long context: when the prompt (input + cache writes + cache reads) is strictly above the
//!   model's threshold, every token of the request takes the premium rates;
//! - Bedrock regional endpoints (`us.`, `eu.`, `jp.`, `au.`, `apac.`) add 10 % on every
//!   category for Sonnet 4.5, Haiku 4.5, Opus 4.5 and later models.
//!
//! An unknown model has no price (`None`); it is never priced as a similar model.
//!
//! A rate is kept as micro-USD per million tokens, which is numerically picodollars per
//! token, so a cost is a plain sum of `tokens × rate` with no division and no floats.

mod context_window;
mod normalize;
mod overrides;
mod table;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use crate::record::TokenCounts;

use table::{ModelRow, Prices};

pub use overrides::{OverridesError, PriceOverrides, PriceSource};

/// Identifies the built-in table's revision; stored beside records so a table change re-prices them.
pub const PRICING_VERSION: &str = "2026-11-27.2";

/// Date the built-in prices were last checked against the vendors' pages.
pub const PRICES_CHECKED: &str = "2026-11-27";

/// An exact price in USD per million tokens, held as integer micro-USD per million tokens
/// (4.125 USD/Mtok is `4_125_000`). The same integer is the price of one token in picodollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PerMillion(u64);

impl PerMillion {
    /// A price of `micros` micro-USD per million tokens (= picodollars per token).
    pub const fn from_micros(micros: u64) -> PerMillion {
        PerMillion(micros)
    }

    /// The price in micro-USD per million tokens (= picodollars per token).
    pub const fn micros(self) -> u64 {
        self.0
    }

    /// Parses a decimal USD amount such as `"3.75"` or `"0.025"`: digits, optionally a dot
    /// and at most six decimals (finer than a micro-dollar is not representable). `None` for
    /// anything else, including signs, exponents and values that overflow.
    pub const fn parse_usd(s: &str) -> Option<PerMillion> {
        let bytes = s.as_bytes();
        let mut micros: u64 = 0;
        let mut i = 0;
        // Whole dollars: at least one digit.
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            micros = match push_digit(micros, bytes[i]) {
                Some(v) => v,
                None => return None,
            };
            i += 1;
        }
        if i == 0 {
            return None;
        }
        // Optional fraction: a dot then one to six digits.
        let mut decimals = 0;
        if i < bytes.len() {
            if bytes[i] != b'.' || i + 1 == bytes.len() {
                return None;
            }
            i += 1;
            while i < bytes.len() {
                if !bytes[i].is_ascii_digit() || decimals == 6 {
                    return None;
                }
                micros = match push_digit(micros, bytes[i]) {
                    Some(v) => v,
                    None => return None,
                };
                decimals += 1;
                i += 1;
            }
        }
        // Scale what was read to micro-dollars.
        while decimals < 6 {
            micros = match micros.checked_mul(10) {
                Some(v) => v,
                None => return None,
            };
            decimals += 1;
        }
        Some(PerMillion(micros))
    }

    /// This price plus 10 % (Bedrock regional endpoints). Exact for every table rate (all are
    /// multiples of 10 micro-USD); saturates instead of overflowing.
    pub const fn with_regional_uplift(self) -> PerMillion {
        PerMillion(self.0.saturating_mul(11) / 10)
    }

    /// `tokens × self` in picodollars; cannot overflow (u64 × u64 fits in u128).
    fn cost_pusd(self, tokens: u64) -> u128 {
        u128::from(tokens) * u128::from(self.0)
    }
}

/// `acc * 10 + digit`, `None` on overflow (`digit` is an ASCII digit).
const fn push_digit(acc: u64, digit: u8) -> Option<u64> {
    match acc.checked_mul(10) {
        Some(v) => v.checked_add(digit.saturating_sub(b'0') as u64),
        None => None,
    }
}

impl fmt::Display for PerMillion {
    /// Plain decimal USD with no trailing zeros: `3`, `0.3`, `4.125`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 1_000_000;
        let frac = self.0 % 1_000_000;
        if frac == 0 {
            return write!(f, "{whole}");
        }
        let digits = format!("{frac:06}");
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// The per-million-token rates of the five billed categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rates {
    /// Fresh input tokens.
    pub input: PerMillion,
    /// Output tokens (reasoning included).
    pub output: PerMillion,
    /// Cache writes with a 5-minute TTL, and writes whose TTL was not reported.
    pub cache_write_5m: PerMillion,
    /// Cache writes with a 1-hour TTL.
    pub cache_write_1h: PerMillion,
    /// Cache hits.
    pub cache_read: PerMillion,
}

impl Rates {
    /// Every rate plus 10 % (Bedrock regional endpoints).
    pub const fn with_regional_uplift(self) -> Rates {
        Rates {
            input: self.input.with_regional_uplift(),
            output: self.output.with_regional_uplift(),
            cache_write_5m: self.cache_write_5m.with_regional_uplift(),
            cache_write_1h: self.cache_write_1h.with_regional_uplift(),
            cache_read: self.cache_read.with_regional_uplift(),
        }
    }

    /// Cost of `tokens` at exactly these rates (no tier selection), in picodollars,
    /// saturating at `i64::MAX`.
    pub fn cost_pusd(&self, tokens: &TokenCounts) -> i64 {
        let buckets = [
            (tokens.input, self.input),
            (tokens.cache_creation_5m, self.cache_write_5m),
            (tokens.cache_creation_1h, self.cache_write_1h),
            // Writes with no TTL split: the API default TTL is 5 minutes (docs/pricing.md).
            (tokens.cache_creation_unsplit(), self.cache_write_5m),
            (tokens.cache_read, self.cache_read),
            // `reasoning` is a part of `output`, so it is not added again.
            (tokens.output, self.output),
        ];
        let total = buckets.iter().fold(0u128, |sum, &(n, rate)| {
            sum.saturating_add(rate.cost_pusd(n))
        });
        i64::try_from(total).unwrap_or(i64::MAX)
    }
}

/// A long-context tier: requests whose prompt is strictly above `above_tokens` pay `rates`
/// on every token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LongContext {
    /// Threshold on input + cache writes + cache reads; the tier starts at one token more.
    pub above_tokens: u64,
    /// The premium rates, applied to the whole request.
    pub rates: Rates,
}

/// A table of model prices: the compiled-in one is [`PriceTable::builtin`].
#[derive(Debug)]
pub struct PriceTable {
    rows: &'static [ModelRow],
    /// Normalized undated name (id or alias) → index into `rows`, and whether it is an alias.
    by_key: HashMap<String, (usize, bool)>,
    /// User overrides (none in the built-in table).
    overlay: overrides::Overlay,
}

impl PriceTable {
    /// The compiled-in table.
    pub fn builtin() -> &'static PriceTable {
        static BUILTIN: LazyLock<PriceTable> = LazyLock::new(|| PriceTable::new(table::ROWS));
        &BUILTIN
    }

    /// Indexes rows by every normalized name they answer to. A name that does not parse is
    /// skipped (the table tests reject such a row).
    fn new(rows: &'static [ModelRow]) -> PriceTable {
        let mut by_key = HashMap::new();
        for (index, row) in rows.iter().enumerate() {
            for (n, name) in std::iter::once(&row.id).chain(row.aliases).enumerate() {
                if let Some(parsed) = normalize::parse(name) {
                    by_key.insert(parsed.key, (index, n > 0));
                }
            }
        }
        PriceTable {
            rows,
            by_key,
            overlay: overrides::Overlay::default(),
        }
    }

    /// Resolves a model id as logged to a table entry, None when unknown (never another model's price).
    ///
    /// Matching is exact on the normalized undated name, so `claude-opus-4` never matches
    /// `claude-opus-4-1` and the most specific name always wins. A snapshot date is checked:
    /// one of the model's own dates, or a date the table does not know (a future snapshot of
    /// the same version is priced as that version), resolves; a date the table knows only for
    /// other models (`claude-sonnet-4-20250929`) is contradictory and resolves to nothing.
    ///
    /// With [overrides](PriceTable::with_overrides), the one override matching the model
    /// (exact id first, then the longest glob) patches a built-in entry or prices an unknown
    /// model; [`Resolved::source`] says which. A contradictory snapshot stays unresolved.
    pub fn resolve(&self, model: &str) -> Option<Resolved<'_>> {
        let parsed = normalize::parse(model);
        let known = match parsed.as_ref() {
            Some(p) => match self.by_key.get(&p.key) {
                Some(&(index, alias)) => {
                    let row = self.rows.get(index)?;
                    if let Some(date) = p.date
                        && !row.snapshots.contains(&date)
                        && self.rows.iter().any(|r| r.snapshots.contains(&date))
                    {
                        return None;
                    }
                    Some((index, row, alias, p.regional))
                }
                None => None,
            },
            None => None,
        };
        let hit = self
            .overlay
            .find(model, parsed.as_ref(), known.map(|k| k.0));
        match (known, hit) {
            (Some((_, row, _, regional)), Some(hit)) => Some(Resolved {
                canonical: row.id,
                regional_uplift: regional && row.regional_uplift,
                source: PriceSource::Override {
                    pattern: hit.pattern,
                    patches_builtin: true,
                },
                row,
                patch: Some(hit.fields),
            }),
            (None, Some(hit)) => Some(Resolved {
                canonical: hit.canonical,
                regional_uplift: false,
                source: PriceSource::Override {
                    pattern: hit.pattern,
                    patches_builtin: false,
                },
                row: overrides::unpriced_base(),
                patch: Some(hit.fields),
            }),
            (Some((_, row, alias, regional)), None) => Some(Resolved {
                canonical: row.id,
                regional_uplift: regional && row.regional_uplift,
                source: if alias {
                    PriceSource::Alias { of: row.id }
                } else {
                    PriceSource::Builtin
                },
                row,
                patch: None,
            }),
            (None, None) => None,
        }
    }

    /// Exact cost of one request in picodollars (1e-12 USD); None when the model is unknown.
    pub fn cost_pusd(&self, model: &str, timestamp_ms: i64, tokens: &TokenCounts) -> Option<i64> {
        self.resolve(model)
            .map(|resolved| resolved.cost_pusd(timestamp_ms, tokens))
    }

    /// Exact cost of one request in picodollars at the speed it was served: a request the
    /// log marks as fast mode costs the model's published fast-mode multiple
    /// ([`fast_mode_multiplier`]); a model without a published fast price is billed at its
    /// standard rates. `None` when the model is unknown.
    pub fn cost_pusd_at_speed(
        &self,
        model: &str,
        timestamp_ms: i64,
        tokens: &TokenCounts,
        fast: bool,
    ) -> Option<i64> {
        let resolved = self.resolve(model)?;
        let cost = resolved.cost_pusd(timestamp_ms, tokens);
        if !fast {
            return Some(cost);
        }
        Some(match fast_mode_multiplier(resolved.canonical) {
            Some((num, den)) => {
                let scaled = (cost.max(0) as u128).saturating_mul(num) / den;
                i64::try_from(scaled).unwrap_or(i64::MAX)
            }
            None => cost,
        })
    }

    /// The model's context window in tokens (docs/pricing.md, "Context windows"): 200,000
    /// for Claude models, 1,000,000 for 1M-context ones and ids logged with Claude Code's
    /// `[1m]` marker, 400,000 for the GPT-5 family, the reference's figure for the others.
    /// `None` for a model the table does not know: never a guess.
    pub fn context_window(&self, model: &str) -> Option<u64> {
        let resolved = self.resolve(model)?;
        context_window::of(resolved.canonical, model.trim().ends_with("[1m]"))
    }

    /// Canonical ids of every model in the table, in table order.
    pub fn canonical_ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.rows.iter().map(|row| row.id)
    }
}

/// What Scopeon's costs are (docs/pricing.md), said in every report and price document.
pub const COST_BASIS: &str = "API-equivalent list prices; subscription plans bill differently";

impl Rates {
    /// The rates as exact decimal strings in USD per million tokens (a JSON number could
    /// round them).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "input": self.input.to_string(),
            "output": self.output.to_string(),
            "cache_write_5m": self.cache_write_5m.to_string(),
            "cache_write_1h": self.cache_write_1h.to_string(),
            "cache_read": self.cache_read.to_string(),
        })
    }
}

impl PriceSource<'_> {
    /// The source as JSON: `{"kind": "builtin" | "alias" | "override", ...}`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            PriceSource::Builtin => serde_json::json!({ "kind": "builtin" }),
            PriceSource::Alias { of } => serde_json::json!({ "kind": "alias", "of": of }),
            PriceSource::Override {
                pattern,
                patches_builtin,
            } => serde_json::json!({
                "kind": "override",
                "pattern": pattern,
                "patches_builtin": patches_builtin,
            }),
        }
    }
}

/// The `scopeon.price.v1` document of a model id as logged: the entry that prices it, where
/// that entry comes from, and the rates and long-context tier in force at `at`. `None` when
/// the id has no price. `scopeon pricing MODEL --json` and the C ABI's `scopeon_price` both
/// answer with it.
pub fn price_document(
    table: &PriceTable,
    model: &str,
    at: jiff::Timestamp,
) -> Option<serde_json::Value> {
    let resolved = table.resolve(model)?;
    let at_ms = at.as_millisecond();
    Some(serde_json::json!({
        "schema": "scopeon.price.v1",
        "model": model,
        "canonical": resolved.canonical,
        "source": resolved.source.to_json(),
        "regional_uplift": resolved.regional_uplift,
        "at": at.to_string(),
        "unit": "USD per million tokens",
        "rates": resolved.rates_at(at_ms).to_json(),
        "long_context": resolved.long_context_at(at_ms).map(|tier| serde_json::json!({
            "above_tokens": tier.above_tokens,
            "rates": tier.rates.to_json(),
        })),
        "pricing_version": table.fingerprint(),
        "prices_checked": PRICES_CHECKED,
        "cost_basis": COST_BASIS,
    }))
}

/// Fast-mode price multiples as (numerator, denominator) of the standard price, by canonical
/// id (docs/pricing.md, "Fast mode": Opus 4.6 and 4.7 six times, Opus 4.8, 5 and 5.5 twice;
/// GPT-5.4 and GPT-5.3-codex twice, GPT-5.5 two and a half times). The multiple applies to
/// every token of the request, on top of tiers and regional uplift; a fractional picodollar
/// is dropped.
pub fn fast_mode_multiplier(canonical: &str) -> Option<(u128, u128)> {
    match canonical {
        "claude-opus-4-6" | "claude-opus-4-7" => Some((6, 1)),
        "claude-opus-4-8" | "claude-opus-5" | "claude-opus-5-5" => Some((2, 1)),
        "gpt-5.4" | "gpt-5.3-codex" => Some((2, 1)),
        "gpt-5.5" => Some((5, 2)),
        _ => None,
    }
}

/// A model id resolved to its table entry.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Resolved<'a> {
    /// The model's canonical id: its undated API name, e.g. `claude-sonnet-4-5`. For a model
    /// priced only by an override: the override's normalized id, or its glob as written.
    pub canonical: &'a str,
    /// The id named a Bedrock regional endpoint of a model that bills +10 % there; every
    /// rate this value reports already includes it.
    pub regional_uplift: bool,
    /// Where the prices came from: built-in, alias or override.
    pub source: PriceSource<'a>,
    row: &'a ModelRow,
    /// The user override applied on top of `row`, if any.
    patch: Option<&'a overrides::Fields>,
}

impl Resolved<'_> {
    /// Standard rates (at or below any long-context threshold) in force at `timestamp_ms`.
    pub fn rates_at(&self, timestamp_ms: i64) -> Rates {
        self.uplifted(self.prices_at(timestamp_ms).standard)
    }

    /// The long-context tier in force at `timestamp_ms`, if the model had one then.
    pub fn long_context_at(&self, timestamp_ms: i64) -> Option<LongContext> {
        self.prices_at(timestamp_ms)
            .long_context
            .map(|tier| LongContext {
                above_tokens: tier.above_tokens,
                rates: self.uplifted(tier.rates),
            })
    }

    /// The rates that apply to this request: premium for the whole request when its prompt
    /// is strictly above the threshold in force at `timestamp_ms`, standard otherwise.
    pub fn rates_for(&self, timestamp_ms: i64, tokens: &TokenCounts) -> Rates {
        match self.long_context_at(timestamp_ms) {
            Some(tier) if tokens.prompt_size() > tier.above_tokens => tier.rates,
            _ => self.rates_at(timestamp_ms),
        }
    }

    /// Exact cost of one request in picodollars, saturating at `i64::MAX`.
    pub fn cost_pusd(&self, timestamp_ms: i64, tokens: &TokenCounts) -> i64 {
        self.rates_for(timestamp_ms, tokens).cost_pusd(tokens)
    }

    fn prices_at(&self, timestamp_ms: i64) -> Prices {
        let base = *self.row.prices_at(timestamp_ms);
        match self.patch {
            Some(patch) => patch.apply(base),
            None => base,
        }
    }

    fn uplifted(&self, rates: Rates) -> Rates {
        if self.regional_uplift {
            rates.with_regional_uplift()
        } else {
            rates
        }
    }
}
