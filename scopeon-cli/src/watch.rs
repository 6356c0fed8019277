//! `scopeon watch`: the Live view's figures as one plain line per change (and, with
//! `--interval`, per interval), for pipes and logs (docs/tui.md, "scopeon watch").
//!
//! It scans first, then follows the logs as the dashboard does. It ends cleanly, exit 0, when
//! the reader goes away (a closed pipe: `scopeon watch | head -3`), when its standard input is
//! a pipe that reaches end of file, and on SIGINT or SIGTERM (the default action).

use std::io::{self, Write};
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::time::Duration;

use scopeon_core::env::Env;
use scopeon_core::{FollowOptions, Follower, ScanRequest, Scopeon};

use crate::Failure;
use crate::args::{Global, WatchArgs};
use crate::tui::data::{Figures, LiveFigures, Loaded, Queries};
use crate::tui::format::{block_outlook, block_usage, cost, label, percent, span, thousands};

enum Message {
    Changed,
    Busy,
    Failed(String),
    /// Standard input (a pipe) was closed.
    Eof,
}

pub fn run(global: &Global, args: &WatchArgs, env: &Env) -> Result<(), Failure> {
    if global.csv || global.json {
        return Err(Failure::usage(
            "watch prints plain lines; for JSON use `scopeon blocks --json` or `scopeon report --json`",
        ));
    }
    let queries = Queries {
        tz: global.tz.clone(),
        token_limit: Some(args.token_limit.clone()),
    };
    let mut viewer = crate::open(global, env)?;
    queries.live(&viewer)?;
    let mut handle = crate::open(global, env)?;
    let mut follower = handle.follow(ScanRequest::new(), FollowOptions::new())?;
    if let Some(problem) = follower.watch_problem() {
        eprintln!("note: {problem}; changes are found by polling");
    }
    match crate::run_scan(&mut viewer, &ScanRequest::new()) {
        Ok(summary) => crate::render::skip_note(&summary),
        Err(e) if e.is_busy() => {
            eprintln!("note: another Scopeon process is scanning; showing what is stored so far");
        }
        Err(e) => return Err(e.into()),
    }
    let (tx, rx) = channel();
    let eof = tx.clone();
    std::thread::spawn(move || follow(&mut follower, &mut handle, &tx));
    if stdin_is_pipe() {
        std::thread::spawn(move || wait_for_eof(&eof));
    }
    let interval = (args.interval > 0).then(|| Duration::from_secs(args.interval));
    let mut out = io::stdout().lock();
    let mut print = |viewer: &Scopeon| -> Result<bool, Failure> {
        let loaded = queries.live(viewer)?;
        match writeln!(out, "{}", line(&loaded)).and_then(|()| out.flush()) {
            Ok(()) => Ok(true),
            // The reader went away: the end of watching, not an error.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(e.into()),
        }
    };
    if !print(&viewer)? {
        return Ok(());
    }
    loop {
        let message = match interval {
            Some(every) => rx.recv_timeout(every),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match message {
            Ok(Message::Changed) | Err(RecvTimeoutError::Timeout) => {}
            Ok(Message::Busy) => {
                eprintln!("note: another Scopeon process is writing; retrying");
                continue;
            }
            Ok(Message::Failed(text)) => {
                eprintln!("warning: {text}");
                continue;
            }
            Ok(Message::Eof) | Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        if !print(&viewer)? {
            return Ok(());
        }
    }
}

/// The follower's thread, as the dashboard's.
fn follow(follower: &mut Follower, handle: &mut Scopeon, tx: &Sender<Message>) {
    loop {
        let message = match follower.wait(handle, Duration::from_secs(3600)) {
            Ok(u) if u.busy => Message::Busy,
            Ok(u) if u.changed => Message::Changed,
            Ok(_) => continue,
            Err(e) => Message::Failed(format!("keeping the data fresh failed: {e}")),
        };
        let failed = matches!(message, Message::Failed(_));
        if tx.send(message).is_err() {
            return;
        }
        if failed {
            std::thread::sleep(Duration::from_secs(5));
        }
    }
}

/// Whether standard input is a pipe, whose end of file means the writer is gone. A terminal
/// or `/dev/null` (a service's usual stdin) is not watched.
fn stdin_is_pipe() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata("/dev/stdin").is_ok_and(|m| m.file_type().is_fifo())
    }
    #[cfg(not(unix))]
    {
        false
    }
}

fn wait_for_eof(tx: &Sender<Message>) {
    let mut sink = [0u8; 4096];
    let mut stdin = io::stdin().lock();
    loop {
        match io::Read::read(&mut stdin, &mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let _ = tx.send(Message::Eof);
}

/// One line: when, today's totals, each current block, each active session's context.
pub fn line(loaded: &Loaded) -> String {
    let Figures::Live(live) = &loaded.figures else {
        return String::new();
    };
    let LiveFigures {
        today,
        blocks,
        windows,
        contexts,
    } = live;
    let now_ms = loaded.now.as_millisecond();
    let mut parts = vec![format!(
        "{} today requests={} tokens={} cost={}",
        loaded.now,
        thousands(today.requests),
        thousands(today.total_tokens),
        cost(today)
    )];
    for b in blocks {
        let used = b
            .used_percentage
            .map(|p| format!(" used={}", percent(p)))
            .unwrap_or_default();
        parts.push(format!(
            "block {} {}{} left={} {}, {}",
            b.provider.as_str(),
            b.source.as_str(),
            used,
            span(b.end_ms - now_ms),
            block_usage(b),
            block_outlook(b)
        ));
    }
    for w in windows {
        parts.push(format!(
            "window {} {} used={}",
            w.snapshot.provider.as_str(),
            label(Some(&w.snapshot.kind)),
            percent(w.snapshot.used_percentage)
        ));
    }
    for c in contexts.iter().rev() {
        let used = c
            .used_ratio
            .map(|r| percent(r * 100.0))
            .unwrap_or_else(|| "?".into());
        parts.push(format!(
            "context {} {} {} {}",
            label(c.project.as_deref()),
            label(c.model.as_deref()),
            used,
            thousands(c.context_tokens)
        ));
    }
    parts.join(" | ")
}
