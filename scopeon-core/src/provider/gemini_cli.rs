//! Gemini CLI chat recordings (`~/.gemini/tmp/*/chats/**/*.json{,l}`).
//!
//! Legacy recordings are one JSON document rewritten in place (`session-*.json`, read whole
//! as a [`SourceKind::Document`]); current ones are appended JSON Lines (`session-*.jsonl`,
//! tailed). Only `type: "gemini"` messages with a `tokens` object carry usage, one API
//! response each. Gemini CLI appends a message again whenever it changes, and migrates a
//! legacy file into a `.jsonl` beside it: records are keyed `<sessionId>:<message id>`
//! ([`message_key`] style), and the copy read last wins. `$rewindTo` removes nothing (the
//! usage was paid for). The project comes from `.project_root` or `projects.json`
//! ([`GeminiCli::context`]).
//!
//! Nothing that holds text is declared. Object lines whose bytes cannot spell `tokens`,
//! `sessionId` or `kind` (see `may_matter`) are ignored without being parsed.
//!
//! Format notes and every decision: `docs/providers/gemini_cli.md`.

use std::fmt;
use std::io::Read;
use std::sync::LazyLock;

use camino::{Utf8Path, Utf8PathBuf};
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::lenient::{Count, Keywords, Obj, Stamp, Text, non_object_skip};
use super::{
    LineOutcome, LineParser, Provider, SkipReason, SourceContext, SourceKind, StateError,
    parser_state,
};
use crate::env::Env;
use crate::record::{
    MAX_ID_LEN, ProviderId, RecordFlags, TokenCounts, UsageRecord, bounded_id, bounded_message_id,
    message_key,
};

/// The Gemini CLI provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct GeminiCli;

/// The largest `.project_root` marker read: it holds one path.
const MAX_PROJECT_ROOT: u64 = 4 * 1024;

/// The largest `projects.json` registry read: one short entry per project.
const MAX_REGISTRY: u64 = 1024 * 1024;

/// The message type Gemini CLI gives model responses, the only ones with usage.
const GEMINI_TYPE: &str = "gemini";

impl Provider for GeminiCli {
    fn id(&self) -> ProviderId {
        ProviderId::GeminiCli
    }

    fn parser_version(&self) -> u32 {
        1
    }

    /// `$GEMINI_CLI_HOME/.gemini` for each entry of `$GEMINI_CLI_HOME` (a comma-separated list
    /// is accepted), else `~/.gemini` (docs/roots.md).
    fn default_roots(&self, env: &Env) -> Vec<Utf8PathBuf> {
        if let Some(homes) = env.path_list("GEMINI_CLI_HOME") {
            return homes.into_iter().map(|h| h.join(".gemini")).collect();
        }
        env.home()
            .map(|h| vec![h.join(".gemini")])
            .unwrap_or_default()
    }

    fn file_patterns(&self) -> &'static [&'static str] {
        &["tmp/*/chats/**/*.json", "tmp/*/chats/**/*.jsonl"]
    }

    /// Prompt logs, checkpoints, temp files and files Gemini CLI set aside as unreadable are
    /// never session recordings (the patterns cannot match them; this holds even if one
    /// appeared inside `chats/`).
    fn excludes(&self, relative_path: &Utf8Path) -> bool {
        let name = relative_path.file_name().unwrap_or("");
        name == "logs.json"
            || name.starts_with("checkpoint-")
            || name.contains(".tmp-")
            || name.contains(".unreadable-")
    }

    /// Legacy `.json` recordings are documents rewritten in place; `.jsonl` ones are appended.
    fn source_kind(&self, relative_path: &Utf8Path) -> SourceKind {
        if relative_path.extension() == Some("json") {
            SourceKind::Document
        } else {
            SourceKind::Lines
        }
    }

    /// Resolves the project of `tmp/<dir>/…` from `<root>/tmp/<dir>/.project_root`, else from
    /// the `<root>/projects.json` registry. Neither file is followed through a symlink, and
    /// each is read only up to a small cap.
    fn context(&self, root: &Utf8Path, relative_path: &Utf8Path) -> SourceContext {
        let mut ctx = SourceContext::new(relative_path);
        ctx.project = project_dir(relative_path).and_then(|dir| resolve_project(root, dir));
        ctx
    }

    fn parse_document(
        &self,
        ctx: &SourceContext,
        bytes: &[u8],
        out: &mut Vec<UsageRecord>,
    ) -> LineOutcome {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let Some(first) = bytes.iter().find(|b| !b.is_ascii_whitespace()) else {
            return LineOutcome::Ignored;
        };
        if *first != b'{' {
            return LineOutcome::Skipped(non_object_skip(bytes).unwrap_or(SkipReason::InvalidJson));
        }
        let Ok(doc) = serde_json::from_slice::<Document<'_>>(bytes) else {
            return LineOutcome::Skipped(SkipReason::InvalidJson);
        };
        let file = FileInfo::new(ctx);
        let session = doc
            .session_id
            .get()
            .map(bounded_id)
            .unwrap_or_else(|| file.fallback_session.clone());
        let subagent = doc.kind.get() == Some("subagent");
        file.emit_all(&session, subagent, &doc.messages.0, out)
    }

    fn parser(
        &self,
        ctx: &SourceContext,
        state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError> {
        Ok(Box::new(GeminiParser::resume(ctx, state)?))
    }
}

/// `<dir>` of a path `tmp/<dir>/…` relative to a root.
fn project_dir(relative_path: &Utf8Path) -> Option<&str> {
    let mut parts = relative_path.components();
    if parts.next()?.as_str() != "tmp" {
        return None;
    }
    match parts.next()? {
        camino::Utf8Component::Normal(dir) => Some(dir),
        _ => None,
    }
}

/// The project path owning `<root>/tmp/<dir>`: its `.project_root` marker, else its entry in
/// `projects.json`.
fn resolve_project(root: &Utf8Path, dir: &str) -> Option<String> {
    let marker = Utf8Path::new("tmp").join(dir).join(".project_root");
    if let Some(bytes) = read_small(root, &marker, MAX_PROJECT_ROOT)
        && let Ok(text) = std::str::from_utf8(&bytes)
        && !text.trim().is_empty()
    {
        return Some(bounded_id(text.trim()));
    }
    let registry = read_small(root, Utf8Path::new("projects.json"), MAX_REGISTRY)?;
    project_in_registry(&registry, dir)
}

/// The path `projects.json` (`{"projects": {"<abs path>": "<slug>"}}`) maps to `slug`; the
/// first such entry when (against Gemini CLI's rules) several do.
fn project_in_registry(registry: &[u8], slug: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(registry).ok()?;
    value
        .get("projects")?
        .as_object()?
        .iter()
        .find(|(path, s)| !path.trim().is_empty() && s.as_str() == Some(slug))
        .map(|(path, _)| bounded_id(path.trim()))
}

/// A small regular file below `root`, or `None` when it is missing, reached through a symlink
/// below the root, not a regular file, unreadable, or longer than `cap`.
fn read_small(root: &Utf8Path, relative: &Utf8Path, cap: u64) -> Option<Vec<u8>> {
    let (file, stat) = crate::tail::open_beneath(root, relative).ok()?;
    if stat.size > cap {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= cap).then_some(bytes)
}

/// What a file's path says about its records.
#[derive(Debug, Clone)]
struct FileInfo {
    /// The session to key records by until the file names one: the file stem.
    fallback_session: String,
    /// `<parentSessionId>` of `tmp/<dir>/chats/<parentSessionId>/<file>`: a subagent's file.
    parent_session: Option<String>,
    /// The project resolved beside the file.
    project: Option<String>,
}

impl FileInfo {
    fn new(ctx: &SourceContext) -> FileInfo {
        let stem = ctx.file_stem();
        let parts: Vec<&str> = ctx.relative_path.components().map(|c| c.as_str()).collect();
        // tmp/<dir>/chats/<parent>/…/<file>: nested below chats/ means a subagent's file.
        let parent_session = match parts.as_slice() {
            ["tmp", _, "chats", parent, _, ..] => Some(bounded_id(parent)),
            _ => None,
        };
        FileInfo {
            fallback_session: bounded_id(if stem.is_empty() { "gemini" } else { stem }),
            parent_session,
            project: ctx.project.as_deref().map(bounded_id),
        }
    }

    /// The record of one message, if it carries usage.
    fn record(&self, session: &str, subagent_kind: bool, m: &Message<'_>) -> Usage {
        let (Some(id), Some(tokens)) = (m.id.get(), m.tokens.0.as_ref()) else {
            return Usage::None;
        };
        if m.kind.get() != Some(GEMINI_TYPE) {
            return Usage::None;
        }
        let tokens = normalize(tokens);
        if tokens.is_zero() {
            return Usage::None;
        }
        let Some(timestamp_ms) = m.timestamp.0 else {
            return Usage::NoTime;
        };
        Usage::Record(Box::new(UsageRecord {
            provider: ProviderId::GeminiCli,
            session: self
                .parent_session
                .clone()
                .unwrap_or_else(|| session.to_owned()),
            project: self.project.clone(),
            model: m.model.get().map(bounded_id),
            timestamp_ms,
            // Each part is bounded before the join, so the key stays within MAX_ID_LEN.
            dedup_key: message_key(&bounded_message_id(session), Some(id)),
            message_id: None,
            flags: RecordFlags {
                subagent: subagent_kind || self.parent_session.is_some(),
                ..RecordFlags::default()
            },
            tokens,
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        }))
    }

    /// Pushes the records of several messages (a `$set` checkpoint, a legacy document).
    fn emit_all(
        &self,
        session: &str,
        subagent_kind: bool,
        messages: &[Message<'_>],
        out: &mut Vec<UsageRecord>,
    ) -> LineOutcome {
        let mut pushed = 0;
        let mut untimed = false;
        for m in messages {
            match self.record(session, subagent_kind, m) {
                Usage::Record(r) => {
                    out.push(*r);
                    pushed += 1;
                }
                Usage::NoTime => untimed = true,
                Usage::None => {}
            }
        }
        if pushed > 0 {
            LineOutcome::Records(pushed)
        } else if untimed {
            LineOutcome::Skipped(SkipReason::MissingField)
        } else {
            LineOutcome::Ignored
        }
    }
}

/// What one message yields.
enum Usage {
    /// A usage record.
    Record(Box<UsageRecord>),
    /// No usage (not a gemini message, no tokens, zero usage).
    None,
    /// Usage without a usable timestamp: it cannot be placed on any day.
    NoTime,
}

/// The line parser for one `.jsonl` recording.
#[derive(Debug, Clone)]
pub(crate) struct GeminiParser {
    file: FileInfo,
    /// The session id from the file's metadata, once seen.
    session: Option<String>,
    /// Whether the metadata says `kind: "subagent"`.
    subagent_kind: bool,
}

/// What the parser keeps in its checkpoint, in the shared encoding ([`parser_state`]).
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    /// The session id from the file's metadata, once seen.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    session: Option<String>,
    /// Whether the metadata says `kind: "subagent"`.
    #[serde(rename = "k", default, skip_serializing_if = "is_false")]
    subagent_kind: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The first byte of the states written before the shared encoding (`[1, flags, session…]`),
/// still read so their checkpoints resume ([`decode_legacy_state`]).
const STATE_FORMAT: u8 = 1;
/// Legacy state flag: a session id follows the two header bytes.
const STATE_HAS_SESSION: u8 = 1;
/// Legacy state flag: the metadata said `kind: "subagent"`.
const STATE_SUBAGENT: u8 = 2;

impl GeminiParser {
    /// A parser for the file described by `ctx`, from its first line.
    pub fn new(ctx: &SourceContext) -> GeminiParser {
        GeminiParser {
            file: FileInfo::new(ctx),
            session: None,
            subagent_kind: false,
        }
    }

    /// A parser resumed from a [`state`](LineParser::state) it wrote (from the first line
    /// when `state` is `None`).
    pub fn resume(ctx: &SourceContext, state: Option<&[u8]>) -> Result<GeminiParser, StateError> {
        let mut parser = GeminiParser::new(ctx);
        if let Some(state) = state {
            let state: State =
                parser_state::decode_or_legacy(ProviderId::GeminiCli, state, decode_legacy_state)?;
            // Only an id the parser could have kept (see `bounded_id`).
            if state
                .session
                .as_ref()
                .is_some_and(|s| s.is_empty() || s.len() > MAX_ID_LEN)
            {
                return Err(StateError {
                    provider: ProviderId::GeminiCli,
                });
            }
            parser.session = state.session;
            parser.subagent_kind = state.subagent_kind;
        }
        Ok(parser)
    }

    /// The session records are keyed by now.
    fn session(&self) -> &str {
        self.session
            .as_deref()
            .unwrap_or(&self.file.fallback_session)
    }

    /// Takes the metadata a metadata line or a `$set` carries.
    fn learn(&mut self, session_id: &Text<'_>, kind: &Text<'_>) {
        if self.session.is_none()
            && let Some(id) = session_id.get()
        {
            self.session = Some(bounded_id(id));
        }
        if let Some(kind) = kind.get() {
            self.subagent_kind = kind == "subagent";
        }
    }
}

/// Decodes a state written before the shared encoding: `[STATE_FORMAT, flags, session id
/// bytes…]`.
fn decode_legacy_state(state: &[u8]) -> Option<State> {
    let [format, flags, rest @ ..] = state else {
        return None;
    };
    if *format != STATE_FORMAT || flags & !(STATE_HAS_SESSION | STATE_SUBAGENT) != 0 {
        return None;
    }
    let session = if flags & STATE_HAS_SESSION != 0 {
        let s = std::str::from_utf8(rest).ok()?;
        if s.is_empty() || s.len() > MAX_ID_LEN {
            return None;
        }
        Some(s.to_owned())
    } else if rest.is_empty() {
        None
    } else {
        return None;
    };
    Some(State {
        session,
        subagent_kind: flags & STATE_SUBAGENT != 0,
    })
}

// The metadata-only view of a line. Every field is lenient (see `lenient`), and nothing that
// holds prompt text, code or tool output is declared, so serde skips it without allocating.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Line<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(rename = "type", borrow)]
    kind: Text<'a>,
    timestamp: Stamp,
    tokens: Obj<Tokens>,
    #[serde(borrow)]
    model: Text<'a>,
    #[serde(rename = "sessionId", borrow)]
    session_id: Text<'a>,
    #[serde(rename = "kind", borrow)]
    session_kind: Text<'a>,
    #[serde(rename = "$set", borrow)]
    set: Obj<SetRecord<'a>>,
    #[serde(rename = "$rewindTo", borrow)]
    rewind_to: Text<'a>,
}

/// A `$set` metadata update, or a legacy whole-file recording: both name the session and its
/// kind and may hold the messages (a `$set` with `messages` is a checkpoint replacing them).
#[derive(Deserialize, Default)]
#[serde(default)]
struct SetRecord<'a> {
    #[serde(rename = "sessionId", borrow)]
    session_id: Text<'a>,
    #[serde(borrow)]
    kind: Text<'a>,
    #[serde(borrow)]
    messages: UsageMessages<'a>,
}

/// A legacy whole-file recording has the fields of a `$set`.
type Document<'a> = SetRecord<'a>;

/// One message record, metadata only.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Message<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(rename = "type", borrow)]
    kind: Text<'a>,
    timestamp: Stamp,
    tokens: Obj<Tokens>,
    #[serde(borrow)]
    model: Text<'a>,
}

impl Message<'_> {
    /// Whether the message could carry usage (a keyed gemini message with a tokens object).
    fn may_carry_usage(&self) -> bool {
        self.id.get().is_some() && self.kind.get() == Some(GEMINI_TYPE) && self.tokens.0.is_some()
    }
}

/// `message.tokens` (docs/providers/gemini_cli.md).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Tokens {
    input: Count,
    output: Count,
    cached: Count,
    thoughts: Count,
    tool: Count,
    total: Count,
}

/// A `messages` array, keeping only the messages that may carry usage: a checkpoint of
/// thousands of user messages costs no memory. Anything but an array is an empty list.
#[derive(Default)]
struct UsageMessages<'a>(Vec<Message<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for UsageMessages<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<UsageMessages<'a>, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = UsageMessages<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of messages")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<UsageMessages<'a>, A::Error> {
                let mut kept = Vec::new();
                while let Some(Obj(m)) = seq.next_element::<Obj<Message<'a>>>()? {
                    if let Some(m) = m.filter(Message::may_carry_usage) {
                        kept.push(m);
                    }
                }
                Ok(UsageMessages(kept))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<UsageMessages<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(UsageMessages::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<UsageMessages<'a>, D::Error> {
                UsageMessages::deserialize(d)
            }
            fn visit_none<E>(self) -> Result<UsageMessages<'a>, E> {
                Ok(UsageMessages::default())
            }
            fn visit_unit<E>(self) -> Result<UsageMessages<'a>, E> {
                Ok(UsageMessages::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<UsageMessages<'a>, E> {
                Ok(UsageMessages::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<UsageMessages<'a>, E> {
                Ok(UsageMessages::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<UsageMessages<'a>, E> {
                Ok(UsageMessages::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<UsageMessages<'a>, E> {
                Ok(UsageMessages::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<UsageMessages<'a>, E> {
                Ok(UsageMessages::default())
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl LineParser for GeminiParser {
    fn parse_line(&mut self, line: &[u8], out: &mut Vec<UsageRecord>) -> LineOutcome {
        if let Some(reason) = non_object_skip(line) {
            return LineOutcome::Skipped(reason);
        }
        if !may_matter(line) {
            return LineOutcome::Ignored;
        }
        self.parse_object(line, out)
    }

    fn state(&self) -> Vec<u8> {
        parser_state::encode(&State {
            session: self.session.clone(),
            subagent_kind: self.subagent_kind,
        })
    }
}

impl GeminiParser {
    /// Parses a line that starts like an object, without the byte pre-filter.
    fn parse_object(&mut self, line: &[u8], out: &mut Vec<UsageRecord>) -> LineOutcome {
        let Ok(parsed) = serde_json::from_slice::<Line<'_>>(line) else {
            return LineOutcome::Skipped(SkipReason::InvalidJson);
        };
        if parsed.rewind_to.get().is_some() {
            // Rewound messages were still paid for: nothing is taken back.
            return LineOutcome::Ignored;
        }
        if parsed.id.get().is_some() {
            let message = Message {
                id: parsed.id,
                kind: parsed.kind,
                timestamp: parsed.timestamp,
                tokens: parsed.tokens,
                model: parsed.model,
            };
            return match self
                .file
                .record(self.session(), self.subagent_kind, &message)
            {
                Usage::Record(r) => {
                    out.push(*r);
                    LineOutcome::Records(1)
                }
                Usage::None => LineOutcome::Ignored,
                Usage::NoTime => LineOutcome::Skipped(SkipReason::MissingField),
            };
        }
        if let Some(set) = parsed.set.0 {
            self.learn(&set.session_id, &set.kind);
            return self
                .file
                .emit_all(self.session(), self.subagent_kind, &set.messages.0, out);
        }
        self.learn(&parsed.session_id, &parsed.session_kind);
        LineOutcome::Ignored
    }
}

/// The pre-filter: the keys of usage (`tokens`) and of metadata (`sessionId`, `kind`).
static KEYS: LazyLock<Keywords> = LazyLock::new(|| Keywords::new(&["tokens", "sessionId", "kind"]));

/// Whether a line could hold `tokens`, `sessionId` or `kind` keys, judged from its bytes alone
/// ([`Keywords`]). A line with none has neither usage nor metadata, so this never rejects a
/// line that matters. User prompts and info lines, which need no parse, are mostly such lines.
fn may_matter(line: &[u8]) -> bool {
    KEYS.may_occur_in(line)
}

/// Normalizes a message's `tokens` (docs/tokens.md, row Gemini CLI): subtractions saturate.
fn normalize(t: &Tokens) -> TokenCounts {
    let (input, output, cached, thoughts, tool) =
        (t.input.0, t.output.0, t.cached.0, t.thoughts.0, t.tool.0);
    let fresh = if cached_inside_input(t) {
        input.saturating_sub(cached)
    } else {
        input
    };
    TokenCounts {
        input: fresh.saturating_add(tool),
        cache_creation: 0,
        cache_creation_5m: 0,
        cache_creation_1h: 0,
        cache_read: cached,
        output: output.saturating_add(thoughts),
        reasoning: thoughts,
    }
}

/// Whether `cached` is part of `input` (see the module docs): `total` decides when it matches
/// exactly one reading; otherwise Gemini's semantics (cached ⊂ prompt) hold unless
/// `cached > input`.
fn cached_inside_input(t: &Tokens) -> bool {
    let (input, cached, total) = (t.input.0, t.cached.0, t.total.0);
    if cached == 0 {
        return true;
    }
    let inclusive = [input, t.output.0, t.thoughts.0, t.tool.0]
        .into_iter()
        .fold(0u64, u64::saturating_add);
    if total != 0 && total == inclusive {
        return true;
    }
    if total != 0 && total == inclusive.saturating_add(cached) {
        return false;
    }
    cached <= input
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    /// A [`Text`] holding `s`, for messages built by hand.
    fn text(s: &str) -> Text<'_> {
        Text(Some(Cow::Borrowed(s)))
    }

    const MAIN: &str = "tmp/acme-api/chats/session-2026-05-04T08-00-5d7e9f10.jsonl";
    const SUB: &str = "tmp/acme-api/chats/5d7e9f10-4a2b-4c3d-9e8f-7a6b5c4d3e2f/9a8b7c6d-0000-4000-8000-0000000000aa.jsonl";
    const META: &str = r#"{"sessionId":"5d7e9f10-4a2b-4c3d-9e8f-7a6b5c4d3e2f","projectHash":"a3f1","startTime":"2026-05-04T08:00:12.004Z","lastUpdated":"2026-05-04T08:00:12.004Z","kind":"main"}"#;

    fn tokens(
        input: u64,
        output: u64,
        cached: u64,
        thoughts: u64,
        tool: u64,
        total: u64,
    ) -> Tokens {
        Tokens {
            input: Count(input),
            output: Count(output),
            cached: Count(cached),
            thoughts: Count(thoughts),
            tool: Count(tool),
            total: Count(total),
        }
    }

    fn feed(rel: &str, lines: &[&str]) -> (Vec<LineOutcome>, Vec<UsageRecord>, GeminiParser) {
        let mut p = GeminiParser::new(&SourceContext::new(rel));
        let mut out = Vec::new();
        let outcomes = lines
            .iter()
            .map(|l| p.parse_line(l.as_bytes(), &mut out))
            .collect();
        (outcomes, out, p)
    }

    fn gemini(id: &str, tokens: &str) -> String {
        format!(
            r#"{{"id":"{id}","timestamp":"2026-05-04T08:00:27.903Z","type":"gemini","content":[{{"text":"x"}}],"thoughts":[],"tokens":{tokens},"model":"gemini-2.5-pro"}}"#
        )
    }

    #[test]
    fn normalization_follows_contracts() {
        // Worked example of docs/providers/gemini_cli.md, …0002: total = input + output + thoughts.
        let t = normalize(&tokens(15234, 412, 11020, 230, 0, 15876));
        assert_eq!(
            (
                t.input,
                t.cache_read,
                t.output,
                t.reasoning,
                t.cache_creation
            ),
            (4214, 11020, 642, 230, 0)
        );
        assert_eq!(t.total(), 15876);
        // Tool-use prompt tokens are fresh input.
        let t = normalize(&tokens(1000, 10, 600, 0, 50, 1060));
        assert_eq!((t.input, t.cache_read), (450, 600));
        // A total that counts cached on top says input excludes it.
        let t = normalize(&tokens(1000, 10, 600, 0, 0, 1610));
        assert_eq!((t.input, t.cache_read), (1000, 600));
        // No total: Gemini's own semantics (cached is part of the prompt).
        let t = normalize(&tokens(1000, 10, 600, 0, 0, 0));
        assert_eq!(t.input, 400);
        // A total matching neither reading, likewise.
        let t = normalize(&tokens(1000, 10, 600, 0, 0, 7));
        assert_eq!(t.input, 400);
        // Cached larger than input cannot be a part of it.
        let t = normalize(&tokens(100, 10, 600, 0, 0, 0));
        assert_eq!((t.input, t.cache_read), (100, 600));
        // Saturation everywhere.
        let t = normalize(&tokens(u64::MAX, u64::MAX, 0, u64::MAX, u64::MAX, 0));
        assert_eq!(
            (t.input, t.output, t.reasoning),
            (u64::MAX, u64::MAX, u64::MAX)
        );
        assert_eq!(t.total(), u64::MAX);
    }

    #[test]
    fn worked_example_lines() {
        let null_copy = gemini("m2", "null");
        let full_copy = gemini(
            "m2",
            r#"{"input":15234,"output":412,"cached":11020,"thoughts":230,"tool":0,"total":15876}"#,
        );
        let (outcomes, out, p) = feed(
            MAIN,
            &[
                META,
                r#"{"id":"m1","timestamp":"2026-05-04T08:00:20.517Z","type":"user","content":[{"text":"<PROMPT>"}]}"#,
                &null_copy,
                r#"{"$set":{"lastUpdated":"2026-05-04T08:00:27.905Z"}}"#,
                &full_copy,
                r#"{"$rewindTo":"m2"}"#,
            ],
        );
        assert_eq!(
            outcomes,
            [
                LineOutcome::Ignored,
                LineOutcome::Ignored,
                LineOutcome::Ignored,
                LineOutcome::Ignored,
                LineOutcome::Records(1),
                LineOutcome::Ignored,
            ]
        );
        let r = &out[0];
        assert_eq!(r.dedup_key, "5d7e9f10-4a2b-4c3d-9e8f-7a6b5c4d3e2f:m2");
        assert_eq!(r.session, "5d7e9f10-4a2b-4c3d-9e8f-7a6b5c4d3e2f");
        assert_eq!(r.model.as_deref(), Some("gemini-2.5-pro"));
        assert_eq!(r.message_id, None);
        assert_eq!(r.timestamp_ms, 1_777_881_627_903);
        assert!(!r.flags.subagent);
        assert_eq!(p.session(), "5d7e9f10-4a2b-4c3d-9e8f-7a6b5c4d3e2f");
    }

    #[test]
    fn session_comes_from_metadata_and_survives_resume() {
        let (_, _, p) = feed(MAIN, &[META]);
        let state = p.state();
        let ctx = SourceContext::new(MAIN);
        let mut resumed = GeminiParser::resume(&ctx, Some(&state)).unwrap();
        let mut out = Vec::new();
        let line = gemini("m9", r#"{"input":5,"output":1,"cached":0,"total":6}"#);
        assert_eq!(
            resumed.parse_line(line.as_bytes(), &mut out),
            LineOutcome::Records(1)
        );
        assert_eq!(out[0].dedup_key, "5d7e9f10-4a2b-4c3d-9e8f-7a6b5c4d3e2f:m9");
        // Without metadata the file stem stands in.
        let (_, out, p) = feed(MAIN, &[&line]);
        assert_eq!(out[0].dedup_key, "session-2026-05-04T08-00-5d7e9f10:m9");
        assert_eq!(p.state(), b"{}");
        // A later metadata line or $set does not re-key the file.
        let (_, out, _) = feed(
            MAIN,
            &[
                META,
                r#"{"$set":{"sessionId":"other"}}"#,
                r#"{"sessionId":"third","projectHash":"x"}"#,
                &line,
            ],
        );
        assert!(out[0].dedup_key.starts_with("5d7e9f10-"));
    }

    #[test]
    fn states_round_trip_and_bad_states_are_errors() {
        let ctx = SourceContext::new(SUB);
        for (session, kind) in [(None, false), (Some("s".to_owned()), true)] {
            let p = GeminiParser {
                file: FileInfo::new(&ctx),
                session: session.clone(),
                subagent_kind: kind,
            };
            let back = GeminiParser::resume(&ctx, Some(&p.state())).unwrap();
            assert_eq!((back.session, back.subagent_kind), (session, kind));
        }
        for bad in [
            &b""[..],
            b"\x01",
            b"\x02\x00",
            b"\x01\x04",
            b"\x01\x00junk",
            b"\x01\x01",
            b"\x01\x01\xff",
        ] {
            assert!(GeminiParser::resume(&ctx, Some(bad)).is_err(), "{bad:?}");
        }
        let long = [
            &[STATE_FORMAT, STATE_HAS_SESSION][..],
            &[b'a'; MAX_ID_LEN + 1],
        ]
        .concat();
        assert!(GeminiParser::resume(&ctx, Some(&long)).is_err());
    }

    #[test]
    fn states_in_the_shared_encoding_and_the_legacy_one_resume() {
        let ctx = SourceContext::new(SUB);
        let fresh = GeminiParser::new(&ctx);
        assert_eq!(fresh.state(), b"{}");
        let p = GeminiParser {
            file: FileInfo::new(&ctx),
            session: Some("5d7e9f10".into()),
            subagent_kind: true,
        };
        assert_eq!(p.state(), br#"{"s":"5d7e9f10","k":true}"#);
        // The binary form written before, as checkpoints in existing databases hold it.
        for (legacy, session, kind) in [
            (
                &b"\x01\x03\x35\x64\x37\x65\x39\x66\x31\x30"[..],
                Some("5d7e9f10"),
                true,
            ),
            (b"\x01\x01s", Some("s"), false),
            (b"\x01\x02", None, true),
            (b"\x01\x00", None, false),
        ] {
            let back = GeminiParser::resume(&ctx, Some(legacy)).unwrap();
            assert_eq!(
                (back.session.as_deref(), back.subagent_kind),
                (session, kind),
                "{legacy:?}"
            );
        }
        // What the parser could never have written is refused, in either form.
        let long = format!(r#"{{"s":"{}"}}"#, "a".repeat(MAX_ID_LEN + 1));
        for bad in [
            &br#"{"s":""}"#[..],
            long.as_bytes(),
            br#"{"s":"x","z":1}"#,
            br#"{"k":"yes"}"#,
        ] {
            assert!(GeminiParser::resume(&ctx, Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn set_checkpoints_are_copies_and_rewinds_keep_usage() {
        let set = r#"{"$set":{"messages":[{"id":"u1","type":"user","content":"x"},{"id":"g1","type":"gemini","timestamp":"2026-05-04T08:01:00Z","tokens":{"input":10,"output":2,"cached":0,"total":12}},{"id":"g2","type":"gemini","timestamp":"2026-05-04T08:02:00Z","tokens":null},"junk",7,{"type":"gemini","tokens":{"input":1}}],"lastUpdated":"2026-05-04T08:03:00Z"}}"#;
        let (outcomes, out, _) = feed(
            MAIN,
            &[
                META,
                &gemini("g1", r#"{"input":10,"output":2,"cached":0,"total":12}"#),
                r#"{"$rewindTo":"g1"}"#,
                set,
            ],
        );
        assert_eq!(outcomes[1], LineOutcome::Records(1));
        assert_eq!(outcomes[2], LineOutcome::Ignored);
        assert_eq!(outcomes[3], LineOutcome::Records(1));
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].dedup_key, out[1].dedup_key);
        // A $set without messages, or with a non-array, carries nothing.
        let (outcomes, _, _) = feed(
            MAIN,
            &[
                r#"{"$set":{"summary":"x","messages":{"a":1}}}"#,
                r#"{"$set":"nope","sessionId":"s"}"#,
            ],
        );
        assert_eq!(outcomes, [LineOutcome::Ignored, LineOutcome::Ignored]);
        // A checkpoint whose only usage message has no time is a skip.
        let (outcomes, _, _) = feed(
            MAIN,
            &[r#"{"$set":{"messages":[{"id":"g","type":"gemini","tokens":{"output":3}}]}}"#],
        );
        assert_eq!(outcomes, [LineOutcome::Skipped(SkipReason::MissingField)]);
    }

    #[test]
    fn non_usage_and_malformed_lines() {
        for line in [
            r#"{"id":"u","type":"user","content":"x","tokens":{"input":5},"timestamp":"2026-01-01T00:00:00Z"}"#,
            r#"{"id":"i","type":"info","content":"tokens"}"#,
            r#"{"id":"g","type":"gemini","tokens":{"input":0,"output":0},"timestamp":"2026-01-01T00:00:00Z"}"#,
            r#"{"id":"g","type":"gemini","tokens":"many","timestamp":"2026-01-01T00:00:00Z"}"#,
            r#"{"id":"g","type":"gemini","timestamp":"2026-01-01T00:00:00Z"}"#,
            r#"{"$rewindTo":"g","id":"g","type":"gemini","tokens":{"input":5},"timestamp":"2026-01-01T00:00:00Z"}"#,
            r#"{"content":"a user prompt with no keys of interest"}"#,
            r#"{not json but no keys either"#,
        ] {
            assert_eq!(feed(MAIN, &[line]).0[0], LineOutcome::Ignored, "{line}");
        }
        for (line, reason) in [
            ("not json", SkipReason::InvalidJson),
            ("[1,2]", SkipReason::NotAnObject),
            ("\"tokens\"", SkipReason::NotAnObject),
            (
                r#"{"id":"g","type":"gemini","tokens":{"input":8"#,
                SkipReason::InvalidJson,
            ),
            (
                r#"{"id":"g","type":"gemini","tokens":{"input":8}}"#,
                SkipReason::MissingField,
            ),
            (
                r#"{"id":"g","type":"gemini","tokens":{"input":8},"timestamp":"1999-12-31T23:59:59Z"}"#,
                SkipReason::MissingField,
            ),
        ] {
            assert_eq!(
                feed(MAIN, &[line]).0[0],
                LineOutcome::Skipped(reason),
                "{line}"
            );
        }
    }

    #[test]
    fn lenient_types_and_bounded_ids() {
        let long = "x".repeat(5000);
        let line = format!(
            r#"{{"id":"{long}","type":"gemini","timestamp":1777881627,"model":7,"toolCalls":[{{"args":{{"deep":[[[[{{}}]]]]}}}}],"tokens":{{"input":"12","output":3.9,"cached":-4,"thoughts":null,"tool":true,"total":{{}}}}}}"#
        );
        let (outcomes, out, _) = feed(MAIN, &[&format!(r#"{{"sessionId":"{long}"}}"#), &line]);
        assert_eq!(outcomes[1], LineOutcome::Records(1));
        let r = &out[0];
        assert!(r.dedup_key.len() <= MAX_ID_LEN && r.session.len() <= MAX_ID_LEN);
        assert_eq!(r.model.as_deref(), Some("7"));
        assert_eq!(r.timestamp_ms, 1_777_881_627_000);
        assert_eq!(
            (r.tokens.input, r.tokens.output, r.tokens.cache_read),
            (12, 3, 0)
        );
    }

    #[test]
    fn subagents_by_path_and_kind() {
        let line = gemini("g", r#"{"input":4,"output":1,"total":5}"#);
        let sub_meta = r#"{"sessionId":"9a8b7c6d-0000-4000-8000-0000000000aa","projectHash":"h","kind":"subagent"}"#;
        let (_, out, _) = feed(SUB, &[sub_meta, &line]);
        let r = &out[0];
        assert!(r.flags.subagent && !r.flags.sidechain);
        assert_eq!(r.session, "5d7e9f10-4a2b-4c3d-9e8f-7a6b5c4d3e2f");
        assert_eq!(r.dedup_key, "9a8b7c6d-0000-4000-8000-0000000000aa:g");
        // kind alone, in a flat file.
        let (_, out, p) = feed(MAIN, &[sub_meta, &line]);
        assert!(out[0].flags.subagent);
        assert_eq!(out[0].session, "9a8b7c6d-0000-4000-8000-0000000000aa");
        assert_eq!(
            p.state(),
            br#"{"s":"9a8b7c6d-0000-4000-8000-0000000000aa","k":true}"#
        );
        // Neither.
        let (_, out, _) = feed(MAIN, &[META, &line]);
        assert!(!out[0].flags.subagent);
    }

    #[test]
    fn documents() {
        let ctx = SourceContext {
            relative_path: "tmp/abc/chats/session-2025-09-20T14-05-1c2d3e4f.json".into(),
            project: Some("/home/dev/acme".into()),
            ..SourceContext::default()
        };
        let doc = r#"{
  "sessionId": "1c2d",
  "messages": [
    {"id": "m1", "type": "user", "content": "x"},
    {"id": "m2", "type": "gemini", "timestamp": "2025-09-20T14:05:49.212Z",
     "tokens": {"input": 8200, "output": 640, "cached": 0, "thoughts": 1100, "tool": 0, "total": 9940},
     "model": "gemini-2.5-pro"}
  ]
}"#;
        let mut out = Vec::new();
        assert_eq!(
            GeminiCli.parse_document(&ctx, doc.as_bytes(), &mut out),
            LineOutcome::Records(1)
        );
        assert_eq!(out[0].project.as_deref(), Some("/home/dev/acme"));
        assert_eq!(out[0].dedup_key, "1c2d:m2");
        let cut = &doc[..doc.find("\"input\": 82").unwrap() + 11];
        let mut none = Vec::new();
        for (bytes, outcome) in [
            (cut, LineOutcome::Skipped(SkipReason::InvalidJson)),
            ("", LineOutcome::Ignored),
            (" \n", LineOutcome::Ignored),
            ("[]", LineOutcome::Skipped(SkipReason::NotAnObject)),
            ("\u{feff}{}", LineOutcome::Ignored),
            (r#"{"messages":"x"}"#, LineOutcome::Ignored),
        ] {
            assert_eq!(
                GeminiCli.parse_document(&ctx, bytes.as_bytes(), &mut none),
                outcome,
                "{bytes:?}"
            );
        }
        assert!(none.is_empty());
    }

    #[test]
    fn escaped_keys_are_still_read() {
        let line = r#"{"id":"g","type":"gemini","timestamp":"2026-01-01T00:00:00Z","\u0074okens":{"output":4}}"#;
        assert_eq!(feed(MAIN, &[line]).0[0], LineOutcome::Records(1));
        let meta = r#"{"s\u0065ssionId":"s1"}"#;
        let (_, out, _) = feed(MAIN, &[meta, line]);
        assert_eq!(out[0].dedup_key, "s1:g");
        let plain = r#"{"id":"u","type":"user","content":"colour \u001b[31m"}"#;
        assert!(!may_matter(plain.as_bytes()));
    }

    proptest::proptest! {
        /// The pre-filter never hides a record or metadata: whenever the full parse finds
        /// usage or learns a session, the bytes pass the filter, whatever spelling keys use.
        #[test]
        fn prefilter_never_rejects_what_matters(
            key in proptest::sample::select(vec![
                "tokens", "\\u0074okens", "t\\u006fkens", "tok\\u0065ns", "toke\\u006Es",
                "token\\u0073", "to\\u006bens", "\\u0054okens", "tokenz", "sessionId",
                "sess\\u0069onId", "session\\u0049d", "sessionI\\u0064", "kind", "k\\u0069nd",
            ]),
            filler in "[a-z \\\\\"]{0,20}",
            escape in proptest::sample::select(vec!["", "\\u001b", "\\u00e9", "\\n"]),
        ) {
            let x = filler.replace('\\', "\\\\").replace('"', "\\\"");
            for line in [
                format!(r#"{{"id":"g","type":"gemini","x":"{x}{escape}","timestamp":"2026-01-01T00:00:00Z","{key}":{{"output":3}}}}"#),
                format!(r#"{{"x":"{x}{escape}","{key}":"s1"}}"#),
            ] {
                let mut p = GeminiParser::new(&SourceContext::new(MAIN));
                let mut out = Vec::new();
                let outcome = p.parse_object(line.as_bytes(), &mut out);
                if outcome == LineOutcome::Records(1) || p.session.is_some() || p.subagent_kind {
                    proptest::prop_assert!(may_matter(line.as_bytes()), "{}", line);
                }
            }
        }
    }

    #[test]
    fn roots_follow_contracts() {
        let env = Env::isolated("/home/u");
        assert_eq!(
            GeminiCli.default_roots(&env),
            vec![Utf8PathBuf::from("/home/u/.gemini")]
        );
        let env = Env::isolated("/home/u").with_vars(&[("GEMINI_CLI_HOME", "/a, ~/b,")]);
        assert_eq!(
            GeminiCli.default_roots(&env),
            vec![
                Utf8PathBuf::from("/a/.gemini"),
                Utf8PathBuf::from("/home/u/b/.gemini")
            ]
        );
        let env = Env::isolated("/home/u").with_vars(&[("GEMINI_CLI_HOME", "")]);
        assert_eq!(GeminiCli.default_roots(&env), vec!["/home/u/.gemini"]);
        assert!(GeminiCli.default_roots(&Env::default()).is_empty());
    }

    /// The patterns, compiled as the scanner compiles them, with and without the excludes.
    #[test]
    fn patterns_match_recordings_only() {
        let mut b = globset::GlobSetBuilder::new();
        for p in GeminiCli.file_patterns() {
            b.add(
                globset::GlobBuilder::new(p)
                    .literal_separator(true)
                    .build()
                    .unwrap(),
            );
        }
        let globs = b.build().unwrap();
        let logs = |p: &str| globs.is_match(p) && !GeminiCli.excludes(Utf8Path::new(p));
        for yes in [
            "tmp/acme-api/chats/session-2026-05-04T08-00-5d7e9f10.jsonl",
            "tmp/acme-api/chats/session-2025-09-20T14-05-1c2d3e4f.json",
            "tmp/0123abcd/chats/5d7e9f10-4a2b/9a8b7c6d.jsonl",
        ] {
            assert!(logs(yes), "{yes}");
        }
        for no in [
            "tmp/acme-api/logs.json",
            "tmp/acme-api/checkpoint-save1.json",
            "tmp/acme-api/chats/session-x.jsonl.tmp-4242",
            "tmp/acme-api/chats/session-x.jsonl.unreadable-1777881627000",
            "tmp/acme-api/chats/session-x.json.tmp-4242",
            "tmp/acme-api/.project_root",
            "tmp/acme-api/tool-outputs/x.json",
            "tmp/chats/session.jsonl",
            "projects.json",
            "settings.json",
            "history/acme-api/chats/session.jsonl",
        ] {
            assert!(!globs.is_match(no), "pattern matches {no}");
        }
        for excluded in [
            "tmp/a/chats/logs.json",
            "tmp/a/chats/checkpoint-1.json",
            "tmp/a/chats/s.jsonl.tmp-1.jsonl",
            "tmp/a/chats/s.unreadable-1.jsonl",
        ] {
            assert!(GeminiCli.excludes(Utf8Path::new(excluded)), "{excluded}");
        }
        assert_eq!(
            GeminiCli.source_kind(Utf8Path::new("tmp/a/chats/s.json")),
            SourceKind::Document
        );
        assert_eq!(
            GeminiCli.source_kind(Utf8Path::new("tmp/a/chats/s.jsonl")),
            SourceKind::Lines
        );
    }

    #[test]
    fn project_resolution() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let rel = |d: &str| Utf8PathBuf::from(format!("tmp/{d}/chats/session-x.jsonl"));
        std::fs::create_dir_all(root.join("tmp/acme-api/chats")).unwrap();
        std::fs::create_dir_all(root.join("tmp/web/chats")).unwrap();
        // Nothing beside the logs: no project.
        assert_eq!(GeminiCli.context(&root, &rel("acme-api")).project, None);
        std::fs::write(
            root.join("projects.json"),
            r#"{"projects":{"/home/dev/other":"other","/home/dev/web":"web","/home/dev/web2":"web"}}"#,
        )
        .unwrap();
        assert_eq!(
            GeminiCli.context(&root, &rel("web")).project.as_deref(),
            Some("/home/dev/web")
        );
        assert_eq!(GeminiCli.context(&root, &rel("acme-api")).project, None);
        // The marker wins over the registry.
        std::fs::write(root.join("tmp/web/.project_root"), "/srv/web\n").unwrap();
        assert_eq!(
            GeminiCli.context(&root, &rel("web")).project.as_deref(),
            Some("/srv/web")
        );
        // An empty or oversized marker falls back to the registry.
        std::fs::write(root.join("tmp/web/.project_root"), "  \n").unwrap();
        assert_eq!(
            GeminiCli.context(&root, &rel("web")).project.as_deref(),
            Some("/home/dev/web")
        );
        std::fs::write(root.join("tmp/web/.project_root"), "/x".repeat(3000)).unwrap();
        assert_eq!(
            GeminiCli.context(&root, &rel("web")).project.as_deref(),
            Some("/home/dev/web")
        );
        // A broken registry is no registry.
        std::fs::write(root.join("projects.json"), r#"{"projects":["web"]}"#).unwrap();
        assert_eq!(GeminiCli.context(&root, &rel("web")).project, None);
        std::fs::write(root.join("projects.json"), "{\"projects\":").unwrap();
        assert_eq!(GeminiCli.context(&root, &rel("web")).project, None);
        // Paths outside tmp/<dir>/ have no project dir.
        assert_eq!(
            GeminiCli
                .context(&root, Utf8Path::new("session.jsonl"))
                .project,
            None
        );
        assert_eq!(project_dir(Utf8Path::new("tmp/../x")), None);
    }

    #[cfg(unix)]
    #[test]
    fn project_files_are_not_followed_through_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        std::fs::create_dir_all(root.join("tmp/acme/chats")).unwrap();
        std::fs::write(root.join("elsewhere"), "/secret/path").unwrap();
        std::os::unix::fs::symlink(root.join("elsewhere"), root.join("tmp/acme/.project_root"))
            .unwrap();
        std::fs::write(root.join("reg"), r#"{"projects":{"/secret":"acme"}}"#).unwrap();
        std::os::unix::fs::symlink(root.join("reg"), root.join("projects.json")).unwrap();
        let rel = Utf8Path::new("tmp/acme/chats/s.jsonl");
        assert_eq!(GeminiCli.context(&root, rel).project, None);
        // A directory where the marker should be is not a marker either.
        std::fs::remove_file(root.join("tmp/acme/.project_root")).unwrap();
        std::fs::create_dir(root.join("tmp/acme/.project_root")).unwrap();
        assert_eq!(GeminiCli.context(&root, rel).project, None);
    }

    #[test]
    fn message_view_requires_id_gemini_and_tokens() {
        let f = FileInfo::new(&SourceContext::new(MAIN));
        let m = Message {
            id: text("a"),
            kind: text("gemini"),
            timestamp: Stamp(Some(1_777_881_627_903)),
            tokens: Obj(Some(tokens(1, 1, 0, 0, 0, 2))),
            model: Text(None),
        };
        assert!(m.may_carry_usage());
        assert!(matches!(f.record("s", false, &m), Usage::Record(_)));
        let no_id = Message {
            id: Text(None),
            ..Message::default()
        };
        assert!(!no_id.may_carry_usage());
        assert!(matches!(f.record("s", false, &no_id), Usage::None));
    }
}
