//! Deterministic crash points (and small batches) for tests.
//!
//! `SCOPEON_TEST_FAILPOINT=NAME:N` aborts the process (as `kill -9` would: no destructors, no
//! rollback) the N-th time the point `NAME` is reached. The integration tests use it to prove a
//! scan killed at any commit boundary loses nothing and counts nothing twice. Without the
//! variable a point costs one relaxed atomic load.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable that arms a failpoint.
pub const ENV_VAR: &str = "SCOPEON_TEST_FAILPOINT";

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

/// The environment variable that shrinks scan batches so tests reach many commit points with a
/// small corpus.
pub const BATCH_VAR: &str = "SCOPEON_TEST_BATCH_RECORDS";

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
