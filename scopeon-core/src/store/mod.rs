//! The SQLite store: schema, file safety, migrations, ingest and queries.
//!
//! One database file holds the deduplicated records, the per-file checkpoints and a little
//! metadata. Records and the checkpoints that produced them are written in one transaction, so
//! a crash at any moment loses nothing and counts nothing twice.
//!
//! File rules (docs/storage.md): a directory Scopeon creates is 0700 and a database it creates is
//! 0600 (SQLite gives its `-wal` and `-shm` files the database's mode). Scopeon never chmods
//! what it did not create, and refuses a database that is group- or world-writable or owned by
//! another user.

mod alerts;
mod bulk;
mod content_key;
mod ingest;
mod live;
mod log_paths;
mod maintenance;
mod metrics;
mod names;
mod origin;
mod privacy;
mod query;
mod record_key;
mod schema;
mod source_state;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs;

use camino::{Utf8Path, Utf8PathBuf};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

pub(crate) use alerts::{Claimed, DueAlert, endpoint_states_at};
pub use ingest::{Batch, CommitStats, MAX_COUNT, SkipCounts, SourceUpdate};
pub(crate) use live::{RequestRow, SessionTip};
pub(crate) use log_paths::{Resolved, is_below};
pub use maintenance::{BackupInfo, CheckKind, ForgetFilter, ForgetStats, Health, inspect};
pub use privacy::ProjectPaths;
pub use query::{
    COST_BASIS, CostMode, GroupKey, Report, ReportQuery, ReportRow, Totals, run_metadata,
};

use crate::error::{Error, IoContext, Result};
use crate::pricing::{PriceOverrides, PriceTable};
use crate::record::ProviderId;
use crate::tail::Checkpoint;

/// What the store holds for one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProviderStats {
    /// Deduplicated requests stored.
    pub records: u64,
    /// Time of the latest request, UTC milliseconds.
    pub last_activity_ms: Option<i64>,
    /// Log files with a checkpoint.
    pub tracked_files: u64,
    /// Lines skipped in those files, by reason.
    pub skipped: SkipCounts,
}

/// Usage stored for a model that has no price.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct UnpricedModel {
    /// The provider that logged it.
    pub provider: String,
    /// The model id as logged (`None` when the log named none).
    pub model: Option<String>,
    /// Deduplicated requests.
    pub requests: u64,
    /// Their total tokens.
    pub tokens: u64,
}

/// How long a write waits for another process's write lock before giving up.
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The `application_id` in the SQLite header that marks a Scopeon database ("SCOP").
pub const APPLICATION_ID: i64 = 0x5343_4F50;

/// An open Scopeon database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: Utf8PathBuf,
    /// Inside a rebuild's transaction: batches commit as savepoints.
    rebuilding: bool,
    /// The price table when it is not the built-in one (user overrides).
    custom_pricing: Option<Box<PriceTable>>,
    /// The messages (stored-key groups) of stored sidechain records, so writing a main record
    /// only looks for sidechain copies to mark as replays when one exists (see `ingest`).
    sidechain_ids: Option<ingest::SidechainIds>,
    /// Ids of the dictionary names this connection looked up (`names`).
    names: Option<names::Names>,
    rebuild_providers: Vec<ProviderId>,
    /// The origins (`ingest::origin_of`) of the logs a rebuild has read again so far: their
    /// set-aside records are replaced by what they produced now.
    rebuild_origins: HashSet<i64>,
    /// How projects are stored, as the database last recorded it (commits re-read it).
    project_paths: ProjectPaths,
    /// The secret content hashes are sealed with (`content_key`).
    content_key: crate::hash::ContentKey,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, applying the file rules of
    /// `docs/storage.md` and any pending schema migrations.
    ///
    /// Records are priced with the built-in table and the price overrides the database
    /// remembers (the ones a front-end that read the user's configuration last gave it; see
    /// [`Store::set_price_overrides`]), so every front-end sees the same costs. Stored costs
    /// are recomputed only when those prices changed since they were computed (a new built-in
    /// table).
    pub fn open(path: &Utf8Path) -> Result<Store> {
        Store::open_configured(Some(path), None)
    }

    /// Opens the database at `path` (or, with `None`, a private in-memory one) and, when
    /// `overrides` is given, makes them the database's price overrides, re-pricing stored
    /// records only if the prices they give differ from the ones the records were priced with.
    pub(crate) fn open_configured(
        path: Option<&Utf8Path>,
        overrides: Option<PriceOverrides>,
    ) -> Result<Store> {
        let (conn, path) = match path {
            Some(path) => {
                prepare_file(path)?;
                let conn = Connection::open_with_flags(
                    sqlite_name(path),
                    OpenFlags::SQLITE_OPEN_READ_WRITE
                        | OpenFlags::SQLITE_OPEN_CREATE
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(|source| Error::db(path.to_owned(), source))?;
                (conn, path.to_owned())
            }
            None => {
                let path = Utf8PathBuf::from(":memory:");
                let conn = Connection::open_in_memory()
                    .map_err(|source| Error::db(path.clone(), source))?;
                (conn, path)
            }
        };
        Store::init(conn, path, overrides)
    }

    /// An in-memory database (for tests and one-off embedding), priced with the built-in table.
    pub fn open_in_memory() -> Result<Store> {
        Store::open_configured(None, None)
    }

    fn init(
        conn: Connection,
        path: Utf8PathBuf,
        overrides: Option<PriceOverrides>,
    ) -> Result<Store> {
        let mut store = Store {
            conn,
            path,
            rebuilding: false,
            custom_pricing: None,
            sidechain_ids: None,
            names: None,
            rebuild_providers: Vec::new(),
            rebuild_origins: HashSet::new(),
            project_paths: ProjectPaths::Full,
            // Replaced by the database's own key right after the migrations.
            content_key: crate::hash::ContentKey::from_bytes([0; 16]),
        };
        store.configure().map_err(|e| store.db_err(e))?;
        schema::migrate(&mut store.conn, &store.path)?;
        bulk::ensure_indexes(&mut store.conn).map_err(|e| store.db_err(e))?;
        store.content_key = content_key::ensure(&mut store.conn).map_err(|e| store.db_err(e))?;
        store.project_paths = store.stored_project_paths()?.unwrap_or_default();
        store.settle_pricing(overrides, false)?;
        store.inject_fault().map_err(|e| store.db_err(e))?;
        Ok(store)
    }

    /// Applies a fault a test asked for ([`crate::failpoint::db_fault`]) once the database is
    /// open, so that what follows fails as on a read-only file system or a full disk.
    fn inject_fault(&self) -> rusqlite::Result<()> {
        use crate::failpoint::DbFault;
        match crate::failpoint::db_fault() {
            None => Ok(()),
            Some(DbFault::ReadOnly) => self.conn.pragma_update(None, "query_only", true),
            Some(DbFault::Full) => {
                let pages: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
                self.conn
                    .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                        r.get::<_, i64>(0)
                    })?;
                Ok(())
            }
        }
    }

    /// The price table records are priced with.
    pub fn pricing(&self) -> &PriceTable {
        self.custom_pricing
            .as_deref()
            .unwrap_or_else(|| PriceTable::builtin())
    }

    /// The database file's path (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Utf8Path {
        &self.path
    }

    /// What changes whenever the stored data may have: SQLite's `data_version` (moves when
    /// another connection, another process's scan say, commits) and this connection's own
    /// count of changed rows (which `data_version` leaves out). Two equal marks mean nothing
    /// was committed in between; a follower re-queries only when they differ.
    pub(crate) fn change_marks(&self) -> Result<(i64, u64)> {
        let version = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| self.db_err(e))?;
        Ok((version, self.conn.total_changes()))
    }

    fn configure(&self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL survives application crashes with synchronous=NORMAL and lets reports read while
        // a scan writes. journal_mode answers with a row, so it is queried, not executed.
        // Switching a new database to WAL takes an exclusive lock, and SQLite answers BUSY at
        // once, without its busy handler, while another process opening the same new file holds
        // a shared one: retry for as long as the busy timeout would have waited.
        let started = std::time::Instant::now();
        loop {
            match self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            {
                Ok(_) => break,
                Err(e) if crate::error::is_busy_error(&e) && started.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => return Err(e),
            }
        }
        self.conn.execute_batch(
            "PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA trusted_schema = OFF;
             PRAGMA journal_size_limit = 67108864;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -8192;",
        )?;
        Ok(())
    }

    /// The secret this database seals content hashes with (docs/storage.md, "Content
    /// hashes").
    pub(crate) fn content_key(&self) -> crate::hash::ContentKey {
        self.content_key
    }

    pub(crate) fn db_err(&self, source: rusqlite::Error) -> Error {
        Error::db(self.path.clone(), source)
    }

    /// The checkpoint stored for a file of a provider, if any, found by the file's real path
    /// whichever form the database stores log paths in (docs/storage.md, "Log paths").
    pub fn checkpoint(&self, provider: ProviderId, path: &Utf8Path) -> Result<Option<Checkpoint>> {
        let form = self.log_paths();
        let stored = form.stored(path.as_str());
        let other = match stored {
            Cow::Owned(_) => path.as_str().to_owned(),
            Cow::Borrowed(_) => form.keyed(path.as_str()),
        };
        for p in [stored.as_ref(), other.as_str()] {
            let found = self
                .conn
                .prepare_cached(
                    "SELECT dev, ino, head_hash, offset, tail_hash, size, mtime_ns, parser_state, parser_version
                     FROM sources WHERE provider = ?1 AND path = ?2",
                )
                .and_then(|mut st| st.query_row((provider.as_str(), p), row_to_checkpoint).optional())
                .map_err(|e| self.db_err(e))?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// Every checkpoint of a provider, by its path as stored: the real path, or with
    /// `[privacy] project_paths` set to `basename` or `hash`, its keyed form (docs/storage.md,
    /// "Log paths"), which [`Store::checkpoint`] looks up from a real path.
    pub fn checkpoints(&self, provider: ProviderId) -> Result<HashMap<Utf8PathBuf, Checkpoint>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT dev, ino, head_hash, offset, tail_hash, size, mtime_ns, parser_state, parser_version, path
                 FROM sources WHERE provider = ?1",
            )
            .map_err(|e| self.db_err(e))?;
        st.query_map([provider.as_str()], |r| {
            Ok((
                Utf8PathBuf::from(r.get::<_, String>(9)?),
                row_to_checkpoint(r)?,
            ))
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.db_err(e))
    }

    /// Models of stored requests that have no price, with how much usage that leaves out of
    /// every cost, most tokens first (a missing model is listed as `None`).
    pub fn unpriced_models(&self) -> Result<Vec<UnpricedModel>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT (SELECT name FROM providers WHERE id = provider) AS p,
                        (SELECT name FROM models WHERE id = model) AS m, count(*), sum(total)
                 FROM records
                 WHERE replay = 0 AND cost_pusd IS NULL
                 GROUP BY provider, model ORDER BY sum(total) DESC, p, m",
            )
            .map_err(|e| self.db_err(e))?;
        st.query_map([], |r| {
            Ok(UnpricedModel {
                provider: r.get(0)?,
                model: r.get(1)?,
                requests: r.get::<_, i64>(2)?.max(0) as u64,
                tokens: r.get::<_, i64>(3)?.max(0) as u64,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.db_err(e))
    }

    /// Whether any file of a provider was last read by a parser version other than `version`.
    pub(crate) fn has_outdated_sources(&self, provider: ProviderId, version: u32) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sources WHERE provider = ?1 AND parser_version != ?2)",
                (provider.as_str(), version),
                |r| r.get(0),
            )
            .map_err(|e| self.db_err(e))
    }

    /// Forgets the checkpoints of files that no longer exist, by their paths as stored
    /// ([`Resolved::unwalked`]). Their records stay: agents delete old transcripts, and the
    /// store is where that history survives.
    pub(crate) fn forget_sources(&mut self, provider: ProviderId, paths: &[String]) -> Result<()> {
        if paths.is_empty() {
            return Ok(());
        }
        // IMMEDIATE: a deferred transaction that must upgrade to write fails at once, without
        // waiting, when another process wrote in between.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| Error::db(self.path.clone(), e))?;
        {
            let mut st = tx
                .prepare_cached("DELETE FROM sources WHERE provider = ?1 AND path = ?2")
                .map_err(|e| Error::db(self.path.clone(), e))?;
            for p in paths {
                st.execute((provider.as_str(), p))
                    .map_err(|e| Error::db(self.path.clone(), e))?;
            }
        }
        tx.commit().map_err(|e| Error::db(self.path.clone(), e))
    }

    /// What is stored for a provider: requests, the time of the latest, the files tracked and
    /// their skipped lines by reason.
    pub(crate) fn provider_stats(&self, provider: ProviderId) -> Result<ProviderStats> {
        let (records, last_ms): (i64, Option<i64>) = self
            .conn
            .query_row(
                "SELECT count(*), max(ts_ms) FROM records WHERE provider = (SELECT id FROM providers WHERE name = ?1) AND replay = 0",
                [provider.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.db_err(e))?;
        let mut skipped = SkipCounts::default();
        let files: i64 = self
            .conn
            .query_row(
                "SELECT count(*), coalesce(sum(skip_invalid_json), 0), coalesce(sum(skip_not_an_object), 0),
                        coalesce(sum(skip_missing_field), 0), coalesce(sum(skip_too_long), 0),
                        coalesce(sum(skip_binary), 0)
                 FROM sources WHERE provider = ?1",
                [provider.as_str()],
                |r| {
                    for (i, reason) in crate::provider::SkipReason::ALL.iter().enumerate() {
                        skipped.add_n(*reason, r.get::<_, i64>(i + 1)?.max(0) as u64);
                    }
                    r.get(0)
                },
            )
            .map_err(|e| self.db_err(e))?;
        Ok(ProviderStats {
            records: records.max(0) as u64,
            last_activity_ms: last_ms,
            tracked_files: files.max(0) as u64,
            skipped,
        })
    }

    /// Makes `overrides` the database's price overrides (the user's `[pricing]` or
    /// `pricing.toml`; empty overrides clear them). The database remembers them, so a
    /// front-end that opens it later without a configuration prices the same way. Stored
    /// costs are recomputed only when the prices change. Returns whether they changed.
    pub fn set_price_overrides(&mut self, overrides: PriceOverrides) -> Result<bool> {
        self.settle_pricing(Some(overrides), false)
    }

    /// Recomputes every stored record's cost with the current prices, whether or not they
    /// changed, without re-reading any log.
    pub fn reprice(&mut self) -> Result<()> {
        self.settle_pricing(None, true).map(|_| ())
    }

    /// Settles which prices the database uses: `configured` overrides when given, else the
    /// ones it remembers; re-prices stored records when the resulting table's fingerprint
    /// differs from the one they were priced with (or when `force`). Returns whether stored
    /// costs were recomputed.
    fn settle_pricing(&mut self, configured: Option<PriceOverrides>, force: bool) -> Result<bool> {
        let meta = |store: &Store, key: &str| -> Result<Option<String>> {
            store
                .conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(|e| store.db_err(e))
        };
        let remembered_text = meta(self, PRICE_OVERRIDES_KEY)?;
        let overrides = match configured {
            Some(o) => o,
            None => match remembered_text.as_deref() {
                None => PriceOverrides::default(),
                Some(text) => PriceOverrides::parse(text).map_err(|e| Error::Config {
                    path: self.path.clone(),
                    message: format!(
                        "the price overrides this database remembers no longer apply ({e}); set [pricing] in config.toml or pricing.toml to replace them"
                    ),
                })?,
            },
        };
        let text = overrides.to_toml();
        self.custom_pricing = (!overrides.is_empty())
            .then(|| Box::new(PriceTable::builtin().with_overrides(overrides)));
        let fingerprint = self.pricing().fingerprint();
        let priced_with = meta(self, "pricing_version")?;
        let reprice = force || priced_with.as_deref() != Some(fingerprint.as_str());
        if !reprice && remembered_text.as_deref().unwrap_or("") == text {
            return Ok(false);
        }
        let path = self.path.clone();
        let err = |source| Error::db(path.clone(), source);
        let table: &PriceTable = match &self.custom_pricing {
            Some(t) => t,
            None => PriceTable::builtin(),
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        if reprice {
            ingest::reprice_all(&tx, table).map_err(err)?;
            ingest::bump_generation(&tx).map_err(err)?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('pricing_version', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [fingerprint.as_str()],
            )
            .map_err(err)?;
        }
        if text.is_empty() {
            tx.execute("DELETE FROM meta WHERE key = ?1", [PRICE_OVERRIDES_KEY])
                .map_err(err)?;
        } else {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (PRICE_OVERRIDES_KEY, text.as_str()),
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(reprice)
    }
}

/// The `meta` key holding the price overrides the database prices with, as `pricing.toml`
/// text ([`PriceOverrides::to_toml`]).
const PRICE_OVERRIDES_KEY: &str = "price_overrides";

fn row_to_checkpoint(r: &rusqlite::Row<'_>) -> rusqlite::Result<Checkpoint> {
    let (parser_state, skipped_over_cap) = source_state::decode(r.get(7)?);
    Ok(Checkpoint {
        dev: r.get::<_, i64>(0)? as u64,
        ino: r.get::<_, i64>(1)? as u64,
        head_hash: r.get(2)?,
        offset: r.get::<_, i64>(3)? as u64,
        tail_hash: r.get(4)?,
        size: r.get::<_, Option<i64>>(5)?.map(|s| s as u64),
        mtime_ns: r.get(6)?,
        parser_state,
        parser_version: r.get::<_, i64>(8)? as u32,
        skipped_over_cap,
    })
}

/// Creates the database's directory (0700) and file (0600) when missing, and checks an
/// existing file is safe to use.
fn prepare_file(path: &Utf8Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_str().is_empty())
        && !dir.exists()
    {
        create_private_dir(dir)?;
    }
    check_surroundings(path)?;
    match fs::symlink_metadata(path) {
        Ok(meta) => check_existing(path, &meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_private_file(path),
        Err(e) => Err(e).at(path),
    }
}

/// The files SQLite keeps beside a database, which it opens without asking: a FIFO there
/// would hang every open (SQLite reads a "hot journal" with a blocking open), and a link or
/// another user's file would let someone else feed the database.
pub(crate) const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Checks what is around the database before SQLite touches it: its directory must be the
/// user's and writable by no one else (anyone who can write there can plant the files SQLite
/// opens beside the database), and each existing `-wal`, `-shm` or `-journal` file must be a
/// regular file of the user's that no one else can write.
#[cfg(unix)]
pub(crate) fn check_surroundings(path: &Utf8Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let dir = match path.parent() {
        Some(d) if !d.as_str().is_empty() => d,
        _ => Utf8Path::new("."),
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    // The directory may be reached through a symlink (a dotfiles checkout): its target counts.
    let meta = fs::metadata(dir).at(dir)?;
    let unsafe_dir = |problem: String| Error::UnsafeDatabase {
        path: path.to_owned(),
        problem,
        fix: "keep the database in a directory only you can write, such as ~/.scopeon".into(),
    };
    if meta.uid() != euid {
        return Err(unsafe_dir(format!(
            "its directory {dir} is owned by uid {}, not by you (uid {euid})",
            meta.uid()
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(unsafe_dir(format!(
            "its directory {dir} is group- or world-writable (mode {:o})",
            meta.mode() & 0o777
        )));
    }
    for suffix in SIDECARS {
        let sidecar = Utf8PathBuf::from(format!("{path}{suffix}"));
        let meta = match fs::symlink_metadata(&sidecar) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).at(&sidecar),
        };
        let problem = if !meta.file_type().is_file() {
            Some("is not a regular file".to_owned())
        } else if meta.uid() != euid {
            Some(format!("is owned by uid {}, not by you", meta.uid()))
        } else if meta.mode() & 0o022 != 0 {
            Some(format!(
                "is group- or world-writable (mode {:o})",
                meta.mode() & 0o777
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(Error::UnsafeDatabase {
                path: path.to_owned(),
                problem: format!("the file SQLite keeps beside it, {sidecar}, {problem}"),
                fix: format!(
                    "remove {sidecar} (SQLite only ever writes a regular file there) and run the command again"
                ),
            });
        }
    }
    Ok(())
}

/// Without Unix file modes there is nothing more to check than SQLite does.
#[cfg(not(unix))]
pub(crate) fn check_surroundings(_path: &Utf8Path) -> Result<()> {
    Ok(())
}

/// The name to give SQLite so it opens exactly the file `path`: the bundled SQLite reads a
/// name that starts with `file:` as a URI, whose options (`vfs`, `immutable`, `mode`) would
/// bypass the checks above, so such a relative name gets a `./` in front.
pub(crate) fn sqlite_name(path: &Utf8Path) -> Utf8PathBuf {
    if path.as_str().starts_with("file:") {
        Utf8Path::new(".").join(path)
    } else {
        path.to_owned()
    }
}

/// The name to give SQLite for an open with `SQLITE_OPEN_NOFOLLOW`, which refuses a symlink in
/// any component of the path: `path` with its directory resolved to where it really is. A
/// directory reached through a symlink (`~/.scopeon` in a dotfiles checkout) is the user's
/// choice; the file itself must still not be a link, and the open still refuses one.
pub(crate) fn nofollow_name(path: &Utf8Path) -> Result<Utf8PathBuf> {
    let Some(name) = path.file_name() else {
        return Ok(sqlite_name(path));
    };
    let dir = match path.parent() {
        Some(d) if !d.as_str().is_empty() => d,
        _ => Utf8Path::new("."),
    };
    Ok(dir.canonicalize_utf8().at(dir)?.join(name))
}

fn create_private_dir(dir: &Utf8Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).at(dir)
}

fn create_private_file(path: &Utf8Path) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another process created it first: judge the file it made.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta = fs::symlink_metadata(path).at(path)?;
            check_existing(path, &meta)
        }
        Err(e) => Err(e).at(path),
    }
}

/// Checks an existing database file is safe to use (docs/storage.md); the error says how to fix it.
#[cfg(unix)]
pub(crate) fn check_existing(path: &Utf8Path, meta: &fs::Metadata) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let unsafe_db = |problem: String, fix: String| Error::UnsafeDatabase {
        path: path.to_owned(),
        problem,
        fix,
    };
    if !meta.file_type().is_file() {
        return Err(unsafe_db(
            "it is not a regular file".into(),
            "use a regular file as the database".into(),
        ));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    if meta.uid() != euid {
        return Err(unsafe_db(
            format!("it is owned by uid {}, not by you (uid {euid})", meta.uid()),
            "use a database file you own".into(),
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(unsafe_db(
            format!(
                "it is group- or world-writable (mode {:o})",
                meta.mode() & 0o777
            ),
            format!("run `chmod 600 {path}` if you trust its contents"),
        ));
    }
    Ok(())
}

/// Checks an existing database file is safe to use (docs/storage.md); the error says how to fix it.
#[cfg(not(unix))]
pub(crate) fn check_existing(path: &Utf8Path, meta: &fs::Metadata) -> Result<()> {
    if !meta.file_type().is_file() {
        return Err(Error::UnsafeDatabase {
            path: path.to_owned(),
            problem: "it is not a regular file".into(),
            fix: "use a regular file as the database".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn creates_private_dir_and_file_and_refuses_writable_ones() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).unwrap();
        let db = root.join("new-dir").join("scopeon.db");
        let store = Store::open(&db).unwrap();
        drop(store);
        let mode = |p: &Utf8Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(db.parent().unwrap()), 0o700);
        assert_eq!(mode(&db), 0o600);

        fs::set_permissions(&db, fs::Permissions::from_mode(0o666)).unwrap();
        let err = Store::open(&db).unwrap_err().to_string();
        assert!(err.contains("world-writable"), "{err}");
        assert!(err.contains("chmod 600"), "{err}");
        // Scopeon never repairs what it refused.
        assert_eq!(mode(&db), 0o666);
    }

    #[test]
    fn refuses_foreign_sqlite_and_newer_schema() {
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).unwrap();
        let other = root.join("other.db");
        create_private_file(&other).unwrap();
        {
            let c = Connection::open(&other).unwrap();
            c.execute_batch("PRAGMA application_id = 42; CREATE TABLE t(x);")
                .unwrap();
        }
        let err = Store::open(&other).unwrap_err();
        assert!(matches!(err, Error::NotScopeonDb { .. }), "{err}");

        let newer = root.join("newer.db");
        drop(Store::open(&newer).unwrap());
        {
            let c = Connection::open(&newer).unwrap();
            c.execute_batch("PRAGMA user_version = 999;").unwrap();
        }
        let err = Store::open(&newer).unwrap_err();
        assert!(
            matches!(err, Error::NewerSchema { found: 999, .. }),
            "{err}"
        );
    }
}
