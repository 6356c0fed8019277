//! The [`Provider`] trait, the built-in providers, and the [`Providers`] registry a scan reads
//! them from.
//!
//! A provider knows three things about one agent: where its logs live ([`Provider::default_roots`]),
//! which files under those roots are logs ([`Provider::file_patterns`]), and how to turn them
//! into [`UsageRecord`]s. Most logs are appended JSON Lines, parsed one complete line at a time
//! ([`LineParser`]); some are whole JSON documents rewritten in place
//! ([`Provider::parse_document`]) or SQLite databases the agent owns
//! ([`Provider::read_database`]); [`Provider::source_kind`] says which a file is.
//!
//! Parsers never do file I/O: the [`tail`](crate::tail) module frames lines and the
//! [`scan`](crate::scan) module opens files and databases and drives the loop. That keeps every
//! parser a function of bytes (or of rows) and a small state, so it can be fuzzed and
//! benchmarked alone.
//!
//! The trait is open: a program can implement it for its own agent's log format, give it a
//! [`ProviderId::custom`] id and [`register`](Providers::register) it; the scan then reads,
//! checkpoints, deduplicates and reports it like the built-in ones.

pub mod aider;
pub mod claude_code;
pub mod codex;
pub mod copilot_cli;
pub mod cursor;
pub mod gemini_cli;
pub mod generic_openai;
pub mod lenient;
pub mod opencode;
pub mod parser_state;
mod registry;
mod sql_table;
mod sql_value;

pub use registry::{Providers, RegisterError};

use std::fmt;

use camino::{Utf8Path, Utf8PathBuf};

use crate::env::Env;
use crate::live::RateLimitSnapshot;
use crate::record::{ProviderId, UsageRecord};

/// Why a line was skipped. Counted per reason and shown in scan summaries.
///
/// The reasons never carry line content: a skip is reported by file, byte offset and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SkipReason {
    /// The line is not valid JSON (or not valid UTF-8 where the parser needs text).
    InvalidJson,
    /// The line is valid JSON but not an object.
    NotAnObject,
    /// A usage line lacks a field the record needs (e.g. a timestamp), or has one of the wrong type.
    MissingField,
    /// The line is longer than the configured line cap and was skipped to the next newline.
    TooLong,
    /// The line holds a NUL byte where JSON cannot have one (e.g. a copy-truncate hole).
    Binary,
}

impl SkipReason {
    /// Every reason, in display order.
    pub const ALL: &'static [SkipReason] = &[
        SkipReason::InvalidJson,
        SkipReason::NotAnObject,
        SkipReason::MissingField,
        SkipReason::TooLong,
        SkipReason::Binary,
    ];

    /// The stable name used in JSON output and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::InvalidJson => "invalid_json",
            SkipReason::NotAnObject => "not_an_object",
            SkipReason::MissingField => "missing_field",
            SkipReason::TooLong => "too_long",
            SkipReason::Binary => "binary",
        }
    }

    /// Parses a stable name back into a reason.
    pub fn parse(s: &str) -> Option<SkipReason> {
        SkipReason::ALL.iter().copied().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one line turned into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineOutcome {
    /// The line carried usage; this many records were pushed to the output.
    Records(usize),
    /// A well-formed line that carries no usage (a prompt, a summary, a zero-usage error line).
    Ignored,
    /// A malformed line, counted under this reason.
    Skipped(SkipReason),
}

/// What a parser knows about the file it is reading, without touching it.
#[derive(Debug, Clone, Default)]
pub struct SourceContext {
    /// The file's path relative to the provider root it was found under (the file name alone
    /// when the root is the file itself).
    pub relative_path: Utf8PathBuf,
    /// The project the file belongs to when the provider learned it from beside the file
    /// rather than from inside it (Gemini CLI's `.project_root`); see [`Provider::context`].
    pub project: Option<String>,
}

impl SourceContext {
    /// A context for a file at `relative_path` under its root.
    pub fn new(relative_path: impl Into<Utf8PathBuf>) -> SourceContext {
        SourceContext {
            relative_path: relative_path.into(),
            project: None,
        }
    }

    /// The file name without its extension (Claude Code names transcripts by session id).
    pub fn file_stem(&self) -> &str {
        self.relative_path.file_stem().unwrap_or("")
    }
}

/// An incremental parser for one file: complete lines in, records out.
///
/// A `LineParser` is created per file by [`Provider::parser`], fed every complete line in order,
/// and asked for its [`state`](LineParser::state) whenever the scanner writes a checkpoint.
/// Resuming from that state and feeding the remaining lines must yield exactly what one
/// uninterrupted pass yields.
pub trait LineParser: Send {
    /// Parses one complete line (without its `\n`, `\r\n` or leading BOM) and pushes the records
    /// it carries to `out`.
    fn parse_line(&mut self, line: &[u8], out: &mut Vec<UsageRecord>) -> LineOutcome;

    /// The parser's state to store in the checkpoint, as small serialized bytes (empty when
    /// the parser is stateless).
    fn state(&self) -> Vec<u8>;

    /// Moves the rate-limit snapshots the lines parsed so far reported (an agent's own
    /// account of its usage windows, docs/live.md) to `out`. The scanner asks after every
    /// line and commits them with the records and checkpoint of the same batch. A snapshot
    /// must depend on its line alone, so a resumed scan stores what an uninterrupted one
    /// does. The default reports none.
    fn take_rate_limits(&mut self, _out: &mut Vec<RateLimitSnapshot>) {}
}

/// How a provider's file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceKind {
    /// Appended JSON Lines: tailed from a byte-offset checkpoint, one complete line at a time
    /// ([`Provider::parser`]).
    Lines,
    /// JSON Lines compressed with zstd (Codex's archived `.jsonl.zst`): decompressed whole, up
    /// to the document cap, and parsed by [`Provider::parser`] from a fresh state whenever the
    /// file changes.
    ZstdLines,
    /// One JSON document rewritten in place: read whole, up to the document cap, whenever it
    /// changes ([`Provider::parse_document`]).
    Document,
    /// An SQLite database the agent owns: opened read-only and asked for metadata columns only
    /// ([`Provider::read_database`]) whenever it (or its write-ahead log) changes.
    Database,
}

/// What [`Provider::read_database`] read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatabaseRead {
    /// The state to resume from next time (e.g. a rowid high-water mark), stored in the
    /// checkpoint.
    pub state: Vec<u8>,
    /// True when this read covered the whole database (a first read, or a rescan), so the
    /// source's counters of records and skips start afresh; false when it read only what was
    /// new and they add up.
    pub full: bool,
    /// Rows skipped, by rowid (reported where a line would report its byte offset) and reason.
    pub skipped: Vec<(u64, SkipReason)>,
}

/// Why a database could not be read. The message names tables and columns, never row content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DatabaseError(pub String);

impl From<rusqlite::Error> for DatabaseError {
    fn from(e: rusqlite::Error) -> DatabaseError {
        DatabaseError(e.to_string())
    }
}

/// One agent's log format and location.
///
/// Implemented by every built-in provider, and by a program for its own agent's logs (see
/// [`Providers::register`]).
pub trait Provider: Send + Sync + fmt::Debug {
    /// The provider's stable id.
    fn id(&self) -> ProviderId;

    /// The parser's version. Stored per source; bump it when a fix changes what the parser
    /// extracts: the next scan then rebuilds this provider's records from its logs.
    fn parser_version(&self) -> u32;

    /// The directories searched when no configuration names others (docs/roots.md).
    fn default_roots(&self, env: &Env) -> Vec<Utf8PathBuf>;

    /// Glob patterns, relative to a root, of the files that are logs (e.g. `projects/**/*.jsonl`).
    fn file_patterns(&self) -> &'static [&'static str];

    /// Whether a file matched by [`file_patterns`](Provider::file_patterns) is still not a log
    /// (e.g. Claude Code's workflow `journal.jsonl`).
    fn excludes(&self, _relative_path: &Utf8Path) -> bool {
        false
    }

    /// How the file at `relative_path` is read (every file is [`SourceKind::Lines`] unless
    /// the provider says otherwise).
    fn source_kind(&self, _relative_path: &Utf8Path) -> SourceKind {
        SourceKind::Lines
    }

    /// What the parser should know about a file before reading it. `root` is the root the
    /// file was found under; the default knows the relative path only. A provider that keeps
    /// the project beside the logs (Gemini CLI) reads it here. The project must depend only on
    /// the file's directory: the scanner asks once per directory and reuses the answer.
    fn context(&self, _root: &Utf8Path, relative_path: &Utf8Path) -> SourceContext {
        SourceContext::new(relative_path)
    }

    /// Parses a whole [`SourceKind::Document`] file. Called again, on the whole file, every
    /// time the file changes: records must be keyed so a re-read merges into the same rows.
    fn parse_document(
        &self,
        _ctx: &SourceContext,
        _bytes: &[u8],
        _out: &mut Vec<UsageRecord>,
    ) -> LineOutcome {
        LineOutcome::Ignored
    }

    /// Reads a [`SourceKind::Database`] file, opened read-only, resuming from `state` (the
    /// last [`DatabaseRead::state`], when the checkpoint holds one of this parser version).
    fn read_database(
        &self,
        _ctx: &SourceContext,
        _db: &rusqlite::Connection,
        _state: Option<&[u8]>,
        _out: &mut Vec<UsageRecord>,
    ) -> Result<DatabaseRead, DatabaseError> {
        Ok(DatabaseRead::default())
    }

    /// Whether a database is opened `immutable` (never taking a lock, ignoring the
    /// write-ahead log): for databases too large or too busy to share (Cursor's).
    fn database_immutable(&self) -> bool {
        false
    }

    /// A parser for one file, resumed from `state` when the checkpoint holds one.
    ///
    /// A state that cannot be decoded (e.g. written by an older parser version) is an error the
    /// scanner answers by re-reading the file from its start.
    fn parser(
        &self,
        ctx: &SourceContext,
        state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError>;
}

/// The line parser of a provider whose sources are all documents or databases (Cursor,
/// OpenCode): no line of theirs is ever framed, so it has nothing to parse. A provider of
/// documents only can return it from [`Provider::parser`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLines;

impl LineParser for NoLines {
    fn parse_line(&mut self, _line: &[u8], _out: &mut Vec<UsageRecord>) -> LineOutcome {
        LineOutcome::Ignored
    }

    fn state(&self) -> Vec<u8> {
        Vec::new()
    }
}

/// A stored parser state could not be decoded.
#[derive(Debug, Clone, thiserror::Error)]
#[error("stored parser state for {provider} is not readable; the file will be re-read")]
pub struct StateError {
    /// The provider whose state it was.
    pub provider: ProviderId,
}
