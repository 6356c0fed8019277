//! The built-in Claude price table, as plain data.
//!
//! Source: `design/pricing.md` §1 (one row per model there), with the corrections of §8/§9
//! (official 1-hour write prices for Haiku 3.5, Opus 3, Haiku 3 and Sonnet 4.5) and the dated
//! changes of §1/§8. Prices are USD per million tokens written as in the reference, in its
//! column order: input, output, 5-minute cache write, 1-hour cache write, cache read.
//! Editing a price here means bumping [`super::PRICING_VERSION`].

use super::{LongContext, PerMillion, Rates};

/// One model: its names and its prices over time.
#[derive(Debug)]
pub(super) struct ModelRow {
    /// Canonical id: the model's undated API name.
    pub id: &'static str,
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

/// Every Claude model of §1.
pub(super) static ROWS: &[ModelRow] = &[
    // --- Opus ---
    // §1 `claude-opus-4-20250514` (Opus 4): 15 | 75 | 18.75 | 30 | 1.5
    ModelRow {
        id: "claude-opus-4",
        aliases: &[],
        snapshots: &[20250514],
        regional_uplift: false,
        prices: flat(r("15", "75", "18.75", "30", "1.5")),
        changes: &[],
    },
    // §1 `claude-opus-4-1-20250805` (Opus 4.1): 15 | 75 | 18.75 | 30 | 1.5
    ModelRow {
        id: "claude-opus-4-1",
        aliases: &[],
        snapshots: &[20250805],
        regional_uplift: false,
        prices: flat(r("15", "75", "18.75", "30", "1.5")),
        changes: &[],
    },
    // §1 `claude-opus-4-5-20251101`: 5 | 25 | 6.25 | 10 | 0.5
    ModelRow {
        id: "claude-opus-4-5",
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
        aliases: &[],
        snapshots: &[20260416],
        regional_uplift: true,
        prices: flat(r("5", "25", "6.25", "10", "0.5")),
        changes: &[],
    },
    // §1 `claude-opus-4-8`: 5 | 25 | 6.25 | 10 | 0.5
    ModelRow {
        id: "claude-opus-4-8",
        aliases: &[],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("5", "25", "6.25", "10", "0.5")),
        changes: &[],
    },
    // §1 `claude-opus-5`: 5 | 25 | 6.25 | 10 | 0.5
    ModelRow {
        id: "claude-opus-5",
        aliases: &[],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("5", "25", "6.25", "10", "0.5")),
        changes: &[],
    },
    // §1 `claude-opus-5-5`: 4 | 20 | 5 | 8 | 0.2 (cache read 0.05×, §8 exception)
    ModelRow {
        id: "claude-opus-5-5",
        aliases: &["claude-opus-latest"],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("4", "20", "5", "8", "0.2")),
        changes: &[],
    },
    // §1 `claude-3-opus-20240229`: 15 | 75 | 18.75 | 30 (official; L80's 6 is wrong) | 1.5
    ModelRow {
        id: "claude-3-opus",
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
        aliases: &[],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("2", "10", "2.5", "4", "0.2")),
        changes: &[],
    },
    // §1 `claude-sonnet-5-5`: 2 | 10 | 2.5 | 4 | 0.1; cache read 0.20 before 2026-10-07.
    ModelRow {
        id: "claude-sonnet-5-5",
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
        aliases: &["claude-3-7-sonnet-latest"],
        snapshots: &[20250219],
        regional_uplift: false,
        prices: flat(r("3", "15", "3.75", "6", "0.3")),
        changes: &[],
    },
    // §1 `claude-3-5-sonnet-20241022` / `-20240620`: 3 | 15 | 3.75 | 6 | 0.3
    ModelRow {
        id: "claude-3-5-sonnet",
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
        aliases: &[],
        snapshots: &[20240307],
        regional_uplift: false,
        prices: flat(r("0.25", "1.25", "0.3", "0.5", "0.03")),
        changes: &[],
    },
    // §1 `claude-3-5-haiku-20241022`: 0.8 | 4 | 1 | 1.6 (official; L80's 6 is wrong) | 0.08
    ModelRow {
        id: "claude-3-5-haiku",
        aliases: &["claude-3-5-haiku-latest"],
        snapshots: &[20241022],
        regional_uplift: false,
        prices: flat(r("0.8", "4", "1", "1.6", "0.08")),
        changes: &[],
    },
    // §1 `claude-haiku-4-5-20251001`: 1 | 5 | 1.25 | 2 | 0.1
    ModelRow {
        id: "claude-haiku-4-5",
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
        aliases: &["claude-mythos-5", "claude-mythos-preview"],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("10", "50", "12.5", "20", "1")),
        changes: &[],
    },
    // §1 `claude-fable-5-1`: 10 | 50 | 12.5 | 20 | 0.25 (cache read 0.025×, §8 exception)
    ModelRow {
        id: "claude-fable-5-1",
        aliases: &["claude-mythos-5-1", "claude-fable-latest"],
        snapshots: &[],
        regional_uplift: true,
        prices: flat(r("10", "50", "12.5", "20", "0.25")),
        changes: &[],
    },
];
