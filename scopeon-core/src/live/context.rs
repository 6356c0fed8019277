//! How full each active session's context is (docs/live.md, "Context"): `scopeon context`,
//! `scopeon.context.v1`.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::blocks::instant;
use crate::error::Result;
use crate::pricing::PriceTable;
use crate::store::{SessionTip, Store};

/// A session is active when its latest request is at most this old, by default.
pub const DEFAULT_ACTIVE_MINUTES: u32 = 30;

/// Claude's standard window, which its 1M-context beta variants exceed.
const CLAUDE_STANDARD: u64 = 200_000;

/// What `scopeon context` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContextRequest {
    /// Only these providers (all when empty).
    pub providers: Vec<String>,
    /// Only this session id.
    pub session: Option<String>,
    /// Sessions with a request in the last this many minutes (default 30).
    pub active_minutes: u32,
    /// "Now" (the clock, or `$SCOPEON_NOW`, when `None`).
    pub now: Option<Timestamp>,
}

impl Default for ContextRequest {
    fn default() -> ContextRequest {
        ContextRequest {
            providers: Vec::new(),
            session: None,
            active_minutes: DEFAULT_ACTIVE_MINUTES,
            now: None,
        }
    }
}

impl ContextRequest {
    /// Every session with a request in the last 30 minutes.
    pub fn new() -> ContextRequest {
        ContextRequest::default()
    }

    /// Only these providers (comma lists are split).
    pub fn providers<S: AsRef<str>>(mut self, ids: impl IntoIterator<Item = S>) -> ContextRequest {
        self.providers = crate::comma_list::split_commas(ids);
        self
    }

    /// Only this session.
    pub fn session(mut self, id: impl Into<String>) -> ContextRequest {
        self.session = Some(id.into());
        self
    }

    /// Sessions with a request in the last `minutes`.
    pub fn active_minutes(mut self, minutes: u32) -> ContextRequest {
        self.active_minutes = minutes;
        self
    }

    /// Computes as if it were `now`.
    pub fn now(mut self, now: Timestamp) -> ContextRequest {
        self.now = Some(now);
        self
    }
}

/// One active session's context.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SessionContext {
    /// The provider id.
    pub provider: String,
    /// The session id.
    pub session: String,
    /// The project, as stored.
    pub project: Option<String>,
    /// The model of the latest request.
    pub model: Option<String>,
    /// Input + cache creation + cache read of the latest request.
    pub context_tokens: u64,
    /// The model's window (`None` when the price table does not know the model).
    pub context_window: Option<u64>,
    /// `context_tokens` over the window, 0 to 1.
    pub used_ratio: Option<f64>,
    /// The latest request's time, UTC milliseconds.
    pub last_request_ms: i64,
}

impl SessionContext {
    /// The session as an entry of `scopeon.context.v1`'s `sessions`.
    pub fn to_json(&self) -> Value {
        json!({
            "provider": self.provider,
            "session": self.session,
            "project": self.project,
            "model": self.model,
            "context_tokens": self.context_tokens,
            "context_window": self.context_window,
            "used_ratio": self.used_ratio,
            "last_request": instant(self.last_request_ms),
        })
    }
}

/// The active sessions' contexts, with the metadata of `scopeon.context.v1`.
#[derive(Debug, Clone)]
pub struct ContextAnswer {
    sessions: Vec<SessionContext>,
    generated_at: Timestamp,
}

impl ContextAnswer {
    /// The sessions, most recently active last.
    pub fn sessions(&self) -> &[SessionContext] {
        &self.sessions
    }

    /// "Now" as the answer was computed.
    pub fn generated_at(&self) -> Timestamp {
        self.generated_at
    }

    /// The `scopeon.context.v1` document (docs/documents.md).
    pub fn to_document(&self) -> Value {
        json!({
            "schema": "scopeon.context.v1",
            "generated_at": self.generated_at.to_string(),
            "sessions": self.sessions.iter().map(SessionContext::to_json).collect::<Vec<_>>(),
        })
    }
}

/// Computes the answer for `providers` (ids; all when empty).
pub(crate) fn answer(
    store: &Store,
    req: &ContextRequest,
    providers: &[&str],
    now: Timestamp,
) -> Result<ContextAnswer> {
    let now_ms = now.as_millisecond();
    let from = now_ms - i64::from(req.active_minutes) * 60_000;
    let table = store.pricing();
    let sessions = store
        .session_tips(from, now_ms)?
        .into_iter()
        .filter(|t| providers.is_empty() || providers.contains(&t.provider.as_str()))
        .filter(|t| req.session.as_deref().is_none_or(|s| s == t.session))
        .map(|t| session_context(table, t))
        .collect();
    Ok(ContextAnswer {
        sessions,
        generated_at: now,
    })
}

fn session_context(table: &PriceTable, t: SessionTip) -> SessionContext {
    let mut window = t.model.as_deref().and_then(|m| table.context_window(m));
    // A Claude request larger than the standard window ran in the 1M-context variant.
    if window == Some(CLAUDE_STANDARD)
        && t.context_tokens > CLAUDE_STANDARD
        && t.model.as_deref().is_some_and(|m| m.contains("claude"))
    {
        window = Some(1_000_000);
    }
    let used_ratio = window
        .filter(|w| *w > 0)
        .map(|w| (t.context_tokens as f64 / w as f64).min(1.0));
    SessionContext {
        provider: t.provider,
        session: t.session,
        project: t.project,
        model: t.model,
        context_tokens: t.context_tokens,
        context_window: window,
        used_ratio,
        last_request_ms: t.ts_ms,
    }
}
