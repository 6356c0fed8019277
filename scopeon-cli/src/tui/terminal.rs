//! The terminal while the dashboard runs: raw mode and the alternate screen, given back on
//! every way out (a key, an error, a panic, SIGTERM, SIGHUP or SIGINT), so the shell is never
//! left without echo or on the alternate screen (docs/tui.md, "Exits").

use std::io::{self, Stdout, stdout};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

/// Set by a termination signal; the event loop, which wakes at least once a second, checks it.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

/// The dashboard's screen; dropping it gives the terminal back.
pub struct Screen {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Screen {
    /// Switches to raw mode and the alternate screen.
    pub fn enter() -> io::Result<Screen> {
        install_hooks();
        enable_raw_mode()?;
        let entered = execute!(stdout(), EnterAlternateScreen, Hide)
            .and_then(|()| Terminal::new(CrosstermBackend::new(stdout())));
        match entered {
            Ok(terminal) => Ok(Screen { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Whether a termination signal arrived.
pub fn signalled() -> bool {
    SIGNALLED.load(Ordering::Relaxed)
}

/// Leaves the alternate screen and raw mode; harmless when already done.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), LeaveAlternateScreen, Show);
}

/// A panic restores the terminal before its message is printed (else the message lands on
/// the alternate screen and vanishes); termination signals end the loop cleanly.
fn install_hooks() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        #[cfg(unix)]
        {
            extern "C" fn on_signal(_: libc::c_int) {
                // Only an atomic store: all a signal handler may safely do here.
                SIGNALLED.store(true, Ordering::Relaxed);
            }
            let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            for signal in [libc::SIGTERM, libc::SIGHUP, libc::SIGINT] {
                // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
                unsafe {
                    libc::signal(signal, handler);
                }
            }
        }
    });
}
