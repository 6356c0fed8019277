//! Keeping the database fresh while a viewer is open (docs/live.md, "Following").
//!
//! A [`Follower`] watches the providers' roots for file-system events (`notify`: inotify,
//! FSEvents, ReadDirectoryChangesW) and, since events are missed on network file systems and
//! when a kernel queue overflows, also compares a fingerprint of the log files' metadata every
//! few seconds. Either one, after a short quiet period (debounce), runs the normal incremental
//! scan. It tells its caller whether the stored data changed, by its own scan or by another
//! process's commit (SQLite's `data_version`), so a viewer re-queries only then. An idle
//! follower sleeps between polls and never scans.

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use camino::Utf8PathBuf;
use notify::event::{AccessKind, AccessMode, EventKind, EventKindMask};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use crate::env::Env;
use crate::error::Result;
use crate::scan::{ScanOptions, ScanSummary, logs_fingerprint, watch_roots};
use crate::scopeon::{ScanRequest, Scopeon};

/// How often the log files' metadata is compared when events arrive.
const POLL_WITH_EVENTS: Duration = Duration::from_secs(3);
/// How often it is compared when no watcher could be set up: often enough that a new line
/// still shows within two seconds.
const POLL_WITHOUT_EVENTS: Duration = Duration::from_secs(1);
/// How long events must pause before a scan runs (an agent writes a response in bursts).
const DEBOUNCE: Duration = Duration::from_millis(150);
/// The longest a burst of events can delay its scan.
const DEBOUNCE_MAX: Duration = Duration::from_millis(600);

/// How a [`Follower`] watches and polls.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FollowOptions {
    /// Watch the roots for file-system events (else only poll).
    pub watch: bool,
    /// How often to compare the log files' metadata; `None`: every 3 s with events, every
    /// second without.
    pub poll_every: Option<Duration>,
    /// How long events must pause before a scan runs.
    pub debounce: Duration,
}

impl Default for FollowOptions {
    fn default() -> FollowOptions {
        FollowOptions {
            watch: true,
            poll_every: None,
            debounce: DEBOUNCE,
        }
    }
}

impl FollowOptions {
    /// Events and polling at the default pace.
    pub fn new() -> FollowOptions {
        FollowOptions::default()
    }

    /// Whether to watch for file-system events (polling only when `false`).
    pub fn watch(mut self, watch: bool) -> FollowOptions {
        self.watch = watch;
        self
    }

    /// Compares the log files' metadata this often.
    pub fn poll_every(mut self, every: Duration) -> FollowOptions {
        self.poll_every = Some(every);
        self
    }

    /// Waits for events to pause this long before scanning.
    pub fn debounce(mut self, quiet: Duration) -> FollowOptions {
        self.debounce = quiet;
        self
    }
}

/// What one [`Follower::wait`] saw.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FollowUpdate {
    /// Whether the stored data changed since the previous update (re-query when it did).
    pub changed: bool,
    /// The scan that ran, when one did and succeeded.
    pub scan: Option<ScanSummary>,
    /// Another process held the database's write lock for longer than the busy timeout; the
    /// scan is retried at the next poll, nothing was lost.
    pub busy: bool,
}

/// Keeps the database fresh: see the module documentation. Made by [`Scopeon::follow`].
pub struct Follower {
    env: Env,
    options: ScanOptions,
    request: ScanRequest,
    settings: FollowOptions,
    /// `None` when watching is off or failed (see [`Follower::watch_problem`]).
    watcher: Option<RecommendedWatcher>,
    events_tx: Sender<notify::Result<notify::Event>>,
    events: Receiver<notify::Result<notify::Event>>,
    /// The roots watched now (roots appear: they are added at a poll).
    watched: Vec<Utf8PathBuf>,
    watch_problem: Option<String>,
    fingerprint: u64,
    next_poll: Instant,
    /// An event or a busy database asked for a scan that has not run yet.
    pending: bool,
    marks: (i64, u64),
    scans: u64,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower")
            .field("watched", &self.watched)
            .field("watch_problem", &self.watch_problem)
            .field("scans", &self.scans)
            .finish_non_exhaustive()
    }
}

impl Scopeon {
    /// A follower that keeps this database fresh with scans of `request` (see
    /// [`Follower::wait`]). Make it before the first scan (a backfill) so that nothing
    /// written during that scan is missed.
    pub fn follow(&self, request: ScanRequest, settings: FollowOptions) -> Result<Follower> {
        let options = self.scan_options(&request)?;
        let env = self.env().clone();
        let (events_tx, events) = channel();
        let mut follower = Follower {
            fingerprint: logs_fingerprint(&env, &options)?,
            env,
            options,
            request,
            settings,
            watcher: None,
            events_tx,
            events,
            watched: Vec::new(),
            watch_problem: None,
            next_poll: Instant::now(),
            pending: false,
            marks: self.change_marks()?,
            scans: 0,
        };
        if follower.settings.watch {
            follower.start_watching();
        }
        follower.next_poll = Instant::now() + follower.poll_every();
        Ok(follower)
    }
}

impl Follower {
    /// Waits up to `timeout` for the stored data to change, scanning when the logs did.
    ///
    /// Returns as soon as a change is committed (by this follower's scan or by another
    /// process), when another process keeps the database busy, or at `timeout` with
    /// `changed: false`. Between events and polls it sleeps.
    pub fn wait(&mut self, scopeon: &mut Scopeon, timeout: Duration) -> Result<FollowUpdate> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.pending {
                self.pending = false;
                let update = self.scan(scopeon)?;
                if update.changed || update.busy {
                    return Ok(update);
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return self.check(scopeon, None);
            }
            let wake = deadline.min(self.next_poll);
            match self
                .events
                .recv_timeout(wake.saturating_duration_since(now))
            {
                Ok(event) => {
                    if is_relevant(&event) {
                        self.settle();
                        self.pending = true;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    if Instant::now() >= self.next_poll {
                        self.poll()?;
                        // Another process's commit shows at a poll even when no log changed.
                        if !self.pending {
                            let update = self.check(scopeon, None)?;
                            if update.changed {
                                return Ok(update);
                            }
                        }
                    }
                }
                // The sender lives in `self`: never disconnected.
                Err(RecvTimeoutError::Disconnected) => self.pending = true,
            }
        }
    }

    /// How many scans this follower has run.
    pub fn scans(&self) -> u64 {
        self.scans
    }

    /// Why file-system events are not used, when they are not (polling still finds changes).
    pub fn watch_problem(&self) -> Option<&str> {
        self.watch_problem.as_deref()
    }

    /// The roots watched for events now.
    pub fn watched(&self) -> &[Utf8PathBuf] {
        &self.watched
    }

    fn poll_every(&self) -> Duration {
        self.settings
            .poll_every
            .unwrap_or(if self.watcher.is_some() {
                POLL_WITH_EVENTS
            } else {
                POLL_WITHOUT_EVENTS
            })
    }

    /// Runs the scan and reports whether the data changed. A database kept busy by another
    /// process is not an error here: the scan is tried again at the next poll.
    fn scan(&mut self, scopeon: &mut Scopeon) -> Result<FollowUpdate> {
        self.scans += 1;
        // What the scan will see: files changed during it are caught by the next fingerprint.
        self.fingerprint = logs_fingerprint(&self.env, &self.options)?;
        match scopeon.scan(&self.request) {
            Ok(summary) => self.check(scopeon, Some(summary)),
            Err(e) if e.is_busy() => {
                self.fingerprint = 0;
                Ok(FollowUpdate {
                    changed: false,
                    scan: None,
                    busy: true,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Whether the database changed since the last check.
    fn check(&mut self, scopeon: &Scopeon, scan: Option<ScanSummary>) -> Result<FollowUpdate> {
        let marks = scopeon.change_marks()?;
        let changed = marks != self.marks;
        self.marks = marks;
        Ok(FollowUpdate {
            changed,
            scan,
            busy: false,
        })
    }

    /// Waits for a burst of events to pause, at most [`DEBOUNCE_MAX`].
    fn settle(&mut self) {
        let until = Instant::now() + DEBOUNCE_MAX;
        loop {
            let now = Instant::now();
            if now >= until {
                return;
            }
            let quiet = self.settings.debounce.min(until - now);
            match self.events.recv_timeout(quiet) {
                Ok(_) => continue,
                Err(_) => return,
            }
        }
    }

    /// Compares the log files' metadata with what the last scan saw, and watches roots that
    /// appeared since.
    fn poll(&mut self) -> Result<()> {
        self.next_poll = Instant::now() + self.poll_every();
        if self.settings.watch && self.watcher.is_some() {
            self.watch_new_roots();
        }
        let fingerprint = logs_fingerprint(&self.env, &self.options)?;
        if fingerprint != self.fingerprint {
            self.pending = true;
        }
        Ok(())
    }

    fn start_watching(&mut self) {
        let config = notify::Config::default().with_event_kinds(EventKindMask::CORE);
        match RecommendedWatcher::new(self.events_tx.clone(), config) {
            Ok(watcher) => {
                self.watcher = Some(watcher);
                self.watch_new_roots();
            }
            Err(e) => self.watch_problem = Some(format!("file-system events unavailable: {e}")),
        }
    }

    /// Adds a watch on every root that exists and is not watched yet.
    fn watch_new_roots(&mut self) {
        let Some(watcher) = self.watcher.as_mut() else {
            return;
        };
        let Ok(roots) = watch_roots(&self.env, &self.options) else {
            return;
        };
        for root in roots {
            if self.watched.contains(&root) {
                continue;
            }
            let mode = match std::fs::metadata(&root) {
                Ok(m) if m.is_dir() => RecursiveMode::Recursive,
                Ok(m) if m.is_file() => RecursiveMode::NonRecursive,
                _ => continue,
            };
            match watcher.watch(Path::new(root.as_str()), mode) {
                Ok(()) => self.watched.push(root),
                // Out of inotify watches, say: polling still sees this root's changes.
                Err(e) => {
                    self.watch_problem = Some(format!("cannot watch {root}: {e}"));
                }
            }
        }
    }
}

/// Whether an event may mean new log data: creations, modifications, removals, a file
/// closed after writing; not reads (a scan's own opens would start the next scan).
fn is_relevant(event: &notify::Result<notify::Event>) -> bool {
    match event {
        // An error (a queue overflow, a watch lost): scan to be safe.
        Err(_) => true,
        Ok(e) => match e.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) => false,
            _ => true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = concat!(
        r#"{"type":"assistant","sessionId":"s1","cwd":"/home/dev/app","requestId":"RID","timestamp":"2026-11-20T10:00:00Z","#,
        r#""message":{"id":"MID","model":"claude-sonnet-4-5","usage":{"input_tokens":100,"output_tokens":10}}}"#,
        "\n"
    );

    fn line(n: u32) -> String {
        LINE.replace("RID", &format!("r{n}"))
            .replace("MID", &format!("m{n}"))
    }

    fn home() -> (tempfile::TempDir, Env, Utf8PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let project = home.join(".claude/projects/-home-dev-app");
        std::fs::create_dir_all(&project).unwrap();
        let log = project.join("s1.jsonl");
        std::fs::write(&log, line(1)).unwrap();
        let env = Env::isolated(home).with_var("TZ", Some("UTC"));
        (dir, env, log)
    }

    fn requests(s: &Scopeon) -> u64 {
        s.report(&crate::ReportRequest::new().by::<&str>([]))
            .unwrap()
            .report()
            .totals
            .requests
    }

    fn append(path: &Utf8PathBuf, text: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    /// Waits until the follower reports a change, at most `within`.
    fn until_changed(f: &mut Follower, s: &mut Scopeon, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if f.wait(s, deadline - Instant::now()).unwrap().changed {
                return true;
            }
        }
        false
    }

    fn open(env: &Env) -> Scopeon {
        let db = env.home().unwrap().join("scopeon.db");
        Scopeon::builder().env(env.clone()).db(db).open().unwrap()
    }

    #[test]
    fn an_appended_line_is_ingested_and_signalled_within_two_seconds() {
        for settings in [
            FollowOptions::new(),
            // Without events (a network file system): the metadata poll alone.
            FollowOptions::new().watch(false),
        ] {
            let (_dir, env, log) = home();
            let mut s = open(&env);
            let mut f = s.follow(ScanRequest::new(), settings.clone()).unwrap();
            s.scan(&ScanRequest::new()).unwrap();
            assert_eq!(requests(&s), 1);
            // The backfill itself is a change to pick up once.
            let _ = f.wait(&mut s, Duration::ZERO).unwrap();
            append(&log, &line(2));
            let started = Instant::now();
            assert!(
                until_changed(&mut f, &mut s, Duration::from_secs(2)),
                "{settings:?}: no change signalled"
            );
            assert!(started.elapsed() < Duration::from_secs(2));
            assert_eq!(requests(&s), 2, "{settings:?}");
        }
    }

    #[test]
    fn an_idle_follower_does_not_scan() {
        let (_dir, env, _log) = home();
        let mut s = open(&env);
        let mut f = s
            .follow(
                ScanRequest::new(),
                FollowOptions::new().poll_every(Duration::from_millis(100)),
            )
            .unwrap();
        s.scan(&ScanRequest::new()).unwrap();
        let _ = f.wait(&mut s, Duration::ZERO).unwrap();
        // Twenty polls, nothing written: no scan, no change.
        let update = f.wait(&mut s, Duration::from_secs(2)).unwrap();
        assert!(!update.changed);
        assert_eq!(f.scans(), 0);
    }

    #[test]
    fn another_process_commit_is_a_change() {
        let (_dir, env, log) = home();
        let mut viewer = open(&env);
        let mut f = viewer
            .follow(
                ScanRequest::new(),
                FollowOptions::new()
                    .watch(false)
                    .poll_every(Duration::from_millis(100)),
            )
            .unwrap();
        // Another handle (as another process) scans first: the follower's own scan then finds
        // nothing new, and the data_version still tells the viewer to re-query.
        let mut other = open(&env);
        append(&log, &line(2));
        other.scan(&ScanRequest::new()).unwrap();
        assert!(until_changed(&mut f, &mut viewer, Duration::from_secs(2)));
        assert_eq!(requests(&viewer), 2);
    }
}
