//! What travels from the reading thread to the writing thread of a scan, and how much of it
//! makes one commit. The reader (`read.rs`) produces these events in file order; the writer
//! (`write.rs`) batches them and commits records with the checkpoints that account for them.

use super::{FileProblem, SkippedLine};
use crate::store::SourceUpdate;

/// What the reading thread tells the writing thread, in file order.
pub(super) enum Event {
    /// A file's checkpoint says it is unchanged: it was not opened.
    Unchanged,
    /// A file was opened for reading (`restarted`: from byte 0 although it had a checkpoint).
    Opened { restarted: bool },
    /// Records and the checkpoint just past them; `file_done` on a file's last chunk.
    Chunk(Box<Chunk>),
    /// A file could not be read.
    Problem(FileProblem),
}

/// Part of one file's reading: records, the checkpoint after them, and counts.
pub(super) struct Chunk {
    pub(super) records: Vec<crate::record::UsageRecord>,
    /// Rate-limit snapshots of the same lines, committed with the records.
    pub(super) rate_limits: Vec<crate::live::RateLimitSnapshot>,
    pub(super) source: SourceUpdate,
    pub(super) bytes: u64,
    pub(super) lines: u64,
    pub(super) skipped: Vec<SkippedLine>,
    pub(super) file_done: bool,
}

/// Records buffered before a commit.
const FLUSH_RECORDS: usize = 20_000;
/// Checkpoints buffered before a commit.
pub(super) const FLUSH_SOURCES: usize = 2_000;
/// Records per batch (tests shrink it to reach many commit points).
pub(super) fn flush_records() -> usize {
    crate::failpoint::batch_records().unwrap_or(FLUSH_RECORDS)
}
