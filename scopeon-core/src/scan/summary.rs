//! What a scan reports: per provider, the roots searched, files and bytes read, records
//! stored and lines skipped (by file and offset, never content); and progress while it runs.

use camino::Utf8PathBuf;
use serde::Serialize;

use crate::error::Result;
use crate::record::ProviderId;
use crate::store::SkipCounts;

/// A root searched for a provider.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RootStatus {
    /// The directory.
    pub path: Utf8PathBuf,
    /// Whether it exists (as a directory or a regular file: what is searched).
    pub exists: bool,
    /// Why a root that is there is not searched: it is a symlink, which is never followed, or
    /// it is neither a directory nor a regular file (a FIFO, a socket, a device).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

/// A file that could not be read, and why (never with any of its content).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct FileProblem {
    /// The file.
    pub path: Utf8PathBuf,
    /// What went wrong.
    pub problem: String,
}

/// A malformed line: where it is and why it was skipped (never its content).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SkippedLine {
    /// The file.
    pub path: Utf8PathBuf,
    /// Byte offset of the line's first byte.
    pub offset: u64,
    /// Why it was skipped.
    pub reason: &'static str,
}

/// What a scan did for one provider.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ProviderScan {
    /// The provider.
    pub provider: ProviderId,
    /// The roots searched.
    pub roots: Vec<RootStatus>,
    /// Log files found.
    pub files: u64,
    /// Files read (new or changed).
    pub files_read: u64,
    /// Files skipped because their checkpoint says they are unchanged.
    pub files_unchanged: u64,
    /// Files whose checkpoint could not be resumed and that were read again from the start.
    pub files_restarted: u64,
    /// Bytes read.
    pub bytes_read: u64,
    /// Lines read.
    pub lines: u64,
    /// Usage records read (copies of one request included).
    pub records_read: u64,
    /// Requests stored for the first time.
    pub new_records: u64,
    /// Lines skipped, by reason.
    #[serde(serialize_with = "serialize_skips")]
    pub skipped: SkipCounts,
    /// The first few skipped lines, by file and offset.
    pub skipped_examples: Vec<SkippedLine>,
    /// Files that could not be read.
    pub problems: Vec<FileProblem>,
}

pub(super) fn serialize_skips<S: serde::Serializer>(
    s: &SkipCounts,
    ser: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = ser.serialize_map(None)?;
    for (reason, n) in s.iter() {
        map.serialize_entry(reason.as_str(), &n)?;
    }
    map.end()
}

/// What a whole scan did.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct ScanSummary {
    /// Per provider, in registry order.
    pub providers: Vec<ProviderScan>,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
}

impl ScanSummary {
    /// Files found over all providers.
    pub fn files(&self) -> u64 {
        self.providers.iter().map(|p| p.files).sum()
    }

    /// Bytes read over all providers.
    pub fn bytes_read(&self) -> u64 {
        self.providers.iter().map(|p| p.bytes_read).sum()
    }

    /// Skipped lines over all providers, by reason.
    pub fn skipped(&self) -> SkipCounts {
        let mut all = SkipCounts::default();
        for p in &self.providers {
            all.merge(&p.skipped);
        }
        all
    }
}

/// Progress of a running scan, for front-ends that draw a bar.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Progress {
    /// Files handled so far.
    pub files_done: u64,
    /// Files found.
    pub files_total: u64,
    /// Bytes read so far.
    pub bytes_read: u64,
}

/// How many skipped-line examples a summary keeps per provider.
pub(super) const MAX_EXAMPLES: usize = 10;
