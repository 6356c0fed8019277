//! A one-line progress bar on stderr, drawn only on a terminal and only for long scans.
//!
//! indicatif draws and clears the line; this module decides when it may appear: never on
//! stdout, never when stderr is not a terminal (pipes, files, the test suite), and not before
//! the scan has run for [`DELAY`], so a quick scan prints nothing at all.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scopeon_core::scan::Progress;

/// Scans shorter than this never show a bar.
const DELAY: Duration = Duration::from_millis(500);
/// Redraws per second at most.
const REFRESH_HZ: u8 = 10;
/// `scanning [#######       ] 12/40 files, 3.4 MB`: files handled of files found, bytes read.
const TEMPLATE: &str = "scanning [{bar:30}] {pos}/{len} files, {msg}";

#[derive(Debug)]
pub struct Bar {
    /// Whether stderr is a terminal: otherwise the bar stays hidden for good.
    terminal: bool,
    started: Instant,
    /// Hidden until the scan has run for [`DELAY`] on a terminal.
    bar: ProgressBar,
    shown: bool,
}

impl Bar {
    pub fn new() -> Bar {
        let style = ProgressStyle::with_template(TEMPLATE)
            .expect("the progress template is valid")
            // Filled and to-do cells only: `#` for files handled, a space for the rest.
            .progress_chars("# ");
        Bar {
            terminal: std::io::stderr().is_terminal(),
            started: Instant::now(),
            bar: ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
                .with_style(style),
            shown: false,
        }
    }

    pub fn update(&mut self, p: Progress) {
        if !self.terminal {
            return;
        }
        if !self.shown {
            if self.started.elapsed() < DELAY {
                return;
            }
            self.bar
                .set_draw_target(ProgressDrawTarget::stderr_with_hz(REFRESH_HZ));
            self.shown = true;
        }
        self.bar.set_length(p.files_total);
        self.bar.set_position(p.files_done);
        self.bar
            .set_message(format!("{:.1} MB", p.bytes_read as f64 / 1e6));
    }

    /// Clears the bar's line, if it was ever drawn, so the summary starts on a clean line.
    pub fn finish(&mut self) {
        if self.shown {
            self.bar.finish_and_clear();
        }
    }
}
