//! The store side of the live layer (docs/live.md): rate-limit snapshots in, and the narrow
//! reads blocks and context are computed from.
//!
//! Every read here is bounded by time through an index: one provider's requests of a range
//! (`records_provider_time`), the requests of the last minutes (`records_time`), and the few
//! rate-limit rows of a provider (one per window).

use rusqlite::Connection;

use super::Store;
use crate::error::{Error, Result};
use crate::live::RateLimitSnapshot;
use crate::record::ProviderId;

/// Stores snapshots, keeping the latest report of each window (provider, window name, reset
/// time): a later capture replaces an earlier one, and of two captured at the same moment the
/// higher percentage stays (usage only grows within a window). Whatever order snapshots
/// arrive in, and however often, the stored rows are the same: a rescan, a rebuild or a
/// resumed scan changes nothing.
pub(crate) fn upsert_rate_limits(
    conn: &Connection,
    snapshots: &[RateLimitSnapshot],
) -> rusqlite::Result<()> {
    if snapshots.is_empty() {
        return Ok(());
    }
    let mut st = conn.prepare_cached(
        "INSERT INTO rate_limits (provider, kind, resets_at_ms, window_minutes, used_percentage, captured_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (provider, kind, resets_at_ms) DO UPDATE SET
             window_minutes = excluded.window_minutes,
             used_percentage = excluded.used_percentage,
             captured_at_ms = excluded.captured_at_ms
         WHERE (excluded.captured_at_ms, excluded.used_percentage, excluded.window_minutes)
             > (captured_at_ms, used_percentage, window_minutes)",
    )?;
    for s in snapshots {
        st.execute((
            s.provider.as_str(),
            s.kind.as_str(),
            s.resets_at_ms,
            s.window_minutes,
            s.used_percentage,
            s.captured_at_ms,
        ))?;
    }
    Ok(())
}

impl Store {
    /// Stores what agents reported about their usage windows (see [`RateLimitSnapshot`]),
    /// keeping the latest report of each window; storing the same snapshots again changes
    /// nothing.
    pub fn record_rate_limits(&mut self, snapshots: &[RateLimitSnapshot]) -> Result<()> {
        if snapshots.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |source| Error::db(path.clone(), source);
        if self.rebuilding {
            let sp = self.conn.savepoint().map_err(err)?;
            upsert_rate_limits(&sp, snapshots).map_err(err)?;
            return sp.commit().map_err(err);
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        upsert_rate_limits(&tx, snapshots).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// A provider's stored windows (the latest snapshot of each) that overlap
    /// `[from_ms, to_ms)`, by reset time.
    pub fn rate_limit_windows(
        &self,
        provider: ProviderId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<RateLimitSnapshot>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT kind, window_minutes, used_percentage, resets_at_ms, captured_at_ms
                 FROM rate_limits
                 WHERE provider = ?1 AND resets_at_ms > ?2
                   AND resets_at_ms - window_minutes * 60000 < ?3
                 ORDER BY resets_at_ms, kind",
            )
            .map_err(|e| self.db_err(e))?;
        let rows = st
            .query_map((provider.as_str(), from_ms, to_ms), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, f64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.db_err(e))?;
        // Stored rows passed these checks on the way in; one that no longer does (written by
        // hand) is left out rather than shown.
        Ok(rows
            .into_iter()
            .filter_map(|(kind, minutes, pct, resets, captured)| {
                RateLimitSnapshot::new(
                    provider,
                    &kind,
                    u32::try_from(minutes).ok()?,
                    pct,
                    resets,
                    captured,
                )
            })
            .collect())
    }
}

/// Forgets the snapshots of these providers (all when empty) captured before `before_ms`
/// (any time when `None`), in the caller's transaction.
pub(crate) fn forget_rate_limits(
    conn: &Connection,
    providers: &[ProviderId],
    before_ms: Option<i64>,
) -> rusqlite::Result<()> {
    let before = before_ms.unwrap_or(i64::MAX);
    if providers.is_empty() {
        conn.execute(
            "DELETE FROM rate_limits WHERE captured_at_ms < ?1",
            [before],
        )?;
    }
    for p in providers {
        conn.execute(
            "DELETE FROM rate_limits WHERE provider = ?1 AND captured_at_ms < ?2",
            (p.as_str(), before),
        )?;
    }
    Ok(())
}
