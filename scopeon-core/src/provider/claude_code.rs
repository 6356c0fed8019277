//! Claude Code transcripts (`~/.claude/projects/**/*.jsonl`).
//!
//! Only `assistant` lines with an object at `message.usage` carry usage. One API response is
//! written as several lines, one per content block, sharing `message.id` and `requestId`, and
//! resumed sessions copy them into new files. So this parser emits one record per usage line,
//! keyed `<message.id>:<requestId>` ([`message_key`]), and the store merges the copies:
//! largest counters, earliest timestamp, sidechain replays kept but not counted.
//! `<synthetic>` and all-zero lines are ignored; `usage.speed: "fast"` marks fast mode; the
//! legacy `costUSD` is kept as the reported cost.
//!
//! The parser is stateless: every line stands alone. Object lines whose bytes cannot spell a
//! `usage` key (see `may_hold_usage`) are ignored without being parsed.
//!
//! Format notes and every decision: `docs/providers/claude_code.md`.

use std::sync::LazyLock;

use camino::{Utf8Path, Utf8PathBuf};
use serde::Deserialize;

use super::lenient::{Count, Flag, Keywords, Obj, Stamp, Text, Usd};
use super::{LineOutcome, LineParser, Provider, SkipReason, SourceContext, StateError};
use crate::env::Env;
use crate::record::{
    ProviderId, RecordFlags, TokenCounts, UsageRecord, bounded_id, bounded_message_id, message_key,
    usd_to_pusd,
};

/// The Claude Code provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClaudeCode;

/// The model id Claude Code writes on locally generated messages.
const SYNTHETIC_MODEL: &str = "<synthetic>";

impl Provider for ClaudeCode {
    fn id(&self) -> ProviderId {
        ProviderId::ClaudeCode
    }

    /// 2: `usage.speed: "fast"` is read (fast mode is billed at a multiple).
    fn parser_version(&self) -> u32 {
        2
    }

    /// `$CLAUDE_CONFIG_DIR` (a comma-separated list is accepted) replaces the defaults
    /// `~/.claude` and `$XDG_CONFIG_HOME/claude` (docs/roots.md).
    fn default_roots(&self, env: &Env) -> Vec<Utf8PathBuf> {
        if let Some(roots) = env.path_list("CLAUDE_CONFIG_DIR") {
            return roots;
        }
        let mut roots = Vec::new();
        if let Some(home) = env.home() {
            roots.push(home.join(".claude"));
        }
        if let Some(config) = env.xdg_config_home() {
            roots.push(config.join("claude"));
        }
        roots
    }

    fn file_patterns(&self) -> &'static [&'static str] {
        &["projects/**/*.jsonl"]
    }

    /// Workflow agents keep a `journal.jsonl` beside their transcripts; it is not one.
    fn excludes(&self, relative_path: &Utf8Path) -> bool {
        relative_path.file_name() == Some("journal.jsonl")
            && relative_path
                .components()
                .any(|c| c.as_str() == "subagents")
    }

    fn parser(
        &self,
        ctx: &SourceContext,
        _state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError> {
        Ok(Box::new(ClaudeParser::new(ctx)))
    }
}

/// The line parser for one Claude Code transcript.
#[derive(Debug)]
pub struct ClaudeParser {
    /// Session id to use when a line has none: the file stem.
    fallback_session: String,
    /// Whether the file itself is a subagent transcript.
    subagent_file: bool,
}

impl ClaudeParser {
    /// A parser for the transcript described by `ctx`.
    pub fn new(ctx: &SourceContext) -> ClaudeParser {
        let subagent_file = ctx
            .relative_path
            .components()
            .any(|c| c.as_str() == "subagents")
            || ctx.file_stem().starts_with("agent-");
        ClaudeParser {
            fallback_session: bounded_id(ctx.file_stem()),
            subagent_file,
        }
    }
}

// The metadata-only view of a line. Every field is lenient (see `lenient`), and nothing that
// holds prompt text, code or tool output is declared, so serde skips it without allocating.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Line<'a> {
    #[serde(rename = "type", borrow)]
    kind: Text<'a>,
    #[serde(borrow)]
    message: Obj<Message<'a>>,
    #[serde(rename = "sessionId", borrow)]
    session_id: Text<'a>,
    #[serde(rename = "requestId", borrow)]
    request_id: Text<'a>,
    timestamp: Stamp,
    #[serde(borrow)]
    cwd: Text<'a>,
    #[serde(rename = "isSidechain")]
    is_sidechain: Flag,
    #[serde(rename = "costUSD")]
    cost_usd: Usd,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow)]
    model: Text<'a>,
    #[serde(borrow)]
    usage: Obj<Usage<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Usage<'a> {
    input_tokens: Count,
    output_tokens: Count,
    cache_creation_input_tokens: Count,
    cache_read_input_tokens: Count,
    cache_creation: Obj<CacheCreation>,
    #[serde(borrow)]
    speed: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CacheCreation {
    ephemeral_5m_input_tokens: Count,
    ephemeral_1h_input_tokens: Count,
}

impl LineParser for ClaudeParser {
    fn parse_line(&mut self, line: &[u8], out: &mut Vec<UsageRecord>) -> LineOutcome {
        if let Some(reason) = super::lenient::non_object_skip(line) {
            return LineOutcome::Skipped(reason);
        }
        if !may_hold_usage(line) {
            return LineOutcome::Ignored;
        }
        self.parse_object(line, out)
    }

    fn state(&self) -> Vec<u8> {
        Vec::new()
    }
}

impl ClaudeParser {
    /// Parses a line that starts like an object, without the byte pre-filter.
    fn parse_object(&self, line: &[u8], out: &mut Vec<UsageRecord>) -> LineOutcome {
        let Ok(parsed) = serde_json::from_slice::<Line<'_>>(line) else {
            return LineOutcome::Skipped(SkipReason::InvalidJson);
        };
        if parsed.kind.get() != Some("assistant") {
            return LineOutcome::Ignored;
        }
        let Some(message) = parsed.message.0 else {
            return LineOutcome::Ignored;
        };
        let Some(usage) = message.usage.0 else {
            return LineOutcome::Ignored;
        };
        let model = message.model.get();
        if model == Some(SYNTHETIC_MODEL) {
            return LineOutcome::Ignored;
        }
        let tokens = tokens_of(&usage);
        if tokens.is_zero() {
            return LineOutcome::Ignored;
        }
        let Some(timestamp_ms) = parsed.timestamp.0 else {
            return LineOutcome::Skipped(SkipReason::MissingField);
        };
        let message_id = message.id.get();
        // Ids are bounded before they are joined, so the key keeps the `<message id>:` form
        // the store relies on.
        let message_id = message_id.map(bounded_message_id);
        // `message_of_key` reads the message back from these forms: change them together.
        let dedup_key = match (&message_id, parsed.request_id.get()) {
            (Some(m), r) => message_key(m, r),
            (None, Some(r)) => format!("{REQUEST_KEY_PREFIX}{}", bounded_id(r)),
            (None, None) => format!("{LINE_KEY_PREFIX}{:016x}", crate::hash::fnv1a64(line)),
        };
        let sidechain = parsed.is_sidechain.0;
        out.push(UsageRecord {
            provider: ProviderId::ClaudeCode,
            session: parsed
                .session_id
                .get()
                .map(bounded_id)
                .unwrap_or_else(|| self.fallback_session.clone()),
            project: parsed.cwd.get().map(bounded_id),
            model: model.map(bounded_id),
            timestamp_ms,
            dedup_key,
            message_id,
            flags: RecordFlags {
                subagent: sidechain || self.subagent_file,
                sidechain,
                estimated: false,
                aggregate: false,
                fast: usage.speed.get() == Some("fast"),
            },
            tokens,
            reported_cost_pusd: parsed.cost_usd.0.and_then(usd_to_pusd),
            requests: 1,
            premium_requests_milli: 0,
        });
        LineOutcome::Records(1)
    }
}

/// The pre-filter: only a line that can spell a `usage` key can carry usage.
static USAGE_KEY: LazyLock<Keywords> = LazyLock::new(|| Keywords::new(&["usage"]));

/// Whether a line could hold a `usage` key, judged from its bytes alone ([`Keywords`]).
///
/// Most bytes of a transcript are prompts and tool output in lines without usage, and skipping
/// their parse is most of a scan's speed.
fn may_hold_usage(line: &[u8]) -> bool {
    USAGE_KEY.may_occur_in(line)
}

/// Claude's fields already have the normalized meanings (docs/tokens.md): input excludes cache.
fn tokens_of(usage: &Usage<'_>) -> TokenCounts {
    let (split_5m, split_1h) = usage
        .cache_creation
        .0
        .as_ref()
        .map(|c| (c.ephemeral_5m_input_tokens.0, c.ephemeral_1h_input_tokens.0))
        .unwrap_or((0, 0));
    // Some builds write the split but not the total; the total is never less than its parts.
    let cache_creation = usage
        .cache_creation_input_tokens
        .0
        .max(split_5m.saturating_add(split_1h));
    TokenCounts {
        input: usage.input_tokens.0,
        cache_creation,
        cache_creation_5m: split_5m,
        cache_creation_1h: split_1h,
        cache_read: usage.cache_read_input_tokens.0,
        output: usage.output_tokens.0,
        reasoning: 0,
    }
}

/// Key prefix of a record with a request id but no message id.
const REQUEST_KEY_PREFIX: &str = "request:";
/// Key prefix of a record with neither: the line's hash.
const LINE_KEY_PREFIX: &str = "line:";

/// The message id a Claude Code dedup key was made from ([`message_key`]), or `None` for the
/// keys of records without one (`request:…`, `line:…`). The store groups a message's copies
/// by it (docs/storage.md, "The record key"). A message id is cut at its first `:`; vendor
/// message ids have none.
pub(crate) fn message_of_key(dedup_key: &str) -> Option<&str> {
    if dedup_key.starts_with(REQUEST_KEY_PREFIX) || dedup_key.starts_with(LINE_KEY_PREFIX) {
        return None;
    }
    dedup_key.split_once(':').map(|(message, _)| message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(rel: &str, line: &str) -> (LineOutcome, Vec<UsageRecord>) {
        let mut p = ClaudeParser::new(&SourceContext::new(rel));
        let mut out = Vec::new();
        let outcome = p.parse_line(line.as_bytes(), &mut out);
        (outcome, out)
    }

    const MAIN: &str = "projects/-home-dev-acme-api/3f0c9a2e-5b1d-4c7e-9a10-2d4e6f8a0b1c.jsonl";

    #[test]
    fn assistant_line_becomes_a_record() {
        let line = r#"{"cwd":"/home/dev/acme-api","sessionId":"s1","message":{"id":"msg_1","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"SECRET"}],"usage":{"input_tokens":6,"cache_creation_input_tokens":2048,"cache_read_input_tokens":18230,"cache_creation":{"ephemeral_5m_input_tokens":2048,"ephemeral_1h_input_tokens":0},"output_tokens":311}},"requestId":"req_1","type":"assistant","timestamp":"2025-10-03T09:15:05.402Z"}"#;
        let (outcome, out) = parse(MAIN, line);
        assert_eq!(outcome, LineOutcome::Records(1));
        let r = &out[0];
        assert_eq!(r.dedup_key, "msg_1:req_1");
        assert_eq!(r.session, "s1");
        assert_eq!(r.project.as_deref(), Some("/home/dev/acme-api"));
        assert_eq!(r.tokens.cache_creation_5m, 2048);
        assert_eq!(r.tokens.total(), 6 + 2048 + 18230 + 311);
        assert!(!r.flags.subagent);
    }

    #[test]
    fn non_usage_lines_are_ignored() {
        for line in [
            r#"{"type":"user","message":{"role":"user","content":"x"}}"#,
            r#"{"type":"summary","summary":"x","leafUuid":"u"}"#,
            r#"{"type":"assistant","message":{"model":"<synthetic>","usage":{"input_tokens":5}},"timestamp":"2025-10-03T09:15:05.402Z"}"#,
            r#"{"type":"assistant","message":{"id":"m","model":"claude-opus-4-1","usage":{"input_tokens":0,"output_tokens":0}},"timestamp":"2025-10-03T09:15:05.402Z"}"#,
            r#"{"type":"assistant","message":"not an object"}"#,
            r#"{"type":"assistant","message":{"usage":null}}"#,
        ] {
            assert_eq!(parse(MAIN, line).0, LineOutcome::Ignored, "{line}");
        }
    }

    #[test]
    fn malformed_lines_are_counted_skips() {
        assert_eq!(
            parse(MAIN, "not json").0,
            LineOutcome::Skipped(SkipReason::InvalidJson)
        );
        // A line cut mid-write (a crash) that may have held usage.
        assert_eq!(
            parse(
                MAIN,
                r#"{"type":"assistant","message":{"usage":{"input_tok"#
            )
            .0,
            LineOutcome::Skipped(SkipReason::InvalidJson)
        );
        // An object line that cannot hold usage is not parsed, so not judged either.
        assert_eq!(parse(MAIN, "{not json").0, LineOutcome::Ignored);
        assert_eq!(
            parse(MAIN, "[1,2,3]").0,
            LineOutcome::Skipped(SkipReason::NotAnObject)
        );
        assert_eq!(
            parse(MAIN, "42").0,
            LineOutcome::Skipped(SkipReason::NotAnObject)
        );
        let no_time = r#"{"type":"assistant","message":{"id":"m","usage":{"input_tokens":3}}}"#;
        assert_eq!(
            parse(MAIN, no_time).0,
            LineOutcome::Skipped(SkipReason::MissingField)
        );
    }

    #[test]
    fn oddly_typed_unread_content_does_not_fail_a_usage_line() {
        let line = r#"{"type":"assistant","toolUseResult":{"deep":[[[[{"a":null}]]]]},"isSidechain":"true","costUSD":"0.5","message":{"id":7,"model":"claude-haiku-4-5","content":12,"usage":{"input_tokens":"3","output_tokens":4.0,"cache_creation":"weird"}},"timestamp":"2026-01-01T00:00:00Z"}"#;
        let (outcome, out) = parse(MAIN, line);
        assert_eq!(outcome, LineOutcome::Records(1));
        assert_eq!(out[0].dedup_key, "7:");
        assert_eq!(out[0].tokens.input, 3);
        assert_eq!(out[0].tokens.output, 4);
        assert!(out[0].flags.sidechain);
        assert_eq!(out[0].reported_cost_pusd, Some(500_000_000_000));
    }

    #[test]
    fn escaped_usage_keys_are_still_read() {
        let line = r#"{"type":"assistant","message":{"id":"m","\u0075sage":{"output_tokens":4}},"timestamp":"2026-01-01T00:00:00Z"}"#;
        assert_eq!(parse(MAIN, line).0, LineOutcome::Records(1));
        let partly = r#"{"type":"assistant","message":{"id":"m","us\u0061ge":{"output_tokens":4}},"timestamp":"2026-01-01T00:00:00Z"}"#;
        assert_eq!(parse(MAIN, partly).0, LineOutcome::Records(1));
        let plain = r#"{"type":"user","message":{"content":"a long tool result \u001b[31m"}}"#;
        assert!(!may_hold_usage(plain.as_bytes()));
        assert_eq!(parse(MAIN, plain).0, LineOutcome::Ignored);
    }

    proptest::proptest! {
        /// The pre-filter never hides usage: whenever the full parse finds a record, the
        /// bytes pass the filter, whatever spelling the keys use.
        #[test]
        fn prefilter_never_rejects_usage(
            key in proptest::sample::select(vec![
                "usage", "\\u0075sage", "us\\u0061ge", "usag\\u0065", "u\\u0073age",
                "usa\\u0067e", "\\u0055sage", "usagе", "content",
            ]),
            filler in "[a-z \\\\\"]{0,20}",
            escape in proptest::sample::select(vec!["", "\\u001b", "\\u00e9", "\\n"]),
        ) {
            let line = format!(
                r#"{{"type":"assistant","x":"{}{escape}","message":{{"id":"m","{key}":{{"output_tokens":3}}}},"timestamp":"2026-01-01T00:00:00Z"}}"#,
                filler.replace('\\', "\\\\").replace('"', "\\\""),
            );
            let p = ClaudeParser::new(&SourceContext::new(MAIN));
            let mut out = Vec::new();
            if p.parse_object(line.as_bytes(), &mut out) == LineOutcome::Records(1) {
                proptest::prop_assert!(may_hold_usage(line.as_bytes()), "{}", line);
            }
        }
    }

    #[test]
    fn subagent_files_and_fallbacks() {
        let line = r#"{"type":"assistant","message":{"usage":{"output_tokens":9}},"timestamp":"2026-01-01T00:00:00Z"}"#;
        let (_, out) = parse("projects/p/sess/subagents/agent-a1.jsonl", line);
        assert!(out[0].flags.subagent);
        assert!(!out[0].flags.sidechain);
        assert_eq!(out[0].session, "agent-a1");
        assert!(out[0].dedup_key.starts_with("line:"));
        assert_eq!(out[0].model, None);
        // The same bytes always give the same key, so re-reading never double counts.
        let (_, again) = parse("projects/p/other.jsonl", line);
        assert_eq!(again[0].dedup_key, out[0].dedup_key);
    }

    #[test]
    fn fast_mode_is_flagged() {
        let line = r#"{"type":"assistant","message":{"id":"m","model":"claude-opus-4-6","usage":{"input_tokens":1,"output_tokens":2,"speed":"fast"}},"timestamp":"2026-03-01T00:00:00Z"}"#;
        assert!(parse(MAIN, line).1[0].flags.fast);
        let standard = line.replace("\"fast\"", "\"standard\"");
        assert!(!parse(MAIN, &standard).1[0].flags.fast);
    }

    #[test]
    fn split_without_total_and_legacy_cost() {
        let line = r#"{"type":"assistant","costUSD":0.0913,"message":{"id":"m","model":"claude-opus-4-20250514","usage":{"input_tokens":12,"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":50},"output_tokens":95}},"requestId":"r","timestamp":"2025-05-28T17:02:44.870Z"}"#;
        let (_, out) = parse(MAIN, line);
        assert_eq!(out[0].tokens.cache_creation, 150);
        assert_eq!(out[0].tokens.cache_creation_unsplit(), 0);
        assert_eq!(out[0].reported_cost_pusd, Some(91_300_000_000));
    }

    #[test]
    fn roots_follow_contracts() {
        let env = Env::isolated("/home/u");
        assert_eq!(
            ClaudeCode.default_roots(&env),
            vec![
                Utf8PathBuf::from("/home/u/.claude"),
                Utf8PathBuf::from("/home/u/.config/claude")
            ]
        );
        let env = Env::isolated("/home/u").with_vars(&[("CLAUDE_CONFIG_DIR", "/a, ~/b")]);
        assert_eq!(
            ClaudeCode.default_roots(&env),
            vec![Utf8PathBuf::from("/a"), Utf8PathBuf::from("/home/u/b")]
        );
        let env = Env::isolated("/home/u").with_vars(&[("XDG_CONFIG_HOME", "/xdg")]);
        assert_eq!(ClaudeCode.default_roots(&env)[1], "/xdg/claude");
    }

    #[test]
    fn journal_is_excluded() {
        assert!(ClaudeCode.excludes(Utf8Path::new(
            "projects/p/s/subagents/workflows/w/journal.jsonl"
        )));
        assert!(!ClaudeCode.excludes(Utf8Path::new("projects/p/journal.jsonl")));
    }
}
