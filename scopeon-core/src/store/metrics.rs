//! What the metrics snapshot (`crate::metrics`, docs/teams.md) needs from the database beyond
//! a report: the earliest stored request and the usage windows in force.

use rusqlite::OptionalExtension;

use super::Store;
use crate::error::Result;
use crate::metrics::RateLimitGauge;

impl Store {
    /// When the earliest stored request of these providers was made (UTC milliseconds), or
    /// `None` when they have none. Replays are left out as reports leave them out. One
    /// indexed look-up per provider (`records_provider_time`), not a scan of every record.
    pub(crate) fn earliest_request_ms(&self, providers: &[&str]) -> Result<Option<i64>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT ts_ms FROM records WHERE provider = (SELECT id FROM providers WHERE name = ?1) AND replay = 0
                 ORDER BY ts_ms LIMIT 1",
            )
            .map_err(|e| self.db_err(e))?;
        let mut earliest: Option<i64> = None;
        for provider in providers {
            let first = st
                .query_row([provider], |r| r.get::<_, i64>(0))
                .optional()
                .map_err(|e| self.db_err(e))?;
            earliest = match (earliest, first) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(earliest)
    }

    /// Every provider's usage windows in force at `now_ms` (started at or before it, not yet
    /// reset), one per provider and window name: the latest reported when an agent's windows
    /// overlap (a reset time that moved). Sorted by provider and window.
    pub(crate) fn windows_in_force(&self, now_ms: i64) -> Result<Vec<RateLimitGauge>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT provider, kind, used_percentage, resets_at_ms FROM rate_limits
                 WHERE resets_at_ms > ?1 AND resets_at_ms - window_minutes * 60000 <= ?1
                 ORDER BY provider, kind, captured_at_ms, resets_at_ms",
            )
            .map_err(|e| self.db_err(e))?;
        let rows = st
            .query_map([now_ms], |r| {
                Ok(RateLimitGauge {
                    provider: r.get(0)?,
                    window: r.get(1)?,
                    // Stored percentages are 0-100 (clamped on the way in); this is a ratio.
                    used_ratio: r.get::<_, f64>(2)?.clamp(0.0, 100.0) / 100.0,
                    resets_at_ms: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.db_err(e))?;
        let mut gauges: Vec<RateLimitGauge> = Vec::with_capacity(rows.len());
        for gauge in rows {
            match gauges.last_mut() {
                Some(last) if last.provider == gauge.provider && last.window == gauge.window => {
                    *last = gauge;
                }
                _ => gauges.push(gauge),
            }
        }
        Ok(gauges)
    }
}
