//! Bulk loads: a scan into an empty database builds the secondary indexes once, at the end.
//!
//! Every stored request updates each index of `records`. On a first scan (hundreds of thousands
//! of requests) updating the three indexes only queries read (time, provider and time,
//! session) costs more than the rest of the write: each insert lands on a random leaf of each.
//! So a scan that starts with no records drops them, writes, and creates them again when it
//! ends, from sorted rows: faster, and the pages come out full. The unique key index stays,
//! since merging copies of a request needs it (docs/storage.md, "Bulk loads").
//!
//! Nothing depends on the indexes for correctness: a query without one scans the table. A scan
//! killed before it recreates them leaves them missing until the next open of the database,
//! which creates whatever is missing ([`ensure_indexes`]).

use rusqlite::Connection;

use super::Store;
use crate::error::{Error, Result};

/// The secondary indexes of `records`: name and definition. Each migration that adds one adds
/// it here too (the schema test compares the two).
pub(super) const SECONDARY_INDEXES: &[(&str, &str)] = &[
    // One provider's requests of a time range, and its first or last one, are a range of
    // it; a window over every provider is one range per provider (`provider IN (SELECT id
    // FROM providers)`), so no index on time alone is kept.
    (
        "records_provider_time",
        "CREATE INDEX records_provider_time ON records (provider, ts_ms)",
    ),
    (
        "records_session",
        "CREATE INDEX records_session ON records (session, provider)",
    ),
];

/// The WAL size at which a bulk load folds the log into the database (pages of 4 KiB). A larger
/// log folds each page once for many commits instead of once per commit or two; the default
/// (1,000 pages) comes back when the load ends.
const BULK_AUTOCHECKPOINT_PAGES: i64 = 16_384;

/// SQLite's default, which connections use outside a bulk load.
const DEFAULT_AUTOCHECKPOINT_PAGES: i64 = 1_000;

impl Store {
    /// Starts a bulk load when the database holds no request yet: drops the secondary indexes
    /// and lets the write-ahead log grow between checkpoints. Returns whether it did; the
    /// caller then calls [`Store::finish_bulk_load`] however the scan ends.
    pub(crate) fn begin_bulk_load(&mut self) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::db(self.path.clone(), e))?;
        let empty: bool = tx
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM records)", [], |r| {
                r.get(0)
            })
            .map_err(|e| Error::db(self.path.clone(), e))?;
        if !empty {
            return Ok(false);
        }
        for (name, _) in SECONDARY_INDEXES {
            tx.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))
                .map_err(|e| Error::db(self.path.clone(), e))?;
        }
        tx.commit().map_err(|e| Error::db(self.path.clone(), e))?;
        self.conn
            .pragma_update(None, "wal_autocheckpoint", BULK_AUTOCHECKPOINT_PAGES)
            .map_err(|e| self.db_err(e))?;
        Ok(true)
    }

    /// Ends a bulk load: rebuilds the indexes it kept from sorted rows (the unique key index
    /// filled at random leaves is a fifth larger), creates the ones it dropped and restores the
    /// checkpoint interval.
    pub(crate) fn finish_bulk_load(&mut self) -> Result<()> {
        self.conn
            .pragma_update(None, "wal_autocheckpoint", DEFAULT_AUTOCHECKPOINT_PAGES)
            .map_err(|e| self.db_err(e))?;
        self.conn
            .execute_batch("REINDEX records")
            .map_err(|e| self.db_err(e))?;
        ensure_indexes(&mut self.conn).map_err(|e| self.db_err(e))
    }
}

/// Creates the secondary indexes that are missing (after a bulk load, or one that was killed
/// before it could), in one transaction.
pub(crate) fn ensure_indexes(conn: &mut Connection) -> rusqlite::Result<()> {
    let missing = |conn: &Connection| -> rusqlite::Result<Vec<&'static str>> {
        let mut st = conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1)",
        )?;
        let mut missing = Vec::new();
        for (name, sql) in SECONDARY_INDEXES {
            if !st.query_row([name], |r| r.get::<_, bool>(0))? {
                missing.push(*sql);
            }
        }
        Ok(missing)
    };
    // The usual case, an open of a complete database, takes no write lock.
    if missing(conn)?.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Another process may have created them while this one waited for the lock.
    for sql in missing(&tx)? {
        tx.execute_batch(sql)?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definitions here are the ones the migrations create, so an index recreated after a
    /// bulk load is the index a migrated database has.
    #[test]
    fn recreated_indexes_are_the_migrations_indexes() {
        let store = Store::open_in_memory().unwrap();
        for (name, sql) in SECONDARY_INDEXES {
            let stored: String = store
                .conn
                .query_row(
                    "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(&stored, sql);
        }
    }

    #[test]
    fn a_bulk_load_drops_and_recreates_and_an_open_repairs() {
        let dir = tempfile::tempdir().unwrap();
        let path = camino::Utf8PathBuf::from_path_buf(dir.path().join("s.db")).unwrap();
        let count = |store: &Store| -> i64 {
            store
                .conn
                .query_row(
                    "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE 'records_%'",
                    [],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let mut store = Store::open(&path).unwrap();
        let all = count(&store);
        assert!(store.begin_bulk_load().unwrap());
        assert_eq!(count(&store), all - SECONDARY_INDEXES.len() as i64);
        // Killed here: the next open creates them.
        drop(store);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(count(&store), all);
        assert!(store.begin_bulk_load().unwrap());
        store.finish_bulk_load().unwrap();
        assert_eq!(count(&store), all);
        // Once a request is stored, scans keep the indexes up to date as they write.
        store
            .conn
            .execute_batch(
                "INSERT INTO records (key, provider, session, ts_ms, subagent, sidechain,
                    estimated, aggregate, requests, input, cache_creation, cache_5m, cache_1h,
                    cache_read, output, reasoning)
                 VALUES (x'00', 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0)",
            )
            .unwrap();
        assert!(!store.begin_bulk_load().unwrap());
        assert_eq!(count(&store), all);
    }
}
