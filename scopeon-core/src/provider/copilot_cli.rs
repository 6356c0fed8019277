//! GitHub Copilot CLI (`~/.copilot`): per-session event logs and `session-store.db`.
//!
//! Usage comes from `assistant.message` output counts (one record each), from the per-model
//! metrics of every `session.shutdown` (one aggregate record per segment and model, summed,
//! with output and requests 0 when the segment's messages already counted them), and from the
//! per-turn table of `session-store.db`, whose `db:<session>:…` records supersede the same
//! session's `ev:<session>:…` records ([`key_part`], `ProviderId::supersedes_by_session`).
//! Copilot's input includes cache reads and writes; both are subtracted.
//!
//! The events parser keeps a small state (session, project, current model, the segment's
//! split), saved as JSON in the checkpoint, so a resumed scan splits as one pass would. The
//! database is read incrementally by rowid. Lines whose bytes cannot spell an event type
//! that matters (see `may_matter`) are ignored without being parsed.
//!
//! Format notes and every decision: `docs/providers/copilot_cli.md`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use camino::{Utf8Path, Utf8PathBuf};
use rusqlite::types::ValueRef;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::lenient::{Count, Keywords, Obj, Stamp, Text, Usd};
use super::sql_table::table_columns;
use super::sql_value;
use super::{
    DatabaseError, DatabaseRead, LineOutcome, LineParser, Provider, SkipReason, SourceContext,
    SourceKind, StateError, parser_state,
};
use crate::env::Env;
use crate::hash::fnv1a64;
use crate::record::{ProviderId, RecordFlags, TokenCounts, UsageRecord, bounded_id};

/// The Copilot CLI provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopilotCli;

/// The database file name, directly under the root.
pub(crate) const SESSION_STORE: &str = "session-store.db";

/// Longest session id kept whole; longer ones are cut and suffixed with a hash (see
/// [`key_part`]). A Copilot session id is a 36-byte UUID.
pub const MAX_SESSION_LEN: usize = 256;

/// Longest message id, event id or model kept whole inside a key.
const MAX_KEY_PART: usize = 256;

impl Provider for CopilotCli {
    fn id(&self) -> ProviderId {
        ProviderId::CopilotCli
    }

    fn parser_version(&self) -> u32 {
        1
    }

    /// `$COPILOT_HOME` (a comma-separated list is accepted) replaces the default `~/.copilot`
    /// (docs/roots.md).
    fn default_roots(&self, env: &Env) -> Vec<Utf8PathBuf> {
        if let Some(roots) = env.path_list("COPILOT_HOME") {
            return roots;
        }
        env.home()
            .map(|h| vec![h.join(".copilot")])
            .unwrap_or_default()
    }

    /// `*` does not cross `/`, so `checkpoints/`, `history-session-state/` and the files beside
    /// `events.jsonl` are never matched.
    fn file_patterns(&self) -> &'static [&'static str] {
        &[
            "session-state/*/events.jsonl",
            "session-state/*.jsonl",
            SESSION_STORE,
        ]
    }

    fn source_kind(&self, relative_path: &Utf8Path) -> SourceKind {
        if relative_path.file_name() == Some(SESSION_STORE) {
            SourceKind::Database
        } else {
            SourceKind::Lines
        }
    }

    fn read_database(
        &self,
        _ctx: &SourceContext,
        db: &rusqlite::Connection,
        state: Option<&[u8]>,
        out: &mut Vec<UsageRecord>,
    ) -> Result<DatabaseRead, DatabaseError> {
        read_session_store(db, state, out)
    }

    fn parser(
        &self,
        ctx: &SourceContext,
        state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError> {
        let mut parser = EventsParser::new(ctx);
        if let Some(bytes) = state {
            parser.state = parser_state::decode(ProviderId::CopilotCli, bytes)?;
        }
        Ok(Box::new(parser))
    }
}

/// An id cut to at most `max` bytes: kept whole when it fits, else its first bytes (at a
/// character boundary) followed by `~` and the 16 hex digits of the whole id's FNV-1a hash, so
/// distinct long ids stay distinct. `max` must leave room for the suffix (at least 17).
pub fn key_part(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max.saturating_sub(17);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}~{:016x}", &s[..end], fnv1a64(s.as_bytes()))
}

/// A session id as records carry it (and as keys start with it): `%` and `:` percent-encoded
/// (a key's separator must not occur in its session), then cut by [`key_part`].
fn session_id(s: &str) -> String {
    if s.contains([':', '%']) {
        key_part(&s.replace('%', "%25").replace(':', "%3A"), MAX_SESSION_LEN)
    } else {
        key_part(s, MAX_SESSION_LEN)
    }
}

/// What the events parser remembers between lines, and between scans (as JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    /// The session id a `session.start`/`session.resume` named, already shortened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session: Option<String>,
    /// The project (`context.cwd`), bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cwd: Option<String>,
    /// The current model, bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    /// Whether the current segment produced a per-message output record.
    #[serde(default)]
    segment_output: bool,
    /// The last shutdown's event id (cut by [`key_part`]) and whether its segment had
    /// per-message output: a copy of that shutdown written again right after it must split
    /// the same way, or its copy (which replaces the first) would count the output twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_shutdown: Option<(String, bool)>,
}

/// The line parser for one Copilot CLI events file.
#[derive(Debug)]
pub(crate) struct EventsParser {
    /// The session id from the file's path, for lines before any `session.start`.
    path_session: String,
    /// The context, for the form projects are kept in ([`SourceContext::stored_project`]).
    ctx: SourceContext,
    state: State,
}

impl EventsParser {
    /// A fresh parser for the events file described by `ctx`.
    pub fn new(ctx: &SourceContext) -> EventsParser {
        let rel = &ctx.relative_path;
        // `<id>/events.jsonl` is named by its directory, `<id>.jsonl` by its stem.
        let from_dir = (rel.file_name() == Some("events.jsonl"))
            .then(|| rel.parent().and_then(Utf8Path::file_name))
            .flatten()
            .filter(|d| !d.is_empty());
        let raw = from_dir.unwrap_or_else(|| ctx.file_stem());
        EventsParser {
            path_session: session_id(if raw.is_empty() { "unknown" } else { raw }),
            ctx: ctx.clone(),
            state: State::default(),
        }
    }

    fn session(&self) -> &str {
        self.state.session.as_deref().unwrap_or(&self.path_session)
    }
}

// The metadata-only view of an event. Nothing that holds text (`content`, `toolRequests`,
// `reasoningText`, tool arguments and results, `message`, `errorReason`, `codeChanges`...) is
// declared, so serde skips it without allocating.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    kind: Text<'a>,
    #[serde(borrow)]
    id: Text<'a>,
    timestamp: Stamp,
    #[serde(borrow)]
    data: Obj<Data<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Data<'a> {
    #[serde(rename = "sessionId", borrow)]
    session_id: Text<'a>,
    #[serde(borrow)]
    context: Obj<Context<'a>>,
    #[serde(rename = "newModel", borrow)]
    new_model: Text<'a>,
    #[serde(rename = "messageId", borrow)]
    message_id: Text<'a>,
    #[serde(borrow)]
    model: Text<'a>,
    #[serde(rename = "outputTokens")]
    output_tokens: Count,
    #[serde(rename = "currentModel", borrow)]
    current_model: Text<'a>,
    #[serde(rename = "modelMetrics")]
    model_metrics: Metrics,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Context<'a> {
    #[serde(borrow)]
    cwd: Text<'a>,
}

/// `modelMetrics`: absent, an object of per-model metrics (in the line's order), or a value of
/// another kind (`Wrong`).
#[derive(Default)]
enum Metrics {
    #[default]
    Absent,
    Wrong,
    Models(BTreeMap<String, Usage>),
}

/// Most models one shutdown may name. Real ones name a handful; a line naming more is hostile
/// (it would turn one line into millions of records) and is skipped.
const MAX_MODELS: usize = 1024;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ModelMetric {
    usage: Obj<Usage>,
    requests: Obj<Requests>,
}

/// `modelMetrics.<model>.requests`: `cost` is premium requests (Copilot's billing unit), not
/// dollars.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Requests {
    cost: Usd,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default)]
struct Usage {
    #[serde(rename = "inputTokens")]
    input: Count,
    #[serde(rename = "outputTokens")]
    output: Count,
    #[serde(rename = "cacheReadTokens")]
    cache_read: Count,
    #[serde(rename = "cacheWriteTokens")]
    cache_write: Count,
    #[serde(rename = "reasoningTokens")]
    reasoning: Count,
    /// Premium requests of the model in the segment, in thousandths (from `requests.cost`).
    #[serde(skip)]
    premium_milli: u64,
}

impl<'de> Deserialize<'de> for Metrics {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Metrics, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Metrics;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("model metrics")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Metrics, A::Error> {
                // By model name: a repeated key keeps its last value, as JSON parsers do.
                let mut models: BTreeMap<String, Usage> = BTreeMap::new();
                let mut too_many = false;
                while let Some(model) = map.next_key::<String>()? {
                    // A model's metrics of the wrong shape count as no usage for that model.
                    let metric = map.next_value::<Obj<ModelMetric>>()?;
                    if models.len() >= MAX_MODELS && !models.contains_key(&model) {
                        too_many = true;
                        continue;
                    }
                    let (usage, requests) = metric
                        .0
                        .map(|m| (m.usage.0, m.requests.0))
                        .unwrap_or_default();
                    let mut usage = usage.unwrap_or_default();
                    usage.premium_milli = requests
                        .and_then(|r| r.cost.0)
                        .and_then(premium_milli)
                        .unwrap_or(0);
                    models.insert(model, usage);
                }
                Ok(if too_many {
                    Metrics::Wrong
                } else {
                    Metrics::Models(models)
                })
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Metrics, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Metrics::Wrong)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Metrics, D::Error> {
                Metrics::deserialize(d)
            }
            fn visit_none<E>(self) -> Result<Metrics, E> {
                Ok(Metrics::Absent)
            }
            fn visit_unit<E>(self) -> Result<Metrics, E> {
                Ok(Metrics::Absent)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Metrics, E> {
                Ok(Metrics::Wrong)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Metrics, E> {
                Ok(Metrics::Wrong)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Metrics, E> {
                Ok(Metrics::Wrong)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Metrics, E> {
                Ok(Metrics::Wrong)
            }
            fn visit_str<E>(self, _: &str) -> Result<Metrics, E> {
                Ok(Metrics::Wrong)
            }
        }
        d.deserialize_any(V)
    }
}

/// The envelope fields of an event that its records use.
struct Envelope<'x> {
    id: Option<&'x str>,
    timestamp_ms: Option<i64>,
}

impl LineParser for EventsParser {
    fn parse_line(&mut self, line: &[u8], out: &mut Vec<UsageRecord>) -> LineOutcome {
        if let Some(reason) = super::lenient::non_object_skip(line) {
            return LineOutcome::Skipped(reason);
        }
        if !may_matter(line) {
            return LineOutcome::Ignored;
        }
        let Ok(event) = serde_json::from_slice::<Event<'_>>(line) else {
            return LineOutcome::Skipped(SkipReason::InvalidJson);
        };
        let env = Envelope {
            id: event.id.get(),
            timestamp_ms: event.timestamp.0,
        };
        let data = event.data.0.unwrap_or_default();
        match event.kind.get() {
            Some("session.start" | "session.resume") => {
                self.enter(&data);
                LineOutcome::Ignored
            }
            Some("session.model_change") => {
                if let Some(m) = data.new_model.get() {
                    self.state.model = Some(bounded_id(m));
                }
                LineOutcome::Ignored
            }
            Some("assistant.message") => self.message(line, &env, &data, out),
            Some("session.shutdown") => self.shutdown(line, &env, data, out),
            _ => LineOutcome::Ignored,
        }
    }

    fn state(&self) -> Vec<u8> {
        parser_state::encode(&self.state)
    }
}

impl EventsParser {
    /// A `session.start` or `session.resume`: a new segment begins.
    fn enter(&mut self, data: &Data<'_>) {
        if let Some(s) = data.session_id.get() {
            self.state.session = Some(session_id(s));
        }
        if let Some(cwd) = data.context.0.as_ref().and_then(|c| c.cwd.get()) {
            self.state.cwd = Some(self.ctx.stored_project(&bounded_id(cwd)));
        }
        self.state.segment_output = false;
    }

    fn message(
        &mut self,
        line: &[u8],
        env: &Envelope<'_>,
        data: &Data<'_>,
        out: &mut Vec<UsageRecord>,
    ) -> LineOutcome {
        let output = data.output_tokens.0;
        if output == 0 {
            return LineOutcome::Ignored;
        }
        let Some(timestamp_ms) = env.timestamp_ms else {
            return LineOutcome::Skipped(SkipReason::MissingField);
        };
        let session = self.session().to_owned();
        let dedup_key = match (data.message_id.get(), env.id) {
            (Some(m), _) => format!("ev:{session}:msg:{}", key_part(m, MAX_KEY_PART)),
            (None, Some(id)) => format!("ev:{session}:event:{}", key_part(id, MAX_KEY_PART)),
            (None, None) => format!("ev:{session}:line:{:016x}", fnv1a64(line)),
        };
        let model = data
            .model
            .get()
            .map(bounded_id)
            .or_else(|| self.state.model.clone());
        out.push(self.record(
            session,
            model,
            timestamp_ms,
            dedup_key,
            TokenCounts {
                output,
                ..TokenCounts::default()
            },
            false,
            1,
        ));
        self.state.segment_output = true;
        LineOutcome::Records(1)
    }

    fn shutdown(
        &mut self,
        line: &[u8],
        env: &Envelope<'_>,
        data: Data<'_>,
        out: &mut Vec<UsageRecord>,
    ) -> LineOutcome {
        // The segment ends here whatever the line holds; read its flag first.
        let mut had_messages = std::mem::take(&mut self.state.segment_output);
        let event_part = env.id.map(|id| key_part(id, MAX_KEY_PART));
        if let Some(id) = &event_part {
            match &self.state.last_shutdown {
                Some((last, had)) if last == id => had_messages |= *had,
                _ => {}
            }
            self.state.last_shutdown = Some((id.clone(), had_messages));
        }
        let fallback_model = data
            .current_model
            .get()
            .map(bounded_id)
            .or_else(|| self.state.model.clone());
        if let Some(m) = data.current_model.get() {
            self.state.model = Some(bounded_id(m));
        }
        let models = match data.model_metrics {
            Metrics::Absent => return LineOutcome::Ignored,
            Metrics::Wrong => return LineOutcome::Skipped(SkipReason::MissingField),
            Metrics::Models(models) => models,
        };
        // (metrics key, model, tokens); the key, not the resolved model, names the record, so
        // an empty key and the current model's own key stay two records.
        let records: Vec<(String, Option<String>, TokenCounts, u64)> = models
            .into_iter()
            .map(|(key, usage)| {
                let model = if key.is_empty() {
                    fallback_model.clone()
                } else {
                    Some(bounded_id(&key))
                };
                (
                    key,
                    model,
                    aggregate_tokens(&usage, had_messages),
                    usage.premium_milli,
                )
            })
            // Reasoning alone is no usage: it is a part of output, which is 0 here.
            .filter(|(_, _, t, _)| t.total() > 0)
            .collect();
        if records.is_empty() {
            return LineOutcome::Ignored;
        }
        let Some(timestamp_ms) = env.timestamp_ms else {
            return LineOutcome::Skipped(SkipReason::MissingField);
        };
        let session = self.session().to_owned();
        let event_part = event_part.unwrap_or_else(|| format!("line-{:016x}", fnv1a64(line)));
        let n = records.len();
        for (key, model, tokens, premium) in records {
            let model_part = key_part(&key, MAX_KEY_PART);
            let dedup_key = format!("ev:{session}:shutdown:{event_part}:{model_part}");
            let requests = u32::from(!had_messages);
            let mut record = self.record(
                session.clone(),
                model,
                timestamp_ms,
                dedup_key,
                tokens,
                true,
                requests,
            );
            record.premium_requests_milli = premium;
            out.push(record);
        }
        LineOutcome::Records(n)
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        session: String,
        model: Option<String>,
        timestamp_ms: i64,
        dedup_key: String,
        tokens: TokenCounts,
        aggregate: bool,
        requests: u32,
    ) -> UsageRecord {
        UsageRecord {
            provider: ProviderId::CopilotCli,
            session,
            project: self.state.cwd.clone(),
            model,
            timestamp_ms,
            dedup_key,
            message_id: None,
            flags: RecordFlags {
                aggregate,
                ..RecordFlags::default()
            },
            tokens,
            reported_cost_pusd: None,
            requests,
            premium_requests_milli: 0,
        }
    }
}

/// Premium requests in thousandths; `None` for amounts no real segment bills (not finite,
/// negative, over a million).
fn premium_milli(cost: f64) -> Option<u64> {
    (cost.is_finite() && (0.0..=1.0e6).contains(&cost)).then(|| (cost * 1000.0).round() as u64)
}

/// A shutdown model's counters in the normalized meanings (docs/tokens.md); output only when
/// the segment had no per-message output records.
fn aggregate_tokens(u: &Usage, had_messages: bool) -> TokenCounts {
    split_input(
        u.input.0,
        u.cache_read.0,
        u.cache_write.0,
        if had_messages { 0 } else { u.output.0 },
        u.reasoning.0,
    )
}

/// Copilot's input includes its cache reads and writes; the normalized input excludes them.
fn split_input(
    input: u64,
    cache_read: u64,
    cache_write: u64,
    output: u64,
    reasoning: u64,
) -> TokenCounts {
    TokenCounts {
        input: input.saturating_sub(cache_read).saturating_sub(cache_write),
        cache_creation: cache_write,
        cache_creation_5m: 0,
        cache_creation_1h: 0,
        cache_read,
        output,
        reasoning,
    }
}

/// The pre-filter: every event this parser acts on has a `type` containing one of these.
static EVENT_TYPES: LazyLock<Keywords> =
    LazyLock::new(|| Keywords::new(&["session.", "assistant.message"]));

/// Whether a line could be an event this parser acts on, judged from its bytes alone
/// ([`Keywords`]), so this never rejects a line that matters.
fn may_matter(line: &[u8]) -> bool {
    EVENT_TYPES.may_occur_in(line)
}

// ------------------------------------------------------------------------- session-store.db

/// The usage table of `session-store.db` (docs/providers/copilot_cli.md).
const USAGE_TABLE: &str = "assistant_usage_events";

/// Columns the database reader cannot do without.
const REQUIRED: &[&str] = &[
    "id",
    "session_id",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "created_at",
];

/// What the database reader remembers between scans (as JSON).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct DbState {
    /// The largest rowid read.
    max_rowid: i64,
}

fn read_session_store(
    db: &rusqlite::Connection,
    state: Option<&[u8]>,
    out: &mut Vec<UsageRecord>,
) -> Result<DatabaseRead, DatabaseError> {
    // Only ordinary tables are read: a view or virtual table under either name is an error.
    let Some(have) = table_columns(db, USAGE_TABLE)? else {
        return Err(DatabaseError(format!(
            "{SESSION_STORE} has no table {USAGE_TABLE}"
        )));
    };
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !have.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(DatabaseError(format!(
            "{SESSION_STORE}: table {USAGE_TABLE} lacks the column(s) {}",
            missing.join(", ")
        )));
    }
    // `model`, `copilot_usage_model` and `reasoning_tokens` read as absent when missing.
    let optional = |c: &str| {
        if have.iter().any(|h| h == c) {
            format!("e.\"{c}\"")
        } else {
            "NULL".to_owned()
        }
    };
    let sessions = table_columns(db, "sessions")?.unwrap_or_default();
    // A subquery rather than a join: a `sessions` table without a unique id must not
    // multiply usage rows.
    let cwd = if ["id", "cwd"]
        .iter()
        .all(|c| sessions.iter().any(|h| h == c))
    {
        "(SELECT s.\"cwd\" FROM \"sessions\" s WHERE s.\"id\" = e.\"session_id\" LIMIT 1)"
    } else {
        "NULL"
    };

    // A state that does not decode reads the table whole, which merges into the same rows.
    let stored = state
        .and_then(|s| parser_state::decode::<DbState>(ProviderId::CopilotCli, s).ok())
        .unwrap_or_default();
    let max: Option<i64> = db.query_row(
        &format!("SELECT max(rowid) FROM \"{USAGE_TABLE}\""),
        [],
        |r| r.get(0),
    )?;
    let max = max.unwrap_or(0);
    // Fewer rows than already read: the database was replaced (or rows deleted); read it anew.
    let from = if max < stored.max_rowid {
        0
    } else {
        stored.max_rowid
    };
    // Only ids, session, model, token counts, time and the session's cwd: never `summary`.
    let sql = format!(
        "SELECT e.rowid, e.\"id\", e.\"session_id\", {model}, {usage_model}, e.\"input_tokens\",
            e.\"output_tokens\", e.\"cache_read_tokens\", e.\"cache_write_tokens\", {reasoning},
            e.\"created_at\", {cwd}
         FROM \"{USAGE_TABLE}\" e
         WHERE e.rowid > ?1 AND e.rowid <= ?2 ORDER BY e.rowid",
        model = optional("model"),
        usage_model = optional("copilot_usage_model"),
        reasoning = optional("reasoning_tokens"),
    );
    let mut st = db.prepare(&sql)?;
    let mut rows = st.query((from, max))?;
    let mut read = DatabaseRead {
        full: from == 0,
        ..DatabaseRead::default()
    };
    while let Some(row) = rows.next()? {
        let rowid: i64 = row.get(0)?;
        match row_record(row) {
            Ok(Some(r)) => out.push(r),
            Ok(None) => {}
            Err(reason) => read
                .skipped
                .push((u64::try_from(rowid).unwrap_or(0), reason)),
        }
    }
    read.state = parser_state::encode(&DbState { max_rowid: max });
    Ok(read)
}

/// One row as a record; `None` when its counters are all zero.
fn row_record(row: &rusqlite::Row<'_>) -> Result<Option<UsageRecord>, SkipReason> {
    let get = |i: usize| row.get_ref(i).unwrap_or(ValueRef::Null);
    let id = sql_value::text(get(1)).ok_or(SkipReason::MissingField)?;
    let session = sql_value::text(get(2))
        .map(|s| session_id(&s))
        .ok_or(SkipReason::MissingField)?;
    let model = sql_value::text(get(4)).or_else(|| sql_value::text(get(3)));
    let tokens = split_input(
        sql_value::count(get(5)),
        sql_value::count(get(7)),
        sql_value::count(get(8)),
        sql_value::count(get(6)),
        sql_value::count(get(9)),
    );
    if tokens.is_zero() {
        return Ok(None);
    }
    let timestamp_ms = sql_value::stamp(get(10)).ok_or(SkipReason::MissingField)?;
    let dedup_key = format!("db:{session}:{}", key_part(&id, MAX_KEY_PART));
    Ok(Some(UsageRecord {
        provider: ProviderId::CopilotCli,
        session,
        project: sql_value::text(get(11)).map(|p| bounded_id(&p)),
        model: model.map(|m| bounded_id(&m)),
        timestamp_ms,
        dedup_key,
        message_id: None,
        flags: RecordFlags::default(),
        tokens,
        reported_cost_pusd: None,
        requests: 1,
        premium_requests_milli: 0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REL: &str = "session-state/6c1f2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f/events.jsonl";
    const SID: &str = "6c1f2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f";

    fn parse_all(rel: &str, lines: &[&str]) -> (Vec<LineOutcome>, Vec<UsageRecord>) {
        let mut p = EventsParser::new(&SourceContext::new(rel));
        let mut out = Vec::new();
        let outcomes = lines
            .iter()
            .map(|l| p.parse_line(l.as_bytes(), &mut out))
            .collect();
        (outcomes, out)
    }

    const START: &str = r#"{"type":"session.start","data":{"sessionId":"s-1","context":{"cwd":"/home/dev/acme","branch":"main"}},"id":"e1","timestamp":"2026-04-02T10:00:00.000Z"}"#;
    const MODEL: &str = r#"{"type":"session.model_change","data":{"newModel":"claude-sonnet-4.5"},"id":"e2","timestamp":"2026-04-02T10:00:01.000Z"}"#;
    const MSG: &str = r#"{"type":"assistant.message","data":{"messageId":"m1","content":"SECRET","toolRequests":[{"arguments":{"x":"SECRET"}}],"outputTokens":120},"id":"e3","timestamp":"2026-04-02T10:00:05.000Z"}"#;
    const SHUTDOWN: &str = r#"{"type":"session.shutdown","data":{"shutdownType":"routine","totalPremiumRequests":1,"modelMetrics":{"claude-sonnet-4.5":{"requests":{"count":1,"cost":1},"usage":{"inputTokens":1000,"outputTokens":120,"cacheReadTokens":600,"cacheWriteTokens":300,"reasoningTokens":0}}}},"id":"e4","timestamp":"2026-04-02T10:01:00.000Z"}"#;

    #[test]
    fn messages_and_shutdowns_become_records() {
        let (outcomes, out) = parse_all(REL, &[START, MODEL, MSG, SHUTDOWN]);
        assert_eq!(
            outcomes,
            vec![
                LineOutcome::Ignored,
                LineOutcome::Ignored,
                LineOutcome::Records(1),
                LineOutcome::Records(1)
            ]
        );
        let m = &out[0];
        assert_eq!(m.dedup_key, "ev:s-1:msg:m1");
        assert_eq!(m.session, "s-1");
        assert_eq!(m.project.as_deref(), Some("/home/dev/acme"));
        assert_eq!(m.model.as_deref(), Some("claude-sonnet-4.5"));
        assert_eq!((m.tokens.output, m.requests), (120, 1));
        assert!(!m.flags.aggregate);
        let a = &out[1];
        assert_eq!(a.dedup_key, "ev:s-1:shutdown:e4:claude-sonnet-4.5");
        assert!(a.flags.aggregate);
        assert_eq!(a.requests, 0);
        assert_eq!(
            (
                a.tokens.input,
                a.tokens.cache_read,
                a.tokens.cache_creation,
                a.tokens.output
            ),
            (100, 600, 300, 0)
        );
    }

    #[test]
    fn without_messages_the_shutdown_carries_output() {
        let (_, out) = parse_all(REL, &[START, MODEL, SHUTDOWN]);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].tokens.output, out[0].requests), (120, 1));
    }

    #[test]
    fn resume_starts_a_new_segment() {
        let resume = r#"{"type":"session.resume","data":{},"id":"e5","timestamp":"2026-04-03T10:00:00.000Z"}"#;
        let second = SHUTDOWN.replace("\"e4\"", "\"e6\"");
        let (_, out) = parse_all(REL, &[START, MODEL, MSG, SHUTDOWN, resume, &second]);
        assert_eq!(out.len(), 3);
        assert_eq!(out[2].dedup_key, "ev:s-1:shutdown:e6:claude-sonnet-4.5");
        assert_eq!((out[2].tokens.output, out[2].requests), (120, 1));
    }

    #[test]
    fn state_round_trips_mid_segment() {
        let mut p = EventsParser::new(&SourceContext::new(REL));
        let mut out = Vec::new();
        for l in [START, MODEL, MSG] {
            p.parse_line(l.as_bytes(), &mut out);
        }
        let state = p.state();
        let mut resumed = CopilotCli
            .parser(&SourceContext::new(REL), Some(&state))
            .unwrap();
        let mut rest = Vec::new();
        resumed.parse_line(SHUTDOWN.as_bytes(), &mut rest);
        assert_eq!(rest[0].tokens.output, 0, "the segment's messages carry it");
        assert_eq!(rest[0].session, "s-1");
        assert_eq!(rest[0].project.as_deref(), Some("/home/dev/acme"));
        assert!(
            CopilotCli
                .parser(&SourceContext::new(REL), Some(b"not json"))
                .is_err()
        );
    }

    #[test]
    fn states_keep_the_encoding_existing_checkpoints_hold() {
        let mut p = EventsParser::new(&SourceContext::new(REL));
        let mut out = Vec::new();
        for l in [START, MODEL, MSG, SHUTDOWN] {
            p.parse_line(l.as_bytes(), &mut out);
        }
        let written = br#"{"session":"s-1","cwd":"/home/dev/acme","model":"claude-sonnet-4.5","segment_output":false,"last_shutdown":["e4",true]}"#;
        assert_eq!(p.state(), written);
        let resumed = CopilotCli
            .parser(&SourceContext::new(REL), Some(written))
            .unwrap();
        assert_eq!(resumed.state(), written);
        // The database reader's high-water mark, likewise; one that does not decode reads the
        // table whole.
        assert_eq!(
            parser_state::encode(&DbState { max_rowid: 42 }),
            br#"{"max_rowid":42}"#
        );
        assert_eq!(
            parser_state::decode::<DbState>(ProviderId::CopilotCli, br#"{"max_rowid":42}"#)
                .unwrap(),
            DbState { max_rowid: 42 }
        );
    }

    #[test]
    fn session_falls_back_to_the_path() {
        let (_, out) = parse_all(REL, &[MSG]);
        assert_eq!(out[0].session, SID);
        assert_eq!(out[0].dedup_key, format!("ev:{SID}:msg:m1"));
        let (_, flat) = parse_all("session-state/0199-flat.jsonl", &[MSG]);
        assert_eq!(flat[0].session, "0199-flat");
        assert_eq!(flat[0].model, None);
        assert_eq!(flat[0].project, None);
    }

    #[test]
    fn malformed_and_irrelevant_lines() {
        let cases = [
            ("not json", LineOutcome::Skipped(SkipReason::InvalidJson)),
            ("[1,2]", LineOutcome::Skipped(SkipReason::NotAnObject)),
            ("7", LineOutcome::Skipped(SkipReason::NotAnObject)),
            // An object line that cannot be an event of interest is not parsed, so not judged.
            ("{not json", LineOutcome::Ignored),
            (
                r#"{"type":"assistant.message","data":{"outputTokens":5"#,
                LineOutcome::Skipped(SkipReason::InvalidJson),
            ),
            (
                r#"{"type":"user.message","data":{"content":"session.shutdown"}}"#,
                LineOutcome::Ignored,
            ),
            (
                r#"{"type":"assistant.message","data":{"messageId":"m","outputTokens":5}}"#,
                LineOutcome::Skipped(SkipReason::MissingField),
            ),
            (
                r#"{"type":"assistant.message","data":{"messageId":"m","outputTokens":0},"timestamp":"2026-01-01T00:00:00Z"}"#,
                LineOutcome::Ignored,
            ),
            (
                r#"{"type":"session.shutdown","data":{"shutdownType":"error","errorReason":"x"},"timestamp":"2026-01-01T00:00:00Z"}"#,
                LineOutcome::Ignored,
            ),
            (
                r#"{"type":"session.shutdown","data":{"modelMetrics":[1]},"timestamp":"2026-01-01T00:00:00Z"}"#,
                LineOutcome::Skipped(SkipReason::MissingField),
            ),
            (
                r#"{"type":"session.shutdown","data":{"modelMetrics":{"m":{"usage":{"inputTokens":5}}}},"timestamp":"1999-12-31T23:59:59Z"}"#,
                LineOutcome::Skipped(SkipReason::MissingField),
            ),
            (
                r#"{"type":"session.shutdown","data":{"modelMetrics":{"m":{"usage":{"inputTokens":0}}}},"timestamp":"2026-01-01T00:00:00Z"}"#,
                LineOutcome::Ignored,
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse_all(REL, &[line]).0[0], want, "{line}");
        }
    }

    #[test]
    fn lenient_counts_and_escaped_types() {
        let line = r#"{"type":"session.shutdown","data":{"modelMetrics":{"gpt-5":{"usage":{"inputTokens":"900","cacheReadTokens":1000.7,"cacheWriteTokens":-3,"outputTokens":null,"reasoningTokens":[1]}},"bad":"x","":{"usage":{"outputTokens":7}}},"currentModel":"gpt-5-mini"},"timestamp":1775124000}"#;
        let (outcomes, out) = parse_all(REL, &[line]);
        assert_eq!(outcomes[0], LineOutcome::Records(2));
        // Records come in model-key order. The empty key falls back to the shutdown's
        // current model but keeps its own key.
        let hash = fnv1a64(line.as_bytes());
        assert_eq!(out[0].model.as_deref(), Some("gpt-5-mini"));
        assert_eq!(
            out[0].dedup_key,
            format!("ev:{SID}:shutdown:line-{hash:016x}:")
        );
        assert_eq!(out[0].tokens.output, 7);
        assert_eq!(out[0].timestamp_ms, 1_775_124_000_000);
        // Cache reads above the input: fresh input saturates at 0.
        assert_eq!((out[1].tokens.input, out[1].tokens.cache_read), (0, 1000));
        assert_eq!(
            out[1].dedup_key,
            format!("ev:{SID}:shutdown:line-{hash:016x}:gpt-5")
        );

        let escaped = r#"{"type":"assistant\u002emessage","data":{"messageId":"m","outputTokens":3},"timestamp":"2026-01-01T00:00:00Z"}"#;
        assert!(may_matter(escaped.as_bytes()));
        assert_eq!(parse_all(REL, &[escaped]).0[0], LineOutcome::Records(1));
        let upper = r#"{"type":"\u0073ession.start","data":{"sessionId":"x"}}"#;
        assert!(may_matter(upper.as_bytes()));
        assert!(!may_matter(
            br#"{"type":"tool.execution_complete","data":{"result":"\u001b[31m"}}"#
        ));
    }

    proptest::proptest! {
        /// The pre-filter never hides an event: whenever the full parse produces a record or
        /// changes the state, the bytes pass the filter, whatever escapes the type uses.
        #[test]
        fn prefilter_never_rejects_an_event(
            kind in proptest::sample::select(vec![
                "assistant.message", "session.start", "session.shutdown", "session.model_change",
                "session.resume", "user.message", "tool.execution_complete",
            ]),
            escape_at in proptest::collection::vec(0usize..24, 0..3),
            upper in proptest::bool::ANY,
        ) {
            let mut spelled = String::new();
            for (i, c) in kind.chars().enumerate() {
                if escape_at.contains(&i) {
                    let hex = format!("{:04x}", c as u32);
                    spelled.push_str("\\u");
                    spelled.push_str(&if upper { hex.to_uppercase() } else { hex });
                } else {
                    spelled.push(c);
                }
            }
            let line = format!(
                r#"{{"type":"{spelled}","data":{{"sessionId":"z","newModel":"m","messageId":"q","outputTokens":4,"modelMetrics":{{"m":{{"usage":{{"inputTokens":9}}}}}}}},"timestamp":"2026-01-01T00:00:00Z"}}"#
            );
            let mut p = EventsParser::new(&SourceContext::new(REL));
            let before = p.state();
            let mut out = Vec::new();
            // The full parse, bypassing the filter.
            let event: Event<'_> = serde_json::from_str(&line).unwrap();
            let env = Envelope { id: event.id.get(), timestamp_ms: event.timestamp.0 };
            let data = event.data.0.unwrap_or_default();
            let acted = match event.kind.get() {
                Some("session.start" | "session.resume") => { p.enter(&data); true }
                Some("session.model_change") => true,
                Some("assistant.message") => p.message(line.as_bytes(), &env, &data, &mut out) != LineOutcome::Ignored,
                Some("session.shutdown") => p.shutdown(line.as_bytes(), &env, data, &mut out) != LineOutcome::Ignored,
                _ => false,
            };
            if acted || p.state() != before {
                proptest::prop_assert!(may_matter(line.as_bytes()), "{}", line);
            }
        }
    }

    #[test]
    fn separators_in_session_ids_are_encoded() {
        assert_eq!(session_id("a:msg"), "a%3Amsg");
        assert_eq!(session_id("50%:x"), "50%25%3Ax");
        assert_eq!(session_id(SID), SID);
        let line = r#"{"type":"session.start","data":{"sessionId":"a:msg"}}"#;
        let (_, out) = parse_all(REL, &[line, MSG]);
        assert_eq!(out[0].session, "a%3Amsg");
        assert_eq!(out[0].dedup_key, "ev:a%3Amsg:msg:m1");
    }

    #[test]
    fn long_ids_keep_keys_bounded_and_distinct() {
        let long = "x".repeat(5000);
        let a = key_part(&long, 256);
        let b = key_part(&format!("{long}y"), 256);
        assert!(a.len() <= 256 && b.len() <= 256);
        assert_ne!(a, b);
        assert_eq!(key_part("short", 256), "short");
        let multibyte = "é".repeat(300);
        assert!(key_part(&multibyte, 256).len() <= 256);
        let line = format!(r#"{{"type":"session.start","data":{{"sessionId":"{long}"}}}}"#);
        let msg = format!(
            r#"{{"type":"assistant.message","data":{{"messageId":"{long}","model":"{long}","outputTokens":1}},"timestamp":"2026-01-01T00:00:00Z"}}"#
        );
        let (_, out) = parse_all(REL, &[&line, &msg]);
        let r = &out[0];
        assert!(r.dedup_key.len() <= crate::record::MAX_ID_LEN);
        assert!(r.dedup_key.starts_with(&format!("ev:{}:", r.session)));
        assert!(r.session.len() <= MAX_SESSION_LEN);
    }

    #[test]
    fn roots_follow_contracts() {
        let env = Env::isolated("/home/u");
        assert_eq!(
            CopilotCli.default_roots(&env),
            vec![Utf8PathBuf::from("/home/u/.copilot")]
        );
        let env = Env::isolated("/home/u").with_vars(&[("COPILOT_HOME", "/a, ~/b")]);
        assert_eq!(
            CopilotCli.default_roots(&env),
            vec![Utf8PathBuf::from("/a"), Utf8PathBuf::from("/home/u/b")]
        );
        assert_eq!(
            CopilotCli.source_kind(Utf8Path::new("session-store.db")),
            SourceKind::Database
        );
        assert_eq!(
            CopilotCli.source_kind(Utf8Path::new("session-state/x/events.jsonl")),
            SourceKind::Lines
        );
    }

    #[test]
    fn database_cells_are_lenient() {
        // The cells are read by the rules every database provider shares (`sql_value`).
        use super::sql_value::{count as sql_count, stamp as sql_time, text as sql_text};
        assert_eq!(sql_count(ValueRef::Integer(-4)), 0);
        assert_eq!(sql_count(ValueRef::Real(12.9)), 12);
        assert_eq!(sql_count(ValueRef::Text(b" 77 ")), 77);
        assert_eq!(sql_count(ValueRef::Text(b"1e400")), u64::MAX);
        assert_eq!(sql_count(ValueRef::Blob(b"1")), 0);
        assert_eq!(
            sql_time(ValueRef::Text(b"2026-04-02 10:00:00")),
            Some(1_775_124_000_000)
        );
        assert_eq!(
            sql_time(ValueRef::Text(b"2026-04-02T10:00:00.250Z")),
            Some(1_775_124_000_250)
        );
        assert_eq!(
            sql_time(ValueRef::Integer(1_775_124_000)),
            Some(1_775_124_000_000)
        );
        assert_eq!(
            sql_time(ValueRef::Integer(1_775_124_000_000)),
            Some(1_775_124_000_000)
        );
        assert_eq!(sql_time(ValueRef::Text(b"1999-01-01 00:00:00")), None);
        assert_eq!(sql_time(ValueRef::Real(f64::NAN)), None);
        assert_eq!(sql_time(ValueRef::Null), None);
        assert_eq!(sql_text(ValueRef::Text(b"")), None);
        assert_eq!(sql_text(ValueRef::Integer(5)).as_deref(), Some("5"));
    }
}
