//! Schema migrations by `user_version`.
//!
//! Each entry of [`MIGRATIONS`] moves the schema one version up and runs in its own
//! transaction, so a database is always at exactly one known version. A database whose version
//! is newer than this build knows is refused rather than guessed at.

use camino::Utf8Path;
use rusqlite::{Connection, Transaction};

use super::APPLICATION_ID;
use super::names::Dictionary;
use super::record_key::stored_key;
use crate::error::{Error, Result};

/// The columns of `sources`: migration 1 made the table with them, and migration 10 makes it
/// again `WITHOUT ROWID`, so its key `(provider, path)` (a long path) is stored once, not twice.
macro_rules! sources_columns {
    () => {
        "
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
        PRIMARY KEY (provider, path)"
    };
}

/// One step of the schema: SQL, or a function for what SQL alone cannot do (a step that
/// computes stored values in Rust).
pub(crate) enum Migration {
    Sql(&'static str),
    Rust(fn(&Transaction<'_>) -> rusqlite::Result<()>),
}

/// The migrations, in order; the database's `user_version` counts how many have run.
///
/// Token counters and costs are integers (costs in picodollars); flags are 0/1. Every table is
/// STRICT so a wrong type is an error, never silent coercion.
pub(crate) const MIGRATIONS: &[Migration] = &[
    // 1: records, sources (checkpoints), metadata.
    Migration::Sql(concat!(
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
    CREATE TABLE sources (",
        sources_columns!(),
        ") STRICT;
    CREATE INDEX sources_head ON sources (provider, head_hash);
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;"
    )),
    // 2: cached report results, valid for one data generation.
    Migration::Sql(
        "CREATE TABLE report_cache (
        query TEXT PRIMARY KEY,
        generation INTEGER NOT NULL,
        result TEXT NOT NULL,
        stored_ms INTEGER NOT NULL
    ) STRICT;
    INSERT INTO meta (key, value) VALUES ('generation', '0')
        ON CONFLICT (key) DO NOTHING;",
    ),
    // 3: fast (priority speed) mode, billed at a multiple of the standard price.
    Migration::Sql("ALTER TABLE records ADD COLUMN fast INTEGER NOT NULL DEFAULT 0;"),
    // 4: GitHub Copilot premium requests, in thousandths. Cached reports lack the new field.
    Migration::Sql(
        "ALTER TABLE records ADD COLUMN premium_milli INTEGER NOT NULL DEFAULT 0;
    DELETE FROM report_cache;",
    ),
    // 5: tombstones of forgotten requests (`scopeon forget`): 64-bit hashes of their keys
    // (`request`, or `replay` for a copy that did not count) and of their message ids
    // (`message`), never the ids themselves, so a later read of their logs stores nothing.
    Migration::Sql(
        "CREATE TABLE forgotten (
        hash INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('request', 'replay', 'message'))
    ) STRICT;",
    ),
    // 6: the log a record was first read from: a 64-bit hash of the tailed file's identity
    // (`ingest::origin_of`), NULL for records of sources read whole and for records stored
    // before. A rebuild replaces the records of the logs it reads again and keeps the others.
    Migration::Sql("ALTER TABLE records ADD COLUMN origin INTEGER;"),
    // 7: the live layer (docs/live.md). `rate_limits` holds what agents report about their
    // usage windows, numbers only: the latest report of each window (provider, window name,
    // reset time), so it grows by one row per window, not per report. `records_provider_time`
    // lets blocks read one provider's requests of a time range without a scan of the others'.
    Migration::Sql(
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
    ),
    // 8: one session's records without reading them all (a session's cost, asked on every
    // `scopeon statusline` call).
    Migration::Sql("CREATE INDEX records_session ON records (session, provider);"),
    // 9: alerts (docs/alerts.md). `alerts_fired` remembers each (event, subject, period) that
    // fired, so it fires at most once whichever process sees it first; `payload` holds its
    // figures only. `alert_queue` holds one delivery per alert and webhook, named by a hash
    // of the webhook (never its URL); `alert_endpoints` the last outcome of each webhook and,
    // after a 404 or 410, the fingerprint of the configuration it was disabled under.
    Migration::Sql(
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
    ),
    // 10: the compact records (docs/storage.md, "Schema and migrations"): names in dictionary
    // tables, the dedup key as 16 bytes of hashes, the total computed, no message id column.
    Migration::Rust(compact_records),
];

/// The stored columns of `records` (all but the computed `total`), in the order of its
/// definition: what a copy of rows from one table of records to another lists.
pub(crate) const RECORD_COLUMNS: &str = "key, provider, session, project, model, ts_ms, subagent,
    sidechain, estimated, aggregate, replay, fast, requests, input, cache_creation, cache_5m,
    cache_1h, cache_read, output, reasoning, premium_milli, cost_pusd, reported_cost_pusd, origin";

/// The tables of the compact schema (migration 10). `records` is created as
/// `records_compact` and renamed once the old table's rows are in it.
const COMPACT_TABLES_SQL: &str = "
    CREATE TABLE providers (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
    CREATE TABLE sessions (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
    CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
    CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
    CREATE TABLE records_compact (
        key BLOB NOT NULL UNIQUE,
        provider INTEGER NOT NULL,
        session INTEGER NOT NULL,
        project INTEGER,
        model INTEGER,
        ts_ms INTEGER NOT NULL,
        subagent INTEGER NOT NULL,
        sidechain INTEGER NOT NULL,
        estimated INTEGER NOT NULL,
        aggregate INTEGER NOT NULL,
        replay INTEGER NOT NULL DEFAULT 0,
        fast INTEGER NOT NULL DEFAULT 0,
        requests INTEGER NOT NULL,
        input INTEGER NOT NULL,
        cache_creation INTEGER NOT NULL,
        cache_5m INTEGER NOT NULL,
        cache_1h INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        output INTEGER NOT NULL,
        reasoning INTEGER NOT NULL,
        premium_milli INTEGER NOT NULL DEFAULT 0,
        cost_pusd INTEGER,
        reported_cost_pusd INTEGER,
        origin INTEGER,
        total INTEGER NOT NULL GENERATED ALWAYS AS (input + cache_creation + cache_read + output) VIRTUAL
    ) STRICT;";

/// Migration 10: moves every record into the compact table. Each name goes into its
/// dictionary (the most used first, so the commonest ids take the fewest bytes) and each
/// `(provider, dedup_key)` becomes its 16-byte stored key. Line hashes in old keys are sealed
/// first (a database from before content keys), since a stored key cannot be sealed later.
fn compact_records(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    // The old rows hold the ids as text: their pages are overwritten as they are freed.
    tx.pragma_update(None, "secure_delete", true)?;
    super::content_key::seal_before_compaction(tx)?;
    tx.execute_batch(COMPACT_TABLES_SQL)?;
    for dict in Dictionary::ALL {
        let (table, column) = (dict.table(), dict.column());
        tx.execute_batch(&format!(
            "INSERT INTO {table} (name) SELECT {column} FROM records
             WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY count(*) DESC, {column}"
        ))?;
    }
    {
        let mut read = tx.prepare(
            "SELECT r.provider, r.dedup_key, p.id, s.id, j.id, m.id, r.ts_ms, r.subagent,
                    r.sidechain, r.estimated, r.aggregate, r.replay, r.fast, r.requests, r.input,
                    r.cache_creation, r.cache_5m, r.cache_1h, r.cache_read, r.output, r.reasoning,
                    r.premium_milli, r.cost_pusd, r.reported_cost_pusd, r.origin
             FROM records r
             JOIN providers p ON p.name = r.provider
             JOIN sessions s ON s.name = r.session
             LEFT JOIN projects j ON j.name = r.project
             LEFT JOIN models m ON m.name = r.model
             ORDER BY r.rowid",
        )?;
        let mut write = tx.prepare(&format!(
            "INSERT INTO records_compact ({RECORD_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24)
             ON CONFLICT (key) DO NOTHING"
        ))?;
        let mut rows = read.query([])?;
        while let Some(r) = rows.next()? {
            let provider: String = r.get(0)?;
            let dedup_key: String = r.get(1)?;
            let key = stored_key(&provider, &dedup_key);
            let mut values: Vec<rusqlite::types::Value> = vec![key.to_vec().into()];
            for i in 2..25 {
                values.push(r.get(i)?);
            }
            write.execute(rusqlite::params_from_iter(values))?;
        }
    }
    tx.execute_batch(&format!(
        "DROP TABLE records;
         ALTER TABLE records_compact RENAME TO records;
         CREATE INDEX records_sidechain ON records (key) WHERE sidechain = 1;
         DELETE FROM report_cache;
         CREATE TABLE sources_compact ({}) STRICT, WITHOUT ROWID;
         INSERT INTO sources_compact SELECT * FROM sources;
         DROP TABLE sources;
         ALTER TABLE sources_compact RENAME TO sources;
         CREATE INDEX sources_head ON sources (provider, head_hash);",
        sources_columns!()
    ))?;
    for (_, create) in super::bulk::SECONDARY_INDEXES {
        tx.execute_batch(create)?;
    }
    tx.pragma_update(None, "secure_delete", false)?;
    Ok(())
}

/// The schema version this build writes.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the schema up to date (or refuses a database that is not Scopeon's or is newer).
pub(crate) fn migrate(conn: &mut Connection, path: &Utf8Path) -> Result<()> {
    migrate_to(conn, path, latest_version())
}

/// [`migrate`], up to version `target` only (tests of a migration start from the version
/// before it).
pub(crate) fn migrate_to(conn: &mut Connection, path: &Utf8Path, target: i64) -> Result<()> {
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
    let pending = MIGRATIONS.iter().enumerate().take(target.max(0) as usize);
    let mut rewrote = false;
    for (i, sql) in pending.skip(version as usize) {
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
        match sql {
            Migration::Sql(sql) => tx.execute_batch(sql),
            Migration::Rust(step) => {
                rewrote = true;
                step(&tx)
            }
        }
        .map_err(db_err)?;
        tx.execute_batch(&format!(
            "PRAGMA user_version = {}; PRAGMA application_id = {APPLICATION_ID};",
            i + 1
        ))
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
    }
    if rewrote {
        // A rewrite leaves the old rows' pages free (and zeroed): the file is rebuilt without
        // them, so a migrated database is as small as a new one, and what was replaced does
        // not linger in the write-ahead log either. Best effort: with another process reading,
        // the file keeps its free pages and a later checkpoint empties the log. (Only tables
        // whose rows are known by their rowid alone could be renumbered, and none is.)
        let _ = conn.execute_batch("VACUUM");
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ProviderId, RecordFlags, TokenCounts, UsageRecord};
    use crate::store::{Batch, GroupKey, ReportQuery, Store};

    /// A version 9 `records` row: provider, dedup key, message id, session, project, model,
    /// time, sidechain, replay, output tokens.
    type OldRow<'a> = (
        &'a str,
        &'a str,
        Option<&'a str>,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        i64,
        bool,
        bool,
        i64,
    );

    const T0: i64 = 1_764_000_000_000;

    const OLD_ROWS: [OldRow<'static>; 6] = [
        (
            "claude_code",
            "msg_a:req_1",
            Some("msg_a"),
            "s1",
            Some("/p/one"),
            Some("claude-sonnet-4-5"),
            T0,
            false,
            false,
            100,
        ),
        // A sidechain replay of msg_a, and a sidechain record of its own.
        (
            "claude_code",
            "msg_a:req_2",
            Some("msg_a"),
            "s2",
            Some("/p/one"),
            Some("claude-sonnet-4-5"),
            T0 + 1,
            true,
            true,
            100,
        ),
        (
            "claude_code",
            "msg_b:req_3",
            Some("msg_b"),
            "s2",
            Some("/p/two"),
            Some("claude-opus-4-1"),
            T0 + 2,
            true,
            false,
            7,
        ),
        // A Copilot session's events record superseded by its database record.
        (
            "copilot_cli",
            "ev:c1:msg:m1",
            None,
            "c1",
            None,
            Some("gpt-5"),
            T0 + 3,
            false,
            true,
            50,
        ),
        (
            "copilot_cli",
            "db:c1:m1",
            None,
            "c1",
            None,
            Some("gpt-5"),
            T0 + 3,
            false,
            false,
            50,
        ),
        (
            "codex",
            "t1:3",
            None,
            "t1",
            Some("/p/one"),
            None,
            T0 + 4,
            false,
            false,
            9,
        ),
    ];

    fn old_database(path: &Utf8Path) {
        let mut conn = Connection::open(path).unwrap();
        migrate_to(&mut conn, path, 9).unwrap();
        for (provider, key, message, session, project, model, ts, sidechain, replay, output) in
            OLD_ROWS
        {
            conn.execute(
                "INSERT INTO records (provider, dedup_key, message_id, session, project, model,
                     ts_ms, subagent, sidechain, estimated, aggregate, replay, requests, input,
                     cache_creation, cache_5m, cache_1h, cache_read, output, reasoning, total)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 0, 0, ?9, 1, 10, 0, 0, 0, 0, ?10, 0,
                     10 + ?10)",
                rusqlite::params![
                    provider, key, message, session, project, model, ts, sidechain, replay, output
                ],
            )
            .unwrap();
        }
        // A request forgotten before the migration: its tombstone still stops it.
        conn.execute(
            "INSERT INTO forgotten (hash, kind) VALUES (?1, 'request')",
            [super::super::record_key::key_hash("codex", "t9:1")],
        )
        .unwrap();
    }

    fn claude(key: &str, sidechain: bool, output: u64) -> UsageRecord {
        let (message, _) = key.split_once(':').unwrap();
        UsageRecord {
            provider: ProviderId::ClaudeCode,
            session: "s3".into(),
            project: Some("/p/one".into()),
            model: Some("claude-sonnet-4-5".into()),
            timestamp_ms: T0 + 10,
            dedup_key: key.into(),
            message_id: Some(message.into()),
            flags: RecordFlags {
                sidechain,
                subagent: sidechain,
                ..RecordFlags::default()
            },
            tokens: TokenCounts {
                input: 10,
                output,
                ..TokenCounts::default()
            },
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        }
    }

    /// Migration 10 keeps every total, name and replay mark, and the migrated rows meet new
    /// copies of their requests, new replays and old tombstones as rows written by this
    /// version would.
    #[test]
    fn the_compact_migration_keeps_what_was_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = Utf8Path::from_path(dir.path()).unwrap().join("old.db");
        old_database(&path);
        let mut store = Store::open(&path).unwrap();
        // The old rows' ids are not left behind in freed pages or the write-ahead log.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        for id in ["msg_a:req_1", "msg_b:req_3", "ev:c1:msg:m1"] {
            assert!(
                !bytes.windows(id.len()).any(|w| w == id.as_bytes()),
                "{id} is still in the file"
            );
        }
        let by = |store: &Store, keys: Vec<GroupKey>| {
            let q = ReportQuery::new().group_by(keys);
            let r = store.report(&q).unwrap();
            let rows: Vec<(Vec<Option<String>>, u64, u64)> = r
                .rows
                .iter()
                .map(|row| {
                    (
                        row.key.iter().map(|(_, v)| v.clone()).collect(),
                        row.totals.requests,
                        row.totals.total_tokens,
                    )
                })
                .collect();
            rows
        };
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            by(
                &store,
                vec![GroupKey::Provider, GroupKey::Project, GroupKey::Model]
            ),
            [
                (
                    vec![s("claude_code"), s("/p/one"), s("claude-sonnet-4-5")],
                    1,
                    110
                ),
                (
                    vec![s("claude_code"), s("/p/two"), s("claude-opus-4-1")],
                    1,
                    17
                ),
                (vec![s("codex"), s("/p/one"), None], 1, 19),
                (vec![s("copilot_cli"), None, s("gpt-5")], 1, 60),
            ]
        );
        let stats = store
            .commit(&Batch {
                records: vec![
                    // A copy of a migrated request merges into it.
                    claude("msg_a:req_1", false, 300),
                    // A main copy of the migrated sidechain record makes it a replay.
                    claude("msg_b:req_9", false, 5),
                    // The tombstone written before the migration still holds.
                    UsageRecord {
                        provider: ProviderId::Codex,
                        session: "t9".into(),
                        message_id: None,
                        dedup_key: "t9:1".into(),
                        ..claude("x:y", false, 1)
                    },
                ],
                sources: Vec::new(),
                rate_limits: Vec::new(),
            })
            .unwrap();
        assert_eq!((stats.new_records, stats.forgotten_copies), (1, 1));
        assert_eq!(
            by(&store, vec![GroupKey::Provider, GroupKey::Model]),
            [
                (vec![s("claude_code"), s("claude-sonnet-4-5")], 2, 325),
                (vec![s("codex"), None], 1, 19),
                (vec![s("copilot_cli"), s("gpt-5")], 1, 60),
            ]
        );
        // A Copilot events record written now is superseded by the migrated database record.
        store
            .commit(&Batch {
                records: vec![UsageRecord {
                    provider: ProviderId::CopilotCli,
                    session: "c1".into(),
                    message_id: None,
                    dedup_key: "ev:c1:msg:m2".into(),
                    ..claude("x:y", false, 1)
                }],
                sources: Vec::new(),
                rate_limits: Vec::new(),
            })
            .unwrap();
        assert_eq!(
            by(&store, vec![GroupKey::Provider])[2],
            (vec![s("copilot_cli")], 1, 60)
        );
        let version: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, latest_version());
    }

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
