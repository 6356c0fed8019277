//! The last good line of each session, kept in `~/.scopeon/statusline/` (docs/statusline.md,
//! "Files"), and the lock that makes one call per session do the work.
//!
//! Files are named by a hash of the session id (the id itself is not in the name), created
//! 0600 in a 0700 directory that belongs to the user, never a shared temporary directory. A
//! line is replaced atomically (written beside it, then renamed), so a reader sees the old
//! line or the new one, never half of one.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::time::{Duration, SystemTime};

use camino::{Utf8Path, Utf8PathBuf};
use scopeon_core::env::Env;
use scopeon_core::hash::fnv1a64;

use crate::sanitize::printable;

/// Longest cached line read back.
const MAX_LINE_BYTES: u64 = 4096;

/// Cached lines untouched this long are removed when a new session's line is first written.
const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

/// One session's cached line and lock.
#[derive(Debug)]
pub struct SessionCache {
    dir: Utf8PathBuf,
    line: Utf8PathBuf,
    lock: Utf8PathBuf,
}

/// Whether this call may do the work.
#[derive(Debug)]
pub enum Lock {
    /// This call holds the session's lock until it exits.
    Held(#[allow(dead_code)] File),
    /// Another call holds it: print the cached line.
    Busy,
    /// No lock could be taken (no home, a read-only `~/.scopeon`): work without one.
    Unavailable,
}

impl SessionCache {
    /// The cache of `session` (a session-less call shares one entry), or `None` without a
    /// home directory.
    pub fn for_session(env: &Env, session: Option<&str>) -> Option<SessionCache> {
        let dir = env.scopeon_dir()?.join("statusline");
        let name = format!("{:016x}", fnv1a64(session.unwrap_or("").as_bytes()));
        Some(SessionCache {
            line: dir.join(&name),
            lock: dir.join(format!("{name}.lock")),
            dir,
        })
    }

    /// Takes the session's lock without waiting.
    pub fn try_lock(&self) -> Lock {
        if make_private_dir(&self.dir).is_err() {
            return Lock::Unavailable;
        }
        let file = match open_private(&self.lock, true) {
            Ok(f) => f,
            Err(_) => return Lock::Unavailable,
        };
        match file.try_lock() {
            Ok(()) => Lock::Held(file),
            Err(TryLockError::WouldBlock) => Lock::Busy,
            Err(TryLockError::Error(_)) => Lock::Unavailable,
        }
    }

    /// The last good line, if there is one (sanitized again: the file is outside this
    /// process's control).
    pub fn read(&self) -> Option<String> {
        let file = open_private(&self.line, false).ok()?;
        let mut text = String::new();
        file.take(MAX_LINE_BYTES).read_to_string(&mut text).ok()?;
        let line = printable(text.trim_end_matches('\n')).into_owned();
        (!line.trim().is_empty()).then_some(line)
    }

    /// Replaces the last good line; failures are ignored (the cache only saves a blank).
    pub fn write(&self, line: &str) {
        let first = !self.line.exists();
        let written = (|| -> std::io::Result<()> {
            make_private_dir(&self.dir)?;
            let mut tmp = tempfile::Builder::new()
                .prefix(".line-")
                .tempfile_in(&self.dir)?;
            tmp.write_all(line.as_bytes())?;
            tmp.write_all(b"\n")?;
            tmp.persist(&self.line).map_err(|e| e.error)?;
            Ok(())
        })();
        if written.is_ok() && first {
            prune(&self.dir);
        }
    }
}

/// Creates `dir` (and `~/.scopeon`) 0700 when missing; an existing one is used as it is.
fn make_private_dir(dir: &Utf8Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Opens one of the cache's files (with `create`, for writing, created 0600 when missing),
/// never through a symlink and never blocking on a FIFO.
fn open_private(path: &Utf8Path, create: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options
        .read(true)
        .write(create)
        .create(create)
        .truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// Removes cached lines and locks of sessions not seen for [`MAX_AGE`].
fn prune(dir: &Utf8Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > MAX_AGE);
        if old && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lock_per_session_and_lines_survive_a_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::isolated(Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap());
        let a = SessionCache::for_session(&env, Some("a")).unwrap();
        let other = SessionCache::for_session(&env, Some("b")).unwrap();
        assert!(a.read().is_none());
        let held = a.try_lock();
        assert!(matches!(held, Lock::Held(_)));
        assert!(matches!(
            SessionCache::for_session(&env, Some("a"))
                .unwrap()
                .try_lock(),
            Lock::Busy
        ));
        assert!(matches!(other.try_lock(), Lock::Held(_)));
        a.write("Opus · session $1.00");
        a.write("Opus · session $2.00\u{1b}]52;c;x\u{7}");
        assert_eq!(a.read().unwrap(), "Opus · session $2.00?]52;c;x?");
        drop(held);
        assert!(matches!(a.try_lock(), Lock::Held(_)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Utf8Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&a.dir), 0o700);
            assert_eq!(mode(&a.line), 0o600);
            assert_eq!(mode(&a.lock), 0o600);
        }
    }
}
