//! Users' control of their data: the database's health, backups, and forgetting records.
//!
//! Forgetting is meant to last. A forgotten request leaves a tombstone (a 64-bit hash of its
//! key, never the key itself) in the `forgotten` table, and [`Store::commit`] drops every copy
//! that matches one. So the request stays forgotten whatever reads its log again: the next
//! scan (the file's checkpoint is kept, so it is not even re-read), `scan --rebuild`, the
//! automatic rebuild after a parser fix, an agent rewriting a whole-document log, or a resumed
//! session replaying it into a new file.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::time::{Duration, Instant};

use camino::{Utf8Path, Utf8PathBuf};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use super::names::{self, Dictionary};
use super::{BUSY_TIMEOUT, ProjectPaths, Store, ingest, privacy, record_key, schema};
use crate::error::{Error, IoContext, Result};
use crate::record::ProviderId;

/// Most problems a check lists (SQLite stops looking after this many).
const MAX_CHECK_MESSAGES: u32 = 100;

/// Which consistency check [`Store::health`] ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckKind {
    /// `PRAGMA quick_check`: every page and record readable and well formed; linear in the
    /// database's size.
    QuickCheck,
    /// `PRAGMA integrity_check`: also that every index matches its table; slower.
    IntegrityCheck,
}

impl CheckKind {
    /// The pragma's name.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::QuickCheck => "quick_check",
            CheckKind::IntegrityCheck => "integrity_check",
        }
    }
}

/// The state of a database file, as `scopeon doctor` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Health {
    /// The check that ran.
    pub check: CheckKind,
    /// True when the check found nothing wrong.
    pub check_ok: bool,
    /// What the check found (at most 100 lines; empty when it found nothing).
    pub check_messages: Vec<String>,
    /// The schema version of the file (`user_version`).
    pub schema_version: i64,
    /// The newest schema version this build knows; an older file is migrated when a command
    /// that writes opens it.
    pub supported_schema_version: i64,
    /// Page size in bytes.
    pub page_size: u64,
    /// Pages in the file.
    pub page_count: u64,
    /// Pages unused (freed by deletions and reused by later writes).
    pub freelist_count: u64,
    /// Size of the database file in bytes (0 in memory).
    pub db_bytes: u64,
    /// Size of its write-ahead log (`-wal`) in bytes, 0 when there is none.
    pub wal_bytes: u64,
    /// How projects are stored (see [`ProjectPaths`]); `None` when it cannot be read.
    pub project_paths: Option<ProjectPaths>,
    /// Stored requests (replays excluded), per provider id; `None` when they cannot be read.
    pub records: Option<BTreeMap<String, u64>>,
    /// Stored copies marked as replays of other requests (never counted).
    pub replays: Option<u64>,
    /// Log files with a checkpoint.
    pub sources: Option<u64>,
    /// Requests deleted by [`Store::forget`] (replays excluded), whose tombstones keep them
    /// from being stored again.
    pub forgotten: Option<u64>,
}

impl Health {
    /// All stored requests, when they could be read.
    pub fn total_records(&self) -> Option<u64> {
        self.records.as_ref().map(|r| r.values().sum())
    }
}

impl Store {
    /// Checks the database (`quick_check`, or `integrity_check` when `full`) and reports its
    /// sizes, schema version and what it holds.
    pub fn health(&self, full: bool) -> Result<Health> {
        health(&self.conn, &self.path, full).map_err(|e| self.db_err(e))
    }
}

/// Checks the database at `path` without writing to it: nothing is created, migrated or
/// re-priced, so it works on a database [`Store::open`] refuses (a damaged one, say).
///
/// Fails when the file is missing, is not a database, or is not a Scopeon database.
pub fn inspect(path: &Utf8Path, full: bool) -> Result<Health> {
    let db_err = |source| Error::db(path.to_owned(), source);
    // Never through a symlink (but its directory may be reached through one, the user's
    // choice: see `nofollow_name`), and never creating the file. A file Scopeon would use is
    // opened for writing (nothing is written) so that closing the connection removes the
    // `-wal` and `-shm` files as any other command does; a read-only connection would leave
    // them behind. One Scopeon refuses is only read.
    let safe = fs::symlink_metadata(path).is_ok_and(|m| super::check_existing(path, &m).is_ok());
    let access = if safe {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    };
    // A FIFO beside it would hang the open; the caller says what is wrong with it.
    super::check_surroundings(path)?;
    let conn = Connection::open_with_flags(
        super::nofollow_name(path)?,
        access | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )
    .map_err(db_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db_err)?;
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(db_err)?;
    if app_id != super::APPLICATION_ID {
        return Err(Error::NotScopeonDb {
            path: path.to_owned(),
            found: app_id,
        });
    }
    health(&conn, path, full).map_err(db_err)
}

fn health(conn: &Connection, path: &Utf8Path, full: bool) -> rusqlite::Result<Health> {
    let check = if full {
        CheckKind::IntegrityCheck
    } else {
        CheckKind::QuickCheck
    };
    let pragma = |name: &str| conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0));
    // A check that cannot even run (its first page unreadable) is a failed check, not an
    // error of the diagnosis: the message is what the user needs to see.
    let (check_ok, check_messages) = match conn
        .prepare(&format!("PRAGMA {}({MAX_CHECK_MESSAGES})", check.as_str()))
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        }) {
        Ok(lines) if lines == ["ok"] => (true, Vec::new()),
        Ok(lines) => (false, lines),
        Err(e) => (false, vec![e.to_string()]),
    };
    let file_len = |p: &str| fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let in_memory = path.as_str() == ":memory:";
    // Counts read the tables; in a damaged file they may fail where the header did not.
    let records = conn
        .prepare(
            "SELECT (SELECT name FROM providers WHERE id = provider), count(*) FROM records
             WHERE replay = 0 GROUP BY provider",
        )
        .and_then(|mut st| {
            st.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
            })?
            .collect::<rusqlite::Result<BTreeMap<_, _>>>()
        })
        .ok();
    let count = |sql: &str| {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .ok()
            .map(|n| n.max(0) as u64)
    };
    Ok(Health {
        check,
        check_ok,
        check_messages,
        schema_version: pragma("user_version")?,
        supported_schema_version: schema::latest_version(),
        page_size: pragma("page_size")?.max(0) as u64,
        page_count: pragma("page_count")?.max(0) as u64,
        freelist_count: pragma("freelist_count")?.max(0) as u64,
        db_bytes: if in_memory {
            0
        } else {
            file_len(path.as_str())
        },
        wal_bytes: if in_memory {
            0
        } else {
            file_len(&format!("{path}-wal"))
        },
        project_paths: privacy::current(conn).ok(),
        records,
        replays: count("SELECT count(*) FROM records WHERE replay = 1"),
        sources: count("SELECT count(*) FROM sources"),
        forgotten: count("SELECT count(*) FROM forgotten WHERE kind = 'request'"),
    })
}

/// What [`Store::backup_to`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BackupInfo {
    /// The backup file.
    pub path: Utf8PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// The requests it holds (replays excluded).
    pub records: u64,
}

impl Store {
    /// Writes a consistent copy of the database to `dest` with SQLite's online backup, which
    /// other processes may keep writing to meanwhile.
    ///
    /// The copy is a complete Scopeon database that [`Store::open`] (or `--db`) reads as is.
    /// It is written to a private temporary file (0600) beside `dest` and linked into place
    /// only once complete, so a failure or crash never leaves a partial backup under that
    /// name. A missing directory is created (0700). An existing `dest` is never overwritten:
    /// a backup is what a user falls back on, and replacing one by mistake would lose it.
    pub fn backup_to(&self, dest: &Utf8Path) -> Result<BackupInfo> {
        if self.path.as_str() == ":memory:" {
            return Err(Error::InvalidQuery(
                "an in-memory database has no file to back up".into(),
            ));
        }
        let exists = |p: &Utf8Path| -> Result<()> {
            match fs::symlink_metadata(p) {
                Ok(_) => Err(Error::InvalidQuery(format!(
                    "{p} already exists; Scopeon never overwrites a file with a backup: choose a new name or remove it first"
                ))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(e).at(p),
            }
        };
        exists(dest)?;
        let name = dest.file_name().ok_or_else(|| {
            Error::InvalidQuery(format!(
                "{dest} does not name a file to write the backup to"
            ))
        })?;
        let dir = match dest.parent() {
            Some(d) if !d.as_str().is_empty() => d.to_owned(),
            _ => Utf8PathBuf::from("."),
        };
        if !dir.exists() {
            super::create_private_dir(&dir)?;
        }
        let tmp = create_temp_beside(&dir, name)?;
        let result = self.write_backup(&tmp).and_then(|records| {
            link_no_clobber(&tmp, dest)?;
            // The new name must survive a crash too.
            if let Ok(d) = fs::File::open(&dir) {
                let _ = d.sync_all();
            }
            Ok(records)
        });
        // Whatever happened, the temporary name goes: after a link it is a second name of
        // the backup, after a failure a partial copy.
        let _ = fs::remove_file(&tmp);
        let records = result?;
        Ok(BackupInfo {
            path: dest.to_owned(),
            bytes: fs::metadata(dest).at(dest)?.len(),
            records,
        })
    }

    /// Copies every page into the (empty, private) file `tmp` and syncs it; returns the
    /// requests the copy holds, counted in the copy itself.
    fn write_backup(&self, tmp: &Utf8Path) -> Result<u64> {
        let tmp_err = |source| Error::db(tmp.to_owned(), source);
        let mut to = Connection::open_with_flags(
            super::nofollow_name(tmp)?,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )
        .map_err(tmp_err)?;
        {
            let backup = Backup::new(&self.conn, &mut to).map_err(tmp_err)?;
            // All pages in one step: the source is read in one transaction, so the copy is one
            // consistent state even while another process writes. Busy only while a writer
            // recovers the log; that is retried for as long as any write would wait.
            let started = Instant::now();
            loop {
                match backup.step(-1).map_err(tmp_err)? {
                    StepResult::Done => break,
                    StepResult::More => {}
                    StepResult::Busy | StepResult::Locked if started.elapsed() < BUSY_TIMEOUT => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    StepResult::Busy | StepResult::Locked => {
                        return Err(tmp_err(rusqlite::Error::SqliteFailure(
                            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                            Some("the database stayed locked during the backup".into()),
                        )));
                    }
                    // StepResult is non-exhaustive; any other answer is treated as progress.
                    _ => {}
                }
            }
        }
        let records: i64 = to
            .query_row("SELECT count(*) FROM records WHERE replay = 0", [], |r| {
                r.get(0)
            })
            .map_err(tmp_err)?;
        to.close().map_err(|(_, e)| tmp_err(e))?;
        fs::File::open(tmp).and_then(|f| f.sync_all()).at(tmp)?;
        Ok(records.max(0) as u64)
    }
}

/// Creates an empty private (0600) file with a fresh name in `dir`, for a backup of `name`.
fn create_temp_beside(dir: &Utf8Path, name: &str) -> Result<Utf8PathBuf> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut last = None;
    for attempt in 0..16u32 {
        let tmp = dir.join(format!(
            ".{name}.{}-{nanos:x}-{attempt}.tmp",
            std::process::id()
        ));
        // create_new never follows a symlink planted under the name: it fails instead.
        match options.open(&tmp) {
            Ok(_) => return Ok(tmp),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e).at(tmp),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name"))).at(dir)
}

/// Gives `tmp` the name `dest`, failing if `dest` appeared meanwhile (a hard link never
/// replaces a file; a rename would).
fn link_no_clobber(tmp: &Utf8Path, dest: &Utf8Path) -> Result<()> {
    match fs::hard_link(tmp, dest) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::InvalidQuery(
            format!("{dest} appeared while the backup was written; it was left alone"),
        )),
        // A file system without hard links: rename, after checking the name is still free.
        Err(_) if !dest.exists() => fs::rename(tmp, dest).at(dest),
        Err(e) => Err(e).at(dest),
    }
}

/// Which stored records [`Store::forget`] deletes: those matching every filter given (and any
/// one value of a filter with several).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgetFilter {
    /// Only these providers (any when empty).
    pub providers: Vec<ProviderId>,
    /// Only these projects (any when empty). A project is matched as stored and also in the
    /// database's [`ProjectPaths`] form, so the full path finds a project stored by its
    /// basename or hash.
    pub projects: Vec<String>,
    /// Only requests made before this instant, UTC milliseconds.
    pub before_ms: Option<i64>,
}

impl ForgetFilter {
    /// True when no filter is set (which [`Store::forget`] refuses).
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty() && self.projects.is_empty() && self.before_ms.is_none()
    }
}

/// What [`Store::forget`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ForgetStats {
    /// Requests deleted (replays excluded, as every count of requests).
    pub forgotten: u64,
    /// Requests still stored.
    pub remaining: u64,
}

impl Store {
    /// Deletes the stored records matching `filter`, in one transaction, and says how many.
    ///
    /// Forgetting is permanent: each forgotten request leaves a tombstone (a hash of its key)
    /// so no later read of its log stores it again, and the files' checkpoints are kept. Copies
    /// that only replayed a forgotten request (a sidechain replay, an event log superseded by
    /// a session database) go with it, so they never start counting in its place. Cached
    /// report results are dropped, deleted content is overwritten, and the write-ahead log is
    /// emptied when no other process is reading. To undo, restore a backup; a new database
    /// would also read every log that still exists again.
    ///
    /// An empty filter is refused: forgetting everything is deleting the database file.
    pub fn forget(&mut self, filter: &ForgetFilter) -> Result<ForgetStats> {
        if filter.is_empty() {
            return Err(Error::InvalidQuery(
                "forget needs at least one of --provider, --project or --before (to forget everything, delete the database file)".into(),
            ));
        }
        let path = self.path.clone();
        let err = |source| Error::db(path.clone(), source);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        // The form projects are stored in now (another process may have changed it).
        let mode = privacy::current(&tx).map_err(err)?;
        tx.pragma_update(None, "secure_delete", true).map_err(err)?;
        let stats = forget_in(&tx, filter, mode).map_err(err)?;
        tx.pragma_update(None, "secure_delete", false)
            .map_err(err)?;
        tx.commit().map_err(err)?;
        // Its message ids may describe rows that are gone (a false positive only costs a lookup,
        // but there is no reason to keep them).
        self.sidechain_ids = None;
        // Names no record uses any more were deleted.
        self.names = None;
        if stats.forgotten > 0 {
            self.scrub_wal();
        }
        Ok(stats)
    }

    /// Moves the write-ahead log into the database and truncates it, so content just
    /// deleted or rewritten does not linger in the log. Best effort: with another process
    /// reading, the log is emptied by a later checkpoint instead.
    pub(super) fn scrub_wal(&self) {
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
}

fn forget_in(
    tx: &Connection,
    filter: &ForgetFilter,
    mode: ProjectPaths,
) -> rusqlite::Result<ForgetStats> {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<rusqlite::types::Value> = Vec::new();
    let mut any_of = |dict: Dictionary, values: Vec<String>, params: &mut Vec<_>| {
        if values.is_empty() {
            return;
        }
        let marks: Vec<String> = values
            .into_iter()
            .map(|v| {
                params.push(rusqlite::types::Value::Text(v));
                format!("?{}", params.len())
            })
            .collect();
        clauses.push(format!(
            "{} IN (SELECT id FROM {} WHERE name IN ({}))",
            dict.column(),
            dict.table(),
            marks.join(", ")
        ));
    };
    any_of(
        Dictionary::Provider,
        filter
            .providers
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
        &mut params,
    );
    any_of(
        Dictionary::Project,
        mode.with_stored_forms(&filter.projects),
        &mut params,
    );
    if let Some(before) = filter.before_ms {
        params.push(rusqlite::types::Value::Integer(before));
        clauses.push(format!("ts_ms < ?{}", params.len()));
    }
    tx.execute_batch(
        "DROP TABLE IF EXISTS temp.scopeon_forget;
         CREATE TEMP TABLE scopeon_forget (id INTEGER PRIMARY KEY, provider TEXT, key BLOB,
             session TEXT, sidechain INTEGER, replay INTEGER);",
    )?;
    tx.execute(
        &format!(
            "INSERT INTO temp.scopeon_forget SELECT {FORGET_ROW} FROM records WHERE {}",
            clauses.join(" AND ")
        ),
        rusqlite::params_from_iter(params),
    )?;
    // Sidechain replays of a forgotten message (the group half of their stored keys):
    // left behind, they would count in its place once a rebuild recomputes the replay marks.
    tx.execute_batch(&format!(
        "CREATE INDEX temp.scopeon_forget_group ON scopeon_forget (substr(key, 1, 8));
         INSERT OR IGNORE INTO temp.scopeon_forget
         SELECT {FORGET_ROW} FROM records r
         WHERE r.sidechain = 1 AND EXISTS (
             SELECT 1 FROM temp.scopeon_forget f
             WHERE substr(f.key, 1, 8) = substr(r.key, 1, 8) AND f.sidechain = 0);"
    ))?;
    // Event-log copies of a session whose database records are all forgotten: with no
    // database record left to supersede them they would count again.
    for provider in ProviderId::ALL.iter().filter(|p| p.supersedes_by_session()) {
        forget_unsuperseded_events(tx, provider.as_str())?;
    }
    {
        let mut read =
            tx.prepare("SELECT provider, key, sidechain, replay FROM temp.scopeon_forget")?;
        let mut tomb =
            tx.prepare("INSERT OR IGNORE INTO forgotten (hash, kind) VALUES (?1, ?2)")?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            // The provider as stored: one this build does not know (one another program
            // registered) is forgotten for good like any other.
            let provider: String = row.get(0)?;
            let key: Vec<u8> = row.get(1)?;
            let kind = if row.get(3)? { "replay" } else { "request" };
            if let Some(hash) = record_key::key_of(&key) {
                tomb.execute((hash, kind))?;
            }
            // A main copy's message also stops later sidechain replays of it (a request of
            // Claude Code keyed by no message writes a tombstone nothing ever looks up).
            let sidechain: bool = row.get(2)?;
            if !sidechain
                && provider == ProviderId::ClaudeCode.as_str()
                && let Some(group) = record_key::group_of(&key)
            {
                tomb.execute((group, "message"))?;
            }
        }
    }
    let forgotten: i64 = tx.query_row(
        "SELECT count(*) FROM temp.scopeon_forget WHERE replay = 0",
        [],
        |r| r.get(0),
    )?;
    tx.execute_batch(
        "DELETE FROM records WHERE rowid IN (SELECT id FROM temp.scopeon_forget);
         DROP TABLE temp.scopeon_forget;",
    )?;
    // A forgotten project's path, session ids and models must not stay behind by name.
    names::delete_unused(tx)?;
    if forgotten > 0 {
        // Cached results are aggregates of the forgotten records (and name their projects):
        // dropped, not merely outdated.
        tx.execute("DELETE FROM report_cache", [])?;
        ingest::bump_generation(tx)?;
    }
    // Rate-limit snapshots belong to a provider's account, not to a project: forgetting a
    // provider (or a time) forgets them too; forgetting a project leaves them.
    if filter.projects.is_empty() {
        super::live::forget_rate_limits(tx, &filter.providers, filter.before_ms)?;
    }
    let remaining: i64 =
        tx.query_row("SELECT count(*) FROM records WHERE replay = 0", [], |r| {
            r.get(0)
        })?;
    Ok(ForgetStats {
        forgotten: forgotten.max(0) as u64,
        remaining: remaining.max(0) as u64,
    })
}

/// A row of `temp.scopeon_forget`, from `records`: its provider and session by name.
const FORGET_ROW: &str = "rowid, (SELECT name FROM providers WHERE id = provider), key,
    (SELECT name FROM sessions WHERE id = session), sidechain, replay";

/// Adds to `temp.scopeon_forget` the event-log records (`ev:<session>:…`) of each session of
/// `provider` whose database records (`db:<session>:…`) are all being forgotten. Both are
/// groups of stored keys (docs/storage.md, "The record key"), found from the sessions of the
/// rows being forgotten.
fn forget_unsuperseded_events(tx: &Connection, provider: &str) -> rusqlite::Result<()> {
    let sessions: Vec<String> = tx
        .prepare("SELECT DISTINCT session FROM temp.scopeon_forget WHERE provider = ?1")?
        .query_map([provider], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut forgetting = tx
        .prepare("SELECT EXISTS (SELECT 1 FROM temp.scopeon_forget WHERE key BETWEEN ?1 AND ?2)")?;
    let mut kept = tx.prepare(
        "SELECT EXISTS (SELECT 1 FROM records WHERE key BETWEEN ?1 AND ?2
                          AND rowid NOT IN (SELECT id FROM temp.scopeon_forget))",
    )?;
    let mut add = tx.prepare(&format!(
        "INSERT OR IGNORE INTO temp.scopeon_forget
         SELECT {FORGET_ROW} FROM records WHERE key BETWEEN ?1 AND ?2"
    ))?;
    for session in sessions {
        let (db_lo, db_hi) =
            record_key::group_range(record_key::session_group_hash(provider, "db", &session));
        let db = (&db_lo[..], &db_hi[..]);
        if forgetting.query_row(db, |r| r.get::<_, bool>(0))?
            && !kept.query_row(db, |r| r.get::<_, bool>(0))?
        {
            let (lo, hi) =
                record_key::group_range(record_key::session_group_hash(provider, "ev", &session));
            add.execute((&lo[..], &hi[..]))?;
        }
    }
    Ok(())
}

/// Drops the records of a batch that are copies of forgotten requests: their key has a
/// tombstone, or they are sidechain replays of a forgotten message. Returns the provider and
/// key of each record dropped.
pub(super) fn drop_forgotten(
    conn: &Connection,
    records: &mut Vec<(ingest::BatchRecord<'_>, Option<i64>)>,
) -> rusqlite::Result<HashSet<(ProviderId, String)>> {
    // Nearly every database has forgotten nothing: one lookup per batch, not per record.
    let any: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM forgotten)")?
        .query_row([], |r| r.get(0))?;
    let mut dropped = HashSet::new();
    if !any {
        return Ok(dropped);
    }
    let mut lookup =
        conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM forgotten WHERE hash = ?1)")?;
    let mut keep = Vec::with_capacity(records.len());
    for (r, origin) in records.drain(..) {
        let mut forgotten: bool = lookup.query_row(
            [record_key::key_hash(r.provider.as_str(), &r.dedup_key)],
            |row| row.get(0),
        )?;
        // The message as the stored key groups it (the key's first part), as `forget` wrote
        // its tombstone.
        if !forgotten
            && r.flags.sidechain
            && let Some(group) = record_key::message_group(r.provider.as_str(), &r.dedup_key)
        {
            forgotten = lookup.query_row([group], |row| row.get(0))?;
        }
        if forgotten {
            dropped.insert((r.provider, r.dedup_key.clone()));
        } else {
            keep.push((r, origin));
        }
    }
    *records = keep;
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{RecordFlags, TokenCounts, UsageRecord};
    use crate::store::{Batch, GroupKey, ReportQuery};

    const DAY: i64 = 86_400_000;
    const T0: i64 = 1_764_000_000_000;

    fn rec(provider: ProviderId, key: &str, project: Option<&str>, ts: i64) -> UsageRecord {
        UsageRecord {
            provider,
            session: "s".into(),
            project: project.map(str::to_owned),
            model: Some("claude-sonnet-4-5".into()),
            timestamp_ms: ts,
            dedup_key: key.into(),
            message_id: None,
            flags: RecordFlags::default(),
            tokens: TokenCounts {
                input: 10,
                output: 100,
                ..TokenCounts::default()
            },
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        }
    }

    /// A Claude record keyed by its message id, as the Claude provider writes them.
    fn message(key: &str, project: &str, ts: i64, sidechain: bool) -> UsageRecord {
        let (m, _) = key.split_once(':').unwrap();
        UsageRecord {
            message_id: Some(m.into()),
            flags: RecordFlags {
                sidechain,
                subagent: sidechain,
                ..RecordFlags::default()
            },
            ..rec(ProviderId::ClaudeCode, key, Some(project), ts)
        }
    }

    fn commit(store: &mut Store, records: Vec<UsageRecord>) -> crate::store::CommitStats {
        store
            .commit(&Batch {
                records,
                sources: Vec::new(),
                rate_limits: Vec::new(),
            })
            .unwrap()
    }

    fn totals(store: &Store, by: Vec<GroupKey>) -> crate::store::Report {
        store
            .report(&ReportQuery {
                group_by: by,
                ..ReportQuery::default()
            })
            .unwrap()
    }

    fn requests(store: &Store) -> u64 {
        totals(store, Vec::new()).totals.requests
    }

    fn corpus() -> Vec<UsageRecord> {
        vec![
            message("a:1", "/home/dev/acme", T0, false),
            message("b:1", "/home/dev/acme", T0 + DAY, false),
            message("c:1", "/work/widget", T0 + 2 * DAY, false),
            rec(ProviderId::Codex, "x", Some("/home/dev/acme"), T0),
            rec(ProviderId::Codex, "y", Some("/work/widget"), T0 + 3 * DAY),
        ]
    }

    #[test]
    fn forget_matches_every_filter_and_stays_forgotten() {
        let mut store = Store::open_in_memory().unwrap();
        commit(&mut store, corpus());
        assert_eq!(requests(&store), 5);
        // Warm the report cache, which must not answer with forgotten data afterwards.
        let before = totals(&store, vec![GroupKey::Project]);
        assert_eq!(before.rows.len(), 2);

        let err = store.forget(&ForgetFilter::default()).unwrap_err();
        assert!(err.to_string().contains("--before"), "{err}");

        // Both filters must match: Claude's acme records before the third day.
        let stats = store
            .forget(&ForgetFilter {
                providers: vec![ProviderId::ClaudeCode],
                projects: vec!["/home/dev/acme".into()],
                before_ms: Some(T0 + DAY + 1),
            })
            .unwrap();
        assert_eq!(
            stats,
            ForgetStats {
                forgotten: 2,
                remaining: 3
            }
        );
        assert_eq!(requests(&store), 3);
        let health = store.health(false).unwrap();
        assert_eq!(health.forgotten, Some(2));
        assert_eq!(health.records.unwrap()["claude_code"], 1);

        // The same requests read again (a rebuild, a replay in a new file) are dropped;
        // anything new is stored.
        let again = commit(
            &mut store,
            vec![
                message("a:1", "/home/dev/acme", T0, false),
                message("b:1", "/elsewhere", T0 + DAY, false),
                message("d:1", "/home/dev/acme", T0, false),
                message("a:1", "/home/dev/acme", T0 + 5, false),
                message("d:1", "/home/dev/acme", T0 + 5, false),
            ],
        );
        assert_eq!(again.forgotten_copies, 3);
        assert_eq!(again.new_records, 1);
        assert_eq!(again.merged_copies, 1);
        assert_eq!(requests(&store), 4);

        // Only a window: everything before the second day, of every provider.
        let stats = store
            .forget(&ForgetFilter {
                before_ms: Some(T0 + DAY),
                ..ForgetFilter::default()
            })
            .unwrap();
        assert_eq!(stats.forgotten, 2, "d:1 and codex x");
        // Nothing matched: nothing changes.
        let stats = store
            .forget(&ForgetFilter {
                projects: vec!["/nowhere".into()],
                ..ForgetFilter::default()
            })
            .unwrap();
        assert_eq!(
            stats,
            ForgetStats {
                forgotten: 0,
                remaining: 2
            }
        );
    }

    #[test]
    fn a_message_id_with_a_colon_is_one_message_for_replays_and_tombstones() {
        // Vendor message ids have no `:`; one that has is grouped by the key's first part
        // everywhere: the replay marks, the tombstone `forget` writes, the one a batch checks.
        let with_id = |key: &str, sidechain: bool| UsageRecord {
            message_id: Some("x:y".into()),
            ..message(key, "/p", T0, sidechain)
        };
        let mut store = Store::open_in_memory().unwrap();
        commit(
            &mut store,
            vec![with_id("x:y:r1", false), with_id("x:y:r2", true)],
        );
        assert_eq!(requests(&store), 1, "the sidechain copy is a replay");
        store
            .forget(&ForgetFilter {
                before_ms: Some(T0 + DAY),
                ..ForgetFilter::default()
            })
            .unwrap();
        let again = commit(&mut store, vec![with_id("x:y:r3", true)]);
        assert_eq!(again.forgotten_copies, 1);
        assert_eq!(requests(&store), 0);
    }

    #[test]
    fn replays_of_a_forgotten_request_go_with_it() {
        let mut store = Store::open_in_memory().unwrap();
        // m is answered in the main chain on day 0 and replayed into a sidechain on day 2.
        commit(
            &mut store,
            vec![
                message("m:r1", "/p", T0, false),
                message("m:side", "/p", T0 + 2 * DAY, true),
                message("n:r1", "/p", T0 + 2 * DAY, false),
            ],
        );
        assert_eq!(requests(&store), 2);
        let stats = store
            .forget(&ForgetFilter {
                before_ms: Some(T0 + DAY),
                ..ForgetFilter::default()
            })
            .unwrap();
        assert_eq!(stats.forgotten, 1);
        let health = store.health(false).unwrap();
        assert_eq!(health.replays, Some(0), "the replay left with its request");
        // A later sidechain replay of m (a new key) does not count in its place.
        let again = commit(
            &mut store,
            vec![message("m:side2", "/p", T0 + 3 * DAY, true)],
        );
        assert_eq!(again.forgotten_copies, 1);
        assert_eq!(requests(&store), 1);

        // Copilot: the events file's copies of a session whose database records are forgotten.
        let copilot = |key: &str, project: Option<&str>| UsageRecord {
            session: "S".into(),
            ..rec(ProviderId::CopilotCli, key, project, T0)
        };
        commit(
            &mut store,
            vec![
                copilot("db:S:1", Some("/secret")),
                copilot("ev:S:1", None),
                copilot("ev:S:2", None),
            ],
        );
        assert_eq!(requests(&store), 2, "the db record supersedes the events");
        let stats = store
            .forget(&ForgetFilter {
                projects: vec!["/secret".into()],
                ..ForgetFilter::default()
            })
            .unwrap();
        assert_eq!(stats.forgotten, 1);
        assert_eq!(store.health(false).unwrap().replays, Some(0));
        // Read again, the events are not stored either.
        let again = commit(&mut store, vec![copilot("ev:S:1", None)]);
        assert_eq!(again.forgotten_copies, 1);
        assert_eq!(requests(&store), 1);
    }

    #[test]
    fn project_paths_reduce_new_and_stored_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::from_path_buf(dir.path().join("s.db")).unwrap();
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.project_paths(), ProjectPaths::Full);
        commit(&mut store, corpus());
        let projects = |store: &Store| -> Vec<Option<String>> {
            totals(store, vec![GroupKey::Project])
                .rows
                .into_iter()
                .map(|r| r.key[0].1.clone())
                .collect()
        };
        assert_eq!(
            projects(&store),
            [Some("/home/dev/acme".into()), Some("/work/widget".into())]
        );
        assert_eq!(store.set_project_paths(ProjectPaths::Basename).unwrap(), 5);
        assert_eq!(
            projects(&store),
            [Some("acme".into()), Some("widget".into())]
        );
        commit(&mut store, vec![message("z:1", "/srv/acme", T0, false)]);
        assert_eq!(
            projects(&store),
            [Some("acme".into()), Some("widget".into())]
        );
        // The database remembers the form: another connection (another front-end that never
        // read the configuration) writes in it too.
        let mut other = Store::open(&path).unwrap();
        assert_eq!(other.project_paths(), ProjectPaths::Basename);
        commit(&mut other, vec![message("w:1", "/x/gizmo", T0, false)]);
        assert!(projects(&other).contains(&Some("gizmo".into())));
        drop(other);

        // Hash: stored basenames are hashed too (they cannot be expanded back).
        assert_eq!(store.set_project_paths(ProjectPaths::Hash).unwrap(), 7);
        commit(
            &mut store,
            vec![message("v:1", "/home/dev/acme", T0, false)],
        );
        let hashed = ProjectPaths::Hash.apply("/home/dev/acme").into_owned();
        assert!(projects(&store).contains(&Some(hashed.clone())));
        assert!(
            projects(&store)
                .iter()
                .flatten()
                .all(|p| p.starts_with("hash:")),
            "{:?}",
            projects(&store)
        );
        // `forget --project` takes the full path and finds its hash.
        let stats = store
            .forget(&ForgetFilter {
                projects: vec!["/home/dev/acme".into()],
                ..ForgetFilter::default()
            })
            .unwrap();
        assert_eq!(stats.forgotten, 1);
        drop(store);
        // No full path is left anywhere in the files.
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            for needle in [&b"/home/dev/acme"[..], b"/work/widget", b"/x/gizmo"] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{} left in the database files",
                    String::from_utf8_lossy(needle)
                );
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn backups_are_private_complete_and_never_overwrite() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let mut store = Store::open(&root.join("s.db")).unwrap();
        commit(&mut store, corpus());
        let dest = root.join("new/dir/backup.db");
        let info = store.backup_to(&dest).unwrap();
        assert_eq!(info.records, 5);
        assert_eq!(info.bytes, std::fs::metadata(&dest).unwrap().len());
        let mode = |p: &Utf8Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dest), 0o600);
        assert_eq!(mode(&root.join("new")), 0o700);
        assert_eq!(mode(&root.join("new/dir")), 0o700);
        // Only the backup is left in its directory: no temporary file, no journal.
        let names: Vec<String> = std::fs::read_dir(root.join("new/dir"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["backup.db"]);
        let copy = Store::open(&dest).unwrap();
        let q = ReportQuery {
            group_by: vec![GroupKey::Provider, GroupKey::Project],
            ..ReportQuery::default()
        };
        assert_eq!(copy.report(&q).unwrap(), store.report(&q).unwrap());
        drop(copy);

        // An existing file is left alone.
        std::fs::write(root.join("taken.db"), b"precious").unwrap();
        let err = store.backup_to(&root.join("taken.db")).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        assert_eq!(std::fs::read(root.join("taken.db")).unwrap(), b"precious");
        let err = store.backup_to(&dest).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
    }

    #[test]
    fn health_reports_a_damaged_copy() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let path = root.join("s.db");
        let mut store = Store::open(&path).unwrap();
        // The pages of the empty database (header, schema, empty tables) are left readable;
        // the schema no longer fits in the first page alone.
        let schema_pages = store.health(false).unwrap().page_count as usize;
        let many: Vec<UsageRecord> = (0..2000)
            .map(|i| rec(ProviderId::Codex, &format!("k{i}"), Some("/p"), T0 + i))
            .collect();
        commit(&mut store, many);
        let h = store.health(true).unwrap();
        assert!(h.check_ok, "{:?}", h.check_messages);
        assert_eq!(h.check, CheckKind::IntegrityCheck);
        assert_eq!(h.total_records(), Some(2000));
        assert_eq!(h.schema_version, h.supported_schema_version);
        assert!(h.page_count > 10);
        drop(store);
        let healthy = inspect(&path, false).unwrap();
        assert!(healthy.check_ok);
        assert_eq!(healthy.db_bytes, healthy.page_count * healthy.page_size);

        // Garbage over every page the records were written to (the header and schema stay
        // readable).
        let mut bytes = std::fs::read(&path).unwrap();
        let page = healthy.page_size as usize;
        for chunk in bytes.chunks_mut(page).skip(schema_pages) {
            for (i, b) in chunk.iter_mut().enumerate().take(64) {
                *b = (i as u8).wrapping_mul(37) ^ 0xA5;
            }
        }
        let damaged = root.join("damaged.db");
        std::fs::write(&damaged, &bytes).unwrap();
        let h = inspect(&damaged, false).unwrap();
        assert!(!h.check_ok);
        assert!(!h.check_messages.is_empty());
        // Not Scopeon's: refused by name.
        std::fs::write(root.join("foreign.db"), b"").unwrap();
        let c = Connection::open(root.join("foreign.db")).unwrap();
        c.execute_batch("CREATE TABLE t(x)").unwrap();
        drop(c);
        assert!(matches!(
            inspect(&root.join("foreign.db"), false),
            Err(Error::NotScopeonDb { .. })
        ));
    }
}
