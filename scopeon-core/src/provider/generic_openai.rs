//! "Generic OpenAI" JSON Lines: API responses, stream chunks and proxy logs the user points
//! Scopeon at with `generic_paths` globs.
//!
//! Every line is looked at on its own. A line counts when it holds a `usage` object with
//! non-zero counts, at its top level (a Chat Completions response or final stream chunk, a
//! Responses API object) or nested up to [`MAX_NESTING`] objects deep under `response`,
//! `data` or `result`. The shape is told by the keys of `usage` (OpenAI, DeepSeek and
//! Anthropic-compatible variants), never by `object`. Records are keyed by the response id
//! and creation time; the last copy read wins.
//!
//! The parser is stateless. Object lines whose bytes cannot spell a `usage` key (see
//! `may_hold_usage`) are ignored without being parsed.
//!
//! Format notes and every decision: `docs/providers/generic_openai.md`.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use camino::Utf8PathBuf;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::lenient::{
    Count, Keywords, Obj, Stamp, Text, Usd, non_object_skip, python_nonfinite_to_null,
};
use super::{LineOutcome, LineParser, Provider, SkipReason, SourceContext, StateError};
use crate::env::Env;
use crate::record::{
    MAX_ID_LEN, ProviderId, RecordFlags, TokenCounts, UsageRecord, bounded_id, usd_to_pusd,
};

/// The Generic OpenAI provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct GenericOpenai;

/// How many objects deep below the line's top level a `usage` is looked for.
pub const MAX_NESTING: usize = 3;

/// The session of lines that name none, when the file has no stem either.
const FALLBACK_SESSION: &str = "generic_openai";

impl Provider for GenericOpenai {
    fn id(&self) -> ProviderId {
        ProviderId::GenericOpenai
    }

    fn parser_version(&self) -> u32 {
        1
    }

    /// None: the files come only from the configured `generic_paths` globs (docs/roots.md).
    fn default_roots(&self, _env: &Env) -> Vec<Utf8PathBuf> {
        Vec::new()
    }

    /// None: each `generic_paths` glob carries its own pattern.
    fn file_patterns(&self) -> &'static [&'static str] {
        &[]
    }

    fn parser(
        &self,
        ctx: &SourceContext,
        _state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError> {
        Ok(Box::new(GenericParser::new(ctx)))
    }
}

/// The line parser for one generic OpenAI-style log.
#[derive(Debug)]
pub(crate) struct GenericParser {
    /// Session of lines that name none: the file stem.
    fallback_session: String,
}

impl GenericParser {
    /// A parser for the file described by `ctx`.
    pub fn new(ctx: &SourceContext) -> GenericParser {
        let stem = ctx.file_stem();
        GenericParser {
            fallback_session: bounded_id(if stem.is_empty() {
                FALLBACK_SESSION
            } else {
                stem
            }),
        }
    }
}

// One object of a line: a response, an event or a wrapper, whose `response`, `data` and
// `result` objects are of type `C`. Only metadata and counters are declared; `choices`,
// `output`, `messages`, `input` and the like are skipped unread.
//
// The nesting is spelled out in types (`Top` → … → `Leaf`) rather than by a recursive type:
// serde would recurse once per object level, up to serde_json's 128, and that many frames of
// this struct do not fit the 2 MiB stack of the scanner's thread in a debug build.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Level<'a, C> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow)]
    model: Text<'a>,
    created: Stamp,
    created_at: Stamp,
    timestamp: Stamp,
    #[serde(borrow)]
    session_id: Text<'a>,
    #[serde(rename = "sessionId", borrow)]
    session_id_camel: Text<'a>,
    #[serde(borrow)]
    session: Text<'a>,
    #[serde(borrow)]
    conversation_id: Text<'a>,
    #[serde(rename = "conversationId", borrow)]
    conversation_id_camel: Text<'a>,
    #[serde(borrow)]
    conversation: IdOrObject<'a>,
    #[serde(borrow)]
    thread_id: Text<'a>,
    usage: Obj<Usage>,
    response: Obj<Box<C>>,
    data: Obj<Box<C>>,
    result: Obj<Box<C>>,
}

/// Below the last level looked into: any value, skipped unread.
#[derive(Debug, Default)]
struct Leaf;

impl<'de> Deserialize<'de> for Leaf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Leaf, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Leaf)
    }
}

/// The line's top level and the [`MAX_NESTING`] levels below it.
type Top<'a> = Level<'a, Level<'a, Level<'a, Level<'a, Leaf>>>>;

/// One object of a line, whatever its depth.
trait Node<'a> {
    /// The object's fields; `None` for a [`Leaf`].
    fn fields(&self) -> Option<Fields<'_, 'a>>;
    /// Its `response`, `data` and `result` objects, in that order.
    fn children(&self) -> Vec<&dyn Node<'a>>;
}

/// What one object says, independent of its depth.
struct Fields<'s, 'a> {
    id: &'s Text<'a>,
    model: &'s Text<'a>,
    created: Option<i64>,
    timestamp: Option<i64>,
    session: Option<&'s str>,
    usage: Option<&'s Usage>,
}

impl<'a> Node<'a> for Leaf {
    fn fields(&self) -> Option<Fields<'_, 'a>> {
        None
    }

    fn children(&self) -> Vec<&dyn Node<'a>> {
        Vec::new()
    }
}

impl<'a, C: Node<'a>> Node<'a> for Level<'a, C> {
    fn fields(&self) -> Option<Fields<'_, 'a>> {
        Some(Fields {
            id: &self.id,
            model: &self.model,
            // When the response was created: the time its stream chunks and events share.
            created: self.created.0.or(self.created_at.0),
            timestamp: self.timestamp.0,
            session: self
                .session_id
                .get()
                .or(self.session_id_camel.get())
                .or(self.session.get())
                .or(self.conversation_id.get())
                .or(self.conversation_id_camel.get())
                .or(self.conversation.0.as_deref())
                .or(self.thread_id.get()),
            usage: self.usage.0.as_ref(),
        })
    }

    fn children(&self) -> Vec<&dyn Node<'a>> {
        [&self.response, &self.data, &self.result]
            .into_iter()
            .filter_map(|c| c.0.as_deref().map(|c| c as &dyn Node<'a>))
            .collect()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Usage {
    prompt_tokens: Option<Count>,
    completion_tokens: Option<Count>,
    input_tokens: Option<Count>,
    output_tokens: Option<Count>,
    prompt_tokens_details: Obj<InputDetails>,
    input_tokens_details: Obj<InputDetails>,
    completion_tokens_details: Obj<OutputDetails>,
    output_tokens_details: Obj<OutputDetails>,
    cached_input_tokens: Option<Count>,
    reasoning_output_tokens: Count,
    prompt_cache_hit_tokens: Option<Count>,
    prompt_cache_miss_tokens: Option<Count>,
    cache_read_input_tokens: Option<Count>,
    cache_creation_input_tokens: Option<Count>,
    cost: Usd,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InputDetails {
    cached_tokens: Count,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OutputDetails {
    reasoning_tokens: Count,
}

/// A string id, or an object's `id` (the Responses API's `conversation: {"id": …}`).
#[derive(Debug, Default)]
struct IdOrObject<'a>(Option<Cow<'a, str>>);

#[derive(Deserialize, Default)]
#[serde(default)]
struct IdOnly<'a> {
    #[serde(borrow)]
    id: Text<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for IdOrObject<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IdOrObject<'a>, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = IdOrObject<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id or an object with an id")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<IdOrObject<'a>, A::Error> {
                let obj = IdOnly::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(IdOrObject(obj.id.0))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<IdOrObject<'a>, E> {
                Ok(IdOrObject((!v.is_empty()).then_some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<IdOrObject<'a>, E> {
                Ok(IdOrObject(
                    (!v.is_empty()).then(|| Cow::Owned(v.to_owned())),
                ))
            }
            fn visit_u64<E>(self, v: u64) -> Result<IdOrObject<'a>, E> {
                Ok(IdOrObject(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<IdOrObject<'a>, E> {
                Ok(IdOrObject(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, _: f64) -> Result<IdOrObject<'a>, E> {
                Ok(IdOrObject(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<IdOrObject<'a>, E> {
                Ok(IdOrObject(None))
            }
            fn visit_unit<E>(self) -> Result<IdOrObject<'a>, E> {
                Ok(IdOrObject(None))
            }
            fn visit_none<E>(self) -> Result<IdOrObject<'a>, E> {
                Ok(IdOrObject(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<IdOrObject<'a>, D::Error> {
                IdOrObject::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<IdOrObject<'a>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(IdOrObject(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl LineParser for GenericParser {
    fn parse_line(&mut self, line: &[u8], out: &mut Vec<UsageRecord>) -> LineOutcome {
        if let Some(reason) = non_object_skip(line) {
            return LineOutcome::Skipped(reason);
        }
        if !may_hold_usage(line) {
            return LineOutcome::Ignored;
        }
        let sanitized;
        let top = match serde_json::from_slice::<Top<'_>>(line) {
            Ok(top) => top,
            Err(_) => {
                let Some(fixed) = python_nonfinite_to_null(line) else {
                    return LineOutcome::Skipped(SkipReason::InvalidJson);
                };
                sanitized = fixed;
                match serde_json::from_slice::<Top<'_>>(&sanitized) {
                    Ok(top) => top,
                    Err(_) => return LineOutcome::Skipped(SkipReason::InvalidJson),
                }
            }
        };
        // The object holding the usage first, then each enclosing one outward.
        let Some(path) = usage_path(&top) else {
            return LineOutcome::Ignored;
        };
        let Some(usage) = path[0].usage else {
            return LineOutcome::Ignored;
        };
        let tokens = tokens_of(usage);
        if tokens.is_zero() {
            return LineOutcome::Ignored;
        }
        let Some(timestamp_ms) = path.iter().find_map(|f| f.created.or(f.timestamp)) else {
            return LineOutcome::Skipped(SkipReason::MissingField);
        };
        let dedup_key = path
            .iter()
            .find_map(|f| f.id.get().map(|id| response_key(id, f.created)))
            .unwrap_or_else(|| format!("line:{:016x}", crate::hash::fnv1a64(line)));
        out.push(UsageRecord {
            provider: ProviderId::GenericOpenai,
            session: path
                .iter()
                .find_map(|f| f.session)
                .map(bounded_id)
                .unwrap_or_else(|| self.fallback_session.clone()),
            project: None,
            model: path.iter().find_map(|f| f.model.get()).map(bounded_id),
            timestamp_ms,
            dedup_key,
            message_id: None,
            flags: RecordFlags::default(),
            tokens,
            reported_cost_pusd: usage.cost.0.and_then(usd_to_pusd),
            requests: 1,
            premium_requests_milli: 0,
        });
        LineOutcome::Records(1)
    }

    fn state(&self) -> Vec<u8> {
        Vec::new()
    }
}

/// The fields of the first object holding a `usage` object, searched breadth-first from the
/// top level, followed by those of each object enclosing it, outward to the top.
fn usage_path<'s, 'a>(top: &'s dyn Node<'a>) -> Option<Vec<Fields<'s, 'a>>> {
    // Each entry is a path from the top, as nodes.
    let mut frontier: Vec<Vec<&'s dyn Node<'a>>> = vec![vec![top]];
    while !frontier.is_empty() {
        let found = frontier.iter().find(|p| {
            p.last()
                .and_then(|n| n.fields())
                .is_some_and(|f| f.usage.is_some())
        });
        if let Some(path) = found {
            return Some(path.iter().rev().filter_map(|n| n.fields()).collect());
        }
        frontier = frontier
            .iter()
            .flat_map(|p| {
                p.last()
                    .map_or_else(Vec::new, |n| n.children())
                    .into_iter()
                    .map(|c| {
                        let mut next = p.clone();
                        next.push(c);
                        next
                    })
            })
            .collect();
    }
    None
}

/// `<id>@<created ms>` (see the module docs), within [`MAX_ID_LEN`].
fn response_key(id: &str, created_ms: Option<i64>) -> String {
    match created_ms {
        None => bounded_id(id),
        Some(ms) => {
            let suffix = format!("@{ms}");
            let mut end = id.len().min(MAX_ID_LEN - suffix.len());
            while !id.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}{suffix}", &id[..end])
        }
    }
}

/// Normalizes a usage object (docs/tokens.md; docs/providers/generic_openai.md lists the key
/// variants).
fn tokens_of(u: &Usage) -> TokenCounts {
    let n = |c: Option<Count>| c.map_or(0, |c| c.0);
    let output = n(u.completion_tokens.or(u.output_tokens));
    let reasoning = [
        u.completion_tokens_details.0.as_ref(),
        u.output_tokens_details.0.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|d| d.reasoning_tokens.0)
    .chain([u.reasoning_output_tokens.0])
    .max()
    .unwrap_or(0)
    // Reasoning is part of output; a larger figure is not believed beyond it.
    .min(output);
    let cache_creation = n(u.cache_creation_input_tokens);
    let anthropic_shape = u.prompt_tokens.is_none()
        && u.input_tokens.is_some()
        && u.input_tokens_details.0.is_none()
        && u.cached_input_tokens.is_none()
        && (u.cache_read_input_tokens.is_some() || u.cache_creation_input_tokens.is_some());
    if anthropic_shape {
        return TokenCounts {
            input: n(u.input_tokens),
            cache_creation,
            cache_read: n(u.cache_read_input_tokens),
            output,
            reasoning,
            ..TokenCounts::default()
        };
    }
    let prompt = match u.prompt_tokens.or(u.input_tokens) {
        Some(c) => c.0,
        None => n(u.prompt_cache_hit_tokens).saturating_add(n(u.prompt_cache_miss_tokens)),
    };
    let cached = [
        u.prompt_tokens_details
            .0
            .as_ref()
            .map(|d| d.cached_tokens.0),
        u.input_tokens_details.0.as_ref().map(|d| d.cached_tokens.0),
        u.cached_input_tokens.map(|c| c.0),
        u.prompt_cache_hit_tokens.map(|c| c.0),
        u.cache_read_input_tokens.map(|c| c.0),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(0);
    TokenCounts {
        input: prompt.saturating_sub(cached).saturating_sub(cache_creation),
        cache_creation,
        cache_read: cached,
        output,
        reasoning,
        ..TokenCounts::default()
    }
}

/// The pre-filter: usage is only ever read from a key named `usage`.
static USAGE_KEY: LazyLock<Keywords> = LazyLock::new(|| Keywords::new(&["usage"]));

/// Whether a line could hold a `usage` key, judged from its bytes alone ([`Keywords`]), so
/// this never hides a record.
fn may_hold_usage(line: &[u8]) -> bool {
    USAGE_KEY.may_occur_in(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> (LineOutcome, Vec<UsageRecord>) {
        let mut p = GenericParser::new(&SourceContext::new("logs/proxy-2025-10.jsonl"));
        let mut out = Vec::new();
        let outcome = p.parse_line(line.as_bytes(), &mut out);
        (outcome, out)
    }

    fn one(line: &str) -> UsageRecord {
        let (outcome, mut out) = parse(line);
        assert_eq!(outcome, LineOutcome::Records(1), "{line}");
        out.pop().unwrap()
    }

    fn counts(r: &UsageRecord) -> (u64, u64, u64, u64, u64) {
        let t = &r.tokens;
        (
            t.input,
            t.cache_creation,
            t.cache_read,
            t.output,
            t.reasoning,
        )
    }

    #[test]
    fn chat_completion() {
        let r = one(
            r#"{"id":"chatcmpl-1","object":"chat.completion","created":1761400000,"model":"gpt-4.1","choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":3200,"completion_tokens":180,"total_tokens":3380,"prompt_tokens_details":{"cached_tokens":2048},"completion_tokens_details":{"reasoning_tokens":0}}}"#,
        );
        assert_eq!(counts(&r), (1152, 0, 2048, 180, 0));
        assert_eq!(r.dedup_key, "chatcmpl-1@1761400000000");
        assert_eq!(r.timestamp_ms, 1_761_400_000_000);
        assert_eq!(r.session, "proxy-2025-10");
        assert_eq!(r.model.as_deref(), Some("gpt-4.1"));
        assert_eq!(r.project, None);
    }

    #[test]
    fn stream_chunks_without_usage_are_ignored() {
        for line in [
            r#"{"id":"c","object":"chat.completion.chunk","created":1761400100,"choices":[{"delta":{"content":"x"}}],"usage":null}"#,
            r#"{"id":"c","object":"chat.completion.chunk","created":1761400100,"choices":[]}"#,
            r#"{"type":"response.created","response":{"id":"resp_1","created_at":1761400300,"usage":null}}"#,
            r#"{"id":"c","created":1761400100,"usage":{"prompt_tokens":0,"completion_tokens":0}}"#,
            r#"{"id":"c","created":1761400100,"usage":{"total_tokens":50}}"#,
            r#"{"id":"c","created":1761400100,"usage":"lots"}"#,
        ] {
            assert_eq!(parse(line).0, LineOutcome::Ignored, "{line}");
        }
    }

    #[test]
    fn responses_event_and_wrappers() {
        let r = one(
            r#"{"type":"response.completed","sequence_number":42,"response":{"id":"resp_4","object":"response","created_at":1761400300,"model":"gpt-5-mini","usage":{"input_tokens":1200,"input_tokens_details":{"cached_tokens":0},"output_tokens":64,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":1264}}}"#,
        );
        assert_eq!(counts(&r), (1200, 0, 0, 64, 0));
        assert_eq!(r.dedup_key, "resp_4@1761400300000");
        // A proxy wrapper: time and session from outside, id and model from inside.
        let r = one(
            r#"{"timestamp":"2025-10-25T12:00:00Z","session_id":"s-9","data":{"type":"response.completed","response":{"id":"resp_5","model":"gpt-5","usage":{"input_tokens":10,"output_tokens":5}}}}"#,
        );
        assert_eq!(r.timestamp_ms, 1_761_393_600_000);
        assert_eq!(r.session, "s-9");
        assert_eq!(r.dedup_key, "resp_5");
        assert_eq!(r.model.as_deref(), Some("gpt-5"));
        // `result` wrapper, Responses conversation object.
        let r = one(
            r#"{"result":{"id":"resp_6","created_at":1761400400,"conversation":{"id":"conv_1"},"usage":{"input_tokens":10,"output_tokens":5}}}"#,
        );
        assert_eq!(r.session, "conv_1");
        // Too deep: four objects below the top.
        let deep = r#"{"data":{"data":{"data":{"data":{"created":1761400400,"usage":{"input_tokens":10}}}}}}"#;
        assert_eq!(parse(deep).0, LineOutcome::Ignored);
        let three =
            r#"{"data":{"data":{"data":{"created":1761400400,"usage":{"input_tokens":10}}}}}"#;
        assert_eq!(one(three).tokens.input, 10);
    }

    #[test]
    fn the_nearest_usage_wins() {
        let r = one(
            r#"{"id":"outer","created":1761400000,"usage":{"prompt_tokens":7},"response":{"id":"inner","usage":{"prompt_tokens":99}}}"#,
        );
        assert_eq!(
            (r.tokens.input, r.dedup_key.as_str()),
            (7, "outer@1761400000000")
        );
        // Breadth-first: `result.usage` (depth 1) before `response.data.usage` (depth 2).
        let r = one(
            r#"{"created":1761400000,"response":{"data":{"usage":{"prompt_tokens":2}}},"result":{"usage":{"prompt_tokens":1}}}"#,
        );
        assert_eq!(r.tokens.input, 1);
        assert!(r.dedup_key.starts_with("line:"));
    }

    #[test]
    fn vendor_variants() {
        // DeepSeek.
        let r = one(
            r#"{"id":"d","created":1761400400,"model":"deepseek-chat","usage":{"prompt_tokens":1000,"completion_tokens":50,"total_tokens":1050,"prompt_cache_hit_tokens":640,"prompt_cache_miss_tokens":360}}"#,
        );
        assert_eq!(counts(&r), (360, 0, 640, 50, 0));
        let r = one(
            r#"{"created":1761400400,"usage":{"prompt_cache_hit_tokens":640,"prompt_cache_miss_tokens":360,"completion_tokens":1}}"#,
        );
        assert_eq!(counts(&r), (360, 0, 640, 1, 0));
        // An Anthropic-compatible proxy on an OpenAI-shaped usage.
        let r = one(
            r#"{"created":1761400400,"usage":{"prompt_tokens":5000,"completion_tokens":10,"cache_read_input_tokens":3000,"cache_creation_input_tokens":1500}}"#,
        );
        assert_eq!(counts(&r), (500, 1500, 3000, 10, 0));
        // Anthropic's own additive shape.
        let r = one(
            r#"{"id":"msg_1","type":"message","timestamp":"2025-10-25T12:00:00Z","usage":{"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":30}}"#,
        );
        assert_eq!(counts(&r), (12, 100, 2000, 30, 0));
        // codex exec --json.
        let r = one(
            r#"{"type":"turn.completed","timestamp":1761400400,"usage":{"input_tokens":900,"cached_input_tokens":800,"output_tokens":40,"reasoning_output_tokens":8}}"#,
        );
        assert_eq!(counts(&r), (100, 0, 800, 40, 8));
        // OpenRouter's cost.
        let r = one(
            r#"{"id":"gen-1","created":1761400400,"usage":{"prompt_tokens":10,"completion_tokens":2,"cost":0.0125}}"#,
        );
        assert_eq!(r.reported_cost_pusd, Some(12_500_000_000));
    }

    #[test]
    fn hostile_counts_saturate_and_clamp() {
        let r = one(
            r#"{"created":1761400400,"usage":{"prompt_tokens":10,"prompt_tokens_details":{"cached_tokens":"99"},"completion_tokens":5,"completion_tokens_details":{"reasoning_tokens":1e30}}}"#,
        );
        assert_eq!(counts(&r), (0, 0, 99, 5, 5));
        let r = one(
            r#"{"created":1761400400,"usage":{"prompt_tokens":18446744073709551615,"completion_tokens":18446744073709551615}}"#,
        );
        assert_eq!(r.tokens.total(), u64::MAX);
    }

    #[test]
    fn malformed_lines() {
        assert_eq!(
            parse("nope").0,
            LineOutcome::Skipped(SkipReason::InvalidJson)
        );
        assert_eq!(
            parse("[{}]").0,
            LineOutcome::Skipped(SkipReason::NotAnObject)
        );
        assert_eq!(
            parse(r#"{"id":"x","usage":{"prompt_tok"#).0,
            LineOutcome::Skipped(SkipReason::InvalidJson)
        );
        assert_eq!(
            parse(r#"{"id":"x","usage":{"prompt_tokens":5}}"#).0,
            LineOutcome::Skipped(SkipReason::MissingField)
        );
        assert_eq!(
            parse(r#"{"id":"x","created":0,"usage":{"prompt_tokens":5}}"#).0,
            LineOutcome::Skipped(SkipReason::MissingField)
        );
        // No `usage` anywhere: not even parsed.
        assert_eq!(parse("{not json").0, LineOutcome::Ignored);
        // Python's NaN in an unread field does not lose the line.
        let r = one(
            r#"{"id":"x","created":1761400400,"temperature":NaN,"usage":{"prompt_tokens":5,"cost":NaN}}"#,
        );
        assert_eq!(r.reported_cost_pusd, None);
    }

    #[test]
    fn escaped_usage_key_is_read() {
        let r = one(r#"{"created":1761400400,"\u0075sage":{"prompt_tokens":5}}"#);
        assert_eq!(r.tokens.input, 5);
        assert!(!may_hold_usage(br#"{"text":"\u001b[0m"}"#));
    }

    #[test]
    fn keys() {
        assert_eq!(response_key("a", None), "a");
        assert_eq!(response_key("a", Some(5)), "a@5");
        let long = "é".repeat(MAX_ID_LEN);
        let k = response_key(&long, Some(1_761_400_400_000));
        assert!(k.len() <= MAX_ID_LEN && k.ends_with("@1761400400000"));
        // Without an id, the same bytes give the same key.
        let line = r#"{"created":1761400400,"usage":{"prompt_tokens":5}}"#;
        assert_eq!(one(line).dedup_key, one(line).dedup_key);
    }

    #[test]
    fn sessions_and_fallbacks() {
        for (field, want) in [
            (r#""session_id":"a""#, "a"),
            (r#""sessionId":"b""#, "b"),
            (r#""session":"c""#, "c"),
            (r#""conversation_id":"d""#, "d"),
            (r#""conversationId":"e""#, "e"),
            (r#""conversation":"f""#, "f"),
            (r#""conversation":{"id":"g","items":[1]}"#, "g"),
            (r#""thread_id":7"#, "7"),
            (r#""session":{"id":"h"}"#, "proxy-2025-10"),
            (r#""session_id":"""#, "proxy-2025-10"),
        ] {
            let line = format!(r#"{{{field},"created":1761400400,"usage":{{"prompt_tokens":5}}}}"#);
            assert_eq!(one(&line).session, want, "{field}");
        }
        let mut p = GenericParser::new(&SourceContext::new(""));
        let mut out = Vec::new();
        p.parse_line(
            br#"{"created":1761400400,"usage":{"prompt_tokens":5}}"#,
            &mut out,
        );
        assert_eq!(out[0].session, FALLBACK_SESSION);
    }

    /// Nesting, in the objects looked into or below them, never recurses deeply: on a small
    /// thread stack, 100,000 levels are skipped and a usage below them is not looked for.
    #[test]
    fn deep_nesting_does_not_exhaust_the_stack() {
        let run = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let mut outcomes = Vec::new();
                for open in [r#"{"data":"#, r#"{"x":"#, "["] {
                    for top_usage in [true, false] {
                        let close = if open == "[" { "]" } else { "}" };
                        let mut line =
                            r#"{"created":1761400400,"data":{"data":{"data":"#.to_owned();
                        line.push_str(&open.repeat(100_000));
                        line.push_str(r#"{"usage":{"prompt_tokens":5}}"#);
                        line.push_str(&close.repeat(100_000));
                        line.push_str("}}");
                        if top_usage {
                            line.push_str(r#","usage":{"prompt_tokens":1}"#);
                        }
                        line.push('}');
                        let mut p = GenericParser::new(&SourceContext::new("a.jsonl"));
                        let mut out = Vec::new();
                        let outcome = p.parse_line(line.as_bytes(), &mut out);
                        outcomes.push((outcome, out.iter().map(|r| r.tokens.input).sum::<u64>()));
                    }
                }
                outcomes
            })
            .unwrap()
            .join()
            .unwrap();
        let want = [(LineOutcome::Records(1), 1), (LineOutcome::Ignored, 0)];
        assert_eq!(run, want.repeat(3));
    }

    #[test]
    fn no_default_roots() {
        let env = Env::isolated("/home/u");
        assert!(GenericOpenai.default_roots(&env).is_empty());
        assert!(GenericOpenai.file_patterns().is_empty());
    }
}
