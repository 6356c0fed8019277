//! The scan loop: discover log files, read what is new in each, store records and checkpoints.
//!
//! For every provider: walk its roots (never following a symlink below a root), keep the files
//! its patterns match, and for each file decide from its checkpoint whether it is unchanged (not
//! opened), grown (resumed), or new or replaced (read from byte 0). Complete lines go to the
//! provider's parser; records and the checkpoint that accounts for them are committed together.
//!
//! Files that disappeared lose their checkpoint but never their records: agents delete old
//! transcripts, and the store is where that history survives.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::time::Instant;

use camino::{Utf8Path, Utf8PathBuf};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::config::Env;
use crate::error::{Error, Result};
use crate::provider::{LineOutcome, LineParser, Provider, SkipReason, SourceContext};
use crate::record::ProviderId;
use crate::store::{Batch, SkipCounts, SourceUpdate, Store};
use crate::tail::{self, Checkpoint, FileStat, Frame, LineReader, Start};

/// Records buffered before a commit.
const FLUSH_RECORDS: usize = 20_000;
/// Checkpoints buffered before a commit.
const FLUSH_SOURCES: usize = 2_000;
/// Records per batch (tests shrink it to reach many commit points).
fn flush_records() -> usize {
    crate::failpoint::batch_records().unwrap_or(FLUSH_RECORDS)
}

/// Deepest directory level walked below a root.
const MAX_DEPTH: usize = 32;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Providers to scan; all built-in ones when `None`.
    pub providers: Option<Vec<ProviderId>>,
    /// Roots per provider replacing its defaults (e.g. from configuration).
    pub roots: BTreeMap<ProviderId, Vec<Utf8PathBuf>>,
    /// Longest line kept; longer lines are skipped and counted.
    pub max_line: usize,
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
            rebuild: false,
        }
    }
}

/// A root searched for a provider.
#[derive(Debug, Clone, Serialize)]
pub struct RootStatus {
    /// The directory.
    pub path: Utf8PathBuf,
    /// Whether it exists.
    pub exists: bool,
}

/// A file that could not be read, and why (never with any of its content).
#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    /// The file.
    pub path: Utf8PathBuf,
    /// What went wrong.
    pub problem: String,
}

/// A malformed line: where it is and why it was skipped (never its content).
#[derive(Debug, Clone, Serialize)]
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

fn serialize_skips<S: serde::Serializer>(s: &SkipCounts, ser: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = ser.serialize_map(None)?;
    for (reason, n) in s.iter() {
        map.serialize_entry(reason.as_str(), &n)?;
    }
    map.end()
}

/// What a whole scan did.
#[derive(Debug, Clone, Default, Serialize)]
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
pub struct Progress {
    /// Files handled so far.
    pub files_done: u64,
    /// Files found.
    pub files_total: u64,
    /// Bytes read so far.
    pub bytes_read: u64,
}

/// How many skipped-line examples a summary keeps per provider.
const MAX_EXAMPLES: usize = 10;

/// Scans every selected provider into `store`.
pub fn scan(
    store: &mut Store,
    env: &Env,
    options: &ScanOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ScanSummary> {
    let started = Instant::now();
    let providers: Vec<Box<dyn Provider>> = match &options.providers {
        Some(ids) => ids.iter().map(|id| crate::provider::by_id(*id)).collect(),
        None => crate::provider::builtin(),
    };
    let plans: Vec<Plan<'_>> = providers
        .iter()
        .map(|p| {
            let roots = options
                .roots
                .get(&p.id())
                .cloned()
                .unwrap_or_else(|| p.default_roots(env));
            let (status, files) = discover(p.as_ref(), &roots);
            (p.as_ref(), status, files)
        })
        .collect();
    let files_total = plans.iter().map(|(_, _, f)| f.len() as u64).sum();
    if options.rebuild {
        let ids: Vec<ProviderId> = plans.iter().map(|(p, _, _)| p.id()).collect();
        store.begin_rebuild(&ids)?;
    }
    let outcome = ingest_all(store, plans, files_total, options, progress);
    let mut summary = match outcome {
        Ok(summary) => summary,
        Err(e) => {
            store.abort_rebuild();
            return Err(e);
        }
    };
    if options.rebuild {
        store.finish_rebuild()?;
    }
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

type Plan<'p> = (&'p dyn Provider, Vec<RootStatus>, Vec<Found>);

/// Reads every planned file into the store.
fn ingest_all(
    store: &mut Store,
    plans: Vec<Plan<'_>>,
    files_total: u64,
    options: &ScanOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ScanSummary> {
    let mut ingest = Ingest {
        store,
        batch: Batch::default(),
        progress: Progress {
            files_done: 0,
            files_total,
            bytes_read: 0,
        },
    };
    let mut summary = ScanSummary::default();
    for (provider, roots, files) in plans {
        let mut ps = ProviderScan {
            provider: provider.id(),
            roots,
            files: files.len() as u64,
            files_read: 0,
            files_unchanged: 0,
            files_restarted: 0,
            bytes_read: 0,
            lines: 0,
            records_read: 0,
            new_records: 0,
            skipped: SkipCounts::default(),
            skipped_examples: Vec::new(),
            problems: Vec::new(),
        };
        for found in &files {
            if let Err(problem) = ingest.file(provider, found, options, &mut ps) {
                match problem {
                    FileError::Io(e) => ps.problems.push(FileProblem {
                        path: found.path.clone(),
                        problem: e.to_string(),
                    }),
                    FileError::Store(e) => return Err(e),
                }
            }
            ingest.progress.files_done += 1;
            progress(ingest.progress);
        }
        let new = ingest.flush()?;
        ps.new_records += new;
        // Checkpoints of files that are gone; their records stay.
        let seen: HashSet<&Utf8Path> = files.iter().map(|f| f.path.as_path()).collect();
        let gone: Vec<Utf8PathBuf> = ingest
            .store
            .source_paths(provider.id())?
            .into_iter()
            .filter(|p| !seen.contains(p.as_path()))
            .collect();
        ingest.store.forget_sources(provider.id(), &gone)?;
        summary.providers.push(ps);
    }
    Ok(summary)
}

/// A log file found under a root.
#[derive(Debug, Clone)]
struct Found {
    path: Utf8PathBuf,
    relative: Utf8PathBuf,
    stat: FileStat,
}

/// Walks a provider's roots and returns the log files, each (device, inode) once.
fn discover(provider: &dyn Provider, roots: &[Utf8PathBuf]) -> (Vec<RootStatus>, Vec<Found>) {
    let globs = glob_set(provider.file_patterns());
    let mut status = Vec::new();
    let mut found = Vec::new();
    let mut seen_inodes = HashSet::new();
    for root in roots {
        let exists = root.is_dir();
        status.push(RootStatus {
            path: root.clone(),
            exists,
        });
        if !exists {
            continue;
        }
        for pattern in provider.file_patterns() {
            let start = literal_prefix(pattern);
            walk(root, &start, 0, &mut |relative, stat| {
                if globs.is_match(relative.as_std_path())
                    && !provider.excludes(relative)
                    && seen_inodes.insert((stat.dev, stat.ino))
                {
                    found.push(Found {
                        path: root.join(relative),
                        relative: relative.to_owned(),
                        stat: *stat,
                    });
                }
            });
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    (status, found)
}

fn glob_set(patterns: &[&str]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        // The patterns are compiled into the binary; a bad one is a programming error caught
        // by the providers' tests, so it is dropped rather than aborting a user's scan.
        if let Ok(glob) = GlobBuilder::new(p).literal_separator(true).build() {
            b.add(glob);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// The directories of a pattern before its first wildcard (`projects/**/*.jsonl` → `projects`),
/// so walks start there instead of at the root.
fn literal_prefix(pattern: &str) -> Utf8PathBuf {
    let mut prefix = Utf8PathBuf::new();
    let parts: Vec<&str> = pattern.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        if part.contains(['*', '?', '[', '{']) {
            break;
        }
        prefix.push(part);
    }
    prefix
}

/// Visits every regular file below `root/dir`, never following symlinks.
fn walk(
    root: &Utf8Path,
    dir: &Utf8Path,
    depth: usize,
    visit: &mut dyn FnMut(&Utf8Path, &FileStat),
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Ok(name) = entry.file_name().into_string() else {
            continue; // Scopeon stores paths as text; agents name their logs in ASCII.
        };
        let relative = dir.join(&name);
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_symlink() {
            continue;
        }
        if file_type.is_dir() {
            walk(root, &relative, depth + 1, visit);
        } else if file_type.is_file()
            && let Ok(stat) = FileStat::of_path(&root.join(&relative))
            && stat.is_regular
        {
            visit(&relative, &stat);
        }
    }
}

/// Why one file could not be ingested.
enum FileError {
    /// The file itself: counted as a problem, the scan goes on.
    Io(std::io::Error),
    /// The database: the scan stops.
    Store(Error),
}

impl From<std::io::Error> for FileError {
    fn from(e: std::io::Error) -> FileError {
        FileError::Io(e)
    }
}

impl From<Error> for FileError {
    fn from(e: Error) -> FileError {
        FileError::Store(e)
    }
}

/// The ingest state shared by all files of a scan.
struct Ingest<'s> {
    store: &'s mut Store,
    batch: Batch,
    progress: Progress,
}

impl Ingest<'_> {
    /// Commits what is buffered; returns how many requests were new.
    fn flush(&mut self) -> Result<u64> {
        if self.batch.is_empty() {
            return Ok(0);
        }
        let stats = self.store.commit(&self.batch)?;
        self.batch = Batch::default();
        Ok(stats.new_records)
    }

    fn file(
        &mut self,
        provider: &dyn Provider,
        found: &Found,
        options: &ScanOptions,
        ps: &mut ProviderScan,
    ) -> Result<(), FileError> {
        let version = provider.parser_version();
        let prior = if options.rebuild {
            None
        } else {
            self.store.checkpoint(provider.id(), &found.path)?
        };
        if let Some(cp) = &prior
            && cp.parser_version == version
            && cp.is_unchanged(&found.stat)
        {
            ps.files_unchanged += 1;
            return Ok(());
        }
        let (file, stat) = tail::open_regular(&found.path)?;
        let mut start = tail::plan_start(&file, &stat, prior.as_ref(), version)?;
        let fingerprint = tail::fingerprint(&file)?;
        if !matches!(start, Start::Resume { .. })
            && !options.rebuild
            && let Some(adopted) = self.adopt(
                provider,
                found,
                &file,
                &stat,
                fingerprint.head_hash,
                version,
            )?
        {
            start = adopted;
        }
        if matches!(start, Start::Reset(_)) {
            ps.files_restarted += 1;
        }
        let (offset, state) = match &start {
            Start::Resume {
                offset,
                parser_state,
            } => (*offset, Some(parser_state.as_slice())),
            Start::Fresh | Start::Reset(_) => (0, None),
        };
        let ctx = SourceContext::new(found.relative.clone());
        let (mut parser, offset) = match provider.parser(&ctx, state) {
            Ok(parser) => (parser, offset),
            // An unreadable state: read the file again from its start.
            Err(_) => match provider.parser(&ctx, None) {
                Ok(parser) => (parser, 0),
                Err(e) => return Err(FileError::Io(std::io::Error::other(e.to_string()))),
            },
        };
        ps.files_read += 1;
        self.read_lines(
            provider,
            found,
            &file,
            &stat,
            fingerprint.head_hash,
            offset,
            parser.as_mut(),
            options,
            ps,
        )
    }

    /// A checkpoint of another path whose content this file continues (a rename or a copy):
    /// same first line and same bytes before that checkpoint's offset.
    fn adopt(
        &self,
        provider: &dyn Provider,
        found: &Found,
        file: &File,
        stat: &FileStat,
        head_hash: Option<i64>,
        version: u32,
    ) -> Result<Option<Start>, FileError> {
        let Some(head_hash) = head_hash else {
            return Ok(None);
        };
        let mut best: Option<Checkpoint> = None;
        for (path, cp) in self.store.checkpoints_with_head(provider.id(), head_hash)? {
            if path == found.path
                || cp.parser_version != version
                || cp.offset > stat.size
                || cp.offset == 0
            {
                continue;
            }
            if tail::tail_hash(file, cp.offset)? == cp.tail_hash
                && best.as_ref().is_none_or(|b| cp.offset > b.offset)
            {
                best = Some(cp);
            }
        }
        Ok(best.map(|cp| Start::Resume {
            offset: cp.offset,
            parser_state: cp.parser_state,
        }))
    }

    #[allow(clippy::too_many_arguments)]
    fn read_lines(
        &mut self,
        provider: &dyn Provider,
        found: &Found,
        file: &File,
        stat: &FileStat,
        head_hash: Option<i64>,
        offset: u64,
        parser: &mut dyn LineParser,
        options: &ScanOptions,
        ps: &mut ProviderScan,
    ) -> Result<(), FileError> {
        let mut reader =
            LineReader::new(SeekingReader::new(file, offset), offset, options.max_line);
        let mut restarted = offset == 0;
        let mut records = 0u64;
        let mut skips = SkipCounts::default();
        let mut last_offset = offset;
        loop {
            let frame = reader.next_frame()?;
            let Some(frame) = frame else { break };
            ps.lines += 1;
            let skipped = match frame {
                Frame::TooLong { start, .. } => Some((start, SkipReason::TooLong)),
                Frame::Line { bytes, start } => {
                    if bytes.iter().all(u8::is_ascii_whitespace) {
                        None
                    } else if memchr::memchr(0, bytes).is_some() {
                        Some((start, SkipReason::Binary))
                    } else {
                        match parser.parse_line(bytes, &mut self.batch.records) {
                            LineOutcome::Records(n) => {
                                records += n as u64;
                                None
                            }
                            LineOutcome::Ignored => None,
                            LineOutcome::Skipped(reason) => Some((start, reason)),
                        }
                    }
                }
            };
            if let Some((at, reason)) = skipped {
                skips.add(reason);
                if ps.skipped_examples.len() < MAX_EXAMPLES {
                    ps.skipped_examples.push(SkippedLine {
                        path: found.path.clone(),
                        offset: at,
                        reason: reason.as_str(),
                    });
                }
            }
            if self.batch.records.len() >= flush_records() {
                // A mid-file checkpoint: never "unchanged", so the next scan resumes here.
                let now = reader.offset();
                self.push_source(
                    provider, found, file, stat, head_hash, now, None, parser, restarted, records,
                    skips,
                )?;
                ps.bytes_read += now - last_offset;
                self.progress.bytes_read += now - last_offset;
                last_offset = now;
                ps.records_read += records;
                ps.skipped.merge(&skips);
                records = 0;
                skips = SkipCounts::default();
                restarted = false;
                ps.new_records += self.flush()?;
            }
        }
        let end = reader.offset();
        self.push_source(
            provider,
            found,
            file,
            stat,
            head_hash,
            end,
            Some(stat.size),
            parser,
            restarted,
            records,
            skips,
        )?;
        ps.bytes_read += end - last_offset;
        self.progress.bytes_read += end - last_offset;
        ps.records_read += records;
        ps.skipped.merge(&skips);
        if self.batch.records.len() >= flush_records() || self.batch.sources.len() >= FLUSH_SOURCES
        {
            ps.new_records += self.flush()?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn push_source(
        &mut self,
        provider: &dyn Provider,
        found: &Found,
        file: &File,
        stat: &FileStat,
        head_hash: Option<i64>,
        offset: u64,
        size: Option<u64>,
        parser: &dyn LineParser,
        restarted: bool,
        records: u64,
        skips: SkipCounts,
    ) -> Result<(), FileError> {
        let checkpoint = Checkpoint {
            dev: stat.dev,
            ino: stat.ino,
            // Before a first line is complete there is nothing to identify the file by, and
            // nothing has been consumed either.
            head_hash: if offset == 0 {
                tail::fingerprint(file)?.head_hash
            } else {
                head_hash
            },
            offset,
            tail_hash: tail::tail_hash(file, offset)?,
            size,
            mtime_ns: stat.mtime_ns,
            parser_state: parser.state(),
            parser_version: provider.parser_version(),
        };
        self.batch.sources.push(SourceUpdate {
            provider: provider.id(),
            path: found.path.clone(),
            checkpoint,
            restarted,
            records,
            skips,
        });
        Ok(())
    }
}

/// Streams a file from an offset using positional reads, so fingerprinting the same handle in
/// between never moves the stream.
struct SeekingReader<'f> {
    file: &'f File,
    pos: u64,
}

impl<'f> SeekingReader<'f> {
    fn new(file: &'f File, pos: u64) -> SeekingReader<'f> {
        SeekingReader { file, pos }
    }
}

impl std::io::Read for SeekingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = tail::read_at(self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_prefixes() {
        assert_eq!(literal_prefix("projects/**/*.jsonl"), "projects");
        assert_eq!(literal_prefix("a/b/*.json"), "a/b");
        assert_eq!(literal_prefix("tmp/*/chats/*.json"), "tmp");
        assert_eq!(literal_prefix("*.jsonl"), "");
    }
}
