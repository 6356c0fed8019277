//! What a follower (`crate::live::follow`) needs from the scanner without scanning: the roots
//! to watch for file-system events, and a cheap fingerprint of the log files' metadata to
//! notice changes the events missed (network file systems, overflowing event queues).
//! docs/live.md, "Following", says how the two are used.

use std::hash::{DefaultHasher, Hash, Hasher};

use camino::Utf8PathBuf;

use super::ScanOptions;
use super::discover::{discover, searches};
use crate::env::Env;
use crate::error::Result;

/// The roots of every selected provider, as configured (missing ones included: a follower
/// starts watching them once they appear).
pub(crate) fn watch_roots(env: &Env, options: &ScanOptions) -> Result<Vec<Utf8PathBuf>> {
    let mut roots: Vec<Utf8PathBuf> = options
        .selected()?
        .into_iter()
        .flat_map(|p| searches(p, env, options))
        .map(|s| s.root().to_owned())
        .collect();
    roots.sort();
    roots.dedup();
    Ok(roots)
}

/// A hash of every log file's path, identity, size and modification time (a database's with
/// its write-ahead log), as a scan would find them, and of which roots exist: equal
/// fingerprints mean a scan would find nothing new. Stats files; opens none.
pub(crate) fn logs_fingerprint(env: &Env, options: &ScanOptions) -> Result<u64> {
    let mut hasher = DefaultHasher::new();
    for provider in options.selected()? {
        let (roots, files) = discover(provider, &searches(provider, env, options));
        provider.id().as_str().hash(&mut hasher);
        for root in &roots {
            (root.path.as_str(), root.exists).hash(&mut hasher);
        }
        for f in &files {
            f.path.as_str().hash(&mut hasher);
            (f.stat.dev, f.stat.ino, f.stat.size, f.stat.mtime_ns).hash(&mut hasher);
        }
    }
    Ok(hasher.finish())
}
