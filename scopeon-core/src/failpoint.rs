//! Deterministic crash points (and small batches, and database faults) for tests.
//!
//! `SCOPEON_TEST_PAUSE=NAME:DIR` stops the process when the point `NAME` is first reached: it
//! creates `DIR/NAME.paused`, and every thread that reaches the point waits until
//! `DIR/NAME.resume` exists, so a test can change the file system at exactly that moment (a
//! race made deterministic).
//!
//! `SCOPEON_TEST_FAILPOINT=NAME:N` aborts the process (as `kill -9` would: no destructors, no
//! rollback) the N-th time the point `NAME` is reached. The integration tests use it to prove a
//! scan killed at any commit boundary loses nothing and counts nothing twice. Without the
//! variable a point costs one relaxed atomic load.
//!
//! The switches exist only with the `failpoints` cargo feature, which scopeon-cli's tests turn
//! on. Without it (every release build) each function below is an empty inline stub: the
//! variables are never read and their names are not in the binary.

#[cfg(feature = "failpoints")]
pub(crate) use armed::{agent_db_steps, batch_records, db_fault, hit, pause};
#[cfg(not(feature = "failpoints"))]
pub(crate) use disarmed::{agent_db_steps, batch_records, db_fault, hit, pause};

/// A fault injected into the database connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Without `failpoints` the store still matches on it, but nothing builds one.
#[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
pub(crate) enum DbFault {
    /// Every write fails as on a read-only file system (`PRAGMA query_only`).
    ReadOnly,
    /// The database cannot grow past its current size, as on a full disk
    /// (`PRAGMA max_page_count`).
    Full,
}

/// The switches, read from the environment.
#[cfg(feature = "failpoints")]
mod armed {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::DbFault;

    /// The environment variable that arms a failpoint.
    const ENV_VAR: &str = "SCOPEON_TEST_FAILPOINT";

    fn armed() -> Option<&'static (String, u64)> {
        static ARMED: OnceLock<Option<(String, u64)>> = OnceLock::new();
        ARMED
            .get_or_init(|| {
                let spec = std::env::var(ENV_VAR).ok()?;
                let (name, n) = spec.rsplit_once(':')?;
                Some((name.to_owned(), n.parse().ok()?))
            })
            .as_ref()
    }

    /// Marks a crash point; aborts the process if it is armed and this is the N-th hit.
    pub(crate) fn hit(name: &str) {
        static HITS: AtomicU64 = AtomicU64::new(0);
        if let Some((armed_name, n)) = armed()
            && armed_name == name
            && HITS.fetch_add(1, Ordering::Relaxed) + 1 == *n
        {
            std::process::abort();
        }
    }

    /// Waits at the point `name` until the test resumes it, when `SCOPEON_TEST_PAUSE` names it
    /// (see the module docs): the first thread to reach it announces the pause, and every
    /// thread that reaches it before the resume waits too (a scan's reading runs on several);
    /// at most a minute, so a test that never resumes cannot hang.
    pub(crate) fn pause(name: &str) {
        static ANNOUNCED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        let Ok(spec) = std::env::var("SCOPEON_TEST_PAUSE") else {
            return;
        };
        let Some((point, dir)) = spec.split_once(':') else {
            return;
        };
        if point != name {
            return;
        }
        let dir = std::path::Path::new(dir);
        if !ANNOUNCED.swap(true, Ordering::Relaxed)
            && std::fs::write(dir.join(format!("{name}.paused")), b"").is_err()
        {
            return;
        }
        let resume = dir.join(format!("{name}.resume"));
        let started = std::time::Instant::now();
        while !resume.exists() && started.elapsed() < std::time::Duration::from_secs(60) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// The environment variable that shrinks scan batches so tests reach many commit points
    /// with a small corpus.
    const BATCH_VAR: &str = "SCOPEON_TEST_BATCH_RECORDS";

    /// Records per batch when a test asked for a smaller batch.
    pub(crate) fn batch_records() -> Option<usize> {
        static BATCH: OnceLock<Option<usize>> = OnceLock::new();
        *BATCH.get_or_init(|| {
            std::env::var(BATCH_VAR)
                .ok()?
                .parse()
                .ok()
                .filter(|n| *n > 0)
        })
    }

    /// The environment variable that makes Scopeon's database refuse writes the way a
    /// read-only (`read-only`) or full (`full`) one does, so tests running as root (where file
    /// modes deny nothing) can check what a user sees then and that nothing stored is lost.
    const DB_FAULT_VAR: &str = "SCOPEON_TEST_DB_FAULT";

    /// The fault a test asked for, if any.
    pub(crate) fn db_fault() -> Option<DbFault> {
        match std::env::var(DB_FAULT_VAR).ok()?.as_str() {
            "read-only" => Some(DbFault::ReadOnly),
            "full" => Some(DbFault::Full),
            _ => None,
        }
    }

    /// `SCOPEON_TEST_AGENT_DB_STEPS`: how many SQLite steps one read of an agent's database may
    /// take, so tests see a read stopped by its budget without waiting for the real one.
    pub(crate) fn agent_db_steps() -> Option<u64> {
        std::env::var("SCOPEON_TEST_AGENT_DB_STEPS")
            .ok()?
            .parse()
            .ok()
    }
}

/// The same functions doing nothing, for builds without `failpoints`.
#[cfg(not(feature = "failpoints"))]
mod disarmed {
    use super::DbFault;

    /// A crash point that never fires.
    #[inline(always)]
    pub(crate) fn hit(_name: &str) {}

    /// A pause point that never waits.
    #[inline(always)]
    pub(crate) fn pause(_name: &str) {}

    /// Scan batches keep their normal size.
    #[inline(always)]
    pub(crate) fn batch_records() -> Option<usize> {
        None
    }

    /// No fault is ever injected.
    #[inline(always)]
    pub(crate) fn db_fault() -> Option<DbFault> {
        None
    }

    /// Agent database reads keep their real step budget.
    #[inline(always)]
    pub(crate) fn agent_db_steps() -> Option<u64> {
        None
    }
}
