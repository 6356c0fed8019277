//! The scan loop: discover log files, read what is new in each, store records and checkpoints.
//!
//! For every selected provider of the options' registry (the built-in ones and any a program
//! registered; the scanner knows them only through the [`Provider`] trait): walk its roots
//! (never following a symlink below a root) and its globs, keep the files its patterns match,
//! and for each file decide from its checkpoint whether it is unchanged (not
//! opened), grown (resumed), or new or replaced (read from byte 0). Complete lines go to the
//! provider's parser; whole documents, `.jsonl.zst` archives and agents' databases are read
//! whole whenever they change. Records and the checkpoint that accounts for them are committed
//! together. Reading and parsing run on a second thread while this one writes.
//!
//! Files that disappeared lose their checkpoint but never their records: agents delete old
//! transcripts, and the store is where that history survives.
//!
//! The files: [`options`](ScanOptions) says what to scan; `discover` finds the files; `read`
//! (a second thread) turns them into records and checkpoints; `write` commits them; `summary`
//! is what a scan reports and `status` what `scopeon providers` shows; `watch` is what a
//! follower watches and polls between scans.

mod agent_db;
mod ahead;
mod copies;
mod discover;
mod events;
mod options;
mod read;
mod status;
mod summary;
mod watch;
mod write;

use std::collections::HashMap;
use std::time::Instant;

use camino::Utf8Path;

use crate::env::Env;
use crate::error::Result;
use crate::provider::Provider;
use crate::record::ProviderId;
use crate::store::{Batch, Resolved, SkipCounts, Store, is_below};

pub(crate) use discover::discover_logs;
pub use options::{DEFAULT_MAX_DOCUMENT, ScanOptions};
pub use status::providers_document;
pub use summary::{FileProblem, Progress, ProviderScan, RootStatus, ScanSummary, SkippedLine};
pub(crate) use watch::{logs_fingerprint, watch_roots};

use discover::{Found, discover, pick, searches};
use events::Event;
use read::{Reader, settled};
use write::Writer;

/// Scans every selected provider into `store` (see [`ScanOptions::enabled`]), calling
/// `progress` after each file.
///
/// Fails when [`ScanOptions::providers`] names a provider that is not registered, and on a
/// database error; a file that cannot be read is reported in the summary instead.
pub fn scan(
    store: &mut Store,
    env: &Env,
    options: &ScanOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ScanSummary> {
    let started = Instant::now();
    // Log paths stored in full under a reduced privacy form (a database from before log
    // paths were keyed) are keyed before anything else is written.
    store.settle_log_paths()?;
    let mut plans: Vec<Plan<'_>> = options
        .selected()?
        .into_iter()
        .map(|p| {
            let searches = searches(p, env, options);
            match &options.files {
                // Named files: no root is walked, so no root's status is reported and no
                // other file's checkpoint can be judged gone.
                Some(wanted) => (p, Vec::new(), pick(p, &searches, wanted)),
                None => {
                    let (status, files) = discover(p, &searches);
                    (p, status, files)
                }
            }
        })
        .collect();
    let files_total = plans.iter().map(|(_, _, f)| f.len() as u64).sum();
    // A rebuild re-reads every file of a provider: when asked, and on its own when a file was
    // last read by another parser version, since merging a fixed parse onto the old rows
    // would keep whatever the old parser over-counted.
    let mut rebuild: Vec<ProviderId> = Vec::new();
    for (p, _, files) in &mut plans {
        if options.files.is_some() {
            // A scan of named files never rebuilds: a rebuild re-reads every log of the
            // provider. Asked for one, it reads nothing; a named file last read by another
            // parser version is left out in `ingest_all`. Both wait for the next full scan.
            if options.rebuild {
                files.clear();
            }
        } else if options.rebuild || store.has_outdated_sources(p.id(), p.parser_version())? {
            rebuild.push(p.id());
        }
    }
    if !rebuild.is_empty() {
        store.begin_rebuild(&rebuild)?;
    }
    // A first full scan writes without the indexes only queries read and builds them at the
    // end (docs/storage.md, "Bulk loads"). Not inside a rebuild's transaction, and not for
    // named files (a statusline call reads one transcript).
    let bulk = rebuild.is_empty() && options.files.is_none() && store.begin_bulk_load()?;
    // A failed or panicking rebuild must leave nothing behind (its transaction open, say).
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ingest_all(store, plans, files_total, options, &rebuild, progress)
    }));
    if bulk {
        // Whatever the outcome: the records committed so far are queried next.
        let finished = store.finish_bulk_load();
        if outcome.as_ref().is_ok_and(|r| r.is_ok()) {
            finished?;
        }
    }
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
/// Reading and parsing run on other threads while this one writes to SQLite; a reader sends
/// each file's records together with the checkpoint that accounts for them, so commits stay
/// exactly as atomic as with one thread. Providers share nothing a reader uses (their files,
/// checkpoints, copies and keys are their own), so the next provider's reader starts while this
/// one's records are written: at most two providers' readers at a time (each may start a
/// read-ahead helper, `ahead`), and each provider's events are written in its file order, as
/// one reader would send them.
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
    // What each provider's reader gets, prepared before any reading starts (the stored
    // checkpoints are read from the database, which only this thread uses).
    let mut jobs = Vec::with_capacity(plans.len());
    let mut to_read: Vec<Vec<Found>> = Vec::with_capacity(plans.len());
    let mut readers = Vec::with_capacity(plans.len());
    for (provider, roots, files) in plans {
        let (job, files, reader) = prepare(&mut writer, provider, roots, files, options, rebuild)?;
        jobs.push(job);
        to_read.push(files);
        readers.push(reader);
    }
    let mut summary = ScanSummary::default();
    std::thread::scope(|scope| -> Result<()> {
        let mut reads = to_read.iter().zip(readers);
        let mut next = reads
            .next()
            .and_then(|(files, reader)| spawn_reader(scope, files, reader));
        for mut job in jobs {
            let current = next.take();
            // The next provider reads ahead while this one is written.
            next = reads
                .next()
                .and_then(|(files, reader)| spawn_reader(scope, files, reader));
            for _ in 0..job.unchanged {
                writer.apply(Event::Unchanged, &mut job.ps, progress)?;
            }
            // When this loop returns early (a database error), the receivers are dropped and
            // the readers stop at their next send.
            for events in current.into_iter().flatten() {
                for event in events {
                    writer.apply(event, &mut job.ps, progress)?;
                }
            }
            job.ps.new_records += writer.flush()?;
            finish(&mut writer, &job)?;
            summary.providers.push(job.ps);
        }
        Ok(())
    })?;
    Ok(summary)
}

/// Starts a provider's reader on its own thread; the receiver of what it sends, or `None`
/// when the provider has nothing to read.
fn spawn_reader<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    files: &'env [Found],
    reader: Option<Reader<'env>>,
) -> Option<std::sync::mpsc::Receiver<Vec<Event>>> {
    let reader = reader?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Event>>(4);
    scope.spawn(move || {
        let files: Vec<&Found> = files.iter().collect();
        reader.run(&files, tx);
    });
    Some(rx)
}

/// One provider's part of a scan, on the writing side.
struct ProviderJob {
    ps: ProviderScan,
    /// Files settled from the walk's stat alone.
    unchanged: usize,
    /// Stored checkpoints no walked file resolved to, by their stored paths.
    unwalked: Vec<(String, crate::tail::Checkpoint)>,
}

/// Prepares a provider's part of a scan: its summary, its stored checkpoints, the files that
/// are unchanged (settled from the walk's stat alone: a warm scan starts no thread and opens
/// no file) and the reader of the others (none when there are none).
fn prepare<'p>(
    writer: &mut Writer<'_>,
    provider: &'p dyn Provider,
    roots: Vec<RootStatus>,
    mut files: Vec<Found>,
    options: &'p ScanOptions,
    rebuild: &[ProviderId],
) -> Result<(ProviderJob, Vec<Found>, Option<Reader<'p>>)> {
    let ps = ProviderScan {
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
    // Stored checkpoints by the walked files' real paths; the others by their paths as
    // stored (keyed under a reduced privacy form, docs/storage.md "Log paths").
    let Resolved {
        walked: known,
        unwalked,
    } = if rebuild.contains(&provider.id()) {
        Resolved::default()
    } else if options.files.is_some() {
        let resolved = named_checkpoints(writer.store, provider.id(), &files)?;
        let version = provider.parser_version();
        files.retain(|f| {
            resolved
                .walked
                .get(&f.path)
                .is_none_or(|cp| cp.parser_version == version)
        });
        resolved
    } else {
        let walked: Vec<&Utf8Path> = files.iter().map(|f| f.path.as_path()).collect();
        writer.store.resolve_checkpoints(provider.id(), &walked)?
    };
    let version = provider.parser_version();
    let (unchanged, to_read): (Vec<Found>, Vec<Found>) = files.into_iter().partition(|f| {
        known
            .get(&f.path)
            .is_some_and(|cp| settled(cp, version, &f.stat, options))
    });
    let reader = (!to_read.is_empty()).then(|| Reader {
        provider,
        options,
        known,
        unwalked: unwalked.iter().map(|(_, cp)| cp.clone()).collect(),
        by_head: HashMap::new(),
        outbox: Vec::new(),
        outbox_records: 0,
        line_buffer: Vec::new(),
        projects: HashMap::new(),
        project_paths: writer.store.project_paths(),
        content_key: writer.store.content_key(),
    });
    let job = ProviderJob {
        ps,
        unchanged: unchanged.len(),
        unwalked,
    };
    Ok((job, to_read, reader))
}

/// Ends a provider's part of a scan: forgets the checkpoints of its files that are gone (their
/// records stay). Only paths under a root walked now can be judged gone: another root (another
/// `$CLAUDE_CONFIG_DIR`, an unmounted disk) keeps its checkpoints for when it is scanned again.
/// A checkpoint no walked file resolved to is below a walked root by its stored path (a keyed
/// root is a prefix of the keyed paths below it).
fn finish(writer: &mut Writer<'_>, job: &ProviderJob) -> Result<()> {
    let walked: Vec<&Utf8Path> = job
        .ps
        .roots
        .iter()
        .filter(|r| r.exists)
        .map(|r| r.path.as_path())
        .collect();
    let form = writer.store.log_paths();
    let gone: Vec<String> = job
        .unwalked
        .iter()
        .map(|(stored, _)| stored.clone())
        .filter(|p| walked.iter().any(|r| is_below(p, r, &form)))
        .collect();
    writer.store.forget_sources(job.ps.provider, &gone)
}

/// The checkpoints a scan of named files needs: those of the files, looked up one by one
/// (`scopeon statusline` must not load thousands of them on every call). A file read for the
/// first time may be a copy of another log (docs/identity.md, "Copies of a log"), which is
/// found among every checkpoint of the provider: then all of them are loaded, as a full scan
/// does.
fn named_checkpoints(store: &mut Store, provider: ProviderId, files: &[Found]) -> Result<Resolved> {
    let mut resolved = Resolved::default();
    for f in files {
        match store.checkpoint(provider, &f.path)? {
            Some(cp) => {
                resolved.walked.insert(f.path.clone(), cp);
            }
            None => {
                let named: Vec<&Utf8Path> = files.iter().map(|f| f.path.as_path()).collect();
                return store.resolve_checkpoints(provider, &named);
            }
        }
    }
    Ok(resolved)
}
