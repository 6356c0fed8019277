//! The reading side of a scan: decides where each file starts (unchanged, resumed, adopted
//! from a renamed or copied file, or from byte 0) and which of its lines another copy of the
//! log already counted (`copies`), frames and parses its new lines, reads
//! documents, `.jsonl.zst` archives and agents' databases whole, and sends records with the
//! checkpoint that accounts for them to the writer.

use std::collections::HashMap;
use std::fs::File;
use std::sync::mpsc::SyncSender;

use camino::{Utf8Path, Utf8PathBuf};

use super::agent_db::AgentDb;
use super::copies;
use super::discover::Found;
use super::events::{Chunk, Event, flush_records};
use super::summary::MAX_EXAMPLES;
use super::{FileProblem, ScanOptions, SkippedLine};
use crate::hash::ContentKey;
use crate::live::RateLimitSnapshot;
use crate::provider::{LineOutcome, LineParser, Provider, SkipReason, SourceContext, SourceKind};
use crate::store::{SkipCounts, SourceUpdate};
use crate::tail::{self, Checkpoint, FileStat, Frame, LineReader, ResetReason, Start};

/// The reading side: decides where each file starts, frames and parses its new lines.
pub(super) struct Reader<'p> {
    pub(super) provider: &'p dyn Provider,
    pub(super) options: &'p ScanOptions,
    /// Checkpoints by the walked files' real paths: stored ones, updated as files are read
    /// in this scan.
    pub(super) known: HashMap<Utf8PathBuf, Checkpoint>,
    /// Stored checkpoints no walked file resolves to (files gone or renamed, roots not walked
    /// now): copies a file may continue from, known by no path that could be opened.
    pub(super) unwalked: Vec<Checkpoint>,
    /// Every checkpoint seen (stored or written in this scan) by first-line hash: the copies
    /// of a log a file may continue from or be covered by (`copies`). A stored checkpoint
    /// stays a candidate after its path was read anew, since the file it describes may have
    /// moved.
    pub(super) by_head: HashMap<i64, Vec<copies::Candidate>>,
    /// Events not yet sent, and the records they hold. Events travel in bundles of many
    /// small files' worth, so the reader can run ahead while the writer commits.
    pub(super) outbox: Vec<Event>,
    pub(super) outbox_records: usize,
    /// The line reader's buffer, handed from one file to the next.
    pub(super) line_buffer: Vec<u8>,
    /// The project [`Provider::context`] found per directory, so a directory's marker files
    /// (Gemini's `.project_root`, `projects.json`) are read once per scan, not once per file.
    pub(super) projects: HashMap<Utf8PathBuf, Option<String>>,
    /// The form the database stores projects in: parsers keep projects in their states, which
    /// checkpoints store, in this form.
    pub(super) project_paths: crate::privacy::ProjectPaths,
    /// The database's key: content hashes in checkpoints are sealed with it
    /// ([`ContentKey`]), so they compare with the stored ones.
    pub(super) content_key: ContentKey,
}

/// Where a reader's bundles of events go: the writer's channel, or the list of a file's events
/// a helper reads ahead ([`Reader::read_ahead`]).
pub(super) trait Outlet {
    /// Passes a bundle on; false when nobody listens any more.
    fn pass(&mut self, events: Vec<Event>) -> bool;
}

impl Outlet for SyncSender<Vec<Event>> {
    fn pass(&mut self, events: Vec<Event>) -> bool {
        self.send(events).is_ok()
    }
}

impl Outlet for Vec<Event> {
    fn pass(&mut self, mut events: Vec<Event>) -> bool {
        self.append(&mut events);
        true
    }
}

/// Records per bundle sent to the writer (a bundle also closes at [`OUTBOX_EVENTS`]). With the
/// channel's four slots, the reader runs up to about a batch ahead of the writer.
const OUTBOX_RECORDS: usize = 4_096;
/// Events per bundle sent to the writer.
const OUTBOX_EVENTS: usize = 512;

impl<'p> Reader<'p> {
    /// Queues an event for the writer, sending the bundle when it is full; false when the
    /// writer has stopped listening.
    fn emit(&mut self, event: Event, tx: &mut dyn Outlet) -> bool {
        if let Event::Chunk(chunk) = &event {
            self.outbox_records += chunk.records.len();
        }
        self.outbox.push(event);
        if self.outbox_records >= OUTBOX_RECORDS || self.outbox.len() >= OUTBOX_EVENTS {
            return self.send(tx);
        }
        true
    }

    fn send(&mut self, tx: &mut dyn Outlet) -> bool {
        self.outbox_records = 0;
        self.outbox.is_empty() || tx.pass(std::mem::take(&mut self.outbox))
    }

    pub(super) fn run(mut self, files: &[&Found], mut tx: SyncSender<Vec<Event>>) {
        // Index stored checkpoints by first-line hash, for rename and copy detection.
        let stored = self
            .known
            .iter()
            .map(|(path, cp)| (Some(path.clone()), cp))
            .chain(self.unwalked.iter().map(|cp| (None, cp)));
        for (path, cp) in stored {
            if let Some(h) = cp.head_hash {
                self.by_head.entry(h).or_default().push((path, cp.clone()));
            }
        }
        let ahead = super::ahead::plan(
            &super::ahead::Known {
                provider: self.provider,
                has_checkpoint: &|f| self.known.contains_key(&f.path),
                stored_head: &|h| self.by_head.contains_key(&h),
                content_key: &self.content_key,
            },
            files,
        );
        if ahead.is_worth_it() {
            std::thread::scope(|scope| self.run_with_help(scope, files, &ahead, &mut tx));
        } else {
            for found in files {
                if !self.one(found, &mut tx) {
                    return; // The writer stopped.
                }
            }
        }
        self.send(&mut tx);
    }

    /// [`Reader::run`] with a second reader parsing every second file [`ahead::plan`] picked on
    /// another thread, ahead of this one, while this one reads the others. The helper's events
    /// are passed on at their place in the file order, so the writer sees exactly what one
    /// reader would have sent (docs/storage.md, "Reading on two cores").
    fn run_with_help<'scope>(
        &mut self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        files: &[&Found],
        ahead: &super::ahead::Plan,
        tx: &mut dyn Outlet,
    ) where
        Self: 'scope,
    {
        let (helper_tx, helper_rx) = std::sync::mpsc::sync_channel(super::ahead::FILES_AHEAD);
        let helper = self.helper();
        let picked: Vec<(Found, i64)> = ahead
            .helpers_files(files)
            .into_iter()
            .map(|(f, h)| (f.clone(), h))
            .collect();
        scope.spawn(move || helper.read_ahead(&picked, helper_tx));
        for (i, found) in files.iter().enumerate() {
            let sent = match ahead.is_helpers(i).then(|| helper_rx.recv().ok()).flatten() {
                Some(Some(events)) => self.pass_on(events, tx),
                // Not read ahead after all (its first line changed since the plan), or the
                // helper stopped: read here.
                _ => self.one(found, tx),
            };
            if !sent {
                return; // The writer stopped; dropping the receiver stops the helper.
            }
        }
    }

    /// A reader for [`Reader::read_ahead`]: this one's settings, none of its state (the files
    /// it reads have no checkpoint and share their first line with no other log).
    fn helper(&self) -> Reader<'p> {
        Reader {
            provider: self.provider,
            options: self.options,
            known: HashMap::new(),
            unwalked: Vec::new(),
            by_head: HashMap::new(),
            outbox: Vec::new(),
            outbox_records: 0,
            line_buffer: Vec::new(),
            projects: HashMap::new(),
            project_paths: self.project_paths,
            content_key: self.content_key,
        }
    }

    /// Reads each picked file whole into its list of events and sends the lists, in order;
    /// `None` for a file whose first line is no longer the one the plan saw, which the main
    /// reader then reads itself.
    fn read_ahead(mut self, picked: &[(Found, i64)], tx: SyncSender<Option<Vec<Event>>>) {
        for (found, head) in picked {
            let same_head = open_found(found)
                .and_then(|(file, _)| tail::fingerprint(&file, &self.content_key))
                .is_ok_and(|f| f.head_hash == Some(*head));
            let events = same_head.then(|| {
                let mut events: Vec<Event> = Vec::new();
                self.one(found, &mut events);
                self.send(&mut events);
                events
            });
            if tx.send(events).is_err() {
                return;
            }
        }
    }

    /// Passes on the events a helper read, remembering the files' checkpoints as reading them
    /// here would have.
    fn pass_on(&mut self, events: Vec<Event>, tx: &mut dyn Outlet) -> bool {
        for event in events {
            if let Event::Chunk(chunk) = &event
                && chunk.file_done
            {
                self.remember(&chunk.source);
            }
            if !self.emit(event, tx) {
                return false;
            }
        }
        true
    }

    /// Reads one file, a problem with it becoming a reported event; false when the writer has
    /// stopped listening.
    fn one(&mut self, found: &Found, tx: &mut dyn Outlet) -> bool {
        match self.file(found, tx) {
            Ok(sent) => sent,
            Err(e) => self.emit(
                Event::Problem(FileProblem {
                    path: found.path.clone(),
                    problem: e.to_string(),
                }),
                tx,
            ),
        }
    }

    /// Reads one file; `Ok(false)` when the writer has stopped listening.
    fn file(&mut self, found: &Found, tx: &mut dyn Outlet) -> std::io::Result<bool> {
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
        let (file, stat) = open_found(found)?;
        let content_key = self.content_key;
        let key = &content_key;
        let head = tail::fingerprint(&file, key)?;
        let mut start = tail::plan_start(&file, &stat, &head, prior.as_ref(), version, key)?;
        let head_hash = head.head_hash;
        // The file kept its identity but not the content its checkpoint consumed.
        let content_replaced = matches!(
            start,
            Start::Reset(ResetReason::Truncated | ResetReason::TailChanged)
        );
        let ctx = self.context(found);
        // Copies of this log read before (docs/identity.md, "Copies of a log"). In a rebuild
        // `known` starts empty, so only files read earlier in it are candidates.
        let candidates = head_hash
            .and_then(|h| self.by_head.get(&h))
            .map_or(&[][..], Vec::as_slice);
        if !matches!(start, Start::Resume { .. })
            && let Some(cp) =
                copies::adoptable(&found.path, &file, &stat, candidates, version, key)?
        {
            start = Start::Resume {
                offset: cp.offset,
                parser_state: cp.parser_state.clone(),
            };
        }
        let (offset, state) = match &start {
            Start::Resume {
                offset,
                parser_state,
            } => (*offset, Some(parser_state.as_slice())),
            Start::Fresh | Start::Reset(_) => (0, None),
        };
        let (mut parser, offset) = match self.provider.parser(&ctx, state) {
            Ok(parser) => (parser, offset),
            // An unreadable state: read the file again from its start.
            Err(_) => match self.provider.parser(&ctx, None) {
                Ok(parser) => (parser, 0),
                Err(e) => return Err(std::io::Error::other(e.to_string())),
            },
        };
        let covered =
            copies::covered_until(&found.path, &file, &stat, offset, candidates, version, key)?;
        let restarted = matches!(start, Start::Reset(_));
        if !self.emit(Event::Opened { restarted }, tx) {
            return Ok(false);
        }
        let open = OpenFile {
            found,
            file: &file,
            stat,
            head_hash,
            covered,
            content_replaced,
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
                project_paths: self.project_paths,
            };
        }
        let mut ctx = self.provider.context(&found.root, &found.relative);
        self.projects.insert(dir, ctx.project.clone());
        ctx.project_paths = self.project_paths;
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
        tx: &mut dyn Outlet,
    ) -> std::io::Result<bool> {
        let ctx = self.context(found);
        let path = &found.path;
        let mut records = Vec::new();
        let mut rate_limits = Vec::new();
        let mut skips = SkipCounts::default();
        let mut skipped = Vec::new();
        let mut lines = 0u64;
        // Read whole: the source's counters start afresh, except after an incremental database
        // read, whose counts add to what earlier reads found.
        let mut restarted = true;
        // The cap a document or archive was larger than, when it was skipped for it.
        let mut skipped_over_cap = None;
        // Something to report about a file that was read all the same.
        let mut note = None;
        let (stat, new_state) = match kind {
            SourceKind::Database => {
                // By its real path: SQLite refuses a symlink anywhere in it (docs/roots.md).
                let db = AgentDb::open(
                    &found.real_path,
                    self.provider.database_immutable(),
                    found.stat.size,
                )?;
                let read = self
                    .provider
                    .read_database(&ctx, db.connection(), state.as_deref(), &mut records)
                    .map_err(|e| db.read_error(e))?;
                for (rowid, reason) in &read.skipped {
                    note_skip(path, *rowid, *reason, &mut skips, &mut skipped);
                }
                restarted = read.full;
                note = db.note();
                // The stat taken at discovery: the database and its write-ahead log together.
                (found.stat, read.state)
            }
            SourceKind::Document | SourceKind::ZstdLines => {
                let (file, stat) = open_found(found)?;
                let cap = self.options.max_document;
                let bytes = if kind == SourceKind::Document {
                    read_capped(SeekingReader::new(&file, 0), cap)?
                } else {
                    let decoder =
                        ruzstd::decoding::StreamingDecoder::new(SeekingReader::new(&file, 0))
                            .map_err(|e| std::io::Error::other(format!("zstd: {e}")))?;
                    read_capped(decoder, cap)?
                };
                match bytes {
                    None => {
                        note_skip(path, 0, SkipReason::TooLong, &mut skips, &mut skipped);
                        skipped_over_cap = Some(cap);
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
                                parse_frame(frame, parser.as_mut(), &mut records, &mut rate_limits)
                            {
                                note_skip(path, at, reason, &mut skips, &mut skipped);
                            }
                        }
                    }
                }
                // Read whole from a fresh parser every time: no state to keep.
                (stat, Vec::new())
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
                // A file read with something to report is not settled by this read: the next
                // scan reads it (and reports) again, until what was wrong is put right.
                size: note.is_none().then_some(stat.size),
                mtime_ns: stat.mtime_ns,
                parser_state: new_state,
                parser_version: self.provider.parser_version(),
                skipped_over_cap,
            },
            restarted,
            records: records.len() as u64,
            skips,
            // Read whole: a rebuild keeps what it no longer holds (docs/storage.md, "Rebuilds").
            content_replaced: false,
        };
        self.known.insert(path.clone(), source.checkpoint.clone());
        let chunk = Chunk {
            records,
            rate_limits,
            source,
            bytes: stat.size,
            lines,
            skipped,
            // With a note, the file is done once the note is sent.
            file_done: note.is_none(),
        };
        if !self.emit(Event::Chunk(Box::new(chunk)), tx) {
            return Ok(false);
        }
        match note {
            Some(problem) => Ok(self.emit(
                Event::Problem(FileProblem {
                    path: path.clone(),
                    problem,
                }),
                tx,
            )),
            None => Ok(true),
        }
    }

    /// Frames and parses from `offset` to the last complete line within the size the file had
    /// when opened, sending chunks of at most a batch of records, each with the checkpoint just
    /// past them.
    fn read_lines(
        &mut self,
        open: &OpenFile<'_>,
        offset: u64,
        parser: &mut dyn LineParser,
        tx: &mut dyn Outlet,
    ) -> std::io::Result<bool> {
        // Only up to the size seen when the file was opened: what an agent appends meanwhile is
        // read by the next scan, so a file growing faster than it is read cannot keep a scan
        // from finishing.
        let mut reader = LineReader::with_buffer(
            std::io::Read::take(
                SeekingReader::new(open.file, offset),
                open.stat.size.saturating_sub(offset),
            ),
            offset,
            self.options.max_line,
            std::mem::take(&mut self.line_buffer),
        );
        let mut restarted = offset == 0;
        // Said with the file's first checkpoint only, which commits with its first records.
        let mut content_replaced = open.content_replaced;
        let mut records = Vec::new();
        let mut rate_limits = Vec::new();
        let mut skips = SkipCounts::default();
        let mut skipped = Vec::new();
        let mut lines = 0u64;
        let mut last_offset = offset;
        while let Some(frame) = reader.next_frame()? {
            lines += 1;
            let before = (records.len(), rate_limits.len());
            if let Some((at, reason)) = parse_frame(frame, parser, &mut records, &mut rate_limits) {
                note_skip(&open.found.path, at, reason, &mut skips, &mut skipped);
            }
            if reader.offset() <= open.covered {
                // Counted when the copy that holds this line was read: parsed for the state
                // only.
                records.truncate(before.0);
                rate_limits.truncate(before.1);
            }
            if records.len() >= flush_records() || rate_limits.len() >= flush_records() {
                // A mid-file checkpoint: never "unchanged", so the next scan resumes here.
                let now = reader.offset();
                let mut source =
                    self.source(open, now, None, &*parser, restarted, records.len(), skips)?;
                source.content_replaced = std::mem::take(&mut content_replaced);
                let chunk = Chunk {
                    records: std::mem::take(&mut records),
                    rate_limits: std::mem::take(&mut rate_limits),
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
        self.line_buffer = reader.into_buffer();
        let mut source = self.source(
            open,
            end,
            Some(open.stat.size),
            &*parser,
            restarted,
            records.len(),
            skips,
        )?;
        source.content_replaced = content_replaced;
        self.remember(&source);
        let chunk = Chunk {
            records,
            rate_limits,
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
                .push((Some(source.path.clone()), source.checkpoint.clone()));
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
                tail::fingerprint(open.file, &self.content_key)?.head_hash
            } else {
                open.head_hash
            },
            offset,
            tail_hash: tail::tail_hash(open.file, offset, &self.content_key)?,
            size,
            mtime_ns: open.stat.mtime_ns,
            parser_state: parser.state(),
            parser_version: self.provider.parser_version(),
            skipped_over_cap: None,
        };
        Ok(SourceUpdate {
            provider: self.provider.id(),
            path: open.found.path.clone(),
            checkpoint,
            restarted,
            records: records as u64,
            skips,
            content_replaced: false,
        })
    }
}

/// Opens a file the walk found, below its root without following a symlink
/// ([`tail::open_beneath`]), and checks it is the file the walk saw: the same device and inode
/// as its `lstat`. A file or directory swapped since (for a symlink, or a link to another
/// file) is an error naming what changed, and nothing of it is read (docs/roots.md).
fn open_found(found: &Found) -> std::io::Result<(File, FileStat)> {
    crate::failpoint::pause("before-open");
    let (file, stat) = tail::open_beneath(&found.root, &found.relative)?;
    if (stat.dev, stat.ino) != (found.stat.dev, found.stat.ino) {
        return Err(std::io::Error::other(
            "replaced by another file between the walk and the open (a link or rename into the root); not read",
        ));
    }
    Ok((file, stat))
}

/// A file opened for reading, with what was learned when opening it.
struct OpenFile<'f> {
    found: &'f Found,
    file: &'f File,
    /// The `fstat` taken before reading: the size and time a final checkpoint records.
    stat: FileStat,
    head_hash: Option<i64>,
    /// Lines ending at or before this offset were counted from another copy of the log.
    covered: u64,
    /// See [`SourceUpdate::content_replaced`].
    content_replaced: bool,
}

/// Whether a file's checkpoint settles it without opening it: same parser version, same
/// identity, size and time, and not a document skipped for a size cap the options have since
/// raised (raising `max_document_bytes` reads it on the next scan).
pub(super) fn settled(
    cp: &Checkpoint,
    version: u32,
    stat: &FileStat,
    options: &ScanOptions,
) -> bool {
    cp.parser_version == version
        && cp.is_unchanged(stat)
        && cp
            .skipped_over_cap
            .is_none_or(|cap| cap >= options.max_document)
}

/// Parses one framed line; the offset and reason when it is skipped. The rate-limit
/// snapshots the line reported go to `rate_limits`.
fn parse_frame(
    frame: Frame<'_>,
    parser: &mut dyn LineParser,
    records: &mut Vec<crate::record::UsageRecord>,
    rate_limits: &mut Vec<RateLimitSnapshot>,
) -> Option<(u64, SkipReason)> {
    let skipped = parse_frame_records(frame, parser, records);
    parser.take_rate_limits(rate_limits);
    skipped
}

fn parse_frame_records(
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
