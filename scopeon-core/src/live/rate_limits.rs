//! Rate-limit snapshots: what an agent itself reports about its usage windows (docs/live.md).
//!
//! Codex writes `rate_limits.primary` / `secondary` into its `token_count` events; Claude Code
//! hands `rate_limits.five_hour` / `seven_day` to its statusline command. Either way a snapshot
//! is a handful of numbers: which provider and window, how much of it is used, when it resets
//! and when that was seen. It is never usage: no request, no tokens, no cost.

use crate::record::ProviderId;

/// The length of a five-hour window, the only windows that are blocks.
pub const FIVE_HOURS_MINUTES: u32 = 300;

/// The longest window accepted, in minutes (a year): anything longer is not a usage window.
const MAX_WINDOW_MINUTES: u32 = 366 * 24 * 60;

/// The longest window name accepted, in bytes.
const MAX_KIND_LEN: usize = 32;

/// Timestamps outside 2000-01-01 .. 9999-12-31 are not times an agent reports.
const EARLIEST_MS: i64 = 946_684_800_000;
const LATEST_MS: i64 = 253_402_300_799_999;

/// What an agent reported about one of its usage windows at one moment.
///
/// Built with [`RateLimitSnapshot::new`], which applies the rules of docs/live.md
/// (percentages above 101 dropped, 100–101 clamped to 100, window names that are plain
/// identifiers only), so every value is one that may be stored.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RateLimitSnapshot {
    /// The agent (a window belongs to one vendor account).
    pub provider: ProviderId,
    /// The agent's name for the window: `five_hour`, `seven_day` (Claude Code), `primary`,
    /// `secondary` (Codex).
    pub kind: String,
    /// The window's length in minutes (300 for five hours).
    pub window_minutes: u32,
    /// How much of the window is used, 0–100.
    pub used_percentage: f64,
    /// When the window resets (its end), UTC milliseconds.
    pub resets_at_ms: i64,
    /// When the agent reported it, UTC milliseconds.
    pub captured_at_ms: i64,
}

impl RateLimitSnapshot {
    /// A snapshot, or `None` when a value is not one to store: a percentage that is negative,
    /// not finite or above 101 (100–101 is an agent's rounding and is clamped to 100), a
    /// window name that is not 1–32 lowercase ASCII letters, digits or `_`, a window of no
    /// minutes or more than a year, or a time outside the years 2000–9999.
    pub fn new(
        provider: ProviderId,
        kind: &str,
        window_minutes: u32,
        used_percentage: f64,
        resets_at_ms: i64,
        captured_at_ms: i64,
    ) -> Option<RateLimitSnapshot> {
        let kind_ok = !kind.is_empty()
            && kind.len() <= MAX_KIND_LEN
            && kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        let time_ok = |ms: i64| (EARLIEST_MS..=LATEST_MS).contains(&ms);
        if !kind_ok
            || !(1..=MAX_WINDOW_MINUTES).contains(&window_minutes)
            || !used_percentage.is_finite()
            || !(0.0..=101.0).contains(&used_percentage)
            || !time_ok(resets_at_ms)
            || !time_ok(captured_at_ms)
        {
            return None;
        }
        Some(RateLimitSnapshot {
            provider,
            kind: kind.to_owned(),
            window_minutes,
            used_percentage: used_percentage.min(100.0),
            resets_at_ms,
            captured_at_ms,
        })
    }

    /// When the window started: `window_minutes` before it resets.
    pub fn starts_at_ms(&self) -> i64 {
        self.resets_at_ms - i64::from(self.window_minutes) * 60_000
    }

    /// Whether the window is a five-hour one, and so a block rather than a longer window.
    pub fn is_five_hour(&self) -> bool {
        self.window_minutes == FIVE_HOURS_MINUTES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_759_500_000_000;

    fn pct(p: f64) -> Option<f64> {
        RateLimitSnapshot::new(ProviderId::Codex, "primary", 300, p, T, T)
            .map(|s| s.used_percentage)
    }

    #[test]
    fn percentages_follow_the_rules() {
        assert_eq!(pct(0.0), Some(0.0));
        assert_eq!(pct(42.5), Some(42.5));
        assert_eq!(pct(100.0), Some(100.0));
        assert_eq!(pct(100.7), Some(100.0), "100-101 is clamped");
        assert_eq!(pct(101.0), Some(100.0));
        assert_eq!(pct(101.01), None, "above 101 is dropped");
        assert_eq!(pct(-1.0), None);
        assert_eq!(pct(f64::NAN), None);
        assert_eq!(pct(f64::INFINITY), None);
    }

    #[test]
    fn names_windows_and_times_are_checked() {
        let new = |kind: &str, minutes: u32, resets: i64| {
            RateLimitSnapshot::new(ProviderId::ClaudeCode, kind, minutes, 1.0, resets, T)
        };
        assert!(new("five_hour", 300, T).is_some());
        assert!(new("seven_day", 10_080, T).is_some());
        assert!(new("", 300, T).is_none());
        assert!(new("Five Hour", 300, T).is_none());
        assert!(new("a\u{1b}]52", 300, T).is_none());
        assert!(new(&"x".repeat(33), 300, T).is_none());
        assert!(new("primary", 0, T).is_none());
        assert!(new("primary", 600_000, T).is_none());
        assert!(new("primary", 300, 0).is_none());
        assert!(new("primary", 300, i64::MAX).is_none());
        let s = new("five_hour", 300, T).unwrap();
        assert_eq!(s.starts_at_ms(), T - 5 * 3_600_000);
        assert!(s.is_five_hour());
    }
}
