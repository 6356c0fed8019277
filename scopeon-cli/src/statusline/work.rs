//! What the call holding a session's lock does: open the database, ingest the transcript,
//! store the rate-limit figures, and ask scopeon-core for every figure of the line.

use camino::Utf8PathBuf;
use scopeon_core::config::Config;
use scopeon_core::env::Env;
use scopeon_core::live::{BlockSource, BlocksRequest, ContextRequest, RateLimitSnapshot};
use scopeon_core::record::ProviderId;
use scopeon_core::{ReportRequest, ScanRequest, Scopeon};

use super::input::{RateLimit, StatusInput};
use super::line::{self, BlockFigure, Figures, Style};
use super::test_hooks;

/// How long after its last request the session's context is still shown.
const CONTEXT_ACTIVE_MINUTES: u32 = 5 * 60;

/// Everything the work needs, owned: it runs on a thread the caller may stop waiting for.
#[derive(Debug)]
pub struct Job {
    pub db: Option<Utf8PathBuf>,
    pub tz: Option<String>,
    pub env: Env,
    pub config: Config,
    pub input: StatusInput,
    pub segments: Vec<String>,
    pub color: bool,
}

impl Job {
    /// The line, or the error that keeps the caller on its fallback.
    pub fn run(self) -> scopeon_core::Result<String> {
        test_hooks::delay(&self.env);
        // Alerts found here are queued for the next command to deliver: the line never waits
        // for a webhook (docs/alerts.md).
        let mut builder = Scopeon::builder()
            .env(self.env.clone())
            .config(self.config.clone())
            .queue_alerts_only(true);
        if let Some(db) = &self.db {
            builder = builder.db(db.clone());
        }
        let mut scopeon = builder.open()?;
        if let Some(path) = &self.input.transcript_path {
            // Only this file, and only if it is a Claude Code log under its roots (never a
            // full scan here). A failure (another process holds the write lock) still leaves
            // what is stored to answer from.
            let _ = scopeon.scan(
                &ScanRequest::new()
                    .providers(["claude_code"])
                    .files([path.as_str()]),
            );
        }
        // A database that refuses writes still answers.
        let _ = scopeon.record_rate_limits(&self.rate_limits()?);
        let figures = self.figures(&scopeon)?;
        Ok(line::render(
            &self.segments,
            &figures,
            Style { color: self.color },
        ))
    }

    /// Claude Code's windows from the input, captured now. A window that has already reset,
    /// or one that would reset later than a full window from now (a clock or a field gone
    /// wrong), is not a current figure and is left out; scopeon-core checks the rest
    /// (docs/live.md).
    fn rate_limits(&self) -> scopeon_core::Result<Vec<RateLimitSnapshot>> {
        let now_ms = scopeon_core::window::now(&self.env)?.as_millisecond();
        let windows = [
            ("five_hour", 300, self.input.five_hour),
            ("seven_day", 7 * 24 * 60, self.input.seven_day),
        ];
        Ok(windows
            .into_iter()
            .filter_map(|(kind, minutes, limit)| {
                let RateLimit {
                    used_percentage,
                    resets_at,
                } = limit?;
                let resets_at_ms = resets_at.checked_mul(1000)?;
                let latest = now_ms + i64::from(minutes) * 60_000 + 60_000;
                if resets_at_ms <= now_ms || resets_at_ms > latest {
                    return None;
                }
                RateLimitSnapshot::new(
                    ProviderId::ClaudeCode,
                    kind,
                    minutes,
                    used_percentage,
                    resets_at_ms,
                    now_ms,
                )
            })
            .collect())
    }

    fn wants(&self, segment: &str) -> bool {
        self.segments.iter().any(|s| s == segment)
    }

    /// The figures of the segments asked for, each from scopeon-core.
    fn figures(&self, scopeon: &Scopeon) -> scopeon_core::Result<Figures> {
        let mut figures = Figures {
            model: self.input.model().map(str::to_owned),
            ..Figures::default()
        };
        if self.wants("session_cost")
            && let Some(session) = &self.input.session_id
        {
            let request = ReportRequest::new()
                .by::<&str>([])
                .providers(["claude_code"])
                .sessions([session.as_str()]);
            figures.session_cost = Some(self.cost(scopeon, request)?);
        }
        if self.wants("today_cost") {
            figures.today_cost =
                Some(self.cost(scopeon, ReportRequest::new().by::<&str>([]).since("1d"))?);
        }
        if self.wants("block") || self.wants("burn_rate") {
            self.block_figures(scopeon, &mut figures)?;
        }
        if self.wants("context")
            && let Some(session) = &self.input.session_id
        {
            // The session is the one Claude Code is showing, so it counts as active for as
            // long as a block lasts, not only the 30 minutes `scopeon context` uses.
            let request = ContextRequest::new()
                .providers(["claude_code"])
                .session(session.as_str())
                .active_minutes(CONTEXT_ACTIVE_MINUTES);
            let answer = scopeon.context(&request)?;
            figures.context_ratio = answer.sessions().first().and_then(|s| s.used_ratio);
        }
        Ok(figures)
    }

    /// Claude Code's active five-hour block: the official used percentage when a fresh
    /// official window covers now, else the block's cost; its burn rate.
    fn block_figures(&self, scopeon: &Scopeon, figures: &mut Figures) -> scopeon_core::Result<()> {
        let mut request = BlocksRequest::new().providers(["claude_code"]).active(true);
        request.tz = self.tz.clone();
        let answer = scopeon.blocks(&request)?;
        let now_ms = answer.generated_at().as_millisecond();
        let Some(block) = answer.blocks().iter().find(|b| b.is_active && !b.is_gap) else {
            return Ok(());
        };
        let minutes_left = (block.end_ms - now_ms).max(0) / 60_000;
        figures.block = Some(match (block.source, block.stale, block.used_percentage) {
            (BlockSource::Official, Some(false), Some(used_percentage)) => BlockFigure::Official {
                used_percentage,
                minutes_left,
            },
            _ => BlockFigure::Estimated {
                cost_usd: if block.totals.requests == 0 {
                    Some(0.0)
                } else {
                    block.totals.cost_usd()
                },
                minutes_left,
            },
        });
        figures.burn_cost_per_hour = block.burn_rate.as_ref().and_then(|b| b.cost_per_hour);
        Ok(())
    }

    /// A report's total cost: zero without requests, `None` when none was priced.
    fn cost(
        &self,
        scopeon: &Scopeon,
        mut request: ReportRequest,
    ) -> scopeon_core::Result<Option<f64>> {
        request.tz = self.tz.clone();
        let answer = scopeon.report(&request)?;
        let totals = &answer.report().totals;
        Ok(if totals.requests == 0 {
            Some(0.0)
        } else {
            totals.cost_usd()
        })
    }
}
