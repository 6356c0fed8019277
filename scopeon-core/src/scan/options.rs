//! What to scan and how: the options a scan runs with.

use std::collections::BTreeMap;

use camino::Utf8PathBuf;

use crate::record::ProviderId;
use crate::tail;

/// The default largest whole document read: 1 GiB.
pub const DEFAULT_MAX_DOCUMENT: u64 = 1 << 30;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Providers to scan; all built-in ones when `None`.
    pub providers: Option<Vec<ProviderId>>,
    /// Roots per provider replacing its defaults (e.g. from configuration).
    pub roots: BTreeMap<ProviderId, Vec<Utf8PathBuf>>,
    /// Longest line kept; longer lines are skipped and counted.
    pub max_line: usize,
    /// Largest whole document read (a rewritten JSON file, a decompressed `.jsonl.zst`);
    /// larger ones are skipped and counted.
    pub max_document: u64,
    /// Globs of the files the `generic_openai` provider reads (`~/` expanded); it has no
    /// default locations.
    pub generic_paths: Vec<Utf8PathBuf>,
    /// Re-read every file that still exists from its start, keeping the records of files that
    /// are gone. Runs in one transaction: an interrupted rebuild changes nothing.
    pub rebuild: bool,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            providers: None,
            roots: BTreeMap::new(),
            max_line: tail::DEFAULT_MAX_LINE,
            max_document: DEFAULT_MAX_DOCUMENT,
            generic_paths: Vec::new(),
            rebuild: false,
        }
    }
}
