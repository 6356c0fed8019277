//! The scan loop: discover log files, read what is new in each, store records and checkpoints.
//!
//! For every provider: walk its roots (never following a symlink below a root), keep the files
//! its patterns match, and for each file decide from its checkpoint whether it is unchanged (not
//! opened), grown (resumed), or new or replaced (read from byte 0). Complete lines go to the
//! provider's parser; whole documents, `.jsonl.zst` archives and agents' databases are read
//! whole whenever they change. Records and the checkpoint that accounts for them are committed
//! together. Reading and parsing run on a second thread while this one writes.
//!
//! Files that disappeared lose their checkpoint but never their records: agents delete old
//! transcripts, and the store is where that history survives.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::sync::mpsc::SyncSender;
use std::time::Instant;

use camino::{Utf8Path, Utf8PathBuf};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::env::Env;
use crate::error::Result;
use crate::provider::{LineOutcome, LineParser, Provider, SkipReason, SourceContext, SourceKind};
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

/// A root searched for a provider.
#[derive(Debug, Clone, Serialize)]
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

/// Why a root that is there is not searched (see [`RootStatus::note`]).
fn root_note(kind: &std::io::Result<std::fs::FileType>) -> Option<&'static str> {
    match kind {
        Ok(t) if !t.is_dir() && !t.is_file() => {
            Some("neither a directory nor a regular file (a FIFO, socket or device)")
        }
        _ => None,
    }
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
            let (status, files) = discover(p.as_ref(), &searches(p.as_ref(), env, options));
            (p.as_ref(), status, files)
        })
        .collect();
    let files_total = plans.iter().map(|(_, _, f)| f.len() as u64).sum();
    // A rebuild re-reads every file of a provider: when asked, and on its own when a file was
    // last read by another parser version, since merging a fixed parse onto the old rows
    // would keep whatever the old parser over-counted.
    let mut rebuild: Vec<ProviderId> = Vec::new();
    for (p, _, _) in &plans {
        if options.rebuild || store.has_outdated_sources(p.id(), p.parser_version())? {
            rebuild.push(p.id());
        }
    }
    if !rebuild.is_empty() {
        store.begin_rebuild(&rebuild)?;
    }
    // A failed or panicking rebuild must leave nothing behind (its transaction open, say).
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ingest_all(store, plans, files_total, options, &rebuild, progress)
    }));
    let mut summary = match outcome {
        Ok(Ok(summary)) => summary,
        Ok(Err(e)) => {
            store.abort_rebuild();
            return Err(e);
        }
        Err(panic) => {
            store.abort_rebuild();
            std::panic::resume_unwind(panic);
        }
    };
    if !rebuild.is_empty() {
        store.finish_rebuild()?;
    }
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

type Plan<'p> = (&'p dyn Provider, Vec<RootStatus>, Vec<Found>);

/// Reads every planned file into the store.
///
/// Reading and parsing run on a second thread while this one writes to SQLite; the reader
/// sends each file's records together with the checkpoint that accounts for them, so commits
/// stay exactly as atomic as with one thread.
fn ingest_all(
    store: &mut Store,
    plans: Vec<Plan<'_>>,
    files_total: u64,
    options: &ScanOptions,
    rebuild: &[ProviderId],
    progress: &mut dyn FnMut(Progress),
) -> Result<ScanSummary> {
    let mut writer = Writer {
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
        let known = if rebuild.contains(&provider.id()) {
            HashMap::new()
        } else {
            writer.store.checkpoints(provider.id())?
        };
        let known_paths: Vec<Utf8PathBuf> = known.keys().cloned().collect();
        // Unchanged files are settled here, from the walk's stat alone: a warm scan starts no
        // thread and opens no file.
        let version = provider.parser_version();
        let (unchanged, to_read): (Vec<&Found>, Vec<&Found>) = files.iter().partition(|f| {
            known
                .get(&f.path)
                .is_some_and(|cp| settled(cp, version, &f.stat, options))
        });
        for _ in &unchanged {
            writer.apply(Event::Unchanged, &mut ps, progress)?;
        }
        std::thread::scope(|scope| -> Result<()> {
            if to_read.is_empty() {
                return Ok(());
            }
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Event>>(4);
            let reader = Reader {
                provider,
                options,
                known,
                by_head: HashMap::new(),
                outbox: Vec::new(),
                outbox_records: 0,
                projects: HashMap::new(),
            };
            scope.spawn(|| reader.run(&to_read, tx));
            // When this loop returns early (a database error), `rx` is dropped and the
            // reader stops at its next send.
            for events in rx {
                for event in events {
                    writer.apply(event, &mut ps, progress)?;
                }
            }
            ps.new_records += writer.flush()?;
            Ok(())
        })?;
        // Checkpoints of files that are gone; their records stay. Only paths under a root
        // walked now can be judged gone: another root (another $CLAUDE_CONFIG_DIR, an
        // unmounted disk) keeps its checkpoints for when it is scanned again.
        let seen: HashSet<&Utf8Path> = files.iter().map(|f| f.path.as_path()).collect();
        let walked: Vec<&Utf8Path> = ps
            .roots
            .iter()
            .filter(|r| r.exists)
            .map(|r| r.path.as_path())
            .collect();
        let gone: Vec<Utf8PathBuf> = known_paths
            .into_iter()
            .filter(|p| !seen.contains(p.as_path()) && walked.iter().any(|r| p.starts_with(r)))
            .collect();
        writer.store.forget_sources(provider.id(), &gone)?;
        summary.providers.push(ps);
    }
    Ok(summary)
}

/// What the reading thread tells the writing thread, in file order.
enum Event {
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
struct Chunk {
    records: Vec<crate::record::UsageRecord>,
    source: SourceUpdate,
    bytes: u64,
    lines: u64,
    skipped: Vec<SkippedLine>,
    file_done: bool,
}

/// The writing side: batches chunks and commits them.
struct Writer<'s> {
    store: &'s mut Store,
    batch: Batch,
    progress: Progress,
}

impl Writer<'_> {
    fn apply(
        &mut self,
        event: Event,
        ps: &mut ProviderScan,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<()> {
        let file_done = match event {
            Event::Unchanged => {
                ps.files_unchanged += 1;
                true
            }
            Event::Opened { restarted } => {
                ps.files_read += 1;
                ps.files_restarted += u64::from(restarted);
                false
            }
            Event::Problem(problem) => {
                ps.problems.push(problem);
                true
            }
            Event::Chunk(chunk) => {
                let Chunk {
                    records,
                    source,
                    bytes,
                    lines,
                    skipped,
                    file_done,
                } = *chunk;
                ps.bytes_read += bytes;
                ps.lines += lines;
                ps.records_read += source.records;
                ps.skipped.merge(&source.skips);
                let room = MAX_EXAMPLES.saturating_sub(ps.skipped_examples.len());
                ps.skipped_examples.extend(skipped.into_iter().take(room));
                self.progress.bytes_read += bytes;
                self.batch.records.extend(records);
                self.batch.sources.push(source);
                if self.batch.records.len() >= flush_records()
                    || self.batch.sources.len() >= FLUSH_SOURCES
                {
                    ps.new_records += self.flush()?;
                }
                file_done
            }
        };
        if file_done {
            self.progress.files_done += 1;
            progress(self.progress);
        }
        Ok(())
    }

    /// Commits what is buffered; returns how many requests were new.
    fn flush(&mut self) -> Result<u64> {
        if self.batch.is_empty() {
            return Ok(0);
        }
        let stats = self.store.commit(&self.batch)?;
        self.batch = Batch::default();
        Ok(stats.new_records)
    }
}

/// The reading side: decides where each file starts, frames and parses its new lines.
struct Reader<'p> {
    provider: &'p dyn Provider,
    options: &'p ScanOptions,
    /// Checkpoints by path: stored ones, updated as files are read in this scan.
    known: HashMap<Utf8PathBuf, Checkpoint>,
    /// Every checkpoint seen (stored or written in this scan) by first-line hash: the
    /// candidates a renamed or copied file may continue from. A stored checkpoint stays a
    /// candidate after its path was read anew, since the file it describes may have moved.
    by_head: HashMap<i64, Vec<(Utf8PathBuf, Checkpoint)>>,
    /// Events not yet sent, and the records they hold. Events travel in bundles of many
    /// small files' worth, so the reader can run ahead while the writer commits.
    outbox: Vec<Event>,
    outbox_records: usize,
    /// The project [`Provider::context`] found per directory, so a directory's marker files
    /// (Gemini's `.project_root`, `projects.json`) are read once per scan, not once per file.
    projects: HashMap<Utf8PathBuf, Option<String>>,
}

/// Records per bundle sent to the writer (a bundle also closes at [`OUTBOX_EVENTS`]). With the
/// channel's four slots, the reader runs up to about a batch ahead of the writer.
const OUTBOX_RECORDS: usize = 4_096;
/// Events per bundle sent to the writer.
const OUTBOX_EVENTS: usize = 512;

impl Reader<'_> {
    /// Queues an event for the writer, sending the bundle when it is full; false when the
    /// writer has stopped listening.
    fn emit(&mut self, event: Event, tx: &SyncSender<Vec<Event>>) -> bool {
        if let Event::Chunk(chunk) = &event {
            self.outbox_records += chunk.records.len();
        }
        self.outbox.push(event);
        if self.outbox_records >= OUTBOX_RECORDS || self.outbox.len() >= OUTBOX_EVENTS {
            return self.send(tx);
        }
        true
    }

    fn send(&mut self, tx: &SyncSender<Vec<Event>>) -> bool {
        self.outbox_records = 0;
        self.outbox.is_empty() || tx.send(std::mem::take(&mut self.outbox)).is_ok()
    }

    fn run(mut self, files: &[&Found], tx: SyncSender<Vec<Event>>) {
        // Index stored checkpoints by first-line hash, for rename and copy detection.
        for (path, cp) in &self.known {
            if let Some(h) = cp.head_hash {
                self.by_head
                    .entry(h)
                    .or_default()
                    .push((path.clone(), cp.clone()));
            }
        }
        for found in files {
            let sent = match self.file(found, &tx) {
                Ok(sent) => sent,
                Err(e) => self.emit(
                    Event::Problem(FileProblem {
                        path: found.path.clone(),
                        problem: e.to_string(),
                    }),
                    &tx,
                ),
            };
            if !sent {
                return; // The writer stopped.
            }
        }
        self.send(&tx);
    }

    /// Reads one file; `Ok(false)` when the writer has stopped listening.
    fn file(&mut self, found: &Found, tx: &SyncSender<Vec<Event>>) -> std::io::Result<bool> {
        let version = self.provider.parser_version();
        let prior = self.known.get(&found.path).cloned();
        if let Some(cp) = &prior
            && settled(cp, version, &found.stat, self.options)
        {
            return Ok(self.emit(Event::Unchanged, tx));
        }
        let kind = self.provider.source_kind(&found.relative);
        if kind != SourceKind::Lines {
            let state = prior
                .filter(|cp| cp.parser_version == version)
                .map(|cp| cp.parser_state);
            return self.whole(found, kind, state, tx);
        }
        let (file, stat) = tail::open_regular(&found.path)?;
        let head = tail::fingerprint(&file)?;
        let mut start = tail::plan_start(&file, &stat, &head, prior.as_ref(), version)?;
        let head_hash = head.head_hash;
        // (In a rebuild `known` starts empty, so only files read earlier in it are candidates.)
        if !matches!(start, Start::Resume { .. })
            && let Some(adopted) = self.adopt(found, &file, &stat, head_hash, version)?
        {
            start = adopted;
        }
        let (offset, state) = match &start {
            Start::Resume {
                offset,
                parser_state,
            } => (*offset, Some(parser_state.as_slice())),
            Start::Fresh | Start::Reset(_) => (0, None),
        };
        let ctx = self.context(found);
        let (mut parser, offset) = match self.provider.parser(&ctx, state) {
            Ok(parser) => (parser, offset),
            // An unreadable state: read the file again from its start.
            Err(_) => match self.provider.parser(&ctx, None) {
                Ok(parser) => (parser, 0),
                Err(e) => return Err(std::io::Error::other(e.to_string())),
            },
        };
        let restarted = matches!(start, Start::Reset(_));
        if !self.emit(Event::Opened { restarted }, tx) {
            return Ok(false);
        }
        let open = OpenFile {
            found,
            file: &file,
            stat,
            head_hash,
        };
        self.read_lines(&open, offset, parser.as_mut(), tx)
    }

    /// What the parser should know about a file: its path, and the project of its directory
    /// (asked of the provider once per directory).
    fn context(&mut self, found: &Found) -> SourceContext {
        let dir = found
            .root
            .join(found.relative.parent().unwrap_or(Utf8Path::new("")));
        if let Some(project) = self.projects.get(&dir) {
            return SourceContext {
                relative_path: found.relative.clone(),
                project: project.clone(),
            };
        }
        let ctx = self.provider.context(&found.root, &found.relative);
        self.projects.insert(dir, ctx.project.clone());
        ctx
    }

    /// Reads a source that is not tailed ([`SourceKind::ZstdLines`], [`SourceKind::Document`],
    /// [`SourceKind::Database`]) whole, as one chunk whose checkpoint records the size and
    /// time it was read at; `Ok(false)` when the writer has stopped listening.
    fn whole(
        &mut self,
        found: &Found,
        kind: SourceKind,
        state: Option<Vec<u8>>,
        tx: &SyncSender<Vec<Event>>,
    ) -> std::io::Result<bool> {
        let ctx = self.context(found);
        let path = &found.path;
        let mut records = Vec::new();
        let mut skips = SkipCounts::default();
        let mut skipped = Vec::new();
        let mut lines = 0u64;
        // Read whole: the source's counters start afresh, except after an incremental database
        // read, whose counts add to what earlier reads found.
        let mut restarted = true;
        let (stat, new_state) = match kind {
            SourceKind::Database => {
                let db = open_database(path, self.provider.database_immutable())?;
                let read = self
                    .provider
                    .read_database(&ctx, &db, state.as_deref(), &mut records)
                    .map_err(|e| std::io::Error::other(format!("database: {e}")))?;
                for (rowid, reason) in &read.skipped {
                    note_skip(path, *rowid, *reason, &mut skips, &mut skipped);
                }
                restarted = read.full;
                // The stat taken at discovery: the database and its write-ahead log together.
                (found.stat, read.state)
            }
            SourceKind::Document | SourceKind::ZstdLines => {
                let (file, stat) = tail::open_regular(path)?;
                let cap = self.options.max_document;
                let bytes = if kind == SourceKind::Document {
                    read_capped(SeekingReader::new(&file, 0), cap)?
                } else {
                    let decoder =
                        ruzstd::decoding::StreamingDecoder::new(SeekingReader::new(&file, 0))
                            .map_err(|e| std::io::Error::other(format!("zstd: {e}")))?;
                    read_capped(decoder, cap)?
                };
                let mut state = Vec::new();
                match bytes {
                    None => {
                        note_skip(path, 0, SkipReason::TooLong, &mut skips, &mut skipped);
                        state = too_long_state(cap);
                    }
                    Some(bytes) if kind == SourceKind::Document => {
                        lines = 1;
                        if let LineOutcome::Skipped(reason) =
                            self.provider.parse_document(&ctx, &bytes, &mut records)
                        {
                            note_skip(path, 0, reason, &mut skips, &mut skipped);
                        }
                    }
                    Some(bytes) => {
                        // Offsets of skipped lines are in the decompressed stream.
                        let mut parser = self
                            .provider
                            .parser(&ctx, None)
                            .map_err(|e| std::io::Error::other(e.to_string()))?;
                        let mut reader =
                            LineReader::new(bytes.as_slice(), 0, self.options.max_line);
                        while let Some(frame) = reader.next_frame()? {
                            lines += 1;
                            if let Some((at, reason)) =
                                parse_frame(frame, parser.as_mut(), &mut records)
                            {
                                note_skip(path, at, reason, &mut skips, &mut skipped);
                            }
                        }
                    }
                }
                (stat, state)
            }
            // `file` sends tailed sources to `read_lines`; never one of them here.
            SourceKind::Lines => {
                return Err(std::io::Error::other(
                    "internal error: a tailed log reached the whole-file reader",
                ));
            }
        };
        // Read whole every time it changes: not a "restart" of a tailed file.
        if !self.emit(Event::Opened { restarted: false }, tx) {
            return Ok(false);
        }
        let source = SourceUpdate {
            provider: self.provider.id(),
            path: path.clone(),
            checkpoint: Checkpoint {
                dev: stat.dev,
                ino: stat.ino,
                // Not tailed: never a rename or copy candidate, never resumed mid-file.
                head_hash: None,
                offset: stat.size,
                tail_hash: 0,
                size: Some(stat.size),
                mtime_ns: stat.mtime_ns,
                parser_state: new_state,
                parser_version: self.provider.parser_version(),
            },
            restarted,
            records: records.len() as u64,
            skips,
        };
        self.known.insert(path.clone(), source.checkpoint.clone());
        let chunk = Chunk {
            records,
            source,
            bytes: stat.size,
            lines,
            skipped,
            file_done: true,
        };
        Ok(self.emit(Event::Chunk(Box::new(chunk)), tx))
    }

    /// A checkpoint of another path whose content this file continues (a rename or a copy):
    /// same first line and same bytes before that checkpoint's offset.
    fn adopt(
        &self,
        found: &Found,
        file: &File,
        stat: &FileStat,
        head_hash: Option<i64>,
        version: u32,
    ) -> std::io::Result<Option<Start>> {
        let Some(candidates) = head_hash.and_then(|h| self.by_head.get(&h)) else {
            return Ok(None);
        };
        let mut best: Option<&Checkpoint> = None;
        for (path, cp) in candidates {
            if *path == found.path
                || cp.parser_version != version
                || cp.offset > stat.size
                || cp.offset == 0
            {
                continue;
            }
            if tail::tail_hash(file, cp.offset)? == cp.tail_hash
                && best.is_none_or(|b| cp.offset > b.offset)
            {
                best = Some(cp);
            }
        }
        Ok(best.map(|cp| Start::Resume {
            offset: cp.offset,
            parser_state: cp.parser_state.clone(),
        }))
    }

    /// Frames and parses from `offset` to the last complete line within the size the file had
    /// when opened, sending chunks of at most a batch of records, each with the checkpoint just
    /// past them.
    fn read_lines(
        &mut self,
        open: &OpenFile<'_>,
        offset: u64,
        parser: &mut dyn LineParser,
        tx: &SyncSender<Vec<Event>>,
    ) -> std::io::Result<bool> {
        // Only up to the size seen when the file was opened: what an agent appends meanwhile is
        // read by the next scan, so a file growing faster than it is read cannot keep a scan
        // from finishing.
        let mut reader = LineReader::new(
            std::io::Read::take(
                SeekingReader::new(open.file, offset),
                open.stat.size.saturating_sub(offset),
            ),
            offset,
            self.options.max_line,
        );
        let mut restarted = offset == 0;
        let mut records = Vec::new();
        let mut skips = SkipCounts::default();
        let mut skipped = Vec::new();
        let mut lines = 0u64;
        let mut last_offset = offset;
        while let Some(frame) = reader.next_frame()? {
            lines += 1;
            if let Some((at, reason)) = parse_frame(frame, parser, &mut records) {
                note_skip(&open.found.path, at, reason, &mut skips, &mut skipped);
            }
            if records.len() >= flush_records() {
                // A mid-file checkpoint: never "unchanged", so the next scan resumes here.
                let now = reader.offset();
                let source =
                    self.source(open, now, None, &*parser, restarted, records.len(), skips)?;
                let chunk = Chunk {
                    records: std::mem::take(&mut records),
                    source,
                    bytes: now - last_offset,
                    lines: std::mem::take(&mut lines),
                    skipped: std::mem::take(&mut skipped),
                    file_done: false,
                };
                if !self.emit(Event::Chunk(Box::new(chunk)), tx) {
                    return Ok(false);
                }
                last_offset = now;
                skips = SkipCounts::default();
                restarted = false;
            }
        }
        let end = reader.offset();
        let source = self.source(
            open,
            end,
            Some(open.stat.size),
            &*parser,
            restarted,
            records.len(),
            skips,
        )?;
        self.remember(&source);
        let chunk = Chunk {
            records,
            source,
            bytes: end - last_offset,
            lines,
            skipped,
            file_done: true,
        };
        Ok(self.emit(Event::Chunk(Box::new(chunk)), tx))
    }

    /// Keeps a file's final checkpoint so later files of this scan can be recognised as its
    /// renames or copies.
    fn remember(&mut self, source: &SourceUpdate) {
        if let Some(h) = source.checkpoint.head_hash {
            self.by_head
                .entry(h)
                .or_default()
                .push((source.path.clone(), source.checkpoint.clone()));
        }
        self.known
            .insert(source.path.clone(), source.checkpoint.clone());
    }

    #[allow(clippy::too_many_arguments)]
    fn source(
        &self,
        open: &OpenFile<'_>,
        offset: u64,
        size: Option<u64>,
        parser: &dyn LineParser,
        restarted: bool,
        records: usize,
        skips: SkipCounts,
    ) -> std::io::Result<SourceUpdate> {
        let checkpoint = Checkpoint {
            dev: open.stat.dev,
            ino: open.stat.ino,
            // Before a first line is complete there is nothing to identify the file by, and
            // nothing has been consumed either.
            // A first line completed while the file was being read is fingerprinted now.
            head_hash: if offset == 0 || open.head_hash.is_none() {
                tail::fingerprint(open.file)?.head_hash
            } else {
                open.head_hash
            },
            offset,
            tail_hash: tail::tail_hash(open.file, offset)?,
            size,
            mtime_ns: open.stat.mtime_ns,
            parser_state: parser.state(),
            parser_version: self.provider.parser_version(),
        };
        Ok(SourceUpdate {
            provider: self.provider.id(),
            path: open.found.path.clone(),
            checkpoint,
            restarted,
            records: records as u64,
            skips,
        })
    }
}

/// A file opened for reading, with what was learned when opening it.
struct OpenFile<'f> {
    found: &'f Found,
    file: &'f File,
    /// The `fstat` taken before reading: the size and time a final checkpoint records.
    stat: FileStat,
    head_hash: Option<i64>,
}

/// A log file found under a root.
#[derive(Debug, Clone)]
struct Found {
    path: Utf8PathBuf,
    /// The root it was found under (its directory, when the root is the file).
    root: Utf8PathBuf,
    relative: Utf8PathBuf,
    stat: FileStat,
}

/// The log files of a provider found on disk now, without reading them.
#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    /// The roots searched, and whether each exists.
    pub roots: Vec<RootStatus>,
    /// Log files found.
    pub files: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Finds a provider's log files the way a scan would (its configured roots, else its
/// defaults), for front-ends that show what Scopeon sees before anything is read.
pub fn discover_logs(provider: ProviderId, env: &Env, options: &ScanOptions) -> Discovery {
    let p = crate::provider::by_id(provider);
    let (roots, files) = discover(p.as_ref(), &searches(p.as_ref(), env, options));
    Discovery {
        roots,
        files: files.len() as u64,
        bytes: files.iter().map(|f| f.stat.size).sum(),
    }
}

/// What Scopeon sees of one provider: on disk now, and in the store.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderStatus {
    /// The provider id.
    pub provider: ProviderId,
    /// Whether the configuration lets it be scanned.
    pub enabled: bool,
    /// Whether any of its roots exists.
    pub detected: bool,
    /// Where its roots come from: `config` or `default` (the agent's variable or defaults).
    pub roots_from: &'static str,
    /// The roots searched.
    pub roots: Vec<RootStatus>,
    /// Log files found on disk now.
    pub files: u64,
    /// Their size in bytes.
    pub bytes: u64,
    /// Files with a checkpoint in the store.
    pub files_tracked: u64,
    /// Deduplicated requests stored.
    pub records: u64,
    /// Time of the latest stored request (RFC 3339), if any.
    pub last_activity: Option<String>,
    /// Lines skipped in the tracked files, by reason.
    #[serde(serialize_with = "serialize_skips")]
    pub skipped_lines: SkipCounts,
}

/// The status of every provider: what `scopeon providers` shows and `scopeon_providers`
/// returns, as the `scopeon.providers.v1` document.
pub fn providers_document(
    store: &Store,
    env: &Env,
    options: &ScanOptions,
) -> Result<serde_json::Value> {
    let mut providers = Vec::new();
    for id in ProviderId::ALL {
        let found = discover_logs(*id, env, options);
        let stats = store.provider_stats(*id)?;
        providers.push(ProviderStatus {
            provider: *id,
            enabled: options.providers.as_ref().is_none_or(|p| p.contains(id)),
            detected: found.roots.iter().any(|r| r.exists),
            roots_from: if options.roots.contains_key(id) {
                "config"
            } else {
                "default"
            },
            roots: found.roots,
            files: found.files,
            bytes: found.bytes,
            files_tracked: stats.tracked_files,
            records: stats.records,
            last_activity: stats
                .last_activity_ms
                .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                .map(|t| t.to_string()),
            skipped_lines: stats.skipped,
        });
    }
    Ok(serde_json::json!({ "schema": "scopeon.providers.v1", "providers": providers }))
}

/// One place to look for a provider's logs: a root and the patterns, relative to it, of the
/// files that are logs. A root that is a file (Aider's `AIDER_ANALYTICS_LOG`, a generic path
/// without wildcards) is that one log.
#[derive(Debug, Clone)]
struct Search {
    root: Utf8PathBuf,
    patterns: Vec<String>,
}

/// Where a provider's logs are looked for: its configured roots, else its defaults, with its
/// patterns; for `generic_openai`, each configured glob split at its first wildcard.
fn searches(provider: &dyn Provider, env: &Env, options: &ScanOptions) -> Vec<Search> {
    if provider.id() == ProviderId::GenericOpenai {
        return options
            .generic_paths
            .iter()
            .map(|glob| {
                let root = literal_prefix(glob.as_str());
                let pattern = glob
                    .strip_prefix(&root)
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default();
                if pattern.contains(['*', '?', '[', '{']) {
                    Search {
                        root,
                        patterns: vec![pattern],
                    }
                } else {
                    Search {
                        root: glob.clone(),
                        patterns: Vec::new(),
                    }
                }
            })
            .collect();
    }
    let patterns: Vec<String> = provider
        .file_patterns()
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    options
        .roots
        .get(&provider.id())
        .cloned()
        .unwrap_or_else(|| provider.default_roots(env))
        .into_iter()
        .map(|root| Search {
            root,
            patterns: patterns.clone(),
        })
        .collect()
}

/// Walks a provider's roots and returns the log files, each (device, inode) once.
fn discover(provider: &dyn Provider, searches: &[Search]) -> (Vec<RootStatus>, Vec<Found>) {
    let mut status = Vec::new();
    let mut found = Vec::new();
    let mut seen_inodes = HashSet::new();
    for search in searches {
        // A root itself may be a symlink (`~/.claude` on another disk is the user's choice);
        // nothing below it is followed.
        let kind = std::fs::metadata(&search.root).map(|m| m.file_type());
        let is_dir = kind.as_ref().is_ok_and(|t| t.is_dir());
        let is_file = kind.as_ref().is_ok_and(|t| t.is_file());
        status.push(RootStatus {
            path: search.root.clone(),
            exists: is_dir || is_file,
            note: root_note(&kind),
        });
        // A file root is opened without following symlinks, so by its real path.
        let root = if is_file {
            match search.root.canonicalize_utf8() {
                Ok(real) => real,
                Err(_) => continue,
            }
        } else {
            search.root.clone()
        };
        let root = &root;
        let mut keep = |root: &Utf8Path, relative: &Utf8Path, stat: &FileStat| {
            // Two paths to one file (a hard link) are read once. Without Unix inodes
            // (dev and ino are 0 there) paths are the only identity.
            if provider.excludes(relative)
                || (cfg!(unix) && !seen_inodes.insert((stat.dev, stat.ino)))
            {
                return;
            }
            let path = root.join(relative);
            // An immutable open never reads the write-ahead log, so its changes are not the
            // database's.
            let stat = match provider.source_kind(relative) {
                SourceKind::Database if !provider.database_immutable() => {
                    database_stat(&path, *stat)
                }
                _ => *stat,
            };
            found.push(Found {
                path,
                root: root.to_owned(),
                relative: relative.to_owned(),
                stat,
            });
        };
        if is_file {
            if let (Some(parent), Some(name)) = (root.parent(), root.file_name())
                && let Ok(stat) = FileStat::of_path(root)
                && stat.is_regular
            {
                keep(parent, Utf8Path::new(name), &stat);
            }
            continue;
        }
        if !is_dir {
            continue;
        }
        let globs = glob_set(&search.patterns);
        for (start, depth) in walk_plan(&search.patterns) {
            walk(root, &start, 0, depth, &mut |relative, stat| {
                if globs.is_match(relative.as_std_path()) {
                    keep(root, relative, stat);
                }
            });
        }
    }
    // Databases last: where one holds a copy of what a file holds (OpenCode migrates its JSON
    // messages into its database), the database's copy is written last and wins.
    found.sort_by_cached_key(|f| {
        (
            provider.source_kind(&f.relative) == SourceKind::Database,
            f.path.clone(),
        )
    });
    found.dedup_by(|a, b| a.path == b.path);
    (status, found)
}

/// A database's identity for "unchanged": the main file's, with the size and time of its
/// write-ahead log folded in, since new rows live there until a checkpoint.
fn database_stat(path: &Utf8Path, stat: FileStat) -> FileStat {
    let wal = Utf8PathBuf::from(format!("{path}-wal"));
    match FileStat::of_path(&wal) {
        Ok(w) if w.is_regular => FileStat {
            size: stat.size.saturating_add(w.size),
            mtime_ns: stat.mtime_ns.max(w.mtime_ns),
            ..stat
        },
        _ => stat,
    }
}

fn glob_set(patterns: &[String]) -> GlobSet {
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
    // An absolute glob (a configured `generic_paths` entry) keeps its root.
    let mut prefix = if pattern.starts_with('/') {
        Utf8PathBuf::from("/")
    } else {
        Utf8PathBuf::new()
    };
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
/// The walks that find every file some pattern can match: each pattern's literal directory,
/// walked once, as deep as the deepest pattern starting there can reach (`*.db` only the
/// directory itself, `*/events.jsonl` one level down, `**` down to [`MAX_DEPTH`]). Agents keep
/// much besides logs under their roots (OpenCode's message parts, Copilot's checkpoints), and
/// a warm scan should not stat them.
fn walk_plan(patterns: &[String]) -> Vec<(Utf8PathBuf, usize)> {
    let mut plan: Vec<(Utf8PathBuf, usize)> = Vec::new();
    for pattern in patterns {
        let start = literal_prefix(pattern);
        let rest = pattern
            .strip_prefix(start.as_str())
            .unwrap_or(pattern)
            .trim_start_matches('/');
        let depth = if rest.contains("**") {
            MAX_DEPTH
        } else {
            rest.matches('/').count()
        };
        match plan.iter_mut().find(|(s, _)| *s == start) {
            Some((_, d)) => *d = (*d).max(depth),
            None => plan.push((start, depth)),
        }
    }
    plan
}

/// Visits every regular file below `root/dir`, at most `max_depth` directories down, never
/// following symlinks.
fn walk(
    root: &Utf8Path,
    dir: &Utf8Path,
    depth: usize,
    max_depth: usize,
    visit: &mut dyn FnMut(&Utf8Path, &FileStat),
) {
    if depth > max_depth.min(MAX_DEPTH) {
        return;
    }
    // The walk starts below the root at a pattern's literal directory (`projects`); like every
    // directory below, it must be a real directory, not a symlink leading elsewhere.
    if depth == 0 && !dir.as_str().is_empty() {
        match std::fs::symlink_metadata(root.join(dir)) {
            Ok(m) if m.file_type().is_dir() => {}
            _ => return,
        }
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
            walk(root, &relative, depth + 1, max_depth, visit);
        } else if file_type.is_file()
            && let Ok(stat) = FileStat::of_path(&root.join(&relative))
            && stat.is_regular
        {
            visit(&relative, &stat);
        }
    }
}

/// Whether a file's checkpoint settles it without opening it: same parser version, same
/// identity, size and time, and not a document skipped for a size cap the options have since
/// raised (raising `max_document_bytes` reads it on the next scan).
fn settled(cp: &Checkpoint, version: u32, stat: &FileStat, options: &ScanOptions) -> bool {
    cp.parser_version == version
        && cp.is_unchanged(stat)
        && cp
            .parser_state
            .strip_prefix(TOO_LONG_STATE)
            .and_then(|cap| std::str::from_utf8(cap).ok()?.parse::<u64>().ok())
            .is_none_or(|cap| cap >= options.max_document)
}

/// The state of a whole document skipped as longer than the cap, followed by the cap.
const TOO_LONG_STATE: &[u8] = b"too_long:";

fn too_long_state(cap: u64) -> Vec<u8> {
    let mut state = TOO_LONG_STATE.to_vec();
    state.extend_from_slice(cap.to_string().as_bytes());
    state
}

/// Parses one framed line; the offset and reason when it is skipped.
fn parse_frame(
    frame: Frame<'_>,
    parser: &mut dyn LineParser,
    records: &mut Vec<crate::record::UsageRecord>,
) -> Option<(u64, SkipReason)> {
    match frame {
        Frame::TooLong { start, .. } => Some((start, SkipReason::TooLong)),
        Frame::Line { bytes, start } => {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                None
            } else if memchr::memchr(0, bytes).is_some() {
                Some((start, SkipReason::Binary))
            } else {
                match parser.parse_line(bytes, records) {
                    LineOutcome::Records(_) | LineOutcome::Ignored => None,
                    LineOutcome::Skipped(reason) => Some((start, reason)),
                }
            }
        }
    }
}

/// Counts a skip and keeps it as an example while there is room.
fn note_skip(
    path: &Utf8Path,
    offset: u64,
    reason: SkipReason,
    skips: &mut SkipCounts,
    examples: &mut Vec<SkippedLine>,
) {
    skips.add(reason);
    if examples.len() < MAX_EXAMPLES {
        examples.push(SkippedLine {
            path: path.to_owned(),
            offset,
            reason: reason.as_str(),
        });
    }
}

/// Everything `reader` yields, or `None` when that is more than `cap` bytes.
fn read_capped(reader: impl std::io::Read, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

/// Opens an agent's database read-only, never following a symlink, never creating anything.
/// `immutable` also skips locking and the write-ahead log. A database whose write-ahead log
/// cannot be shared read-only (no `-shm` file, say) is opened immutable rather than not at all.
fn open_database(path: &Utf8Path, immutable: bool) -> std::io::Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let open = |immutable: bool| -> rusqlite::Result<rusqlite::Connection> {
        let uri = format!(
            "file:{}?mode=ro{}",
            uri_path(path),
            if immutable { "&immutable=1" } else { "" }
        );
        let db = rusqlite::Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        // Opening is lazy: touch the schema so a file that is not a database fails here.
        db.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        })?;
        Ok(db)
    };
    match open(immutable) {
        Ok(db) => Ok(db),
        Err(_) if !immutable => open(true),
        Err(e) => Err(e),
    }
    .map_err(|e| std::io::Error::other(format!("database: {e}")))
}

/// A path as the path part of an SQLite `file:` URI: bytes outside a safe set
/// percent-encoded, so `?`, `#` and `%` in a directory name cannot change the URI.
fn uri_path(path: &Utf8Path) -> String {
    let mut out = String::with_capacity(path.as_str().len());
    for b in path.as_str().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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

    #[cfg(unix)]
    #[test]
    fn a_root_may_be_a_symlink_but_nothing_below_it_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        let base = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let write = |rel: &str| {
            let p = base.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "{}\n").unwrap();
        };
        write("disk/claude/projects/p/s.jsonl");
        write("disk/outside/x.jsonl");
        write("disk/aider.jsonl");
        std::fs::create_dir_all(base.join("home/.aider")).unwrap();
        std::os::unix::fs::symlink(base.join("disk/claude"), base.join("home/.claude")).unwrap();
        std::os::unix::fs::symlink(
            base.join("disk/outside"),
            base.join("disk/claude/projects/q"),
        )
        .unwrap();
        std::os::unix::fs::symlink(
            base.join("disk/aider.jsonl"),
            base.join("home/.aider/analytics.jsonl"),
        )
        .unwrap();
        let env = Env::for_tests(base.join("home"), &[]);
        let options = ScanOptions::default();
        let claude = discover_logs(ProviderId::ClaudeCode, &env, &options);
        assert_eq!((claude.files, claude.roots[0].exists), (1, true));
        let aider = discover_logs(ProviderId::Aider, &env, &options);
        assert_eq!(aider.files, 1);
        // The file root is read by its real path, which the O_NOFOLLOW open accepts.
        let p = crate::provider::by_id(ProviderId::Aider);
        let (_, found) = discover(p.as_ref(), &searches(p.as_ref(), &env, &options));
        assert_eq!(
            found[0].path,
            base.join("disk/aider.jsonl").canonicalize_utf8().unwrap()
        );
        assert!(tail::open_regular(&found[0].path).is_ok());
    }

    #[test]
    fn walk_plans_reach_only_as_deep_as_patterns_can_match() {
        let plan = |p: &[&str]| walk_plan(&p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(
            plan(&["storage/message/**/*.json", "opencode*.db"]),
            [
                (Utf8PathBuf::from("storage/message"), MAX_DEPTH),
                (Utf8PathBuf::new(), 0)
            ]
        );
        assert_eq!(
            plan(&[
                "session-state/*/events.jsonl",
                "session-state/*.jsonl",
                "session-store.db"
            ]),
            [
                (Utf8PathBuf::from("session-state"), 1),
                (Utf8PathBuf::new(), 0)
            ]
        );
        // Patterns sharing a directory walk it once.
        assert_eq!(
            plan(&["sessions/**/*.jsonl", "sessions/**/*.jsonl.zst"]),
            [(Utf8PathBuf::from("sessions"), MAX_DEPTH)]
        );
        assert_eq!(
            plan(&["tmp/*/chats/**/*.json"]),
            [(Utf8PathBuf::from("tmp"), MAX_DEPTH)]
        );
    }

    #[test]
    fn literal_prefixes() {
        assert_eq!(literal_prefix("projects/**/*.jsonl"), "projects");
        assert_eq!(literal_prefix("a/b/*.json"), "a/b");
        assert_eq!(literal_prefix("tmp/*/chats/*.json"), "tmp");
        assert_eq!(literal_prefix("*.jsonl"), "");
        assert_eq!(literal_prefix("/h/logs/**/*.jsonl"), "/h/logs");
        assert_eq!(literal_prefix("/*.jsonl"), "/");
    }
}
