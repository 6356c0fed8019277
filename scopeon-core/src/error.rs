//! The library's error type.
//!
//! Every error names the file it concerns and, where the user can act, what to do. No error
//! ever carries log content: lines are identified by file and byte offset only.

use camino::Utf8PathBuf;

/// A Scopeon error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: Utf8PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The database reported an error.
    #[error("database {path}: {source}")]
    Db {
        /// The database file.
        path: Utf8PathBuf,
        /// What SQLite said.
        #[source]
        source: DbError,
    },
    /// The database file is not safe to use (group- or world-writable, or another user's).
    #[error("refusing to use database {path}: {problem}; {fix}")]
    UnsafeDatabase {
        /// The database file.
        path: Utf8PathBuf,
        /// What is wrong.
        problem: String,
        /// What the user can do about it.
        fix: String,
    },
    /// The database was written by a newer Scopeon.
    #[error(
        "database {path} has schema version {found}, newer than this Scopeon supports ({supported}); upgrade Scopeon or use another database file"
    )]
    NewerSchema {
        /// The database file.
        path: Utf8PathBuf,
        /// The version found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The file is not a Scopeon database.
    #[error(
        "{path} is not a Scopeon database (application id {found:#x}); use another database file"
    )]
    NotScopeonDb {
        /// The file.
        path: Utf8PathBuf,
        /// The application id found.
        found: i64,
    },
    /// The configuration file is invalid.
    #[error("configuration {path}: {message}")]
    Config {
        /// The configuration file.
        path: Utf8PathBuf,
        /// What is wrong and where.
        message: String,
    },
    /// A query or its arguments were invalid.
    #[error("{0}")]
    InvalidQuery(String),
    /// A path is not valid UTF-8 (Scopeon stores paths as text).
    #[error("path is not valid UTF-8: {0}")]
    NonUtf8Path(String),
    /// No home directory is known, so default paths cannot be found.
    #[error(
        "$HOME is not set, so the default database and log locations are unknown; set HOME or name the database file"
    )]
    NoHome,
    /// A model the price table has no price for (neither built in nor overridden).
    #[error(
        "unknown model {model:?}: not in the price table (pricing version {pricing_version}) nor in the overrides; its tokens are reported as unpriced"
    )]
    UnknownModel {
        /// The model id as asked.
        model: String,
        /// The price table's fingerprint.
        pricing_version: String,
    },
}

/// What SQLite said about a database, kept opaque so the SQLite binding is not part of the
/// library's interface; [`Error`]'s `is_*` methods answer what callers act on.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DbError(rusqlite::Error);

impl Error {
    /// An error of the database at `path`.
    pub(crate) fn db(path: impl Into<Utf8PathBuf>, source: rusqlite::Error) -> Error {
        Error::Db {
            path: path.into(),
            source: DbError(source),
        }
    }

    /// True when SQLite found the database file damaged or not a database at all:
    /// `scopeon doctor` then says what to do.
    pub fn is_damaged_db(&self) -> bool {
        matches!(
            self,
            Error::Db {
                source: DbError(rusqlite::Error::SqliteFailure(e, _)),
                ..
            } if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
            )
        )
    }

    /// True when the database cannot be written: a read-only file, directory or file system.
    pub fn is_read_only_db(&self) -> bool {
        self.db_code() == Some(rusqlite::ErrorCode::ReadOnly)
    }

    /// True when the database could not grow: the disk (or a size limit) is full.
    pub fn is_full_db(&self) -> bool {
        self.db_code() == Some(rusqlite::ErrorCode::DiskFull)
    }

    fn db_code(&self) -> Option<rusqlite::ErrorCode> {
        match self {
            Error::Db {
                source: DbError(rusqlite::Error::SqliteFailure(e, _)),
                ..
            } => Some(e.code),
            _ => None,
        }
    }

    /// True when the database was locked by another writer for longer than the busy timeout
    /// (a long `scan --rebuild` in another process, say): the stored data can still be read.
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Db { source: DbError(source), .. } if is_busy_error(source))
    }
}

/// Whether SQLite said another connection holds the lock this one needs.
pub(crate) fn is_busy_error(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _) if matches!(
            f.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
        )
    )
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches a path to an I/O error.
pub(crate) trait IoContext<T> {
    fn at(self, path: impl Into<Utf8PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl Into<Utf8PathBuf>) -> Result<T> {
        self.map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
    }
}
