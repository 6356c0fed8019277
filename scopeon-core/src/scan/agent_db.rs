//! Opening an agent's SQLite database for one read, trusting nothing in or around it.
//!
//! The database belongs to another program, and anyone who can write the agent's directory can
//! plant one (SECURITY.md, "How files are read"). So the connection is opened read-only, never
//! through a symlink below the root (the scan hands over the path under the root's real
//! location: docs/roots.md), and:
//! - a file beside it that SQLite would open on its own (`-journal`, `-wal`, `-shm`) but that
//!   is not a regular file makes the open `immutable=1`, which ignores them all: SQLite opens a
//!   hot journal with a blocking `open(2)`, so a FIFO there would stop the scan forever;
//! - the schema is not trusted: views are disabled (a view can be a recursive query that never
//!   ends), functions the schema names run only if harmless (`trusted_schema` off), and the
//!   connection is in defensive mode;
//! - every statement runs under a budget of time and of SQLite virtual-machine steps, scaled to
//!   the file's size, whose exhaustion interrupts the read: the file is then a problem the
//!   summary names, read again by the next scan, never a hang.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use camino::{Utf8Path, Utf8PathBuf};
use rusqlite::OpenFlags;
use rusqlite::config::DbConfig;

use crate::provider::DatabaseError;

/// The files SQLite opens beside a database without being asked.
const SIDECARS: [&str; 3] = ["-journal", "-wal", "-shm"];

/// The time any read may take, whatever the file's size.
const BASE_TIME: Duration = Duration::from_secs(10);
/// One more second per this many bytes of database. An honest database is read much faster: a
/// 251 MB Cursor database of 60,000 replies was read and stored in 7 s by a debug build.
const BYTES_PER_EXTRA_SECOND: u64 = 16 << 20;
/// SQLite virtual-machine steps any read may take, whatever the file's size.
const BASE_STEPS: u64 = 1_000_000_000;
/// More steps per byte of database. A provider's queries visit each row a bounded number of
/// times, at most a few hundred steps for rows of at least a few dozen bytes; that Cursor
/// database took under 10 million steps in all (0.04 a byte).
const STEPS_PER_BYTE: u64 = 64;
/// Steps of a statement between two looks at the budget (fewer when the whole budget is smaller,
/// as tests set it). A statement shorter than that is not counted: the time budget still is.
const STEPS_PER_CHECK: u64 = 1_000;

/// An agent's database, open for one read under a budget.
#[derive(Debug)]
pub(super) struct AgentDb {
    conn: rusqlite::Connection,
    budget: Arc<Budget>,
    /// Set when a file beside the database was not a regular file, so it was opened
    /// immutable although its provider reads the write-ahead log.
    odd_sidecar: Option<Utf8PathBuf>,
}

impl AgentDb {
    /// Opens the database at `path` (of `size` bytes, its write-ahead log included) read-only,
    /// never following a symlink in any component and never creating anything. `immutable`
    /// (the provider's choice) also skips locking and the write-ahead log; a database whose
    /// write-ahead log cannot be shared read-only (no `-shm` file, say) is opened immutable
    /// rather than not at all.
    pub(super) fn open(path: &Utf8Path, immutable: bool, size: u64) -> std::io::Result<AgentDb> {
        AgentDb::open_with(path, immutable, Budget::for_size(size))
    }

    fn open_with(path: &Utf8Path, immutable: bool, budget: Budget) -> std::io::Result<AgentDb> {
        let budget = Arc::new(budget);
        let odd_sidecar = if immutable { None } else { odd_sidecar(path) };
        let forced = immutable || odd_sidecar.is_some();
        let conn = match connect(path, forced, &budget) {
            Ok(conn) => Ok(conn),
            Err(_) if !forced && !budget.exhausted() => connect(path, true, &budget),
            Err(e) => Err(e),
        }
        .map_err(|e| match budget.message() {
            Some(m) => std::io::Error::other(m),
            None => std::io::Error::other(format!("database: {e}")),
        })?;
        Ok(AgentDb {
            conn,
            budget,
            odd_sidecar,
        })
    }

    /// The connection a provider reads.
    pub(super) fn connection(&self) -> &rusqlite::Connection {
        &self.conn
    }

    /// A failed read as the problem to report: the budget that stopped it when one did (a
    /// provider sees only "interrupted"), else what the provider said.
    pub(super) fn read_error(&self, e: DatabaseError) -> std::io::Error {
        match self.budget.message() {
            Some(m) => std::io::Error::other(m),
            None => std::io::Error::other(format!("database: {e}")),
        }
    }

    /// Why the database was read immutable against its provider's wish, as a problem to
    /// report: records were read, but the file is read again next time (until the file beside
    /// it is gone) since changes still in a journal or log were missed.
    pub(super) fn note(&self) -> Option<String> {
        self.odd_sidecar.as_ref().map(|sidecar| {
            format!(
                "{sidecar} beside it is not a regular file (a FIFO, socket, directory or \
                 symlink), which SQLite would wait on or follow, so the database was read as it \
                 is on disk without it: changes not yet written into the database itself are \
                 missed until you remove {sidecar} (SQLite only ever writes a regular file there)"
            )
        })
    }
}

/// The first of the files SQLite opens beside `path` that exists but is not a regular file
/// (looked at without following a symlink). One that cannot be looked at counts as odd: SQLite
/// could not be trusted to open it either.
fn odd_sidecar(path: &Utf8Path) -> Option<Utf8PathBuf> {
    SIDECARS.iter().find_map(|suffix| {
        let sidecar = Utf8PathBuf::from(format!("{path}{suffix}"));
        match std::fs::symlink_metadata(&sidecar) {
            Ok(m) if m.file_type().is_file() => None,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            _ => Some(sidecar),
        }
    })
}

/// Opens and hardens one connection, and touches the schema (opening is lazy) so a file that
/// is not a database fails here.
fn connect(
    path: &Utf8Path,
    immutable: bool,
    budget: &Arc<Budget>,
) -> rusqlite::Result<rusqlite::Connection> {
    let uri = format!(
        "file:{}?mode=ro{}",
        uri_path(path),
        if immutable { "&immutable=1" } else { "" }
    );
    let mut db = rusqlite::Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )?;
    // Before anything reads the schema: it is the agent's file, or someone else's.
    db.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    db.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    db.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false)?;
    db.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    let watch = Arc::clone(budget);
    db.progress_handler(
        std::ffi::c_int::try_from(budget.steps_per_check).unwrap_or(std::ffi::c_int::MAX),
        Some(move || watch.tick()),
    )?;
    db.busy_timeout(Duration::from_secs(5))?;
    db.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(db)
}

/// A path as the path part of an SQLite `file:` URI: bytes outside a safe set
/// percent-encoded, so `?`, `#` and `%` in a directory name cannot change the URI.
fn uri_path(path: &Utf8Path) -> String {
    let mut out = String::with_capacity(path.as_str().len());
    for b in path.as_str().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What one read of a database may spend: wall time and SQLite virtual-machine steps (counted
/// in checks, one per `steps_per_check` steps of a statement). Once spent, every later check
/// interrupts too, so a provider that catches one error cannot go on.
#[derive(Debug)]
struct Budget {
    deadline: Instant,
    time: Duration,
    steps_per_check: u64,
    max_checks: u64,
    checks: AtomicU64,
    /// What ran out: [`NOT_SPENT`], [`OUT_OF_TIME`] or [`OUT_OF_STEPS`].
    spent: AtomicU8,
}

const NOT_SPENT: u8 = 0;
const OUT_OF_TIME: u8 = 1;
const OUT_OF_STEPS: u8 = 2;

impl Budget {
    /// The budget of a database of `size` bytes (tests may set the steps).
    fn for_size(size: u64) -> Budget {
        let time = BASE_TIME + Duration::from_secs(size / BYTES_PER_EXTRA_SECOND);
        let steps = crate::failpoint::agent_db_steps()
            .unwrap_or_else(|| BASE_STEPS.saturating_add(size.saturating_mul(STEPS_PER_BYTE)));
        Budget::new(time, steps)
    }

    fn new(time: Duration, steps: u64) -> Budget {
        let steps_per_check = STEPS_PER_CHECK.min(steps).max(1);
        Budget {
            deadline: Instant::now() + time,
            time,
            steps_per_check,
            max_checks: steps / steps_per_check,
            checks: AtomicU64::new(0),
            spent: AtomicU8::new(NOT_SPENT),
        }
    }

    /// Called by SQLite every `steps_per_check` steps of a statement: true stops it.
    fn tick(&self) -> bool {
        if self.exhausted() {
            return true;
        }
        let checks = self.checks.fetch_add(1, Ordering::Relaxed) + 1;
        let spent = if checks >= self.max_checks {
            OUT_OF_STEPS
        } else if Instant::now() > self.deadline {
            OUT_OF_TIME
        } else {
            return false;
        };
        self.spent.store(spent, Ordering::Relaxed);
        true
    }

    fn exhausted(&self) -> bool {
        self.spent.load(Ordering::Relaxed) != NOT_SPENT
    }

    /// The problem to report once the budget is spent.
    fn message(&self) -> Option<String> {
        let steps = self.max_checks * self.steps_per_check;
        let limit = match self.spent.load(Ordering::Relaxed) {
            OUT_OF_TIME => format!("{} s", self.time.as_secs()),
            OUT_OF_STEPS if steps >= 1_000_000 => {
                format!("{} million SQLite steps", steps / 1_000_000)
            }
            OUT_OF_STEPS => format!("{steps} SQLite steps"),
            _ => return None,
        };
        Some(format!(
            "database: reading it was stopped after {limit}, far more than a database of its \
             size needs (a crafted or damaged file?); it is tried again on the next scan"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db_at(dir: &Utf8Path, sql: &str) -> Utf8PathBuf {
        let path = dir.join("agent.db");
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(sql).unwrap();
        path
    }

    fn tempdir() -> (tempfile::TempDir, Utf8PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
        (dir, path)
    }

    #[test]
    fn views_are_refused_and_tables_read() {
        let (_d, dir) = tempdir();
        let path = db_at(
            &dir,
            "CREATE TABLE t (a); INSERT INTO t VALUES (1);
             CREATE VIEW forever AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
             SELECT n FROM r;
             CREATE VIEW plain AS SELECT a FROM t;",
        );
        let db = AgentDb::open(&path, false, 0).unwrap();
        let c = db.connection();
        assert_eq!(
            c.query_row("SELECT a FROM t", [], |r| r.get::<_, i64>(0))
                .unwrap(),
            1
        );
        // Neither view runs (the recursive one fails to resolve before it is refused).
        for view in ["forever", "plain"] {
            let err = c
                .query_row(&format!("SELECT count(*) FROM {view}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .unwrap_err();
            assert!(
                view == "forever" || err.to_string().contains("access to view"),
                "{err}"
            );
        }
        assert!(db.note().is_none());
    }

    #[test]
    fn a_query_past_its_budget_is_interrupted_and_named() {
        let (_d, dir) = tempdir();
        let path = db_at(&dir, "CREATE TABLE t (a);");
        // A recursive query of the provider's own that never ends: stopped by the step budget,
        // or by the time budget.
        for (budget, limit) in [
            (
                Budget::new(Duration::from_secs(60), 2_000_000),
                "after 2 million SQLite steps",
            ),
            (
                Budget::new(Duration::from_millis(200), u64::MAX),
                "after 0 s",
            ),
        ] {
            let db = AgentDb::open_with(&path, false, budget).unwrap();
            never_ends(&db, limit);
        }
    }

    fn never_ends(db: &AgentDb, limit: &str) {
        let started = Instant::now();
        let err = db
            .connection()
            .query_row(
                "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
                 SELECT count(*) FROM r",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10));
        let problem = db.read_error(err.into()).to_string();
        assert!(
            problem.contains(limit) && problem.contains("next scan"),
            "{problem}"
        );
        // Spent stays spent: the next statement stops at its first look at the budget.
        assert!(
            db.connection()
                .query_row(
                    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r LIMIT 100000)
                     SELECT count(*) FROM r",
                    [],
                    |r| r.get::<_, i64>(0)
                )
                .is_err()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_sidecar_that_is_not_a_regular_file_makes_the_open_immutable() {
        let (_d, dir) = tempdir();
        let path = db_at(&dir, "CREATE TABLE t (a); INSERT INTO t VALUES (7);");
        for suffix in SIDECARS {
            let sidecar = Utf8PathBuf::from(format!("{path}{suffix}"));
            std::fs::create_dir(&sidecar).unwrap();
            let db = AgentDb::open(&path, false, 0).unwrap();
            let note = db.note().unwrap();
            assert!(note.contains(sidecar.as_str()), "{note}");
            assert_eq!(
                db.connection()
                    .query_row("SELECT a FROM t", [], |r| r.get::<_, i64>(0))
                    .unwrap(),
                7
            );
            // An immutable open by the provider's choice has nothing to say.
            assert!(AgentDb::open(&path, true, 0).unwrap().note().is_none());
            std::fs::remove_dir(&sidecar).unwrap();
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_in_the_path_is_refused() {
        let (_d, dir) = tempdir();
        std::fs::create_dir(dir.join("real")).unwrap();
        db_at(&dir.join("real"), "CREATE TABLE t (a);");
        std::os::unix::fs::symlink(dir.join("real"), dir.join("link")).unwrap();
        assert!(AgentDb::open(&dir.join("real/agent.db"), false, 0).is_ok());
        assert!(AgentDb::open(&dir.join("link/agent.db"), false, 0).is_err());
    }

    #[test]
    fn uri_paths_escape_what_sqlite_would_read_as_syntax() {
        assert_eq!(uri_path("/a b/c?d#e%f".into()), "/a%20b/c%3Fd%23e%25f");
        assert_eq!(uri_path("/h/.x-y_z~/db".into()), "/h/.x-y_z~/db");
    }
}
