//! Pricing tests. Every expected cost is written out by hand from the published USD/Mtok
//! rates as micro-USD literals (= picodollars per token), never computed by the code under
//! test. Comments cite the table's sources by the tags (§1, §8, L80, ...) that
//! docs/pricing.md ("Sources of the built-in table") defines.

use proptest::prelude::*;

use super::table::{self, Prices, Vendor};
use super::*;

/// 2025-10-01T00:00:00Z.
const OCT_2025: i64 = 1_759_276_800_000;
/// 2026-03-12T12:00:00Z, the day before 4.6 long context went to standard prices.
const MAR_12_NOON: i64 = 1_773_316_800_000;
/// 2026-03-13T00:00:00Z.
const MAR_13: i64 = 1_773_360_000_000;
/// 2026-03-14T12:00:00Z.
const MAR_14_NOON: i64 = 1_773_489_600_000;
/// 2026-10-07T00:00:00Z, Sonnet 5.5 cache-read cut.
const OCT_07: i64 = 1_791_331_200_000;
/// 2026-11-27T00:00:00Z, the date the table was checked.
const NOW: i64 = 1_795_737_600_000;

/// A request with a consistent cache split (`cache_creation` = 5m + 1h + unsplit).
fn tok(input: u64, cw5m: u64, cw1h: u64, unsplit: u64, read: u64, output: u64) -> TokenCounts {
    TokenCounts {
        input,
        cache_creation: cw5m + cw1h + unsplit,
        cache_creation_5m: cw5m,
        cache_creation_1h: cw1h,
        cache_read: read,
        output,
        reasoning: 0,
    }
}

/// The small mixed request used for every row: 1k input, 2k 5m writes, 3k 1h writes, 4k
/// unsplit writes, 5k reads, 6k output (prompt 15k, below every threshold).
fn mixed() -> TokenCounts {
    tok(1_000, 2_000, 3_000, 4_000, 5_000, 6_000)
}

/// `mixed()` priced by hand at literal rates (micro-USD per Mtok, in §1 column order).
fn mixed_cost(input: i64, output: i64, cw5m: i64, cw1h: i64, read: i64) -> i64 {
    1_000 * input + 2_000 * cw5m + 3_000 * cw1h + 4_000 * cw5m + 5_000 * read + 6_000 * output
}

fn cost(model: &str, ts: i64, tokens: &TokenCounts) -> Option<i64> {
    PriceTable::builtin().cost_pusd(model, ts, tokens)
}

fn check(cases: &[(&str, i64, TokenCounts, i64)]) {
    for (model, ts, tokens, expected) in cases {
        assert_eq!(
            cost(model, *ts, tokens),
            Some(*expected),
            "{model} at {ts} with {tokens:?}"
        );
    }
}

/// Prices `mixed()` at `NOW` for each model and compares with its literal rates
/// (micro-USD per Mtok in §1 column order: in, out, 5m write, 1h write, read).
fn check_mixed(cases: &[(&str, [i64; 5])]) {
    for &(model, [input, output, cw5m, cw1h, read]) in cases {
        let expected = mixed_cost(input, output, cw5m, cw1h, read);
        assert_eq!(cost(model, NOW, &mixed()), Some(expected), "{model}");
    }
}

#[test]
fn every_row_prices_a_small_request() {
    check_mixed(&[
        // Opus
        (
            "claude-opus-4-20250514",
            [15_000_000, 75_000_000, 18_750_000, 30_000_000, 1_500_000],
        ),
        (
            "claude-opus-4-1-20250805",
            [15_000_000, 75_000_000, 18_750_000, 30_000_000, 1_500_000],
        ),
        (
            "claude-opus-4-5-20251101",
            [5_000_000, 25_000_000, 6_250_000, 10_000_000, 500_000],
        ),
        (
            "claude-opus-4-6",
            [5_000_000, 25_000_000, 6_250_000, 10_000_000, 500_000],
        ),
        (
            "claude-opus-4-7-20260416",
            [5_000_000, 25_000_000, 6_250_000, 10_000_000, 500_000],
        ),
        (
            "claude-opus-4-8",
            [5_000_000, 25_000_000, 6_250_000, 10_000_000, 500_000],
        ),
        (
            "claude-opus-5",
            [5_000_000, 25_000_000, 6_250_000, 10_000_000, 500_000],
        ),
        (
            "claude-opus-5-5",
            [4_000_000, 20_000_000, 5_000_000, 8_000_000, 200_000],
        ),
        (
            "claude-opus-latest",
            [4_000_000, 20_000_000, 5_000_000, 8_000_000, 200_000],
        ),
        (
            "claude-3-opus-20240229",
            [15_000_000, 75_000_000, 18_750_000, 30_000_000, 1_500_000],
        ),
        (
            "claude-3-opus-latest",
            [15_000_000, 75_000_000, 18_750_000, 30_000_000, 1_500_000],
        ),
        // Sonnet
        (
            "claude-sonnet-4-20250514",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        (
            "claude-sonnet-4-5-20250929",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        (
            "claude-sonnet-4-6",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        (
            "claude-sonnet-5",
            [2_000_000, 10_000_000, 2_500_000, 4_000_000, 200_000],
        ),
        (
            "claude-sonnet-5-5",
            [2_000_000, 10_000_000, 2_500_000, 4_000_000, 100_000],
        ),
        (
            "claude-sonnet-latest",
            [2_000_000, 10_000_000, 2_500_000, 4_000_000, 100_000],
        ),
        (
            "claude-3-7-sonnet-20250219",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        (
            "claude-3-7-sonnet-latest",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        (
            "claude-3-5-sonnet-20241022",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        (
            "claude-3-5-sonnet-20240620",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        (
            "claude-3-5-sonnet-latest",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        // Haiku
        (
            "claude-3-haiku-20240307",
            [250_000, 1_250_000, 300_000, 500_000, 30_000],
        ),
        (
            "claude-3-5-haiku-20241022",
            [800_000, 4_000_000, 1_000_000, 1_600_000, 80_000],
        ),
        (
            "claude-3-5-haiku-latest",
            [800_000, 4_000_000, 1_000_000, 1_600_000, 80_000],
        ),
        (
            "claude-haiku-4-5-20251001",
            [1_000_000, 5_000_000, 1_250_000, 2_000_000, 100_000],
        ),
        (
            "claude-haiku-5-5",
            [100_000, 500_000, 125_000, 200_000, 10_000],
        ),
        (
            "claude-haiku-latest",
            [100_000, 500_000, 125_000, 200_000, 10_000],
        ),
        // Fable / Mythos
        (
            "claude-fable-5",
            [10_000_000, 50_000_000, 12_500_000, 20_000_000, 1_000_000],
        ),
        (
            "claude-mythos-5",
            [10_000_000, 50_000_000, 12_500_000, 20_000_000, 1_000_000],
        ),
        (
            "claude-mythos-preview",
            [10_000_000, 50_000_000, 12_500_000, 20_000_000, 1_000_000],
        ),
        (
            "claude-fable-5-1",
            [10_000_000, 50_000_000, 12_500_000, 20_000_000, 250_000],
        ),
        (
            "claude-mythos-5-1",
            [10_000_000, 50_000_000, 12_500_000, 20_000_000, 250_000],
        ),
        (
            "claude-fable-latest",
            [10_000_000, 50_000_000, 12_500_000, 20_000_000, 250_000],
        ),
    ]);
}

#[test]
fn long_context_tiers_price_the_whole_request() {
    check(&[
        // Sonnet 4: exactly 200,000 prompt tokens is standard; one more is premium for all.
        (
            "claude-sonnet-4-20250514",
            NOW,
            tok(100_000, 50_000, 0, 0, 50_000, 1_000),
            100_000 * 3_000_000 + 50_000 * 3_750_000 + 50_000 * 300_000 + 1_000 * 15_000_000,
        ),
        (
            "claude-sonnet-4-20250514",
            NOW,
            tok(100_001, 50_000, 0, 0, 50_000, 1_000),
            100_001 * 6_000_000 + 50_000 * 7_500_000 + 50_000 * 600_000 + 1_000 * 22_500_000,
        ),
        // Sonnet 4.5 with 1-hour writes.
        (
            "claude-sonnet-4-5",
            NOW,
            tok(150_000, 0, 50_000, 0, 0, 2_000),
            150_000 * 3_000_000 + 50_000 * 6_000_000 + 2_000 * 15_000_000,
        ),
        (
            "claude-sonnet-4-5",
            NOW,
            tok(150_001, 0, 50_000, 0, 0, 2_000),
            150_001 * 6_000_000 + 50_000 * 12_000_000 + 2_000 * 22_500_000,
        ),
        // Unsplit writes take the premium 5-minute rate.
        (
            "claude-sonnet-4-5-20250929",
            NOW,
            tok(150_000, 0, 0, 60_000, 0, 0),
            150_000 * 6_000_000 + 60_000 * 7_500_000,
        ),
        // Sonnet 4.6 before the 1M GA: threshold 200k.
        (
            "claude-sonnet-4-6",
            MAR_12_NOON,
            tok(120_000, 0, 0, 0, 80_000, 3_000),
            120_000 * 3_000_000 + 80_000 * 300_000 + 3_000 * 15_000_000,
        ),
        (
            "claude-sonnet-4-6",
            MAR_12_NOON,
            tok(120_000, 0, 0, 0, 80_001, 3_000),
            120_000 * 6_000_000 + 80_001 * 600_000 + 3_000 * 22_500_000,
        ),
        // Opus 4.6 before the GA, every bucket at the premium.
        (
            "claude-opus-4-6",
            MAR_12_NOON,
            tok(100_000, 50_000, 50_000, 0, 100_000, 10_000),
            100_000 * 10_000_000
                + 50_000 * 12_500_000
                + 50_000 * 20_000_000
                + 100_000 * 1_000_000
                + 10_000 * 37_500_000,
        ),
        (
            "claude-opus-4-6",
            MAR_12_NOON,
            tok(100_000, 50_000, 50_000, 0, 0, 10_000),
            100_000 * 5_000_000 + 50_000 * 6_250_000 + 50_000 * 10_000_000 + 10_000 * 25_000_000,
        ),
        // Haiku 5.5: threshold 100k.
        (
            "claude-haiku-5-5",
            NOW,
            tok(40_000, 10_000, 10_000, 0, 40_000, 5_000),
            40_000 * 100_000
                + 10_000 * 125_000
                + 10_000 * 200_000
                + 40_000 * 10_000
                + 5_000 * 500_000,
        ),
        (
            "claude-haiku-5-5",
            NOW,
            tok(40_001, 10_000, 10_000, 0, 40_000, 5_000),
            40_001 * 500_000
                + 10_000 * 625_000
                + 10_000 * 1_000_000
                + 40_000 * 50_000
                + 5_000 * 2_500_000,
        ),
        // Models without a tier stay at standard prices however large the prompt.
        (
            "claude-opus-4-7",
            NOW,
            tok(500_000, 0, 0, 0, 0, 1_000),
            500_000 * 5_000_000 + 1_000 * 25_000_000,
        ),
        (
            "claude-sonnet-5",
            NOW,
            tok(300_000, 0, 0, 0, 300_000, 1_000),
            300_000 * 2_000_000 + 300_000 * 200_000 + 1_000 * 10_000_000,
        ),
        (
            "claude-fable-5",
            NOW,
            tok(900_000, 0, 0, 0, 0, 0),
            900_000 * 10_000_000,
        ),
    ]);
}

#[test]
fn claude_4_6_long_context_premium_ends_on_2026_03_13() {
    let big = tok(300_000, 0, 0, 0, 0, 10_000);
    check(&[
        (
            "claude-opus-4-6",
            MAR_12_NOON,
            big,
            300_000 * 10_000_000 + 10_000 * 37_500_000,
        ),
        (
            "claude-opus-4-6",
            MAR_13 - 1,
            big,
            300_000 * 10_000_000 + 10_000 * 37_500_000,
        ),
        (
            "claude-opus-4-6",
            MAR_13,
            big,
            300_000 * 5_000_000 + 10_000 * 25_000_000,
        ),
        (
            "claude-opus-4-6",
            MAR_14_NOON,
            big,
            300_000 * 5_000_000 + 10_000 * 25_000_000,
        ),
        (
            "claude-sonnet-4-6",
            MAR_12_NOON,
            big,
            300_000 * 6_000_000 + 10_000 * 22_500_000,
        ),
        (
            "claude-sonnet-4-6",
            MAR_14_NOON,
            big,
            300_000 * 3_000_000 + 10_000 * 15_000_000,
        ),
        // Sonnet 4 / 4.5 keep their premium after that date.
        (
            "claude-sonnet-4-5",
            MAR_14_NOON,
            big,
            300_000 * 6_000_000 + 10_000 * 22_500_000,
        ),
        (
            "claude-sonnet-4",
            NOW,
            big,
            300_000 * 6_000_000 + 10_000 * 22_500_000,
        ),
    ]);
}

#[test]
fn sonnet_5_5_cache_read_cut_on_2026_10_07() {
    let reads = tok(0, 0, 0, 0, 1_000_000, 0);
    check(&[
        ("claude-sonnet-5-5", OCT_2025, reads, 1_000_000 * 200_000),
        ("claude-sonnet-5-5", OCT_07 - 1, reads, 1_000_000 * 200_000),
        ("claude-sonnet-5-5", OCT_07, reads, 1_000_000 * 100_000),
        ("claude-sonnet-latest", NOW, reads, 1_000_000 * 100_000),
    ]);
}

#[test]
fn cache_write_ttls() {
    check(&[
        (
            "claude-sonnet-4-5",
            NOW,
            tok(0, 10_000, 0, 0, 0, 0),
            10_000 * 3_750_000,
        ),
        (
            "claude-sonnet-4-5",
            NOW,
            tok(0, 0, 10_000, 0, 0, 0),
            10_000 * 6_000_000,
        ),
        // No TTL split: priced at the 5-minute rate.
        (
            "claude-sonnet-4-5",
            NOW,
            tok(0, 0, 0, 10_000, 0, 0),
            10_000 * 3_750_000,
        ),
        (
            "claude-sonnet-4-5",
            NOW,
            tok(0, 3_000, 2_000, 5_000, 0, 0),
            3_000 * 3_750_000 + 2_000 * 6_000_000 + 5_000 * 3_750_000,
        ),
        (
            "claude-3-5-haiku",
            NOW,
            tok(0, 0, 10_000, 0, 0, 0),
            10_000 * 1_600_000,
        ),
        (
            "claude-3-opus",
            NOW,
            tok(0, 0, 10_000, 0, 0, 0),
            10_000 * 30_000_000,
        ),
        (
            "claude-3-haiku",
            NOW,
            tok(0, 0, 10_000, 0, 0, 0),
            10_000 * 500_000,
        ),
    ]);
}

#[test]
fn reasoning_is_not_billed_twice() {
    let tokens = TokenCounts {
        output: 1_000,
        reasoning: 400,
        ..TokenCounts::default()
    };
    assert_eq!(
        cost("claude-sonnet-4-5", NOW, &tokens),
        Some(1_000 * 15_000_000)
    );
}

#[test]
fn regional_endpoints_uplift_newer_models_only() {
    check_mixed(&[
        // +10 %: 3.3 / 16.5 / 4.125 / 6.6 / 0.33.
        (
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            [3_300_000, 16_500_000, 4_125_000, 6_600_000, 330_000],
        ),
        (
            "apac.anthropic.claude-haiku-4-5-20251001-v1:0",
            [1_100_000, 5_500_000, 1_375_000, 2_200_000, 110_000],
        ),
        (
            "us.anthropic.claude-opus-4-6-v1",
            [5_500_000, 27_500_000, 6_875_000, 11_000_000, 550_000],
        ),
        (
            "au.anthropic.claude-opus-4-5-20251101-v1:0",
            [5_500_000, 27_500_000, 6_875_000, 11_000_000, 550_000],
        ),
        (
            "us.anthropic.claude-fable-5",
            [11_000_000, 55_000_000, 13_750_000, 22_000_000, 1_100_000],
        ),
        (
            "jp.anthropic.claude-haiku-5-5",
            [110_000, 550_000, 137_500, 220_000, 11_000],
        ),
        // Earlier models: no uplift.
        (
            "eu.anthropic.claude-sonnet-4-20250514-v1:0",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        (
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        (
            "au.anthropic.claude-opus-4-1-20250805-v1:0",
            [15_000_000, 75_000_000, 18_750_000, 30_000_000, 1_500_000],
        ),
        // `global.` is not regional.
        (
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
    ]);
    // +10 % on the premium tier too: 6.6 / 24.75 / 8.25 / 13.2 / 0.66.
    check(&[(
        "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        NOW,
        tok(200_001, 0, 1_000, 0, 0, 1_000),
        200_001 * 6_600_000 + 1_000 * 13_200_000 + 1_000 * 24_750_000,
    )]);
}

#[test]
fn vertex_dotted_and_gateway_ids() {
    check_mixed(&[
        (
            "vertex_ai/claude-opus-4-5@20251101",
            [5_000_000, 25_000_000, 6_250_000, 10_000_000, 500_000],
        ),
        (
            "claude-sonnet-4-5@20250929",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        (
            "openrouter/anthropic/claude-sonnet-4.5",
            [3_000_000, 15_000_000, 3_750_000, 6_000_000, 300_000],
        ),
        (
            "claude-opus-4.1",
            [15_000_000, 75_000_000, 18_750_000, 30_000_000, 1_500_000],
        ),
    ]);
}

#[test]
fn resolution() {
    let table = PriceTable::builtin();
    let cases: &[(&str, Option<(&str, bool)>)] = &[
        (
            "claude-sonnet-4-5-20250929",
            Some(("claude-sonnet-4-5", false)),
        ),
        ("claude-sonnet-4-5", Some(("claude-sonnet-4-5", false))),
        ("CLAUDE-Sonnet-4-5", Some(("claude-sonnet-4-5", false))),
        ("claude-sonnet-4-20250514", Some(("claude-sonnet-4", false))),
        ("claude-sonnet-4", Some(("claude-sonnet-4", false))),
        ("claude-opus-4", Some(("claude-opus-4", false))),
        ("claude-opus-4-1", Some(("claude-opus-4-1", false))),
        ("claude-opus-4-1-20250805", Some(("claude-opus-4-1", false))),
        ("claude-4-opus-20250514", Some(("claude-opus-4", false))),
        ("claude-4-sonnet-20250514", Some(("claude-sonnet-4", false))),
        (
            "anthropic/claude-4-5-sonnet",
            Some(("claude-sonnet-4-5", false)),
        ),
        ("claude-3-5-sonnet", Some(("claude-3-5-sonnet", false))),
        (
            "claude-3.5-sonnet-20240620",
            Some(("claude-3-5-sonnet", false)),
        ),
        (
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            Some(("claude-3-5-sonnet", false)),
        ),
        (
            "vertex_ai/claude-3-5-sonnet-v2@20241022",
            Some(("claude-3-5-sonnet", false)),
        ),
        (
            "anthropic/claude-sonnet-4-5",
            Some(("claude-sonnet-4-5", false)),
        ),
        (
            "openrouter/anthropic/claude-opus-4.1",
            Some(("claude-opus-4-1", false)),
        ),
        (
            "openrouter/anthropic/claude-3.7-sonnet",
            Some(("claude-3-7-sonnet", false)),
        ),
        (
            "vertex_ai/claude-opus-4@20250514",
            Some(("claude-opus-4", false)),
        ),
        (
            "vertex_ai/claude-3-5-haiku@20241022",
            Some(("claude-3-5-haiku", false)),
        ),
        (
            "vertex_ai/claude-opus-5-5@default",
            Some(("claude-opus-5-5", false)),
        ),
        ("claude-opus-4-6@default", Some(("claude-opus-4-6", false))),
        ("claude-opus-4-6-20260205", Some(("claude-opus-4-6", false))),
        ("claude-opus-4-6[1m]", Some(("claude-opus-4-6", false))),
        (
            "azure_ai/claude-haiku-4-5",
            Some(("claude-haiku-4-5", false)),
        ),
        (
            "global.anthropic.claude-sonnet-4-6",
            Some(("claude-sonnet-4-6", false)),
        ),
        (
            "anthropic.claude-opus-4-7",
            Some(("claude-opus-4-7", false)),
        ),
        (
            "apac.anthropic.claude-opus-4-7",
            Some(("claude-opus-4-7", true)),
        ),
        (
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            Some(("claude-sonnet-4-5", true)),
        ),
        (
            "us.anthropic.claude-sonnet-4-20250514-v1:0",
            Some(("claude-sonnet-4", false)),
        ),
        (
            "bedrock/eu.anthropic.claude-3-5-haiku-20241022-v1:0",
            Some(("claude-3-5-haiku", false)),
        ),
        // An unknown snapshot date of a known version is priced as that version.
        (
            "claude-sonnet-4-5-20991231",
            Some(("claude-sonnet-4-5", false)),
        ),
        // Unknown or contradictory: no price.
        ("<synthetic>", None),
        ("", None),
        ("   ", None),
        ("claude", None),
        ("claude-opus", None),
        ("claude-opus-9", None),
        ("claude-sonnet-4-7", None),
        ("claude-haiku-4", None),
        ("claude-3-sonnet-20240229", None),
        ("claude-opus-4-6-fast", None),
        ("claude-sonnet-4-5-thinking", None),
        ("claude-sonnet-4-5@latest", None),
        ("us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0", None),
        // A date that belongs to another version contradicts the name.
        ("claude-sonnet-4-20250929", None),
        ("claude-opus-4-1-20250514", None),
        ("claude-sonnet-4-5-20250514", None),
    ];
    for (id, want) in cases {
        let got = table.resolve(id).map(|r| (r.canonical, r.regional_uplift));
        assert_eq!(got, *want, "{id:?}");
        assert_eq!(
            table.cost_pusd(id, NOW, &mixed()).is_some(),
            want.is_some(),
            "{id:?}"
        );
    }
}

#[test]
fn resolved_reports_rates_and_tiers() {
    let r = PriceTable::builtin()
        .resolve("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
        .expect("known model");
    assert_eq!(r.rates_at(NOW).input, PerMillion::from_micros(3_300_000));
    let tier = r.long_context_at(NOW).expect("sonnet 4.5 has a tier");
    assert_eq!(tier.above_tokens, 200_000);
    assert_eq!(tier.rates.output, PerMillion::from_micros(24_750_000));
    assert_eq!(tier.rates.cache_write_1h.to_string(), "13.2");
    let at = tok(200_000, 0, 0, 0, 0, 0);
    let over = tok(200_001, 0, 0, 0, 0, 0);
    assert_eq!(r.rates_for(NOW, &at).input.to_string(), "3.3");
    assert_eq!(r.rates_for(NOW, &over).input.to_string(), "6.6");
    let opus = PriceTable::builtin()
        .resolve("claude-opus-4-6")
        .expect("known");
    assert!(opus.long_context_at(MAR_12_NOON).is_some());
    assert!(opus.long_context_at(MAR_13).is_none());
}

#[test]
fn saturates_instead_of_overflowing() {
    let max = TokenCounts {
        input: u64::MAX,
        cache_creation: u64::MAX,
        cache_creation_5m: u64::MAX,
        cache_creation_1h: u64::MAX,
        cache_read: u64::MAX,
        output: u64::MAX,
        reasoning: u64::MAX,
    };
    assert_eq!(cost("claude-fable-5", NOW, &max), Some(i64::MAX));
    assert_eq!(cost("claude-3-haiku", i64::MIN, &max), Some(i64::MAX));
    assert_eq!(
        cost("claude-3-haiku", i64::MAX, &TokenCounts::default()),
        Some(0)
    );
}

#[test]
fn per_million_parses_and_displays_exactly() {
    let ok = [
        ("4.125", 4_125_000, "4.125"),
        ("3", 3_000_000, "3"),
        ("0.3", 300_000, "0.3"),
        ("0.30", 300_000, "0.3"),
        ("1.0", 1_000_000, "1"),
        ("0.025", 25_000, "0.025"),
        ("0.000001", 1, "0.000001"),
        ("37.50", 37_500_000, "37.5"),
        ("0", 0, "0"),
    ];
    for (text, micros, shown) in ok {
        let p = PerMillion::parse_usd(text).expect(text);
        assert_eq!(p.micros(), micros, "{text}");
        assert_eq!(p.to_string(), shown, "{text}");
    }
    for bad in [
        "",
        ".",
        "1.",
        ".5",
        "-1",
        "+1",
        "1e3",
        "1.2345678",
        "1,5",
        " 1",
        "18446744073710",
    ] {
        assert_eq!(PerMillion::parse_usd(bad), None, "{bad:?}");
    }
    assert_eq!(
        PerMillion::from_micros(u64::MAX)
            .with_regional_uplift()
            .micros(),
        u64::MAX / 10
    );
}

#[test]
fn effective_dates_are_utc_midnight() {
    assert_eq!(table::utc_midnight_ms(1970, 1, 1), 0);
    assert_eq!(table::utc_midnight_ms(2000, 2, 29), 951_782_400_000);
    assert_eq!(table::utc_midnight_ms(2026, 3, 13), MAR_13);
    assert_eq!(table::utc_midnight_ms(2026, 10, 7), OCT_07);
    assert_eq!(table::utc_midnight_ms(2026, 11, 27), NOW);
}

/// Every price period of a row as (label, effective from, rates, is premium).
fn all_rates(row: &table::ModelRow) -> Vec<(String, i64, Rates, bool)> {
    let periods = std::iter::once((i64::MIN, &row.prices))
        .chain(row.changes.iter().map(|c| (c.from_ms, &c.prices)));
    let mut out = Vec::new();
    for (from, prices) in periods {
        let Prices {
            standard,
            long_context,
        } = *prices;
        out.push((format!("{} from {from}", row.id), from, standard, false));
        if let Some(tier) = long_context {
            let label = format!("{} >{} from {from}", row.id, tier.above_tokens);
            out.push((label, from, tier.rates, true));
        }
    }
    out
}

fn categories(r: &Rates) -> [u64; 5] {
    [
        r.input,
        r.output,
        r.cache_write_5m,
        r.cache_write_1h,
        r.cache_read,
    ]
    .map(PerMillion::micros)
}

#[test]
fn table_rates_are_consistent_multiples() {
    // Anthropic's cache multiples (§8) hold for Anthropic rows only.
    for row in table::ROWS.iter().filter(|r| r.vendor == Vendor::Anthropic) {
        for (label, from, r, premium) in all_rates(row) {
            let [input, output, cw5m, cw1h, read] = categories(&r);
            assert!(input > 0, "{label}");
            // §8 exceptions: Haiku 3 has its own cache prices (0.30 write = 1.2×,
            // 0.03 read = 0.12×); Opus 5.5, Sonnet 5.5 (after the cut) and Fable 5.1 read
            // at 0.05×, 0.05× and 0.025×.
            let (w5_num, w5_den) = if row.id == "claude-3-haiku" {
                (12, 10)
            } else {
                (125, 100)
            };
            let (rd_num, rd_den) = match row.id {
                "claude-3-haiku" => (12, 100),
                "claude-opus-5-5" => (5, 100),
                "claude-sonnet-5-5" if from >= OCT_07 => (5, 100),
                "claude-fable-5-1" => (25, 1000),
                _ => (10, 100),
            };
            assert_eq!(cw5m * w5_den, input * w5_num, "5m write of {label}");
            assert_eq!(cw1h, input * 2, "1h write of {label}");
            assert_eq!(read * rd_den, input * rd_num, "cache read of {label}");
            if !premium {
                assert_eq!(output, input * 5, "output of {label}");
            }
            // Multiples of 10 micro-USD keep the 1.1× regional uplift exact.
            for rate in categories(&r) {
                assert_eq!(rate % 10, 0, "{label}: {rate} not exact under uplift");
            }
        }
    }
}

#[test]
fn premiums_are_never_cheaper_and_changes_are_ordered() {
    for row in table::ROWS {
        let mut last = i64::MIN;
        for change in row.changes {
            assert!(change.from_ms > last, "{}: changes out of order", row.id);
            last = change.from_ms;
        }
        let periods = std::iter::once(&row.prices).chain(row.changes.iter().map(|c| &c.prices));
        for prices in periods {
            if let Some(tier) = prices.long_context {
                let base = categories(&prices.standard);
                let premium = categories(&tier.rates);
                assert!(base.iter().zip(premium).all(|(b, p)| *b <= p), "{}", row.id);
                assert!(tier.above_tokens > 0, "{}", row.id);
            }
        }
    }
}

#[test]
fn table_names_are_plain_unique_and_resolve_to_their_row() {
    let table = PriceTable::builtin();
    let mut names = 0;
    for row in table::ROWS {
        for name in std::iter::once(&row.id).chain(row.aliases) {
            names += 1;
            let parsed = normalize::parse(name).expect(name);
            assert_eq!((parsed.date, parsed.regional), (None, false), "{name}");
            assert_eq!(
                table.resolve(name).map(|r| r.canonical),
                Some(row.id),
                "{name}"
            );
        }
        for date in row.snapshots {
            let dated = format!("{}-{date}", row.id);
            assert_eq!(
                table.resolve(&dated).map(|r| r.canonical),
                Some(row.id),
                "{dated}"
            );
        }
    }
    assert_eq!(
        table.by_key.len(),
        names,
        "two table names normalize to one key"
    );
    assert_eq!(table.canonical_ids().count(), table::ROWS.len());
}

/// Micro-USD per Mtok of the five categories for a vendor with one cache-write price.
const fn one_write(input: i64, output: i64, write: i64, read: i64) -> [i64; 5] {
    [input, output, write, write, read]
}

#[test]
fn other_vendors_price_a_small_request() {
    check_mixed(&[
        // OpenAI: prefixed, dated, Copilot dotted; no cache-write charge up to GPT-5.5.
        ("openai/gpt-5", one_write(1_250_000, 10_000_000, 0, 125_000)),
        (
            "gpt-5-2025-08-07",
            one_write(1_250_000, 10_000_000, 0, 125_000),
        ),
        ("gpt-5-codex", one_write(1_250_000, 10_000_000, 0, 125_000)),
        (
            "openrouter/openai/gpt-5-mini",
            one_write(250_000, 2_000_000, 0, 25_000),
        ),
        (
            "gpt-5-nano-2025-08-07",
            one_write(50_000, 400_000, 0, 5_000),
        ),
        // No cache-read price: cached tokens at the input rate.
        (
            "gpt-5-pro-2025-10-06",
            one_write(15_000_000, 120_000_000, 0, 15_000_000),
        ),
        ("gpt-5.1", one_write(1_250_000, 10_000_000, 0, 125_000)),
        (
            "github-copilot/gpt-5.1-codex",
            one_write(1_250_000, 10_000_000, 0, 125_000),
        ),
        (
            "gpt-5.1-codex-mini",
            one_write(250_000, 2_000_000, 0, 25_000),
        ),
        (
            "gpt-5.2-2025-12-11",
            one_write(1_750_000, 14_000_000, 0, 175_000),
        ),
        (
            "gpt-5.3-codex",
            one_write(1_750_000, 14_000_000, 0, 175_000),
        ),
        (
            "gpt-5.2-pro",
            one_write(21_000_000, 168_000_000, 0, 21_000_000),
        ),
        ("gpt-5.4-mini", one_write(750_000, 4_500_000, 0, 75_000)),
        (
            "gpt-5.4-nano-2026-03-17",
            one_write(200_000, 1_250_000, 0, 20_000),
        ),
        (
            "azure/gpt-5.5",
            one_write(5_000_000, 30_000_000, 0, 500_000),
        ),
        // GPT-5.6+: default write in the 5m column, 12-hour write in the 1h column.
        (
            "gpt-5.6-sol",
            [4_000_000, 20_000_000, 5_000_000, 10_000_000, 400_000],
        ),
        (
            "gpt-5.6-luna",
            one_write(200_000, 1_200_000, 250_000, 20_000),
        ),
        ("gpt-6-luna", one_write(100_000, 500_000, 125_000, 10_000)),
        (
            "gpt-6.1-terra",
            one_write(1_000_000, 5_000_000, 1_250_000, 50_000),
        ),
        ("azure/gpt-4.1", one_write(2_000_000, 8_000_000, 0, 500_000)),
        (
            "gpt-4.1-nano-2025-04-14",
            one_write(100_000, 400_000, 0, 25_000),
        ),
        (
            "gpt-4o-2024-08-06",
            one_write(2_500_000, 10_000_000, 0, 1_250_000),
        ),
        (
            "openai/gpt-4o-2024-11-20",
            one_write(2_500_000, 10_000_000, 0, 1_250_000),
        ),
        (
            "gpt-4o-mini-2024-07-18",
            one_write(150_000, 600_000, 0, 75_000),
        ),
        ("o3-2025-04-16", one_write(2_000_000, 8_000_000, 0, 500_000)),
        ("o3-mini", one_write(1_100_000, 4_400_000, 0, 550_000)),
        ("o3-pro", one_write(20_000_000, 80_000_000, 0, 20_000_000)),
        (
            "o4-mini-2025-04-16",
            one_write(1_100_000, 4_400_000, 0, 275_000),
        ),
        (
            "codex-mini-latest",
            one_write(1_500_000, 6_000_000, 0, 375_000),
        ),
        // Google: AI Studio, Vertex, OpenRouter and Copilot spellings; no write charge.
        (
            "gemini/gemini-2.5-flash",
            one_write(300_000, 2_500_000, 0, 30_000),
        ),
        // §9: L110 cache reads (0.125, 0.01), not L80's 0.3125 and 0.025.
        (
            "openrouter/google/gemini-2.5-pro",
            one_write(1_250_000, 10_000_000, 0, 125_000),
        ),
        (
            "gemini-2.5-flash-lite",
            one_write(100_000, 400_000, 0, 10_000),
        ),
        (
            "vertex_ai/gemini-3-flash-preview",
            one_write(500_000, 3_000_000, 0, 50_000),
        ),
        (
            "gemini-3.1-flash-lite-preview",
            one_write(250_000, 1_500_000, 0, 25_000),
        ),
        (
            "gemini-3.5-flash",
            one_write(1_500_000, 9_000_000, 0, 150_000),
        ),
        (
            "gemini-flash-latest",
            one_write(750_000, 3_750_000, 0, 75_000),
        ),
        (
            "gemini-pro-latest",
            one_write(2_000_000, 12_000_000, 0, 200_000),
        ),
        (
            "gemini/gemini-4-hydrogen",
            one_write(1_500_000, 7_500_000, 0, 75_000),
        ),
        // DeepSeek.
        (
            "deepseek/deepseek-chat",
            one_write(280_000, 420_000, 0, 28_000),
        ),
        ("deepseek-reasoner", one_write(280_000, 420_000, 0, 28_000)),
        ("deepseek-v3.2", one_write(280_000, 400_000, 0, 28_000)),
        (
            "deepseek-v4-pro",
            one_write(1_320_000, 3_960_000, 0, 44_000),
        ),
        // xAI: §9 correction, grok-code-fast-1 at its 2025 price.
        (
            "xai/grok-code-fast-1",
            one_write(200_000, 1_500_000, 0, 20_000),
        ),
        (
            "grok-code-fast-1-0825",
            one_write(200_000, 1_500_000, 0, 20_000),
        ),
        (
            "xai/grok-build-0.1",
            one_write(1_000_000, 2_000_000, 0, 200_000),
        ),
        (
            "openrouter/x-ai/grok-4",
            one_write(3_000_000, 15_000_000, 0, 3_000_000),
        ),
        // Moonshot.
        (
            "moonshot/kimi-k2-thinking",
            one_write(600_000, 2_500_000, 0, 150_000),
        ),
        ("kimi-k2.5", one_write(600_000, 3_000_000, 750_000, 100_000)),
        ("k2p6", one_write(950_000, 4_000_000, 1_187_500, 160_000)),
        (
            "moonshot/kimi-k3",
            [3_000_000, 15_000_000, 3_000_000, 6_000_000, 300_000],
        ),
        // Z.ai and MiniMax.
        ("zai/glm-4.6", one_write(600_000, 2_200_000, 0, 110_000)),
        ("glm-4.5", one_write(600_000, 2_200_000, 0, 600_000)),
        ("glm-5.1", one_write(1_400_000, 4_400_000, 0, 260_000)),
        (
            "minimax/MiniMax-M2",
            one_write(300_000, 1_200_000, 375_000, 30_000),
        ),
        // Third-party hosts of open-weight models: each at its own price.
        (
            "openrouter/z-ai/glm-4.6",
            one_write(400_000, 1_750_000, 0, 400_000),
        ),
        (
            "vercel_ai_gateway/zai/glm-4.6",
            one_write(450_000, 1_800_000, 0, 110_000),
        ),
        (
            "openrouter/minimax/minimax-m2",
            one_write(255_000, 1_020_000, 0, 255_000),
        ),
        (
            "openrouter/qwen/qwen3-coder",
            one_write(220_000, 950_000, 0, 220_000),
        ),
        (
            "fireworks_ai/accounts/fireworks/models/qwen3-coder-480b-a35b-instruct",
            one_write(450_000, 1_800_000, 0, 450_000),
        ),
        (
            "qwen.qwen3-coder-480b-a35b-v1:0",
            one_write(450_000, 1_800_000, 0, 450_000),
        ),
        (
            "groq/moonshotai/kimi-k2-instruct-0905",
            one_write(1_000_000, 3_000_000, 0, 500_000),
        ),
    ]);
}

#[test]
fn other_vendors_long_context_prices_the_whole_request() {
    check(&[
        // GPT-5.4: 272,000 prompt tokens is standard; one more is premium for all tokens.
        (
            "gpt-5.4",
            NOW,
            tok(200_000, 0, 0, 0, 72_000, 10_000),
            200_000 * 2_500_000 + 72_000 * 250_000 + 10_000 * 15_000_000,
        ),
        (
            "openai/gpt-5.4-2026-03-05",
            NOW,
            tok(200_001, 0, 0, 0, 72_000, 10_000),
            200_001 * 5_000_000 + 72_000 * 500_000 + 10_000 * 22_500_000,
        ),
        (
            "openrouter/openai/gpt-5.5",
            NOW,
            tok(300_000, 0, 0, 0, 0, 1_000),
            300_000 * 10_000_000 + 1_000 * 45_000_000,
        ),
        (
            "gpt-5.5-pro",
            NOW,
            tok(272_001, 0, 0, 0, 0, 1_000),
            272_001 * 60_000_000 + 1_000 * 270_000_000,
        ),
        // GPT-5.6: writes count toward the threshold and take the premium write rates.
        (
            "gpt-5.6",
            NOW,
            tok(100_000, 10_000, 5_000, 0, 0, 1_000),
            100_000 * 4_000_000 + 10_000 * 5_000_000 + 5_000 * 10_000_000 + 1_000 * 20_000_000,
        ),
        (
            "gpt-5.6",
            NOW,
            tok(260_000, 10_000, 5_000, 0, 0, 1_000),
            260_000 * 8_000_000 + 10_000 * 10_000_000 + 5_000 * 20_000_000 + 1_000 * 30_000_000,
        ),
        // Gemini 2.5 Pro: 200k threshold on input + cached.
        (
            "gemini/gemini-2.5-pro",
            NOW,
            tok(150_000, 0, 0, 0, 50_000, 2_000),
            150_000 * 1_250_000 + 50_000 * 125_000 + 2_000 * 10_000_000,
        ),
        (
            "vertex_ai/gemini-2.5-pro",
            NOW,
            tok(150_001, 0, 0, 0, 50_000, 2_000),
            150_001 * 2_500_000 + 50_000 * 250_000 + 2_000 * 15_000_000,
        ),
        (
            "google/gemini-3.1-pro-preview",
            NOW,
            tok(250_000, 0, 0, 0, 0, 1_000),
            250_000 * 4_000_000 + 1_000 * 18_000_000,
        ),
        (
            "gemini-3-pro-preview",
            NOW,
            tok(199_000, 0, 0, 0, 1_000, 1_000),
            199_000 * 2_000_000 + 1_000 * 200_000 + 1_000 * 12_000_000,
        ),
        // Grok 4: 128k threshold.
        (
            "xai/grok-4",
            NOW,
            tok(128_000, 0, 0, 0, 0, 1_000),
            128_000 * 3_000_000 + 1_000 * 15_000_000,
        ),
        (
            "grok-4-0709",
            NOW,
            tok(128_001, 0, 0, 0, 0, 1_000),
            128_001 * 6_000_000 + 1_000 * 30_000_000,
        ),
        (
            "xai/grok-4.3",
            NOW,
            tok(180_000, 0, 0, 0, 20_001, 1_000),
            180_000 * 2_500_000 + 20_001 * 400_000 + 1_000 * 5_000_000,
        ),
        // A model with no tier stays at standard rates however long the prompt.
        (
            "gemini-2.5-flash",
            NOW,
            tok(900_000, 0, 0, 0, 0, 1_000),
            900_000 * 300_000 + 1_000 * 2_500_000,
        ),
    ]);
}

#[test]
fn other_vendors_resolve_exactly_or_not_at_all() {
    let table = PriceTable::builtin();
    let cases: &[(&str, Option<&str>)] = &[
        // One version never resolves to another; the longest, most specific id wins.
        ("gpt-5", Some("gpt-5")),
        ("gpt-5.1", Some("gpt-5.1")),
        ("gpt-5-1", Some("gpt-5.1")),
        ("GPT-5.1-Codex", Some("gpt-5.1-codex")),
        ("gpt-5.1-codex-max", Some("gpt-5.1-codex-max")),
        ("gpt-5-mini-2025-08-07", Some("gpt-5-mini")),
        ("openai/gpt-4.1-mini", Some("gpt-4.1-mini")),
        ("gpt-4o", Some("gpt-4o")),
        ("gpt-4o-mini", Some("gpt-4o-mini")),
        ("o3", Some("o3")),
        ("o3-mini-2025-01-31", Some("o3-mini")),
        ("gemini-2.5-pro", Some("gemini-2.5-pro")),
        ("gemini-2.5-flash", Some("gemini-2.5-flash")),
        ("gemini-2.5-flash-lite", Some("gemini-2.5-flash-lite")),
        ("gemini-3-pro-high", Some("gemini-3-pro-preview")),
        (
            "gemini-3.1-pro-preview-customtools",
            Some("gemini-3.1-pro-preview"),
        ),
        ("grok-code-fast", Some("grok-code-fast-1")),
        ("gpt-5.6-sol", Some("gpt-5.6")),
        // Unknown: no price, never a neighbour's.
        ("gpt-9", None),
        ("gemini-9-pro", None),
        ("my-local-llama", None),
        ("gpt-5-turbo", None),
        ("gpt-5.7", None),
        ("gpt-4", None),
        ("o5", None),
        ("gemini-2.5", None),
        ("gemini-3-pro", None),
        ("grok-5", None),
        ("deepseek-v4", None),
        ("kimi-k2", None),
        ("glm-4", None),
        // A snapshot date of another model contradicts the name.
        ("gpt-5.1-2025-08-07", None),
        ("gpt-5-codex-2025-08-07", None),
        ("o3-mini-2025-04-16", None),
        // Hosts that bill their own price for open-weight models are not the vendor.
        ("openrouter/deepseek/deepseek-chat", None),
        ("azure_ai/grok-code-fast-1", None),
        ("vertex_ai/moonshotai/kimi-k2-thinking-maas", None),
        ("groq/glm-4.6", None),
        ("xai/glm-4.6", None),
        // Bedrock's `anthropic.` names Claude models only.
        ("us.anthropic.gpt-5", None),
        ("ollama/llama3:8b", None),
        ("dashscope/qwen3-coder-plus", None),
    ];
    for (id, want) in cases {
        let got = table.resolve(id).map(|r| (r.canonical, r.regional_uplift));
        assert_eq!(got, want.map(|c| (c, false)), "{id:?}");
    }
}

#[test]
fn table_rates_pass_per_vendor_sanity_checks() {
    for row in table::ROWS {
        if row.vendor != Vendor::Anthropic {
            assert!(!row.regional_uplift, "{}: uplift is Anthropic-only", row.id);
            assert!(!row.id.starts_with("claude-"), "{}: vendor", row.id);
        }
        for (label, _, r, _) in all_rates(row) {
            let [input, output, cw5m, cw1h, read] = categories(&r);
            assert!(input > 0, "{label}");
            assert!(output >= input, "output below input: {label}");
            assert!(read <= input, "cache read above input: {label}");
            assert!(cw1h >= cw5m, "long write below short write: {label}");
            assert!(cw5m == 0 || cw5m >= input, "write below input: {label}");
            let no_write = match row.vendor {
                // OpenAI charges cache writes from GPT-5.6 on only.
                Vendor::OpenAi => !(row.id.starts_with("gpt-5.6") || row.id.starts_with("gpt-6")),
                Vendor::Google | Vendor::DeepSeek | Vendor::XAi | Vendor::Zai | Vendor::Host => {
                    true
                }
                // The reference gives writes for Kimi K2.5, K2.6 and K3 only.
                Vendor::Moonshot => row.id.starts_with("kimi-k2-"),
                Vendor::Anthropic | Vendor::MiniMax => false,
            };
            if no_write {
                assert_eq!((cw5m, cw1h), (0, 0), "{label}: no write charge");
            } else {
                assert!(cw5m > 0, "{label}: write charge");
            }
        }
        let periods = std::iter::once(&row.prices).chain(row.changes.iter().map(|c| &c.prices));
        for prices in periods {
            let Some(tier) = prices.long_context else {
                continue;
            };
            let [i, o, w5, w1, rd] = categories(&prices.standard);
            let [pi, po, pw5, pw1, prd] = categories(&tier.rates);
            let id = row.id;
            match row.vendor {
                // §6: OpenAI above 272k and Gemini above 200k: 2× input, 1.5× output, and the
                // cache categories follow input.
                Vendor::OpenAi | Vendor::Google => {
                    let above = if row.vendor == Vendor::OpenAi {
                        272_000
                    } else {
                        200_000
                    };
                    assert_eq!(tier.above_tokens, above, "{id}");
                    assert_eq!((pi, pw5, pw1, prd), (2 * i, 2 * w5, 2 * w1, 2 * rd), "{id}");
                    assert_eq!(2 * po, 3 * o, "{id}: premium output");
                }
                // xAI: every category doubles.
                Vendor::XAi => {
                    assert!([128_000, 200_000].contains(&tier.above_tokens), "{id}");
                    assert_eq!(
                        [pi, po, pw5, pw1, prd],
                        [i, o, w5, w1, rd].map(|v| 2 * v),
                        "{id}"
                    );
                }
                Vendor::Anthropic => {
                    assert!([100_000, 200_000].contains(&tier.above_tokens), "{id}");
                }
                _ => panic!("{id}: unexpected long-context tier"),
            }
        }
    }
}

/// Every canonical id, plain and (Claude models) behind a regional Bedrock prefix.
fn model_ids() -> Vec<String> {
    PriceTable::builtin()
        .canonical_ids()
        .flat_map(|id| {
            let bedrock = id
                .starts_with("claude-")
                .then(|| format!("us.anthropic.{id}"));
            std::iter::once(id.to_owned()).chain(bedrock)
        })
        .collect()
}

/// Token counts with each prompt bucket below `max` (prompt below 5 × `max`).
fn small_tokens(max: u64) -> impl Strategy<Value = TokenCounts> {
    (0..max, 0..max, 0..max, 0..max, 0..max, 0..1_000_000u64)
        .prop_map(|(i, w5, w1, wu, r, o)| tok(i, w5, w1, wu, r, o))
}

fn any_tokens() -> impl Strategy<Value = TokenCounts> {
    (any::<[u64; 7]>()).prop_map(
        |[
            input,
            cache_creation,
            cache_creation_5m,
            cache_creation_1h,
            cache_read,
            output,
            reasoning,
        ]| {
            TokenCounts {
                input,
                cache_creation,
                cache_creation_5m,
                cache_creation_1h,
                cache_read,
                output,
                reasoning,
            }
        },
    )
}

/// `tokens` with `delta` more tokens in bucket `which` (cache buckets keep the split consistent).
fn bump(tokens: TokenCounts, which: usize, delta: u64) -> TokenCounts {
    let mut t = tokens;
    match which {
        0 => t.input += delta,
        1 => {
            t.cache_creation_5m += delta;
            t.cache_creation += delta;
        }
        2 => {
            t.cache_creation_1h += delta;
            t.cache_creation += delta;
        }
        3 => t.cache_creation += delta,
        4 => t.cache_read += delta,
        _ => t.output += delta,
    }
    t
}

fn add(a: TokenCounts, b: TokenCounts) -> TokenCounts {
    TokenCounts {
        input: a.input + b.input,
        cache_creation: a.cache_creation + b.cache_creation,
        cache_creation_5m: a.cache_creation_5m + b.cache_creation_5m,
        cache_creation_1h: a.cache_creation_1h + b.cache_creation_1h,
        cache_read: a.cache_read + b.cache_read,
        output: a.output + b.output,
        reasoning: a.reasoning + b.reasoning,
    }
}

proptest! {
    #[test]
    fn never_panics_and_never_negative(model in ".{0,80}", ts in any::<i64>(), tokens in any_tokens()) {
        let table = PriceTable::builtin();
        let _ = table.cost_pusd(&model, ts, &tokens);
        for id in model_ids() {
            let c = table.cost_pusd(&id, ts, &tokens);
            prop_assert!(matches!(c, Some(v) if v >= 0), "{id}: {c:?}");
        }
    }

    #[test]
    fn monotonic_in_each_bucket_below_threshold(
        ts in any::<i64>(), tokens in small_tokens(15_000), which in 0..6usize, delta in 0..5_000u64,
    ) {
        // Prompt stays below 5 × 15k + 5k = 80k, under every threshold (the lowest is 100k).
        let table = PriceTable::builtin();
        let more = bump(tokens, which, delta);
        for id in model_ids() {
            prop_assert!(table.cost_pusd(&id, ts, &more) >= table.cost_pusd(&id, ts, &tokens), "{id}");
        }
    }

    #[test]
    fn monotonic_in_each_bucket_across_thresholds(
        ts in any::<i64>(),
        base in (0..400_000u64, 0..400_000u64, 0..400_000u64, 0..400_000u64, 0..400_000u64, 0..400_000u64),
        which in 0..6usize, delta in 0..400_000u64,
    ) {
        let table = PriceTable::builtin();
        let (i, w5, w1, wu, r, o) = base;
        let tokens = tok(i, w5, w1, wu, r, o);
        let more = bump(tokens, which, delta);
        for id in model_ids() {
            prop_assert!(table.cost_pusd(&id, ts, &more) >= table.cost_pusd(&id, ts, &tokens), "{id}");
        }
    }

    #[test]
    fn additive_over_split_below_threshold(
        ts in any::<i64>(), a in small_tokens(9_000), b in small_tokens(9_000),
    ) {
        // Both parts and their sum stay below 2 × 5 × 9k = 90k, under every threshold.
        let table = PriceTable::builtin();
        for id in model_ids() {
            let whole = table.cost_pusd(&id, ts, &add(a, b));
            let parts = table
                .cost_pusd(&id, ts, &a)
                .zip(table.cost_pusd(&id, ts, &b))
                .map(|(x, y)| x + y);
            prop_assert_eq!(whole, parts, "{}", id);
        }
    }
}
