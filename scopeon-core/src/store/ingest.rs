//! Writing records and checkpoints: one transaction per batch, UPSERT on the dedup key.
//!
//! Copies of one request (content-block splits, resumed-session replays, re-scans) meet on the
//! `(provider, dedup_key)` unique key and merge by the rule of docs/identity.md: the largest value
//! of each counter, the earliest timestamp, and the session and project of the earliest
//! non-sidechain copy. A sidechain record whose `message_id` also exists outside the sidechain
//! is a replay: it is kept (so the rule holds whatever order files are read in) but marked and
//! excluded from every total.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use camino::Utf8PathBuf;
use rusqlite::{OptionalExtension, Transaction, params};

use super::Store;
use super::log_paths::LogPaths;
use super::names::{Dictionary, Names};
use super::record_key;
use super::schema::RECORD_COLUMNS;
use crate::error::{Error, Result};
use crate::hash::ContentKey;
use crate::live::RateLimitSnapshot;
use crate::pricing::PriceTable;
use crate::provider::SkipReason;
use crate::record::{MergeRule, ProviderId, TokenCounts, UsageRecord};
use crate::tail::Checkpoint;

/// Largest token count stored for one field of one request (2³² − 1).
///
/// Real requests are below 10⁷ tokens; the cap keeps hostile values from overflowing sums.
pub const MAX_COUNT: u64 = u32::MAX as u64;

/// The new checkpoint of one file, with what reading it produced since the last one.
#[derive(Debug, Clone)]
pub struct SourceUpdate {
    /// The provider the file belongs to.
    pub provider: ProviderId,
    /// The file's path.
    pub path: Utf8PathBuf,
    /// Where reading stopped.
    pub checkpoint: Checkpoint,
    /// True when the file was read again from byte 0: the counters below replace the stored
    /// ones instead of adding to them.
    pub restarted: bool,
    /// Records produced since the previous checkpoint.
    pub records: u64,
    /// Lines skipped since the previous checkpoint, by reason.
    pub skips: SkipCounts,
    /// True when the file no longer holds what its previous checkpoint consumed (it was
    /// truncated, or rewritten before that offset while keeping its inode and first line):
    /// the records read from it before came from content that is gone, and a rebuild keeps
    /// them like those of a deleted log.
    pub content_replaced: bool,
}

/// How many skip reasons there are: one slot each in [`SkipCounts`], one `skip_*` column each
/// in the `sources` table.
const REASONS: usize = SkipReason::ALL.len();

/// Skipped lines counted by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SkipCounts([u64; REASONS]);

impl SkipCounts {
    /// A reason's slot. The `match` has no wildcard, so a new reason does not compile until it
    /// has a slot of its own; the test `every_skip_reason_round_trips_through_its_column` then
    /// fails until it has a column too.
    const fn index(reason: SkipReason) -> usize {
        match reason {
            SkipReason::InvalidJson => 0,
            SkipReason::NotAnObject => 1,
            SkipReason::MissingField => 2,
            SkipReason::TooLong => 3,
            SkipReason::Binary => 4,
        }
    }

    /// Counts one skip.
    pub fn add(&mut self, reason: SkipReason) {
        self.add_n(reason, 1);
    }

    /// Counts `n` skips.
    pub fn add_n(&mut self, reason: SkipReason, n: u64) {
        self.0[SkipCounts::index(reason)] += n;
    }

    /// Adds another set of counts.
    pub fn merge(&mut self, other: &SkipCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// The count for one reason.
    pub fn get(&self, reason: SkipReason) -> u64 {
        self.0[SkipCounts::index(reason)]
    }

    /// All skips.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Non-zero counts, in display order.
    pub fn iter(&self) -> impl Iterator<Item = (SkipReason, u64)> + '_ {
        SkipReason::ALL
            .iter()
            .map(|r| (*r, self.get(*r)))
            .filter(|(_, n)| *n > 0)
    }
}

/// Records and the checkpoints that account for them, committed together.
///
/// The records follow the checkpoints' order: the first [`SourceUpdate::records`] of them were
/// read from the first checkpoint's file, the next ones from the second's, and so on (as a
/// scan builds a batch). That is how each record learns the log it came from (docs/storage.md,
/// "Rebuilds"); records beyond what the counts account for have no known log.
#[derive(Debug, Default)]
pub struct Batch {
    /// The records read.
    pub records: Vec<UsageRecord>,
    /// The checkpoints reached.
    pub sources: Vec<SourceUpdate>,
    /// What the agents reported about their usage windows in the lines read (never usage;
    /// see [`RateLimitSnapshot`]).
    pub rate_limits: Vec<RateLimitSnapshot>,
}

impl Batch {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.sources.is_empty() && self.rate_limits.is_empty()
    }
}

/// What a commit changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitStats {
    /// Requests seen for the first time.
    pub new_records: u64,
    /// Copies merged into a request already stored.
    pub merged_copies: u64,
    /// Copies of requests the user had [forgotten](Store::forget), dropped unwritten.
    pub forgotten_copies: u64,
}

/// The INSERT every write of a record starts with: `?1` the stored key
/// ([`record_key::stored_key`]), `?2`–`?5` the dictionary ids of provider, session, project and
/// model ([`Names`]), `?23` the log it was read from ([`origin_of`]).
macro_rules! insert_values_sql {
    () => {
        "INSERT INTO records (key, provider, session, project, model, ts_ms,
    subagent, sidechain, estimated, aggregate, requests,
    input, cache_creation, cache_5m, cache_1h, cache_read, output, reasoning,
    cost_pusd, reported_cost_pusd, fast, premium_milli, origin)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)
"
    };
}

/// A request seen for the first time: the row as the record has it. Tried before the merge
/// (most records of a scan are new), it is a plain insert: the merge's `RETURNING` clause runs
/// as a trigger, which makes SQLite keep a statement journal (a copy of every page the
/// statement changes), and the returned row must be read back. A copy of a stored request
/// changes nothing here and takes the merge.
const INSERT_NEW_SQL: &str = concat!(insert_values_sql!(), "ON CONFLICT (key) DO NOTHING");

/// The INSERT both merge rules share. A row keeps the log it was first read from; one stored
/// without it takes the copy's.
macro_rules! insert_record_sql {
    () => {
        concat!(
            insert_values_sql!(),
            "ON CONFLICT (key) DO UPDATE SET
    origin = coalesce(origin, excluded.origin),
"
        )
    };
}

/// The columns an upsert returns: the stored row after the merge (the model by name, which
/// prices it).
macro_rules! returning_sql {
    () => {
        "
RETURNING rowid, (SELECT name FROM models WHERE id = model), ts_ms, input, cache_creation,
    cache_5m, cache_1h, cache_read, output, reasoning, cost_pusd, sidechain, replay, fast"
    };
}

/// Whether the copy being written is preferred over the stored one (docs/identity.md): a
/// non-sidechain copy before a sidechain one, then the earliest, then the smallest session id
/// (by name: ids are only the order names were first seen in).
macro_rules! copy_preferred_sql {
    () => {
        "(excluded.sidechain, excluded.ts_ms, (SELECT name FROM sessions WHERE id = excluded.session))
          < (sidechain, ts_ms, (SELECT name FROM sessions WHERE id = session))"
    };
}

/// [`MergeRule::MaxPerCounter`]: the rule of [`UsageRecord::merge_copy`], in SQL.
const UPSERT_MAX_SQL: &str = concat!(
    insert_record_sql!(),
    "    session = CASE WHEN ",
    copy_preferred_sql!(),
    " THEN excluded.session ELSE session END,
    project = CASE WHEN ",
    copy_preferred_sql!(),
    " THEN coalesce(excluded.project, project) ELSE coalesce(project, excluded.project) END,
    model = CASE WHEN ",
    copy_preferred_sql!(),
    " THEN coalesce(excluded.model, model) ELSE coalesce(model, excluded.model) END,
    subagent = CASE WHEN ",
    copy_preferred_sql!(),
    " THEN excluded.subagent ELSE subagent END,
    ts_ms = min(ts_ms, excluded.ts_ms),
    sidechain = min(sidechain, excluded.sidechain),
    fast = max(fast, excluded.fast),
    input = max(input, excluded.input),
    cache_creation = max(cache_creation, excluded.cache_creation),
    cache_5m = max(cache_5m, excluded.cache_5m),
    cache_1h = max(cache_1h, excluded.cache_1h),
    cache_read = max(cache_read, excluded.cache_read),
    output = max(output, excluded.output),
    reasoning = max(reasoning, excluded.reasoning),
    reported_cost_pusd = CASE
        WHEN reported_cost_pusd IS NULL THEN excluded.reported_cost_pusd
        WHEN excluded.reported_cost_pusd IS NULL THEN reported_cost_pusd
        ELSE max(reported_cost_pusd, excluded.reported_cost_pusd) END,
    requests = max(requests, excluded.requests),
    premium_milli = max(premium_milli, excluded.premium_milli)",
    returning_sql!()
);

/// [`MergeRule::LastCopyWins`]: the copy written last replaces the stored row.
const UPSERT_LAST_SQL: &str = concat!(
    insert_record_sql!(),
    "    session = excluded.session, project = excluded.project, model = excluded.model,
    ts_ms = excluded.ts_ms, subagent = excluded.subagent,
    sidechain = excluded.sidechain, estimated = excluded.estimated,
    aggregate = excluded.aggregate, requests = excluded.requests, fast = excluded.fast,
    input = excluded.input, cache_creation = excluded.cache_creation,
    cache_5m = excluded.cache_5m, cache_1h = excluded.cache_1h,
    cache_read = excluded.cache_read, output = excluded.output,
    reasoning = excluded.reasoning,
    cost_pusd = excluded.cost_pusd, reported_cost_pusd = excluded.reported_cost_pusd,
    premium_milli = excluded.premium_milli",
    returning_sql!()
);

impl Store {
    /// Writes a batch in one `BEGIN IMMEDIATE` transaction: every record (merged into any
    /// stored copy of the same request) and every checkpoint, or nothing at all.
    ///
    /// Projects are stored in the database's [`ProjectPaths`](super::ProjectPaths) form, and
    /// copies of [forgotten](Store::forget) requests are dropped, so neither a re-read log nor
    /// a replay brings them back.
    pub fn commit(&mut self, batch: &Batch) -> Result<CommitStats> {
        // Line hashes in keys are stored sealed (docs/storage.md, "Content hashes").
        let sealed = seal_batch(batch, &self.content_key);
        let batch = sealed.as_ref().unwrap_or(batch);
        let path = self.path.clone();
        let err = |source| Error::db(path.clone(), source);
        // Both caches are put back only once the batch is committed: a failed batch's ids
        // would describe rows that don't exist.
        let mut ids = self.sidechain_ids.take();
        let mut names = self.names.take();
        let table: &PriceTable = match &self.custom_pricing {
            Some(t) => t,
            None => PriceTable::builtin(),
        };
        if self.rebuilding {
            // Inside the rebuild's transaction: a savepoint keeps each batch atomic.
            let sp = self.conn.savepoint().map_err(err)?;
            let ids = SidechainIds::current(&sp, &mut ids).map_err(err)?;
            let ids_of_names = Names::current(&sp, &mut names).map_err(err)?;
            let stats =
                write_batch(&sp, batch, ids, ids_of_names, table, self.content_key).map_err(err)?;
            sp.commit().map_err(err)?;
            self.sidechain_ids = Some(std::mem::take(ids));
            self.names = names;
            self.rebuild_origins
                .extend(batch.sources.iter().filter_map(origin_of));
            return Ok(stats);
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let ids = SidechainIds::current(&tx, &mut ids).map_err(err)?;
        let ids_of_names = Names::current(&tx, &mut names).map_err(err)?;
        let stats =
            write_batch(&tx, batch, ids, ids_of_names, table, self.content_key).map_err(err)?;
        crate::failpoint::hit("before-commit");
        tx.commit().map_err(err)?;
        crate::failpoint::hit("after-commit");
        self.sidechain_ids = Some(std::mem::take(ids));
        self.names = names;
        Ok(stats)
    }

    /// Starts a rebuild of these providers' records: one transaction in which their records and
    /// checkpoints are set aside, every file is read again, and the set-aside records of logs
    /// that were not read again are put back ([`finish_rebuild`](Store::finish_rebuild)).
    pub(crate) fn begin_rebuild(&mut self, providers: &[ProviderId]) -> Result<()> {
        let list = provider_list(providers);
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.db_err(e))?;
        if let Err(e) = self.conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS temp.scopeon_kept;
             CREATE TEMP TABLE scopeon_kept AS SELECT {RECORD_COLUMNS} FROM records
                 WHERE provider IN (SELECT id FROM providers WHERE name IN ({list}));
             DELETE FROM records
                 WHERE provider IN (SELECT id FROM providers WHERE name IN ({list}));
             DELETE FROM sources WHERE provider IN ({list});"
        )) {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(self.db_err(e));
        }
        self.rebuilding = true;
        self.rebuild_providers = providers.to_vec();
        self.rebuild_origins.clear();
        self.sidechain_ids = None;
        Ok(())
    }

    /// Ends a rebuild: puts back the set-aside records that the logs read again did not
    /// produce again and that came from another log (one that is gone, or was not read: a
    /// root not searched now, a file that could not be read), or from a source read whole or
    /// an unknown one; recomputes the replay marks, and commits. A record of a log that was
    /// read again is what that log produces now, or nothing (docs/storage.md, "Rebuilds").
    pub(crate) fn finish_rebuild(&mut self) -> Result<()> {
        let list = provider_list(&self.rebuild_providers);
        let result = self.note_reread_origins().and_then(|()| {
            self.conn.execute_batch(&format!(
                "INSERT INTO records ({RECORD_COLUMNS}) SELECT {RECORD_COLUMNS} FROM temp.scopeon_kept k
                 WHERE NOT EXISTS (SELECT 1 FROM records r WHERE r.key = k.key)
                   AND (k.origin IS NULL
                        OR k.origin NOT IN (SELECT origin FROM temp.scopeon_reread));
             DROP TABLE temp.scopeon_kept;
             DROP TABLE temp.scopeon_reread;
             INSERT INTO meta (key, value) VALUES ('generation', '1')
                 ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT);"
            ))?;
            recompute_sidechain_replays(&self.conn, &list)
        });
        let result = result.and_then(|()| {
            crate::failpoint::hit("before-commit");
            self.conn.execute_batch("COMMIT")
        });
        self.rebuilding = false;
        self.rebuild_origins.clear();
        self.sidechain_ids = None;
        if result.is_err() {
            // Names the rebuild stored are rolled back with it.
            self.names = None;
            // Nothing of a failed rebuild is kept; the records stay as they were.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        result.map_err(|e| self.db_err(e))
    }

    /// Abandons a rebuild: nothing it did is kept.
    pub(crate) fn abort_rebuild(&mut self) {
        if self.rebuilding {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.rebuilding = false;
            self.rebuild_origins.clear();
            self.sidechain_ids = None;
            // Names the rebuild stored are rolled back with it.
            self.names = None;
        }
    }

    /// Writes the origins of the logs the rebuild read again into `temp.scopeon_reread`.
    fn note_reread_origins(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch(
            "DROP TABLE IF EXISTS temp.scopeon_reread;
             CREATE TEMP TABLE scopeon_reread (origin INTEGER PRIMARY KEY);",
        )?;
        let mut insert = self
            .conn
            .prepare("INSERT INTO temp.scopeon_reread (origin) VALUES (?1)")?;
        for origin in &self.rebuild_origins {
            insert.execute([origin])?;
        }
        Ok(())
    }
}

/// The log a checkpoint's file is, as `records.origin` stores it: a hash of the identity a
/// resume and a rename keep (device, inode and first line; the path too where the system gives
/// files no inode), so a log renamed since its records were read is still the log they came
/// from. `None` for a source read whole (a document, an archive, a database, which hold no
/// first-line identity): a rewrite can drop records from it while it stays, so a rebuild
/// keeps what it does not produce again.
pub(super) fn origin_of(source: &SourceUpdate) -> Option<i64> {
    let cp = &source.checkpoint;
    super::origin::origin(&source.path, cp.dev, cp.ino, cp.head_hash)
}

/// The batch with its records' line hashes sealed ([`seal_key`]), or `None` when none has
/// one.
fn seal_batch(batch: &Batch, key: &ContentKey) -> Option<Batch> {
    let sealed: Vec<Option<String>> = batch
        .records
        .iter()
        .map(
            |r| match super::content_key::seal_key(r.provider.as_str(), &r.dedup_key, key) {
                Cow::Owned(s) => Some(s),
                Cow::Borrowed(_) => None,
            },
        )
        .collect();
    if sealed.iter().all(Option::is_none) {
        return None;
    }
    let records = batch
        .records
        .iter()
        .zip(sealed)
        .map(|(r, s)| {
            let mut r = r.clone();
            if let Some(s) = s {
                r.dedup_key = s;
            }
            r
        })
        .collect();
    Some(Batch {
        records,
        sources: batch.sources.clone(),
        rate_limits: batch.rate_limits.clone(),
    })
}

/// The log each record of a batch was read from (see [`Batch`]), by position: records come
/// in the order of the sources that account for them.
fn record_origins(batch: &Batch) -> Vec<Option<i64>> {
    let mut origins = Vec::with_capacity(batch.records.len());
    for source in &batch.sources {
        let origin = origin_of(source);
        let n = (source.records as usize).min(batch.records.len() - origins.len());
        origins.extend(std::iter::repeat_n(origin, n));
    }
    origins.resize(batch.records.len(), None);
    origins
}

/// Detaches from their log the records read from content it no longer holds (see
/// [`SourceUpdate::content_replaced`]), so a rebuild keeps them as it keeps those of a deleted
/// log. Runs before the batch's records are written: those the file still produces take its
/// origin again. Rare (a log truncated or rewritten in place), so a scan of the table is fine.
fn detach_replaced(
    conn: &rusqlite::Connection,
    batch: &Batch,
    log_paths: &LogPaths,
) -> rusqlite::Result<()> {
    for s in batch.sources.iter().filter(|s| s.content_replaced) {
        let stored: Option<(i64, i64, Option<i64>)> = conn
            .query_row(
                "SELECT dev, ino, head_hash FROM sources WHERE provider = ?1 AND path = ?2",
                (
                    s.provider.as_str(),
                    log_paths.stored(s.path.as_str()).as_ref(),
                ),
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        // The identity the records read before were stored under.
        if let Some((dev, ino, head_hash)) = stored
            && let Some(origin) = super::origin::origin(&s.path, dev as u64, ino as u64, head_hash)
        {
            conn.prepare_cached(
                "UPDATE records SET origin = NULL
                 WHERE provider = (SELECT id FROM providers WHERE name = ?1) AND origin = ?2",
            )?
            .execute((s.provider.as_str(), origin))?;
        }
    }
    Ok(())
}

/// Marks the records as changed, so cached report results computed before are not used.
pub(super) fn bump_generation(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('generation', '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
        [],
    )?;
    Ok(())
}

/// A SQL list of provider id literals (ids are lowercase ASCII letters, digits and `_`, as
/// `ProviderId::try_custom` checks for custom ones: never a quote, never user text).
fn provider_list(providers: &[ProviderId]) -> String {
    providers
        .iter()
        .map(|p| format!("'{}'", p.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn clamp(n: u64) -> i64 {
    n.min(MAX_COUNT) as i64
}

fn clamped(t: &TokenCounts) -> TokenCounts {
    let c = |n: u64| n.min(MAX_COUNT);
    TokenCounts {
        input: c(t.input),
        cache_creation: c(t.cache_creation),
        cache_creation_5m: c(t.cache_creation_5m),
        cache_creation_1h: c(t.cache_creation_1h),
        cache_read: c(t.cache_read),
        output: c(t.output),
        reasoning: c(t.reasoning),
    }
}

/// The messages of stored sidechain records (their stored keys' group halves), as of a
/// database `data_version`.
///
/// A main record can only make a sidechain record a replay if one of its message exists;
/// this set lets the writer skip that lookup for nearly every record. `PRAGMA data_version`
/// changes whenever another connection commits, so the set is reloaded exactly when another
/// process may have added sidechain records.
#[derive(Debug, Default)]
pub(crate) struct SidechainIds {
    data_version: i64,
    /// Group hashes: a sidechain record keyed by no message adds one no message has, which
    /// only costs a needless lookup.
    ids: HashSet<i64>,
}

impl SidechainIds {
    /// The set, reloaded inside the current transaction when another connection wrote since.
    fn current<'a>(
        conn: &rusqlite::Connection,
        cached: &'a mut Option<SidechainIds>,
    ) -> rusqlite::Result<&'a mut SidechainIds> {
        let version: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if cached.as_ref().is_none_or(|c| c.data_version != version) {
            // The partial index `records_sidechain` holds exactly these keys.
            let mut st = conn.prepare("SELECT key FROM records WHERE sidechain = 1")?;
            let ids = st
                .query_map([], |r| r.get::<_, Vec<u8>>(0))?
                .filter_map(|row| row.map(|k| record_key::group_of(&k)).transpose())
                .collect::<rusqlite::Result<HashSet<_>>>()?;
            *cached = Some(SidechainIds {
                data_version: version,
                ids,
            });
        }
        Ok(cached.get_or_insert_with(SidechainIds::default))
    }
}

fn write_batch(
    conn: &rusqlite::Connection,
    batch: &Batch,
    sidechain_ids: &mut SidechainIds,
    names: &mut Names,
    table: &PriceTable,
    key: ContentKey,
) -> rusqlite::Result<CommitStats> {
    // Read inside the transaction: another process may have changed the form since this
    // store was opened, and no record or log path may be written in a form less private
    // than the one set.
    let mode = super::privacy::current(conn)?;
    let log_paths = LogPaths::new(mode, key);
    detach_replaced(conn, batch, &log_paths)?;
    let mut records = merge_in_batch(&batch.records, &record_origins(batch));
    let dropped = super::maintenance::drop_forgotten(conn, &mut records)?;
    // Every copy in the batch of a dropped request, not just the one they merged into.
    let forgotten_copies = if dropped.is_empty() {
        0
    } else {
        batch
            .records
            .iter()
            .filter(|r| dropped.contains(&(r.provider, r.dedup_key.clone())))
            .count() as u64
    };
    for (r, _) in &mut records {
        if let Some(reduced) = r.project.as_deref().and_then(|p| mode.reduce(p)) {
            r.to_mut().project = Some(reduced);
        }
    }
    // Rows inserted by this batch get rowids above the largest one before it.
    let max_rowid: i64 =
        conn.query_row("SELECT coalesce(max(rowid), 0) FROM records", [], |r| {
            r.get(0)
        })?;
    let mut st = Statements::prepare(conn)?;
    let mut stats = CommitStats::default();
    for (record, origin) in &records {
        let rowid = upsert_record(&mut st, names, table, record, *origin, sidechain_ids)?;
        if rowid > max_rowid {
            stats.new_records += 1;
        }
    }
    stats.forgotten_copies = forgotten_copies;
    stats.merged_copies = batch.records.len() as u64 - stats.new_records - forgotten_copies;
    for source in &batch.sources {
        write_source(conn, source, &log_paths)?;
    }
    super::live::upsert_rate_limits(conn, &batch.rate_limits)?;
    if !records.is_empty() {
        bump_generation(conn)?;
    }
    Ok(stats)
}

/// A request of a batch as it is written: the first copy the batch holds, or once changed
/// (merged with later copies, its project reduced) its own record, boxed, so a batch's list of
/// requests takes two pointers per request, not a record.
pub(super) struct BatchRecord<'b> {
    first: &'b UsageRecord,
    changed: Option<Box<UsageRecord>>,
}

impl<'b> BatchRecord<'b> {
    fn new(first: &'b UsageRecord) -> BatchRecord<'b> {
        BatchRecord {
            first,
            changed: None,
        }
    }

    /// The record, to change (cloned from the batch's copy the first time).
    fn to_mut(&mut self) -> &mut UsageRecord {
        let first = self.first;
        self.changed.get_or_insert_with(|| Box::new(first.clone()))
    }
}

impl std::ops::Deref for BatchRecord<'_> {
    type Target = UsageRecord;

    fn deref(&self) -> &UsageRecord {
        self.changed.as_deref().unwrap_or(self.first)
    }
}

/// Merges copies of one request within a batch (a response's content-block lines arrive
/// together), so each request costs one write, and keeps with each request the log it was read
/// from: the first copy's that has one (`origins`, by position). Order is kept: the first
/// copy's position.
fn merge_in_batch<'b>(
    records: &'b [UsageRecord],
    origins: &[Option<i64>],
) -> Vec<(BatchRecord<'b>, Option<i64>)> {
    let mut index: HashMap<(ProviderId, &str), usize> = HashMap::with_capacity(records.len());
    let mut merged: Vec<(BatchRecord<'b>, Option<i64>)> = Vec::with_capacity(records.len());
    for (r, &origin) in records.iter().zip(origins) {
        match index.entry((r.provider, r.dedup_key.as_str())) {
            Entry::Occupied(e) => {
                let (first, first_origin) = &mut merged[*e.get()];
                first.to_mut().merge_copy(r);
                *first_origin = first_origin.or(origin);
            }
            Entry::Vacant(e) => {
                e.insert(merged.len());
                merged.push((BatchRecord::new(r), origin));
            }
        }
    }
    merged
}

/// The statements of one batch, prepared once. Every lookup of a group of keys (a message's
/// copies, a Copilot session's event or database records) is a range of the unique key index:
/// `key BETWEEN ?1 AND ?2` ([`record_key::group_range`]).
struct Statements<'c> {
    conn: &'c rusqlite::Connection,
    insert_new: rusqlite::CachedStatement<'c>,
    upsert_max: rusqlite::CachedStatement<'c>,
    upsert_last: rusqlite::CachedStatement<'c>,
    set_cost: rusqlite::CachedStatement<'c>,
    main_copy_exists: rusqlite::CachedStatement<'c>,
    set_replay: rusqlite::CachedStatement<'c>,
    mark_sidechain_replays: rusqlite::CachedStatement<'c>,
    mark_group_replays: rusqlite::CachedStatement<'c>,
    group_exists: rusqlite::CachedStatement<'c>,
}

impl<'c> Statements<'c> {
    fn prepare(conn: &'c rusqlite::Connection) -> rusqlite::Result<Statements<'c>> {
        Ok(Statements {
            conn,
            insert_new: conn.prepare_cached(INSERT_NEW_SQL)?,
            upsert_max: conn.prepare_cached(UPSERT_MAX_SQL)?,
            upsert_last: conn.prepare_cached(UPSERT_LAST_SQL)?,
            set_cost: conn.prepare_cached("UPDATE records SET cost_pusd = ?2 WHERE rowid = ?1")?,
            main_copy_exists: conn.prepare_cached(MAIN_COPY_EXISTS_SQL)?,
            set_replay: conn.prepare_cached("UPDATE records SET replay = ?2 WHERE rowid = ?1")?,
            mark_sidechain_replays: conn.prepare_cached(
                "UPDATE records SET replay = 1
                 WHERE key BETWEEN ?1 AND ?2 AND sidechain = 1 AND replay = 0",
            )?,
            mark_group_replays: conn.prepare_cached(
                "UPDATE records SET replay = 1 WHERE key BETWEEN ?1 AND ?2 AND replay = 0",
            )?,
            group_exists: conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM records WHERE key BETWEEN ?1 AND ?2)",
            )?,
        })
    }
}

/// Whether a message (the group `[?1, ?2]`) has a copy outside the sidechain.
const MAIN_COPY_EXISTS_SQL: &str =
    "SELECT EXISTS (SELECT 1 FROM records WHERE key BETWEEN ?1 AND ?2 AND sidechain = 0)";

/// Upserts one record; returns its rowid.
fn upsert_record(
    st: &mut Statements<'_>,
    names: &mut Names,
    table: &PriceTable,
    r: &UsageRecord,
    origin: Option<i64>,
    sidechain_ids: &mut SidechainIds,
) -> rusqlite::Result<i64> {
    debug_assert!(
        r.message_id.as_ref().is_none_or(|m| r
            .dedup_key
            .strip_prefix(m.as_str())
            .is_some_and(|k| k.starts_with(':'))),
        "a record with a message id is keyed by record::message_key"
    );
    let t = clamped(&r.tokens);
    let cost = r
        .model
        .as_deref()
        .and_then(|m| table.cost_pusd_at_speed(m, r.timestamp_ms, &t, r.flags.fast));
    let provider = r.provider.as_str();
    let key = record_key::stored_key(provider, &r.dedup_key);
    let conn = st.conn;
    let params = params![
        &key[..],
        names.id(conn, Dictionary::Provider, provider)?,
        names.id(conn, Dictionary::Session, &r.session)?,
        names.optional_id(conn, Dictionary::Project, r.project.as_deref())?,
        names.optional_id(conn, Dictionary::Model, r.model.as_deref())?,
        r.timestamp_ms,
        r.flags.subagent,
        r.flags.sidechain,
        r.flags.estimated,
        r.flags.aggregate,
        r.requests,
        clamp(t.input),
        clamp(t.cache_creation),
        clamp(t.cache_creation_5m),
        clamp(t.cache_creation_1h),
        clamp(t.cache_read),
        clamp(t.output),
        clamp(t.reasoning),
        cost,
        r.reported_cost_pusd,
        r.flags.fast,
        clamp(r.premium_requests_milli),
        origin,
    ];
    // The message whose copies this record is one of, if it is keyed by one.
    let message_group = record_key::message_group(provider, &r.dedup_key);
    if st.insert_new.execute(params)? == 1 {
        // Stored as it came: priced already, and not a replay until a mark says so.
        let merged = Merged {
            rowid: st.conn.last_insert_rowid(),
            model: None,
            ts_ms: r.timestamp_ms,
            tokens: t,
            cost,
            sidechain: r.flags.sidechain,
            replay: false,
            fast: r.flags.fast,
        };
        if let Some(group) = message_group {
            mark_replays(st, group, &merged, sidechain_ids)?;
        }
        if r.provider.supersedes_by_session() {
            mark_superseded(st, r, &merged)?;
        }
        return Ok(merged.rowid);
    }
    let upsert = match r.provider.merge_rule() {
        MergeRule::MaxPerCounter => &mut st.upsert_max,
        MergeRule::LastCopyWins => &mut st.upsert_last,
    };
    let merged = upsert.query_row(params, |row| {
        Ok(Merged {
            rowid: row.get(0)?,
            model: row.get(1)?,
            ts_ms: row.get(2)?,
            tokens: TokenCounts {
                input: row.get::<_, i64>(3)? as u64,
                cache_creation: row.get::<_, i64>(4)? as u64,
                cache_creation_5m: row.get::<_, i64>(5)? as u64,
                cache_creation_1h: row.get::<_, i64>(6)? as u64,
                cache_read: row.get::<_, i64>(7)? as u64,
                output: row.get::<_, i64>(8)? as u64,
                reasoning: row.get::<_, i64>(9)? as u64,
            },
            cost: row.get(10)?,
            sidechain: row.get(11)?,
            replay: row.get(12)?,
            fast: row.get(13)?,
        })
    })?;
    // A merge may leave counters that neither copy had alone: price what is stored.
    let merged_cost = merged
        .model
        .as_deref()
        .and_then(|m| table.cost_pusd_at_speed(m, merged.ts_ms, &merged.tokens, merged.fast));
    if merged_cost != merged.cost {
        st.set_cost.execute((merged.rowid, merged_cost))?;
    }
    if let Some(group) = message_group {
        mark_replays(st, group, &merged, sidechain_ids)?;
    }
    if r.provider.supersedes_by_session() {
        mark_superseded(st, r, &merged)?;
    }
    Ok(merged.rowid)
}

/// The stored row after an upsert.
struct Merged {
    rowid: i64,
    model: Option<String>,
    ts_ms: i64,
    tokens: TokenCounts,
    cost: Option<i64>,
    sidechain: bool,
    replay: bool,
    fast: bool,
}

/// Keeps the replay marks true after a record of a message (`group`, its stored keys' group
/// half) was written: sidechain copies of a message that exists outside the sidechain are
/// replays, and nothing else is.
fn mark_replays(
    st: &mut Statements<'_>,
    group: i64,
    merged: &Merged,
    sidechain_ids: &mut SidechainIds,
) -> rusqlite::Result<()> {
    let (lo, hi) = record_key::group_range(group);
    if merged.sidechain {
        sidechain_ids.ids.insert(group);
        let main_exists: bool = st
            .main_copy_exists
            .query_row((&lo[..], &hi[..]), |r| r.get(0))?;
        if main_exists != merged.replay {
            st.set_replay.execute((merged.rowid, main_exists))?;
        }
    } else {
        if merged.replay {
            st.set_replay.execute((merged.rowid, false))?;
        }
        if sidechain_ids.ids.contains(&group) {
            st.mark_sidechain_replays.execute((&lo[..], &hi[..]))?;
        }
    }
    Ok(())
}

/// Keeps session supersession true after a record was written (see
/// [`ProviderId::supersedes_by_session`]): a `db:<session>:…` record marks the session's
/// `ev:<session>:…` records as replays, and an `ev:` record is one when its session has `db:`
/// records. Both are groups of the unique key index. The session is the key's second part
/// (the provider writes it without `:`), so the record's own session field is not trusted to
/// spell it.
fn mark_superseded(
    st: &mut Statements<'_>,
    r: &UsageRecord,
    merged: &Merged,
) -> rusqlite::Result<()> {
    let provider = r.provider.as_str();
    let Some((part, session)) = record_key::session_part(&r.dedup_key) else {
        return Ok(());
    };
    if part == "db" {
        let (lo, hi) =
            record_key::group_range(record_key::session_group_hash(provider, "ev", session));
        st.mark_group_replays.execute((&lo[..], &hi[..]))?;
    } else {
        let (lo, hi) =
            record_key::group_range(record_key::session_group_hash(provider, "db", session));
        let superseded: bool = st
            .group_exists
            .query_row((&lo[..], &hi[..]), |row| row.get(0))?;
        if superseded != merged.replay {
            st.set_replay.execute((merged.rowid, superseded))?;
        }
    }
    Ok(())
}

/// Recomputes the replay mark of every sidechain record of these providers (`list`, as
/// [`provider_list`] writes it) from the records stored now: a replay exactly when its message
/// has a copy outside the sidechain. A sidechain record keyed by no message is a group of its
/// own, so it never is one.
fn recompute_sidechain_replays(conn: &rusqlite::Connection, list: &str) -> rusqlite::Result<()> {
    let mut read = conn.prepare(&format!(
        "SELECT rowid, key, replay FROM records
         WHERE sidechain = 1 AND provider IN (SELECT id FROM providers WHERE name IN ({list}))"
    ))?;
    let rows: Vec<(i64, Vec<u8>, bool)> = read
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut exists = conn.prepare_cached(MAIN_COPY_EXISTS_SQL)?;
    let mut set = conn.prepare_cached("UPDATE records SET replay = ?2 WHERE rowid = ?1")?;
    for (rowid, key, replay) in rows {
        let Some(group) = record_key::group_of(&key) else {
            continue;
        };
        let (lo, hi) = record_key::group_range(group);
        let main_exists: bool = exists.query_row((&lo[..], &hi[..]), |r| r.get(0))?;
        if main_exists != replay {
            set.execute((rowid, main_exists))?;
        }
    }
    Ok(())
}

/// Writes a checkpoint under its path in the form `log_paths` gives (docs/storage.md, "Log
/// paths").
fn write_source(
    tx: &rusqlite::Connection,
    s: &SourceUpdate,
    log_paths: &LogPaths,
) -> rusqlite::Result<()> {
    let cp = &s.checkpoint;
    let sk = |r| s.skips.get(r) as i64;
    // On a restart the counters describe the file afresh; otherwise they accumulate.
    tx.prepare_cached(
        "INSERT INTO sources (provider, path, dev, ino, head_hash, offset, tail_hash, size, mtime_ns,
            parser_version, parser_state, records, skip_invalid_json, skip_not_an_object,
            skip_missing_field, skip_too_long, skip_binary, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            CAST(unixepoch('subsec') * 1000 AS INTEGER))
         ON CONFLICT (provider, path) DO UPDATE SET
            dev = excluded.dev, ino = excluded.ino, head_hash = excluded.head_hash,
            offset = excluded.offset, tail_hash = excluded.tail_hash, size = excluded.size,
            mtime_ns = excluded.mtime_ns, parser_version = excluded.parser_version,
            parser_state = excluded.parser_state, updated_ms = excluded.updated_ms,
            records = excluded.records + CASE WHEN ?18 THEN 0 ELSE records END,
            skip_invalid_json = excluded.skip_invalid_json + CASE WHEN ?18 THEN 0 ELSE skip_invalid_json END,
            skip_not_an_object = excluded.skip_not_an_object + CASE WHEN ?18 THEN 0 ELSE skip_not_an_object END,
            skip_missing_field = excluded.skip_missing_field + CASE WHEN ?18 THEN 0 ELSE skip_missing_field END,
            skip_too_long = excluded.skip_too_long + CASE WHEN ?18 THEN 0 ELSE skip_too_long END,
            skip_binary = excluded.skip_binary + CASE WHEN ?18 THEN 0 ELSE skip_binary END",
    )?
    .execute(params![
        s.provider.as_str(),
        log_paths.stored(s.path.as_str()).as_ref(),
        cp.dev as i64,
        cp.ino as i64,
        cp.head_hash,
        cp.offset as i64,
        cp.tail_hash,
        cp.size.map(|n| n as i64),
        cp.mtime_ns,
        cp.parser_version,
        super::source_state::encode(cp),
        s.records as i64,
        sk(SkipReason::InvalidJson),
        sk(SkipReason::NotAnObject),
        sk(SkipReason::MissingField),
        sk(SkipReason::TooLong),
        sk(SkipReason::Binary),
        s.restarted,
    ])?;
    Ok(())
}

/// Recomputes the cost of every stored record from its tokens with `table`.
pub(super) fn reprice_all(tx: &Transaction<'_>, table: &PriceTable) -> rusqlite::Result<()> {
    let mut read = tx.prepare(
        "SELECT rowid, (SELECT name FROM models WHERE id = model), ts_ms, input, cache_creation,
                cache_5m, cache_1h, cache_read, output, reasoning, cost_pusd, fast FROM records",
    )?;
    let mut update = tx.prepare("UPDATE records SET cost_pusd = ?2 WHERE rowid = ?1")?;
    let mut rows = read.query([])?;
    while let Some(row) = rows.next()? {
        let model: Option<String> = row.get(1)?;
        let tokens = TokenCounts {
            input: row.get::<_, i64>(3)? as u64,
            cache_creation: row.get::<_, i64>(4)? as u64,
            cache_creation_5m: row.get::<_, i64>(5)? as u64,
            cache_creation_1h: row.get::<_, i64>(6)? as u64,
            cache_read: row.get::<_, i64>(7)? as u64,
            output: row.get::<_, i64>(8)? as u64,
            reasoning: row.get::<_, i64>(9)? as u64,
        };
        let cost = model.as_deref().and_then(|m| {
            table.cost_pusd_at_speed(
                m,
                row.get(2).unwrap_or(0),
                &tokens,
                row.get(11).unwrap_or(false),
            )
        });
        if cost != row.get::<_, Option<i64>>(10)? {
            update.execute((row.get::<_, i64>(0)?, cost))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordFlags;
    use crate::store::{GroupKey, ReportQuery};
    use proptest::strategy::Strategy as _;

    fn record(key: &str, message: &str, sidechain: bool, output: u64) -> UsageRecord {
        UsageRecord {
            provider: ProviderId::ClaudeCode,
            session: "s".into(),
            project: None,
            model: Some("claude-sonnet-4-5".into()),
            timestamp_ms: 1_764_000_000_000,
            dedup_key: key.into(),
            message_id: Some(message.into()),
            flags: RecordFlags {
                sidechain,
                subagent: sidechain,
                ..RecordFlags::default()
            },
            tokens: TokenCounts {
                output,
                ..TokenCounts::default()
            },
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        }
    }

    fn batch(records: Vec<UsageRecord>) -> Batch {
        Batch {
            records,
            sources: Vec::new(),
            rate_limits: Vec::new(),
        }
    }

    fn requests(store: &Store) -> u64 {
        let q = ReportQuery {
            group_by: Vec::new(),
            ..ReportQuery::default()
        };
        store.report(&q).unwrap().totals.requests
    }

    /// A name first stored by an abandoned rebuild is gone with it; the store does not keep
    /// using the id it had.
    #[test]
    fn names_of_an_abandoned_rebuild_are_not_reused() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .commit(&batch(vec![record("a:", "a", false, 1)]))
            .unwrap();
        store.begin_rebuild(&[ProviderId::ClaudeCode]).unwrap();
        let fresh = UsageRecord {
            session: "fresh".into(),
            model: Some("claude-opus-4-1".into()),
            ..record("b:", "b", false, 1)
        };
        store.commit(&batch(vec![fresh.clone()])).unwrap();
        store.abort_rebuild();
        store.commit(&batch(vec![fresh])).unwrap();
        let q = ReportQuery::new().group_by(vec![GroupKey::Session, GroupKey::Model]);
        let keys: Vec<Vec<Option<String>>> = store
            .report(&q)
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.key.into_iter().map(|(_, v)| v).collect())
            .collect();
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            keys,
            [
                vec![s("fresh"), s("claude-opus-4-1")],
                vec![s("s"), s("claude-sonnet-4-5")]
            ]
        );
    }

    #[test]
    fn replays_are_marked_in_either_order_and_across_connections() {
        let dir = tempfile::tempdir().unwrap();
        let path = camino::Utf8PathBuf::from_path_buf(dir.path().join("s.db")).unwrap();
        let mut a = Store::open(&path).unwrap();
        let mut b = Store::open(&path).unwrap();
        // `a` loads its sidechain set (empty) with an unrelated record.
        a.commit(&batch(vec![record("x:1", "x", false, 1)]))
            .unwrap();
        // Another connection stores a sidechain copy of message m.
        b.commit(&batch(vec![record("m:side", "m", true, 5)]))
            .unwrap();
        assert_eq!(requests(&a), 2);
        // `a` stores the main copy: the sidechain copy becomes a replay although `a` never
        // wrote it itself.
        a.commit(&batch(vec![record("m:main", "m", false, 7)]))
            .unwrap();
        assert_eq!(requests(&a), 2);
        assert_eq!(requests(&b), 2);
        // The other order: main first, then a sidechain copy arriving later.
        a.commit(&batch(vec![record("n:main", "n", false, 1)]))
            .unwrap();
        b.commit(&batch(vec![record("n:side", "n", true, 1)]))
            .unwrap();
        assert_eq!(requests(&a), 3);
    }

    #[test]
    fn copies_in_one_batch_merge_like_copies_across_batches() {
        let mut one = Store::open_in_memory().unwrap();
        let mut many = Store::open_in_memory().unwrap();
        let copies = vec![
            record("k:", "k", false, 2),
            record("k:", "k", false, 311),
            record("k:", "k", false, 5),
        ];
        let stats = one.commit(&batch(copies.clone())).unwrap();
        assert_eq!((stats.new_records, stats.merged_copies), (1, 2));
        for c in copies {
            many.commit(&batch(vec![c])).unwrap();
        }
        let q = ReportQuery {
            group_by: Vec::new(),
            ..ReportQuery::default()
        };
        assert_eq!(one.report(&q).unwrap(), many.report(&q).unwrap());
        assert_eq!(one.report(&q).unwrap().totals.output_tokens, 311);
    }

    fn copilot(key: &str, session: &str, input: u64, requests: u32) -> UsageRecord {
        UsageRecord {
            provider: ProviderId::CopilotCli,
            session: session.into(),
            message_id: None,
            dedup_key: key.into(),
            tokens: TokenCounts {
                input,
                ..TokenCounts::default()
            },
            requests,
            ..record("", "", false, 0)
        }
    }

    fn totals(store: &Store) -> (u64, u64) {
        let q = ReportQuery {
            group_by: Vec::new(),
            ..ReportQuery::default()
        };
        let t = store.report(&q).unwrap().totals;
        (t.requests, t.input_tokens)
    }

    #[test]
    fn last_copy_wins_for_providers_with_that_rule() {
        // In one batch and across batches alike, the copy written last replaces the others,
        // counters going down included (a Gemini message re-appended with corrected tokens).
        let mut one = Store::open_in_memory().unwrap();
        let mut many = Store::open_in_memory().unwrap();
        let copies = vec![
            copilot("ev:s:m", "s", 50, 1),
            copilot("ev:s:m", "s", 900, 1),
            copilot("ev:s:m", "s", 70, 0),
        ];
        one.commit(&batch(copies.clone())).unwrap();
        for c in copies {
            many.commit(&batch(vec![c])).unwrap();
        }
        assert_eq!(totals(&one), (0, 70));
        assert_eq!(totals(&many), (0, 70));
    }

    /// A copy of one of a few requests, with every field the merge rules combine drawn from
    /// small sets, so that ties (same time, same session) and both sidechain states occur.
    ///
    /// For [`MergeRule::MaxPerCounter`] two cases are left out, in which the rule is not
    /// associative and the result does depend on how copies are grouped (and on reading
    /// order): a sidechain copy earlier than a main copy of the same request (the merged row
    /// keeps the earliest time, so it then compares as earlier than its preferred copy was),
    /// and copies without a project or model (the fallback to another copy's value depends on
    /// which copies met first). Real transcripts write `cwd` and `model` on every usage line.
    fn any_copy(provider: ProviderId) -> impl proptest::strategy::Strategy<Value = UsageRecord> {
        use proptest::prelude::*;
        use proptest::sample::select;
        let max_rule = provider.merge_rule() == MergeRule::MaxPerCounter;
        // Mostly small counts, sometimes beyond what a row stores (clamped to MAX_COUNT).
        let count = || prop_oneof![4 => 0u64..2_000, 1 => Just(0u64), 1 => (MAX_COUNT - 2)..(MAX_COUNT + 3)];
        let tokens = (
            count(),
            count(),
            count(),
            count(),
            count(),
            count(),
            count(),
        )
            .prop_map(
                |(
                    input,
                    cache_creation,
                    cache_creation_5m,
                    cache_creation_1h,
                    cache_read,
                    output,
                    reasoning,
                )| {
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
            );
        let flags = (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(subagent, sidechain, estimated, aggregate, fast)| RecordFlags {
                    subagent,
                    sidechain,
                    estimated,
                    aggregate,
                    fast,
                },
            );
        let (projects, models) = if max_rule {
            (
                vec![Some("/p/one"), Some("/p/two")],
                vec![Some("claude-sonnet-4-5"), Some("claude-opus-4-1")],
            )
        } else {
            (
                vec![None, Some("/p/one"), Some("/p/two")],
                vec![None, Some("claude-sonnet-4-5"), Some("claude-opus-4-1")],
            )
        };
        (
            0..3usize,
            any::<bool>(),
            select(vec!["s-a", "s-b", "s-c"]),
            select(projects),
            select(models),
            0..3i64,
            flags,
            tokens,
            (
                proptest::option::of(0..1_000_000_000i64),
                0..3u32,
                0..3_000u64,
            ),
        )
            .prop_map(
                move |(
                    key,
                    with_id,
                    session,
                    project,
                    model,
                    t,
                    flags,
                    tokens,
                    (cost, requests, premium),
                )| {
                    let message = format!("msg_{key}");
                    // Sidechain copies after every main copy (see above).
                    let minutes = if max_rule && flags.sidechain {
                        t + 3
                    } else {
                        t
                    };
                    UsageRecord {
                        provider,
                        session: session.into(),
                        project: project.map(Into::into),
                        model: model.map(Into::into),
                        timestamp_ms: 1_764_000_000_000 + minutes * 60_000,
                        dedup_key: crate::record::message_key(&message, None),
                        message_id: with_id.then_some(message),
                        flags,
                        tokens,
                        reported_cost_pusd: cost,
                        requests,
                        premium_requests_milli: premium,
                    }
                },
            )
    }

    /// The stored row of `key` as a record (the fields the merge rules write), with its cost.
    fn stored_copy(
        store: &Store,
        provider: ProviderId,
        key: &str,
    ) -> (UsageRecord, Option<i64>, i64) {
        store
            .conn
            .query_row(
                "SELECT (SELECT name FROM sessions WHERE id = session),
                        (SELECT name FROM projects WHERE id = project),
                        (SELECT name FROM models WHERE id = model), ts_ms, NULL, subagent,
                        sidechain, estimated, aggregate, fast, input, cache_creation, cache_5m,
                        cache_1h, cache_read, output, reasoning, reported_cost_pusd, requests,
                        premium_milli, cost_pusd, total
                 FROM records WHERE key = ?1",
                [&record_key::stored_key(provider.as_str(), key)[..]],
                |r| {
                    let n = |i: usize| r.get::<_, i64>(i).map(|v| v as u64);
                    Ok((
                        UsageRecord {
                            provider,
                            session: r.get(0)?,
                            project: r.get(1)?,
                            model: r.get(2)?,
                            timestamp_ms: r.get(3)?,
                            dedup_key: key.to_owned(),
                            message_id: r.get(4)?,
                            flags: RecordFlags {
                                subagent: r.get(5)?,
                                sidechain: r.get(6)?,
                                estimated: r.get(7)?,
                                aggregate: r.get(8)?,
                                fast: r.get(9)?,
                            },
                            tokens: TokenCounts {
                                input: n(10)?,
                                cache_creation: n(11)?,
                                cache_creation_5m: n(12)?,
                                cache_creation_1h: n(13)?,
                                cache_read: n(14)?,
                                output: n(15)?,
                                reasoning: n(16)?,
                            },
                            reported_cost_pusd: r.get(17)?,
                            requests: r.get(18)?,
                            premium_requests_milli: n(19)?,
                        },
                        r.get(20)?,
                        r.get(21)?,
                    ))
                },
            )
            .unwrap()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// The merge exists twice: in Rust (`merge_copy`, for the copies within one batch) and
        /// in SQL (the UPSERTs, for copies meeting a stored row). Whatever batches a sequence
        /// of copies is committed in, the stored request is the Rust merge of the copies in
        /// order, priced as stored.
        #[test]
        fn the_stored_merge_is_the_rust_merge_whatever_the_batches(
            (provider, copies) in proptest::sample::select(vec![ProviderId::ClaudeCode, ProviderId::GeminiCli])
                .prop_flat_map(|p| (proptest::strategy::Just(p), proptest::collection::vec(any_copy(p), 1..24))),
            cuts in proptest::collection::vec(proptest::bool::ANY, 24),
        ) {
            use proptest::prelude::*;
            let mut store = Store::open_in_memory().unwrap();
            let mut batch = Vec::new();
            for (i, copy) in copies.iter().enumerate() {
                batch.push(copy.clone());
                if cuts[i] || i + 1 == copies.len() {
                    store.commit(&Batch { records: std::mem::take(&mut batch), sources: Vec::new(), rate_limits: Vec::new() }).unwrap();
                }
            }
            let mut expected: Vec<UsageRecord> = Vec::new();
            for copy in &copies {
                match expected.iter_mut().find(|e| e.dedup_key == copy.dedup_key) {
                    Some(e) => e.merge_copy(copy),
                    None => expected.push(copy.clone()),
                }
            }
            for mut want in expected {
                want.tokens = clamped(&want.tokens);
                want.premium_requests_milli = want.premium_requests_milli.min(MAX_COUNT);
                // Not stored: a message id is its key's first part (docs/storage.md).
                want.message_id = None;
                let (got, cost, total) = stored_copy(&store, provider, &want.dedup_key);
                prop_assert_eq!(&got, &want);
                prop_assert_eq!(total as u64, want.tokens.total());
                let priced = want.model.as_deref().and_then(|m| {
                    PriceTable::builtin().cost_pusd_at_speed(m, want.timestamp_ms, &want.tokens, want.flags.fast)
                });
                prop_assert_eq!(cost, priced);
            }
        }
    }

    #[test]
    fn every_skip_reason_round_trips_through_its_column() {
        // Slots follow the display order, one each.
        for (i, reason) in SkipReason::ALL.iter().enumerate() {
            assert_eq!(SkipCounts::index(*reason), i, "{reason}");
        }
        // A distinct count per reason: one filed under another reason's column, or under none,
        // is read back wrong.
        let mut skips = SkipCounts::default();
        for (i, reason) in SkipReason::ALL.iter().enumerate() {
            skips.add_n(*reason, 1 << i);
        }
        let source = SourceUpdate {
            provider: ProviderId::Codex,
            path: "/logs/rollout.jsonl".into(),
            checkpoint: Checkpoint {
                dev: 1,
                ino: 2,
                head_hash: None,
                offset: 0,
                tail_hash: 0,
                size: None,
                mtime_ns: 0,
                parser_state: Vec::new(),
                parser_version: 1,
                skipped_over_cap: None,
            },
            restarted: false,
            content_replaced: false,
            records: 0,
            skips,
        };
        let mut store = Store::open_in_memory().unwrap();
        store
            .commit(&Batch {
                records: Vec::new(),
                sources: vec![source],
                rate_limits: Vec::new(),
            })
            .unwrap();
        let stored = store.provider_stats(ProviderId::Codex).unwrap().skipped;
        for reason in SkipReason::ALL {
            assert_eq!(stored.get(*reason), skips.get(*reason), "{reason}");
        }
        assert_eq!(stored, skips);
    }

    #[test]
    fn database_records_supersede_a_sessions_event_records_in_either_order() {
        let mut store = Store::open_in_memory().unwrap();
        // Events of sessions s and t; then the database's copy of s.
        store
            .commit(&batch(vec![
                copilot("ev:s:m1", "s", 10, 1),
                copilot("ev:s:shutdown:1:gpt", "s", 20, 0),
                copilot("ev:t:m1", "t", 1000, 1),
                // A session whose id only shares a prefix with s is not s.
                copilot("ev:s2:m1", "s2", 10_000, 1),
            ]))
            .unwrap();
        assert_eq!(totals(&store), (3, 11_030));
        store
            .commit(&batch(vec![copilot("db:s:1", "s", 5, 1)]))
            .unwrap();
        assert_eq!(totals(&store), (3, 11_005));
        // An event record of s arriving after the database's copy is superseded at once.
        store
            .commit(&batch(vec![copilot("ev:s:m2", "s", 300, 1)]))
            .unwrap();
        assert_eq!(totals(&store), (3, 11_005));
        // And in one batch, database copy first.
        let mut one = Store::open_in_memory().unwrap();
        one.commit(&batch(vec![
            copilot("db:u:1", "u", 5, 1),
            copilot("ev:u:m1", "u", 7, 1),
        ]))
        .unwrap();
        assert_eq!(totals(&one), (1, 5));
    }

    /// A tailed log's checkpoint (device 1, inode `ino`) with `records` records before it.
    fn source(path: &str, ino: u64, records: u64, content_replaced: bool) -> SourceUpdate {
        SourceUpdate {
            provider: ProviderId::ClaudeCode,
            path: path.into(),
            checkpoint: Checkpoint {
                dev: 1,
                ino,
                head_hash: Some(7),
                offset: 10,
                tail_hash: 0,
                size: Some(10),
                mtime_ns: 0,
                parser_state: Vec::new(),
                parser_version: 2,
                skipped_over_cap: None,
            },
            restarted: true,
            records,
            skips: SkipCounts::default(),
            content_replaced,
        }
    }

    /// The Claude Code keys the rebuild tests write.
    const TEST_KEYS: [&str; 8] = ["a:", "g:", "kept:", "new:", "old:", "stale:", "u:", "w:"];

    /// Which of [`TEST_KEYS`] are stored (the store keeps keys as hashes), in order.
    fn keys(store: &Store) -> Vec<String> {
        let stored: HashSet<Vec<u8>> = store
            .conn
            .prepare("SELECT key FROM records")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        TEST_KEYS
            .iter()
            .filter(|k| stored.contains(record_key::stored_key("claude_code", k).as_slice()))
            .map(|k| (*k).to_owned())
            .collect()
    }

    #[test]
    fn a_rebuild_replaces_the_records_of_logs_it_reads_again_and_keeps_the_others() {
        let mut store = Store::open_in_memory().unwrap();
        let r = |key: &str| record(key, key.trim_end_matches(':'), false, 1);
        // a.jsonl gave a and stale; gone.jsonl gave g; a source read whole (no first-line
        // identity) gave w; and u came without a checkpoint at all.
        let mut whole = source("chat.json", 9, 1, false);
        whole.checkpoint.head_hash = None;
        store
            .commit(&Batch {
                records: vec![r("a:"), r("stale:"), r("g:"), r("w:"), r("u:")],
                sources: vec![
                    source("a.jsonl", 1, 2, false),
                    source("gone.jsonl", 2, 1, false),
                    whole,
                ],
                rate_limits: Vec::new(),
            })
            .unwrap();
        // A rebuild reads a.jsonl again (now without `stale`); gone.jsonl is gone and the
        // whole source no longer holds w.
        store.begin_rebuild(&[ProviderId::ClaudeCode]).unwrap();
        store
            .commit(&Batch {
                records: vec![r("a:")],
                sources: vec![source("a.jsonl", 1, 1, false)],
                rate_limits: Vec::new(),
            })
            .unwrap();
        store.finish_rebuild().unwrap();
        assert_eq!(keys(&store), ["a:", "g:", "u:", "w:"]);
    }

    #[test]
    fn records_of_content_a_log_no_longer_holds_are_kept_like_those_of_a_deleted_log() {
        let mut store = Store::open_in_memory().unwrap();
        let r = |key: &str| record(key, key.trim_end_matches(':'), false, 1);
        store
            .commit(&Batch {
                records: vec![r("old:"), r("kept:")],
                sources: vec![source("a.jsonl", 1, 2, false)],
                rate_limits: Vec::new(),
            })
            .unwrap();
        // Truncated and written again under the same inode and first line: what it holds now
        // is read from byte 0, and the earlier content's records no longer belong to it.
        store
            .commit(&Batch {
                records: vec![r("kept:"), r("new:")],
                sources: vec![source("a.jsonl", 1, 2, true)],
                rate_limits: Vec::new(),
            })
            .unwrap();
        store.begin_rebuild(&[ProviderId::ClaudeCode]).unwrap();
        store
            .commit(&Batch {
                records: vec![r("new:")],
                sources: vec![source("a.jsonl", 1, 1, false)],
                rate_limits: Vec::new(),
            })
            .unwrap();
        store.finish_rebuild().unwrap();
        // `kept` was read again from the file's new content before the rebuild, so the file
        // owns it and the rebuild, not producing it, drops it; `old` is kept.
        assert_eq!(keys(&store), ["new:", "old:"]);
    }

    #[test]
    fn a_log_keeps_its_records_across_a_rename() {
        // The origin is the file's identity, not its path: a renamed log read again by a
        // rebuild replaces the records it gave under its old name.
        let mut store = Store::open_in_memory().unwrap();
        let r = |key: &str| record(key, key.trim_end_matches(':'), false, 1);
        store
            .commit(&Batch {
                records: vec![r("a:"), r("stale:")],
                sources: vec![source("old-name.jsonl", 1, 2, false)],
                rate_limits: Vec::new(),
            })
            .unwrap();
        store.begin_rebuild(&[ProviderId::ClaudeCode]).unwrap();
        store
            .commit(&Batch {
                records: vec![r("a:")],
                sources: vec![source("new-name.jsonl", 1, 1, false)],
                rate_limits: Vec::new(),
            })
            .unwrap();
        store.finish_rebuild().unwrap();
        assert_eq!(keys(&store), ["a:"]);
    }
}
