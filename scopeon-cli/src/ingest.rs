//! Ingestion in the background for the long-running front-ends (`scopeon mcp`, docs/mcp.md,
//! "Freshness"; `scopeon serve`, docs/serve.md, "Fresh data"), so that they answer at once
//! from what is stored. A thread with its own [`Scopeon`] handle makes a follower, runs the
//! incremental scan, then follows the logs; after each step that completed it records when
//! the stored data was last brought up to date (the `data_as_of` of every answer), and after
//! each step that stored something it counts a change, which the server's WebSocket clients
//! wait for.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use scopeon_core::env::Env;
use scopeon_core::{FollowOptions, ScanRequest, Scopeon};
use tokio::sync::watch;

/// How long one follow step waits: at least the follower's poll interval with events (3 s),
/// so that every completed step compared the logs' metadata at least once.
const FOLLOW_STEP: Duration = Duration::from_secs(4);
/// How long to wait after a failed step before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// When the stored data was last brought up to date with the logs (`None` until the first
/// scan has completed), and how many times it changed since the process started.
#[derive(Debug, Clone)]
pub struct Freshness {
    as_of: Arc<Mutex<Option<Timestamp>>>,
    changes: Arc<watch::Sender<u64>>,
}

impl Default for Freshness {
    fn default() -> Freshness {
        Freshness {
            as_of: Arc::default(),
            changes: Arc::new(watch::Sender::new(0)),
        }
    }
}

impl Freshness {
    /// The instant, if a scan has completed.
    pub fn data_as_of(&self) -> Option<Timestamp> {
        *self.as_of.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A receiver that sees the change count go up after every ingestion step that changed
    /// the stored data (the first scan counts as one).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn set(&self, at: Timestamp) {
        *self.as_of.lock().unwrap_or_else(|e| e.into_inner()) = Some(at);
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n += 1);
    }
}

/// Starts the ingestion thread on `handle` (a handle of its own: the answering handle is
/// never held during a scan). `who` names the command in messages (`scopeon mcp`).
/// Problems go to stderr; the thread never ends the server.
pub fn start(mut handle: Scopeon, env: Env, freshness: Freshness, who: &'static str) {
    std::thread::Builder::new()
        .name("scopeon-ingest".into())
        .spawn(move || run(&mut handle, &env, &freshness, who))
        .expect("spawning a thread");
}

fn run(handle: &mut Scopeon, env: &Env, freshness: &Freshness, who: &str) {
    // The follower is made before the scan so that nothing written during it is missed.
    let mut follower = match handle.follow(ScanRequest::new(), FollowOptions::new()) {
        Ok(f) => Some(f),
        Err(e) => {
            eprintln!(
                "{who}: warning: cannot follow the logs ({e}); data stays as of the first scan"
            );
            None
        }
    };
    loop {
        let started = clock(env);
        match handle.scan(&ScanRequest::new()) {
            Ok(_) => {
                freshness.set(started);
                freshness.changed();
                break;
            }
            Err(e) if e.is_busy() => {
                eprintln!("{who}: another Scopeon process is scanning; retrying");
            }
            Err(e) => eprintln!("{who}: warning: the scan failed: {e}; retrying"),
        }
        std::thread::sleep(RETRY_AFTER);
    }
    let Some(follower) = follower.as_mut() else {
        return;
    };
    if let Some(problem) = follower.watch_problem() {
        eprintln!("{who}: note: {problem}; changes are found by polling");
    }
    loop {
        let started = clock(env);
        match follower.wait(handle, FOLLOW_STEP) {
            Ok(update) if update.busy => {}
            Ok(update) => {
                freshness.set(started);
                if update.changed {
                    freshness.changed();
                }
            }
            Err(e) => {
                eprintln!("{who}: warning: keeping the data fresh failed: {e}");
                std::thread::sleep(RETRY_AFTER);
            }
        }
    }
}

/// Now, as the front door reads it (`SCOPEON_NOW` when set, so tests are repeatable).
fn clock(env: &Env) -> Timestamp {
    scopeon_core::window::now(env).unwrap_or_else(|_| Timestamp::now())
}
