//! `scopeon start`: the live terminal dashboard (docs/tui.md).
//!
//! First the backfill (a scan with the usual progress bar), then the dashboard. Three
//! threads: a follower keeps the database fresh and says when the data changed
//! (`scopeon_core::Follower`, with its own database handle); one reads keys; this one owns
//! the screen and the handle that queries, and redraws on a change, a key, a resize and once
//! a second for the clock. Between those it sleeps.

pub mod app;
pub mod data;
pub mod format;
mod terminal;
pub mod views;

#[cfg(test)]
mod tests;

use std::io::IsTerminal;
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event};
use scopeon_core::env::Env;
use scopeon_core::{FollowOptions, ScanRequest, Scopeon};

use crate::Failure;
use crate::args::{Global, StartArgs};
use app::{Action, App, Theme};
use data::{Loaded, Queries, View};

/// The figures are asked again this often even without a change in the logs: blocks end,
/// sessions stop being active, burn rates age.
const REFRESH: Duration = Duration::from_secs(60);

/// What the other threads tell the screen's.
enum Message {
    Input(Event),
    /// The stored data changed.
    Changed,
    /// Another process holds the database's write lock; the follower retries.
    Busy,
    /// The follower failed (a damaged database, say); the figures shown stay as they were.
    Failed(String),
}

/// How the dashboard is drawn: `NO_COLOR` (any non-empty value) turns colors off.
pub fn theme(ascii: bool, env: &Env) -> Theme {
    Theme {
        color: env.var("NO_COLOR").is_none_or(|v| v.is_empty()),
        ascii,
    }
}

/// Loads the figures of what `app` shows.
pub fn load(app: &App, scopeon: &Scopeon, queries: &Queries) -> scopeon_core::Result<Loaded> {
    match (&app.session, app.view) {
        (Some(id), View::Sessions) => queries.session(scopeon, id),
        (_, View::Live) => queries.live(scopeon),
        (_, view) => queries.groups(scopeon, view),
    }
}

/// Loads into the app; a failure becomes the status line, not an exit.
fn reload(app: &mut App, scopeon: &Scopeon, queries: &Queries) {
    match load(app, scopeon, queries) {
        Ok(loaded) => app.loaded = Some(loaded),
        Err(e) => app.status = Some(format!("could not read the database: {e}")),
    }
}

pub fn start(global: &Global, args: &StartArgs, env: &Env) -> Result<(), Failure> {
    if !std::io::stdout().is_terminal() {
        return Err(Failure::usage(
            "scopeon start needs a terminal; for pipes and logs use `scopeon watch`",
        ));
    }
    let queries = Queries {
        tz: global.tz.clone(),
        token_limit: Some(args.token_limit.clone()),
    };
    let mut viewer = crate::open(global, env)?;
    // A mistake in --tz or --token-limit is reported before any log is read.
    queries.live(&viewer)?;

    // The follower starts watching before the backfill, so nothing written meanwhile is
    // missed; its handle is its own, so scans never wait for a query.
    let mut follower_handle = crate::open(global, env)?;
    let mut follower = follower_handle.follow(ScanRequest::new(), FollowOptions::new())?;
    let mut status = follower.watch_problem().map(str::to_owned);
    match crate::run_scan(&mut viewer, &ScanRequest::new()) {
        Ok(summary) => crate::render::skip_note(&summary),
        Err(e) if e.is_busy() => {
            status = Some("another Scopeon process is scanning; showing what is stored".into());
        }
        Err(e) => return Err(e.into()),
    }

    let (tx, rx) = channel();
    let changes = tx.clone();
    std::thread::spawn(move || follow(&mut follower, &mut follower_handle, &changes));
    std::thread::spawn(move || read_keys(&tx));

    let mut app = App::new(theme(args.ascii, env), scopeon_core::window::now(env)?);
    app.status = status;
    reload(&mut app, &viewer, &queries);
    let mut screen = terminal::Screen::enter()?;
    let mut loaded_at = Instant::now();
    loop {
        app.clock = scopeon_core::window::now(env)?;
        screen.terminal.draw(|f| views::draw(f, &app))?;
        if terminal::signalled() {
            break;
        }
        // Wake at the next whole second, for the clock.
        let into_second = jiff::Timestamp::now().subsec_millisecond().rem_euclid(1000) as u64;
        let wait = Duration::from_millis(1000 - into_second).max(Duration::from_millis(20));
        let action = match rx.recv_timeout(wait) {
            Ok(Message::Input(Event::Key(key))) => app.on_key(key),
            Ok(Message::Input(Event::Resize(..))) => Action::Redraw,
            Ok(Message::Input(_)) => Action::Nothing,
            Ok(Message::Changed) => {
                if app
                    .status
                    .as_deref()
                    .is_some_and(|s| s.starts_with("another"))
                {
                    app.status = None;
                }
                Action::Load
            }
            Ok(Message::Busy) => {
                app.status =
                    Some("another Scopeon process is writing; retrying in a few seconds".into());
                Action::Redraw
            }
            Ok(Message::Failed(text)) => {
                app.status = Some(text);
                Action::Redraw
            }
            Err(RecvTimeoutError::Timeout) if loaded_at.elapsed() >= REFRESH => Action::Load,
            Err(RecvTimeoutError::Timeout) => Action::Redraw,
            // Both senders gone: stdin closed and the follower stopped.
            Err(RecvTimeoutError::Disconnected) => Action::Quit,
        };
        match action {
            Action::Quit => break,
            Action::Load => {
                reload(&mut app, &viewer, &queries);
                loaded_at = Instant::now();
            }
            Action::Redraw | Action::Nothing => {}
        }
    }
    drop(screen);
    Ok(())
}

/// The follower's thread: tells the screen when to re-query, until the screen is gone.
fn follow(follower: &mut scopeon_core::Follower, handle: &mut Scopeon, tx: &Sender<Message>) {
    loop {
        let message = match follower.wait(handle, Duration::from_secs(3600)) {
            Ok(update) if update.busy => Message::Busy,
            Ok(update) if update.changed => Message::Changed,
            Ok(_) => continue,
            Err(e) => {
                if tx
                    .send(Message::Failed(format!(
                        "keeping the data fresh failed: {e}"
                    )))
                    .is_err()
                {
                    return;
                }
                // Tried again, slowly: a database fixed meanwhile brings the updates back.
                std::thread::sleep(Duration::from_secs(5));
                continue;
            }
        };
        if tx.send(message).is_err() {
            return;
        }
    }
}

/// The keys' thread.
fn read_keys(tx: &Sender<Message>) {
    while let Ok(event) = event::read() {
        if tx.send(Message::Input(event)).is_err() {
            return;
        }
    }
}
