//! `scopeon statusline`: Claude Code's `statusLine` command (docs/statusline.md).
//!
//! One call: read the JSON Claude Code writes on stdin, ingest only the session's transcript
//! (through the scanner's checks and checkpoints), store the rate-limit figures, and print one
//! line of figures that scopeon-core computes from the database. It always prints a line and
//! always exits 0: a failure, a panic, a busy session or the deadline
//! (`[statusline] deadline_ms`, default 150 ms) prints the session's last good line instead,
//! else a line made from the input alone. Calls for one session coalesce: the one that takes
//! the session's lock works, the others print the cached line at once.
//!
//! - `input`: the stdin fields, read leniently.
//! - `cache`: the last good line per session and the lock.
//! - `line`: the segments, formatted.
//! - `work`: what the call that holds the lock does.
//! - `install`: `scopeon statusline install`, the settings.json entry.

mod cache;
mod input;
pub mod install;
mod line;
mod work;

use std::io::{Read, Write};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use scopeon_core::config::{Config, StatuslineConfig};
use scopeon_core::env::Env;

use crate::args::Global;
use cache::{Lock, SessionCache};
use input::{MAX_INPUT_BYTES, StatusInput};

/// The deadline when the configuration sets none.
const DEFAULT_DEADLINE: Duration = Duration::from_millis(150);

/// What the configuration asks of the line.
#[derive(Debug, Clone)]
struct Settings {
    segments: Vec<String>,
    deadline: Duration,
    color: bool,
}

impl Settings {
    fn new(config: Option<&StatuslineConfig>, env: &Env) -> Settings {
        let segments = config.and_then(|c| c.segments.clone()).unwrap_or_else(|| {
            StatuslineConfig::SEGMENTS
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        });
        let deadline = config
            .and_then(|c| c.deadline_ms)
            .map_or(DEFAULT_DEADLINE, |ms| {
                Duration::from_millis(ms.clamp(10, 10_000))
            });
        // https://no-color.org: present and not empty turns colors off.
        let color = config.and_then(|c| c.color).unwrap_or(false) && env.var("NO_COLOR").is_none();
        Settings {
            segments,
            deadline,
            color,
        }
    }
}

/// Prints the line and exits 0, whatever happens; threads still working past the deadline end
/// with the process.
pub fn run(global: &Global, env: &Env) -> ! {
    let started = Instant::now();
    // A panic is answered with a line, never with a message on the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let line = std::panic::catch_unwind(AssertUnwindSafe(|| answer(global, env, started)))
        .unwrap_or_else(|_| line::minimal(None));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
    std::process::exit(0)
}

/// The line to print (see the module's documentation).
fn answer(global: &Global, env: &Env, started: Instant) -> String {
    let config = Config::load(global.config.as_deref(), env);
    let settings = Settings::new(config.as_ref().ok().map(|c| &c.statusline), env);
    let deadline = started + settings.deadline;
    let input = StatusInput::parse(&read_stdin(deadline));
    let cache = SessionCache::for_session(env, input.session_id.as_deref());
    let fallback = || {
        cache
            .as_ref()
            .and_then(SessionCache::read)
            .unwrap_or_else(|| line::minimal(input.model()))
    };
    let lock = cache
        .as_ref()
        .map_or(Lock::Unavailable, SessionCache::try_lock);
    if matches!(lock, Lock::Busy) {
        return fallback();
    }
    // Held until the process exits, so no other call starts the same work meanwhile.
    std::mem::forget(lock);
    let Ok(config) = config else {
        return fallback();
    };
    test_hooks::worked(env);
    let job = work::Job {
        db: global.db.clone(),
        tz: global.tz.clone(),
        env: env.clone(),
        config,
        input: input.clone(),
        segments: settings.segments.clone(),
        color: settings.color,
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| job.run()));
        let _ = tx.send(outcome);
    });
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(Ok(line))) => {
            if let Some(cache) = &cache {
                cache.write(&line);
            }
            line
        }
        _ => fallback(),
    }
}

/// Standard input, at most [`MAX_INPUT_BYTES`] (one more to tell a larger input apart), and
/// nothing when it is not closed before the deadline.
fn read_stdin(deadline: Instant) -> Vec<u8> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let read = std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut bytes);
        let _ = tx.send(read.map(|_| bytes));
    });
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(Ok(bytes)) => bytes,
        _ => Vec::new(),
    }
}

/// Switches the tests use to see which call worked and to slow the work down. They are honoured
/// only when scopeon-core's test switches are compiled in (test builds); a release build ignores
/// the variables.
mod test_hooks {
    use std::io::Write;

    use scopeon_core::env::Env;

    /// `SCOPEON_TEST_STATUSLINE_TRACE=FILE`: the call that does the work appends a line to FILE.
    pub fn worked(env: &Env) {
        if !scopeon_core::test_switches_compiled() {
            return;
        }
        if let Some(path) = env.var("SCOPEON_TEST_STATUSLINE_TRACE")
            && let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
        {
            let _ = writeln!(f, "worked {}", std::process::id());
        }
    }

    /// `SCOPEON_TEST_STATUSLINE_DELAY_MS=N`: the work waits N ms before it starts.
    pub fn delay(env: &Env) {
        if !scopeon_core::test_switches_compiled() {
            return;
        }
        if let Some(ms) = env
            .var("SCOPEON_TEST_STATUSLINE_DELAY_MS")
            .and_then(|v| v.parse().ok())
        {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }
}
