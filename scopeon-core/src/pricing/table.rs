//! The built-in price table, as plain data.
//!
//! Source: the price reference compiled on 2026-11-27, §1–§4 (one row per model there), with
//! the corrections of §8/§9 (official 1-hour write prices for Haiku 3.5, Opus 3, Haiku 3 and
//! Sonnet 4.5; L110 rather than L80 cache reads for Gemini 2.5 Pro / Flash-Lite; the 2025
//! price of `grok-code-fast-1`; L110 rather than L80's bare `deepseek-chat`) and the dated
//! changes of §1/§8. The tags (§n, L80, L110, ANT-FEB26, CCU) are defined in docs/pricing.md,
//! "Sources of the built-in table". Prices are USD per million tokens written as in the
//! reference, in the column order input, output, 5-minute (or default) cache write, 1-hour
//! (or extended) cache write, cache read. Editing a price here means bumping
//! [`super::PRICING_VERSION`].
//!
//! Rules for the non-Anthropic rows (each row's comment names its source row):
//! - Output includes reasoning/thinking (OpenAI, Google and the others bill it as output).
//! - Cache write: the reference's figure where it has one (GPT-5.6+/GPT-6 default and 12-hour
//!   writes, MiniMax, Kimi); `0` where it has none or says 0: OpenAI up to GPT-5.5, Gemini
//!   (storage is billed per token-hour, not per written token; L110's 0.25 `>200k` write is
//!   the §3 † anomaly), DeepSeek, GLM, xAI, Qwen hosts. Those vendors' records carry no
//!   cache-write tokens (docs/tokens.md).
//! - Cache read with no price in the reference (`—`: the `-pro` OpenAI models, Grok 4, GLM-4.5,
//!   third-party hosts): priced at the input rate. A token the vendor reports as cached but
//!   gives no discount for is billed as ordinary input; this never under-bills.
//! - Long context: the whole request at the premium rates when its prompt is strictly above
//!   the threshold (docs/pricing.md): 272k for OpenAI GPT-5.4+ (§6), 200k for Gemini (§6) and
//!   xAI, 128k for Grok 4.
//! - Not priced (no row, so `None`): DashScope `qwen3-coder-plus/-flash` (four input-range
//!   tiers with `≥` boundaries that one whole-request tier cannot express), Mistral (not in
//!   the reference), `*-maas`/Azure AI ids of open models (prices not checked in §4).

use super::{LongContext, PerMillion, Rates};

/// Who sells the model at the row's prices (drives the table's per-vendor sanity tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Vendor {
    Anthropic,
    OpenAi,
    Google,
    DeepSeek,
    XAi,
    Moonshot,
    Zai,
    MiniMax,
    /// A third-party host of an open-weight model (OpenRouter, Groq, Fireworks, Vercel, Bedrock).
    Host,
}

/// One model: its names and its prices over time.
#[derive(Debug)]
pub(super) struct ModelRow {
    /// Canonical id: the model's undated API name (with its host route for a host-priced
    /// open-weight model, e.g. `openrouter/z-ai/glm-4.6`).
    pub id: &'static str,
    /// Who sells it at these prices (read by the table's tests only).
    #[cfg_attr(not(test), allow(dead_code))]
    pub vendor: Vendor,
    /// Other undated names that mean exactly this model (`-latest`, marketing names).
    pub aliases: &'static [&'static str],
    /// Known snapshot dates (`YYYYMMDD`) published for this model.
    pub snapshots: &'static [u32],
    /// Bedrock regional endpoints bill +10 % (Sonnet 4.5, Haiku 4.5, Opus 4.5 and later).
    pub regional_uplift: bool,
    /// Prices from launch.
    pub prices: Prices,
    /// Later price changes, oldest first.
    pub changes: &'static [Change],
}

/// The prices in force during one period.
#[derive(Debug, Clone, Copy)]
pub(super) struct Prices {
    /// Rates of a request at or below the long-context threshold.
    pub standard: Rates,
    /// The premium tier, for models that have one in this period.
    pub long_context: Option<LongContext>,
}

/// A price change taking effect at `from_ms` (UTC milliseconds, inclusive).
#[derive(Debug)]
pub(super) struct Change {
    /// First millisecond at which `prices` apply.
    pub from_ms: i64,
    /// Prices from then on (until a later change).
    pub prices: Prices,
}

impl ModelRow {
    /// The prices in force at `timestamp_ms`.
    pub fn prices_at(&self, timestamp_ms: i64) -> &Prices {
        self.changes
            .iter()
            .rev()
            .find(|c| c.from_ms <= timestamp_ms)
            .map_or(&self.prices, |c| &c.prices)
    }
}

/// A decimal USD literal from the table; a malformed one fails the build (the table is a
/// `static`, so this runs at compile time only).
const fn usd(s: &str) -> PerMillion {
    match PerMillion::parse_usd(s) {
        Some(p) => p,
        None => panic!("malformed price literal in the pricing table"),
    }
}

/// Rates in the reference's column order: In, Out, CW5m, CW1h, CR.
const fn r(input: &str, output: &str, cw5m: &str, cw1h: &str, read: &str) -> Rates {
    Rates {
        input: usd(input),
        output: usd(output),
        cache_write_5m: usd(cw5m),
        cache_write_1h: usd(cw1h),
        cache_read: usd(read),
    }
}

/// Rates with one cache-write price for every TTL: In, Out, CW, CR.
const fn w(input: &str, output: &str, write: &str, read: &str) -> Rates {
    r(input, output, write, write, read)
}

/// Prices with no long-context tier.
const fn flat(standard: Rates) -> Prices {
    Prices {
        standard,
        long_context: None,
    }
}

/// Prices with a whole-request premium above `above_tokens` of prompt.
const fn tiered(standard: Rates, above_tokens: u64, premium: Rates) -> Prices {
    Prices {
        standard,
        long_context: Some(LongContext {
            above_tokens,
            rates: premium,
        }),
    }
}

/// UTC midnight of a civil date in milliseconds since the epoch (proleptic Gregorian;
/// H. Hinnant's `days_from_civil`).
pub(super) const fn utc_midnight_ms(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400_000
}

/// 1M context went GA at standard prices for Opus 4.6 / Sonnet 4.6 (§8 timeline).
const LONG_CONTEXT_GA_4_6: i64 = utc_midnight_ms(2026, 3, 13);
/// Sonnet 5.5 cache read cut 0.20 → 0.10 (§1 Sonnet 5.5 row; midnight UTC assumed).
const SONNET_5_5_CACHE_CUT: i64 = utc_midnight_ms(2026, 10, 7);

/// Every model of §1–§4.
pub(super) static ROWS: &[ModelRow] = &[
    // --- Opus ---
    // §1 `claude-opus-4-20250514` (Opus 4): 15 | 75 | 18.75 | 30 | 1.5
    ModelRow {
        id: "claude-opus-4",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[20250514],
        regional_uplift: false,
        prices: flat(r("15", "75", "18.75", "30", "1.5")),
        changes: &[],
    },
    // §1 `claude-opus-4-1-20250805` (Opus 4.1): 15 | 75 | 18.75 | 30 | 1.5
    ModelRow {
        id: "claude-opus-4-1",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[20250805],
        regional_uplift: false,
        prices: flat(r("15", "75", "18.75", "30", "1.5")),
        changes: &[],
    },
    // §1 `claude-opus-4-5-20251101`: 5 | 25 | 6.25 | 10 | 0.5
    ModelRow {
        id: "claude-opus-4-5",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[20251101],
        regional_uplift: true,
        prices: flat(r("5", "25", "6.25", "10", "0.5")),
        changes: &[],
    },
    // §1 `claude-opus-4-6` (`-20260205`): 5 | 25 | 6.25 | 10 | 0.5;
    // ANT-FEB26 >200k 10 / 37.50 with §8 cache multipliers, until 2026-03-13.
    ModelRow {
        id: "claude-opus-4-6",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[20260205],
        regional_uplift: true,
        prices: tiered(
            r("5", "25", "6.25", "10", "0.5"),
            200_000,
            r("10", "37.5", "12.5", "20", "1"),
        ),
        changes: &[Change {
            from_ms: LONG_CONTEXT_GA_4_6,
            prices: flat(r("5", "25", "6.25", "10", "0.5")),
        }],
    },
    // §1 `claude-opus-4-7` (`-20260416`): 5 | 25 | 6.25 | 10 | 0.5
    ModelRow {
        id: "claude-opus-4-7",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[20260416],
        regional_uplift: true,
        prices: flat(r("5", "25", "6.25", "10", "0.5")),
        changes: &[],
    },
    // §1 `claude-opus-4-8`: 5 | 25 | 6.25 | 10 | 0.5
    ModelRow {
        id: "claude-opus-4-8",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("5", "25", "6.25", "10", "0.5")),
        changes: &[],
    },
    // §1 `claude-opus-5`: 5 | 25 | 6.25 | 10 | 0.5
    ModelRow {
        id: "claude-opus-5",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("5", "25", "6.25", "10", "0.5")),
        changes: &[],
    },
    // §1 `claude-opus-5-5`: 4 | 20 | 5 | 8 | 0.2 (cache read 0.05×, §8 exception)
    ModelRow {
        id: "claude-opus-5-5",
        vendor: Vendor::Anthropic,
        aliases: &["claude-opus-latest"],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("4", "20", "5", "8", "0.2")),
        changes: &[],
    },
    // §1 `claude-3-opus-20240229`: 15 | 75 | 18.75 | 30 (official; L80's 6 is wrong) | 1.5
    ModelRow {
        id: "claude-3-opus",
        vendor: Vendor::Anthropic,
        aliases: &["claude-3-opus-latest"],
        snapshots: &[20240229],
        regional_uplift: false,
        prices: flat(r("15", "75", "18.75", "30", "1.5")),
        changes: &[],
    },
    // --- Sonnet ---
    // §1 `claude-sonnet-4-20250514` (Sonnet 4): 3 | 15 | 3.75 | 6 | 0.3;
    // >200k 6 / 22.5 / 7.5 / 12 / 0.6
    ModelRow {
        id: "claude-sonnet-4",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[20250514],
        regional_uplift: false,
        prices: tiered(
            r("3", "15", "3.75", "6", "0.3"),
            200_000,
            r("6", "22.5", "7.5", "12", "0.6"),
        ),
        changes: &[],
    },
    // §1 `claude-sonnet-4-5-20250929`: 3 | 15 | 3.75 | 6 (official; §9) | 0.3;
    // >200k 6 / 22.5 / 7.5 / 12 / 0.6
    ModelRow {
        id: "claude-sonnet-4-5",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[20250929],
        regional_uplift: true,
        prices: tiered(
            r("3", "15", "3.75", "6", "0.3"),
            200_000,
            r("6", "22.5", "7.5", "12", "0.6"),
        ),
        changes: &[],
    },
    // §1 `claude-sonnet-4-6`: 3 | 15 | 3.75 | 6 | 0.3;
    // ANT-FEB26 >200k 6 / 22.50 with §8 cache multipliers, until 2026-03-13.
    ModelRow {
        id: "claude-sonnet-4-6",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[],
        regional_uplift: true,
        prices: tiered(
            r("3", "15", "3.75", "6", "0.3"),
            200_000,
            r("6", "22.5", "7.5", "12", "0.6"),
        ),
        changes: &[Change {
            from_ms: LONG_CONTEXT_GA_4_6,
            prices: flat(r("3", "15", "3.75", "6", "0.3")),
        }],
    },
    // §1 `claude-sonnet-5`: 2 | 10 | 2.5 | 4 | 0.2
    ModelRow {
        id: "claude-sonnet-5",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("2", "10", "2.5", "4", "0.2")),
        changes: &[],
    },
    // §1 `claude-sonnet-5-5`: 2 | 10 | 2.5 | 4 | 0.1; cache read 0.20 before 2026-10-07.
    ModelRow {
        id: "claude-sonnet-5-5",
        vendor: Vendor::Anthropic,
        aliases: &["claude-sonnet-latest"],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("2", "10", "2.5", "4", "0.2")),
        changes: &[Change {
            from_ms: SONNET_5_5_CACHE_CUT,
            prices: flat(r("2", "10", "2.5", "4", "0.1")),
        }],
    },
    // §1 `claude-3-7-sonnet-20250219`: 3 | 15 | 3.75 | 6 | 0.3
    ModelRow {
        id: "claude-3-7-sonnet",
        vendor: Vendor::Anthropic,
        aliases: &["claude-3-7-sonnet-latest"],
        snapshots: &[20250219],
        regional_uplift: false,
        prices: flat(r("3", "15", "3.75", "6", "0.3")),
        changes: &[],
    },
    // §1 `claude-3-5-sonnet-20241022` / `-20240620`: 3 | 15 | 3.75 | 6 | 0.3
    ModelRow {
        id: "claude-3-5-sonnet",
        vendor: Vendor::Anthropic,
        aliases: &["claude-3-5-sonnet-latest"],
        snapshots: &[20241022, 20240620],
        regional_uplift: false,
        prices: flat(r("3", "15", "3.75", "6", "0.3")),
        changes: &[],
    },
    // --- Haiku ---
    // §1 `claude-3-haiku-20240307`: 0.25 | 1.25 | 0.3 | 0.5 (official; L80's 6 is wrong) | 0.03
    ModelRow {
        id: "claude-3-haiku",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[20240307],
        regional_uplift: false,
        prices: flat(r("0.25", "1.25", "0.3", "0.5", "0.03")),
        changes: &[],
    },
    // §1 `claude-3-5-haiku-20241022`: 0.8 | 4 | 1 | 1.6 (official; L80's 6 is wrong) | 0.08
    ModelRow {
        id: "claude-3-5-haiku",
        vendor: Vendor::Anthropic,
        aliases: &["claude-3-5-haiku-latest"],
        snapshots: &[20241022],
        regional_uplift: false,
        prices: flat(r("0.8", "4", "1", "1.6", "0.08")),
        changes: &[],
    },
    // §1 `claude-haiku-4-5-20251001`: 1 | 5 | 1.25 | 2 | 0.1
    ModelRow {
        id: "claude-haiku-4-5",
        vendor: Vendor::Anthropic,
        aliases: &[],
        snapshots: &[20251001],
        regional_uplift: true,
        prices: flat(r("1", "5", "1.25", "2", "0.1")),
        changes: &[],
    },
    // §1 `claude-haiku-5-5`: 0.1 | 0.5 | 0.125 | 0.2 | 0.01;
    // >100k 0.5 / 2.5 / 0.625 / 1.0 / 0.05 (§8: prompt > 100,000 ⇒ whole request)
    ModelRow {
        id: "claude-haiku-5-5",
        vendor: Vendor::Anthropic,
        aliases: &["claude-haiku-latest"],
        snapshots: &[],
        regional_uplift: true,
        prices: tiered(
            r("0.1", "0.5", "0.125", "0.2", "0.01"),
            100_000,
            r("0.5", "2.5", "0.625", "1.0", "0.05"),
        ),
        changes: &[],
    },
    // --- Fable / Mythos ---
    // §1 `claude-fable-5`: 10 | 50 | 12.5 | 20 | 1
    ModelRow {
        id: "claude-fable-5",
        vendor: Vendor::Anthropic,
        aliases: &["claude-mythos-5", "claude-mythos-preview"],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("10", "50", "12.5", "20", "1")),
        changes: &[],
    },
    // §1 `claude-fable-5-1`: 10 | 50 | 12.5 | 20 | 0.25 (cache read 0.025×, §8 exception)
    ModelRow {
        id: "claude-fable-5-1",
        vendor: Vendor::Anthropic,
        aliases: &["claude-mythos-5-1", "claude-fable-latest"],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("10", "50", "12.5", "20", "0.25")),
        changes: &[],
    },
    // --- OpenAI (§2; CW 0 up to GPT-5.5, reasoning inside output) ---
    // §2 `gpt-5` (`-2025-08-07`): 1.25 | 10 | CR 0.125
    ModelRow {
        id: "gpt-5",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20250807],
        regional_uplift: false,
        prices: flat(w("1.25", "10", "0", "0.125")),
        changes: &[],
    },
    // §2 `gpt-5-codex`: 1.25 | 10 | CR 0.125
    ModelRow {
        id: "gpt-5-codex",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.25", "10", "0", "0.125")),
        changes: &[],
    },
    // §2 `gpt-5-mini` (`-2025-08-07`): 0.25 | 2 | CR 0.025
    ModelRow {
        id: "gpt-5-mini",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20250807],
        regional_uplift: false,
        prices: flat(w("0.25", "2", "0", "0.025")),
        changes: &[],
    },
    // §2 `gpt-5-nano` (`-2025-08-07`): 0.05 | 0.4 | CR 0.005
    ModelRow {
        id: "gpt-5-nano",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20250807],
        regional_uplift: false,
        prices: flat(w("0.05", "0.4", "0", "0.005")),
        changes: &[],
    },
    // §2 `gpt-5-pro` (`-2025-10-06`): 15 | 120 | CR — (input rate)
    ModelRow {
        id: "gpt-5-pro",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20251006],
        regional_uplift: false,
        prices: flat(w("15", "120", "0", "15")),
        changes: &[],
    },
    // §2 `gpt-5.1` (`-2025-11-13`): 1.25 | 10 | CR 0.125
    ModelRow {
        id: "gpt-5.1",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20251113],
        regional_uplift: false,
        prices: flat(w("1.25", "10", "0", "0.125")),
        changes: &[],
    },
    // §2 `gpt-5.1-codex`: 1.25 | 10 | CR 0.125
    ModelRow {
        id: "gpt-5.1-codex",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.25", "10", "0", "0.125")),
        changes: &[],
    },
    // §2 `gpt-5.1-codex-mini`: 0.25 | 2 | CR 0.025
    ModelRow {
        id: "gpt-5.1-codex-mini",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.25", "2", "0", "0.025")),
        changes: &[],
    },
    // §2 `gpt-5.1-codex-max`: 1.25 | 10 | CR 0.125
    ModelRow {
        id: "gpt-5.1-codex-max",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.25", "10", "0", "0.125")),
        changes: &[],
    },
    // §2 `gpt-5.2` (`-2025-12-11`): 1.75 | 14 | CR 0.175
    ModelRow {
        id: "gpt-5.2",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20251211],
        regional_uplift: false,
        prices: flat(w("1.75", "14", "0", "0.175")),
        changes: &[],
    },
    // §2 `gpt-5.2-codex`: 1.75 | 14 | CR 0.175
    ModelRow {
        id: "gpt-5.2-codex",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.75", "14", "0", "0.175")),
        changes: &[],
    },
    // §2 `gpt-5.3-codex`: 1.75 | 14 | CR 0.175
    ModelRow {
        id: "gpt-5.3-codex",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.75", "14", "0", "0.175")),
        changes: &[],
    },
    // §2 `gpt-5.2-pro` (`-2025-12-11`): 21 | 168 | CR — (input rate)
    ModelRow {
        id: "gpt-5.2-pro",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20251211],
        regional_uplift: false,
        prices: flat(w("21", "168", "0", "21")),
        changes: &[],
    },
    // §2 `gpt-5.4` (`-2026-03-05`): 2.5 | 15 | CR 0.25; >272k 5 / 22.5 / — / 0.5
    ModelRow {
        id: "gpt-5.4",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20260305],
        regional_uplift: false,
        prices: tiered(
            w("2.5", "15", "0", "0.25"),
            272_000,
            w("5", "22.5", "0", "0.5"),
        ),
        changes: &[],
    },
    // §2 `gpt-5.4-mini` (`-2026-03-17`): 0.75 | 4.5 | CR 0.075
    ModelRow {
        id: "gpt-5.4-mini",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20260317],
        regional_uplift: false,
        prices: flat(w("0.75", "4.5", "0", "0.075")),
        changes: &[],
    },
    // §2 `gpt-5.4-nano` (`-2026-03-17`): 0.2 | 1.25 | CR 0.02
    ModelRow {
        id: "gpt-5.4-nano",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20260317],
        regional_uplift: false,
        prices: flat(w("0.2", "1.25", "0", "0.02")),
        changes: &[],
    },
    // §2 `gpt-5.4-pro`: 30 | 180 | CR — (input rate); >272k 60 / 270
    ModelRow {
        id: "gpt-5.4-pro",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(
            w("30", "180", "0", "30"),
            272_000,
            w("60", "270", "0", "60"),
        ),
        changes: &[],
    },
    // §2 `gpt-5.5-pro`: 30 | 180 | CR — (input rate); >272k 60 / 270
    ModelRow {
        id: "gpt-5.5-pro",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(
            w("30", "180", "0", "30"),
            272_000,
            w("60", "270", "0", "60"),
        ),
        changes: &[],
    },
    // §2 `gpt-5.5` (`-2026-04-23`): 5 | 30 | CR 0.5; >272k 10 / 45 / — / 1
    ModelRow {
        id: "gpt-5.5",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20260423],
        regional_uplift: false,
        prices: tiered(w("5", "30", "0", "0.5"), 272_000, w("10", "45", "0", "1")),
        changes: &[],
    },
    // §2 `gpt-5.6` = `gpt-5.6-sol`: 4 | 20 | CR 0.4 | CW 5 (12h CW 10 in the 1h column);
    // >272k 8 / 30 / CW 10 (12h 20) / CR 0.8
    ModelRow {
        id: "gpt-5.6",
        vendor: Vendor::OpenAi,
        aliases: &["gpt-5.6-sol"],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(
            r("4", "20", "5", "10", "0.4"),
            272_000,
            r("8", "30", "10", "20", "0.8"),
        ),
        changes: &[],
    },
    // §2 `gpt-5.6-terra`: 2 | 12 | CR 0.2 | CW 2.5; >272k 4 / 18 / 5 / 0.4
    ModelRow {
        id: "gpt-5.6-terra",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(
            w("2", "12", "2.5", "0.2"),
            272_000,
            w("4", "18", "5", "0.4"),
        ),
        changes: &[],
    },
    // §2 `gpt-5.6-luna`: 0.2 | 1.2 | CR 0.02 | CW 0.25; >272k 0.4 / 1.8 / 0.5 / 0.04
    ModelRow {
        id: "gpt-5.6-luna",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(
            w("0.2", "1.2", "0.25", "0.02"),
            272_000,
            w("0.4", "1.8", "0.5", "0.04"),
        ),
        changes: &[],
    },
    // §2 `gpt-6-sol`: 2 | 10 | CR 0.2 | CW 2.5; >272k 4 / 15 / 5 / 0.4
    ModelRow {
        id: "gpt-6-sol",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(
            w("2", "10", "2.5", "0.2"),
            272_000,
            w("4", "15", "5", "0.4"),
        ),
        changes: &[],
    },
    // §2 `gpt-6-luna`: 0.1 | 0.5 | CR 0.01 | CW 0.125; >272k 0.2 / 0.75 / 0.25 / 0.02
    ModelRow {
        id: "gpt-6-luna",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(
            w("0.1", "0.5", "0.125", "0.01"),
            272_000,
            w("0.2", "0.75", "0.25", "0.02"),
        ),
        changes: &[],
    },
    // §2 `gpt-6.1-sol`: 2 | 10 | CR 0.1 | CW 2.5; >272k 4 / 15 / 5 / 0.2
    ModelRow {
        id: "gpt-6.1-sol",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(
            w("2", "10", "2.5", "0.1"),
            272_000,
            w("4", "15", "5", "0.2"),
        ),
        changes: &[],
    },
    // §2 `gpt-6.1-terra`: 1 | 5 | CR 0.05 | CW 1.25; >272k 2 / 7.5 / 2.5 / 0.1
    ModelRow {
        id: "gpt-6.1-terra",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(
            w("1", "5", "1.25", "0.05"),
            272_000,
            w("2", "7.5", "2.5", "0.1"),
        ),
        changes: &[],
    },
    // §2 `gpt-4.1` (`-2025-04-14`): 2 | 8 | CR 0.5
    ModelRow {
        id: "gpt-4.1",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20250414],
        regional_uplift: false,
        prices: flat(w("2", "8", "0", "0.5")),
        changes: &[],
    },
    // §2 `gpt-4.1-mini` (`-2025-04-14`): 0.4 | 1.6 | CR 0.1
    ModelRow {
        id: "gpt-4.1-mini",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20250414],
        regional_uplift: false,
        prices: flat(w("0.4", "1.6", "0", "0.1")),
        changes: &[],
    },
    // §2 `gpt-4.1-nano` (`-2025-04-14`): 0.1 | 0.4 | CR 0.025
    ModelRow {
        id: "gpt-4.1-nano",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20250414],
        regional_uplift: false,
        prices: flat(w("0.1", "0.4", "0", "0.025")),
        changes: &[],
    },
    // §2 `gpt-4o` (`-2024-08-06`, `-2024-11-20`): 2.5 | 10 | CR 1.25
    ModelRow {
        id: "gpt-4o",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20240806, 20241120],
        regional_uplift: false,
        prices: flat(w("2.5", "10", "0", "1.25")),
        changes: &[],
    },
    // §2 `gpt-4o-mini` (`-2024-07-18`): 0.15 | 0.6 | CR 0.075
    ModelRow {
        id: "gpt-4o-mini",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20240718],
        regional_uplift: false,
        prices: flat(w("0.15", "0.6", "0", "0.075")),
        changes: &[],
    },
    // §2 `o3` (`-2025-04-16`): 2 | 8 | CR 0.5
    ModelRow {
        id: "o3",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20250416],
        regional_uplift: false,
        prices: flat(w("2", "8", "0", "0.5")),
        changes: &[],
    },
    // §2 `o3-mini` (`-2025-01-31`): 1.1 | 4.4 | CR 0.55
    ModelRow {
        id: "o3-mini",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20250131],
        regional_uplift: false,
        prices: flat(w("1.1", "4.4", "0", "0.55")),
        changes: &[],
    },
    // §2 `o3-pro` (`-2025-06-10`): 20 | 80 | CR — (input rate)
    ModelRow {
        id: "o3-pro",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20250610],
        regional_uplift: false,
        prices: flat(w("20", "80", "0", "20")),
        changes: &[],
    },
    // §2 `o4-mini` (`-2025-04-16`): 1.1 | 4.4 | CR 0.275
    ModelRow {
        id: "o4-mini",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[20250416],
        regional_uplift: false,
        prices: flat(w("1.1", "4.4", "0", "0.275")),
        changes: &[],
    },
    // §2 `codex-mini-latest` (L80; absent from L110): 1.5 | 6 | CR 0.375
    ModelRow {
        id: "codex-mini-latest",
        vendor: Vendor::OpenAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.5", "6", "0", "0.375")),
        changes: &[],
    },
    // --- Google Gemini (§3; no per-token cache write, thinking inside output) ---
    // §3 `gemini-2.5-pro`: 1.25 | 10 | CR 0.125 (L110; L80's 0.3125 corrected, §9);
    // >200k 2.5 / 15 / CR 0.25
    ModelRow {
        id: "gemini-2.5-pro",
        vendor: Vendor::Google,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(
            w("1.25", "10", "0", "0.125"),
            200_000,
            w("2.5", "15", "0", "0.25"),
        ),
        changes: &[],
    },
    // §3 `gemini-2.5-flash`: 0.3 | 2.5 | CR 0.03
    ModelRow {
        id: "gemini-2.5-flash",
        vendor: Vendor::Google,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.3", "2.5", "0", "0.03")),
        changes: &[],
    },
    // §3 `gemini-2.5-flash-lite`: 0.1 | 0.4 | CR 0.01 (L110; L80's 0.025 corrected)
    ModelRow {
        id: "gemini-2.5-flash-lite",
        vendor: Vendor::Google,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.1", "0.4", "0", "0.01")),
        changes: &[],
    },
    // §3 `gemini-3-pro-preview`: 2 | 12 | CR 0.2; >200k 4 / 18 / CR 0.4 (`gemini-3-pro-high`:
    // OpenCode name fix, §5)
    ModelRow {
        id: "gemini-3-pro-preview",
        vendor: Vendor::Google,
        aliases: &["gemini-3-pro-high"],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(w("2", "12", "0", "0.2"), 200_000, w("4", "18", "0", "0.4")),
        changes: &[],
    },
    // §3 `gemini-3.1-pro-preview` (`-customtools`, `gemini-pro-latest`): 2 | 12 | CR 0.2;
    // >200k 4 / 18 / CR 0.4
    ModelRow {
        id: "gemini-3.1-pro-preview",
        vendor: Vendor::Google,
        aliases: &["gemini-3.1-pro-preview-customtools", "gemini-pro-latest"],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(w("2", "12", "0", "0.2"), 200_000, w("4", "18", "0", "0.4")),
        changes: &[],
    },
    // §3 `gemini-3-flash-preview`: 0.5 | 3 | CR 0.05
    ModelRow {
        id: "gemini-3-flash-preview",
        vendor: Vendor::Google,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.5", "3", "0", "0.05")),
        changes: &[],
    },
    // §3 `gemini-3.1-flash-lite` (`-preview`): 0.25 | 1.5 | CR 0.025
    ModelRow {
        id: "gemini-3.1-flash-lite",
        vendor: Vendor::Google,
        aliases: &["gemini-3.1-flash-lite-preview"],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.25", "1.5", "0", "0.025")),
        changes: &[],
    },
    // §3 `gemini-3.5-flash`: 1.5 | 9 | CR 0.15
    ModelRow {
        id: "gemini-3.5-flash",
        vendor: Vendor::Google,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.5", "9", "0", "0.15")),
        changes: &[],
    },
    // §3 `gemini-3.5-flash-lite`: 0.3 | 2.5 | CR 0.03
    ModelRow {
        id: "gemini-3.5-flash-lite",
        vendor: Vendor::Google,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.3", "2.5", "0", "0.03")),
        changes: &[],
    },
    // §3 `gemini-3.6-flash`: 0.75 | 3.75 | CR 0.075
    ModelRow {
        id: "gemini-3.6-flash",
        vendor: Vendor::Google,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.75", "3.75", "0", "0.075")),
        changes: &[],
    },
    // §3 `gemini-3.7-flash`: 0.75 | 3.75 | CR 0.075
    ModelRow {
        id: "gemini-3.7-flash",
        vendor: Vendor::Google,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.75", "3.75", "0", "0.075")),
        changes: &[],
    },
    // §3 `gemini-3.8-flash` (`gemini-flash-latest`, the newest of the row): 0.75 | 3.75 | CR 0.075
    ModelRow {
        id: "gemini-3.8-flash",
        vendor: Vendor::Google,
        aliases: &["gemini-flash-latest"],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.75", "3.75", "0", "0.075")),
        changes: &[],
    },
    // §3 `gemini/gemini-4-argon`: 2 | 10 | CR 0.1
    ModelRow {
        id: "gemini-4-argon",
        vendor: Vendor::Google,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("2", "10", "0", "0.1")),
        changes: &[],
    },
    // §3 `gemini/gemini-4-hydrogen`: 1.5 | 7.5 | CR 0.075
    ModelRow {
        id: "gemini-4-hydrogen",
        vendor: Vendor::Google,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.5", "7.5", "0", "0.075")),
        changes: &[],
    },
    // --- DeepSeek (§4; `deepseek/` is the first-party route) ---
    // §4 `deepseek-chat` (V3.2, L110): 0.28 | 0.42 | CW 0 | CR 0.028 (L80's bare 0.6 / 1.7 is
    // the §9 inconsistency; the older L80 0.27 / 1.1 has no effective date in the reference)
    ModelRow {
        id: "deepseek-chat",
        vendor: Vendor::DeepSeek,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.28", "0.42", "0", "0.028")),
        changes: &[],
    },
    // §4 `deepseek-reasoner` (V3.2, L110): 0.28 | 0.42 | CW 0 | CR 0.028
    ModelRow {
        id: "deepseek-reasoner",
        vendor: Vendor::DeepSeek,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.28", "0.42", "0", "0.028")),
        changes: &[],
    },
    // §4 `deepseek/deepseek-v3.2`: 0.28 | 0.4 | CW — | CR 0.028
    ModelRow {
        id: "deepseek-v3.2",
        vendor: Vendor::DeepSeek,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.28", "0.4", "0", "0.028")),
        changes: &[],
    },
    // §4 `deepseek-v4-flash`: 0.3 | 1.2 | CW 0 | CR 0.006 (off-peak discounts not modelled)
    ModelRow {
        id: "deepseek-v4-flash",
        vendor: Vendor::DeepSeek,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.3", "1.2", "0", "0.006")),
        changes: &[],
    },
    // §4 `deepseek-v4-pro`: 1.32 | 3.96 | CW 0 | CR 0.044 (off-peak discounts not modelled)
    ModelRow {
        id: "deepseek-v4-pro",
        vendor: Vendor::DeepSeek,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.32", "3.96", "0", "0.044")),
        changes: &[],
    },
    // --- xAI (§4; `xai/` and `openrouter/x-ai/` are first-party routes) ---
    // §4 `xai/grok-code-fast-1` (`grok-code-fast`, `-0825`): 2025 price 0.2 | 1.5 | CR 0.02
    // (L80; L110's 1.0 / 2.0 is grok-build-0.1's rate, §9)
    ModelRow {
        id: "grok-code-fast-1",
        vendor: Vendor::XAi,
        aliases: &["grok-code-fast", "grok-code-fast-1-0825"],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.2", "1.5", "0", "0.02")),
        changes: &[],
    },
    // §4 `xai/grok-build-0.1` (= L110 grok-code-fast-1 values): 1 | 2 | CR 0.2; >200k 2 / 4 / 0.4
    ModelRow {
        id: "grok-build-0.1",
        vendor: Vendor::XAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(w("1", "2", "0", "0.2"), 200_000, w("2", "4", "0", "0.4")),
        changes: &[],
    },
    // §4 `xai/grok-4` / `grok-4-0709` (`grok-4` is xAI's alias of the 0709 snapshot, so both
    // take its tier): 3 | 15 | CR — (input rate); >128k 6 / 30
    ModelRow {
        id: "grok-4",
        vendor: Vendor::XAi,
        aliases: &["grok-4-0709"],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(w("3", "15", "0", "3"), 128_000, w("6", "30", "0", "6")),
        changes: &[],
    },
    // §4 `xai/grok-4.3`: 1.25 | 2.5 | CR 0.2; >200k 2× in, out, CR
    ModelRow {
        id: "grok-4.3",
        vendor: Vendor::XAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(
            w("1.25", "2.5", "0", "0.2"),
            200_000,
            w("2.5", "5", "0", "0.4"),
        ),
        changes: &[],
    },
    // §4 `xai/grok-4.5`: 2 | 6 | CR 0.3; >200k 2× in, out, CR
    ModelRow {
        id: "grok-4.5",
        vendor: Vendor::XAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(w("2", "6", "0", "0.3"), 200_000, w("4", "12", "0", "0.6")),
        changes: &[],
    },
    // §4 `xai/grok-4.7`: 2 | 6 | CR 0.5; >200k 2× in, out, CR
    ModelRow {
        id: "grok-4.7",
        vendor: Vendor::XAi,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: tiered(w("2", "6", "0", "0.5"), 200_000, w("4", "12", "0", "1")),
        changes: &[],
    },
    // --- Moonshot Kimi (§4; `moonshot/` is the first-party route) ---
    // §4 `moonshot/kimi-k2-0711-preview` (L80): 0.6 | 2.5 | CR 0.15
    ModelRow {
        id: "kimi-k2-0711-preview",
        vendor: Vendor::Moonshot,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.6", "2.5", "0", "0.15")),
        changes: &[],
    },
    // §4 `moonshot/kimi-k2-thinking` (L80): 0.6 | 2.5 | CR 0.15
    ModelRow {
        id: "kimi-k2-thinking",
        vendor: Vendor::Moonshot,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.6", "2.5", "0", "0.15")),
        changes: &[],
    },
    // §4 `kimi-k2-instruct-0905` (+ Fireworks id): 0.6 | 2.5 | CR — (input rate)
    ModelRow {
        id: "kimi-k2-instruct-0905",
        vendor: Vendor::Moonshot,
        aliases: &["fireworks_ai/accounts/fireworks/models/kimi-k2-instruct-0905"],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.6", "2.5", "0", "0.6")),
        changes: &[],
    },
    // §4 `moonshot/kimi-k2.5`: 0.6 | 3 | CW 0.75 (CCU) | CR 0.1
    ModelRow {
        id: "kimi-k2.5",
        vendor: Vendor::Moonshot,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.6", "3", "0.75", "0.1")),
        changes: &[],
    },
    // §4 `moonshot/kimi-k2.6` (`k2p6`: OpenCode name, §5): 0.95 | 4 | CW 1.1875 (CCU) | CR 0.16
    ModelRow {
        id: "kimi-k2.6",
        vendor: Vendor::Moonshot,
        aliases: &["k2p6"],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.95", "4", "1.1875", "0.16")),
        changes: &[],
    },
    // §4 `moonshot/kimi-k3`: 3 | 15 | CW 3 (1h 6) | CR 0.3
    ModelRow {
        id: "kimi-k3",
        vendor: Vendor::Moonshot,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(r("3", "15", "3", "6", "0.3")),
        changes: &[],
    },
    // --- Z.ai GLM (§4; `zai/` is the first-party route) ---
    // §4 `zai/glm-4.5`: 0.6 | 2.2 | CW 0 | CR — (input rate)
    ModelRow {
        id: "glm-4.5",
        vendor: Vendor::Zai,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.6", "2.2", "0", "0.6")),
        changes: &[],
    },
    // §4 `zai/glm-4.6` (= CCU `glm-4.6`): 0.6 | 2.2 | CW 0 | CR 0.11
    ModelRow {
        id: "glm-4.6",
        vendor: Vendor::Zai,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.6", "2.2", "0", "0.11")),
        changes: &[],
    },
    // §4 `zai/glm-4.7`: 0.6 | 2.2 | CW 0 | CR 0.11
    ModelRow {
        id: "glm-4.7",
        vendor: Vendor::Zai,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.6", "2.2", "0", "0.11")),
        changes: &[],
    },
    // §4 `zai/glm-5`: 1 | 3.2 | CW 0 | CR 0.2
    ModelRow {
        id: "glm-5",
        vendor: Vendor::Zai,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1", "3.2", "0", "0.2")),
        changes: &[],
    },
    // §4 `zai/glm-5.1`: 1.4 | 4.4 | CW 0 | CR 0.26
    ModelRow {
        id: "glm-5.1",
        vendor: Vendor::Zai,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.4", "4.4", "0", "0.26")),
        changes: &[],
    },
    // §4 `glm-5.2` (CCU): 1.4 | 4.4 | CR 0.26
    ModelRow {
        id: "glm-5.2",
        vendor: Vendor::Zai,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.4", "4.4", "0", "0.26")),
        changes: &[],
    },
    // §4 `glm-5.3` (CCU): 1.4 | 4.4 | CR 0.26
    ModelRow {
        id: "glm-5.3",
        vendor: Vendor::Zai,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1.4", "4.4", "0", "0.26")),
        changes: &[],
    },
    // --- MiniMax (§4; `minimax/` is the first-party route) ---
    // §4 `minimax/MiniMax-M2`: 0.3 | 1.2 | CW 0.375 | CR 0.03
    ModelRow {
        id: "minimax-m2",
        vendor: Vendor::MiniMax,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.3", "1.2", "0.375", "0.03")),
        changes: &[],
    },
    // --- Open-weight models on third-party hosts (§4): priced per host ---
    // §4 `qwen3-coder-480b-a35b` (+ Fireworks `-instruct`, Bedrock `qwen.…-v1:0`): 0.45 | 1.8 |
    // CR — (input rate)
    ModelRow {
        id: "qwen3-coder-480b-a35b",
        vendor: Vendor::Host,
        aliases: &[
            "fireworks_ai/accounts/fireworks/models/qwen3-coder-480b-a35b-instruct",
            "qwen.qwen3-coder-480b-a35b-v1:0",
        ],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.45", "1.8", "0", "0.45")),
        changes: &[],
    },
    // §4 `openrouter/qwen/qwen3-coder` (L80): 0.22 | 0.95 | CR — (input rate)
    ModelRow {
        id: "openrouter/qwen/qwen3-coder",
        vendor: Vendor::Host,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.22", "0.95", "0", "0.22")),
        changes: &[],
    },
    // §4 `vercel_ai_gateway/alibaba/qwen3-coder`: 0.4 | 1.6 | CR — (input rate)
    ModelRow {
        id: "vercel_ai_gateway/alibaba/qwen3-coder",
        vendor: Vendor::Host,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.4", "1.6", "0", "0.4")),
        changes: &[],
    },
    // §4 `groq/moonshotai/kimi-k2-instruct-0905` (L80): 1 | 3 | CR 0.5
    ModelRow {
        id: "groq/moonshotai/kimi-k2-instruct-0905",
        vendor: Vendor::Host,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("1", "3", "0", "0.5")),
        changes: &[],
    },
    // §4 `vercel_ai_gateway/zai/glm-4.6`: 0.45 | 1.8 | CR 0.11
    ModelRow {
        id: "vercel_ai_gateway/zai/glm-4.6",
        vendor: Vendor::Host,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.45", "1.8", "0", "0.11")),
        changes: &[],
    },
    // §4 `openrouter/z-ai/glm-4.6` (L80): 0.4 | 1.75 | CR — (input rate)
    ModelRow {
        id: "openrouter/z-ai/glm-4.6",
        vendor: Vendor::Host,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.4", "1.75", "0", "0.4")),
        changes: &[],
    },
    // §4 `openrouter/minimax/minimax-m2` (L80): 0.255 | 1.02 | CR — (input rate)
    ModelRow {
        id: "openrouter/minimax/minimax-m2",
        vendor: Vendor::Host,
        aliases: &[],
        snapshots: &[],
        regional_uplift: false,
        prices: flat(w("0.255", "1.02", "0", "0.255")),
        changes: &[],
    },
];
