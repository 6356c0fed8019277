//! What the dashboard shows, asked of scopeon-core: every number here is an answer of
//! `Scopeon::report`, `Scopeon::blocks` or `Scopeon::context`; the views only format them
//! (docs/tui.md, "Where the numbers come from").
//!
//! Only the view on screen is loaded, each over a bounded time window (today, the active
//! blocks, the last 30 days), so a large history stays responsive.

use jiff::Timestamp;
use scopeon_core::live::{Block, LongWindow, SessionContext};
use scopeon_core::store::{GroupKey, ReportRow, Totals};
use scopeon_core::window::Zone;
use scopeon_core::{BlocksRequest, ContextRequest, ReportRequest, Scopeon};

/// The days the Daily, Models, Projects and Sessions views cover (today included).
pub const HISTORY_DAYS: &str = "30d";

/// The dashboard's views, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Live,
    Daily,
    Models,
    Projects,
    Sessions,
}

impl View {
    pub const ALL: [View; 5] = [
        View::Live,
        View::Daily,
        View::Models,
        View::Projects,
        View::Sessions,
    ];

    pub fn title(self) -> &'static str {
        match self {
            View::Live => "Live",
            View::Daily => "Daily",
            View::Models => "Models",
            View::Projects => "Projects",
            View::Sessions => "Sessions",
        }
    }
}

/// What the Live view shows (and `scopeon watch` prints).
#[derive(Debug, Clone)]
pub struct LiveFigures {
    /// Today's totals (calendar day in the zone).
    pub today: Totals,
    /// The active five-hour block of each provider, with its token limit (`max`).
    pub blocks: Vec<Block>,
    /// Official windows longer than five hours that contain now.
    pub windows: Vec<LongWindow>,
    /// Sessions with a request in the last 30 minutes.
    pub contexts: Vec<SessionContext>,
}

/// One row of a grouped report: its label (as logged; sanitized when drawn) and its sums.
#[derive(Debug, Clone)]
pub struct Group {
    /// The key values, in the order asked (`None`: unknown).
    pub keys: Vec<Option<String>>,
    pub totals: Totals,
}

/// One session opened from the Sessions view.
#[derive(Debug, Clone)]
pub struct SessionDetail {
    pub session: String,
    /// Its usage by day, oldest first.
    pub days: Vec<Group>,
    /// Its usage by model.
    pub models: Vec<Group>,
    pub totals: Totals,
}

/// The figures of one view at one moment.
#[derive(Debug, Clone)]
pub enum Figures {
    Live(LiveFigures),
    /// Rows by the view's keys over the last 30 days, and their totals.
    Groups {
        rows: Vec<Group>,
        totals: Totals,
    },
    Session(SessionDetail),
}

/// A loaded view: its figures, "now" and the zone its days are in.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub now: Timestamp,
    pub zone: Zone,
    pub figures: Figures,
}

/// How to ask: the zone (`--tz`), the token limit of blocks.
#[derive(Debug, Clone, Default)]
pub struct Queries {
    pub tz: Option<String>,
    pub token_limit: Option<String>,
}

impl Queries {
    fn report(&self) -> ReportRequest {
        let mut r = ReportRequest::new();
        r.tz = self.tz.clone();
        r
    }

    /// The Live view's figures.
    pub fn live(&self, scopeon: &Scopeon) -> scopeon_core::Result<Loaded> {
        let today = scopeon.report(&self.report().since("1d").until("1d").by::<&str>([]))?;
        let now = today.generated_at();
        let mut blocks = BlocksRequest::new().active(true).now(now);
        if let Some(limit) = &self.token_limit {
            blocks = blocks.token_limit(limit.clone());
        }
        let blocks = scopeon.blocks(&blocks)?;
        let contexts = scopeon.context(&ContextRequest::new().now(now))?;
        Ok(Loaded {
            now,
            zone: today.query().zone.clone(),
            figures: Figures::Live(LiveFigures {
                today: today.report().totals,
                blocks: blocks.blocks().to_vec(),
                windows: blocks.windows().to_vec(),
                contexts: contexts.sessions().to_vec(),
            }),
        })
    }

    /// A grouped view over the last 30 days.
    pub fn groups(&self, scopeon: &Scopeon, view: View) -> scopeon_core::Result<Loaded> {
        let keys: &[&str] = match view {
            View::Daily => &["day"],
            View::Models => &["model"],
            View::Projects => &["project"],
            // A session's project beside it: one row per session (a session has one).
            View::Sessions | View::Live => &["session", "project"],
        };
        let answer = scopeon.report(&self.report().since(HISTORY_DAYS).by(keys))?;
        Ok(Loaded {
            now: answer.generated_at(),
            zone: answer.query().zone.clone(),
            figures: Figures::Groups {
                rows: groups(&answer.report().rows),
                totals: answer.report().totals,
            },
        })
    }

    /// One session's usage by day and by model over the last 30 days.
    pub fn session(&self, scopeon: &Scopeon, session: &str) -> scopeon_core::Result<Loaded> {
        let of_session = || self.report().since(HISTORY_DAYS).sessions([session]);
        let by_day = scopeon.report(&of_session().by([GroupKey::Day.as_str()]))?;
        let by_model = scopeon.report(&of_session().by([GroupKey::Model.as_str()]))?;
        Ok(Loaded {
            now: by_day.generated_at(),
            zone: by_day.query().zone.clone(),
            figures: Figures::Session(SessionDetail {
                session: session.to_owned(),
                days: groups(&by_day.report().rows),
                models: groups(&by_model.report().rows),
                totals: by_day.report().totals,
            }),
        })
    }
}

fn groups(rows: &[ReportRow]) -> Vec<Group> {
    rows.iter()
        .map(|r| Group {
            keys: r.key.iter().map(|(_, v)| v.clone()).collect(),
            totals: r.totals,
        })
        .collect()
}
