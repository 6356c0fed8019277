//! Schema migrations by `user_version`.
//!
//! Each entry of [`MIGRATIONS`] moves the schema one version up and runs in its own
//! transaction, so a database is always at exactly one known version. A database whose version
//! is newer than this build knows is refused rather than guessed at.

use camino::Utf8Path;
use rusqlite::Connection;

use super::APPLICATION_ID;
use crate::error::{Error, Result};

/// The migrations, in order; the database's `user_version` counts how many have run.
///
/// Token counters and costs are integers (costs in picodollars); flags are 0/1. Every table is
/// STRICT so a wrong type is an error, never silent coercion.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: records, sources (checkpoints), metadata.
    "CREATE TABLE records (
        provider TEXT NOT NULL,
        dedup_key TEXT NOT NULL,
        message_id TEXT,
        session TEXT NOT NULL,
        project TEXT,
        model TEXT,
        ts_ms INTEGER NOT NULL,
        subagent INTEGER NOT NULL,
        sidechain INTEGER NOT NULL,
        estimated INTEGER NOT NULL,
        aggregate INTEGER NOT NULL,
        replay INTEGER NOT NULL DEFAULT 0,
        requests INTEGER NOT NULL,
        input INTEGER NOT NULL,
        cache_creation INTEGER NOT NULL,
        cache_5m INTEGER NOT NULL,
        cache_1h INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        output INTEGER NOT NULL,
        reasoning INTEGER NOT NULL,
        total INTEGER NOT NULL,
        cost_pusd INTEGER,
        reported_cost_pusd INTEGER,
        UNIQUE (provider, dedup_key)
    ) STRICT;
    CREATE INDEX records_time ON records (ts_ms);
    CREATE INDEX records_sidechain ON records (provider, message_id) WHERE sidechain = 1;
    CREATE TABLE sources (
        provider TEXT NOT NULL,
        path TEXT NOT NULL,
        dev INTEGER NOT NULL,
        ino INTEGER NOT NULL,
        head_hash INTEGER,
        offset INTEGER NOT NULL,
        tail_hash INTEGER NOT NULL,
        size INTEGER,
        mtime_ns INTEGER NOT NULL,
        parser_version INTEGER NOT NULL,
        parser_state BLOB NOT NULL,
        records INTEGER NOT NULL DEFAULT 0,
        skip_invalid_json INTEGER NOT NULL DEFAULT 0,
        skip_not_an_object INTEGER NOT NULL DEFAULT 0,
        skip_missing_field INTEGER NOT NULL DEFAULT 0,
        skip_too_long INTEGER NOT NULL DEFAULT 0,
        skip_binary INTEGER NOT NULL DEFAULT 0,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (provider, path)
    ) STRICT;
    CREATE INDEX sources_head ON sources (provider, head_hash);
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;",
    // 2: cached report results, valid for one data generation.
    "CREATE TABLE report_cache (
        query TEXT PRIMARY KEY,
        generation INTEGER NOT NULL,
        result TEXT NOT NULL,
        stored_ms INTEGER NOT NULL
    ) STRICT;
    INSERT INTO meta (key, value) VALUES ('generation', '0')
        ON CONFLICT (key) DO NOTHING;",
    // 3: fast (priority speed) mode, billed at a multiple of the standard price.
    "ALTER TABLE records ADD COLUMN fast INTEGER NOT NULL DEFAULT 0;",
    // 4: GitHub Copilot premium requests, in thousandths. Cached reports lack the new field.
    "ALTER TABLE records ADD COLUMN premium_milli INTEGER NOT NULL DEFAULT 0;
    DELETE FROM report_cache;",
    // 5: tombstones of forgotten requests (`scopeon forget`): 64-bit hashes of their keys
    // (`request`, or `replay` for a copy that did not count) and of their message ids
    // (`message`), never the ids themselves, so a later read of their logs stores nothing.
    "CREATE TABLE forgotten (
        hash INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('request', 'replay', 'message'))
    ) STRICT;",
    // 6: the log a record was first read from: a 64-bit hash of the tailed file's identity
    // (`ingest::origin_of`), NULL for records of sources read whole and for records stored
    // before. A rebuild replaces the records of the logs it reads again and keeps the others.
    "ALTER TABLE records ADD COLUMN origin INTEGER;",
    // 7: the live layer (docs/live.md). `rate_limits` holds what agents report about their
    // usage windows, numbers only: the latest report of each window (provider, window name,
    // reset time), so it grows by one row per window, not per report. `records_provider_time`
    // lets blocks read one provider's requests of a time range without a scan of the others'.
    "CREATE TABLE rate_limits (
        provider TEXT NOT NULL,
        kind TEXT NOT NULL,
        resets_at_ms INTEGER NOT NULL,
        window_minutes INTEGER NOT NULL,
        used_percentage REAL NOT NULL,
        captured_at_ms INTEGER NOT NULL,
        PRIMARY KEY (provider, kind, resets_at_ms)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX records_provider_time ON records (provider, ts_ms);",
    // 8: one session's records without reading them all (a session's cost, asked on every
    // `scopeon statusline` call).
    "CREATE INDEX records_session ON records (session, provider);",
    // 9: alerts (docs/alerts.md). `alerts_fired` remembers each (event, subject, period) that
    // fired, so it fires at most once whichever process sees it first; `payload` holds its
    // figures only. `alert_queue` holds one delivery per alert and webhook, named by a hash
    // of the webhook (never its URL); `alert_endpoints` the last outcome of each webhook and,
    // after a 404 or 410, the fingerprint of the configuration it was disabled under.
    "CREATE TABLE alerts_fired (
        id INTEGER PRIMARY KEY,
        event TEXT NOT NULL,
        subject TEXT NOT NULL,
        period TEXT NOT NULL,
        fired_ms INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        UNIQUE (event, subject, period)
    ) STRICT;
    CREATE TABLE alert_queue (
        alert INTEGER NOT NULL REFERENCES alerts_fired (id) ON DELETE CASCADE,
        endpoint TEXT NOT NULL,
        webhook INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'failed', 'disabled')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        last_attempt_ms INTEGER,
        last_status TEXT,
        delivered_ms INTEGER,
        PRIMARY KEY (alert, endpoint)
    ) STRICT;
    CREATE INDEX alert_queue_due ON alert_queue (state, next_attempt_ms);
    CREATE TABLE alert_endpoints (
        endpoint TEXT PRIMARY KEY,
        last_attempt_ms INTEGER,
        last_status TEXT,
        last_delivered_ms INTEGER,
        disabled_config TEXT
    ) STRICT;",
];

/// The schema version this build writes.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the schema up to date (or refuses a database that is not Scopeon's or is newer).
pub(crate) fn migrate(conn: &mut Connection, path: &Utf8Path) -> Result<()> {
    let db_err = |source| Error::db(path.to_owned(), source);
    // One statement, so one snapshot: read apart, another process creating the database at
    // the same moment could be seen with its tables but not yet its application id.
    let (app_id, version, tables): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id()),
                    (SELECT user_version FROM pragma_user_version()),
                    (SELECT count(*) FROM sqlite_schema)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(db_err)?;
    if app_id != APPLICATION_ID {
        // A brand-new file has id 0 and no tables; anything else belongs to someone else.
        if app_id != 0 || tables != 0 {
            return Err(Error::NotScopeonDb {
                path: path.to_owned(),
                found: app_id,
            });
        }
    }
    if version > latest_version() {
        return Err(Error::NewerSchema {
            path: path.to_owned(),
            found: version,
            supported: latest_version(),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db_err)?;
        // Another process may have migrated while we waited for the write lock.
        let now: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db_err)?;
        if now > i as i64 {
            continue;
        }
        tx.execute_batch(sql).map_err(db_err)?;
        tx.execute_batch(&format!(
            "PRAGMA user_version = {}; PRAGMA application_id = {APPLICATION_ID};",
            i + 1
        ))
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_and_are_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        let p = Utf8Path::new(":memory:");
        migrate(&mut conn, p).unwrap();
        migrate(&mut conn, p).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest_version());
        let schema: Vec<String> = conn
            .prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        insta::assert_snapshot!(schema.join("\n\n"));
    }
}
