//! Ingestion in the background, so that `initialize` and every tool answer at once from what
//! is stored (docs/mcp.md, "Freshness"). A thread with its own [`Scopeon`] handle makes a
//! follower, runs the incremental scan, then follows the logs; after each step that completed
//! it records when the stored data was last brought up to date: the `data_as_of` of every
//! result.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use scopeon_core::env::Env;
use scopeon_core::{FollowOptions, ScanRequest, Scopeon};

/// How long one follow step waits: at least the follower's poll interval with events (3 s),
/// so that every completed step compared the logs' metadata at least once.
const FOLLOW_STEP: Duration = Duration::from_secs(4);
/// How long to wait after a failed step before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// When the stored data was last brought up to date with the logs; `None` until the
/// server's first scan has completed.
#[derive(Debug, Clone, Default)]
pub struct Freshness(Arc<Mutex<Option<Timestamp>>>);

impl Freshness {
    /// The instant, if a scan has completed.
    pub fn data_as_of(&self) -> Option<Timestamp> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(at);
    }
}

/// Starts the ingestion thread on `handle` (a handle of its own: the tools' handle is never
/// held during a scan). Problems go to stderr; the thread never ends the server.
pub fn start(mut handle: Scopeon, env: Env, freshness: Freshness) {
    std::thread::Builder::new()
        .name("scopeon-mcp-ingest".into())
        .spawn(move || run(&mut handle, &env, &freshness))
        .expect("spawning a thread");
}

fn run(handle: &mut Scopeon, env: &Env, freshness: &Freshness) {
    // The follower is made before the scan so that nothing written during it is missed.
    let mut follower = match handle.follow(ScanRequest::new(), FollowOptions::new()) {
        Ok(f) => Some(f),
        Err(e) => {
            eprintln!(
                "scopeon mcp: warning: cannot follow the logs ({e}); data stays as of the first scan"
            );
            None
        }
    };
    loop {
        let started = clock(env);
        match handle.scan(&ScanRequest::new()) {
            Ok(_) => {
                freshness.set(started);
                break;
            }
            Err(e) if e.is_busy() => {
                eprintln!("scopeon mcp: another Scopeon process is scanning; retrying");
            }
            Err(e) => eprintln!("scopeon mcp: warning: the scan failed: {e}; retrying"),
        }
        std::thread::sleep(RETRY_AFTER);
    }
    let Some(follower) = follower.as_mut() else {
        return;
    };
    if let Some(problem) = follower.watch_problem() {
        eprintln!("scopeon mcp: note: {problem}; changes are found by polling");
    }
    loop {
        let started = clock(env);
        match follower.wait(handle, FOLLOW_STEP) {
            Ok(update) if update.busy => {}
            Ok(_) => freshness.set(started),
            Err(e) => {
                eprintln!("scopeon mcp: warning: keeping the data fresh failed: {e}");
                std::thread::sleep(RETRY_AFTER);
            }
        }
    }
}

/// Now, as the front door reads it (`SCOPEON_NOW` when set, so tests are repeatable).
fn clock(env: &Env) -> Timestamp {
    scopeon_core::window::now(env).unwrap_or_else(|_| Timestamp::now())
}
