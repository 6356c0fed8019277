//! The store side of the live layer (docs/live.md): rate-limit snapshots in, and the narrow
//! reads blocks and context are computed from.
//!
//! Every read here is bounded by time through an index: one provider's requests of a range
//! and every provider's requests of the last minutes (`records_provider_time`), and the few
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

/// A provider's requests of a time range, oldest first: `?1` provider, `[?2, ?3)`.
const EACH_REQUEST_SQL: &str = "SELECT ts_ms, requests, input, cache_creation, cache_read, output,
        reasoning, total, cost_pusd
    FROM records
    WHERE provider = (SELECT id FROM providers WHERE name = ?1) AND ts_ms >= ?2 AND ts_ms < ?3 AND replay = 0
    ORDER BY ts_ms";

/// Every provider's main-thread requests in `[?1, ?2]`, by name, oldest first: one range of
/// `records_provider_time` per provider.
const SESSION_TIPS_SQL: &str = "SELECT (SELECT name FROM providers WHERE id = provider),
        (SELECT name FROM sessions WHERE id = session),
        (SELECT name FROM projects WHERE id = project),
        (SELECT name FROM models WHERE id = model),
        input + cache_creation + cache_read, ts_ms
    FROM records
    WHERE provider IN (SELECT id FROM providers) AND ts_ms >= ?1 AND ts_ms <= ?2
      AND replay = 0 AND sidechain = 0
    ORDER BY ts_ms, rowid";

/// A provider's request times up to `?2`, latest first.
const BLOCK_ANCHOR_SQL: &str = "SELECT ts_ms FROM records
    WHERE provider = (SELECT id FROM providers WHERE name = ?1) AND ts_ms <= ?2 AND replay = 0
    ORDER BY ts_ms DESC";

/// One stored request, as blocks need it: when, its token fields and its calculated cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RequestRow {
    pub ts_ms: i64,
    pub requests: u64,
    pub input: u64,
    pub cache_creation: u64,
    pub cache_read: u64,
    pub output: u64,
    pub reasoning: u64,
    pub total: u64,
    /// `None` for a model without a price.
    pub cost_pusd: Option<i64>,
}

/// The latest main-thread request of a session, as context needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionTip {
    pub provider: String,
    pub session: String,
    pub project: Option<String>,
    pub model: Option<String>,
    /// Input + cache creation + cache read of the latest request.
    pub context_tokens: u64,
    pub ts_ms: i64,
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

    /// Calls `f` with each of a provider's requests in `[from_ms, to_ms)`, oldest first, one
    /// row at a time (never the range in memory at once).
    pub(crate) fn each_request(
        &self,
        provider: ProviderId,
        from_ms: i64,
        to_ms: i64,
        f: &mut dyn FnMut(RequestRow),
    ) -> Result<()> {
        let err = |e| self.db_err(e);
        let mut st = self.conn.prepare_cached(EACH_REQUEST_SQL).map_err(err)?;
        let mut rows = st.query((provider.as_str(), from_ms, to_ms)).map_err(err)?;
        let n = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<u64> {
            Ok(r.get::<_, i64>(i)?.max(0) as u64)
        };
        while let Some(r) = rows.next().map_err(err)? {
            let row = (|| {
                Ok::<_, rusqlite::Error>(RequestRow {
                    ts_ms: r.get(0)?,
                    requests: n(r, 1)?,
                    input: n(r, 2)?,
                    cache_creation: n(r, 3)?,
                    cache_read: n(r, 4)?,
                    output: n(r, 5)?,
                    reasoning: n(r, 6)?,
                    total: n(r, 7)?,
                    cost_pusd: r.get(8)?,
                })
            })()
            .map_err(err)?;
            f(row);
        }
        Ok(())
    }

    /// Where estimated blocks can be computed from so that they come out as from the start
    /// of history, for blocks at or after `at_ms`: the latest request at or before `at_ms`
    /// that follows the one before it by at least `gap_ms` (no block can reach across such a
    /// gap), `at_ms` itself when the latest request before it is that far back, or the
    /// provider's first request. `None` when the provider has no request at or before `at_ms`. Reads backwards through the index from `at_ms` only as far as that gap.
    pub(crate) fn block_anchor(
        &self,
        provider: ProviderId,
        at_ms: i64,
        gap_ms: i64,
    ) -> Result<Option<i64>> {
        let err = |e| self.db_err(e);
        let mut st = self.conn.prepare_cached(BLOCK_ANCHOR_SQL).map_err(err)?;
        let mut rows = st.query((provider.as_str(), at_ms)).map_err(err)?;
        let mut later: Option<i64> = None;
        while let Some(r) = rows.next().map_err(err)? {
            let ts: i64 = r.get(0).map_err(err)?;
            // The latest request is already `gap_ms` before `at_ms`: no block reaches `at_ms`,
            // so blocks from `at_ms` on come out the same computed from there (and a quiet
            // provider costs one row, not a walk back to its last gap).
            if later.is_none() && at_ms.saturating_sub(ts) >= gap_ms {
                return Ok(Some(at_ms));
            }
            if let Some(l) = later
                && l - ts >= gap_ms
            {
                return Ok(Some(l));
            }
            later = Some(ts);
        }
        Ok(later)
    }

    /// The first and last request time of a provider, if it has any.
    pub(crate) fn request_span(&self, provider: ProviderId) -> Result<Option<(i64, i64)>> {
        self.conn
            .query_row(
                "SELECT (SELECT ts_ms FROM records WHERE provider = (SELECT id FROM providers WHERE name = ?1) AND replay = 0 ORDER BY ts_ms LIMIT 1),
                        (SELECT ts_ms FROM records WHERE provider = (SELECT id FROM providers WHERE name = ?1) AND replay = 0 ORDER BY ts_ms DESC LIMIT 1)",
                [provider.as_str()],
                |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?)),
            )
            .map(|(a, b)| a.zip(b))
            .map_err(|e| self.db_err(e))
    }

    /// The latest main-thread request of each session with a request in `[from_ms, to_ms]`
    /// (sidechains, Claude Code's subagents, run in contexts of their own), oldest first.
    pub(crate) fn session_tips(&self, from_ms: i64, to_ms: i64) -> Result<Vec<SessionTip>> {
        let err = |e| self.db_err(e);
        let mut st = self.conn.prepare_cached(SESSION_TIPS_SQL).map_err(err)?;
        let rows = st
            .query_map((from_ms, to_ms), |r| {
                Ok(SessionTip {
                    provider: r.get(0)?,
                    session: r.get(1)?,
                    project: r.get(2)?,
                    model: r.get(3)?,
                    context_tokens: r.get::<_, i64>(4)?.max(0) as u64,
                    ts_ms: r.get(5)?,
                })
            })
            .map_err(err)?;
        let mut latest: Vec<SessionTip> = Vec::new();
        let mut index = std::collections::HashMap::<(String, String), usize>::new();
        for row in rows {
            let tip = row.map_err(err)?;
            match index.get(&(tip.provider.clone(), tip.session.clone())) {
                Some(&i) => latest[i] = tip,
                None => {
                    index.insert((tip.provider.clone(), tip.session.clone()), latest.len());
                    latest.push(tip);
                }
            }
        }
        latest.sort_by_key(|t| t.ts_ms);
        Ok(latest)
    }

    /// The query plan SQLite chooses for a statement (for tests that check an index is used).
    #[cfg(test)]
    pub(crate) fn query_plan(&self, sql: &str) -> Vec<String> {
        let mut st = self
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        st.query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{RecordFlags, TokenCounts, UsageRecord};
    use crate::store::Batch;

    const HOUR: i64 = 3_600_000;
    const T0: i64 = 1_764_000_000_000;

    fn request(key: &str, ts_ms: i64) -> UsageRecord {
        UsageRecord {
            provider: ProviderId::Codex,
            session: "s".into(),
            project: None,
            model: Some("gpt-5".into()),
            timestamp_ms: ts_ms,
            dedup_key: key.into(),
            message_id: None,
            flags: RecordFlags::default(),
            tokens: TokenCounts {
                input: 10,
                ..TokenCounts::default()
            },
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        }
    }

    /// The anchor reads back only to the last five-hour silence, and not at all when the
    /// silence ends at the time asked for.
    #[test]
    fn block_anchor_stops_at_the_last_silence() {
        let mut store = Store::open_in_memory().unwrap();
        let at = |h: i64| T0 + h * HOUR;
        let records = [0, 1, 10, 11]
            .iter()
            .map(|&h| request(&format!("r{h}"), at(h)))
            .collect();
        store
            .commit(&Batch {
                records,
                ..Batch::default()
            })
            .unwrap();
        let anchor = |ms| store.block_anchor(ProviderId::Codex, ms, 5 * HOUR).unwrap();
        assert_eq!(anchor(at(0) - 1), None, "nothing before");
        assert_eq!(anchor(at(3)), Some(at(0)), "the first request");
        assert_eq!(
            anchor(at(12)),
            Some(at(10)),
            "back to the request after the gap"
        );
        assert_eq!(
            anchor(at(16)),
            Some(at(16)),
            "the latest request is 5 h back: no read"
        );
        assert_eq!(
            anchor(at(15)),
            Some(at(10)),
            "4 h back: still inside a block"
        );
    }

    /// The block reads go through the `(provider, ts_ms)` index, so their cost follows the
    /// range asked for, not the history stored.
    #[test]
    fn block_reads_use_the_provider_time_index() {
        let store = Store::open_in_memory().unwrap();
        for sql in [EACH_REQUEST_SQL, BLOCK_ANCHOR_SQL] {
            let sql = sql
                .replace("?1", "'codex'")
                .replace("?2", "1")
                .replace("?3", "2");
            let plan = store.query_plan(&sql).join("\n");
            assert!(
                plan.contains("USING INDEX records_provider_time (provider=? AND ts_ms"),
                "{plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "sorted by the index: {plan}");
        }
        // A window over every provider (context's session tips, a report with a time range)
        // is one range of the same index per provider, never a scan of the table.
        let report = "SELECT sum(total) FROM records r WHERE r.replay = 0 AND r.ts_ms >= ?1
            AND r.ts_ms < ?2 AND r.provider IN (SELECT id FROM providers)";
        for sql in [SESSION_TIPS_SQL, report] {
            let sql = sql.replace("?1", "1").replace("?2", "2");
            let plan = store.query_plan(&sql).join("\n");
            assert!(
                plan.contains(
                    "USING INDEX records_provider_time (provider=? AND ts_ms>? AND ts_ms<"
                ),
                "{plan}"
            );
        }
    }
}
