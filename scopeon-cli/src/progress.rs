//! A one-line progress bar on stderr, drawn only on a terminal and only for long scans.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use scopeon_core::scan::Progress;

/// Scans shorter than this never show a bar.
const DELAY: Duration = Duration::from_millis(500);
/// Redraw at most this often.
const INTERVAL: Duration = Duration::from_millis(100);

pub struct Bar {
    enabled: bool,
    started: Instant,
    last_draw: Option<Instant>,
}

impl Bar {
    pub fn new() -> Bar {
        Bar {
            enabled: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last_draw: None,
        }
    }

    pub fn update(&mut self, p: Progress) {
        if !self.enabled || self.started.elapsed() < DELAY {
            return;
        }
        if self.last_draw.is_some_and(|t| t.elapsed() < INTERVAL) {
            return;
        }
        self.last_draw = Some(Instant::now());
        let width = 30usize;
        let filled = if p.files_total == 0 {
            width
        } else {
            (p.files_done as usize * width) / p.files_total as usize
        };
        eprint!(
            "\rscanning [{}{}] {}/{} files, {:.1} MB",
            "#".repeat(filled),
            " ".repeat(width - filled.min(width)),
            p.files_done,
            p.files_total,
            p.bytes_read as f64 / 1e6
        );
        let _ = std::io::stderr().flush();
    }

    pub fn finish(&mut self) {
        if self.last_draw.is_some() {
            eprint!("\r{}\r", " ".repeat(79));
            let _ = std::io::stderr().flush();
        }
    }
}
