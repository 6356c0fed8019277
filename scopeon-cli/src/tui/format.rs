//! How the dashboard and `scopeon watch` write numbers: tokens exact with thousands
//! separators, USD with 2 decimals, durations in hours and minutes, times in the report zone,
//! and text from logs made printable (docs/tui.md).

use std::borrow::Cow;

use jiff::Timestamp;
use scopeon_core::live::{Block, BlockSource};
use scopeon_core::store::Totals;
use scopeon_core::window::Zone;

pub(crate) use crate::render::thousands;
use crate::sanitize::printable;

/// `$12.34`, or `-` when nothing is priced.
pub fn usd(cost: Option<f64>) -> String {
    match cost {
        Some(c) => format!("${c:.2}"),
        None => "-".into(),
    }
}

/// A group's cost.
pub fn cost(t: &Totals) -> String {
    usd(t.cost_usd())
}

/// `2h 05m`, `13m`, `45s`; a negative span is `0s`.
pub fn span(ms: i64) -> String {
    let s = (ms.max(0) / 1000) as u64;
    match (s / 3600, (s % 3600) / 60) {
        (0, 0) => format!("{s}s"),
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h {m:02}m"),
    }
}

/// `14:05` in the zone.
pub fn clock(ms: i64, zone: &Zone) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned_datetime(zone.tz.clone())
                .strftime("%H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| "?".into())
}

/// `2026-11-21 14:05:09 Europe/Berlin`.
pub fn moment(now: Timestamp, zone: &Zone) -> String {
    format!(
        "{} {}",
        now.to_zoned_datetime(zone.tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S"),
        zone.name
    )
}

/// A key as logged, printable; `(unknown)` when the log had none.
pub fn label(key: Option<&str>) -> Cow<'_, str> {
    match key {
        Some(k) => printable(k),
        None => Cow::Borrowed("(unknown)"),
    }
}

/// At most `width` characters, the end kept (paths and ids differ at the end): `…/acme-api`.
pub fn tail(s: &str, width: usize, ascii: bool) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_owned();
    }
    let mark = if ascii { "~" } else { "…" };
    let keep = width.saturating_sub(1);
    let rest: String = s.chars().skip(n - keep).collect();
    format!("{mark}{rest}")
}

/// A fill bar of `width` cells for a ratio 0–1: `#####-----` (ASCII) or `█████░░░░░`.
pub fn bar(ratio: f64, width: usize, ascii: bool) -> String {
    let filled = ((ratio.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    let (on, off) = if ascii { ('#', '-') } else { ('█', '░') };
    std::iter::repeat_n(on, filled)
        .chain(std::iter::repeat_n(off, width - filled))
        .collect()
}

/// `62%`.
pub fn percent(p: f64) -> String {
    format!("{p:.0}%")
}

/// A block's headline: provider, source, used share, time left and end.
pub fn block_headline(b: &Block, now_ms: i64, zone: &Zone) -> String {
    let mut line = format!("{:<12} {:<9}", b.provider.as_str(), b.source.as_str());
    if b.source == BlockSource::Official {
        match b.used_percentage {
            Some(p) => line.push_str(&format!(" used {}", percent(p))),
            None => line.push_str(" used ?"),
        }
        if b.stale == Some(true) {
            line.push_str(" (stale)");
        }
    }
    line.push_str(&format!(
        " | {} left, ends {}",
        span(b.end_ms - now_ms),
        clock(b.end_ms, zone)
    ));
    line
}

/// A block's tokens, cost and burn rate.
pub fn block_usage(b: &Block) -> String {
    let mut line = format!(
        "{} tok, {}, {} req",
        thousands(b.totals.total_tokens),
        cost(&b.totals),
        thousands(b.totals.requests)
    );
    match &b.burn_rate {
        Some(r) => line.push_str(&format!(
            " | burn {} tok/min, {}/h",
            thousands(r.tokens_per_minute.round() as u64),
            usd(r.cost_per_hour)
        )),
        None => line.push_str(" | burn -"),
    }
    line
}

/// A block's projection at its end and its token limit.
pub fn block_outlook(b: &Block) -> String {
    let mut line = match &b.projection {
        Some(p) => format!(
            "projected {} tok, {}",
            thousands(p.total_tokens),
            usd(p.cost_usd)
        ),
        None => "projected -".into(),
    };
    if let Some(l) = &b.token_limit {
        line.push_str(&format!(
            " | limit {} ({} projected, {})",
            thousands(l.limit),
            percent(l.projected_percent),
            l.status
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_the_docs_say() {
        assert_eq!(usd(Some(1234.5)), "$1234.50");
        assert_eq!(usd(None), "-");
        assert_eq!(span(2 * 3_600_000 + 5 * 60_000 + 9_000), "2h 05m");
        assert_eq!(span(13 * 60_000), "13m");
        assert_eq!(span(-5), "0s");
        assert_eq!(bar(0.5, 10, true), "#####-----");
        assert_eq!(bar(2.0, 4, false), "████");
        assert_eq!(tail("/home/dev/acme-api", 9, true), "~acme-api");
        assert_eq!(tail("short", 9, false), "short");
        assert_eq!(label(Some("a\u{1b}]52;c;x\u{7}")), "a?]52;c;x?");
        assert_eq!(label(None), "(unknown)");
    }
}
