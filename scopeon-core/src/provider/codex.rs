//! Codex CLI rollouts (`$CODEX_HOME/sessions/**`, `archived_sessions/**`; `.jsonl[.zst]`).
//!
//! Usage lives only in `event_msg` payloads of type `token_count`, which hold the thread's
//! cumulative `total_token_usage` and the latest call's `last_token_usage`. Codex re-emits
//! unchanged totals, lets totals fall back after compaction, and copies a parent's history
//! into fork and subagent rollouts; each call counts once, keyed by the thread and its
//! cumulative total after the call, whatever file it is read from.
//!
//! The parser is stateful (previous total, model, project, replay): the state
//! ([`LineParser::state`]) is small JSON, so a resumed scan yields what an uninterrupted one
//! would; a state that does not decode is a [`StateError`] and the file is read again. A
//! `.jsonl.zst` archive is decompressed whole and parsed from a fresh state. Lines that
//! cannot spell a keyword that matters (see `may_matter`) are ignored without being parsed.
//!
//! Format notes and every decision: `docs/providers/codex.md`.

use std::fmt;
use std::sync::LazyLock;

use camino::{Utf8Path, Utf8PathBuf};
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::lenient::{Count, Keywords, Obj, Stamp, Text, Usd};
use super::{
    LineOutcome, LineParser, Provider, SkipReason, SourceContext, SourceKind, StateError,
    parser_state,
};
use crate::env::Env;
use crate::live::RateLimitSnapshot;
use crate::record::{MAX_ID_LEN, ProviderId, RecordFlags, TokenCounts, UsageRecord, bounded_id};

/// The Codex provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Codex;

/// The longest thread-id prefix of a key: room is left for the `:` and four 20-digit counters.
const KEY_THREAD_MAX: usize = MAX_ID_LEN - 96;

impl Provider for Codex {
    fn id(&self) -> ProviderId {
        ProviderId::Codex
    }

    fn parser_version(&self) -> u32 {
        1
    }

    /// `$CODEX_HOME` (a comma-separated list is accepted) replaces the default `~/.codex`
    /// (docs/roots.md).
    fn default_roots(&self, env: &Env) -> Vec<Utf8PathBuf> {
        if let Some(roots) = env.path_list("CODEX_HOME") {
            return roots;
        }
        env.home()
            .map(|home| vec![home.join(".codex")])
            .unwrap_or_default()
    }

    /// Current builds nest rollouts by local date; the earliest wrote them flat under
    /// `sessions/`, which `**/` matches too.
    fn file_patterns(&self) -> &'static [&'static str] {
        &[
            "sessions/**/*.jsonl",
            "sessions/**/*.jsonl.zst",
            "archived_sessions/**/*.jsonl",
            "archived_sessions/**/*.jsonl.zst",
        ]
    }

    /// Compressed archives are decompressed and read whole; plain rollouts are tailed.
    fn source_kind(&self, relative_path: &Utf8Path) -> SourceKind {
        if relative_path.as_str().ends_with(".jsonl.zst") {
            SourceKind::ZstdLines
        } else {
            SourceKind::Lines
        }
    }

    fn parser(
        &self,
        ctx: &SourceContext,
        state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError> {
        Ok(Box::new(CodexParser::new(ctx, state)?))
    }
}

/// The line parser for one Codex rollout.
#[derive(Debug)]
pub(crate) struct CodexParser {
    /// The thread id to use when the file has no `session_meta` id: from the file name.
    fallback_thread: String,
    state: State,
    /// Rate-limit snapshots of the lines parsed since the scanner last took them.
    rate_limits: Vec<RateLimitSnapshot>,
}

/// What the parser remembers between lines, and stores in the checkpoint between scans.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    /// The file's thread, once fixed (see the module docs).
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    thread: Option<String>,
    /// Whether the file's own `session_meta` was read.
    #[serde(rename = "m", default, skip_serializing_if = "is_false")]
    own_meta: bool,
    /// The own `session_meta`'s `cwd`.
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    cwd: Option<String>,
    /// The latest `turn_context` `cwd`.
    #[serde(rename = "w", default, skip_serializing_if = "Option::is_none")]
    turn_cwd: Option<String>,
    /// The latest `turn_context` model.
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    /// Whether the thread is a subagent's.
    #[serde(rename = "s", default, skip_serializing_if = "is_false")]
    subagent: bool,
    /// When the thread was created (UTC ms): turn markers from before it are replayed.
    #[serde(rename = "b", default, skip_serializing_if = "Option::is_none")]
    started_ms: Option<i64>,
    /// The cumulative total after the last row that counted or set the baseline.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    prev: Option<Counters>,
    /// Whether the rows being read replay another thread's history.
    #[serde(rename = "r", default, skip_serializing_if = "is_false")]
    replay: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Cumulative or per-call counters as Codex reports them: input (cached included), cached
/// input, output (reasoning included), reasoning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Counters([u64; 4]);

impl Counters {
    /// The counters of a usage object, or `None` when it holds no usage (input and output
    /// both 0, as in Codex's context-window fill rows).
    fn of(u: &Usage) -> Option<Counters> {
        let c = Counters([
            u.input_tokens.0,
            u.cached_input_tokens.0,
            u.output_tokens.0,
            u.reasoning_output_tokens.0,
        ]);
        let [input, _, output, _] = c.0;
        (input != 0 || output != 0).then_some(c)
    }

    /// Whether any counter is below `prev`'s.
    fn fell_below(&self, prev: &Counters) -> bool {
        self.0.iter().zip(prev.0).any(|(a, b)| *a < b)
    }

    fn minus(&self, prev: &Counters) -> Counters {
        Counters(std::array::from_fn(|i| self.0[i].saturating_sub(prev.0[i])))
    }

    fn plus(&self, other: &Counters) -> Counters {
        Counters(std::array::from_fn(|i| {
            self.0[i].saturating_add(other.0[i])
        }))
    }

    /// Input + output: what Codex calls `total_tokens`.
    fn billed(&self) -> u128 {
        let [input, _, output, _] = self.0;
        u128::from(input) + u128::from(output)
    }

    /// The normalized meanings of docs/tokens.md.
    fn tokens(&self) -> TokenCounts {
        let [input, cached, output, reasoning] = self.0;
        TokenCounts {
            input: input.saturating_sub(cached),
            cache_creation: 0,
            cache_creation_5m: 0,
            cache_creation_1h: 0,
            cache_read: cached,
            output,
            reasoning: reasoning.min(output),
        }
    }
}

impl fmt::Display for Counters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "{a}-{b}-{c}-{d}")
    }
}

/// Whether a total that fell below the previous one is a stale, out-of-order snapshot rather
/// than a reset: within 2% of the previous billed total, or within two of its own last calls
/// of it.
fn looks_stale(total: &Counters, prev: &Counters, last: Option<&Counters>) -> bool {
    let (now, before) = (total.billed(), prev.billed());
    if now == 0 || before == 0 {
        return false;
    }
    let last = last.map_or(0, Counters::billed);
    now * 100 >= before * 98 || (last > 0 && now + 2 * last >= before)
}

impl CodexParser {
    /// A parser for the rollout described by `ctx`, resumed from `state` when given.
    pub fn new(ctx: &SourceContext, state: Option<&[u8]>) -> Result<CodexParser, StateError> {
        let state = match state {
            Some(bytes) => parser_state::decode(ProviderId::Codex, bytes)?,
            None => State::default(),
        };
        Ok(CodexParser {
            fallback_thread: fallback_thread(ctx),
            state,
            rate_limits: Vec::new(),
        })
    }
}

/// The thread id a file name gives: the UUID ending a rollout's name, else the stem (never
/// empty).
fn fallback_thread(ctx: &SourceContext) -> String {
    let name = ctx.relative_path.file_name().unwrap_or("");
    let stem = name.strip_suffix(".zst").unwrap_or(name);
    let stem = stem.strip_suffix(".jsonl").unwrap_or(stem);
    if let Some(uuid) = stem
        .len()
        .checked_sub(36)
        .and_then(|at| stem.get(at..))
        .filter(|tail| is_uuid(tail))
    {
        return uuid.to_owned();
    }
    match (stem, name) {
        ("", "") => "unknown".to_owned(),
        ("", name) => bounded_id(name),
        (stem, _) => bounded_id(stem),
    }
}

/// Whether `s` is a UUID in its 8-4-4-4-12 hex form.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// The creation time (UTC ms) a UUIDv7 carries in its first 48 bits.
fn uuid7_ms(s: &str) -> Option<i64> {
    if !is_uuid(s) || s.as_bytes()[14] != b'7' {
        return None;
    }
    let hex = format!("{}{}", &s[..8], &s[9..13]);
    i64::from_str_radix(&hex, 16).ok()
}

/// `s` cut to at most `max` bytes at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

// The metadata-only view of a line. Every field is lenient (see `lenient`), and nothing that
// holds prompt text, code, tool output or instructions is declared, so serde skips it without
// allocating.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Line<'a> {
    #[serde(rename = "type", borrow)]
    kind: Text<'a>,
    timestamp: Stamp,
    #[serde(borrow)]
    payload: Obj<Payload<'a>>,
}

// The fields of every payload kind the parser reads, in one struct: `session_meta` (`id`,
// `cwd`, `timestamp`, `source`, `thread_source`, `forked_from_id`), `turn_context` (`model`,
// `cwd`, `turn_id`), `task_started` (`turn_id`, `started_at`), `token_count` (`info`, `model`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Payload<'a> {
    #[serde(rename = "type", borrow)]
    kind: Text<'a>,
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow)]
    cwd: Text<'a>,
    timestamp: Stamp,
    source: Source,
    #[serde(borrow)]
    thread_source: Text<'a>,
    #[serde(borrow)]
    forked_from_id: Text<'a>,
    #[serde(borrow)]
    model: Text<'a>,
    #[serde(borrow)]
    turn_id: Text<'a>,
    started_at: Stamp,
    #[serde(borrow)]
    info: Obj<Info<'a>>,
    rate_limits: Obj<RateLimits>,
}

/// `token_count.rate_limits`: the account's usage windows as Codex last heard of them.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RateLimits {
    primary: Obj<Window>,
    secondary: Obj<Window>,
}

/// One window: `used_percent`, `window_minutes`, and its reset as `resets_at` (epoch seconds)
/// or, in older builds, `resets_in_seconds` after the event.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Window {
    used_percent: Usd,
    window_minutes: Count,
    resets_at: Stamp,
    resets_in_seconds: Option<Count>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Info<'a> {
    total_token_usage: Obj<Usage>,
    last_token_usage: Obj<Usage>,
    #[serde(borrow)]
    model: Text<'a>,
    #[serde(borrow)]
    model_name: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Usage {
    input_tokens: Count,
    cached_input_tokens: Count,
    output_tokens: Count,
    reasoning_output_tokens: Count,
}

/// What `session_meta.source` says about the thread: a plain string (`"cli"`, `"vscode"`,
/// `"exec"`) says nothing; an object with a non-null `subagent` marks a subagent, and a
/// `subagent.thread_spawn` one spawned from a parent whose history it may replay. Values of
/// any other kind are skipped, like the lenient types do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Source {
    subagent: bool,
    spawned: bool,
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Source, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Source;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a thread source")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Source, A::Error> {
                let mut source = Source::default();
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    if key.get() == Some("subagent") {
                        let sub = map.next_value::<Subagent>()?;
                        source.subagent |= sub.present;
                        source.spawned |= sub.spawned;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(source)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Source, E> {
                Ok(Source::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Source, E> {
                Ok(Source::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Source, E> {
                Ok(Source::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Source, E> {
                Ok(Source::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<Source, E> {
                Ok(Source::default())
            }
            fn visit_unit<E>(self) -> Result<Source, E> {
                Ok(Source::default())
            }
            fn visit_none<E>(self) -> Result<Source, E> {
                Ok(Source::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Source, D::Error> {
                Source::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Source, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Source::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// `source.subagent`: present unless null (a string such as `"review"` or an object such as
/// `{"other":"guardian"}`); `spawned` when it is an object with a non-null `thread_spawn`.
#[derive(Debug, Clone, Copy, Default)]
struct Subagent {
    present: bool,
    spawned: bool,
}

impl<'de> Deserialize<'de> for Subagent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Subagent, D::Error> {
        struct V;
        const PRESENT: Subagent = Subagent {
            present: true,
            spawned: false,
        };
        impl<'de> Visitor<'de> for V {
            type Value = Subagent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a subagent source")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Subagent, A::Error> {
                let mut sub = PRESENT;
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    let value = map.next_value::<Option<IgnoredAny>>()?;
                    if key.get() == Some("thread_spawn") && value.is_some() {
                        sub.spawned = true;
                    }
                }
                Ok(sub)
            }
            fn visit_str<E>(self, _: &str) -> Result<Subagent, E> {
                Ok(PRESENT)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Subagent, E> {
                Ok(Subagent::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Subagent, E> {
                Ok(Subagent::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Subagent, E> {
                Ok(Subagent::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Subagent, E> {
                Ok(Subagent::default())
            }
            fn visit_unit<E>(self) -> Result<Subagent, E> {
                Ok(Subagent::default())
            }
            fn visit_none<E>(self) -> Result<Subagent, E> {
                Ok(Subagent::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Subagent, D::Error> {
                Subagent::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Subagent, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Subagent::default())
            }
        }
        d.deserialize_any(V)
    }
}

impl LineParser for CodexParser {
    fn parse_line(&mut self, line: &[u8], out: &mut Vec<UsageRecord>) -> LineOutcome {
        if let Some(reason) = super::lenient::non_object_skip(line) {
            return LineOutcome::Skipped(reason);
        }
        if !may_matter(line) {
            return LineOutcome::Ignored;
        }
        let Ok(parsed) = serde_json::from_slice::<Line<'_>>(line) else {
            return LineOutcome::Skipped(SkipReason::InvalidJson);
        };
        let Some(payload) = parsed.payload.0 else {
            return LineOutcome::Ignored;
        };
        match parsed.kind.get() {
            Some("session_meta") => {
                self.on_session_meta(parsed.timestamp.0, &payload);
                LineOutcome::Ignored
            }
            Some("turn_context") => {
                self.on_turn_start(payload.turn_id.get(), None);
                if let Some(model) = payload.model.get() {
                    self.state.model = Some(bounded_id(model));
                }
                if let Some(cwd) = payload.cwd.get() {
                    self.state.turn_cwd = Some(bounded_id(cwd));
                }
                LineOutcome::Ignored
            }
            Some("event_msg") => match payload.kind.get() {
                Some("token_count") => {
                    self.on_rate_limits(parsed.timestamp.0, &payload);
                    self.on_token_count(parsed.timestamp.0, &payload, out)
                }
                Some("task_started") => {
                    self.on_turn_start(payload.turn_id.get(), payload.started_at.0);
                    LineOutcome::Ignored
                }
                _ => LineOutcome::Ignored,
            },
            _ => LineOutcome::Ignored,
        }
    }

    fn state(&self) -> Vec<u8> {
        parser_state::encode(&self.state)
    }

    fn take_rate_limits(&mut self, out: &mut Vec<RateLimitSnapshot>) {
        out.append(&mut self.rate_limits);
    }
}

impl CodexParser {
    /// Keeps the windows a `token_count` event reports, captured at the event's time. A
    /// replayed parent history is skipped: it is stamped when the fork was made, so its old
    /// percentages would pass for new ones. Windows that break the rules of docs/live.md
    /// (no length, a percentage above 101, no reset time) are dropped.
    fn on_rate_limits(&mut self, line_ms: Option<i64>, p: &Payload<'_>) {
        let (Some(limits), Some(captured)) = (p.rate_limits.0.as_ref(), line_ms) else {
            return;
        };
        if self.state.replay {
            return;
        }
        for (kind, window) in [
            ("primary", &limits.primary),
            ("secondary", &limits.secondary),
        ] {
            let Some(w) = window.0.as_ref() else {
                continue;
            };
            let resets_at = w.resets_at.0.or_else(|| {
                let secs = i64::try_from(w.resets_in_seconds?.0).ok()?;
                captured.checked_add(secs.checked_mul(1000)?)
            });
            let snapshot = match (
                w.used_percent.0,
                u32::try_from(w.window_minutes.0),
                resets_at,
            ) {
                (Some(pct), Ok(minutes), Some(resets)) => {
                    RateLimitSnapshot::new(ProviderId::Codex, kind, minutes, pct, resets, captured)
                }
                _ => None,
            };
            self.rate_limits.extend(snapshot);
        }
    }

    /// The file's own `session_meta` fixes the thread and what is known about it; one of
    /// another thread means that thread's history is copied next.
    fn on_session_meta(&mut self, line_ms: Option<i64>, p: &Payload<'_>) {
        let id = p.id.get().map(bounded_id);
        let st = &mut self.state;
        let own = !st.own_meta && (st.thread.is_none() || id.is_none() || st.thread == id);
        if own {
            st.own_meta = true;
            let thread = st
                .thread
                .get_or_insert_with(|| id.unwrap_or_else(|| self.fallback_thread.clone()));
            st.started_ms = uuid7_ms(thread).or(p.timestamp.0).or(line_ms);
            st.cwd = p.cwd.get().map(bounded_id);
            st.subagent = p.source.subagent || p.thread_source.get() == Some("subagent");
            if p.forked_from_id.get().is_some() || p.source.spawned {
                st.replay = true;
            }
        } else if id.is_some() && id != st.thread {
            st.replay = true;
        }
    }

    /// A turn marker (`turn_context`, `task_started`) ends a replay unless it is recognisably
    /// from before the thread was created.
    fn on_turn_start(&mut self, turn_id: Option<&str>, started_at_ms: Option<i64>) {
        if !self.state.replay {
            return;
        }
        let own = match self.state.started_ms {
            None => true,
            Some(start) => match (turn_id.and_then(uuid7_ms), started_at_ms) {
                (Some(turn_ms), _) => turn_ms >= start,
                // `started_at` is whole seconds.
                (None, Some(at)) => at >= start - start.rem_euclid(1000),
                (None, None) => true,
            },
        };
        if own {
            self.state.replay = false;
        }
    }

    fn on_token_count(
        &mut self,
        line_ms: Option<i64>,
        p: &Payload<'_>,
        out: &mut Vec<UsageRecord>,
    ) -> LineOutcome {
        let Some(info) = p.info.0.as_ref() else {
            return LineOutcome::Ignored; // A rate-limit refresh.
        };
        let total = info.total_token_usage.0.as_ref().and_then(Counters::of);
        let last = info.last_token_usage.0.as_ref().and_then(Counters::of);
        let prev = self.state.prev;
        // The cumulative total after this row.
        let after = match (total, last, prev) {
            (Some(t), _, _) => t,
            (None, Some(l), Some(p)) => p.plus(&l),
            (None, Some(l), None) => l,
            (None, None, _) => return LineOutcome::Ignored,
        };
        if self.state.replay {
            self.state.prev = Some(after);
            return LineOutcome::Ignored;
        }
        let delta = match (total, prev) {
            (Some(t), Some(p)) if t == p => return LineOutcome::Ignored,
            (Some(t), Some(p)) if t.fell_below(&p) => {
                if looks_stale(&t, &p, last.as_ref()) {
                    return LineOutcome::Ignored;
                }
                match last {
                    Some(l) => l,
                    None => {
                        self.state.prev = Some(t);
                        return LineOutcome::Ignored;
                    }
                }
            }
            (Some(t), Some(p)) => last.unwrap_or_else(|| t.minus(&p)),
            (Some(t), None) => last.unwrap_or(t),
            // `after` needed one of them: without a total, the last call is there.
            (None, _) => last.unwrap_or_default(),
        };
        let tokens = delta.tokens();
        if tokens.is_zero() {
            self.state.prev = Some(after);
            return LineOutcome::Ignored;
        }
        let Some(timestamp_ms) = line_ms else {
            return LineOutcome::Skipped(SkipReason::MissingField);
        };
        self.state.prev = Some(after);
        let st = &mut self.state;
        let thread = st
            .thread
            .get_or_insert_with(|| self.fallback_thread.clone());
        let model = p
            .model
            .get()
            .or(info.model.get())
            .or(info.model_name.get())
            .map(bounded_id)
            .or_else(|| st.model.clone());
        out.push(UsageRecord {
            provider: ProviderId::Codex,
            session: thread.clone(),
            project: st.cwd.clone().or_else(|| st.turn_cwd.clone()),
            model,
            timestamp_ms,
            dedup_key: format!("{}:{after}", cut(thread, KEY_THREAD_MAX)),
            message_id: None,
            flags: RecordFlags {
                subagent: st.subagent,
                ..RecordFlags::default()
            },
            tokens,
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        });
        LineOutcome::Records(1)
    }
}

/// The pre-filter: the line types and event types that change the state or carry usage.
static LINE_TYPES: LazyLock<Keywords> = LazyLock::new(|| {
    Keywords::new(&[
        "token_count",
        "turn_context",
        "session_meta",
        "task_started",
    ])
});

/// Whether a line could be a `session_meta`, `turn_context`, `token_count` or `task_started`
/// line, judged from its bytes alone ([`Keywords`]). A line that cannot spell any of them
/// cannot be one of these lines for a JSON parser either.
fn may_matter(line: &[u8]) -> bool {
    LINE_TYPES.may_occur_in(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REL: &str = "sessions/2025/10/03/rollout-2025-10-03T11-20-41-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl";

    fn parser(rel: &str) -> CodexParser {
        CodexParser::new(&SourceContext::new(rel), None).unwrap()
    }

    /// Parses lines in order with one parser; the outcomes and the records.
    fn run(rel: &str, lines: &[&str]) -> (Vec<LineOutcome>, Vec<UsageRecord>) {
        let mut p = parser(rel);
        let mut out = Vec::new();
        let outcomes = lines
            .iter()
            .map(|l| p.parse_line(l.as_bytes(), &mut out))
            .collect();
        (outcomes, out)
    }

    fn meta(id: &str, extra: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-05-12T08:03:00.000Z","type":"session_meta","payload":{{"id":"{id}","cwd":"/home/dev/acme-api","originator":"codex_cli_rs","instructions":"SECRET"{extra}}}}}"#
        )
    }

    fn usage(u: [u64; 4]) -> String {
        format!(
            r#"{{"input_tokens":{},"cached_input_tokens":{},"output_tokens":{},"reasoning_output_tokens":{},"total_tokens":{}}}"#,
            u[0],
            u[1],
            u[2],
            u[3],
            u[0].saturating_add(u[2])
        )
    }

    fn tc(ts: &str, total: Option<[u64; 4]>, last: Option<[u64; 4]>) -> String {
        let mut info = Vec::new();
        if let Some(t) = total {
            info.push(format!(r#""total_token_usage":{}"#, usage(t)));
        }
        if let Some(l) = last {
            info.push(format!(r#""last_token_usage":{}"#, usage(l)));
        }
        format!(
            r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{{{}}},"rate_limits":null}}}}"#,
            info.join(",")
        )
    }

    fn turn(model: &str) -> String {
        format!(
            r#"{{"timestamp":"2026-05-12T08:03:02.500Z","type":"turn_context","payload":{{"cwd":"/home/dev/acme-api","model":"{model}","user_instructions":"SECRET"}}}}"#
        )
    }

    const T1: &str = "2025-10-03T09:20:52.770Z";
    const T2: &str = "2025-10-03T09:21:30.006Z";
    const T3: &str = "2025-10-03T09:22:00.000Z";

    #[test]
    fn deltas_keys_and_normalization() {
        let (outcomes, out) = run(
            REL,
            &[
                &meta("0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", ""),
                &turn("gpt-5-codex"),
                &tc(
                    T1,
                    Some([12000, 9000, 800, 320]),
                    Some([12000, 9000, 800, 320]),
                ),
                &tc(
                    T2,
                    Some([12000, 9000, 800, 320]),
                    Some([12000, 9000, 800, 320]),
                ),
                &tc(
                    T3,
                    Some([25500, 21100, 1250, 448]),
                    Some([13500, 12100, 450, 128]),
                ),
            ],
        );
        assert_eq!(
            outcomes,
            [
                LineOutcome::Ignored,
                LineOutcome::Ignored,
                LineOutcome::Records(1),
                LineOutcome::Ignored,
                LineOutcome::Records(1)
            ]
        );
        let r = &out[1];
        assert_eq!(
            r.dedup_key,
            "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:25500-21100-1250-448"
        );
        assert_eq!(r.session, "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        assert_eq!(r.project.as_deref(), Some("/home/dev/acme-api"));
        assert_eq!(r.model.as_deref(), Some("gpt-5-codex"));
        assert_eq!(
            r.tokens,
            TokenCounts {
                input: 1400,
                cache_read: 12100,
                output: 450,
                reasoning: 128,
                ..TokenCounts::default()
            }
        );
        assert!(!r.flags.subagent);
        assert_eq!(r.message_id, None);
    }

    #[test]
    fn legacy_totals_only_subtracts() {
        let (_, out) = run(
            REL,
            &[
                &tc(T1, Some([1000, 100, 200, 20]), None),
                &tc(T2, Some([1600, 300, 450, 40]), None),
            ],
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].tokens.input, 600 - 200);
        assert_eq!(out[1].tokens.cache_read, 200);
        assert_eq!(out[1].tokens.output, 250);
        assert_eq!(out[1].tokens.reasoning, 20);
        assert_eq!(out[1].model, None);
        // No session_meta: the file name's UUID is the thread.
        assert_eq!(out[0].session, "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    }

    #[test]
    fn last_only_rows_accumulate() {
        let (_, out) = run(
            REL,
            &[
                &tc(T1, None, Some([10, 0, 5, 0])),
                &tc(T2, None, Some([20, 5, 5, 1])),
            ],
        );
        assert_eq!(
            out[0].dedup_key,
            "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:10-0-5-0"
        );
        assert_eq!(
            out[1].dedup_key,
            "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:30-5-10-1"
        );
        assert_eq!(out[1].tokens.input, 15);
    }

    #[test]
    fn context_window_fill_neither_counts_nor_moves_the_baseline() {
        let fill = r#"{"timestamp":"2025-10-03T09:21:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":0,"cached_input_tokens":0,"output_tokens":0,"reasoning_output_tokens":0,"total_tokens":272000},"last_token_usage":{"total_tokens":5000},"model_context_window":272000}}}"#;
        let (outcomes, out) = run(
            REL,
            &[
                &tc(T1, Some([1000, 0, 100, 0]), None),
                fill,
                &tc(T2, Some([1500, 0, 150, 0]), None),
            ],
        );
        assert_eq!(outcomes[1], LineOutcome::Ignored);
        assert_eq!(out.len(), 2);
        assert_eq!((out[1].tokens.input, out[1].tokens.output), (500, 50));
    }

    #[test]
    fn stale_snapshots_are_skipped_and_resets_rebaseline() {
        let (outcomes, out) = run(
            REL,
            &[
                &tc(T1, Some([10_000, 0, 1000, 0]), Some([10_000, 0, 1000, 0])),
                &tc(T2, Some([20_000, 0, 2000, 0]), Some([10_000, 0, 1000, 0])),
                // Out of order: back by about one call.
                &tc(T2, Some([19_900, 0, 1990, 0]), Some([100, 0, 10, 0])),
                &tc(T3, Some([21_000, 0, 2100, 0]), Some([1000, 0, 100, 0])),
                // Compaction reset: far below, counts its last call.
                &tc(T3, Some([3000, 0, 300, 0]), Some([3000, 0, 300, 0])),
                // A totals-only reset counts nothing but re-baselines.
                &tc(T3, Some([500, 0, 10, 0]), None),
                &tc(T3, Some([700, 0, 20, 0]), None),
            ],
        );
        assert_eq!(
            outcomes,
            [
                LineOutcome::Records(1),
                LineOutcome::Records(1),
                LineOutcome::Ignored,
                LineOutcome::Records(1),
                LineOutcome::Records(1),
                LineOutcome::Ignored,
                LineOutcome::Records(1),
            ]
        );
        assert_eq!(out[2].tokens.input, 1000);
        assert_eq!(out[3].tokens.input, 3000);
        assert_eq!((out[4].tokens.input, out[4].tokens.output), (200, 10));
    }

    #[test]
    fn fork_replay_sets_the_baseline_only() {
        let child = "019e0000-aaaa-7bbb-8ccc-000000000002";
        let spawn = r#","source":{"subagent":{"thread_spawn":{"parent_thread_id":"019e0000-aaaa-7bbb-8ccc-000000000001","depth":1}}}"#;
        let (outcomes, out) = run(
            "sessions/2026/05/12/x.jsonl",
            &[
                &meta(child, spawn),
                &meta("019e0000-aaaa-7bbb-8ccc-000000000001", r#","source":"cli""#),
                &tc(T1, Some([1000, 100, 200, 0]), Some([1000, 100, 200, 0])),
                &tc(T1, Some([1500, 150, 300, 0]), Some([500, 50, 100, 0])),
                &turn("gpt-5.2"),
                &tc(T2, Some([1600, 160, 320, 5]), Some([100, 10, 20, 5])),
            ],
        );
        assert_eq!(outcomes[2], LineOutcome::Ignored);
        assert_eq!(outcomes[3], LineOutcome::Ignored);
        assert_eq!(out.len(), 1);
        let r = &out[0];
        assert_eq!(r.session, child);
        assert_eq!(r.dedup_key, format!("{child}:1600-160-320-5"));
        assert!(r.flags.subagent);
        assert_eq!(r.model.as_deref(), Some("gpt-5.2"));
        assert_eq!(
            (r.tokens.input, r.tokens.cache_read, r.tokens.output),
            (90, 10, 20)
        );
    }

    #[test]
    fn replayed_turn_markers_are_told_apart_by_time() {
        // The thread was created at 0x019e0000aaaa ms; parent turns minted before it do not
        // end the replay, the child's own turn does.
        let child = "019e0000-aaaa-7bbb-8ccc-000000000002";
        let old_turn = r#"{"timestamp":"2026-05-12T08:03:00.000Z","type":"turn_context","payload":{"turn_id":"019d0000-0000-7000-8000-000000000000","model":"gpt-5"}}"#;
        let old_task = format!(
            r#"{{"timestamp":"2026-05-12T08:03:00.000Z","type":"event_msg","payload":{{"type":"task_started","turn_id":"t-legacy","started_at":{}}}}}"#,
            0x019e_0000_aaaa_i64 / 1000 - 60
        );
        let own_task = format!(
            r#"{{"timestamp":"2026-05-12T08:03:00.000Z","type":"event_msg","payload":{{"type":"task_started","turn_id":"t-own","started_at":{}}}}}"#,
            0x019e_0000_aaaa_i64 / 1000
        );
        let (_, out) = run(
            REL,
            &[
                &meta(child, r#","forked_from_id":"p","thread_source":"user""#),
                old_turn,
                &tc(T1, Some([1000, 0, 100, 0]), Some([1000, 0, 100, 0])),
                &old_task,
                &tc(T1, Some([2000, 0, 200, 0]), Some([1000, 0, 100, 0])),
                &own_task,
                &tc(T2, Some([2500, 0, 250, 0]), Some([500, 0, 50, 0])),
            ],
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].tokens.input, 500);
        // A user fork is not a subagent; the replayed turn_context's model carried over.
        assert!(!out[0].flags.subagent);
        assert_eq!(out[0].model.as_deref(), Some("gpt-5"));
    }

    #[test]
    fn model_overrides_and_subagent_variants() {
        let line = r#"{"timestamp":"2025-10-03T09:20:52.770Z","type":"event_msg","payload":{"type":"token_count","info":{"model_name":"gpt-5.1-codex","last_token_usage":{"input_tokens":3,"output_tokens":1}}}}"#;
        let guardian = r#","source":{"subagent":{"other":"guardian"}}"#;
        let (_, out) = run(REL, &[&meta("g", guardian), &turn("gpt-5"), line]);
        assert_eq!(out[0].model.as_deref(), Some("gpt-5.1-codex"));
        assert!(out[0].flags.subagent);
        for (extra, want) in [
            (r#","source":{"subagent":"review"}"#, true),
            (r#","source":{"subagent":null}"#, false),
            (r#","source":"exec""#, false),
            (r#","source":[1,{"subagent":1}]"#, false),
            (r#","thread_source":"subagent""#, true),
        ] {
            let (_, out) = run(REL, &[&meta("g", extra), line]);
            assert_eq!(out[0].flags.subagent, want, "{extra}");
            assert_eq!(out.len(), 1, "no replay for {extra}");
        }
    }

    #[test]
    fn state_round_trips_and_bad_state_is_an_error() {
        let ctx = SourceContext::new(REL);
        let mut p = parser(REL);
        let mut out = Vec::new();
        p.parse_line(meta("th", r#","forked_from_id":"x""#).as_bytes(), &mut out);
        p.parse_line(tc(T1, Some([5, 0, 1, 0]), None).as_bytes(), &mut out);
        let state = p.state();
        let resumed = CodexParser::new(&ctx, Some(&state)).unwrap();
        assert_eq!(resumed.state, p.state);
        assert!(resumed.state.replay);
        assert_eq!(resumed.state.prev, Some(Counters([5, 0, 1, 0])));
        for bad in [&b""[..], b"{\"zz\":1}", b"{\"p\":[1]}", b"\xff"] {
            assert!(CodexParser::new(&ctx, Some(bad)).is_err());
        }
        assert_eq!(parser(REL).state(), b"{}");
    }

    #[test]
    fn malformed_and_irrelevant_lines() {
        let cases: &[(&str, LineOutcome)] = &[
            ("not json", LineOutcome::Skipped(SkipReason::InvalidJson)),
            ("[1,2]", LineOutcome::Skipped(SkipReason::NotAnObject)),
            (
                "\"token_count\"",
                LineOutcome::Skipped(SkipReason::NotAnObject),
            ),
            ("{not json", LineOutcome::Ignored),
            (
                r#"{"type":"event_msg","payload":{"type":"token_count","info":{"total_tok"#,
                LineOutcome::Skipped(SkipReason::InvalidJson),
            ),
            (
                r#"{"type":"response_item","payload":{"type":"message","content":[{"text":"token_count"}]}}"#,
                LineOutcome::Ignored,
            ),
            (
                r#"{"type":"event_msg","payload":{"type":"token_count","info":null}}"#,
                LineOutcome::Ignored,
            ),
            (
                r#"{"type":"event_msg","payload":"token_count"}"#,
                LineOutcome::Ignored,
            ),
            (
                r#"{"type":"event_msg","payload":{"type":"token_count","info":{"last_token_usage":{"input_tokens":3}}}}"#,
                LineOutcome::Skipped(SkipReason::MissingField),
            ),
            (
                r#"{"timestamp":"1999-12-31T23:59:59Z","type":"event_msg","payload":{"type":"token_count","info":{"last_token_usage":{"input_tokens":3}}}}"#,
                LineOutcome::Skipped(SkipReason::MissingField),
            ),
            (
                r#"{"timestamp":"2025-10-03T09:20:52.770Z","type":"token_usage_record","payload":{"usage":{"input_tokens":3}}}"#,
                LineOutcome::Ignored,
            ),
            (
                r#"{"id":"0199","timestamp":"2025-05-01T00:00:00Z","instructions":"x","git":{}}"#,
                LineOutcome::Ignored,
            ),
        ];
        for (line, want) in cases {
            assert_eq!(run(REL, &[line]).0[0], *want, "{line}");
        }
    }

    #[test]
    fn a_missing_timestamp_keeps_the_baseline() {
        let (outcomes, out) = run(
            REL,
            &[
                r#"{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":100,"output_tokens":10}}}}"#,
                &tc(T2, Some([300, 0, 30, 0]), None),
            ],
        );
        assert_eq!(outcomes[0], LineOutcome::Skipped(SkipReason::MissingField));
        assert_eq!(out[0].tokens.input, 300);
    }

    #[test]
    fn lenient_and_hostile_values() {
        let line = r#"{"timestamp":1759483252,"type":"event_msg","payload":{"type":"token_count","model":7,"info":{"total_token_usage":{"input_tokens":"12","cached_input_tokens":-4,"output_tokens":3.9,"reasoning_output_tokens":99},"last_token_usage":[1,2]}}}"#;
        let (_, out) = run(REL, &[line]);
        let t = out[0].tokens;
        assert_eq!(
            (t.input, t.cache_read, t.output, t.reasoning),
            (12, 0, 3, 3)
        );
        assert_eq!(out[0].model.as_deref(), Some("7"));
        assert_eq!(out[0].timestamp_ms, 1_759_483_252_000);

        let huge = tc(T1, Some([u64::MAX, u64::MAX, u64::MAX, u64::MAX]), None);
        let (_, out) = run(REL, &[&huge]);
        assert_eq!(out[0].tokens.cache_read, u64::MAX);
        assert!(out[0].dedup_key.len() <= MAX_ID_LEN);

        let long_id = "é".repeat(2000);
        let (_, out) = run(
            REL,
            &[&meta(&long_id, ""), &tc(T1, Some([1, 0, 1, 0]), None)],
        );
        assert!(out[0].session.len() <= MAX_ID_LEN);
        assert!(out[0].dedup_key.len() <= MAX_ID_LEN);
        assert!(out[0].dedup_key.ends_with(":1-0-1-0"));
    }

    #[test]
    fn last_only_deltas_are_the_last_call_even_when_sums_saturate() {
        let saturated = tc(T1, Some([u64::MAX, 0, u64::MAX, 0]), None);
        let big = r#"{"timestamp":"2025-10-03T09:21:00Z","type":"event_msg","payload":{"type":"token_count","info":{"last_token_usage":{"input_tokens":1e30,"output_tokens":5}}}}"#;
        let (outcomes, out) = run(REL, &[&saturated, big]);
        assert_eq!(outcomes[1], LineOutcome::Records(1));
        assert_eq!((out[1].tokens.input, out[1].tokens.output), (u64::MAX, 5));
    }

    #[test]
    fn escaped_keywords_are_still_read() {
        let line = r#"{"timestamp":"2025-10-03T09:20:52.770Z","type":"event_msg","payload":{"type":"token\u005fcount","info":{"last_token_usage":{"input_tokens":3,"output_tokens":1}}}}"#;
        assert_eq!(run(REL, &[line]).0[0], LineOutcome::Records(1));
        let plain = r#"{"type":"response_item","payload":{"type":"message","content":"colour \u001b[31m"}}"#;
        assert!(!may_matter(plain.as_bytes()));
    }

    proptest::proptest! {
        /// The pre-filter never hides a line that matters: whenever the full parse finds a
        /// record, the bytes pass the filter, whatever spelling the words use.
        #[test]
        fn prefilter_never_rejects_usage(
            word in proptest::sample::select(vec![
                "token_count", "token\\u005fcount", "\\u0074oken_count", "token_coun\\u0074",
                "tok\\u0065n_count", "token_\\u0063ount", "token-count", "content",
            ]),
            filler in "[a-z \\\\\"]{0,20}",
            escape in proptest::sample::select(vec!["", "\\u001b", "\\u00e9", "\\n"]),
        ) {
            let line = format!(
                r#"{{"timestamp":"2026-01-01T00:00:00Z","x":"{}{escape}","type":"event_msg","payload":{{"type":"{word}","info":{{"last_token_usage":{{"input_tokens":3}}}}}}}}"#,
                filler.replace('\\', "\\\\").replace('"', "\\\""),
            );
            let parsed = serde_json::from_str::<Line<'_>>(&line).unwrap();
            let payload = parsed.payload.0.unwrap();
            if payload.kind.get() == Some("token_count") {
                proptest::prop_assert!(may_matter(line.as_bytes()), "{}", line);
            }
        }
    }

    #[test]
    fn fallback_threads() {
        let t = |rel: &str| fallback_thread(&SourceContext::new(rel));
        assert_eq!(
            t(
                "archived_sessions/rollout-2025-10-03T11-20-41-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl.zst"
            ),
            "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
        );
        assert_eq!(
            t("sessions/rollout-2025-05-20-5973b6c0-94b8-487b-a530-2aeb6098ae0e.jsonl"),
            "5973b6c0-94b8-487b-a530-2aeb6098ae0e"
        );
        assert_eq!(t("sessions/notes.jsonl"), "notes");
        assert_eq!(t("sessions/.jsonl"), ".jsonl");
        assert_eq!(t("sessions/é.jsonl"), "é");
    }

    #[test]
    fn uuid7_times() {
        assert_eq!(
            uuid7_ms("0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
            Some(0x0199_a1b2_c3d4)
        );
        assert_eq!(uuid7_ms("5973b6c0-94b8-487b-a530-2aeb6098ae0e"), None);
        assert_eq!(uuid7_ms("not-a-uuid"), None);
    }

    #[test]
    fn roots_patterns_and_kinds() {
        let env = Env::isolated("/home/u");
        assert_eq!(
            Codex.default_roots(&env),
            vec![Utf8PathBuf::from("/home/u/.codex")]
        );
        let env = Env::isolated("/home/u").with_vars(&[("CODEX_HOME", "/a, ~/b")]);
        assert_eq!(
            Codex.default_roots(&env),
            vec![Utf8PathBuf::from("/a"), Utf8PathBuf::from("/home/u/b")]
        );
        assert_eq!(
            Codex.source_kind(Utf8Path::new("archived_sessions/x.jsonl.zst")),
            SourceKind::ZstdLines
        );
        assert_eq!(
            Codex.source_kind(Utf8Path::new("sessions/2025/10/03/x.jsonl")),
            SourceKind::Lines
        );
        for p in Codex.file_patterns() {
            globset::Glob::new(p).unwrap();
        }
    }
}

#[cfg(test)]
mod rate_limit_tests {
    use super::*;

    const REL: &str = "sessions/2025/10/03/rollout-2025-10-03T11-20-41-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl";

    /// Parses lines in order; the records and the snapshots taken after each line.
    fn run(lines: &[&str]) -> (Vec<UsageRecord>, Vec<RateLimitSnapshot>) {
        let mut p = CodexParser::new(&SourceContext::new(REL), None).unwrap();
        let (mut out, mut snaps) = (Vec::new(), Vec::new());
        for l in lines {
            p.parse_line(l.as_bytes(), &mut out);
            p.take_rate_limits(&mut snaps);
        }
        (out, snaps)
    }

    fn limits_line(ts: &str, info: &str, limits: &str) -> String {
        format!(
            r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{info},"rate_limits":{limits}}}}}"#
        )
    }

    const USAGE: &str = r#"{"total_token_usage":{"input_tokens":12000,"cached_input_tokens":9000,"output_tokens":800,"reasoning_output_tokens":320,"total_tokens":12800},"last_token_usage":{"input_tokens":12000,"cached_input_tokens":9000,"output_tokens":800,"reasoning_output_tokens":320,"total_tokens":12800}}"#;

    #[test]
    fn windows_are_snapshots_and_rate_limit_rows_are_not_usage() {
        let (records, snaps) = run(&[
            &limits_line(
                "2025-10-03T09:20:44.310Z",
                "null",
                r#"{"primary":{"used_percent":4.0,"window_minutes":300,"resets_at":1759500000},"secondary":{"used_percent":11.0,"window_minutes":10080,"resets_at":1759900000}}"#,
            ),
            &limits_line(
                "2025-10-03T09:20:53.104Z",
                USAGE,
                r#"{"primary":{"used_percent":5.0,"window_minutes":300,"resets_at":1759500000},"secondary":null}"#,
            ),
        ]);
        assert_eq!(records.len(), 1, "only the row with info is usage");
        let captured = 1_759_483_244_310;
        let s = |kind: &str, minutes, pct, resets: i64, captured| {
            RateLimitSnapshot::new(
                ProviderId::Codex,
                kind,
                minutes,
                pct,
                resets * 1000,
                captured,
            )
            .unwrap()
        };
        assert_eq!(
            snaps,
            [
                s("primary", 300, 4.0, 1_759_500_000, captured),
                s("secondary", 10_080, 11.0, 1_759_900_000, captured),
                s("primary", 300, 5.0, 1_759_500_000, 1_759_483_253_104),
            ]
        );
    }

    #[test]
    fn legacy_resets_in_seconds_count_from_the_event() {
        let (_, snaps) = run(&[&limits_line(
            "2025-09-05T16:00:00.250Z",
            "null",
            r#"{"primary":{"used_percent":"12.5","window_minutes":300,"resets_in_seconds":3600}}"#,
        )]);
        let at = 1_757_088_000_250;
        assert_eq!(snaps.len(), 1);
        assert_eq!(snaps[0].resets_at_ms, at + 3_600_000);
        assert_eq!(snaps[0].captured_at_ms, at);
        assert_eq!(snaps[0].used_percentage, 12.5);
    }

    #[test]
    fn out_of_range_and_malformed_windows_are_dropped() {
        let (_, snaps) = run(&[
            &limits_line(
                "2025-10-03T09:20:44.310Z",
                "null",
                r#"{"primary":{"used_percent":100.6,"window_minutes":300,"resets_at":1759500000},"secondary":{"used_percent":180,"window_minutes":10080,"resets_at":1759900000}}"#,
            ),
            &limits_line(
                "2025-10-03T09:20:45.000Z",
                "null",
                r#"{"primary":{"used_percent":-3,"window_minutes":300,"resets_at":1759500000},"secondary":{"used_percent":1,"resets_at":1759900000}}"#,
            ),
            &limits_line(
                "2025-10-03T09:20:46.000Z",
                "null",
                r#"{"primary":"SECRET","secondary":[1,2]}"#,
            ),
            // No timestamp: no capture time, no snapshot.
            r#"{"type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{"primary":{"used_percent":1,"window_minutes":300,"resets_at":1759500000}}}}"#,
        ]);
        assert_eq!(snaps.len(), 1, "{snaps:?}");
        assert_eq!(snaps[0].used_percentage, 100.0, "100-101 is clamped");
    }

    #[test]
    fn a_replayed_parent_history_reports_no_windows() {
        let meta = |id: &str| {
            format!(
                r#"{{"timestamp":"2026-05-12T08:03:00.000Z","type":"session_meta","payload":{{"id":"{id}","cwd":"/w","source":{{"subagent":{{"thread_spawn":{{}}}}}}}}}}"#
            )
        };
        let limits =
            r#"{"primary":{"used_percent":3.0,"window_minutes":300,"resets_at":1778580000}}"#;
        let (_, snaps) = run(&[
            &meta("019e0000-aaaa-7bbb-8ccc-000000000002"),
            &limits_line("2026-05-12T08:03:00.000Z", "null", limits),
            r#"{"timestamp":"2026-05-12T08:03:02.500Z","type":"turn_context","payload":{"cwd":"/w","model":"gpt-5.2"}}"#,
            &limits_line("2026-05-12T08:04:00.000Z", "null", limits),
        ]);
        assert_eq!(snaps.len(), 1);
        assert_eq!(snaps[0].captured_at_ms, 1_778_573_040_000);
    }
}
